//! The whole reporting flow in a real headless Chromium (Debian's `chromium`, driven through
//! Debian's `chromium-driver` over WebDriver), against the app served in this process on a
//! free port with the demo built from the shipped `content/`.
//!
//! LONDON's demo report is a draft with lint findings. Its drafter previews and saves sections
//! citing sources from the evidence locker, watches a finding appear (an uncited figure) and
//! clear, fills every required section (one paragraph marked (C)) until the lint panel is
//! clean, and submits. The post's approver clears and transmits, the HQ editor accepts, and a
//! reader cleared only to SBU sees the (C) paragraph as `[paragraph withheld: C]`. Every step
//! asserts on the page's content and saves a full-page screenshot under
//! `target/browser-screenshots/NN-step.png`.
//!
//! Along the way the drafter opens the citation picker in the editor, picks a source (its code
//! is inserted at the cursor) and watches the live preview render the text with its citation.
//!
//! Without chromium or chromedriver the test says why and passes, except under `CI=true`,
//! where it fails.

#[path = "browser/driver.rs"]
mod driver;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use chancery_app::{App, DemoSummary};
use chancery_store::{OpenMode, Store};
use chancery_web::{AppState, WebConfig};

use driver::{Browser, Driver, must_contain, must_not_contain};

const TASKING: &str = "CHN-2026-0001";
const REPORT: &str = "/taskings/CHN-2026-0001/reports/LONDON";

/// Text of the (C) paragraph the drafter writes: the reader must never receive it.
const CONFIDENTIAL_TEXT: &str = "review of asylum accommodation contracts";

/// The section texts the drafter ends with: every figure cited, every required section
/// written with its minimum of distinct sources, a judgment with its confidence.
const SUMMARY: &str = "\
(SBU) Bottom line: asylum applications to the United Kingdom rose in 2024, and the official \
statistics the post can cite do not yet cover public safety, rights or justice outcomes by \
migration status [@S10] [@S9].

(U) The United Kingdom received 108,136 new asylum applications in 2024, up from 84,416 in 2023 [@S10].

(U) UNHCR counted 515,677 refugees in the United Kingdom at the end of 2024 [@S10].";

const MIGRATION: &str = "\
(U) Against a mid-year population of 69,226,000, the 108,136 new asylum applications UNHCR \
recorded for the United Kingdom in 2024 amount to about 156 per 100,000 residents [@S10] [@S9].

(U) Net migration and the stock of international migrants are taken from the World Bank's \
indicators [@S27] [@S34].";

const SAFETY_UNCITED: &str = "\
(U) The official statistics the post has retrieved do not record offences by or against \
migrants; UNHCR's count of 515,677 refugees at the end of 2024 gives a denominator but no \
offence data.";

const HUMAN_RIGHTS: &str = "\
(U) UNHCR recorded 108,136 new asylum applications in the United Kingdom in 2024, against a \
mid-year population of 69,226,000 [@S10] [@S9]. The post has not yet retrieved data on \
determination times, detention or prosecutions relating to expression.";

const HOUSING_LABOUR: &str = "\
(U) The World Bank's modelled unemployment and youth unemployment series give the labour \
market baseline [@S33] [@S35]. Housing supply figures have not yet been retrieved.";

const EQUALITY: &str = "\
(U) The post has found no official outcome data by migration status with comparable \
denominators; the population and asylum series give denominators only [@S9] [@S10]. No claim \
has yet been checked.";

const ENGAGEMENT: &str = "\
(SBU) No engagement with the host government has been recorded for this tasking yet; the post \
will deliver the talking points to the Home Office at director level.

(C) A Home Office official told the post in confidence that a review of asylum accommodation \
contracts is under way; the post has not seen its terms of reference.";

const ASSESSMENT: &str = "\
(SBU) Judgment (moderate confidence): Asylum applications to the United Kingdom rose by more \
than a quarter in 2024 [@S10] [@S9]. Alternatives considered: that the rise reflects \
processing changes rather than arrivals. What would change this assessment: the Home \
Office's national statistics.";

fn content_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../content"))
}

