//! Custom scalars. Both parse strictly (one written form only) and are
//! checked during validation, so a bad literal or variable is a request error.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

use crate::domain::input;

/// A calendar date, `YYYY-MM-DD` (RFC 3339 `full-date`), with no time zone,
/// from 1900-01-01 to 2999-12-31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, exactly `YYYY-MM-DD` (RFC 3339 `full-date`), with no time
/// zone, from 1900-01-01 to 2999-12-31. Other forms (`2024-7-8`, padded with
/// spaces, a sign or more year digits) are refused.
#[Scalar(name = "Date", specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => input::parse_date(s).map(Date).ok_or_else(|| {
                InputValueError::custom("expected a date as YYYY-MM-DD between 1900-01-01 and 2999-12-31")
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if input::parse_date(s).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An instant, RFC 3339 in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<chrono::Utc>);

/// An instant, RFC 3339 `date-time` (e.g. `2024-07-08T09:30:00Z`); given
/// out in UTC with microseconds. Accepted with any offset, years 1900 to 2999.
#[Scalar(name = "DateTime", specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => input::parse_datetime(s)
                .map(DateTime)
                .ok_or_else(|| InputValueError::custom("expected an RFC 3339 timestamp, e.g. 2024-07-08T09:30:00Z")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if input::parse_datetime(s).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }
}

/// An amount of Vietnamese đồng, exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vnd(pub i64);

impl Vnd {
    /// Digits only, no sign, no leading zeros, at most what a 64-bit column holds.
    fn parse_text(s: &str) -> Option<i64> {
        let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
        if canonical { s.parse().ok() } else { None }
    }
}

/// An amount in Vietnamese đồng (VND), exact: a string of decimal digits
/// (`"1250000000000"`), since amounts exceed what JSON numbers carry
/// exactly in every client. Not negative, at most 9223372036854775807.
#[Scalar(name = "VND")]
impl ScalarType for Vnd {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Vnd::parse_text(s)
                .map(Vnd)
                .ok_or_else(|| InputValueError::custom("expected an amount as a string of digits, e.g. \"1500000\"")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if Vnd::parse_text(s).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}
