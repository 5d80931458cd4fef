//! What the public can learn: nothing about a hidden field, through the body or through
//! a header. (The body's redaction is tested in tests/roles.rs and tests/ogc_api.rs.)

mod common;

use common::{Req, copy_fixture, disk_state};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The public ETag of an item, and its body.
async fn public_item(state: &drainplan::api::AppState, uri: &str) -> (String, Vec<u8>) {
    let r = Req::get(uri).send(state).await;
    assert_eq!(r.status, 200, "{}", r.text());
    (r.header("etag").expect("an ETag"), r.bytes)
}

async fn officer_patch(state: &drainplan::api::AppState, uri: &str, props: serde_json::Value) {
    let tag = Req::get(uri)
        .user("officer")
        .send(state)
        .await
        .header("etag")
        .expect("an ETag for the officer");
    let r = Req::new("PATCH", uri)
        .user("officer")
        .header("if-match", &tag)
        .json(&json!({ "properties": props }))
        .send(state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn a_hidden_field_never_changes_the_public_etag() {
    let dir = copy_fixture("small", "etag");
    let state = disk_state(&dir);
    for (uri, hidden, visible) in [
        (
            "/collections/households/items/h1",
            json!({"head": "Trần Văn Khác", "members": 7, "dwelling_id": "d2"}),
            json!({"water_status": "connected"}),
        ),
        (
            "/collections/parcels/items/p1",
            json!({"owner_household": "h2"}),
            json!({"clearance_status": "donated"}),
        ),
    ] {
        let (before, body) = public_item(&state, uri).await;
        // The tag is a digest of the bytes received and of nothing else, so that it can
        // be recomputed from them, and no candidate value of a hidden field can be tried
        // against it: `"r-` + the first 16 bytes of SHA-256(body) in hex + `"`.
        let digest = Sha256::digest(&body);
        assert_eq!(
            before,
            format!("\"r-{}\"", hex::encode(&digest[..16])),
            "{uri}"
        );

        officer_patch(&state, uri, hidden).await;
        let (after, body_after) = public_item(&state, uri).await;
        assert_eq!(
            after, before,
            "{uri}: a hidden change moved the public ETag"
        );
        assert_eq!(body_after, body, "{uri}");

        officer_patch(&state, uri, visible).await;
        let (changed, _) = public_item(&state, uri).await;
        assert_ne!(
            changed, before,
            "{uri}: a visible change must move the public ETag"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_public_etag_is_refused_as_a_precondition() {
    // An officer who read the feature anonymously has not seen all of it: the tag of the
    // redacted answer does not name a version of the feature.
    let dir = copy_fixture("small", "etag-public-if-match");
    let state = disk_state(&dir);
    let (public_tag, _) = public_item(&state, "/collections/households/items/h1").await;
    let r = Req::new("PATCH", "/collections/households/items/h1")
        .user("officer")
        .header("if-match", &public_tag)
        .json(&json!({"properties": {"members": 4}}))
        .send(&state)
        .await;
    assert_eq!(r.status, 412, "{}", r.text());
    // A viewer's tag is the feature's version, and works.
    let viewer_tag = Req::get("/collections/households/items/h1")
        .user("viewer")
        .send(&state)
        .await
        .header("etag")
        .unwrap();
    assert_ne!(viewer_tag, public_tag);
    let r = Req::new("PATCH", "/collections/households/items/h1")
        .user("officer")
        .header("if-match", &viewer_tag)
        .json(&json!({"properties": {"members": 4}}))
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The campaign's people and tasks: no name, phone or task title reaches the public
/// through any GET of the API (every path of the OpenAPI document, with the task, the
/// layers and the text exports filled in), and the routes that carry them answer 401.
#[tokio::test]
async fn the_public_reads_no_name_or_task_title_through_any_endpoint() {
    let state = common::memory_state("campaign");
    let reg = state.register().snapshot();
    let mut secrets: Vec<String> = Vec::new();
    for p in reg.records("people") {
        for field in ["name", "phone"] {
            if let Some(s) = p.value[field].as_str() {
                secrets.push(s.to_owned());
            }
        }
    }
    for t in reg.records("tasks") {
        secrets.push(t.value["title"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        secrets.len(),
        3 + 2 + 6,
        "names, phones and titles of the fixture"
    );
    // A viewer does read them: the check below can fail.
    let r = Req::get("/api/tasks").user("viewer").send(&state).await;
    assert!(r.text().contains(&secrets[secrets.len() - 1]));

    let doc = Req::get("/api/openapi.json").send(&state).await.json();
    let mut uris = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if ops.get("get").is_none() {
            continue;
        }
        let collections: &[&str] = if path.contains("{collectionId}") {
            &["villages", "canals", "parcels", "flood_zones", "households"]
        } else {
            &[""]
        };
        for c in collections {
            let uri = path
                .replace("{collectionId}", c)
                .replace("{featureId}", "p1")
                .replace("{canalId}", "c1")
                .replace("{parcelId}", "p1")
                .replace("{householdId}", "h1")
                .replace("{name}", "viewer")
                .replace("{id}", "t-clear")
                .replace("{sha256}", &"0".repeat(64));
            uris.push(uri.clone());
            if uri.starts_with("/api/export/") {
                for format in ["csv", "geojson", "kml"] {
                    uris.push(format!("{uri}?format={format}"));
                }
            }
        }
    }
    uris.push("/api/tasks/summary?at=2023-12-31".into());
    uris.push("/api/tasks?at=2023-12-31".into());
    assert!(uris.len() > 30, "{uris:?}");
    for uri in &uris {
        let r = Req::get(uri).send(&state).await;
        let text = String::from_utf8_lossy(&r.bytes);
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{uri} shows {s} to the public");
        }
    }
    for uri in [
        "/api/people",
        "/api/tasks",
        "/api/tasks/t-clear",
        "/api/tasks/t-clear/history",
    ] {
        assert_eq!(Req::get(uri).send(&state).await.status, 401, "{uri}");
    }
}
