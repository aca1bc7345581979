//! Opaque global IDs (`Node.id`): base64url of `Type:number`. Clients must
//! treat them as opaque; the encoding may change.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppError, AppResult};

/// The kinds of record that have global IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Committee,
    Agency,
    Person,
    Position,
    AuditEvent,
    Case,
    Defendant,
    DisciplinaryAction,
    Recovery,
    CaseReference,
    AuditCheckpoint,
}

impl Kind {
    const ALL: [Kind; 11] = [
        Kind::Committee,
        Kind::Agency,
        Kind::Person,
        Kind::Position,
        Kind::AuditEvent,
        Kind::Case,
        Kind::Defendant,
        Kind::DisciplinaryAction,
        Kind::Recovery,
        Kind::CaseReference,
        Kind::AuditCheckpoint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Committee => "Committee",
            Kind::Agency => "Agency",
            Kind::Person => "Person",
            Kind::Position => "Position",
            Kind::AuditEvent => "AuditEvent",
            Kind::Case => "Case",
            Kind::Defendant => "Defendant",
            Kind::DisciplinaryAction => "DisciplinaryAction",
            Kind::Recovery => "Recovery",
            Kind::CaseReference => "CaseReference",
            Kind::AuditCheckpoint => "AuditCheckpoint",
        }
    }
}

pub fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Decodes any global ID; `None` if it is not one of ours. An ID has one
/// form only: the one [`encode`] gives (no sign, no leading zeros, no padding),
/// so two different strings never name the same record.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    if id.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, digits) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == kind)?;
    let n: i64 = digits.parse().ok()?;
    (n > 0 && n.to_string() == digits).then_some((kind, n))
}

/// Decodes the global ID of a record of `kind`, given as argument `arg`.
pub fn decode(kind: Kind, id: &ID, arg: &[&str]) -> AppResult<i64> {
    match decode_any(id) {
        Some((k, n)) if k == kind => Ok(n),
        _ => Err(AppError::bad_input(arg, format!("not a {} id", kind.name()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let id = encode(Kind::Committee, 42);
        assert_eq!(decode_any(&id), Some((Kind::Committee, 42)));
        assert_eq!(decode(Kind::Committee, &id, &["id"]).unwrap(), 42);
        assert!(decode(Kind::Person, &id, &["id"]).is_err());
        assert_eq!(decode_any("not-an-id"), None);
    }

    #[test]
    fn an_id_has_one_canonical_form() {
        for text in ["Committee:+42", "Committee:042", "Committee:-1", "Committee:0", "Committee: 42", "Committee:42 "]
        {
            assert_eq!(decode_any(&URL_SAFE_NO_PAD.encode(text)), None, "{text}");
        }
        let padded = base64::engine::general_purpose::URL_SAFE.encode("Committee:7");
        assert!(padded.ends_with('=') && decode_any(&padded).is_none());
        assert_eq!(decode_any(&URL_SAFE_NO_PAD.encode("Committee:42")), Some((Kind::Committee, 42)));
    }
}
