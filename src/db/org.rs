//! Queries and writes for committees, agencies, people and positions. Every
//! read takes the caller's [`Reach`] and applies it in SQL; every write runs
//! in the caller's transaction and appends its audit entry there.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{agency, committee, person, position};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use serde_json::json;

use super::audit::{self, Event};
use super::page::{self, KeyKind, Page, PageArgs, Sort, SortKey};
use super::reach;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::org::{CommitteeLevel, CommitteeStatus, SeatRole, search_key};
use crate::domain::{Principal, Reach};
use crate::error::{AppError, AppResult};

// ---------------------------------------------------------------- committees

/// Which committees a list shows.
#[derive(Clone, Debug, Default)]
pub struct CommitteeFilter {
    pub level: Option<CommitteeLevel>,
    pub status: Option<CommitteeStatus>,
    pub name_contains: Option<String>,
    pub parent_id: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitteeSort {
    Code,
    Name,
    EstablishedOn,
}

fn committees_in_reach(reach: &Reach) -> Select<committee::Entity> {
    committee::Entity::find().filter(reach::committee_column(committee::Column::Id, reach))
}

/// `LIKE` needs its wildcards escaped when the pattern comes from a user.
fn contains_pattern(text: &str) -> String {
    let folded = search_key(text);
    let escaped = folded.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Rows whose search column contains `text`, ignoring case and diacritics.
fn search_contains(col: impl ColumnTrait, text: &str) -> Condition {
    Condition::all().add(Expr::col(col).like(LikeExpr::new(contains_pattern(text)).escape('\\')))
}

pub async fn committees_page<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    filter: &CommitteeFilter,
    sort: CommitteeSort,
    descending: bool,
    args: &PageArgs,
) -> AppResult<(Page<committee::Model>, SelectStatement)> {
    let mut select = committees_in_reach(reach);
    if let Some(level) = filter.level {
        select = select.filter(committee::Column::Level.eq(level.as_str()));
    }
    if let Some(status) = filter.status {
        select = select.filter(committee::Column::Status.eq(status.as_str()));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(search_contains(committee::Column::SearchName, text));
    }
    if let Some(parent) = filter.parent_id {
        select = select.filter(committee::Column::ParentId.eq(parent));
    }
    let count = page::count_statement(select.clone());
    let (name, column, kind) = match sort {
        CommitteeSort::Code => ("CODE", committee::Column::Code, KeyKind::Text),
        CommitteeSort::Name => ("NAME", committee::Column::Name, KeyKind::Text),
        CommitteeSort::EstablishedOn => ("ESTABLISHED_ON", committee::Column::EstablishedOn, KeyKind::Date),
    };
    let sort_spec = Sort { name, column, kind, descending };
    let page = page::fetch(db, select, committee::Column::Id, sort_spec, args, |c| {
        let key = match sort {
            CommitteeSort::Code => SortKey::Text(c.code.clone()),
            CommitteeSort::Name => SortKey::Text(c.name.clone()),
            CommitteeSort::EstablishedOn => SortKey::date(c.established_on),
        };
        (key, c.id)
    })
    .await?;
    Ok((page, count))
}

pub async fn committees_by_ids<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    ids: &[i64],
) -> AppResult<HashMap<i64, committee::Model>> {
    let rows = committees_in_reach(reach).filter(committee::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

pub async fn committee_by_code<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    code: &str,
) -> AppResult<Option<committee::Model>> {
    Ok(committees_in_reach(reach).filter(committee::Column::Code.eq(code)).one(db).await?)
}

/// Which of `codes` are committees in the database (any status, no reach:
/// for the command line, which speaks for the operator).
pub async fn existing_committee_codes<C: ConnectionTrait>(db: &C, codes: &[&str]) -> AppResult<Vec<String>> {
    Ok(committee::Entity::find()
        .select_only()
        .column(committee::Column::Code)
        .filter(committee::Column::Code.is_in(codes.iter().copied()))
        .into_tuple::<String>()
        .all(db)
        .await?)
}

/// Children of each parent, in code order.
pub async fn committees_by_parents<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    parents: &[i64],
) -> AppResult<HashMap<i64, Vec<committee::Model>>> {
    let rows = committees_in_reach(reach)
        .filter(committee::Column::ParentId.is_in(parents.iter().copied()))
        .order_by_asc(committee::Column::Code)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for row in rows {
        if let Some(parent) = row.parent_id {
            out.entry(parent).or_default().push(row);
        }
    }
    Ok(out)
}

