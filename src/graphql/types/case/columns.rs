//! The columns each field of a matter and of a defendant reads, so a list
//! reads only what its selection needs.

use async_graphql::SelectionField;
use entity::{case_record, defendant};

use crate::db::columns::Columns;
use crate::graphql::projection::{self, ColumnTable};

/// The columns each `Case` field reads, besides those every read of a
/// matter has (its id, sort keys, committees and agency: what cursors and
/// the viewer's standing need, `db::cases::page`). A field not listed here
/// reads the whole row.
pub const CASE_COLUMNS: ColumnTable<case_record::Column> = {
    use case_record::Column as C;
    // What the workflow facts are made of (`service::cases::facts`).
    const FACTS: &[C] = &[C::Kind, C::MonitoringState, C::ProcedureState, C::SuspendedFrom];
    &[
        ("id", &[]),
        ("version", &[C::Version]),
        ("kind", &[C::Kind]),
        ("code", &[C::Code]),
        ("title", &[C::Title]),
        ("summary", &[C::Summary]),
        ("field", &[C::Field]),
        ("publicConcern", &[C::PublicConcern]),
        ("nonStateSector", &[C::NonStateSector]),
        ("source", &[C::Source]),
        ("lossAmount", &[C::LossAmount]),
        ("recoveredAmount", &[C::RecoveredAmount]),
        ("monitoringState", &[C::MonitoringState]),
        ("procedureState", &[C::ProcedureState]),
        ("suspendedFrom", &[C::SuspendedFrom]),
        ("inAbsentia", &[C::InAbsentia]),
        ("closed", FACTS),
        ("openedOn", &[C::OpenedOn]),
        ("createdAt", &[C::CreatedAt]),
        ("updatedAt", &[C::UpdatedAt]),
        ("monitoringCommittee", &[C::MonitoringCommitteeId]),
        ("assigningCommittee", &[C::AssigningCommitteeId]),
        ("handlingAgency", &[C::HandlingAgencyId]),
        ("origin", &[C::OriginCaseId]),
        ("references", &[]),
        ("defendantCounts", &[]),
        ("defendants", &[]),
        ("disciplinaryActions", &[]),
        ("recoveries", &[]),
        ("history", &[]),
        ("lastEvent", &[]),
        ("availableTransitions", FACTS),
    ]
};

/// The columns each `Defendant` field reads, besides its id and its case's.
pub const DEFENDANT_COLUMNS: ColumnTable<defendant::Column> = {
    use defendant::Column as C;
    &[
        ("id", &[]),
        ("version", &[C::Version]),
        ("fullName", &[C::FullName]),
        ("positionHeld", &[C::PositionHeld]),
        ("cadre", &[C::Cadre]),
        ("partyMember", &[C::PartyMember]),
        ("leader", &[C::Leader]),
        ("centrallyManaged", &[C::CentrallyManaged]),
        ("nonStateSector", &[C::NonStateSector]),
        ("status", &[C::Status]),
        ("charges", &[C::Charges]),
        ("case", &[]),
    ]
};

/// The columns a `defendants` selection reads of each defendant.
pub fn defendant_columns(field: SelectionField<'_>) -> Columns<entity::defendant::Entity> {
    use defendant::Column as C;
    projection::columns(projection::node_selections(field), DEFENDANT_COLUMNS, &[C::Id, C::CaseId])
}
