//! The root `Query`: short resolvers that check the caller and the paging,
//! call persistence with the caller's reach, and wrap the result.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entity::audit_event;
use sea_orm::{EntityTrait, QueryFilter};

use super::context;
use super::ids::{self, Kind};
use super::loaders::{AgencyId, CommitteeId, PersonId, PositionId};
use super::paging::{self, Conn, Extra};
use super::types::committee::paging_cost;
use super::types::enums::{Direction, Role};
use super::types::filters::{
    AgencyFilter, CommitteeFilter, CommitteeOrder, CommitteeOrderField, PersonFilter, PersonOrder, PositionOrder,
    SeatFilter, name_filter,
};
use super::types::viewer::Viewer;
use super::types::{Agency, AuditEvent, Committee, Node, Person, Position};
use crate::db::committees::{self, CommitteeSort};
use crate::db::reach;
use crate::db::{agencies, people, positions};
use crate::domain::{Operation, org as rules};
use crate::error::{AppError, AppResult};

/// The root of every read: the organisation area and the audit area.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    pub OrgQuery,
    pub super::audit::AuditQuery,
    pub super::cases::CaseQuery,
    pub super::statistics::StatisticsQuery,
);

#[derive(Default)]
pub struct OrgQuery;

/// One row of the permission table.
#[derive(SimpleObject)]
pub struct Permission {
    /// The operation, e.g. `MANAGE_ORGANISATION`.
    pub operation: super::types::enums::Operation,
    /// The roles allowed to perform it (within their reach).
    pub roles: Vec<Role>,
}

fn not_found<T>(found: Option<T>, what: &'static str) -> AppResult<T> {
    found.ok_or(AppError::NotFound(what))
}

/// The root of every read: the caller, committees, people, seats, agencies
/// and the audit trail, each within the caller's reach.
#[Object]
impl OrgQuery {
    /// The caller: subject, kind, grants and the operations they may perform.
    async fn me(&self, ctx: &Context<'_>) -> Result<Viewer> {
        Ok(Viewer(context::viewer(ctx)?.clone()))
    }

    /// The permission table (operation → roles), the one the server enforces.
    async fn permissions(&self) -> Vec<Permission> {
        Operation::ALL
            .into_iter()
            .map(|op| Permission {
                operation: op.into(),
                roles: op.allowed_roles().iter().map(|r| (*r).into()).collect(),
            })
            .collect()
    }

    /// Fetches any object by its global ID. Null, with a `NOT_FOUND` error,
    /// when it does not exist or is outside the caller's reach; null with a
    /// `BAD_USER_INPUT` error when `id` is not a global ID.
    async fn node(&self, ctx: &Context<'_>, #[graphql(desc = "A global ID.")] id: ID) -> Option<Node> {
        context::nullable(ctx, async { Ok(Some(load_node(ctx, &id, &["id"]).await?)) }).await
    }

