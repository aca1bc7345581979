//! The audit trail's storage: appending a write's entries to the chains of
//! the committees it concerns, reading chains page by page, chain heads and
//! signed checkpoints. Entries are never updated or deleted (PostgreSQL and
//! SQLite triggers refuse it).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::audit_event::{self, GENESIS, case_chain, committee_chain};
use entity::{audit_chain, audit_checkpoint};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use super::for_update;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::{Principal, Reach};
use crate::error::AppResult;

/// What a write did, for the trail.
#[derive(Debug)]
pub struct Event {
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: i64,
    /// The committees whose trails record it (the first is the record's own).
    /// For a case's record: the case's committee, stated in the entry.
    pub committees: Vec<i64>,
    /// A case's records go to the case's own chain (its history) instead.
    pub case: Option<i64>,
    pub payload: serde_json::Value,
}

impl Event {
    /// The chains it is appended to, each with the committee it states.
    fn chains(&self) -> Vec<(String, i64)> {
        match (self.case, self.committees.first()) {
            (Some(case), Some(committee)) => vec![(case_chain(case), *committee)],
            _ => {
                let mut committees = self.committees.clone();
                committees.dedup();
                committees.into_iter().map(|c| (committee_chain(c), c)).collect()
            }
        }
    }
}

/// Appends a write's events, done by `actor`, to the chain of every
/// committee each concerns. Call inside the write's transaction, after its
/// changes: the chain heads are locked (in chain order, so two writes cannot
/// deadlock on them) until the write commits, so appends to one committee's
/// chain take turns and appends to different chains do not wait.
/// Returns where each entry went (chain and seq), in the order written.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    actor: &Principal,
    events: Vec<Event>,
) -> AppResult<Vec<(String, i64)>> {
    let mut chains: Vec<String> = events.iter().flat_map(|e| e.chains().into_iter().map(|(c, _)| c)).collect();
    chains.sort();
    chains.dedup();
    if chains.is_empty() {
        return Ok(Vec::new());
    }
    let lock = || {
        for_update(
            audit_chain::Entity::find()
                .filter(audit_chain::Column::Chain.is_in(chains.iter().cloned()))
                .order_by_asc(audit_chain::Column::Chain),
        )
        .all(db)
    };
    let mut locked = lock().await?;
    if locked.len() < chains.len() {
        // A chain's first entry: its head row is created (by whichever of
        // two concurrent writers comes first) and all heads locked again.
        let fresh = chains.iter().filter(|c| !locked.iter().any(|h| &h.chain == *c)).map(|chain| {
            audit_chain::ActiveModel { chain: Set(chain.clone()), seq: Set(0), head: Set(GENESIS.to_owned()) }
        });
        audit_chain::Entity::insert_many(fresh)
            .on_conflict_do_nothing_on([audit_chain::Column::Chain])
            .exec_without_returning(db)
            .await?;
        locked = lock().await?;
    }
    let mut heads: BTreeMap<String, audit_chain::Model> = locked.into_iter().map(|h| (h.chain.clone(), h)).collect();

    let at = now_micros();
    let mut rows = Vec::new();
    let mut placed = Vec::new();
    for event in events {
        let payload = audit_event::canonical_json(&event.payload);
        for (chain, committee) in event.chains() {
            let Some(head) = heads.get_mut(&chain) else { continue };
            let mut row = audit_event::Model {
                id: 0,
                at,
                actor: actor.subject.clone(),
                actor_kind: actor.kind.as_str().to_owned(),
                action: event.action.as_str().to_owned(),
                entity: event.entity.as_str().to_owned(),
                entity_id: event.entity_id,
                committee_id: Some(committee),
                payload: payload.clone(),
                prev_hash: head.head.clone(),
                hash: String::new(),
                chain,
                seq: head.seq + 1,
            };
            row.hash = row.compute_hash();
            placed.push((row.chain.clone(), row.seq));
            head.seq = row.seq;
            head.head = row.hash.clone();
            let mut active = row.into_active_model();
            active.id = sea_orm::ActiveValue::NotSet;
            rows.push(active);
        }
    }
    // The database moves each head to its newest entry as the entries go in
    // (trigger `tr_audit_entry_moves_head`), and refuses an entry that does
    // not extend its head.
    audit_event::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(placed)
}

