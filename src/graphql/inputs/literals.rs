//! Literal arguments checked against their declared types, and every
//! value's strings and coercion.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{ServerError, Value};

use crate::domain::input::string_problem;
use crate::error::Reason;

use super::pages::Pages;
use super::{Bad, error};

/// The literal arguments of a selection on `parent`, checked against their
/// declared types where async-graphql is lenient: the spec's "Values of
/// Correct Type" makes a string where an enum is expected (`kind: "CASE"`) a
/// validation error, which graphql-js enforces and async-graphql does not.
/// Fields and types the schema lacks are left to the validator. The page
/// arguments of every list are checked on the way ([`Pages::check`]).
pub(super) fn typed_literals<'a>(
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
pub(super) fn strings(value: &Value, path: &mut Vec<String>) -> Result<(), Bad> {
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
pub(super) fn coerce(registry: &Registry, ty: &str, value: &Value, path: &mut Vec<String>) -> Result<(), Bad> {
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