    /// Fetches objects by their global IDs, in order. An entry is null, with
    /// an error whose path ends in its index, where `node(id:)` would be null
    /// (`NOT_FOUND` or `BAD_USER_INPUT`, the same codes).
    #[graphql(complexity = "ids.len().saturating_mul(child_complexity)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs (at most the page size limit).")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Result<Node>>>> {
        let max = context::limits(ctx)?.max_page_size as usize;
        if ids.len() > max {
            return Err(AppError::bad_input(&["ids"], format!("at most {max} ids")).into());
        }
        // Loaded together, so the loaders batch them into one statement per type.
        let found = futures_util::future::join_all(ids.iter().enumerate().map(|(i, id)| async move {
            let index = i.to_string();
            load_node(ctx, id, &["ids", &index]).await
        }))
        .await;
        Ok(found.into_iter().map(Some).collect())
    }

    /// A committee by global ID. Null, with a `NOT_FOUND` error, when it does
    /// not exist or is outside the caller's reach.
    async fn committee(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The committee's global ID.")] id: ID,
    ) -> Option<Committee> {
        context::nullable(ctx, async {
            let id = ids::decode(Kind::Committee, &id, &["id"])?;
            let found = context::request(ctx)?.org.load_one(CommitteeId(id)).await?;
            Ok(Some(Committee(not_found(found, "committee")?)))
        })
        .await
    }

    /// A committee by code, e.g. `NGHE_AN`. Null, with a `NOT_FOUND` error,
    /// when there is none within the caller's reach.
    async fn committee_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The committee's code, e.g. `NGHE_AN`.")] code: String,
    ) -> Option<Committee> {
        context::nullable(ctx, async {
            let (_, reach) = context::authorize(ctx, Operation::ReadOrganisation)?;
            let db = &context::request(ctx)?.db;
            let found = committees::by_code(&db.conn, &reach, code.trim()).await?;
            Ok(Some(Committee(not_found(found, "committee")?)))
        })
        .await
    }

    /// Committees within the caller's reach.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn committees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only committees directly under this one.")] parent_id: Option<ID>,
        #[graphql(desc = "Which committees to list; all within reach without it.")] filter: Option<CommitteeFilter>,
        #[graphql(desc = "The order of the list; by code without it.")] order_by: Option<CommitteeOrder>,
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
    ) -> Result<Conn<Committee>> {
        let (_, reach) = context::authorize(ctx, Operation::ReadOrganisation)?;
        let args = paging::args(ctx, first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let parent_id = parent_id.as_ref().map(|id| ids::decode(Kind::Committee, id, &["parentId"])).transpose()?;
        let filter = filter.checked(parent_id)?;
        let (sort, descending) = match order_by {
            None => (CommitteeSort::Code, false),
            Some(o) => (
                match o.field {
                    CommitteeOrderField::Code => CommitteeSort::Code,
                    CommitteeOrderField::Name => CommitteeSort::Name,
                    CommitteeOrderField::EstablishedOn => CommitteeSort::EstablishedOn,
                },
                o.direction == Direction::Desc,
            ),
        };
        let db = &context::request(ctx)?.db;
        let (page, count) = committees::page(&db.conn, &reach, &filter, sort, descending, &args).await?;
        let ids: Vec<i64> = page.items.iter().map(|(_, c)| c.id).collect();
        let mut parents: Vec<i64> = page.items.iter().filter_map(|(_, c)| c.parent_id).collect();
        parents.sort_unstable();
        parents.dedup();
        paging::prime_committees(ctx, &ids, &parents).await?;
        Ok(paging::connection(page, Extra::query(db, count), Committee))
    }

    /// Agencies within the caller's reach.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only agencies of this committee.")] committee_id: Option<ID>,
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
    ) -> Result<Conn<Agency>> {
        let (_, reach) = context::authorize(ctx, Operation::ReadOrganisation)?;
        let args = paging::args(ctx, first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let committee =
            committee_id.as_ref().map(|id| ids::decode(Kind::Committee, id, &["committeeId"])).transpose()?;
        let kind = filter.kind.map(rules::AgencyKind::from);
        let db = &context::request(ctx)?.db;
        let (page, count) = agencies::page(&db.conn, &reach, kind, committee, &args).await?;
        Ok(paging::connection(page, Extra::query(db, count), Agency))
    }

    /// A person by global ID. Null, with a `NOT_FOUND` error, when they do
    /// not exist or are outside the caller's reach.
    async fn person(&self, ctx: &Context<'_>, #[graphql(desc = "The person's global ID.")] id: ID) -> Option<Person> {
        context::nullable(ctx, async {
            let id = ids::decode(Kind::Person, &id, &["id"])?;
            let found = context::request(ctx)?.org.load_one(PersonId(id)).await?;
            Ok(Some(Person(not_found(found, "person")?)))
        })
        .await
    }

    /// People within the caller's reach, by name.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which people to list; all within reach without it.")] filter: Option<PersonFilter>,
        #[graphql(desc = "The order of the list; by full name without it.")] order_by: Option<PersonOrder>,
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
    ) -> Result<Conn<Person>> {
        let (_, reach) = context::authorize(ctx, Operation::ReadMembership)?;
        let args = paging::args(ctx, first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let filter = people::PersonFilter {
            name_contains: name_filter(filter.name_contains, &["filter", "nameContains"])?,
            party_member: filter.party_member,
        };
        let db = &context::request(ctx)?.db;
        let descending = order_by.is_some_and(|o| o.direction == Direction::Desc);
        let (page, count) = people::page(&db.conn, &reach, &filter, &args, descending).await?;
        Ok(paging::connection(page, Extra::query(db, count), Person))
    }

    /// A seat by global ID. Null, with a `NOT_FOUND` error, when it does not
    /// exist or is outside the caller's reach.
    async fn position(&self, ctx: &Context<'_>, #[graphql(desc = "The seat's global ID.")] id: ID) -> Option<Position> {
        context::nullable(ctx, async {
            let id = ids::decode(Kind::Position, &id, &["id"])?;
            let found = context::request(ctx)?.org.load_one(PositionId(id)).await?;
            Ok(Some(Position(not_found(found, "position")?)))
        })
        .await
    }

    /// Seats within the caller's reach, by start date. "Who was on committee X
    /// on day D" is `positions(committeeId: X, filter: {activeAt: D})`.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn positions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only seats on this committee.")] committee_id: Option<ID>,
        #[graphql(desc = "Only seats of this person.")] person_id: Option<ID>,
        #[graphql(desc = "Which seats to list; all of them, past ones included, without it.")] filter: Option<
            SeatFilter,
        >,
        #[graphql(desc = "The order of the list; by start date without it.")] order_by: Option<PositionOrder>,
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
    ) -> Result<Conn<Position>> {
        let (_, reach) = context::authorize(ctx, Operation::ReadMembership)?;
        let args = paging::args(ctx, first, after, last, before)?;
        let today = chrono::Utc::now().date_naive();
        let filter = positions::PositionFilter {
            committee_id: committee_id
                .as_ref()
                .map(|id| ids::decode(Kind::Committee, id, &["committeeId"]))
                .transpose()?,
            person_id: person_id.as_ref().map(|id| ids::decode(Kind::Person, id, &["personId"])).transpose()?,
            scope: filter.unwrap_or_default().scope(today)?,
        };
        let db = &context::request(ctx)?.db;
        let descending = order_by.is_some_and(|o| o.direction == Direction::Desc);
        let (page, count) = positions::page(&db.conn, &reach, &filter, &args, descending).await?;
        let seats: Vec<_> = page.items.iter().map(|(_, p)| p.clone()).collect();
        paging::prime_seats(ctx, &seats).await?;
        Ok(paging::connection(page, Extra::query(db, count), Position))
    }
}

