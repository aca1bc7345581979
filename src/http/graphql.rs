//! POST and GET /graphql: GraphQL over HTTP. Reads the raw body itself (so
//! the body limit is the server's own), negotiates the response format,
//! authenticates, runs the pre-execution checks (limits, permission gate),
//! executes under the request timeout, and gives every error a code.

use std::collections::BTreeMap;

use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, Request, ServerError, Value, Variables};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use super::negotiate::{self, BodyType, Format};
use crate::domain::Principal;
use crate::error::Code;
use crate::graphql::{RequestContext, gate};

/// The parameters of one GraphQL request, checked.
#[derive(Debug)]
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<serde_json::Map<String, serde_json::Value>>,
    extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A request error: the request was not executed.
#[derive(Debug)]
struct Refused {
    code: Code,
    reason: Option<&'static str>,
    message: String,
    locations: Vec<async_graphql::Pos>,
}

impl Refused {
    fn new(code: Code, reason: &'static str, message: impl Into<String>) -> Self {
        Refused { code, reason: Some(reason), message: message.into(), locations: Vec::new() }
    }

    fn into_error(self) -> ServerError {
        let mut err = ServerError::new(self.message, None);
        err.locations = self.locations;
        let mut ext = ErrorExtensionValues::default();
        ext.set("code", self.code.as_str());
        if let Some(reason) = self.reason {
            ext.set("reason", reason);
        }
        err.extensions = Some(ext);
        err
    }
}

/// What running one request gave.
enum Outcome {
    Executed(async_graphql::Response),
    Refused(Refused),
    /// A mutation sent with GET.
    MutationOverGet,
}

pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let Some(format) = negotiate::response_format(&headers) else { return not_acceptable() };
    match negotiate::body_type(&headers) {
        BodyType::Json => {}
        BodyType::Missing | BodyType::Unsupported => {
            return refused(
                format,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Refused::new(
                    Code::BadUserInput,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "send the request as application/json (UTF-8)",
                ),
            );
        }
    }
    let limit = state.limits.max_body_bytes;
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refused(
                format,
                StatusCode::PAYLOAD_TOO_LARGE,
                Refused::new(
                    Code::BadUserInput,
                    "MAX_BODY_BYTES",
                    format!("the request body is larger than {limit} bytes"),
                ),
            );
        }
    };
    let principal = match authenticate(&state, &headers) {
        Ok(p) => p,
        Err(response) => return *response,
    };
    let json: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => {
            return refused(
                format,
                StatusCode::BAD_REQUEST,
                Refused::new(Code::BadUserInput, "MALFORMED_JSON", "the body is not valid JSON"),
            );
        }
    };
    match json {
        serde_json::Value::Array(items) => {
            if items.is_empty() || items.len() > state.limits.max_batch {
                let message = format!("a batch holds 1 to {} operations", state.limits.max_batch);
                return refused(
                    format,
                    StatusCode::BAD_REQUEST,
                    Refused::new(Code::BadUserInput, "MAX_BATCH", message),
                );
            }
            let mut params = Vec::with_capacity(items.len());
            for item in items {
                match params_from_json(item) {
                    Ok(p) => params.push(p),
                    Err(r) => return refused(format, StatusCode::BAD_REQUEST, r),
                }
            }
            let runs = params.into_iter().map(|p| run(&state, p, principal.clone(), false));
            let outcomes = futures_util::future::join_all(runs).await;
            let bodies: Vec<ResponseBody> = outcomes.into_iter().map(body_of).collect();
            respond(format, StatusCode::OK, &bodies)
        }
        other => match params_from_json(other) {
            Ok(params) => single(format, run(&state, params, principal, false).await),
            Err(r) => refused(format, StatusCode::BAD_REQUEST, r),
        },
    }
}

pub async fn get(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let wants_html =
        headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if param("query").is_none() && wants_html && state.limits.graphiql {
        return Html(async_graphql::http::GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
    }
    let Some(format) = negotiate::response_format(&headers) else { return not_acceptable() };
    let principal = match authenticate(&state, &headers) {
        Ok(p) => p,
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
                    let r = Refused::new(Code::BadUserInput, "INVALID_PARAMETERS", format!("`{name}` is not JSON"));
                    return refused(format, StatusCode::BAD_REQUEST, r);
                }
            }
        }
    }
    match params_from_json(serde_json::Value::Object(object)) {
        Ok(params) => single(format, run(&state, params, principal, true).await),
        Err(r) => refused(format, StatusCode::BAD_REQUEST, r),
    }
}

