//! Walking a chain: what breaks verification, the walk over its entries,
//! and the state its entries replay to.

use super::{AuditEntity, ChainHead};

string_enum!(
    /// How the audit trail failed verification.
    BreakKind {
        /// An entry's stored hash is not the hash of its content.
        HashMismatch = "HASH_MISMATCH",
        /// An entry does not carry its predecessor's hash (reordered or rewritten).
        BrokenLink = "BROKEN_LINK",
        /// A sequence number is missing: an entry was removed.
        MissingEntry = "MISSING_ENTRY",
        /// The chain ends before a checkpoint or its head says it does.
        Truncated = "TRUNCATED",
        /// An entry differs from the one a signed checkpoint recorded (rehashed after an edit).
        CheckpointMismatch = "CHECKPOINT_MISMATCH",
        /// A checkpoint's signature does not verify, or it is not signed by a trusted key.
        BadSignature = "BAD_SIGNATURE",
        /// A checkpoint does not follow the one before it (one was removed or altered).
        CheckpointChainBroken = "CHECKPOINT_CHAIN_BROKEN",
        /// A checkpoint this instance signed or verified is gone or changed
        /// (the newest ones deleted, the entries they covered rehashed).
        CheckpointMissing = "CHECKPOINT_MISSING",
        /// A record's stored state is not what its chain's entries lead to.
        StateMismatch = "STATE_MISMATCH",
    }
);

/// The first problem found in the trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub kind: BreakKind,
    pub chain: Option<String>,
    pub seq: Option<i64>,
    pub checkpoint_id: Option<i64>,
    pub detail: String,
}

/// Walks one chain, entry by entry in `seq` order, checking each link.
#[derive(Debug)]
pub struct ChainWalk {
    pub chain: String,
    pub next_seq: i64,
    pub prev_hash: String,
    /// An entry in the current hash format was walked: no later entry may
    /// be in an older one (a downgrade would drop the committee from the hash).
    pub current_format: bool,
}

/// An entry as the walk sees it: its place, stored hashes, recomputed hash.
#[derive(Debug)]
pub struct WalkedEntry<'a> {
    pub seq: i64,
    pub prev_hash: &'a str,
    pub hash: &'a str,
    /// The format its stored hash is of, if any ([`entity::audit_event::Model::hash_version`]).
    pub format: Option<u8>,
    /// The committee it names, and the one its chain belongs to, if a committee's chain.
    pub committee: Option<i64>,
    pub chain_committee: Option<i64>,
}

impl ChainWalk {
    pub fn new(chain: &str, genesis: &str) -> ChainWalk {
        ChainWalk { chain: chain.to_owned(), next_seq: 1, prev_hash: genesis.to_owned(), current_format: false }
    }

    fn broken(&self, kind: BreakKind, seq: i64, detail: String) -> Break {
        Break { kind, chain: Some(self.chain.clone()), seq: Some(seq), checkpoint_id: None, detail }
    }

    /// Takes the next entry; the first problem ends the walk.
    pub fn step(&mut self, entry: &WalkedEntry<'_>) -> Result<(), Break> {
        if entry.seq != self.next_seq {
            let detail = format!("entry {} follows entry {}", entry.seq, self.next_seq - 1);
            return Err(self.broken(BreakKind::MissingEntry, self.next_seq, detail));
        }
        match entry.format {
            None => {
                return Err(self.broken(BreakKind::HashMismatch, entry.seq, "content does not match its hash".into()));
            }
            Some(1) if self.current_format => {
                let detail = "hashed in the old format after one in the current format".into();
                return Err(self.broken(BreakKind::HashMismatch, entry.seq, detail));
            }
            Some(format) => self.current_format |= format >= 2,
        }
        if entry.chain_committee.is_some() && entry.committee != entry.chain_committee {
            let detail = "names another committee than its chain's".into();
            return Err(self.broken(BreakKind::HashMismatch, entry.seq, detail));
        }
        if entry.prev_hash != self.prev_hash {
            let detail = "does not carry the previous entry's hash".into();
            return Err(self.broken(BreakKind::BrokenLink, entry.seq, detail));
        }
        self.next_seq += 1;
        self.prev_hash = entry.hash.to_owned();
        Ok(())
    }

    /// The last `seq` walked.
    pub fn last_seq(&self) -> i64 {
        self.next_seq - 1
    }