/// A new provincial committee, under the central one.
#[derive(Clone, Debug)]
pub struct NewCommittee {
    pub code: String,
    pub name: String,
    pub province: String,
    pub established_on: NaiveDate,
    pub regulation: String,
}

pub async fn create_committee<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    new: NewCommittee,
) -> AppResult<committee::Model> {
    let central = committee::Entity::find()
        .filter(committee::Column::Level.eq(CommitteeLevel::Central.as_str()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("central committee"))?;
    if committee::Entity::find().filter(committee::Column::Code.eq(&new.code)).one(db).await?.is_some() {
        return Err(AppError::Conflict(format!("a committee with code {} already exists", new.code)));
    }
    let now = Utc::now();
    let row = committee::ActiveModel {
        code: Set(new.code),
        search_name: Set(search_key(&new.name)),
        name: Set(new.name),
        level: Set(CommitteeLevel::Provincial.as_str().to_owned()),
        parent_id: Set(Some(central.id)),
        province: Set(Some(new.province)),
        established_on: Set(new.established_on),
        regulation: Set(new.regulation),
        status: Set(CommitteeStatus::Active.as_str().to_owned()),
        successor_id: Set(None),
        ended_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit_committee(db, actor, AuditAction::CommitteeCreate, &row).await?;
    Ok(row)
}

/// Changes to a committee's descriptive fields; `None` leaves a field as is.
#[derive(Clone, Debug, Default)]
pub struct CommitteeChanges {
    pub name: Option<String>,
    pub province: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub regulation: Option<String>,
}

pub async fn update_committee<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    reach: &Reach,
    id: i64,
    changes: CommitteeChanges,
) -> AppResult<committee::Model> {
    let current = committees_by_ids(db, reach, &[id]).await?.remove(&id).ok_or(AppError::NotFound("committee"))?;
    let mut row = current.into_active_model();
    if let Some(name) = changes.name {
        row.search_name = Set(search_key(&name));
        row.name = Set(name);
    }
    if let Some(province) = changes.province {
        row.province = Set(Some(province));
    }
    if let Some(day) = changes.established_on {
        row.established_on = Set(day);
    }
    if let Some(regulation) = changes.regulation {
        row.regulation = Set(regulation);
    }
    row.updated_at = Set(Utc::now());
    let row = row.update(db).await?;
    audit_committee(db, actor, AuditAction::CommitteeUpdate, &row).await?;
    Ok(row)
}

/// Merges `merged` into `successor` on `effective_on`: the merged committee is
/// kept with its history, marked `MERGED`, points at its successor, and its
/// open seats end the day before the merge takes effect.
pub async fn merge_committees<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    reach: &Reach,
    merged_id: i64,
    successor_id: i64,
    effective_on: NaiveDate,
) -> AppResult<(committee::Model, committee::Model)> {
    if merged_id == successor_id {
        return Err(AppError::bad_input(&["input", "successorId"], "a committee cannot be merged into itself"));
    }
    let mut found = committees_by_ids(db, reach, &[merged_id, successor_id]).await?;
    let merged = found.remove(&merged_id).ok_or(AppError::NotFound("committee"))?;
    let successor = found.remove(&successor_id).ok_or(AppError::NotFound("successor committee"))?;
    for c in [&merged, &successor] {
        if c.level != CommitteeLevel::Provincial.as_str() {
            return Err(AppError::bad_input(&["input"], "only provincial committees are merged"));
        }
        if c.status != CommitteeStatus::Active.as_str() {
            return Err(AppError::Conflict(format!("committee {} is no longer active", c.code)));
        }
    }
    if effective_on <= merged.established_on {
        return Err(AppError::bad_input(&["input", "effectiveOn"], "must be after the committee was established"));
    }
    let last_day = effective_on.pred_opt().unwrap_or(effective_on);
    let open = position::Entity::find()
        .filter(position::Column::CommitteeId.eq(merged.id))
        .filter(position::Column::EndOn.is_null())
        .all(db)
        .await?;
    for seat in open {
        let end = std::cmp::max(last_day, seat.start_on);
        let mut seat = seat.into_active_model();
        seat.end_on = Set(Some(end));
        seat.end_reason = Set(Some(format!("committee merged into {}", successor.code)));
        seat.updated_at = Set(Utc::now());
        let seat = seat.update(db).await?;
        audit_position(db, actor, AuditAction::PositionEnd, &seat).await?;
    }
    let mut row = merged.into_active_model();
    row.status = Set(CommitteeStatus::Merged.as_str().to_owned());
    row.successor_id = Set(Some(successor.id));
    row.ended_on = Set(Some(effective_on));
    row.updated_at = Set(Utc::now());
    let row = row.update(db).await?;
    audit_committee(db, actor, AuditAction::CommitteeMerge, &row).await?;
    Ok((row, successor))
}

