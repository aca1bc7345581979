//! The inputs of the organisation mutations: one per mutation, each with
//! `clientMutationId`, `idempotencyKey` and, on a versioned record,
//! `expectedVersion`.

use async_graphql::{ID, InputObject};

use crate::graphql::mutations::Meta;
use crate::graphql::types::enums::PositionRole;
use crate::graphql::types::scalars::Date;

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