async fn load_node(ctx: &Context<'_>, id: &ID, arg: &[&str]) -> Result<Node> {
    let (kind, n) = ids::decode_any(id).ok_or_else(|| AppError::bad_input(arg, "not a global ID"))?;
    let org = &context::request(ctx)?.org;
    let node = match kind {
        Kind::Committee => org.load_one(CommitteeId(n)).await?.map(|c| Node::Committee(Committee(c))),
        Kind::Person => org.load_one(PersonId(n)).await?.map(|p| Node::Person(Person(p))),
        Kind::Position => org.load_one(PositionId(n)).await?.map(|p| Node::Position(Position(p))),
        Kind::Agency => org.load_one(AgencyId(n)).await?.map(|a| Node::Agency(Agency(a))),
        Kind::AuditEvent => {
            // Audit entries are for auditors only; to anyone else they do not exist.
            let Ok((_, reach)) = context::authorize(ctx, Operation::ReadAuditTrail) else {
                return Err(AppError::NotFound("node").into());
            };
            let db = &context::request(ctx)?.db;
            audit_event::Entity::find_by_id(n)
                .filter(reach::committee_column(audit_event::Column::CommitteeId, &reach))
                .one(&db.conn)
                .await?
                .map(|e| Node::AuditEvent(AuditEvent(e)))
        }
        Kind::AuditCheckpoint => {
            let Ok((_, reach)) = context::authorize(ctx, Operation::ReadAuditTrail) else {
                return Err(AppError::NotFound("node").into());
            };
            let db = &context::request(ctx)?.db;
            super::types::audit::checkpoint(&db.conn, n, &reach).await?.map(Node::AuditCheckpoint)
        }
        Kind::Case | Kind::Defendant | Kind::DisciplinaryAction | Kind::Recovery | Kind::CaseReference => {
            super::types::case::load_node(ctx, kind, n).await?
        }
    };
    Ok(node.ok_or(AppError::NotFound("node"))?)
}
