//! People: reads within a reach, and the rows a write locks and changes.

use std::collections::HashMap;

use chrono::Utc;
use entity::{person, position};
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Select, Set,
};

use super::columns::Columns;
use super::page::{self, KeyKind, Page, PageArgs, Sort, SortKey};
use super::{for_update, reach, search_contains};
use crate::domain::Reach;
use crate::domain::org::search_key;
use crate::error::{AppError, AppResult};

fn in_reach(reach: &Reach) -> Select<person::Entity> {
    person::Entity::find().filter(reach::person_id(person::Column::Id, person::Column::HomeCommitteeId, reach))
}

#[derive(Clone, Debug, Default)]
pub struct PersonFilter {
    pub name_contains: Option<String>,
    pub party_member: Option<bool>,
}

pub async fn page<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    filter: &PersonFilter,
    args: &PageArgs,
    descending: bool,
) -> AppResult<(Page<person::Model>, SelectStatement)> {
    let mut select = in_reach(reach);
    if let Some(text) = &filter.name_contains {
        select = select.filter(search_contains(person::Column::SearchName, text));
    }
    if let Some(member) = filter.party_member {
        select = select.filter(person::Column::PartyMember.eq(member));
    }
    let count = page::count_statement(select.clone());
    let sort = Sort { name: "FULL_NAME", column: person::Column::FullName, kind: KeyKind::Text, descending };
    let page =
        page::fetch(db, select, person::Column::Id, sort, args, |p| (SortKey::Text(p.full_name.clone()), p.id)).await?;
    Ok((page, count))
}

/// People by id, each read with `columns` (see [`columns`](super::columns)).
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    ids: &[i64],
    columns: Columns<person::Entity>,
) -> AppResult<HashMap<i64, person::Model>> {
    let select = in_reach(reach).filter(person::Column::Id.is_in(ids.iter().copied()));
    let rows = super::columns::select_all(db, select, columns).await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

/// Locks a person within reach for the rest of the write.
pub async fn lock_one<C: ConnectionTrait>(db: &C, reach: &Reach, id: i64) -> AppResult<person::Model> {
    let select = in_reach(reach).filter(person::Column::Id.eq(id));
    for_update(select).one(db).await?.ok_or(AppError::NotFound("person"))
}

/// The committees a person's records concern: their home committee and every
/// committee they hold or held a seat on (whose trails record changes to them).
pub async fn concerned_committees<C: ConnectionTrait>(db: &C, person: &person::Model) -> AppResult<Vec<i64>> {
    let mut seats: Vec<i64> = position::Entity::find()
        .select_only()
        .column(position::Column::CommitteeId)
        .distinct()
        .filter(position::Column::PersonId.eq(person.id))
        .into_tuple()
        .all(db)
        .await?;
    seats.push(person.home_committee_id);
    seats.sort_unstable();
    seats.dedup();
    Ok(seats)
}

#[derive(Clone, Debug)]
pub struct NewPerson {
    pub full_name: String,
    pub party_member: bool,
    pub home_committee_id: i64,
}

pub async fn insert<C: ConnectionTrait>(db: &C, new: &NewPerson) -> AppResult<person::Model> {
    let now = Utc::now();
    Ok(person::ActiveModel {
        search_name: Set(search_key(&new.full_name)),
        full_name: Set(new.full_name.clone()),
        party_member: Set(new.party_member),
        home_committee_id: Set(new.home_committee_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

#[derive(Clone, Debug, Default)]
pub struct PersonChanges {
    pub full_name: Option<String>,
    pub party_member: Option<bool>,
}

/// Writes `changes` to a locked row and bumps its version.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    current: person::Model,
    changes: &PersonChanges,
) -> AppResult<person::Model> {
    let version = current.version + 1;
    let mut row = current.into_active_model();
    if let Some(name) = &changes.full_name {
        row.search_name = Set(search_key(name));
        row.full_name = Set(name.clone());
    }
    if let Some(member) = changes.party_member {
        row.party_member = Set(member);
    }
    row.updated_at = Set(Utc::now());
    row.version = Set(version);
    Ok(row.update(db).await?)
}
