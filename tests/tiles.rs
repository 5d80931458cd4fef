//! `GET /tiles/{layer}/{z}/{x}/{y}.mvt`, read back with an independent decoder: GDAL's
//! MVT driver (`ogrinfo`, the reader QGIS uses), which places each feature in web
//! mercator (EPSG:3857) from the tile's z/x/y. Expected positions are computed here from
//! the fixture's GeoJSON with the spherical-mercator formulas, not by the code under test.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Req, shared_memory_state};
use serde_json::Value;

/// The sphere of web mercator (EPSG:3857), metres.
const R: f64 = 6_378_137.0;

/// lon, lat → EPSG:3857 x, y (metres).
fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let phi = lat.to_radians();
    (
        R * lon.to_radians(),
        R * (std::f64::consts::FRAC_PI_4 + phi / 2.0).tan().ln(),
    )
}

/// The tile of zoom `z` holding lon, lat: the column and row of the slippy-map formula.
fn tile_of(lon: f64, lat: f64, z: u32) -> (u64, u64) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let phi = lat.to_radians();
    let y = ((1.0 - phi.tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor();
    (x as u64, y as u64)
}

fn fixture(layer: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(format!("tests/fixtures/small/{layer}.geojson")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["features"].as_array().unwrap().clone()
}

fn exterior(f: &Value) -> Vec<(f64, f64)> {
    let g = &f["geometry"];
    let ring = match g["type"].as_str() {
        Some("Polygon") => &g["coordinates"][0],
        Some("MultiPolygon") => &g["coordinates"][0][0],
        other => panic!("not a polygon: {other:?}"),
    };
    ring.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect()
}

/// What `ogrinfo` reads from a tile file: per feature, its fields and its WKT.
struct Read {
    features: Vec<(serde_json::Map<String, Value>, String)>,
}

/// Reads a tile with GDAL's MVT driver, as tile `z/x/y`, unclipped.
fn ogr_read(bytes: &[u8], z: u32, x: u64, y: u64) -> Read {
    let dir = std::env::temp_dir().join(format!("drainplan-tiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(format!("{z}-{x}-{y}.mvt"));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ogr2ogr")
        .args(["-f", "GeoJSON", "/vsistdout/"])
        .arg(&path)
        .args([
            "-oo",
            &format!("Z={z}"),
            "-oo",
            &format!("X={x}"),
            "-oo",
            &format!("Y={y}"),
        ])
        .args([
            "-oo",
            "CLIP=NO",
            "-lco",
            "RFC7946=NO",
            "-lco",
            "COORDINATE_PRECISION=3",
        ])
        .output()
        .expect("ogr2ogr (apt-get install gdal-bin)");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "ogr2ogr failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fc: Value = serde_json::from_slice(&out.stdout).expect("ogr2ogr wrote GeoJSON");
    let features = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"].as_object().cloned().unwrap_or_default(),
                f["geometry"].to_string(),
            )
        })
        .collect();
    Read { features }
}

