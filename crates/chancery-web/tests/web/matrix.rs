//! The authorization matrix (issue 3, item 5), for the UI routes and their API twins: every route × each of the
//! five roles × clearance U and C × own post and another post. Each cell states the status the
//! design calls for; a 404 must be byte-identical to the 404 of a page that does not exist (so
//! it carries no titles, counts or snippets), a 409 only states a rule the user broke on
//! something they may see; no answer carries text above the user's clearance, the SBU
//! tasking to a U user, or the draft tasking outside HQ; nothing refused writes anything,
//! and everything allowed writes exactly one audit event.
//!
//! The demo tasking is marked SBU, so a U-cleared user sees none of it: not the tasking, not
//! its reports, not its name on the dashboard.

use std::collections::BTreeMap;
use std::fmt;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chancery_domain::Classification::{self, Confidential as C, Unclassified as U};
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use chancery_domain::user::Role;
use chancery_domain::workflow::Action;

use crate::common::{Backend, Client, Image, Resp, TASKING, TestApp, report_path};

/// Where each report of the demo tasking stands once the matrix fixture is built.
const REPORTS: [(&str, &str); 5] = [
    ("LONDON", "draft"),
    ("WELLINGTON", "in_clearance"),
    ("PARIS", "cleared"),
    ("OTTAWA", "transmitted"),
    ("BERLIN", "accepted"),
];
/// A post with no report, whose staff start one.
const UNSTARTED: &str = "CANBERRA";
/// The "other post" of post-scoped users: an addressee with no report.
const OTHER: &str = "DUBLIN";
/// Words only in (C) paragraphs of the staged reports.
const SECRET: &str = "QUINCUNX";
/// The explorer query of the statistics routes: Canada against two other hosts, as rates.
const STATS_QUERY: &str = "code=asylum_rate_per_100k&countries=CAN,NZL,DEU&from=2015&to=2024";
/// The draft tasking (HQ only).
const DRAFT_TASKING: &str = "CHN-2026-0002";
/// A word only in the (C) incident and engagement of LONDON: never shown to another post's
/// staff (records of another post are theirs to see only when unclassified).
const LOCAL: &str = "PALIMPSEST";

/// Records the fixture adds for the evidence and record routes.
#[derive(Debug, Clone, Copy)]
struct Ids {
    /// A (C) source.
    c_source: i64,
    /// A (C) incident of LONDON.
    incident: i64,
    /// A (C) engagement of LONDON.
    engagement: i64,
    /// A (U) policy measure.
    policy: i64,
    /// An API token of hq.editor.
    token: i64,
    /// LONDON's report's lock version.
    london_lock: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rel {
    Own,
    Other,
}

#[derive(Debug, Clone)]
struct User {
    name: String,
    role: Role,
    clearance: Classification,
    /// For post-scoped roles: whether the user is at the route's target post.
    rel: Option<Rel>,
    post: Option<String>,
}

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {}", self.name, self.role, self.clearance)?;
        if let Some(r) = self.rel {
            write!(f, " {r:?}")?;
        }
        write!(f, ")")
    }
}

fn short(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::HqEditor => "hq",
        Role::PostDrafter => "drafter",
        Role::PostApprover => "approver",
        Role::Reader => "reader",
    }
}

fn user_name(role: Role, clearance: Classification, post: Option<&str>) -> String {
    let c = clearance.code().to_ascii_lowercase();
    match post {
        Some(p) => format!("m.{}.{c}.{}", short(role), p.to_ascii_lowercase()),
        None => format!("m.{}.{c}", short(role)),
    }
}

