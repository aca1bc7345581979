//! Cases and incidents: their closed value sets and the two workflows they
//! move through, as data. [`WORKFLOW`] is the one definition: the service
//! refuses what it does not allow, `availableTransitions` lists what it
//! allows for a viewer, the `workflow` query serves it and docs/cases.md
//! renders it (`steerql workflow`). No other code decides which step may follow which.

use chrono::NaiveDate;

use super::permissions::Operation;
use super::principal::Role;

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

use CaseKind::{Case, Incident};
use CaseState::*;
use Requirement::{DecisionRef, EffectiveOn, Reason};

const BOTH: &[CaseKind] = &[Case, Incident];
const DECIDED: &[Requirement] = &[DecisionRef, EffectiveOn];
const DECIDED_WITH_REASON: &[Requirement] = &[DecisionRef, EffectiveOn, Reason];

const fn step(
    name: Transition,
    machine: Machine,
    kinds: &'static [CaseKind],
    from: &'static [CaseState],
    to: Target,
    requires: &'static [Requirement],
    description: &'static str,
) -> Step {
    let operation = match machine {
        Machine::Monitoring => Operation::DecideMonitoring,
        Machine::Procedure => Operation::RecordProcedure,
    };
    Step {
        name,
        machine,
        kinds,
        from,
        to,
        operation,
        requires,
        effect: Effect::None,
        on_assigned: OnAssigned::Either,
        description,
    }
}

const fn with(mut s: Step, effect: Effect) -> Step {
    s.effect = effect;
    s
}

/// A step that ends or resumes the record of an assigned matter: the
/// assigning committee's to take.
const fn assigners(mut s: Step) -> Step {
    s.on_assigned = OnAssigned::AssigningCommittee;
    s
}

/// Both workflows. Monitoring is the standing committee's decision;
/// procedure steps are recorded by the advisory staff or the agency that
/// handles the matter.
pub const WORKFLOW: &[Step] = &[
    step(
        Transition::TakeUnderMonitoring,
        Machine::Monitoring,
        BOTH,
        &[Proposed],
        Target::State(UnderMonitoring),
        DECIDED,
        "The standing committee takes the matter under monitoring and direction.",
    ),
    assigners(step(
        Transition::DeclineMonitoring,
        Machine::Monitoring,
        BOTH,
        &[Proposed],
        Target::State(Declined),
        &[Reason],
        "The standing committee decides not to monitor the matter.",
    )),
    assigners(step(
        Transition::EndMonitoring,
        Machine::Monitoring,
        BOTH,
        &[UnderMonitoring],
        Target::State(MonitoringEnded),
        DECIDED,
        "Handling is complete: the matter is removed from monitoring (its record is then closed).",
    )),
    assigners(step(
        Transition::Reopen,
        Machine::Monitoring,
        BOTH,
        &[MonitoringEnded, Declined],
        Target::State(UnderMonitoring),
        DECIDED_WITH_REASON,
        "A closed record is taken under monitoring again, for a stated reason.",
    )),
    step(
        Transition::ConcludeVerification,
        Machine::Procedure,
        &[Incident],
        &[Verification],
        Target::State(Concluded),
        DECIDED,
        "Verification ends without signs of crime.",
    ),
    with(
        step(
            Transition::TransferToInvestigation,
            Machine::Procedure,
            &[Incident],
            &[Verification],
            Target::State(TransferredToInvestigation),
            DECIDED_WITH_REASON,
            "Signs of crime were found: the matter goes to the investigation agency, and a linked case is opened.",
        ),
        Effect::OpenLinkedCase,
    ),
    step(
        Transition::StartInvestigation,
        Machine::Procedure,
        &[Case],
        &[Prosecuted],
        Target::State(Investigation),
        DECIDED,
        "The investigation agency starts investigating.",
    ),
    with(
        step(
            Transition::Indict,
            Machine::Procedure,
            &[Case],
            &[Investigation],
            Target::State(Indictment),
            DECIDED,
            "The procuracy issues the indictment; the defendants still prosecuted stand indicted.",
        ),
        Effect::IndictDefendants,
    ),
    step(
        Transition::OpenTrial,
        Machine::Procedure,
        &[Case],
        &[Indictment],
        Target::State(FirstInstanceTrial),
        DECIDED,
        "The court opens the first-instance trial.",
    ),
    with(
        step(
            Transition::OpenTrialInAbsentia,
            Machine::Procedure,
            &[Case],
            &[Indictment],
            Target::State(FirstInstanceTrial),
            DECIDED_WITH_REASON,
            "The court opens the first-instance trial without the defendant, who fled.",
        ),
        Effect::InAbsentia,
    ),
    step(
        Transition::Appeal,
        Machine::Procedure,
        &[Case],
        &[FirstInstanceTrial],
        Target::State(AppealTrial),
        DECIDED,
        "The judgment is appealed: the appeal court tries the case.",
    ),
    step(
        Transition::ExecuteSentence,
        Machine::Procedure,
        &[Case],
        &[FirstInstanceTrial, AppealTrial],
        Target::State(SentenceExecution),
        DECIDED,
        "The judgment takes effect and the sentence is executed.",
    ),
    step(
        Transition::Close,
        Machine::Procedure,
        &[Case],
        &[SentenceExecution],
        Target::State(Closed),
        DECIDED,
        "The sentence has been executed: the procedure is over.",
    ),
    step(
        Transition::Suspend,
        Machine::Procedure,
        &[Case],
        &[Investigation, Indictment, FirstInstanceTrial, AppealTrial],
        Target::State(Suspended),
        DECIDED_WITH_REASON,
        "The procedure is suspended (e.g. a defendant is gravely ill).",
    ),
    step(
        Transition::Resume,
        Machine::Procedure,
        &[Case],
        &[Suspended],
        Target::Previous,
        DECIDED,
        "The procedure resumes where it was suspended.",
    ),
    step(
        Transition::Dismiss,
        Machine::Procedure,
        &[Case],
        &[Prosecuted, Investigation, Indictment, Suspended],
        Target::State(Dismissed),
        DECIDED_WITH_REASON,
        "The case is dismissed.",
    ),
];

