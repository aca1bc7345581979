//! POST and GET /graphql: GraphQL over HTTP, and only what is HTTP about it.
//! The bearer token is checked before the body is read; the body is read
//! under a size limit and a time limit; the response format is negotiated and
//! the status chosen. Whether and how an operation runs (limits, permission
//! gate, timeout, error codes) is decided by the schema's pipeline
//! (`graphql::pipeline`), the same for every transport.

use async_graphql::{Request, ServerError, Value, Variables};
use axum::body::Body;
use axum::extract::{Extension, RawQuery, State};
use axum::http::header::ALLOW;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use super::AppState;
use super::negotiate::{self, BodyType, Format};
use super::server::ConnectionHandle;
use crate::error::Reason;
use crate::graphql::RequestContext;
use crate::graphql::pipeline::{Budget, refusal};

mod intake;
mod respond;

use intake::{admit, authenticate, read_body};
pub use respond::panic_response;
pub(super) use respond::refused;
use respond::{ResponseBody, internal_error, not_acceptable, respond, single};

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

/// The bearer token of a request outside the GraphQL route (the CSV
/// download): the same check, answered in JSON.
pub(crate) fn verify_caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<crate::domain::Principal>, Box<Response>> {
    intake::verify_token(state, headers, negotiate::Format::Json)
}

/// An execution slot for an authenticated request outside the GraphQL route.
pub(crate) fn admit_caller(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, Box<Response>> {
    intake::admit(&state.authenticated, negotiate::Format::Json)
}

/// An error of a request outside the GraphQL route, GraphQL-shaped (with
/// `extensions.code`).
pub(crate) fn refused_error(format: negotiate::Format, status: StatusCode, err: crate::error::AppError) -> Response {
    let mut err = async_graphql::Error::from(err).into_server_error(async_graphql::Pos::default());
    // Not from a document: no locations (a `0:0` one would be wrong).
    err.locations.clear();
    let mut response = refused(format, status, err);
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
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
}
