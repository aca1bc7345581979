//! A matter's history: its own hash chain in the audit trail, paged by the
//! entries' sequence numbers.

use async_graphql::{Context, Result};

use crate::db::cases as store;
use crate::db::page::{Cursor, Page, PageArgs, Position, SortKey};
use crate::error::{AppError, AppResult};
use crate::graphql::context;
use crate::graphql::paging::{self, Conn, Extra};
use crate::graphql::types::AuditEvent;

/// One page of the history of matter `case`.
pub(super) async fn history_page(ctx: &Context<'_>, case: i64, args: PageArgs) -> Result<Conn<AuditEvent>> {
    let seq_of = |c: &Option<Cursor>, arg: &'static str| -> AppResult<Option<i64>> {
        match c {
            Some(Cursor { order, key: SortKey::Int(seq), .. }) if order == "SEQ" => Ok(Some(*seq)),
            Some(_) => Err(AppError::bad_input(&[arg], "the cursor belongs to a different list")),
            None => Ok(None),
        }
    };
    let (after, before) = (seq_of(&args.after, "after")?, seq_of(&args.before, "before")?);
    let db = &context::request(ctx)?.db;
    // Boxed: the statement futures are large (see `types`).
    let mut rows = Box::pin(store::history_page(&db.conn, case, after, before, args.size, args.backward)).await?;
    let more = rows.len() as u64 > args.size;
    if more {
        if args.backward {
            rows.remove(0);
        } else {
            rows.pop();
        }
    }
    let order: std::sync::Arc<str> = "SEQ".into();
    let items =
        rows.into_iter().map(|e| (Position { order: order.clone(), key: SortKey::Int(e.seq), id: e.id }, e)).collect();
    let (has_next, has_previous) =
        if args.backward { (args.before.is_some(), more) } else { (more, args.after.is_some()) };
    let page = Page { items, has_next, has_previous };
    let head = Box::pin(crate::db::audit::head(&db.conn, &entity::audit_event::case_chain(case))).await?;
    let total = head.map(|h| h.seq.max(0) as usize).unwrap_or(0);
    Ok(paging::connection(page, Extra::known(total), AuditEvent))
}

/// A workflow step as a dated fact: the typed record the statistics count.
#[derive(Clone, Debug)]
pub struct StepRecord(pub entity::case_step::Model);

/// One step a matter took: from and to which state, when the decision took
/// effect and when it was recorded, on whose decision, for which committee.
#[async_graphql::Object]
impl StepRecord {
    /// The step.
    async fn transition(&self) -> Result<crate::graphql::types::enums::CaseTransition> {
        let t = crate::domain::cases::Transition::parse(&self.0.step)
            .ok_or_else(|| AppError::unknown_stored("case_step", self.0.id, "step", &self.0.step))?;
        Ok(t.into())
    }

    /// The state the matter left (in the step's workflow).
    async fn from_state(&self) -> &str {
        &self.0.from_state
    }

    /// The state the matter entered.
    async fn to_state(&self) -> &str {
        &self.0.to_state
    }

    /// The day the decision took effect, in the committees' calendar.
    async fn effective_on(&self) -> crate::graphql::types::scalars::Date {
        crate::graphql::types::scalars::Date(self.0.effective_on)
    }

    /// When steerql recorded it (UTC).
    async fn recorded_at(&self) -> crate::graphql::types::scalars::DateTime {
        crate::graphql::types::scalars::DateTime(self.0.recorded_at)
    }

    /// The decision's number, e.g. `12/QD-BCD`.
    async fn decision_ref(&self) -> Option<&str> {
        self.0.decision_ref.as_deref()
    }

    /// The reason given.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The global ID of the committee holding the matter that day: the one
    /// whose figures the step counts in.
    async fn committee_id(&self) -> async_graphql::ID {
        crate::graphql::ids::encode(crate::graphql::ids::Kind::Committee, self.0.committee_id)
    }
}
