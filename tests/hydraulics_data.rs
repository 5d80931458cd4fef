//! The drainage check over the sample data (data/): the endpoints' shapes and verdicts
//! against hand calculations, the catchments layer, report lines for bad networks, and the
//! exported model run in EPA SWMM 5 (swmm-toolkit from tests/requirements.txt).

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any surprise")]

mod common;

use common::{Req, data_copy, memory_state, shared_memory_state};
use drainplan::analysis::hydraulics::{Inputs, check_network};
use drainplan::hydraulics::{DesignOptions, Tables};
use drainplan::model::LayerKind;
use drainplan::store::{Dataset, Feature};
use serde_json::{Value, json};

const DATA: &str = "../../data";

fn section<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["canal_id"] == id)
        .unwrap_or_else(|| panic!("no section {id}"))
}

#[tokio::test]
async fn every_sample_canal_is_checked_and_the_story_holds() {
    let state = shared_memory_state(DATA);
    let r = Req::get("/api/analyses/hydraulics").send(&state).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let a = r.json();
    assert_eq!(
        a["problems"],
        json!([]),
        "the sample network has no problem"
    );
    assert_eq!(a["sections"].as_array().unwrap().len(), 8);
    assert_eq!(a["rain_station"], "Vinh");
    assert_eq!(a["rain_constants_unverified"], true);
    assert_eq!(a["unverified_constants"], true);
    assert!(
        a["unverified_note"]
            .as_str()
            .unwrap()
            .contains("UNVERIFIED")
    );
    for s in a["sections"].as_array().unwrap() {
        for key in common::SECTION_FIELDS
            .iter()
            .copied()
            .chain(["summary", "flood_zones"])
        {
            assert!(!s[key].is_null(), "{} lacks {key}", s["canal_id"]);
        }
        // Q = ψ·q·F / 1000 holds in every answer.
        let q = s["runoff_coefficient"].as_f64().unwrap()
            * s["intensity_l_s_ha"].as_f64().unwrap()
            * s["catchment_area_ha"].as_f64().unwrap()
            / 1000.0;
        assert!((q - s["design_flow_m3s"].as_f64().unwrap()).abs() < 1e-9);
    }
    // The completed canals pass; the old field ditch of Thôn 8 does not.
    assert_eq!(section(&a, "cn-qt-2023")["verdict"], "adequate");
    assert_eq!(section(&a, "cn-tc-2023")["verdict"], "adequate");
    let ditch = section(&a, "cn-08-field");
    assert_eq!(ditch["verdict"], "undersized");
    assert!(ditch["ratio"].as_f64().unwrap() > 1.5);
    assert!(ditch["resize"]["min_bottom_width_m"].as_f64().unwrap() > 2.0);

    // Hand calculation, the planned canal: 1.5 m × 1.5 m concrete rectangle (n 0.013),
    // 0.2 m freeboard → design depth 1.3 m: A = 1.95 m², P = 1.5 + 2·1.3 = 4.1 m,
    // R = 0.475610 m, R^(2/3) = 0.609083; bed 1.65 → 0.90 m over 750 m, S = 0.001;
    // Q = 1.95 · 0.609083 · √0.001 / 0.013 = 2.8902 m³/s. (The line's VN-2000 length
    // differs from its 750 m on the ground by the grid scale, about 1 part in 10⁴.)
    let planned = section(&a, "cn-dd-tc-planned");
    let cap = planned["capacity_m3s"].as_f64().unwrap();
    assert!((cap - 2.8902).abs() / 2.8902 < 5e-4, "{cap}");
    assert_eq!(planned["return_period_years"], 5);
    assert_eq!(planned["flood_zones"], json!(["fz-tc", "fz-dd"]));
    // It takes the infill canal's catchment and its own three.
    let f = planned["catchment_area_ha"].as_f64().unwrap();
    let areas: f64 = a["catchments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            ["ca-dd-tc-e", "ca-dd-tc-w", "ca-dd", "ca-dd-infill"]
                .contains(&c["id"].as_str().unwrap())
        })
        .map(|c| c["area_ha"].as_f64().unwrap())
        .sum();
    assert!((f - areas).abs() < 1e-9);
    // The catchments are rectangles of the design: ca-dd-tc-w is 420 m × 96 m = 4.032 ha.
    let w = a["catchments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ca-dd-tc-w")
        .unwrap();
    assert!((w["area_ha"].as_f64().unwrap() - 4.032).abs() < 0.001);
    let summary = planned["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("carries 2890 l/s against a design inflow of "),
        "{summary}"
    );
    assert!(summary.ends_with(&format!("from {f:.1} ha")), "{summary}");
}

