//! The permission table: which roles may perform each operation, and which
//! operation each root field of the API is. This is the single source of truth:
//! the GraphQL gate enforces it, the tests walk it, the README renders it
//! (`steerql permissions`).

use super::principal::Role;

/// Everything the API lets a caller do, at the granularity roles are given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// Read committees and agencies within reach: the structure, which
    /// statistics are rolled up along.
    ReadOrganisation,
    /// Read people and their seats within reach. Not for analysts, who see
    /// figures, never records.
    ReadMembership,
    /// Create and change committees, people and positions, merge committees.
    ManageOrganisation,
    /// Read the audit trail within reach.
    ReadAuditTrail,
    /// Verify the audit trail's chains within reach against the signed
    /// checkpoints; sign a checkpoint (whole trail: central reach).
    VerifyAuditTrail,
    /// Read cases and incidents within reach: their facts, states, counts.
    /// An `AGENCY` role reads the matters its agency handles.
    ReadCases,
    /// Read defendants' personal details and a matter's history (which
    /// carries them): the roles that handle cases, and auditors.
    ReadCaseDetails,
    /// Create and edit matters; record disciplinary actions and recoveries.
    ManageCases,
    /// Record procedure steps and defendants (`AGENCY`: on the matters its
    /// agency handles).
    RecordProcedure,
    /// Decide monitoring (take under, decline, end, reopen) and assign a
    /// matter from the central committee to a provincial one.
    DecideMonitoring,
}

impl Operation {
    pub const ALL: [Operation; 10] = [
        Operation::ReadOrganisation,
        Operation::ReadMembership,
        Operation::ManageOrganisation,
        Operation::ReadAuditTrail,
        Operation::VerifyAuditTrail,
        Operation::ReadCases,
        Operation::ReadCaseDetails,
        Operation::ManageCases,
        Operation::RecordProcedure,
        Operation::DecideMonitoring,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::ReadOrganisation => "READ_ORGANISATION",
            Operation::ReadMembership => "READ_MEMBERSHIP",
            Operation::ManageOrganisation => "MANAGE_ORGANISATION",
            Operation::ReadAuditTrail => "READ_AUDIT_TRAIL",
            Operation::VerifyAuditTrail => "VERIFY_AUDIT_TRAIL",
            Operation::ReadCases => "READ_CASES",
            Operation::ReadCaseDetails => "READ_CASE_DETAILS",
            Operation::ManageCases => "MANAGE_CASES",
            Operation::RecordProcedure => "RECORD_PROCEDURE",
            Operation::DecideMonitoring => "DECIDE_MONITORING",
        }
    }

    /// The roles that may perform this operation (within their reach).
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Operation::ReadOrganisation => &[Admin, Standing, Officer, Agency, Member, Auditor, Analyst],
            Operation::ReadMembership => &[Admin, Standing, Officer, Agency, Member, Auditor],
            Operation::ManageOrganisation => &[Admin],
            Operation::ReadAuditTrail => &[Auditor],
            Operation::VerifyAuditTrail => &[Auditor],
            Operation::ReadCases => &[Standing, Officer, Agency, Member, Auditor],
            Operation::ReadCaseDetails => &[Standing, Officer, Agency, Auditor],
            Operation::ManageCases => &[Standing, Officer],
            Operation::RecordProcedure => &[Standing, Officer, Agency],
            Operation::DecideMonitoring => &[Standing],
        }
    }

    pub fn allows(self, role: Role) -> bool {
        self.allowed_roles().contains(&role)
    }
}

/// What a root field requires before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootRule {
    /// Any caller with a valid token, whatever its grants.
    Authenticated,
    /// A caller holding a role allowed for this operation somewhere.
    Op(Operation),
    /// A caller holding a role for one of these (the field is each of them,
    /// depending on its arguments: `transitionCase` by its step).
    AnyOf(&'static [Operation]),
}

impl RootRule {
    /// Whether a caller with `principal`'s grants passes the rule somewhere.
    pub fn admits(self, principal: &super::Principal) -> bool {
        match self {
            RootRule::Authenticated => true,
            RootRule::Op(op) => principal.holds_any(op.allowed_roles()),
            RootRule::AnyOf(ops) => ops.iter().any(|op| principal.holds_any(op.allowed_roles())),
        }
    }

    /// The operation names, as a refusal or the README states them.
    pub fn describe(self) -> String {
        match self {
            RootRule::Authenticated => "any valid token".to_owned(),
            RootRule::Op(op) => format!("`{}`", op.name()),
            RootRule::AnyOf(ops) => ops.iter().map(|op| format!("`{}`", op.name())).collect::<Vec<_>>().join(" or "),
        }
    }
}

