//! Tests of the generated sample against the published figures, checked with geo's own
//! geodesic lengths, clipping, buffering and intersection rather than the generator's
//! rectangle arithmetic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use geo::algorithm::buffer::{BufferStyle, LineCap};
use geo::{
    Area, BooleanOps, BoundingRect, Buffer, Contains, Intersects, LineString, MultiLineString,
    MultiPolygon,
};
use serde_json::Value;

use super::*;
use crate::crs;
use crate::store::Dataset;

fn sample() -> &'static Layers {
    static SAMPLE: OnceLock<Layers> = OnceLock::new();
    SAMPLE.get_or_init(|| generate(&Params::default()).unwrap())
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drainplan-gen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn s<'a>(f: &'a Feature, name: &str) -> &'a str {
    f.properties[name].as_str().unwrap_or_default()
}

fn num(f: &Feature, name: &str) -> f64 {
    f.properties[name].as_f64().unwrap()
}

fn by_id<'a>(layer: &'a [Feature], id: &str) -> &'a Feature {
    layer.iter().find(|f| f.id == id).unwrap()
}

fn polygon(f: &Feature) -> MultiPolygon {
    match &f.geometry {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => mp.clone(),
        g => panic!("{} is a {g:?}", f.id),
    }
}

fn line(f: &Feature) -> &LineString {
    match &f.geometry {
        Geometry::LineString(l) => l,
        g => panic!("{} is a {g:?}", f.id),
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let (a, b, c, d) = (tmp("a"), tmp("b"), tmp("c"), tmp("d"));
    generate_to_dir(&Params::default(), &a).unwrap();
    generate_to_dir(&Params::default(), &b).unwrap();
    write(sample(), &c).unwrap();
    let fa = files(&a);
    assert_eq!(
        fa.keys().cloned().collect::<Vec<_>>(),
        [
            "canals.geojson",
            "catchments.geojson",
            "flood_zones.geojson",
            "households.geojson",
            "parcels.geojson",
            "villages.geojson"
        ],
        "six files and no temporary leftovers"
    );
    assert!(fa == files(&b), "two runs with seed 42 differ");
    assert!(fa == files(&c), "streaming and in-memory writing differ");
    for bytes in fa.values() {
        assert!(bytes.ends_with(b"]}\n"));
    }
    generate_to_dir(
        &Params {
            seed: 7,
            communes: 1,
        },
        &d,
    )
    .unwrap();
    assert!(fa["households.geojson"] != files(&d)["households.geojson"]);
    for dir in [a, b, c, d] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn the_committed_sample_is_what_seed_42_generates() {
    let dir = tmp("committed");
    generate_to_dir(&Params::default(), &dir).unwrap();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for (name, bytes) in files(&dir) {
        let old = std::fs::read(committed.join(&name)).unwrap_or_default();
        assert!(
            old == bytes,
            "data/{name} is stale: run `cargo run -- generate --seed 42 --out data`"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_loader_accepts_the_output() {
    let dir = tmp("load");
    let summary = generate_to_dir(&Params::default(), &dir).unwrap();
    let ds = Dataset::load(&dir).unwrap();
    for (kind, n) in LayerKind::ALL.into_iter().zip(summary.features) {
        assert_eq!(ds.layer(kind).features.len(), n, "{kind}");
    }
    assert_eq!(summary.features, [8, 8, 3969, 3, 1881]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn water_figures_are_the_published_ones() {
    let hh = &sample().households;
    assert_eq!(hh.len(), 1881);
    let mut dwellings: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut per_village: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for h in hh {
        dwellings
            .entry(s(h, "dwelling_id"))
            .or_default()
            .insert(s(h, "water_status"));
        per_village
            .entry(s(h, "village_id"))
            .or_default()
            .insert(s(h, "dwelling_id"));
    }
    assert_eq!(dwellings.len(), 1686);
    assert!(
        dwellings.values().all(|st| st.len() == 1),
        "one status per dwelling"
    );
    let registered = |st: &BTreeSet<&str>| st.contains("registered") || st.contains("connected");
    assert_eq!(dwellings.values().filter(|st| registered(st)).count(), 705);
    assert!(dwellings.values().any(|st| st.contains("connected")));
    // 705 / 1686 = 41.8 % over the commune, some villages under the 35 % target.
    let rates: Vec<f64> = per_village
        .values()
        .map(|ds| ds.iter().filter(|d| registered(&dwellings[*d])).count() as f64 / ds.len() as f64)
        .collect();
    assert!(rates.iter().any(|r| *r < 0.35) && rates.iter().any(|r| *r > 0.35));
}

#[test]
fn canal_lengths_are_the_published_ones() {
    let l = sample();
    let inside = |canal: &Feature, village: &str| {
        let clip = polygon(by_id(&l.villages, village))
            .clip(&MultiLineString(vec![line(canal).clone()]), false);
        clip.0.iter().map(crs::geodesic_length_m).sum::<f64>()
    };
    for (id, village, m) in [
        ("cn-tc-2023", "vil-tc", 200.0),
        ("cn-qt-2023", "vil-qt", 250.0),
        ("cn-dd-infill", "vil-dd", 248.0),
    ] {
        let c = by_id(&l.canals, id);
        assert!((crs::geodesic_length_m(line(c)) - m).abs() < 0.3, "{id}");
        assert!(
            (inside(c, village) - m).abs() < 0.3,
            "{id} inside {village}"
        );
    }
    let planned = by_id(&l.canals, "cn-dd-tc-planned");
    assert_eq!(s(planned, "status"), "planned");
    assert_eq!(s(planned, "villages"), "Đại Đồng, Thành Công");
    assert!((crs::geodesic_length_m(line(planned)) - 750.0).abs() < 0.3);
    assert!((inside(planned, "vil-dd") - 400.0).abs() < 0.3);
    assert!((inside(planned, "vil-tc") - 350.0).abs() < 0.3);
    assert_eq!(
        s(by_id(&l.canals, "cn-dd-infill"), "status"),
        "under_construction"
    );
}

/// The parcels that a canal's 6 m corridor (flat ends) takes land from, with the area
/// taken and the depth of the strip, computed in the metric CRS with geo's buffer.
fn taken(canal: &Feature) -> Vec<(&'static Feature, f64, f64)> {
    let metric = crs::geometry_to_metric(line(canal)).unwrap();
    let corridor = metric.buffer_with_style(BufferStyle::new(3.0).line_cap(LineCap::Butt));
    let wgs_box = line(canal).bounding_rect().unwrap();
    sample()
        .parcels
        .iter()
        .filter(|p| {
            let b = p.geometry.bounding_rect().unwrap();
            // 1e-4° ≈ 10 m: wide enough to keep every parcel the 3 m corridor can reach.
            b.max().x > wgs_box.min().x - 1e-4
                && b.min().x < wgs_box.max().x + 1e-4
                && b.max().y > wgs_box.min().y - 1e-4
                && b.min().y < wgs_box.max().y + 1e-4
        })
        .filter_map(|p| {
            let pm = crs::geometry_to_metric(&polygon(p)).unwrap();
            if !pm.intersects(&corridor) {
                return None;
            }
            let cut = pm.intersection(&corridor);
            let area = cut.unsigned_area();
            let r = cut.bounding_rect()?;
            (area > 1e-3).then(|| (p, area, area / r.width()))
        })
        .collect()
}

fn owner<'a>(l: &'a Layers, p: &Feature) -> &'a Feature {
    by_id(&l.households, s(p, "owner_household"))
}

#[test]
fn the_planned_corridor_takes_a_strip_of_lots_on_both_sides() {
    let l = sample();
    let planned = by_id(&l.canals, "cn-dd-tc-planned");
    let lots: Vec<_> = taken(planned)
        .into_iter()
        .filter(|(p, ..)| s(p, "land_use") == "ONT")
        .collect();
    assert!(lots.len() > 60, "{} lots", lots.len());
    let mut statuses = BTreeMap::new();
    let (mut walls, mut gates, mut in_tc_both_sides) = (0, 0, BTreeSet::new());
    for (p, area, depth) in &lots {
        assert!((1.0..=4.0).contains(depth), "{}: strip {depth} m", p.id);
        *statuses.entry(s(p, "clearance_status")).or_insert(0) += 1;
        walls += usize::from(s(p, "fence_type") == "wall");
        gates += usize::from(p.properties["gate"] == Value::Bool(true));
        if s(p, "village_id") == "vil-tc" {
            in_tc_both_sides.insert((*depth * 100.0).round() as i64);
        }
        let o = owner(l, p);
        let (pledged, donated) = (num(o, "land_pledged_m2"), num(o, "land_donated_m2"));
        match s(p, "clearance_status") {
            "donated" | "cleared" => {
                assert!(donated > 0.0 && (donated - area).abs() < 0.2, "{}", p.id);
            }
            "agreed" => assert!((pledged - area).abs() < 0.2 && donated == 0.0, "{}", p.id),
            "awaiting" | "compensated" => assert!(pledged == 0.0 && donated == 0.0),
            other => panic!("{}: {other} along the planned canal", p.id),
        }
    }
    for st in ["awaiting", "agreed", "donated", "compensated", "cleared"] {
        assert!(statuses.get(st).is_some_and(|n| *n > 0), "{statuses:?}");
    }
    assert!(walls * 2 > lots.len() && gates > 0 && gates < lots.len());
    // Thành Công's lane: 1.75 m from each side.
    assert_eq!(in_tc_both_sides, BTreeSet::from([175]));
}

#[test]
fn lots_along_the_completed_canals_were_given() {
    let l = sample();
    for id in ["cn-qt-2023", "cn-tc-2023"] {
        let lots: Vec<_> = taken(by_id(&l.canals, id))
            .into_iter()
            .filter(|(p, ..)| s(p, "land_use") == "ONT")
            .collect();
        assert!(lots.len() > 10, "{id}");
        for (p, ..) in lots {
            assert!(matches!(s(p, "clearance_status"), "donated" | "cleared"));
            assert!(num(owner(l, p), "land_donated_m2") > 0.0);
            assert!(!s(p, "clearance_date").is_empty());
        }
    }
    // Away from the canals nothing is asked.
    let asked = l
        .parcels
        .iter()
        .filter(|p| s(p, "clearance_status") != "not_required")
        .count();
    assert!(asked < 200, "{asked}");
}

#[test]
fn villages_share_boundaries_and_cover_their_parcels_and_households() {
    let l = sample();
    let villages: BTreeMap<&str, MultiPolygon> = l
        .villages
        .iter()
        .map(|v| (v.id.as_str(), polygon(v)))
        .collect();
    let metric: Vec<MultiPolygon> = villages
        .values()
        .map(|v| crs::geometry_to_metric(v).unwrap())
        .collect();
    for (i, a) in metric.iter().enumerate() {
        for b in &metric[i + 1..] {
            assert!(a.intersection(b).unsigned_area() < 1e-6);
        }
    }
    for p in &l.parcels {
        assert!(
            villages[s(p, "village_id")].contains(&polygon(p)),
            "{} outside its village",
            p.id
        );
    }
    for h in &l.households {
        let Geometry::Point(pt) = h.geometry else {
            panic!()
        };
        assert!(villages[s(h, "village_id")].contains(&pt), "{}", h.id);
    }
    let names: BTreeSet<&str> = l.villages.iter().map(|v| s(v, "name")).collect();
    for n in ["Quyết Tiến", "Thành Công", "Đại Đồng"] {
        assert!(names.contains(n));
    }
}

#[test]
fn named_villages_have_rows_of_owned_lots() {
    let l = sample();
    let households: BTreeMap<&str, &Feature> =
        l.households.iter().map(|h| (h.id.as_str(), h)).collect();
    for v in ["vil-qt", "vil-tc", "vil-dd"] {
        let lots: Vec<&Feature> = l
            .parcels
            .iter()
            .filter(|p| s(p, "village_id") == v && s(p, "land_use") == "ONT")
            .collect();
        assert!(lots.len() > 200, "{v}");
        for p in lots {
            let area = crs::geometry_to_metric(&polygon(p))
                .unwrap()
                .unsigned_area();
            assert!((199.9..=450.1).contains(&area), "{}: {area} m²", p.id);
            assert!((num(p, "area_legal_m2") / area - 1.0).abs() < 0.02);
            let o = households[s(p, "owner_household")];
            assert_eq!(s(o, "village_id"), v);
            assert!(p.properties["frontage_edge"].is_u64());
        }
    }
}

#[test]
fn flooded_households_that_lose_no_land_give_money_and_labour() {
    let l = sample();
    let tc = polygon(by_id(&l.flood_zones, "fz-tc"));
    assert!(tc.intersects(line(by_id(&l.canals, "cn-dd-tc-planned"))));
    assert!(tc.intersects(line(by_id(&l.canals, "cn-tc-2023"))));
    assert!(
        polygon(by_id(&l.flood_zones, "fz-qt")).intersects(line(by_id(&l.canals, "cn-qt-2023")))
    );
    let mut givers = 0;
    for z in &l.flood_zones {
        assert!((0.3..=0.8).contains(&num(z, "depth_m")));
        assert!(num(z, "since_year") <= 2003.0, "more than 20 years in 2023");
        let zone = polygon(z);
        for h in &l.households {
            let Geometry::Point(pt) = h.geometry else {
                panic!()
            };
            if !zone.contains(&pt) || num(h, "land_pledged_m2") > 0.0 {
                continue;
            }
            let money = num(h, "money_pledged_vnd");
            givers += usize::from(money > 0.0);
            assert!(num(h, "money_paid_vnd") <= money);
            assert!(num(h, "labour_done_days") <= num(h, "labour_pledged_days"));
        }
    }
    assert!(givers > 50, "{givers}");
}

#[test]
fn more_communes_tile_beside_the_first_inside_nghe_an() {
    let l = generate(&Params {
        seed: 42,
        communes: 3,
    })
    .unwrap();
    let one = sample();
    assert_eq!(l.households.len(), 3 * 1881);
    assert_eq!(l.villages[..8], one.villages[..]);
    assert_eq!(l.parcels[..one.parcels.len()], one.parcels[..]);
    let ids: BTreeSet<&str> = l.parcels.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), l.parcels.len());
    let extent = |vs: &[Feature]| {
        vs.iter()
            .map(|v| v.geometry.bounding_rect().unwrap())
            .reduce(|a, b| {
                geo::Rect::new(
                    geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })
            .unwrap()
    };
    let boxes: Vec<geo::Rect> = l.villages.chunks(8).map(extent).collect();
    for (i, a) in boxes.iter().enumerate() {
        // Inside Nghệ An, near 19° N 105.5° E.
        assert!(a.min().x > 104.5 && a.max().x < 105.75, "{a:?}");
        assert!(a.min().y > 18.6 && a.max().y < 19.5, "{a:?}");
        for b in &boxes[i + 1..] {
            assert!(!a.intersects(b), "communes overlap");
        }
    }
}

#[test]
fn benchmark_communes_are_grouped_into_provinces_of_five_rows() {
    // 20 communes to a row, 5 rows to a province: communes 2–101 are the first province,
    // 102 (the first of the sixth row) starts the second, and commune 1 names none.
    let province_of = |k: u32| {
        let c = commune::build(42, k).unwrap();
        let names: BTreeSet<Option<String>> = c
            .layers
            .villages
            .iter()
            .map(|v| {
                v.properties
                    .get("province")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect();
        assert_eq!(
            names.len(),
            1,
            "commune {k}: one province for all its villages"
        );
        let lat = |f: &Feature| f.geometry.bounding_rect().unwrap();
        let south = c
            .layers
            .villages
            .iter()
            .map(|v| lat(v).min().y)
            .fold(90.0, f64::min);
        let north = c
            .layers
            .villages
            .iter()
            .map(|v| lat(v).max().y)
            .fold(-90.0, f64::max);
        (names.into_iter().next().unwrap(), south, north)
    };
    let (p1, ..) = province_of(1);
    let (p2, ..) = province_of(2);
    let (p101, south_101, _) = province_of(101);
    let (p102, _, north_102) = province_of(102);
    assert_eq!(p1, None);
    assert_eq!(p2.as_deref(), Some("Tỉnh mẫu 01"));
    assert_eq!(p101.as_deref(), Some("Tỉnh mẫu 01"));
    assert_eq!(p102.as_deref(), Some("Tỉnh mẫu 02"));
    // The second province is the band south of the first.
    assert!(north_102 < south_101, "{north_102} < {south_101}");
    // 2 520 communes (ten million parcels) make 26 provinces, the last one part full.
    assert_eq!(
        commune::province(2520).as_deref(),
        Some("Tỉnh mẫu 26"),
        "(2520 - 2) / 100 + 1 = 26"
    );
}

#[test]
fn the_first_commune_lies_inside_quynh_lien_and_apart_from_the_benchmark_ones() {
    let l = sample();
    let b = l
        .villages
        .iter()
        .map(|v| v.geometry.bounding_rect().unwrap())
        .reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
        .unwrap();
    // The drawing's corners through PROJ 9.1.1, independently of the generator:
    // printf "601250 2124590\n603490 2124590\n601250 2125390\n603490 2125390\n" |
    //   cs2cs -f %.6f EPSG:9208 EPSG:4326
    // → (19.205474 105.714727) (19.205361 105.736026) (19.212701 105.714769)
    //   (19.212588 105.736069).
    for (got, want) in [
        (b.min().x, 105.714727),
        (b.max().x, 105.736069),
        (b.min().y, 19.205361),
        (b.max().y, 19.212701),
    ] {
        assert!((got - want).abs() < 1e-6, "{b:?}");
    }
    // Public boundary data: Quỳnh Liên spans lon 105.7121–105.7387, lat 19.1854–19.2227
    // (../shared/FIELD.md). The drawing keeps more than 250 m inside it on every side
    // (0.0024° of longitude, 0.0023° of latitude at 19.2° N).
    assert!(
        b.min().x > 105.7121 + 0.0024 && b.max().x < 105.7387 - 0.0024,
        "{b:?}"
    );
    assert!(
        b.min().y > 19.1854 + 0.0023 && b.max().y < 19.2227 - 0.0023,
        "{b:?}"
    );
    // Where it used to be drawn, in Quỳnh Xuân, is outside it.
    assert!(!b.contains(&geo::coord! { x: 105.70, y: 19.22 }));

    // The benchmark communes, however many, stay clear of it (in the grid, by millimetres).
    let (w, h) = (4 * spec::VILLAGE_W, 2 * spec::VILLAGE_H);
    let one = commune::origin(1);
    for k in 2..=2000 {
        let o = commune::origin(k);
        let apart = o.0 + w <= one.0 || one.0 + w <= o.0 || o.1 + h <= one.1 || one.1 + h <= o.1;
        assert!(apart, "commune {k} overlaps commune 1");
    }
}

#[test]
fn the_canals_form_drainage_trees_to_the_east_outfalls() {
    use crate::hydraulics::{Downstream, Network, Tables, section_from_canal};
    let layers = sample();
    let tables = Tables::bundled().unwrap();
    let sections: Vec<_> = layers
        .canals
        .iter()
        .map(|f| {
            let line = crs::geometry_to_metric(line(f)).unwrap();
            let c = section_from_canal(&f.id, &f.properties, &line).unwrap();
            assert!(c.assumptions.is_empty(), "{}: {:?}", f.id, c.assumptions);
            // Brick or concrete channels 0.5–1.5 m wide; every bed falls a few per mille
            // (0.5 ‰ in the flat fields to 2 ‰ in the streets).
            let s = c.section.slope().unwrap();
            assert!((0.0004..=0.0025).contains(&s), "{}: slope {s}", f.id);
            if s_lining(f) != "earth" {
                assert!((0.5..=1.5).contains(&num(f, "width_m")), "{}", f.id);
            }
            // Ground above the top of bank at both ends.
            assert!(
                num(f, "ground_start_m") >= num(f, "invert_start_m") + num(f, "depth_m") - 0.05
            );
            assert!(num(f, "ground_end_m") >= num(f, "invert_end_m") + num(f, "depth_m") - 0.05);
            c.section
        })
        .collect();
    // Network::new checks links, loops, backfalls: a tree.
    let network = Network::new(sections, vec![], &tables).unwrap();
    let outfalls: BTreeSet<_> = network
        .sections()
        .iter()
        .filter_map(|s| match &s.downstream {
            Some(Downstream::Outfall(o)) => Some(o.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(outfalls, BTreeSet::from(["of-east-north", "of-east-south"]));
    // The canals reaching the outfall end east of every other canal.
    let east = |id: &str| line(by_id(&layers.canals, id)).0.last().unwrap().x;
    let max_other = network
        .sections()
        .iter()
        .filter(|s| matches!(s.downstream, Some(Downstream::Canal(_))))
        .map(|s| east(&s.canal_id))
        .fold(f64::MIN, f64::max);
    for s in network.sections() {
        if matches!(s.downstream, Some(Downstream::Outfall(_))) {
            assert!(east(&s.canal_id) > max_other, "{}", s.canal_id);
        }
    }
    // Every catchment drains into a canal, and the three flood zones lie inside catchments.
    for c in &layers.catchments {
        assert!(
            layers.canals.iter().any(|k| k.id == s(c, "drains_to")),
            "{}",
            c.id
        );
    }
    for z in &layers.flood_zones {
        let zone = polygon(z);
        let covered: f64 = layers
            .catchments
            .iter()
            .map(|c| polygon(c).intersection(&zone).unsigned_area())
            .sum();
        assert!(covered > 0.99 * zone.unsigned_area(), "{}", z.id);
    }
}

fn s_lining(f: &Feature) -> &str {
    s(f, "lining")
}
