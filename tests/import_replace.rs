//! `import --replace` changes only what the source carries, never blanks a stored value
//! without `--allow-blanking`, lists each change from → to, and rewrites the layer file in
//! the data files' own form: one compact feature per line, at most 8 decimals, exterior
//! rings counter-clockwise (RFC 7946), about the size it was.
//!
//! The source is the sample data's parcels as GeoJSON, edited here with serde_json;
//! orientation is checked with the shoelace sum computed here.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use common::data_copy;
use drainplan::ingest::{ImportOptions, import};
use drainplan::model::LayerKind;
use serde_json::{Value, json};

fn signed_area(ring: &[Value]) -> f64 {
    let pts: Vec<(f64, f64)> = ring
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    pts.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum::<f64>()
        / 2.0
}

fn feature<'a>(fc: &'a Value, id: &str) -> &'a Value {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap()
}

#[test]
fn replace_changes_only_what_the_source_carries_and_keeps_the_file_form() {
    let dir = data_copy("data", "edit");
    let data = dir.join("data");
    let parcels = data.join("parcels.geojson");
    let original_text = std::fs::read_to_string(&parcels).unwrap();
    let original: Value = serde_json::from_str(&original_text).unwrap();

    // The source: every parcel, without fence_type (a field it does not carry); p-20-0001
    // cleared; p-20-0002's owner blank; p-20-0003 moved 2 cm east (past the 2 mm
    // that count as the same geometry, within the 1 m² of overlap a neighbour may take)
    // and drawn clockwise.
    let mut source = original.clone();
    for f in source["features"].as_array_mut().unwrap() {
        f["properties"]
            .as_object_mut()
            .unwrap()
            .remove("fence_type");
        let id = f["id"].as_str().unwrap().to_owned();
        match id.as_str() {
            "p-20-0001" => f["properties"]["clearance_status"] = json!("cleared"),
            "p-20-0002" => f["properties"]["owner_household"] = Value::Null,
            "p-20-0003" => {
                let ring = f["geometry"]["coordinates"][0].as_array_mut().unwrap();
                for p in ring.iter_mut() {
                    p[0] = json!(p[0].as_f64().unwrap() + 0.02 / 105_000.0);
                }
                ring.reverse();
            }
            _ => {}
        }
    }
    let from = dir.join("parcels_edited.geojson");
    std::fs::write(&from, serde_json::to_vec(&source).unwrap()).unwrap();
    let stored_owner = feature(&original, "p-20-0002")["properties"]["owner_household"].clone();
    assert!(stored_owner.is_string());

    let options = ImportOptions {
        replace: true,
        ..ImportOptions::new(LayerKind::Parcels)
    };
    let report = import(&data, &from, &options).unwrap();
    assert_eq!(report.changes.len(), 2, "{:#?}", report.changes);
    let c1 = report.changes.iter().find(|c| c.id == "p-20-0001").unwrap();
    assert_eq!(c1.fields.len(), 1);
    assert_eq!(c1.fields[0].field, "clearance_status");
    assert_eq!(c1.fields[0].from, json!("not_required"));
    assert_eq!(c1.fields[0].to, json!("cleared"));
    assert!(!c1.geometry);
    let c3 = report.changes.iter().find(|c| c.id == "p-20-0003").unwrap();
    assert!(c3.geometry && c3.fields.is_empty(), "{c3:?}");
    assert_eq!(
        report.kept_blank,
        vec![("p-20-0002".to_owned(), "owner_household".to_owned())]
    );
    let text = report.to_text();
    assert!(
        text.contains("changed p-20-0001: clearance_status: \"not_required\" → \"cleared\""),
        "{text}"
    );
    assert!(text.contains("--allow-blanking"), "{text}");

    // The file: same features, fence_type kept, owner kept, the edit applied.
    let written_text = std::fs::read_to_string(&parcels).unwrap();
    let written: Value = serde_json::from_str(&written_text).unwrap();
    let n = original["features"].as_array().unwrap().len();
    assert_eq!(written["features"].as_array().unwrap().len(), n);
    for (a, b) in original["features"]
        .as_array()
        .unwrap()
        .iter()
        .zip(written["features"].as_array().unwrap())
    {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["properties"]["fence_type"], b["properties"]["fence_type"]);
        if a["id"] != "p-20-0001" {
            assert_eq!(a["properties"], b["properties"], "{}", a["id"]);
        }
        if a["id"] != "p-20-0003" {
            assert_eq!(a["geometry"], b["geometry"], "{}", a["id"]);
        }
    }
    assert_eq!(
        feature(&written, "p-20-0001")["properties"]["clearance_status"],
        "cleared"
    );
    // The moved parcel is stored counter-clockwise whatever the source's order.
    let ring = feature(&written, "p-20-0003")["geometry"]["coordinates"][0]
        .as_array()
        .unwrap()
        .clone();
    assert!(signed_area(&ring) > 0.0, "clockwise: {ring:?}");
    // Form: one feature per line, no number with more than 8 decimals, about the size.
    let lines: Vec<&str> = written_text.lines().collect();
    assert_eq!(lines.len(), n + 2);
    assert_eq!(lines[0], r#"{"type":"FeatureCollection","features":["#);
    assert!(
        lines[1..=n]
            .iter()
            .all(|l| l.starts_with(r#"{"type":"Feature","id":"#))
    );
    let longest_fraction = written_text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.split_once('.').map(|(_, f)| f.len()))
        .max()
        .unwrap();
    assert!(longest_fraction <= 8, "{longest_fraction} decimals");
    let ratio = written_text.len() as f64 / original_text.len() as f64;
    assert!((0.99..1.01).contains(&ratio), "size ratio {ratio}");

    // With --allow-blanking the blank clears the stored owner.
    let options = ImportOptions {
        allow_blanking: true,
        ..options
    };
    let report = import(&data, &from, &options).unwrap();
    let c2 = report.changes.iter().find(|c| c.id == "p-20-0002").unwrap();
    assert_eq!(c2.fields[0].field, "owner_household");
    assert_eq!(c2.fields[0].from, stored_owner);
    assert_eq!(c2.fields[0].to, Value::Null);
    assert!(report.kept_blank.is_empty());
    let written: Value = serde_json::from_slice(&std::fs::read(&parcels).unwrap()).unwrap();
    assert_eq!(
        feature(&written, "p-20-0002")["properties"]["owner_household"],
        Value::Null
    );
}
