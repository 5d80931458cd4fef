//! Editing over HTTP on a copy of tests/fixtures/small: roles, ETags, the one-step changes,
//! the history, persistence across a restart, and many writers at once.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use drainplan::api::{AppState, app};
use drainplan::auth::{Auth, Role};
use drainplan::store::live::Store;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const PASSWORD: &str = "mật khẩu thử";

fn copy_fixture(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drainplan-edit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir("tests/fixtures/small").unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let auth = Auth::open(&dir).unwrap();
    for (user, role) in [
        ("viewer", Role::Viewer),
        ("officer", Role::Officer),
        ("admin", Role::Admin),
    ] {
        auth.set_user(user, role, PASSWORD).unwrap();
    }
    dir
}

fn state(dir: &Path) -> AppState {
    AppState::with_store(
        Store::open(dir).unwrap(),
        Auth::open(dir).unwrap(),
        "web".into(),
    )
}

fn basic(user: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{PASSWORD}"))
    )
}

struct Answer {
    status: StatusCode,
    etag: Option<String>,
    location: Option<String>,
    body: Value,
}

async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    user: Option<&str>,
    if_match: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(u) = user {
        req = req.header(header::AUTHORIZATION, basic(u));
    }
    if let Some(t) = if_match {
        req = req.header(header::IF_MATCH, t);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = app(state.clone()).oneshot(req).await.unwrap();
    let (status, etag, location) = {
        let header_of = |h: header::HeaderName| {
            resp.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        (
            resp.status(),
            header_of(header::ETAG),
            header_of(header::LOCATION),
        )
    };
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        etag,
        location,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn new_household() -> Value {
    json!({"type": "Feature", "id": "h7", "geometry": {"type": "Point", "coordinates": [105.7033, 19.2213]},
        "properties": {"head": "Đinh Văn Khoa", "village_id": "vil-b", "dwelling_id": "d6", "water_status": "not_registered"}})
}

#[tokio::test]
async fn only_officers_edit() {
    let dir = copy_fixture("roles");
    let s = state(&dir);
    let a = call(
        &s,
        "POST",
        "/collections/households/items",
        None,
        None,
        Some(new_household()),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.body);
    let a = call(
        &s,
        "POST",
        "/collections/households/items",
        Some("viewer"),
        None,
        Some(new_household()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    assert!(a.body["error"].as_str().unwrap().contains("officer"));
    let a = call(
        &s,
        "POST",
        "/collections/households/items",
        Some("officer"),
        None,
        Some(new_household()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(
        a.location.as_deref(),
        Some("/collections/households/items/h7")
    );
    assert!(a.etag.is_some());
    let a = call(
        &s,
        "POST",
        "/collections/households/items",
        Some("officer"),
        None,
        Some(new_household()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    let bad = call(
        &s,
        "POST",
        "/collections/households/items",
        Some("nobody"),
        None,
        Some(new_household()),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn stale_writes_are_refused() {
    let dir = copy_fixture("etag");
    let s = state(&dir);
    let created = call(
        &s,
        "POST",
        "/collections/households/items",
        Some("officer"),
        None,
        Some(new_household()),
    )
    .await;
    let tag = created.etag.unwrap();
    let mut changed = new_household();
    changed["properties"]["members"] = json!(4);

    let a = call(
        &s,
        "PUT",
        "/collections/households/items/h7",
        Some("officer"),
        None,
        Some(changed.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_REQUIRED);
    let a = call(
        &s,
        "PUT",
        "/collections/households/items/h7",
        Some("officer"),
        Some(&tag),
        Some(changed.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let new_tag = a.etag.unwrap();
    assert_ne!(new_tag, tag);
    // A second officer still holding the first version is refused and changes nothing.
    let mut other = new_household();
    other["properties"]["members"] = json!(9);
    let a = call(
        &s,
        "PUT",
        "/collections/households/items/h7",
        Some("officer"),
        Some(&tag),
        Some(other),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED, "{}", a.body);
    assert_eq!(
        s.dataset().households.get("h7").unwrap().properties["members"],
        4
    );

    let a = call(
        &s,
        "PATCH",
        "/collections/households/items/h7",
        Some("officer"),
        Some(&new_tag),
        Some(json!({"properties": {"water_status": "maybe"}})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(a.body["error"].as_str().unwrap().contains("water_status"));
    let a = call(
        &s,
        "PATCH",
        "/collections/households/items/h7",
        Some("officer"),
        Some(&new_tag),
        Some(json!({"properties": {"water_status": "registered", "members": null}})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["properties"]["water_status"], "registered");
    assert!(a.body["properties"].get("members").is_none());

    let a = call(
        &s,
        "DELETE",
        "/collections/households/items/h1",
        Some("officer"),
        Some("*"),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert!(
        a.body["error"]
            .as_str()
            .unwrap()
            .contains("owns parcel `p2`")
    );
    let a = call(
        &s,
        "DELETE",
        "/collections/households/items/h7",
        Some("officer"),
        Some(&a_tag(&s, "h7")),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert!(s.dataset().households.get("h7").is_none());
}

fn a_tag(s: &AppState, id: &str) -> String {
    format!("\"{}\"", s.dataset().households.get(id).unwrap().version())
}

#[tokio::test]
async fn one_step_changes_and_history() {
    let dir = copy_fixture("steps");
    let s = state(&dir);
    let a = call(
        &s,
        "POST",
        "/api/canals/c2/status",
        Some("officer"),
        None,
        Some(json!({"status": "under_construction", "date": "2026-11-02"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["properties"]["status"], "under_construction");
    let a = call(
        &s,
        "POST",
        "/api/canals/c2/status",
        Some("officer"),
        None,
        Some(json!({"status": "done", "date": "2026-11-02"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = call(
        &s,
        "POST",
        "/api/parcels/p1/clearance",
        Some("officer"),
        None,
        Some(json!({"status": "agreed", "date": "2026-13-40"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert!(a.body["error"].as_str().unwrap().contains("not a date"));
    let a = call(
        &s,
        "POST",
        "/api/parcels/p1/clearance",
        Some("officer"),
        None,
        Some(json!({"status": "agreed", "date": "2026-11-03"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    for _ in 0..2 {
        let a = call(
            &s,
            "POST",
            "/api/households/h5/contributions",
            Some("officer"),
            None,
            Some(json!({"kind": "labour", "amount": 1.5, "state": "done"})),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK);
    }
    // h5 had 3 labour days done in the fixture; 3 + 1.5 + 1.5 = 6.
    assert_eq!(
        s.dataset().households.get("h5").unwrap().properties["labour_done_days"],
        6.0
    );
    let a = call(
        &s,
        "POST",
        "/api/households/h5/contributions",
        Some("officer"),
        None,
        Some(json!({"kind": "labour", "amount": -1, "state": "done"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = call(
        &s,
        "POST",
        "/api/households/h6/water",
        Some("officer"),
        None,
        Some(json!({"status": "registered", "date": "2026-11-04"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);

    let a = call(&s, "GET", "/api/history", None, None, None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = call(&s, "GET", "/api/history", Some("viewer"), None, None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["numberMatched"], 5);
    let newest = &a.body["entries"][0];
    assert_eq!(newest["user"], "officer");
    assert_eq!(newest["id"], "h6");
    assert!(newest["changes"].as_array().unwrap().contains(
        &json!({"property": "water_status", "from": "not_registered", "to": "registered"})
    ));
    let a = call(
        &s,
        "GET",
        "/collections/canals/items/c2/history",
        Some("viewer"),
        None,
        None,
    )
    .await;
    assert_eq!(a.body["numberMatched"], 1);
    assert!(
        a.body["entries"][0]["changes"]
            .as_array()
            .unwrap()
            .contains(
                &json!({"property": "status", "from": "planned", "to": "under_construction"})
            )
    );

    // The month's progress, by hand: c2 (105.1525 m by pyproj Geod, see tests/api.rs) went
    // under construction; p1 reached `agreed`; h5 gained 3 labour days done; h6 registered,
    // so 3 of 5 dwellings are registered (the fixture starts at 2 of 5).
    let a = call(&s, "GET", "/api/reports/monthly-progress", None, None, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["water_rate_at_start"], 0.4);
    let months = a.body["months"].as_array().unwrap();
    assert_eq!(months.len(), 1);
    let m = &months[0];
    assert_eq!(m["edits"], 5);
    assert!(
        (m["canal_started_m"].as_f64().unwrap() - 105.1525).abs() < 0.01,
        "{m}"
    );
    assert_eq!(m["canal_completed_m"], 0.0);
    assert_eq!(m["parcels_to_status"], json!({"agreed": 1}));
    assert_eq!(m["contributions_added"]["labour_done_days"], 3.0);
    assert_eq!(m["water_registered_dwellings"], 3);
    assert_eq!(m["water_rate"], 0.6);

    // The same state after a restart.
    let again = state(&dir);
    assert_eq!(
        again.dataset().households.get("h5").unwrap().properties["labour_done_days"],
        6.0
    );
    assert_eq!(
        again.dataset().canals.get("c2").unwrap().properties["status"],
        "under_construction"
    );
    assert_eq!(again.store().history().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_writers_and_readers_at_once() {
    let dir = copy_fixture("concurrent");
    let s = state(&dir);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let a = call(
                    &s,
                    "POST",
                    "/api/households/h6/contributions",
                    Some("officer"),
                    None,
                    Some(json!({"kind": "money", "amount": 1000, "state": "done"})),
                )
                .await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            } else {
                let a = call(&s, "GET", "/api/reports/water-connection", None, None, None).await;
                assert_eq!(a.status, StatusCode::OK);
                // A reader sees a whole snapshot: money is always a multiple of 1000.
                let paid = s
                    .dataset()
                    .households
                    .get("h6")
                    .unwrap()
                    .properties
                    .get("money_paid_vnd")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                assert_eq!(paid % 1000.0, 0.0);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // 20 writers each added 1000 VND; none was lost.
    assert_eq!(
        s.dataset().households.get("h6").unwrap().properties["money_paid_vnd"],
        20_000.0
    );
    assert_eq!(Store::open(&dir).unwrap().history().len(), 20);
}

#[tokio::test]
async fn sessions_and_users() {
    let dir = copy_fixture("session");
    let s = state(&dir);
    let a = call(
        &s,
        "POST",
        "/api/session",
        None,
        None,
        Some(json!({"name": "officer", "password": "nope"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = call(
        &s,
        "POST",
        "/api/session",
        None,
        None,
        Some(json!({"name": "officer", "password": PASSWORD})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let token = a.body["token"].as_str().unwrap().to_owned();
    let req = Request::get("/api/session")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let resp = app(s.clone()).oneshot(req).await.unwrap();
    let body: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body, json!({"name": "officer", "role": "officer"}));
    // The token is not stored anywhere on disk.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        assert!(!text.contains(&token));
    }
    let a = call(
        &s,
        "POST",
        "/api/users",
        Some("officer"),
        None,
        Some(json!({"name": "lan", "role": "viewer", "password": "đủ dài rồi"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = call(
        &s,
        "POST",
        "/api/users",
        Some("admin"),
        None,
        Some(json!({"name": "lan", "role": "viewer", "password": "đủ dài rồi"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = call(&s, "GET", "/api/users", Some("admin"), None, None).await;
    assert!(
        a.body["users"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "lan", "role": "viewer"}))
    );
}
