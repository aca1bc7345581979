//! The permission table: which roles may perform each operation, and which
//! operation each root field of the API is. This is the single source of truth:
//! the GraphQL gate enforces it, the tests walk it, docs/api.md renders it
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
    /// Read the figures (statistics) of committees within reach: counts
    /// and amounts, never the records behind them (drilling down into a
    /// figure is `READ_CASES`). The `ANALYST` role's operation.
    ReadStatistics,
}

impl Operation {
    pub const ALL: [Operation; 11] = [
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
        Operation::ReadStatistics,
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
            Operation::ReadStatistics => "READ_STATISTICS",
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
            Operation::ReadStatistics => &[Standing, Officer, Member, Auditor, Analyst],
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

    /// The operation names, as a refusal or docs/api.md states them.
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
    ("lastAuditVerification", RootRule::Op(Operation::VerifyAuditTrail)),
    ("workflow", RootRule::Authenticated),
    ("case", RootRule::Op(Operation::ReadCases)),
    ("caseByReference", RootRule::Op(Operation::ReadCases)),
    ("cases", RootRule::Op(Operation::ReadCases)),
    ("statistics", RootRule::Op(Operation::ReadStatistics)),
    ("statisticsSeries", RootRule::Op(Operation::ReadStatistics)),
    ("figures", RootRule::Authenticated),
    ("figureMatters", RootRule::Op(Operation::ReadCases)),
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
    ("startAuditVerification", RootRule::Op(Operation::VerifyAuditTrail)),
    ("createCase", RootRule::Op(Operation::ManageCases)),
    ("updateCase", RootRule::Op(Operation::ManageCases)),
    ("addCaseReference", RootRule::AnyOf(&[Operation::ManageCases, Operation::RecordProcedure])),
    ("recordDisciplinaryAction", RootRule::Op(Operation::ManageCases)),
    ("recordRecovery", RootRule::Op(Operation::ManageCases)),
    ("reverseRecovery", RootRule::Op(Operation::ManageCases)),
    ("transitionCase", RootRule::AnyOf(&[Operation::RecordProcedure, Operation::DecideMonitoring])),
    ("assignCase", RootRule::Op(Operation::DecideMonitoring)),
    ("addDefendant", RootRule::Op(Operation::RecordProcedure)),
    ("updateDefendant", RootRule::Op(Operation::RecordProcedure)),
];

/// What reading the fields of one type of the schema needs.
#[derive(Clone, Copy, Debug)]
pub struct TypeRule {
    pub type_name: &'static str,
    /// The operation every field of the type needs, over the record's own
    /// committees. `None`: the type has no reach of its own and is read
    /// through the field that leads to it (an audit entry through
    /// `auditEvents` or a case's `history`; a page's `pageInfo`; the
    /// caller's own `me`).
    pub read: Option<Operation>,
    /// Fields that need another operation than the type's.
    pub except: &'static [(&'static str, Operation)],
}

const fn rule(type_name: &'static str, read: Operation) -> TypeRule {
    TypeRule { type_name, read: Some(read), except: &[] }
}

const fn through_parent(type_name: &'static str) -> TypeRule {
    TypeRule { type_name, read: None, except: &[] }
}

