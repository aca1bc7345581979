//! Checks made on a parsed document before it runs: the limits the parser and
//! validator do not cover (aliases, root fields), and the permission gate —
//! every root field must have a rule in the permission table and the caller
//! must satisfy it (default deny). Runs once per operation, so resolvers pay
//! nothing per field for it.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Name, Pos, Positioned};

use crate::config::Limits;
use crate::domain::{Principal, permissions};
use crate::error::{Code, Reason};

/// Why a document may not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: Code,
    /// Machine-readable detail, e.g. `MAX_ALIASES`.
    pub reason: Reason,
    pub message: String,
    pub pos: Option<Pos>,
}

impl Refusal {
    fn new(reason: Reason, message: impl Into<String>, pos: Option<Pos>) -> Self {
        Refusal { code: reason.code(), reason, message: message.into(), pos }
    }
}

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// The operation a request will run, if the document names it unambiguously.
pub fn operation<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a Positioned<OperationDefinition>> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    }
}

/// Root fields that are costly whatever their complexity says: each takes
/// one of the costly-execution slots, and an operation may select one of
/// them at most once (a verification of the audit trail reads every entry
/// it covers; ten aliases of it would cost ten).
pub const ALWAYS_COSTLY: &[&str] = &["verifyAuditTrail"];

/// What the gate found of an operation it lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    pub ty: OperationType,
    /// It selects a field of [`ALWAYS_COSTLY`].
    pub costly: bool,
}

/// Checks limits and permissions for the operation `name` of `doc`.
/// `is_root_field(type, field)` tells whether the schema's root type for the
/// operation has that field. Fails closed: when the operation to run cannot
/// be determined, nothing runs.
pub fn check(
    doc: &ExecutableDocument,
    name: Option<&str>,
    limits: &Limits,
    is_root_field: impl Fn(OperationType, &str) -> bool,
    principal: Option<&Principal>,
) -> Result<Admitted, Refusal> {
    let Some(op) = operation(doc, name) else {
        let message = match name {
            Some(name) => format!("the document has no operation named `{name}`"),
            None => "the document holds several operations: name the one to run (`operationName`)".to_owned(),
        };
        return Err(Refusal::new(Reason::UnknownOperation, message, None));
    };

    let mut memo = HashMap::new();
    let aliases = count_aliases(&op.node.selection_set.node, &doc.fragments, &mut memo, &mut Vec::new());
    if aliases > limits.max_aliases {
        return Err(Refusal::new(
            Reason::MaxAliases,
            format!("the operation uses more than {} aliases", limits.max_aliases),
            Some(op.pos),
        ));
    }

    let mut roots = Vec::new();
    collect_root_fields(&op.node.selection_set.node, &doc.fragments, &mut roots, &mut HashSet::new());
    if roots.len() > limits.max_root_fields {
        return Err(Refusal::new(
            Reason::MaxRootFields,
            format!("the operation selects more than {} root fields", limits.max_root_fields),
            Some(op.pos),
        ));
    }

    let mut keys = Vec::new();
    costly_keys(&op.node.selection_set.node, &doc.fragments, &mut keys, &mut HashSet::new());
    if let Some((field, pos)) = keys.get(1) {
        return Err(Refusal::new(
            Reason::MaxCostlyFields,
            format!("an operation may select one of {} once; `{field}` is the second", ALWAYS_COSTLY.join(", ")),
            Some(*pos),
        ));
    }
    let costly = !keys.is_empty();
    for (field, pos) in roots {
        if field == "__schema" || field == "__type" {
            if !limits.introspection {
                return Err(Refusal::new(
                    Reason::IntrospectionDisabled,
                    "introspection is disabled on this server",
                    Some(pos),
                ));
            }
            continue;
        }
        if field == "__typename" {
            continue;
        }
        let rule = permissions::root_rule(field);
        let Some(rule) = rule else {
            if is_root_field(op.node.ty, field) {
                return Err(Refusal::new(
                    Reason::NoRule,
                    format!("`{field}` has no permission rule and is refused"),
                    Some(pos),
                ));
            }
            continue; // unknown field: the validator says so
        };
        let Some(principal) = principal else {
            return Err(Refusal::new(Reason::NoToken, format!("`{field}` needs a bearer token"), Some(pos)));
        };
        if !rule.admits(principal) {
            return Err(Refusal::new(
                Reason::RoleMissing,
                format!(
                    "`{field}` is operation {}, which none of the caller's roles grants",
                    rule.describe().replace('`', "")
                ),
                Some(pos),
            ));
        }
    }
    Ok(Admitted { ty: op.node.ty, costly })
}

/// Aliases in a selection set as execution would meet them (a fragment counts
/// at every spread), memoised per fragment so even a fragment bomb is checked
/// in linear time.
fn count_aliases(
    set: &SelectionSet,
    fragments: &Fragments,
    memo: &mut HashMap<Name, usize>,
    stack: &mut Vec<Name>,
) -> usize {
    let mut n = 0usize;
    for item in &set.items {
        n = n.saturating_add(match &item.node {
            Selection::Field(f) => usize::from(f.node.alias.is_some()).saturating_add(count_aliases(
                &f.node.selection_set.node,
                fragments,
                memo,
                stack,
            )),
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node, fragments, memo, stack),
            Selection::FragmentSpread(s) => {
                let name = &s.node.fragment_name.node;
                if let Some(n) = memo.get(name) {
                    *n
                } else if stack.contains(name) {
                    0 // a cycle: the validator refuses it
                } else if let Some(def) = fragments.get(name) {
                    stack.push(name.clone());
                    let n = count_aliases(&def.node.selection_set.node, fragments, memo, stack);
                    stack.pop();
                    memo.insert(name.clone(), n);
                    n
                } else {
                    0
                }
            }
        });
    }
    n
}

