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
}

impl Kind {
    const ALL: [Kind; 5] = [Kind::Committee, Kind::Agency, Kind::Person, Kind::Position, Kind::AuditEvent];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Committee => "Committee",
            Kind::Agency => "Agency",
            Kind::Person => "Person",
            Kind::Position => "Position",
            Kind::AuditEvent => "AuditEvent",
        }
    }
}

pub fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Decodes any global ID; `None` if it is not one of ours.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, n) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == kind)?;
    Some((kind, n.parse().ok()?))
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
}
