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
mod witness;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use entity::audit_checkpoint;
use entity::audit_event::{Chain, GENESIS, case_chain, committee_chain};
use sha2::{Digest, Sha256};

use crate::db::{Db, audit};

use crate::domain::audit::{Break, BreakKind, ChainHead, ChainWalk, Replayed, Statement, WalkedEntry};
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

    async fn run_verification(
        &self,
        db: &Db,
        committee: Option<i64>,
        base: Option<Verified>,
    ) -> AppResult<Verification> {
        let mut report = Verification {
            at: Utc::now(),
            from_checkpoint: base.as_ref().map(|b| b.checkpoint.id),
            whole: committee.is_none(),
            chains: 0,
            entries: 0,
            checkpoints: 0,
            problem: None,
        };
        let latest = match self.verify_checkpoints(db, base.as_ref(), &mut report).await? {
            Ok(latest) => latest,
            Err(problem) => {
                report.problem = Some(problem);
                return Ok(report);
            }
        };
        let chains = match committee {
            // The committee's chain and those of the matters it monitors or assigned.
            Some(id) => {
                let mut chains = vec![committee_chain(id)];
                chains.extend(crate::db::cases::ids_of_committee(&db.conn, id).await?.into_iter().map(case_chain));
                chains
            }
            None => {
                let mut all = audit::chains_with_entries(&db.conn).await?;
                // A chain the checkpoint or the heads know of but that has no entries left.
                all.extend(audit::heads(&db.conn).await?.into_iter().filter(|h| h.seq > 0).map(|h| h.chain));
                if let Some((_, st)) = &latest {
                    all.extend(st.heads.iter().map(|h| h.chain.clone()));
                }
                if let Some(base) = &base {
                    all.extend(base.heads.keys().cloned());
                }
                all.sort();
                all.dedup();
                all
            }
        };
        for chain in chains {
            report.chains += 1;
            let from = base.as_ref().and_then(|b| b.heads.get(&chain));
            if let Err(problem) = self.verify_chain(db, &chain, from, latest.as_ref(), &mut report).await? {
                report.problem = Some(problem);
                break;
            }
        }
        // The whole trail holds up to the newest checkpoint: the next
        // verification starts there.
        if report.whole
            && report.problem.is_none()
            && let Some((id, statement)) = &latest
        {
            let checkpoint = KnownCheckpoint { id: *id, statement_hash: statement_hash(&statement.to_text()) };
            self.witness.verified_up_to(checkpoint, statement);
        }
        Ok(report)
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

    /// Checks every checkpoint's signature and link to the one before, page
    /// by page; returns the newest with its statement.
    async fn verify_checkpoints(
        &self,
        db: &Db,
        base: Option<&Verified>,
        report: &mut Verification,
    ) -> AppResult<Result<Option<(i64, Statement)>, Break>> {
        // From the verified base on (itself included, so that it is still there, unchanged).
        let (mut prev, mut after) = match base {
            Some(b) => (b.prev.clone(), b.checkpoint.id - 1),
            None => (GENESIS.to_owned(), 0),
        };
        let known = self.witness.checkpoint();
        let mut seen_known = known.as_ref().is_none_or(|k| base.is_some_and(|b| b.checkpoint.id > k.id));
        let mut latest = None;
        loop {
            let page = audit::checkpoints_after(&db.conn, after, VERIFY_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for cp in page {
                report.checkpoints += 1;
                let broken = |kind, detail: &str| Break {
                    kind,
                    chain: None,
                    seq: None,
                    checkpoint_id: Some(cp.id),
                    detail: detail.to_owned(),
                };
                if !self.signed_by_trusted_key(&cp) {
                    return Ok(Err(broken(BreakKind::BadSignature, "not signed by a trusted key")));
                }
                let Some(statement) = Statement::parse(&cp.statement, cp.heads.as_deref()) else {
                    let detail = "the signed statement is malformed, or its leaves are not the signed tree's";
                    return Ok(Err(broken(BreakKind::BadSignature, detail)));
                };
                if statement.prev != prev {
                    return Ok(Err(broken(
                        BreakKind::CheckpointChainBroken,
                        "does not follow the previous checkpoint",
                    )));
                }
                prev = statement_hash(&cp.statement);
                if let Some(base) = base
                    && report.checkpoints == 1
                    && (cp.id != base.checkpoint.id || prev != base.checkpoint.statement_hash)
                {
                    let detail = format!("checkpoint {}, verified before, is gone or changed", base.checkpoint.id);
                    return Ok(Err(broken(BreakKind::CheckpointMissing, &detail)));
                }
                if let Some(k) = &known
                    && cp.id == k.id
                {
                    if prev != k.statement_hash {
                        let detail = format!("checkpoint {} differs from the one this instance knows", k.id);
                        return Ok(Err(broken(BreakKind::CheckpointMissing, &detail)));
                    }
                    seen_known = true;
                }
                latest = Some((cp.id, statement));
            }
        }
        if !seen_known && let Some(k) = known {
            let newest = latest.as_ref().map(|(id, _)| id.to_string()).unwrap_or_else(|| "none".into());
            return Ok(Err(Break {
                kind: BreakKind::CheckpointMissing,
                chain: None,
                seq: None,
                checkpoint_id: Some(k.id),
                detail: format!(
                    "checkpoint {}, signed or verified by this instance, is gone (the newest left: {newest})",
                    k.id
                ),
            }));
        }
        if base.is_some() && report.checkpoints == 0 {
            let detail = "the checkpoints verified before are gone";
            let id = base.map(|b| b.checkpoint.id);
            return Ok(Err(Break {
                kind: BreakKind::CheckpointMissing,
                chain: None,
                seq: None,
                checkpoint_id: id,
                detail: detail.into(),
            }));
        }
        Ok(Ok(latest))
    }

    fn signed_by_trusted_key(&self, cp: &audit_checkpoint::Model) -> bool {
        let Some(key) = parse_public_key(&cp.public_key) else { return false };
        if !self.trusted.contains(&key) {
            return false;
        }
        let Some(signature) = hex::decode(&cp.signature).ok().and_then(|b| Signature::from_slice(&b).ok()) else {
            return false;
        };
        key.verify(cp.statement.as_bytes(), &signature).is_ok()
    }

    /// Walks one chain page by page: links, hashes, no gaps; then that it
    /// reaches the newest checkpoint's head with the same hash, and its
    /// stored head.
    async fn verify_chain(
        &self,
        db: &Db,
        chain: &str,
        from: Option<&(i64, String)>,
        latest: Option<&(i64, Statement)>,
        report: &mut Verification,
    ) -> AppResult<Result<(), Break>> {
        let checkpointed = latest.and_then(|(id, st)| st.heads.iter().find(|h| h.chain == chain).map(|h| (*id, h)));
        let mut walk = ChainWalk::new(chain, GENESIS);
        let mut replayed = Replayed::default();
        // From a verified head: that entry must still be there, unchanged.
        if let Some((seq, hash)) = from {
            let entry = audit::chain_page(&db.conn, chain, seq - 1, 1).await?.into_iter().next();
            report.entries += 1;
            match entry {
                Some(e) if e.seq == *seq && e.hash == *hash && e.hash_version().is_some() => {
                    replayed.take(&e.entity, &payload_of(&e));
                    let current_format = e.hash_version() == Some(2);
                    walk = ChainWalk {
                        chain: chain.to_owned(),
                        next_seq: seq + 1,
                        prev_hash: hash.clone(),
                        current_format,
                    };
                }
                _ => {
                    return Ok(Err(Break {
                        kind: BreakKind::CheckpointMismatch,
                        chain: Some(chain.to_owned()),
                        seq: Some(*seq),
                        checkpoint_id: self.witness.verified().map(|v| v.checkpoint.id),
                        detail: "differs from the entry a verified checkpoint recorded".into(),
                    }));
                }
            }
        }
        if let Err(problem) = walk_on(db, &mut walk, &mut replayed, checkpointed, report).await? {
            return Ok(Err(problem));
        }
        if let Some((id, head)) = checkpointed
            && let Err(problem) = walk.reached(head, "a signed checkpoint", Some(id))
        {
            return Ok(Err(problem));
        }
        if let Some(stored) = audit::head(&db.conn, chain).await? {
            let head = ChainHead { chain: stored.chain, seq: stored.seq, hash: stored.head };
            // The head is read after the walk: entries appended in between
            // (each commits with the head it moves) are walked too before
            // the walk is held to the head.
            if walk.last_seq() < head.seq
                && let Err(problem) = walk_on(db, &mut walk, &mut replayed, checkpointed, report).await?
            {
                return Ok(Err(problem));
            }
            if let Err(problem) = walk.reached(&head, "the chain's head", None) {
                return Ok(Err(problem));
            }
        }
        // A matter's record holds what its chain's entries left.
        let Some(Chain::Case(id)) = Chain::parse(chain) else { return Ok(Ok(())) };
        // The record is read after its entries; a write that committed in
        // between moved its version on: walk what it appended, then compare.
        for _ in 0..3 {
            let Some(stored) = crate::db::cases::by_id_any(&db.conn, id).await? else { break };
            if replayed.version.is_some_and(|v| v < stored.version) {
                let walked = walk.last_seq();
                if let Err(problem) = walk_on(db, &mut walk, &mut replayed, checkpointed, report).await? {
                    return Ok(Err(problem));
                }
                if walk.last_seq() > walked {
                    continue;
                }
            }
            let stored = Replayed {
                version: Some(stored.version),
                monitoring_state: Some(stored.monitoring_state),
                procedure_state: Some(stored.procedure_state),
                recovered_amount: Some(stored.recovered_amount.to_string()),
                loss_amount: Some(stored.loss_amount.map(|v| v.to_string())),
            };
            if let Some(field) = replayed.differs(&stored) {
                return Ok(Err(Break {
                    kind: BreakKind::StateMismatch,
                    chain: Some(chain.to_owned()),
                    seq: Some(walk.last_seq()),
                    checkpoint_id: None,
                    detail: format!("the record's {field} is not what its history leads to"),
                }));
            }
            break;
        }
        Ok(Ok(()))
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

/// Walks `walk`'s chain on from where it is, page by page to its end:
/// links, hashes, no gaps, the newest checkpoint's head; replays each entry.
async fn walk_on(
    db: &Db,
    walk: &mut ChainWalk,
    replayed: &mut Replayed,
    checkpointed: Option<(i64, &ChainHead)>,
    report: &mut Verification,
) -> AppResult<Result<(), Break>> {
    let chain = walk.chain.clone();
    let chain = chain.as_str();
    loop {
        let page = audit::chain_page(&db.conn, chain, walk.last_seq(), VERIFY_PAGE).await?;
        if page.is_empty() {
            break;
        }
        for entry in &page {
            report.entries += 1;
            let walked = WalkedEntry {
                seq: entry.seq,
                prev_hash: &entry.prev_hash,
                hash: &entry.hash,
                format: entry.hash_version(),
                committee: entry.committee_id,
                chain_committee: match Chain::parse(chain) {
                    Some(Chain::Committee(id)) => Some(id),
                    _ => None,
                },
            };
            if let Err(problem) = walk.step(&walked) {
                return Ok(Err(problem));
            }
            replayed.take(&entry.entity, &payload_of(entry));
            if let Some((id, head)) = checkpointed
                && head.seq == entry.seq
                && head.hash != entry.hash
            {
                return Ok(Err(Break {
                    kind: BreakKind::CheckpointMismatch,
                    chain: Some(chain.to_owned()),
                    seq: Some(entry.seq),
                    checkpoint_id: Some(id),
                    detail: "differs from the entry checkpoint recorded".into(),
                }));
            }
        }
    }
    Ok(Ok(()))
}

/// An entry's payload as JSON (an unreadable one replays as nothing: its
/// hash already tells whether it was changed).
fn payload_of(entry: &entity::audit_event::Model) -> serde_json::Value {
    serde_json::from_str(&entry.payload).unwrap_or(serde_json::Value::Null)
}
