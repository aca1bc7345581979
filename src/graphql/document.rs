//! Reading a document: the first step of the pipeline, before the gate or
//! the validator sees an operation. steerql parses the text itself, rather
//! than through async-graphql's parse step, so that each refusal is decided
//! here from typed values (the parser's error variants, the walk's counts)
//! and carries its `reason` from the start: nothing downstream classifies
//! an error by its English message, which an upgrade of async-graphql could
//! reword and so silently change the code a client switches on.
//!
//! The checks are those async-graphql would run at this step (the depth of
//! selection sets through fragments, directives per field), with the same
//! semantics, so the executing schema, which still runs them on the checked
//! document, never finds anything more.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::parser::{Error as ParseError, Positioned};
use async_graphql::{Pos, ServerError, ServerResult};

use super::pipeline::refusal;
use crate::config::Limits;
use crate::error::Reason;

/// Parses `query` within the document limits, or the refusal naming the one
/// it broke.
pub fn parse(query: &str, limits: &Limits) -> ServerResult<ExecutableDocument> {
    // The parser follows nested lists and objects without a limit of its
    // own, so a pathological document is refused before it runs.
    if nesting_depth(query) > limits.max_recursive_depth * 2 {
        return Err(refusal(Reason::MaxRecursion, "the document nests too deeply"));
    }
    let doc = async_graphql::parser::parse_query(query).map_err(parse_error)?;
    if let Some(pos) = too_deep(&doc, limits.max_recursive_depth) {
        return Err(at(
            refusal(
                Reason::MaxRecursion,
                format!("selections and fragments nest deeper than {}", limits.max_recursive_depth),
            ),
            pos,
        ));
    }
    if let Some((pos, field)) = too_many_directives(&doc, limits.max_directives) {
        return Err(at(
            refusal(
                Reason::MaxDirectives,
                format!("the field `{field}` has more than {} directives", limits.max_directives),
            ),
            pos,
        ));
    }
    Ok(doc)
}

fn at(mut err: ServerError, pos: Pos) -> ServerError {
    err.locations.push(pos);
    err
}

/// The refusal for a document that does not parse, by the parser's typed
/// error. A syntax error's message names what was expected, without the
/// echo of the query the parser puts in it (a query may carry secrets, and
/// its echo is as long as the query).
fn parse_error(err: ParseError) -> ServerError {
    let locations: Vec<Pos> = err.positions().collect();
    let mut refused = match &err {
        ParseError::Syntax { message, .. } => {
            let expected = message
                .lines()
                .find_map(|l| l.trim().strip_prefix("= "))
                .map(|s| s.chars().take(200).collect::<String>());
            refusal(
                Reason::GraphqlParseFailed,
                match expected {
                    Some(e) => format!("syntax error: {e}"),
                    None => "syntax error".to_owned(),
                },
            )
        }
        ParseError::RecursionLimitExceeded => refusal(Reason::MaxRecursion, "the document nests too deeply"),
        // Two anonymous operations, a name defined twice, no operation: the
        // document's own rules, which the spec lists under validation.
        other => refusal(Reason::GraphqlValidationFailed, other.to_string()),
    };
    refused.locations = locations;
    refused
}

/// How deep brackets nest outside strings and comments. Knows the lexical
/// forms that can hide brackets: `#` comments, `"…"` strings (with escapes)
/// and `"""…"""` block strings.
fn nesting_depth(query: &str) -> usize {
    let b = query.as_bytes();
    let (mut i, mut depth, mut max) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped triple quote inside a block string.
                    i += if b[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

/// Where the selection sets of an operation, followed through fragment
/// spreads, first nest deeper than `max` (async-graphql's recursion rule: a
/// fragment that spreads itself is stopped here, by the depth, before the
/// validator sees the cycle).
fn too_deep(doc: &ExecutableDocument, max: usize) -> Option<Pos> {
    fn walk(doc: &ExecutableDocument, set: &Positioned<SelectionSet>, depth: usize, max: usize) -> Option<Pos> {
        if depth > max {
            return Some(set.pos);
        }
        set.node.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) if field.node.selection_set.node.items.is_empty() => None,
            Selection::Field(field) => walk(doc, &field.node.selection_set, depth + 1, max),
            Selection::FragmentSpread(spread) => doc
                .fragments
                .get(&spread.node.fragment_name.node)
                .and_then(|f| walk(doc, &f.node.selection_set, depth + 1, max)),
            Selection::InlineFragment(inline) => walk(doc, &inline.node.selection_set, depth + 1, max),
        })
    }
    doc.operations.iter().find_map(|(_, op)| walk(doc, &op.node.selection_set, 0, max))
}

