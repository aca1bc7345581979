//! Bearer tokens: verifying them (RFC 8725 rules on top of `jsonwebtoken`) and
//! issuing HS256 ones for scripts. The algorithms accepted come from
//! configuration, never from the token.

mod keys;

use std::collections::HashSet;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{AuthArgs, TokenAlgorithm};
use crate::domain::{Grant, Principal, PrincipalKind};

pub use keys::KeySource;

/// Tokens larger than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Why a token was refused. Logged; the client only learns it is unauthenticated.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is larger than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("the token is malformed: {0}")]
    Malformed(String),
    #[error("the token's `typ` is not JWT")]
    WrongType,
    #[error("algorithm {0:?} is not accepted")]
    AlgorithmRefused(Algorithm),
    #[error("no key for kid {0:?}")]
    UnknownKey(Option<String>),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued in the future")]
    IssuedInFuture,
    #[error("required claim `{0}` is missing")]
    MissingClaim(String),
    #[error("wrong issuer")]
    WrongIssuer,
    #[error("wrong audience")]
    WrongAudience,
    #[error("claims are invalid: {0}")]
    BadClaims(String),
}

/// The claims steerql reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<serde_json::Value>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `true` for a service account (another government system).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub svc: bool,
    /// Roles, each held on one committee.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// The functional agency `AGENCY` roles act for: its global ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// The longest `sub` or `name` a token may carry (they are written to the audit trail).
pub const MAX_CLAIM_CHARS: usize = 200;
/// The most grants a token may carry.
pub const MAX_GRANTS: usize = 100;

/// A `sub` or `name` claim is bounded and plain text: no control or
/// invisible characters that would forge log lines or audit entries.
fn check_claim_text(claim: &str, value: &str) -> Result<(), TokenError> {
    if value.chars().count() > MAX_CLAIM_CHARS {
        return Err(TokenError::BadClaims(format!("`{claim}` is longer than {MAX_CLAIM_CHARS} characters")));
    }
    // U+2028 and U+2029 are no control characters to Unicode, but JSON
    // readers and log viewers break lines at them all the same.
    let line_break = |c: char| matches!(c, '\u{2028}' | '\u{2029}');
    if value.chars().any(|c| c.is_control() || line_break(c) || crate::domain::input::is_invisible(c)) {
        return Err(TokenError::BadClaims(format!("`{claim}` holds control, line-breaking or invisible characters")));
    }
    Ok(())
}

/// Checks bearer tokens against the configured keys and rules.
pub struct Verifier {
    keys: KeySource,
    hs: Option<DecodingKey>,
    asymmetric: Vec<Algorithm>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: u64,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("hs256", &self.hs.is_some()).field("asymmetric", &self.asymmetric).finish()
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn algorithm(a: TokenAlgorithm) -> Algorithm {
    match a {
        TokenAlgorithm::HS256 => Algorithm::HS256,
        TokenAlgorithm::RS256 => Algorithm::RS256,
        TokenAlgorithm::ES256 => Algorithm::ES256,
        TokenAlgorithm::EdDSA => Algorithm::EdDSA,
    }
}

impl Verifier {
    /// Builds the verifier from configuration: HS256 when a secret is given
    /// (or generated), the asymmetric algorithms when a PEM key or JWKS is.
    pub fn new(args: &AuthArgs, hs_secret: Option<&[u8]>) -> Result<Verifier, String> {
        let keys = KeySource::from_args(args)?;
        let asymmetric = if keys.is_configured() {
            args.jwt_algorithms.iter().copied().map(algorithm).filter(|a| *a != Algorithm::HS256).collect()
        } else {
            Vec::new()
        };
        Ok(Verifier {
            keys,
            hs: hs_secret.map(DecodingKey::from_secret),
            asymmetric,
            issuer: args.jwt_issuer.clone(),
            audience: args.jwt_audience.clone(),
            leeway: args.jwt_leeway,
        })
    }

    /// Verifies `token` and maps its claims to a principal.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| TokenError::Malformed(e.to_string()))?;
        // RFC 8725 §3.11: explicit typing; refuse tokens typed as something else.
        if let Some(typ) = &header.typ
            && !["jwt", "at+jwt", "application/at+jwt"].contains(&typ.to_ascii_lowercase().as_str())
        {
            return Err(TokenError::WrongType);
        }
        let alg = header.alg;
        let key = if alg == Algorithm::HS256 && self.hs.is_some() {
            self.hs.clone()
        } else if self.asymmetric.contains(&alg) {
            Some(self.keys.key_for(header.kid.as_deref(), alg).ok_or(TokenError::UnknownKey(header.kid.clone()))?)
        } else {
            None
        };
        let key = key.ok_or(TokenError::AlgorithmRefused(alg))?;

