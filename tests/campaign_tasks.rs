//! The campaign's people and tasks: progress measured on the linked features, flags at
//! given dates, validation, and the HTTP routes (roles, ETag/If-Match, history, the
//! public summary), on tests/fixtures/campaign.
//!
//! The fixture is tests/fixtures/small with dates and three more lots:
//! - canals c1 completed 2023-05-18, c2 planned, c3 completed 2024-02-01; their geodesic
//!   lengths from PROJ's `geod +ellps=WGS84 -I` (Karney): c1 210.304 m, c2 105.153 m,
//!   c3 52.576 m;
//! - lots p1 awaiting (wall, gate), p2 donated 2023-06-10 (nothing), p4 cleared
//!   2023-11-20 (wall, gate), p5 cleared 2024-01-20 (fence), p6 compensated, undated
//!   (hedge, gate);
//! - Thôn A's dwellings d1 (h1, h2: registered 2023-03-01), d2 (h3: not registered), d3
//!   (h4: connected 2024-01-05); Thôn B's d4 (h5) and d5 (h6) not registered.

mod common;

use std::path::Path;

use approx::assert_relative_eq;
use common::{Req, copy_fixture, disk_state, memory_state};
use drainplan::campaign::register::Register;
use drainplan::campaign::tasks::{self, Flag, TaskView};
use drainplan::store::Dataset;
use serde_json::{Value, json};
use time::Date;
use time::macros::date;

fn fixture() -> (Register, Dataset) {
    let dir = Path::new("tests/fixtures/campaign");
    (
        Register::load_in_memory(dir).expect("the register"),
        Dataset::load(dir).expect("the layers"),
    )
}

fn views_at(at: Date) -> Vec<TaskView> {
    let (reg, data) = fixture();
    tasks::evaluate_all(&reg.snapshot(), &data, at).expect("the tasks")
}

fn view<'a>(views: &'a [TaskView], id: &str) -> &'a TaskView {
    views.iter().find(|v| v.task.id == id).expect("the task")
}

#[test]
fn progress_is_measured_on_the_linked_features_at_a_date() {
    let end_2023 = views_at(date!(2023 - 12 - 31));
    // Canal metres: c1 + c2 + c3 in all; c1 done (c3's completion is dated 2024-02-01).
    let p = view(&end_2023, "t-canal").progress.clone().unwrap();
    assert_eq!(p.unit, "m");
    assert_relative_eq!(p.total, 210.304 + 105.153 + 52.576, epsilon = 0.01);
    assert_relative_eq!(p.done, 210.304, epsilon = 0.01);
    // 210.304 / 368.033
    assert_relative_eq!(p.share, 0.5714, epsilon = 0.0001);
    // Parcels handed over: p2 (donated), p4 (cleared), p6 (compensated, undated) of five;
    // p5's clearance is dated 2024-01-20.
    let p = view(&end_2023, "t-clear").progress.clone().unwrap();
    assert_eq!((p.done, p.total, p.unit), (3.0, 5.0, "parcels"));
    // Fences and gates: p1 wall + gate, p4 wall + gate, p5 fence, p6 gate (a hedge is not
    // rebuilt) = 6; standing again on the cleared p4 = 2.
    let p = view(&end_2023, "t-fence").progress.clone().unwrap();
    assert_eq!((p.done, p.total, p.unit), (2.0, 6.0, "fences"));
    // Water: Thôn A has 3 dwellings; 35 % of 3 = 1.05, so 2 to register; d1 registered.
    let p = view(&end_2023, "t-water").progress.clone().unwrap();
    assert_eq!((p.done, p.total, p.unit), (1.0, 2.0, "dwellings"));
    // A group of h3, h4, h5 (dwellings d2, d3, d4), target 2: none registered yet.
    let p = view(&end_2023, "t-water-group").progress.clone().unwrap();
    assert_eq!((p.done, p.total), (0.0, 2.0));
    assert!(view(&end_2023, "t-meeting").progress.is_none());

    let feb_2024 = views_at(date!(2024 - 02 - 01));
    let p = view(&feb_2024, "t-canal").progress.clone().unwrap();
    assert_relative_eq!(p.done, 210.304 + 52.576, epsilon = 0.01);
    let p = view(&feb_2024, "t-clear").progress.clone().unwrap();
    assert_eq!(p.done, 4.0);
    let p = view(&feb_2024, "t-fence").progress.clone().unwrap();
    assert_eq!(p.done, 3.0);
    let p = view(&feb_2024, "t-water").progress.clone().unwrap();
    assert_eq!((p.done, p.share), (2.0, 1.0));
    let p = view(&feb_2024, "t-water-group").progress.clone().unwrap();
    assert_eq!(p.done, 1.0);
    // The box of the canal task: c1, c2, c3 together.
    assert_eq!(
        view(&feb_2024, "t-canal").bbox,
        Some([105.7005, 19.2205, 105.703, 19.2215])
    );
}