/// The first field carrying more than `max` directives, with its position.
/// Fragments are checked where they are defined, once each.
fn too_many_directives(doc: &ExecutableDocument, max: usize) -> Option<(Pos, String)> {
    fn walk(set: &Positioned<SelectionSet>, max: usize) -> Option<(Pos, String)> {
        set.node.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) if field.node.directives.len() > max => {
                Some((field.pos, field.node.name.node.to_string()))
            }
            Selection::Field(field) => walk(&field.node.selection_set, max),
            Selection::FragmentSpread(_) => None,
            Selection::InlineFragment(inline) => walk(&inline.node.selection_set, max),
        })
    }
    doc.operations
        .iter()
        .find_map(|(_, op)| walk(&op.node.selection_set, max))
        .or_else(|| doc.fragments.values().find_map(|f| walk(&f.node.selection_set, max)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Reason;

    fn reason(query: &str, limits: &Limits) -> Option<String> {
        parse(query, limits).err().map(|e| super::super::pipeline::reason_of(&e).unwrap_or("none").to_owned())
    }

    #[test]
    fn nesting_ignores_brackets_in_strings_and_comments_but_not_after_them() {
        assert_eq!(nesting_depth(r#"{ a(x: "{{{{") { b } }"#), 2);
        assert_eq!(nesting_depth(&"{a".repeat(1000)), 1000);
        // A quote in a comment does not open a string that hides what follows.
        let hidden = format!("#\"\n{{ a(b: {}) }}", "[".repeat(500));
        assert!(nesting_depth(&hidden) > 500);
        // Closing brackets in a comment do not lower the count.
        let lowered = format!("{}#{}\n{}", "[".repeat(300), "]".repeat(300), "[".repeat(300));
        assert_eq!(nesting_depth(&lowered), 600);
        assert_eq!(nesting_depth(r#"{ a(x: """ {{{ \""" [[[ """) }"#), 2);
        assert_eq!(nesting_depth("{ a(x: \"\\\"{{\") }"), 2);
    }

    #[test]
    fn a_syntax_error_names_what_was_expected_without_echoing_the_query() {
        let refused = parse(&format!("{{ secret{} ", "x".repeat(5000)), &Limits::default()).unwrap_err();
        assert!(!refused.message.contains("xxxx"), "{}", refused.message);
        assert!(refused.message.starts_with("syntax error"), "{}", refused.message);
        assert!(refused.message.len() < 300);
        assert!(!refused.locations.is_empty());
        assert_eq!(super::super::pipeline::reason_of(&refused), Some(Reason::GraphqlParseFailed.as_str()));
    }

    #[test]
    fn every_document_limit_is_refused_with_its_reason_decided_here() {
        let limits = Limits { max_directives: 2, max_recursive_depth: 4, ..Limits::default() };
        let cases = [
            ("{ __typename @skip(if: false) @include(if: true) @skip(if: false) }", Some("MAX_DIRECTIVES")),
            ("{ __typename @skip(if: false) @include(if: true) }", None),
            (
                "{ ...F } fragment F on Query { __typename @skip(if: false) @skip(if: false) @skip(if: false) }",
                Some("MAX_DIRECTIVES"),
            ),
            ("{ a { b { c { d { e { f } } } } } }", Some("MAX_RECURSION")),
            ("{ a { b { c { d { e } } } } }", None),
            ("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", Some("MAX_RECURSION")),
            (&format!("{{ a(x: {}) }}", "[".repeat(20)), Some("MAX_RECURSION")),
            ("{ a } { b }", Some("GRAPHQL_VALIDATION_FAILED")),
            ("query Q { a } query Q { b }", Some("GRAPHQL_VALIDATION_FAILED")),
            ("{ a ", Some("GRAPHQL_PARSE_FAILED")),
        ];
        for (query, expected) in cases {
            assert_eq!(reason(query, &limits).as_deref(), expected, "{query}");
        }
    }

    /// The executing schema runs async-graphql's own recursion and
    /// directive checks on what passed here; they must never find more.
    #[tokio::test]
    async fn async_graphqls_own_document_checks_accept_what_passed_here() {
        use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
        struct Q;
        #[Object]
        impl Q {
            async fn a(&self) -> Q {
                Q
            }
            async fn n(&self) -> i32 {
                1
            }
        }
        let limits = Limits { max_directives: 2, max_recursive_depth: 4, ..Limits::default() };
        let schema = Schema::build(Q, EmptyMutation, EmptySubscription)
            .limit_recursive_depth(limits.max_recursive_depth)
            .limit_directives(limits.max_directives)
            .finish();
        for query in [
            "{ a { a { a { n @skip(if: false) @include(if: true) } } } }",
            "{ ...F } fragment F on Q { a { a { ... on Q { n } } } }",
        ] {
            let doc = parse(query, &limits).expect("within the limits");
            let mut request = async_graphql::Request::new("");
            request.set_parsed_query(doc);
            let response = schema.execute(request).await;
            assert!(response.errors.is_empty(), "{query}: {:?}", response.errors);
        }
    }
}
