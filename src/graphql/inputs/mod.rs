//! Request inputs, checked before anything runs: every variable is coerced
//! against its declared type (the spec's CoerceVariableValues, so a bad
//! variable is a request error whose `extensions.field` names it), and no
//! string anywhere — variables or literals — carries NUL or control
//! characters, which the two databases would treat differently.

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ServerError, Value, Variables};

use super::pipeline::refusal;
use crate::error::Reason;

mod literals;
mod pages;

use literals::{coerce, strings, typed_literals};
use pages::Pages;

/// An input that breaks a rule: its path and what is wrong.
struct Bad {
    path: Vec<String>,
    message: String,
}

fn error(reason: Reason, bad: Bad) -> ServerError {
    let shown = bad.path.join(".");
    let mut err = refusal(reason, format!("`{shown}`: {}", bad.message));
    if let Some(ext) = err.extensions.as_mut() {
        ext.set("field", bad.path);
    }
    err
}

/// Checks the variables of `op`, the string literals of the whole document
/// and the page arguments of every list it selects (`max_page_size` the
/// largest page).
pub fn check(
    registry: &Registry,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Variables,
    max_page_size: u32,
) -> Result<(), ServerError> {
    for def in &op.variable_definitions {
        let name = def.node.name.node.as_str();
        let mut path = vec![format!("${name}")];
        let ty = def.node.var_type.node.to_string();
        let given = variables.get(&def.node.name.node);
        let value = match (given, &def.node.default_value) {
            (Some(v), _) => v,
            (None, Some(default)) => &default.node,
            (None, None) if ty.ends_with('!') => {
                return Err(error(
                    Reason::InvalidVariable,
                    Bad { path, message: format!("a value of type {ty} is required") },
                ));
            }
            (None, None) => continue,
        };
        coerce(registry, &ty, value, &mut path).map_err(|bad| error(Reason::InvalidVariable, bad))?;
    }
    let root = match op.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    if let Some(root) = root {
        let pages = Pages { op, variables, max: max_page_size };
        typed_literals(registry, doc, &pages, &op.selection_set.node, root, &mut Vec::new())?;
    }
    let mut sets: Vec<&SelectionSet> = vec![&op.selection_set.node];
    sets.extend(doc.fragments.values().map(|f| &f.node.selection_set.node));
    while let Some(set) = sets.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    typename_alone(registry, &f.node)?;
                    for (name, value) in &f.node.arguments {
                        // Variables were checked above; only the literal parts remain.
                        let literal = value.node.clone().into_const_with(|_| Ok::<_, ()>(Value::Null));
                        if let Ok(literal) = literal {
                            strings(&literal, &mut vec![name.node.to_string()])
                                .map_err(|bad| error(Reason::InvalidArgument, bad))?;
                        }
                    }
                    sets.push(&f.node.selection_set.node);
                }
                Selection::InlineFragment(f) => sets.push(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    Ok(())
}

/// Removes, from the selected operation, every use of a variable the request
/// did not provide and that has no default: the spec treats such an argument
/// (or input field) as not given, but async-graphql refuses the whole
/// document ("Variable x is not defined"). A list entry becomes null. The
/// variable's definition goes too, so no "unused variable" error follows.
pub fn drop_absent_variables(doc: &mut ExecutableDocument, name: Option<&str>, variables: &Variables) {
    let Some(op) = super::gate::operation(doc, name) else { return };
    let absent: Vec<async_graphql::Name> = op
        .node
        .variable_definitions
        .iter()
        .filter(|d| d.node.default_value.is_none() && !variables.contains_key(&d.node.name.node))
        .map(|d| d.node.name.node.clone())
        .collect();
    if absent.is_empty() {
        return;
    }
    let op_name = name.map(async_graphql::Name::new);
    let mut sets: Vec<&mut SelectionSet> = Vec::new();
    let chosen = match &mut doc.operations {
        async_graphql::parser::types::DocumentOperations::Single(op) => Some(op),
        async_graphql::parser::types::DocumentOperations::Multiple(ops) => match &op_name {
            Some(n) => ops.get_mut(n),
            None => ops.values_mut().next(),
        },
    };
    if let Some(op) = chosen {
        op.node.variable_definitions.retain(|d| !absent.contains(&d.node.name.node));
        sets.push(&mut op.node.selection_set.node);
    }
    sets.extend(doc.fragments.values_mut().map(|f| &mut f.node.selection_set.node));
    while let Some(set) = sets.pop() {
        for item in &mut set.items {
            match &mut item.node {
                Selection::Field(f) => {
                    let field = &mut f.node;
                    field.arguments.retain(|(_, v)| !is_absent(&v.node, &absent));
                    for (_, v) in &mut field.arguments {
                        strip_absent(&mut v.node, &absent);
                    }
                    for d in &mut field.directives {
                        d.node.arguments.retain(|(_, v)| !is_absent(&v.node, &absent));
                    }
                    sets.push(&mut field.selection_set.node);
                }
                Selection::InlineFragment(f) => sets.push(&mut f.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
}

fn is_absent(value: &async_graphql_value::Value, absent: &[async_graphql::Name]) -> bool {
    matches!(value, async_graphql_value::Value::Variable(v) if absent.contains(v))
}

fn strip_absent(value: &mut async_graphql_value::Value, absent: &[async_graphql::Name]) {
    use async_graphql_value::Value as Raw;
    match value {
        Raw::Object(map) => {
            map.retain(|_, v| !is_absent(v, absent));
            map.values_mut().for_each(|v| strip_absent(v, absent));
        }
        Raw::List(items) => {
            for item in items.iter_mut() {
                if is_absent(item, absent) {
                    *item = Raw::Null;
                } else {
                    strip_absent(item, absent);
                }
            }
        }
        _ => {}
    }
}

/// async-graphql's validator skips `__typename` fields altogether, so an
/// unknown directive or an argument on one would pass where it is refused
/// on every other field: refused here, as the validator would.
fn typename_alone(registry: &Registry, field: &async_graphql::parser::types::Field) -> Result<(), ServerError> {
    if field.name.node != "__typename" {
        return Ok(());
    }
    let refuse = |message: String| Err(refusal(Reason::GraphqlValidationFailed, message));
    if let Some((name, _)) = field.arguments.first() {
        return refuse(format!("Unknown argument \"{}\" on field \"__typename\"", name.node));
    }
    for directive in &field.directives {
        let name = directive.node.name.node.as_str();
        match registry.directives.get(name) {
            None => return refuse(format!("Unknown directive \"@{name}\"")),
            Some(known) if !known.locations.contains(&async_graphql::registry::__DirectiveLocation::FIELD) => {
                return refuse(format!("Directive \"@{name}\" may not be used on a field"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
