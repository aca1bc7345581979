//! POST and GET /graphql: GraphQL over HTTP, and only what is HTTP about it.
//! The bearer token is checked before the body is read; the body is read
//! under a size limit and a time limit; the response format is negotiated and
//! the status chosen. Whether and how an operation runs (limits, permission
//! gate, timeout, error codes) is decided by the schema's pipeline
//! (`graphql::pipeline`), the same for every transport.

use std::collections::BTreeMap;

use async_graphql::{Request, ServerError, Value, Variables};
use axum::body::Body;
use axum::extract::{Extension, RawQuery, State};
use axum::http::header::{ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::OwnedSemaphorePermit;

use super::negotiate::{self, BodyType, Format};
use super::server::ConnectionHandle;
use super::{AppState, Budgets};
use crate::domain::Principal;
use crate::error::{Code, Reason};
use crate::graphql::RequestContext;
use crate::graphql::pipeline::{self, Budget, refusal};

/// The parameters of one GraphQL request, checked.
#[derive(Debug)]
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<serde_json::Map<String, serde_json::Value>>,
    extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

fn bad(reason: Reason, message: impl Into<String>) -> ServerError {
    refusal(reason, message)
}

pub async fn post(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectionHandle>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(format) = negotiate::response_format(&headers) else { return not_acceptable() };
    match negotiate::body_type(&headers) {
        BodyType::Json => {}
        BodyType::Missing | BodyType::Unsupported => {
            let err = bad(Reason::UnsupportedMediaType, "send the request as application/json (UTF-8)");
            return refused(format, StatusCode::UNSUPPORTED_MEDIA_TYPE, err);
        }
    }
    // The token first: a caller without a valid one never gets to make the
    // server hold a large body, and an anonymous one only a small body.
    let principal = match authenticate(&state, &headers, format, connection.as_deref()) {
        Ok(p) => p,
        Err(response) => return *response,
    };
    let (budgets, limit, time) = match principal {
        Some(_) => (&state.authenticated, state.limits.max_body_bytes, state.limits.body_read_timeout),
        None => (&state.anonymous, state.limits.max_anonymous_body_bytes, state.limits.anonymous_body_read_timeout),
    };
    // The bytes stay charged to the body budget until the answer is sent.
    let (bytes, _charged) = match read_body(budgets, body, &headers, limit, time, format).await {
        Ok(read) => read,
        Err(response) => return *response,
    };
    // Only now, with the whole body in hand, does the request take an execution slot.
    let _slot = match admit(budgets, format) {
        Ok(slot) => slot,
        Err(response) => return *response,
    };
    let json: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => {
            return refused(format, StatusCode::BAD_REQUEST, bad(Reason::MalformedJson, "the body is not valid JSON"));
        }
    };
    match json {
        serde_json::Value::Array(items) => {
            if items.is_empty() || items.len() > state.limits.max_batch {
                let message = format!("a batch holds 1 to {} operations", state.limits.max_batch);
                return refused(format, StatusCode::BAD_REQUEST, bad(Reason::MaxBatch, message));
            }
            let params: Result<Vec<Params>, ServerError> = items.into_iter().map(params_from_json).collect();
            let params = match params {
                Ok(p) => p,
                Err(err) => return refused(format, StatusCode::BAD_REQUEST, err),
            };
            // One complexity budget for the whole batch.
            let budget = Budget::new(state.limits.max_complexity);
            let runs: Vec<_> = params
                .into_iter()
                .map(|p| {
                    let ctx = RequestContext::in_batch(state.db.clone(), principal.clone(), budget.clone());
                    let schema = state.schema.clone();
                    async move { schema.execute(request(p, ctx)).await }
                })
                .collect();
            let Some(responses) = detached(futures_util::future::join_all(runs), (_slot, _charged)).await else {
                return internal_error();
            };
            let bodies: Vec<ResponseBody> = responses.into_iter().map(ResponseBody::from).collect();
            respond(format, StatusCode::OK, &bodies)
        }
        other => match params_from_json(other) {
            Ok(params) => {
                let ctx = RequestContext::new(state.db.clone(), principal, &state.limits);
                let schema = state.schema.clone();
                let run = async move { schema.execute(request(params, ctx)).await };
                match detached(run, (_slot, _charged)).await {
                    Some(response) => single(format, response),
                    None => internal_error(),
                }
            }
            Err(err) => refused(format, StatusCode::BAD_REQUEST, err),
        },
    }
}

pub async fn get(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectionHandle>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let wants_html =
        headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if param("query").is_none() && wants_html && state.limits.graphiql {
        return super::graphiql::page();
    }
    let Some(format) = negotiate::response_format(&headers) else { return not_acceptable() };
    let principal = match authenticate(&state, &headers, format, connection.as_deref()) {
        Ok(p) => p,
        Err(response) => return *response,
    };
    let budgets = if principal.is_some() { &state.authenticated } else { &state.anonymous };
    let _slot = match admit(budgets, format) {
        Ok(slot) => slot,
        Err(response) => return *response,
    };
    let mut object = serde_json::Map::new();
    for name in ["query", "operationName"] {
        if let Some(v) = param(name) {
            object.insert(name.to_owned(), serde_json::Value::String(v));
        }
    }
    for name in ["variables", "extensions"] {
        if let Some(v) = param(name) {
            match serde_json::from_str(&v) {
                Ok(v) => {
                    object.insert(name.to_owned(), v);
                }
                Err(_) => {
                    let err = bad(Reason::InvalidParameters, format!("`{name}` is not JSON"));
                    return refused(format, StatusCode::BAD_REQUEST, err);
                }
            }
        }
    }
    match params_from_json(serde_json::Value::Object(object)) {
        Ok(params) => {
            // GET may not change anything: the pipeline refuses mutations.
            let ctx = RequestContext::new(state.db.clone(), principal, &state.limits).read_only();
            let schema = state.schema.clone();
            match detached(async move { schema.execute(request(params, ctx)).await }, _slot).await {
                Some(response) => single(format, response),
                None => internal_error(),
            }
        }
        Err(err) => refused(format, StatusCode::BAD_REQUEST, err),
    }
}

