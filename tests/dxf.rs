//! Every DXF drainplan writes, read back with ezdxf (an independent DXF library, in the
//! tests' Python environment): it opens, `doc.audit()` has nothing to fix and no error,
//! `$EXTMIN`/`$EXTMAX` contain every entity (ezdxf's own bounding box of the modelspace),
//! the active viewport is centred on them and tall and wide enough to show them all, and
//! Vietnamese names read back equal to what the fixture holds.
//!
//! Files: each layer of tests/fixtures/small (see tests/api.rs) in VN-2000 and one in
//! WGS84 degrees, the parcels of the sample data set in data/ (7,944 entities; ezdxf fixed
//! 7,951 things in it before this test), the strips the planned canal c2 takes (6 m), and
//! the DXF of c2's dossier.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use drainplan::analysis::route_impact::route_impact_with_strips;
use drainplan::crs::Crs;
use drainplan::export::{self, Format};
use drainplan::model::LayerKind;
use drainplan::store::Dataset;
use drainplan::store::query::Selection;
use geo::Geometry;
use serde_json::{Value, json};

fn small() -> Dataset {
    Dataset::load(Path::new("tests/fixtures/small")).expect("fixture loads")
}

fn save(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dxf");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// What ezdxf finds in each file, as JSON: audit fixes and errors, header extents,
/// ezdxf's bounding box of the modelspace, the active viewport, every TEXT by layer and
/// the closed flag of every LWPOLYLINE by layer.
const INSPECT: &str = r#"
import json, sys
import ezdxf
from ezdxf import bbox
out = {}
for path in sys.argv[1:]:
    doc = ezdxf.readfile(path)
    auditor = doc.audit()
    msp = doc.modelspace()
    box = bbox.extents(msp)
    vp = doc.viewports.get("*ACTIVE")[0]
    texts, closed, hatches = {}, {}, {}
    for e in msp:
        if e.dxftype() == "HATCH":
            paths = [len(p.vertices) for p in e.paths]
            hatches.setdefault(e.dxf.layer, []).append(
                {"solid": bool(e.dxf.solid_fill), "paths": paths,
                 "transparency": round(e.transparency, 2)})
        if e.dxftype() == "TEXT":
            texts.setdefault(e.dxf.layer, []).append(e.dxf.text)
        if e.dxftype() == "LWPOLYLINE":
            closed.setdefault(e.dxf.layer, []).append(bool(e.closed))
    out[path] = {
        "version": doc.dxfversion,
        "fixes": [f.message for f in auditor.fixes],
        "errors": [e.message for e in auditor.errors],
        "entities": len(msp),
        "extmin": list(doc.header["$EXTMIN"])[:2],
        "extmax": list(doc.header["$EXTMAX"])[:2],
        "bbox_min": list(box.extmin)[:2],
        "bbox_max": list(box.extmax)[:2],
        "vport_centre": list(vp.dxf.center)[:2],
        "vport_height": vp.dxf.height,
        "vport_aspect": vp.dxf.aspect_ratio,
        "texts": texts,
        "closed": closed,
        "hatches": hatches,
        "layers": sorted(l.dxf.name for l in doc.layers),
    }
print(json.dumps(out))
"#;

fn inspect(paths: &[PathBuf]) -> Vec<(PathBuf, Value)> {
    let args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out: Value = serde_json::from_str(&common::python::run_python(INSPECT, &args)).unwrap();
    paths
        .iter()
        .map(|p| (p.clone(), out[p.display().to_string()].clone()))
        .collect()
}

fn xy(v: &Value) -> (f64, f64) {
    (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
}

/// The checks every file passes.
fn assert_clean_and_framed(path: &Path, r: &Value) {
    let name = path.display();
    assert_eq!(r["version"], "AC1021", "{name}: AutoCAD 2007");
    assert_eq!(r["fixes"], Value::Array(vec![]), "{name}: audit fixes");
    assert_eq!(r["errors"], Value::Array(vec![]), "{name}: audit errors");
    assert!(r["entities"].as_u64().unwrap() > 0, "{name}: {r}");
    let (x0, y0) = xy(&r["extmin"]);
    let (x1, y1) = xy(&r["extmax"]);
    let (bx0, by0) = xy(&r["bbox_min"]);
    let (bx1, by1) = xy(&r["bbox_max"]);
    assert!(x0 < x1 && y0 < y1, "{name}: empty extents {r}");
    // Every entity inside $EXTMIN..$EXTMAX (to the mm the coordinates are written to).
    let tol = 1e-3 * (x1 - x0).max(y1 - y0).max(1.0);
    assert!(
        bx0 >= x0 - tol && by0 >= y0 - tol && bx1 <= x1 + tol && by1 <= y1 + tol,
        "{name}: entities {bx0},{by0}..{bx1},{by1} outside extents {x0},{y0}..{x1},{y1}"
    );
    // And the extents hug the entities: no more than labels' room past them.
    assert!(
        (bx0 - x0) <= 0.25 * (x1 - x0) && (y1 - by1) <= 0.25 * (y1 - y0),
        "{name}: extents far larger than the drawing: {r}"
    );
    // The active viewport: centred on the extents, showing all of them.
    let (cx, cy) = xy(&r["vport_centre"]);
    let h = r["vport_height"].as_f64().unwrap();
    let aspect = r["vport_aspect"].as_f64().unwrap();
    assert!(
        (cx - (x0 + x1) / 2.0).abs() <= tol && (cy - (y0 + y1) / 2.0).abs() <= tol,
        "{name}: viewport centre {cx},{cy} vs extents {x0},{y0}..{x1},{y1}"
    );
    assert!(
        h >= y1 - y0 && h * aspect >= x1 - x0,
        "{name}: viewport {h} x {aspect} does not show {}x{}",
        x1 - x0,
        y1 - y0
    );
    assert!(
        h <= 2.0 * (y1 - y0).max((x1 - x0) / aspect),
        "{name}: too far out: {h}"
    );
}

#[test]
fn every_layer_export_opens_clean_and_framed() {
    let data = small();
    let mut paths = Vec::new();
    for kind in LayerKind::ALL {
        // The small fixture predates the catchments layer and has none: nothing to draw.
        if data.layer(kind).features.is_empty() {
            continue;
        }
        let t = export::layer_table(&data, kind, &Selection::default());
        let out = export::export(&t, Format::Dxf, Crs::Tm3NgheAn).unwrap();
        paths.push(save(&out.file_name, &out.bytes));
    }
    let t = export::layer_table(&data, LayerKind::Canals, &Selection::default());
    let out = export::export(&t, Format::Dxf, Crs::Wgs84).unwrap();
    paths.push(save(&out.file_name, &out.bytes));
    let results = inspect(&paths);
    for (p, r) in &results {
        assert_clean_and_framed(p, r);
    }
    let get = |stem: &str| {
        &results
            .iter()
            .find(|(p, _)| p.file_name().unwrap().to_str().unwrap() == stem)
            .unwrap_or_else(|| panic!("no {stem}"))
            .1
    };
    // Names as tests/fixtures/small holds them, read back by ezdxf.
    // Canals carry no label (the import would read text in a canal drawing as stray
    // elements); their names are in the dossier below.
    assert!(
        get("canals_EPSG9208.dxf")["texts"]
            .as_object()
            .unwrap()
            .is_empty()
    );
    let villages = get("villages_EPSG9208.dxf");
    let mut names: Vec<&str> = villages["texts"]["villages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Thôn A", "Thôn B"]);
    assert_eq!(
        get("flood_zones_EPSG9208.dxf")["texts"]["flood_zones"],
        serde_json::json!(["Vùng trũng A"])
    );
    // Three parcels, one ring each, every one closed; labels sheet/number.
    let parcels = get("parcels_EPSG9208.dxf");
    let rings: Vec<bool> = parcels["closed"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap().iter().map(|b| b.as_bool().unwrap()))
        .collect();
    assert_eq!(rings, [true, true, true]);
    assert_eq!(
        parcels["texts"]["parcels_awaiting"],
        serde_json::json!(["5/12"])
    );
    // Households are people: no name is drawn.
    assert!(
        get("households_EPSG9208.dxf")["texts"]
            .as_object()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_sample_parcels_open_clean_and_framed() {
    let data = Dataset::load(Path::new("data")).expect("the sample data set loads");
    let t = export::layer_table(&data, LayerKind::Parcels, &Selection::default());
    let n = t.rows.len();
    let out = export::export(&t, Format::Dxf, Crs::Tm3NgheAn).unwrap();
    let p = save("sample_parcels_EPSG9208.dxf", &out.bytes);
    let results = inspect(&[p]);
    let (p, r) = &results[0];
    assert_clean_and_framed(p, r);
    let closed: Vec<bool> = r["closed"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap().iter().map(|b| b.as_bool().unwrap()))
        .collect();
    assert!(
        closed.len() >= n && closed.iter().all(|c| *c),
        "{n} parcels"
    );
}

#[test]
fn parcels_hatched_by_clearance_step_open_clean() {
    let data = small();
    let mut t = export::layer_table(&data, LayerKind::Parcels, &Selection::default());
    t.hatch = true;
    let out = export::export(&t, Format::Dxf, Crs::Tm3NgheAn).unwrap();
    let results = inspect(&[save("parcels_hatched_EPSG9208.dxf", &out.bytes)]);
    let (p, r) = &results[0];
    assert_clean_and_framed(p, r);
    // p1 awaiting, p2 donated, p3 not required (tests/fixtures/small/parcels.geojson):
    // one see-through solid fill each, on a hatch layer per step, four corners each.
    for layer in [
        "parcels_awaiting_hatch",
        "parcels_donated_hatch",
        "parcels_not_required_hatch",
    ] {
        assert_eq!(
            r["hatches"][layer],
            json!([{"solid": true, "paths": [4], "transparency": 0.7}]),
            "{layer}: {r}"
        );
        assert!(r["layers"].as_array().unwrap().contains(&json!(layer)));
    }
    // The outlines and labels are still there, unchanged.
    assert_eq!(r["texts"]["parcels_awaiting"], json!(["5/12"]));
    assert_eq!(r["entities"], 9, "3 outlines, 3 labels, 3 hatches");
}

fn c2(data: &Dataset) -> geo::LineString {
    match data.canals.get("c2").map(|f| f.geometry.clone()) {
        Some(Geometry::LineString(l)) => l,
        other => panic!("c2 is a line in the fixture: {other:?}"),
    }
}

fn dossier_dxf(data: &Dataset, impact: &drainplan::analysis::route_impact::RouteImpact) -> Vec<u8> {
    let out = export::dossier::dossier(data, "c2", &c2(data), impact).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(out.bytes)).unwrap();
    let mut f = z.by_name("c2_EPSG9208.dxf").unwrap();
    let mut b = Vec::new();
    f.read_to_end(&mut b).unwrap();
    b
}

#[test]
fn the_route_impact_and_the_dossier_open_clean_with_owner_names() {
    let data = small();
    let impact = route_impact_with_strips(&data, &c2(&data), 6.0).unwrap();
    let strips = export::impact_output(&impact, Format::Dxf, Crs::Tm3NgheAn).unwrap();
    let strips = save("taken_strips_EPSG9208.dxf", &strips.bytes);
    let dossier = save("dossier_c2_EPSG9208.dxf", &dossier_dxf(&data, &impact));
    let mut redacted = impact.clone();
    redacted.redact_personal();
    let public = save("dossier_public_c2.dxf", &dossier_dxf(&data, &redacted));
    let results = inspect(&[strips, dossier, public]);
    for (p, r) in &results {
        assert_clean_and_framed(p, r);
    }
    // c2 takes land from p1 (owner h3, Trần Văn Cường) and p2 (owner h1, Nguyễn Văn An):
    // tests/fixtures/small, parcels and households.
    let d = &results[1].1;
    let mut owners: Vec<&str> = d["texts"]["taken_strips"]
        .as_array()
        .unwrap_or_else(|| panic!("no owner labels: {d}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    owners.sort_unstable();
    assert_eq!(owners, ["Nguyễn Văn An", "Trần Văn Cường"]);
    assert_eq!(d["texts"]["route"], serde_json::json!(["Mương 2"]));
    // The affected parcels are hatched by clearance step: p1 awaiting, p2 donated.
    for layer in [
        "parcels_affected_awaiting_hatch",
        "parcels_affected_donated_hatch",
    ] {
        assert_eq!(
            d["hatches"][layer].as_array().map(Vec::len),
            Some(1),
            "{layer}"
        );
    }
    // Whoever may not see owners gets strips without names.
    let public = &results[2].1;
    assert!(public["texts"].get("taken_strips").is_none(), "{public}");
}
