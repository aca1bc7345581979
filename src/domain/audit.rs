//! What the audit trail records: the closed sets of actions and record types.

string_enum!(
    /// What a write did.
    AuditAction {
        CommitteeCreate = "committee.create",
        CommitteeUpdate = "committee.update",
        CommitteeMerge = "committee.merge",
        PersonCreate = "person.create",
        PersonUpdate = "person.update",
        PositionAppoint = "position.appoint",
        PositionUpdate = "position.update",
        PositionEnd = "position.end",
        CaseCreate = "case.create",
        CaseUpdate = "case.update",
        CaseTransition = "case.transition",
        CaseAssign = "case.assign",
        CaseReference = "case.reference",
        DefendantAdd = "defendant.add",
        DefendantUpdate = "defendant.update",
        DisciplineRecord = "discipline.record",
        RecoveryRecord = "recovery.record",
    }
);

string_enum!(
    /// The type of record a write touched (its global ID type).
    AuditEntity {
        Committee = "Committee",
        Agency = "Agency",
        Person = "Person",
        Position = "Position",
        Case = "Case",
        Defendant = "Defendant",
        DisciplinaryAction = "DisciplinaryAction",
        Recovery = "Recovery",
    }
);

/// One chain's last entry, as a checkpoint states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// What a checkpoint signs: when, the previous checkpoint's statement hash
/// (so checkpoints form a chain of their own), and every chain's head.
/// Since format v2 the heads are leaves of a Merkle tree ([`super::merkle`])
/// and only the tree's size and root are signed, so a statement tells
/// nothing of the chains; the leaves are kept beside it, and one chain's
/// head is proved by its audit path. The text form is what is signed and
/// stored, line by line:
///
/// ```text
/// steerql audit checkpoint v2
/// at 1763900000123456
/// prev <sha256 hex of the previous statement, or 64 zeros>
/// size 2
/// root <sha256 hex of the tree over the leaves below>
/// ```
///
/// and the leaves, in chain order: `committee:1 17 <hash>`, one per line.
/// Format v1 (before) listed the leaves in the statement itself, after `prev`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub at_micros: i64,
    pub prev: String,
    /// In chain order.
    pub heads: Vec<ChainHead>,
    /// Whether the heads are listed in the signed text (format v1).
    pub listed: bool,
}

const STATEMENT_HEADER_V1: &str = "steerql audit checkpoint v1";
const STATEMENT_HEADER: &str = "steerql audit checkpoint v2";

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl ChainHead {
    /// Its line in a statement's leaves: `<chain> <seq> <hash>`.
    pub fn line(&self) -> String {
        format!("{} {} {}", self.chain, self.seq, self.hash)
    }

    fn parse_line(line: &str) -> Option<ChainHead> {
        let mut parts = line.split(' ');
        let (chain, seq, hash) = (parts.next()?, parts.next()?.parse().ok()?, parts.next()?);
        if parts.next().is_some() || !is_hash(hash) || chain.is_empty() {
            return None;
        }
        Some(ChainHead { chain: chain.to_owned(), seq, hash: hash.to_owned() })
    }
}

/// How one chain's head is proved against a signed root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inclusion {
    pub head: ChainHead,
    pub index: usize,
    pub size: usize,
    /// Sibling hashes, from the leaf up.
    pub path: Vec<super::merkle::Hash>,
}

impl Statement {
    /// A statement of `heads` in the current format.
    pub fn new(at_micros: i64, prev: String, mut heads: Vec<ChainHead>) -> Statement {
        heads.sort_by(|a, b| a.chain.cmp(&b.chain));
        Statement { at_micros, prev, heads, listed: false }
    }

    fn leaf_hashes(&self) -> Vec<super::merkle::Hash> {
        self.heads.iter().map(|h| super::merkle::leaf_hash(&h.line())).collect()
    }

    /// The root of the tree over the heads.
    pub fn root(&self) -> super::merkle::Hash {
        super::merkle::root(&self.leaf_hashes())
    }

    /// The signed text.
    pub fn to_text(&self) -> String {
        let header = if self.listed { STATEMENT_HEADER_V1 } else { STATEMENT_HEADER };
        let mut text = format!("{header}\nat {}\nprev {}\n", self.at_micros, self.prev);
        if self.listed {
            text.push_str(&self.leaves());
        } else {
            text.push_str(&format!("size {}\nroot {}\n", self.heads.len(), hex::encode(self.root())));
        }
        text
    }

