//! Writes to the organisation: committees, people, seats.

use async_graphql::{Context, Object, Result};

use crate::db::{committees, people, positions};
use crate::domain::org as rules;
use crate::error::AppResult;
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::mutations::{check, run, sent, written};
use crate::graphql::types::{Committee, Person, Position};
use crate::service;

mod inputs;
mod payloads;

pub use inputs::*;
pub use payloads::*;

#[derive(Default)]
pub struct OrgMutation;

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
