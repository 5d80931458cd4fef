//! Lossless round trips: every format drainplan writes, in WGS84 and in VN-2000
//! (EPSG:9208), made by `drainplan::export`, comes back through `import --replace` into a
//! fresh copy of the same data set (the bundled sample data) identical — the same ids,
//! every property equal with its JSON type, every vertex within 2 mm — and the import
//! reports that it changed nothing.
//!
//! The expected values are the data set itself (read by serde_json in the test, not by
//! the code under test); distances are measured here with the local radii of the WGS84
//! ellipsoid (a = 6 378 137 m, f = 1/298.257223563).

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::path::Path;

use common::data_copy;
use drainplan::crs::Crs;
use drainplan::export::{self, Format};
use drainplan::ingest::{ImportOptions, import};
use drainplan::model::LayerKind;
use drainplan::store::Dataset;
use drainplan::store::query::Selection;
use serde_json::Value;

/// The features of a layer file as serde_json reads them: id → (geometry, properties).
fn features(path: &Path) -> Vec<(String, Value, Value)> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["geometry"].clone(),
                f["properties"].clone(),
            )
        })
        .collect()
}

/// Metres between two lon/lat points a few metres apart, from the meridian and prime
/// vertical radii of curvature of WGS84 at their latitude.
fn metres(a: &[f64], b: &[f64]) -> f64 {
    let (sma, f) = (6_378_137.0_f64, 1.0 / 298.257_223_563);
    let e2 = f * (2.0 - f);
    let lat = a[1].to_radians();
    let w = (1.0 - e2 * lat.sin().powi(2)).sqrt();
    let m = sma * (1.0 - e2) / w.powi(3);
    let n = sma / w;
    let dx = (b[0] - a[0]).to_radians() * n * lat.cos();
    let dy = (b[1] - a[1]).to_radians() * m;
    dx.hypot(dy)
}

/// The largest vertex distance of two GeoJSON geometries of the same shape, in metres;
/// None when the shapes differ.
fn max_shift(a: &Value, b: &Value) -> Option<f64> {
    if a["type"] != b["type"] {
        return None;
    }
    fn walk(a: &Value, b: &Value, worst: &mut Option<f64>) -> bool {
        match (a, b) {
            (Value::Array(x), Value::Array(y)) if x.first().is_some_and(Value::is_number) => {
                let p: Vec<f64> = x.iter().filter_map(Value::as_f64).collect();
                let q: Vec<f64> = y.iter().filter_map(Value::as_f64).collect();
                let d = metres(&p, &q);
                *worst = Some(worst.map_or(d, |w: f64| w.max(d)));
                true
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                x.iter().zip(y).all(|(p, q)| walk(p, q, worst))
            }
            _ => false,
        }
    }
    let mut worst = None;
    walk(&a["coordinates"], &b["coordinates"], &mut worst).then_some(worst.unwrap_or(0.0))
}

fn round_trip(kind: LayerKind, format: Format, crs: Crs) {
    let name = format!("{}_{}_{}", kind.id(), format.name(), crs.file_tag());
    let dir = data_copy("data", &name);
    let data = dir.join("data");
    let file = data.join(format!("{}.geojson", kind.id()));
    let before = features(&file);

    let ds = Dataset::load(&data).unwrap();
    let table = export::layer_table(&ds, kind, &Selection::default());
    let out = export::export(&table, format, crs).unwrap();
    let exported = dir.join(&out.file_name);
    std::fs::write(&exported, &out.bytes).unwrap();
    drop(ds);

    let options = ImportOptions {
        replace: true,
        ..ImportOptions::new(kind)
    };
    let report = import(&data, &exported, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(report.skipped.is_empty(), "{name}: {:?}", report.skipped);
    assert!(report.imported.is_empty(), "{name}: {:?}", report.imported);
    assert_eq!(report.replaced.len(), before.len(), "{name}");
    assert!(
        report.changes.is_empty(),
        "{name}: {} changed, e.g. {:?}",
        report.changes.len(),
        report.changes.first()
    );
    assert!(
        report.kept_blank.is_empty(),
        "{name}: {:?}",
        report.kept_blank
    );
    assert_eq!(report.crs, crs.name(), "{name}: {}", report.crs_from);

    let after = features(&file);
    assert_eq!(after.len(), before.len(), "{name}");
    for ((id, g0, p0), (id1, g1, p1)) in before.iter().zip(&after) {
        assert_eq!(id, id1, "{name}");
        assert_eq!(p0, p1, "{name}: {id}");
        let shift = max_shift(g0, g1).unwrap_or_else(|| panic!("{name}: {id} shape differs"));
        assert!(shift <= 0.002, "{name}: {id} moved {shift} m");
    }
}

#[test]
fn parcels_come_back_identical_from_every_format() {
    for (format, crs) in [
        (Format::GeoJson, Crs::Wgs84),
        (Format::GeoJson, Crs::Tm3NgheAn),
        (Format::Csv, Crs::Wgs84),
        (Format::Csv, Crs::Tm3NgheAn),
        (Format::Kml, Crs::Wgs84),
        (Format::Shapefile, Crs::Wgs84),
        (Format::Shapefile, Crs::Tm3NgheAn),
        (Format::GeoPackage, Crs::Wgs84),
        (Format::GeoPackage, Crs::Tm3NgheAn),
        (Format::Dxf, Crs::Tm3NgheAn),
        (Format::Dxf, Crs::Wgs84),
    ] {
        round_trip(LayerKind::Parcels, format, crs);
    }
}

#[test]
fn canals_come_back_identical_from_every_format() {
    for (format, crs) in [
        (Format::GeoJson, Crs::Tm3NgheAn),
        (Format::Csv, Crs::Wgs84),
        (Format::Kml, Crs::Wgs84),
        (Format::Shapefile, Crs::Tm3NgheAn),
        (Format::GeoPackage, Crs::Tm3NgheAn),
        (Format::Dxf, Crs::Tm3NgheAn),
    ] {
        round_trip(LayerKind::Canals, format, crs);
    }
}