    /// The leaves, one line each (kept beside a v2 statement).
    pub fn leaves(&self) -> String {
        self.heads.iter().map(|h| h.line() + "\n").collect()
    }

    /// Parses [`Statement::to_text`]'s form, and only that; a v2 statement
    /// needs the `leaves` kept beside it, whose tree must have the signed
    /// size and root.
    pub fn parse(text: &str, leaves: Option<&str>) -> Option<Statement> {
        let mut lines = text.strip_suffix('\n')?.split('\n');
        let listed = match lines.next()? {
            STATEMENT_HEADER_V1 => true,
            STATEMENT_HEADER => false,
            _ => return None,
        };
        let at_micros = lines.next()?.strip_prefix("at ")?.parse().ok()?;
        let prev = lines.next()?.strip_prefix("prev ")?.to_owned();
        if !is_hash(&prev) {
            return None;
        }
        let listing: Vec<&str> = if listed {
            lines.collect()
        } else {
            lines.next()?.strip_prefix("size ")?;
            lines.next()?.strip_prefix("root ")?;
            if lines.next().is_some() {
                return None;
            }
            match leaves? {
                "" => Vec::new(),
                leaves => leaves.strip_suffix('\n')?.split('\n').collect(),
            }
        };
        let heads = listing.into_iter().map(ChainHead::parse_line).collect::<Option<Vec<_>>>()?;
        let statement = Statement { at_micros, prev, heads, listed };
        (statement.to_text() == text && leaves.is_none_or(|l| l == statement.leaves())).then_some(statement)
    }

    /// `chain`'s head and its audit path; `None` when the statement does
    /// not cover that chain.
    pub fn inclusion(&self, chain: &str) -> Option<Inclusion> {
        let index = self.heads.binary_search_by(|h| h.chain.as_str().cmp(chain)).ok()?;
        let path = super::merkle::path(index, &self.leaf_hashes());
        Some(Inclusion { head: self.heads[index].clone(), index, size: self.heads.len(), path })
    }
}

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
    fn statements_round_trip_and_only_their_own_form_parses() {
        let heads = vec![
            ChainHead { chain: "committee:2".into(), seq: 4, hash: "b".repeat(64) },
            ChainHead { chain: "committee:1".into(), seq: 17, hash: "a".repeat(64) },
        ];
        let st = Statement::new(1_763_900_000_123_456, "0".repeat(64), heads);
        let (text, leaves) = (st.to_text(), st.leaves());
        // The signed text names no chain; the leaves, in chain order, do.
        assert!(!text.contains("committee:") && text.contains("size 2\n"));
        assert!(leaves.find("committee:1").unwrap() < leaves.find("committee:2").unwrap());
        let parsed = Statement::parse(&text, Some(&leaves)).unwrap();
        assert_eq!((parsed.to_text(), parsed.leaves()), (text.clone(), leaves.clone()));
        // Leaves that are not the signed tree's: refused.
        assert!(Statement::parse(&text, Some(&leaves.replace(" 4 ", " 5 "))).is_none());
        assert!(Statement::parse(&text, Some(&leaves.lines().next().map(|l| l.to_owned() + "\n").unwrap())).is_none());
        assert!(Statement::parse(&text, None).is_none());
        assert!(Statement::parse(&text.replace("v2", "v3"), Some(&leaves)).is_none());
        assert!(Statement::parse(text.trim_end(), Some(&leaves)).is_none());
        // Format v1, the heads listed in the statement, still parses.
        let v1 = Statement { listed: true, ..st.clone() }.to_text();
        assert!(v1.starts_with("steerql audit checkpoint v1\n") && v1.ends_with(&leaves));
        assert_eq!(Statement::parse(&v1, None).unwrap().heads, st.heads);
        assert!(Statement::parse(&v1.replace(" 4 ", " 4  "), None).is_none());
    }

    #[test]
    fn each_chain_is_proved_against_the_signed_root_alone() {
        let heads =
            (0..7).map(|i| ChainHead { chain: format!("case:{i}"), seq: i + 1, hash: "c".repeat(64) }).collect();
        let st = Statement::new(1, "0".repeat(64), heads);
        let root = st.root();
        for h in &st.heads {
            let proof = st.inclusion(&h.chain).unwrap();
            let leaf = crate::domain::merkle::leaf_hash(&proof.head.line());
            assert!(crate::domain::merkle::verify(proof.index, proof.size, &leaf, &proof.path, &root));
        }
        assert!(st.inclusion("case:9").is_none());
    }

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
