//! Persistence: connecting (SQLite or PostgreSQL), migrating, the write
//! transaction (one per write, with its audit record), reach-aware queries
//! per aggregate, the database's own rules ([`constraints`]) and the demo data.

pub mod agencies;
pub mod audit;
pub mod cases;
pub mod columns;
pub mod committees;
pub mod constraints;
pub mod demo_data;
pub mod facts;
pub mod idempotency;
pub mod page;
pub mod people;
pub mod positions;
pub mod reach;
pub mod seed;
pub mod statistics;

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, LockType};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QuerySelect, Select};
use sea_orm::{ConnectOptions, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::AppResult;

/// The database handle the service shares between requests.
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// SQLite has one writer at a time (per file, whatever we do); writes
    /// queue here rather than fail with "database is locked" after a busy
    /// timeout. PostgreSQL needs no gate: writes lock the rows they change.
    write_gate: Option<Arc<Mutex<()>>>,
    /// The writes of the request this handle serves, if any ([`Writes`]).
    writes: Option<Arc<Writes>>,
    /// The committees' calendar, which dates what is recorded "today".
    pub calendar: crate::domain::calendar::Calendar,
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

impl DbOptions {
    /// The pool a serving instance opens: no statement outlives the request
    /// that sent it (a timed-out request's abandoned statements are cancelled
    /// by PostgreSQL itself once the request's time is up).
    pub fn serving(url: String, max_connections: u32, limits: &crate::config::Limits) -> DbOptions {
        DbOptions { url, max_connections, statement_timeout: Some(limits.request_timeout) }
    }
}

/// Rows in flight between a SQLite connection's thread and the request.
const SQLITE_ROW_CHANNEL: usize = 1024;

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
                    // Each pooled connection has its own page cache; read
                    // through a memory map, a page another connection already
                    // read is not copied in again by read(2) (that copying and
                    // the cache misses were most of a nested read's SQLite time).
                    .pragma("mmap_size", "268435456")
                    .pragma("cache_size", "-16384")
                    // sqlx hands rows from SQLite's thread to ours through a
                    // bounded channel (50 by default). Once it is full, every
                    // row taken wakes the blocked producer for one more: a
                    // pair of thread switches per row. Room for a whole page
                    // of nested rows (bounded still: one statement per
                    // connection) lets SQLite run through without stopping.
                    .row_buffer_size(SQLITE_ROW_CHANNEL)
            });
        } else if let Some(timeout) = options.statement_timeout {
            opts.statement_timeout(timeout);
        }
        let conn = sea_orm::Database::connect(opts).await?;
        Ok(Db::from_connection(conn))
    }

    pub fn from_connection(conn: DatabaseConnection) -> Db {
        let write_gate = (conn.get_database_backend() == DatabaseBackend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Db { conn, write_gate, writes: None, calendar: Default::default() }
    }

    /// This database, dating what it records in `calendar`.
    pub fn with_calendar(self, calendar: crate::domain::calendar::Calendar) -> Db {
        Db { calendar, ..self }
    }

    /// This database for one request, whose writes its timeout can stop
    /// without cutting one in the middle ([`Writes`]).
    pub fn for_request(&self) -> (Db, Arc<Writes>) {
        let writes = Arc::new(Writes::default());
        (Db { writes: Some(writes.clone()), ..self.clone() }, writes)
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    /// Starts a write: one transaction that the change and its audit record
    /// share, so both commit or neither does. Rows are locked as the write
    /// reads them ([`lock_clause`]), so writes to different records run in
    /// parallel and writes to one record take turns.
    ///
    /// For a request, a write once begun is not cancelled with it: see
    /// [`Writes`]. Waiting for SQLite's writer turn still is.
    pub async fn begin_write(&self) -> AppResult<Write> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        let under_way = match &self.writes {
            Some(writes) => Some(writes.enter()?),
            None => None,
        };
        let txn = self.conn.begin().await?;
        Ok(Write { txn, _gate: gate, _under_way: under_way })
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }
}

