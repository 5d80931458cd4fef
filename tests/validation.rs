//! Every way of writing refuses data that would make the analyses wrong, with a 422 that
//! names the field and the rule, and stores nothing: the findings of the hardening
//! review, each through the path it was found on.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use common::{Req, copy_fixture, disk_state};
use drainplan::api::AppState;
use serde_json::{Value, json};

const P1_RING: [[f64; 2]; 5] = [
    [105.7008, 19.22035],
    [105.7012, 19.22035],
    [105.7012, 19.22049],
    [105.7008, 19.22049],
    [105.7008, 19.22035],
];

fn journal_len(dir: &std::path::Path) -> usize {
    std::fs::read_to_string(dir.join("journal.ndjson"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

async fn item(state: &AppState, path: &str) -> (Value, String) {
    let r = Req::get(path).user("officer").send(state).await;
    (r.json(), r.header("etag").unwrap_or_default())
}

/// Sends a write and checks it is refused as `field`/`rule` with nothing stored.
async fn refused(
    state: &AppState,
    dir: &std::path::Path,
    method: &str,
    path: &str,
    body: Value,
    field: &str,
    rule: &str,
) {
    let watched = [
        "/collections/parcels/items/p1",
        "/collections/parcels/items/p2",
        "/collections/canals/items/c1",
        "/collections/households/items/h1",
    ];
    let mut before = Vec::new();
    for w in watched {
        before.push(item(state, w).await.0);
    }
    let lines = journal_len(dir);
    let mut req = Req::new(method, path).user("officer").json(&body);
    if method == "PUT" || method == "PATCH" {
        let (_, tag) = item(state, path).await;
        req = req.header("if-match", &tag);
    }
    let r = req.send(state).await;
    let answer = r.json();
    assert_eq!(r.status, 422, "{method} {path} {body}: {answer}");
    assert_eq!(answer["field"], field, "{method} {path} {body}: {answer}");
    assert_eq!(answer["rule"], rule, "{method} {path} {body}: {answer}");
    assert_eq!(
        journal_len(dir),
        lines,
        "{body}: a refused write was journalled"
    );
    for (w, b) in watched.iter().zip(before) {
        assert_eq!(item(state, w).await.0, b, "{body}: {w} changed");
    }
}

fn parcel(id: &str, ring: Value, props: Value) -> Value {
    let mut p = json!({"map_sheet": 7, "parcel_no": 99, "land_use": "ONT", "village_id": "vil-a",
        "clearance_status": "awaiting"});
    for (k, v) in props.as_object().unwrap() {
        p[k] = v.clone();
    }
    json!({"type": "Feature", "id": id, "geometry": {"type": "Polygon", "coordinates": ring}, "properties": p})
}

#[tokio::test]
async fn bad_geometries_are_refused_on_every_path() {
    let dir = copy_fixture("small", "validation-geometry");
    let state = disk_state(&dir);
    // East of the village, clear of the three parcels.
    let free = json!([[
        [105.7001, 19.2201],
        [105.7003, 19.2201],
        [105.7003, 19.2203],
        [105.7001, 19.2203],
        [105.7001, 19.2201]
    ]]);
    let cases = [
        // The bowtie of the review: two triangles meeting at the centre.
        (
            json!([[
                [105.7001, 19.2201],
                [105.7003, 19.2203],
                [105.7003, 19.2201],
                [105.7001, 19.2203],
                [105.7001, 19.2201]
            ]]),
            "geometry",
        ),
        // A hole outside its shell.
        (
            json!([
                [
                    [105.7001, 19.2201],
                    [105.7003, 19.2201],
                    [105.7003, 19.2203],
                    [105.7001, 19.2203],
                    [105.7001, 19.2201]
                ],
                [
                    [105.7004, 19.2201],
                    [105.7005, 19.2201],
                    [105.7005, 19.2202],
                    [105.7004, 19.2201]
                ]
            ]),
            "geometry",
        ),
        // Not closed.
        (
            json!([[
                [105.7001, 19.2201],
                [105.7003, 19.2201],
                [105.7003, 19.2203],
                [105.7001, 19.2203]
            ]]),
            "geometry",
        ),
        // No area: corners on one line.
        (
            json!([[
                [105.7001, 19.2201],
                [105.7002, 19.2201],
                [105.7003, 19.2201],
                [105.7001, 19.2201]
            ]]),
            "geometry",
        ),
        // Over parcel p1 (the review's overlapping parcels made a route take more than
        // its corridor).
        (json!([P1_RING]), "overlap"),
    ];
    for (ring, rule) in cases {
        let new = parcel("p9", ring.clone(), json!({}));
        refused(
            &state,
            &dir,
            "POST",
            "/collections/parcels/items",
            new,
            "geometry",
            rule,
        )
        .await;
        let mut p2 = item(&state, "/collections/parcels/items/p2").await.0;
        // Served as a MultiPolygon; the PUT sends the bad ring as a Polygon.
        p2["geometry"] = json!({"type": "Polygon", "coordinates": ring.clone()});
        p2.as_object_mut().unwrap().remove("links");
        refused(
            &state,
            &dir,
            "PUT",
            "/collections/parcels/items/p2",
            p2,
            "geometry",
            rule,
        )
        .await;
        refused(
            &state,
            &dir,
            "PATCH",
            "/collections/parcels/items/p2",
            json!({"geometry": {"type": "Polygon", "coordinates": ring}}),
            "geometry",
            rule,
        )
        .await;
    }
    // The same parcel where nothing else is: accepted.
    let r = Req::post("/collections/parcels/items")
        .user("officer")
        .json(&parcel("p9", free, json!({})))
        .send(&state)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_properties_are_refused_with_the_field_and_rule() {
    let dir = copy_fixture("small", "validation-properties");
    let state = disk_state(&dir);
    let patch = |props: Value| json!({"properties": props});
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "/collections/parcels/items/p1",
            patch(json!({"area_legal_m2": "big"})),
            "properties.area_legal_m2",
            "type",
        ),
        (
            "/collections/parcels/items/p1",
            patch(json!({"area_legal_m2": -10})),
            "properties.area_legal_m2",
            "range",
        ),
        (
            "/collections/parcels/items/p1",
            patch(json!({"village_id": "vil-zz"})),
            "properties.village_id",
            "reference",
        ),
        (
            "/collections/parcels/items/p2",
            patch(json!({"parcel_no": 12})),
            "properties.parcel_no",
            "duplicate",
        ),
        (
            "/collections/parcels/items/p1",
            patch(json!({"clearance_date": "2099-01-01"})),
            "properties.clearance_date",
            "date",
        ),
        (
            "/collections/parcels/items/p1",
            patch(json!({"sheet": 5})),
            "properties.sheet",
            "unknown",
        ),
        (
            "/collections/canals/items/c1",
            patch(json!({"width_m": "wide"})),
            "properties.width_m",
            "type",
        ),
        (
            "/collections/canals/items/c1",
            patch(json!({"width_m": -5})),
            "properties.width_m",
            "range",
        ),
        (
            "/collections/canals/items/c1",
            patch(json!({"status_date": "2099-12-31"})),
            "properties.status_date",
            "date",
        ),
        (
            "/collections/canals/items/c1",
            patch(json!({"village_id": "nowhere"})),
            "properties.village_id",
            "reference",
        ),
        (
            "/collections/households/items/h1",
            patch(json!({"members": -3})),
            "properties.members",
            "range",
        ),
        (
            "/collections/households/items/h1",
            patch(json!({"members": "four"})),
            "properties.members",
            "type",
        ),
        (
            "/collections/households/items/h1",
            patch(json!({"members": 2.5})),
            "properties.members",
            "type",
        ),
        (
            "/collections/households/items/h1",
            patch(json!({"water_date": "2099-05-01"})),
            "properties.water_date",
            "date",
        ),
        (
            "/collections/households/items/h1",
            patch(json!({"village_id": "vil-zz"})),
            "properties.village_id",
            "reference",
        ),
    ];
    for (path, body, field, rule) in cases {
        refused(&state, &dir, "PATCH", path, body.clone(), field, rule).await;
        // The same change as a whole replacement.
        let mut whole = item(&state, path).await.0;
        whole.as_object_mut().unwrap().remove("links");
        if let Some(props) = whole["properties"].as_object_mut() {
            props.remove("length_m");
            for (k, v) in body["properties"].as_object().unwrap() {
                props.insert(k.clone(), v.clone());
            }
        }
        refused(&state, &dir, "PUT", path, whole, field, rule).await;
    }
    // A new household in a village that does not exist.
    refused(&state, &dir, "POST", "/collections/households/items",
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [105.7011, 19.2211]},
            "properties": {"head": "Lê Văn Tám", "village_id": "vil-zz", "water_status": "not_registered"}}),
        "properties.village_id", "reference").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_corridor_width_sent_as_text_is_refused() {
    let dir = copy_fixture("small", "validation-width");
    let state = disk_state(&dir);
    for (width, rule) in [
        (json!("6"), "type"),
        (json!(-1), "range"),
        (json!(true), "type"),
    ] {
        let r = Req::post("/api/analyses/route-impact")
            .json(&json!({"route": {"type": "LineString", "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]},
                "corridor_width_m": width}))
            .send(&state)
            .await;
        assert_eq!(r.status, 422, "{width}: {}", r.text());
        assert_eq!(r.json()["field"], "corridor_width_m");
        assert_eq!(r.json()["rule"], rule);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
