//! A matter's history: its own audit chain, paged by seq, and its newest
//! entry for many matters in one statement.

use std::collections::HashMap;

use entity::{audit_chain, audit_event};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, Iterable, QueryFilter, QueryOrder, QuerySelect};

use crate::db::columns::{self, Columns};
use crate::error::AppResult;

/// A page of one matter's history (its chain), oldest first, after `seq`:
/// one range of `ux_audit_chain_seq`, however long the history.
pub async fn history_page<C: ConnectionTrait>(
    db: &C,
    case_id: i64,
    after_seq: Option<i64>,
    before_seq: Option<i64>,
    size: u64,
    backward: bool,
) -> AppResult<Vec<audit_event::Model>> {
    let mut select =
        audit_event::Entity::find().filter(audit_event::Column::Chain.eq(audit_event::case_chain(case_id)));
    if let Some(seq) = after_seq {
        select = select.filter(audit_event::Column::Seq.gt(seq));
    }
    if let Some(seq) = before_seq {
        select = select.filter(audit_event::Column::Seq.lt(seq));
    }
    let order = if backward { sea_orm::Order::Desc } else { sea_orm::Order::Asc };
    let mut rows = select.order_by(audit_event::Column::Seq, order).limit(size + 1).all(db).await?;
    if backward {
        rows.reverse();
    }
    Ok(rows)
}

/// The latest history entry of each matter (its chain head's entry), with
/// `columns` (and the chain, which says whose it is).
pub async fn last_events<C: ConnectionTrait>(
    db: &C,
    cases: &[i64],
    columns: Columns<audit_event::Entity>,
) -> AppResult<HashMap<i64, audit_event::Model>> {
    if cases.is_empty() {
        return Ok(HashMap::new());
    }
    // Each chain's head names its newest entry: one join, through the
    // chain's primary key and the (chain, seq) unique index.
    let chains: Vec<String> = cases.iter().map(|c| audit_event::case_chain(*c)).collect();
    let (event, head) = (audit_event::Entity, audit_chain::Entity);
    let columns = columns.with([audit_event::Column::Chain]);
    let mut select = Query::select();
    select
        .columns(audit_event::Column::iter().filter(|c| columns.has(*c)).map(|c| (event, c)))
        .from(event)
        .inner_join(
            head,
            Condition::all()
                .add(Expr::col((head, audit_chain::Column::Chain)).equals((event, audit_event::Column::Chain)))
                .add(Expr::col((head, audit_chain::Column::Seq)).equals((event, audit_event::Column::Seq))),
        )
        .and_where(Expr::col((head, audit_chain::Column::Chain)).is_in(chains));
    let rows: Vec<audit_event::Model> = columns::all(db, select, columns).await?;
    let mut out = HashMap::new();
    for row in rows {
        if let Some(audit_event::Chain::Case(id)) = audit_event::Chain::parse(&row.chain) {
            out.insert(id, row);
        }
    }
    Ok(out)
}
