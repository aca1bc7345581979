//! The workflows as the server enforces them, and the steps a viewer may
//! take on a matter now.

use async_graphql::SimpleObject;

use crate::domain::cases::{self as workflow, Target};
use crate::graphql::types::enums::{CaseKind, CaseState, CaseTransition, CaseWorkflow, Role, StepRequirement};

/// A step the viewer may take on a matter now.
#[derive(SimpleObject)]
pub struct AvailableTransition {
    /// The step, to pass to `transitionCase`.
    pub transition: CaseTransition,
    /// The workflow it moves.
    pub workflow: CaseWorkflow,
    /// The state it leads to.
    pub to: CaseState,
    /// The arguments of `transitionCase` it requires.
    pub requires: Vec<StepRequirement>,
}

/// One step of the workflows, as the server enforces it.
#[derive(SimpleObject)]
pub struct WorkflowStep {
    /// Its name, to pass to `transitionCase`.
    pub transition: CaseTransition,
    /// The workflow it moves.
    pub workflow: CaseWorkflow,
    /// The kinds of matter it applies to.
    pub kinds: Vec<CaseKind>,
    /// The states it can be taken from.
    pub from: Vec<CaseState>,
    /// The state it leads to; null for `RESUME`, which returns to the state
    /// the case was suspended from.
    pub to: Option<CaseState>,
    /// The roles that may take it (an `AGENCY` role: on matters its agency handles).
    pub roles: Vec<Role>,
    /// The arguments of `transitionCase` it requires.
    pub requires: Vec<StepRequirement>,
    /// On a matter the central committee assigned to a province, only the
    /// roles held through the central committee take this step (ending or
    /// resuming the record); otherwise either committee's.
    pub assigning_committee_decides: bool,
    /// What the step means.
    pub description: String,
}

/// A workflow state.
#[derive(SimpleObject)]
pub struct WorkflowState {
    /// The state.
    pub state: CaseState,
    /// The workflow it belongs to.
    pub workflow: CaseWorkflow,
    /// The kinds of matter that can be in it.
    pub kinds: Vec<CaseKind>,
    /// Whether a new matter of some kind starts here.
    pub initial: bool,
    /// Whether no step leads out of it (a reopen aside).
    pub terminal: bool,
}

/// Both workflows (monitoring, procedure): their states and steps.
#[derive(SimpleObject)]
pub struct Workflow {
    /// Every state of both workflows.
    pub states: Vec<WorkflowState>,
    /// Every step of both workflows.
    pub steps: Vec<WorkflowStep>,
}

impl Workflow {
    pub fn current() -> Workflow {
        let initial = |s: workflow::CaseState| {
            s == workflow::INITIAL_MONITORING
                || workflow::CaseKind::ALL.iter().any(|k| workflow::initial_procedure(*k) == s)
        };
        Workflow {
            states: workflow::CaseState::ALL
                .iter()
                .map(|s| WorkflowState {
                    state: (*s).into(),
                    workflow: s.machine().into(),
                    kinds: s.kinds().iter().map(|k| (*k).into()).collect(),
                    initial: initial(*s),
                    terminal: s.is_terminal(),
                })
                .collect(),
            steps: workflow::WORKFLOW
                .iter()
                .map(|s| WorkflowStep {
                    transition: s.name.into(),
                    workflow: s.machine.into(),
                    kinds: s.kinds.iter().map(|k| (*k).into()).collect(),
                    from: s.from.iter().map(|k| (*k).into()).collect(),
                    to: match s.to {
                        Target::State(st) => Some(st.into()),
                        Target::Previous => None,
                    },
                    roles: s.operation.allowed_roles().iter().map(|r| (*r).into()).collect(),
                    requires: s.requires.iter().map(|r| (*r).into()).collect(),
                    assigning_committee_decides: s.on_assigned == workflow::OnAssigned::AssigningCommittee,
                    description: s.description.to_owned(),
                })
                .collect(),
        }
    }
}
