//! GraphQL output types. Each wraps a persistence row but declares its own
//! fields, so the public schema changes only when these files do.
//!
//! # When a field's future is boxed
//!
//! async-graphql resolves every field of an object in a future as large as
//! that object's largest resolver, so one resolver that loads inline makes
//! `code` and `title` pay for it on every row of a page. The rule, which
//! `every_resolver_that_awaits_is_boxed` holds these files to:
//! - a resolver that only reads its row (no `.await`) is not boxed;
//! - a resolver that awaits (a loader, a statement, another record) runs
//!   its body boxed: a nullable field through `context::nullable` or
//!   `guards::guarded` (which box it and keep its error on the field), a
//!   non-null field in `Box::pin(async move { ... })`, or through a helper
//!   that does one of these;
//! - a field returning an object type returns [`Boxed`], so the object's own
//!   resolution sits behind a pointer too.

pub mod agency;
pub mod audit;
pub mod case;
pub mod committee;
pub mod enums;
pub mod filters;
pub mod person;
pub mod position;
pub mod scalars;
pub mod statistics;
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

#[cfg(test)]
mod tests {
    /// The resolvers of `#[Object]` impls here whose bodies await and are
    /// not boxed as the module's rule says.
    #[test]
    fn every_resolver_that_awaits_is_boxed() {
        const BOXED: &[&str] = &["context::nullable(", "guarded(", "Box::pin(", "parent_case("];
        fn scan(dir: &std::path::Path, out: &mut Vec<String>, seen: &mut usize) {
            for entry in std::fs::read_dir(dir).expect("src/graphql/types is readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    scan(&path, out, seen);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a source file is readable");
                for (at, _) in text.match_indices("#[Object") {
                    let block = &text[at..];
                    let block = &block[..block.find("\n}\n").unwrap_or(block.len())];
                    for (fn_at, _) in
                        block.match_indices("\n    pub async fn ").chain(block.match_indices("\n    async fn "))
                    {
                        let rest = &block[fn_at..];
                        let name: String = rest.trim_start().split('(').next().unwrap_or("").to_owned();
                        let Some(open) = rest.find(" {\n") else { continue };
                        let body = &rest[open + 3..rest.find("\n    }\n").unwrap_or(rest.len())];
                        if !body.contains(".await") {
                            continue;
                        }
                        *seen += 1;
                        let first = body.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("//"));
                        if !first.is_some_and(|l| BOXED.iter().any(|b| l.contains(b))) {
                            out.push(format!("{}: {name}", path.display()));
                        }
                    }
                }
            }
        }
        let (mut unboxed, mut seen) = (Vec::new(), 0);
        scan(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql/types"), &mut unboxed, &mut seen);
        assert!(seen > 20, "the scan found the resolvers that await: {seen}");
        assert!(unboxed.is_empty(), "box these resolvers' bodies: {unboxed:#?}");
    }
}
