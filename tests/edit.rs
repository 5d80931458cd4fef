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

/// The date `days` after today in Vietnam (UTC+7, no daylight saving), `YYYY-MM-DD`.
fn vietnam_day(days: i64) -> String {
    let day = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7))
        + time::Duration::days(days);
    day.date()
        .format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap()
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
    // Dated today, so that the steps and the saves fall in one month of the report.
    let today = vietnam_day(0);
    let a = call(
        &s,
        "POST",
        "/api/canals/c2/status",
        Some("officer"),
        None,
        Some(json!({"status": "under_construction", "date": today})),
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
        Some(json!({"status": "agreed", "date": today})),
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
        Some(json!({"status": "registered", "date": today})),
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
    assert_eq!(again.store().history().unwrap().len(), 5);
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
    assert_eq!(Store::open(&dir).unwrap().history().unwrap().len(), 20);
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

/// The monthly report of a journal written by hand: which month each figure lands in.
///
/// The journal (saved-at times in UTC; Vietnam is seven hours ahead):
/// 1. 2026-11-30T16:59:59Z, 23:59:59 on 30 November there: h6 registers for water.
/// 2. 2026-11-30T18:00:00Z, 01:00 on 1 December there: h5's labour done goes 3 → 5 days.
/// 3. 2026-12-02: c2 planned → completed, with `status_date` 2026-11-20 changed with it.
/// 4. 2026-12-03: h4 pays 200 000 VND more (300 000 → 500 000), a contribution the
///    officer dated 2026-10-15.
/// 5. 2026-12-04: p1 awaiting → agreed, with `clearance_date` 2026-09-05 changed with it.
/// 6. 2026-12-05: p1 agreed → donated, its `clearance_date` left at 2026-09-05 (stale: not
///    the date of this step).
#[tokio::test]
async fn months_are_vietnams_and_an_entered_date_dates_its_change() {
    use drainplan::model::LayerKind;
    use drainplan::store::Dataset;
    use drainplan::store::edit::{Edit, EditOp};
    use drainplan::store::journal::{Journal, JournalEntry};

    let dir = copy_fixture("months");
    let mut data = Dataset::load(&dir).unwrap();
    let (mut journal, _) = Journal::open(&dir).unwrap();
    let mut seq = 0;
    let mut write = |at: &str, collection: LayerKind, id: &str, date: Option<&str>, set: Value| {
        let before = data.layer(collection).get(id).unwrap().to_json();
        let mut after = before.clone();
        for (k, v) in set.as_object().unwrap() {
            after["properties"][k] = v.clone();
        }
        seq += 1;
        let edit = Edit {
            op: EditOp::Replace,
            collection,
            id: id.into(),
            feature: Some(after),
            date: date.map(str::to_owned),
        };
        data.apply(&edit).unwrap();
        journal
            .append(&JournalEntry {
                seq,
                at: at.into(),
                user: "officer".into(),
                edit,
                before: Some(before),
            })
            .unwrap();
    };
    use LayerKind::{Canals, Households, Parcels};
    write(
        "2026-11-30T16:59:59Z",
        Households,
        "h6",
        None,
        json!({"water_status": "registered"}),
    );
    write(
        "2026-11-30T18:00:00Z",
        Households,
        "h5",
        None,
        json!({"labour_done_days": 5}),
    );
    write(
        "2026-12-02T03:00:00Z",
        Canals,
        "c2",
        None,
        json!({"status": "completed", "status_date": "2026-11-20"}),
    );
    write(
        "2026-12-03T03:00:00Z",
        Households,
        "h4",
        Some("2026-10-15"),
        json!({"money_paid_vnd": 500000, "contribution_date": "2026-10-15"}),
    );
    write(
        "2026-12-04T03:00:00Z",
        Parcels,
        "p1",
        None,
        json!({"clearance_status": "agreed", "clearance_date": "2026-09-05"}),
    );
    write(
        "2026-12-05T03:00:00Z",
        Parcels,
        "p1",
        None,
        json!({"clearance_status": "donated"}),
    );
    drop(journal);

    let s = state(&dir);
    let a = call(&s, "GET", "/api/reports/monthly-progress", None, None, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let r = &a.body;
    assert_eq!(r["month_basis"]["time_zone"], "Asia/Ho_Chi_Minh");
    assert_eq!(r["month_basis"]["utc_offset"], "+07:00");
    assert!(
        r["month_basis"]["entered_date_else_saved"]
            .as_array()
            .unwrap()
            .contains(&json!("contributions_added"))
    );
    let months: Vec<&str> = r["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    // By hand: September (p1's agreed, dated), October (h4's money, dated), November
    // (entry 1 saved; c2's completion, dated), December (entries 2–6 saved).
    assert_eq!(months, ["2026-09", "2026-10", "2026-11", "2026-12"]);
    let m = |key: &str| {
        r["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["month"] == key)
            .unwrap()
            .clone()
    };
    let zero = json!({"land_pledged_m2": 0.0, "land_donated_m2": 0.0, "labour_pledged_days": 0.0,
        "labour_done_days": 0.0, "money_pledged_vnd": 0.0, "money_paid_vnd": 0.0});

    // The fixture starts with 2 of 5 dwellings registered (d1 through h1 and h2, d3
    // through h4); h6 (d5) makes it 3 of 5 from November on.
    assert_eq!(r["water_rate_at_start"], 0.4);
    let sep = m("2026-09");
    assert_eq!(sep["edits"], 0);
    assert_eq!(sep["parcels_to_status"], json!({"agreed": 1}));
    assert_eq!(sep["contributions_added"], zero);
    assert_eq!(sep["canal_completed_m"], 0.0);
    assert_eq!(sep["water_registered_dwellings"], 2);
    assert_eq!(sep["water_rate"], 0.4);

    let oct = m("2026-10");
    assert_eq!(oct["edits"], 0);
    let mut money = zero.clone();
    money["money_paid_vnd"] = json!(200000.0);
    assert_eq!(oct["contributions_added"], money);
    assert_eq!(oct["parcels_to_status"], json!({}));
    assert_eq!(oct["water_rate"], 0.4);

    let nov = m("2026-11");
    assert_eq!(nov["edits"], 1);
    // c2 is 105.1525 m (pyproj Geod, see tests/api.rs).
    assert!(
        (nov["canal_completed_m"].as_f64().unwrap() - 105.1525).abs() < 0.01,
        "{nov}"
    );
    assert_eq!(nov["contributions_added"], zero);
    assert_eq!(nov["water_registered_dwellings"], 3);
    assert_eq!(nov["dwellings"], 5);
    assert_eq!(nov["water_rate"], 0.6);

    let dec = m("2026-12");
    assert_eq!(dec["edits"], 5);
    let mut labour = zero.clone();
    labour["labour_done_days"] = json!(2.0);
    assert_eq!(dec["contributions_added"], labour);
    assert_eq!(dec["canal_completed_m"], 0.0);
    assert_eq!(dec["parcels_to_status"], json!({"donated": 1}));
    assert_eq!(dec["water_rate"], 0.6);

    // The history shows the date the officer entered, and none for the others.
    let a = call(&s, "GET", "/api/history?id=h4", Some("viewer"), None, None).await;
    assert_eq!(a.body["entries"][0]["date"], "2026-10-15");
    let a = call(&s, "GET", "/api/history?id=h5", Some("viewer"), None, None).await;
    assert_eq!(a.body["entries"][0]["date"], Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_contribution_carries_its_date() {
    let dir = copy_fixture("contribution-date");
    let s = state(&dir);
    let a = call(
        &s,
        "POST",
        "/api/households/h4/contributions",
        Some("officer"),
        None,
        Some(json!({"kind": "money", "amount": 200000, "state": "done", "date": "2026-10-15"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    // 300 000 in the fixture + 200 000.
    assert_eq!(a.body["properties"]["money_paid_vnd"], 500000.0);
    assert_eq!(a.body["properties"]["contribution_date"], "2026-10-15");

    // No date: today in Vietnam.
    let before = vietnam_day(0);
    let a = call(
        &s,
        "POST",
        "/api/households/h5/contributions",
        Some("officer"),
        None,
        Some(json!({"kind": "labour", "amount": 1.5, "state": "pledged"})),
    )
    .await;
    let after = vietnam_day(0);
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let given = a.body["properties"]["contribution_date"].as_str().unwrap();
    assert!(given == before || given == after, "{given}");

    // The public never sees it: households show only their village and water status.
    let a = call(
        &s,
        "GET",
        "/collections/households/items/h4",
        None,
        None,
        None,
    )
    .await;
    assert_eq!(a.body["properties"].get("contribution_date"), None);

    let a = call(&s, "GET", "/api/history", Some("viewer"), None, None).await;
    assert_eq!(a.body["entries"][0]["date"], given);
    assert_eq!(a.body["entries"][1]["date"], "2026-10-15");
    assert!(
        a.body["entries"][1]["changes"]
            .as_array()
            .unwrap()
            .contains(&json!({"property": "contribution_date", "from": null, "to": "2026-10-15"}))
    );

    // The money counts in October, when it was paid; the labour in this month, both
    // edits were saved in this month.
    let a = call(&s, "GET", "/api/reports/monthly-progress", None, None, None).await;
    let months = a.body["months"].as_array().unwrap();
    assert_eq!(months.len(), 2, "{}", a.body);
    assert_eq!(months[0]["month"], "2026-10");
    assert_eq!(months[0]["edits"], 0);
    assert_eq!(months[0]["contributions_added"]["money_paid_vnd"], 200000.0);
    assert_eq!(months[0]["contributions_added"]["labour_pledged_days"], 0.0);
    assert_eq!(months[1]["month"], given[..7]);
    assert_eq!(months[1]["edits"], 2);
    assert_eq!(months[1]["contributions_added"]["money_paid_vnd"], 0.0);
    assert_eq!(months[1]["contributions_added"]["labour_pledged_days"], 1.5);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_impossible_date_is_refused_and_nothing_is_stored() {
    let dir = copy_fixture("bad-dates");
    let s = state(&dir);
    let h4 = a_tag(&s, "h4");
    let in_two_days = vietnam_day(2);
    let cases = [
        ("2026-02-30", "February 2026 has 28 days, not 30"),
        ("yesterday", "is not a date YYYY-MM-DD"),
        ("15/10/2026", "is not a date YYYY-MM-DD"),
        ("1999-01-01", "is before 2000-01-01"),
        ("2999-01-01", "is in the future"),
        (in_two_days.as_str(), "is in the future"),
    ];
    for (date, why) in cases {
        let a = call(
            &s,
            "POST",
            "/api/households/h4/contributions",
            Some("officer"),
            None,
            Some(json!({"kind": "labour", "amount": 1, "state": "done", "date": date})),
        )
        .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date}: {}",
            a.body
        );
        let msg = a.body["error"].as_str().unwrap();
        assert!(msg.starts_with(&format!("date `{date}` ")), "{msg}");
        assert!(msg.contains(why), "{date}: {msg}");
    }
    // A date that is not a string at all.
    let a = call(
        &s,
        "POST",
        "/api/households/h4/contributions",
        Some("officer"),
        None,
        Some(json!({"kind": "labour", "amount": 1, "state": "done", "date": 20261015})),
    )
    .await;
    assert!(
        [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY].contains(&a.status),
        "{}",
        a.body
    );
    // The status steps check their dates the same way.
    for (uri, body) in [
        (
            "/api/canals/c2/status",
            json!({"status": "completed", "date": "1999-01-01"}),
        ),
        (
            "/api/parcels/p1/clearance",
            json!({"status": "agreed", "date": "2026-02-30"}),
        ),
        (
            "/api/households/h6/water",
            json!({"status": "registered", "date": "2999-01-01"}),
        ),
    ] {
        let a = call(&s, "POST", uri, Some("officer"), None, Some(body)).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri}: {}",
            a.body
        );
    }

    // Nothing changed, in memory, in the history or on disk.
    assert_eq!(a_tag(&s, "h4"), h4);
    assert_eq!(
        s.dataset().households.get("h4").unwrap().properties["labour_done_days"],
        2
    );
    assert_eq!(
        s.dataset().canals.get("c2").unwrap().properties["status"],
        "planned"
    );
    assert!(s.store().history().unwrap().is_empty());
    let journal = std::fs::metadata(dir.join("journal.ndjson")).map_or(0, |m| m.len());
    assert_eq!(journal, 0);
    let _ = std::fs::remove_dir_all(&dir);
}
