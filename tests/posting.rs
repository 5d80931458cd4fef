//! The posting list of a canal (`GET /api/canals/{id}/posting`): its figures against GEOS,
//! its formats, its validation and what the public sees of it.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Reply, Req, copy_fixture, disk_state};
use drainplan::api::AppState;
use serde_json::Value;

/// The canal of tests/fixtures/planned_canal_geos.json.
const CANAL: &str = "cn-dd-tc-planned";

/// The service over a copy of the sample data (data/), with the three test users.
fn sample_state(name: &str) -> (std::path::PathBuf, AppState) {
    let dir = copy_fixture("../../data", name);
    let state = disk_state(&dir);
    (dir, state)
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect(path)).expect(path)
}

/// The parcels' properties of data/parcels.geojson, read as plain JSON (not through the
/// code under test), by id.
fn parcel_properties() -> BTreeMap<String, Value> {
    read_json("data/parcels.geojson")["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().expect("id").to_owned(),
                f["properties"].clone(),
            )
        })
        .collect()
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 0.005 * want.abs() + 0.01,
        "{what}: {got} vs {want}"
    );
}

#[tokio::test]
async fn the_figures_agree_with_geos_per_parcel_and_per_household() {
    let (dir, state) = sample_state("figures");
    let r = Req::get(&format!("/api/canals/{CANAL}/posting"))
        .user("viewer")
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = r.json();

    // tests/fixtures/planned_canal_geos.json: the m² taken from each parcel by this canal
    // with a 6 m corridor, computed with GEOS (shapely) and PROJ (pyproj); see its `about`.
    let geos = read_json("tests/fixtures/planned_canal_geos.json");
    let want: BTreeMap<String, f64> = geos["taken_area_m2"]
        .as_object()
        .expect("areas")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().expect("area")))
        .collect();
    let props = parcel_properties();

    let parcels = list["parcels"].as_array().expect("parcels");
    let got: BTreeSet<&str> = parcels
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(got, want.keys().map(String::as_str).collect());
    // By map sheet, then parcel number, as the commune reads a cadastral list.
    let keys: Vec<(i64, i64)> = parcels
        .iter()
        .map(|p| {
            (
                p["map_sheet"].as_i64().unwrap(),
                p["parcel_no"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);

    for p in parcels {
        let id = p["id"].as_str().unwrap();
        close(p["taken_area_m2"].as_f64().unwrap(), want[id], id);
        let source = &props[id];
        assert_eq!(p["map_sheet"], source["map_sheet"], "{id}");
        assert_eq!(p["parcel_no"], source["parcel_no"], "{id}");
        assert_eq!(p["land_use"], source["land_use"], "{id}");
        assert_eq!(p["owner_household"], source["owner_household"], "{id}");
        assert_eq!(p["clearance_status"], source["clearance_status"], "{id}");
        let arrangement = match source["clearance_status"].as_str().unwrap() {
            "donated" => "donated",
            "compensated" => "compensated",
            _ => "not_settled",
        };
        assert_eq!(p["arrangement"], arrangement, "{id}");
        // The whole parcel against its legal area in the data (the generator draws each
        // lot to its legal area; within 2 %).
        if let Some(legal) = source["area_legal_m2"].as_f64() {
            let area = p["parcel_area_m2"].as_f64().unwrap();
            assert!(
                (area - legal).abs() <= 0.02 * legal,
                "{id}: {area} vs legal {legal}"
            );
        }
    }

    // Per household: GEOS areas summed by the owner the data file names.
    let mut by_owner: BTreeMap<String, (f64, f64, f64, usize)> = BTreeMap::new();
    for (id, area) in &want {
        let owner = props[id]["owner_household"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let e = by_owner.entry(owner).or_default();
        e.0 += area;
        match props[id]["clearance_status"].as_str().unwrap() {
            "donated" => e.1 += area,
            "compensated" => e.2 += area,
            _ => {}
        }
        e.3 += 1;
    }
    let households = list["households"].as_array().expect("households");
    assert_eq!(households.len(), by_owner.len());
    for h in households {
        let key = h["household"].as_str().unwrap_or("").to_owned();
        let (taken, donated, compensated, n) = by_owner[&key];
        close(h["taken_area_m2"].as_f64().unwrap(), taken, &key);
        close(h["donated_m2"].as_f64().unwrap(), donated, &key);
        close(h["compensated_m2"].as_f64().unwrap(), compensated, &key);
        assert_eq!(h["parcels"].as_array().unwrap().len(), n, "{key}");
        if !key.is_empty() {
            assert!(h["head"].as_str().is_some_and(|s| !s.is_empty()), "{key}");
        }
    }

    let t = &list["totals"];
    assert_eq!(t["parcels"], want.len());
    let owners = by_owner.keys().filter(|k| !k.is_empty()).count();
    assert_eq!(t["households"], owners);
    close(
        t["taken_area_m2"].as_f64().unwrap(),
        want.values().sum(),
        "total",
    );
    let donated: f64 = by_owner.values().map(|e| e.1).sum();
    let compensated: f64 = by_owner.values().map(|e| e.2).sum();
    close(t["donated_m2"].as_f64().unwrap(), donated, "donated");
    close(
        t["compensated_m2"].as_f64().unwrap(),
        compensated,
        "compensated",
    );
    // The three parts add up to the whole, to the cm² each row is shown to.
    let parts = t["donated_m2"].as_f64().unwrap()
        + t["compensated_m2"].as_f64().unwrap()
        + t["not_settled_m2"].as_f64().unwrap();
    assert!((parts - t["taken_area_m2"].as_f64().unwrap()).abs() < 0.011);

    let heading = &list["heading"];
    assert_eq!(heading["canal_id"], CANAL);
    close(
        heading["route_length_m"].as_f64().unwrap(),
        geos["route_length_m"].as_f64().unwrap(),
        "length",
    );
    assert_eq!(heading["corridor_width_m"], 6.0);
    assert_eq!(heading["min_comment_period_days"], 30);
    assert!(heading["commune"].as_str().unwrap().contains("Quỳnh Liên"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn mistakes_get_a_clear_error() {
    let (dir, state) = sample_state("mistakes");
    for (uri, status, says) in [
        ("/api/canals/no-such/posting", 404u16, "no canal `no-such`"),
        (
            "/api/canals/cn-dd-tc-planned/posting?format=pdf",
            400,
            "format=`pdf` is not one of json, html, xlsx, csv",
        ),
        (
            "/api/canals/cn-dd-tc-planned/posting?corridor_width_m=wide",
            400,
            "corridor_width_m",
        ),
        (
            "/api/canals/cn-dd-tc-planned/posting?corridor_width_m=-6",
            400,
            "corridor",
        ),
        (
            "/api/canals/cn-dd-tc-planned/posting?colour=red",
            400,
            "colour",
        ),
    ] {
        let r = Req::get(uri).user("viewer").send(&state).await;
        assert_eq!(r.status, status, "{uri}: {}", r.text());
        let error = r.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains(says), "{uri}: {error}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Heads of the households whose land the canal takes, from data/households.geojson.
fn affected_heads() -> Vec<String> {
    let props = parcel_properties();
    let geos = read_json("tests/fixtures/planned_canal_geos.json");
    let owners: BTreeSet<&str> = geos["taken_area_m2"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|id| props[id]["owner_household"].as_str())
        .collect();
    let households = read_json("data/households.geojson");
    households["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| owners.contains(f["id"].as_str().unwrap()))
        .map(|f| f["properties"]["head"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_names_absent(text: &str, heads: &[String], what: &str) {
    for h in heads {
        assert!(!text.contains(h.as_str()), "{what}: the public reads `{h}`");
    }
}

/// Every cell openpyxl reads from a workbook answer, and its sheet names.
fn workbook_cells(r: &Reply, name: &str) -> (Vec<String>, Vec<String>) {
    assert_eq!(r.status, 200, "{name}: {}", r.text());
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("posting");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.xlsx"));
    std::fs::write(&path, &r.bytes).unwrap();
    let out = common::python::run_python(
        "import json, sys, openpyxl\n\
         wb = openpyxl.load_workbook(sys.argv[1])\n\
         cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]\n\
         print(json.dumps([cells, wb.sheetnames]))",
        &[&path.display().to_string()],
    );
    serde_json::from_str(&out).expect("openpyxl's answer")
}

#[tokio::test]
async fn a_viewer_gets_every_format_and_the_public_counts_only() {
    let (dir, state) = sample_state("formats");
    let heads = affected_heads();
    assert!(heads.len() > 80, "{}", heads.len());
    let uri = |f: &str| format!("/api/canals/{CANAL}/posting?format={f}");

    // The viewer: names in every format.
    let json = Req::get(&uri("json"))
        .user("viewer")
        .send(&state)
        .await
        .json();
    let html = Req::get(&uri("html")).user("viewer").send(&state).await;
    assert_eq!(html.status, 200);
    assert_eq!(html.content_type(), "text/html; charset=utf-8");
    let csp = html.header("content-security-policy").unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    let page = html.text();
    assert!(page.contains("DANH SÁCH CÔNG KHAI"));
    assert!(page.contains(&heads[0]));
    assert_eq!(
        page.matches("<tr><td class=\"n\">").count(),
        92 + json["households"].as_array().unwrap().len()
    );

    let (cells, sheets) = workbook_cells(
        &Req::get(&uri("xlsx")).user("viewer").send(&state).await,
        "viewer",
    );
    assert_eq!(
        sheets,
        [
            "Tổng hợp (totals)",
            "Theo thửa (by parcel)",
            "Theo hộ (by household)",
            "Ghi chú (notes)"
        ]
    );
    assert!(cells.contains(&heads[0]));
    // Totals as formulas over the rows: 92 parcel rows under the header, totals in row 94.
    assert!(
        cells.iter().any(|c| c == "=SUM(I2:I93)"),
        "{:?}",
        &cells[..20]
    );

    let csv = Req::get(&uri("csv")).user("viewer").send(&state).await;
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert!(text.starts_with("\u{feff}map_sheet,parcel_no,parcel_id,owner_head,"));
    // Header, 92 parcels, totals.
    assert_eq!(text.lines().count(), 94);

    // The public: the heading and the counts, in every format, and no name.
    let public = Req::get(&uri("json")).send(&state).await;
    assert_eq!(public.status, 200);
    let p = public.json();
    assert!(p.get("parcels").is_none() && p.get("households").is_none());
    assert_eq!(p["details_withheld"], true);
    assert_eq!(p["totals"], json["totals"]);
    assert_names_absent(&public.text(), &heads, "json");
    for hh in json["households"].as_array().unwrap() {
        if let Some(id) = hh["household"].as_str() {
            assert!(!public.text().contains(id), "json: the public reads {id}");
        }
    }
    let page = Req::get(&uri("html")).send(&state).await.text();
    assert!(page.contains("DANH SÁCH CÔNG KHAI"));
    assert!(!page.contains("table class=\"parcels\""));
    assert_names_absent(&page, &heads, "html");
    let (cells, sheets) = workbook_cells(&Req::get(&uri("xlsx")).send(&state).await, "public");
    assert_eq!(sheets, ["Tổng hợp (totals)", "Ghi chú (notes)"]);
    assert_names_absent(&cells.join("\n"), &heads, "xlsx");
    assert!(cells.contains(&"92".to_owned()), "{cells:?}");
    let csv = Req::get(&uri("csv")).send(&state).await.text();
    assert_names_absent(&csv, &heads, "csv");
    assert!(csv.contains("Số thửa (parcels),92"), "{csv}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_drawn_route_gets_the_same_list_as_a_draft() {
    let (dir, state) = sample_state("drawn");
    // The planned canal's line, read from the data file, sent as a drawn route.
    let canals = read_json("data/canals.geojson");
    let line = canals["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == CANAL)
        .expect("the planned canal")["geometry"]
        .clone();
    let body = serde_json::json!({"route": line, "corridor_width_m": 6});
    let r = Req::post("/api/analyses/posting-list")
        .user("viewer")
        .json(&body)
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = r.json();
    // GEOS's areas of tests/fixtures/planned_canal_geos.json, summed.
    let geos = read_json("tests/fixtures/planned_canal_geos.json");
    let areas = geos["taken_area_m2"].as_object().unwrap();
    let total: f64 = areas.values().map(|v| v.as_f64().unwrap()).sum();
    assert_eq!(list["totals"]["parcels"], areas.len());
    close(
        list["totals"]["taken_area_m2"].as_f64().unwrap(),
        total,
        "total",
    );
    assert_eq!(list["heading"]["canal_id"], "drawn-route");
    assert_eq!(list["heading"]["posting"], Value::Null);

    let public = Req::post("/api/analyses/posting-list?format=html")
        .json(&body)
        .send(&state)
        .await;
    assert_eq!(public.status, 200);
    assert_names_absent(&public.text(), &affected_heads(), "drawn html");
    let bad = Req::post("/api/analyses/posting-list")
        .json(&serde_json::json!({"route": {"type": "LineString", "coordinates": [[19.2094, 105.7258], [19.2094, 105.7268]]}}))
        .send(&state)
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(
        bad.json()["error"]
            .as_str()
            .unwrap()
            .contains("latitude, longitude")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
