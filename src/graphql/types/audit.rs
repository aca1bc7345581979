//! `AuditEvent`: one entry of the tamper-evident audit trail.

use async_graphql::{ID, Json, Object, Result};
use entity::audit_event;

use super::enums::{AuditAction, AuditEntityType, PrincipalKind};
use super::scalars::DateTime;
use crate::domain;
use crate::domain::audit;
use crate::error::{AppError, AppResult};
use crate::graphql::ids::{self, Kind};

/// The `AuditEvent` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditEvent(pub audit_event::Model);

impl AuditEvent {
    fn entity(&self) -> AppResult<audit::AuditEntity> {
        audit::AuditEntity::parse(&self.0.entity).ok_or_else(|| self.unknown("entity"))
    }

    fn unknown(&self, column: &'static str) -> AppError {
        let value = match column {
            "action" => &self.0.action,
            "entity" => &self.0.entity,
            "actor_kind" => &self.0.actor_kind,
            _ => &self.0.payload,
        };
        AppError::unknown_stored("audit_event", self.0.id, column, value)
    }
}

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
    async fn actor_kind(&self) -> Result<PrincipalKind> {
        match self.0.actor_kind.as_str() {
            "SERVICE" => Ok(domain::PrincipalKind::Service.into()),
            "PERSON" => Ok(domain::PrincipalKind::Person.into()),
            _ => Err(self.unknown("actor_kind").into()),
        }
    }

    /// What was done.
    async fn action(&self) -> Result<AuditAction> {
        let action = audit::AuditAction::parse(&self.0.action).ok_or_else(|| self.unknown("action"))?;
        Ok(action.into())
    }

    /// The type of the record written: the type of `entityId`.
    async fn entity_type(&self) -> Result<AuditEntityType> {
        Ok(self.entity()?.into())
    }

    /// The global ID of the record written.
    async fn entity_id(&self) -> Result<ID> {
        let kind = match self.entity()? {
            audit::AuditEntity::Committee => Kind::Committee,
            audit::AuditEntity::Person => Kind::Person,
            audit::AuditEntity::Agency => Kind::Agency,
            audit::AuditEntity::Position => Kind::Position,
        };
        Ok(ids::encode(kind, self.0.entity_id))
    }

    /// The record after the write.
    async fn payload(&self) -> Result<Json<serde_json::Value>> {
        let value = serde_json::from_str(&self.0.payload).map_err(|_| self.unknown("payload"))?;
        Ok(Json(value))
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
