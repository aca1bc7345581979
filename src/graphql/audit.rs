//! The audit area of the API: the trail, its signed checkpoints, and
//! verification. Merged into the root `Query` and `Mutation`.

use async_graphql::{Context, ID, Object, Result};
use entity::{audit_checkpoint, audit_event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::context;
use super::ids::{self, Kind};
use super::paging::{self, Conn, Extra};
use super::types::AuditEvent;
use super::types::audit::{AuditCheckpoint, AuditVerification};
use super::types::committee::paging_cost;
use crate::db::page::{self, KeyKind, Sort, SortKey};
use crate::db::reach;
use crate::domain::{Operation, Reach};
use crate::error::{AppError, AppResult};
use crate::service::audit::AuditKeeper;

#[derive(Default)]
pub struct AuditQuery;

fn keeper<'a>(ctx: &Context<'a>) -> AppResult<&'a AuditKeeper> {
    ctx.data_opt::<std::sync::Arc<AuditKeeper>>()
        .map(|k| k.as_ref())
        .ok_or_else(|| AppError::internal(std::io::Error::other("no audit keeper in the schema")))
}

#[Object]
impl AuditQuery {
    /// The audit trail within the caller's reach, newest first.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)] // the four paging arguments and the filters, as the SDL has them
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the entries this committee's reach covers: its own chain (`committee:<n>`) and \
                          the entries of matters' histories (`case:<n>`) written while it monitored them.")]
        committee_id: Option<ID>,
        #[graphql(desc = "Only the entries of this chain, named as `AuditEvent.chain` names it \
                          (`committee:<n>` or `case:<n>`); one outside the caller's reach is empty.")]
        chain: Option<String>,
        #[graphql(
            desc = "The first n items, n from 1 to the page size limit (100 unless configured); give `first` or `last`."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (`pageInfo.endCursor` or an edge's `cursor` from this list).")]
        after: Option<String>,
        #[graphql(
            desc = "The last n items, n from 1 to the page size limit (100 unless configured); give `first` or `last`."
        )]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor (`pageInfo.startCursor` or an edge's `cursor` from this list).")]
        before: Option<String>,
    ) -> Result<Conn<AuditEvent>> {
        let (_, reach) = context::authorize(ctx, Operation::ReadAuditTrail)?;
        let args = paging::args(ctx, first, after, last, before)?;
        let mut select =
            audit_event::Entity::find().filter(reach::committee_column(audit_event::Column::CommitteeId, &reach));
        if let Some(id) = committee_id {
            let id = ids::decode(Kind::Committee, &id, &["committeeId"])?;
            select = select.filter(audit_event::Column::CommitteeId.eq(id));
        }
        if let Some(name) = chain {
            let chain = audit_event::Chain::parse(&name).ok_or_else(|| {
                AppError::bad_input(
                    &["chain"],
                    "a chain is named `committee:<n>` or `case:<n>`, as AuditEvent.chain names it",
                )
            })?;
            select = select.filter(audit_event::Column::Chain.eq(chain.name()));
        }
        let db = &context::request(ctx)?.db;
        let count = page::count_statement(select.clone());
        let sort = Sort { name: "ID", column: audit_event::Column::Id, kind: KeyKind::Int, descending: true };
        let page =
            page::fetch(&db.conn, select, audit_event::Column::Id, sort, &args, |e| (SortKey::Int(e.id), e.id)).await?;
        Ok(paging::connection(page, Extra::query(db, count), AuditEvent))
    }

    /// The signed checkpoints of the trail, newest first (below the central
    /// committee, those of format v2, whose statements name no chain).
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    async fn audit_checkpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The first n items, n from 1 to the page size limit (100 unless configured); give `first` or `last`."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (`pageInfo.endCursor` or an edge's `cursor` from this list).")]
        after: Option<String>,
        #[graphql(
            desc = "The last n items, n from 1 to the page size limit (100 unless configured); give `first` or `last`."
        )]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor (`pageInfo.startCursor` or an edge's `cursor` from this list).")]
        before: Option<String>,
    ) -> Result<Conn<AuditCheckpoint>> {
        let (_, reach) = context::authorize(ctx, Operation::ReadAuditTrail)?;
        let args = paging::args(ctx, first, after, last, before)?;
        let mut select = audit_checkpoint::Entity::find();
        if reach != Reach::All {
            // A v1 statement lists every chain's head.
            select = select.filter(audit_checkpoint::Column::Heads.is_not_null());
        }
        let db = &context::request(ctx)?.db;
        let count = page::count_statement(select.clone());
        let sort = Sort { name: "ID", column: audit_checkpoint::Column::Id, kind: KeyKind::Int, descending: true };
        let page =
            page::fetch(&db.conn, select, audit_checkpoint::Column::Id, sort, &args, |c| (SortKey::Int(c.id), c.id))
                .await?;
        Ok(paging::connection(page, Extra::query(db, count), AuditCheckpoint))
    }

    /// Walks the trail of one committee (or, with central reach, all of it)
    /// page by page, checks every link and hash, every checkpoint's signature,
    /// and that each chain still reaches the head the newest checkpoint signed.
    /// Reports the first problem.
    async fn verify_audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The committee whose trail to verify; the whole trail without it.")] committee_id: Option<ID>,
    ) -> Result<AuditVerification> {
        let db = &context::request(ctx)?.db;
        let committee = committee_id.map(|id| ids::decode(Kind::Committee, &id, &["committeeId"])).transpose()?;
        Ok(AuditVerification(keeper(ctx)?.verify_for(db, context::viewer(ctx)?, committee).await?))
    }

    /// The last verification of the whole trail this instance ran (in the
    /// background, or asked for), or the last break any verification found:
    /// what `/readyz` summarises as a status. Requires `AUDITOR` on the
    /// central committee.
    async fn last_audit_verification(&self, ctx: &Context<'_>) -> Option<AuditVerification> {
        context::nullable(ctx, async {
            Ok(keeper(ctx)?.last_verification_for(context::viewer(ctx)?)?.map(AuditVerification))
        })
        .await
    }
}
