//! Domain rules in plain Rust: who may do what (roles, reach, permissions),
//! what a valid committee, person or position is. No GraphQL, HTTP or SQL here,
//! so the rules can be tested alone and reused by any transport.

/// A closed set of values stored as upper-case text: the enum, its stored
/// form, and a parser that refuses anything else.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored form; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

pub mod audit;
pub mod calendar;
pub mod cases;
pub mod input;
pub mod merkle;
pub mod org;
pub mod permissions;
pub mod principal;
pub mod records;
pub mod rules;
pub mod scope;
pub mod statistics;

pub use permissions::{Operation, RootRule};
pub use principal::{Grant, Principal, PrincipalKind, Reach, Role};
pub use scope::CaseScope;
