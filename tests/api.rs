//! The reports and analyses over HTTP, through `oneshot`, on the hand-made data set in
//! tests/fixtures/small: two 0.002° × 0.002° villages side by side (A west, B east of
//! lon 105.702), a completed canal c1 along lat 19.221 from lon 105.701 to 105.703 (half in
//! each village), a planned canal c2 along lat 19.2205 from lon 105.7005 to 105.7015, two
//! lots either side of c2, a flood zone over lon 105.7000–105.70105, lat 19.2200–19.2210,
//! and six households.
//!
//! Expected numbers were computed independently with pyproj 3 / PROJ 9.1 and shapely 1.8
//! (GEOS) in Debian 12's python3:
//! - lengths: `Geod(ellps="WGS84").line_length(lons, lats)`;
//! - areas: both polygons and the route transformed with
//!   `Transformer.from_crs("EPSG:4326", "EPSG:9208", always_xy=True)`, the corridor
//!   `route.buffer(3, cap_style=2, join_style=1, resolution=64)`, then
//!   `parcel.intersection(corridor).area`.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use approx::assert_relative_eq;
use axum::http::{StatusCode, header};
use common::{Req, basic_with, shared_memory_state};
use serde_json::{Value, json};

const C1_LENGTH_M: f64 = 210.304_449_58;
const C1_HALF_M: f64 = 105.152_224_79;
const C2_LENGTH_M: f64 = 105.152_542_80;
const P1_TAKEN_M2: f64 = 79.621_709_15;
const P2_TAKEN_M2: f64 = 79.627_029_54;
const P1_AREA_M2: f64 = 651.856_141_03;
const P1_FRONTAGE_M: f64 = 42.061_019_67;
const C2_IN_FLOOD_ZONE_M: f64 = 57.833_898_54;

fn c2_route() -> Value {
    json!({"type": "LineString", "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]})
}

#[tokio::test]
async fn canal_length_by_status() {
    let s = shared_memory_state("small");
    let r = Req::get("/api/reports/canal-length?by=status")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/json");
    let body = r.json();
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["status"], "completed");
    assert!(rows[0].get("village").is_none());
    assert_relative_eq!(
        rows[0]["length_m"].as_f64().unwrap(),
        C1_LENGTH_M,
        epsilon = 0.01
    );
    assert_eq!(rows[1]["status"], "planned");
    assert_relative_eq!(
        rows[1]["length_m"].as_f64().unwrap(),
        C2_LENGTH_M,
        epsilon = 0.01
    );
    assert_relative_eq!(
        body["total_length_m"].as_f64().unwrap(),
        C1_LENGTH_M + C2_LENGTH_M,
        epsilon = 0.01
    );
}

#[tokio::test]
async fn canal_length_splits_a_canal_at_the_village_boundary() {
    let s = shared_memory_state("small");
    let r = Req::get("/api/reports/canal-length?by=status,village")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    let rows: Vec<(String, String, f64)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap().to_owned(),
                r["village"].as_str().unwrap().to_owned(),
                r["length_m"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("completed", "Thôn A")
    );
    assert_relative_eq!(rows[0].2, C1_HALF_M, epsilon = 0.01);
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str()),
        ("completed", "Thôn B")
    );
    assert_relative_eq!(rows[1].2, C1_HALF_M, epsilon = 0.01);
    assert_eq!(
        (rows[2].0.as_str(), rows[2].1.as_str()),
        ("planned", "Thôn A")
    );
    assert_relative_eq!(rows[2].2, C2_LENGTH_M, epsilon = 0.01);
    assert_eq!(body["rows"][0]["village_id"], "vil-a");
}

#[tokio::test]
async fn canal_length_refuses_an_unknown_grouping() {
    let s = shared_memory_state("small");
    let r = Req::get("/api/reports/canal-length?by=owner")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let body = r.json();
    assert!(
        body["error"].as_str().unwrap().contains("by=`owner`"),
        "{body}"
    );
    let r = Req::get("/api/reports/canal-length?bye=status")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let body = r.json();
    assert!(body["error"].as_str().unwrap().contains("bye"), "{body}");
}

