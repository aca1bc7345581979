//! What the viewer is to a matter: their roles over its committees (the
//! monitoring one, the assigning one, and the heirs of merged ones) and the
//! agency they act for. The field guards and `availableTransitions` ask it.

use std::collections::HashMap;

use async_graphql::{Context, Result};

use super::Case;
use crate::graphql::context;
use crate::graphql::loaders::CommitteeId;
use crate::service::cases::{self as service, Standing};

impl Case {
    /// What the viewer is to this matter (roles over its committees, agency).
    pub(crate) async fn standing(&self, ctx: &Context<'_>) -> Result<Standing> {
        let viewer = context::viewer(ctx)?;
        if let Some(standing) = service::central_standing(viewer, &self.0) {
            return Ok(standing);
        }
        // Boxed: every field of `Case` resolves in one state machine as large
        // as its largest resolver's, and the committee loads are large.
        Box::pin(self.standing_through_committees(ctx)).await
    }

    async fn standing_through_committees(&self, ctx: &Context<'_>) -> Result<Standing> {
        let req = context::request(ctx)?;
        let viewer = context::viewer(ctx)?;
        let mut ids = vec![self.0.monitoring_committee_id];
        ids.extend(self.0.assigning_committee_id);
        let found = req.org.load_many(ids.iter().map(|id| CommitteeId(*id))).await?;
        let heirs: Vec<CommitteeId> = found.values().filter_map(|c| c.heir_id).map(CommitteeId).collect();
        let more = req.org.load_many(heirs).await?;
        let committees: HashMap<i64, entity::committee::Model> =
            found.into_iter().chain(more).map(|(k, v)| (k.0, v)).collect();
        Ok(service::standing_with(viewer, &self.0, &committees))
    }
}
