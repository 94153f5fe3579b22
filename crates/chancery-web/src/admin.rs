//! Administration (admin role only): accounts (create with role, clearance and post; change
//! them; reset a password, shown once) and the posts. Other roles get a 403 from the app layer.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chancery_domain::Classification;
use chancery_domain::ids::{PostCode, Username};
use chancery_domain::user::{Actor, Role};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::fields::{
    self, CheckedForm, Fields, FormError, bad_request, classification_options, options,
};
use crate::pages::{Chrome, UserBox, html};

/// The admin routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(create))
        .route("/admin/users/{name}", post(update))
        .route("/admin/users/{name}/password", post(reset))
        .route("/admin/users/{name}/active", post(set_active))
        .route("/admin/posts", get(posts))
}

type Choices = Vec<(String, String, bool)>;

struct UserLine {
    username: String,
    active: bool,
    roles: Choices,
    clearances: Choices,
    posts: Choices,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    users: Vec<UserLine>,
    roles: Choices,
    clearances: Choices,
    posts: Choices,
    /// A refused creation: the message, above the create form and beside its field.
    error: FormError,
    /// A refused change of an account, and the account.
    row_error: FormError,
    error_row: String,
    username: String,
}

fn role_options(selected: &str) -> Choices {
    options(
        Role::ALL
            .iter()
            .map(|r| (r.code(), r.code().replace('_', " "))),
        selected,
    )
}

fn post_options(codes: &[String], selected: &str) -> Choices {
    let mut out = vec![(
        String::new(),
        "none (HQ roles)".to_string(),
        selected.is_empty(),
    )];
    out.extend(options(
        codes.iter().map(|c| (c.as_str(), c.clone())),
        selected,
    ));
    out
}

/// `GET /admin/users`.
async fn users(State(state): State<AppState>, me: CurrentUser) -> Result<Response, WebError> {
    users_page(&state, &me, None).await
}

/// The accounts page; with `sent`, the refused form (the account it changed, or `None` for
/// the create form), shown again as sent with its error.
async fn users_page(
    state: &AppState,
    me: &CurrentUser,
    sent: Option<(&Fields, FormError, Option<&str>)>,
) -> Result<Response, WebError> {
    let all = state.app.list_users(&me.actor).await?;
    let codes: Vec<String> = state
        .app
        .list_posts(&me.actor)
        .await?
        .into_iter()
        .map(|p| p.code.to_string())
        .collect();
    let row_sent = |name: &str| match &sent {
        Some((f, _, Some(row))) if *row == name => Some(*f),
        _ => None,
    };
    let users = all
        .into_iter()
        .map(|u| {
            let post = u
                .actor
                .post
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default();
            let name = u.actor.username.to_string();
            let (role, clearance, post) = match row_sent(&name) {
                Some(f) => (f.get("role"), f.get("clearance"), f.get("post").to_string()),
                None => (u.actor.role.code(), u.actor.clearance.code(), post),
            };
            UserLine {
                username: name,
                active: u.active,
                roles: role_options(role),
                clearances: classification_options(clearance),
                posts: post_options(&codes, &post),
            }
        })
        .collect();
    let (new, error, row_error, error_row) = match sent {
        Some((f, e, None)) => (Some(f), e, FormError::default(), String::new()),
        Some((_, e, Some(row))) => (None, FormError::default(), e, row.to_string()),
        None => (
            None,
            FormError::default(),
            FormError::default(),
            String::new(),
        ),
    };
    let pick = |name: &str, default: &'static str| -> String {
        new.map(|f| f.get(name).to_string())
            .unwrap_or_else(|| default.to_string())
    };
    let chrome = Chrome::new(me, None);
    html(UsersPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: None,
        users,
        roles: role_options(&pick("role", "post_drafter")),
        clearances: classification_options(&pick("clearance", "SBU")),
        posts: post_options(&codes, &pick("post", "")),
        username: pick("username", ""),
        error,
        row_error,
        error_row,
    })
}

/// Role, clearance and post from a form, as one valid account (400 naming the field if not).
fn account(f: &Fields, username: Username) -> Result<Actor, WebError> {
    let role: Role = f.parse("role", |s| s.parse::<Role>())?;
    let clearance: Classification = f.parse("clearance", fields::classification)?;
    let post = f.optional("post", PostCode::parse)?;
    Actor::new(username, role, clearance, post).map_err(|e| fields::invalid("post", e))
}

#[derive(Template)]
#[template(path = "admin_password.html")]
struct PasswordPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    username: String,
    created: bool,
    password: String,
}

fn password_page(
    me: &CurrentUser,
    username: &Username,
    created: bool,
    password: String,
) -> Result<Response, WebError> {
    let chrome = Chrome::new(me, None);
    html(PasswordPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: None,
        username: username.to_string(),
        created,
        password,
    })
}

/// `POST /admin/users`: creates the account and shows its one-time password.
async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let done = async {
        let username = f.parse("username", Username::parse)?;
        let new = account(&f, username.clone())?;
        let password = state.app.create_user(&me.actor, &new).await?;
        Ok::<_, WebError>((username, password))
    };
    match done.await {
        Ok((username, password)) => password_page(&me, &username, true, password),
        Err(e) => {
            let error = FormError::of(e)?;
            users_page(&state, &me, Some((&f, error, None)))
                .await
                .map(bad_request)
        }
    }
}

/// `POST /admin/users/{name}`: role, clearance, post.
async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(name): Path<String>,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let username = Username::parse(&name).map_err(|_| WebError::NotFound)?;
    let done = async {
        let changed = account(&f, username.clone())?;
        state
            .app
            .update_user(
                &me.actor,
                &username,
                changed.role,
                changed.clearance,
                changed.post,
            )
            .await?;
        Ok::<_, WebError>(())
    };
    match done.await {
        Ok(()) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => {
            let error = FormError::of(e)?;
            users_page(&state, &me, Some((&f, error, Some(username.as_str()))))
                .await
                .map(bad_request)
        }
    }
}

/// `POST /admin/users/{name}/password`: a new random password, shown once.
async fn reset(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(name): Path<String>,
    _csrf_checked: CheckedForm,
) -> Result<Response, WebError> {
    let username = Username::parse(&name).map_err(|_| WebError::NotFound)?;
    let password = state.app.reset_password(&me.actor, &username).await?;
    password_page(&me, &username, false, password)
}

/// `POST /admin/users/{name}/active` with `active=false` (disable: the account's sessions
/// end and its API tokens are revoked at once) or `active=true` (enable).
async fn set_active(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(name): Path<String>,
    CheckedForm(f): CheckedForm,
) -> Result<Response, WebError> {
    let username = Username::parse(&name).map_err(|_| WebError::NotFound)?;
    let active = f.parse("active", fields::boolean)?;
    state
        .app
        .set_user_active(&me.actor, &username, active)
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Template)]
#[template(path = "admin_posts.html")]
struct PostsPage {
    user: Option<UserBox>,
    csrf: String,
    banner: Option<(String, String)>,
    posts: Vec<(String, String, String, String, String)>,
}

/// `GET /admin/posts`.
async fn posts(State(state): State<AppState>, me: CurrentUser) -> Result<Response, WebError> {
    let posts = state
        .app
        .list_posts(&me.actor)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.code.to_string(),
                p.name,
                p.kind.code().to_string(),
                p.country.to_string(),
                p.region,
            )
        })
        .collect();
    let chrome = Chrome::new(&me, None);
    html(PostsPage {
        user: chrome.user,
        csrf: chrome.csrf,
        banner: None,
        posts,
    })
}
