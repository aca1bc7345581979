//! The audit trail's operations as callers ask for them: each checks the
//! caller's grant here, whoever calls (the API, the command line, a test),
//! before the keeper does the work.

use std::sync::Arc;

use entity::audit_checkpoint;

use super::{AuditKeeper, Verification};
use crate::db::{Db, committees};
use crate::domain::{Operation, Principal, Reach};
use crate::error::{AppError, AppResult};
use crate::service::idempotency::{Idempotency, Written, claim, finish};
use crate::service::reach;

/// `AUDITOR` on the central committee, for `what`.
fn central(actor: &Principal, what: &str) -> AppResult<()> {
    match reach(actor, Operation::VerifyAuditTrail)? {
        Reach::All => Ok(()),
        Reach::Committees(_) => Err(AppError::Forbidden(format!("{what} requires AUDITOR on the central committee"))),
    }
}

impl AuditKeeper {
    /// Signs a checkpoint of every chain's head now (or returns the newest
    /// if nothing was written since). With a key, a repeat returns the
    /// checkpoint the first call returned. The key is claimed after the
    /// signing, which a repeat may do again harmlessly: signing is
    /// idempotent over unchanged heads, and a newer checkpoint only
    /// protects more.
    pub async fn checkpoint_for(
        &self,
        db: &Db,
        actor: &Principal,
        idem: Option<&Idempotency>,
    ) -> AppResult<Written<audit_checkpoint::Model>> {
        central(actor, "signing a checkpoint")?;
        let signed = self.checkpoint(db).await?;
        crate::in_transaction!(db, txn => {
            if let Some(first) = claim(txn, actor, idem).await? {
                return Ok(Written::Repeat(first));
            }
            finish(txn, actor, idem, "AuditCheckpoint", signed.id, &signed).await?;
            Ok(Written::Fresh(signed.clone()))
        })
    }

    /// Starts a full verification in the background; true when it started,
    /// false when one was running. A repeat of a key answers as the first did.
    pub async fn start_for(
        self: &Arc<Self>,
        db: &Db,
        actor: &Principal,
        idem: Option<&Idempotency>,
    ) -> AppResult<Written<bool>> {
        central(actor, "a full verification")?;
        crate::in_transaction!(db, txn => {
            if let Some(first) = claim(txn, actor, idem).await? {
                return Ok(Written::Repeat(first));
            }
            let started = self.start_full_verification(db.clone());
            finish(txn, actor, idem, "AuditVerification", 0, &started).await?;
            Ok(Written::Fresh(started))
        })
    }

    /// Verifies one committee's chains (within the caller's reach) or, for
    /// a central auditor, the whole trail.
    pub async fn verify_for(&self, db: &Db, actor: &Principal, committee: Option<i64>) -> AppResult<Verification> {
        let reach = reach(actor, Operation::VerifyAuditTrail)?;
        match committee {
            Some(id) if committees::by_ids(&db.conn, &reach, &[id]).await?.is_empty() => {
                return Err(AppError::NotFound("committee"));
            }
            Some(_) => {}
            None => central(actor, "verifying the whole trail")?,
        }
        self.verify(db, committee).await
    }

    /// The last whole verification or break: central auditors only.
    pub fn last_verification_for(&self, actor: &Principal) -> AppResult<Option<Verification>> {
        central(actor, "the trail's verification status")?;
        Ok(self.last_verification())
    }
}
