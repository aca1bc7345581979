//! Cases and incidents and their records, in SQL: the case scope (which
//! matters a viewer may touch, `domain::CaseScope`) is compiled here into
//! every statement;
//! reads of lists in `list`, writes in `write`, a matter's records in
//! `records`, its history in `history`.

use entity::{case_record, committee};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};

use super::reach;
pub use crate::domain::CaseScope;
use crate::domain::Reach;

mod history;
mod list;
mod records;
mod write;

pub use history::*;
pub use list::*;
pub use records::*;
pub use write::*;

/// The case scope compiled into SQL: the matters of the committees its
/// roles reach (monitoring or assigning, heirs included), and those its
/// agency handles within the agency role's reach.
fn condition(scope: &CaseScope) -> Condition {
    let of = |reach: &Reach| {
        Condition::any()
            .add(reach::committee_column(case_record::Column::MonitoringCommitteeId, reach))
            .add(reach::committee_column(case_record::Column::AssigningCommitteeId, reach))
    };
    let mut cond = Condition::any().add(of(&scope.committees));
    if let Some((reach, agency)) = &scope.agency {
        cond = cond.add(Condition::all().add(of(reach)).add(case_record::Column::HandlingAgencyId.eq(*agency)));
    }
    cond
}

fn in_scope(scope: &CaseScope) -> Select<case_record::Entity> {
    case_record::Entity::find().filter(condition(scope))
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
