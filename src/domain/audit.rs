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
    }
);

string_enum!(
    /// The type of record a write touched (its global ID type).
    AuditEntity { Committee = "Committee", Agency = "Agency", Person = "Person", Position = "Position" }
);
