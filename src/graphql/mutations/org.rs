//! Writes to the organisation: committees, people, seats.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::{Meta, check, run, sent, written};
use crate::db::{committees, people, positions};
use crate::domain::org as rules;
use crate::error::AppResult;
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::types::enums::PositionRole;
use crate::graphql::types::scalars::Date;
use crate::graphql::types::{Committee, Person, Position};
use crate::service;

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
    #[graphql(flatten)]
    pub meta: Meta,
}

/// Changes to a committee; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCommitteeInput {
    /// The committee's global ID.
    pub id: ID,
    /// The version you read (`version`); if the record has changed since, the
    /// write is refused with `CONFLICT` (`STALE_VERSION`) and `extensions.currentVersion`.
    pub expected_version: Option<i32>,
    /// Full name (at most 200 characters).
    pub name: Option<String>,
    /// The province or centrally-run city it serves.
    pub province: Option<String>,
    /// The day it was established.
    pub established_on: Option<Date>,
    /// The governing regulation.
    pub regulation: Option<String>,
    #[graphql(flatten)]
    pub meta: Meta,
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
    /// The version of the merged committee you read (`version`); a stale
    /// one is refused with `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    #[graphql(flatten)]
    pub meta: Meta,
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
    #[graphql(flatten)]
    pub meta: Meta,
}

/// Changes to a person; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    /// The person's global ID.
    pub id: ID,
    /// The version you read (`version`); a stale one is refused with
    /// `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    /// Full name (at most 200 characters).
    pub full_name: Option<String>,
    /// Whether the person is a member of the Party.
    pub party_member: Option<bool>,
    #[graphql(flatten)]
    pub meta: Meta,
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
    #[graphql(flatten)]
    pub meta: Meta,
}

/// Changes to a seat; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePositionInput {
    /// The seat's global ID.
    pub id: ID,
    /// The version you read (`version`); a stale one is refused with
    /// `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    /// The concurrent title (at most 300 characters).
    pub title: Option<String>,
    /// Whether the seat is on the standing committee.
    pub standing: Option<bool>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// The end of a term.
#[derive(InputObject)]
pub struct EndPositionInput {
    /// The seat's global ID.
    pub id: ID,
    /// The version you read (`version`); a stale one is refused with
    /// `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    /// Last day of the term (not before its first day).
    pub end_on: Date,
    /// Why the term ended (at most 500 characters).
    pub reason: Option<String>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// What `createCommittee` wrote.
#[derive(SimpleObject)]
pub struct CreateCommitteePayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The new committee.
    pub committee: Committee,
}

/// What `updateCommittee` wrote.
#[derive(SimpleObject)]
pub struct UpdateCommitteePayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The committee as it is now.
    pub committee: Committee,
}

/// What `mergeCommittees` wrote.
#[derive(SimpleObject)]
pub struct MergeCommitteesPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The merged committee, now `MERGED`.
    pub committee: Committee,
    /// The committee that took over.
    pub successor: Committee,
    /// The merged committee's seats the merge ended (the day before it took effect).
    pub ended_positions: Vec<Position>,
}

/// What `createPerson` wrote.
#[derive(SimpleObject)]
pub struct CreatePersonPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The new person.
    pub person: Person,
}

/// What `updatePerson` wrote.
#[derive(SimpleObject)]
pub struct UpdatePersonPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The person as they are now.
    pub person: Person,
}

/// What `appointPosition` wrote.
#[derive(SimpleObject)]
pub struct AppointPositionPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The new seat.
    pub position: Position,
}

/// What `updatePosition` wrote.
#[derive(SimpleObject)]
pub struct UpdatePositionPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The seat as it is now.
    pub position: Position,
}

/// What `endPosition` wrote.
#[derive(SimpleObject)]
pub struct EndPositionPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The seat, ended.
    pub position: Position,
}

fn opt_text(field: &'static str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    value.map(|v| check(rules::text(field, &v, max))).transpose()
}

fn version(v: Option<i32>) -> Option<i64> {
    v.map(i64::from)
}

