//! One entry of the audit trail. The trail is a set of hash chains, one per
//! aggregate (a committee's records now, a case later): each entry carries its
//! chain, its place in it (`seq`, from 1 without gaps) and the hash of the
//! entry before it, so an edited, removed or reordered entry breaks its chain.

use sea_orm::entity::prelude::*;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The principal's `sub` claim.
    pub actor: String,
    /// `PERSON` or `SERVICE`.
    pub actor_kind: String,
    /// What was done, e.g. `committee.create`.
    pub action: String,
    /// The kind of record touched, e.g. `Committee`.
    pub entity: String,
    pub entity_id: i64,
    /// The committee whose chain this entry is in (and whose reach covers it).
    pub committee_id: Option<i64>,
    /// The record after the change, as canonical JSON text ([`canonical_json`]).
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
    /// The chain: `committee:<id>` (a committee's own records) or
    /// `case:<id>` (a matter's history); see [`Chain`].
    pub chain: String,
    /// Position in the chain, 1 for its first entry.
    pub seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The hash before the first entry of every chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain of a committee's records.
pub fn committee_chain(committee_id: i64) -> String {
    format!("committee:{committee_id}")
}

/// The chain of one case or incident and its records (defendants,
/// recoveries, steps): its history.
pub fn case_chain(case_id: i64) -> String {
    format!("case:{case_id}")
}

/// What a chain's name says it holds: the one place the names are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chain {
    Committee(i64),
    Case(i64),
}

impl Chain {
    /// The chain a name spells, if it spells one (`committee:<id>`,
    /// `case:<id>`, the id a positive decimal without sign or padding).
    pub fn parse(name: &str) -> Option<Chain> {
        let (kind, id) = name.split_once(':')?;
        if id.is_empty() || id.starts_with('0') || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id = id.parse().ok()?;
        match kind {
            "committee" => Some(Chain::Committee(id)),
            "case" => Some(Chain::Case(id)),
            _ => None,
        }
    }

    pub fn name(self) -> String {
        match self {
            Chain::Committee(id) => committee_chain(id),
            Chain::Case(id) => case_chain(id),
        }
    }
}

/// The last of an entry's hashed fields in the current format (version 2).
pub const HASH_V2: &str = "v2";

impl Model {
    /// The fields an entry's hash covers, in order: chain, seq, prevHash,
    /// `at` (microseconds since the Unix epoch, decimal), actor, actorKind,
    /// action, entity, entityId, payload, the committee whose reach covers it
    /// (decimal, empty if none) and `v2`. Each is hashed as its UTF-8 length
    /// (8 bytes, big-endian) and its bytes. Entries written before version 2
    /// hash the first ten only ([`Model::hashed_fields_v1`]); the length
    /// prefixes keep the two forms from ever giving the same bytes.
    pub fn hashed_fields(&self) -> Vec<String> {
        let mut fields = self.hashed_fields_v1();
        fields.push(self.committee_id.map(|c| c.to_string()).unwrap_or_default());
        fields.push(HASH_V2.to_owned());
        fields
    }

    /// The first format's fields, which left out the committee.
    pub fn hashed_fields_v1(&self) -> Vec<String> {
        vec![
            self.chain.clone(),
            self.seq.to_string(),
            self.prev_hash.clone(),
            self.at.timestamp_micros().to_string(),
            self.actor.clone(),
            self.actor_kind.clone(),
            self.action.clone(),
            self.entity.clone(),
            self.entity_id.to_string(),
            self.payload.clone(),
        ]
    }

    /// SHA-256 (hex) of [`Model::hashed_fields`]: what a new entry stores.
    pub fn compute_hash(&self) -> String {
        hash_of(&self.hashed_fields())
    }

    /// The format the stored hash is of (2, or 1 for an entry written
    /// before version 2), if either; `None` when it is of neither (edited).
    pub fn hash_version(&self) -> Option<u8> {
        if self.compute_hash() == self.hash {
            Some(2)
        } else if hash_of(&self.hashed_fields_v1()) == self.hash {
            Some(1)
        } else {
            None
        }
    }

    /// The fields the stored hash is of, in whichever format it was written.
    pub fn hashed_fields_as_stored(&self) -> Vec<String> {
        match self.hash_version() {
            Some(1) => self.hashed_fields_v1(),
            _ => self.hashed_fields(),
        }
    }
}

fn hash_of(fields: &[String]) -> String {
    let mut h = Sha256::new();
    for part in fields {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// JSON text in one form only: object keys sorted by code point, no
/// whitespace, strings escaped as `serde_json` does. Python's
/// `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
/// gives the same text for the values steerql stores (no floats).
pub fn canonical_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> =
                keys.into_iter().map(|k| format!("{}:{}", Value::String(k.clone()), canonical_json(&map[k]))).collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical_json).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}
