//! The root `Mutation`: parse and validate the input, check the caller, hand
//! the write to its service (which locks, decides, writes and audits in one
//! transaction), return the changed object.

use async_graphql::{Context, ID, InputObject, Object, Result};

use super::context;
use super::ids::{self, Kind};
use super::types::enums::PositionRole;
use super::types::scalars::Date;
use super::types::{Committee, Person, Position};
use crate::db::{committees, people, positions};
use crate::domain::org::{self as rules, Invalid};
use crate::domain::{Operation, Reach};
use crate::error::{AppError, AppResult};
use crate::service;

/// Every write: the organisation area and the audit area.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(pub OrgMutation, pub super::audit::AuditMutation, pub super::cases::CaseMutation);

#[derive(Default)]
pub struct OrgMutation;

/// A new provincial steering committee (under the central one).
#[derive(InputObject)]
pub struct CreateCommitteeInput {
    /// Unique code: 2 to 32 upper-case letters, digits or `_`, e.g. `NGHE_AN`.
    pub code: String,
    /// Full name (at most 200 characters).
    pub name: String,
    /// The province or centrally-run city it serves.
    pub province: String,
    /// The day it was established.
    pub established_on: Date,
    /// The governing regulation.
    #[graphql(default = "67-QD/TW")]
    pub regulation: String,
}

/// Changes to a committee; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCommitteeInput {
    /// Full name (at most 200 characters).
    pub name: Option<String>,
    /// The province or centrally-run city it serves.
    pub province: Option<String>,
    /// The day it was established.
    pub established_on: Option<Date>,
    /// The governing regulation.
    pub regulation: Option<String>,
    /// The version you read (`version`); if the record has changed since, the
    /// write is refused with `CONFLICT` and `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}

/// One provincial committee merged into another (as in the 2025 reform).
#[derive(InputObject)]
pub struct MergeCommitteesInput {
    /// The committee that is merged (it is kept, with its history, as `MERGED`).
    pub committee_id: ID,
    /// The committee that takes over.
    pub successor_id: ID,
    /// The first day the merge is in effect; open seats of the merged committee end the day before.
    pub effective_on: Date,
    /// The version you read (`version`); if the record has changed since, the
    /// write is refused with `CONFLICT` and `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}

/// A new person.
#[derive(InputObject)]
pub struct CreatePersonInput {
    /// Full name (at most 200 characters).
    pub full_name: String,
    /// Whether the person is a member of the Party.
    pub party_member: bool,
    /// The committee whose staff registers the person.
    pub home_committee_id: ID,
}

/// Changes to a person; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    /// Full name (at most 200 characters).
    pub full_name: Option<String>,
    /// Whether the person is a member of the Party.
    pub party_member: Option<bool>,
    /// The version you read (`version`); if the record has changed since, the
    /// write is refused with `CONFLICT` and `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}

/// A person seated on a committee.
#[derive(InputObject)]
pub struct AppointPositionInput {
    /// Who takes the seat.
    pub person_id: ID,
    /// The committee.
    pub committee_id: ID,
    /// The seat.
    pub role: PositionRole,
    /// Whether the seat is on the standing committee (heads and deputies are by default).
    pub standing: Option<bool>,
    /// The concurrent title that explains the seat (at most 300 characters).
    pub title: String,
    /// First day of the term.
    pub start_on: Date,
}

/// Changes to a seat; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePositionInput {
    /// The concurrent title (at most 300 characters).
    pub title: Option<String>,
    /// Whether the seat is on the standing committee.
    pub standing: Option<bool>,
    /// The version you read (`version`); if the record has changed since, the
    /// write is refused with `CONFLICT` and `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}

/// The end of a term.
#[derive(InputObject)]
pub struct EndPositionInput {
    /// Last day of the term (not before its first day).
    pub end_on: Date,
    /// Why the term ended (at most 500 characters).
    pub reason: Option<String>,
    /// The version you read (`version`); if the record has changed since, the
    /// write is refused with `CONFLICT` and `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}

fn check<T>(result: Result<T, Invalid>) -> AppResult<T> {
    result.map_err(|e| AppError::invalid("input", e))
}

fn opt_text(field: &'static str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    value.map(|v| check(rules::text(field, &v, max))).transpose()
}

fn manage<'a>(ctx: &Context<'a>) -> AppResult<(&'a crate::domain::Principal, Reach)> {
    context::authorize(ctx, Operation::ManageOrganisation)
}

/// Every write. Each one is validated, checked against the caller's role and
/// reach, and committed in one transaction with its audit entry.
#[Object]
impl OrgMutation {
    /// Creates a provincial committee. Requires `ADMIN` on the central committee.
    async fn create_committee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: CreateCommitteeInput,
    ) -> Result<Committee> {
        let (actor, reach) = manage(ctx)?;
        if reach != Reach::All {
            return Err(
                AppError::Forbidden("creating a committee requires ADMIN on the central committee".into()).into()
            );
        }
        let new = committees::NewCommittee {
            code: check(rules::committee_code("code", &input.code))?,
            name: check(rules::text("name", &input.name, rules::NAME_MAX))?,
            province: check(rules::text("province", &input.province, rules::NAME_MAX))?,
            established_on: check(rules::date("establishedOn", input.established_on.0))?,
            regulation: check(rules::text("regulation", &input.regulation, rules::REGULATION_MAX))?,
        };
        let row = service::committees::create(&context::request(ctx)?.db, actor, new).await?;
        Ok(Committee(row))
    }