/// `target/browser-screenshots`, honouring `CARGO_TARGET_DIR`.
fn screenshot_dir() -> PathBuf {
    let workspace = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let workspace = workspace.canonicalize().unwrap_or(workspace);
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(t) if t.is_absolute() => t,
        Some(t) => workspace.join(t),
        None => workspace.join("target"),
    };
    target.join("browser-screenshots")
}

/// Builds the demo in a temporary SQLite database and serves it on a free port.
async fn start_app(db_dir: &std::path::Path) -> Result<(SocketAddr, DemoSummary)> {
    let store = Store::open_path(&db_dir.join("chancery.db"), OpenMode::Create).await?;
    store.migrate().await?;
    let app = App::new(store);
    let summary = app
        .build_demo(&content_dir())
        .await
        .map_err(|e| anyhow!("demo: {e}"))?;
    let state = AppState::new(app, WebConfig::default())?;
    let bind: SocketAddr = "127.0.0.1:0".parse()?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let served = chancery_web::serve(state, bind, |addr| {
            let _ = tx.send(addr);
        })
        .await;
        if let Err(e) = served {
            eprintln!("server stopped: {e}");
        }
    });
    let addr = rx.await.context("the server did not start")?;
    Ok((addr, summary))
}

fn password(summary: &DemoSummary, user: &str) -> Result<String> {
    summary
        .users
        .iter()
        .find(|u| u.username == user)
        .map(|u| u.password.clone())
        .ok_or_else(|| anyhow!("the demo has no user {user}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_in_a_real_browser() {
    let (chromium, chromedriver) = match driver::binaries() {
        Ok(b) => b,
        Err(why) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true and the browser test cannot run: {why}");
            }
            eprintln!("SKIPPED the browser test: {why}");
            return;
        }
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("temp dir");
    let (addr, summary) = start_app(tmp.path()).await.expect("app");
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile).expect("profile dir");
    let driver = Driver::start(&chromedriver, tmp.path()).expect("chromedriver");
    let client = driver::connect(&driver, &chromium, &profile)
        .await
        .expect("browser session");
    let mut browser = Browser::new(client, format!("http://{addr}"), screenshot_dir())
        .expect("screenshot folder");

    let outcome = scenario(&mut browser, &summary).await;
    if outcome.is_err() {
        let _ = browser.shot("failure").await;
    }
    let shots = browser.shots.clone();
    let _ = browser.client.close().await;
    let log = driver.log_tail();
    drop(driver);

    println!("browser test screenshots ({}):", shots.len());
    for s in &shots {
        println!("  {}", s.display());
    }
    println!("browser test took {:.1} s", started.elapsed().as_secs_f64());
    if let Err(e) = outcome {
        panic!("{e:#}\n--- chromedriver log (tail) ---\n{log}");
    }
}

async fn log_in(b: &mut Browser, summary: &DemoSummary, user: &str) -> Result<()> {
    b.open("/login").await?;
    b.wait_text("h1", "Log in").await?;
    b.type_into("input[name=username]", user).await?;
    b.type_into("input[name=password]", &password(summary, user)?)
        .await?;
    b.click("form[action='/login'] button[type=submit]").await?;
    let header = b.wait_text("header.top", user).await?;
    must_contain("the header after login", &header, "Log out")?;
    b.wait_text("h1", "Dashboard").await?;
    Ok(())
}

async fn log_out(b: &mut Browser) -> Result<()> {
    b.click("form[action='/logout'] button").await?;
    b.wait_text("h1", "Log in").await?;
    let header = b.text_of("header.top").await?;
    must_not_contain("the header after logout", &header, "Log out")?;
    // The session is gone: the dashboard sends us back to log in.
    b.open("/").await?;
    let page = b.text().await?;
    must_not_contain("the dashboard after logout", &page, "My work")?;
    Ok(())
}

