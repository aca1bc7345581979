//! The checkpoint statement: the chains' heads a checkpoint signs, its
//! text form, and the Merkle proof that one chain is in it.

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
    pub path: Vec<crate::domain::merkle::Hash>,
}

impl Statement {
    /// A statement of `heads` in the current format.
    pub fn new(at_micros: i64, prev: String, mut heads: Vec<ChainHead>) -> Statement {
        heads.sort_by(|a, b| a.chain.cmp(&b.chain));
        Statement { at_micros, prev, heads, listed: false }
    }

    fn leaf_hashes(&self) -> Vec<crate::domain::merkle::Hash> {
        self.heads.iter().map(|h| crate::domain::merkle::leaf_hash(&h.line())).collect()
    }

    /// The root of the tree over the heads.
    pub fn root(&self) -> crate::domain::merkle::Hash {
        crate::domain::merkle::root(&self.leaf_hashes())
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
        let path = crate::domain::merkle::path(index, &self.leaf_hashes());
        Some(Inclusion { head: self.heads[index].clone(), index, size: self.heads.len(), path })
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
}
