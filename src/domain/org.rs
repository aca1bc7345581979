//! Rules of the organisation half of the domain: committees, agencies, people
//! and positions. Values arrive here as plain strings and dates and leave as
//! validated ones, or as an [`Invalid`] naming the offending field.

use chrono::NaiveDate;

/// An input field that breaks a rule. `field` is the input field's name as the
/// API spells it (camelCase), so clients can point at it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Invalid { field, message: message.into() }
    }
}

string_enum!(
    /// Where a committee sits in the hierarchy.
    CommitteeLevel { Central = "CENTRAL", Provincial = "PROVINCIAL" }
);

string_enum!(
    /// Whether a committee still works, or was merged or dissolved.
    CommitteeStatus { Active = "ACTIVE", Merged = "MERGED", Dissolved = "DISSOLVED" }
);

string_enum!(
    /// The seat a position gives, in order of precedence.
    SeatRole {
        Head = "HEAD",
        StandingDeputyHead = "STANDING_DEPUTY_HEAD",
        DeputyHead = "DEPUTY_HEAD",
        Member = "MEMBER",
    }
);

string_enum!(
    /// What an agency is to its committee.
    AgencyKind {
        Advisory = "ADVISORY",
        Police = "POLICE",
        Procuracy = "PROCURACY",
        Court = "COURT",
        Inspectorate = "INSPECTORATE",
        StateAudit = "STATE_AUDIT",
        PartyInspection = "PARTY_INSPECTION",
    }
);

impl SeatRole {
    /// Heads and deputies sit on the standing committee unless said otherwise.
    pub fn standing_by_default(self) -> bool {
        !matches!(self, SeatRole::Member)
    }

    /// At most one person holds this seat on a committee at a time.
    pub fn is_single_seat(self) -> bool {
        matches!(self, SeatRole::Head | SeatRole::StandingDeputyHead)
    }
}

/// A committee code: `NGHE_AN`, `HA_NOI`, ...
pub fn committee_code(field: &'static str, code: &str) -> Result<String, Invalid> {
    let code = code.trim();
    if super::principal::is_committee_code(code) {
        Ok(code.to_owned())
    } else {
        Err(Invalid::new(field, "must be 2 to 32 upper-case letters, digits or `_`, starting with a letter"))
    }
}

/// Free text a person names something with: normalised to NFC (so "Nghệ An"
/// typed with combining marks and precomposed is one name), trimmed, not
/// empty, bounded, with no control characters and none of the invisible
/// characters that make two names look alike or reorder text on screen.
pub fn text(field: &'static str, value: &str, max_chars: usize) -> Result<String, Invalid> {
    use unicode_normalization::UnicodeNormalization;
    let value: String = value.nfc().collect();
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if value.chars().count() > max_chars {
        return Err(Invalid::new(field, format!("must be at most {max_chars} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    if value.chars().any(super::input::is_invisible) {
        return Err(Invalid::new(field, "must not contain bidirectional overrides or zero-width characters"));
    }
    Ok(value.to_owned())
}

pub const NAME_MAX: usize = 200;
pub const TITLE_MAX: usize = 300;
pub const REASON_MAX: usize = 500;
pub const REGULATION_MAX: usize = 100;

/// Dates the system accepts: the committees' era, give or take.
pub fn date(field: &'static str, value: NaiveDate) -> Result<NaiveDate, Invalid> {
    let earliest = NaiveDate::from_ymd_opt(1945, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or(NaiveDate::MAX);
    if value < earliest || value > latest {
        return Err(Invalid::new(field, "must be between 1945-01-01 and 2100-12-31"));
    }
    Ok(value)
}

/// The form names are searched in: lower case, without Vietnamese
/// diacritics, so "nghe an", "NGHỆ AN" and "Nghệ An" all find Nghệ An, on
/// SQLite and PostgreSQL alike (SQLite's `lower()` only knows ASCII).
pub fn search_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// Whether a term `[start, end]` (end inclusive, open if none) covers `day`.
pub fn term_covers(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate) -> bool {
    start <= day && end.is_none_or(|end| day <= end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("name", "  Nghệ An  ", 10).unwrap(), "Nghệ An");
        assert_eq!(text("name", "   ", 10).unwrap_err().field, "name");
        assert!(text("name", "abcdefghijk", 10).is_err());
        assert!(text("name", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn names_are_nfc_and_refuse_invisible_characters() {
        let decomposed = "Nghe\u{0323}\u{0302} An";
        assert_eq!(text("name", decomposed, 50).unwrap(), "Nghệ An");
        for bad in ["Tô\u{202E}Lâm", "Tô\u{200B}Lâm", "\u{FEFF}Lâm", "a\u{2066}b"] {
            assert!(text("name", bad, 50).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn terms_cover_their_last_day_and_open_terms_cover_the_future() {
        assert!(term_covers(d(2022, 6, 1), Some(d(2024, 7, 19)), d(2024, 7, 19)));
        assert!(!term_covers(d(2022, 6, 1), Some(d(2024, 7, 19)), d(2024, 7, 20)));
        assert!(term_covers(d(2022, 6, 1), None, d(2030, 1, 1)));
        assert!(!term_covers(d(2022, 6, 1), None, d(2022, 5, 31)));
    }

    #[test]
    fn search_ignores_case_and_diacritics() {
        assert_eq!(search_key("Nghệ An"), "nghe an");
        assert_eq!(search_key("ĐÀ NẴNG"), "da nang");
        assert_eq!(search_key("Hồ Chí Minh"), "ho chi minh");
    }

    #[test]
    fn enums_round_trip_their_stored_form() {
        for role in SeatRole::ALL {
            assert_eq!(SeatRole::parse(role.as_str()), Some(*role));
        }
        assert_eq!(CommitteeStatus::parse("merged"), None);
    }
}
