//! The one execution pipeline every transport goes through: an async-graphql
//! extension that decides whether and how an operation runs, so HTTP, a
//! WebSocket route, the CLI and tests all get the same checks by calling
//! `schema.execute` with a [`RequestContext`].
//!
//! In order, for each operation:
//! 1. `request`: the whole operation runs under the request timeout; when it
//!    fires, every resolver, loader task and statement future is dropped.
//!    Every error leaving the pipeline carries `extensions.code`.
//! 2. `parse_query`: the document is parsed here, within its limits
//!    (`document`: nesting, recursion, directives); then the gate (aliases,
//!    root fields, permissions, introspection, mutations on read-only
//!    transports) runs, failing closed. An operation seen before (the same
//!    text, operation name and variables) is not parsed again: see
//!    [`Checked`]. The gate runs whoever asks.
//! 3. `validation`: depth and complexity are checked against the limits,
//!    the complexity is charged to the budget the whole batch
//!    shares, and a costly operation waits briefly for an execution slot.
//!    An operation seen before is not validated again.
//! 4. `execute`: the checked operation runs on the executing schema, a twin
//!    of this one without extensions (see [`Executor`]), under the same
//!    timeout and holding the same execution slot.
//!
//! The GraphQL spec's null handling (an errored nullable field is `null`, its
//! key kept in query order, its error reported once; an error in a non-null
//! field nulls the nearest nullable parent, or `data`) is async-graphql's for
//! non-null fields and [`super::context::nullable`]'s for nullable ones.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use tokio::sync::OwnedSemaphorePermit;

use super::context::RequestContext;
use super::{document, gate, inputs};
use crate::config::Limits;
use crate::error::Reason;

mod admission;
mod checked;
mod errors;

pub use admission::{Admission, Budget};
pub use checked::Checked;
use checked::CheckedOperation;
use errors::ensure_code;
pub use errors::{code_of, is_request_error, reason_of, refusal};

/// The extension factory registered on the schema.
pub struct Pipeline;

/// The executing schema: the same types, data and settings as the checking
/// one that carries [`Pipeline`], but no extensions. Once any extension is
/// registered, async-graphql sends every field of a response through the
/// extensions' resolve hook (a registry lookup, type names formatted for each
/// list item, a boxed future per field): a quarter of the CPU of a page of
/// 100 cases. So the checking schema parses, gates, validates and admits the
/// operation, and its `execute` step hands the checked document to this one
/// (whose own validation is then the fast mode's: cycles, complexity, depth).
pub struct Executor(pub super::AppSchema);

impl ExtensionFactory for Pipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PipelineRun::default())
    }
}

/// The state of one operation as it passes through the pipeline.
#[derive(Default)]
struct PipelineRun {
    operation_name: Mutex<Option<String>>,
    /// The operation's context, for the `request` step, which runs before
    /// the request's data is attached.
    context: Mutex<Option<RequestContext>>,
    /// The operation as found in [`Checked`], or its key and freshly parsed
    /// document, to keep once validated.
    seen: Mutex<Seen>,
    /// An execution slot for a costly operation, released when the operation ends.
    slot: Mutex<Option<OwnedSemaphorePermit>>,
    /// The operation selects a field that is costly whatever its complexity (`gate::ALWAYS_COSTLY`).
    costly: Mutex<bool>,
    /// The checked document and its variables, for the executing schema.
    checked: Mutex<Option<(ExecutableDocument, Variables)>>,
}

#[derive(Default)]
enum Seen {
    #[default]
    Not,
    Before(Arc<CheckedOperation>),
    New(String, ExecutableDocument),
}

impl PipelineRun {
    fn request(&self) -> Option<RequestContext> {
        lock(&self.context).clone()
    }
}

