//! The cache of operations already parsed and validated.

use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ValidationResult, Variables};

/// Operations already parsed and validated (schema data): the same query
/// text, operation name and variables give the same document and the same
/// validation result against this schema, whoever sends them. Clients and
/// the integrations send the same few operations all day, and parsing and
/// validating a page of cases took as much CPU as a tenth of the rest of the
/// request. Only what is validated is kept; the gate, the permission checks
/// and the variables' checks still run on every request, for its caller. A
/// cache of this process only (another instance builds its own), bounded
/// in entries and in the size of what it keys.
pub struct Checked(Mutex<lru::LruCache<String, Arc<CheckedOperation>>>);

/// A parsed document (before any per-request rewriting) and its validation.
pub(super) struct CheckedOperation {
    pub(super) document: ExecutableDocument,
    pub(super) validation: ValidationResult,
}

impl Checked {
    /// Operations kept.
    pub const ENTRIES: usize = 256;
    /// Longest query text plus variables kept, in bytes: a parsed document
    /// is some ten times its text, so the cache stays within a few megabytes.
    pub const KEY_MAX: usize = 4096;

    pub fn new() -> Checked {
        let entries = std::num::NonZeroUsize::new(Self::ENTRIES).unwrap_or(std::num::NonZeroUsize::MIN);
        Checked(Mutex::new(lru::LruCache::new(entries)))
    }

    /// The key of an operation, if it is small enough to keep.
    pub(super) fn key(query: &str, operation: Option<&str>, variables: &Variables) -> Option<String> {
        if query.len() > Self::KEY_MAX {
            return None;
        }
        let variables = serde_json::to_string(variables).ok()?;
        let operation = operation.map_or_else(|| "-".to_owned(), |name| format!("+{name}"));
        let key = format!("{operation}\u{0}{variables}\u{0}{query}");
        (key.len() <= Self::KEY_MAX).then_some(key)
    }

    pub(super) fn get(&self, key: &str) -> Option<Arc<CheckedOperation>> {
        super::lock(&self.0).get(key).cloned()
    }

    pub(super) fn put(&self, key: String, operation: CheckedOperation) {
        super::lock(&self.0).put(key, Arc::new(operation));
    }
}

impl Default for Checked {
    fn default() -> Self {
        Checked::new()
    }
}