    /// Changes a committee's name, province, establishment date or regulation.
    async fn update_committee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The global ID of the record to change.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateCommitteeInput,
    ) -> Result<Committee> {
        let (actor, reach) = manage(ctx)?;
        let id = ids::decode(Kind::Committee, &id, &["id"])?;
        let changes = committees::CommitteeChanges {
            name: opt_text("name", input.name, rules::NAME_MAX)?,
            province: opt_text("province", input.province, rules::NAME_MAX)?,
            established_on: input.established_on.map(|d| check(rules::date("establishedOn", d.0))).transpose()?,
            regulation: opt_text("regulation", input.regulation, rules::REGULATION_MAX)?,
        };
        let db = &context::request(ctx)?.db;
        let expected = input.expected_version.map(i64::from);
        let row = service::committees::update(db, actor, &reach, id, expected, changes).await?;
        Ok(Committee(row))
    }

    /// Merges one provincial committee into another and returns the merged one.
    /// Requires `ADMIN` reaching both.
    async fn merge_committees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: MergeCommitteesInput,
    ) -> Result<Committee> {
        let (actor, reach) = manage(ctx)?;
        let merged = ids::decode(Kind::Committee, &input.committee_id, &["input", "committeeId"])?;
        let successor = ids::decode(Kind::Committee, &input.successor_id, &["input", "successorId"])?;
        let effective_on = check(rules::date("effectiveOn", input.effective_on.0))?;
        let db = &context::request(ctx)?.db;
        let expected = input.expected_version.map(i64::from);
        let row = service::committees::merge(db, actor, &reach, merged, successor, effective_on, expected).await?;
        Ok(Committee(row))
    }

    /// Registers a person with a committee.
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: CreatePersonInput,
    ) -> Result<Person> {
        let (actor, reach) = manage(ctx)?;
        let new = people::NewPerson {
            full_name: check(rules::text("fullName", &input.full_name, rules::NAME_MAX))?,
            party_member: input.party_member,
            home_committee_id: ids::decode(Kind::Committee, &input.home_committee_id, &["input", "homeCommitteeId"])?,
        };
        let row = service::people::create(&context::request(ctx)?.db, actor, &reach, new).await?;
        Ok(Person(row))
    }

    /// Changes a person's name or Party membership.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The global ID of the record to change.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdatePersonInput,
    ) -> Result<Person> {
        let (actor, reach) = manage(ctx)?;
        let id = ids::decode(Kind::Person, &id, &["id"])?;
        let changes = people::PersonChanges {
            full_name: opt_text("fullName", input.full_name, rules::NAME_MAX)?,
            party_member: input.party_member,
        };
        let db = &context::request(ctx)?.db;
        let expected = input.expected_version.map(i64::from);
        let row = service::people::update(db, actor, &reach, id, expected, changes).await?;
        Ok(Person(row))
    }

    /// Seats a person on a committee. A committee has one head and one
    /// standing deputy head at a time (`CONFLICT` otherwise).
    async fn appoint_position(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to write.")] input: AppointPositionInput,
    ) -> Result<Position> {
        let (actor, reach) = manage(ctx)?;
        let role: rules::SeatRole = input.role.into();
        let new = positions::NewPosition {
            person_id: ids::decode(Kind::Person, &input.person_id, &["input", "personId"])?,
            committee_id: ids::decode(Kind::Committee, &input.committee_id, &["input", "committeeId"])?,
            role,
            standing: input.standing.unwrap_or(role.standing_by_default()),
            title: check(rules::text("title", &input.title, rules::TITLE_MAX))?,
            start_on: check(rules::date("startOn", input.start_on.0))?,
        };
        let row = service::positions::appoint(&context::request(ctx)?.db, actor, &reach, new).await?;
        Ok(Position(row))
    }

    /// Changes a seat's title or standing-committee flag.
    async fn update_position(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The global ID of the record to change.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdatePositionInput,
    ) -> Result<Position> {
        let (actor, reach) = manage(ctx)?;
        let id = ids::decode(Kind::Position, &id, &["id"])?;
        let changes = positions::PositionChanges {
            title: opt_text("title", input.title, rules::TITLE_MAX)?,
            standing: input.standing,
        };
        let db = &context::request(ctx)?.db;
        let expected = input.expected_version.map(i64::from);
        let row = service::positions::update(db, actor, &reach, id, expected, changes).await?;
        Ok(Position(row))
    }

    /// Ends a term. The seat stays in history with its end date.
    async fn end_position(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The global ID of the record to change.")] id: ID,
        #[graphql(desc = "What to change.")] input: EndPositionInput,
    ) -> Result<Position> {
        let (actor, reach) = manage(ctx)?;
        let id = ids::decode(Kind::Position, &id, &["id"])?;
        let reason = opt_text("reason", input.reason, rules::REASON_MAX)?;
        let db = &context::request(ctx)?.db;
        let expected = input.expected_version.map(i64::from);
        let end_on = check(rules::date("endOn", input.end_on.0))?;
        let row = service::positions::end(db, actor, &reach, id, expected, end_on, reason).await?;
        Ok(Position(row))
    }
}
