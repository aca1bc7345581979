//! HTTP: the router (GraphQL, GraphiQL, health checks), shared state, the
//! middleware every request passes through, and the server loop that bounds
//! connections and slow clients (`server`).

pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod negotiate;
pub mod server;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Verifier;
use crate::config::Limits;
use crate::db::Db;
use crate::error::Code;
use crate::graphql::AppSchema;
use crate::graphql::pipeline::refusal;

/// What every handler shares. Nothing here is state another instance would
/// need: scale out by running more instances against one PostgreSQL.
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

pub struct Shared {
    pub schema: AppSchema,
    pub db: Db,
    pub verifier: Verifier,
    pub limits: Limits,
    /// Signs and verifies the audit trail; its last verification feeds `/readyz` and `/metrics`.
    pub audit: Arc<crate::service::audit::AuditKeeper>,
    /// Permits for GraphQL requests in progress (`--max-in-flight`).
    pub in_flight: Arc<Semaphore>,
    /// Permits for request-body bytes held in memory (`--max-buffered-body-bytes`).
    pub body_bytes: Arc<Semaphore>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub fn router(state: AppState) -> Router {
    let graphql = get(graphql::get).post(graphql::post).fallback(graphql::method_not_allowed);
    let mut router = Router::new()
        .route("/graphql", graphql.layer(middleware::from_fn_with_state(state.clone(), admit)))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics));
    if state.limits.graphiql {
        router = router.route("/graphiql/{asset}", get(graphiql::asset));
    }
    router
        .with_state(state)
        .layer(TraceLayer::new_for_http())
        // A panic is a bug; answer it as an internal error, never a dropped connection.
        .layer(CatchPanicLayer::custom(graphql::panic_response))
}

/// Admits a GraphQL request if fewer than `--max-in-flight` are in progress;
/// otherwise answers 503 with `Retry-After` at once (never an unbounded queue).
async fn admit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        let err = refusal(Code::Unavailable, "SERVER_BUSY", "the server is at capacity; retry shortly");
        let format = negotiate::response_format(request.headers()).unwrap_or(negotiate::Format::Json);
        let mut response = graphql::refused(format, StatusCode::SERVICE_UNAVAILABLE, err);
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    next.run(request).await
}
