//! Writes to the audit trail's protection: signing a checkpoint, starting a
//! whole verification. Both need `AUDITOR` on the central committee (the
//! service checks it).

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};

use super::{Meta, run, sent, written};
use crate::error::AppError;
use crate::graphql::context;
use crate::graphql::types::audit::AuditCheckpoint;
use crate::service::audit::AuditKeeper;

#[derive(Default)]
pub struct AuditMutation;

/// A checkpoint to sign now.
#[derive(InputObject, Default)]
pub struct CreateAuditCheckpointInput {
    #[graphql(flatten)]
    pub meta: Meta,
}

/// A whole verification to start.
#[derive(InputObject, Default)]
pub struct StartAuditVerificationInput {
    #[graphql(flatten)]
    pub meta: Meta,
}

/// What `createAuditCheckpoint` signed.
#[derive(SimpleObject)]
pub struct CreateAuditCheckpointPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// The checkpoint covering every chain's head now.
    pub checkpoint: AuditCheckpoint,
}

/// What `startAuditVerification` did.
#[derive(SimpleObject)]
pub struct StartAuditVerificationPayload {
    /// As sent in the input.
    pub client_mutation_id: Option<String>,
    /// True when it started, false when one was already running.
    pub started: bool,
}

fn keeper<'a>(ctx: &Context<'a>) -> crate::error::AppResult<&'a std::sync::Arc<AuditKeeper>> {
    ctx.data_opt::<std::sync::Arc<AuditKeeper>>()
        .ok_or_else(|| AppError::internal(std::io::Error::other("no audit keeper in the schema")))
}

#[Object]
impl AuditMutation {
    /// Signs a checkpoint of every chain's head now (or returns the newest one
    /// if nothing was written since). Requires `AUDITOR` on the central committee.
    async fn create_audit_checkpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: CreateAuditCheckpointInput,
    ) -> Result<CreateAuditCheckpointPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "createAuditCheckpoint")?;
            let db = &context::request(ctx)?.db;
            let done = keeper(ctx)?.checkpoint_for(db, context::viewer(ctx)?, sent.idem()).await?;
            Ok(CreateAuditCheckpointPayload {
                client_mutation_id: sent.client_mutation_id,
                checkpoint: AuditCheckpoint(written(ctx, done)?),
            })
        })
        .await
    }

    /// Starts a verification of every chain from its first entry and of every
    /// checkpoint, in the background (one at a time per instance); its result
    /// shows in `lastAuditVerification`, `/readyz` and the log. Requires
    /// `AUDITOR` on the central committee.
    async fn start_audit_verification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: StartAuditVerificationInput,
    ) -> Result<StartAuditVerificationPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "startAuditVerification")?;
            let db = &context::request(ctx)?.db;
            let done = keeper(ctx)?.start_for(db, context::viewer(ctx)?, sent.idem()).await?;
            Ok(StartAuditVerificationPayload {
                client_mutation_id: sent.client_mutation_id,
                started: written(ctx, done)?,
            })
        })
        .await
    }
}
