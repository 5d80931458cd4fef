//! Compaction: the data as they stand after the journal's entry `seq`, written whole, so
//! that start-up and the monthly report need not go through every edit ever made.
//!
//! A data directory holds the layer files it was made with, the journal of edits since
//! the last snapshot, and — once compacted:
//!
//! ```text
//! snapshot.json                     {"seq": 15700, "dir": "snapshots/000000015700", …}
//! snapshots/000000015700/*.geojson  the five layers after entry 15700
//! snapshots/000000015700/progress.json  the monthly-progress ledger after entry 15700
//! history/journal-000000000001-000000015700.ndjson  the journal entries it covers
//! ```
//!
//! A compaction:
//! 1. takes the current data, the ledger and the last entry's number `seq` (the writer
//!    lock held only for that moment: edits go on while it writes);
//! 2. writes the layers and the ledger into `snapshots/<seq>.tmp/`, fsyncs each file,
//!    renames the folder to `snapshots/<seq>/` and fsyncs its parent;
//! 3. writes `snapshot.json` atomically (temporary file, fsync, rename) — from this
//!    instant start-up loads the snapshot and replays only the entries after `seq`;
//! 4. moves the journal's entries up to `seq` to `history/` (written and fsynced before
//!    the journal is replaced by its remaining lines, see
//!    [`super::journal::Journal::archive_through`]);
//! 5. removes the snapshot folders that `snapshot.json` no longer names.
//!
//! A crash anywhere leaves either the old snapshot with the whole journal, or the new one
//! with a journal whose entries up to `seq` are skipped at start-up (and archived then).
//! Start-up refuses a journal that ends before `seq`: the snapshot proves edits up to
//! `seq` were made, so such a journal has been cut short or replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Dataset, Layer, LoadError, write_atomically};
use crate::analysis::progress::ProgressLedger;
use crate::model::LayerKind;

/// The pointer file's name in the data directory.
pub const POINTER: &str = "snapshot.json";
/// The folder of snapshots.
pub const SNAPSHOTS: &str = "snapshots";
/// The folder of archived journal entries.
pub const HISTORY: &str = "history";
/// The ledger's file name inside a snapshot.
pub const LEDGER: &str = "progress.json";

/// What `snapshot.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The last journal entry the snapshot holds.
    pub seq: u64,
    /// Its folder, relative to the data directory.
    pub dir: String,
    /// When it was written, RFC 3339 UTC.
    pub at: String,
}

impl Snapshot {
    /// The snapshot the data directory names, if any.
    pub fn current(dir: &Path) -> Result<Option<Snapshot>, LoadError> {
        let path = dir.join(POINTER);
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| LoadError::NotGeoJson {
                        path,
                        problem: format!("not a snapshot pointer: {e}"),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LoadError::Io { path, source }),
        }
    }

    /// The folder holding the snapshot's files.
    pub fn folder(&self, data_dir: &Path) -> PathBuf {
        data_dir.join(&self.dir)
    }

    /// The ledger saved with the snapshot.
    pub fn ledger(&self, data_dir: &Path) -> Result<ProgressLedger, LoadError> {
        let path = self.folder(data_dir).join(LEDGER);
        let bytes = std::fs::read(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| LoadError::NotGeoJson {
            path,
            problem: format!("not a progress ledger: {e}"),
        })
    }
}

/// The folder the current layer files are in: the snapshot's, else the data directory.
pub fn layers_dir(dir: &Path) -> Result<PathBuf, LoadError> {
    Ok(match Snapshot::current(dir)? {
        Some(s) => s.folder(dir),
        None => dir.to_owned(),
    })
}

/// The file a layer is read from now (for tools that rewrite it, such as import).
pub fn layer_path(dir: &Path, kind: LayerKind) -> Result<PathBuf, LoadError> {
    Ok(layers_dir(dir)?.join(format!("{}.geojson", kind.id())))
}

/// Where the journal entries `first..=last` are archived.
pub fn archive_path(dir: &Path, first: u64, last: u64) -> PathBuf {
    dir.join(HISTORY)
        .join(format!("journal-{first:012}-{last:012}.ndjson"))
}

/// The archived journal files, oldest first.
pub fn archives(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir.join(HISTORY)) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("journal-") && n.ends_with(".ndjson"))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    // The names carry zero-padded sequence numbers: name order is entry order.
    files.sort();
    Ok(files)
}

/// Steps 2–3 and 5: writes the snapshot of `data` and `ledger` after entry `seq` and
/// makes it the current one.
pub fn write(
    dir: &Path,
    data: &Dataset,
    ledger: &ProgressLedger,
    seq: u64,
) -> std::io::Result<Snapshot> {
    let name = format!("{seq:012}");
    let root = dir.join(SNAPSHOTS);
    std::fs::create_dir_all(&root)?;
    let tmp = root.join(format!("{name}.tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp)?;
    for kind in LayerKind::ALL {
        write_layer(
            &tmp.join(format!("{}.geojson", kind.id())),
            data.layer(kind),
        )?;
    }
    let ledger_json = serde_json::to_vec(ledger).map_err(std::io::Error::other)?;
    super::journal::write_synced(&tmp.join(LEDGER), &ledger_json)?;
    sync_dir(&tmp);
    let folder = root.join(&name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::rename(&tmp, &folder)?;
    sync_dir(&root);
    let snapshot = Snapshot {
        seq,
        dir: format!("{SNAPSHOTS}/{name}"),
        at: super::journal::now_rfc3339(),
    };
    let pointer = serde_json::to_vec_pretty(&snapshot).map_err(std::io::Error::other)?;
    write_atomically(&dir.join(POINTER), &pointer)?;
    // Older snapshots are no longer named by anything.
    if let Ok(rd) = std::fs::read_dir(&root) {
        for e in rd.filter_map(Result::ok) {
            if e.file_name().to_str() != Some(name.as_str()) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    Ok(snapshot)
}

/// Writes a layer as a compact GeoJSON FeatureCollection, one feature a line, exactly as
/// stored (coordinates as parsed, properties in their order), and fsyncs it.
pub fn write_layer(path: &Path, layer: &Layer) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    for (i, f) in layer.features.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        out.write_all(b"{\"type\":\"Feature\",\"id\":")?;
        serde_json::to_writer(&mut out, &f.id)?;
        out.write_all(b",\"geometry\":")?;
        serde_json::to_writer(&mut out, &geojson::Geometry::from(&f.geometry))?;
        out.write_all(b",\"properties\":")?;
        out.write_all(f.properties.json_text().as_bytes())?;
        out.write_all(b"}")?;
    }
    out.write_all(b"\n]}\n")?;
    let file = out
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
