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
fn the_docs_show_the_permission_table_and_limits_the_server_enforces() {
    let doc = |path: &str| std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(
        doc("docs/api.md").contains(&steerql::domain::permissions::markdown_table()),
        "docs/api.md's permission table is stale; paste `cargo run -- permissions` into it"
    );
    assert!(
        doc("docs/statistics.md").contains(&steerql::domain::statistics::markdown()),
        "docs/statistics.md's figures are stale; paste `cargo run -- figures` into it"
    );
    assert!(
        doc("docs/cases.md").contains(&steerql::domain::cases::markdown()),
        "docs/cases.md's workflow table is stale; paste `cargo run -- workflow` into it"
    );
    assert!(
        doc("docs/configuration.md").contains(&steerql::config::limits_markdown()),
        "docs/configuration.md's limits table is stale; paste `cargo run -- limits` into it"
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

/// The house mutation convention (GitHub's), held for every mutation there
/// is and every one added later: one argument, `input: <Name>Input!`, whose
/// type has `clientMutationId` and `idempotencyKey`, and `expectedVersion`
/// where it names an existing record (`id`, `caseId`); a `<Name>Payload!`
/// with `clientMutationId` and at least one record.
#[test]
fn every_mutation_takes_one_input_and_returns_its_payload() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use std::collections::HashMap;
    let schema = steerql::graphql::build_schema(&Default::default());
    let doc = async_graphql::parser::parse_schema(steerql::graphql::sdl(&schema)).unwrap();
    let mut objects = HashMap::new();
    let mut inputs = HashMap::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else { continue };
        let ty = ty.node;
        match ty.kind {
            TypeKind::Object(o) => {
                let fields: Vec<_> = o.fields.into_iter().map(|f| f.node).collect();
                objects.insert(ty.name.node.to_string(), fields);
            }
            TypeKind::InputObject(i) => {
                let fields: HashMap<String, String> =
                    i.fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node.to_string())).collect();
                inputs.insert(ty.name.node.to_string(), fields);
            }
            _ => {}
        }
    }
    let mutations = &objects["Mutation"];
    assert!(mutations.len() >= 19, "{} mutations", mutations.len());
    let mut wrong = Vec::new();
    for m in mutations {
        let name = m.name.node.to_string();
        let upper = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        let args: Vec<(String, String)> =
            m.arguments.iter().map(|a| (a.node.name.node.to_string(), a.node.ty.node.to_string())).collect();
        if args != [("input".to_owned(), format!("{upper}Input!"))] {
            wrong.push(format!("{name}: arguments {args:?}, not `input: {upper}Input!`"));
            continue;
        }
        let input = &inputs[&format!("{upper}Input")];
        for (field, ty) in [("clientMutationId", "String"), ("idempotencyKey", "String")] {
            if input.get(field).map(String::as_str) != Some(ty) {
                wrong.push(format!("{name}: {upper}Input has no `{field}: {ty}`"));
            }
        }
        let names_a_record = ["id", "caseId"].iter().any(|f| input.get(*f).is_some_and(|t| t == "ID!"));
        if names_a_record && input.get("expectedVersion").map(String::as_str) != Some("Int") {
            wrong.push(format!("{name}: writes to a record but {upper}Input has no `expectedVersion: Int`"));
        }
        if m.ty.node.to_string() != format!("{upper}Payload!") {
            wrong.push(format!("{name}: returns {}, not {upper}Payload!", m.ty.node));
            continue;
        }
        let payload = &objects[&format!("{upper}Payload")];
        let fields: Vec<String> = payload.iter().map(|f| f.name.node.to_string()).collect();
        if !fields.iter().any(|f| f == "clientMutationId") || fields.len() < 2 {
            wrong.push(format!("{name}: {upper}Payload has {fields:?}"));
        }
    }
    assert!(wrong.is_empty(), "mutations off the convention:\n{}", wrong.join("\n"));
}

/// Where exactly one of several fields must be given, the input is a OneOf
/// input object (the spec's `@oneOf`), never a silent precedence.
#[test]
fn inputs_that_take_one_of_several_fields_are_oneof_objects() {
    let sdl = steerql::graphql::sdl(&steerql::graphql::build_schema(&Default::default()));
    for name in ["SeatHeld", "DisciplineOwnerInput"] {
        assert!(sdl.contains(&format!("input {name} @oneOf")), "{name} is not @oneOf");
    }
}

/// docs/layout.md is where a newcomer finds things: it names every source
/// directory and file (a `mod.rs` by its directory), so a file added or
/// moved without it fails here.
#[test]
fn the_layout_names_every_source_file_and_directory() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.push(path.clone());
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let layout = std::fs::read_to_string(root.join("docs/layout.md")).expect("docs/layout.md is readable");
    let mut found = Vec::new();
    walk(&root.join("src"), &mut found);
    let missing: Vec<String> = found
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            let named = if path.is_dir() { format!("{name}/") } else { name.to_owned() };
            (name != "mod.rs" && !layout.contains(&named)).then(|| path.display().to_string())
        })
        .collect();
    assert!(found.len() > 50, "the walk found the sources: {}", found.len());
    assert!(missing.is_empty(), "docs/layout.md does not name: {missing:#?}");
}