#[test]
fn flags_at_given_dates() {
    let flags = |at: Date| -> Vec<(String, Flag)> {
        views_at(at)
            .into_iter()
            .map(|v| (v.task.id, v.flag))
            .collect()
    };
    let f = |at: Date, id: &str| {
        flags(at)
            .into_iter()
            .find(|(i, _)| i == id)
            .map(|(_, f)| f)
            .unwrap()
    };
    // t-canal, 2023-06-01 → 2024-05-31 (365 days): on 2023-12-31, 213 days = 58.4 % of the
    // time, 57.1 % done: behind by 1.3 points, within the 25-point margin.
    assert_eq!(f(date!(2023 - 12 - 31), "t-canal"), Flag::OnTime);
    // On 2024-05-20 (11 days left) 71.4 % done ((210.304 + 52.576) / 368.033) < 80 %.
    assert_eq!(f(date!(2024 - 05 - 20), "t-canal"), Flag::AtRisk);
    // On the deadline it is not yet late; the day after it is.
    assert_eq!(f(date!(2024 - 05 - 31), "t-canal"), Flag::AtRisk);
    assert_eq!(f(date!(2024 - 06 - 01), "t-canal"), Flag::Late);
    // t-clear, deadline 2024-01-10: on 2023-12-31, 10 days left and 60 % done → at risk;
    // before, on 2023-11-01 (31 of 101 days: 30.7 % of the time, 2 of 5 = 40 % done
    // (p5 not yet, p4 not yet)), on time.
    assert_eq!(f(date!(2023 - 12 - 31), "t-clear"), Flag::AtRisk);
    assert_eq!(f(date!(2023 - 11 - 01), "t-clear"), Flag::OnTime);
    assert_eq!(f(date!(2024 - 01 - 11), "t-clear"), Flag::Late);
    // t-fence, 2023-11-01 → 2024-03-31 (151 days): on 2024-03-01 (121 days, 80.1 % of the
    // time) 3 of 6 = 50 % done: 30 points behind, more than 25 → at risk though 30 days
    // are left; on 2024-02-01 (92 days, 60.9 %) 50 % is within the margin.
    assert_eq!(f(date!(2024 - 02 - 01), "t-fence"), Flag::OnTime);
    assert_eq!(f(date!(2024 - 03 - 01), "t-fence"), Flag::AtRisk);
    // Done and cancelled tasks keep their status whatever the date.
    assert_eq!(f(date!(2030 - 01 - 01), "t-water"), Flag::Done);
    assert_eq!(f(date!(2030 - 01 - 01), "t-meeting"), Flag::Cancelled);
}

fn task_body() -> Value {
    json!({
        "title": "Vận động hiến đất lô p1",
        "kind": "clearance",
        "village_id": "vil-a",
        "responsible": "p-2",
        "supporting": ["p-3"],
        "start": "2024-01-01",
        "deadline": "2024-03-31",
        "status": "open",
        "done_on": null,
        "features": [{"collection": "parcels", "id": "p1"}],
        "target": null,
        "note": null
    })
}

