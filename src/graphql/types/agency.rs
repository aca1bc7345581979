//! `Agency`: an advisory or functional agency attached to a committee.

use async_graphql::{Context, ID, Object, Result};
use entity::agency;

use super::Boxed;
use super::committee::Committee;
use super::enums::AgencyKind;
use crate::domain::org;
use crate::error::AppError;
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::CommitteeId;

/// The `Agency` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct Agency(pub agency::Model);

/// An agency working with a committee: its advisory agency, or a functional
/// agency (police, procuracy, court, inspectorate, state audit, Party inspection)
/// through whose hands cases move.
#[Object]
impl Agency {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Agency, self.0.id)
    }

    /// What the agency is to its committee.
    async fn kind(&self) -> Result<AgencyKind> {
        let kind = org::AgencyKind::parse(&self.0.kind);
        Ok(kind.ok_or_else(|| AppError::unknown_stored("agency", self.0.id, "kind", &self.0.kind))?.into())
    }

    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The committee the agency works with.
    async fn committee(&self, ctx: &Context<'_>) -> Option<Boxed<Committee>> {
        context::nullable(ctx, async {
            Ok(context::request(ctx)?.org.load_one(CommitteeId(self.0.committee_id)).await?.map(Committee))
        })
        .await
        .map(Boxed::from)
    }
}