/// Every root field of the API and its rule. A field missing here is refused
/// (default deny), and a test fails if the schema has a root field not listed.
pub const ROOT_FIELDS: &[(&str, RootRule)] = &[
    // Query
    ("me", RootRule::Authenticated),
    ("permissions", RootRule::Authenticated),
    ("node", RootRule::Op(Operation::ReadOrganisation)),
    ("nodes", RootRule::Op(Operation::ReadOrganisation)),
    ("committee", RootRule::Op(Operation::ReadOrganisation)),
    ("committeeByCode", RootRule::Op(Operation::ReadOrganisation)),
    ("committees", RootRule::Op(Operation::ReadOrganisation)),
    ("agencies", RootRule::Op(Operation::ReadOrganisation)),
    ("person", RootRule::Op(Operation::ReadMembership)),
    ("people", RootRule::Op(Operation::ReadMembership)),
    ("position", RootRule::Op(Operation::ReadMembership)),
    ("positions", RootRule::Op(Operation::ReadMembership)),
    ("auditEvents", RootRule::Op(Operation::ReadAuditTrail)),
    ("auditCheckpoints", RootRule::Op(Operation::ReadAuditTrail)),
    ("verifyAuditTrail", RootRule::Op(Operation::VerifyAuditTrail)),
    ("workflow", RootRule::Authenticated),
    ("case", RootRule::Op(Operation::ReadCases)),
    ("caseByReference", RootRule::Op(Operation::ReadCases)),
    ("cases", RootRule::Op(Operation::ReadCases)),
    // Mutation
    ("createCommittee", RootRule::Op(Operation::ManageOrganisation)),
    ("updateCommittee", RootRule::Op(Operation::ManageOrganisation)),
    ("mergeCommittees", RootRule::Op(Operation::ManageOrganisation)),
    ("createPerson", RootRule::Op(Operation::ManageOrganisation)),
    ("updatePerson", RootRule::Op(Operation::ManageOrganisation)),
    ("appointPosition", RootRule::Op(Operation::ManageOrganisation)),
    ("updatePosition", RootRule::Op(Operation::ManageOrganisation)),
    ("endPosition", RootRule::Op(Operation::ManageOrganisation)),
    ("createAuditCheckpoint", RootRule::Op(Operation::VerifyAuditTrail)),
    ("createCase", RootRule::Op(Operation::ManageCases)),
    ("updateCase", RootRule::Op(Operation::ManageCases)),
    ("addCaseReference", RootRule::AnyOf(&[Operation::ManageCases, Operation::RecordProcedure])),
    ("recordDisciplinaryAction", RootRule::Op(Operation::ManageCases)),
    ("recordRecovery", RootRule::Op(Operation::ManageCases)),
    ("transitionCase", RootRule::AnyOf(&[Operation::RecordProcedure, Operation::DecideMonitoring])),
    ("assignCase", RootRule::Op(Operation::DecideMonitoring)),
    ("addDefendant", RootRule::Op(Operation::RecordProcedure)),
    ("updateDefendant", RootRule::Op(Operation::RecordProcedure)),
];

/// The rule for a root field, or `None` (refused) if it has none.
pub fn root_rule(field: &str) -> Option<RootRule> {
    ROOT_FIELDS.iter().find(|(name, _)| *name == field).map(|(_, rule)| *rule)
}

/// The permission table as Markdown (role × operation), for the README.
pub fn markdown_table() -> String {
    let mut out = String::from("| operation |");
    for role in Role::ALL {
        out.push_str(&format!(" {role} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    for op in Operation::ALL {
        out.push_str(&format!("\n| `{}` |", op.name()));
        for role in Role::ALL {
            out.push_str(if op.allows(role) { " ✓ |" } else { " · |" });
        }
    }
    out.push_str("\n\n| root field | requires |\n|---|---|");
    for (field, rule) in ROOT_FIELDS {
        out.push_str(&format!("\n| `{field}` | {} |", rule.describe()));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_allowed_to_some_role() {
        for op in Operation::ALL {
            assert!(!op.allowed_roles().is_empty(), "{op:?} has no role");
        }
    }

    #[test]
    fn root_fields_are_listed_once() {
        let mut names: Vec<_> = ROOT_FIELDS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let len = names.len();
        names.dedup();
        assert_eq!(len, names.len());
    }

    #[test]
    fn an_unlisted_root_field_has_no_rule() {
        assert_eq!(root_rule("dropEverything"), None);
    }
}
