//! Agencies attached to committees (read-only through the API).

use std::collections::HashMap;

use entity::agency;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use super::page::{self, KeyKind, Page, PageArgs, Sort, SortKey};
use super::reach;
use crate::domain::Reach;
use crate::domain::org::AgencyKind;
use crate::error::AppResult;

/// Agencies within reach, of one kind if given.
fn filtered(reach: &Reach, kind: Option<AgencyKind>) -> Select<agency::Entity> {
    let select = agency::Entity::find().filter(reach::committee_column(agency::Column::CommitteeId, reach));
    match kind {
        Some(kind) => select.filter(agency::Column::Kind.eq(kind.as_str())),
        None => select,
    }
}

/// Agencies are listed in the order they were registered.
const BY_ID: Sort<agency::Column> =
    Sort { name: "ID", column: agency::Column::Id, kind: KeyKind::Int, descending: false };

/// One page of the agencies of each committee (index `ix_agency_committee_id`).
pub async fn pages_by_committees<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    kind: Option<AgencyKind>,
    committees: &[i64],
    args: &PageArgs,
) -> AppResult<HashMap<i64, Page<agency::Model>>> {
    let key = |a: &agency::Model| (SortKey::Int(a.id), a.id);
    let select = filtered(reach, kind);
    page::fetch_per_parent(
        db,
        select,
        agency::Column::CommitteeId,
        committees,
        agency::Column::Id,
        BY_ID,
        args,
        key,
        |a| a.committee_id,
    )
    .await
}

/// How many agencies (of `kind`, if given) each committee has.
pub async fn counts_by_committees<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    kind: Option<AgencyKind>,
    committees: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    page::count_per_parent(db, filtered(reach, kind), agency::Column::CommitteeId, committees).await
}

pub async fn page<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    kind: Option<AgencyKind>,
    committee_id: Option<i64>,
    args: &PageArgs,
) -> AppResult<(Page<agency::Model>, SelectStatement)> {
    let mut select = filtered(reach, kind);
    if let Some(id) = committee_id {
        select = select.filter(agency::Column::CommitteeId.eq(id));
    }
    let count = page::count_statement(select.clone());
    let page = page::fetch(db, select, agency::Column::Id, BY_ID, args, |a| (SortKey::Int(a.id), a.id)).await?;
    Ok((page, count))
}

pub async fn by_ids<C: ConnectionTrait>(db: &C, reach: &Reach, ids: &[i64]) -> AppResult<HashMap<i64, agency::Model>> {
    let rows = agency::Entity::find()
        .filter(reach::committee_column(agency::Column::CommitteeId, reach))
        .filter(agency::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|a| (a.id, a)).collect())
}
