//! Reading the fields of the new pages' forms and queries: every field is read as text and
//! parsed here, so a value that does not parse is a 400 naming the field and saying what is
//! expected, and the form never half-applies.

use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use chancery_domain::Classification;
use tower_sessions::Session;

use crate::AppState;
use crate::auth::check_csrf;
use crate::error::{Form, WebError};

/// A submitted urlencoded form whose CSRF token matched the session's: what every
/// state-changing form of the new pages takes (a missing or stale token is a 403 before
/// anything else is looked at).
#[derive(Debug, Clone)]
pub struct CheckedForm(pub Fields);

impl<S> FromRequest<S> for CheckedForm
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(|(_, m)| WebError::Internal(m.to_string()))?;
        let Form(pairs) =
            Form::<Vec<(String, String)>>::from_request(Request::from_parts(parts, body), state)
                .await?;
        let fields = Fields::new(pairs);
        check_csrf(&session, fields.csrf()).await?;
        Ok(CheckedForm(fields))
    }
}

/// The fields of a submitted form (or a query string), repeated names kept in order.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pairs: Vec<(String, String)>,
    /// An uploaded file: (field name, file name, media type, bytes).
    pub file: Option<(String, String, String, Vec<u8>)>,
}

impl Fields {
    /// From decoded pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Fields {
        Fields { pairs, file: None }
    }

    /// From a raw query string.
    pub fn query(raw: Option<String>) -> Fields {
        let pairs = raw
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Fields::new(pairs)
    }

    /// Reads a `multipart/form-data` body: text fields as pairs, and the one file field
    /// `file_field` (an empty file input counts as no file). A body above `limit` bytes is a
    /// 413 saying what the limit is.
    pub async fn multipart(
        mut mp: Multipart,
        file_field: &str,
        limit: usize,
    ) -> Result<Fields, WebError> {
        let read_error = |e: MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::TooLarge(format!(
                    "the upload is larger than this server accepts ({limit} bytes, set by max_body_bytes): capture a smaller file, or store the document elsewhere and give its URL"
                ))
            } else {
                WebError::BadRequest {
                    field: None,
                    detail: format!(
                        "the form could not be read ({}): send it again",
                        e.body_text()
                    ),
                }
            }
        };
        let mut out = Fields::default();
        while let Some(field) = mp.next_field().await.map_err(read_error)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == file_field {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let media = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let bytes = field.bytes().await.map_err(read_error)?;
                if !bytes.is_empty() || !file_name.is_empty() {
                    out.file = Some((name, file_name, media, bytes.to_vec()));
                }
            } else {
                let text = field.text().await.map_err(read_error)?;
                out.pairs.push((name, text));
            }
        }
        Ok(out)
    }

    /// The first value of `name`, trimmed (empty if absent).
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or_default()
    }

    /// The first value of `name` as sent (not trimmed), if present.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// The value of `name`, or a 400 saying it is required.
    pub fn required(&self, name: &str) -> Result<&str, WebError> {
        let v = self.get(name);
        if v.is_empty() {
            return Err(WebError::field(
                name,
                format!(
                    "the form field \"{name}\" is required: fill it in and send the form again"
                ),
            ));
        }
        Ok(v)
    }

    /// The required value of `name` parsed by `parse`, or a 400 naming the field.
    pub fn parse<T, E: std::fmt::Display>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, WebError> {
        let v = self.required(name)?;
        parse(v).map_err(|e| invalid(name, e))
    }

    /// The value of `name` parsed by `parse`, `None` when empty.
    pub fn optional<T, E: std::fmt::Display>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, WebError> {
        match self.get(name) {
            "" => Ok(None),
            v => parse(v).map(Some).map_err(|e| invalid(name, e)),
        }
    }

    /// The text of `name`, `None` when empty.
    pub fn text(&self, name: &str) -> Option<String> {
        Some(self.get(name).to_string()).filter(|s| !s.is_empty())
    }

    /// The CSRF token sent with the form.
    pub fn csrf(&self) -> &str {
        self.get("csrf")
    }
}

/// A 400 about a field whose value does not parse.
pub fn invalid(name: &str, e: impl std::fmt::Display) -> WebError {
    WebError::field(
        name,
        format!("the form field \"{name}\" is not valid: {e}; correct it and send the form again"),
    )
}

/// A classification code (U, SBU, C, S).
pub fn classification(s: &str) -> Result<Classification, String> {
    Classification::parse(s).map_err(|e| e.to_string())
}

/// A source reference: `S12` or `12`.
pub fn source_id(s: &str) -> Result<i64, String> {
    s.trim()
        .trim_start_matches(['S', 's'])
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{s:?} is not a source reference such as S12"))
}

/// A list of source references separated by commas or spaces.
pub fn source_ids(s: &str) -> Result<Vec<i64>, String> {
    s.split([',', ' ', ';'])
        .filter(|p| !p.trim().is_empty())
        .map(source_id)
        .collect()
}

/// `true` or `false`.
pub fn boolean(s: &str) -> Result<bool, String> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("{other:?} is neither true nor false")),
    }
}

/// A non-negative count.
pub fn count(s: &str) -> Result<u32, String> {
    s.parse::<u32>()
        .map_err(|_| format!("{s:?} is not a whole number of 0 or more"))
}

/// Parses a path id such as `12` or `S12` (anything else is a 404, like a missing id).
pub fn path_id(s: &str, prefix: &str) -> Result<i64, WebError> {
    s.strip_prefix(prefix)
        .unwrap_or(s)
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(WebError::NotFound)
}

/// Options for a `<select>`: (value, label, selected).
pub fn options<'a>(
    values: impl IntoIterator<Item = (&'a str, String)>,
    selected: &str,
) -> Vec<(String, String, bool)> {
    values
        .into_iter()
        .map(|(v, label)| (v.to_string(), label, v == selected))
        .collect()
}

/// Value → label maps are built from the domain's code lists; this one is for the classification.
pub fn classification_options(selected: &str) -> Vec<(String, String, bool)> {
    options(
        Classification::ALL
            .iter()
            .map(|c| (c.code(), c.to_string())),
        selected,
    )
}

/// A 400 shown on the form it came from: the message above the form and again next to the
/// field it names, with the user's input kept (the page is rendered from what was sent).
#[derive(Debug, Clone, Default)]
pub struct FormError {
    /// The offending form field, when known.
    pub field: Option<String>,
    /// What is wrong and what to do.
    pub detail: String,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl FormError {
    /// The form error of a 400 (naming the field where the message does); every other
    /// error is given back, to render as its own page.
    pub fn of(e: WebError) -> Result<FormError, WebError> {
        match crate::api::with_field(e) {
            WebError::BadRequest { field, detail } => Ok(FormError { field, detail }),
            other => Err(other),
        }
    }

    /// The message, as HTML, for above the form (empty when there is none).
    pub fn summary(&self) -> String {
        if self.detail.is_empty() {
            return String::new();
        }
        format!(
            "<p class=\"form-error\" id=\"form-error\" role=\"alert\">{}</p>",
            escape(&self.detail)
        )
    }

    /// The message, as HTML, for beside field `name` (empty unless it is about that field).
    pub fn at(&self, name: &str) -> String {
        if self.field.as_deref() != Some(name) {
            return String::new();
        }
        format!(
            "<span class=\"field-error\" id=\"error-{}\">{}</span>",
            escape(name),
            escape(&self.detail)
        )
    }
}

/// A re-rendered form page answering a 400.
pub fn bad_request(mut r: axum::response::Response) -> axum::response::Response {
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}
