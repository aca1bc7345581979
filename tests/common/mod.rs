//! Test harness: every test gets its own database (an SQLite file, or a fresh
//! PostgreSQL database when `TEST_DATABASE_URL` is set), the real router on
//! an ephemeral port, and a counter of the SQL statements it runs.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use steerql::app::Application;
use steerql::auth::{self, Verifier};
use steerql::config::{AuthArgs, Limits, TokenAlgorithm};
use steerql::db::Db;
use steerql::domain::{Grant, Principal, PrincipalKind};
use steerql::service::audit::AuditKeeper;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// How a test app is set up.
pub struct Options {
    pub seed: bool,
    pub limits: Limits,
    pub auth: AuthArgs,
}

impl Default for Options {
    fn default() -> Self {
        Options { seed: true, limits: Limits::default(), auth: auth_args() }
    }
}

pub fn auth_args() -> AuthArgs {
    AuthArgs {
        jwt_secret: Some(SECRET.into()),
        jwt_public_key: None,
        jwt_jwks: None,
        jwt_algorithms: vec![TokenAlgorithm::RS256, TokenAlgorithm::ES256, TokenAlgorithm::EdDSA],
        jwt_issuer: None,
        jwt_audience: None,
        jwt_leeway: 30,
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub url: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub statements: Arc<Recorder>,
    pub database: DatabaseGuard,
    /// The instance's audit signer and verifier.
    pub audit: Arc<AuditKeeper>,
    /// The server's shared state (its budgets, to wait for its work to end).
    pub state: steerql::http::AppState,
}

/// Removes the test's database when the test ends.
pub enum DatabaseGuard {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl DatabaseGuard {
    /// The URL of the test's database, for a subprocess (the CLI) to open.
    pub fn url(&self) -> String {
        match self {
            DatabaseGuard::Sqlite(dir) => format!("sqlite://{}?mode=rw", dir.path().join("test.db").display()),
            DatabaseGuard::Postgres { admin_url, name } => {
                let (base, _) = admin_url.rsplit_once('/').expect("a database URL with a path");
                format!("{base}/{name}")
            }
        }
    }
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        if let DatabaseGuard::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async; a short-lived runtime on its own thread does the I/O.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn unique_name() -> String {
    use rand::Rng;
    format!("steerql_test_{:016x}", rand::rng().random::<u64>())
}

/// Which database the suite runs on, for test output.
pub fn database_kind() -> &'static str {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => "PostgreSQL",
        _ => "SQLite",
    }
}

/// Makes every failing test say which database it ran on.
/// For a test marked `#[ignore]` because it needs PostgreSQL: SQLite runs
/// list it as ignored, and one that is run on SQLite anyway fails instead of
/// passing without having tested anything.
pub fn require_postgres() {
    assert_eq!(
        database_kind(),
        "PostgreSQL",
        "this test needs PostgreSQL: TEST_DATABASE_URL=postgres://… cargo test -- --include-ignored"
    );
}

fn announce_database() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            eprintln!("(this test ran on {})", database_kind());
            default(info);
        }));
    });
}

/// Counts the statements a test's database runs and keeps the latest 64.
#[derive(Default)]
pub struct Recorder {
    pub count: AtomicUsize,
    pub recent: std::sync::Mutex<std::collections::VecDeque<String>>,
}

/// A connection to a fresh, migrated database, counting its statements.
pub async fn fresh_database() -> (Db, Arc<Recorder>, DatabaseGuard) {
    fresh_database_with(false).await
}