        let mut validation = Validation::new(alg);
        validation.leeway = self.leeway;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut required: Vec<&str> = vec!["exp", "sub"];
        validation.validate_aud = false;
        if let Some(aud) = &self.audience {
            validation.set_audience(&[aud]);
            validation.validate_aud = true;
            required.push("aud");
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);

        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            match e.into_kind() {
                K::InvalidSignature => TokenError::BadSignature,
                K::ExpiredSignature => TokenError::Expired,
                K::ImmatureSignature => TokenError::NotYetValid,
                K::InvalidIssuer => TokenError::WrongIssuer,
                K::InvalidAudience => TokenError::WrongAudience,
                K::MissingRequiredClaim(c) => TokenError::MissingClaim(c),
                K::InvalidAlgorithm => TokenError::AlgorithmRefused(alg),
                K::Json(e) => TokenError::BadClaims(e.to_string()),
                other => TokenError::Malformed(format!("{other:?}")),
            }
        })?;
        let claims = data.claims;
        if claims.iat.is_some_and(|iat| iat > now() + self.leeway) {
            return Err(TokenError::IssuedInFuture);
        }
        if claims.sub.trim().is_empty() {
            return Err(TokenError::MissingClaim("sub".into()));
        }
        check_claim_text("sub", &claims.sub)?;
        if let Some(name) = &claims.name {
            check_claim_text("name", name)?;
        }
        if claims.grants.len() > MAX_GRANTS {
            return Err(TokenError::BadClaims(format!("more than {MAX_GRANTS} grants")));
        }
        let mut grants = claims.grants;
        grants.sort();
        grants.dedup();
        if grants.iter().any(|g| !crate::domain::principal::is_committee_code(&g.committee)) {
            return Err(TokenError::BadClaims("a grant names no committee code".into()));
        }
        let agency = match &claims.agency {
            None => None,
            Some(id) => match crate::graphql::ids::decode_any(id) {
                Some((crate::graphql::ids::Kind::Agency, n)) => Some(n),
                _ => return Err(TokenError::BadClaims("`agency` is not an agency's global ID".into())),
            },
        };
        Ok(Principal {
            subject: claims.sub,
            name: claims.name,
            kind: if claims.svc { PrincipalKind::Service } else { PrincipalKind::Person },
            grants,
            agency,
        })
    }
}

/// Issues an HS256 token for `principal`, valid for `ttl` from now.
pub fn issue(
    secret: &[u8],
    principal: &Principal,
    ttl: std::time::Duration,
    issuer: Option<&str>,
    audience: Option<&str>,
) -> Result<String, String> {
    let now = now();
    let claims = Claims {
        sub: principal.subject.clone(),
        exp: now + ttl.as_secs(),
        iat: Some(now),
        nbf: Some(now),
        iss: issuer.map(str::to_owned),
        aud: audience.map(|a| serde_json::Value::String(a.to_owned())),
        name: principal.name.clone(),
        svc: principal.kind == PrincipalKind::Service,
        grants: principal.grants.clone(),
        agency: principal.agency.map(|id| crate::graphql::ids::encode(crate::graphql::ids::Kind::Agency, id).0),
    };
    let header = Header { typ: Some("JWT".into()), ..Header::new(Algorithm::HS256) };
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).map_err(|e| e.to_string())
}

/// The HS256 secret: the configured one, or the one kept in the data
/// directory (generated on first use, readable by the owner only). `None`
/// when only public keys are configured and no secret was given.
pub fn hs_secret(args: &AuthArgs, data_dir: &Path) -> Result<Option<Vec<u8>>, String> {
    if let Some(secret) = &args.jwt_secret {
        if secret.len() < 32 {
            return Err("--jwt-secret must be at least 32 bytes".into());
        }
        return Ok(Some(secret.as_bytes().to_vec()));
    }
    if args.jwt_public_key.is_some() || args.jwt_jwks.is_some() {
        return Ok(None);
    }
    let path = data_dir.join("jwt-secret");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let text = text.trim();
        if text.len() >= 32 {
            return Ok(Some(text.as_bytes().to_vec()));
        }
    }
    std::fs::create_dir_all(data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let secret: String = {
        use rand::Rng;
        let bytes: [u8; 32] = rand::rng().random();
        hex::encode(bytes)
    };
    write_private(&path, &secret).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a token secret");
    Ok(Some(secret.into_bytes()))
}

/// Writes a secret to a new file readable by its owner only.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

/// The set of algorithms a verifier accepts, for `me`/docs.
pub fn accepted(verifier: &Verifier) -> HashSet<Algorithm> {
    let mut set: HashSet<_> = verifier.asymmetric.iter().copied().collect();
    if verifier.hs.is_some() {
        set.insert(Algorithm::HS256);
    }
    set
}
