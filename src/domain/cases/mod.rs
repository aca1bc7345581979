//! Cases and incidents: their closed value sets and the two workflows they
//! move through, as data. [`WORKFLOW`] is the one definition: the service
//! refuses what it does not allow, `availableTransitions` lists what it
//! allows for a viewer, the `workflow` query serves it and docs/cases.md
//! renders it (`steerql workflow`). No other code decides which step may follow which.

use super::permissions::Operation;

mod dating;
mod decide;
mod standing;
mod workflow;

pub use dating::*;
pub use decide::*;
pub use standing::*;
pub use workflow::*;

string_enum!(
    /// A criminal case ("vụ án") or a matter under verification ("vụ việc").
    CaseKind { Case = "CASE", Incident = "INCIDENT" }
);

string_enum!(
    /// Where a matter stands: in the committee's monitoring, and in the
    /// functional agencies' procedure. The names of both workflows' states
    /// are distinct, so one set serves both.
    CaseState {
        Proposed = "PROPOSED",
        UnderMonitoring = "UNDER_MONITORING",
        MonitoringEnded = "MONITORING_ENDED",
        Declined = "DECLINED",
        Verification = "VERIFICATION",
        Concluded = "CONCLUDED",
        TransferredToInvestigation = "TRANSFERRED_TO_INVESTIGATION",
        Prosecuted = "PROSECUTED",
        Investigation = "INVESTIGATION",
        Indictment = "INDICTMENT",
        FirstInstanceTrial = "FIRST_INSTANCE_TRIAL",
        AppealTrial = "APPEAL_TRIAL",
        SentenceExecution = "SENTENCE_EXECUTION",
        Closed = "CLOSED",
        Suspended = "SUSPENDED",
        Dismissed = "DISMISSED",
    }
);

string_enum!(
    /// The two workflows a matter moves through at once.
    Machine { Monitoring = "MONITORING", Procedure = "PROCEDURE" }
);

string_enum!(
    /// The domain a matter concerns.
    CaseField {
        Land = "LAND",
        Banking = "BANKING",
        Health = "HEALTH",
        Procurement = "PROCUREMENT",
        Education = "EDUCATION",
        Energy = "ENERGY",
        Infrastructure = "INFRASTRUCTURE",
        NaturalResources = "NATURAL_RESOURCES",
        PublicFinance = "PUBLIC_FINANCE",
        Other = "OTHER",
    }
);

string_enum!(
    /// Where a matter came to light.
    CaseSource {
        Inspection = "INSPECTION",
        Audit = "AUDIT",
        Denunciation = "DENUNCIATION",
        Press = "PRESS",
        Investigation = "INVESTIGATION",
        Other = "OTHER",
    }
);

string_enum!(
    /// Where a defendant stands.
    DefendantStatus {
        Prosecuted = "PROSECUTED",
        Indicted = "INDICTED",
        Convicted = "CONVICTED",
        Acquitted = "ACQUITTED",
        FledTriedInAbsentia = "FLED_TRIED_IN_ABSENTIA",
    }
);

string_enum!(
    /// Who a disciplinary action is against.
    DisciplineSubject { Organisation = "ORGANISATION", Individual = "INDIVIDUAL" }
);

string_enum!(
    /// The Party's disciplinary forms, mildest first.
    DisciplineForm { Reprimand = "REPRIMAND", Warning = "WARNING", Dismissal = "DISMISSAL", Expulsion = "EXPULSION" }
);

string_enum!(
    /// Every step of the two workflows, by name.
    Transition {
        TakeUnderMonitoring = "TAKE_UNDER_MONITORING",
        DeclineMonitoring = "DECLINE_MONITORING",
        EndMonitoring = "END_MONITORING",
        Reopen = "REOPEN",
        ConcludeVerification = "CONCLUDE_VERIFICATION",
        TransferToInvestigation = "TRANSFER_TO_INVESTIGATION",
        StartInvestigation = "START_INVESTIGATION",
        Indict = "INDICT",
        OpenTrial = "OPEN_TRIAL",
        OpenTrialInAbsentia = "OPEN_TRIAL_IN_ABSENTIA",
        Appeal = "APPEAL",
        ExecuteSentence = "EXECUTE_SENTENCE",
        Close = "CLOSE",
        Suspend = "SUSPEND",
        Resume = "RESUME",
        Dismiss = "DISMISS",
    }
);

