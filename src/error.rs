//! The one error type of the service and its mapping to GraphQL errors with a
//! stable `extensions.code`. User errors say what to fix; internal ones are
//! logged with an id and reach the client only as `INTERNAL` and that id.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

use crate::domain::org::Invalid;
use crate::domain::rules::Violation;

mod reason;
pub use reason::Reason;

/// What kind of error an error is (`extensions.code`), on every error the
/// server sends; `extensions.reason` ([`Reason`]) says more where there is
/// more to say. Stable: part of the API contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, async_graphql::Enum)]
#[graphql(name = "ErrorCode")]
pub enum Code {
    /// The request or an input is wrong; `extensions.field` names the argument when there is one.
    BadUserInput,
    /// No such record within the caller's reach (one out of reach is answered the same way).
    NotFound,
    /// The write is refused as things stand (`extensions.reason` says why); nothing changed.
    Conflict,
    /// No valid bearer token (HTTP 401).
    Unauthenticated,
    /// The caller's grants do not allow this.
    Forbidden,
    /// Too many requests from this caller.
    RateLimited,
    /// The request ran out of time; what it wrote was committed whole or not at all.
    Timeout,
    /// The server is at capacity; retry after the `Retry-After` delay.
    Unavailable,
    /// A fault of the server; `extensions.errorId` ties it to the log.
    Internal,
}

impl Code {
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::RateLimited => "RATE_LIMITED",
            Code::Timeout => "TIMEOUT",
            Code::Unavailable => "UNAVAILABLE",
            Code::Internal => "INTERNAL",
        }
    }

    pub const ALL: [Code; 9] = [
        Code::BadUserInput,
        Code::NotFound,
        Code::Conflict,
        Code::Unauthenticated,
        Code::Forbidden,
        Code::RateLimited,
        Code::Timeout,
        Code::Unavailable,
        Code::Internal,
    ];

    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// An error a request path can end in.
///
/// Deliberately not `Display`: async-graphql converts anything displayable
/// into an error without a code, and every error must carry one. The one way
/// out is `From<AppError> for async_graphql::Error` below.
#[derive(Debug)]
pub enum AppError {
    /// The caller's input breaks a rule; `field` is its path in the arguments.
    BadUserInput {
        field: Vec<String>,
        message: String,
    },
    NotFound(&'static str),
    Conflict(Reason, String),
    /// A workflow step refused, with the steps the caller may take instead.
    Step {
        reason: Reason,
        /// The argument at fault (its path), if one is.
        field: Vec<String>,
        message: String,
        possible: Vec<&'static str>,
    },
    /// The record changed since the caller read it (`expectedVersion` is stale).
    StaleVersion {
        what: &'static str,
        current: i64,
    },
    /// PostgreSQL gave the write up to let a colliding one through (a
    /// deadlock or serialization failure); it may be run again.
    Transient(DbErr),
    Unauthenticated(String),
    Forbidden(String),
    /// The request ran out of time before this part of it could start.
    Timeout(String),
    /// Anything the caller cannot fix. The detail is logged, never sent.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: &[&str], message: impl Into<String>) -> Self {
        AppError::BadUserInput { field: field.iter().map(|s| (*s).to_owned()).collect(), message: message.into() }
    }

    /// A rule violation on one field, named relative to where it sits (a
    /// mutation's input: [`AppError::within`] puts it there).
    pub fn rule(invalid: Invalid) -> Self {
        AppError::BadUserInput {
            field: vec![invalid.field.to_owned()],
            message: format!("{}: {}", invalid.field, invalid.message),
        }
    }

    /// The error with its field path under the argument `arg`: services and
    /// the domain name fields relative to the input they were given, and
    /// the GraphQL layer, which knows the argument, places them.
    pub fn within(self, arg: &str) -> Self {
        match self {
            AppError::BadUserInput { mut field, message } => {
                field.insert(0, arg.to_owned());
                AppError::BadUserInput { field, message }
            }
            AppError::Step { reason, mut field, message, possible } => {
                if !field.is_empty() {
                    field.insert(0, arg.to_owned());
                }
                AppError::Step { reason, field, message, possible }
            }
            other => other,
        }
    }

