//! Writing matters: a new one (and the numbered matter another opens), its
//! changes and moves, each bumping its version; an agency's reference to it.

use chrono::{NaiveDate, Utc};
use entity::{case_record, case_reference};
use sea_orm::DatabaseTransaction;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use crate::domain::cases::{CaseKind, CaseState};
use crate::domain::org::search_key;
use crate::error::{AppError, AppResult, Reason};

#[derive(Clone, Debug)]
pub struct NewCase {
    pub kind: CaseKind,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub field: String,
    pub public_concern: bool,
    pub non_state_sector: bool,
    pub source: String,
    pub loss_amount: Option<i64>,
    pub monitoring_committee_id: i64,
    pub handling_agency_id: Option<i64>,
    pub monitoring_state: CaseState,
    pub procedure_state: CaseState,
    pub origin_case_id: Option<i64>,
    pub opened_on: NaiveDate,
}

fn search_text(code: &str, title: &str) -> String {
    search_key(&format!("{code} {title}"))
}

pub async fn insert<C: ConnectionTrait>(db: &C, new: &NewCase) -> AppResult<case_record::Model> {
    Ok(active(new).insert(db).await?)
}

/// The longest code a matter may have (`ck_case_code`, the column's width).
pub const MAX_CODE_CHARS: usize = 64;

/// The `n`th code a case opened from the matter `from` may take: its code
/// and `-VA` (`-VA2`, `-VA3`, … after the first), the code cut so that the
/// whole fits in [`MAX_CODE_CHARS`].
pub fn derived_code(from: &str, n: usize) -> String {
    let suffix = if n <= 1 { "-VA".to_owned() } else { format!("-VA{n}") };
    // Codes are ASCII (`ck_case_code`), so a byte index is a character index.
    let keep = from.len().min(MAX_CODE_CHARS - suffix.len());
    format!("{}{suffix}", &from[..keep])
}

/// Opens the case a matter became under a code of its own: the first of
/// [`derived_code`]'s codes that no matter has. A code another writer takes
/// between the look-up and the insert is skipped too: the insert runs in a
/// savepoint, and a collision on the code moves on to the next one, so a
/// step the workflow lists is never refused for a code the caller did not
/// choose.
pub async fn insert_derived(db: &DatabaseTransaction, new: &NewCase, from_code: &str) -> AppResult<case_record::Model> {
    const BATCH: usize = 16;
    let mut next = 1;
    // Bounded: 64 batches of codes all taken is someone squatting on purpose.
    for _ in 0..64 {
        let candidates: Vec<String> = (next..next + BATCH).map(|n| derived_code(from_code, n)).collect();
        let keys = candidates.iter().map(|code| code_key(new.monitoring_committee_id, code));
        let taken: Vec<String> = case_record::Entity::find()
            .select_only()
            .column(case_record::Column::Code)
            .filter(case_record::Column::CodeKey.is_in(keys))
            .into_tuple()
            .all(db)
            .await?;
        next += BATCH;
        for code in candidates.into_iter().filter(|c| !taken.contains(c)) {
            let attempt = db.begin().await?;
            match active(&NewCase { code, ..new.clone() }).insert(&attempt).await {
                Ok(row) => {
                    attempt.commit().await?;
                    return Ok(row);
                }
                Err(err) if crate::db::constraints::violated(&err).is_some_and(|c| c.names[0] == CODE_KEY) => {
                    attempt.rollback().await?;
                }
                Err(err) => {
                    attempt.rollback().await?;
                    return Err(err.into());
                }
            }
        }
    }
    Err(AppError::Conflict(Reason::NothingToDo, "no free code is left for the case this step opens".into()))
}

/// The unique index on a matter's code, as [`super::constraints`] names it.
const CODE_KEY: &str = "case_record_code_key";

/// What makes a code unique: it and the committee that registers the matter.
fn code_key(committee: i64, code: &str) -> String {
    format!("{committee}/{code}")
}