/// Where a new matter of each kind starts.
pub fn initial_procedure(kind: CaseKind) -> CaseState {
    match kind {
        Case => Prosecuted,
        Incident => Verification,
    }
}

pub const INITIAL_MONITORING: CaseState = Proposed;

impl CaseState {
    pub fn machine(self) -> Machine {
        match self {
            Proposed | UnderMonitoring | MonitoringEnded | Declined => Machine::Monitoring,
            _ => Machine::Procedure,
        }
    }

    /// The kinds of matter that can be in this state.
    pub fn kinds(self) -> &'static [CaseKind] {
        match self {
            Verification | Concluded | TransferredToInvestigation => &[Incident],
            s if s.machine() == Machine::Monitoring => BOTH,
            _ => &[Case],
        }
    }

    /// No step leads out of it (a reopen aside).
    pub fn is_terminal(self) -> bool {
        !WORKFLOW.iter().any(|s| s.name != Transition::Reopen && s.from.contains(&self))
    }
}

impl Transition {
    pub fn step(self) -> &'static Step {
        // Every name has exactly one step (a test checks it).
        WORKFLOW.iter().find(|s| s.name == self).unwrap_or(&WORKFLOW[0])
    }
}

/// A matter as the workflow sees it.
#[derive(Clone, Copy, Debug)]
pub struct CaseFacts {
    pub kind: CaseKind,
    pub monitoring: CaseState,
    pub procedure: CaseState,
    pub suspended_from: Option<CaseState>,
    /// The central committee assigned it to the province that monitors it.
    pub assigned: bool,
}

impl CaseFacts {
    /// A record is closed once monitoring has ended or was declined: nothing
    /// changes it then but a [`Transition::Reopen`].
    pub fn is_closed(&self) -> bool {
        matches!(self.monitoring, MonitoringEnded | Declined)
    }

    fn current(&self, machine: Machine) -> CaseState {
        match machine {
            Machine::Monitoring => self.monitoring,
            Machine::Procedure => self.procedure,
        }
    }
}

/// What a viewer is to one matter, for deciding which steps they may take.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    /// The roles the viewer holds with reach over the matter.
    pub roles: &'a [Role],
    /// Those of them held through the committee that assigned the matter
    /// (none when it was not assigned).
    pub assigning: &'a [Role],
    /// Whether the viewer acts for the agency that handles the matter
    /// (an `AGENCY` role counts only then).
    pub handles: bool,
}