/// A fresh, migrated database, with the demo data if `demo`. On PostgreSQL
/// it is a copy of a template database built once per version of the
/// migrations and demo data, which is much faster than migrating per test.
pub async fn fresh_database_with(demo: bool) -> (Db, Arc<Recorder>, DatabaseGuard) {
    announce_database();
    let (url, guard, ready) = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let template = postgres_template(&admin_url, demo).await;
            let name = unique_name();
            let admin = Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (base, _) = admin_url.rsplit_once('/').expect("a database URL with a path");
            (format!("{base}/{name}"), DatabaseGuard::Postgres { admin_url, name }, true)
        }
        _ => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, DatabaseGuard::Sqlite(dir), false)
        }
    };
    let options = steerql::db::DbOptions { url, max_connections: 8, statement_timeout: None };
    let db = Db::connect(&options).await.expect("open the test database");
    if !ready {
        db.migrate().await.expect("migrate");
        if demo {
            let write = db.begin_write().await.unwrap();
            steerql::service::demo::load(&write.txn).await.unwrap();
            write.commit().await.unwrap();
        }
    }
    let statements = Arc::new(Recorder::default());
    let recorder = statements.clone();
    let mut conn = db.conn.clone();
    conn.set_metric_callback(move |info| {
        recorder.count.fetch_add(1, Ordering::SeqCst);
        let mut recent = recorder.recent.lock().unwrap();
        if recent.len() == 64 {
            recent.pop_front();
        }
        recent.push_back(info.statement.to_string());
    });
    (Db::from_connection(conn), statements, guard)
}

/// A fingerprint of what a template holds: every source the migrations and
/// the demo data come from (the demo cases are written by the services, so
/// that is all of `src`, `entity` and `migration`), as they read now, so an
/// edited source gets a new template.
fn template_fingerprint() -> String {
    use sha2::Digest;
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "entity/src", "migration/src"] {
        walk(&root.join(dir), &mut files);
    }
    files.sort();
    let mut h = sha2::Sha256::new();
    for f in files {
        h.update(std::fs::read(&f).unwrap());
    }
    hex::encode(h.finalize())[..16].to_owned()
}

