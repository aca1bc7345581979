//! A verification of the trail and the breaks it found.

use async_graphql::{Context, Object};

use crate::domain::audit;
use crate::graphql::types::scalars::DateTime;

use super::checkpoint::{AuditCheckpoint, referenced};

/// The `AuditVerification` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditVerification(pub crate::service::audit::Verification);

/// The result of verifying the audit trail.
#[Object]
impl AuditVerification {
    /// True when every chain checked is intact and agrees with the signed checkpoints.
    async fn ok(&self) -> bool {
        self.0.problem.is_none()
    }

    /// When the verification ran.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The checkpoint it started from: the newest one this instance had
    /// verified the whole trail up to, so only what was appended since was
    /// walked. Null when every chain was walked from its first entry (the
    /// background verification, or `startAuditVerification`).
    async fn from_checkpoint(&self, ctx: &Context<'_>) -> Option<AuditCheckpoint> {
        crate::graphql::context::nullable(ctx, referenced(ctx, self.0.from_checkpoint)).await
    }

    /// Chains walked.
    async fn chains(&self) -> u64 {
        self.0.chains
    }

    /// Entries checked.
    async fn entries(&self) -> u64 {
        self.0.entries
    }

    /// Checkpoints whose signatures were checked.
    async fn checkpoints(&self) -> u64 {
        self.0.checkpoints
    }

    /// The first problem found, if any.
    async fn problem(&self) -> Option<AuditBreak> {
        self.0.problem.clone().map(AuditBreak)
    }
}

/// The `AuditBreak` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct AuditBreak(pub audit::Break);

/// The first place the audit trail fails verification.
#[Object]
impl AuditBreak {
    /// What is wrong.
    async fn kind(&self) -> crate::graphql::types::enums::AuditBreakKind {
        self.0.kind.into()
    }

    /// The chain, when the problem is in one.
    async fn chain(&self) -> Option<&str> {
        self.0.chain.as_deref()
    }

    /// The place in the chain where it breaks.
    async fn seq(&self) -> Option<i64> {
        self.0.seq
    }

    /// The checkpoint involved, if any and if it is still stored (a
    /// `CHECKPOINT_MISSING` break names one that is not: see `checkpointNumber`).
    async fn checkpoint(&self, ctx: &Context<'_>) -> Option<AuditCheckpoint> {
        crate::graphql::context::nullable(ctx, referenced(ctx, self.0.checkpoint_id)).await
    }

    /// The number of the checkpoint involved, if any, also when it is gone.
    async fn checkpoint_number(&self) -> Option<i64> {
        self.0.checkpoint_id
    }

    /// A sentence for people.
    async fn detail(&self) -> &str {
        &self.0.detail
    }
}
