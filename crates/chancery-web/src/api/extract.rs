//! Request parsing for the API. Every problem comes back as the error envelope naming the
//! field, never as axum's plain-text rejections: JSON bodies ([`ApiJson`]), TOML/text bodies
//! ([`ApiText`]), path segments ([`ApiPath`]) and pagination ([`Pagination`]).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, WebError};

/// The largest page a list endpoint returns.
pub const MAX_PER_PAGE: usize = 100;
/// The page size when `per_page` is not given.
pub const DEFAULT_PER_PAGE: usize = 20;

/// The field name for a problem with the request body as a whole (not JSON at all, empty,
/// trailing characters): `$`, the root of a JSON path.
pub const ROOT: &str = "$";

/// A JSON request body parsed into `T`. Malformed JSON, wrong types, missing and unknown fields
/// are 400s whose `field` is the path of the offending value (`revision`, `targets[0].value`;
/// `$` for the body as a whole).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

/// Like [`ApiJson`], but an empty body means `T::default()` (for actions whose fields are all
/// optional, so `POST …/actions/submit` needs no body).
#[derive(Debug, Clone)]
pub struct ApiJsonOrDefault<T>(pub T);

/// A UTF-8 text body (a tasking's TOML file).
#[derive(Debug, Clone)]
pub struct ApiText(pub String);

/// Path parameters; a rejection is a 400 naming the parameter.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

/// `?page=&per_page=`: pages count from 1; `per_page` is capped at [`MAX_PER_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// Page number, from 1 (default 1). A page past the end is empty, not an error.
    #[param(minimum = 1, default = 1)]
    pub page: usize,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: usize,
}

impl Default for Pagination {
    fn default() -> Self {
        Pagination {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl Pagination {
    /// Parses a raw query string. Unknown parameters are refused (a typo such as `perpage`
    /// would otherwise silently give the default).
    pub fn parse(query: Option<&str>) -> Result<Self, WebError> {
        let mut out = Pagination::default();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|e| WebError::field("query", format!("the query string is malformed: {e}")))?;
        for (key, value) in pairs {
            let number = || {
                value.trim().parse::<usize>().map_err(|_| {
                    WebError::field(&key, format!("{key}: {value:?} is not a whole number"))
                })
            };
            match key.as_str() {
                "page" => {
                    let n = number()?;
                    if n == 0 {
                        return Err(WebError::field("page", "page: pages are numbered from 1"));
                    }
                    out.page = n;
                }
                "per_page" => {
                    let n = number()?;
                    if !(1..=MAX_PER_PAGE).contains(&n) {
                        return Err(WebError::field(
                            "per_page",
                            format!(
                                "per_page: {n} is outside 1 to {MAX_PER_PAGE} (the most one page holds)"
                            ),
                        ));
                    }
                    out.per_page = n;
                }
                other => {
                    return Err(WebError::field(
                        other,
                        format!(
                            "unknown query parameter {other:?}: this endpoint takes page and per_page"
                        ),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The items of this page, and the total before paging.
    pub fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, usize) {
        let total = items.len();
        let skip = self.page.saturating_sub(1).saturating_mul(self.per_page);
        let page = items.into_iter().skip(skip).take(self.per_page).collect();
        (page, total)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Pagination::parse(parts.uri.query())?)
    }
}

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                    _ => "path".to_string(),
                };
                Err(WebError::field(&field, e.body_text()).into())
            }
            Err(other) => Err(WebError::Internal(other.body_text()).into()),
        }
    }
}

/// Reads the body, turning axum's rejections into the envelope (413 above the size limit).
async fn body_bytes<S>(req: Request, state: &S) -> Result<Bytes, WebError>
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    let limit = AppState::from_ref(state).config.max_body_bytes;
    Bytes::from_request(req, state)
        .await
        .map_err(|e: BytesRejection| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::TooLarge(format!(
                    "the request body is larger than the limit of {limit} bytes"
                ))
            } else {
                WebError::field(ROOT, format!("the request body could not be read: {e}"))
            }
        })
}

