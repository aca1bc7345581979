//! The workflows as data: every step, from which states, for which kinds,
//! who takes it and what it must carry; where a new matter starts.

use crate::domain::permissions::Operation;

use super::{CaseKind, CaseState, Effect, Machine, OnAssigned, Requirement, Step, Target, Transition};

use super::CaseKind::{Case, Incident};
use super::CaseState::*;
use super::Requirement::{DecisionRef, EffectiveOn, Reason};

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
        &[EffectiveOn, Reason],
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
