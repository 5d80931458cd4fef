//! Loads a data directory, prints the resident memory, and exits without freeing it, so
//! that heaptrack's "leaked" figure is the live heap of a loaded data set, by allocation
//! site:
//!
//! ```sh
//! cargo build --release --example loaded_heap
//! heaptrack -o /tmp/loaded target/release/examples/loaded_heap /tmp/dpbench/p100k
//! heaptrack_print -f /tmp/loaded.zst --print-leaks 1 | less
//! ```

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: loaded_heap DATA_DIR")?;
    let started = std::time::Instant::now();
    let data = drainplan::store::Dataset::load_files(std::path::Path::new(&dir))?;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss: Vec<&str> = status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .collect();
    eprintln!(
        "{} parcels, {} households loaded in {:.2} s; {}",
        data.parcels.features.len(),
        data.households.features.len(),
        started.elapsed().as_secs_f64(),
        rss.join(", ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Exit with the data still allocated: what heaptrack reports as leaked is what it holds.
    std::process::exit(0)
}
