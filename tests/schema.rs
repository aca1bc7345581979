//! The committed `schema.graphql` is the schema the server serves.

// Tests fail by panicking; unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn schema_graphql_matches_the_served_schema() {
    let served = steerql::graphql::sdl(&steerql::graphql::build_schema(&Default::default()));
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap_or_default();
    assert!(
        committed == served,
        "schema.graphql is out of date; regenerate it with `cargo run -- print-schema > schema.graphql`"
    );
}

#[test]
fn every_type_field_and_argument_is_documented() {
    let schema = steerql::graphql::build_schema(&Default::default());
    let doc = async_graphql::parser::parse_schema(steerql::graphql::sdl(&schema)).unwrap();
    let mut undocumented = Vec::new();
    for def in doc.definitions {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let TypeSystemDefinition::Type(ty) = def else { continue };
        let ty = ty.node;
        let name = ty.name.node.to_string();
        // Connections, edges and page info included: client authors read them too.
        if ty.description.is_none() && !matches!(name.as_str(), "Query" | "Mutation") {
            undocumented.push(name.clone());
        }
        let fields = match &ty.kind {
            TypeKind::Object(obj) => obj
                .fields
                .iter()
                .map(|f| (f.node.name.node.to_string(), f.node.description.is_some(), f.node.arguments.clone()))
                .collect(),
            TypeKind::Interface(obj) => obj
                .fields
                .iter()
                .map(|f| (f.node.name.node.to_string(), f.node.description.is_some(), f.node.arguments.clone()))
                .collect(),
            TypeKind::InputObject(obj) => obj
                .fields
                .iter()
                .map(|f| (f.node.name.node.to_string(), f.node.description.is_some(), Vec::new()))
                .collect(),
            TypeKind::Enum(e) => e
                .values
                .iter()
                .map(|v| (v.node.value.node.to_string(), v.node.description.is_some(), Vec::new()))
                .collect(),
            _ => Vec::new(),
        };
        for (field, documented, arguments) in fields {
            if !documented {
                undocumented.push(format!("{name}.{field}"));
            }
            for arg in arguments {
                if arg.node.description.is_none() {
                    undocumented.push(format!("{name}.{field}({})", arg.node.name.node));
                }
            }
        }
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:?}");
}

#[test]
fn the_readme_shows_the_permission_table_and_limits_the_server_enforces() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&steerql::domain::permissions::markdown_table()),
        "README.md's permission table is stale; paste `cargo run -- permissions` into it"
    );
    assert!(
        readme.contains(&steerql::domain::cases::markdown()),
        "README.md's workflow table is stale; paste `cargo run -- workflow` into it"
    );
    assert!(
        readme.contains(&steerql::config::limits_markdown()),
        "README.md's limits table is stale; paste `cargo run -- limits` into it"
    );
}

/// The values of the SDL enum `name`.
fn enum_values(name: &str) -> Vec<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let schema = steerql::graphql::build_schema(&Default::default());
    let doc = async_graphql::parser::parse_schema(schema.sdl()).unwrap();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(ty) = def
            && ty.node.name.node == name
            && let TypeKind::Enum(e) = &ty.node.kind
        {
            return e.values.iter().map(|v| v.node.value.node.to_string()).collect();
        }
    }
    panic!("the schema has no enum {name}");
}

#[test]
fn the_schema_documents_every_error_code_and_reason_the_server_sends() {
    use steerql::error::{Code, Reason};
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(enum_values("ErrorCode"), codes);
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(enum_values("ErrorReason"), reasons);
}
