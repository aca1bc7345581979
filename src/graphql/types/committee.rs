//! `Committee`: a steering committee and its navigation (parent, children,
//! seats, standing committee, agencies).

use async_graphql::{Context, ID, Object, Result, SelectionField};
use chrono::Utc;
use entity::committee;

use super::Boxed;
use super::agency::Agency;
use super::enums::{CommitteeLevel, CommitteeStatus};
use super::filters::{AgencyFilter, CommitteeFilter, SeatFilter};
use super::position::{Position, seat_columns};
use super::scalars::Date;
use crate::db::columns::Columns;
use crate::db::page::{Page, PageArgs};
use crate::db::positions::PositionScope;
use crate::domain::Operation;
use crate::domain::org;
use crate::error::AppError;
use crate::graphql::context;
use crate::graphql::guards::FieldRule;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::{AgenciesOf, ChildrenOf, CommitteeColumns, CommitteeId, PageUnder, SeatsOf, SeatsPage};
use crate::graphql::paging::{self, Conn, Extra};
use crate::graphql::projection::{self, ColumnTable};

/// What each field of a `Committee` reads of its row, besides its id (see
/// [`projection`]).
pub const COMMITTEE_COLUMNS: ColumnTable<committee::Column> = {
    use committee::Column as C;
    &[
        ("id", &[]),
        ("version", &[C::Version]),
        ("code", &[C::Code]),
        ("name", &[C::Name]),
        ("level", &[C::Level]),
        ("province", &[C::Province]),
        ("establishedOn", &[C::EstablishedOn]),
        ("regulation", &[C::Regulation]),
        ("status", &[C::Status]),
        ("endedOn", &[C::EndedOn]),
        ("parent", &[C::ParentId]),
        ("successor", &[C::SuccessorId]),
        ("advisoryAgency", &[]),
        ("viewerCanManage", &[C::Code]),
        ("children", &[]),
        ("positions", &[]),
        ("standingCommittee", &[]),
        ("agencies", &[]),
    ]
};

/// The columns a committee-typed field's selection (`field`) reads.
pub fn committee_columns(field: SelectionField<'_>) -> Columns<entity::committee::Entity> {
    projection::columns(field.selection_set(), COMMITTEE_COLUMNS, &[committee::Column::Id])
}

/// The committee `id` as the field being resolved reads it: the whole row
/// (from the by-id cache), or only the columns its selection reads, as a
/// page that joined them in has already put in the request's cache.
pub async fn committee_for_field(ctx: &Context<'_>, id: i64) -> Result<Option<Committee>> {
    let org = &context::request(ctx)?.org;
    let columns = committee_columns(ctx.field());
    let found = if columns.is_all() {
        org.load_one(CommitteeId(id)).await?
    } else {
        org.load_one(CommitteeColumns(id, columns)).await?
    };
    Ok(found.map(Committee))
}

/// The `Committee` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct Committee(pub committee::Model);