#[tokio::test]
async fn one_canal_its_profile_and_bad_requests() {
    let state = shared_memory_state(DATA);
    let r = Req::get("/api/canals/cn-dd-tc-planned/hydraulics")
        .send(&state)
        .await;
    assert_eq!(r.status, 200);
    let a = r.json();
    assert_eq!(a["section"]["canal_id"], "cn-dd-tc-planned");
    assert_eq!(a["problems"], json!([]));
    assert_eq!(a["rain_constants_unverified"], true);
    let r = Req::get("/api/canals/nope/hydraulics").send(&state).await;
    assert_eq!(r.status, 404);
    let r = Req::get("/api/analyses/hydraulics?station=Nowhere")
        .send(&state)
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("Nowhere"));
    let r = Req::get("/api/analyses/hydraulics?return_period_years=3")
        .send(&state)
        .await;
    assert_eq!(r.status, 422);
    let r = Req::get("/api/analyses/hydraulics?freeboard_m=-1")
        .send(&state)
        .await;
    assert_eq!(r.status, 400);
    let r = Req::get("/api/canals/cn-dd-tc-planned/profile.svg")
        .send(&state)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("image/svg+xml"));
    let svg = r.text();
    assert!(svg.contains("carries 2890 l/s against a design inflow of"));
    assert!(svg.contains("UNVERIFIED"));
    assert!(svg.trim_end().ends_with("</svg>"));
}

#[tokio::test]
async fn catchments_are_a_layer_validated_like_the_others() {
    let state = memory_state(DATA);
    let r = Req::get("/collections/catchments/items?limit=100")
        .send(&state)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["features"].as_array().unwrap().len(), 10);
    // A catchment draining into a canal that does not exist is refused, and nothing changes.
    let body = json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates":
        [[[105.7260, 19.2090], [105.7265, 19.2090], [105.7265, 19.2094], [105.7260, 19.2090]]]},
        "properties": {"name": "x", "drains_to": "cn-nowhere"}});
    let r = Req::post("/collections/catchments/items")
        .user("officer")
        .json(&body)
        .send(&state)
        .await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.text());
    assert!(r.text().contains("drains_to"), "{}", r.text());
    // No drains_to at all: drains nowhere, refused.
    let mut nowhere = body.clone();
    nowhere["properties"] = json!({"name": "x"});
    let r = Req::post("/collections/catchments/items")
        .user("officer")
        .json(&nowhere)
        .send(&state)
        .await;
    assert!(r.status.is_client_error(), "{}", r.text());
    let r = Req::get("/collections/catchments/items?limit=100")
        .send(&state)
        .await;
    assert_eq!(r.json()["features"].as_array().unwrap().len(), 10);
    // A negative width on a canal is refused by the canal layer's rules.
    let r = Req::get("/collections/canals/items/cn-qt-2023")
        .send(&state)
        .await;
    let etag = r.header("etag").unwrap();
    let r = Req::new("PATCH", "/collections/canals/items/cn-qt-2023")
        .user("officer")
        .header("if-match", &etag)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"properties": {"width_m": -1.0}}).to_string())
        .send(&state)
        .await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.text());
}

/// The sample layers with edits applied to some canal and catchment properties.
fn edited(edits: &[(&str, &str, Value)]) -> (Vec<Feature>, Vec<Feature>, Dataset) {
    let data = Dataset::load(std::path::Path::new("data")).unwrap();
    let mut canals = data.layer(LayerKind::Canals).features.clone();
    let mut catchments = data.layer(LayerKind::Catchments).features.clone();
    for (id, key, value) in edits {
        let f = canals
            .iter_mut()
            .chain(catchments.iter_mut())
            .find(|f| f.id == *id)
            .unwrap();
        let mut m = f.properties.to_map();
        if value.is_null() {
            m.remove(*key);
        } else {
            m.insert((*key).to_owned(), value.clone());
        }
        f.properties = m.into();
    }
    (canals, catchments, data)
}

fn problems(edits: &[(&str, &str, Value)]) -> Vec<(String, String)> {
    let (canals, catchments, data) = edited(edits);
    let answer = check_network(
        Inputs {
            canals: &canals,
            catchments: &catchments,
            parcels: data.layer(LayerKind::Parcels),
            flood_zones: &data.layer(LayerKind::FloodZones).features,
        },
        &Tables::bundled().unwrap(),
        &DesignOptions::default(),
    )
    .unwrap();
    // What is left is still checked.
    assert!(answer.section("cn-dd-tc-planned").is_some());
    answer
        .problems
        .iter()
        .map(|p| (p.id.clone(), p.problem.clone()))
        .collect()
}

