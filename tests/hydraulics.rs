//! The hydraulics module from the outside: the shipped tables, the sample data set's canals
//! through the adapter, the result's wire names, and a network through a SWMM file and back.

#![expect(
    clippy::unwrap_used,
    reason = "a test's helpers fail loudly on any surprise"
)]

use std::path::PathBuf;

mod common;

use drainplan::hydraulics::*;
use geo::LineString;
use serde_json::{Map, Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample canals: id, properties and line in VN-2000 metres.
fn sample_canals() -> Vec<(String, Map<String, Value>, LineString<f64>)> {
    let text = std::fs::read_to_string(root().join("data/canals.geojson")).unwrap();
    let fc: Value = serde_json::from_str(&text).unwrap();
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let coords: Vec<(f64, f64)> = f["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                .collect();
            let line = drainplan::crs::geometry_to_metric(&LineString::from(coords)).unwrap();
            (
                f["id"].as_str().unwrap().to_owned(),
                f["properties"].as_object().unwrap().clone(),
                line,
            )
        })
        .collect()
}

#[test]
fn the_shipped_tables_load_from_the_data_directory_as_compiled_in() {
    let from_dir = Tables::load_dir(&root().join("data/hydraulics")).unwrap();
    assert_eq!(from_dir, Tables::bundled().unwrap());
    let err = Tables::load_dir(&root().join("data/no-such-dir")).unwrap_err();
    assert!(err.to_string().contains("manning_n.csv"), "{err}");
}

#[test]
fn sample_canals_carry_their_levels_and_outlets_and_nothing_is_assumed() {
    let tables = Tables::bundled().unwrap();
    let canals = sample_canals();
    assert_eq!(canals.len(), 8);
    let mut sections = Vec::new();
    for (id, props, line) in &canals {
        let c = section_from_canal(id, props, line).unwrap();
        // The data set says shape, width, depth, lining, levels and outlet: nothing taken.
        assert!(c.assumptions.is_empty(), "{id}: {:?}", c.assumptions);
        sections.push(c.section);
    }
    // cn-qt-2023 runs 250 m in Quyết Tiến (the commune's 2023 figure); its projected line
    // is 250 m within the grid's scale.
    let qt = sections
        .iter()
        .find(|s| s.canal_id == "cn-qt-2023")
        .unwrap();
    assert!((qt.length_m - 250.0).abs() < 1.0, "{}", qt.length_m);
    // Without its levels and outlet each would be reported, never guessed.
    let bare: Vec<_> = sections
        .iter()
        .cloned()
        .map(|mut s| {
            s.levels = None;
            s.downstream = None;
            s
        })
        .collect();
    Network::new(sections, vec![], &tables).unwrap();
    let problems = Network::new(bare, vec![], &tables).unwrap_err().0;
    for (id, ..) in &canals {
        assert!(problems.contains(&NetworkProblem::MissingLevels {
            canal_id: id.clone()
        }));
        assert!(problems.contains(&NetworkProblem::MissingDownstream {
            canal_id: id.clone()
        }));
    }
    assert_eq!(problems.len(), 16);
}

#[test]
fn a_sample_canal_with_its_levels_is_checked_and_the_result_has_its_wire_names() {
    let tables = Tables::bundled().unwrap();
    let (id, mut props, line) = sample_canals()
        .into_iter()
        .find(|(id, ..)| id == "cn-dd-tc-planned")
        .unwrap();
    // The planned 750 m canal through Đại Đồng and Thành Công, with levels a survey would
    // give: 2.10 m falling to 1.35 m (slope 0.001), out to the creek.
    props.remove("flows_to");
    for (k, v) in [
        ("invert_start_m", json!(2.10)),
        ("invert_end_m", json!(1.35)),
        ("outfall", json!("lach-con")),
        ("drainage_class", json!("village_main")),
    ] {
        props.insert(k.into(), v);
    }
    let c = section_from_canal(&id, &props, &line).unwrap();
    let catchment = Catchment {
        id: "k-dd-tc".into(),
        drains_to: id.clone(),
        area_m2: 120_000.0,
        land_use: vec![
            LandUseArea {
                code: "ONT".into(),
                area_m2: 70_000.0,
            },
            LandUseArea {
                code: "LUC".into(),
                area_m2: 30_000.0,
            },
        ],
        surface_time_min: None,
        gutter_time_min: None,
        overland_length_m: None,
        slope_percent: None,
        polygon: None,
    };
    let net = Network::new(vec![c.section], vec![catchment], &tables).unwrap();
    let results = design(&net, &tables, &DesignOptions::default()).unwrap();
    let r = &results[0];
    assert_eq!(r.return_period_years, 5);
    // Q = ψ·q·F with F = 12 ha, whatever t came to.
    assert!(
        (r.design_flow_m3s - r.runoff_coefficient * r.intensity_l_s_ha * 12.0 / 1000.0).abs()
            < 1e-12
    );
    let wire = serde_json::to_value(r).unwrap();
    println!("{}", serde_json::to_string_pretty(&wire).unwrap());
    for key in common::SECTION_FIELDS
        .iter()
        .copied()
        .chain(["rain_constants_unverified"])
    {
        assert!(wire.get(key).is_some(), "{key} missing from {wire}");
    }
    assert_eq!(wire["shape"], "rectangular_open");
    assert_eq!(wire["rain_constants_unverified"], true);
    assert!(
        ["adequate", "undersized", "scouring", "too_slow"]
            .contains(&wire["verdict"].as_str().unwrap())
    );
}

