//! GraphQL output types. Each wraps a persistence row but declares its own
//! fields, so the public schema changes only when these files do.

pub mod agency;
pub mod audit;
pub mod case;
pub mod committee;
pub mod enums;
pub mod filters;
pub mod person;
pub mod position;
pub mod scalars;
pub mod viewer;

use async_graphql::Interface;

pub use agency::Agency;
pub use audit::{AuditCheckpoint, AuditEvent};
pub use case::{Case, CaseReference, Defendant, DisciplinaryAction, Recovery};
pub use committee::Committee;
pub use person::Person;
pub use position::Position;

/// An object with a globally unique, opaque ID, refetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "async_graphql::ID", desc = "Globally unique, opaque identifier."))]
pub enum Node {
    Committee(Committee),
    Agency(Agency),
    Person(Person),
    Position(Position),
    AuditEvent(AuditEvent),
    Case(Case),
    Defendant(Defendant),
    DisciplinaryAction(DisciplinaryAction),
    Recovery(Recovery),
    CaseReference(CaseReference),
    AuditCheckpoint(AuditCheckpoint),
}

/// An object-typed field value, kept and resolved behind a pointer.
///
/// async-graphql resolves each field of an object in a boxed future as large
/// as the largest of that object's resolvers, the value and its own
/// resolution included: one field returning a connection made every field of
/// `Case`, `code` too, allocate and copy over two kilobytes, seven hundred
/// times for a page of a hundred cases. A field returning `Boxed` holds a
/// pointer instead: only the fields that return objects pay an allocation,
/// and the rest stay small. The schema does not see the wrapper.
pub struct Boxed<T>(Box<T>);

impl<T> From<T> for Boxed<T> {
    fn from(value: T) -> Self {
        Boxed(Box::new(value))
    }
}

impl<T: async_graphql::OutputType> async_graphql::OutputType for Boxed<T> {
    fn type_name() -> std::borrow::Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> std::borrow::Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        T::create_type_info(registry)
    }

    fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> impl std::future::Future<Output = async_graphql::ServerResult<async_graphql::Value>> + Send {
        Box::pin(self.0.resolve(ctx, field))
    }
}
