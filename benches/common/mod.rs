//! What the benchmarks share: knobs from the environment, a scratch database
//! (an SQLite file, or a PostgreSQL database created and dropped), a steerql
//! server on its own runtime, and statistics.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use sea_orm::{ConnectionTrait, Database};

pub const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123456789";

pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The value at quantile `p` of sorted latencies, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// CPU seconds the server's threads have run (every thread of the process
/// but the load generator's), from the scheduler's nanosecond counters.
pub fn server_cpu() -> f64 {
    let mut total = 0.0;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with("bench-client") {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        let ns: f64 = stat.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        total += ns / 1e9;
    }
    total
}

/// The benchmark's database: `BENCH_DATABASE_URL` (PostgreSQL, an admin
/// URL: a scratch database is created under it and dropped at the end) or an
/// SQLite file in a temporary directory.
pub struct Scratch {
    pub url: String,
    pub name: &'static str,
    admin: Option<String>,
    scratch: String,
    _dir: tempfile::TempDir,
}

impl Scratch {
    pub async fn create() -> Scratch {
        let admin = std::env::var("BENCH_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"));
        let dir = tempfile::tempdir().unwrap();
        let scratch = format!("steerql_bench_{}", std::process::id());
        let url = match &admin {
            Some(admin) => {
                let conn = Database::connect(admin).await.unwrap();
                conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{scratch}\"")).await.unwrap();
                conn.execute_unprepared(&format!("CREATE DATABASE \"{scratch}\"")).await.unwrap();
                format!("{}/{scratch}", admin.rsplit_once('/').unwrap().0)
            }
            None => format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()),
        };
        let name = if admin.is_some() { "PostgreSQL" } else { "SQLite" };
        Scratch { url, name, admin, scratch, _dir: dir }
    }

    pub async fn drop_database(&self) {
        if let Some(admin) = &self.admin {
            let conn = Database::connect(admin).await.unwrap();
            let _ =
                conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.scratch)).await;
        }
    }
}

/// Serves steerql's router on `db` (plus `extra` routes, such as a plain
/// handler to compare with) through steerql's own server loop and default
/// limits, on an ephemeral port of the calling runtime.
pub async fn serve(db: steerql::db::Db, extra: axum::Router) -> std::net::SocketAddr {
    use steerql::config::{AuthArgs, Limits};
    let auth_args = AuthArgs { jwt_secret: Some(SECRET.into()), jwt_leeway: 30, ..AuthArgs::default() };
    let verifier = steerql::auth::Verifier::new(&auth_args, Some(SECRET.as_bytes())).unwrap();
    let keeper = std::sync::Arc::new(steerql::service::audit::AuditKeeper::ephemeral());
    let state = steerql::app::state(db, Limits::default(), verifier, keeper);
    let router = steerql::http::router(state).merge(extra);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        steerql::http::server::serve(listener, router, &Limits::default(), std::future::pending()).await.unwrap()
    });
    addr
}