/// Opens the editor of `section`, types `body`, previews it and checks the preview.
async fn preview_section(b: &mut Browser, section: &str, body: &str) -> Result<()> {
    let details = format!("section#{section} details");
    if b.find(&details).await?.attr("open").await?.is_none() {
        b.click(&format!("{details} > summary")).await?;
    }
    b.type_into(&format!("{details} textarea[name=body]"), body)
        .await?;
    b.click(&format!("{details} button[value=preview]")).await?;
    let preview = b
        .wait_text(
            &format!("section#{section} .preview"),
            "Preview (not saved)",
        )
        .await?;
    // The preview renders the Markdown: the first words of the last paragraph show.
    let last = body.rsplit("\n\n").next().unwrap_or(body);
    let words: String = last
        .split_whitespace()
        .skip(1)
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    must_contain("the preview", &preview, &words)?;
    Ok(())
}

/// Saves what the open editor of `section` holds; returns the lint panel's text.
async fn save_section(b: &mut Browser, section: &str) -> Result<String> {
    b.click(&format!("section#{section} details button[value=save]"))
        .await?;
    b.wait_text("p.notice", &format!("Saved {section} as revision"))
        .await?;
    b.text_of("aside#lint").await
}

/// Types, previews and saves `section`; returns the lint panel's text.
async fn write_section(b: &mut Browser, section: &str, body: &str) -> Result<String> {
    preview_section(b, section, body).await?;
    save_section(b, section).await
}

/// In the summary editor: types a sentence, opens the citation picker, picks S10 (inserted at
/// the cursor) and waits for the live preview to show the sentence with its endnote-style
/// citation link, rendered by the server while typing (nothing is saved).
async fn pick_citation_with_live_preview(b: &mut Browser) -> Result<()> {
    let details = "section#summary details";
    if b.find(details).await?.attr("open").await?.is_none() {
        b.click(&format!("{details} > summary")).await?;
    }
    let area = format!("{details} textarea[name=body]");
    b.type_into(&area, "(U) Asylum applications rose in 2024 ")
        .await?;
    b.click(&format!("{details} button.picker-open")).await?;
    let list = b.wait_text(&format!("{details} .picker"), "[@S10]").await?;
    must_contain(
        "the citation picker",
        &list,
        "Refugee Population Statistics Database",
    )?;
    b.shot("drafter-citation-picker").await?;
    b.click(&format!("{details} .picker button[data-code='[@S10]']"))
        .await?;
    let value = b
        .find(&area)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    must_contain("the text after picking", &value, "rose in 2024 [@S10]")?;
    let preview = b
        .wait_text(&format!("{details} .live-preview"), "[S10]")
        .await?;
    must_contain(
        "the live preview",
        &preview,
        "Asylum applications rose in 2024",
    )?;
    let html = b
        .find(&format!("{details} .live-preview"))
        .await?
        .html(false)
        .await?;
    must_contain("the live preview's link", &html, "href=\"/sources/S10\"")?;
    must_contain(
        "the live preview's link title",
        &html,
        "title=\"Refugee Population Statistics Database",
    )?;
    b.shot("drafter-live-preview").await?;
    Ok(())
}

async fn act(b: &mut Browser, action: &str, status: &str) -> Result<String> {
    b.click(&format!(
        "form[action$='/actions/{action}'] button[type=submit]"
    ))
    .await?;
    b.wait_text("p.notice", &format!("{action}: the report is now {status}"))
        .await?;
    b.text_of("h1").await
}

