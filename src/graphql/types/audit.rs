//! `AuditEvent`: one entry of the tamper-evident audit trail.

use async_graphql::{ID, Object};
use entity::audit_event;

use super::enums::PrincipalKind;
use super::scalars::DateTime;
use crate::domain;
use crate::graphql::ids::{self, Kind};

/// The `AuditEvent` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditEvent(pub audit_event::Model);

/// One write, as recorded in the same transaction as the change. Entries are
/// chained by hash: each hashes its content and the previous entry's hash.
#[Object]
impl AuditEvent {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AuditEvent, self.0.id)
    }

    /// When the write committed (UTC).
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The `sub` of the caller who wrote.
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    /// Whether the writer was a person or a service account.
    async fn actor_kind(&self) -> PrincipalKind {
        match self.0.actor_kind.as_str() {
            "SERVICE" => domain::PrincipalKind::Service.into(),
            _ => domain::PrincipalKind::Person.into(),
        }
    }

    /// What was done, e.g. `committee.create`, `position.end`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The type of the record written, e.g. `Committee`.
    async fn entity_type(&self) -> &str {
        &self.0.entity
    }

    /// The global ID of the record written.
    async fn entity_id(&self) -> ID {
        let kind = match self.0.entity.as_str() {
            "Committee" => Kind::Committee,
            "Person" => Kind::Person,
            "Agency" => Kind::Agency,
            _ => Kind::Position,
        };
        ids::encode(kind, self.0.entity_id)
    }

    /// The record after the write, as a JSON document.
    async fn payload(&self) -> &str {
        &self.0.payload
    }

    /// SHA-256 of this entry chained to the previous one (hex).
    async fn hash(&self) -> &str {
        &self.0.hash
    }

    /// The previous entry's hash.
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
}