/// Every coordinate pair of a GeoJSON geometry's text.
fn coords(geometry: &str) -> Vec<(f64, f64)> {
    fn walk(v: &Value, out: &mut Vec<(f64, f64)>) {
        match v {
            Value::Array(a) if a.len() >= 2 && a.iter().all(Value::is_number) => {
                out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let v: Value = serde_json::from_str(geometry).unwrap();
    let mut out = Vec::new();
    walk(&v["coordinates"], &mut out);
    out
}

/// The first parcel of the fixture that has an owner and lies wholly inside one tile of
/// zoom 17 (so that no vertex of it is cut at the tile's edge).
fn owned_parcel() -> Value {
    fixture("parcels")
        .into_iter()
        .find(|f| {
            let ring = exterior(f);
            f["properties"]["owner_household"].is_string()
                && ring
                    .iter()
                    .all(|&(lon, lat)| tile_of(lon, lat, 17) == tile_of(ring[0].0, ring[0].1, 17))
        })
        .expect("an owned parcel inside one tile in the fixture")
}

#[tokio::test]
async fn a_parcel_is_where_its_coordinates_put_it_in_the_tile() {
    let state = shared_memory_state("small");
    let parcel = owned_parcel();
    let id = parcel["id"].as_str().unwrap();
    let ring = exterior(&parcel);
    let z = 17;
    let (x, y) = tile_of(ring[0].0, ring[0].1, z);
    let r = Req::get(&format!("/tiles/parcels/{z}/{x}/{y}.mvt"))
        .user("viewer")
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.content_type(), "application/vnd.mapbox-vector-tile");
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("private, no-cache")
    );
    let read = ogr_read(&r.bytes, z, x, y);
    let (props, geometry) = read
        .features
        .iter()
        .find(|(p, _)| p.get("id").and_then(Value::as_str) == Some(id))
        .unwrap_or_else(|| panic!("parcel {id} in tile {z}/{x}/{y}"));
    assert_eq!(
        props["owner_household"],
        parcel["properties"]["owner_household"]
    );
    assert_eq!(
        props["clearance_status"],
        parcel["properties"]["clearance_status"]
    );
    // One tile unit at zoom 17 is 2π·R / 2^17 / 4096 = 0.0746 m; the tile rounds to it and
    // drops vertices within half a pixel (8 units, 0.6 m) of the outline. Every vertex
    // the tile keeps is within a unit of one of the parcel's, and the first vertex (a
    // corner) is kept.
    let unit = 2.0 * std::f64::consts::PI * R / f64::from(1u32 << z) / 4096.0;
    let got = coords(geometry);
    let want: Vec<(f64, f64)> = ring.iter().map(|&(lon, lat)| mercator(lon, lat)).collect();
    let near = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1) <= unit;
    for g in &got {
        assert!(
            want.iter().any(|w| near(*g, *w)),
            "tile vertex {g:?} is no vertex of {id}: {want:?}"
        );
    }
    assert!(
        got.iter().any(|g| near(*g, want[0])),
        "the first corner {:?} of {id} is in the tile: {got:?}",
        want[0]
    );
}

#[tokio::test]
async fn a_parcel_across_the_tile_edge_is_cut_at_the_buffer() {
    use geo::BooleanOps;
    let state = shared_memory_state("small");
    let z = 18;
    let side = 2.0 * std::f64::consts::PI * R / f64::from(1u32 << z);
    let unit = side / 4096.0;
    // The tile's buffer: 64 units beyond each edge.
    let buffer = 64.0 * unit;
    // A parcel whose first corner lies in a tile and which runs more than a metre past
    // that tile's buffered east edge.
    let (parcel, x, y) = fixture("parcels")
        .into_iter()
        .find_map(|f| {
            let ring = exterior(&f);
            let (x, y) = tile_of(ring[0].0, ring[0].1, z);
            let east = -std::f64::consts::PI * R + (x + 1) as f64 * side + buffer;
            ring.iter()
                .any(|&(lon, lat)| mercator(lon, lat).0 > east + 1.0)
                .then_some((f, x, y))
        })
        .expect("a parcel across a zoom-18 tile edge in the fixture");
    let id = parcel["id"].as_str().unwrap();
    let r = Req::get(&format!("/tiles/parcels/{z}/{x}/{y}.mvt"))
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let read = ogr_read(&r.bytes, z, x, y);
    let (_, geometry) = read
        .features
        .iter()
        .find(|(p, _)| p.get("id").and_then(Value::as_str) == Some(id))
        .unwrap_or_else(|| panic!("parcel {id} in tile {z}/{x}/{y}"));
    let got = coords(geometry);
    // What should be drawn: the parcel (in web mercator) ∩ the buffered tile, by geo's
    // boolean operations (i_overlay), not by the tile code's clipping.
    let (west, north) = (
        -std::f64::consts::PI * R + x as f64 * side,
        std::f64::consts::PI * R - y as f64 * side,
    );
    let bx = geo::Rect::new(
        (west - buffer, north - side - buffer),
        (west + side + buffer, north + buffer),
    )
    .to_polygon();
    let outline = geo::Polygon::new(
        exterior(&parcel)
            .iter()
            .map(|&(lon, lat)| mercator(lon, lat))
            .collect::<Vec<_>>()
            .into(),
        vec![],
    );
    let want = outline.intersection(&bx);
    let want_pts: Vec<(f64, f64)> = want
        .0
        .iter()
        .flat_map(|p| p.exterior().0.iter().map(|c| (c.x, c.y)))
        .collect();
    assert!(!want_pts.is_empty());
    // Every vertex drawn is a corner of the parcel or where its outline meets the
    // buffer's edge, to within a unit (the rounding to the grid), and none is past it.
    for g in &got {
        assert!(
            g.0 <= west + side + buffer + unit,
            "{g:?} past the buffered east edge {}",
            west + side + buffer
        );
        assert!(
            want_pts
                .iter()
                .any(|w| (g.0 - w.0).hypot(g.1 - w.1) <= 1.5 * unit),
            "tile vertex {g:?} is no corner of {id} ∩ the buffered tile: {want_pts:?}"
        );
    }
    assert!(
        got.iter()
            .any(|g| (g.0 - (west + side + buffer)).abs() <= unit),
        "{id} is cut at the buffer's edge: {got:?}"
    );
    // And the area is the intersection's, to the half pixel (8 units) simplification
    // may move the outline by, along the whole outline.
    let shoelace = |pts: &[(f64, f64)]| {
        pts.windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum::<f64>()
            .abs()
            / 2.0
    };
    let perimeter: f64 = want_pts
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
        .sum();
    let (a_got, a_want) = (shoelace(&got), shoelace(&want_pts));
    assert!(
        (a_got - a_want).abs() <= perimeter * 8.0 * unit,
        "{id}: {a_got:.1} m² drawn, {a_want:.1} m² in the buffered tile"
    );
}

