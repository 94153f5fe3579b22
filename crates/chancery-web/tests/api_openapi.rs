//! The OpenAPI document: generated from the handlers, snapshot-tested, served as-is, and in
//! step with the router (every documented operation is routed).
//!
//! The snapshot is committed (`tests/snapshots/api_openapi__openapi.snap`). A change to the API
//! fails this test until the snapshot is updated deliberately:
//! `INSTA_UPDATE=always cargo test -p chancery-web --test api_openapi`, then review the diff
//! and commit it. In CI (`CI` set) insta never writes snapshots, so drift always fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod api_support;

use api_support::{Auth, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(chancery_web::api::openapi()).unwrap()
}

#[test]
fn openapi_document_matches_the_snapshot() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", doc);
}

#[test]
fn every_operation_documents_its_errors() {
    let doc = document();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 16, "{:?}", paths.keys());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("401"),
                "{method} {path} does not document 401"
            );
            let error = &responses["401"]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(
                error, "#/components/schemas/ErrorEnvelope",
                "{method} {path}"
            );
        }
    }
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids must be unique: {ids:?}");
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("session"));
}

#[tokio::test]
async fn the_served_document_is_the_generated_one_and_every_operation_is_routed() {
    let t = TestApp::new(api_support::Backend::Sqlite).await;
    let served = t
        .api(Method::GET, "/api/v1/openapi.json", Auth::None, None)
        .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.json, document());

    // Unauthenticated calls to every documented operation reach its handler (401 from the
    // authentication extractor), never the 404/405 fallbacks.
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{reference}", "CHN-2026-0001")
            .replace("{post}", "LONDON")
            .replace("{key}", "summary")
            .replace("{action}", "submit")
            .replace("{id}", "1");
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = t
                .api(
                    method.clone(),
                    &format!("/api/v1{concrete}"),
                    Auth::None,
                    None,
                )
                .await;
            r.error(StatusCode::UNAUTHORIZED, "unauthorized");
        }
    }
}
