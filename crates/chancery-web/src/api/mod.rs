//! The JSON API under `/api/v1`: every object and workflow action the pages offer, through the
//! same `chancery-app` use cases, so authorisation is identical to the UI's.
//!
//! Conventions:
//! - authentication by `Authorization: Bearer <token>` ([`auth`]) or by the session cookie with
//!   `X-CSRF-Token` on state-changing requests;
//! - one error envelope `{"errors":[{"code","detail","field"?}]}` for every failure, including
//!   malformed input (400 naming the field), unknown routes (404) and wrong methods (405);
//! - an object that does not exist and one the caller may not see are the same 404;
//! - lists are paginated (`?page=&per_page=`, at most 100 per page);
//! - the OpenAPI 3.1 document is generated from the handlers and served at
//!   `/api/v1/openapi.json`.

mod admin;
pub mod auth;
mod compiled;
pub mod dto;
mod evidence;
pub mod extract;
mod me;
mod reports;
mod search;
mod statistics;
mod taskings;

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::WebError;

pub use auth::{ApiUser, NewToken, TokenError, Via, create_token, revoke_token};

/// The OpenAPI document's fixed parts; the paths come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Chancery API",
        version = "1",
        description = "Taskings, reports and their clearance workflow, and the evidence locker. \
Authenticate with `Authorization: Bearer <token>` (create tokens with `POST /me/tokens` from a \
logged-in session, or `chancery token create`), or with the session cookie plus the \
`X-CSRF-Token` header on state-changing requests. Errors are always \
`{\"errors\":[{\"code\",\"detail\",\"field\"?}]}`. Objects that do not exist and objects you may \
not see are the same 404.",
        license(name = "Apache-2.0")
    ),
    servers((url = "/api/v1")),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "taskings", description = "What HQ asks posts to report on."),
        (name = "reports", description = "Post reports: sections, lint and the clearance workflow."),
        (name = "evidence", description = "Sources with grades, incidents, engagements and policy measures."),
        (name = "me", description = "The authenticated user and their API tokens."),
        (name = "statistics", description = "Official statistics: series, indicators (rates) with sources and caveats."),
        (name = "search", description = "Full-text search within the caller's clearance."),
        (name = "admin", description = "Accounts and posts (admin only)."),
    ),
    components(schemas(dto::ErrorEnvelope, dto::ErrorItem))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A per-user API token (`chy_…`)."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "chancery_session",
                "The UI's session cookie; state-changing requests must also send X-CSRF-Token.",
            ))),
        );
    }
}

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(taskings::list, taskings::import))
        .routes(routes!(taskings::show))
        .routes(routes!(taskings::issue))
        .routes(routes!(compiled::compiled))
        .routes(routes!(reports::show, reports::start))
        .routes(routes!(reports::save_section))
        .routes(routes!(reports::lint))
        .routes(routes!(reports::act))
        .routes(routes!(reports::comment))
        .routes(routes!(evidence::list_sources, evidence::add_source))
        .routes(routes!(evidence::grade_source))
        .routes(routes!(evidence::list_incidents, evidence::add_incident))
        .routes(routes!(
            evidence::list_engagements,
            evidence::add_engagement
        ))
        .routes(routes!(evidence::list_policies, evidence::add_policy))
        .routes(routes!(evidence::edit_incident))
        .routes(routes!(evidence::edit_engagement))
        .routes(routes!(evidence::edit_policy))
        .routes(routes!(evidence::set_derived_from))
        .routes(routes!(evidence::source_capture))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::update_user))
        .routes(routes!(admin::reset_password))
        .routes(routes!(admin::set_active))
        .routes(routes!(admin::list_posts))
        .routes(routes!(me::me))
        .routes(routes!(me::list_tokens, me::create_token))
        .routes(routes!(me::revoke_token))
        .routes(routes!(statistics::explore))
        .routes(routes!(statistics::explore_csv))
        .routes(routes!(statistics::catalogue))
        .routes(routes!(search::search))
}

/// The OpenAPI 3.1 document of the API, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().into_openapi()
}

/// The API router, to be nested at `/api/v1` (session layer and security headers come from the
/// enclosing application router).
pub fn router() -> Router<AppState> {
    let (router, doc) = api_routes().split_for_parts();
    let document = match serde_json::to_vec(&doc) {
        Ok(bytes) => Ok(axum::body::Bytes::from(bytes)),
        Err(e) => Err(e.to_string()),
    };
    router
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move {
                    match document {
                        Ok(bytes) => (
                            [(
                                header::CONTENT_TYPE,
                                HeaderValue::from_static("application/json"),
                            )],
                            bytes,
                        )
                            .into_response(),
                        Err(e) => WebError::Internal(format!("OpenAPI document: {e}")).into_api(),
                    }
                }
            }),
        )
        .fallback(|| async {
            envelope(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such API endpoint: see /api/v1/openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            envelope(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method: see /api/v1/openapi.json",
            )
        })
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// An error envelope for failures that have no [`WebError`] variant (405) or need their own
/// detail (401 saying how to authenticate).
pub(crate) fn envelope(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = serde_json::json!({"errors": [{"code": code, "detail": detail}]});
    (status, Json(body)).into_response()
}

/// A tasking reference from the path: one that cannot exist is simply not found.
fn tasking_ref(s: &str) -> Result<TaskingRef, WebError> {
    TaskingRef::parse(s).map_err(|_| WebError::NotFound)
}

/// A post code from the path.
fn post_code(s: &str) -> Result<PostCode, WebError> {
    PostCode::parse(s).map_err(|_| WebError::NotFound)
}

/// A section key from the path.
fn section_key(s: &str) -> Result<SectionKey, WebError> {
    SectionKey::parse(s).map_err(|_| WebError::NotFound)
}

/// Names the field of a use case's validation message (`… field `publisher`: …`), so API
/// clients get `field` on 400s raised by the domain rules too.
pub(crate) fn with_field(e: WebError) -> WebError {
    match e {
        WebError::BadRequest {
            field: None,
            detail,
        } => {
            let field = detail
                .split_once("field `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .map(|(name, _)| name.to_string());
            WebError::BadRequest { field, detail }
        }
        other => other,
    }
}

/// Converts a use-case error for the API (naming the field where the message does).
fn app_error(e: chancery_app::AppError) -> crate::error::ApiError {
    crate::error::ApiError(with_field(e.into()))
}
