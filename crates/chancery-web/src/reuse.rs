//! Reusing what a request derived from the database while the data generation is unchanged:
//! the signed-in account, and whole rendered pages.
//!
//! Every request reads the data generation with its session (one query; see
//! [`crate::session`]), a counter every committed change to the content tables moves forward
//! in the same transaction, whichever server or process wrote. A page rendered under
//! generation *g* on day *d* for one session is, byte for byte, what rendering it again would
//! give while the generation is still *g* on day *d*: its inputs are the tables, the session's
//! account and CSRF token, the URL and today's date (timeliness), nothing else. So a repeat
//! view costs the session query, not the page's queries and rendering. Nothing is shared
//! between sessions, so no viewer can be served a page rendered for another; the session
//! itself is still checked on every request (expiry, absolute timeout, a disabled account —
//! which moves the generation and so reloads the account).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chancery_app::cache::BoundedCache;
use chancery_domain::user::Actor;

use crate::AppState;
use crate::auth::CurrentUser;

/// Pages kept at most (a few hundred sessions' recent pages; they are small).
pub(crate) const PAGES: usize = 256;
/// Larger pages are not kept (bounds the cache at `PAGES` × this, plus their gzip copies).
const LARGEST_PAGE: usize = 1024 * 1024;

/// Says whether a reusable page was answered from a kept copy (`hit`) or rendered (`miss`).
pub const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// The signed-in account by username, with the generation it was read under.
pub type ActorCache = BoundedCache<String, (i64, Actor)>;

/// A rendered page as its handler returned it, with its gzip encoding made once (browsers
/// ask for gzip; compressing a kept page on every view would cost more than the view).
#[derive(Debug)]
pub struct Page {
    generation: i64,
    day: String,
    headers: HeaderMap,
    body: Bytes,
    gzip: Bytes,
}

impl Page {
    /// The page as a response, gzip-encoded when the request accepts it.
    fn respond(&self, accepts_gzip: bool, cache: &'static str) -> Response {
        let mut headers = self.headers.clone();
        headers.insert(X_CACHE, HeaderValue::from_static(cache));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if accepts_gzip {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            (headers, self.gzip.clone()).into_response()
        } else {
            (headers, self.body.clone()).into_response()
        }
    }
}

/// Whether `Accept-Encoding` allows gzip (`gzip` or `*`, with a q-value above zero).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (name.eq_ignore_ascii_case("gzip") || name == "*") && q > 0.0
        })
}

fn gzip(body: &[u8]) -> std::io::Result<Bytes> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(body)?;
    Ok(encoder.finish()?.into())
}

/// Rendered pages by session and URL.
pub type PageCache = BoundedCache<String, Arc<Page>>;

/// Today (UTC), as the completeness tables compute timeliness.
fn today() -> String {
    chancery_store::now()
        .get(..10)
        .unwrap_or_default()
        .to_string()
}

/// Middleware for page routes: answers a GET from the page kept for this session and URL when
/// it was rendered under the current generation today; otherwise runs the handler and keeps a
/// successful HTML page. Anything else (no session, another method, an error) passes through.
pub async fn reuse_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET || !state.config.reuse_pages {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let me = match CurrentUser::from_request_parts(&mut parts, &state).await {
        Ok(me) => me,
        // The handler answers (its extractor refuses the same way).
        Err(_) => return next.run(Request::from_parts(parts, body)).await,
    };
    let Some(generation) = me.generation else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    // The CSRF token is the session's own random value: one entry per session and URL.
    let key = format!(
        "{}\0{}\0{}",
        me.actor.username,
        me.csrf,
        parts.uri.path_and_query().map_or("", |p| p.as_str())
    );
    let day = today();
    let gzip_ok = accepts_gzip(&parts.headers);
    if let Some(page) = state.pages.get(&key)
        && page.generation == generation
        && page.day == day
    {
        return page.respond(gzip_ok, "hit");
    }
    parts.extensions.insert(me);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    response
        .headers_mut()
        .insert(X_CACHE, HeaderValue::from_static("miss"));
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let small = axum::body::HttpBody::size_hint(response.body())
        .exact()
        .is_some_and(|n| n <= LARGEST_PAGE as u64);
    if response.status() != StatusCode::OK || !html || !small {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, LARGEST_PAGE).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the page could not be read",
        )
            .into_response();
    };
    let Ok(gzip) = gzip(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let mut headers = parts.headers;
    headers.remove(header::SET_COOKIE);
    headers.remove(X_CACHE);
    let page = Page {
        generation,
        day,
        headers,
        body: bytes,
        gzip,
    };
    let response = page.respond(gzip_ok, "miss");
    state.pages.insert(key, Arc::new(page));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        accepts_gzip(&headers)
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        assert!(accepts("gzip"));
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
        // Malformed values: a q-value that does not parse counts as absent (q=1), a negative
        // one as refusal, and empty items or unknown codings are ignored.
        assert!(accepts("gzip;q=abc"));
        assert!(!accepts("gzip;q=-1"));
        assert!(!accepts(",,;q=1, ;"));
        assert!(accepts(" , gzip ,"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_bytes(b"gz\xffip").unwrap(),
        );
        assert!(!accepts_gzip(&headers), "not text: ignored");
    }

    #[test]
    fn the_kept_gzip_decodes_to_the_page() {
        use std::io::Read;
        let page = "<p>page</p>".repeat(1000);
        let packed = gzip(page.as_bytes()).unwrap();
        assert!(packed.len() < page.len() / 10);
        let mut out = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, page);
    }
}