/// The name of a migrated (and, if `demo`, seeded) template database,
/// building it if no test process has yet. Built under an advisory lock and
/// published by renaming, so concurrent test processes never copy a half-built one.
async fn postgres_template(admin_url: &str, demo: bool) -> String {
    static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let fingerprint = template_fingerprint();
    let name = format!("steerql_tpl_{fingerprint}_{}", if demo { "demo" } else { "empty" });
    let _one_thread = BUILDING.lock().await;
    let admin = Database::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
    let exists = |admin: &sea_orm::DatabaseConnection, name: String| {
        let admin = admin.clone();
        async move {
            admin
                .query_one_raw(sea_orm::Statement::from_string(
                    admin.get_database_backend(),
                    format!("SELECT 1 AS one FROM pg_database WHERE datname = '{name}'"),
                ))
                .await
                .unwrap()
                .is_some()
        }
    };
    if !exists(&admin, name.clone()).await {
        admin.execute_unprepared("SELECT pg_advisory_lock(7400402)").await.unwrap();
        if !exists(&admin, name.clone()).await {
            let building = format!("{name}_building");
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)")).await.unwrap();
            admin.execute_unprepared(&format!("CREATE DATABASE \"{building}\"")).await.unwrap();
            let (base, _) = admin_url.rsplit_once('/').unwrap();
            let options = steerql::db::DbOptions {
                url: format!("{base}/{building}"),
                max_connections: 2,
                statement_timeout: None,
            };
            let db = Db::connect(&options).await.unwrap();
            db.migrate().await.expect("migrate the template");
            if demo {
                let write = db.begin_write().await.unwrap();
                steerql::service::demo::load(&write.txn).await.unwrap();
                write.commit().await.unwrap();
            }
            db.conn.execute_unprepared("ANALYZE").await.unwrap();
            db.conn.close().await.unwrap();
            admin.execute_unprepared(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"")).await.unwrap();
            // Templates of other versions of the migrations are of no more use.
            let stale = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    admin.get_database_backend(),
                    format!("SELECT datname FROM pg_database WHERE datname LIKE 'steerql_tpl_%' AND datname NOT LIKE 'steerql_tpl_{fingerprint}_%'"),
                ))
                .await
                .unwrap();
            for row in stale {
                let old: String = row.try_get("", "datname").unwrap();
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{old}\" WITH (FORCE)")).await;
            }
        }
        admin.execute_unprepared("SELECT pg_advisory_unlock(7400402)").await.unwrap();
    }
    admin.close().await.ok();
    name
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        let (db, statements, guard) = fresh_database_with(options.seed).await;
        let verifier = Verifier::new(&options.auth, options.auth.jwt_secret.as_deref().map(str::as_bytes)).unwrap();
        let audit = Arc::new(AuditKeeper::ephemeral());
        let app = Application::build_with(
            db.clone(),
            options.limits,
            verifier,
            audit.clone(),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let addr = app.addr().unwrap();
        let state = app.state.clone();
        tokio::spawn(app.serve(std::future::pending()));
        statements.count.store(0, Ordering::SeqCst);
        TestApp {
            addr,
            state,
            url: format!("http://{addr}/graphql"),
            client: reqwest::Client::new(),
            db,
            statements,
            database: guard,
            audit,
        }
    }

    /// A token for `grants` (`ROLE@COMMITTEE`), signed with the test secret.
    pub fn token(&self, grants: &[&str]) -> String {
        token_for("tester", grants, false)
    }

    /// Posts a query as JSON with a bearer token.
    pub async fn post(&self, token: &str, query: &str, variables: Value) -> reqwest::Response {
        let body = json!({ "query": query, "variables": variables });
        self.client.post(&self.url).bearer_auth(token).json(&body).send().await.unwrap()
    }

    /// Posts a query as JSON with a bearer token; returns status and body.
    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> (StatusCode, Value) {
        let res = self.post(token, query, variables).await;
        let status = res.status();
        let body = res.json().await.unwrap();
        fields_name_arguments(query, &body);
        codes_are_documented(&body);
        (status, body)
    }

    /// Posts a query and returns the body as async-graphql's `Value`, whose
    /// objects keep their keys in the order the server sent them.
    pub async fn ordered(&self, token: &str, query: &str, variables: Value) -> async_graphql::Value {
        let res = self.post(token, query, variables).await;
        serde_json::from_str(&res.text().await.unwrap()).unwrap()
    }

    /// Like [`TestApp::gql`], asserting the response has no errors; returns `data`.
    pub async fn data(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Registers `n` fictitious people with committee `code`, in one statement.
    pub async fn add_people(&self, code: &str, n: u32) {
        use sea_orm::{ConnectionTrait, DbBackend};
        let pg = self.db.conn.get_database_backend() == DbBackend::Postgres;
        let (series, t, now) = if pg {
            (format!("generate_series(0, {}) AS n(i)", n - 1), "true", "now()")
        } else {
            (
                format!(
                    "(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {}) SELECT i FROM s) AS n",
                    n - 1
                ),
                "1",
                "'2024-01-01 00:00:00+00:00'",
            )
        };
        let sql = format!(
            "INSERT INTO person (full_name, search_name, party_member, home_committee_id, created_at, updated_at) \
             SELECT 'Volume ' || n.i, 'volume ' || n.i, {t}, c.id, {now}, {now} FROM {series}, committee c WHERE c.code = '{code}'"
        );
        self.db.conn.execute_unprepared(&sql).await.unwrap();
        if pg {
            self.db.conn.execute_unprepared("ANALYZE person").await.unwrap();
        }
    }

    /// Gives committee `code` a history of `seats` one-day member seats, held
    /// in turn by 2,000 fictitious people (so no two of one person's terms
    /// overlap), in three statements on either database.
    pub async fn add_seat_history(&self, code: &str, seats: u32) {
        use sea_orm::{ConnectionTrait, DbBackend};
        let conn = &self.db.conn;
        let pg = conn.get_database_backend() == DbBackend::Postgres;
        let series = |n: u32| {
            if pg {
                format!("(SELECT i FROM generate_series(0, {}) AS i) AS n", n - 1)
            } else {
                format!(
                    "(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {}) SELECT i FROM s) AS n",
                    n - 1
                )
            }
        };
        let (now, day) = if pg {
            ("now()".to_owned(), "(c.established_on + 1 + n.i / 2000)".to_owned())
        } else {
            (
                "'2024-01-01 00:00:00+00:00'".to_owned(),
                "date(c.established_on, '+' || (1 + n.i / 2000) || ' days')".to_owned(),
            )
        };
        let people = format!(
            "INSERT INTO person (full_name, search_name, party_member, home_committee_id, created_at, updated_at) \
             SELECT 'History ' || n.i, 'history ' || n.i, {t}, c.id, {now}, {now} FROM {series}, committee c WHERE c.code = '{code}'",
            t = if pg { "true" } else { "1" },
            series = series(2000),
        );
        conn.execute_unprepared(&people).await.unwrap();
        let seats_sql = format!(
            "INSERT INTO position (person_id, committee_id, role, standing, title, start_on, end_on, created_at, updated_at) \
             SELECT h.id, c.id, 'MEMBER', {f}, 'Member', {day}, {day}, {now}, {now} \
             FROM {series} \
             JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM person WHERE full_name LIKE 'History %') h \
               ON h.k = n.i % 2000 \
             JOIN committee c ON c.code = '{code}'",
            f = if pg { "false" } else { "0" },
            series = series(seats),
        );
        conn.execute_unprepared(&seats_sql).await.unwrap();
        if pg {
            conn.execute_unprepared("ANALYZE position").await.unwrap();
        }
    }

    /// Another instance of the server on this test's database, with a pool
    /// of its own (PostgreSQL: several instances on one database is the
    /// scale-out path); its GraphQL URL.
    pub async fn second_instance(&self) -> String {
        self.instance_with(Limits::default()).await
    }

    /// Another instance on this test's database with `limits`, its pool
    /// opened exactly as `steerql serve` opens it; its GraphQL URL.
    pub async fn instance_with(&self, limits: Limits) -> String {
        let options = steerql::db::DbOptions::serving(self.database.url(), 8, &limits);
        let db = Db::connect(&options).await.unwrap();
        let verifier = Verifier::new(&auth_args(), Some(SECRET.as_bytes())).unwrap();
        let second = Application::build_with(
            db,
            limits,
            verifier,
            Arc::new(AuditKeeper::ephemeral()),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let url = format!("http://{}/graphql", second.addr().unwrap());
        tokio::spawn(second.serve(std::future::pending()));
        url
    }

    /// The number of rows `sql` (a `SELECT COUNT(*) AS n …`) counts.
    pub async fn count(&self, sql: &str) -> i64 {
        let conn = &self.db.conn;
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    pub fn statements(&self) -> usize {
        self.statements.count.load(Ordering::SeqCst)
    }

    pub fn reset_statements(&self) {
        self.statements.count.store(0, Ordering::SeqCst);
        self.statements.recent.lock().unwrap().clear();
    }

    /// The statements run since [`TestApp::reset_statements`] (the latest 64),
    /// values inlined.
    pub fn recent_statements(&self) -> Vec<String> {
        self.statements.recent.lock().unwrap().iter().cloned().collect()
    }

    /// The database's plan for `sql`: PostgreSQL's `EXPLAIN (ANALYZE,
    /// BUFFERS)` or SQLite's `EXPLAIN QUERY PLAN`, as text.
    pub async fn plan(&self, sql: &str) -> String {
        use sea_orm::{ConnectionTrait, DbBackend};
        let backend = self.db.conn.get_database_backend();
        let explain = match backend {
            DbBackend::Postgres => format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
            _ => format!("EXPLAIN QUERY PLAN {sql}"),
        };
        let rows = self.db.conn.query_all_raw(sea_orm::Statement::from_string(backend, explain)).await.unwrap();
        let column = if backend == DbBackend::Postgres { "QUERY PLAN" } else { "detail" };
        rows.iter().map(|r| r.try_get::<String>("", column).unwrap()).collect::<Vec<_>>().join("\n")
    }

    /// The global ID of a committee, by code.
    pub async fn committee_id(&self, code: &str) -> String {
        let admin = self.token(&["ADMIN@CENTRAL"]);
        let data =
            self.data(&admin, "query($c: String!) { committeeByCode(code: $c) { id } }", json!({ "c": code })).await;
        data["committeeByCode"]["id"].as_str().unwrap().to_owned()
    }
}

pub fn token_for(sub: &str, grants: &[&str], service: bool) -> String {
    token_with_agency(sub, grants, service, None)
}

/// A token whose `AGENCY` roles act for `agency` (a global ID).
pub fn token_with_agency(sub: &str, grants: &[&str], service: bool, agency: Option<&str>) -> String {
    let principal = Principal {
        subject: sub.into(),
        name: Some("Test User".into()),
        kind: if service { PrincipalKind::Service } else { PrincipalKind::Person },
        grants: grants.iter().map(|g| g.parse::<Grant>().unwrap()).collect(),
        agency: agency.map(|a| steerql::graphql::ids::decode_any(a).unwrap().1),
    };
    auth::issue(SECRET.as_bytes(), &principal, std::time::Duration::from_secs(600), None, None).unwrap()
}

/// The `extensions.code` of the first error.
pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

/// The schema's object types by name, from introspection.
pub async fn object_types(app: &TestApp, token: &str) -> std::collections::HashMap<String, Value> {
    let q = "{ __schema { types { name kind fields { name args { name type { kind } } type { ...T } } } } }
             fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";
    let data = app.data(token, q, json!({})).await;
    let types = data["__schema"]["types"].as_array().unwrap().iter();
    types.filter(|t| t["kind"] == "OBJECT").map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone())).collect()
}