#[tokio::test]
async fn the_public_tile_carries_no_personal_property() {
    let state = shared_memory_state("small");
    let parcel = owned_parcel();
    let ring = exterior(&parcel);
    let z = 16;
    let (x, y) = tile_of(ring[0].0, ring[0].1, z);
    let url = format!("/tiles/parcels/{z}/{x}/{y}.mvt");
    let public = Req::get(&url).send(&state).await;
    let viewer = Req::get(&url).user("viewer").send(&state).await;
    assert_eq!(public.status, 200);
    assert_eq!(viewer.status, 200);
    let public_read = ogr_read(&public.bytes, z, x, y);
    let viewer_read = ogr_read(&viewer.bytes, z, x, y);
    assert!(!public_read.features.is_empty());
    assert_eq!(public_read.features.len(), viewer_read.features.len());
    for (p, _) in &public_read.features {
        assert!(p.get("owner_household").is_none_or(Value::is_null), "{p:?}");
        for k in p.keys() {
            assert!(
                ["id", "clearance_status", "map_sheet", "parcel_no", "mvt_id"]
                    .contains(&k.as_str()),
                "the public's tile carries `{k}`"
            );
        }
    }
    assert!(
        viewer_read
            .features
            .iter()
            .any(|(p, _)| p.get("owner_household").is_some_and(Value::is_string)),
        "a viewer's tile names the owners"
    );
    // No owner id anywhere in the public's bytes.
    let owner = parcel["properties"]["owner_household"].as_str().unwrap();
    assert!(
        !public
            .bytes
            .windows(owner.len())
            .any(|w| w == owner.as_bytes()),
        "{owner} in the public tile"
    );
    // Each role has its own entity tag, and a tag sent back gets a 304.
    let (pt, vt) = (
        public.header("etag").unwrap(),
        viewer.header("etag").unwrap(),
    );
    assert_ne!(pt, vt);
    let again = Req::get(&url)
        .header("if-none-match", &pt)
        .send(&state)
        .await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    let other = Req::get(&url)
        .user("viewer")
        .header("if-none-match", &pt)
        .send(&state)
        .await;
    assert_eq!(
        other.status, 200,
        "the public's tag does not stand for a viewer's tile"
    );
}