/// The users of one route whose target report belongs to `target`.
fn users_for(target: &str) -> Vec<User> {
    let mut out = Vec::new();
    for role in [Role::Admin, Role::HqEditor, Role::Reader] {
        for clearance in [U, C] {
            out.push(User {
                name: user_name(role, clearance, None),
                role,
                clearance,
                rel: None,
                post: None,
            });
        }
    }
    for role in [Role::PostDrafter, Role::PostApprover] {
        for clearance in [U, C] {
            for (rel, post) in [(Rel::Own, target), (Rel::Other, OTHER)] {
                out.push(User {
                    name: user_name(role, clearance, Some(post)),
                    role,
                    clearance,
                    rel: Some(rel),
                    post: Some(post.into()),
                });
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Dashboard,
    Tasking,
    Sources,
    Account,
    Report(&'static str, &'static str),
    Start,
    Save,
    Act(&'static str),
    Comment,
    /// The statistics explorer page, its CSV, and the API's JSON, CSV and catalogue.
    Statistics,
    StatisticsCsv,
    ApiStatistics,
    ApiStatisticsCsv,
    ApiCatalogue,
    /// The explorer (page and API) with a bad parameter.
    StatisticsBad,
    ApiStatisticsBad,
    // The evidence locker, preview and picker.
    SourcesFiltered,
    SourcePage(Classification),
    Picker,
    Preview,
    AddSource,
    Grade,
    DerivedFrom,
    // Incidents, engagements, policy measures (the (C) records belong to LONDON).
    Incidents,
    IncidentPage,
    CreateIncident,
    EditIncident,
    Engagements,
    EngagementPage,
    CreateEngagement,
    EditEngagement,
    Policies,
    PolicyPage,
    CreatePolicy,
    EditPolicy,
    // Admin.
    AdminUsers,
    AdminPosts,
    AdminCreate,
    AdminUpdate,
    AdminReset,
    // My account: tokens.
    Tokens,
    CreateToken,
    RevokeOthersToken,
    // The revision history of a report.
    History(&'static str, &'static str),
    /// `GET /search?q=QUINCUNX` (the word only in the staged (C) paragraphs).
    Search,
    /// `GET /api/v1/search?q=QUINCUNX` with the session cookie.
    ApiSearch,
    /// Disable an account (the UI form).
    AdminActive,
    // The API twins of UI routes (session cookie plus X-CSRF-Token): the same rules, with
    // 200/201 for the UI's redirect and the API's JSON 404.
    ApiEditIncident,
    ApiEditEngagement,
    ApiEditPolicy,
    ApiDerivedFrom,
    ApiAdminUsers,
    ApiAdminPosts,
    ApiAdminCreate,
    ApiAdminUpdate,
    ApiAdminReset,
    ApiAdminActive,
    /// `submit` on LONDON's draft with the `lock_version` the client saw.
    ApiSubmitSeen,
    /// A source's capture download, page and API (S1, or the (C) source whose capture holds
    /// the (C) word).
    SourceCapture(Classification),
    ApiSourceCapture(Classification),
    /// The consolidated report download (UI).
    Compiled,
    /// The consolidated report through the API (session cookie).
    ApiCompiled,
}

impl Route {
    /// The UI route an API route is the twin of.
    fn ui_twin(self) -> Option<Route> {
        Some(match self {
            Route::ApiEditIncident => Route::EditIncident,
            Route::ApiEditEngagement => Route::EditEngagement,
            Route::ApiEditPolicy => Route::EditPolicy,
            Route::ApiDerivedFrom => Route::DerivedFrom,
            Route::ApiAdminUsers => Route::AdminUsers,
            Route::ApiAdminPosts => Route::AdminPosts,
            Route::ApiAdminCreate => Route::AdminCreate,
            Route::ApiAdminUpdate => Route::AdminUpdate,
            Route::ApiAdminReset => Route::AdminReset,
            Route::ApiAdminActive => Route::AdminActive,
            Route::ApiSubmitSeen => Route::Act("submit"),
            _ => return None,
        })
    }

    /// Answers with the API's JSON (its 404 is the API's, not the page's).
    fn api(self) -> bool {
        self.ui_twin().is_some()
            || matches!(
                self,
                Route::ApiSearch
                    | Route::ApiCompiled
                    | Route::ApiSourceCapture(_)
                    | Route::ApiStatistics
                    | Route::ApiStatisticsCsv
                    | Route::ApiCatalogue
                    | Route::ApiStatisticsBad
            )
    }

    fn statistics(self) -> bool {
        matches!(
            self,
            Route::Statistics
                | Route::StatisticsCsv
                | Route::ApiStatistics
                | Route::ApiStatisticsCsv
                | Route::ApiCatalogue
                | Route::StatisticsBad
                | Route::ApiStatisticsBad
        )
    }

    fn target(self) -> &'static str {
        if let Some(ui) = self.ui_twin() {
            return ui.target();
        }
        match self {
            Route::Report(post, _) | Route::History(post, _) => post,
            Route::Start => UNSTARTED,
            Route::Save | Route::Act("submit") => "LONDON",
            Route::Act("clear") => "WELLINGTON",
            Route::Act("transmit") => "PARIS",
            Route::Act(_) | Route::Comment => "OTTAWA",
            Route::Search | Route::ApiSearch => "PARIS",
            // Post-independent pages, and LONDON's records: "own" is LONDON.
            _ => "LONDON",
        }
    }

    fn writes(self) -> bool {
        if let Some(ui) = self.ui_twin() {
            return ui.writes();
        }
        matches!(
            self,
            Route::Start
                | Route::Save
                | Route::Act(_)
                | Route::Comment
                | Route::AddSource
                | Route::Grade
                | Route::DerivedFrom
                | Route::CreateIncident
                | Route::EditIncident
                | Route::CreateEngagement
                | Route::EditEngagement
                | Route::CreatePolicy
                | Route::EditPolicy
                | Route::AdminCreate
                | Route::AdminUpdate
                | Route::AdminReset
                | Route::AdminActive
                | Route::CreateToken
                | Route::RevokeOthersToken
        )
    }

    /// Routes about the (SBU) demo tasking and its reports.
    fn on_tasking(self) -> bool {
        if let Some(ui) = self.ui_twin() {
            return ui.on_tasking();
        }
        matches!(
            self,
            Route::Tasking
                | Route::Compiled
                | Route::ApiCompiled
                | Route::Report(..)
                | Route::History(..)
                | Route::Start
                | Route::Save
                | Route::Act(_)
                | Route::Comment
        )
    }
}

/// What the user may see of a report in `status` (DESIGN §1, §5), independently restated.
fn sees_report(u: &User, status: &str) -> bool {
    match u.role {
        Role::PostDrafter | Role::PostApprover => u.rel == Some(Rel::Own) || status == "accepted",
        Role::HqEditor => matches!(status, "transmitted" | "accepted" | "returned"),
        Role::Reader | Role::Admin => matches!(status, "transmitted" | "accepted"),
    }
}

/// The status the design calls for.
fn expected(route: Route, u: &User) -> StatusCode {
    use StatusCode as S;
    if let Some(ui) = route.ui_twin() {
        return match (expected(ui, u), route) {
            (S::SEE_OTHER, Route::ApiAdminCreate) | (S::OK, Route::ApiAdminCreate) => S::CREATED,
            (S::SEE_OTHER, _) => S::OK,
            (other, _) => other,
        };
    }
    let own_staff = u.rel == Some(Rel::Own);
    if route.on_tasking() && u.clearance == U {
        return S::NOT_FOUND;
    }
    let status_of = |post: &str| {
        REPORTS
            .iter()
            .find(|(p, _)| *p == post)
            .map(|(_, s)| *s)
            .unwrap()
    };
    let visible = |post: &str| sees_report(u, status_of(post));
    // Who records evidence and records: post staff (for their post) and HQ editors.
    let records = matches!(
        u.role,
        Role::PostDrafter | Role::PostApprover | Role::HqEditor
    );
    let for_post = records && (u.rel.is_none() || own_staff);
    // LONDON's (C) records: cleared for C, and (if post-scoped) at LONDON.
    let sees_local_c = u.clearance >= C && (u.rel.is_none() || own_staff);
    let record_write = |visible: bool| match (visible, records) {
        (false, _) => S::NOT_FOUND,
        (true, true) => S::SEE_OTHER,
        (true, false) => S::FORBIDDEN,
    };
    let admin = |ok: StatusCode| {
        if u.role == Role::Admin {
            ok
        } else {
            S::FORBIDDEN
        }
    };
    match route {
        Route::SourcesFiltered
        | Route::Picker
        | Route::Preview
        | Route::Incidents
        | Route::Engagements
        | Route::Policies
        | Route::PolicyPage
        | Route::Tokens
        | Route::CreateToken => S::OK,
        Route::SourcePage(level) | Route::SourceCapture(level) | Route::ApiSourceCapture(level) => {
            if u.clearance >= level {
                S::OK
            } else {
                S::NOT_FOUND
            }
        }
        Route::AddSource | Route::CreatePolicy | Route::EditPolicy | Route::DerivedFrom => {
            record_write(true)
        }
        Route::Grade => record_write(u.clearance >= C),
        Route::IncidentPage | Route::EngagementPage => {
            if sees_local_c {
                S::OK
            } else {
                S::NOT_FOUND
            }
        }
        Route::EditIncident | Route::EditEngagement => record_write(sees_local_c),
        Route::CreateIncident | Route::CreateEngagement => {
            if for_post {
                S::SEE_OTHER
            } else {
                S::FORBIDDEN
            }
        }
        Route::AdminUsers | Route::AdminPosts | Route::AdminCreate | Route::AdminReset => {
            admin(S::OK)
        }
        Route::AdminUpdate | Route::AdminActive => admin(S::SEE_OTHER),
        Route::RevokeOthersToken => S::NOT_FOUND,
        Route::History(_, status) => {
            if sees_report(u, status) {
                S::OK
            } else {
                S::NOT_FOUND
            }
        }
        Route::Dashboard | Route::Tasking | Route::Sources | Route::Account => S::OK,
        // Official statistics are public data: every signed-in role reads them.
        Route::StatisticsBad | Route::ApiStatisticsBad => S::BAD_REQUEST,
        Route::Statistics
        | Route::StatisticsCsv
        | Route::ApiStatistics
        | Route::ApiStatisticsCsv
        | Route::ApiCatalogue => S::OK,
        Route::Search | Route::ApiSearch => S::OK,
        Route::Compiled | Route::ApiCompiled => S::OK,
        Route::Report(_, status) => {
            if sees_report(u, status) {
                S::OK
            } else {
                S::NOT_FOUND
            }
        }
        // No report yet: only its own staff may start it; anyone else is refused by rule.
        Route::Start => {
            if own_staff {
                S::SEE_OTHER
            } else {
                S::CONFLICT
            }
        }
        Route::Save | Route::Act(_) | Route::Comment if !visible(route.target()) => S::NOT_FOUND,
        Route::Save => {
            if own_staff {
                S::OK
            } else {
                S::CONFLICT
            }
        }
        Route::Act("submit") => {
            if own_staff {
                S::OK
            } else {
                S::CONFLICT
            }
        }
        Route::Act("clear" | "transmit") => {
            if own_staff && u.role == Role::PostApprover {
                S::OK
            } else {
                S::CONFLICT
            }
        }
        Route::Act(_) => {
            if u.role == Role::HqEditor {
                S::OK
            } else {
                S::CONFLICT
            }
        }
        // Readers and admins read; the discussion belongs to the post's staff and HQ.
        Route::Comment if matches!(u.role, Role::Reader | Role::Admin) => S::FORBIDDEN,
        Route::Comment => S::SEE_OTHER,
        Route::ApiEditIncident
        | Route::ApiEditEngagement
        | Route::ApiEditPolicy
        | Route::ApiDerivedFrom
        | Route::ApiAdminUsers
        | Route::ApiAdminPosts
        | Route::ApiAdminCreate
        | Route::ApiAdminUpdate
        | Route::ApiAdminReset
        | Route::ApiAdminActive
        | Route::ApiSubmitSeen => unreachable!("API twins are answered from their UI route"),
    }
}

/// Sends an API request with the session cookie and the X-CSRF-Token header.
async fn api(
    c: &mut Client,
    method: Method,
    path: &str,
    csrf: &str,
    body: Option<serde_json::Value>,
) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("x-csrf-token", csrf);
    let req = match body {
        Some(v) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => req.body(Body::empty()),
    };
    c.send(req.unwrap()).await
}

/// Sends the route's request.
async fn request(c: &mut Client, route: Route, csrf: &str, ids: &Ids) -> Resp {
    let base = report_path(route.target());
    let incident = [
        ("csrf", csrf),
        ("post", "LONDON"),
        ("occurred", "2025-06"),
        ("country", "GBR"),
        ("category", "hate_crime_against_migrants"),
        ("legal_status", "charged"),
        ("verification", "corroborated"),
        ("summary", "Matrix incident."),
        ("marking", "U"),
        ("sources", "S1"),
    ];
    let engagement = [
        ("csrf", csrf),
        ("post", "LONDON"),
        ("date", "2026-02-10"),
        ("host_office", "Home Office"),
        ("official_title", "Director, Migration Policy"),
        ("host_response", "Matrix response."),
        ("marking", "U"),
    ];
    let policy = [
        ("csrf", csrf),
        ("country", "GBR"),
        ("title", "Matrix measure"),
        ("measure_type", "law"),
        ("marking", "U"),
    ];
    let json_of = |form: &[(&str, &str)]| {
        let mut map = serde_json::Map::new();
        for (k, v) in form.iter().filter(|(k, _)| *k != "csrf") {
            map.insert((*k).into(), serde_json::Value::from(*v));
        }
        map
    };
    let mut api_incident = json_of(&incident);
    api_incident.insert("sources".into(), serde_json::json!([1]));
    match route {
        Route::SourceCapture(level) => {
            let id = if level == C { ids.c_source } else { 1 };
            c.get(&format!("/sources/S{id}/capture")).await
        }
        Route::ApiSourceCapture(level) => {
            let id = if level == C { ids.c_source } else { 1 };
            c.get(&format!("/api/v1/sources/S{id}/capture")).await
        }
        Route::AdminActive => {
            c.post(
                "/admin/users/london.drafter/active",
                &[("csrf", csrf), ("active", "false")],
            )
            .await
        }
        Route::ApiEditIncident => {
            let path = format!("/api/v1/incidents/{}", ids.incident);
            api(c, Method::PUT, &path, csrf, Some(api_incident.into())).await
        }
        Route::ApiEditEngagement => {
            let path = format!("/api/v1/engagements/{}", ids.engagement);
            let body = json_of(&engagement).into();
            api(c, Method::PUT, &path, csrf, Some(body)).await
        }
        Route::ApiEditPolicy => {
            let path = format!("/api/v1/policies/{}", ids.policy);
            let mut body = json_of(&policy);
            body.insert("description".into(), "Matrix.".into());
            api(c, Method::PUT, &path, csrf, Some(body.into())).await
        }
        Route::ApiDerivedFrom => {
            let body = serde_json::json!({"derived_from": 2});
            api(
                c,
                Method::PUT,
                "/api/v1/sources/S3/derived_from",
                csrf,
                Some(body),
            )
            .await
        }
        Route::ApiAdminUsers => api(c, Method::GET, "/api/v1/admin/users", csrf, None).await,
        Route::ApiAdminPosts => api(c, Method::GET, "/api/v1/admin/posts", csrf, None).await,
        Route::ApiAdminCreate => {
            let body =
                serde_json::json!({"username": "m.created", "role": "reader", "clearance": "U"});
            api(c, Method::POST, "/api/v1/admin/users", csrf, Some(body)).await
        }
        Route::ApiAdminUpdate => {
            let body =
                serde_json::json!({"role": "post_drafter", "clearance": "SBU", "post": "LONDON"});
            let path = "/api/v1/admin/users/london.drafter";
            api(c, Method::PUT, path, csrf, Some(body)).await
        }
        Route::ApiAdminReset => {
            let path = "/api/v1/admin/users/london.drafter/password";
            api(c, Method::POST, path, csrf, None).await
        }
        Route::ApiAdminActive => {
            let path = "/api/v1/admin/users/london.drafter/active";
            let body = serde_json::json!({"active": false});
            api(c, Method::PUT, path, csrf, Some(body)).await
        }
        Route::ApiSubmitSeen => {
            let path = format!("/api/v1{base}/actions/submit");
            let body = serde_json::json!({"lock_version": ids.london_lock});
            api(c, Method::POST, &path, csrf, Some(body)).await
        }
        Route::SourcesFiltered => c.get("/sources?kind=official_statistics&grade=A&q=a").await,
        Route::SourcePage(level) => {
            let id = if level == C { ids.c_source } else { 1 };
            c.get(&format!("/sources/S{id}")).await
        }
        Route::Picker => c.get("/sources/picker").await,
        Route::Preview => {
            c.post(
                "/preview",
                &[("csrf", csrf), ("body", "(U) Matrix preview [@S1].")],
            )
            .await
        }
        Route::AddSource => {
            let fields = crate::pages::source_fields(csrf);
            crate::pages::post_multipart(
                c,
                "/sources",
                &fields,
                Some(("capture", "m.csv", &b"a,b\n"[..])),
            )
            .await
        }
        Route::Grade => {
            c.post(
                &format!("/sources/S{}/grade", ids.c_source),
                &[
                    ("csrf", csrf),
                    ("reliability", "B"),
                    ("credibility", "2"),
                    ("rationale", "Matrix grading."),
                ],
            )
            .await
        }
        Route::DerivedFrom => {
            c.post(
                "/sources/S3/derived-from",
                &[("csrf", csrf), ("derived_from", "S2")],
            )
            .await
        }
        Route::Incidents => c.get("/incidents").await,
        Route::IncidentPage => c.get(&format!("/incidents/{}", ids.incident)).await,
        Route::CreateIncident => c.post("/incidents", &incident).await,
        Route::EditIncident => {
            c.post(&format!("/incidents/{}", ids.incident), &incident)
                .await
        }
        Route::Engagements => c.get("/engagements").await,
        Route::EngagementPage => c.get(&format!("/engagements/{}", ids.engagement)).await,
        Route::CreateEngagement => c.post("/engagements", &engagement).await,
        Route::EditEngagement => {
            c.post(&format!("/engagements/{}", ids.engagement), &engagement)
                .await
        }
        Route::Policies => c.get("/policies").await,
        Route::PolicyPage => c.get(&format!("/policies/{}", ids.policy)).await,
        Route::CreatePolicy => c.post("/policies", &policy).await,
        Route::EditPolicy => c.post(&format!("/policies/{}", ids.policy), &policy).await,
        Route::AdminUsers => c.get("/admin/users").await,
        Route::AdminPosts => c.get("/admin/posts").await,
        Route::AdminCreate => {
            c.post(
                "/admin/users",
                &[
                    ("csrf", csrf),
                    ("username", "m.created"),
                    ("role", "reader"),
                    ("clearance", "U"),
                ],
            )
            .await
        }
        Route::AdminUpdate => {
            c.post(
                "/admin/users/london.drafter",
                &[
                    ("csrf", csrf),
                    ("role", "post_drafter"),
                    ("clearance", "SBU"),
                    ("post", "LONDON"),
                ],
            )
            .await
        }
        Route::AdminReset => {
            c.post("/admin/users/london.drafter/password", &[("csrf", csrf)])
                .await
        }
        Route::Tokens => c.get("/account/tokens").await,
        Route::CreateToken => {
            c.post("/account/tokens", &[("csrf", csrf), ("label", "matrix")])
                .await
        }
        Route::RevokeOthersToken => {
            c.post(
                &format!("/account/tokens/{}/revoke", ids.token),
                &[("csrf", csrf)],
            )
            .await
        }
        Route::History(post, _) => c.get(&format!("{}/history", report_path(post))).await,
        Route::Dashboard => c.get("/").await,
        Route::Tasking => c.get(&format!("/taskings/{TASKING}")).await,
        Route::Sources => c.get("/sources").await,
        Route::Account => c.get("/account").await,
        Route::Search => c.get(&format!("/search?q={SECRET}&kind=paragraph")).await,
        Route::ApiSearch => {
            c.get(&format!("/api/v1/search?q={SECRET}&kind=paragraph"))
                .await
        }
        Route::Compiled => {
            c.get(&format!("/taskings/{TASKING}/compiled?format=html"))
                .await
        }
        Route::ApiCompiled => {
            c.get(&format!("/api/v1/taskings/{TASKING}/compiled?format=json"))
                .await
        }
        Route::Report(post, _) => c.get(&report_path(post)).await,
        Route::Start => c.post(&format!("{base}/new"), &[("csrf", csrf)]).await,
        Route::Save => {
            c.post(
                &format!("{base}/sections/public_safety"),
                &[
                    ("csrf", csrf),
                    ("revision", "0"),
                    ("body", "(U) Matrix text [@S9] [@S10]."),
                    ("intent", "save"),
                ],
            )
            .await
        }
        Route::Act(action) => {
            c.post(
                &format!("{base}/actions/{action}"),
                &[
                    ("csrf", csrf),
                    ("reason", "matrix: please revise"),
                    ("override_reason", "matrix: agreed with HQ"),
                ],
            )
            .await
        }
        Route::Comment => {
            c.post(
                &format!("{base}/comments"),
                &[("csrf", csrf), ("body", "matrix comment")],
            )
            .await
        }
        Route::Statistics => c.get(&format!("/statistics?{STATS_QUERY}")).await,
        Route::StatisticsCsv => c.get(&format!("/statistics.csv?{STATS_QUERY}")).await,
        Route::ApiStatistics => c.get(&format!("/api/v1/statistics?{STATS_QUERY}")).await,
        Route::ApiStatisticsCsv => {
            c.get(&format!("/api/v1/statistics/csv?{STATS_QUERY}"))
                .await
        }
        Route::ApiCatalogue => c.get("/api/v1/statistics/catalogue").await,
        Route::StatisticsBad => {
            c.get("/statistics?code=asylum_rate_per_100k&from=20x5")
                .await
        }
        Route::ApiStatisticsBad => {
            c.get("/api/v1/statistics?code=asylum_rate_per_100k&countries=CANADA")
                .await
        }
    }
}

/// The fixture: the demo plus PARIS cleared and BERLIN accepted (each with a (C) paragraph),
/// and a logged-in matrix user for every role × clearance × post.
struct Fixture {
    app: TestApp,
    image: Image,
    clients: BTreeMap<String, (Client, String)>,
    not_found: String,
    /// The API's 404 for an object that does not exist.
    api_not_found: String,
    hidden_titles: Vec<(Classification, String)>,
    ids: Ids,
}

async fn fixture(backend: Backend) -> Fixture {
    let mut app = TestApp::new(backend).await;
    let password = "matrix-password-1";
    let hash = chancery_app::hash_password(password).unwrap();
    let mut names = Vec::new();
    for clearance in [U, C] {
        for role in [Role::Admin, Role::HqEditor, Role::Reader] {
            names.push((user_name(role, clearance, None), role, clearance, None));
        }
        let posts = REPORTS.iter().map(|(p, _)| *p).chain([UNSTARTED, OTHER]);
        for post in posts {
            for role in [Role::PostDrafter, Role::PostApprover] {
                names.push((
                    user_name(role, clearance, Some(post)),
                    role,
                    clearance,
                    Some(post),
                ));
            }
        }
    }
    for (name, role, clearance, post) in &names {
        app.add_user(name, *role, *clearance, *post, password, &hash)
            .await;
    }

    // Stage PARIS (cleared) and BERLIN (accepted) through the real use cases.
    let t = TaskingRef::parse(TASKING).unwrap();
    let hq = app.actor("hq.editor").await;
    for (post, accept) in [("PARIS", false), ("BERLIN", true)] {
        let p = PostCode::parse(post).unwrap();
        let drafter = app
            .actor(&user_name(Role::PostDrafter, C, Some(post)))
            .await;
        let approver = app
            .actor(&user_name(Role::PostApprover, C, Some(post)))
            .await;
        let a = &app.state.app;
        a.new_report(&drafter, &t, &p).await.unwrap();
        let body = format!(
            "(U) {post} open paragraph, cited [@S9] [@S10].\n\n(C) {post} {SECRET} paragraph."
        );
        a.save_section(
            &drafter,
            &t,
            &p,
            &SectionKey::parse("summary").unwrap(),
            &body,
            None,
        )
        .await
        .unwrap();
        a.act(&drafter, &t, &p, &Action::Submit).await.unwrap();
        a.act(&approver, &t, &p, &Action::Clear).await.unwrap();
        if accept {
            let transmit = Action::Transmit {
                override_reason: Some("matrix fixture".into()),
            };
            a.act(&approver, &t, &p, &transmit).await.unwrap();
            a.act(&hq, &t, &p, &Action::Accept).await.unwrap();
        }
    }
    for (post, status) in REPORTS {
        assert_eq!(app.report_row(post).await.unwrap().status.code(), status);
    }
    let mut ids = records(&app).await;
    ids.london_lock = app.report_row("LONDON").await.unwrap().lock_version;

    let mut clients = BTreeMap::new();
    for (name, ..) in &names {
        let mut c = app.login(name).await;
        let csrf = c.csrf("/account").await;
        clients.insert(name.clone(), (c, csrf));
    }
    let not_found = app.client().get("/no/such/page").await;
    not_found.assert_status(StatusCode::NOT_FOUND);
    let (hq, _) = &clients[&user_name(Role::HqEditor, C, None)];
    let api_not_found = hq
        .on(&app.router)
        .get("/api/v1/taskings/CHN-2099-9999")
        .await;
    api_not_found.assert_status(StatusCode::NOT_FOUND);
    let hidden_titles = app
        .store()
        .sources()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.spec.marking > U)
        .map(|s| (s.spec.marking, s.spec.title))
        .collect();
    let image = app.image().await;
    Fixture {
        app,
        image,
        clients,
        not_found: not_found.body,
        api_not_found: api_not_found.body,
        hidden_titles,
        ids,
    }
}

/// The (C) source, LONDON's (C) incident and engagement, a (U) policy measure and an API
/// token of hq.editor, recorded through the real use cases.
async fn records(app: &TestApp) -> Ids {
    use chancery_domain::evidence::{
        EngagementSpec, IncidentSpec, LegalStatus, MeasureType, PartialDate, PolicySpec,
        SourceKind, SourceSpec, Verification,
    };
    use chancery_domain::ids::{CountryCode, VocabCode};
    let hq = app.actor("hq.editor").await;
    let a = &app.state.app;
    let c_source = a
        .add_source(
            &hq,
            &SourceSpec {
                kind: SourceKind::MeetingNote,
                publisher: "Embassy London".into(),
                title: format!("{SECRET} assessment note"),
                url: None,
                published: None,
                language: "en".into(),
                marking: C,
                derived_from: None,
            },
            Some(&chancery_store::Capture {
                name: "note.txt".into(),
                media_type: "text/plain".into(),
                bytes: format!("{SECRET} note").into_bytes(),
            }),
        )
        .await
        .unwrap();
    let london = PostCode::parse("LONDON").unwrap();
    let incident = a
        .add_incident(
            &hq,
            &IncidentSpec {
                post: london.clone(),
                occurred: PartialDate::parse("2025-05").unwrap(),
                occurred_until: None,
                country: CountryCode::parse("GBR").unwrap(),
                region: None,
                locality: None,
                category: VocabCode::parse("hate_crime_against_migrants").unwrap(),
                victims: Some(2),
                suspects: None,
                legal_status: LegalStatus::Suspected,
                verification: Verification::Unverified,
                summary: format!("{LOCAL} {SECRET} incident."),
                marking: C,
                sources: vec![1],
            },
        )
        .await
        .unwrap();
    let engagement = a
        .add_engagement(
            &hq,
            &EngagementSpec {
                post: london,
                tasking: None,
                date: chancery_domain::dates::parse("2026-01-15").unwrap(),
                host_office: "Home Office".into(),
                official_title: "Director, Asylum Policy".into(),
                talking_points: Vec::new(),
                host_response: format!("{LOCAL} {SECRET} response."),
                follow_up: String::new(),
                marking: C,
            },
        )
        .await
        .unwrap();
    let policy = a
        .add_policy(
            &hq,
            &PolicySpec {
                country: CountryCode::parse("GBR").unwrap(),
                title: "Matrix policy".into(),
                measure_type: MeasureType::Law,
                announced: None,
                in_force: None,
                description: String::new(),
                source: None,
                targets: Vec::new(),
                marking: U,
            },
        )
        .await
        .unwrap();
    let token = chancery_web::api::auth::create_token(a, &hq, "matrix")
        .await
        .unwrap()
        .id;
    Ids {
        c_source,
        incident,
        engagement,
        policy,
        token,
        london_lock: 0,
    }
}

/// What is wrong with one cell's response, if anything.
fn check_cell(f: &Fixture, route: Route, u: &User, r: &Resp) -> Vec<String> {
    let mut problems = Vec::new();
    let want = expected(route, u);
    if r.status != want {
        problems.push(format!("status {} (want {want})", r.status));
    }
    if r.status.is_server_error() {
        problems.push("server error".into());
    }
    let plain_404 = if route.api() {
        &f.api_not_found
    } else {
        &f.not_found
    };
    if r.status == StatusCode::NOT_FOUND && &r.body != plain_404 {
        problems.push("refusal differs from a plain 404 page".into());
    }
    // Never above clearance, never the draft tasking outside HQ.
    // The search routes echo the query the user typed (the box, the JSON `query`, the query
    // string of facet and page links): that is not text from a paragraph.
    let shown = r
        .body
        .replace(&format!("value=\"{SECRET}\""), "")
        .replace(&format!("q={SECRET}"), "")
        .replace(&format!("\"query\":\"{SECRET}\""), "");
    if u.clearance < C && shown.contains(SECRET) {
        problems.push("(C) text reached a U user".into());
    }
    if u.clearance == U && (r.body.contains(TASKING) || r.body.contains("large-scale migration")) {
        problems.push("the SBU tasking reached a U user".into());
    }
    if u.rel == Some(Rel::Other) && r.body.contains(LOCAL) {
        problems.push("another post's (C) record reached post staff".into());
    }
    if !matches!(u.role, Role::HqEditor | Role::Admin) && r.body.contains(DRAFT_TASKING) {
        problems.push("the draft tasking is visible outside HQ".into());
    }
    for (marking, title) in &f.hidden_titles {
        if *marking > u.clearance && r.body.contains(title.as_str()) {
            problems.push(format!(
                "a {marking} source title reached a {} user",
                u.clearance
            ));
        }
    }
    if let (Route::Tasking, StatusCode::OK) = (route, r.status) {
        problems.extend(check_completeness(u, r));
    }
    // The explorer shows rates with their sources to everyone, and a bad parameter is named.
    if route.statistics()
        && r.status == StatusCode::OK
        && route != Route::ApiCatalogue
        && (!r.body.contains("421") || !r.body.contains("S10"))
    {
        problems.push("the explorer lost Canada's 2024 rate or its source".into());
    }
    if matches!(route, Route::StatisticsBad | Route::ApiStatisticsBad) {
        let named = if route == Route::StatisticsBad {
            "from"
        } else {
            "countries"
        };
        if !r.body.contains(&format!("parameter `{named}`")) {
            problems.push(format!("the 400 does not name the parameter {named}"));
        }
    }
    if matches!(route, Route::Search | Route::ApiSearch) && r.status == StatusCode::OK {
        problems.extend(check_search(route, u, r));
    }
    problems
}

/// Searching the word only in the (C) paragraphs of PARIS (cleared) and BERLIN (accepted)
/// counts exactly the paragraphs the user may read: the total, the kind facet and the hits
/// agree, and nothing of the other post's report shows.
fn check_search(route: Route, u: &User, r: &Resp) -> Vec<String> {
    let mut problems = Vec::new();
    let visible: Vec<&str> = [("PARIS", "cleared"), ("BERLIN", "accepted")]
        .into_iter()
        .filter(|(_, status)| u.clearance >= C && sees_report(u, status))
        .map(|(post, _)| post)
        .collect();
    let (total, posts): (u64, Vec<String>) = match route {
        Route::ApiSearch => {
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let posts = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["post"].as_str().unwrap_or("").to_string())
                .collect();
            let kinds: u64 = v["facets"]["kind"]
                .as_array()
                .map(|a| a.iter().map(|f| f["count"].as_u64().unwrap()).sum())
                .unwrap_or(0);
            if kinds != v["total"].as_u64().unwrap() {
                problems.push(format!("kind facet counts {kinds}, total {}", v["total"]));
            }
            (v["total"].as_u64().unwrap(), posts)
        }
        _ => {
            let doc = r.doc();
            let total = doc
                .all("#total")
                .first()
                .map(|e| crate::common::text_of(*e).parse().unwrap())
                .unwrap_or(0);
            let posts = doc
                .all("li.hit a.hit-title")
                .iter()
                .map(|a| {
                    let href = a.value().attr("href").unwrap_or("");
                    href.split("/reports/")
                        .nth(1)
                        .and_then(|rest| rest.split('#').next())
                        .unwrap_or("")
                        .to_string()
                })
                .collect();
            (total, posts)
        }
    };
    if total != visible.len() as u64 {
        problems.push(format!("search total {total} (want {})", visible.len()));
    }
    let mut posts = posts;
    posts.sort();
    let mut want: Vec<String> = visible.iter().map(|p| p.to_string()).collect();
    want.sort();
    if posts != want {
        problems.push(format!("search hits from {posts:?} (want {want:?})"));
    }
    problems
}