/// A selection of `field` reaching `depth` levels into object types: every
/// field there without required arguments (`first: 3` given where there
/// is a `first`); `__typename` where it stops.
pub fn selection(types: &std::collections::HashMap<String, Value>, field: &Value, depth: usize) -> String {
    let mut t = &field["type"];
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    let name = field["name"].as_str().unwrap();
    let args: Vec<&Value> = field["args"].as_array().unwrap().iter().collect();
    let head = if args.iter().any(|a| a["name"] == "first") { format!("{name}(first: 3)") } else { name.into() };
    if t["kind"] != "OBJECT" {
        return head;
    }
    if depth == 0 {
        return format!("{head} {{ __typename }}");
    }
    let inner: Vec<String> = types[t["name"].as_str().unwrap()]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["args"].as_array().unwrap().iter().all(|a| a["type"]["kind"] != "NON_NULL"))
        .map(|f| selection(types, f, depth - 1))
        .collect();
    format!("{head} {{ {} }}", inner.join(" "))
}

/// For each field of the schema (by name, over every type), its arguments
/// and their types; and each input object's fields and their types.
struct Signatures {
    arguments: std::collections::HashMap<String, Vec<(String, String)>>,
    inputs: std::collections::HashMap<String, Vec<(String, String)>>,
}

