//! Cases and incidents and their records, in SQL: the case scope (which
//! matters a viewer may touch, compiled into every statement) lives here;
//! reads of lists in `list`, writes in `write`, a matter's records in
//! `records`, its history in `history`.

use entity::{case_record, committee};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};

use super::reach;
use crate::domain::{Operation, Principal, Reach, Role};

mod history;
mod list;
mod records;
mod write;

pub use history::*;
pub use list::*;
pub use records::*;
pub use write::*;

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

    fn condition(&self) -> Condition {
        let of = |reach: &Reach| {
            Condition::any()
                .add(reach::committee_column(case_record::Column::MonitoringCommitteeId, reach))
                .add(reach::committee_column(case_record::Column::AssigningCommitteeId, reach))
        };
        let mut cond = Condition::any().add(of(&self.committees));
        if let Some((reach, agency)) = &self.agency {
            cond = cond.add(Condition::all().add(of(reach)).add(case_record::Column::HandlingAgencyId.eq(*agency)));
        }
        cond
    }
}

fn in_scope(scope: &CaseScope) -> Select<case_record::Entity> {
    case_record::Entity::find().filter(scope.condition())
}

/// The committee and those merged into it, along any chain of merges (the
/// committees "below" it in the hierarchy are its children: the provinces
/// under the central one).
fn committee_and_below(id: i64, below: bool) -> Condition {
    if !below {
        return Condition::all().add(case_record::Column::MonitoringCommitteeId.eq(id));
    }
    let children = Query::select()
        .column(committee::Column::Id)
        .from(committee::Entity)
        .cond_where(Condition::any().add(committee::Column::ParentId.eq(id)).add(committee::Column::HeirId.eq(id)))
        .to_owned();
    Condition::any()
        .add(case_record::Column::MonitoringCommitteeId.eq(id))
        .add(case_record::Column::MonitoringCommitteeId.in_subquery(children))
}

/// The ids of the matters within `scope`, as a subquery.
fn matters_in(scope: &CaseScope) -> SelectStatement {
    in_scope(scope).select_only().column(case_record::Column::Id).into_query()
}
