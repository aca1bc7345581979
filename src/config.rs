//! Configuration: one `clap` tree, every option a flag and an environment
//! variable, parsed once in `main` and passed down. Secrets are never logged.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::domain::Grant;

/// steerql: the GraphQL system of record for anti-corruption steering committees.
#[derive(Parser, Debug)]
#[command(name = "steerql", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, the default command.
    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Cli {
    /// Parses the command line (exits with the help or an error, as clap does).
    pub fn parse_args() -> Cli {
        let matches = command().get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
    }

    /// Parses `argv` (for tests).
    pub fn try_parse_args<I, T>(argv: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::from_arg_matches(&command().try_get_matches_from(argv)?)
    }
}

/// The global options each subcommand reads; the others are hidden from its
/// `--help` (they are still accepted anywhere, so `steerql --data-dir x migrate
/// up` works). `serve` and the bare command read them all.
const SUBCOMMAND_OPTIONS: &[(&str, &[&str])] = &[
    ("migrate", &["database_url", "data_dir", "log"]),
    ("seed-demo", &["database_url", "data_dir", "log", "time_zone"]),
    ("print-schema", &[]),
    ("permissions", &[]),
    ("workflow", &[]),
    ("figures", &[]),
    ("limits", &[]),
    ("token", &["database_url", "data_dir", "log", "jwt_secret", "jwt_issuer", "jwt_audience"]),
    ("audit-key", &["data_dir"]),
];