#[test]
fn a_bad_network_gets_report_lines_and_the_rest_is_checked() {
    // Uphill: the inverts swapped.
    let p = problems(&[
        ("cn-tc-2023", "invert_start_m", json!(0.95)),
        ("cn-tc-2023", "invert_end_m", json!(1.35)),
    ]);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(p[0].0, "cn-tc-2023");
    assert!(p[0].1.contains("bed rises"), "{p:?}");
    // Its catchment has nowhere to go then, and says so.
    assert_eq!(
        p[1],
        (
            "ca-tc".into(),
            "left out: it drains into a canal that is left out".into()
        )
    );
    // A zero slope.
    let p = problems(&[("cn-tc-2023", "invert_end_m", json!(1.35))]);
    assert!(p[0].1.contains("slope is zero"), "{p:?}");
    // A loop: Thôn 6's ditch sent back into Quyết Tiến's canal. Both are reported, and
    // what flows into the loop (Thôn 5's ditch, Thôn 4's canal) is left out with a line.
    let p = problems(&[
        ("cn-06-field", "outfall", Value::Null),
        ("cn-06-field", "flows_to", json!("cn-qt-2023")),
    ]);
    let ids: Vec<&str> = p.iter().map(|x| x.0.as_str()).collect();
    assert!(
        p.iter()
            .any(|x| x.1 == "canals cn-06-field → cn-qt-2023 flow in a loop"),
        "{p:?}"
    );
    assert!(
        ids.contains(&"cn-05-field") && ids.contains(&"cn-04-proposed"),
        "{p:?}"
    );
    // Missing downstream and missing levels.
    let p = problems(&[
        ("cn-tc-2023", "flows_to", Value::Null),
        ("cn-qt-2023", "invert_start_m", Value::Null),
        ("cn-qt-2023", "invert_end_m", Value::Null),
    ]);
    let text: Vec<String> = p.iter().map(|x| format!("{}: {}", x.0, x.1)).collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("cn-tc-2023") && t.contains("where it flows is not given")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("cn-qt-2023") && t.contains("no invert levels")),
        "{text:?}"
    );
    // A catchment draining nowhere.
    let p = problems(&[("ca-08", "drains_to", Value::Null)]);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].0, "ca-08");
    assert!(p[0].1.contains("drains nowhere"));
}