    /// Checks the walk reached `expected` (a checkpoint's or the stored
    /// head's), with the hash recorded there.
    pub fn reached(&self, expected: &ChainHead, by: &str, checkpoint_id: Option<i64>) -> Result<(), Break> {
        if self.last_seq() < expected.seq {
            let detail = format!("{by} records entry {} but the chain ends at {}", expected.seq, self.last_seq());
            let mut b = self.broken(BreakKind::Truncated, self.last_seq() + 1, detail);
            b.checkpoint_id = checkpoint_id;
            return Err(b);
        }
        Ok(())
    }
}

/// What a matter's chain says its record holds now, replayed entry by
/// entry from the payloads (each write records the values it left): the
/// version, both states and the amounts. A field no entry walked has set
/// stays unknown and is not compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    pub version: Option<i64>,
    pub monitoring_state: Option<String>,
    pub procedure_state: Option<String>,
    pub recovered_amount: Option<String>,
    pub loss_amount: Option<Option<String>>,
}

impl Replayed {
    /// Takes one entry of a matter's chain: its record type and payload.
    pub fn take(&mut self, entity: &str, payload: &serde_json::Value) {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let after = &payload["after"];
        if entity == AuditEntity::Case.as_str() {
            // A snapshot of the matter (created, updated) or the states a step moved.
            if let Some(v) = after["version"].as_i64() {
                self.version = Some(v);
            }
            if let Some(s) = text(&after["monitoringState"]) {
                self.monitoring_state = Some(s);
            }
            if let Some(s) = text(&after["procedureState"]) {
                self.procedure_state = Some(s);
            }
            if let Some(s) = text(&after["recoveredAmount"]) {
                self.recovered_amount = Some(s);
            }
            if after.get("lossAmount").is_some() {
                self.loss_amount = Some(text(&after["lossAmount"]));
            }
        }
        if let Some(v) = payload["version"].as_i64().or(payload["caseVersion"].as_i64()) {
            self.version = Some(v);
        }
        if let Some(s) = text(&payload["recoveredAmount"]) {
            self.recovered_amount = Some(s);
        }
    }

    /// The first field where `stored` differs from the replay, if any.
    pub fn differs(&self, stored: &Replayed) -> Option<&'static str> {
        fn check<T: PartialEq>(replayed: &Option<T>, stored: &Option<T>) -> bool {
            replayed.is_some() && replayed != stored
        }
        if check(&self.version, &stored.version) {
            return Some("version");
        }
        if check(&self.monitoring_state, &stored.monitoring_state) {
            return Some("monitoringState");
        }
        if check(&self.procedure_state, &stored.procedure_state) {
            return Some("procedureState");
        }
        if check(&self.recovered_amount, &stored.recovered_amount) {
            return Some("recoveredAmount");
        }
        if check(&self.loss_amount, &stored.loss_amount) {
            return Some("lossAmount");
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_reports_gaps_edits_and_reordering() {
        let h = |c: char| c.to_string().repeat(64);
        let (a, b) = (h('a'), h('b'));
        let zero = "0".repeat(64);
        let mut walk = ChainWalk::new("c", &zero);
        let entry = |seq, prev_hash, hash, format| WalkedEntry {
            seq,
            prev_hash,
            hash,
            format,
            committee: Some(1),
            chain_committee: Some(1),
        };
        walk.step(&entry(1, &zero, &a, Some(2))).unwrap();
        let gap = walk.step(&entry(3, &a, &b, Some(2))).unwrap_err();
        assert_eq!((gap.kind, gap.seq), (BreakKind::MissingEntry, Some(2)));
        let edit = walk.step(&entry(2, &a, &b, None)).unwrap_err();
        assert_eq!(edit.kind, BreakKind::HashMismatch);
        let downgrade = walk.step(&entry(2, &a, &b, Some(1))).unwrap_err();
        assert_eq!(downgrade.kind, BreakKind::HashMismatch);
        let moved = walk.step(&WalkedEntry { committee: Some(2), ..entry(2, &a, &b, Some(2)) }).unwrap_err();
        assert_eq!(moved.kind, BreakKind::HashMismatch);
        let link = walk.step(&entry(2, &b, &b, Some(2))).unwrap_err();
        assert_eq!(link.kind, BreakKind::BrokenLink);
        let head = ChainHead { chain: "c".into(), seq: 5, hash: b.clone() };
        assert_eq!(walk.reached(&head, "the head", None).unwrap_err().kind, BreakKind::Truncated);
    }
}
