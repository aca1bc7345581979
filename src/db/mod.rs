//! Persistence: connecting (SQLite or PostgreSQL), migrating, the write path
//! (one transaction per write, with its audit record), reach-aware queries
//! and the demo data.

pub mod audit;
pub mod demo_data;
pub mod org;
pub mod page;
pub mod reach;
pub mod seed;

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::AppResult;

/// The database handle the service shares between requests.
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// SQLite has one writer at a time; writes queue here rather than fail
    /// with "database is locked" after a busy timeout. PostgreSQL needs no gate.
    write_gate: Option<Arc<Mutex<()>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend()).finish()
    }
}

/// How to open the pool.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub url: String,
    pub max_connections: u32,
    /// PostgreSQL cancels any statement running longer than this.
    pub statement_timeout: Option<Duration>,
}

impl Db {
    pub async fn connect(options: &DbOptions) -> Result<Db, DbErr> {
        let mut opts = ConnectOptions::new(options.url.clone());
        opts.max_connections(options.max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        if options.url.starts_with("sqlite:") {
            ensure_sqlite_dir(&options.url);
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        } else if let Some(timeout) = options.statement_timeout {
            opts.statement_timeout(timeout);
        }
        let conn = sea_orm::Database::connect(opts).await?;
        Ok(Db::from_connection(conn))
    }

    pub fn from_connection(conn: DatabaseConnection) -> Db {
        let write_gate = (conn.get_database_backend() == DatabaseBackend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Db { conn, write_gate }
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    /// Starts a write: one transaction that the change and its audit record
    /// share, so both commit or neither does.
    pub async fn begin_write(&self) -> AppResult<Write> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        let txn = self.conn.begin().await?;
        if self.backend() == DatabaseBackend::Postgres {
            // The audit chain needs its entries appended one at a time across
            // every instance; the lock is released at commit or rollback.
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7400401)").await?;
        }
        Ok(Write { txn, _gate: gate })
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }
}

/// An open write transaction (and, on SQLite, the writer's turn).
pub struct Write {
    pub txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl Write {
    pub async fn commit(self) -> AppResult<()> {
        self.txn.commit().await?;
        Ok(())
    }
}

fn ensure_sqlite_dir(url: &str) {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return;
    }
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
        && let Err(err) = std::fs::create_dir_all(dir)
    {
        tracing::warn!(dir = %dir.display(), %err, "cannot create the database directory");
    }
}
