//! Keeping the audit trail honest: signed checkpoints of every chain head,
//! and verification of the chains against them, on demand (`verifyAuditTrail`)
//! and in the background (log, `/readyz`, `/metrics`).
//!
//! The signing key is an Ed25519 key kept outside the database (a file under
//! the data directory, or one the operator configures and shares between
//! instances). Someone who can write to the database can rewrite entries and
//! recompute every hash, but cannot sign a checkpoint that agrees: anyone
//! holding the public key can tell.

mod requests;
mod verify;
mod witness;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use entity::audit_checkpoint;
use entity::audit_event::GENESIS;
use sha2::{Digest, Sha256};

use crate::db::{Db, audit};
use crate::domain::audit::{Break, ChainHead, Statement};
use crate::error::{AppError, AppResult, Reason};
pub use witness::{KnownCheckpoint, Verified, Witness};

/// Entries read per statement while verifying: memory stays bounded
/// whatever the trail's length.
const VERIFY_PAGE: u64 = 500;

/// How the keeper runs.
#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    /// Sign a checkpoint this often when the trail has grown (none: only on demand).
    pub checkpoint_every: Option<Duration>,
    /// Verify the whole trail this often (none: only on demand).
    pub verify_every: Option<Duration>,
    /// Public keys (hex) of earlier or other signers whose checkpoints are trusted.
    pub trusted_keys: Vec<String>,
}

/// The outcome of a verification.
#[derive(Clone, Debug)]
pub struct Verification {
    pub at: DateTime<Utc>,
    /// The checkpoint it started from (walking only what was appended
    /// since); none when it walked every chain from its first entry.
    pub from_checkpoint: Option<i64>,
    /// Whether it covered the whole trail (not one committee's chains).
    pub whole: bool,
    pub chains: u64,
    pub entries: u64,
    pub checkpoints: u64,
    pub problem: Option<Break>,
}

/// The signer and verifier of the trail, shared by the API and the
/// background task. Its only state is the last background result, which is
/// this instance's own report (each instance verifies for itself).
pub struct AuditKeeper {
    key: SigningKey,
    trusted: Vec<VerifyingKey>,
    pub options: AuditOptions,
    last: Mutex<Option<Verification>>,
    verifications: AtomicU64,
    breaks: AtomicU64,
    witness: Witness,
    /// A full verification is running in the background.
    full_running: AtomicBool,
}

impl std::fmt::Debug for AuditKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeeper").field("public_key", &self.public_key()).finish()
    }
}

impl AuditKeeper {
    pub fn new(key: SigningKey, options: AuditOptions) -> Result<AuditKeeper, String> {
        AuditKeeper::with_witness(key, options, None)
    }

    /// A keeper that keeps its witness in `witness` (see [`Witness`]).
    pub fn with_witness(
        key: SigningKey,
        options: AuditOptions,
        witness: Option<PathBuf>,
    ) -> Result<AuditKeeper, String> {
        let mut trusted = vec![key.verifying_key()];
        for hex_key in &options.trusted_keys {
            trusted.push(parse_public_key(hex_key).ok_or_else(|| format!("not an Ed25519 public key: {hex_key}"))?);
        }
        Ok(AuditKeeper {
            key,
            trusted,
            options,
            last: Mutex::new(None),
            verifications: AtomicU64::new(0),
            breaks: AtomicU64::new(0),
            witness: Witness::open(witness)?,
            full_running: AtomicBool::new(false),
        })
    }

    /// A keeper with a fresh random key that lives only as long as the process.
    pub fn ephemeral() -> AuditKeeper {
        use rand::Rng;
        let seed: [u8; 32] = rand::rng().random();
        AuditKeeper::new(SigningKey::from_bytes(&seed), AuditOptions::default()).unwrap_or_else(|_| unreachable!())
    }

