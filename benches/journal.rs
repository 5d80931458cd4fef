//! The cost of a long edit history: the monthly report and start-up after 15 700 edits
//! (the figure the hardening review measured: the report took 210 ms when it replayed the
//! whole journal), with and without compaction. Runs on the bundled sample data.
//!
//! ```sh
//! cargo bench --bench journal
//! ```

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use drainplan::model::LayerKind;
use drainplan::store::edit::{Edit, EditOp};
use drainplan::store::journal::{FILE_NAME, JournalEntry, encode};
use drainplan::store::live::Store;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EDITS: u64 = 15_700;

/// A copy of data/ whose journal holds `EDITS` edits: water registrations and labour
/// days on households, over eleven months. Written as journal lines directly (no fsync
/// per edit), each made from the data as the previous ones left them.
fn data_with_journal(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drainplan-bench-journal-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for f in std::fs::read_dir("data").expect("data/") {
        let p = f.expect("entry").path();
        if p.extension().is_some_and(|e| e == "geojson") {
            std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    let store = Store::in_memory(drainplan::store::Dataset::load(&dir).expect("load"));
    let ids: Vec<String> = store
        .snapshot()
        .households
        .features
        .iter()
        .map(|f| f.id.clone())
        .collect();
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(dir.join(FILE_NAME)).expect("journal"));
    for seq in 1..=EDITS {
        let id = ids[(seq as usize * 7919) % ids.len()].clone();
        let edited = store
            .edit_with("bench", None, |data| {
                let mut f = data.households.get(&id).expect("household").to_json();
                let p = &mut f["properties"];
                if seq % 3 == 0 {
                    p["water_status"] = "registered".into();
                } else {
                    let d = p["labour_done_days"].as_f64().unwrap_or(0.0);
                    p["labour_done_days"] = (d + 1.0).into();
                }
                Ok(Edit {
                    op: EditOp::Replace,
                    collection: LayerKind::Households,
                    id: id.clone(),
                    feature: Some(f),
                    date: Some(format!("2026-{:02}-15", 1 + seq % 11)),
                })
            })
            .expect("edit");
        let entry = JournalEntry {
            at: format!("2026-{:02}-20T03:00:00Z", 1 + seq % 11),
            ..edited.entry
        };
        out.write_all(&encode(&entry).expect("encode"))
            .expect("write");
    }
    out.flush().expect("flush");
    dir
}

fn open(dir: &Path) -> Store {
    Store::open(dir).expect("open")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("journal_15700_edits");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let dir = data_with_journal("plain");
    let store = open(&dir);
    g.bench_function("monthly_progress", |b| {
        b.iter(|| black_box(store.progress()))
    });
    g.bench_function("start_up_replaying_the_journal", |b| {
        b.iter(|| black_box(open(&dir)))
    });
    drop(store);
    let compacted = data_with_journal("compacted");
    open(&compacted).compact().expect("compact");
    g.bench_function("start_up_after_compaction", |b| {
        b.iter(|| black_box(open(&compacted)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
