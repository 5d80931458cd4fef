//! Vector-tile build time over the generated province (`p1m`, a million parcels): for
//! zooms 12, 14, 15 and 16, every tile over the parcels (at most 400 per zoom, evenly
//! spread) is built once to warm up and then timed one by one; the median, p99 and
//! largest time per zoom are printed with the features and cells a tile held.
//!
//! ```sh
//! cargo build --release
//! target/release/drainplan generate --communes 252 --out /tmp/dpbench/p1m
//! cargo bench --bench tiles          # DRAINPLAN_BENCH_DATA moves /tmp/dpbench
//! ```
//!
//! A timed loop rather than criterion: the question is the tail over many different
//! tiles (p99), not the mean of one tile built again and again.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use drainplan::model::LayerKind;
use drainplan::store::Dataset;
use drainplan::tiles::{TileId, TileProjection, build, projected_rect};

/// The allocator `drainplan serve` runs with (see src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ZOOMS: [u64; 4] = [12, 14, 15, 16];
const MAX_TILES: usize = 400;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let root = std::env::var_os("DRAINPLAN_BENCH_DATA")
        .map_or_else(|| PathBuf::from("/tmp/dpbench"), PathBuf::from);
    let dir = root.join("p1m");
    if !dir.join("parcels.geojson").exists() {
        eprintln!(
            "{} is missing: make it with `target/release/drainplan generate --communes 252 --out {}`",
            dir.display(),
            dir.display()
        );
        return;
    }
    let t0 = Instant::now();
    let data = Dataset::load(&dir).expect("the benchmark data set loads");
    let parcels = data.layer(LayerKind::Parcels);
    println!(
        "loaded {} parcels in {:.1} s",
        parcels.features.len(),
        t0.elapsed().as_secs_f64()
    );
    let extent = parcels.extent().expect("parcels");
    for z in ZOOMS {
        // The tiles over the parcels' extent.
        let p = TileProjection::new(TileId::new(z, 0, 0).expect("zoom"), 4096);
        let (nw, se) = projected_rect(&extent, &p);
        let (x0, x1) = ((nw.x / 4096.0) as u64, (se.x / 4096.0) as u64);
        let (y0, y1) = ((nw.y / 4096.0) as u64, (se.y / 4096.0) as u64);
        let all: Vec<(u64, u64)> = (y0..=y1)
            .flat_map(|y| (x0..=x1).map(move |x| (x, y)))
            .collect();
        let step = all.len().div_ceil(MAX_TILES).max(1);
        let tiles: Vec<TileId> = all
            .iter()
            .step_by(step)
            .map(|&(x, y)| TileId::new(z, x, y).expect("in the grid"))
            .collect();
        for &t in &tiles {
            build(&data, LayerKind::Parcels, t, true);
        }
        let mut times = Vec::with_capacity(tiles.len());
        let (mut features, mut cells, mut bytes) = (0usize, 0usize, 0usize);
        let (mut most_features, mut most_bytes) = (0usize, 0usize);
        for &t in &tiles {
            let start = Instant::now();
            let (b, stats) = build(&data, LayerKind::Parcels, t, true);
            times.push(start.elapsed());
            features += stats.features + stats.counted;
            cells += stats.cells;
            bytes += b.len();
            most_features = most_features.max(stats.features + stats.counted);
            most_bytes = most_bytes.max(b.len());
        }
        times.sort_unstable();
        let n = tiles.len();
        println!(
            "z{z}: {n} tiles of {}; median {:.2} ms, p99 {:.2} ms, max {:.2} ms; parcels per tile {} mean, {} max; cells per tile {} mean; {:.0} KB mean, {:.0} KB max",
            all.len(),
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            times[n - 1].as_secs_f64() * 1e3,
            features / n,
            most_features,
            cells / n,
            bytes as f64 / n as f64 / 1024.0,
            most_bytes as f64 / 1024.0,
        );
    }
}