fn village() -> (Network, Tables) {
    let tables = Tables::bundled().unwrap();
    let line =
        |a: (f64, f64), b: (f64, f64)| Some(LineString::from(vec![a, (a.0 + 1.0, a.1 + 1.0), b]));
    let mk =
        |id: &str, xs: CrossSection, lining: &str, inverts: (f64, f64), to: Downstream, a, b| {
            Section {
                canal_id: id.into(),
                cross_section: xs,
                lining: lining.into(),
                manning_n: None,
                length_m: 150.0,
                levels: Some(Levels::Inverts {
                    upstream_m: inverts.0,
                    downstream_m: inverts.1,
                }),
                downstream: Some(to),
                canal_class: None,
                line: line(a, b),
            }
        };
    let sections = vec![
        mk(
            "cn-a",
            CrossSection::trapezoidal(0.6, 0.8, 1.5),
            "earth",
            (2.6, 2.35),
            Downstream::Canal("cn-main".into()),
            (602_000.0, 2_125_100.0),
            (602_100.0, 2_125_000.0),
        ),
        mk(
            "cn-b",
            CrossSection::circular(0.6),
            "pipe_concrete",
            (2.5, 2.3),
            Downstream::Canal("cn-main".into()),
            (602_100.0, 2_124_900.0),
            (602_100.0, 2_125_000.0),
        ),
        mk(
            "cn-main",
            CrossSection::rectangular(1.2, 1.2),
            "brick",
            (2.3, 2.0),
            Downstream::Outfall("lach-con".into()),
            (602_100.0, 2_125_000.0),
            (602_300.0, 2_125_000.0),
        ),
    ];
    let net = Network::new(sections, vec![], &tables).unwrap();
    (net, tables)
}

#[test]
fn a_network_goes_through_a_swmm_file_and_back() {
    let (net, tables) = village();
    let inp = write_inp(&net, &tables, &SwmmOptions::default()).unwrap();
    // cn-a ends 5 cm above cn-main's bed: it enters its junction with an outlet offset.
    assert!(
        inp.contains("cn-a J_cn-a J_cn-main 150.000 0.027 0 0.0500 0 0"),
        "{inp}"
    );
    let back = read_inp(&inp, &tables).unwrap();
    assert_eq!(back.len(), 3);
    for (a, b) in net.sections().iter().zip(&back) {
        assert_eq!(a.canal_id, b.canal_id);
        assert_eq!(a.cross_section, b.cross_section);
        assert_eq!(a.lining, b.lining);
        assert_eq!(
            b.manning_n, None,
            "{}: the lining's n, not an override",
            b.canal_id
        );
        assert_eq!(a.downstream, b.downstream);
        assert!((a.length_m - b.length_m).abs() < 1e-3);
        let (
            Some(Levels::Inverts {
                upstream_m: u1,
                downstream_m: d1,
            }),
            Some(Levels::Inverts {
                upstream_m: u2,
                downstream_m: d2,
            }),
        ) = (a.levels, b.levels)
        else {
            panic!("levels lost");
        };
        assert!(
            (u1 - u2).abs() < 1e-4 && (d1 - d2).abs() < 1e-4,
            "{}: {u1} {d1} vs {u2} {d2}",
            a.canal_id
        );
        let (la, lb) = (a.line.as_ref().unwrap(), b.line.as_ref().unwrap());
        assert_eq!(la.0.len(), lb.0.len(), "{}: vertices", a.canal_id);
        for (p, q) in la.0.iter().zip(&lb.0) {
            assert!((p.x - q.x).abs() < 1e-3 && (p.y - q.y).abs() < 1e-3);
        }
    }
    // The round trip checks as a network again.
    Network::new(back, vec![], &tables).unwrap();
}

#[test]
fn a_network_refined_in_swmm_updates_the_canals() {
    let (net, tables) = village();
    let inp = write_inp(&net, &tables, &SwmmOptions::default()).unwrap();
    // The engineer widens the main drain to 1.5 m and, after a site visit, sets its
    // roughness to 0.017 (old brickwork), and lowers its upstream junction by 5 cm (the
    // pipe that ends there with no offset is lowered with it).
    let refined = inp
        .replace(
            "cn-main RECT_OPEN 1.2 1.2 0 0 1",
            "cn-main RECT_OPEN 1.2 1.5 0 0 1",
        )
        .replace(
            "cn-main J_cn-main lach-con 150.000 0.015",
            "cn-main J_cn-main lach-con 150.000 0.017",
        )
        .replace("J_cn-main 2.3000 1.2000", "J_cn-main 2.2500 1.2000");
    assert_ne!(refined, inp);
    let back = read_inp(&refined, &tables).unwrap();
    let main = back.iter().find(|s| s.canal_id == "cn-main").unwrap();
    let props = section_properties(main);
    assert_eq!(props["width_m"], json!(1.5));
    assert_eq!(props["manning_n"], json!(0.017));
    assert_eq!(props["invert_start_m"], json!(2.25));
    assert_eq!(props["outfall"], json!("lach-con"));
    let pipe = back.iter().find(|s| s.canal_id == "cn-b").unwrap();
    assert_eq!(section_properties(pipe)["invert_end_m"], json!(2.25));
    // Those properties, set on the canal feature, give the refined section back (its length
    // then comes from the feature's line, as for every canal).
    let line = main.line.clone().unwrap();
    let again = section_from_canal("cn-main", &props, &line).unwrap();
    let expected = Section {
        length_m: geo::Length::length(&geo::Euclidean, &line),
        ..main.clone()
    };
    assert_eq!(again.section, expected);
}
