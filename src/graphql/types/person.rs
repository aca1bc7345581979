//! `Person`: someone who sits or sat on a committee.

use async_graphql::{Context, ID, Object, Result, SelectionField};
use chrono::Utc;
use entity::person;

use super::Boxed;
use super::committee::{Committee, paging_cost};
use super::filters::SeatFilter;
use super::position::Position;
use crate::db::columns::Columns;
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::{CommitteeId, SeatsHeld};
use crate::graphql::paging::{self, Conn};
use crate::graphql::projection::{self, ColumnTable};

/// What each field of a `Person` reads of its row, besides its id (see
/// [`projection`]).
pub const PERSON_COLUMNS: ColumnTable<person::Column> = {
    use person::Column as C;
    &[
        ("id", &[]),
        ("version", &[C::Version]),
        ("fullName", &[C::FullName]),
        ("partyMember", &[C::PartyMember]),
        ("homeCommittee", &[C::HomeCommitteeId]),
        ("positions", &[]),
    ]
};

/// The columns a `person` field's selection (`field`) reads.
pub fn person_columns(field: SelectionField<'_>) -> Columns<entity::person::Entity> {
    projection::columns(field.selection_set(), PERSON_COLUMNS, &[person::Column::Id])
}

/// The `Person` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct Person(pub person::Model);

/// A member of a committee, or staff.
#[Object]
impl Person {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Person, self.0.id)
    }

    /// Bumped by every change. Pass it as `expectedVersion` to a write so it
    /// is refused (`CONFLICT`) if someone changed the record since you read it.
    async fn version(&self) -> async_graphql::Result<i32> {
        Ok(i32::try_from(self.0.version).map_err(crate::error::AppError::internal)?)
    }

    /// Full name, as written in Vietnamese.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }

    /// Whether the person is a member of the Party.
    async fn party_member(&self) -> bool {
        self.0.party_member
    }

    /// The committee whose staff registered the person.
    async fn home_committee(&self, ctx: &Context<'_>) -> Option<Boxed<Committee>> {
        context::nullable(ctx, async {
            let id = CommitteeId(self.0.home_committee_id);
            Ok(context::request(ctx)?.org.load_one(id).await?.map(Committee))
        })
        .await
        .map(Boxed::from)
    }

    /// The seats the person holds or held (within the caller's reach), oldest first.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
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
            paging::under(ctx, self.0.id, SeatsHeld(scope), args, Position).await.map(Boxed::from)
        })
        .await
    }
}
