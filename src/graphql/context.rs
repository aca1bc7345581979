//! What a resolver can reach: the database, the caller and the per-request
//! loaders. Accessors return typed errors, never panic.

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};

use super::loaders::OrgLoader;
use crate::config::Limits;
use crate::db::Db;
use crate::domain::{Operation, Principal, Reach};
use crate::error::{AppError, AppResult};

/// Request-scoped data: who is calling and the loaders bound to their reach.
pub struct RequestContext {
    pub principal: Option<Principal>,
    pub db: Db,
    /// Loads organisation records within the caller's read reach.
    pub org: DataLoader<OrgLoader, HashMapCache>,
}

impl RequestContext {
    pub fn new(db: Db, principal: Option<Principal>) -> RequestContext {
        let reach_for = |op: Operation| {
            principal.as_ref().map(|p| p.reach_for(op.allowed_roles())).unwrap_or(Reach::Committees(Default::default()))
        };
        let loader = OrgLoader {
            db: db.clone(),
            reach: reach_for(Operation::ReadOrganisation),
            members: reach_for(Operation::ReadMembership),
        };
        let org = DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default());
        RequestContext { principal, db, org }
    }
}

fn missing(what: &str) -> AppError {
    AppError::internal(std::io::Error::other(format!("request context without {what}")))
}

pub fn request<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestContext> {
    ctx.data_opt::<RequestContext>().ok_or_else(|| missing("RequestContext"))
}

pub fn limits<'a>(ctx: &Context<'a>) -> AppResult<&'a Limits> {
    ctx.data_opt::<Limits>().ok_or_else(|| missing("Limits"))
}

/// The caller, or `UNAUTHENTICATED`.
pub fn viewer<'a>(ctx: &Context<'a>) -> AppResult<&'a Principal> {
    request(ctx)?.principal.as_ref().ok_or_else(|| AppError::Unauthenticated("a bearer token is required".into()))
}

/// The caller and their reach for `op`; `FORBIDDEN` if they hold no role for it.
pub fn authorize<'a>(ctx: &Context<'a>, op: Operation) -> AppResult<(&'a Principal, Reach)> {
    let principal = viewer(ctx)?;
    let reach = principal.reach_for(op.allowed_roles());
    if reach.is_empty() {
        return Err(AppError::Forbidden(format!("operation {} is not granted to this caller", op.name())));
    }
    Ok((principal, reach))
}

/// A field-level rule: the caller must hold a role for `op` somewhere (the
/// records themselves are then limited to its reach by the loaders).
pub fn require(ctx: &Context<'_>, op: Operation) -> AppResult<()> {
    authorize(ctx, op).map(|_| ())
}
