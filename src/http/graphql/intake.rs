//! What a request must pass before its operation runs: a place among the
//! requests in flight, its bearer token (checked before the body is read),
//! and its body, read under a size, time and byte budget.

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use tokio::sync::OwnedSemaphorePermit;

use crate::domain::Principal;
use crate::error::Reason;
use crate::graphql::pipeline::refusal;
use crate::http::negotiate::Format;
use crate::http::server::ConnectionHandle;
use crate::http::{AppState, Budgets};

use super::bad;
use super::respond::refused;

/// A 503 with `Retry-After`: the server is at capacity.
pub(super) fn busy(format: Format, message: &str) -> Box<Response> {
    let err = refusal(Reason::ServerBusy, message);
    let mut response = refused(format, StatusCode::SERVICE_UNAVAILABLE, err);
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
    Box::new(response)
}

/// Takes an execution slot of the caller's kind, or answers 503 with
/// `Retry-After` at once (never an unbounded queue).
pub(super) fn admit(budgets: &Budgets, format: Format) -> Result<OwnedSemaphorePermit, Box<Response>> {
    budgets.in_flight.clone().try_acquire_owned().map_err(|_| busy(format, "the server is at capacity; retry shortly"))
}

/// Checks the bearer token, if any. No token (or an empty `Bearer `): an
/// anonymous caller, who may only ask for `__typename` and introspection. A
/// bad token: 401, at once. A valid one makes its connection an
/// authenticated one (`http::server`), or is answered 503 when all their
/// places are taken.
pub(super) fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    format: Format,
    connection: Option<&ConnectionHandle>,
) -> Result<Option<Principal>, Box<Response>> {
    let principal = verify_token(state, headers, format)?;
    if principal.is_some() && connection.is_some_and(|c| !c.authenticate()) {
        let mut response = busy(format, "too many open connections");
        response.headers_mut().insert(axum::http::header::CONNECTION, HeaderValue::from_static("close"));
        return Err(response);
    }
    Ok(principal)
}

pub(super) fn verify_token(
    state: &AppState,
    headers: &HeaderMap,
    format: Format,
) -> Result<Option<Principal>, Box<Response>> {
    let Some(value) = headers.get(AUTHORIZATION) else { return Ok(None) };
    // (HTTP drops the trailing space of a bare `Bearer `: it arrives as `Bearer`.)
    let token = value
        .to_str()
        .ok()
        .map(|v| v.trim().split_once(' ').unwrap_or((v.trim(), "")))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let result = match token {
        // `Bearer ` with nothing after it is how GraphiQL's header starts out
        // before a token is pasted: no credentials, so an anonymous caller.
        Some("") => return Ok(None),
        Some(token) => state.verifier.verify(token).map_err(|e| e.to_string()),
        None => Err("the Authorization header is not `Bearer <token>`".to_owned()),
    };
    result.map(Some).map_err(|reason| {
        // The reason is logged for the operator (as a quoted, escaped value:
        // it may hold text from the token); the token itself never is.
        tracing::info!(reason = ?reason, "refused a bearer token");
        let err = refusal(Reason::InvalidToken, "the bearer token is invalid or expired");
        let mut response = refused(format, StatusCode::UNAUTHORIZED, err);
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
        Box::new(response)
    })
}

/// Reads the body: refused at once when it declares more than `limit` bytes,
/// cut off when it sends more, timed out when it takes longer than `time`,
/// and refused with 503 when the bytes all requests of its kind hold would
/// go over their budget (so many stalled bodies cannot fill the memory).
pub(super) async fn read_body(
    budgets: &Budgets,
    body: Body,
    headers: &HeaderMap,
    limit: usize,
    time: std::time::Duration,
    format: Format,
) -> Result<(axum::body::Bytes, Vec<OwnedSemaphorePermit>), Box<Response>> {
    let too_large = || {
        let err = bad(Reason::MaxBodyBytes, format!("the request body is larger than {limit} bytes"));
        Box::new(refused(format, StatusCode::PAYLOAD_TOO_LARGE, err))
    };
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buf = Vec::new();
        let mut charged = Vec::new();
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else {
                // The client broke off or sent a body unlike its declared length.
                let err = bad(Reason::MalformedBody, "the request body could not be read");
                return Err(Box::new(refused(format, StatusCode::BAD_REQUEST, err)));
            };
            if buf.len() + chunk.len() > limit {
                return Err(too_large());
            }
            let n = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
            match budgets.body_bytes.clone().try_acquire_many_owned(n) {
                Ok(permit) => charged.push(permit),
                Err(_) => return Err(busy(format, "the server is at capacity; retry shortly")),
            }
            buf.extend_from_slice(&chunk);
        }
        Ok((axum::body::Bytes::from(buf), charged))
    };
    match tokio::time::timeout(time, read).await {
        Ok(result) => result,
        Err(_) => {
            let err = bad(Reason::BodyReadTimeout, "the request body was not received in time");
            let mut response = refused(format, StatusCode::REQUEST_TIMEOUT, err);
            response.headers_mut().insert(axum::http::header::CONNECTION, HeaderValue::from_static("close"));
            Err(Box::new(response))
        }
    }
}
