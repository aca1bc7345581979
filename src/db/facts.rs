//! The dated facts figures are computed from (`case_step`, `case_committee`,
//! `defendant_step`, `case_loss`): written in the transaction of the history
//! entry that records them, only ever added to.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{case_committee, case_loss, case_step, defendant_step};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::domain::cases::Machine;
use crate::error::AppResult;

/// Why a committee holds a matter from a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holding {
    Opened,
    Assigned,
    Merged,
}

impl Holding {
    pub fn as_str(self) -> &'static str {
        match self {
            Holding::Opened => "OPENED",
            Holding::Assigned => "ASSIGNED",
            Holding::Merged => "MERGED",
        }
    }
}

/// The committee holding matter `case_id` on `on` (the latest holding from
/// a day not after it).
pub async fn holder_on<C: ConnectionTrait>(db: &C, case_id: i64, on: NaiveDate) -> AppResult<Option<i64>> {
    Ok(case_committee::Entity::find()
        .filter(case_committee::Column::CaseId.eq(case_id))
        .filter(case_committee::Column::FromOn.lte(on))
        .order_by_desc(case_committee::Column::FromOn)
        .order_by_desc(case_committee::Column::Id)
        .one(db)
        .await?
        .map(|h| h.committee_id))
}

/// The day the matter's current holding began, if it has one.
pub async fn latest_holding<C: ConnectionTrait>(db: &C, case_id: i64) -> AppResult<Option<case_committee::Model>> {
    Ok(case_committee::Entity::find()
        .filter(case_committee::Column::CaseId.eq(case_id))
        .order_by_desc(case_committee::Column::FromOn)
        .order_by_desc(case_committee::Column::Id)
        .one(db)
        .await?)
}