/// Any other method on /graphql.
pub async fn method_not_allowed() -> Response {
    let mut response = refused(
        Format::Json,
        StatusCode::METHOD_NOT_ALLOWED,
        Refused::new(Code::BadUserInput, "METHOD_NOT_ALLOWED", "use GET for queries or POST"),
    );
    response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// Checks the bearer token, if any. No token: an anonymous caller, who may
/// only ask for `__typename` and introspection. A bad token: 401, at once.
fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, Box<Response>> {
    let Some(value) = headers.get(AUTHORIZATION) else { return Ok(None) };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let result = match token {
        Some(token) if !token.is_empty() => state.verifier.verify(token).map_err(|e| e.to_string()),
        _ => Err("the Authorization header is not `Bearer <token>`".to_owned()),
    };
    result.map(Some).map_err(|reason| {
        // The reason is logged for the operator; the token itself never is.
        tracing::info!(%reason, "refused a bearer token");
        let body = Refused::new(Code::Unauthenticated, "INVALID_TOKEN", "the bearer token is invalid or expired");
        let mut response = refused(Format::Json, StatusCode::UNAUTHORIZED, body);
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
        Box::new(response)
    })
}

fn params_from_json(value: serde_json::Value) -> Result<Params, Refused> {
    let invalid = |m: &str| Refused::new(Code::BadUserInput, "INVALID_PARAMETERS", m);
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

/// How deep brackets nest outside strings: checked before parsing so a
/// pathological document cannot exhaust the parser's stack.
fn nesting_depth(query: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in query.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' | b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// A parse error without the echo of the query the parser puts in it.
fn parse_error(err: ServerError) -> Refused {
    let expected =
        err.message.lines().find_map(|l| l.trim().strip_prefix("= ")).map(|s| s.chars().take(200).collect::<String>());
    let message = match expected {
        Some(e) => format!("syntax error: {e}"),
        None if err.message.lines().count() == 1 && err.message.len() <= 200 => err.message.clone(),
        None => "syntax error".to_owned(),
    };
    Refused { code: Code::BadUserInput, reason: Some("GRAPHQL_PARSE_FAILED"), message, locations: err.locations }
}

async fn run(state: &AppState, params: Params, principal: Option<Principal>, via_get: bool) -> Outcome {
    let limits = &state.limits;
    if nesting_depth(&params.query) > limits.max_recursive_depth * 2 {
        return Outcome::Refused(Refused::new(Code::BadUserInput, "MAX_RECURSION", "the document nests too deeply"));
    }
    let mut request = Request::new(params.query);
    if let Some(name) = &params.operation_name {
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
    let doc = match request.parsed_query() {
        Ok(doc) => doc,
        Err(err) => return Outcome::Refused(parse_error(err)),
    };
    let checked = gate::check(doc, params.operation_name.as_deref(), limits, &state.root_fields, principal.as_ref());
    match checked {
        Err(refusal) => {
            return Outcome::Refused(Refused {
                code: refusal.code,
                reason: Some(refusal.reason),
                message: refusal.message,
                locations: refusal.pos.into_iter().collect(),
            });
        }
        Ok(Some(OperationType::Mutation)) if via_get => return Outcome::MutationOverGet,
        Ok(_) => {}
    }
    let request = request.data(RequestContext::new(state.db.clone(), principal));
    match tokio::time::timeout(limits.request_timeout, state.schema.execute(request)).await {
        Ok(response) => Outcome::Executed(response),
        Err(_) => Outcome::Refused(Refused::new(
            Code::Timeout,
            "REQUEST_TIMEOUT",
            format!("the request took longer than {}", humantime::format_duration(limits.request_timeout)),
        )),
    }
}

/// One response body, plus the request-error code if it never executed.
#[derive(Serialize)]
struct ResponseBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<ServerError>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: BTreeMap<String, Value>,
    #[serde(skip)]
    request_error: Option<Code>,
}

fn body_of(outcome: Outcome) -> ResponseBody {
    match outcome {
        Outcome::Executed(response) => {
            // Validation errors come back from execution with no data and no
            // path: they are request errors too.
            let not_executed = response.data == Value::Null
                && !response.errors.is_empty()
                && response.errors.iter().all(|e| e.path.is_empty());
            let mut errors = response.errors;
            for err in &mut errors {
                ensure_code(err);
            }
            let request_error = not_executed.then(|| code_of(&errors[0]));
            ResponseBody {
                data: (!not_executed).then_some(response.data),
                errors,
                extensions: response.extensions.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                request_error,
            }
        }
        Outcome::Refused(r) => {
            let code = r.code;
            ResponseBody {
                data: None,
                errors: vec![r.into_error()],
                extensions: BTreeMap::new(),
                request_error: Some(code),
            }
        }
        Outcome::MutationOverGet => {
            let r = Refused::new(Code::BadUserInput, "MUTATION_OVER_GET", "mutations must be sent with POST");
            ResponseBody {
                data: None,
                errors: vec![r.into_error()],
                extensions: BTreeMap::new(),
                request_error: Some(Code::BadUserInput),
            }
        }
    }
}

fn code_of(err: &ServerError) -> Code {
    let code = err.extensions.as_ref().and_then(|e| e.get("code")).cloned();
    match code {
        Some(Value::String(s)) => match s.as_str() {
            "UNAUTHENTICATED" => Code::Unauthenticated,
            "FORBIDDEN" => Code::Forbidden,
            "NOT_FOUND" => Code::NotFound,
            "CONFLICT" => Code::Conflict,
            "RATE_LIMITED" => Code::RateLimited,
            "TIMEOUT" => Code::Timeout,
            "INTERNAL" => Code::Internal,
            _ => Code::BadUserInput,
        },
        _ => Code::BadUserInput,
    }
}

/// Errors raised inside async-graphql (validation, limits, argument
/// coercion) carry no code; they are all the caller's to fix.
fn ensure_code(err: &mut ServerError) {
    if err.extensions.as_ref().is_some_and(|e| e.get("code").is_some()) {
        return;
    }
    let m = err.message.as_str();
    let reason = if m.starts_with("Query is too complex") {
        Some("MAX_COMPLEXITY")
    } else if m.starts_with("Query is nested too deep") {
        Some("MAX_DEPTH")
    } else if m.contains("directives") && m.contains("cannot be greater") {
        Some("MAX_DIRECTIVES")
    } else if m.contains("recursion depth") {
        Some("MAX_RECURSION")
    } else if err.path.is_empty() {
        Some("GRAPHQL_VALIDATION_FAILED")
    } else {
        None
    };
    let ext = err.extensions.get_or_insert_with(ErrorExtensionValues::default);
    ext.set("code", Code::BadUserInput.as_str());
    if let Some(reason) = reason {
        ext.set("reason", reason);
    }
}

fn single(format: Format, outcome: Outcome) -> Response {
    let mutation_over_get = matches!(outcome, Outcome::MutationOverGet);
    let body = body_of(outcome);
    let status =
        if mutation_over_get { StatusCode::METHOD_NOT_ALLOWED } else { status_for(format, body.request_error) };
    let mut response = respond(format, status, &body);
    if mutation_over_get {
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// The status of a single response: 200 once executed; for request errors,
/// the auth statuses whatever the format, else 4xx/5xx only for
/// `application/graphql-response+json` (the legacy format keeps 200).
fn status_for(format: Format, request_error: Option<Code>) -> StatusCode {
    let Some(code) = request_error else { return StatusCode::OK };
    match (code, format) {
        (Code::Unauthenticated, _) => StatusCode::UNAUTHORIZED,
        (Code::Forbidden, _) => StatusCode::FORBIDDEN,
        (Code::RateLimited, _) => StatusCode::TOO_MANY_REQUESTS,
        (Code::Timeout, _) => StatusCode::SERVICE_UNAVAILABLE,
        (_, Format::Json) => StatusCode::OK,
        (Code::Internal, Format::GraphqlResponse) => StatusCode::INTERNAL_SERVER_ERROR,
        (_, Format::GraphqlResponse) => StatusCode::BAD_REQUEST,
    }
}

fn refused(format: Format, status: StatusCode, r: Refused) -> Response {
    let code = r.code;
    let body = ResponseBody {
        data: None,
        errors: vec![r.into_error()],
        extensions: BTreeMap::new(),
        request_error: Some(code),
    };
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
    let r = Refused::new(
        Code::BadUserInput,
        "NOT_ACCEPTABLE",
        "accept application/graphql-response+json or application/json",
    );
    refused(Format::Json, StatusCode::NOT_ACCEPTABLE, r)
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
    fn nesting_ignores_brackets_in_strings() {
        assert_eq!(nesting_depth(r#"{ a(x: "{{{{") { b } }"#), 2);
        assert_eq!(nesting_depth(&"{a".repeat(1000)), 1000);
    }

    #[test]
    fn parse_errors_do_not_echo_the_query() {
        let mut req = Request::new(format!("{{ secret{} ", "x".repeat(5000)));
        let err = req.parsed_query().unwrap_err();
        let refused = parse_error(err);
        assert!(!refused.message.contains("xxxx"), "{}", refused.message);
        assert!(refused.message.len() < 300);
    }

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
        assert_eq!(status_for(Format::Json, Some(Code::Forbidden)), StatusCode::FORBIDDEN);
        assert_eq!(status_for(Format::Json, Some(Code::BadUserInput)), StatusCode::OK);
        assert_eq!(status_for(Format::GraphqlResponse, Some(Code::BadUserInput)), StatusCode::BAD_REQUEST);
    }
}
