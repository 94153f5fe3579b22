//! One error type for every handler, rendered as an HTML page for the UI and as the JSON
//! envelope `{"errors":[{"code","detail","field"?}]}` for `/api`. Internal errors are logged with
//! their cause and a request id; the response says only that something failed.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chancery_app::AppError;
use chancery_store::StoreError;
use serde::Serialize;

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

    fn status(&self) -> StatusCode {
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
        match page.render() {
            Ok(html) => (status, axum::response::Html(html)).into_response(),
            Err(_) => (status, self.public_detail()).into_response(),
        }
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
