//! `GET /statistics.csv`: a report for spreadsheets and other systems, with
//! the same parameters as the `statistics` query and a bearer token. One row
//! per committee and a `TOTAL` row; for each figure its value and the
//! comparison period's (columns: `figures` / docs/statistics.md). UTF-8 with
//! a byte-order mark and CRLF line ends, so Excel and LibreOffice open
//! Vietnamese names intact. Errors are GraphQL-shaped JSON with
//! `extensions.code`, as everywhere else.

use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use crate::db::committees;
use crate::domain::statistics::{FIGURES, Figures, Period, Unit};
use crate::domain::{Operation, Reach};
use crate::error::{AppError, Code};
use crate::graphql::ids::{self, Kind};
use crate::http::AppState;
use crate::http::graphql::{admit_caller, refused_error, verify_caller};
use crate::http::negotiate::Format;
use crate::service::statistics::{self as service, Comparison};

/// The most parameters one download takes (committees included).
const MAX_PARAMS: usize = 120;

/// What the query string asks for.
struct Ask {
    committees: Option<Vec<String>>,
    period: Period,
    comparison: Comparison,
    as_known_on: Option<NaiveDate>,
}

fn parse_day(name: &'static str, v: &str) -> Result<NaiveDate, AppError> {
    let day =
        NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| AppError::bad_input(&[name], "a day as YYYY-MM-DD"))?;
    crate::domain::org::date(name, day).map_err(|e| AppError::bad_input(&[name], e.to_string()))
}

