//! One error type for every handler, rendered as an HTML page for the UI and as the JSON
//! envelope `{"errors":[{"code","detail","field"?}]}` for `/api`. Internal errors are logged with
//! their cause and a request id; the response says only that something failed.

use askama::Template;
use axum::Json;
use axum::extract::rejection::RawFormRejection;
use axum::extract::{FromRef, FromRequest, RawForm, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chancery_app::AppError;
use chancery_store::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::AppState;

/// What went wrong, grouped by the status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// 400: input that does not parse or validate.
    #[error("{detail}")]
    BadRequest {
        /// The offending field, if one.
        field: Option<String>,
        /// What is wrong and what to do.
        detail: String,
    },
    /// 401: not logged in (or the session expired).
    #[error("log in to continue")]
    Unauthorized,
    /// 403: logged in but not allowed, or a CSRF check failed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: missing, or not visible to this user (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// 409: a workflow refusal or an edit conflict.
    #[error("{0}")]
    Conflict(String),
    /// 413: an upload above the configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// 429: too many failed logins.
    #[error("{0}")]
    TooManyRequests(String),
    /// 500: a bug or an outage; details go to the log only.
    #[error("internal error")]
    Internal(String),
}

impl WebError {
    /// A 400 about one field.
    pub fn field(field: &str, detail: impl Into<String>) -> Self {
        WebError::BadRequest {
            field: Some(field.to_string()),
            detail: detail.into(),
        }
    }

    /// The HTTP status this error is answered with.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            WebError::BadRequest { .. } => "bad_request",
            WebError::Unauthorized => "unauthorized",
            WebError::Forbidden(_) => "forbidden",
            WebError::NotFound => "not_found",
            WebError::Conflict(_) => "conflict",
            WebError::TooLarge(_) => "too_large",
            WebError::TooManyRequests(_) => "too_many_requests",
            WebError::Internal(_) => "internal",
        }
    }

    fn public_detail(&self) -> String {
        match self {
            WebError::Internal(_) => "something went wrong on our side; it has been logged".into(),
            other => other.to_string(),
        }
    }

    fn log(&self) {
        if let WebError::Internal(cause) = self {
            tracing::error!(error = %cause, "internal error");
        }
    }

    /// The JSON form, for `/api`.
    pub fn into_api(self) -> Response {
        self.log();
        #[derive(Serialize)]
        struct Item {
            code: &'static str,
            detail: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            field: Option<String>,
        }
        #[derive(Serialize)]
        struct Envelope {
            errors: Vec<Item>,
        }
        let field = match &self {
            WebError::BadRequest { field, .. } => field.clone(),
            _ => None,
        };
        let body = Envelope {
            errors: vec![Item {
                code: self.code(),
                detail: self.public_detail(),
                field,
            }],
        };
        (self.status(), Json(body)).into_response()
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(m) => WebError::BadRequest {
                field: None,
                detail: m,
            },
            AppError::NotFound(_) => WebError::NotFound,
            AppError::Forbidden(m) => WebError::Forbidden(m),
            AppError::Refused(r) => WebError::Conflict(r.to_string()),
            e @ AppError::PersonalData { .. } => WebError::BadRequest {
                field: None,
                detail: e.to_string(),
            },
            AppError::Store(s) => s.into(),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => WebError::NotFound,
            StoreError::Conflict(m) => WebError::Conflict(format!(
                "{m} was changed by someone else since you read it: your text is kept below; reload, merge and save again"
            )),
            StoreError::AlreadyExists(m) => WebError::Conflict(m),
            other => WebError::Internal(other.to_string()),
        }
    }
}

/// The HTML error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: &'static str,
    detail: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        if matches!(self, WebError::Unauthorized) {
            return axum::response::Redirect::to("/login").into_response();
        }
        let page = ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error"),
            detail: self.public_detail(),
        };
        let mut response = match page.render() {
            Ok(html) => (status, axum::response::Html(html)).into_response(),
            Err(_) => (status, self.public_detail()).into_response(),
        };
        // Like every page: never cached (an error can be about classified work).
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        response
    }
}

/// A JSON-API result: errors render as the envelope.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_api()
    }
}

/// A form body (`application/x-www-form-urlencoded`), like `axum::Form`, except that every
/// rejection is a [`WebError`] rendered like any other: a field that is missing or does not
/// parse is a 400 naming the field (axum answers 422 in plain text), and a body above
/// `max_body_bytes` is a 413 saying what the limit is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let bytes = match RawForm::from_request(req, state).await {
            Ok(RawForm(bytes)) => bytes,
            Err(RawFormRejection::BytesRejection(r))
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                let limit = AppState::from_ref(state).config.max_body_bytes;
                return Err(WebError::TooLarge(format!(
                    "the request is larger than this server accepts ({limit} bytes): shorten the text or split it and send it again"
                )));
            }
            Err(RawFormRejection::InvalidFormContentType(_)) => {
                return Err(WebError::BadRequest {
                    field: None,
                    detail: "send the form as application/x-www-form-urlencoded".into(),
                });
            }
            Err(other) => {
                return Err(WebError::BadRequest {
                    field: None,
                    detail: format!(
                        "the form could not be read ({}): send it again",
                        other.body_text()
                    ),
                });
            }
        };
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        serde_path_to_error::deserialize(deserializer)
            .map(Form)
            .map_err(|e| form_field_error(&e))
    }
}

/// A 400 naming the form field a deserialisation error is about.
fn form_field_error(e: &serde_path_to_error::Error<serde_urlencoded::de::Error>) -> WebError {
    let inner = e.inner().to_string();
    let path = e.path().to_string();
    // A missing field has no path (the error is about the form as a whole); serde names the
    // field between backticks.
    let field = if path.is_empty() || path == "." {
        inner
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string)
    } else {
        Some(path)
    };
    match field {
        Some(field) if inner.starts_with("missing field") => WebError::BadRequest {
            detail: format!(
                "the form field \"{field}\" is missing: reload the page and send the form again"
            ),
            field: Some(field),
        },
        Some(field) => WebError::BadRequest {
            detail: format!(
                "the form field \"{field}\" is not valid ({inner}): correct it and send the form again"
            ),
            field: Some(field),
        },
        None => WebError::BadRequest {
            field: None,
            detail: format!("the form is not valid ({inner}): reload the page and send it again"),
        },
    }
}
