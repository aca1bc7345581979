//! The page arguments of every list an operation selects, checked with the
//! rule the resolvers use (`PageArgs::parse`) before anything runs.

use async_graphql::Positioned;
use async_graphql::parser::types::{Field, OperationDefinition};
use async_graphql::{ServerError, Value, Variables};

use crate::db::page::PageArgs;
use crate::error::{AppError, Reason};
use crate::graphql::pipeline::refusal;

/// What the page arguments of a list are read from.
pub(super) struct Pages<'a> {
    pub(super) op: &'a OperationDefinition,
    pub(super) variables: &'a Variables,
    pub(super) max: u32,
}

impl Pages<'_> {
    /// A list's `first` and `last` are the page rule's ([`PageArgs::parse`],
    /// the one the resolvers apply), checked before anything runs: a page
    /// size out of range is a request error, so it never runs half a
    /// request and wipes the rest (a failed non-null list would make `data`
    /// null). Cursors are checked where they are read.
    pub(super) fn check(&self, field: &Positioned<Field>) -> Result<(), ServerError> {
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
