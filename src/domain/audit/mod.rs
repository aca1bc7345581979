//! What the audit trail records: the closed sets of actions and record types.

string_enum!(
    /// What a write did.
    AuditAction {
        CommitteeCreate = "committee.create",
        CommitteeUpdate = "committee.update",
        CommitteeMerge = "committee.merge",
        PersonCreate = "person.create",
        PersonUpdate = "person.update",
        PositionAppoint = "position.appoint",
        PositionUpdate = "position.update",
        PositionEnd = "position.end",
        CaseCreate = "case.create",
        CaseUpdate = "case.update",
        CaseTransition = "case.transition",
        CaseAssign = "case.assign",
        CaseReference = "case.reference",
        DefendantAdd = "defendant.add",
        DefendantUpdate = "defendant.update",
        DisciplineRecord = "discipline.record",
        RecoveryRecord = "recovery.record",
        RecoveryReverse = "recovery.reverse",
    }
);

string_enum!(
    /// The type of record a write touched (its global ID type).
    AuditEntity {
        Committee = "Committee",
        Agency = "Agency",
        Person = "Person",
        Position = "Position",
        Case = "Case",
        Defendant = "Defendant",
        DisciplinaryAction = "DisciplinaryAction",
        Recovery = "Recovery",
    }
);

mod statement;
mod walk;

pub use statement::*;
pub use walk::*;
