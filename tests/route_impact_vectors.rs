//! Route impact against the shared test vectors, whose expected areas and lengths were
//! computed independently with GEOS (shapely 2.2) and PROJ (pyproj) — see
//! tests/fixtures/route_impact_README.md and the `about` field of the cases file.

use std::path::Path;

use approx::assert_relative_eq;
use drainplan::analysis::{route, route_impact::route_impact};
use drainplan::model::LayerKind;
use drainplan::store::{Dataset, parse_layer};
use serde_json::Value;

fn fixture_dataset() -> Dataset {
    let path = Path::new("tests/fixtures/route_impact_parcels.geojson");
    // The vectors carry geometry and an id only; give each parcel the properties the
    // parcels layer requires.
    let mut vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    for (n, f) in vectors["features"]
        .as_array_mut()
        .expect("features")
        .iter_mut()
        .enumerate()
    {
        let id = f["properties"]["id"].clone();
        f["id"] = id;
        f["properties"] = serde_json::json!({
            "map_sheet": 1,
            "parcel_no": n + 1,
            "land_use": "ONT",
            "clearance_status": "awaiting",
        });
    }
    let parcels =
        parse_layer(path, LayerKind::Parcels, &vectors.to_string()).expect("fixture parses");
    Dataset::from_features(
        Path::new("tests/fixtures"),
        vec![(LayerKind::Parcels, parcels)],
    )
    .expect("fixture data set builds")
}

#[test]
fn areas_and_lengths_match_geos_and_geodesic_references() {
    let data = fixture_dataset();
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/route_impact_cases.json").unwrap(),
    )
    .unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let line = route::parse_route(&case["route"], &data).unwrap();
        let width = route::check_width(case["corridor_width_m"].as_f64().unwrap()).unwrap();
        let impact = route_impact(&data, &line, width).unwrap();
        let expected = &case["expected"];
        // Lengths to 1 cm.
        let want_len = expected["route_length_m"].as_f64().unwrap();
        assert!(
            (impact.route_length_m - want_len).abs() < 0.01,
            "{name}: length {} vs {want_len}",
            impact.route_length_m
        );
        let want: &serde_json::Map<String, Value> = expected["taken_area_m2"].as_object().unwrap();
        let got: Vec<&str> = impact.parcels.iter().map(|p| p.id.as_str()).collect();
        let mut want_ids: Vec<&str> = want.keys().map(String::as_str).collect();
        let mut got_sorted = got.clone();
        want_ids.sort_unstable();
        got_sorted.sort_unstable();
        assert_eq!(got_sorted, want_ids, "{name}: affected parcels");
        for p in &impact.parcels {
            let w = want[&p.id].as_f64().unwrap();
            assert_relative_eq!(p.taken_area_m2, w, max_relative = 0.005);
        }
        let total: f64 = want.values().map(|v| v.as_f64().unwrap()).sum();
        assert_relative_eq!(impact.totals.taken_area_m2, total, max_relative = 0.005);
    }
}
