//! The audit trail: every write appends an entry in the same transaction as
//! the change. Entries form a hash chain (each hashes its content and the hash
//! before it), so an edited or removed entry is detectable by [`verify_chain`].

use chrono::Utc;
use entity::audit_event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect};
use sha2::{Digest, Sha256};

use crate::domain::Principal;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::error::AppResult;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a write did, for the trail.
#[derive(Debug)]
pub struct Event {
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: i64,
    pub committee_id: Option<i64>,
    pub payload: serde_json::Value,
}

/// Appends `event`, done by `actor`, to the trail. Call inside the write's
/// transaction ([`super::Db::begin_write`] serialises appenders).
pub async fn record<C: ConnectionTrait>(db: &C, actor: &Principal, event: Event) -> AppResult<()> {
    let prev_hash = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Hash)
        .order_by_desc(audit_event::Column::Id)
        .limit(1)
        .into_tuple::<String>()
        .one(db)
        .await?
        .unwrap_or_else(|| GENESIS.to_owned());
    // Microsecond precision: both databases store it exactly, so the hash
    // recomputed from a stored row matches.
    let at = Utc::now();
    let at = chrono::DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
    let mut row = audit_event::Model {
        id: 0,
        at,
        actor: actor.subject.clone(),
        actor_kind: actor.kind.as_str().to_owned(),
        action: event.action.as_str().to_owned(),
        entity: event.entity.as_str().to_owned(),
        entity_id: event.entity_id,
        committee_id: event.committee_id,
        payload: event.payload.to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = hash(&row);
    let mut active: audit_event::ActiveModel = row.into();
    active.id = sea_orm::ActiveValue::NotSet;
    active.insert(db).await?;
    Ok(())
}

/// The hash of an entry's content and its predecessor's hash.
pub fn hash(row: &audit_event::Model) -> String {
    let mut h = Sha256::new();
    for part in [
        row.prev_hash.as_str(),
        &row.at.timestamp_micros().to_string(),
        &row.actor,
        &row.actor_kind,
        &row.action,
        &row.entity,
        &row.entity_id.to_string(),
        &row.committee_id.map(|c| c.to_string()).unwrap_or_default(),
        &row.payload,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Walks the whole trail; returns the id of the first entry whose hash or link
/// does not match, or `None` if the chain is intact.
pub async fn verify_chain<C: ConnectionTrait>(db: &C) -> AppResult<Option<i64>> {
    let rows = audit_event::Entity::find().order_by_asc(audit_event::Column::Id).all(db).await?;
    let mut prev = GENESIS.to_owned();
    for row in rows {
        if row.prev_hash != prev || hash(&row) != row.hash {
            return Ok(Some(row.id));
        }
        prev = row.hash;
    }
    Ok(None)
}
