//! Reading only the columns a request needs. A list of a hundred cases with
//! their defendants copies every value of every row out of the database and
//! decodes it; most of them no client asked for. A [`Columns`] set says
//! which columns a read needs, and a [`Sparse`] model is decoded from just
//! those, the others left at their type's default. Such a row never enters
//! a by-id cache (another field could read what it lacks): only the list it
//! was read for sees it, and the field → columns tables next to the GraphQL
//! types say what each field reads (a field they do not list reads the
//! whole row).

use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, QueryResult, QuerySelect, QueryTrait, Select,
};

use std::marker::PhantomData;

use crate::error::AppResult;

/// A set of one entity's columns, a bit for each by its place in the
/// entity's column list. Typed by the entity, so a committee's columns
/// cannot be passed to a person's read:
///
/// ```
/// use steerql::db::columns::Columns;
/// let people: Columns<entity::person::Entity> = Columns::of([entity::person::Column::FullName]);
/// assert!(people.has(entity::person::Column::FullName));
/// ```
///
/// ```compile_fail
/// use steerql::db::columns::Columns;
/// let people: Columns<entity::person::Entity> = Columns::of([entity::committee::Column::Name]);
/// ```
///
/// ```compile_fail
/// use steerql::db::columns::Columns;
/// let committees = Columns::of([entity::committee::Column::Name]);
/// committees.has(entity::person::Column::FullName);
/// ```
pub struct Columns<E>(u64, PhantomData<fn() -> E>);

// By hand: derived, each would require `E` itself to be `Clone`, `Eq`, ...
impl<E> Clone for Columns<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Columns<E> {}
impl<E> PartialEq for Columns<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for Columns<E> {}
impl<E> std::hash::Hash for Columns<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}
impl<E> std::fmt::Debug for Columns<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Columns({:#x})", self.0)
    }
}

/// A column's place in its entity's column list (its declaration order).
pub trait ColumnIndex: Copy {
    /// The entity whose column this is.
    type Entity;
    fn index(self) -> u32;
}

impl<E> Columns<E> {
    /// The whole row.
    pub const ALL: Columns<E> = Columns(u64::MAX, PhantomData);

    /// The columns at these places in the entity's column list (for
    /// constants: `Columns::of` cannot be evaluated at compile time).
    pub const fn of_const(indexes: &[u32]) -> Columns<E> {
        let (mut bits, mut i) = (0u64, 0);
        while i < indexes.len() {
            bits |= 1 << indexes[i];
            i += 1;
        }
        Columns(bits, PhantomData)
    }

    /// Just these columns.
    pub fn of<C: ColumnIndex<Entity = E>>(columns: impl IntoIterator<Item = C>) -> Columns<E> {
        Columns(0, PhantomData).with(columns)
    }

    /// These columns as well.
    pub fn with<C: ColumnIndex<Entity = E>>(self, columns: impl IntoIterator<Item = C>) -> Columns<E> {
        columns.into_iter().fold(self, |set, c| Columns(set.0 | 1 << c.index(), PhantomData))
    }

    /// The columns of both sets.
    pub fn union(self, other: Columns<E>) -> Columns<E> {
        Columns(self.0 | other.0, PhantomData)
    }

    /// This set without these columns.
    pub fn without<C: ColumnIndex<Entity = E>>(self, columns: impl IntoIterator<Item = C>) -> Columns<E> {
        columns.into_iter().fold(self, |set, c| Columns(set.0 & !(1 << c.index()), PhantomData))
    }

    pub fn has<C: ColumnIndex<Entity = E>>(self, column: C) -> bool {
        self.0 & (1 << column.index()) != 0
    }

    /// Whether this is the whole row (every column an entity can have).
    pub fn is_all(self) -> bool {
        self == Columns::ALL
    }
}