    /// A rule violation on a field of the argument `arg` (usually `input`).
    pub fn invalid(arg: &str, invalid: Invalid) -> Self {
        AppError::BadUserInput {
            field: vec![arg.to_owned(), invalid.field.to_owned()],
            message: format!("{}: {}", invalid.field, invalid.message),
        }
    }

    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal(Box::new(err))
    }

    /// A stored value this version does not know (a newer writer, a manual
    /// edit): never shown as some default, but an internal error logged with
    /// the row it was found in.
    pub fn unknown_stored(table: &str, id: i64, column: &str, value: &str) -> Self {
        AppError::internal(std::io::Error::other(format!("{table} {id} holds an unknown {column}: {value:?}")))
    }

    /// The message the client sees.
    pub fn message(&self) -> String {
        match self {
            AppError::BadUserInput { message, .. } => message.clone(),
            AppError::NotFound(what) => format!("{what} not found"),
            AppError::Conflict(_, m)
            | AppError::Step { message: m, .. }
            | AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::Timeout(m) => m.clone(),
            AppError::StaleVersion { what, current } => {
                format!("the {what} has changed since it was read; it is now at version {current}")
            }
            AppError::Transient(_) => "the write collided with concurrent writes; retry".to_owned(),
            AppError::Internal(_) => "internal error".to_owned(),
        }
    }

    /// The message with internal detail, for logs and the command line only.
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal(source) => format!("internal error: {source}"),
            other => other.message(),
        }
    }

    pub fn code(&self) -> Code {
        match self {
            AppError::BadUserInput { .. } => Code::BadUserInput,
            AppError::NotFound(_) => Code::NotFound,
            AppError::Conflict(..) | AppError::StaleVersion { .. } | AppError::Transient(_) => Code::Conflict,
            AppError::Step { reason, .. } => reason.code(),
            AppError::Unauthenticated(_) => Code::Unauthenticated,
            AppError::Forbidden(_) => Code::Forbidden,
            AppError::Timeout(_) => Code::Timeout,
            AppError::Internal(_) => Code::Internal,
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        // Constraint violations are the caller's doing (a code taken twice,
        // overlapping terms, a reference to a row that went away); say so
        // without the SQL, by the rule's name.
        if let Some(rule) = crate::db::constraints::violated(&err) {
            return rule.to_error();
        }
        if crate::db::constraints::is_transient(&err) {
            return AppError::Transient(err);
        }
        if crate::db::constraints::is_timeout(&err) {
            return AppError::Timeout("the request ran out of time in the database".into());
        }
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict(Reason::Duplicate, "a record with the same unique value already exists".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                AppError::Conflict(Reason::Inconsistent, "a referenced record does not exist".into())
            }
            _ => AppError::internal(err),
        }
    }
}

impl From<Violation> for AppError {
    fn from(v: Violation) -> Self {
        if v.is_conflict() {
            let reason = match v {
                Violation::CommitteeInactive { .. } => Reason::Closed,
                _ => Reason::Inconsistent,
            };
            return AppError::Conflict(reason, v.to_string());
        }
        match v.field() {
            Some(field) => AppError::bad_input(&[field], v.to_string()),
            None => AppError::bad_input(&[], v.to_string()),
        }
    }
}

/// Builds a GraphQL error with a code (and optional reason) in its extensions.
pub fn graphql_error(code: Code, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let code = err.code();
        match err {
            AppError::BadUserInput { field, message } => graphql_error(code, message).extend_with(|_, e| {
                e.set("field", field);
            }),
            AppError::Internal(source) => {
                let id = error_id();
                // Debug-formatted: the detail may quote request values, and must not start a new log line.
                tracing::error!(error.id = %id, error = ?source.to_string(), "internal error");
                graphql_error(code, format!("internal error (id {id})")).extend_with(|_, e| e.set("errorId", id))
            }
            AppError::StaleVersion { current, .. } => graphql_error(code, err.message()).extend_with(|_, e| {
                e.set("reason", Reason::StaleVersion.as_str());
                e.set("currentVersion", current);
            }),
            AppError::Conflict(reason, message) => {
                graphql_error(code, message).extend_with(|_, e| e.set("reason", reason.as_str()))
            }
            AppError::Transient(_) => {
                graphql_error(code, err.message()).extend_with(|_, e| e.set("reason", Reason::ConcurrentWrite.as_str()))
            }
            AppError::Step { reason, field, message, possible } => graphql_error(code, message).extend_with(|_, e| {
                e.set("reason", reason.as_str());
                if !field.is_empty() {
                    e.set("field", field.clone());
                }
                e.set("possibleSteps", possible.clone());
            }),
            other => graphql_error(code, other.message()),
        }
    }
}

/// A short random id that ties a client-visible internal error to the log line.
pub fn error_id() -> String {
    use rand::Rng;
    let n: u64 = rand::rng().random();
    format!("{n:016x}")
}
