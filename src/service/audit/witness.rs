//! What an instance knows of the audit trail without trusting the database.
//!
//! Someone with superuser access to the database can delete the newest
//! signed checkpoints and rehash the entries only they covered: what is left
//! still verifies, link by link and signature by signature. So each instance
//! keeps, outside the database, the newest checkpoint it signed or verified
//! (its number and the SHA-256 of its statement): in a file beside the
//! signing key, rewritten at each signing, and in the log (INFO, "audit
//! checkpoint known"), from which a witness can copy it. A verification that
//! does not find that checkpoint, unchanged, reports `CHECKPOINT_MISSING`.
//!
//! It also keeps where its last verification of the whole trail ended (the
//! heads the newest checkpoint signed, verified back to the first entry), so
//! that the next verification walks only what was appended since.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::domain::audit::Statement;

const HEADER: &str = "steerql audit witness v1";

/// A signed checkpoint, as the witness knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownCheckpoint {
    /// Its number (`AuditCheckpoint.number`).
    pub id: i64,
    /// SHA-256 (hex) of its signed statement.
    pub statement_hash: String,
}

/// The newest checkpoint a verification of the whole trail found intact,
/// back to the first entry of every chain.
#[derive(Clone, Debug)]
pub struct Verified {
    pub checkpoint: KnownCheckpoint,
    /// Its statement's `prev` (what the checkpoint itself links to).
    pub prev: String,
    /// Each chain's head it signed: seq and hash.
    pub heads: HashMap<String, (i64, String)>,
}

#[derive(Debug, Default)]
struct Known {
    checkpoint: Option<KnownCheckpoint>,
    verified: Option<Verified>,
}

/// The instance's own record; see the module documentation.
#[derive(Debug, Default)]
pub struct Witness {
    path: Option<PathBuf>,
    known: Mutex<Known>,
}

impl Witness {
    /// A witness kept in `path` (read now if it exists), or in memory only.
    pub fn open(path: Option<PathBuf>) -> Result<Witness, String> {
        let checkpoint = match &path {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => {
                    Some(parse(&text).ok_or_else(|| format!("{} is not an audit witness file", path.display()))?)
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
                Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
            },
            None => None,
        };
        if let Some(cp) = &checkpoint {
            tracing::info!(checkpoint = cp.id, statement = %cp.statement_hash, "audit checkpoint known");
        }
        Ok(Witness { path, known: Mutex::new(Known { checkpoint, verified: None }) })
    }

    /// The newest checkpoint known, if any.
    pub fn checkpoint(&self) -> Option<KnownCheckpoint> {
        self.known.lock().ok().and_then(|k| k.checkpoint.clone())
    }

    /// Where the last whole verification ended, if one did.
    pub fn verified(&self) -> Option<Verified> {
        self.known.lock().ok().and_then(|k| k.verified.clone())
    }

    /// Records a checkpoint signed or verified now; an older one than the
    /// newest known changes nothing (checkpoints only move forward).
    pub fn saw(&self, checkpoint: KnownCheckpoint) {
        let Ok(mut known) = self.known.lock() else { return };
        if known.checkpoint.as_ref().is_some_and(|k| k.id >= checkpoint.id) {
            return;
        }
        tracing::info!(checkpoint = checkpoint.id, statement = %checkpoint.statement_hash, "audit checkpoint known");
        if let Some(path) = &self.path {
            let text = format!("{HEADER}\ncheckpoint {} {}\n", checkpoint.id, checkpoint.statement_hash);
            // Written beside and renamed over, so a crash leaves the old or the new file whole.
            let tmp = path.with_extension("tmp");
            if let Err(err) = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path)) {
                tracing::error!(path = %path.display(), %err, "cannot keep the audit witness file");
            }
        }
        known.checkpoint = Some(checkpoint);
    }

    /// Records that the whole trail verified up to `checkpoint`, whose
    /// statement is `statement`.
    pub fn verified_up_to(&self, checkpoint: KnownCheckpoint, statement: &Statement) {
        let heads = statement.heads.iter().map(|h| (h.chain.clone(), (h.seq, h.hash.clone()))).collect();
        let verified = Verified { checkpoint: checkpoint.clone(), prev: statement.prev.clone(), heads };
        self.saw(checkpoint);
        if let Ok(mut known) = self.known.lock() {
            known.verified = Some(verified);
        }
    }
}

fn parse(text: &str) -> Option<KnownCheckpoint> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut parts = lines.next()?.strip_prefix("checkpoint ")?.split(' ');
    let id = parts.next()?.parse().ok()?;
    let statement_hash = parts.next()?.to_owned();
    let hex = statement_hash.len() == 64 && statement_hash.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && parts.next().is_none() && lines.next().is_none()).then_some(KnownCheckpoint { id, statement_hash })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_witness_file_keeps_the_newest_checkpoint_across_restarts_and_only_moves_forward() {
        let dir = std::env::temp_dir().join(format!("steerql-witness-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit-signing.head");
        let _ = std::fs::remove_file(&path);
        let w = Witness::open(Some(path.clone())).unwrap();
        assert_eq!(w.checkpoint(), None);
        let cp = |id| KnownCheckpoint { id, statement_hash: format!("{id:064x}") };
        w.saw(cp(4));
        w.saw(cp(3));
        assert_eq!(Witness::open(Some(path.clone())).unwrap().checkpoint(), Some(cp(4)));
        std::fs::write(&path, "checkpoint 4 x\n").unwrap();
        assert!(Witness::open(Some(path.clone())).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