#[tokio::test]
async fn a_canal_runs_through_its_tile() {
    let state = shared_memory_state("small");
    let canal = fixture("canals")
        .into_iter()
        .find(|f| f["geometry"]["type"] == "LineString")
        .unwrap();
    let pts: Vec<(f64, f64)> = canal["geometry"]["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let z = 14;
    let (x, y) = tile_of(pts[0].0, pts[0].1, z);
    let r = Req::get(&format!("/tiles/canals/{z}/{x}/{y}.mvt"))
        .send(&state)
        .await;
    assert_eq!(r.status, 200);
    let read = ogr_read(&r.bytes, z, x, y);
    let (props, geometry) = read
        .features
        .iter()
        .find(|(p, _)| p.get("id") == Some(&canal["id"]))
        .expect("the canal in its first vertex's tile");
    assert_eq!(props["status"], canal["properties"]["status"]);
    // Its first vertex, to within a pixel at zoom 14 (16 units of 2π·R / 2^14 / 4096 m):
    // simplification keeps a line's ends.
    let unit = 2.0 * std::f64::consts::PI * R / f64::from(1u32 << z) / 4096.0;
    let start = mercator(pts[0].0, pts[0].1);
    let got = coords(geometry);
    assert!(
        got.iter()
            .any(|g| (g.0 - start.0).hypot(g.1 - start.1) <= unit),
        "{start:?} in {got:?}"
    );
}

#[tokio::test]
async fn at_low_zoom_every_parcel_is_drawn_or_counted_once() {
    let state = shared_memory_state("small");
    let parcels = fixture("parcels");
    // At zoom 11 a pixel is 76 m of web mercator (72 m on the ground here) and a cell two:
    // the fixture's lots, 20 to 45 m across, are counted.
    let z = 11;
    // The tiles the commune's parcels fall in (by their vertices).
    let mut tiles = std::collections::BTreeSet::new();
    for p in &parcels {
        for (lon, lat) in exterior(p) {
            tiles.insert(tile_of(lon, lat, z));
        }
    }
    let mut counted = 0u64;
    let mut drawn = std::collections::BTreeSet::new();
    for &(x, y) in &tiles {
        let r = Req::get(&format!("/tiles/parcels/{z}/{x}/{y}.mvt"))
            .send(&state)
            .await;
        if r.status == 204 {
            continue;
        }
        assert_eq!(r.status, 200);
        for (p, geometry) in ogr_read(&r.bytes, z, x, y).features {
            if geometry.contains("\"Point\"") {
                counted += p["count"].as_u64().expect("a cell has a count");
                assert!(p.get("id").is_none_or(Value::is_null));
            } else {
                drawn.insert(p["id"].as_str().unwrap().to_owned());
            }
        }
    }
    assert!(
        counted > 0,
        "parcels under two pixels at zoom 11 are counted"
    );
    assert_eq!(
        counted + drawn.len() as u64,
        parcels.len() as u64,
        "{counted} counted and {} drawn",
        drawn.len()
    );
}

#[tokio::test]
async fn a_bad_address_says_what_is_wrong() {
    let state = shared_memory_state("small");
    for (url, status, says) in [
        ("/tiles/parcels/3/8/0.mvt", 400, "outside the grid"),
        ("/tiles/parcels/3/0/8.mvt", 400, "x and y go from 0 to 7"),
        ("/tiles/parcels/25/0/0.mvt", 400, "zoom 25 is not served"),
        (
            "/tiles/parcels/a/0/0.mvt",
            400,
            "zoom `a` is not a whole number",
        ),
        ("/tiles/parcels/3/-1/0.mvt", 400, "column x `-1`"),
        ("/tiles/parcels/3/0/0.png", 400, "ends in .mvt"),
        ("/tiles/roads/3/0/0.mvt", 404, "no collection `roads`"),
    ] {
        let r = Req::get(url).send(&state).await;
        assert_eq!(r.status, status, "{url}: {}", r.text());
        let error = r.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains(says), "{url}: {error}");
    }
    // Far from the data: nothing, as 204 and no body.
    let r = Req::get("/tiles/parcels/18/0/0.mvt").send(&state).await;
    assert_eq!(r.status, 204);
    assert!(r.bytes.is_empty());
}
