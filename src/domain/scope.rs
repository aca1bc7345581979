//! Which matters a viewer may touch: the core read rule, from the
//! permission table and the viewer's grants. `db::cases` compiles it into
//! every statement that reads a matter or its records.

use super::{Operation, Principal, Reach, Role};

/// Which matters a viewer may touch for one operation: those of the
/// committees their roles reach (monitoring or assigning), and, for an
/// `AGENCY` role, those its agency handles within that role's reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseScope {
    pub committees: Reach,
    pub agency: Option<(Reach, i64)>,
}

impl CaseScope {
    pub fn of(principal: &Principal, op: Operation) -> CaseScope {
        let roles: Vec<Role> = op.allowed_roles().iter().copied().filter(|r| *r != Role::Agency).collect();
        let agency = match principal.agency {
            Some(agency) if op.allows(Role::Agency) => {
                let reach = principal.reach_for(&[Role::Agency]);
                (!reach.is_empty()).then_some((reach, agency))
            }
            _ => None,
        };
        CaseScope { committees: principal.reach_for(&roles), agency }
    }

    /// Every matter (for the system's own work, such as the demo data).
    pub fn all() -> CaseScope {
        CaseScope { committees: Reach::All, agency: None }
    }

    pub fn nothing() -> CaseScope {
        CaseScope { committees: Reach::Committees(Default::default()), agency: None }
    }

    pub fn is_empty(&self) -> bool {
        self.committees.is_empty() && self.agency.is_none()
    }
}
