//! The GraphQL API: schema construction (no I/O, so `print-schema` needs no
//! database), per-request context, output types, loaders and paging.

pub mod audit;
pub mod cases;
pub mod context;
pub mod document;
pub mod gate;
pub mod guards;
pub mod ids;
pub mod inputs;
pub mod loaders;
pub mod mutations;
pub mod paging;
pub mod pipeline;
pub mod projection;
pub mod query;
pub mod statistics;
pub mod types;

use async_graphql::{EmptySubscription, Schema, ValidationMode};

use crate::config::Limits;

pub use context::RequestContext;

pub type AppSchema = Schema<query::Query, mutations::Mutation, EmptySubscription>;

/// Builds the schema with the configured limits and the request pipeline
/// (`pipeline`), which every transport's requests go through. Pure: no
/// database, no environment.
pub fn build_schema(limits: &Limits) -> AppSchema {
    build_schema_with(limits, std::sync::Arc::new(crate::service::audit::AuditKeeper::ephemeral()))
}

/// [`build_schema`] with the service's audit keeper (its signing key): the
/// checking schema, carrying the pipeline, and inside it the executing twin
/// without extensions (`pipeline::Executor`).
pub fn build_schema_with(limits: &Limits, keeper: std::sync::Arc<crate::service::audit::AuditKeeper>) -> AppSchema {
    build_schema_admitting(limits, keeper, pipeline::Admission::new(limits))
}

/// [`build_schema_with`], admitting costly operations through `admission`.
pub fn build_schema_admitting(
    limits: &Limits,
    keeper: std::sync::Arc<crate::service::audit::AuditKeeper>,
    admission: pipeline::Admission,
) -> AppSchema {
    let builder = |validation| {
        let mut builder = Schema::build(query::Query::default(), mutations::Mutation::default(), EmptySubscription)
            .validation_mode(validation)
            // Not returned by any field: in the schema so that clients can
            // generate the values `extensions.code` and `reason` take.
            .register_output_type::<crate::error::Code>()
            .register_output_type::<crate::error::Reason>()
            .limit_recursive_depth(limits.max_recursive_depth)
            .limit_directives(limits.max_directives)
            .data(limits.clone())
            .data(keeper.clone());
        if !limits.introspection {
            builder = builder.disable_introspection();
        }
        if !limits.suggestions {
            builder = builder.disable_suggestions();
        }
        builder
    };
    let executor = builder(ValidationMode::Fast).finish();
    // Depth and complexity are the pipeline's to refuse (with their reasons),
    // after validation; see `pipeline::Pipeline::validation`.
    builder(ValidationMode::Strict)
        .extension(pipeline::Pipeline)
        .data(admission)
        .data(pipeline::Checked::new())
        .data(pipeline::Executor(executor))
        .finish()
}

/// The SDL clients see, as committed in `schema.graphql`.
pub fn sdl(schema: &AppSchema) -> String {
    schema.sdl_with_options(
        async_graphql::SDLExportOptions::new().sorted_fields().sorted_enum_items().include_specified_by(),
    )
}

/// The names of the root fields of `Query` and `Mutation`, read from the SDL,
/// for the test that every one has a permission rule. (The gate itself asks
/// the live schema registry, so it cannot be fooled by a failed re-read.)
pub fn root_fields(schema: &AppSchema) -> std::collections::BTreeSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let mut out = std::collections::BTreeSet::new();
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
