//! `Position`: a person's seat on a committee for a term.

use async_graphql::{Context, ID, Object, Result, SelectionField};
use entity::position;

use super::Boxed;
use super::committee::Committee;
use super::enums::PositionRole;
use super::person::{Person, person_columns};
use super::scalars::Date;
use crate::db::columns::Columns;
use crate::db::positions::SEAT_KEY;
use crate::domain::org;
use crate::error::AppError;
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::{CommitteeId, PersonColumns, PersonId};
use crate::graphql::projection::{self, ColumnTable};

/// What each field of a `Position` reads of its row, besides its committee
/// and precedence key (see [`projection`]).
pub const POSITION_COLUMNS: ColumnTable<position::Column> = {
    use position::Column as C;
    &[
        ("id", &[]),
        ("version", &[C::Version]),
        ("role", &[C::Role]),
        ("standing", &[C::Standing]),
        ("title", &[C::Title]),
        ("startOn", &[C::StartOn]),
        ("endOn", &[C::EndOn]),
        ("endReason", &[C::EndReason]),
        ("active", &[C::StartOn, C::EndOn]),
        ("person", &[C::PersonId]),
        ("committee", &[C::CommitteeId]),
    ]
};

/// The columns the nodes of a connection of seats (`conn`) read.
pub fn seat_columns(conn: SelectionField<'_>) -> Columns<entity::position::Entity> {
    projection::columns(projection::node_selections(conn), POSITION_COLUMNS, &[]).union(SEAT_KEY)
}

/// The `Position` GraphQL type (documented on its resolvers below).
#[derive(Clone, Debug)]
pub struct Position(pub position::Model);

/// A seat on a committee held by one person for a term. Seats are never
/// overwritten: when a term ends, `endOn` is set and the seat stays in history.
#[Object]
impl Position {
    /// Globally unique, opaque identifier.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Position, self.0.id)
    }

    /// Bumped by every change. Pass it as `expectedVersion` to a write so it
    /// is refused (`CONFLICT`) if someone changed the record since you read it.
    async fn version(&self) -> async_graphql::Result<i32> {
        Ok(i32::try_from(self.0.version).map_err(crate::error::AppError::internal)?)
    }

    /// Head, standing deputy head, deputy head or member.
    async fn role(&self) -> Result<PositionRole> {
        let role = org::SeatRole::parse(&self.0.role);
        Ok(role.ok_or_else(|| AppError::unknown_stored("position", self.0.id, "role", &self.0.role))?.into())
    }

    /// Whether the seat is on the standing committee.
    async fn standing(&self) -> bool {
        self.0.standing
    }

    /// The concurrent title that explains the seat, e.g. "Secretary of the Provincial Party Committee".
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// First day of the term.
    async fn start_on(&self) -> Date {
        Date(self.0.start_on)
    }

    /// Last day of the term; null while the seat is held.
    async fn end_on(&self) -> Option<Date> {
        self.0.end_on.map(Date)
    }

    /// Why the term ended.
    async fn end_reason(&self) -> Option<&str> {
        self.0.end_reason.as_deref()
    }

    /// Whether the seat is held on the given day (today if omitted).
    async fn active(&self, #[graphql(desc = "The day to ask about; today if omitted.")] at: Option<Date>) -> bool {
        let day = at.map(|d| d.0).unwrap_or_else(|| chrono::Utc::now().date_naive());
        org::term_covers(self.0.start_on, self.0.end_on, day)
    }

    /// Who holds the seat.
    async fn person(&self, ctx: &Context<'_>) -> Option<Boxed<Person>> {
        context::nullable(ctx, async {
            let org = &context::request(ctx)?.org;
            let columns = person_columns(ctx.field());
            let found = if columns.is_all() {
                org.load_one(PersonId(self.0.person_id)).await?
            } else {
                org.load_one(PersonColumns(self.0.person_id, columns)).await?
            };
            Ok(found.map(Person))
        })
        .await
        .map(Boxed::from)
    }

    /// The committee the seat is on.
    async fn committee(&self, ctx: &Context<'_>) -> Option<Boxed<Committee>> {
        context::nullable(ctx, async {
            Ok(context::request(ctx)?.org.load_one(CommitteeId(self.0.committee_id)).await?.map(Committee))
        })
        .await
        .map(Boxed::from)
    }
}