#[tokio::test]
async fn water_connection_counts_dwellings() {
    // By hand: A has h1+h2 in d1 (registered), h3 in d2 (not), h4 in d3 (connected):
    // 4 households, 3 dwellings, 2 registered, 1 connected; 35 % of 3 = 1.05 → 2 needed, met.
    // B: 2 households in 2 dwellings, none registered; 35 % of 2 → 1 needed.
    // Commune: 6, 5, 2, 1, rate 0.4; 35 % of 5 = 1.75 → 2 needed, met.
    let s = shared_memory_state("small");
    let r = Req::get("/api/reports/water-connection")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    let a = &body["villages"][0];
    assert_eq!(a["village"], "Thôn A");
    assert_eq!(
        [
            &a["households"],
            &a["dwellings"],
            &a["registered"],
            &a["connected"],
            &a["dwellings_to_target"]
        ],
        [&json!(4), &json!(3), &json!(2), &json!(1), &json!(0)]
    );
    let b = &body["villages"][1];
    assert_eq!(
        (b["dwellings"].as_u64(), b["registered"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(b["dwellings_to_target"], 1);
    let c = &body["commune"];
    assert_eq!(c["village"], "Xã Thử");
    assert_eq!(
        (c["households"].as_u64(), c["dwellings"].as_u64()),
        (Some(6), Some(5))
    );
    assert_relative_eq!(c["rate"].as_f64().unwrap(), 0.4);
    assert_relative_eq!(body["target_rate"].as_f64().unwrap(), 0.35);
}

#[tokio::test]
async fn contributions_by_kind_and_village_and_who_has_not_agreed() {
    let s = shared_memory_state("small");
    let r = Req::get("/api/reports/contributions?kind=labour")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    let ids: Vec<&str> = body["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["h4", "h5"]);
    assert_eq!(body["totals"]["labour_done_days"], 5.0);
    assert_eq!(body["totals"]["labour_pledged_days"], 4.0);
    // c2 (planned) takes land from p1, owned by h3 and still awaiting.
    assert_eq!(body["not_agreed"][0]["household_id"], "h3");
    assert_eq!(body["not_agreed"][0]["parcels"][0]["parcel_id"], "p1");
    assert_eq!(body["not_agreed"][0]["parcels"][0]["canal_id"], "c2");
    assert_eq!(body["not_agreed"].as_array().unwrap().len(), 1);

    let body = Req::get("/api/reports/contributions?village=Th%C3%B4n%20B")
        .user("viewer")
        .send(&s)
        .await
        .json();
    let ids: Vec<&str> = body["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["h5"]);
    assert!(body["not_agreed"].as_array().unwrap().is_empty());

    let r = Req::get("/api/reports/contributions?village=nowhere")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("nowhere"));
    let r = Req::get("/api/reports/contributions?kind=gold")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

fn check_c2_impact(body: &Value) {
    assert_relative_eq!(
        body["route_length_m"].as_f64().unwrap(),
        C2_LENGTH_M,
        epsilon = 0.01
    );
    let parcels = body["parcels"].as_array().unwrap();
    assert_eq!(parcels.len(), 2, "{body}");
    let p1 = parcels.iter().find(|p| p["id"] == "p1").unwrap();
    let p2 = parcels.iter().find(|p| p["id"] == "p2").unwrap();
    assert_relative_eq!(
        p1["taken_area_m2"].as_f64().unwrap(),
        P1_TAKEN_M2,
        max_relative = 0.005
    );
    assert_relative_eq!(
        p2["taken_area_m2"].as_f64().unwrap(),
        P2_TAKEN_M2,
        max_relative = 0.005
    );
    assert_relative_eq!(
        p1["parcel_area_m2"].as_f64().unwrap(),
        P1_AREA_M2,
        max_relative = 0.001
    );
    assert_relative_eq!(
        p1["taken_share"].as_f64().unwrap(),
        P1_TAKEN_M2 / P1_AREA_M2,
        max_relative = 0.005
    );
    assert_eq!(p1["owner_household"], "h3");
    assert_eq!(p1["owner_name"], "Trần Văn Cường");
    assert_eq!(p1["clearance_status"], "awaiting");
    assert_relative_eq!(
        p1["fence_to_rebuild_m"].as_f64().unwrap(),
        P1_FRONTAGE_M,
        epsilon = 0.01
    );
    assert_eq!(p1["gate_to_rebuild"], true);
    assert_eq!(p2["fence_to_rebuild_m"], 0.0);
    assert_eq!(p2["map_sheet"], 5);
    assert_eq!(p2["parcel_no"], 13);

    let zones = body["flood_zones"].as_array().unwrap();
    assert_eq!(zones.len(), 1);
    assert_relative_eq!(
        zones[0]["length_inside_m"].as_f64().unwrap(),
        C2_IN_FLOOD_ZONE_M,
        epsilon = 0.01
    );
    // h1 and h3 own touched lots; h2 and h4 live in the zone and lose nothing.
    let served: Vec<&str> = body["served_households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(served, ["h2", "h4"]);

    let t = &body["totals"];
    assert_eq!(t["parcels"], 2);
    assert_eq!(t["households_affected"], 2);
    assert_eq!(t["gates_to_rebuild"], 1);
    assert_eq!(t["served_households"], 2);
    assert_relative_eq!(
        t["taken_area_m2"].as_f64().unwrap(),
        P1_TAKEN_M2 + P2_TAKEN_M2,
        max_relative = 0.005
    );
    assert_eq!(
        t["by_clearance_status"],
        json!({"awaiting": 1, "donated": 1})
    );
    assert_eq!(body["corridor"]["type"], "MultiPolygon");
}

#[tokio::test]
async fn route_impact_of_a_drawn_route() {
    let r = Req::post("/api/analyses/route-impact")
        .user("viewer")
        .json(&json!({"route": c2_route(), "corridor_width_m": 6}))
        .send(&shared_memory_state("small"))
        .await;
    let body = r.json();
    assert_eq!(r.status, StatusCode::OK, "{body}");
    assert_eq!(r.content_type(), "application/json");
    check_c2_impact(&body);
}

#[tokio::test]
async fn route_impact_accepts_a_feature_and_defaults_to_6_m() {
    let feature = json!({"type": "Feature", "properties": {"name": "x"}, "geometry": c2_route()});
    let r = Req::post("/api/analyses/route-impact")
        .user("viewer")
        .json(&json!({"route": feature}))
        .send(&shared_memory_state("small"))
        .await;
    let body = r.json();
    assert_eq!(r.status, StatusCode::OK, "{body}");
    assert_eq!(body["corridor_width_m"], 6.0);
    check_c2_impact(&body);
}

#[tokio::test]
async fn impact_of_a_stored_canal_equals_the_drawn_route() {
    let s = shared_memory_state("small");
    let r = Req::get("/api/canals/c2/impact?corridor_width_m=6")
        .user("viewer")
        .send(&s)
        .await;
    let body = r.json();
    assert_eq!(r.status, StatusCode::OK, "{body}");
    check_c2_impact(&body);
    let r = Req::get("/api/canals/nope/impact")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("nope"));
}

#[tokio::test]
async fn route_impact_as_geojson_strips() {
    let s = shared_memory_state("small");
    let r = Req::post("/api/analyses/route-impact?format=geojson")
        .user("viewer")
        .json(&json!({"route": c2_route(), "corridor_width_m": 6}))
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/geo+json");
    let body = r.json();
    assert_eq!(body["type"], "FeatureCollection");
    let features = body["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    for f in features {
        assert_eq!(f["type"], "Feature");
        assert!(f["geometry"]["type"].as_str().unwrap().ends_with("Polygon"));
        // The strip lies within 3 m (0.0000272° of latitude here) of the route's latitude.
        let text = f["geometry"]["coordinates"].to_string();
        let numbers: Vec<f64> = text
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
            .filter_map(|s| s.parse().ok())
            .collect();
        for lat in numbers.iter().skip(1).step_by(2) {
            assert!((lat - 19.2205).abs() < 0.000028, "{lat}");
        }
    }
    let r = Req::get("/api/canals/c2/impact")
        .user("viewer")
        .header(header::ACCEPT.as_str(), "application/geo+json")
        .send(&s)
        .await;
    assert_eq!(r.content_type(), "application/geo+json");
}

#[tokio::test]
async fn route_impact_refuses_bad_input_with_a_reason() {
    let cases: Vec<(String, StatusCode, &str)> = vec![
        ("{not json".into(), StatusCode::BAD_REQUEST, "not valid JSON"),
        ("[1,2]".into(), StatusCode::BAD_REQUEST, "JSON object"),
        (json!({"corridor_width_m": 6}).to_string(), StatusCode::BAD_REQUEST, "no `route`"),
        (json!({"route": {"type": "Point", "coordinates": [105.7, 19.22]}}).to_string(), StatusCode::BAD_REQUEST, "must be a LineString"),
        (json!({"route": {"type": "LineString", "coordinates": [[105.7005, 19.2205]]}}).to_string(), StatusCode::BAD_REQUEST, "two distinct points"),
        (r#"{"route": {"type": "LineString", "coordinates": [[105.7005, 19.2205], [105.7015, NaN]]}}"#.into(), StatusCode::BAD_REQUEST, "not valid JSON"),
        (r#"{"route": {"type": "LineString", "coordinates": [[105.7005, 19.2205], [105.7015, 1e999]]}}"#.into(), StatusCode::BAD_REQUEST, "JSON"),
        (json!({"route": {"type": "LineString", "coordinates": [[19.2205, 105.7005], [19.2205, 105.7015]]}}).to_string(), StatusCode::BAD_REQUEST, "latitude, longitude"),
        (json!({"route": {"type": "LineString", "coordinates": [[106.7, 10.8], [106.71, 10.8]]}}).to_string(), StatusCode::BAD_REQUEST, "outside the area the data covers"),
        (json!({"route": c2_route(), "corridor_width_m": -1}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "corridor_width_m"),
        (json!({"route": c2_route(), "corridor_width_m": 0}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "corridor_width_m"),
        (json!({"route": c2_route(), "corridor_width_m": 5000}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "corridor_width_m"),
        (json!({"route": c2_route(), "corridor_width_m": "wide"}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "corridor_width_m"),
        (json!({"route": c2_route(), "width": 6}).to_string(), StatusCode::BAD_REQUEST, "unknown field `width`"),
    ];
    let s = shared_memory_state("small");
    for (body, want_status, want_text) in cases {
        let r = Req::post("/api/analyses/route-impact")
            .user("viewer")
            .header(header::CONTENT_TYPE.as_str(), "application/json")
            .body(body.clone())
            .send(&s)
            .await;
        let answer = r.json();
        assert_eq!(r.status, want_status, "{body}: {answer}");
        assert_eq!(r.content_type(), "application/json", "{body}");
        let msg = answer["error"].as_str().unwrap_or_default();
        assert!(msg.contains(want_text), "{body}: {msg}");
        assert_eq!(answer["status"], want_status.as_u16());
    }
}

#[tokio::test]
async fn oversized_and_untyped_bodies_are_refused() {
    let big = format!(r#"{{"route": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let s = shared_memory_state("small");
    let r = Req::post("/api/analyses/route-impact")
        .user("viewer")
        .header(header::CONTENT_TYPE.as_str(), "application/json")
        .body(big)
        .send(&s)
        .await;
    let body = r.json();
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["error"].as_str().unwrap().contains("limit"));

    let r = Req::post("/api/analyses/route-impact")
        .user("viewer")
        .body(json!({"route": c2_route()}).to_string())
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let coords: Vec<[f64; 2]> = (0..10_001)
        .map(|i| [105.7005 + i as f64 * 1e-7, 19.2205])
        .collect();
    let r = Req::post("/api/analyses/route-impact")
        .user("viewer")
        .json(&json!({"route": {"type": "LineString", "coordinates": coords}}))
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let body = r.json();
    assert!(
        body["error"].as_str().unwrap().contains("limit is 10000"),
        "{body}"
    );
}

#[tokio::test]
async fn openapi_lists_every_route_and_unknown_paths_are_json_404() {
    let s = shared_memory_state("small");
    let r = Req::get("/api/openapi.json").user("viewer").send(&s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.content_type(),
        "application/vnd.oai.openapi+json;version=3.0"
    );
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.0.3");
    for path in [
        "/api/reports/canal-length",
        "/api/reports/water-connection",
        "/api/reports/contributions",
        "/api/analyses/route-impact",
        "/api/canals/{canalId}/impact",
        "/collections/{collectionId}/items",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    let r = Req::get("/api/nothing-here").user("viewer").send(&s).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), "application/json");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("/api/nothing-here")
    );
}

#[tokio::test]
async fn the_public_sees_no_owners_and_no_names() {
    let s = shared_memory_state("small");
    let r = Req::get("/api/canals/c2/impact").send(&s).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    let text = body.to_string();
    for personal in ["Trần Văn Cường", "Nguyễn Thị Bình", "\"h3\"", "\"h2\""] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    // The numbers stay.
    assert_eq!(body["totals"]["parcels"], 2);
    assert_eq!(body["totals"]["served_households"], 2);
    let r = Req::get("/api/reports/contributions").send(&s).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["error"].as_str().unwrap().contains("viewer"));
    let r = Req::get("/api/reports/water-connection").send(&s).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = Req::get("/api/reports/water-connection")
        .header(
            header::AUTHORIZATION.as_str(),
            &basic_with("viewer", "wrong"),
        )
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let s = shared_memory_state("small");
    let doc = Req::get("/api/openapi.json")
        .user("viewer")
        .send(&s)
        .await
        .json();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 20, "{}", paths.len());
    for (path, ops) in paths {
        let uri = path
            .replace("{collectionId}", "canals")
            .replace("{featureId}", "c1")
            .replace("{canalId}", "c2")
            .replace("{parcelId}", "p1")
            .replace("{householdId}", "h1");
        for method in ops.as_object().unwrap().keys() {
            let r = Req::new(&method.to_uppercase(), &uri)
                .user("viewer")
                .json(&json!({}))
                .send(&s)
                .await;
            let (status, body) = (r.status, r.json());
            let error = body["error"].as_str().unwrap_or_default();
            assert!(
                !error.starts_with("no such resource") && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {uri}: {status} {body}"
            );
        }
    }
}
