//! Reach as SQL: the condition that keeps records outside a principal's reach
//! out of every query (lists, counts, lookups by id and nested fields alike),
//! so they are never loaded, let alone filtered after loading.

use entity::{committee, position};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};

use crate::domain::Reach;

/// `SELECT id FROM committee` limited to the committees `reach` covers: those
/// whose code is granted, and those merged into one of them, directly or
/// along a chain of merges (their heir is one of them).
fn committee_ids(codes: &[String]) -> SelectStatement {
    Query::select()
        .column(committee::Column::Id)
        .from(committee::Entity)
        .cond_where(
            Condition::any().add(committee::Column::Code.is_in(codes.iter().cloned())).add(
                committee::Column::HeirId.in_subquery(
                    Query::select()
                        .column(committee::Column::Id)
                        .from(committee::Entity)
                        .and_where(committee::Column::Code.is_in(codes.iter().cloned()))
                        .to_owned(),
                ),
            ),
        )
        .to_owned()
}

fn never() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

/// Rows whose committee column `col` is within reach.
pub fn committee_column(col: impl ColumnTrait, reach: &Reach) -> Condition {
    match reach {
        Reach::All => Condition::all(),
        Reach::Committees(codes) if codes.is_empty() => never(),
        Reach::Committees(codes) => {
            let codes: Vec<String> = codes.iter().cloned().collect();
            Condition::all().add(col.in_subquery(committee_ids(&codes)))
        }
    }
}

/// People within reach: registered by a committee in reach, or holding (or
/// having held) a seat on one.
pub fn person_id(col: impl ColumnTrait, home_col: impl ColumnTrait, reach: &Reach) -> Condition {
    match reach {
        Reach::All => Condition::all(),
        Reach::Committees(codes) if codes.is_empty() => never(),
        Reach::Committees(codes) => {
            let codes: Vec<String> = codes.iter().cloned().collect();
            let seated = Query::select()
                .column(position::Column::PersonId)
                .from(position::Entity)
                .and_where(position::Column::CommitteeId.in_subquery(committee_ids(&codes)))
                .to_owned();
            Condition::any().add(home_col.in_subquery(committee_ids(&codes))).add(col.in_subquery(seated))
        }
    }
}