impl<E> Columns<E>
where
    E: EntityTrait,
    E::Column: ColumnIndex<Entity = E>,
{
    /// `select` reading only these columns.
    pub fn narrow(self, select: Select<E>) -> Select<E> {
        if self.is_all() {
            return select;
        }
        select.select_only().columns(E::Column::iter().filter(|c| self.has(*c)))
    }

    /// Adds these columns of `E`, joined into `select` as `table`, to what
    /// it reads, each named behind `prefix` (for [`Sparse::from_prefixed`]).
    pub fn join_into(self, select: &mut SelectStatement, table: &'static str, prefix: &str) {
        for column in E::Column::iter().filter(|c| self.has(*c)) {
            select.expr_as(Expr::col((Alias::new(table), column)), Alias::new(format!("{prefix}{}", column.as_str())));
        }
    }
}

/// A model that can be decoded from some of its columns.
pub trait Sparse: Sized {
    /// The entity whose row this is.
    type Entity;

    /// The row from the columns in `columns` of a result whose column names
    /// are the entity's behind `prefix` (a table joined in, see
    /// [`Columns::join_into`]); every other field holds its type's default
    /// and must not be read.
    fn from_prefixed(row: &QueryResult, prefix: &str, columns: Columns<Self::Entity>) -> Result<Self, DbErr>;

    /// The row from the columns in `columns`.
    fn from_columns(row: &QueryResult, columns: Columns<Self::Entity>) -> Result<Self, DbErr> {
        Self::from_prefixed(row, "", columns)
    }
}

/// Runs `select` (already narrowed to `columns`) and decodes its rows.
pub async fn all<M: Sparse, C: ConnectionTrait>(
    db: &C,
    select: SelectStatement,
    columns: Columns<M::Entity>,
) -> AppResult<Vec<M>> {
    let rows = db.query_all(&select).await?;
    Ok(rows.iter().map(|row| M::from_columns(row, columns)).collect::<Result<_, _>>()?)
}

/// Runs `select` narrowed to `columns`.
pub async fn select_all<E, C>(db: &C, select: Select<E>, columns: Columns<E>) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Column: ColumnIndex<Entity = E>,
    E::Model: Sparse<Entity = E>,
    C: ConnectionTrait,
{
    if columns.is_all() {
        return Ok(select.all(db).await?);
    }
    all(db, columns.narrow(select).into_query(), columns).await
}

/// Implements [`ColumnIndex`] and [`Sparse`] for an entity: each field of its
/// model with its column (a field added to the model and not here fails to
/// compile).
macro_rules! sparse {
    ($entity:ident { $($field:ident: $column:ident),* $(,)? }) => {
        impl ColumnIndex for entity::$entity::Column {
            type Entity = entity::$entity::Entity;

            fn index(self) -> u32 {
                self as u32
            }
        }

        impl Sparse for entity::$entity::Model {
            type Entity = entity::$entity::Entity;

            fn from_prefixed(row: &QueryResult, prefix: &str, columns: Columns<Self::Entity>) -> Result<Self, DbErr> {
                Ok(Self {
                    $($field: if columns.has(entity::$entity::Column::$column) {
                        row.try_get(prefix, stringify!($field))?
                    } else {
                        Default::default()
                    },)*
                })
            }
        }
    };
}

sparse!(case_record {
    id: Id,
    kind: Kind,
    code: Code,
    title: Title,
    search_text: SearchText,
    summary: Summary,
    field: Field,
    public_concern: PublicConcern,
    non_state_sector: NonStateSector,
    source: Source,
    loss_amount: LossAmount,
    recovered_amount: RecoveredAmount,
    monitoring_committee_id: MonitoringCommitteeId,
    assigning_committee_id: AssigningCommitteeId,
    handling_agency_id: HandlingAgencyId,
    monitoring_state: MonitoringState,
    procedure_state: ProcedureState,
    suspended_from: SuspendedFrom,
    in_absentia: InAbsentia,
    origin_case_id: OriginCaseId,
    opened_on: OpenedOn,
    version: Version,
    created_at: CreatedAt,
    updated_at: UpdatedAt,
    code_key: CodeKey,
    registered_by_committee_id: RegisteredByCommitteeId,
});

