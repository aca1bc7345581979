//! Request inputs, checked before anything runs: every variable is coerced
//! against its declared type (the spec's CoerceVariableValues, so a bad
//! variable is a request error whose `extensions.field` names it), and no
//! string anywhere — variables or literals — carries NUL or control
//! characters, which the two databases would treat differently.

use async_graphql::Positioned;
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{ServerError, Value, Variables};

use super::pipeline::refusal;
use crate::db::page::PageArgs;
use crate::domain::input::string_problem;
use crate::error::{AppError, Reason};

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

/// What the page arguments of a list are read from.
struct Pages<'a> {
    op: &'a OperationDefinition,
    variables: &'a Variables,
    max: u32,
}

impl Pages<'_> {
    /// A list's `first` and `last` are the page rule's ([`PageArgs::parse`],
    /// the one the resolvers apply), checked before anything runs: a page
    /// size out of range is a request error, so it never runs half a
    /// request and wipes the rest (a failed non-null list would make `data`
    /// null). Cursors are checked where they are read.
    fn check(&self, field: &Positioned<Field>) -> Result<(), ServerError> {
        let size = |arg: &str| -> Option<i32> {
            let (_, value) = field.node.arguments.iter().find(|(name, _)| name.node == arg)?;
            let value = match &value.node {
                async_graphql_value::Value::Variable(name) => match self.variables.get(name) {
                    Some(v) => v.clone(),
                    None => self
                        .op
                        .variable_definitions
                        .iter()
                        .find(|d| d.node.name.node == *name)
                        .and_then(|d| d.node.default_value.as_ref())
                        .map(|d| d.node.clone())?,
                },
                literal => literal.clone().into_const()?,
            };
            // Not an Int at all is the validator's to refuse; an Int beyond
            // 32 bits is out of range as any too large page is.
            let Value::Number(n) = value else { return None };
            n.as_i64().map(|n| i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX }))
        };
        match PageArgs::parse(size("first"), None, size("last"), None, self.max) {
            Ok(_) => Ok(()),
            Err(AppError::BadUserInput { field: path, message }) => {
                let mut err = refusal(Reason::InvalidArgument, format!("`{}`: {message}", field.node.name.node));
                err.locations.push(field.pos);
                if let Some(ext) = err.extensions.as_mut() {
                    ext.set("field", path);
                }
                Err(err)
            }
            Err(other) => Err(async_graphql::Error::from(other).into_server_error(field.pos)),
        }
    }
}

/// The literal arguments of a selection on `parent`, checked against their
/// declared types where async-graphql is lenient: the spec's "Values of
/// Correct Type" makes a string where an enum is expected (`kind: "CASE"`) a
/// validation error, which graphql-js enforces and async-graphql does not.
/// Fields and types the schema lacks are left to the validator. The page
/// arguments of every list are checked on the way ([`Pages::check`]).
fn typed_literals<'a>(
    registry: &Registry,
    doc: &'a ExecutableDocument,
    pages: &Pages<'_>,
    set: &'a SelectionSet,
    parent: &str,
    spread: &mut Vec<&'a str>,
) -> Result<(), ServerError> {
    let Some(parent_type) = registry.types.get(parent) else { return Ok(()) };
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let Some(field) = parent_type.field_by_name(f.node.name.node.as_str()) else { continue };
                for (name, value) in &f.node.arguments {
                    let Some(arg) = field.args.get(name.node.as_str()) else { continue };
                    enum_literal(registry, &arg.ty, &value.node, &mut vec![name.node.to_string()])
                        .map_err(|bad| error(Reason::InvalidArgument, bad))?;
                }
                if field.args.contains_key("first") {
                    pages.check(f)?;
                }
                let returns = MetaTypeName::concrete_typename(&field.ty);
                typed_literals(registry, doc, pages, &f.node.selection_set.node, returns, spread)?;
            }
            Selection::InlineFragment(f) => {
                let on = f.node.type_condition.as_ref().map_or(parent, |c| c.node.on.node.as_str());
                typed_literals(registry, doc, pages, &f.node.selection_set.node, on, spread)?;
            }
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.as_str();
                if spread.contains(&name) {
                    continue;
                }
                let Some(def) = doc.fragments.get(&s.node.fragment_name.node) else { continue };
                spread.push(name);
                let on = def.node.type_condition.node.on.node.as_str();
                typed_literals(registry, doc, pages, &def.node.selection_set.node, on, spread)?;
                spread.pop();
            }
        }
    }
    Ok(())
}

