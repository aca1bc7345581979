//! The database's own rules, by name, and what a violation tells the client.
//! PostgreSQL reports the violated constraint's name; SQLite's triggers
//! raise `constraint failed: <name>`, and its UNIQUE errors name the columns.
//! Either way the error is matched here, so a write refused by the database
//! (a race between two instances, say) answers like one refused by the
//! domain rules: `CONFLICT` or `BAD_USER_INPUT` with the field, never `INTERNAL`.

use sea_orm::DbErr;

use crate::error::{AppError, Code, Reason};

/// One database rule.
#[derive(Debug)]
pub struct Constraint {
    /// The names the two databases report it by.
    pub names: &'static [&'static str],
    pub code: Code,
    /// Why, for a conflict.
    pub reason: Reason,
    /// Where in the write's input to point, for `BAD_USER_INPUT`.
    pub path: &'static [&'static str],
    pub message: &'static str,
}

const fn conflict(names: &'static [&'static str], reason: Reason, message: &'static str) -> Constraint {
    Constraint { names, code: Code::Conflict, reason, path: &[], message }
}

/// A rule on a field of the write's input (named relative to it: the
/// GraphQL layer puts it under the mutation's `input` argument).
const fn invalid(names: &'static [&'static str], field: &'static [&'static str], message: &'static str) -> Constraint {
    Constraint { names, code: Code::BadUserInput, reason: Reason::Inconsistent, path: field, message }
}

/// Every named rule the migrations create.
pub const CONSTRAINTS: &[Constraint] = &[
    conflict(
        &["ex_position_single_seat"],
        Reason::Inconsistent,
        "the committee already has someone in that seat for an overlapping term",
    ),
    conflict(
        &["ex_position_person_seat"],
        Reason::Inconsistent,
        "the person already holds a seat on this committee for an overlapping term",
    ),
    conflict(
        &["ck_case_committee_active"],
        Reason::Closed,
        "a matter is registered with, or assigned to, an active committee only",
    ),
    invalid(&["ck_position_within_committee"], &["startOn"], "a seat must lie within its committee's life"),
    invalid(&["ck_committee_covers_seats"], &["establishedOn"], "the committee's dates must cover all its seats"),
    invalid(&["ck_position_term"], &["endOn"], "a term must not end before it starts"),
    invalid(&["ck_committee_ended"], &["effectiveOn"], "a committee must end after it was established"),
    conflict(&["committee_code_key", "committee.code"], Reason::Duplicate, "a committee with that code already exists"),
    conflict(
        &["ux_audit_chain_seq", "audit_event.chain, audit_event.seq"],
        Reason::ConcurrentWrite,
        "a concurrent write took the same place in the audit trail; retry",
    ),
    conflict(
        &["ck_audit_entry_extends_head"],
        Reason::ConcurrentWrite,
        "a concurrent write moved the audit trail on; retry",
    ),
    conflict(
        &["ux_audit_checkpoint_prev", "audit_checkpoint.prev"],
        Reason::ConcurrentWrite,
        "another instance signed a checkpoint after the same one; it covers these heads",
    ),
    conflict(&["tr_audit_append_only"], Reason::AppendOnly, "the audit trail is append-only"),
    conflict(
        &["case_record_code_key", "case_record.code_key"],
        Reason::Duplicate,
        "a matter this committee registered already has that code",
    ),
    conflict(
        &[
            "ux_case_reference_registered",
            "case_reference.agency_id, case_reference.number, case_reference.registered_by_committee_id",
        ],
        Reason::Duplicate,
        "that agency's number already names a matter this committee registered",
    ),
    invalid(&["ck_case_amounts"], &["lossAmount"], "amounts must not be negative"),
    invalid(&["ck_recovery_amount"], &["amount"], "a recovery must be more than zero"),
    invalid(&["ck_case_code", "ck_case_code_fits"], &["code"], "not a case code"),
    invalid(&["ck_case_code_key"], &["code"], "not the code the matter is registered under"),
    invalid(&["ck_case_suspended"], &["transition"], "only a suspended case has a state to resume to"),
    // Stored enumerations: only a writer that bypasses the API can break these.
    invalid(&["ck_case_kind"], &["kind"], "not a kind of matter"),
    invalid(&["ck_case_field"], &["field"], "not a field"),
    invalid(&["ck_case_source"], &["source"], "not a source"),
    invalid(&["ck_case_monitoring_state"], &["monitoringState"], "not a monitoring state"),
    invalid(&["ck_case_procedure_state"], &["procedureState"], "not a procedure state of this kind of matter"),
    invalid(&["ck_defendant_status"], &["status"], "not a defendant status"),
    invalid(&["ck_discipline_subject"], &["subjectKind"], "not a disciplinary subject"),
    invalid(&["ck_discipline_form"], &["form"], "not a disciplinary form"),
    invalid(&["ck_committee_level"], &["level"], "not a committee level"),
    invalid(&["ck_committee_status"], &["status"], "not a committee status"),
    invalid(&["ck_committee_code"], &["code"], "not a committee code"),
    invalid(&["ck_agency_kind"], &["kind"], "not an agency kind"),
    invalid(&["ck_position_role"], &["role"], "not a seat role"),
    invalid(&["ck_audit_actor_kind"], &["actorKind"], "not an actor kind"),
    invalid(&["ck_audit_action"], &["action"], "not an audit action"),
    invalid(&["ck_audit_entity"], &["entityType"], "not an audit entity type"),
    invalid(&["ck_audit_seq"], &["seq"], "not an audit sequence number"),
];

/// What the driver says about a failed statement: the violated constraint's
/// name (PostgreSQL) or the message (SQLite), and the SQLSTATE.
fn driver_detail(err: &DbErr) -> Option<(String, String)> {
    use sea_orm::RuntimeErr;
    use std::ops::Deref;
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(e) = e.deref() else { return None };
    let name = e.constraint().map(str::to_owned).unwrap_or_else(|| e.message().to_owned());
    Some((name, e.code().map(|c| c.into_owned()).unwrap_or_default()))
}

/// The rule `err` broke, if it is one of ours.
pub fn violated(err: &DbErr) -> Option<&'static Constraint> {
    let (text, _) = driver_detail(err)?;
    CONSTRAINTS
        .iter()
        .find(|c| c.names.iter().any(|name| text == *name || text.ends_with(&format!("constraint failed: {name}"))))
}

/// Whether `err` is PostgreSQL giving up one of two colliding transactions
/// (deadlock, serialization failure): the write may simply be run again.
pub fn is_transient(err: &DbErr) -> bool {
    matches!(driver_detail(err), Some((_, code)) if code == "40P01" || code == "40001")
}

/// Whether `err` is PostgreSQL cancelling a statement that ran past its
/// time (`statement_timeout`, which the pool sets to the request's time) or
/// waited too long for a lock: the request ran out of time.
pub fn is_timeout(err: &DbErr) -> bool {
    matches!(driver_detail(err), Some((_, code)) if code == "57014" || code == "55P03")
}

impl Constraint {
    pub fn to_error(&self) -> AppError {
        match self.code {
            Code::BadUserInput if !self.path.is_empty() => AppError::bad_input(self.path, self.message),
            _ => AppError::Conflict(self.reason, self.message.to_owned()),
        }
    }
}
