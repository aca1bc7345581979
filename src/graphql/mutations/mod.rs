//! The root `Mutation`, one convention for every write (GitHub's, which
//! client tooling expects): each mutation takes one argument, `input:
//! <Mutation>Input!`, holding the record's ID, `expectedVersion` on a write
//! to a versioned record, `idempotencyKey` and `clientMutationId`; each
//! returns `<Mutation>Payload` with `clientMutationId`, the record written
//! and every record whose state the write changed. A schema test holds
//! every mutation, present and future, to it.
//!
//! A resolver here parses its input into domain values and hands them to
//! the service, which checks the caller's grants, decides, writes and
//! audits in one transaction. Errors name their field relative to the
//! input; [`run`] puts them under `input`, the one place an error becomes
//! an argument path.

mod audit;
mod cases;
mod org;

use async_graphql::{Context, InputObject, Result};
use serde_json::Value as Json;

use super::context;
use crate::domain::org::Invalid;
use crate::error::{AppError, AppResult};
use crate::service::idempotency::{Idempotency, KEY_MAX, Written};

pub use cases::DisciplineOwnerInput;

/// Every write.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(pub org::OrgMutation, pub audit::AuditMutation, pub cases::CaseMutation);

/// The fields every mutation's input has (flattened into each).
#[derive(InputObject, Clone, Debug, Default)]
#[graphql(name = "MutationMetaInput")]
pub struct Meta {
    /// Any string of yours (at most 200 characters), returned as given in
    /// the payload's `clientMutationId`, to match an answer to its request.
    pub client_mutation_id: Option<String>,
    /// Makes the write safe to repeat: the same key with the same input
    /// returns the first result and writes nothing (for 24 hours, on any
    /// instance); with other input, or other grants, it is a `CONFLICT`
    /// (`KEY_REUSED`). A repeat passes the checks a first request passes.
    pub idempotency_key: Option<String>,
}

/// What a resolver keeps of [`Meta`]: the client's id, and the key with a
/// hash of the rest of the input.
pub struct Sent {
    pub client_mutation_id: Option<String>,
    pub idem: Option<Idempotency>,
}

impl Sent {
    pub fn idem(&self) -> Option<&Idempotency> {
        self.idem.as_ref()
    }
}

fn bounded(field: &'static str, value: Option<String>) -> AppResult<Option<String>> {
    match value {
        Some(v) if v.is_empty() || v.chars().count() > KEY_MAX || v.chars().any(char::is_control) => {
            Err(AppError::bad_input(&[field], format!("must be 1 to {KEY_MAX} characters without control characters")))
        }
        other => Ok(other),
    }
}

/// Checks the meta fields of `operation`'s input and hashes the input for
/// its idempotency key: the whole `input` argument as sent (variables
/// resolved), less the key and `clientMutationId`, which do not make a
/// request another.
pub fn sent(ctx: &Context<'_>, meta: Meta, operation: &'static str) -> AppResult<Sent> {
    let client_mutation_id = bounded("clientMutationId", meta.client_mutation_id)?;
    let Some(key) = bounded("idempotencyKey", meta.idempotency_key)? else {
        return Ok(Sent { client_mutation_id, idem: None });
    };
    let args = ctx.field().arguments().map_err(|e| AppError::bad_input(&[], e.message))?;
    let mut input = match args.into_iter().find(|(name, _)| name.as_str() == "input") {
        Some((_, value)) => value.into_json().map_err(AppError::internal)?,
        None => Json::Null,
    };
    if let Json::Object(map) = &mut input {
        map.remove("idempotencyKey");
        map.remove("clientMutationId");
    }
    let idem = Idempotency::new(key, operation, &input, context::viewer(ctx)?);
    Ok(Sent { client_mutation_id, idem: Some(idem) })
}

/// The records a write returns. A repeat (same idempotency key) returns
/// the first write's records as they were then, and the response says so:
/// its `extensions.replayed` lists the response keys answered that way.
pub fn written<T>(ctx: &Context<'_>, written: Written<T>) -> AppResult<T> {
    let (value, repeat) = written.into_parts();
    if repeat {
        let key = ctx.item.node.response_key().node.to_string();
        context::request(ctx)?.replayed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(key);
    }
    Ok(value)
}

/// Runs a mutation's body: its errors name fields of `input`.
pub async fn run<T>(body: impl std::future::Future<Output = AppResult<T>>) -> Result<T> {
    body.await.map_err(|e| e.within("input").into())
}

/// A domain rule's verdict on one input field.
pub fn check<T>(result: std::result::Result<T, Invalid>) -> AppResult<T> {
    result.map_err(AppError::rule)
}