/// Runs `work` in a task of its own, holding `held` (its execution slot and
/// body bytes) until it ends. A client that goes away drops this handler,
/// not the work: a write under way ends as it would have (`db::Writes`),
/// and the request's own timeout still bounds it. `None`: the work panicked.
async fn detached<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
    held: impl Send + 'static,
) -> Option<T> {
    let task = tokio::spawn(async move {
        let out = work.await;
        drop(held);
        out
    });
    match task.await {
        Ok(out) => Some(out),
        Err(err) => {
            tracing::error!(%err, "a request's task failed");
            None
        }
    }
}

/// Any other method on /graphql.
pub async fn method_not_allowed() -> Response {
    let err = bad(Reason::MethodNotAllowed, "use GET for queries or POST");
    let mut response = refused(Format::Json, StatusCode::METHOD_NOT_ALLOWED, err);
    response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// A 503 with `Retry-After`: the server is at capacity.
fn busy(format: Format, message: &str) -> Box<Response> {
    let err = refusal(Reason::ServerBusy, message);
    let mut response = refused(format, StatusCode::SERVICE_UNAVAILABLE, err);
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
    Box::new(response)
}

/// Takes an execution slot of the caller's kind, or answers 503 with
/// `Retry-After` at once (never an unbounded queue).
fn admit(budgets: &Budgets, format: Format) -> Result<OwnedSemaphorePermit, Box<Response>> {
    budgets.in_flight.clone().try_acquire_owned().map_err(|_| busy(format, "the server is at capacity; retry shortly"))
}

/// Checks the bearer token, if any. No token (or an empty `Bearer `): an
/// anonymous caller, who may only ask for `__typename` and introspection. A
/// bad token: 401, at once. A valid one makes its connection an
/// authenticated one (`http::server`), or is answered 503 when all their
/// places are taken.
fn authenticate(
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

fn verify_token(state: &AppState, headers: &HeaderMap, format: Format) -> Result<Option<Principal>, Box<Response>> {
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
async fn read_body(
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

fn params_from_json(value: serde_json::Value) -> Result<Params, ServerError> {
    let invalid = |m: &str| bad(Reason::InvalidParameters, m);
    let serde_json::Value::Object(mut map) = value else {
        return Err(invalid("the request must be a JSON object"));
    };
    let query = match map.remove("query") {
        Some(serde_json::Value::String(q)) => q,
        None | Some(serde_json::Value::Null) => return Err(invalid("`query` is required")),
        Some(_) => return Err(invalid("`query` must be a string")),
    };
    let operation_name = match map.remove("operationName") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(invalid("`operationName` must be a string")),
    };
    let object = |name: &str, v: Option<serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(invalid(&format!("`{name}` must be an object"))),
    };
    let variables = object("variables", map.remove("variables"))?;
    let extensions = object("extensions", map.remove("extensions"))?;
    Ok(Params { query, operation_name, variables, extensions })
}

/// The async-graphql request for `params`, carrying its context.
fn request(params: Params, ctx: RequestContext) -> Request {
    let mut request = Request::new(params.query).data(ctx);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        request = request.variables(Variables::from_json(serde_json::Value::Object(vars)));
    }
    if let Some(ext) = params.extensions {
        for (k, v) in ext {
            request.extensions.insert(k, Value::from_json(v).unwrap_or(Value::Null));
        }
    }
    request
}

/// One response body. A request error (nothing executed) has no `data` entry.
#[derive(Serialize)]
struct ResponseBody {
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

fn single(format: Format, response: async_graphql::Response) -> Response {
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
fn status_for(format: Format, code: Code, reason: Option<&str>) -> StatusCode {
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
pub(super) fn refused(format: Format, status: StatusCode, err: ServerError) -> Response {
    let body = ResponseBody { errors: vec![err], data: None, extensions: BTreeMap::new(), request_error: None };
    respond(format, status, &body)
}

fn respond<T: Serialize>(format: Format, status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(CONTENT_TYPE, format.content_type())], bytes).into_response(),
        Err(err) => {
            tracing::error!(%err, "cannot serialise a response");
            internal_error()
        }
    }
}

fn not_acceptable() -> Response {
    let err = bad(Reason::NotAcceptable, "accept application/graphql-response+json or application/json");
    refused(Format::Json, StatusCode::NOT_ACCEPTABLE, err)
}

fn internal_error() -> Response {
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
    fn parameters_must_have_the_right_types() {
        assert!(params_from_json(serde_json::json!({"query": "{a}"})).is_ok());
        assert!(params_from_json(serde_json::json!({"query": 1})).is_err());
        assert!(params_from_json(serde_json::json!({"query": "{a}", "variables": "x"})).is_err());
        assert!(params_from_json(serde_json::json!({"query": "{a}", "operationName": 3})).is_err());
        assert!(params_from_json(serde_json::json!([1])).is_err());
    }

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
