//! The reports over the bundled sample data reproduce the commune's published 2023 figures
//! (DESIGN.md): 200 m of canal completed in Thành Công, 250 m in Quyết Tiến, 750 m planned
//! through Đại Đồng and Thành Công, about 250 m under construction in Đại Đồng; 705 of
//! 1,686 dwellings (1,881 households) registered for piped water, 41.8 %, against 35 %.

use std::path::Path;

use drainplan::analysis::canal_length::{Grouping, canal_length};
use drainplan::analysis::route_impact::route_impact;
use drainplan::analysis::water::water_connection;
use drainplan::model::{CanalStatus, ClearanceStatus};
use drainplan::store::Dataset;

fn sample() -> Dataset {
    Dataset::load_files(Path::new("data")).expect("the sample data loads")
}

fn length(data: &Dataset, status: CanalStatus, village: &str) -> f64 {
    canal_length(data, Grouping::StatusVillage)
        .expect("report")
        .rows
        .iter()
        .filter(|r| {
            r.status == Some(status) && r.village.clone().flatten().as_deref() == Some(village)
        })
        .map(|r| r.length_m)
        .sum()
}

#[test]
fn canal_lengths_match_the_published_figures() {
    let d = sample();
    assert!((length(&d, CanalStatus::Completed, "Thành Công") - 200.0).abs() < 0.5);
    assert!((length(&d, CanalStatus::Completed, "Quyết Tiến") - 250.0).abs() < 0.5);
    let planned_dd = length(&d, CanalStatus::Planned, "Đại Đồng");
    let planned_tc = length(&d, CanalStatus::Planned, "Thành Công");
    assert!(
        planned_dd > 0.0 && planned_tc > 0.0,
        "the planned canal runs through both villages"
    );
    assert!((planned_dd + planned_tc - 750.0).abs() < 0.5);
    // "about 250 m"
    assert!((length(&d, CanalStatus::UnderConstruction, "Đại Đồng") - 250.0).abs() < 5.0);
}

#[test]
fn water_connection_matches_the_published_figures() {
    let d = sample();
    let r = water_connection(&d, "Quỳnh Liên");
    assert_eq!(r.commune.households, 1881);
    assert_eq!(r.commune.dwellings, 1686);
    assert_eq!(r.commune.registered, 705);
    assert_eq!(format!("{:.1}", r.commune.rate * 100.0), "41.8");
    assert!((r.target_rate - 0.35).abs() < 1e-12);
    for v in ["Quyết Tiến", "Thành Công", "Đại Đồng"] {
        assert!(r.villages.iter().any(|row| row.village == v), "{v}");
    }
}

#[test]
fn the_planned_canal_takes_land_from_lots_at_every_clearance_step() {
    let d = sample();
    let planned: Vec<usize> = d
        .canals
        .records
        .iter()
        .enumerate()
        .filter(|(_, c)| c.status == CanalStatus::Planned)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(planned.len(), 1);
    let geo::Geometry::LineString(line) = &d.canals.features[planned[0]].geometry else {
        panic!("the planned canal is a LineString");
    };
    let impact = route_impact(&d, line, 6.0).expect("impact");
    assert!(impact.parcels.len() >= 30, "{}", impact.parcels.len());
    for status in [
        ClearanceStatus::Awaiting,
        ClearanceStatus::Agreed,
        ClearanceStatus::Donated,
    ] {
        assert!(
            impact
                .totals
                .by_clearance_status
                .get(&status)
                .copied()
                .unwrap_or(0)
                > 0,
            "{status}"
        );
    }
    // Strips of 1–4 m from residential lots of a few hundred m²: each a small share (the
    // village road the canal runs along is commune land and loses more).
    let lots: Vec<_> = impact
        .parcels
        .iter()
        .filter(|p| p.land_use == "ONT")
        .collect();
    assert!(lots.len() >= 30);
    assert!(
        lots.iter()
            .all(|p| p.taken_share < 0.25 && p.owner_household.is_some())
    );
    assert!(impact.totals.fence_to_rebuild_m > 0.0);
    assert!(!impact.served_households.is_empty());
}

#[test]
fn the_planned_canal_agrees_with_geos_parcel_by_parcel() {
    // tests/fixtures/planned_canal_geos.json: GEOS (shapely) and PROJ (pyproj), see its `about`.
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/planned_canal_geos.json").expect("fixture"),
    )
    .expect("JSON");
    let d = sample();
    let id = want["canal_id"].as_str().expect("id");
    let geo::Geometry::LineString(line) = &d.canals.get(id).expect("canal").geometry else {
        panic!("{id} is a LineString");
    };
    let impact = route_impact(&d, line, 6.0).expect("impact");
    assert!(
        (impact.route_length_m - want["route_length_m"].as_f64().expect("length")).abs() < 0.01
    );
    let areas = want["taken_area_m2"].as_object().expect("areas");
    let mut got: Vec<&str> = impact.parcels.iter().map(|p| p.id.as_str()).collect();
    let mut expected: Vec<&str> = areas.keys().map(String::as_str).collect();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected);
    for p in &impact.parcels {
        let w = areas[&p.id].as_f64().expect("area");
        assert!(
            (p.taken_area_m2 - w).abs() <= 0.005 * w,
            "{}: {} vs GEOS {w}",
            p.id,
            p.taken_area_m2
        );
    }
}

/// The README's examples that name coordinates of the sample data still fall on it: the
/// route-impact curl example takes land from lots of a named village, and the export's
/// bbox meets parcels.
#[test]
fn the_readme_examples_fall_on_the_sample_data() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let json_after = |marker: &str| -> serde_json::Value {
        let at = readme
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} in README.md"))
            + marker.len();
        let end = readme[at..].find("]]").expect("]]") + at + 2;
        serde_json::from_str(&readme[at..end]).expect("coordinates")
    };
    let coords = json_after(
        r#"api/analyses/route-impact \
  -H 'Content-Type: application/json' \
  -d '{"route": {"type": "LineString", "coordinates": "#,
    );
    let route: geo::LineString = coords
        .as_array()
        .expect("array")
        .iter()
        .map(|c| (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat")))
        .collect::<Vec<_>>()
        .into();
    let d = sample();
    let impact = route_impact(&d, &route, 6.0).expect("impact");
    let lots: Vec<_> = impact
        .parcels
        .iter()
        .filter(|p| p.land_use == "ONT")
        .collect();
    assert!(lots.len() >= 5, "{} lots", lots.len());
    assert!(
        lots.iter().all(|p| p
            .village
            .as_deref()
            .is_some_and(|v| v == "Thành Công" || v == "vil-tc")),
        "the example runs through Thành Công"
    );
    assert!(!impact.flood_zones.is_empty());

    let marker = "api/export/parcels?format=dxf&crs=EPSG:9208&bbox=";
    let at = readme.find(marker).expect("the export bbox example") + marker.len();
    let bbox: Vec<f64> = readme[at..readme[at..].find('\'').expect("'") + at]
        .split(',')
        .map(|x| x.parse().expect("number"))
        .collect();
    let rect = geo::Rect::new(
        geo::coord! { x: bbox[0], y: bbox[1] },
        geo::coord! { x: bbox[2], y: bbox[3] },
    );
    let n = d.parcels.intersecting(rect).len();
    assert!(n > 500, "{n} parcels in the export example's bbox");
}
