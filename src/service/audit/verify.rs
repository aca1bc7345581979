//! Verification: the checkpoints' signatures and links, then every chain
//! walked from the last verified checkpoint (or its first entry) to its
//! head, each entry replayed, a matter's record held to what its chain
//! leads to.

use chrono::Utc;
use ed25519_dalek::{Signature, Verifier};
use entity::audit_checkpoint;
use entity::audit_event::{Chain, GENESIS, case_chain, committee_chain};

use crate::db::{Db, audit};
use crate::domain::audit::{Break, BreakKind, ChainHead, ChainWalk, Replayed, Statement, WalkedEntry};
use crate::error::AppResult;

use super::{AuditKeeper, KnownCheckpoint, VERIFY_PAGE, Verification, Verified, parse_public_key, statement_hash};

impl AuditKeeper {
    pub(super) async fn run_verification(
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
