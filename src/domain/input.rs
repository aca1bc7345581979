//! What every string and date a request carries must satisfy before anything
//! else looks at it, so the two databases never see input they would treat
//! differently (PostgreSQL refuses a NUL; SQLite truncates at it).

use chrono::{DateTime, NaiveDate, Utc};

/// The dates the API accepts, inclusive (documented on the `Date` scalar).
pub const DATE_MIN: (i32, u32, u32) = (1900, 1, 1);
pub const DATE_MAX: (i32, u32, u32) = (2999, 12, 31);

/// Why a request string is refused, if it is.
pub fn string_problem(s: &str) -> Option<&'static str> {
    if s.contains('\0') {
        Some("must not contain NUL characters")
    } else if s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        Some("must not contain control characters")
    } else {
        None
    }
}

/// Characters that are invisible or reorder text: bidirectional embeddings,
/// overrides and isolates, zero-width spaces and joiners, the byte-order mark.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn in_range(d: NaiveDate) -> bool {
    let (min, max) = (DATE_MIN, DATE_MAX);
    let min = NaiveDate::from_ymd_opt(min.0, min.1, min.2).unwrap_or(NaiveDate::MIN);
    let max = NaiveDate::from_ymd_opt(max.0, max.1, max.2).unwrap_or(NaiveDate::MAX);
    (min..=max).contains(&d)
}

/// A calendar date written exactly `YYYY-MM-DD` (RFC 3339 `full-date`),
/// within the supported range.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    in_range(d).then_some(d)
}

/// An instant written as RFC 3339 `date-time` (`T` between date and time, an
/// explicit offset), within the supported range.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 35 || b[10] != b'T' || parse_date(&s[..10]).is_none() {
        return None;
    }
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    in_range(t.date_naive()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict_and_bounded() {
        assert!(parse_date("2024-07-08").is_some());
        for bad in [
            "2024-7-8",
            " 2024-01-01",
            "2024-01-01 ",
            "+10000-01-01",
            "-5000-01-01",
            "2024-02-30",
            "1899-12-31",
            "3000-01-01",
            "２０２４-01-01",
        ] {
            assert!(parse_date(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn datetimes_are_rfc3339_with_a_t_and_an_offset() {
        assert!(parse_datetime("2024-07-08T10:00:00Z").is_some());
        assert!(parse_datetime("2024-07-08T10:00:00.123+07:00").is_some());
        for bad in ["2024-07-08 10:00:00Z", "2024-07-08T10:00:00", "2024-07-08", "+10000-07-08T10:00:00Z"] {
            assert!(parse_datetime(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn strings_refuse_nul_and_control_characters_but_keep_line_breaks() {
        assert!(string_problem("a\u{0}b").is_some());
        assert!(string_problem("a\u{1b}[31mb").is_some());
        assert!(string_problem("a\u{85}b").is_some());
        assert!(string_problem("line one\nline two\tend").is_none());
        assert!(string_problem("Nghệ An").is_none());
    }
}