fn parse(query: Option<&str>) -> Result<Ask, AppError> {
    let (mut from, mut to, mut compare, mut compare_from, mut compare_to, mut known) =
        (None, None, None, None, None, None);
    let mut codes: Vec<String> = Vec::new();
    for (n, (key, value)) in form_urlencoded::parse(query.unwrap_or("").as_bytes()).enumerate() {
        if n >= MAX_PARAMS {
            return Err(AppError::bad_input(&[], format!("at most {MAX_PARAMS} parameters")));
        }
        if value.chars().any(char::is_control) || value.len() > 100 {
            return Err(AppError::bad_input(
                &[],
                format!("`{key}` must be at most 100 characters, none a control character"),
            ));
        }
        match key.as_ref() {
            "from" => from = Some(parse_day("from", &value)?),
            "to" => to = Some(parse_day("to", &value)?),
            "compareTo" => compare = Some(value.into_owned()),
            "compareFrom" => compare_from = Some(parse_day("compareFrom", &value)?),
            "compareUntil" => compare_to = Some(parse_day("compareUntil", &value)?),
            "asKnownOn" => known = Some(parse_day("asKnownOn", &value)?),
            "committee" => codes.push(value.into_owned()),
            other => {
                return Err(AppError::bad_input(
                    &[],
                    format!(
                        "unknown parameter `{}`; the parameters are from, to, committee, compareTo, compareFrom, compareUntil, asKnownOn",
                        other.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(AppError::bad_input(&["from"], "`from` and `to` are required (YYYY-MM-DD)"));
    };
    let period = Period::new(from, to).map_err(|m| AppError::bad_input(&["to"], m))?;
    let comparison = match (compare.as_deref(), compare_from, compare_to) {
        (None | Some("PRECEDING_PERIOD"), None, None) => Comparison::Preceding,
        (Some("SAME_PERIOD_YEAR_BEFORE"), None, None) => Comparison::YearBefore,
        (None | Some("PERIOD"), Some(f), Some(t)) => {
            Comparison::Between(Period::new(f, t).map_err(|m| AppError::bad_input(&["compareUntil"], m))?)
        }
        _ => {
            return Err(AppError::bad_input(
                &["compareTo"],
                "compareTo is PRECEDING_PERIOD or SAME_PERIOD_YEAR_BEFORE, or give compareFrom and compareUntil",
            ));
        }
    };
    let committees = (!codes.is_empty()).then_some(codes);
    Ok(Ask { committees, period, comparison, as_known_on: known })
}

fn status_of(err: &AppError) -> StatusCode {
    match err.code() {
        Code::BadUserInput => StatusCode::BAD_REQUEST,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::Timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn error_response(err: AppError) -> Response {
    let status = status_of(&err);
    refused_error(Format::Json, status, err)
}

/// A CSV field: quoted when it must be, and text that a spreadsheet would
/// read as a formula made inert.
fn field(out: &mut String, text: &str) {
    let inert = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let text = if inert { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&text);
    }
}

fn number(out: &mut String, figures: &Figures, rule: &crate::domain::statistics::FigureRule) {
    match (rule.unit, figures.value(rule.figure)) {
        (Unit::Percent, Some(v)) => out.push_str(&format!("{v:.2}")),
        (Unit::Percent, None) => {}
        _ => out.push_str(&figures.get(rule.figure).to_string()),
    }
}

/// The CSV text of a report.
pub fn csv(report: &service::Report) -> String {
    let mut out =
        String::from("\u{feff}committee_code,committee_name,period_from,period_to,comparison_from,comparison_to");
    for rule in FIGURES {
        out.push_str(&format!(",{c},{c}_previous", c = rule.column));
    }
    out.push_str("\r\n");
    let rows = report.rows.iter().chain(std::iter::once(&report.total));
    for row in rows {
        let (code, name) = match &row.committee {
            Some(c) => (c.code.as_str(), c.name.as_str()),
            None => ("TOTAL", "Total"),
        };
        field(&mut out, code);
        out.push(',');
        field(&mut out, name);
        for day in [report.period.from, report.period.to, report.comparison.from, report.comparison.to] {
            out.push(',');
            out.push_str(&day.to_string());
        }
        for rule in FIGURES {
            out.push(',');
            number(&mut out, &row.current, rule);
            out.push(',');
            number(&mut out, &row.previous, rule);
        }
        out.push_str("\r\n");
    }
    out
}

pub async fn download(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let principal = match verify_caller(&state, &headers) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return error_response(AppError::Unauthenticated(
                "send a bearer token: `Authorization: Bearer <token>`".into(),
            ));
        }
        Err(response) => return *response,
    };
    let _slot = match admit_caller(&state) {
        Ok(slot) => slot,
        Err(response) => return *response,
    };
    let ask = match parse(query.as_deref()) {
        Ok(ask) => ask,
        Err(err) => return error_response(err),
    };
    let db = state.db.clone();
    let run = async move {
        // Codes (or global IDs) name the committees; outside the reader's
        // reach a committee does not exist (the report says NOT_FOUND).
        let ids = match &ask.committees {
            None => None,
            Some(names) => {
                let mut ids = Vec::with_capacity(names.len());
                for name in names {
                    let id = match ids::decode(Kind::Committee, &async_graphql::ID(name.clone()), &["committee"]) {
                        Ok(id) => id,
                        Err(_) => {
                            let reach = principal.reach_for(Operation::ReadStatistics.allowed_roles());
                            let reach = if reach.is_empty() { Reach::Committees(Default::default()) } else { reach };
                            committees::by_code(&db.conn, &reach, name)
                                .await?
                                .ok_or(AppError::NotFound("committee"))?
                                .id
                        }
                    };
                    ids.push(id);
                }
                Some(ids)
            }
        };
        service::report(&db, &principal, ids.as_deref(), ask.period, ask.comparison, ask.as_known_on).await
    };
    let report = match tokio::time::timeout(state.limits.request_timeout, run).await {
        Ok(Ok(report)) => report,
        Ok(Err(err)) => return error_response(err),
        Err(_) => return error_response(AppError::Timeout("the report ran out of time".into())),
    };
    let name = format!("steerql-statistics-{}-{}.csv", report.period.from, report.period.to);
    (
        StatusCode::OK,
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv(&report),
    )
        .into_response()
}