#[async_trait::async_trait]
impl Extension for PipelineRun {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let timeout = ctx.data_opt::<Limits>().map_or(Duration::from_secs(10), |l| l.request_timeout);
        let run = next.run(ctx);
        tokio::pin!(run);
        let timed_out = || {
            Response::from_errors(vec![refusal(
                Reason::RequestTimeout,
                format!("the request took longer than {}", humantime::format_duration(timeout)),
            )])
        };
        let mut response = tokio::select! {
            response = &mut run => response,
            () = tokio::time::sleep(timeout) => match self.request() {
                // A write under way ends first (committed or rolled back,
                // never cut off); no other begins. See `db::Writes`.
                Some(request) => {
                    request.writes.stop();
                    tokio::select! {
                        response = &mut run => response,
                        () = request.writes.settled() => timed_out(),
                    }
                }
                None => timed_out(),
            },
        };
        for err in &mut response.errors {
            ensure_code(err);
        }
        if let Some(request) = self.request() {
            let replayed = std::mem::take(&mut *lock(&request.replayed));
            if !replayed.is_empty() {
                let keys = replayed.into_iter().map(Value::from).collect::<Vec<_>>();
                response.extensions.insert("replayed".to_owned(), Value::List(keys));
            }
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        *lock(&self.operation_name) = request.operation_name.clone();
        // The request's data reaches the extension context only after this step.
        let context = request.data.get(&std::any::TypeId::of::<RequestContext>());
        *lock(&self.context) = context.and_then(|c| c.downcast_ref::<RequestContext>()).cloned();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        // Not run: the document is parsed here (see `document`).
        _next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let limits = ctx.data_opt::<Limits>().ok_or_else(|| missing("Limits"))?;
        let name = lock(&self.operation_name).clone();
        let checked = ctx.data_opt::<Checked>();
        let key = checked.and_then(|_| Checked::key(query, name.as_deref(), variables));
        let before = checked.zip(key.as_deref()).and_then(|(c, k)| c.get(k));
        let mut doc = match (before, key) {
            (Some(before), _) => {
                let doc = before.document.clone();
                *lock(&self.seen) = Seen::Before(before);
                doc
            }
            (None, key) => {
                // Parsed here, not by `next` (async-graphql's parse step):
                // see `document`.
                let doc = document::parse(query, limits)?;
                if let Some(key) = key {
                    *lock(&self.seen) = Seen::New(key, doc.clone());
                }
                doc
            }
        };
        let request = ctx.data_opt::<RequestContext>().ok_or_else(|| missing("RequestContext"))?;
        let registry = &ctx.schema_env.registry;
        let is_root_field = |ty: OperationType, field: &str| {
            let root = match ty {
                OperationType::Query => Some(registry.query_type.as_str()),
                OperationType::Mutation => registry.mutation_type.as_deref(),
                OperationType::Subscription => registry.subscription_type.as_deref(),
            };
            root.and_then(|r| registry.types.get(r)).and_then(|t| t.field_by_name(field)).is_some()
        };
        let admitted =
            gate::check(&doc, name.as_deref(), limits, is_root_field, request.principal.as_ref()).map_err(|r| {
                let mut err = refusal(r.reason, r.message);
                err.locations.extend(r.pos);
                err
            })?;
        *lock(&self.costly) = admitted.costly;
        if admitted.ty == OperationType::Mutation && request.read_only {
            return Err(refusal(Reason::MutationOverGet, "mutations must be sent with POST"));
        }
        if let Some(op) = gate::operation(&doc, name.as_deref()) {
            inputs::check(registry, &doc, &op.node, variables, limits.max_page_size)?;
        }
        inputs::drop_absent_variables(&mut doc, name.as_deref(), variables);
        *lock(&self.checked) = Some((doc.clone(), variables.clone()));
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let seen = std::mem::take(&mut *lock(&self.seen));
        let result = match seen {
            Seen::Before(before) => before.validation,
            Seen::Not => next.run(ctx).await?,
            Seen::New(key, document) => {
                let validation = next.run(ctx).await?;
                if let Some(checked) = ctx.data_opt::<Checked>() {
                    checked.put(key, CheckedOperation { document, validation });
                }
                validation
            }
        };
        // The limits, checked here rather than by async-graphql (whose
        // refusals would carry only an English message); a validation kept
        // in `Checked` is checked again, as the limits may differ per schema.
        let limits = ctx.data_opt::<Limits>().ok_or_else(|| vec![missing("Limits")])?;
        if result.complexity > limits.max_complexity {
            return Err(vec![refusal(
                Reason::MaxComplexity,
                format!("the operation's complexity is {}; the limit is {}", result.complexity, limits.max_complexity),
            )]);
        }
        if result.depth > limits.max_depth {
            return Err(vec![refusal(
                Reason::MaxDepth,
                format!("the operation nests {} fields deep; the limit is {}", result.depth, limits.max_depth),
            )]);
        }
        let request = ctx.data_opt::<RequestContext>().ok_or_else(|| vec![missing("RequestContext")])?;
        if !request.budget.charge(result.complexity) {
            return Err(vec![refusal(
                Reason::MaxComplexity,
                "the operations of this request together are too complex",
            )]);
        }
        if let Some(admission) = ctx.data_opt::<Admission>()
            && (result.complexity >= admission.threshold || *lock(&self.costly))
        {
            let slot = tokio::time::timeout(admission.wait, admission.slots.clone().acquire_owned()).await;
            match slot {
                Ok(Ok(permit)) => *lock(&self.slot) = Some(permit),
                _ => {
                    request.budget.refund(result.complexity);
                    return Err(vec![refusal(
                        Reason::ServerBusy,
                        "too many costly operations are running; retry shortly",
                    )]);
                }
            }
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let checked = lock(&self.checked).take();
        let (Some(executor), Some(request), Some((doc, variables))) =
            (ctx.data_opt::<Executor>(), ctx.data_opt::<RequestContext>(), checked)
        else {
            return next.run(ctx, operation_name).await;
        };
        let mut run = Request::new(String::new()).variables(variables).data(request.clone());
        if let Some(name) = operation_name {
            run = run.operation_name(name);
        }
        run.set_parsed_query(doc);
        executor.0.execute(run).await
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn missing(what: &str) -> ServerError {
    tracing::error!(what, "a request reached the pipeline without its context");
    refusal(Reason::MissingContext, "internal error")
}

#[cfg(test)]
mod tests {
    /// The executing schema has no extension to turn a failed nullable field
    /// into null, so each resolver of one does it (`context::nullable`): a
    /// resolver of an object type returning `Result<Option<_>>` would send
    /// its error to the parent instead. (Helpers that are not resolvers
    /// return `AppResult`, or are free functions.)
    #[test]
    fn no_resolver_returns_an_error_for_a_nullable_field_past_nullable() {
        fn sources(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).expect("src/graphql is readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("a source file is readable");
                    found.push((path.display().to_string(), text));
                }
            }
        }
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql"), &mut files);
        assert!(files.len() > 10, "the scan found the resolvers: {}", files.len());
        let mut offenders = Vec::new();
        for (path, text) in &files {
            for ret in ["-> Result<Option<", "-> async_graphql::Result<Option<"] {
                for (at, _) in text.match_indices(ret) {
                    // The signature this return type ends: a method of an impl
                    // block (four spaces in) is a resolver or belongs with them.
                    let start = text[..at].rfind("fn ").unwrap_or(0);
                    let line = &text[text[..start].rfind('\n').map_or(0, |n| n + 1)..start];
                    if line.len() >= 4 && line.starts_with("    ") && !line.starts_with("     ") {
                        let name: String = text[start + 3..].chars().take_while(|c| *c != '(').collect();
                        offenders.push(format!("{path}: {name}"));
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "use context::nullable in: {offenders:#?}");
    }
}
