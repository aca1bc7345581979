//! `Viewer`: the caller, their grants and what they may do.

use async_graphql::{Object, SimpleObject};

use super::enums::{PrincipalKind, Role};
use crate::domain::{Operation, Principal};

/// The `Viewer` GraphQL type (documented on its resolvers below).
pub struct Viewer(pub Principal);

/// A role held on one committee.
#[derive(SimpleObject)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The code of the committee it is held on; `CENTRAL` reaches every committee.
    pub committee: String,
}

/// The caller as established from the bearer token.
#[Object]
impl Viewer {
    /// The token's subject.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// Display name, if the token carries one.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// A person, or another system's service account.
    async fn kind(&self) -> PrincipalKind {
        self.0.kind.into()
    }

    /// Roles held, each on one committee.
    async fn grants(&self) -> Vec<Grant> {
        self.0.grants.iter().map(|g| Grant { role: g.role.into(), committee: g.committee.clone() }).collect()
    }

    /// The operations the caller may perform somewhere within their reach.
    async fn operations(&self) -> Vec<super::enums::Operation> {
        Operation::ALL.into_iter().filter(|op| self.0.holds_any(op.allowed_roles())).map(Into::into).collect()
    }
}