async fn audit_committee<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    action: AuditAction,
    c: &committee::Model,
) -> AppResult<()> {
    let payload = json!({
        "code": c.code, "name": c.name, "level": c.level, "parentId": c.parent_id,
        "province": c.province, "establishedOn": c.established_on, "regulation": c.regulation,
        "status": c.status, "successorId": c.successor_id, "endedOn": c.ended_on,
    });
    let event = Event { action, entity: AuditEntity::Committee, entity_id: c.id, committee_id: Some(c.id), payload };
    audit::record(db, actor, event).await
}

// ------------------------------------------------------------------ agencies

pub async fn agencies_by_committees<C: ConnectionTrait>(
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

pub async fn agencies_page<C: ConnectionTrait>(
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

pub async fn agencies_by_ids<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    ids: &[i64],
) -> AppResult<HashMap<i64, agency::Model>> {
    let rows = agency::Entity::find()
        .filter(reach::committee_column(agency::Column::CommitteeId, reach))
        .filter(agency::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|a| (a.id, a)).collect())
}

// -------------------------------------------------------------------- people

fn people_in_reach(reach: &Reach) -> Select<person::Entity> {
    person::Entity::find().filter(reach::person_id(person::Column::Id, person::Column::HomeCommitteeId, reach))
}

#[derive(Clone, Debug, Default)]
pub struct PersonFilter {
    pub name_contains: Option<String>,
    pub party_member: Option<bool>,
}

pub async fn people_page<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    filter: &PersonFilter,
    args: &PageArgs,
    descending: bool,
) -> AppResult<(Page<person::Model>, SelectStatement)> {
    let mut select = people_in_reach(reach);
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

pub async fn people_by_ids<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    ids: &[i64],
) -> AppResult<HashMap<i64, person::Model>> {
    let rows = people_in_reach(reach).filter(person::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

#[derive(Clone, Debug)]
pub struct NewPerson {
    pub full_name: String,
    pub party_member: bool,
    pub home_committee_id: i64,
}

pub async fn create_person<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    reach: &Reach,
    new: NewPerson,
) -> AppResult<person::Model> {
    if committees_by_ids(db, reach, &[new.home_committee_id]).await?.is_empty() {
        return Err(AppError::NotFound("committee"));
    }
    let now = Utc::now();
    let row = person::ActiveModel {
        search_name: Set(search_key(&new.full_name)),
        full_name: Set(new.full_name),
        party_member: Set(new.party_member),
        home_committee_id: Set(new.home_committee_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit_person(db, actor, AuditAction::PersonCreate, &row).await?;
    Ok(row)
}

#[derive(Clone, Debug, Default)]
pub struct PersonChanges {
    pub full_name: Option<String>,
    pub party_member: Option<bool>,
}

pub async fn update_person<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    reach: &Reach,
    id: i64,
    changes: PersonChanges,
) -> AppResult<person::Model> {
    let current = people_by_ids(db, reach, &[id]).await?.remove(&id).ok_or(AppError::NotFound("person"))?;
    let mut row = current.into_active_model();
    if let Some(name) = changes.full_name {
        row.search_name = Set(search_key(&name));
        row.full_name = Set(name);
    }
    if let Some(member) = changes.party_member {
        row.party_member = Set(member);
    }
    row.updated_at = Set(Utc::now());
    let row = row.update(db).await?;
    audit_person(db, actor, AuditAction::PersonUpdate, &row).await?;
    Ok(row)
}

async fn audit_person<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    action: AuditAction,
    p: &person::Model,
) -> AppResult<()> {
    let payload =
        json!({ "fullName": p.full_name, "partyMember": p.party_member, "homeCommitteeId": p.home_committee_id });
    let event = Event {
        action,
        entity: AuditEntity::Person,
        entity_id: p.id,
        committee_id: Some(p.home_committee_id),
        payload,
    };
    audit::record(db, actor, event).await
}

// ----------------------------------------------------------------- positions

/// Which seats a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PositionScope {
    /// Only seats held on this day.
    pub active_at: Option<NaiveDate>,
    pub role: Option<SeatRole>,
    pub standing: Option<bool>,
}