fn active(new: &NewCase) -> case_record::ActiveModel {
    let now = Utc::now();
    case_record::ActiveModel {
        kind: Set(new.kind.as_str().to_owned()),
        code: Set(new.code.clone()),
        code_key: Set(code_key(new.monitoring_committee_id, &new.code)),
        registered_by_committee_id: Set(Some(new.monitoring_committee_id)),
        title: Set(new.title.clone()),
        search_text: Set(search_text(&new.code, &new.title)),
        summary: Set(new.summary.clone()),
        field: Set(new.field.clone()),
        public_concern: Set(new.public_concern),
        non_state_sector: Set(new.non_state_sector),
        source: Set(new.source.clone()),
        loss_amount: Set(new.loss_amount),
        recovered_amount: Set(0),
        monitoring_committee_id: Set(new.monitoring_committee_id),
        assigning_committee_id: Set(None),
        handling_agency_id: Set(new.handling_agency_id),
        monitoring_state: Set(new.monitoring_state.as_str().to_owned()),
        procedure_state: Set(new.procedure_state.as_str().to_owned()),
        suspended_from: Set(None),
        in_absentia: Set(false),
        origin_case_id: Set(new.origin_case_id),
        opened_on: Set(new.opened_on),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Changes to a matter's details; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CaseChanges {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub field: Option<String>,
    pub public_concern: Option<bool>,
    pub non_state_sector: Option<bool>,
    pub source: Option<String>,
    pub loss_amount: Option<i64>,
    pub handling_agency_id: Option<i64>,
}

/// Where a write moves a matter (states, assignment, totals).
#[derive(Clone, Debug, Default)]
pub struct CaseMove {
    pub monitoring_state: Option<CaseState>,
    pub procedure_state: Option<CaseState>,
    /// `Some(None)` clears it.
    pub suspended_from: Option<Option<CaseState>>,
    pub in_absentia: Option<bool>,
    pub monitoring_committee_id: Option<i64>,
    pub assigning_committee_id: Option<i64>,
    pub add_recovered: Option<i64>,
}

/// Writes `changes` and `moved` to a locked row and bumps its version.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    current: case_record::Model,
    changes: &CaseChanges,
    moved: &CaseMove,
) -> AppResult<case_record::Model> {
    let version = current.version + 1;
    let (code, recovered) = (current.code.clone(), current.recovered_amount);
    let mut row = current.into_active_model();
    if let Some(title) = &changes.title {
        row.search_text = Set(search_text(&code, title));
        row.title = Set(title.clone());
    }
    if let Some(v) = &changes.summary {
        row.summary = Set(v.clone());
    }
    if let Some(v) = &changes.field {
        row.field = Set(v.clone());
    }
    if let Some(v) = changes.public_concern {
        row.public_concern = Set(v);
    }
    if let Some(v) = changes.non_state_sector {
        row.non_state_sector = Set(v);
    }
    if let Some(v) = &changes.source {
        row.source = Set(v.clone());
    }
    if let Some(v) = changes.loss_amount {
        row.loss_amount = Set(Some(v));
    }
    if let Some(v) = changes.handling_agency_id {
        row.handling_agency_id = Set(Some(v));
    }
    if let Some(s) = moved.monitoring_state {
        row.monitoring_state = Set(s.as_str().to_owned());
    }
    if let Some(s) = moved.procedure_state {
        row.procedure_state = Set(s.as_str().to_owned());
    }
    if let Some(s) = moved.suspended_from {
        row.suspended_from = Set(s.map(|s| s.as_str().to_owned()));
    }
    if let Some(v) = moved.in_absentia {
        row.in_absentia = Set(v);
    }
    if let Some(v) = moved.monitoring_committee_id {
        row.monitoring_committee_id = Set(v);
    }
    if let Some(v) = moved.assigning_committee_id {
        row.assigning_committee_id = Set(Some(v));
    }
    if let Some(v) = moved.add_recovered {
        let total = recovered.checked_add(v).ok_or_else(|| {
            AppError::bad_input(&["amount"], "the total recovered would exceed the largest amount stored")
        })?;
        row.recovered_amount = Set(total);
    }
    row.updated_at = Set(Utc::now());
    row.version = Set(version);
    Ok(row.update(db).await?)
}

pub async fn insert_reference<C: ConnectionTrait>(
    db: &C,
    case: &case_record::Model,
    agency_id: i64,
    number: &str,
) -> AppResult<case_reference::Model> {
    Ok(case_reference::ActiveModel {
        case_id: Set(case.id),
        registered_by_committee_id: Set(case.registered_by_committee_id),
        agency_id: Set(agency_id),
        number: Set(number.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}
