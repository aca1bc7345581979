//! Idempotency keys: the first result of a write sent with a key, per
//! principal, until it expires. In the database, so every instance answers
//! a repeat the same way. Not case-specific: every write uses it
//! (`service::idempotency`).

use chrono::{DateTime, Utc};
use entity::idempotency_key;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::error::{AppError, AppResult, Reason};

/// Claims `key` for this principal's write, inside the write's
/// transaction. `Ok(None)`: the key is new and now taken (the caller writes
/// and then [`finish_key`]s it). `Ok(Some(row))`: it was used before; the
/// caller compares the request hash and answers with the first result.
/// Expired keys are free again.
pub async fn claim_key<C: ConnectionTrait>(
    db: &C,
    principal: &str,
    key: &str,
    operation: &str,
    request_hash: &str,
    ttl: chrono::Duration,
) -> AppResult<Option<idempotency_key::Model>> {
    let now = Utc::now();
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Principal.eq(principal))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let row = idempotency_key::ActiveModel {
        principal: Set(principal.to_owned()),
        key: Set(key.to_owned()),
        operation: Set(operation.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        result_kind: Set(String::new()),
        result_id: Set(0),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        first_result: Set(None),
    };
    // A concurrent claim of the same key waits here (PostgreSQL) until the
    // first commits, then finds its row.
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict_do_nothing_on([idempotency_key::Column::Principal, idempotency_key::Column::Key])
        .exec_without_returning(db)
        .await?;
    if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(None);
    }
    let existing = idempotency_key::Entity::find_by_id((principal.to_owned(), key.to_owned())).one(db).await?;
    existing.map(Some).ok_or_else(|| {
        AppError::Conflict(Reason::KeyInUse, "the idempotency key is being used by another request".into())
    })
}

/// Records the result a claimed key answers with from now on.
pub async fn finish_key<C: ConnectionTrait>(
    db: &C,
    principal: &str,
    key: &str,
    result_kind: &str,
    result_id: i64,
    first_result: &str,
) -> AppResult<()> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::ResultKind, Expr::value(result_kind))
        .col_expr(idempotency_key::Column::ResultId, Expr::value(result_id))
        .col_expr(idempotency_key::Column::FirstResult, Expr::value(first_result))
        .filter(idempotency_key::Column::Principal.eq(principal))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Removes keys that expired before `now` (run in the background).
pub async fn purge_keys<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> AppResult<u64> {
    let res =
        idempotency_key::Entity::delete_many().filter(idempotency_key::Column::ExpiresAt.lt(now)).exec(db).await?;
    Ok(res.rows_affected)
}
