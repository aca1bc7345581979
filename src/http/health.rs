//! Liveness and readiness probes, and the metrics an operator alerts on.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers. The audit trail's status comes from the last
/// verification (a break is an alarm for people, not a reason to stop
/// serving, so it does not make the instance unready); which chain broke
/// and where is for auditors only (`lastAuditVerification`, `VERIFY_AUDIT_TRAIL`),
/// not for anyone who can reach the probe.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let audit = match state.audit.last_verification() {
        None => json!({ "status": "not verified yet" }),
        Some(v) => json!({ "status": if v.problem.is_some() { "broken" } else { "intact" }, "at": v.at }),
    };
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready", "auditTrail": audit }))),
        Err(err) => {
            tracing::warn!(%err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "database unavailable", "auditTrail": audit })))
        }
    }
}

/// Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.audit.metrics())
}
