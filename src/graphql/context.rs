//! What a resolver can reach: the database, the caller and the per-request
//! loaders. Accessors return typed errors, never panic.

use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::runtime::TokioTimer;
use futures_util::future::BoxFuture;
use futures_util::task::{FutureObj, Spawn, SpawnError};
use tokio_util::sync::{CancellationToken, DropGuard};

use super::loaders::{CaseLoader, OrgLoader};
use super::pipeline::Budget;
use crate::config::Limits;
use crate::db::{Db, Writes};
use crate::domain::{Operation, Principal, Reach};
use crate::error::{AppError, AppResult};

/// Request-scoped data: who is calling, the loaders bound to their reach, and
/// what the pipeline keeps for the operation. Every transport builds one per
/// operation and passes it as request data to `schema.execute`. Cloning
/// shares it: the pipeline hands the same context from the checking schema to
/// the executing one (`pipeline`).
#[derive(Clone)]
pub struct RequestContext {
    shared: Arc<Shared>,
    /// The transport allows queries only (GraphQL over HTTP GET).
    pub read_only: bool,
}

/// What a [`RequestContext`] holds.
pub struct Shared {
    pub principal: Option<Principal>,
    pub db: Db,
    /// Loads organisation records within the caller's read reach.
    pub org: Loaders<OrgLoader>,
    /// Loads cases and their records within the caller's case scope.
    pub cases: Loaders<CaseLoader>,
    /// The complexity budget, shared by the operations of one batch.
    pub budget: Arc<Budget>,
    /// The operation's writes, which its timeout stops between writes, never within one.
    pub writes: Arc<Writes>,
    /// The response keys of mutation fields answered from an idempotency
    /// key's first result (`extensions.replayed`).
    pub replayed: std::sync::Mutex<Vec<String>>,
    /// Cancels the loader tasks this request spawned when it ends or times out.
    _cancel: DropGuard,
}

impl std::ops::Deref for RequestContext {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// A request's batch loader, whose `load_one` hands back a boxed future.
/// async-graphql sizes the future of every field of a type by its largest
/// resolver, so one resolver awaiting a loader inline (over half a kilobyte
/// of state) made every field of `Case`, `code` included, allocate and copy
/// that much; boxed, only the fields that load pay, and a pointer's worth.
pub struct Loaders<L>(DataLoader<L, HashMapCache>);

impl<L: Send + Sync + 'static> Loaders<L> {
    pub fn load_one<K>(&self, key: K) -> BoxFuture<'_, Result<Option<L::Value>, L::Error>>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        L: Loader<K>,
    {
        Box::pin(self.0.load_one(key))
    }
}

impl<L> std::ops::Deref for Loaders<L> {
    type Target = DataLoader<L, HashMapCache>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Spawns loader tasks that end with their request: a timed-out request
/// leaves nothing running behind it.
struct RequestSpawner(CancellationToken);

impl Spawn for RequestSpawner {
    fn spawn_obj(&self, future: FutureObj<'static, ()>) -> Result<(), SpawnError> {
        let token = self.0.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = token.cancelled() => {}
                () = future => {}
            }
        });
        Ok(())
    }
}

impl RequestContext {
    /// The context of one operation with its own complexity budget.
    pub fn new(db: Db, principal: Option<Principal>, limits: &Limits) -> RequestContext {
        RequestContext::in_batch(db, principal, Budget::new(limits.max_complexity))
    }

    /// The context of one operation of a batch sharing `budget`.
    pub fn in_batch(db: Db, principal: Option<Principal>, budget: Arc<Budget>) -> RequestContext {
        let (db, writes) = db.for_request();
        let reach_for = |op: Operation| {
            principal.as_ref().map(|p| p.reach_for(op.allowed_roles())).unwrap_or(Reach::Committees(Default::default()))
        };
        let loader = OrgLoader {
            db: db.clone(),
            reach: reach_for(Operation::ReadOrganisation),
            members: reach_for(Operation::ReadMembership),
        };
        let case_loader = CaseLoader {
            db: db.clone(),
            scope: principal
                .as_ref()
                .map(|p| crate::db::cases::CaseScope::of(p, Operation::ReadCases))
                .unwrap_or_else(crate::db::cases::CaseScope::nothing),
        };
        let cancel = CancellationToken::new();
        let org = DataLoader::with_cache(
            loader,
            RequestSpawner(cancel.clone()),
            TokioTimer::default(),
            HashMapCache::default(),
        );
        let cases = DataLoader::with_cache(
            case_loader,
            RequestSpawner(cancel.clone()),
            TokioTimer::default(),
            HashMapCache::default(),
        );
        let shared = Shared {
            principal,
            db,
            org: Loaders(org),
            cases: Loaders(cases),
            budget,
            writes,
            replayed: Default::default(),
            _cancel: cancel.drop_guard(),
        };
        RequestContext { shared: Arc::new(shared), read_only: false }
    }

    /// Allows queries only (a transport that must not change anything).
    pub fn read_only(mut self) -> RequestContext {
        self.read_only = true;
        self
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

/// The field rule of the permission table for `type_name.field`, held
/// anywhere in the caller's reach (the records' loaders apply the reach).
pub fn require_field(ctx: &Context<'_>, type_name: &str, field: &str) -> AppResult<()> {
    require(ctx, super::guards::rule_for(type_name, field)?)
}

/// The value of a nullable field whose resolver can fail, as the GraphQL spec
/// handles field errors: on failure the field is null and its error is
/// reported once, with the field's path, while its siblings and parent stay.
/// async-graphql itself would hand the error up to the nearest nullable
/// parent, so every fallible resolver of a nullable field returns through
/// here (a test in `pipeline` holds the schema's resolvers to it). Doing it per
/// resolver rather than in an extension hook matters: any extension sends
/// every field of every response through a registry lookup and a boxed hook,
/// a quarter of a case list's CPU.
///
/// `value` runs boxed. async-graphql resolves every field of an object in a
/// future as large as that object's largest resolver (twice over, as it
/// holds the resolver's future while awaiting it), so a resolver that loads
/// and pages inline made `code` and `title` pay for it too; behind a
/// pointer, only the fields that load pay an allocation.
pub fn nullable<'a, T: 'a>(
    ctx: &'a Context<'_>,
    value: impl std::future::Future<Output = async_graphql::Result<Option<T>>> + Send + 'a,
) -> impl std::future::Future<Output = Option<T>> + Send + 'a {
    let value = Box::pin(value);
    async move {
        match value.await {
            Ok(value) => value,
            Err(err) => {
                ctx.add_error(ctx.set_error_path(err.into_server_error(ctx.item.pos)));
                None
            }
        }
    }
}