/// Field-level rules: every object type of the schema (connections and
/// edges take their nodes' rule) is listed, so a new type or a field that
/// needs more than its type cannot slip in unnoticed (a test walks the
/// schema against this table, another checks each exception is refused).
/// The resolvers ask [`field_rule`].
pub const TYPE_RULES: &[TypeRule] = &[
    TypeRule {
        type_name: "Committee",
        read: Some(Operation::ReadOrganisation),
        except: &[("positions", Operation::ReadMembership), ("standingCommittee", Operation::ReadMembership)],
    },
    rule("Agency", Operation::ReadOrganisation),
    rule("Person", Operation::ReadMembership),
    rule("Position", Operation::ReadMembership),
    rule("AuditCheckpoint", Operation::ReadAuditTrail),
    through_parent("AuditInclusionProof"),
    rule("AuditVerification", Operation::VerifyAuditTrail),
    rule("AuditBreak", Operation::VerifyAuditTrail),
    through_parent("AuditEvent"),
    TypeRule {
        type_name: "Case",
        read: Some(Operation::ReadCases),
        except: &[
            ("defendants", Operation::ReadCaseDetails),
            ("history", Operation::ReadCaseDetails),
            ("lastEvent", Operation::ReadCaseDetails),
        ],
    },
    rule("Defendant", Operation::ReadCaseDetails),
    rule("DefendantCounts", Operation::ReadCases),
    rule("CaseReference", Operation::ReadCases),
    rule("DisciplinaryAction", Operation::ReadCases),
    rule("Recovery", Operation::ReadCases),
    rule("AvailableTransition", Operation::ReadCases),
    through_parent("StepRecord"),
    // A report was computed within the reader's reach for READ_STATISTICS.
    through_parent("StatisticsReport"),
    through_parent("StatisticsRow"),
    through_parent("StatisticsSeries"),
    through_parent("SeriesPoint"),
    through_parent("Figures"),
    through_parent("FigureChange"),
    through_parent("Period"),
    through_parent("FigureDefinition"),
    through_parent("FigureMatters"),
    through_parent("Workflow"),
    through_parent("WorkflowState"),
    through_parent("WorkflowStep"),
    through_parent("Viewer"),
    through_parent("Grant"),
    through_parent("Permission"),
    through_parent("PageInfo"),
    // A mutation's payload is read through the mutation, whose rule it
    // passed; the records in it have their own rules.
    through_parent("CreateCommitteePayload"),
    through_parent("UpdateCommitteePayload"),
    through_parent("MergeCommitteesPayload"),
    through_parent("CreatePersonPayload"),
    through_parent("UpdatePersonPayload"),
    through_parent("AppointPositionPayload"),
    through_parent("UpdatePositionPayload"),
    through_parent("EndPositionPayload"),
    through_parent("CreateAuditCheckpointPayload"),
    through_parent("StartAuditVerificationPayload"),
    through_parent("CreateCasePayload"),
    through_parent("UpdateCasePayload"),
    through_parent("TransitionCasePayload"),
    through_parent("AssignCasePayload"),
    through_parent("AddCaseReferencePayload"),
    through_parent("AddDefendantPayload"),
    through_parent("UpdateDefendantPayload"),
    through_parent("RecordDisciplinaryActionPayload"),
    through_parent("RecordRecoveryPayload"),
    through_parent("ReverseRecoveryPayload"),
];

/// The operation reading `field` of `type_name` needs (its exception or
/// its type's rule); `None` for a type read through its parent or unknown.
pub fn field_rule(type_name: &str, field: &str) -> Option<Operation> {
    let rule = TYPE_RULES.iter().find(|r| r.type_name == type_name)?;
    rule.except.iter().find(|(name, _)| *name == field).map(|(_, op)| *op).or(rule.read)
}

/// The rule for a root field, or `None` (refused) if it has none.
pub fn root_rule(field: &str) -> Option<RootRule> {
    ROOT_FIELDS.iter().find(|(name, _)| *name == field).map(|(_, rule)| *rule)
}

/// The permission table as Markdown (role × operation), for docs/api.md.
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
    out.push_str("\n\nFields that need more than their type (over the record's own committees):\n\n| field | requires |\n|---|---|");
    for rule in TYPE_RULES {
        for (field, op) in rule.except {
            out.push_str(&format!("\n| `{}.{field}` | `{}` |", rule.type_name, op.name()));
        }
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
    fn field_rules_fall_back_to_their_type() {
        assert_eq!(field_rule("Case", "title"), Some(Operation::ReadCases));
        assert_eq!(field_rule("Case", "defendants"), Some(Operation::ReadCaseDetails));
        assert_eq!(field_rule("AuditEvent", "hash"), None);
        assert_eq!(field_rule("Nothing", "x"), None);
    }

    #[test]
    fn an_unlisted_root_field_has_no_rule() {
        assert_eq!(root_rule("dropEverything"), None);
    }
}