#[tokio::test]
async fn bad_tasks_are_refused_with_the_field_named() {
    let state = memory_state("campaign");
    let cases: Vec<(&str, Value, &str)> = vec![
        ("responsible", json!("p-9"), "responsible"),
        ("supporting", json!(["p-3", "p-9"]), "supporting[1]"),
        ("supporting", json!(["p-2"]), "supporting[0]"),
        ("start", json!("2024-02-30"), "start"),
        ("deadline", json!("2023-12-31"), "deadline"),
        ("village_id", json!("vil-x"), "village_id"),
        (
            "features",
            json!([{"collection": "parcels", "id": "p99"}]),
            "features[0]",
        ),
        (
            "features",
            json!([{"collection": "canals", "id": "c1"}]),
            "features[0]",
        ),
        ("features", json!([]), "features"),
        ("status", json!("done"), "done_on"),
        ("done_on", json!("2024-01-05"), "done_on"),
        ("target", json!(5), "target"),
    ];
    for (member, value, field) in cases {
        let mut body = task_body();
        body[member] = value.clone();
        let r = Req::post("/api/tasks")
            .user("officer")
            .json(&body)
            .send(&state)
            .await;
        assert_eq!(r.status, 422, "{member} = {value}: {}", r.text());
        assert_eq!(r.json()["field"], field, "{member} = {value}: {}", r.text());
    }
    // Not the shape of a task at all.
    let mut body = task_body();
    body["colour"] = json!("red");
    let r = Req::post("/api/tasks")
        .user("officer")
        .json(&body)
        .send(&state)
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("colour"), "{}", r.text());
    let mut body = task_body();
    body["kind"] = json!("party");
    let r = Req::post("/api/tasks")
        .user("officer")
        .json(&body)
        .send(&state)
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    // Nothing was stored.
    let r = Req::get("/api/tasks").user("viewer").send(&state).await;
    assert_eq!(r.json()["tasks"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn roles_etags_and_history() {
    let dir = copy_fixture("campaign", "roles-etags");
    let state = disk_state(&dir);
    // Names and titles are for signed-in users.
    for uri in [
        "/api/people",
        "/api/tasks",
        "/api/tasks/t-clear",
        "/api/tasks/t-clear/history",
    ] {
        let r = Req::get(uri).send(&state).await;
        assert_eq!(r.status, 401, "{uri}: {}", r.text());
        assert!(r.json()["error"].is_string());
    }
    let r = Req::post("/api/tasks")
        .json(&task_body())
        .send(&state)
        .await;
    assert_eq!(r.status, 401);
    let r = Req::post("/api/tasks")
        .user("viewer")
        .json(&task_body())
        .send(&state)
        .await;
    assert_eq!(r.status, 403);

    // An officer assigns a task: the next free id, ETag = its version.
    let r = Req::post("/api/tasks")
        .user("officer")
        .json(&task_body())
        .send(&state)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    assert_eq!(created["id"], "t-007");
    assert_eq!(r.header("location").unwrap(), "/api/tasks/t-007");
    let tag = r.header("etag").unwrap();
    assert_eq!(tag, "\"1\"", "the register's first change");

    // Marked done with a stale tag: 412, nothing changes; without one: 428.
    let mut done = created.clone();
    for computed in ["progress", "flag", "version", "at", "days_left", "bbox"] {
        done.as_object_mut().unwrap().remove(computed);
    }
    done["status"] = json!("done");
    done["done_on"] = json!("2024-03-01");
    let r = Req::new("PUT", "/api/tasks/t-007")
        .user("officer")
        .header("if-match", "\"0\"")
        .json(&done)
        .send(&state)
        .await;
    assert_eq!(r.status, 412, "{}", r.text());
    let r = Req::new("PUT", "/api/tasks/t-007")
        .user("officer")
        .json(&done)
        .send(&state)
        .await;
    assert_eq!(r.status, 428, "{}", r.text());
    let r = Req::get("/api/tasks/t-007")
        .user("viewer")
        .send(&state)
        .await;
    assert_eq!(r.json()["status"], "open");

    let r = Req::new("PUT", "/api/tasks/t-007")
        .user("officer")
        .header("if-match", &tag)
        .json(&done)
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("etag").unwrap(), "\"2\"");
    assert_eq!(r.json()["flag"], "done");
    // The same stale tag again: refused.
    let r = Req::new("PUT", "/api/tasks/t-007")
        .user("officer")
        .header("if-match", &tag)
        .json(&task_body())
        .send(&state)
        .await;
    assert_eq!(r.status, 412);

    // History: who changed what.
    let r = Req::get("/api/tasks/t-007/history")
        .user("viewer")
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let h = r.json();
    let changes = h["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["op"], "create");
    assert_eq!(changes[1]["op"], "replace");
    assert_eq!(changes[1]["user"], "officer");
    let fields: Vec<&str> = changes[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["status", "done_on"]);
    assert_eq!(changes[1]["changes"][0]["from"], "open");
    assert_eq!(changes[1]["changes"][0]["to"], "done");

    // The change survives a restart.
    drop(state);
    let state = disk_state(&dir);
    let r = Req::get("/api/tasks/t-007")
        .user("viewer")
        .send(&state)
        .await;
    assert_eq!(r.json()["status"], "done");
    assert_eq!(r.header("etag").unwrap(), "\"2\"");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_list_filters_and_the_public_summary_counts() {
    let state = memory_state("campaign");
    let get = |uri: &str| Req::get(uri).user("viewer").send(&state);
    let ids = |v: &Value| -> Vec<String> {
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = get("/api/tasks?at=2023-12-31").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["at"], "2023-12-31");
    assert_eq!(ids(&r.json()).len(), 6);
    let r = get("/api/tasks?at=2023-12-31&flag=at_risk").await;
    assert_eq!(ids(&r.json()), ["t-clear", "t-water-group"]);
    // p-3 supports t-clear and t-water, answers for t-fence and t-water-group.
    let r = get("/api/tasks?person=p-3").await;
    assert_eq!(
        ids(&r.json()),
        ["t-clear", "t-fence", "t-water", "t-water-group"]
    );
    let r = get("/api/tasks?village=vil-b").await;
    assert_eq!(ids(&r.json()), ["t-meeting"]);
    for bad in [
        "/api/tasks?at=2023-13-01",
        "/api/tasks?flag=soon",
        "/api/tasks?colour=red",
    ] {
        let r = get(bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
    let r = get("/api/people").await;
    assert_eq!(r.json()["people"].as_array().unwrap().len(), 3);

    // The public summary: counts only. At 2023-12-31: t-canal on time, t-clear at risk,
    // t-fence on time (60 of 151 days, 33 % done), t-water done, t-water-group at risk
    // (30 of 90 days elapsed, nothing done: 33 points behind), t-meeting cancelled.
    let r = Req::get("/api/tasks/summary?at=2023-12-31")
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let s = r.json();
    assert_eq!(
        s["total"],
        json!({"tasks": 6, "done": 1, "on_time": 2, "at_risk": 2, "late": 0, "cancelled": 1})
    );
    assert_eq!(s["by_village"]["vil-b"]["cancelled"], 1);
    assert_eq!(s["by_kind"]["water_target"]["tasks"], 2);
    let text = r.text();
    for secret in [
        "Nguyễn Văn Ba",
        "Trần Thị Tư",
        "Lê Văn Năm",
        "Vận động",
        "p-1",
        "0912",
    ] {
        assert!(!text.contains(secret), "the summary shows {secret}");
    }
}
