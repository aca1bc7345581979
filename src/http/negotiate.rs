//! Media types of GraphQL over HTTP: what the client sent and what it accepts.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

/// The response format a client gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/graphql-response+json`: request errors get 4xx statuses.
    GraphqlResponse,
    /// `application/json`: the legacy format; well-formed requests get 200.
    Json,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the format from `Accept` (by q-value, then the client's order);
/// `None` if the client accepts neither.
pub fn response_format(headers: &HeaderMap) -> Option<Format> {
    let values: Vec<&str> = headers.get_all(ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() {
        return Some(Format::Json);
    }
    let mut best: Option<(f32, Format)> = None;
    for item in values.iter().flat_map(|v| v.split(',')) {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for param in parts {
            if let Some((k, v)) = param.split_once('=')
                && k.trim().eq_ignore_ascii_case("q")
            {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        let format = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => Format::GraphqlResponse,
            JSON | "application/*" | "*/*" => Format::Json,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, format));
        }
    }
    best.map(|(_, f)| f)
}

/// Why a request body's media type is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyType {
    Json,
    Missing,
    Unsupported,
}

/// A POST must carry `application/json` (UTF-8): this also keeps out the
/// "simple" cross-site requests (forms, `text/plain`) a browser would send
/// without a preflight.
pub fn body_type(headers: &HeaderMap) -> BodyType {
    let Some(value) = headers.get(CONTENT_TYPE) else { return BodyType::Missing };
    let Ok(value) = value.to_str() else { return BodyType::Unsupported };
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case(JSON) {
        return BodyType::Unsupported;
    }
    for param in parts {
        if let Some((k, v)) = param.split_once('=')
            && k.trim().eq_ignore_ascii_case("charset")
            && !v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return BodyType::Unsupported;
        }
    }
    BodyType::Json
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &str) -> Option<Format> {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_str(v).unwrap());
        response_format(&h)
    }

    #[test]
    fn accept_picks_the_preferred_supported_type() {
        assert_eq!(response_format(&HeaderMap::new()), Some(Format::Json));
        assert_eq!(accept("application/graphql-response+json, application/json"), Some(Format::GraphqlResponse));
        assert_eq!(accept("application/json;q=1, application/graphql-response+json;q=0.5"), Some(Format::Json));
        assert_eq!(accept("*/*"), Some(Format::Json));
        assert_eq!(accept("text/html"), None);
    }

    #[test]
    fn only_utf8_json_bodies_are_accepted() {
        let ct = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            body_type(&h)
        };
        assert_eq!(ct("application/json"), BodyType::Json);
        assert_eq!(ct("application/json; charset=UTF-8"), BodyType::Json);
        assert_eq!(ct("application/json; charset=utf-16"), BodyType::Unsupported);
        assert_eq!(ct("text/plain"), BodyType::Unsupported);
        assert_eq!(ct("application/x-www-form-urlencoded"), BodyType::Unsupported);
        assert_eq!(body_type(&HeaderMap::new()), BodyType::Missing);
    }
}
