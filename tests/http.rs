//! What every answer carries and how the edges of HTTP are answered: security headers,
//! cross-origin rules, which static files are served, and JSON bodies on every error.

mod common;

use common::{Req, memory_state};
use serde_json::json;

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let state = memory_state("small");
    for path in [
        "/",
        "/conformance",
        "/collections/canals/items",
        "/static/app.js",
        "/nowhere",
    ] {
        let r = Req::get(path).send(&state).await;
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            r.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
    }
}

#[tokio::test]
async fn other_sites_may_read_but_not_write() {
    let state = memory_state("small");
    let r = Req::get("/collections/canals/items")
        .header("origin", "https://example.org")
        .send(&state)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(r.header("access-control-allow-credentials").is_none());
    // A preflight for a write is not granted: the browser will not send it.
    let r = Req::new("OPTIONS", "/collections/canals/items/c1")
        .header("origin", "https://example.org")
        .header("access-control-request-method", "DELETE")
        .send(&state)
        .await;
    let allowed = r.header("access-control-allow-methods").unwrap_or_default();
    assert!(
        !allowed.contains("DELETE") && !allowed.contains("POST"),
        "{allowed}"
    );
}

#[tokio::test]
async fn only_the_page_files_are_served_from_static() {
    let state = memory_state("small");
    for (path, status) in [
        ("/static/app.js", 200),
        ("/static/style.css", 200),
        ("/static/package.json", 404),
        ("/static/package-lock.json", 404),
        ("/static/node_modules/playwright-core/package.json", 404),
        ("/static/node_modules/pbf/compile.js", 404),
        ("/static/node_modules/pbf/package.json", 404),
        ("/static/../Cargo.toml", 404),
        ("/static/missing.js", 404),
    ] {
        let r = Req::get(path).send(&state).await;
        assert_eq!(r.status, status, "{path}");
        if status == 404 {
            assert_eq!(r.json()["status"], 404, "{path}: {}", r.text());
        }
    }
}

#[tokio::test]
async fn every_error_has_a_json_body() {
    let state = memory_state("small");
    let long = format!("/collections/canals/items?name={}", "a".repeat(9000));
    let huge = "x".repeat(2 * 1024 * 1024);
    let cases = [
        (Req::new("DELETE", "/conformance"), 405),
        (Req::get(&long), 414),
        (Req::get("/collections/nothing/items"), 404),
        (
            Req::post("/api/analyses/route-impact")
                .header("content-type", "application/json")
                .body(huge),
            413,
        ),
        (
            Req::post("/api/analyses/route-impact").json(&json!({"route": 1})),
            400,
        ),
    ];
    for (req, status) in cases {
        let r = req.send(&state).await;
        assert_eq!(r.status, status, "{}", r.text());
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json"),
            "{status}"
        );
        assert_eq!(r.json()["status"], status, "{}", r.text());
        assert!(r.json()["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}