/// Committees, people and seats. Each write needs `ADMIN` reaching the
/// records it touches, and is committed in one transaction with its audit entry.
#[Object]
impl OrgMutation {
    /// Creates a provincial committee. Requires `ADMIN` on the central committee.
    async fn create_committee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: CreateCommitteeInput,
    ) -> Result<CreateCommitteePayload> {
        run(async {
            let sent = sent(ctx, input.meta, "createCommittee")?;
            let new = committees::NewCommittee {
                code: check(rules::committee_code("code", &input.code))?,
                name: check(rules::text("name", &input.name, rules::NAME_MAX))?,
                province: check(rules::text("province", &input.province, rules::NAME_MAX))?,
                established_on: check(rules::date("establishedOn", input.established_on.0))?,
                regulation: check(rules::text("regulation", &input.regulation, rules::REGULATION_MAX))?,
            };
            let db = &context::request(ctx)?.db;
            let row = written(ctx, service::committees::create(db, context::viewer(ctx)?, new, sent.idem()).await?)?;
            Ok(CreateCommitteePayload { client_mutation_id: sent.client_mutation_id, committee: Committee(row) })
        })
        .await
    }

    /// Changes a committee's name, province, establishment date or regulation.
    async fn update_committee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: UpdateCommitteeInput,
    ) -> Result<UpdateCommitteePayload> {
        run(async {
            let sent = sent(ctx, input.meta, "updateCommittee")?;
            let id = ids::decode(Kind::Committee, &input.id, &["id"])?;
            let changes = committees::CommitteeChanges {
                name: opt_text("name", input.name, rules::NAME_MAX)?,
                province: opt_text("province", input.province, rules::NAME_MAX)?,
                established_on: input.established_on.map(|d| check(rules::date("establishedOn", d.0))).transpose()?,
                regulation: opt_text("regulation", input.regulation, rules::REGULATION_MAX)?,
            };
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let done =
                service::committees::update(db, actor, id, version(input.expected_version), changes, sent.idem())
                    .await?;
            Ok(UpdateCommitteePayload {
                client_mutation_id: sent.client_mutation_id,
                committee: Committee(written(ctx, done)?),
            })
        })
        .await
    }

    /// Merges one provincial committee into another. Requires `ADMIN`
    /// reaching both.
    async fn merge_committees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: MergeCommitteesInput,
    ) -> Result<MergeCommitteesPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "mergeCommittees")?;
            let merged = ids::decode(Kind::Committee, &input.committee_id, &["committeeId"])?;
            let successor = ids::decode(Kind::Committee, &input.successor_id, &["successorId"])?;
            let effective_on = check(rules::date("effectiveOn", input.effective_on.0))?;
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let done =
                service::committees::merge(db, actor, merged, successor, effective_on, expected, sent.idem()).await?;
            let done = written(ctx, done)?;
            Ok(MergeCommitteesPayload {
                client_mutation_id: sent.client_mutation_id,
                committee: Committee(done.merged),
                successor: Committee(done.successor),
                ended_positions: done.ended.into_iter().map(Position).collect(),
            })
        })
        .await
    }

    /// Registers a person with a committee.
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: CreatePersonInput,
    ) -> Result<CreatePersonPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "createPerson")?;
            let new = people::NewPerson {
                full_name: check(rules::text("fullName", &input.full_name, rules::NAME_MAX))?,
                party_member: input.party_member,
                home_committee_id: ids::decode(Kind::Committee, &input.home_committee_id, &["homeCommitteeId"])?,
            };
            let db = &context::request(ctx)?.db;
            let row = written(ctx, service::people::create(db, context::viewer(ctx)?, new, sent.idem()).await?)?;
            Ok(CreatePersonPayload { client_mutation_id: sent.client_mutation_id, person: Person(row) })
        })
        .await
    }

    /// Changes a person's name or Party membership.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: UpdatePersonInput,
    ) -> Result<UpdatePersonPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "updatePerson")?;
            let id = ids::decode(Kind::Person, &input.id, &["id"])?;
            let changes = people::PersonChanges {
                full_name: opt_text("fullName", input.full_name, rules::NAME_MAX)?,
                party_member: input.party_member,
            };
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let done =
                service::people::update(db, actor, id, version(input.expected_version), changes, sent.idem()).await?;
            Ok(UpdatePersonPayload { client_mutation_id: sent.client_mutation_id, person: Person(written(ctx, done)?) })
        })
        .await
    }

    /// Seats a person on a committee. A committee has one head and one
    /// standing deputy head at a time (`CONFLICT` otherwise).
    async fn appoint_position(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: AppointPositionInput,
    ) -> Result<AppointPositionPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "appointPosition")?;
            let role: rules::SeatRole = input.role.into();
            let new = positions::NewPosition {
                person_id: ids::decode(Kind::Person, &input.person_id, &["personId"])?,
                committee_id: ids::decode(Kind::Committee, &input.committee_id, &["committeeId"])?,
                role,
                standing: input.standing.unwrap_or(role.standing_by_default()),
                title: check(rules::text("title", &input.title, rules::TITLE_MAX))?,
                start_on: check(rules::date("startOn", input.start_on.0))?,
            };
            let db = &context::request(ctx)?.db;
            let row = written(ctx, service::positions::appoint(db, context::viewer(ctx)?, new, sent.idem()).await?)?;
            Ok(AppointPositionPayload { client_mutation_id: sent.client_mutation_id, position: Position(row) })
        })
        .await
    }

    /// Changes a seat's title or standing-committee flag.
    async fn update_position(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: UpdatePositionInput,
    ) -> Result<UpdatePositionPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "updatePosition")?;
            let id = ids::decode(Kind::Position, &input.id, &["id"])?;
            let changes = positions::PositionChanges {
                title: opt_text("title", input.title, rules::TITLE_MAX)?,
                standing: input.standing,
            };
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let done = service::positions::update(db, actor, id, expected, changes, sent.idem()).await?;
            Ok(UpdatePositionPayload {
                client_mutation_id: sent.client_mutation_id,
                position: Position(written(ctx, done)?),
            })
        })
        .await
    }

    /// Ends a term. The seat stays in history with its end date.
    async fn end_position(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: EndPositionInput,
    ) -> Result<EndPositionPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "endPosition")?;
            let id = ids::decode(Kind::Position, &input.id, &["id"])?;
            let reason = opt_text("reason", input.reason, rules::REASON_MAX)?;
            let end_on = check(rules::date("endOn", input.end_on.0))?;
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let done = service::positions::end(db, actor, id, expected, end_on, reason, sent.idem()).await?;
            Ok(EndPositionPayload {
                client_mutation_id: sent.client_mutation_id,
                position: Position(written(ctx, done)?),
            })
        })
        .await
    }
}