#[test]
fn an_administrators_station_file_loads_over_the_bundled_table() {
    let dir = std::env::temp_dir().join(format!("drainplan-stations-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("hydraulics")).unwrap();
    let head = "station,province,A,C,b,n,source,edition,verified\n";
    std::fs::write(
        dir.join("hydraulics/rain_stations.csv"),
        format!("{head}Vinh,Nghệ An,3430,0.55,20,0.69,checked against the standard's table,TCVN 7957:2023,true\nQuỳnh Lưu,Nghệ An,3400,0.55,20,0.69,test row,TCVN 7957:2023,false\n"),
    )
    .unwrap();
    let t = Tables::for_data_dir(&dir).unwrap();
    assert!(t.station("Vinh").unwrap().verified);
    assert!(t.station("Quỳnh Lưu").is_some());
    assert!(t.station("Tây Hiếu").is_some(), "the others stay");
    // A station with a missing constant: a clear error, the bundled table untouched.
    std::fs::write(
        dir.join("hydraulics/rain_stations.csv"),
        format!("{head}Vinh,Nghệ An,3430,,20,0.69,x,TCVN 7957:2023,true\n"),
    )
    .unwrap();
    let e = Tables::for_data_dir(&dir).unwrap_err().to_string();
    assert!(e.contains("constant C missing"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn compare_body(routes: Value) -> Value {
    json!({
        "routes": routes,
        "section": {"shape": "rectangular", "width_m": 1.5, "depth_m": 1.5, "lining": "concrete",
                    "drainage_class": "village_main"},
        "slope": 0.001,
    })
}

#[tokio::test]
async fn routes_compared_side_by_side() {
    let state = shared_memory_state(DATA);
    let drawn =
        json!({"type": "LineString", "coordinates": [[105.7258, 19.2094], [105.7268, 19.2094]]});
    let body = compare_body(json!([
        {"id": "planned", "canal_id": "cn-dd-tc-planned"},
        {"id": "drawn", "route": drawn},
    ]));
    let r = Req::post("/api/analyses/compare-routes")
        .json(&body)
        .send(&state)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let a = r.json();
    assert_eq!(a["prices_are_samples"], true);
    assert_eq!(a["rain_constants_unverified"], true);
    assert_eq!(a["routes"].as_array().unwrap().len(), 2);
    let rows = a["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let planned = &rows[0];
    assert_eq!(planned["route_id"], "planned");
    // The impact columns are the route impact's.
    let impact = Req::get("/api/canals/cn-dd-tc-planned/impact")
        .send(&state)
        .await
        .json();
    assert_eq!(planned["land_taken_m2"], impact["totals"]["taken_area_m2"]);
    assert_eq!(planned["parcels"], impact["totals"]["parcels"]);
    assert_eq!(planned["gates"], impact["totals"]["gates_to_rebuild"]);
    // Its capacity by hand as in every_sample_canal_is_checked_and_the_story_holds.
    let cap = planned["capacity_m3s"].as_f64().unwrap();
    assert!((cap - 2.8902).abs() / 2.8902 < 5e-4, "{cap}");
    // Cost by hand from data/hydraulics/unit_prices.csv (sample prices): earthwork
    // 1.5 × 1.5 m² × 750 m = 1 687.5 m³ × 150 000; lining 3 500 000 × 750 m; fences
    // 1 200 000 per m; gates 8 000 000 each.
    let length = planned["length_m"].as_f64().unwrap();
    let fences = impact["totals"]["fence_to_rebuild_m"].as_f64().unwrap();
    let gates = impact["totals"]["gates_to_rebuild"].as_f64().unwrap();
    let cost = 2.25 * length * 150_000.0
        + 3_500_000.0 * length
        + 1_200_000.0 * fences
        + 8_000_000.0 * gates;
    let total = planned["cost"]["total_vnd"].as_f64().unwrap();
    assert!((total - cost).abs() < 1.0, "{total} against {cost}");
    // The drawn route crosses the catchments of Thành Công along the planned canal.
    let d = &rows[1];
    assert!(d["design_flow_m3s"].as_f64().unwrap() > 0.0);
    assert!((d["slope"].as_f64().unwrap() - 0.001).abs() < 1e-12);

    // CSV and .xlsx.
    let r = Req::post("/api/analyses/compare-routes?format=csv")
        .json(&body)
        .send(&state)
        .await;
    assert_eq!(r.status, 200);
    let csv = r.text();
    assert!(csv.contains("Route,Length (m)"), "{csv}");
    assert_eq!(csv.lines().filter(|l| !l.is_empty()).count(), 3, "{csv}");
    let r = Req::post("/api/analyses/compare-routes?format=xlsx")
        .json(&body)
        .send(&state)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.bytes.starts_with(b"PK"));

    // Bad input: one route, six routes, a drawn route with no slope, a bad section.
    for (bad, what) in [
        (
            compare_body(json!([{"id": "a", "canal_id": "cn-qt-2023"}])),
            "2 to 5",
        ),
        (
            compare_body(json!(
                (0..6)
                    .map(|i| json!({"id": format!("r{i}"), "canal_id": "cn-qt-2023"}))
                    .collect::<Vec<_>>()
            )),
            "2 to 5",
        ),
        (
            json!({"routes": [{"route": drawn}, {"canal_id": "cn-qt-2023"}],
                   "section": {"width_m": 1.0, "depth_m": 1.0, "lining": "brick"}}),
            "slope",
        ),
        (
            json!({"routes": [{"canal_id": "cn-tc-2023"}, {"canal_id": "cn-qt-2023"}],
                   "section": {"width_m": -1.0, "depth_m": 1.0, "lining": "brick"}}),
            "width",
        ),
    ] {
        let r = Req::post("/api/analyses/compare-routes")
            .json(&bad)
            .send(&state)
            .await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
        assert!(r.text().contains(what), "{}", r.text());
    }
}

#[tokio::test]
async fn the_planned_canals_dossier_says_its_verdict_and_draws_its_profile() {
    use std::io::Read;
    let state = shared_memory_state(DATA);
    let r = Req::get("/api/dossier/canals/cn-dd-tc-planned")
        .send(&state)
        .await;
    assert_eq!(r.status, 200);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(r.bytes)).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let text = read("hydraulics.txt");
    assert!(
        text.contains("carries 2890 l/s against a design inflow of"),
        "{text}"
    );
    assert!(text.contains("fz-tc, fz-dd"), "{text}");
    assert!(text.contains("UNVERIFIED"), "{text}");
    assert!(read("README.txt").contains("carries 2890 l/s"));
    assert!(read("profile.svg").contains("<svg"));
}

#[test]
fn the_shell_checks_exports_and_reads_back_a_swmm_model() {
    let bin = env!("CARGO_BIN_EXE_drainplan");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&[
        "hydraulics",
        "--canal",
        "cn-dd-tc-planned",
        "--data",
        "data",
    ]);
    assert!(
        text.contains("carries 2890 l/s against a design inflow of"),
        "{text}"
    );
    assert!(text.contains("UNVERIFIED"), "{text}");
    let inp = std::env::temp_dir().join(format!("drainplan-net-{}.inp", std::process::id()));
    run(&["export", "--swmm", inp.to_str().unwrap(), "--data", "data"]);
    // Read back as written, nothing changes; an engineer's n on one conduit is reported.
    let report = run(&["import-swmm", inp.to_str().unwrap(), "--data", "data"]);
    assert_eq!(report.matches(": unchanged").count(), 8, "{report}");
    let edited = std::fs::read_to_string(&inp)
        .unwrap()
        .replace("J_cn-06-field 250.007 0.015", "J_cn-06-field 250.007 0.017");
    std::fs::write(&inp, edited).unwrap();
    let report = run(&["import-swmm", inp.to_str().unwrap(), "--data", "data"]);
    assert!(
        report.contains("cn-qt-2023: manning_n null → 0.017"),
        "{report}"
    );
    std::fs::remove_file(&inp).unwrap();
}

/// `import-swmm --apply` writes what the dry run reports, and only that; a model with a
/// value the canals' rules refuse writes nothing.
#[test]
fn a_swmm_model_refined_by_an_engineer_updates_the_canals() {
    let bin = env!("CARGO_BIN_EXE_drainplan");
    let dir = data_copy("data", "import-swmm-apply");
    let data = dir.join("data");
    let data_arg = data.to_str().unwrap();
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).output().unwrap();
    let inp = dir.join("network.inp");
    let inp_arg = inp.to_str().unwrap();
    assert!(
        run(&["export", "--swmm", inp_arg, "--data", data_arg])
            .status
            .success()
    );
    let before = Dataset::load(&data).unwrap();
    let canals_file = data.join("canals.geojson");
    let original = std::fs::read_to_string(&canals_file).unwrap();

    // n 0.015 → 0.017 on the conduit of cn-qt-2023 (the same edit as the dry-run test).
    let written = std::fs::read_to_string(&inp).unwrap();
    assert!(written.contains("J_cn-06-field 250.007 0.015"));
    std::fs::write(
        &inp,
        written.replace("J_cn-06-field 250.007 0.015", "J_cn-06-field 250.007 0.017"),
    )
    .unwrap();
    let out = run(&["import-swmm", inp_arg, "--apply", "--data", data_arg]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("1 canals changed"), "{report}");
    let after = Dataset::load(&data).unwrap();
    let canals = after.layer(LayerKind::Canals);
    let old = before.layer(LayerKind::Canals);
    assert_eq!(canals.features.len(), old.features.len());
    for f in &old.features {
        let now = canals.get(&f.id).unwrap();
        let mut expected = f.properties.to_map();
        if f.id == "cn-qt-2023" {
            expected.insert("manning_n".into(), json!(0.017));
        }
        assert_eq!(now.properties.to_map(), expected, "{}", f.id);
        assert_eq!(now.geometry, f.geometry, "{}", f.id);
    }
    // Read back again: nothing left to change.
    let out = run(&["import-swmm", inp_arg, "--apply", "--data", data_arg]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("nothing to write"), "{report}");

    // n = 0.5 is outside the rule for n (above 0, at most 0.1): refused, nothing written.
    let changed = std::fs::read_to_string(&canals_file).unwrap();
    assert_ne!(changed, original);
    std::fs::write(
        &inp,
        std::fs::read_to_string(&inp)
            .unwrap()
            .replace("J_cn-06-field 250.007 0.017", "J_cn-06-field 250.007 0.5"),
    )
    .unwrap();
    let out = run(&["import-swmm", inp_arg, "--apply", "--data", data_arg]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing was written") && err.contains("cn-qt-2023"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&canals_file).unwrap(), changed);
    let _ = std::fs::remove_dir_all(&dir);
}