    /// The key in `path` (64 hex characters), created there (readable by the
    /// owner only) if the file does not exist.
    pub fn load_or_create_key(path: &Path) -> Result<SigningKey, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).map_err(|_| format!("{} is not a hex key", path.display()))?;
                let seed: [u8; 32] =
                    bytes.try_into().map_err(|_| format!("{} must hold 32 bytes in hex", path.display()))?;
                Ok(SigningKey::from_bytes(&seed))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                use rand::Rng;
                let seed: [u8; 32] = rand::rng().random();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                crate::auth::write_private(path, &hex::encode(seed))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "generated an audit signing key");
                Ok(SigningKey::from_bytes(&seed))
            }
            Err(err) => Err(format!("cannot read {}: {err}", path.display())),
        }
    }

    /// The public key (hex) that verifies this keeper's checkpoints.
    pub fn public_key(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// Signs a checkpoint of every chain head, unless nothing was appended
    /// since the last one (then that one is returned). An empty trail has
    /// nothing to sign: `CONFLICT`.
    pub async fn checkpoint(&self, db: &Db) -> AppResult<audit_checkpoint::Model> {
        self.sign(db).await?.ok_or_else(|| {
            AppError::Conflict(Reason::NothingToDo, "the audit trail is empty: nothing to checkpoint".into())
        })
    }

    /// The checkpoint covering the current heads, signed now if need be;
    /// `None` while the trail is empty.
    async fn sign(&self, db: &Db) -> AppResult<Option<audit_checkpoint::Model>> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let latest = audit::latest_checkpoint(&db.conn).await?;
            let heads: Vec<ChainHead> = audit::heads(&db.conn)
                .await?
                .into_iter()
                .filter(|h| h.seq > 0)
                .map(|h| ChainHead { chain: h.chain, seq: h.seq, hash: h.head })
                .collect();
            if let Some(latest) = &latest
                && Statement::parse(&latest.statement, latest.heads.as_deref()).is_some_and(|s| s.heads == heads)
            {
                return Ok(Some(latest.clone()));
            }
            if heads.is_empty() && latest.is_none() {
                return Ok(None);
            }
            let at = Utc::now();
            let prev = latest.as_ref().map(|c| statement_hash(&c.statement)).unwrap_or_else(|| GENESIS.to_owned());
            let statement = Statement::new(at.timestamp_micros(), prev.clone(), heads);
            let (leaves, statement) = (statement.leaves(), statement.to_text());
            let signature = hex::encode(self.key.sign(statement.as_bytes()).to_bytes());
            let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
            let signed = audit::Signed { at, public_key: self.public_key(), statement, leaves, signature, prev };
            match audit::insert_checkpoint(&db.conn, signed).await {
                // Another instance signed after the same checkpoint first
                // (`ux_audit_checkpoint_prev`): start again from its one.
                Err(AppError::Conflict(..)) if attempts < 3 => continue,
                Ok(cp) => {
                    self.witness.saw(KnownCheckpoint { id: cp.id, statement_hash: statement_hash(&cp.statement) });
                    return Ok(Some(cp));
                }
                other => return other.map(Some),
            }
        }
    }

    /// Verifies the chains of `committee` (its own and its matters') or
    /// every chain, and the checkpoints, from where this instance's last
    /// verification of the whole trail ended: only what was appended since
    /// is walked. A break is logged at ERROR and shows in `/readyz` at once.
    pub async fn verify(&self, db: &Db, committee: Option<i64>) -> AppResult<Verification> {
        let report = self.run_verification(db, committee, self.witness.verified()).await?;
        self.record(&report, false);
        Ok(report)
    }

    /// Verifies every chain from its first entry and every checkpoint from
    /// the first.
    pub async fn verify_full(&self, db: &Db) -> AppResult<Verification> {
        let report = self.run_verification(db, None, None).await?;
        self.record(&report, true);
        Ok(report)
    }

    /// Starts a full verification in the background, unless one is running
    /// (then `false`). Its result goes where the periodic one's does.
    pub fn start_full_verification(self: &std::sync::Arc<Self>, db: Db) -> bool {
        if self.full_running.swap(true, Ordering::AcqRel) {
            return false;
        }
        let keeper = self.clone();
        tokio::spawn(async move {
            if let Err(err) = keeper.verify_full(&db).await {
                tracing::warn!(error = %err.detail(), "cannot verify the audit trail");
            }
            keeper.full_running.store(false, Ordering::Release);
        });
        true
    }

    /// Keeps a verification's result: a break is logged at ERROR and shown
    /// by `/readyz` whoever asked; an intact result replaces the last one
    /// only if it covered the whole trail.
    fn record(&self, report: &Verification, background: bool) {
        if background {
            self.verifications.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(problem) = &report.problem {
            self.breaks.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                kind = problem.kind.as_str(),
                chain = ?problem.chain,
                seq = ?problem.seq,
                checkpoint = ?problem.checkpoint_id,
                detail = %problem.detail,
                "the audit trail failed verification"
            );
        } else if report.whole {
            tracing::info!(chains = report.chains, entries = report.entries, from = ?report.from_checkpoint, "the audit trail verified");
        } else {
            return;
        }
        if let Ok(mut last) = self.last.lock() {
            *last = Some(report.clone());
        }
    }

    /// Runs a full verification of the whole trail and records the result
    /// for `/readyz` and `/metrics`; a break is logged as an error.
    pub async fn verify_in_background(&self, db: &Db) -> AppResult<Verification> {
        self.verify_full(db).await
    }

    /// The last verification of the whole trail, or the last break found, if any.
    pub fn last_verification(&self) -> Option<Verification> {
        self.last.lock().ok().and_then(|l| l.clone())
    }

    /// Prometheus text lines for `/metrics`.
    pub fn metrics(&self) -> String {
        let last = self.last_verification();
        let broken = last.as_ref().map(|v| u8::from(v.problem.is_some())).unwrap_or(0);
        let entries = last.as_ref().map(|v| v.entries).unwrap_or(0);
        format!(
            "# HELP steerql_audit_trail_broken 1 if the last verification of the audit trail found a break.\n\
             # TYPE steerql_audit_trail_broken gauge\nsteerql_audit_trail_broken {broken}\n\
             # HELP steerql_audit_verified_entries Entries checked by the last verification.\n\
             # TYPE steerql_audit_verified_entries gauge\nsteerql_audit_verified_entries {entries}\n\
             # HELP steerql_audit_verifications_total Background verifications run.\n\
             # TYPE steerql_audit_verifications_total counter\nsteerql_audit_verifications_total {}\n\
             # HELP steerql_audit_breaks_total Background verifications that found a break.\n\
             # TYPE steerql_audit_breaks_total counter\nsteerql_audit_breaks_total {}\n",
            self.verifications.load(Ordering::Relaxed),
            self.breaks.load(Ordering::Relaxed),
        )
    }

    /// The background work: a checkpoint and a verification at their
    /// intervals, until the process ends.
    pub async fn run(self: std::sync::Arc<Self>, db: Db) {
        let tick = |d: Option<Duration>| {
            d.filter(|d| !d.is_zero()).map(|d| {
                let mut i = tokio::time::interval(d);
                i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                i
            })
        };
        let (mut checkpoints, mut verifications) =
            (tick(self.options.checkpoint_every), tick(self.options.verify_every));
        async fn next(i: &mut Option<tokio::time::Interval>) {
            match i {
                Some(i) => {
                    i.tick().await;
                }
                None => std::future::pending().await,
            }
        }
        loop {
            tokio::select! {
                () = next(&mut checkpoints) => {
                    if let Err(err) = self.sign(&db).await {
                        tracing::warn!(error = %err.detail(), "cannot sign an audit checkpoint");
                    }
                }
                () = next(&mut verifications) => {
                    if let Err(err) = self.verify_in_background(&db).await {
                        tracing::warn!(error = %err.detail(), "cannot verify the audit trail");
                    }
                }
            }
        }
    }
}

fn parse_public_key(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// SHA-256 (hex) of a checkpoint's statement: what the next one links to.
pub fn statement_hash(statement: &str) -> String {
    hex::encode(Sha256::digest(statement.as_bytes()))
}