fn signatures() -> &'static Signatures {
    use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
    static SIGNATURES: std::sync::OnceLock<Signatures> = std::sync::OnceLock::new();
    fn named(ty: &Type) -> String {
        match &ty.base {
            BaseType::Named(name) => name.to_string(),
            BaseType::List(inner) => named(inner),
        }
    }
    SIGNATURES.get_or_init(|| {
        let sdl = include_str!("../../schema.graphql");
        let doc = async_graphql::parser::parse_schema(sdl).unwrap();
        let mut out = Signatures { arguments: Default::default(), inputs: Default::default() };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(ty) = def else { continue };
            let fields = match &ty.node.kind {
                TypeKind::Object(o) => &o.fields,
                TypeKind::Interface(i) => &i.fields,
                TypeKind::InputObject(input) => {
                    let fields = input.fields.iter().map(|f| (f.node.name.node.to_string(), named(&f.node.ty.node)));
                    out.inputs.insert(ty.node.name.node.to_string(), fields.collect());
                    continue;
                }
                _ => continue,
            };
            for field in fields {
                let args = field.node.arguments.iter().map(|a| (a.node.name.node.to_string(), named(&a.node.ty.node)));
                out.arguments.entry(field.node.name.node.to_string()).or_default().extend(args);
            }
        }
        out
    })
}

/// Every `extensions.field` a response carries names an argument of the
/// field the error is at (and, below it, fields of the argument's input
/// type), or a variable of the operation: a client can point at what to
/// fix. Checked on every response [`TestApp::gql`] reads (issue 21).
/// Every error carries a code of the schema's `ErrorCode`; every reason is
/// one of `ErrorReason`, under its own code; every `CONFLICT` says why.
pub fn codes_are_documented(body: &Value) {
    use steerql::error::{Code, Reason};
    for err in body["errors"].as_array().into_iter().flatten() {
        let ext = &err["extensions"];
        let code = ext["code"].as_str().and_then(Code::parse);
        let code = code.unwrap_or_else(|| panic!("an error without a known code: {err}"));
        match ext["reason"].as_str() {
            Some(reason) => {
                let reason =
                    Reason::parse(reason).unwrap_or_else(|| panic!("a reason the schema does not list: {err}"));
                assert_eq!(reason.code(), code, "a reason under another code: {err}");
            }
            None => assert_ne!(code, Code::Conflict, "a CONFLICT without a reason: {err}"),
        }
    }
}

