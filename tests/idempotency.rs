//! `Idempotency-Key` on the editing POSTs: a change sent again with its key (the first
//! answer was lost on a weak connection) is answered with the first outcome and made only
//! once — also after a restart — while another change under the same key, or a key that
//! is not a key, is refused with nothing stored.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use axum::http::StatusCode;
use common::{Req, copy_fixture, disk_state};
use serde_json::json;

const KEY: &str = "5d1c7a52-3f0e-4b8e-9c39-0f6f2b7e1a11";

fn labour(reply: &common::Reply) -> f64 {
    reply.json()["properties"]["labour_done_days"]
        .as_f64()
        .unwrap()
}

async fn history_count(s: &drainplan::api::AppState, id: &str) -> u64 {
    let h = Req::get(&format!("/collections/households/items/{id}/history"))
        .user("viewer")
        .send(s)
        .await;
    h.json()["numberMatched"].as_u64().unwrap()
}

#[tokio::test]
async fn a_contribution_sent_twice_with_its_key_is_stored_once() {
    let dir = copy_fixture("small", "idempotency");
    let s = disk_state(&dir);
    let body = json!({"kind": "labour", "amount": 2.5, "state": "done", "date": "2026-10-15"});
    let send = |key: &'static str, body: serde_json::Value| {
        Req::post("/api/households/h4/contributions")
            .user("officer")
            .header("Idempotency-Key", key)
            .json(&body)
    };

    let first = send(KEY, body.clone()).send(&s).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json());
    // tests/fixtures/small: h4 has done 2 days; 2 + 2.5.
    assert_eq!(labour(&first), 4.5);
    assert_eq!(first.header("idempotent-replayed"), None);

    // Sent again (the answer was lost): the same answer, nothing added.
    let again = send(KEY, body.clone()).send(&s).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.json());
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("etag"), first.header("etag"));
    let stored = Req::get("/collections/households/items/h4")
        .user("officer")
        .send(&s)
        .await;
    assert_eq!(labour(&stored), 4.5);
    assert_eq!(stored.header("etag"), first.header("etag"));
    assert_eq!(history_count(&s, "h4").await, 1);

    // The same key in its quoted (structured-field) form is the same key.
    let quoted = Req::post("/api/households/h4/contributions")
        .user("officer")
        .header("Idempotency-Key", &format!("\"{KEY}\""))
        .json(&body)
        .send(&s)
        .await;
    assert_eq!(
        quoted.header("idempotent-replayed").as_deref(),
        Some("true")
    );

    // The same key for another change: refused, nothing stored.
    let other = send(
        KEY,
        json!({"kind": "labour", "amount": 3, "state": "done", "date": "2026-10-15"}),
    )
    .send(&s)
    .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.json()
    );
    assert!(
        other.json()["error"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{}",
        other.json()
    );
    let other_feature = Req::post("/api/households/h5/contributions")
        .user("officer")
        .header("Idempotency-Key", KEY)
        .json(&body)
        .send(&s)
        .await;
    assert_eq!(other_feature.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(history_count(&s, "h5").await, 0);

    // Keys are each user's own: the admin's request with the same key is a new change.
    let admin = Req::post("/api/households/h4/contributions")
        .user("admin")
        .header("Idempotency-Key", KEY)
        .json(&body)
        .send(&s)
        .await;
    assert_eq!(admin.status, StatusCode::OK, "{}", admin.json());
    assert_eq!(labour(&admin), 7.0);
    assert_eq!(admin.header("idempotent-replayed"), None);

    // Not a key: 400, nothing stored.
    for bad in ["", "has space", &"k".repeat(129), "a/b"] {
        let r = Req::post("/api/households/h4/contributions")
            .user("officer")
            .header("Idempotency-Key", bad)
            .json(&body)
            .send(&s)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", r.json());
        assert!(
            r.json()["error"]
                .as_str()
                .unwrap()
                .contains("Idempotency-Key"),
            "{}",
            r.json()
        );
    }
    assert_eq!(history_count(&s, "h4").await, 2);

    // After a restart the key is remembered (it is in the journal).
    drop(s);
    let s = disk_state(&dir);
    let after_restart = send(KEY, body.clone()).send(&s).await;
    assert_eq!(after_restart.status, StatusCode::OK);
    assert_eq!(
        after_restart.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(after_restart.json(), first.json());
    assert_eq!(after_restart.header("etag"), first.header("etag"));
    let stored = Req::get("/collections/households/items/h4")
        .user("officer")
        .send(&s)
        .await;
    assert_eq!(labour(&stored), 7.0, "2 + 2.5 (officer) + 2.5 (admin)");
    assert_eq!(history_count(&s, "h4").await, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_water_step_sent_again_after_its_version_moved_on_is_answered_not_refused() {
    let dir = copy_fixture("small", "idempotency-water");
    let s = disk_state(&dir);
    let read = Req::get("/collections/households/items/h5")
        .user("officer")
        .send(&s)
        .await;
    let tag = read.header("etag").unwrap();
    let step = || {
        Req::post("/api/households/h5/water")
            .user("officer")
            .header("If-Match", &tag)
            .header("Idempotency-Key", "water-h5-1")
            .json(&json!({"status": "registered", "date": "2026-10-20"}))
    };
    let first = step().send(&s).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json());
    assert_eq!(first.json()["properties"]["water_status"], "registered");
    // The If-Match names the version before the change: without the key this is stale...
    let stale = Req::post("/api/households/h5/water")
        .user("officer")
        .header("If-Match", &tag)
        .json(&json!({"status": "registered", "date": "2026-10-20"}))
        .send(&s)
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    // ...with it, the first answer.
    let again = step().send(&s).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.json());
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json(), first.json());
    let h = Req::get("/collections/households/items/h5/history")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(h.json()["numberMatched"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}
