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
pub use audit::AuditEvent;
pub use case::{Case, Defendant, DisciplinaryAction, Recovery};
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
}
