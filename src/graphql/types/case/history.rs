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