/// The tasking page's completeness table shows another post's progress (status, version,
/// lint counts) only to those allowed to follow it: HQ, and the post's own staff; otherwise
/// only reports the user may read show as more than "not received".
fn check_completeness(u: &User, r: &Resp) -> Vec<String> {
    let mut problems = Vec::new();
    let doc = r.doc();
    for row in doc.all("table.grid tbody tr") {
        let cells: Vec<String> = row
            .select(&scraper::Selector::parse("td").unwrap())
            .map(crate::common::text_of)
            .collect();
        let (post, shown, version, lint) = (&cells[0], &cells[1], &cells[2], &cells[5]);
        let truth = REPORTS.iter().find(|(p, _)| p == post).map(|(_, s)| *s);
        let own = u.post.as_deref() == Some(post.as_str());
        let progress = matches!(u.role, Role::HqEditor | Role::Admin) || own;
        let readable = truth.is_some_and(|s| {
            let mut as_seen = u.clone();
            as_seen.rel = Some(if own { Rel::Own } else { Rel::Other });
            sees_report(&as_seen, s)
        });
        let want = match truth {
            Some(s) if progress || readable => s,
            None if progress => "not_started",
            _ => "not_received",
        };
        if shown != want {
            problems.push(format!("{post} shown as {shown} (want {want})"));
        }
        if want == "not_received" && (version != "–" || lint != "–") {
            problems.push(format!(
                "{post}: version {version} / lint {lint} of a report not received"
            ));
        }
    }
    problems
}

