//! HTTP: the router (GraphQL, GraphiQL, health checks), shared state, and
//! the middleware every request passes through.

pub mod graphql;
pub mod health;
pub mod negotiate;

use std::collections::HashSet;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
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
    /// Root fields of the schema, for the permission gate's default deny.
    pub root_fields: HashSet<String>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post).fallback(graphql::method_not_allowed))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
        .layer(TraceLayer::new_for_http())
        // A panic is a bug; answer it as an internal error, never a dropped connection.
        .layer(CatchPanicLayer::custom(graphql::panic_response))
}