string_enum!(
    /// What a step must carry besides who takes it.
    Requirement { DecisionRef = "DECISION_REF", EffectiveOn = "EFFECTIVE_ON", Reason = "REASON" }
);

/// Where a step leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    State(CaseState),
    /// Back to the state the matter was suspended from.
    Previous,
}

/// What a step does besides moving the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    /// Opens a linked case for the matter the incident became.
    OpenLinkedCase,
    /// The trial goes ahead without the defendant (fled).
    InAbsentia,
    /// The case's defendants still `PROSECUTED` stand `INDICTED`.
    IndictDefendants,
}

/// Who takes a step on a matter the central committee assigned to a
/// province. The seeds: the central committee hands a matter to a
/// provincial committee to direct, and the matter stays on both lists; the
/// province directs its handling, but taking it off the central list (or
/// back onto it) stays the decision of the committee that put it there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnAssigned {
    /// Either committee, by the roles it gives (the step's operation decides).
    Either,
    /// Only the roles held through the assigning committee.
    AssigningCommittee,
}

impl OnAssigned {
    pub fn as_str(self) -> &'static str {
        match self {
            OnAssigned::Either => "either committee",
            OnAssigned::AssigningCommittee => "the assigning committee",
        }
    }
}

/// One step of a workflow.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    pub name: Transition,
    pub machine: Machine,
    /// The kinds of matter it applies to.
    pub kinds: &'static [CaseKind],
    pub from: &'static [CaseState],
    pub to: Target,
    /// The operation it is; the permission table says which roles hold it.
    pub operation: Operation,
    pub requires: &'static [Requirement],
    pub effect: Effect,
    /// Who takes it on an assigned matter.
    pub on_assigned: OnAssigned,
    pub description: &'static str,
}

#[cfg(test)]
mod tests {
    use super::CaseKind::{Case, Incident};
    use super::CaseState::*;
    use super::Requirement::Reason;
    use super::*;
    use crate::domain::principal::Role;
    use chrono::NaiveDate;

    fn facts(kind: CaseKind, monitoring: CaseState, procedure: CaseState) -> CaseFacts {
        CaseFacts { kind, monitoring, procedure, suspended_from: None, assigned: false }
    }

    const STANDING: Actor = Actor { roles: &[Role::Standing], assigning: &[], handles: false };

    fn full() -> StepDetails {
        StepDetails {
            decision_ref: Some("1/QD".into()),
            effective_on: NaiveDate::from_ymd_opt(2024, 1, 1),
            reason: Some("r".into()),
        }
    }

    #[test]
    fn every_step_has_one_name_and_leads_somewhere_its_kinds_can_be() {
        for t in Transition::ALL {
            assert_eq!(WORKFLOW.iter().filter(|s| s.name == *t).count(), 1, "{t:?}");
        }
        for s in WORKFLOW {
            for from in s.from {
                assert_eq!(from.machine(), s.machine, "{:?}", s.name);
                assert!(s.kinds.iter().all(|k| from.kinds().contains(k)), "{:?} from {from:?}", s.name);
            }
            if let Target::State(to) = s.to {
                assert_eq!(to.machine(), s.machine, "{:?}", s.name);
            }
        }
    }

    #[test]
    fn every_state_is_reachable_from_where_its_kind_starts() {
        for kind in CaseKind::ALL {
            let mut seen = vec![INITIAL_MONITORING, initial_procedure(*kind)];
            let mut grew = true;
            while grew {
                grew = false;
                for s in WORKFLOW.iter().filter(|s| s.kinds.contains(kind)) {
                    if let Target::State(to) = s.to
                        && s.from.iter().any(|f| seen.contains(f))
                        && !seen.contains(&to)
                    {
                        seen.push(to);
                        grew = true;
                    }
                }
            }
            for state in CaseState::ALL.iter().filter(|s| s.kinds().contains(kind)) {
                assert!(seen.contains(state), "{kind:?} never reaches {state:?}");
            }
        }
    }

