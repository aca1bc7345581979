//! Agencies attached to committees (read-only through the API).

use std::collections::HashMap;

use entity::agency;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::page::{self, KeyKind, Page, PageArgs, Sort, SortKey};
use super::reach;
use crate::domain::Reach;
use crate::error::AppResult;

pub async fn by_committees<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    committees: &[i64],
) -> AppResult<HashMap<i64, Vec<agency::Model>>> {
    let rows = agency::Entity::find()
        .filter(reach::committee_column(agency::Column::CommitteeId, reach))
        .filter(agency::Column::CommitteeId.is_in(committees.iter().copied()))
        .order_by_asc(agency::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for row in rows {
        out.entry(row.committee_id).or_default().push(row);
    }
    Ok(out)
}

pub async fn page<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    kind: Option<&str>,
    committee_id: Option<i64>,
    args: &PageArgs,
) -> AppResult<(Page<agency::Model>, SelectStatement)> {
    let mut select = agency::Entity::find().filter(reach::committee_column(agency::Column::CommitteeId, reach));
    if let Some(kind) = kind {
        select = select.filter(agency::Column::Kind.eq(kind));
    }
    if let Some(id) = committee_id {
        select = select.filter(agency::Column::CommitteeId.eq(id));
    }
    let count = page::count_statement(select.clone());
    let sort = Sort { name: "ID", column: agency::Column::Id, kind: KeyKind::Int, descending: false };
    let page = page::fetch(db, select, agency::Column::Id, sort, args, |a| (SortKey::Int(a.id), a.id)).await?;
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
