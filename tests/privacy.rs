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
        (
            "/collections/parcels/items/p2",
            json!({"consent_witness": "Lê Thị Mai", "consent_told_may_refuse": true,
                   "consent_compensation_vnd": 18_500_000, "fence_gate_state": "rebuilt"}),
            json!({"land_use": "CLN"}),
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
                .replace("{sha256}", &"0".repeat(64))
                // The fixture's tile at zoom 14 (lon 105.72, lat 19.21).
                .replace("{z}/{x}/{y}", "14/13003/7300.mvt");
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

#[expect(clippy::unwrap_used, reason = "a zip the service wrote must open")]
/// Every text an answer carries: its bytes, and the files inside it when it is a zip (a
/// shapefile, a workbook, the dossier), whose deflated text a plain search would miss.
fn readable(bytes: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    if bytes.starts_with(b"PK")
        && let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes))
    {
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut inner = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut inner).unwrap();
            text.push_str(&readable(&inner));
        }
    }
    text
}

#[tokio::test]
async fn the_public_reads_no_consent_record_or_scan_through_any_get() {
    let state = common::memory_state("small");
    // A donation with its whole consent record and a scan, recorded by an officer.
    let scan = b"%PDF-1.4\n% consent of parcel p2 GPMB-SECRET-SCAN\n".to_vec();
    let r = Req::post("/api/attachments")
        .user("officer")
        .header("content-type", "application/pdf")
        .body(scan.clone())
        .send(&state)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let sha = r.json()["sha256"].as_str().unwrap().to_owned();
    let record = json!({
        "told_may_refuse": true, "compensation_vnd": 123_456_789, "told_on": "2026-10-02",
        "told_by": "Do Van Bao Tin", "witness": "Le Thi Mai Chung",
        "witness_role": "Chief Witness Role", "document_ref": "GPMB-A-2026/777",
        "scan_sha256": sha, "consent_date": "2026-10-09", "fence_gate_state": "rebuilding",
    });
    let r = Req::post("/api/parcels/p2/consent")
        .user("officer")
        .json(&record)
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Plain ASCII, so that they are found in every format (DXF escapes other letters).
    let secrets = [
        "Do Van Bao Tin",
        "Le Thi Mai Chung",
        "Chief Witness Role",
        "GPMB-A-2026/777",
        "123456789",
        "GPMB-SECRET-SCAN",
        sha.as_str(),
    ];

    // Every GET of the API document, with each layer, the donating parcel, each export
    // format and each report as a workbook.
    let doc = Req::get("/api/openapi.json").send(&state).await.json();
    let layers = [
        "villages",
        "canals",
        "parcels",
        "flood_zones",
        "households",
        "catchments",
    ];
    let mut uris = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if ops.get("get").is_none() {
            continue;
        }
        let filled = path
            .replace("{featureId}", "p2")
            .replace("{canalId}", "c2")
            .replace("{parcelId}", "p2")
            .replace("{householdId}", "h1")
            .replace("{sha256}", &sha)
            .replace("{z}/{x}/{y}", "14/13003/7300.mvt")
            .replace("{name}", "viewer");
        let each: Vec<String> = if filled.contains("{collectionId}") {
            layers
                .iter()
                .map(|l| filled.replace("{collectionId}", l))
                .collect()
        } else {
            vec![filled]
        };
        for uri in each {
            if uri.starts_with("/api/export/") || uri.starts_with("/api/dossier/") {
                for f in ["geojson", "csv", "kml", "shp", "gpkg", "dxf"] {
                    uris.push(format!("{uri}?format={f}"));
                }
            }
            if uri.starts_with("/api/reports/") {
                uris.push(format!("{uri}?format=xlsx"));
            }
            if uri.starts_with("/collections/") && uri.ends_with("/items") {
                uris.push(format!("{uri}?limit=1000"));
            }
            uris.push(uri);
        }
    }
    assert!(uris.len() > 60, "{}", uris.len());
    let mut answered = 0;
    for uri in &uris {
        let r = Req::get(uri).send(&state).await;
        let text = readable(&r.bytes);
        for s in &secrets {
            assert!(
                !text.contains(s),
                "GET {uri} ({}) shows `{s}` to the public",
                r.status
            );
        }
        answered += usize::from(r.status == 200);
    }
    assert!(answered > 40, "only {answered} answers to check");
    // The scan is refused outright, not served empty.
    let r = Req::get(&format!("/api/attachments/{sha}"))
        .send(&state)
        .await;
    assert_eq!(r.status, 401);

    // A viewer reads them where they belong: the test would see a leak.
    for (uri, shows) in [
        (
            "/collections/parcels/items/p2".to_owned(),
            "Le Thi Mai Chung",
        ),
        (
            "/api/export/parcels?format=csv".to_owned(),
            "GPMB-A-2026/777",
        ),
        ("/api/reports/donations".to_owned(), "Do Van Bao Tin"),
        (format!("/api/attachments/{sha}"), "GPMB-SECRET-SCAN"),
    ] {
        let r = Req::get(&uri).user("viewer").send(&state).await;
        assert_eq!(r.status, 200, "{uri}: {}", r.text());
        assert!(
            readable(&r.bytes).contains(shows),
            "{uri}: viewer does not see {shows}"
        );
    }
}