/// Runs `$body` (an expression using `$txn: &DatabaseTransaction`, which
/// may use `?`) in a write transaction of `$db` and commits it. When
/// PostgreSQL aborts it to resolve a deadlock or serialization failure with
/// another writer, nothing was committed, and it is run again (up to 3 times).
/// A macro rather than a function taking an async closure: the body borrows
/// the caller's values, which async closures cannot yet pass through `Send`.
#[macro_export]
macro_rules! in_transaction {
    ($db:expr, $txn:ident => $body:expr) => {{
        let mut attempt = 1u32;
        loop {
            let write = $db.begin_write().await?;
            let result: $crate::error::AppResult<_> = {
                let $txn = &write.txn;
                async { $body }.await
            };
            let result = match result {
                Ok(value) => write.commit().await.map(|()| value),
                Err(err) => {
                    write.rollback().await;
                    Err(err)
                }
            };
            match result {
                Err($crate::error::AppError::Transient(err)) if attempt < 3 => {
                    tracing::debug!(attempt, %err, "write collided with another; running it again");
                    attempt += 1;
                }
                other => break other,
            }
        }
    }};
}

/// An open write transaction (and, on SQLite, the writer's turn).
pub struct Write {
    pub txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
    _under_way: Option<UnderWay>,
}

/// The writes of one request. Dropping a write's future between `BEGIN`
/// and `COMMIT` (a timeout, a client gone) would hand its pooled connection
/// back with the transaction's end still unsent, or, if `BEGIN` itself was
/// cut off, with a transaction open that the driver does not know of, for
/// the next request to commit. So a request's timeout does not drop a write
/// under way: it [`stop`](Writes::stop)s the request from beginning
/// another, waits until the one under way has committed or rolled back
/// ([`settled`](Writes::settled)), and only then drops the rest (PostgreSQL's
/// `statement_timeout` bounds each of its statements). The HTTP layer runs
/// each request in a task of its own, so a client that goes away does not
/// drop a write either.
#[derive(Debug)]
pub struct Writes(tokio::sync::watch::Sender<WritesState>);

#[derive(Clone, Copy, Debug, Default)]
pub struct WritesState {
    stopped: bool,
    under_way: usize,
}

impl Default for Writes {
    fn default() -> Self {
        Writes(tokio::sync::watch::Sender::new(WritesState::default()))
    }
}

impl Writes {
    fn enter(self: &Arc<Self>) -> AppResult<UnderWay> {
        let mut entered = false;
        self.0.send_if_modified(|state| {
            if !state.stopped {
                state.under_way += 1;
                entered = true;
            }
            entered
        });
        if entered {
            Ok(UnderWay(self.clone()))
        } else {
            Err(crate::error::AppError::Timeout("the request ran out of time before this write could begin".into()))
        }
    }

    /// No write of this request may begin from now on.
    pub fn stop(&self) {
        self.0.send_modify(|state| state.stopped = true);
    }

    /// Resolves once no write of this request is under way.
    pub async fn settled(&self) {
        let mut watch = self.0.subscribe();
        let _ = watch.wait_for(|state| state.under_way == 0).await;
    }
}

/// A write of a request, from `BEGIN` to its end.
struct UnderWay(Arc<Writes>);

impl Drop for UnderWay {
    fn drop(&mut self) {
        self.0.0.send_modify(|state| state.under_way -= 1);
    }
}

impl Write {
    pub async fn commit(self) -> AppResult<()> {
        self.txn.commit().await?;
        Ok(())
    }

    /// Ends the write without its changes, now rather than when the
    /// connection is next used (a failed rollback closes the connection).
    pub async fn rollback(self) {
        if let Err(err) = self.txn.rollback().await {
            tracing::warn!(%err, "cannot roll a write back");
        }
    }
}

/// Locks the rows `select` reads until the write ends (PostgreSQL's `FOR NO
/// KEY UPDATE`, which still lets other writes reference them by foreign key).
/// SQLite has no row locks; its writes take turns on the write gate.
pub fn for_update<E: EntityTrait>(select: Select<E>) -> Select<E> {
    select.lock(LockType::NoKeyUpdate)
}

/// `LIKE` needs its wildcards escaped when the pattern comes from a user.
fn contains_pattern(text: &str) -> String {
    let folded = crate::domain::org::search_key(text);
    let escaped = folded.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Rows whose search column contains `text`, ignoring case and diacritics.
fn search_contains(col: impl ColumnTrait, text: &str) -> Condition {
    // Qualified, so a statement that joins another table stays unambiguous.
    Condition::all().add(Expr::col((col.entity_name(), col)).like(LikeExpr::new(contains_pattern(text)).escape('\\')))
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