/// The clap command, with each subcommand's help showing only its own options.
pub fn command() -> clap::Command {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let globals: Vec<clap::Arg> = cmd.get_arguments().filter(|a| a.is_global_set()).cloned().collect();
    for (name, used) in SUBCOMMAND_OPTIONS {
        cmd = cmd.mut_subcommand(*name, |mut sub| {
            // A subcommand's own (hidden) copy of a global option stands in
            // for the one clap would propagate into it.
            for arg in globals.iter().filter(|a| !used.contains(&a.get_id().as_str())) {
                sub = sub.arg(arg.clone().hide(true));
            }
            sub
        });
    }
    cmd
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve(Box<ServeArgs>),
    /// Apply, revert or list schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Load the demo data (committees, officials, fictitious cases) into an
    /// empty database; `--cases N` then adds N generated cases (benchmarks).
    SeedDemo {
        /// Generated cases to add (also to a database already seeded).
        #[arg(long, default_value_t = 0)]
        cases: usize,
    },
    /// Print the GraphQL schema (SDL) the server serves; needs no database.
    PrintSchema,
    /// Print the permission table (role × operation) as Markdown.
    Permissions,
    /// Print the case workflows (steps, states, roles, requirements) as Markdown.
    Workflow,
    /// Print the figures statistics report and what each counts (Markdown, for docs/statistics.md).
    Figures,
    /// Print the request limits and their defaults as Markdown.
    Limits,
    /// Issue an HS256 token signed with the configured secret, for scripts and local use.
    Token(TokenArgs),
    /// Print the public key (hex) that verifies the audit checkpoints, for auditors (creates the key if missing).
    AuditKey {
        /// The signing key file (default: `audit-signing.key` in the data directory).
        #[arg(long, env = "STEERQL_AUDIT_KEY_FILE")]
        audit_key_file: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand, Debug, Clone, Copy)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Database URL: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST/DB`.
    /// Default: an SQLite file under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the embedded database and the generated token secret.
    #[arg(long, env = "STEERQL_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// Largest number of pooled database connections.
    #[arg(long, env = "STEERQL_DB_MAX_CONNECTIONS", default_value_t = 16, global = true)]
    pub db_max_connections: u32,
    /// Log filter, in `tracing` env-filter syntax (e.g. `info,steerql=debug`).
    /// (PostgreSQL's notices, such as "relation already exists, skipping" while
    /// migrating, are routine and shown only from `warn`.)
    #[arg(long, env = "STEERQL_LOG", default_value = "info,sqlx::postgres::notice=warn", global = true)]
    pub log: String,
    /// The committees' calendar (an IANA time zone): which day "today" is
    /// for a decision's effective date and a report's "as known on".
    #[arg(long, env = "STEERQL_TIME_ZONE", default_value = "Asia/Ho_Chi_Minh", global = true,
          value_parser = crate::domain::calendar::Calendar::parse)]
    pub time_zone: crate::domain::calendar::Calendar,
    #[command(flatten)]
    pub auth: AuthArgs,
}

impl GlobalArgs {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("steerql.db").display()))
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "STEERQL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Production profile: no GraphiQL, no introspection, no field suggestions.
    #[arg(long, env = "STEERQL_PRODUCTION")]
    pub production: bool,
    /// Do not load the demo data into an empty database on start.
    #[arg(long, env = "STEERQL_NO_DEMO_DATA")]
    pub no_demo_data: bool,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub audit: AuditArgs,
}

/// How the audit trail is checkpointed and verified.
#[derive(Args, Debug, Clone, Default)]
pub struct AuditArgs {
    /// The Ed25519 key that signs audit checkpoints (64 hex characters);
    /// created if missing. Keep it out of the database and share it between
    /// instances. Default: `audit-signing.key` in the data directory.
    #[arg(long, env = "STEERQL_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<std::path::PathBuf>,
    /// Sign a checkpoint of every audit chain this often when the trail has grown (0s: only on demand).
    #[arg(long, env = "STEERQL_AUDIT_CHECKPOINT_EVERY", default_value = "10m", value_parser = humantime::parse_duration)]
    pub audit_checkpoint_every: std::time::Duration,
    /// Verify the whole audit trail this often in the background (0s: only on demand).
    #[arg(long, env = "STEERQL_AUDIT_VERIFY_EVERY", default_value = "1h", value_parser = humantime::parse_duration)]
    pub audit_verify_every: std::time::Duration,
    /// Public keys (hex) of earlier or other signers whose checkpoints are trusted too.
    #[arg(long = "audit-trusted-key", env = "STEERQL_AUDIT_TRUSTED_KEYS", value_delimiter = ',')]
    pub audit_trusted_keys: Vec<String>,
}

/// Limits against abusive requests. Each one, when exceeded, is answered with
/// a GraphQL error that names it (`extensions.reason`), never a dropped
/// connection or a 500.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct Limits {
    /// Deepest nesting of selections a query may have.
    #[arg(long, env = "STEERQL_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,
    /// Highest complexity a query may have (each field counts 1; a list counts
    /// its `first`/`last` times what it selects).
    #[arg(long, env = "STEERQL_MAX_COMPLEXITY", default_value_t = 100_000)]
    pub max_complexity: usize,
    /// Most aliased fields in one operation.
    #[arg(long, env = "STEERQL_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most root fields in one operation.
    #[arg(long, env = "STEERQL_MAX_ROOT_FIELDS", default_value_t = 10)]
    pub max_root_fields: usize,
    /// Most directives on one field.
    #[arg(long, env = "STEERQL_MAX_DIRECTIVES", default_value_t = 5)]
    pub max_directives: usize,
    /// Deepest recursion the parser and validator follow (nested lists, objects, fragments).
    #[arg(long, env = "STEERQL_MAX_RECURSION", default_value_t = 32)]
    pub max_recursive_depth: usize,
    /// Largest `first`/`last` a connection accepts (at least 1 is required).
    #[arg(long, env = "STEERQL_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u32,
    /// Largest request body, in bytes.
    #[arg(long, env = "STEERQL_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "STEERQL_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Most request-body bytes held in memory at once across all requests; a body
    /// that would go over it is answered 503 with `Retry-After`.
    #[arg(long, env = "STEERQL_MAX_BUFFERED_BODY_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_buffered_body_bytes: usize,
    /// Largest request body without a bearer token (anonymous callers may only introspect).
    #[arg(long, env = "STEERQL_MAX_ANONYMOUS_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_anonymous_body_bytes: usize,
    /// Most request-body bytes without a bearer token held in memory at once (apart from the
    /// authenticated callers' budget); a body that would go over it is answered 503 with `Retry-After`.
    #[arg(long, env = "STEERQL_MAX_ANONYMOUS_BUFFERED_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_anonymous_buffered_body_bytes: usize,
    /// Longest a client without a bearer token may take to send a request's body.
    #[arg(long, env = "STEERQL_ANONYMOUS_BODY_READ_TIMEOUT", default_value = "2s", value_parser = humantime::parse_duration)]
    pub anonymous_body_read_timeout: Duration,
    /// Longest a request may run; its loaders and database statements are cancelled with it.
    #[arg(long, env = "STEERQL_REQUEST_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
    /// Longest a client may take to send a request's headers (and, kept alive, to start the next request).
    #[arg(long, env = "STEERQL_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_read_timeout: Duration,
    /// Longest a client may take to send a request's body.
    #[arg(long, env = "STEERQL_BODY_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub body_read_timeout: Duration,
    /// Most open connections that have sent a valid bearer token; a request authenticating one more is answered 503 with `Retry-After` and its connection closed.
    #[arg(long, env = "STEERQL_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Most open connections that have not (yet) sent a valid bearer token; one more closes the oldest that has stalled (answered 503 if it was between requests).
    #[arg(long, env = "STEERQL_MAX_ANONYMOUS_CONNECTIONS", default_value_t = 256)]
    pub max_anonymous_connections: usize,
    /// Most connections without a valid bearer token from one client address; one more closes that address's oldest that has stalled.
    #[arg(long, env = "STEERQL_MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS", default_value_t = 32)]
    pub max_anonymous_connections_per_address: usize,
    /// How long a new connection without a token is safe from being closed to make room for another (a caller sends its headers well within it; a stalled connection outlives it).
    #[arg(long, env = "STEERQL_ANONYMOUS_CONNECTION_GRACE", default_value = "250ms", value_parser = humantime::parse_duration)]
    pub anonymous_connection_grace: Duration,
    /// Most authenticated requests executing at once (a request still sending its body holds none); one more is answered 503 with `Retry-After`.
    #[arg(long, env = "STEERQL_MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,
    /// Most requests without a bearer token executing at once, apart from the authenticated ones; one more is answered 503 with `Retry-After`.
    #[arg(long, env = "STEERQL_MAX_ANONYMOUS_IN_FLIGHT", default_value_t = 16)]
    pub max_anonymous_in_flight: usize,
    /// Complexity from which an operation counts as costly and needs one of the costly-execution slots.
    #[arg(long, env = "STEERQL_COSTLY_COMPLEXITY", default_value_t = 1000)]
    pub costly_complexity: usize,
    /// Most costly operations executing at once, so cheap requests are never starved by them.
    // Four, not one per core: an operation holding a slot spends much of its
    // time waiting on the database; with two slots two cores stayed a quarter idle.
    #[arg(long, env = "STEERQL_MAX_COSTLY_EXECUTIONS", default_value_t = 4)]
    pub max_costly_executions: usize,
    /// Longest a costly operation waits for a slot before it is answered 503 with `Retry-After`.
    #[arg(long, env = "STEERQL_COSTLY_QUEUE_WAIT", default_value = "2s", value_parser = humantime::parse_duration)]
    pub costly_queue_wait: Duration,
    /// Answer introspection queries (always off with `--production`).
    #[arg(long, env = "STEERQL_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Suggest field names in validation errors (always off with `--production`).
    #[arg(long, env = "STEERQL_SUGGESTIONS", default_value_t = true, action = clap::ArgAction::Set)]
    pub suggestions: bool,
    /// Serve GraphiQL on GET /graphql (always off with `--production`).
    #[arg(long, env = "STEERQL_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,
}

/// The limits as clap defines them, for defaults and documentation.
fn limits_command() -> clap::Command {
    Limits::augment_args(clap::Command::new("limits").no_binary_name(true))
}

impl Default for Limits {
    /// The defaults declared on the flags above: passed explicitly, so the
    /// environment cannot change them (tests and `print-schema` rely on that).
    fn default() -> Self {
        let command = limits_command();
        let mut argv = Vec::new();
        for arg in command.get_arguments() {
            if let (Some(long), Some(default)) = (arg.get_long(), arg.get_default_values().first()) {
                argv.push(format!("--{long}"));
                argv.push(default.to_string_lossy().into_owned());
            }
        }
        let matches = command.try_get_matches_from(argv);
        #[expect(clippy::expect_used, reason = "the defaults are literals checked by a unit test")]
        let limits = matches.and_then(|m| Limits::from_arg_matches(&m)).expect("the declared limit defaults parse");
        limits
    }
}

/// The limits as a Markdown table (flag, environment variable, default,
/// meaning), for docs/configuration.md.
pub fn limits_markdown() -> String {
    let mut out = String::from("| flag | environment | default | meaning |\n|---|---|---|---|\n");
    for arg in limits_command().get_arguments() {
        let (Some(long), Some(env)) = (arg.get_long(), arg.get_env()) else { continue };
        let default = arg.get_default_values().first().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        out.push_str(&format!("| `--{long}` | `{}` | `{default}` | {help} |\n", env.to_string_lossy()));
    }
    out
}

impl Limits {
    /// The production profile turns off everything that helps an attacker map the API.
    pub fn production(mut self) -> Self {
        self.introspection = false;
        self.suggestions = false;
        self.graphiql = false;
        self
    }
}

/// Signature algorithms accepted for bearer tokens.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "verbatim")]
pub enum TokenAlgorithm {
    HS256,
    RS256,
    ES256,
    EdDSA,
}

#[derive(Args, Debug, Clone, Default)]
pub struct AuthArgs {
    /// Shared secret for HS256 tokens. Without it (and without public keys) a
    /// secret is generated on first start and kept in `<data-dir>/jwt-secret`.
    #[arg(long, env = "STEERQL_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// PEM file with the public key for RS256, ES256 or EdDSA tokens.
    #[arg(long, env = "STEERQL_JWT_PUBLIC_KEY", global = true)]
    pub jwt_public_key: Option<PathBuf>,
    /// JWKS file with public keys chosen by the token's `kid`; re-read when it changes.
    #[arg(long, env = "STEERQL_JWT_JWKS", global = true)]
    pub jwt_jwks: Option<PathBuf>,
    /// Algorithms accepted for tokens signed with the public keys (comma separated).
    #[arg(
        long,
        env = "STEERQL_JWT_ALGORITHMS",
        value_delimiter = ',',
        default_value = "RS256,ES256,EdDSA",
        global = true
    )]
    pub jwt_algorithms: Vec<TokenAlgorithm>,
    /// Required `iss` claim.
    #[arg(long, env = "STEERQL_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// Required `aud` claim.
    #[arg(long, env = "STEERQL_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// Clock leeway, in seconds, for `exp`, `nbf` and `iat`.
    #[arg(long, env = "STEERQL_JWT_LEEWAY", default_value_t = 30, global = true)]
    pub jwt_leeway: u64,
}

#[derive(Args, Debug, Clone)]
pub struct TokenArgs {
    /// The subject (`sub`): who the token speaks for.
    #[arg(long)]
    pub sub: String,
    /// Display name.
    #[arg(long)]
    pub name: Option<String>,
    /// A grant as ROLE@COMMITTEE, e.g. `STANDING@NGHE_AN`; repeatable.
    #[arg(long = "role", value_name = "ROLE@COMMITTEE")]
    pub grants: Vec<Grant>,
    /// Mark the token as a service account's.
    #[arg(long)]
    pub service: bool,
    /// The functional agency an `AGENCY` role acts for (its global ID, as
    /// `agencies` lists it).
    #[arg(long)]
    pub agency: Option<String>,
    /// Lifetime, e.g. `1h`, `30m`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        for argv in [
            &["steerql", "--data-dir", "elsewhere", "migrate", "up"][..],
            &["steerql", "migrate", "up", "--data-dir", "elsewhere"][..],
        ] {
            let cli = Cli::try_parse_args(argv).unwrap();
            assert_eq!(cli.global.data_dir, std::path::PathBuf::from("elsewhere"));
            assert!(matches!(cli.command, Some(Command::Migrate { action: MigrateAction::Up })));
        }
        let cli = Cli::try_parse_args(["steerql", "--listen", "127.0.0.1:9999"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.listen.port(), 9999);
    }

    #[test]
    fn each_subcommand_help_shows_only_the_options_it_reads() {
        // The help as `steerql SUB --help` prints it.
        let help = |sub: &str| command().try_get_matches_from(["steerql", sub, "--help"]).unwrap_err().to_string();
        let token = help("token");
        assert!(token.contains("--jwt-secret") && token.contains("--data-dir"), "{token}");
        assert!(!token.contains("--jwt-jwks") && !token.contains("--db-max-connections"), "{token}");
        let schema = help("print-schema");
        assert!(!schema.contains("--database-url") && !schema.contains("--jwt"), "{schema}");
        let migrate = help("migrate");
        assert!(migrate.contains("--database-url") && !migrate.contains("--jwt"), "{migrate}");
    }

    #[test]
    fn limit_defaults_come_from_the_flag_declarations() {
        let limits = Limits::default();
        assert_eq!(limits.max_page_size, 100);
        assert_eq!(limits.max_body_bytes, 2 * 1024 * 1024);
        assert_eq!(limits.request_timeout, Duration::from_secs(10));
        assert!(limits.introspection && !limits.clone().production().introspection);
        assert!(limits_markdown().contains("| `--max-depth` | `STEERQL_MAX_DEPTH` | `15` |"));
    }
}
