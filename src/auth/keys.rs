//! Public keys for asymmetric tokens: one PEM key, or a JWKS file whose keys
//! are chosen by `kid`. The JWKS file is re-read when it changes on disk, so
//! keys rotate without a restart. Keys are never fetched from a token's
//! `jku`/`x5u`: only files the operator configured are trusted.

use std::path::PathBuf;
use std::sync::RwLock;
use std::time::{Duration, Instant, SystemTime};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::config::AuthArgs;

pub struct KeySource {
    pem: Option<(DecodingKey, PemKind)>,
    jwks: Option<Jwks>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PemKind {
    Rsa,
    Ec,
    Ed,
}

struct Jwks {
    path: PathBuf,
    state: RwLock<JwksState>,
}

struct JwksState {
    keys: Vec<(Option<String>, Option<Algorithm>, DecodingKey)>,
    modified: Option<SystemTime>,
    checked: Instant,
}

/// How often at most the JWKS file's modification time is looked at.
const RECHECK: Duration = Duration::from_secs(1);

impl KeySource {
    pub fn from_args(args: &AuthArgs) -> Result<KeySource, String> {
        let pem = match &args.jwt_public_key {
            None => None,
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let key = DecodingKey::from_rsa_pem(&bytes)
                    .map(|k| (k, PemKind::Rsa))
                    .or_else(|_| DecodingKey::from_ec_pem(&bytes).map(|k| (k, PemKind::Ec)))
                    .or_else(|_| DecodingKey::from_ed_pem(&bytes).map(|k| (k, PemKind::Ed)))
                    .map_err(|_| format!("{} holds no RSA, EC or Ed25519 public key", path.display()))?;
                Some(key)
            }
        };
        let jwks = match &args.jwt_jwks {
            None => None,
            Some(path) => {
                let (keys, modified) = read_jwks(path)?;
                Some(Jwks {
                    path: path.clone(),
                    state: RwLock::new(JwksState { keys, modified, checked: Instant::now() }),
                })
            }
        };
        Ok(KeySource { pem, jwks })
    }

    pub fn is_configured(&self) -> bool {
        self.pem.is_some() || self.jwks.is_some()
    }

    /// The key for a token with this `kid` and algorithm, if one is configured.
    pub fn key_for(&self, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
        if let Some(jwks) = &self.jwks {
            jwks.refresh_if_changed(false);
            // An unknown kid may be a key just rotated in: look at the file now.
            let key = jwks.find(kid, alg).or_else(|| {
                jwks.refresh_if_changed(true);
                jwks.find(kid, alg)
            });
            if key.is_some() {
                return key;
            }
        }
        let (key, kind) = self.pem.as_ref()?;
        let fits = matches!(
            (kind, alg),
            (PemKind::Rsa, Algorithm::RS256) | (PemKind::Ec, Algorithm::ES256) | (PemKind::Ed, Algorithm::EdDSA)
        );
        fits.then(|| key.clone())
    }
}

impl Jwks {
    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
        let kid = kid?;
        let state = self.state.read().ok()?;
        let found = state.keys.iter().find(|(k, a, _)| k.as_deref() == Some(kid) && a.is_none_or(|a| a == alg));
        found.map(|(_, _, key)| key.clone())
    }

    /// Re-reads the file if its modification time changed; looks at most
    /// once per [`RECHECK`] unless `now`.
    fn refresh_if_changed(&self, now: bool) {
        let due = now || self.state.read().map(|s| s.checked.elapsed() >= RECHECK).unwrap_or(false);
        if !due {
            return;
        }
        let Ok(mut state) = self.state.write() else { return };
        state.checked = Instant::now();
        let modified = std::fs::metadata(&self.path).and_then(|m| m.modified()).ok();
        if modified == state.modified {
            return;
        }
        match read_jwks(&self.path) {
            Ok((keys, modified)) => {
                tracing::info!(path = %self.path.display(), keys = keys.len(), "reloaded the JWKS file");
                state.keys = keys;
                state.modified = modified;
            }
            // Keep the keys we have rather than lock everyone out mid-rotation.
            Err(err) => tracing::warn!(%err, "cannot reload the JWKS file; keeping the previous keys"),
        }
    }
}

type JwksKeys = Vec<(Option<String>, Option<Algorithm>, DecodingKey)>;

fn read_jwks(path: &PathBuf) -> Result<(JwksKeys, Option<SystemTime>), String> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| format!("{} is not a JWKS: {e}", path.display()))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let alg = jwk.common.key_algorithm.and_then(|a| a.to_string().parse::<Algorithm>().ok());
        match DecodingKey::from_jwk(jwk) {
            Ok(key) => keys.push((jwk.common.key_id.clone(), alg, key)),
            Err(err) => tracing::warn!(kid = ?jwk.common.key_id, %err, "skipping a JWKS key"),
        }
    }
    Ok((keys, modified))
}
