//! Idempotency for every write. A write sent with a key claims it inside
//! its own transaction, after the checks a first request passes (a repeat
//! is a request: answered only to whom the first answer would be), so a
//! repeat on any instance finds the first result and writes nothing. The
//! first result is kept with the key, as the write returned it, and a
//! repeat answers with it, not with the records as they are now.

use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::db::idempotency as keys;
use crate::domain::Principal;
use crate::error::{AppError, AppResult, Reason};

/// How long a write's idempotency key answers repeats.
pub const IDEMPOTENCY_TTL_HOURS: i64 = 24;

/// The longest key accepted (and the longest `clientMutationId`).
pub const KEY_MAX: usize = 200;

/// A write's idempotency key and a hash of its input.
#[derive(Clone, Debug)]
pub struct Idempotency {
    pub key: String,
    pub operation: &'static str,
    pub request_hash: String,
}

impl Idempotency {
    /// `key` for the mutation `operation` whose input (variables resolved,
    /// the key and `clientMutationId` left out) is `input`, sent by `actor`.
    /// A key belongs to the principal and the grants it was used with: the
    /// same `sub` with other roles, committees or agency is another request,
    /// and reusing the key for it is refused.
    pub fn new(key: String, operation: &'static str, input: &Value, actor: &Principal) -> Idempotency {
        let mut grants: Vec<String> =
            actor.grants.iter().map(|g| format!("{}@{}", g.role.as_str(), g.committee)).collect();
        grants.sort();
        let sent = json!({ "input": input, "kind": actor.kind.as_str(), "grants": grants, "agency": actor.agency });
        let canonical = entity::audit_event::canonical_json(&sent);
        Idempotency { key, operation, request_hash: hex::encode(Sha256::digest(canonical.as_bytes())) }
    }
}

/// What a write returns: its result, or, when it repeats an earlier write
/// with the same key, that write's first result as it was then.
#[derive(Debug)]
pub enum Written<T> {
    Fresh(T),
    Repeat(T),
}

impl<T> Written<T> {
    /// The result, and whether it is a repeat's.
    pub fn into_parts(self) -> (T, bool) {
        match self {
            Written::Fresh(v) => (v, false),
            Written::Repeat(v) => (v, true),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Written<U> {
        match self {
            Written::Fresh(v) => Written::Fresh(f(v)),
            Written::Repeat(v) => Written::Repeat(f(v)),
        }
    }
}

/// Claims the key (if any) inside the write; `Some(first result)` when the
/// write is a repeat that must not run again. Call it once the caller has
/// passed the checks a first request passes (reach, role).
pub async fn claim<C: ConnectionTrait, T: DeserializeOwned>(
    txn: &C,
    actor: &Principal,
    idem: Option<&Idempotency>,
) -> AppResult<Option<T>> {
    let Some(idem) = idem else { return Ok(None) };
    let ttl = chrono::Duration::hours(IDEMPOTENCY_TTL_HOURS);
    let Some(prior) = keys::claim_key(txn, &actor.subject, &idem.key, idem.operation, &idem.request_hash, ttl).await?
    else {
        return Ok(None);
    };
    if prior.operation != idem.operation || prior.request_hash != idem.request_hash {
        return Err(AppError::Conflict(
            Reason::KeyReused,
            format!(
                "the idempotency key was used for a different request ({}, or other grants) in the last {IDEMPOTENCY_TTL_HOURS} hours",
                prior.operation
            ),
        ));
    }
    match prior.first_result.as_deref().map(serde_json::from_str::<T>) {
        Some(Ok(first)) => Ok(Some(first)),
        // A key claimed by an older version, which kept no result or kept
        // it in another shape.
        None | Some(Err(_)) => Err(AppError::Conflict(
            Reason::KeyReused,
            "the idempotency key's first result was kept by an older version; use a new key".into(),
        )),
    }
}

/// Keeps the first result with the key (if any), in the write's transaction.
pub async fn finish<C: ConnectionTrait, T: Serialize>(
    txn: &C,
    actor: &Principal,
    idem: Option<&Idempotency>,
    kind: &str,
    id: i64,
    result: &T,
) -> AppResult<()> {
    match idem {
        Some(idem) => {
            let first = serde_json::to_string(result).map_err(AppError::internal)?;
            keys::finish_key(txn, &actor.subject, &idem.key, kind, id, &first).await
        }
        None => Ok(()),
    }
}