/// A steering committee on anti-corruption, waste and negative phenomena:
/// the central one, or one of the provincial ones under it.
#[Object]
impl Committee {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Committee, self.0.id)
    }

    /// Bumped by every change. Pass it as `expectedVersion` to a write so it
    /// is refused (`CONFLICT`) if someone changed the record since you read it.
    async fn version(&self) -> async_graphql::Result<i32> {
        Ok(i32::try_from(self.0.version).map_err(crate::error::AppError::internal)?)
    }

    /// Stable upper-case code, e.g. `CENTRAL`, `NGHE_AN`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Central or provincial.
    async fn level(&self) -> Result<CommitteeLevel> {
        let level = org::CommitteeLevel::parse(&self.0.level);
        Ok(level.ok_or_else(|| AppError::unknown_stored("committee", self.0.id, "level", &self.0.level))?.into())
    }

    /// The province or centrally-run city served (provincial committees only).
    async fn province(&self) -> Option<&str> {
        self.0.province.as_deref()
    }

    /// The day the committee was established.
    async fn established_on(&self) -> Date {
        Date(self.0.established_on)
    }

    /// The regulation that governs it, e.g. "67-QD/TW".
    async fn regulation(&self) -> &str {
        &self.0.regulation
    }

    /// Active, merged or dissolved.
    async fn status(&self) -> Result<CommitteeStatus> {
        let status = org::CommitteeStatus::parse(&self.0.status);
        Ok(status.ok_or_else(|| AppError::unknown_stored("committee", self.0.id, "status", &self.0.status))?.into())
    }

    /// The day a merge or dissolution took effect.
    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date)
    }

    /// The committee above this one (the central committee for a provincial
    /// one); null for the central committee or when outside the caller's reach.
    async fn parent(&self, ctx: &Context<'_>) -> Option<Boxed<Committee>> {
        context::nullable(ctx, async {
            let Some(parent) = self.0.parent_id else { return Ok(None) };
            Ok(context::request(ctx)?.org.load_one(CommitteeId(parent)).await?.map(Committee))
        })
        .await
        .map(Boxed::from)
    }

    /// The committee this one was merged into.
    async fn successor(&self, ctx: &Context<'_>) -> Option<Boxed<Committee>> {
        context::nullable(ctx, async {
            let Some(id) = self.0.successor_id else { return Ok(None) };
            Ok(context::request(ctx)?.org.load_one(CommitteeId(id)).await?.map(Committee))
        })
        .await
        .map(Boxed::from)
    }

    /// The body that staffs the committee: the Central Internal Affairs
    /// Commission, or the provincial Party committee's internal affairs committee.
    async fn advisory_agency(&self, ctx: &Context<'_>) -> Option<Boxed<Agency>> {
        context::nullable(ctx, async {
            // A committee has one advisory agency: the first page of one holds it.
            let args = PageArgs { size: 1, backward: false, after: None, before: None };
            let list = AgenciesOf(Some(org::AgencyKind::Advisory));
            let page = context::request(ctx)?.org.load_one(PageUnder(self.0.id, list, args)).await?;
            Ok(page.and_then(|p| p.items.into_iter().next()).map(|(_, a)| Agency(a)))
        })
        .await
        .map(Boxed::from)
    }

    /// Whether the caller may change this committee, its people and seats
    /// (so clients can draw the buttons without copying the rules).
    async fn viewer_can_manage(&self, ctx: &Context<'_>) -> Result<bool> {
        let Ok(viewer) = context::viewer(ctx) else { return Ok(false) };
        let reach = viewer.reach_for(Operation::ManageOrganisation.allowed_roles());
        Ok(reach.covers(&self.0.code))
    }

    /// Committees directly under this one (the provincial committees, for the central one).
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which committees to list; all within reach without it.")] filter: Option<CommitteeFilter>,
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
    ) -> Result<Boxed<Conn<Committee>>> {
        // Boxed, so the fields of this type stay small (see `types`).
        Box::pin(async move {
            let args = paging::args(ctx, first, after, last, before)?;
            let filter = filter.unwrap_or_default().checked(None)?;
            paging::under(ctx, self.0.id, ChildrenOf(filter), args, Committee).await.map(Boxed::from)
        })
        .await
    }

    /// Seats on this committee in order of precedence (head, standing deputy,
    /// deputies, members). History is kept: without a filter, past seats are listed too.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)", guard = "FieldRule::of::<Self>()")]
    async fn positions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which seats to list; all of them, past ones included, without it.")] filter: Option<
            SeatFilter,
        >,
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
    ) -> Result<Boxed<Conn<Position>>> {
        // Boxed, so the fields of this type stay small (see `types`).
        Box::pin(async move {
            let args = paging::args(ctx, first, after, last, before)?;
            let scope = filter.unwrap_or_default().scope(Utc::now().date_naive())?;
            let window = paging::seat_window(&args)?;
            let columns = seat_columns(ctx.field());
            let page = context::request(ctx)?.org.load_one(SeatsPage(self.0.id, scope, window, columns)).await?;
            let page = page.unwrap_or(Page { items: Vec::new(), has_next: false, has_previous: false });
            Ok(Boxed::from(paging::connection(page, Extra::seats(self.0.id, scope), Position)))
        })
        .await
    }

    /// The standing committee today: the head and the deputies who decide day to day.
    #[graphql(guard = "FieldRule::of::<Self>()")]
    async fn standing_committee(&self, ctx: &Context<'_>) -> Result<Vec<Position>> {
        // Boxed, so the fields of this type stay small (see `types`).
        Box::pin(async move {
            let today = Utc::now().date_naive();
            let scope = PositionScope { active_at: Some(today), standing: Some(true), role: None };
            let rows = context::request(ctx)?.org.load_one(SeatsOf(self.0.id, scope)).await?.unwrap_or_default();
            Ok(rows.into_iter().map(Position).collect())
        })
        .await
    }

    /// Agencies attached to the committee: its advisory agency and the functional agencies.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which agencies to list; all without it.")] filter: Option<AgencyFilter>,
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
    ) -> Result<Boxed<Conn<Agency>>> {
        // Boxed, so the fields of this type stay small (see `types`).
        Box::pin(async move {
            let args = paging::args(ctx, first, after, last, before)?;
            let kind = filter.and_then(|f| f.kind).map(org::AgencyKind::from);
            paging::under(ctx, self.0.id, AgenciesOf(kind), args, Agency).await.map(Boxed::from)
        })
        .await
    }
}

/// The complexity of a connection field: its page size times what each node selects.
pub fn paging_cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let n = first.or(last).unwrap_or(1).clamp(1, 1000) as usize;
    n.saturating_mul(child).saturating_add(1)
}