/// Refuses a body declared as something other than JSON (a missing Content-Type is accepted).
fn require_json(req: &Request) -> Result<(), WebError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let ok = value.to_str().ok().is_some_and(|v| {
        let essence = v
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    });
    if ok {
        Ok(())
    } else {
        Err(WebError::field(
            "content-type",
            "send the body as JSON with Content-Type: application/json",
        ))
    }
}

/// Parses JSON, naming the path of whatever is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WebError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(WebError::field(
            ROOT,
            "the request body is empty: send a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(&path, &inner)
    })?;
    de.end().map_err(|e| json_error(".", &e))?;
    Ok(value)
}

fn json_error(path: &str, e: &serde_json::Error) -> WebError {
    let message = e.to_string();
    let parent = if path == "." { "" } else { path };
    // Missing and unknown fields are reported by serde at their parent object: name the field.
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| {
            let rest = message.strip_prefix(prefix)?;
            rest.split('`').next().map(str::to_string)
        })
        .map(|name| {
            // serde_path_to_error has already entered an unknown key, not a missing one.
            if parent.is_empty() || parent == name || parent.ends_with(&format!(".{name}")) {
                if parent.is_empty() {
                    name
                } else {
                    parent.to_string()
                }
            } else {
                format!("{parent}.{name}")
            }
        });
    let field = named.unwrap_or_else(|| {
        if parent.is_empty() {
            ROOT.to_string()
        } else {
            parent.to_string()
        }
    });
    let detail = match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("the request body is not valid JSON: {message}")
        }
        _ => format!("{field}: {message}"),
    };
    WebError::field(&field, detail)
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        require_json(&req)?;
        let bytes = body_bytes(req, state).await?;
        Ok(ApiJson(parse_json(&bytes)?))
    }
}

impl<T, S> FromRequest<S> for ApiJsonOrDefault<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        require_json(&req)?;
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJsonOrDefault(T::default()));
        }
        Ok(ApiJsonOrDefault(parse_json(&bytes)?))
    }
}

impl<S> FromRequest<S> for ApiText
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(req, state).await?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|e| WebError::field(ROOT, format!("the request body is not UTF-8: {e}")))?;
        Ok(ApiText(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are only deserialized")]
    struct Inner {
        value: f64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are only deserialized")]
    struct Outer {
        body: String,
        revision: i64,
        #[serde(default)]
        targets: Vec<Inner>,
    }

    fn field_of(json: &str) -> String {
        match parse_json::<Outer>(json.as_bytes()) {
            Err(WebError::BadRequest { field, .. }) => field.unwrap_or_default(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of(r#"{"body": "x", "revision": "2"}"#), "revision");
        assert_eq!(field_of(r#"{"body": "x"}"#), "revision");
        assert_eq!(
            field_of(r#"{"body": "x", "revision": 1, "colour": 1}"#),
            "colour"
        );
        assert_eq!(
            field_of(r#"{"body": "x", "revision": 1, "targets": [{"value": "a"}]}"#),
            "targets[0].value"
        );
        assert_eq!(
            field_of(r#"{"body": "x", "revision": 1, "targets": [{}]}"#),
            "targets[0].value"
        );
        assert_eq!(field_of("not json"), "$");
        assert_eq!(field_of(""), "$");
        assert_eq!(field_of(r#"{"body": "x", "revision": 1} x"#), "$");
    }

    #[test]
    fn pagination_is_capped_and_strict() {
        assert_eq!(Pagination::parse(None).unwrap(), Pagination::default());
        let p = Pagination::parse(Some("page=3&per_page=100")).unwrap();
        assert_eq!((p.page, p.per_page), (3, 100));
        for (q, field) in [
            ("per_page=101", "per_page"),
            ("per_page=0", "per_page"),
            ("page=0", "page"),
            ("page=x", "page"),
            ("perpage=5", "perpage"),
        ] {
            match Pagination::parse(Some(q)) {
                Err(WebError::BadRequest { field: Some(f), .. }) => assert_eq!(f, field, "{q}"),
                other => panic!("{q}: {other:?}"),
            }
        }
        let (items, total) = Pagination {
            page: 9,
            per_page: 10,
        }
        .slice(vec![1, 2, 3]);
        assert!(items.is_empty());
        assert_eq!(total, 3);
    }
}