/// A literal of the input type `ty` holds no string where an enum value goes.
fn enum_literal(
    registry: &Registry,
    ty: &str,
    value: &async_graphql_value::Value,
    path: &mut Vec<String>,
) -> Result<(), Bad> {
    use async_graphql_value::Value as Raw;
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => enum_literal(registry, inner, value, path),
        MetaTypeName::List(inner) => match value {
            Raw::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| nested(path, i.to_string(), |p| enum_literal(registry, inner, v, p))),
            other => enum_literal(registry, inner, other, path),
        },
        MetaTypeName::Named(name) => match (registry.types.get(name), value) {
            (Some(MetaType::Enum { .. }), Raw::String(s)) => Err(Bad {
                path: path.clone(),
                message: format!(
                    "expected a value of the enum {name}, found the string \"{}\" (write it without quotes)",
                    s.escape_debug()
                ),
            }),
            (Some(MetaType::InputObject { input_fields, .. }), Raw::Object(map)) => {
                map.iter().try_for_each(|(k, v)| match input_fields.get(k.as_str()) {
                    Some(field) => nested(path, k.to_string(), |p| enum_literal(registry, &field.ty, v, p)),
                    None => Ok(()),
                })
            }
            _ => Ok(()),
        },
    }
}

/// Every string in a literal argument value is free of control characters.
fn strings(value: &Value, path: &mut Vec<String>) -> Result<(), Bad> {
    match value {
        Value::String(s) => match string_problem(s) {
            Some(message) => Err(Bad { path: path.clone(), message: message.to_owned() }),
            None => Ok(()),
        },
        Value::List(items) => {
            items.iter().enumerate().try_for_each(|(i, v)| nested(path, i.to_string(), |p| strings(v, p)))
        }
        Value::Object(map) => map.iter().try_for_each(|(k, v)| nested(path, k.to_string(), |p| strings(v, p))),
        _ => Ok(()),
    }
}

fn nested<T>(path: &mut Vec<String>, segment: String, f: impl FnOnce(&mut Vec<String>) -> T) -> T {
    path.push(segment);
    let out = f(path);
    path.pop();
    out
}

/// Whether `value` can be coerced to the input type `ty` (e.g. `[ID!]!`).
fn coerce(registry: &Registry, ty: &str, value: &Value, path: &mut Vec<String>) -> Result<(), Bad> {
    let bad = |path: &Vec<String>, message: String| Err(Bad { path: path.clone(), message });
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => match value {
            Value::Null => bad(path, format!("must not be null (type {ty})")),
            _ => coerce(registry, inner, value, path),
        },
        MetaTypeName::List(inner) => match value {
            Value::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| nested(path, i.to_string(), |p| coerce(registry, inner, v, p))),
            Value::Null => Ok(()),
            // A single value stands for a list of one.
            other => coerce(registry, inner, other, path),
        },
        MetaTypeName::Named(name) => {
            if let Value::Null = value {
                return Ok(());
            }
            if let Value::String(s) = value
                && let Some(problem) = string_problem(s)
            {
                return bad(path, problem.to_owned());
            }
            let expected = || bad(path, format!("expected a value of type {name}"));
            match (registry.types.get(name), value) {
                (Some(MetaType::Scalar { is_valid, .. }), v) => {
                    let fits = match (name, v) {
                        // The built-in scalars, as the spec coerces them.
                        ("Int", Value::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                        ("Float", Value::Number(_)) | ("String", Value::String(_)) | ("Boolean", Value::Boolean(_)) => {
                            true
                        }
                        ("ID", Value::String(_)) => true,
                        ("ID", Value::Number(n)) => n.is_i64(),
                        ("Int" | "Float" | "String" | "Boolean" | "ID", _) => false,
                        // Ours check themselves (`Date`, `DateTime`, ...).
                        (_, v) => is_valid.as_ref().is_none_or(|is_valid| is_valid(v)),
                    };
                    if fits { Ok(()) } else { expected() }
                }
                (Some(MetaType::Enum { enum_values, .. }), Value::String(s))
                    if enum_values.contains_key(s.as_str()) =>
                {
                    Ok(())
                }
                (Some(MetaType::Enum { enum_values, .. }), Value::Enum(s)) if enum_values.contains_key(s.as_str()) => {
                    Ok(())
                }
                (Some(MetaType::Enum { enum_values, .. }), _) => {
                    let names: Vec<&str> = enum_values.keys().map(String::as_str).collect();
                    bad(path, format!("expected one of {}", names.join(", ")))
                }
                (Some(MetaType::InputObject { input_fields, .. }), Value::Object(map)) => {
                    if let Some(unknown) = map.keys().find(|k| !input_fields.contains_key(k.as_str())) {
                        return nested(path, unknown.to_string(), |p| bad(p, format!("{name} has no such field")));
                    }
                    for (field, def) in input_fields {
                        let given = map.iter().find(|(k, _)| k.as_str() == field).map(|(_, v)| v);
                        nested(path, field.clone(), |p| match given {
                            Some(v) => coerce(registry, &def.ty, v, p),
                            None if def.ty.ends_with('!') && def.default_value.is_none() => {
                                bad(p, format!("a value of type {} is required", def.ty))
                            }
                            None => Ok(()),
                        })?;
                    }
                    Ok(())
                }
                _ => expected(),
            }
        }
    }
}