pub async fn hold<C: ConnectionTrait>(
    db: &C,
    case_id: i64,
    committee_id: i64,
    from_on: NaiveDate,
    cause: Holding,
) -> AppResult<()> {
    case_committee::Entity::insert(case_committee::ActiveModel {
        id: NotSet,
        case_id: Set(case_id),
        committee_id: Set(committee_id),
        from_on: Set(from_on),
        recorded_at: Set(Utc::now()),
        cause: Set(cause.as_str().to_owned()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// On a merge, every matter `merged` holds passes to `successor` from `on`:
/// one statement, however many matters.
pub async fn take_over<C: ConnectionTrait>(db: &C, merged: i64, successor: i64, on: NaiveDate) -> AppResult<u64> {
    use case_committee::Column as H;
    let later = Alias::new("later");
    let current = Alias::new("current");
    let newer = Query::select()
        .expr(Expr::val(1))
        .from_as(case_committee::Entity, later.clone())
        .and_where(Expr::col((later.clone(), H::CaseId)).equals((current.clone(), H::CaseId)))
        .cond_where(
            Condition::any()
                .add(Expr::col((later.clone(), H::FromOn)).gt(Expr::col((current.clone(), H::FromOn))))
                .add(
                    Condition::all()
                        .add(Expr::col((later.clone(), H::FromOn)).eq(Expr::col((current.clone(), H::FromOn))))
                        .add(Expr::col((later.clone(), H::Id)).gt(Expr::col((current.clone(), H::Id)))),
                ),
        )
        .to_owned();
    let select = Query::select()
        .column((current.clone(), H::CaseId))
        .expr(Expr::val(successor))
        .expr(Expr::val(on))
        .expr(Expr::val(Utc::now()))
        .expr(Expr::val(Holding::Merged.as_str()))
        .from_as(case_committee::Entity, current.clone())
        .and_where(Expr::col((current.clone(), H::CommitteeId)).eq(merged))
        .and_where(Expr::exists(newer).not())
        .to_owned();
    let insert = Query::insert()
        .into_table(case_committee::Entity)
        .columns([H::CaseId, H::CommitteeId, H::FromOn, H::RecordedAt, H::Cause])
        .select_from(select)
        .map_err(|e| crate::error::AppError::internal(std::io::Error::other(e.to_string())))?
        .to_owned();
    Ok(db.execute(&insert).await?.rows_affected())
}

use sea_orm::sea_query::Alias;

/// The effective date of the latest step of `workflow` on the matter.
pub async fn last_step_on<C: ConnectionTrait>(db: &C, case_id: i64, workflow: Machine) -> AppResult<Option<NaiveDate>> {
    Ok(case_step::Entity::find()
        .filter(case_step::Column::CaseId.eq(case_id))
        .filter(case_step::Column::Workflow.eq(workflow.as_str()))
        .order_by_desc(case_step::Column::EffectiveOn)
        .order_by_desc(case_step::Column::Id)
        .one(db)
        .await?
        .map(|s| s.effective_on))
}

/// A step as a fact.
#[derive(Clone, Debug)]
pub struct NewStep {
    pub case_id: i64,
    pub workflow: Machine,
    pub step: &'static str,
    pub from_state: &'static str,
    pub to_state: &'static str,
    pub effective_on: NaiveDate,
    pub decision_ref: Option<String>,
    pub reason: Option<String>,
    pub actor: String,
    pub committee_id: i64,
    /// Its history entry.
    pub entry: (String, i64),
}

pub async fn insert_step<C: ConnectionTrait>(db: &C, s: NewStep) -> AppResult<()> {
    case_step::Entity::insert(case_step::ActiveModel {
        id: NotSet,
        case_id: Set(s.case_id),
        workflow: Set(s.workflow.as_str().to_owned()),
        step: Set(s.step.to_owned()),
        from_state: Set(s.from_state.to_owned()),
        to_state: Set(s.to_state.to_owned()),
        effective_on: Set(s.effective_on),
        recorded_at: Set(Utc::now()),
        decision_ref: Set(s.decision_ref),
        reason: Set(s.reason),
        actor: Set(s.actor),
        committee_id: Set(s.committee_id),
        audit_chain: Set(s.entry.0),
        audit_seq: Set(s.entry.1),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The steps recorded by the given history entries (chain, seq).
pub async fn steps_of_entries<C: ConnectionTrait>(
    db: &C,
    entries: &[(String, i64)],
) -> AppResult<HashMap<(String, i64), case_step::Model>> {
    if entries.is_empty() {
        return Ok(HashMap::new());
    }
    let mut any = Condition::any();
    for (chain, seq) in entries {
        any = any.add(case_step::Column::AuditChain.eq(chain.clone()).and(case_step::Column::AuditSeq.eq(*seq)));
    }
    let rows = case_step::Entity::find().filter(any).all(db).await?;
    Ok(rows.into_iter().map(|s| ((s.audit_chain.clone(), s.audit_seq), s)).collect())
}

/// A defendant's prosecution (`from: None`) or status change, dated.
pub async fn insert_defendant_step<C: ConnectionTrait>(
    db: &C,
    defendant_id: i64,
    case_id: i64,
    from: Option<&str>,
    to: &str,
    on: NaiveDate,
    committee_id: i64,
) -> AppResult<()> {
    defendant_step::Entity::insert(defendant_step::ActiveModel {
        id: NotSet,
        defendant_id: Set(defendant_id),
        case_id: Set(case_id),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.to_owned()),
        effective_on: Set(on),
        recorded_at: Set(Utc::now()),
        committee_id: Set(committee_id),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A defendant's prosecution date, if recorded.
pub async fn prosecuted_on<C: ConnectionTrait>(db: &C, ids: &[i64]) -> AppResult<HashMap<i64, NaiveDate>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = defendant_step::Entity::find()
        .filter(defendant_step::Column::DefendantId.is_in(ids.iter().copied()))
        .filter(defendant_step::Column::FromStatus.is_null())
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.defendant_id, r.effective_on)).collect())
}

/// A matter's assessed loss from `on`.
pub async fn insert_loss<C: ConnectionTrait>(
    db: &C,
    case_id: i64,
    amount: Option<i64>,
    on: NaiveDate,
) -> AppResult<()> {
    case_loss::Entity::insert(case_loss::ActiveModel {
        id: NotSet,
        case_id: Set(case_id),
        amount: Set(amount),
        effective_on: Set(on),
        recorded_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The effective date of a defendant's latest dated status.
pub async fn last_defendant_step_on<C: ConnectionTrait>(db: &C, defendant_id: i64) -> AppResult<Option<NaiveDate>> {
    Ok(defendant_step::Entity::find()
        .filter(defendant_step::Column::DefendantId.eq(defendant_id))
        .order_by_desc(defendant_step::Column::EffectiveOn)
        .order_by_desc(defendant_step::Column::Id)
        .one(db)
        .await?
        .map(|s| s.effective_on))
}