/// The entry at `seq` of `chain`.
pub async fn entry<C: ConnectionTrait>(db: &C, chain: &str, seq: i64) -> AppResult<Option<audit_event::Model>> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Chain.eq(chain))
        .filter(audit_event::Column::Seq.eq(seq))
        .one(db)
        .await?)
}

/// Now, to the microsecond: both databases store that exactly, so a hash
/// recomputed from a stored row matches.
fn now_micros() -> DateTime<Utc> {
    let at = Utc::now();
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// Up to `limit` entries of `chain` after `after_seq`, in order.
pub async fn chain_page<C: ConnectionTrait>(
    db: &C,
    chain: &str,
    after_seq: i64,
    limit: u64,
) -> AppResult<Vec<audit_event::Model>> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Chain.eq(chain))
        .filter(audit_event::Column::Seq.gt(after_seq))
        .order_by_asc(audit_event::Column::Seq)
        .limit(limit)
        .all(db)
        .await?)
}

/// The entry at `seq` of `chain`.
pub async fn entry_at<C: ConnectionTrait>(db: &C, chain: &str, seq: i64) -> AppResult<Option<audit_event::Model>> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Chain.eq(chain))
        .filter(audit_event::Column::Seq.eq(seq))
        .one(db)
        .await?)
}

/// Every chain that has entries (from the entries themselves, not the heads
/// table, so a chain whose head row was removed is still walked), in order.
pub async fn chains_with_entries<C: ConnectionTrait>(db: &C) -> AppResult<Vec<String>> {
    Ok(audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Chain)
        .distinct()
        .order_by_asc(audit_event::Column::Chain)
        .into_tuple()
        .all(db)
        .await?)
}

/// Every chain head, in chain order.
pub async fn heads<C: ConnectionTrait>(db: &C) -> AppResult<Vec<audit_chain::Model>> {
    Ok(audit_chain::Entity::find().order_by_asc(audit_chain::Column::Chain).all(db).await?)
}

pub async fn head<C: ConnectionTrait>(db: &C, chain: &str) -> AppResult<Option<audit_chain::Model>> {
    Ok(audit_chain::Entity::find_by_id(chain.to_owned()).one(db).await?)
}

/// Whether the entry at `seq` of `chain` concerns a committee within `reach`.
pub async fn entry_within<C: ConnectionTrait>(db: &C, chain: &str, seq: i64, reach: &Reach) -> AppResult<bool> {
    let found = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Id)
        .filter(audit_event::Column::Chain.eq(chain))
        .filter(audit_event::Column::Seq.eq(seq))
        .filter(super::reach::committee_column(audit_event::Column::CommitteeId, reach))
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// A checkpoint just signed.
pub struct Signed {
    pub at: DateTime<Utc>,
    pub public_key: String,
    pub statement: String,
    /// The heads whose tree the statement signs.
    pub leaves: String,
    pub signature: String,
    pub prev: String,
}

pub async fn insert_checkpoint<C: ConnectionTrait>(db: &C, signed: Signed) -> AppResult<audit_checkpoint::Model> {
    Ok(audit_checkpoint::ActiveModel {
        at: Set(signed.at),
        public_key: Set(signed.public_key),
        statement: Set(signed.statement),
        heads: Set(Some(signed.leaves)),
        signature: Set(signed.signature),
        prev: Set(Some(signed.prev)),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Up to `limit` checkpoints after `after_id`, oldest first.
pub async fn checkpoints_after<C: ConnectionTrait>(
    db: &C,
    after_id: i64,
    limit: u64,
) -> AppResult<Vec<audit_checkpoint::Model>> {
    Ok(audit_checkpoint::Entity::find()
        .filter(audit_checkpoint::Column::Id.gt(after_id))
        .order_by_asc(audit_checkpoint::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The newest checkpoint.
pub async fn latest_checkpoint<C: ConnectionTrait>(db: &C) -> AppResult<Option<audit_checkpoint::Model>> {
    Ok(audit_checkpoint::Entity::find().order_by_desc(audit_checkpoint::Column::Id).one(db).await?)
}