pub fn fields_name_arguments(query: &str, body: &Value) {
    use async_graphql::parser::types::{DocumentOperations, Selection, SelectionSet};
    let Some(errors) = body.get("errors").and_then(Value::as_array) else { return };
    let Ok(doc) = async_graphql::parser::parse_query(query) else { return };
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values().collect(),
    };
    let variables: Vec<String> = operations
        .iter()
        .flat_map(|op| op.node.variable_definitions.iter().map(|v| v.node.name.node.to_string()))
        .collect();
    // The field named `key` (an alias or a name) in `set`, through fragments.
    fn find<'a>(
        set: &'a SelectionSet,
        key: &str,
        doc: &'a async_graphql::parser::types::ExecutableDocument,
    ) -> Option<&'a async_graphql::parser::types::Field> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(f) => {
                let shown = f.node.alias.as_ref().unwrap_or(&f.node.name);
                (shown.node.as_str() == key).then_some(&f.node)
            }
            Selection::InlineFragment(i) => find(&i.node.selection_set.node, key, doc),
            Selection::FragmentSpread(s) => {
                doc.fragments.get(&s.node.fragment_name.node).and_then(|d| find(&d.node.selection_set.node, key, doc))
            }
        })
    }
    let sig = signatures();
    for error in errors {
        let Some(field) = error["extensions"]["field"].as_array() else { continue };
        let field: Vec<&str> = field.iter().filter_map(Value::as_str).collect();
        let Some(first) = field.first() else { continue };
        if first.strip_prefix('$').is_some_and(|name| variables.iter().any(|v| v == name)) {
            continue;
        }
        let path: Vec<&str> =
            error["path"].as_array().map(|p| p.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let at = operations.iter().find_map(|op| {
            let mut set = &op.node.selection_set.node;
            let mut found = None;
            for key in &path {
                let f = find(set, key, &doc)?;
                set = &f.selection_set.node;
                found = Some(f);
            }
            found
        });
        // A request error (no path) may be about any field of the operation.
        let candidates: Vec<&str> = match (path.is_empty(), at) {
            (true, _) => fields_of(&doc),
            (false, Some(at)) => vec![at.name.node.as_str()],
            (false, None) => {
                panic!("an error with extensions.field {field:?} but no field of the operation at its path: {error}")
            }
        };
        let mut ty = candidates
            .iter()
            .flat_map(|name| sig.arguments.get(*name).map(Vec::as_slice).unwrap_or(&[]))
            .find(|(name, _)| name == first)
            .map(|(_, ty)| ty.as_str())
            .unwrap_or_else(|| panic!("extensions.field {field:?} names no argument of {candidates:?}: {error}"));
        for segment in &field[1..] {
            if segment.parse::<usize>().is_ok() {
                continue;
            }
            let fields =
                sig.inputs.get(ty).unwrap_or_else(|| panic!("extensions.field {field:?}: {ty} has no fields: {error}"));
            ty = fields
                .iter()
                .find(|(name, _)| name == segment)
                .map(|(_, ty)| ty.as_str())
                .unwrap_or_else(|| panic!("extensions.field {field:?}: {ty} has no field `{segment}`: {error}"));
        }
    }
}

/// The names of every field the document selects.
fn fields_of(doc: &async_graphql::parser::types::ExecutableDocument) -> Vec<&str> {
    use async_graphql::parser::types::{Selection, SelectionSet};
    fn walk<'a>(set: &'a SelectionSet, out: &mut Vec<&'a str>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    out.push(f.node.name.node.as_str());
                    walk(&f.node.selection_set.node, out);
                }
                Selection::InlineFragment(i) => walk(&i.node.selection_set.node, out),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    for (_, op) in doc.operations.iter() {
        walk(&op.node.selection_set.node, &mut out);
    }
    for fragment in doc.fragments.values() {
        walk(&fragment.node.selection_set.node, &mut out);
    }
    out
}
