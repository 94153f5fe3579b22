//! The consolidated report as a download (issue 5): the tasking page's form and
//! `GET /api/v1/taskings/{ref}/compiled` answer with exactly what the compiler produces for the
//! signed-in user, as an uncached attachment; bad parameters are a 400 naming the parameter.

use axum::http::StatusCode;
use chancery_compile::{Format, Options};
use chancery_domain::ids::TaskingRef;
use chancery_testkit::Backend;

use crate::common::{TASKING, TestApp};

async fn the_download_is_the_compilers_output_for_the_user(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut c = app.login("reader").await;
    let page = c.get(&format!("/taskings/{TASKING}")).await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("action=\"/taskings/{TASKING}/compiled\"")),
        "the tasking page offers the download"
    );

    let r = c
        .get(&format!(
            "/taskings/{TASKING}/compiled?format=md&transmitted=1"
        ))
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.header("content-type"),
        Some("text/markdown; charset=utf-8")
    );
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("attachment; filename=\"{TASKING}.md\"").as_str())
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // Byte for byte what the compiler gives this reader (SBU): the same rules as the CLI.
    let reader = app.actor("reader").await;
    let options = Options {
        include_transmitted: true,
        ..Options::default()
    };
    let doc = chancery_compile::compile(
        &app.state.app,
        &reader,
        &TaskingRef::parse(TASKING).unwrap(),
        &options,
    )
    .await
    .unwrap();
    let expected = chancery_compile::render_text(&doc, Format::Markdown).unwrap();
    assert!(
        r.body == expected,
        "the download differs from the compiler's output"
    );
    assert!(r.body.contains("## OTTAWA"));

    // The PDF through the API, with the session cookie.
    let pdf = c
        .get(&format!(
            "/api/v1/taskings/{TASKING}/compiled?format=pdf&transmitted=1"
        ))
        .await;
    pdf.assert_status(StatusCode::OK);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.bytes.starts_with(b"%PDF-"));
}

async fn bad_parameters_are_refused_naming_the_parameter(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mut c = app.login("reader").await;
    for (query, field) in [
        ("format=docx", "format"),
        ("release=TOP", "release"),
        // Above the reader's own clearance (SBU).
        ("release=C", "release"),
        ("transmitted=perhaps", "transmitted"),
        ("date=2026-13-01", "date"),
        ("colour=red", "colour"),
    ] {
        let page = c
            .get(&format!("/taskings/{TASKING}/compiled?{query}"))
            .await;
        page.assert_status(StatusCode::BAD_REQUEST);
        assert!(page.body.contains(field), "{query}: {}", page.body);
        let api = c
            .get(&format!("/api/v1/taskings/{TASKING}/compiled?{query}"))
            .await;
        api.assert_status(StatusCode::BAD_REQUEST);
        let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(v["errors"][0]["field"], field, "{query}: {}", api.body);
    }
    // An unknown tasking is the plain 404.
    c.get("/taskings/CHN-2099-0001/compiled")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

chancery_testkit::on_every_backend!(
    the_download_is_the_compilers_output_for_the_user,
    bad_parameters_are_refused_naming_the_parameter,
);
