//! What a matter's recorded facts must look like: its code, the numbers
//! other agencies give it, a defendant's charges, the references of
//! decisions and receipts. Checked before any write, whoever writes.

use super::org::{Invalid, TITLE_MAX, text};

/// A matter's summary, at most.
pub const SUMMARY_MAX: usize = 5000;
/// An agency's number for a matter, at most.
pub const NUMBER_MAX: usize = 64;
/// A decision's reference number (or a receipt's), at most.
pub const DECISION_REF_MAX: usize = 100;
/// Charges a defendant may carry.
pub const CHARGES_MAX: usize = 20;
/// A matter's code, at most.
pub const CODE_MAX: usize = 64;

/// A matter's code: 1 to 64 upper-case letters, digits, `-`, `/`, `.` or
/// `_` (the database holds the same rule, `ck_case_code`).
pub fn case_code(field: &'static str, value: &str) -> Result<String, Invalid> {
    let code = value.trim();
    let ok = !code.is_empty()
        && code.chars().count() <= CODE_MAX
        && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "-/._".contains(c));
    if ok {
        Ok(code.to_owned())
    } else {
        Err(Invalid::new(field, "must be 1 to 64 upper-case letters, digits, `-`, `/`, `.` or `_`"))
    }
}

/// A defendant's charges: at most 20, each a text of at most 300 characters.
pub fn charges(field: &'static str, list: Vec<String>) -> Result<Vec<String>, Invalid> {
    if list.len() > CHARGES_MAX {
        return Err(Invalid::new(field, format!("at most {CHARGES_MAX} charges")));
    }
    list.iter().map(|c| text(field, c, TITLE_MAX)).collect()
}

/// An optional text: blank is the same as not given.
pub fn optional_text(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>, Invalid> {
    value.filter(|s| !s.trim().is_empty()).map(|s| text(field, &s, max)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_code_is_upper_case_and_fits() {
        assert_eq!(case_code("code", " NA-2023/01.X_1 ").unwrap(), "NA-2023/01.X_1");
        assert!(case_code("code", "na-1").is_err());
        assert!(case_code("code", "").is_err());
        assert!(case_code("code", &"A".repeat(65)).is_err());
        assert!(case_code("code", &"A".repeat(64)).is_ok());
    }

    #[test]
    fn twenty_charges_are_accepted_and_twenty_one_refused() {
        let list = |n: usize| (0..n).map(|i| format!("Điều {i}")).collect::<Vec<_>>();
        assert_eq!(charges("charges", list(20)).unwrap().len(), 20);
        assert_eq!(charges("charges", list(21)).unwrap_err().field, "charges");
    }
}