/// The distinct root field names of an operation (fragments expanded once).
fn collect_root_fields<'a>(
    set: &'a SelectionSet,
    fragments: &'a Fragments,
    out: &mut Vec<(&'a str, Pos)>,
    seen: &mut HashSet<&'a Name>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                if !out.iter().any(|(n, _)| *n == name) {
                    out.push((name, f.pos));
                }
            }
            Selection::InlineFragment(f) => collect_root_fields(&f.node.selection_set.node, fragments, out, seen),
            Selection::FragmentSpread(s) => {
                let name = &s.node.fragment_name.node;
                if seen.insert(name)
                    && let Some(def) = fragments.get(name)
                {
                    collect_root_fields(&def.node.selection_set.node, fragments, out, seen);
                }
            }
        }
    }
}

/// The response keys (alias or name) under which the root selection selects
/// a field of [`ALWAYS_COSTLY`], each once.
fn costly_keys<'a>(
    set: &'a SelectionSet,
    fragments: &'a Fragments,
    out: &mut Vec<(&'a str, Pos)>,
    seen: &mut HashSet<&'a Name>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let key = f.node.response_key().node.as_str();
                if ALWAYS_COSTLY.contains(&f.node.name.node.as_str()) && !out.iter().any(|(k, _)| *k == key) {
                    out.push((key, f.pos));
                }
            }
            Selection::InlineFragment(f) => costly_keys(&f.node.selection_set.node, fragments, out, seen),
            Selection::FragmentSpread(s) => {
                let name = &s.node.fragment_name.node;
                if seen.insert(name)
                    && let Some(def) = fragments.get(name)
                {
                    costly_keys(&def.node.selection_set.node, fragments, out, seen);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::principal::PrincipalKind;

    fn run(query: &str, grants: Option<&[&str]>) -> Result<Admitted, Refusal> {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let principal = grants.map(|g| Principal {
            subject: "t".into(),
            name: None,
            kind: PrincipalKind::Person,
            grants: g.iter().map(|s| s.parse().unwrap()).collect(),
            agency: None,
        });
        let known = |_: OperationType, f: &str| {
            ["committees", "createCommittee", "secretField", "verifyAuditTrail"].contains(&f)
        };
        check(&doc, None, &Limits::default(), known, principal.as_ref())
    }

    #[test]
    fn a_verification_is_always_costly_and_selected_once_per_operation() {
        let auditor = Some(&["AUDITOR@CENTRAL"][..]);
        assert!(run("{ verifyAuditTrail { ok } }", auditor).unwrap().costly);
        assert!(!run("{ committees(first: 1) { totalCount } }", auditor).unwrap().costly);
        for twice in [
            "{ a: verifyAuditTrail { ok } b: verifyAuditTrail { ok } }",
            "{ verifyAuditTrail { ok } ...F } fragment F on Query { again: verifyAuditTrail { ok } }",
        ] {
            assert_eq!(run(twice, auditor).unwrap_err().reason, Reason::MaxCostlyFields, "{twice}");
        }
    }

    #[test]
    fn a_reader_may_list_but_not_create() {
        assert!(run("{ committees(first: 1) { totalCount } }", Some(&["MEMBER@NGHE_AN"])).is_ok());
        let refused = run("mutation { createCommittee { id } }", Some(&["MEMBER@NGHE_AN"])).unwrap_err();
        assert_eq!((refused.code, refused.reason), (Code::Forbidden, Reason::RoleMissing));
    }

    #[test]
    fn no_token_is_unauthenticated_but_typename_is_free() {
        assert_eq!(run("{ committees(first: 1) { totalCount } }", None).unwrap_err().code, Code::Unauthenticated);
        assert!(run("{ __typename }", None).is_ok());
    }

    #[test]
    fn an_operation_that_cannot_be_determined_is_refused() {
        let two = "query A { committees(first: 1) { totalCount } } query B { __typename }";
        assert_eq!(run(two, Some(&["ADMIN@CENTRAL"])).unwrap_err().reason, Reason::UnknownOperation);
        let doc = async_graphql::parser::parse_query(two).unwrap();
        let refused = check(&doc, Some("C"), &Limits::default(), |_, _| true, None).unwrap_err();
        assert_eq!(refused.reason, Reason::UnknownOperation);
    }

    #[test]
    fn a_schema_field_without_a_rule_is_refused() {
        assert_eq!(run("{ secretField }", Some(&["ADMIN@CENTRAL"])).unwrap_err().reason, Reason::NoRule);
    }

    #[test]
    fn fragments_cannot_hide_root_fields_or_multiply_aliases() {
        let q = "query { ...A } fragment A on Query { ...B } fragment B on Query { createCommittee }";
        assert_eq!(run(q, Some(&["MEMBER@CENTRAL"])).unwrap_err().reason, Reason::RoleMissing);
        let mut q = String::from("query { ...F0 } ");
        for i in 0..30 {
            q.push_str(&format!("fragment F{i} on Query {{ a{i}: __typename ...F{} ...F{} }} ", i + 1, i + 1));
        }
        q.push_str("fragment F30 on Query { __typename }");
        assert_eq!(run(&q, None).unwrap_err().reason, Reason::MaxAliases);
    }
}