impl Actor<'_> {
    pub fn may(&self, op: Operation) -> bool {
        Self::grants(self.roles, op, self.handles)
    }

    /// Whether the viewer may take `step` on the matter: its operation, by
    /// the roles that count for it there ([`OnAssigned`]).
    pub fn may_take(&self, step: &Step, facts: &CaseFacts) -> bool {
        match (facts.assigned, step.on_assigned) {
            (true, OnAssigned::AssigningCommittee) => Self::grants(self.assigning, step.operation, self.handles),
            _ => self.may(step.operation),
        }
    }

    fn grants(roles: &[Role], op: Operation, handles: bool) -> bool {
        roles.iter().any(|r| op.allows(*r) && (*r != Role::Agency || handles))
    }
}

/// Why a step is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a step of this kind of matter, or not from its current state;
    /// `allowed` lists the steps that are (for this viewer).
    NotFromHere {
        state: CaseState,
        allowed: Vec<Transition>,
    },
    /// The viewer holds no role for the step's operation on this matter.
    NotYours {
        operation: Operation,
        allowed: Vec<Transition>,
    },
    /// The matter was assigned, and the step is the assigning committee's,
    /// whose roles the viewer does not hold.
    AssigningCommittees {
        allowed: Vec<Transition>,
    },
    /// The record is closed; only a reopen changes it.
    Closed,
    Missing(Requirement),
}

/// The details a step carries.
#[derive(Clone, Debug, Default)]
pub struct StepDetails {
    pub decision_ref: Option<String>,
    pub effective_on: Option<NaiveDate>,
    pub reason: Option<String>,
}

/// The state `step` leads to from `facts`, if it applies there at all.
fn lands(step: &Step, facts: &CaseFacts) -> Option<CaseState> {
    if !step.kinds.contains(&facts.kind) || !step.from.contains(&facts.current(step.machine)) {
        return None;
    }
    if facts.is_closed() && step.name != Transition::Reopen {
        return None;
    }
    match step.to {
        Target::State(s) => Some(s),
        Target::Previous => facts.suspended_from,
    }
}

/// The steps `actor` may take on the matter now, in workflow order.
pub fn available(facts: &CaseFacts, actor: &Actor) -> Vec<&'static Step> {
    WORKFLOW.iter().filter(|s| lands(s, facts).is_some() && actor.may_take(s, facts)).collect()
}

/// Decides a step: the state it leads to, or why not. The role first (a
/// step that is not the viewer's is refused as such, whatever the state),
/// then the state, then what the step must carry.
pub fn decide(facts: &CaseFacts, actor: &Actor, name: Transition, details: &StepDetails) -> Result<CaseState, Refusal> {
    let step = name.step();
    let allowed = || available(facts, actor).iter().map(|s| s.name).collect::<Vec<_>>();
    if !actor.may(step.operation) {
        return Err(Refusal::NotYours { operation: step.operation, allowed: allowed() });
    }
    if !actor.may_take(step, facts) {
        return Err(Refusal::AssigningCommittees { allowed: allowed() });
    }
    let Some(to) = lands(step, facts) else {
        if facts.is_closed() && step.kinds.contains(&facts.kind) {
            return Err(Refusal::Closed);
        }
        return Err(Refusal::NotFromHere { state: facts.current(step.machine), allowed: allowed() });
    };
    for requirement in step.requires {
        let present = match requirement {
            DecisionRef => details.decision_ref.is_some(),
            EffectiveOn => details.effective_on.is_some(),
            Reason => details.reason.is_some(),
        };
        if !present {
            return Err(Refusal::Missing(*requirement));
        }
    }
    Ok(to)
}

/// The workflow as Markdown tables, for docs/cases.md (`steerql workflow`).
pub fn markdown() -> String {
    let mut out = String::from(
        "| step | workflow | kinds | from | to | roles | requires | on an assigned matter |\n|---|---|---|---|---|---|---|---|",
    );
    for s in WORKFLOW {
        let list = |v: Vec<&str>| v.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ");
        let to = match s.to {
            Target::State(state) => format!("`{}`", state.as_str()),
            Target::Previous => "the state it was suspended from".to_owned(),
        };
        let roles = s.operation.allowed_roles().iter().map(|r| r.as_str()).collect::<Vec<_>>();
        out.push_str(&format!(
            "\n| `{}` | {} | {} | {} | {to} | {} | {} | {} |",
            s.name.as_str(),
            s.machine.as_str().to_lowercase(),
            list(s.kinds.iter().map(|k| k.as_str()).collect()),
            list(s.from.iter().map(|k| k.as_str()).collect()),
            roles.join(", "),
            list(s.requires.iter().map(|r| r.as_str()).collect()),
            s.on_assigned.as_str(),
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
