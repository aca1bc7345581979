//! The field rules of the permission table (`domain::permissions::TYPE_RULES`)
//! as async-graphql guards. A guard names no field: it reads the type it
//! guards from the resolver's `Self` and the field from the selection being
//! resolved, and looks the rule up in the table, so the table is the only
//! place a rule is written. A field the table does not cover is `INTERNAL`
//! (and `tests/auth.rs` walks the schema so that none is).
//!
//! Two guards: [`FieldRule`], held anywhere in the caller's reach (the
//! records are then limited to the reach by their loaders), and
//! [`MatterRule`], held over one matter's committees and agency.
//!
//! How a guard is applied follows the field's nullability, because
//! async-graphql sends a guard's error to the field's parent:
//! - a non-null field takes it as `#[graphql(guard = "...")]`, and its
//!   refusal nulls the nearest nullable parent, as the spec says;
//! - a nullable field runs it through [`guarded`] (a `context::nullable`
//!   that checks the guard first), so the refusal nulls that field only.

use std::borrow::Cow;

use async_graphql::{Context, Guard, OutputType, Result};

use super::context;
use super::types::Case;
use crate::domain::Operation;
use crate::domain::permissions::field_rule;
use crate::error::{AppError, AppResult};

/// The operation `type_name.field` needs, by the table.
pub fn rule_for(type_name: &str, field: &str) -> AppResult<Operation> {
    field_rule(type_name, field)
        .ok_or_else(|| AppError::internal(std::io::Error::other(format!("no field rule for {type_name}.{field}"))))
}

/// The field being resolved (its schema name, not an alias).
fn field_of<'a>(ctx: &'a Context<'_>) -> &'a str {
    ctx.item.node.name.node.as_str()
}

/// The table's rule for a field of `T`, held anywhere in the caller's reach:
/// `#[graphql(guard = "FieldRule::of::<Self>()")]`.
pub struct FieldRule(Cow<'static, str>);

impl FieldRule {
    pub fn of<T: OutputType>() -> FieldRule {
        FieldRule(T::type_name())
    }
}

impl Guard for FieldRule {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let op = rule_for(&self.0, field_of(ctx))?;
        Ok(context::require(ctx, op)?)
    }
}

/// The table's rule for a field of a type read through one matter, held over
/// that matter (its committees, the agency handling it).
pub struct MatterRule<'a> {
    matter: &'a Case,
    type_name: Cow<'static, str>,
    field: Option<&'static str>,
}

impl<'a> MatterRule<'a> {
    /// The rule for the `Case` field being resolved.
    pub fn of(matter: &'a Case) -> MatterRule<'a> {
        MatterRule { matter, type_name: Case::type_name(), field: None }
    }

    /// The rule for `T.field` over `matter`, for a record read apart from
    /// its matter's field (a node lookup, a mutation's payload).
    pub fn reading<T: OutputType>(matter: &'a Case, field: &'static str) -> MatterRule<'a> {
        MatterRule { matter, type_name: T::type_name(), field: Some(field) }
    }
}

impl Guard for MatterRule<'_> {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let field = self.field.unwrap_or_else(|| field_of(ctx));
        let op = rule_for(&self.type_name, field)?;
        if self.matter.standing(ctx).await?.may(op) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "operation {} ({}.{field}) is not granted to your roles on this matter",
                op.name(),
                self.type_name
            ))
            .into())
        }
    }
}

/// A nullable field behind `guard`: null with the guard's error if it
/// refuses, else `value` (as [`context::nullable`]).
pub fn guarded<'a, T: 'a>(
    ctx: &'a Context<'_>,
    guard: impl Guard + Send + Sync + 'a,
    value: impl std::future::Future<Output = Result<Option<T>>> + Send + 'a,
) -> impl std::future::Future<Output = Option<T>> + Send + 'a {
    context::nullable(ctx, async move {
        guard.check(ctx).await?;
        value.await
    })
}

#[cfg(test)]
mod tests {
    /// A guard given as an attribute sends its refusal to the field's
    /// parent, which is right only for a non-null field: a nullable one
    /// takes its guard through `guarded`, so the refusal nulls just it.
    #[test]
    fn no_nullable_field_takes_its_guard_as_an_attribute() {
        fn scan(dir: &std::path::Path, offenders: &mut Vec<String>, guards: &mut usize) {
            for entry in std::fs::read_dir(dir).expect("src/graphql is readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    scan(&path, offenders, guards);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a source file is readable");
                for (at, _) in text.match_indices("guard = \"") {
                    let line = &text[text[..at].rfind('\n').map_or(0, |n| n + 1)..at];
                    if !line.trim_start().starts_with("#[graphql(") {
                        continue;
                    }
                    *guards += 1;
                    // The signature the attribute belongs to, up to its body.
                    let rest = &text[at..];
                    let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
                    let returns = signature.rsplit_once("->").map_or("", |(_, r)| r.trim());
                    if returns.starts_with("Option<") {
                        offenders.push(format!("{}: {}", path.display(), &signature[..signature.len().min(120)]));
                    }
                }
            }
        }
        let (mut offenders, mut guards) = (Vec::new(), 0);
        scan(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql"), &mut offenders, &mut guards);
        assert!(guards >= 2, "the scan found the guarded fields: {guards}");
        assert!(offenders.is_empty(), "use guards::guarded for: {offenders:#?}");
    }
}
