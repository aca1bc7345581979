//! The answer: the response body in the negotiated format and its status.

use std::collections::BTreeMap;

use async_graphql::{ServerError, Value};
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{Code, Reason};
use crate::graphql::pipeline::{self};
use crate::http::negotiate::Format;

use super::bad;

/// One response body. A request error (nothing executed) has no `data` entry.
#[derive(Serialize)]
pub(super) struct ResponseBody {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<ServerError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: BTreeMap<String, Value>,
    /// The first error of a request error, for the status.
    #[serde(skip)]
    request_error: Option<(Code, Option<String>)>,
}

impl From<async_graphql::Response> for ResponseBody {
    fn from(response: async_graphql::Response) -> ResponseBody {
        let request_error = pipeline::is_request_error(&response).then(|| {
            (pipeline::code_of(&response.errors[0]), pipeline::reason_of(&response.errors[0]).map(Into::into))
        });
        ResponseBody {
            data: request_error.is_none().then_some(response.data),
            errors: response.errors,
            extensions: response.extensions,
            request_error,
        }
    }
}

pub(super) fn single(format: Format, response: async_graphql::Response) -> Response {
    let body = ResponseBody::from(response);
    let (status, reason) = match &body.request_error {
        Some((code, reason)) => (status_for(format, *code, reason.as_deref()), reason.clone()),
        None => (StatusCode::OK, None),
    };
    let mut response = respond(format, status, &body);
    let headers = response.headers_mut();
    match (status, reason.as_deref()) {
        (StatusCode::METHOD_NOT_ALLOWED, _) => {
            headers.insert(ALLOW, HeaderValue::from_static("POST"));
        }
        (StatusCode::UNAUTHORIZED, _) => {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        (StatusCode::SERVICE_UNAVAILABLE, Some(r)) if r == Reason::ServerBusy.as_str() => {
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    response
}

/// The status of a single response: 200 once executed; for request errors,
/// the auth and capacity statuses whatever the format, else 4xx/5xx only for
/// `application/graphql-response+json` (the legacy format keeps 200).
pub(super) fn status_for(format: Format, code: Code, reason: Option<&str>) -> StatusCode {
    match (code, format) {
        (Code::BadUserInput, _) if reason == Some(Reason::MutationOverGet.as_str()) => StatusCode::METHOD_NOT_ALLOWED,
        (Code::Unauthenticated, _) => StatusCode::UNAUTHORIZED,
        (Code::Forbidden, _) => StatusCode::FORBIDDEN,
        (Code::RateLimited, _) => StatusCode::TOO_MANY_REQUESTS,
        (Code::Timeout | Code::Unavailable, _) => StatusCode::SERVICE_UNAVAILABLE,
        (_, Format::Json) => StatusCode::OK,
        (Code::Internal, Format::GraphqlResponse) => StatusCode::INTERNAL_SERVER_ERROR,
        (_, Format::GraphqlResponse) => StatusCode::BAD_REQUEST,
    }
}

/// A request refused before it reached the schema.
pub(crate) fn refused(format: Format, status: StatusCode, err: ServerError) -> Response {
    let body = ResponseBody { errors: vec![err], data: None, extensions: BTreeMap::new(), request_error: None };
    respond(format, status, &body)
}

pub(super) fn respond<T: Serialize>(format: Format, status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(CONTENT_TYPE, format.content_type())], bytes).into_response(),
        Err(err) => {
            tracing::error!(%err, "cannot serialise a response");
            internal_error()
        }
    }
}

pub(super) fn not_acceptable() -> Response {
    let err = bad(Reason::NotAcceptable, "accept application/graphql-response+json or application/json");
    refused(Format::Json, StatusCode::NOT_ACCEPTABLE, err)
}

pub(super) fn internal_error() -> Response {
    let body = r#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#;
    (StatusCode::INTERNAL_SERVER_ERROR, [(CONTENT_TYPE, Format::Json.content_type())], body).into_response()
}

/// Answers a panic (a bug) as an internal error, logged, never echoed.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    internal_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_errors_keep_their_status_in_both_formats() {
        assert_eq!(status_for(Format::Json, Code::Forbidden, None), StatusCode::FORBIDDEN);
        assert_eq!(status_for(Format::Json, Code::BadUserInput, None), StatusCode::OK);
        assert_eq!(status_for(Format::GraphqlResponse, Code::BadUserInput, None), StatusCode::BAD_REQUEST);
        assert_eq!(
            status_for(Format::Json, Code::BadUserInput, Some(Reason::MutationOverGet.as_str())),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
}