async fn every_ui_route_for_every_role_clearance_and_post(backend: Backend) {
    let f = fixture(backend).await;
    let routes = [
        Route::Dashboard,
        Route::Tasking,
        Route::Sources,
        Route::Account,
        Route::Report("LONDON", "draft"),
        Route::Report("WELLINGTON", "in_clearance"),
        Route::Report("PARIS", "cleared"),
        Route::Report("OTTAWA", "transmitted"),
        Route::Report("BERLIN", "accepted"),
        Route::Start,
        Route::Save,
        Route::Act("submit"),
        Route::Act("clear"),
        Route::Act("transmit"),
        Route::Act("accept"),
        Route::Act("return"),
        Route::Comment,
        Route::Statistics,
        Route::StatisticsCsv,
        Route::ApiStatistics,
        Route::ApiStatisticsCsv,
        Route::ApiCatalogue,
        Route::StatisticsBad,
        Route::ApiStatisticsBad,
        Route::SourcesFiltered,
        Route::SourcePage(U),
        Route::SourcePage(C),
        Route::Picker,
        Route::Preview,
        Route::AddSource,
        Route::Grade,
        Route::DerivedFrom,
        Route::Incidents,
        Route::IncidentPage,
        Route::CreateIncident,
        Route::EditIncident,
        Route::Engagements,
        Route::EngagementPage,
        Route::CreateEngagement,
        Route::EditEngagement,
        Route::Policies,
        Route::PolicyPage,
        Route::CreatePolicy,
        Route::EditPolicy,
        Route::AdminUsers,
        Route::AdminPosts,
        Route::AdminCreate,
        Route::AdminUpdate,
        Route::AdminReset,
        Route::Tokens,
        Route::CreateToken,
        Route::RevokeOthersToken,
        Route::History("LONDON", "draft"),
        Route::History("OTTAWA", "transmitted"),
        Route::History("BERLIN", "accepted"),
        Route::Search,
        Route::ApiSearch,
        Route::AdminActive,
        Route::ApiEditIncident,
        Route::ApiEditEngagement,
        Route::ApiEditPolicy,
        Route::ApiDerivedFrom,
        Route::ApiAdminUsers,
        Route::ApiAdminPosts,
        Route::ApiAdminCreate,
        Route::ApiAdminUpdate,
        Route::ApiAdminReset,
        Route::ApiAdminActive,
        Route::ApiSubmitSeen,
        Route::SourceCapture(U),
        Route::SourceCapture(C),
        Route::ApiSourceCapture(U),
        Route::ApiSourceCapture(C),
        Route::Compiled,
        Route::ApiCompiled,
    ];
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for route in routes {
        for u in users_for(route.target()) {
            let (client, csrf) = &f.clients[&u.name];
            // Writes each get a fresh copy of the fixture; reads run on the fixture itself
            // (and must not write either).
            let copy;
            let app: &TestApp = if route.writes() {
                copy = f.app.copy_from(&f.image).await;
                &copy
            } else {
                &f.app
            };
            let before = app.snapshot().await;
            let mut c = client.on(&app.router);
            let r = request(&mut c, route, csrf, &f.ids).await;
            let mut problems = check_cell(&f, route, &u, &r);
            let after = app.snapshot().await;
            if r.status.is_success() || r.status.is_redirection() {
                if route.writes() && after.audit_events != before.audit_events + 1 {
                    problems.push(format!(
                        "allowed, but wrote {} audit events",
                        after.audit_events - before.audit_events
                    ));
                }
                if !route.writes() && after != before {
                    problems.push("a read wrote something".into());
                }
            } else if after != before {
                problems.push("refused, but wrote something".into());
            }
            table.push(format!(
                "{:<28} {:<38} {}",
                format!("{route:?}"),
                u.to_string(),
                r.status.as_u16()
            ));
            if !problems.is_empty() {
                failures.push(format!("{route:?} as {u}: {}", problems.join("; ")));
            }
            if route.writes() {
                app.close().await;
            }
        }
    }
    println!("{}", table.join("\n"));
    assert!(
        table.len() > 600,
        "the matrix shrank: {} cells",
        table.len()
    );
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

chancery_testkit::on_every_backend!(every_ui_route_for_every_role_clearance_and_post,);
