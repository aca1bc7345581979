//! GraphiQL, served from assets compiled into the binary (`assets/graphiql/`):
//! nothing is fetched from the internet, so it works on closed networks. The
//! page's Content-Security-Policy allows only this server.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
                   frame-ancestors 'none'";

/// (name, media type, bytes) of every asset.
const ASSETS: [(&str, &str, &[u8]); 5] = [
    ("graphiql.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.js")),
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.css")),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    ("init.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/init.js")),
];

/// The GraphiQL page.
pub fn page() -> Response {
    let html = include_str!("../../assets/graphiql/index.html");
    let mut response = ([(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    response.headers_mut().insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}

/// GET /graphiql/{asset}.
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, media, bytes)) => {
            ([(CONTENT_TYPE, *media), (CACHE_CONTROL, "public, max-age=86400")], *bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