    #[test]
    fn a_suspended_case_resumes_where_it_stopped() {
        let mut f = facts(Case, UnderMonitoring, Suspended);
        f.suspended_from = Some(Indictment);
        let officer = Actor { roles: &[Role::Officer], assigning: &[], handles: false };
        assert_eq!(decide(&f, &officer, Transition::Resume, &full()), Ok(Indictment));
    }

    #[test]
    fn a_closed_record_takes_nothing_but_a_reopen_with_a_reason() {
        let f = facts(Case, MonitoringEnded, Investigation);
        let officer = Actor { roles: &[Role::Officer, Role::Standing], assigning: &[], handles: false };
        assert_eq!(decide(&f, &officer, Transition::Indict, &full()), Err(Refusal::Closed));
        let no_reason = StepDetails { reason: None, ..full() };
        assert_eq!(decide(&f, &STANDING, Transition::Reopen, &no_reason), Err(Refusal::Missing(Reason)));
        assert_eq!(decide(&f, &STANDING, Transition::Reopen, &full()), Ok(UnderMonitoring));
    }

    #[test]
    fn an_agency_acts_only_on_the_matters_it_handles() {
        let f = facts(Case, UnderMonitoring, Prosecuted);
        let stranger = Actor { roles: &[Role::Agency], assigning: &[], handles: false };
        let handler = Actor { roles: &[Role::Agency], assigning: &[], handles: true };
        assert!(matches!(
            decide(&f, &stranger, Transition::StartInvestigation, &full()),
            Err(Refusal::NotYours { .. })
        ));
        assert_eq!(decide(&f, &handler, Transition::StartInvestigation, &full()), Ok(Investigation));
        assert!(available(&f, &handler).iter().all(|s| s.machine == Machine::Procedure));
    }

    #[test]
    fn a_step_from_the_wrong_state_names_the_ones_allowed() {
        let f = facts(Incident, Proposed, Verification);
        match decide(&f, &STANDING, Transition::EndMonitoring, &full()) {
            Err(Refusal::NotFromHere { state, allowed }) => {
                assert_eq!(state, Proposed);
                assert!(allowed.contains(&Transition::TakeUnderMonitoring), "{allowed:?}");
                assert!(allowed.contains(&Transition::TransferToInvestigation), "{allowed:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn on_an_assigned_matter_only_the_assigning_committee_ends_or_reopens_monitoring() {
        let mut f = facts(Case, UnderMonitoring, Investigation);
        f.assigned = true;
        let province = Actor { roles: &[Role::Standing, Role::Officer], assigning: &[], handles: false };
        let central = Actor { roles: &[Role::Standing], assigning: &[Role::Standing], handles: false };
        assert_eq!(
            decide(&f, &province, Transition::EndMonitoring, &full()),
            Err(Refusal::AssigningCommittees {
                allowed: vec![Transition::Indict, Transition::Suspend, Transition::Dismiss]
            })
        );
        assert_eq!(decide(&f, &province, Transition::Indict, &full()), Ok(Indictment));
        assert_eq!(decide(&f, &central, Transition::EndMonitoring, &full()), Ok(MonitoringEnded));
        let ended = CaseFacts { monitoring: MonitoringEnded, ..f };
        assert!(available(&ended, &province).is_empty());
        assert_eq!(decide(&ended, &central, Transition::Reopen, &full()), Ok(UnderMonitoring));
        // The province takes an assigned matter under monitoring itself.
        let proposed = CaseFacts { monitoring: Proposed, ..f };
        let steps: Vec<_> = available(&proposed, &province).iter().map(|s| s.name).collect();
        assert!(steps.contains(&Transition::TakeUnderMonitoring) && !steps.contains(&Transition::DeclineMonitoring));
        // A matter nobody assigned is its own committee's to end.
        let unassigned = CaseFacts { assigned: false, ..f };
        assert_eq!(decide(&unassigned, &province, Transition::EndMonitoring, &full()), Ok(MonitoringEnded));
    }
}