sparse!(defendant {
    id: Id,
    case_id: CaseId,
    full_name: FullName,
    position_held: PositionHeld,
    cadre: Cadre,
    party_member: PartyMember,
    leader: Leader,
    centrally_managed: CentrallyManaged,
    non_state_sector: NonStateSector,
    status: Status,
    charges: Charges,
    version: Version,
    created_at: CreatedAt,
    updated_at: UpdatedAt,
});

sparse!(case_reference {
    id: Id,
    case_id: CaseId,
    agency_id: AgencyId,
    number: Number,
    created_at: CreatedAt,
    registered_by_committee_id: RegisteredByCommitteeId,
});

sparse!(disciplinary_action {
    id: Id,
    committee_id: CommitteeId,
    case_id: CaseId,
    subject_kind: SubjectKind,
    subject_name: SubjectName,
    form: Form,
    deciding_body: DecidingBody,
    decided_on: DecidedOn,
    created_at: CreatedAt,
});

sparse!(recovery {
    id: Id,
    case_id: CaseId,
    amount: Amount,
    recovered_on: RecoveredOn,
    reference: Reference,
    created_at: CreatedAt,
    committee_id: CommitteeId,
    reverses_id: ReversesId,
    reason: Reason,
});

sparse!(position {
    id: Id,
    person_id: PersonId,
    committee_id: CommitteeId,
    role: Role,
    standing: Standing,
    title: Title,
    start_on: StartOn,
    end_on: EndOn,
    end_reason: EndReason,
    created_at: CreatedAt,
    updated_at: UpdatedAt,
    version: Version,
    role_rank: RoleRank,
});

sparse!(person {
    id: Id,
    full_name: FullName,
    search_name: SearchName,
    party_member: PartyMember,
    home_committee_id: HomeCommitteeId,
    created_at: CreatedAt,
    updated_at: UpdatedAt,
    version: Version,
});

sparse!(committee {
    id: Id,
    code: Code,
    name: Name,
    search_name: SearchName,
    level: Level,
    parent_id: ParentId,
    province: Province,
    established_on: EstablishedOn,
    regulation: Regulation,
    status: Status,
    successor_id: SuccessorId,
    heir_id: HeirId,
    ended_on: EndedOn,
    created_at: CreatedAt,
    updated_at: UpdatedAt,
    version: Version,
});

sparse!(audit_event {
    id: Id,
    at: At,
    actor: Actor,
    actor_kind: ActorKind,
    action: Action,
    entity: Entity,
    entity_id: EntityId,
    committee_id: CommitteeId,
    payload: Payload,
    prev_hash: PrevHash,
    hash: Hash,
    chain: Chain,
    seq: Seq,
});

#[cfg(test)]
mod tests {
    use super::*;

    fn declaration_order_is_the_index<C: ColumnIndex + Iterable>() {
        for (i, c) in C::iter().enumerate() {
            assert_eq!(c.index() as usize, i);
            assert!(i < 64, "a set holds at most 64 columns");
        }
    }

    #[test]
    fn a_column_index_is_its_place_in_the_entity_column_list() {
        declaration_order_is_the_index::<entity::case_record::Column>();
        declaration_order_is_the_index::<entity::defendant::Column>();
        declaration_order_is_the_index::<entity::audit_event::Column>();
        declaration_order_is_the_index::<entity::case_reference::Column>();
        declaration_order_is_the_index::<entity::disciplinary_action::Column>();
        declaration_order_is_the_index::<entity::recovery::Column>();
        declaration_order_is_the_index::<entity::position::Column>();
        declaration_order_is_the_index::<entity::person::Column>();
        declaration_order_is_the_index::<entity::committee::Column>();
    }

    #[test]
    fn a_set_holds_what_was_put_in_it_and_the_whole_row_holds_everything() {
        use entity::case_record::Column;
        let set = Columns::of([Column::Id, Column::Code]);
        assert!(set.has(Column::Code) && set.has(Column::Id) && !set.has(Column::Title));
        assert!(set.union(Columns::of([Column::Title])).has(Column::Title));
        assert!(!set.is_all());
        assert!(Column::iter().all(|c| Columns::ALL.has(c)));
    }
}
