//! `AuditEvent`: one entry of the tamper-evident audit trail.

use async_graphql::{ID, Json, Object, Result, SelectionField};
use entity::audit_event;

use super::enums::{AuditAction, AuditEntityType, PrincipalKind};
use super::scalars::DateTime;
use crate::db::columns::Columns;
use crate::domain;
use crate::domain::audit;
use crate::error::{AppError, AppResult};
use crate::graphql::ids::{self, Kind};
use crate::graphql::projection::{self, ColumnTable};

mod checkpoint;
mod verification;

pub use checkpoint::*;
pub use verification::*;

/// The columns each `AuditEvent` field reads, besides its id and chain
/// (a field not listed, such as `hashedFields`, reads the whole row).
pub const AUDIT_EVENT_COLUMNS: ColumnTable<audit_event::Column> = {
    use audit_event::Column as C;
    &[
        ("id", &[]),
        ("at", &[C::At]),
        ("actor", &[C::Actor]),
        ("actorKind", &[C::ActorKind]),
        ("action", &[C::Action]),
        ("entityType", &[C::Entity]),
        ("entityId", &[C::Entity, C::EntityId]),
        ("payload", &[C::Payload]),
        ("hash", &[C::Hash]),
        ("prevHash", &[C::PrevHash]),
        ("chain", &[]),
        ("seq", &[C::Seq]),
        ("committee", &[C::CommitteeId]),
        ("step", &[C::Seq, C::Action]),
    ]
};

/// The columns a selection of an entry (`field`'s own) reads.
pub fn event_columns(field: SelectionField<'_>) -> Columns<entity::audit_event::Entity> {
    use audit_event::Column as C;
    projection::columns(field.selection_set(), AUDIT_EVENT_COLUMNS, &[C::Id, C::Chain])
}

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

/// One write, as recorded in the same transaction as the change, in a
/// hash chain: a matter's writes (its steps, defendants, recoveries,
/// references) in the matter's own chain, `case:<n>`; a committee's (the
/// committee, its people and seats, disciplinary actions recorded on it) in
/// the committee's, `committee:<n>`, and a write that concerns several
/// committees (a merge) in each one's. Each entry's `hash` is SHA-256 over
/// `hashedFields`, which include the previous entry's hash.
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
            audit::AuditEntity::Case => Kind::Case,
            audit::AuditEntity::Defendant => Kind::Defendant,
            audit::AuditEntity::DisciplinaryAction => Kind::DisciplinaryAction,
            audit::AuditEntity::Recovery => Kind::Recovery,
        };
        Ok(ids::encode(kind, self.0.entity_id))
    }

    /// The record after the write.
    async fn payload(&self) -> Result<Json<serde_json::Value>> {
        let value = serde_json::from_str(&self.0.payload).map_err(|_| self.unknown("payload"))?;
        Ok(Json(value))
    }

    /// SHA-256 (hex) of `hashedFields`.
    async fn hash(&self) -> &str {
        &self.0.hash
    }

    /// The previous entry's hash in the same chain (64 zeros for the first).
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }

    /// The chain the entry is in: `case:<n>` (a matter's history, one per
    /// matter) or `committee:<n>` (one per committee); `<n>` is the record's
    /// number. `auditEvents(chain:)` lists one chain.
    async fn chain(&self) -> &str {
        &self.0.chain
    }

    /// The entry's place in its chain: 1, 2, 3, ... without gaps.
    async fn seq(&self) -> Result<i32> {
        Ok(i32::try_from(self.0.seq).map_err(AppError::internal)?)
    }

    /// The committee whose reach covers the entry: the chain's committee,
    /// or for a matter's history the committee that monitored the matter when
    /// it was written (null when outside the caller's reach).
    async fn committee(&self, ctx: &async_graphql::Context<'_>) -> Option<super::Boxed<super::Committee>> {
        crate::graphql::context::nullable(ctx, async {
            let Some(id) = self.0.committee_id else { return Ok(None) };
            let req = crate::graphql::context::request(ctx)?;
            Ok(req.org.load_one(crate::graphql::loaders::CommitteeId(id)).await?.map(super::Committee))
        })
        .await
        .map(super::Boxed::from)
    }

    /// The workflow step this entry records, as a typed fact (its
    /// effective date, decision and reason); null for any other entry.
    async fn step(&self, ctx: &async_graphql::Context<'_>) -> Option<super::Boxed<super::case::StepRecord>> {
        crate::graphql::context::nullable(ctx, async {
            let Some(entity::audit_event::Chain::Case(case)) = entity::audit_event::Chain::parse(&self.0.chain) else {
                return Ok(None);
            };
            if self.0.action != audit::AuditAction::CaseTransition.as_str() {
                return Ok(None);
            }
            let req = crate::graphql::context::request(ctx)?;
            let key = crate::graphql::loaders::StepOfEntry(case, self.0.seq);
            Ok(req.cases.load_one(key).await?.map(super::case::StepRecord))
        })
        .await
        .map(super::Boxed::from)
    }

    /// Exactly what `hash` covers, in order: chain, seq, prevHash, `at` in
    /// microseconds since the Unix epoch, actor, actorKind, action and entity
    /// type as stored (e.g. `committee.update`, `Committee`), the record's
    /// numeric id, the payload as canonical JSON (keys sorted, no spaces),
    /// the numeric id of the committee whose reach covers the entry (empty
    /// if none) and `v2`. Entries written before version 2 of the format
    /// stop after the payload (ten fields). The hash is SHA-256 over each
    /// field's UTF-8 length as 8 big-endian bytes followed by its bytes. The
    /// verifier in Python is in `docs/audit.md`.
    async fn hashed_fields(&self) -> Vec<String> {
        self.0.hashed_fields_as_stored()
    }
}
