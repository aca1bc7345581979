//! The payloads of the organisation mutations: the record written and
//! each record whose state the write changed.

use async_graphql::SimpleObject;

use crate::graphql::types::{Committee, Person, Position};

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