impl PositionScope {
    fn apply(&self, mut select: Select<position::Entity>) -> Select<position::Entity> {
        if let Some(day) = self.active_at {
            select = select
                .filter(position::Column::StartOn.lte(day))
                .filter(Condition::any().add(position::Column::EndOn.is_null()).add(position::Column::EndOn.gte(day)));
        }
        if let Some(role) = self.role {
            select = select.filter(position::Column::Role.eq(role.as_str()));
        }
        if let Some(standing) = self.standing {
            select = select.filter(position::Column::Standing.eq(standing));
        }
        select
    }
}

fn positions_in_reach(reach: &Reach) -> Select<position::Entity> {
    position::Entity::find().filter(reach::committee_column(position::Column::CommitteeId, reach))
}

/// Seats in precedence order: head, standing deputy, deputies, members; then
/// by start date.
pub fn precedence(a: &position::Model, b: &position::Model) -> std::cmp::Ordering {
    let rank = |p: &position::Model| SeatRole::parse(&p.role).map(|r| r as u8).unwrap_or(u8::MAX);
    (rank(a), a.start_on, a.id).cmp(&(rank(b), b.start_on, b.id))
}

pub async fn positions_by_committees<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    committees: &[i64],
    scope: PositionScope,
) -> AppResult<HashMap<i64, Vec<position::Model>>> {
    let rows = scope
        .apply(positions_in_reach(reach))
        .filter(position::Column::CommitteeId.is_in(committees.iter().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for row in rows {
        out.entry(row.committee_id).or_default().push(row);
    }
    for seats in out.values_mut() {
        seats.sort_by(precedence);
    }
    Ok(out)
}

pub async fn positions_by_people<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    people: &[i64],
    scope: PositionScope,
) -> AppResult<HashMap<i64, Vec<position::Model>>> {
    let rows = scope
        .apply(positions_in_reach(reach))
        .filter(position::Column::PersonId.is_in(people.iter().copied()))
        .order_by_asc(position::Column::StartOn)
        .order_by_asc(position::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for row in rows {
        out.entry(row.person_id).or_default().push(row);
    }
    Ok(out)
}

pub async fn positions_by_ids<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    ids: &[i64],
) -> AppResult<HashMap<i64, position::Model>> {
    let rows = positions_in_reach(reach).filter(position::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

#[derive(Clone, Debug, Default)]
pub struct PositionFilter {
    pub committee_id: Option<i64>,
    pub person_id: Option<i64>,
    pub scope: PositionScope,
}

pub async fn positions_page<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    filter: &PositionFilter,
    args: &PageArgs,
    descending: bool,
) -> AppResult<(Page<position::Model>, SelectStatement)> {
    let mut select = filter.scope.apply(positions_in_reach(reach));
    if let Some(id) = filter.committee_id {
        select = select.filter(position::Column::CommitteeId.eq(id));
    }
    if let Some(id) = filter.person_id {
        select = select.filter(position::Column::PersonId.eq(id));
    }
    let count = page::count_statement(select.clone());
    let sort = Sort { name: "START_ON", column: position::Column::StartOn, kind: KeyKind::Date, descending };
    let page = page::fetch(db, select, position::Column::Id, sort, args, |p| (SortKey::date(p.start_on), p.id)).await?;
    Ok((page, count))
}

#[derive(Clone, Debug)]
pub struct NewPosition {
    pub person_id: i64,
    pub committee_id: i64,
    pub role: SeatRole,
    pub standing: bool,
    pub title: String,
    pub start_on: NaiveDate,
}

/// Seats a person on a committee. A committee has one head and one standing
/// deputy head at a time, and a person holds one open seat per committee.
pub async fn appoint_position<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    reach: &Reach,
    new: NewPosition,
) -> AppResult<position::Model> {
    let committee = committees_by_ids(db, reach, &[new.committee_id])
        .await?
        .remove(&new.committee_id)
        .ok_or(AppError::NotFound("committee"))?;
    if committee.status != CommitteeStatus::Active.as_str() {
        return Err(AppError::Conflict(format!("committee {} is no longer active", committee.code)));
    }
    // The person must be visible to the caller too (their own province's
    // staff, or someone who already sits within reach).
    if people_by_ids(db, reach, &[new.person_id]).await?.is_empty() {
        return Err(AppError::NotFound("person"));
    }
    if new.start_on < committee.established_on {
        return Err(AppError::bad_input(
            &["input", "startOn"],
            format!("must not be before the committee was established ({})", committee.established_on),
        ));
    }
    let open = PositionScope { active_at: Some(new.start_on), ..Default::default() }
        .apply(position::Entity::find().filter(position::Column::CommitteeId.eq(committee.id)))
        .all(db)
        .await?;
    if open.iter().any(|p| p.person_id == new.person_id) {
        return Err(AppError::Conflict("the person already holds a seat on this committee on that date".into()));
    }
    if new.role.is_single_seat() && open.iter().any(|p| p.role == new.role.as_str()) {
        return Err(AppError::Conflict(format!(
            "the committee already has a {} on that date; end that seat first",
            new.role.as_str()
        )));
    }
    let now = Utc::now();
    let row = position::ActiveModel {
        person_id: Set(new.person_id),
        committee_id: Set(new.committee_id),
        role: Set(new.role.as_str().to_owned()),
        standing: Set(new.standing),
        title: Set(new.title),
        start_on: Set(new.start_on),
        end_on: Set(None),
        end_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit_position(db, actor, AuditAction::PositionAppoint, &row).await?;
    Ok(row)
}

#[derive(Clone, Debug, Default)]
pub struct PositionChanges {
    pub title: Option<String>,
    pub standing: Option<bool>,
}

pub async fn update_position<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    reach: &Reach,
    id: i64,
    changes: PositionChanges,
) -> AppResult<position::Model> {
    let current = positions_by_ids(db, reach, &[id]).await?.remove(&id).ok_or(AppError::NotFound("position"))?;
    let mut row = current.into_active_model();
    if let Some(title) = changes.title {
        row.title = Set(title);
    }
    if let Some(standing) = changes.standing {
        row.standing = Set(standing);
    }
    row.updated_at = Set(Utc::now());
    let row = row.update(db).await?;
    audit_position(db, actor, AuditAction::PositionUpdate, &row).await?;
    Ok(row)
}

/// Ends a seat on `end_on` (its last day). The row stays: history is kept.
pub async fn end_position<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    reach: &Reach,
    id: i64,
    end_on: NaiveDate,
    reason: Option<String>,
) -> AppResult<position::Model> {
    let current = positions_by_ids(db, reach, &[id]).await?.remove(&id).ok_or(AppError::NotFound("position"))?;
    if current.end_on.is_some() {
        return Err(AppError::Conflict("the seat has already ended".into()));
    }
    let end_on =
        crate::domain::org::term_end("endOn", current.start_on, end_on).map_err(|e| AppError::invalid("input", e))?;
    let mut row = current.into_active_model();
    row.end_on = Set(Some(end_on));
    row.end_reason = Set(reason);
    row.updated_at = Set(Utc::now());
    let row = row.update(db).await?;
    audit_position(db, actor, AuditAction::PositionEnd, &row).await?;
    Ok(row)
}

async fn audit_position<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    action: AuditAction,
    p: &position::Model,
) -> AppResult<()> {
    let payload = json!({
        "personId": p.person_id, "committeeId": p.committee_id, "role": p.role, "standing": p.standing,
        "title": p.title, "startOn": p.start_on, "endOn": p.end_on, "endReason": p.end_reason,
    });
    let event =
        Event { action, entity: AuditEntity::Position, entity_id: p.id, committee_id: Some(p.committee_id), payload };
    audit::record(db, actor, event).await
}
