//! The authorization matrix (issue 3, item 5), for the UI routes: every route × each of the
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

use axum::http::StatusCode;
use chancery_domain::Classification::{self, Confidential as C, Unclassified as U};
use chancery_domain::ids::{PostCode, SectionKey, TaskingRef};
use chancery_domain::user::Role;
use chancery_domain::workflow::Action;

use crate::common::{Client, Resp, TASKING, TestApp, report_path};

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
/// The draft tasking (HQ only).
const DRAFT_TASKING: &str = "CHN-2026-0002";

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

#[derive(Debug, Clone, Copy)]
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
    /// `GET /search?q=QUINCUNX` (the word only in the staged (C) paragraphs).
    Search,
    /// `GET /api/v1/search?q=QUINCUNX` with the session cookie.
    ApiSearch,
}

impl Route {
    fn target(self) -> &'static str {
        match self {
            Route::Report(post, _) => post,
            Route::Start => UNSTARTED,
            Route::Save | Route::Act("submit") => "LONDON",
            Route::Act("clear") => "WELLINGTON",
            Route::Act("transmit") => "PARIS",
            Route::Act(_) | Route::Comment => "OTTAWA",
            // Post-independent pages: "own" is any staged post.
            Route::Dashboard | Route::Tasking | Route::Sources | Route::Account => "LONDON",
            // Search: "own" is PARIS, whose cleared report holds a (C) QUINCUNX paragraph.
            Route::Search | Route::ApiSearch => "PARIS",
        }
    }

    fn writes(self) -> bool {
        matches!(
            self,
            Route::Start | Route::Save | Route::Act(_) | Route::Comment
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
    let own_staff = u.rel == Some(Rel::Own);
    let on_tasking = !matches!(
        route,
        Route::Dashboard | Route::Sources | Route::Account | Route::Search | Route::ApiSearch
    );
    if on_tasking && u.clearance == U {
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
    match route {
        Route::Dashboard
        | Route::Tasking
        | Route::Sources
        | Route::Account
        | Route::Search
        | Route::ApiSearch => S::OK,
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
    }
}

/// Sends the route's request.
async fn request(c: &mut Client, route: Route, csrf: &str) -> Resp {
    let base = report_path(route.target());
    match route {
        Route::Dashboard => c.get("/").await,
        Route::Tasking => c.get(&format!("/taskings/{TASKING}")).await,
        Route::Sources => c.get("/sources").await,
        Route::Account => c.get("/account").await,
        Route::Search => c.get(&format!("/search?q={SECRET}")).await,
        Route::ApiSearch => c.get(&format!("/api/v1/search?q={SECRET}")).await,
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
    }
}

/// The fixture: the demo plus PARIS cleared and BERLIN accepted (each with a (C) paragraph),
/// and a logged-in matrix user for every role × clearance × post.
struct Fixture {
    app: TestApp,
    bytes: Vec<u8>,
    clients: BTreeMap<String, (Client, String)>,
    not_found: String,
    hidden_titles: Vec<(Classification, String)>,
}

async fn fixture() -> Fixture {
    let mut app = TestApp::new().await;
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

    let mut clients = BTreeMap::new();
    for (name, ..) in &names {
        let mut c = app.login(name).await;
        let csrf = c.csrf("/account").await;
        clients.insert(name.clone(), (c, csrf));
    }
    let not_found = app.client().get("/no/such/page").await;
    not_found.assert_status(StatusCode::NOT_FOUND);
    let hidden_titles = app
        .store()
        .sources()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.spec.marking > U)
        .map(|s| (s.spec.marking, s.spec.title))
        .collect();
    let bytes = app.sqlite_bytes().await;
    Fixture {
        app,
        bytes,
        clients,
        not_found: not_found.body,
        hidden_titles,
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
    if r.status == StatusCode::NOT_FOUND && r.body != f.not_found {
        problems.push("refusal differs from a plain 404 page".into());
    }
    // Never above clearance, never the draft tasking outside HQ.
    // The search routes echo the query the user typed (the box, the JSON `query`): that is
    // not text from a paragraph.
    let shown = r
        .body
        .replace(&format!("value=\"{SECRET}\""), "")
        .replace(&format!("\"query\":\"{SECRET}\""), "");
    if u.clearance < C && shown.contains(SECRET) {
        problems.push("(C) text reached a U user".into());
    }
    if u.clearance == U && (r.body.contains(TASKING) || r.body.contains("large-scale migration")) {
        problems.push("the SBU tasking reached a U user".into());
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

#[tokio::test]
async fn every_ui_route_for_every_role_clearance_and_post() {
    let f = fixture().await;
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
        Route::Search,
        Route::ApiSearch,
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
                copy = f.app.copy_from(&f.bytes).await;
                &copy
            } else {
                &f.app
            };
            let before = app.snapshot().await;
            let mut c = client.on(&app.router);
            let r = request(&mut c, route, csrf).await;
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
        table.len() > 200,
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
