//! HTTP: the router (GraphQL, GraphiQL, health checks), shared state, the
//! middleware every request passes through, and the server loop that bounds
//! connections and slow clients (`server`).

pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod negotiate;
pub mod server;
pub mod statistics;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Verifier;
use crate::config::Limits;
use crate::db::Db;
use crate::graphql::AppSchema;

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
    /// Budgets of authenticated callers.
    pub authenticated: Budgets,
    /// Budgets of callers without a token, apart, so they never take from the others.
    pub anonymous: Budgets,
    /// The execution slots of costly operations (`--max-costly-executions`),
    /// the ones the schema's pipeline takes.
    pub costly: Arc<tokio::sync::Semaphore>,
}

/// What a kind of caller may hold at once.
pub struct Budgets {
    /// Permits for GraphQL requests executing (`--max-in-flight`, `--max-anonymous-in-flight`).
    pub in_flight: Arc<Semaphore>,
    /// Permits for request-body bytes held in memory (`--max-buffered-body-bytes`,
    /// `--max-anonymous-buffered-body-bytes`).
    pub body_bytes: Arc<Semaphore>,
}

impl Budgets {
    pub fn new(in_flight: usize, body_bytes: usize) -> Budgets {
        Budgets {
            in_flight: Arc::new(Semaphore::new(in_flight.max(1))),
            body_bytes: Arc::new(Semaphore::new(body_bytes.max(1))),
        }
    }
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
        .route("/graphql", graphql)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/statistics.csv", get(statistics::download));
    if state.limits.graphiql {
        router = router.route("/graphiql/{asset}", get(graphiql::asset));
    }
    router
        .with_state(state)
        .layer(TraceLayer::new_for_http())
        // A panic is a bug; answer it as an internal error, never a dropped connection.
        .layer(CatchPanicLayer::custom(graphql::panic_response))
}