async fn scenario(b: &mut Browser, summary: &DemoSummary) -> Result<()> {
    must_contain("the demo tasking", summary.tasking.as_str(), TASKING)?;

    // --- The drafter: a draft with findings. -------------------------------------------------
    b.open("/").await?;
    let login = b.wait_text("h1", "Log in").await?;
    must_contain("an anonymous visit", &login, "Log in")?;
    b.shot("login").await?;

    log_in(b, summary, "london.drafter").await?;
    let dash = b.text().await?;
    must_contain(
        "the drafter's work",
        &dash,
        "CHN-2026-0001 · LONDON — to draft",
    )?;
    must_contain(
        "the drafter's header",
        &dash,
        "post_drafter · cleared C · LONDON",
    )?;
    b.shot("drafter-dashboard").await?;

    b.click(&format!("ul.work a[href='{REPORT}']")).await?;
    let h1 = b.wait_text("h1", "LONDON").await?;
    must_contain("the report heading", &h1, "draft")?;
    let lint = b.text_of("aside#lint").await?;
    must_contain(
        "the demo draft's lints",
        &lint,
        "E001 uncited-figure summary ¶2",
    )?;
    must_contain(
        "the demo draft's lints",
        &lint,
        "E007 missing-section public_safety",
    )?;
    must_not_contain("the demo draft's lints", &lint, "Clean")?;
    let actions = b.text_of("section.actions").await?;
    must_contain("the drafter's actions", &actions, "submit")?;
    must_not_contain("the drafter's actions", &actions, "transmit")?;
    b.shot("drafter-report-draft").await?;

    // The evidence locker has the sources the drafter will cite.
    b.open("/sources").await?;
    b.wait_text("h1", "Evidence locker").await?;
    let s10 = b.text_of("tr#S10").await?;
    must_contain("source S10", &s10, "Refugee Population Statistics Database")?;
    let s9 = b.text_of("tr#S9").await?;
    must_contain("source S9", &s9, "Population, total")?;
    b.shot("evidence-locker").await?;

    // Public safety: an uncited figure, previewed, saved: E001 appears.
    b.open(REPORT).await?;
    b.wait_text("h1", "LONDON").await?;
    preview_section(b, "public_safety", SAFETY_UNCITED).await?;
    let unsaved = b.text_of("section#public_safety").await?;
    must_contain("the section before saving", &unsaved, "(empty)")?;
    b.shot("drafter-preview").await?;

    let lint = save_section(b, "public_safety").await?;
    must_contain(
        "lints after the uncited figure",
        &lint,
        "E001 uncited-figure public_safety ¶1",
    )?;
    must_contain("lints after the uncited figure", &lint, "515,677")?;
    must_not_contain(
        "lints after the uncited figure",
        &lint,
        "required section \"Public safety\" is empty",
    )?;
    b.shot("drafter-uncited-figure-E001").await?;

    // The same paragraph citing two sources: the finding clears.
    let cited = SAFETY_UNCITED.replace("offence data.", "offence data [@S10] [@S9].");
    let lint = write_section(b, "public_safety", &cited).await?;
    must_not_contain("lints after citing", &lint, "public_safety")?;
    let section = b.find("section#public_safety").await?;
    let html = section.html(false).await?;
    must_contain("the cited paragraph", &html, "href=\"/sources/S10\"")?;
    must_contain("the cited paragraph", &html, ">[S10]</a>")?;
    must_contain("the cited paragraph", &html, "href=\"/sources/S9\"")?;
    b.shot("drafter-figure-cited").await?;

    pick_citation_with_live_preview(b).await?;

    // Every other required section, until the panel is clean.
    for (key, body) in [
        ("summary", SUMMARY),
        ("migration_flows_policy", MIGRATION),
        ("human_rights", HUMAN_RIGHTS),
        ("housing_labour", HOUSING_LABOUR),
        ("equality_before_law", EQUALITY),
        ("host_engagement", ENGAGEMENT),
        ("assessment", ASSESSMENT),
    ] {
        let lint = write_section(b, key, body).await?;
        must_not_contain(
            &format!("lints after saving {key}"),
            &lint,
            &format!(" {key}"),
        )?;
    }
    let lint = b.text_of("aside#lint").await?;
    must_contain(
        "the finished draft's lints",
        &lint,
        "Clean: every figure is cited",
    )?;
    let engagement = b.text_of("section#host_engagement").await?;
    must_contain(
        "the drafter's own (C) paragraph",
        &engagement,
        CONFIDENTIAL_TEXT,
    )?;
    let banner = b.text_of("div.banner").await?;
    must_contain("the banner over a (C) paragraph", &banner, "CONFIDENTIAL")?;
    b.shot("drafter-all-sections-clean").await?;

    let h1 = act(b, "submit", "in_clearance").await?;
    must_contain("the heading after submit", &h1, "in_clearance")?;
    must_not_contain(
        "the drafter's page after submit",
        &b.text().await?,
        "Edit Summary",
    )?;
    b.shot("drafter-submitted").await?;
    log_out(b).await?;
    b.shot("logged-out").await?;

    // --- The approver: clear, then transmit. ------------------------------------------------
    log_in(b, summary, "london.approver").await?;
    let dash = b.text().await?;
    must_contain(
        "the approver's work",
        &dash,
        "CHN-2026-0001 · LONDON — to clear",
    )?;
    b.click(&format!("ul.work a[href='{REPORT}']")).await?;
    b.wait_text("h1", "in_clearance").await?;
    let actions = b.text_of("section.actions").await?;
    must_contain("the approver's actions", &actions, "clear")?;
    must_contain("the approver's actions", &actions, "return")?;
    b.shot("approver-in-clearance").await?;

    let h1 = act(b, "clear", "cleared").await?;
    must_contain("the heading after clear", &h1, "cleared")?;
    let actions = b.text_of("section.actions").await?;
    must_contain("the approver's actions once cleared", &actions, "transmit")?;
    b.shot("approver-cleared").await?;

    // A clean report needs no override; if findings remained the form would ask for one.
    if b.exists("form[action$='/actions/transmit'] input[name=override_reason]")
        .await?
    {
        b.type_into(
            "form[action$='/actions/transmit'] input[name=override_reason]",
            "Transmitted for the deadline; the findings are explained in the summary.",
        )
        .await?;
    }
    let h1 = act(b, "transmit", "transmitted").await?;
    must_contain("the heading after transmit", &h1, "transmitted")?;
    must_contain("the heading after transmit", &h1, "version 1")?;
    let page = b.text().await?;
    must_contain("the versions list", &page, "v1 transmitted")?;
    must_contain("the versions list", &page, "by london.approver")?;
    b.shot("approver-transmitted").await?;
    log_out(b).await?;

    // --- HQ: accept. --------------------------------------------------------------------------
    log_in(b, summary, "hq.editor").await?;
    let dash = b.text().await?;
    must_contain(
        "HQ's work",
        &dash,
        "CHN-2026-0001 · LONDON — to accept or return",
    )?;
    b.shot("hq-dashboard").await?;
    b.click(&format!("ul.work a[href='{REPORT}']")).await?;
    b.wait_text("h1", "transmitted").await?;
    let page = b.text().await?;
    must_contain("HQ's view (cleared S)", &page, CONFIDENTIAL_TEXT)?;
    let h1 = act(b, "accept", "accepted").await?;
    must_contain("the heading after accept", &h1, "accepted")?;
    must_not_contain(
        "the actions of an accepted report",
        &b.text().await?,
        "Actions",
    )?;
    b.shot("hq-accepted").await?;
    log_out(b).await?;

    // --- A reader cleared to SBU: the (C) paragraph is withheld. --------------------------------
    log_in(b, summary, "reader").await?;
    let dash = b.text().await?;
    must_contain("the reader's header", &dash, "reader · cleared SBU")?;
    b.open(REPORT).await?;
    let h1 = b.wait_text("h1", "LONDON").await?;
    must_contain("the reader's heading", &h1, "accepted")?;
    let engagement = b.text_of("section#host_engagement").await?;
    must_contain("the reader's view", &engagement, "[paragraph withheld: C]")?;
    must_contain(
        "the reader's view",
        &engagement,
        "No engagement with the host government",
    )?;
    let html = b.source().await?;
    must_not_contain("the page sent to the reader", &html, CONFIDENTIAL_TEXT)?;
    must_not_contain("the page sent to the reader", &html, "terms of reference")?;
    let lint = b.text_of("aside#lint").await?;
    must_contain("the reader's lint panel", &lint, "Not shown")?;
    let banner = b.text_of("div.banner").await?;
    must_not_contain("the reader's banner", &banner, "CONFIDENTIAL")?;
    must_contain("the reader's view", &b.text().await?, "515,677")?;
    b.shot("reader-withheld").await?;
    Ok(())
}
