//! The GraphQL API: schema construction (no I/O, so `print-schema` needs no
//! database), per-request context, output types, loaders and paging.

pub mod context;
pub mod gate;
pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod paging;
pub mod query;
pub mod types;

use std::collections::HashSet;

use async_graphql::{EmptySubscription, Schema};

use crate::config::Limits;

pub use context::RequestContext;

pub type AppSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Builds the schema with the configured limits. Pure: no database, no env.
pub fn build_schema(limits: &Limits) -> AppSchema {
    let mut builder = Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(limits.max_recursive_depth)
        .limit_directives(limits.max_directives)
        .data(limits.clone());
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    if !limits.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The SDL clients see, as committed in `schema.graphql`.
pub fn sdl(schema: &AppSchema) -> String {
    schema.sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

/// The names of the root fields of `Query` and `Mutation`, read from the SDL.
pub fn root_fields(schema: &AppSchema) -> HashSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let mut out = HashSet::new();
    let Ok(doc) = async_graphql::parser::parse_schema(schema.sdl()) else {
        return out;
    };
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(ty) = def
            && matches!(ty.node.name.node.as_str(), "Query" | "Mutation")
            && let TypeKind::Object(obj) = &ty.node.kind
        {
            out.extend(obj.fields.iter().map(|f| f.node.name.node.to_string()));
        }
    }
    out
}
