//! Editing over HTTP on a copy of tests/fixtures/small: roles, ETags, the one-step changes,
//! the history, persistence across a restart, and many writers at once.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use axum::http::StatusCode;
use common::{PASSWORD, Req, copy_fixture, disk_state};
use drainplan::api::AppState;
use drainplan::store::live::Store;
use serde_json::{Value, json};

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
    let dir = copy_fixture("small", "roles");
    let s = disk_state(&dir);
    let a = Req::post("/collections/households/items")
        .json(&new_household())
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.json());
    let a = Req::post("/collections/households/items")
        .user("viewer")
        .json(&new_household())
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json());
    assert!(a.json()["error"].as_str().unwrap().contains("officer"));
    let a = Req::post("/collections/households/items")
        .user("officer")
        .json(&new_household())
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json());
    assert_eq!(
        a.header("location").as_deref(),
        Some("/collections/households/items/h7")
    );
    assert!(a.header("etag").is_some());
    let a = Req::post("/collections/households/items")
        .user("officer")
        .json(&new_household())
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.json());
    let bad = Req::post("/collections/households/items")
        .user("nobody")
        .json(&new_household())
        .send(&s)
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn stale_writes_are_refused() {
    let dir = copy_fixture("small", "etag");
    let s = disk_state(&dir);
    let created = Req::post("/collections/households/items")
        .user("officer")
        .json(&new_household())
        .send(&s)
        .await;
    let tag = created.header("etag").unwrap();
    let mut changed = new_household();
    changed["properties"]["members"] = json!(4);

    let a = Req::new("PUT", "/collections/households/items/h7")
        .user("officer")
        .json(&changed)
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_REQUIRED);
    let a = Req::new("PUT", "/collections/households/items/h7")
        .user("officer")
        .header("if-match", &tag)
        .json(&changed)
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    let new_tag = a.header("etag").unwrap();
    assert_ne!(new_tag, tag);
    // A second officer still holding the first version is refused and changes nothing.
    let mut other = new_household();
    other["properties"]["members"] = json!(9);
    let a = Req::new("PUT", "/collections/households/items/h7")
        .user("officer")
        .header("if-match", &tag)
        .json(&other)
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED, "{}", a.json());
    assert_eq!(
        s.dataset().households.get("h7").unwrap().properties["members"],
        4
    );

    let a = Req::new("PATCH", "/collections/households/items/h7")
        .user("officer")
        .header("if-match", &new_tag)
        .json(&json!({"properties": {"water_status": "maybe"}}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.json());
    assert!(a.json()["error"].as_str().unwrap().contains("water_status"));
    let a = Req::new("PATCH", "/collections/households/items/h7")
        .user("officer")
        .header("if-match", &new_tag)
        .json(&json!({"properties": {"water_status": "registered", "members": null}}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    assert_eq!(a.json()["properties"]["water_status"], "registered");
    assert!(a.json()["properties"].get("members").is_none());

    let a = Req::new("DELETE", "/collections/households/items/h1")
        .user("officer")
        .header("if-match", "*")
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.json());
    assert!(
        a.json()["error"]
            .as_str()
            .unwrap()
            .contains("owns parcel `p2`")
    );
    let a = Req::new("DELETE", "/collections/households/items/h7")
        .user("officer")
        .header("if-match", &a_tag(&s, "h7"))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert!(s.dataset().households.get("h7").is_none());
}

fn a_tag(s: &AppState, id: &str) -> String {
    format!("\"{}\"", s.dataset().households.get(id).unwrap().version())
}

#[tokio::test]
async fn one_step_changes_and_history() {
    let dir = copy_fixture("small", "steps");
    let s = disk_state(&dir);
    // Dated today, so that the steps and the saves fall in one month of the report.
    let today = vietnam_day(0);
    let a = Req::post("/api/canals/c2/status")
        .user("officer")
        .json(&json!({"status": "under_construction", "date": today}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    assert_eq!(a.json()["properties"]["status"], "under_construction");
    let a = Req::post("/api/canals/c2/status")
        .user("officer")
        .json(&json!({"status": "done", "date": "2026-11-02"}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = Req::post("/api/parcels/p1/clearance")
        .user("officer")
        .json(&json!({"status": "agreed", "date": "2026-13-40"}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.json());
    assert!(a.json()["error"].as_str().unwrap().contains("not a date"));
    let a = Req::post("/api/parcels/p1/clearance")
        .user("officer")
        .json(&json!({"status": "agreed", "date": today}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    for _ in 0..2 {
        let a = Req::post("/api/households/h5/contributions")
            .user("officer")
            .json(&json!({"kind": "labour", "amount": 1.5, "state": "done"}))
            .send(&s)
            .await;
        assert_eq!(a.status, StatusCode::OK);
    }
    // h5 had 3 labour days done in the fixture; 3 + 1.5 + 1.5 = 6.
    assert_eq!(
        s.dataset().households.get("h5").unwrap().properties["labour_done_days"],
        6.0
    );
    let a = Req::post("/api/households/h5/contributions")
        .user("officer")
        .json(&json!({"kind": "labour", "amount": -1, "state": "done"}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = Req::post("/api/households/h6/water")
        .user("officer")
        .json(&json!({"status": "registered", "date": today}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK);

    let a = Req::get("/api/history").send(&s).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = Req::get("/api/history").user("viewer").send(&s).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["numberMatched"], 5);
    let newest = &a.json()["entries"][0];
    assert_eq!(newest["user"], "officer");
    assert_eq!(newest["id"], "h6");
    assert!(newest["changes"].as_array().unwrap().contains(
        &json!({"property": "water_status", "from": "not_registered", "to": "registered"})
    ));
    let a = Req::get("/collections/canals/items/c2/history")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(a.json()["numberMatched"], 1);
    assert!(
        a.json()["entries"][0]["changes"]
            .as_array()
            .unwrap()
            .contains(
                &json!({"property": "status", "from": "planned", "to": "under_construction"})
            )
    );

    // The month's progress, by hand: c2 (105.1525 m by pyproj Geod, see tests/api.rs) went
    // under construction; p1 reached `agreed`; h5 gained 3 labour days done; h6 registered,
    // so 3 of 5 dwellings are registered (the fixture starts at 2 of 5).
    let a = Req::get("/api/reports/monthly-progress").send(&s).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    assert_eq!(a.json()["water_rate_at_start"], 0.4);
    let body = a.json();
    let months = body["months"].as_array().unwrap();
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
    let again = disk_state(&dir);
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
    let dir = copy_fixture("small", "concurrent");
    let s = disk_state(&dir);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let a = Req::post("/api/households/h6/contributions")
                    .user("officer")
                    .json(&json!({"kind": "money", "amount": 1000, "state": "done"}))
                    .send(&s)
                    .await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.json());
            } else {
                let a = Req::get("/api/reports/water-connection").send(&s).await;
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
    let dir = copy_fixture("small", "session");
    let s = disk_state(&dir);
    let a = Req::post("/api/session")
        .json(&json!({"name": "officer", "password": "nope"}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = Req::post("/api/session")
        .json(&json!({"name": "officer", "password": PASSWORD}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let token = a.json()["token"].as_str().unwrap().to_owned();
    let body = Req::get("/api/session")
        .header("authorization", &format!("Bearer {token}"))
        .send(&s)
        .await
        .json();
    assert_eq!(body, json!({"name": "officer", "role": "officer"}));
    // The token is not stored anywhere on disk.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        assert!(!text.contains(&token));
    }
    let a = Req::post("/api/users")
        .user("officer")
        .json(&json!({"name": "lan", "role": "viewer", "password": "đủ dài rồi"}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = Req::post("/api/users")
        .user("admin")
        .json(&json!({"name": "lan", "role": "viewer", "password": "đủ dài rồi"}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json());
    let a = Req::get("/api/users").user("admin").send(&s).await;
    assert!(
        a.json()["users"]
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

    let dir = copy_fixture("small", "months");
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
                request: None,
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

    let s = disk_state(&dir);
    let a = Req::get("/api/reports/monthly-progress").send(&s).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    let r = &a.json();
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
    let a = Req::get("/api/history?id=h4").user("viewer").send(&s).await;
    assert_eq!(a.json()["entries"][0]["date"], "2026-10-15");
    let a = Req::get("/api/history?id=h5").user("viewer").send(&s).await;
    assert_eq!(a.json()["entries"][0]["date"], Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_contribution_carries_its_date() {
    let dir = copy_fixture("small", "contribution-date");
    let s = disk_state(&dir);
    let a = Req::post("/api/households/h4/contributions")
        .user("officer")
        .json(&json!({"kind": "money", "amount": 200000, "state": "done", "date": "2026-10-15"}))
        .send(&s)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    // 300 000 in the fixture + 200 000.
    assert_eq!(a.json()["properties"]["money_paid_vnd"], 500000.0);
    assert_eq!(a.json()["properties"]["contribution_date"], "2026-10-15");

    // No date: today in Vietnam.
    let before = vietnam_day(0);
    let a = Req::post("/api/households/h5/contributions")
        .user("officer")
        .json(&json!({"kind": "labour", "amount": 1.5, "state": "pledged"}))
        .send(&s)
        .await;
    let after = vietnam_day(0);
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    let given = a.json()["properties"]["contribution_date"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(given == before || given == after, "{given}");

    // The public never sees it: households show only their village and water status.
    let a = Req::get("/collections/households/items/h4").send(&s).await;
    assert_eq!(a.json()["properties"].get("contribution_date"), None);

    let a = Req::get("/api/history").user("viewer").send(&s).await;
    assert_eq!(a.json()["entries"][0]["date"], given);
    assert_eq!(a.json()["entries"][1]["date"], "2026-10-15");
    assert!(
        a.json()["entries"][1]["changes"]
            .as_array()
            .unwrap()
            .contains(&json!({"property": "contribution_date", "from": null, "to": "2026-10-15"}))
    );

    // The money counts in October, when it was paid; the labour in this month, both
    // edits were saved in this month.
    let a = Req::get("/api/reports/monthly-progress").send(&s).await;
    let body = a.json();
    let months = body["months"].as_array().unwrap();
    assert_eq!(months.len(), 2, "{body}");
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
    let dir = copy_fixture("small", "bad-dates");
    let s = disk_state(&dir);
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
        let a = Req::post("/api/households/h4/contributions")
            .user("officer")
            .json(&json!({"kind": "labour", "amount": 1, "state": "done", "date": date}))
            .send(&s)
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date}: {}",
            a.json()
        );
        let body = a.json();
        let msg = body["error"].as_str().unwrap();
        assert!(msg.starts_with(&format!("date `{date}` ")), "{msg}");
        assert!(msg.contains(why), "{date}: {msg}");
    }
    // A date that is not a string at all.
    let a = Req::post("/api/households/h4/contributions")
        .user("officer")
        .json(&json!({"kind": "labour", "amount": 1, "state": "done", "date": 20261015}))
        .send(&s)
        .await;
    assert!(
        [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY].contains(&a.status),
        "{}",
        a.json()
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
        let a = Req::post(uri).user("officer").json(&body).send(&s).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri}: {}",
            a.json()
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
