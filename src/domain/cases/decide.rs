//! The decision on a step: what the workflow allows a viewer on a matter
//! now, and why it refuses what it does not.

use chrono::NaiveDate;

use crate::domain::permissions::Operation;
use crate::domain::principal::Role;

use super::CaseState::*;
use super::Requirement::{DecisionRef, EffectiveOn, Reason};
use super::{CaseKind, CaseState, Machine, OnAssigned, Requirement, Step, Target, Transition, WORKFLOW};

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
    out.push_str("\n\nWhen a step may take effect (`effectiveOn`), checked in this order:\n\n| rule | |\n|---|---|");
    for (name, rule) in super::DATING_RULES {
        out.push_str(&format!("\n| {name} | {rule} |"));
    }
    out.push('\n');
    out
}
