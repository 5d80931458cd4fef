//! Province-scale benchmarks: load + index, a bbox items page, route impact and the
//! reports, at 10 thousand, 100 thousand and 1 million parcels; and the bbox page and route
//! impact at national size, 10 million parcels, when its folder (`p10m`, 2 520 communes,
//! 7.4 GB of GeoJSON, 8 GB of memory to load) has been made.
//!
//! The data sets are generated once, outside the benchmark (see README, "Performance"):
//!
//! ```sh
//! cargo build --release
//! for n in 3:p10k 25:p100k 252:p1m; do
//!   target/release/drainplan generate --communes ${n%%:*} --out /tmp/dpbench/${n##*:}
//! done
//! cargo bench --bench scale
//! ```
//!
//! `DRAINPLAN_BENCH_DATA` (default `/tmp/dpbench`) is the folder holding `p10k`, `p100k`
//! and `p1m`; a size whose folder is missing is skipped with a message saying how to make
//! it. `DRAINPLAN_BENCH_SIZES=p10k,p100k` limits the sizes.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use drainplan::analysis::canal_length::{Grouping, canal_length};
use drainplan::analysis::contributions::contributions;
use drainplan::analysis::route_impact::route_impact;
use drainplan::analysis::water::water_connection;
use drainplan::store::Dataset;
use drainplan::store::query::Selection;

/// The allocator `drainplan serve` runs with (see src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use geo::{Coord, Geometry, LineString, Rect};

/// (folder name, communes to generate, label).
const SIZES: [(&str, u32, &str); 4] = [
    ("p10k", 3, "10k"),
    ("p100k", 25, "100k"),
    ("p1m", 252, "1M"),
    ("p10m", 2520, "10M"),
];

/// The national size: loaded once (a minute; its time is printed, and measured with
/// `/usr/bin/time` in the README), not sampled, and without the reports (seconds each).
const NATIONAL: &str = "10M";

/// The canal the route-impact benchmark follows: the 750 m planned canal of the first
/// commune, present at every size, so the parcels it touches are the same at every size.
const ROUTE_CANAL: &str = "cn-dd-tc-planned";
const CORRIDOR_WIDTH_M: f64 = 6.0;

fn root() -> PathBuf {
    std::env::var_os("DRAINPLAN_BENCH_DATA")
        .map_or_else(|| PathBuf::from("/tmp/dpbench"), PathBuf::from)
}

/// The sizes whose data folder exists (and that `DRAINPLAN_BENCH_SIZES` asks for).
fn sizes() -> Vec<(PathBuf, &'static str)> {
    let only = std::env::var("DRAINPLAN_BENCH_SIZES").ok();
    let mut out = Vec::new();
    for (dir, communes, label) in SIZES {
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|s| s == dir || s == label))
        {
            continue;
        }
        let path = root().join(dir);
        if path.join("parcels.geojson").is_file() {
            out.push((path, label));
        } else {
            eprintln!(
                "skipping the {label}-parcel benchmarks: {} is missing; make it with \
                 `drainplan generate --communes {communes} --out {}`",
                path.display(),
                path.display()
            );
        }
    }
    out
}

/// A box around the first commune's centre holding about `n` parcels.
fn bbox_with_about(data: &Dataset, n: usize) -> Rect {
    let route = route(data);
    let c = route.0[0];
    let mut half = 0.0005;
    loop {
        let r = Rect::new(
            Coord {
                x: c.x - half,
                y: c.y - half,
            },
            Coord {
                x: c.x + half,
                y: c.y + half,
            },
        );
        let hits = data
            .parcels
            .select(&Selection {
                bbox: Some(r),
                equals: vec![],
            })
            .len();
        if hits >= n || half > 0.05 {
            return r;
        }
        half *= 1.1;
    }
}

fn route(data: &Dataset) -> LineString {
    match data.canals.get(ROUTE_CANAL).map(|f| &f.geometry) {
        Some(Geometry::LineString(l)) => l.clone(),
        _ => panic!("the data set has no canal {ROUTE_CANAL}: generate it with drainplan generate"),
    }
}

/// One page of items as the OGC handler builds it: select, take `limit`, serialise.
fn items_page(data: &Dataset, bbox: Rect, limit: usize) -> Vec<u8> {
    let hits = data.parcels.select(&Selection {
        bbox: Some(bbox),
        equals: vec![],
    });
    let features: Vec<serde_json::Value> = hits
        .iter()
        .take(limit)
        .map(|&i| data.parcels.features[i].to_json())
        .collect();
    let body = serde_json::json!({
        "type": "FeatureCollection",
        "numberMatched": hits.len(),
        "numberReturned": features.len(),
        "features": features,
    });
    serde_json::to_vec(&body).expect("serialises")
}

fn benches(c: &mut Criterion) {
    for (dir, label) in sizes() {
        if label != NATIONAL {
            let mut g = c.benchmark_group("load_and_index");
            g.sample_size(10);
            g.warm_up_time(Duration::from_millis(1));
            g.measurement_time(Duration::from_secs(if label == "1M" { 60 } else { 10 }));
            g.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter(|| black_box(Dataset::load_files(&dir).expect("loads")))
            });
            g.finish();
        }

        let started = std::time::Instant::now();
        let data = Dataset::load_files(&dir).expect("loads");
        eprintln!(
            "{label}: loaded and indexed in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let line = route(&data);
        let bbox = bbox_with_about(&data, 100);

        let mut g = c.benchmark_group("bbox_items_100");
        g.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| black_box(items_page(&data, black_box(bbox), 100)))
        });
        g.finish();

        let mut g = c.benchmark_group("route_impact_750m_6m");
        g.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| {
                let impact =
                    route_impact(&data, black_box(&line), CORRIDOR_WIDTH_M).expect("impact");
                black_box(serde_json::to_vec(&impact).expect("serialises"))
            })
        });
        g.finish();

        if label == NATIONAL {
            continue;
        }
        let mut g = c.benchmark_group("reports");
        g.sample_size(10);
        g.bench_function(BenchmarkId::new("canal_length", label), |b| {
            b.iter(|| black_box(canal_length(&data, Grouping::StatusVillage).expect("report")))
        });
        g.bench_function(BenchmarkId::new("water_connection", label), |b| {
            b.iter(|| black_box(water_connection(&data, "Quỳnh Liên")))
        });
        g.bench_function(BenchmarkId::new("contributions", label), |b| {
            b.iter(|| {
                black_box(contributions(&data, None, None, CORRIDOR_WIDTH_M).expect("report"))
            })
        });
        g.finish();
        drop(data);
    }
}

criterion_group!(scale, benches);
criterion_main!(scale);
