//! Assembling and running the service: connect, migrate, seed, build the
//! schema and router, bind, serve until SIGTERM or ctrl-c (in-flight requests
//! finish).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::auth::{self, Verifier};
use crate::config::{AuditArgs, GlobalArgs, Limits, ServeArgs};
use crate::db::{Db, DbOptions, seed};
use crate::graphql;
use crate::http::{self, AppState, Budgets, Shared};
use crate::service::audit::{AuditKeeper, AuditOptions};

/// A built service, bound to its port and ready to serve.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
}

impl Application {
    /// Builds the service on an open database. The listener may be bound to
    /// port 0 (tests); [`Application::addr`] tells the port chosen.
    pub async fn build(db: Db, limits: Limits, verifier: Verifier, listen: SocketAddr) -> std::io::Result<Application> {
        Application::build_with(db, limits, verifier, Arc::new(AuditKeeper::ephemeral()), listen).await
    }

    /// [`Application::build`] with the audit keeper (signing key, intervals).
    pub async fn build_with(
        db: Db,
        limits: Limits,
        verifier: Verifier,
        audit: Arc<AuditKeeper>,
        listen: SocketAddr,
    ) -> std::io::Result<Application> {
        let state = state(db, limits, verifier, audit);
        let router = http::router(state.clone());
        let listener = TcpListener::bind(listen).await?;
        Ok(Application { listener, router, state })
    }

    pub fn addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let keeper = self.state.audit.clone();
        let background = tokio::spawn(keeper.run(self.state.db.clone()));
        let _stop = AbortOnDrop(background);
        let purge = tokio::spawn(purge_idempotency_keys(self.state.db.clone()));
        let _stop_purge = AbortOnDrop(purge);
        http::server::serve(self.listener, self.router, &self.state.limits, shutdown).await
    }
}

/// The shared state of the HTTP layer.
pub fn state(db: Db, limits: Limits, verifier: Verifier, audit: Arc<AuditKeeper>) -> AppState {
    let admission = graphql::pipeline::Admission::new(&limits);
    let costly = admission.slots();
    let schema = graphql::build_schema_admitting(&limits, audit.clone(), admission);
    let authenticated = Budgets::new(limits.max_in_flight, limits.max_buffered_body_bytes);
    let anonymous = Budgets::new(limits.max_anonymous_in_flight, limits.max_anonymous_buffered_body_bytes);
    AppState(Arc::new(Shared { schema, db, verifier, limits, authenticated, anonymous, audit, costly }))
}

/// Opens the configured database and migrates it.
pub async fn open_database(global: &GlobalArgs, limits: &Limits) -> Result<Db, String> {
    let options = DbOptions::serving(global.database_url(), global.db_max_connections, limits);
    let db = Db::connect(&options).await.map_err(|e| format!("cannot open the database: {e}"))?;
    db.migrate().await.map_err(|e| format!("cannot migrate the database: {e}"))?;
    Ok(db.with_calendar(global.time_zone))
}

/// Loads the demo data if the database is empty; returns whether it did.
pub async fn seed_if_empty(db: &Db) -> Result<bool, String> {
    let empty = seed::is_empty(&db.conn).await.map_err(|e| e.detail())?;
    if !empty {
        return Ok(false);
    }
    let write = db.begin_write().await.map_err(|e| e.detail())?;
    let (report, cases) = crate::service::demo::load(&write.txn).await.map_err(|e| e.detail())?;
    write.commit().await.map_err(|e| e.detail())?;
    tracing::info!(
        committees = report.committees,
        people = report.people,
        positions = report.positions,
        cases = cases.matters,
        defendants = cases.defendants,
        "loaded the demo data"
    );
    Ok(true)
}

/// `steerql serve`.
pub async fn serve(global: &GlobalArgs, args: ServeArgs) -> Result<(), String> {
    let limits = if args.production { args.limits.clone().production() } else { args.limits.clone() };
    let db = open_database(global, &limits).await?;
    if !args.no_demo_data {
        seed_if_empty(&db).await?;
    }
    let secret = auth::hs_secret(&global.auth, &global.data_dir)?;
    let verifier = Verifier::new(&global.auth, secret.as_deref())?;
    let audit = Arc::new(audit_keeper(global, &args.audit)?);
    tracing::info!(public_key = %audit.public_key(), "audit checkpoints are signed with this key");
    let app = Application::build_with(db, limits.clone(), verifier, audit, args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = app.addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, database = %redact(&global.database_url()), "steerql is listening");
    println!("steerql listening on http://{addr}/graphql");
    if limits.graphiql {
        println!("  GraphiQL:   open http://{addr}/graphql in a browser");
    }
    if secret.is_some() {
        println!("  a token:    cargo run -- token --sub you@example.org --role ADMIN@CENTRAL --ttl 1h");
    }
    app.serve(shutdown_signal()).await.map_err(|e| e.to_string())
}

/// The audit keeper the configuration describes.
pub fn audit_keeper(global: &GlobalArgs, args: &AuditArgs) -> Result<AuditKeeper, String> {
    let path = args.audit_key_file.clone().unwrap_or_else(|| global.data_dir.join("audit-signing.key"));
    let key = AuditKeeper::load_or_create_key(&path)?;
    let every = |d: std::time::Duration| (!d.is_zero()).then_some(d);
    let options = AuditOptions {
        checkpoint_every: every(args.audit_checkpoint_every),
        verify_every: every(args.audit_verify_every),
        trusted_keys: args.audit_trusted_keys.clone(),
    };
    // The newest checkpoint known, kept beside the key (outside the database).
    AuditKeeper::with_witness(key, options, Some(path.with_extension("head")))
}

/// Stops a background task when the server it belongs to stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Hides a password in a database URL before it is logged.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(%err, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; finishing in-flight requests");
}

/// Removes expired idempotency keys every hour (any instance may: the
/// delete is idempotent and a key is only ever read unexpired).
async fn purge_idempotency_keys(db: Db) {
    // The first purge an hour after start, not at once: start-up stays quiet.
    let hour = std::time::Duration::from_secs(3600);
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match crate::db::idempotency::purge_keys(&db.conn, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "removed expired idempotency keys"),
            Err(err) => tracing::warn!(error = %err.detail(), "cannot remove expired idempotency keys"),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden_in_logged_urls() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
