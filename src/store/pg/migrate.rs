//! Moving a data directory into a PostGIS database and back, losing nothing: every
//! layer's features as the data directory serves them (properties in their order, numbers
//! as written), the whole edit history (archives and journal) with its numbers, the
//! monthly-progress ledger, and every other file of the directory (users, campaign
//! register, attachments, clearance and design tables, README) in the `files` table.
//!
//! Into the database ([`to_pg`]), in one transaction on a database without a `drainplan`
//! schema:
//! 1. the data directory is read as a server would start on it (snapshot, journal);
//! 2. the schema is created ([`super::schema::ddl`]);
//! 3. the features are inserted layer by layer in their order, the history rows with
//!    their numbers, the ledger as `meta.base_ledger` at `meta.base_seq`, the files.
//!
//! Back ([`from_pg`]), into a new directory: the layers as its layer files, and when there
//! is history, a snapshot at the last entry with the history as its archive (so that
//! start-up replays nothing), then the files.

use std::path::{Path, PathBuf};

use super::schema::{SCHEMA, ddl};
use super::{Filter, PgError, connect, has_schema, history_since, insert_sql, load, params_of};
use crate::model::LayerKind;
use crate::store::journal::{self, Journal, JournalError};
use crate::store::{LoadError, Recovered, snapshot};

/// Why a migration stopped (nothing was written to the target).
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The data directory does not load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Its history does not read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The database failed or refused.
    #[error(transparent)]
    Pg(#[from] PgError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The target is not empty.
    #[error("{0}")]
    NotEmpty(String),
}

/// What was moved.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Features per layer.
    pub features: Vec<(LayerKind, usize)>,
    /// History entries.
    pub history: usize,
    /// Other files.
    pub files: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, n) in &self.features {
            write!(f, "{k}: {n}, ")?;
        }
        write!(
            f,
            "history entries: {}, files: {}",
            self.history, self.files
        )
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MigrateError + '_ {
    move |source| MigrateError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Whether a path (relative to the data directory) is the layers or the history, which
/// are moved as tables, not as files.
fn is_table_data(rel: &Path) -> bool {
    let Some(first) = rel.components().next() else {
        return true;
    };
    let first = first.as_os_str().to_string_lossy();
    let top = rel.components().count() == 1;
    (top && LayerKind::ALL
        .iter()
        .any(|k| first == format!("{}.geojson", k.id())))
        || first == snapshot::POINTER
        || first == snapshot::SNAPSHOTS
        || first == snapshot::HISTORY
        || first.starts_with(journal::FILE_NAME)
}

/// The other files of a data directory, relative paths in name order.
fn other_files(dir: &Path) -> Result<Vec<PathBuf>, MigrateError> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let abs = dir.join(&rel);
        for e in std::fs::read_dir(&abs).map_err(io(&abs))? {
            let e = e.map_err(io(&abs))?;
            let r = rel.join(e.file_name());
            if is_table_data(&r) {
                continue;
            }
            let t = e.file_type().map_err(io(&abs))?;
            if t.is_dir() {
                stack.push(r);
            } else if t.is_file() {
                out.push(r);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Moves the data directory `dir` into the empty database at `url`.
pub fn to_pg(dir: &Path, url: &str) -> Result<Summary, MigrateError> {
    // 1.
    let r = Recovered::from(dir, Journal::read(dir)?)?;
    let history = crate::store::live::read_history(dir)?;
    let files = other_files(dir)?;
    let mut client = connect(url)?;
    if has_schema(&mut client)? {
        return Err(MigrateError::NotEmpty(format!(
            "the database already has a `{SCHEMA}` schema: migrate into an empty database"
        )));
    }
    let mut tx = client.transaction().map_err(PgError::from)?;
    // 2.
    tx.batch_execute(&ddl()).map_err(PgError::from)?;
    tx.execute(
        "SELECT set_config('drainplan.origin', 'migrate', true)",
        &[],
    )
    .map_err(PgError::from)?;
    // 3.
    let mut summary = Summary::default();
    for kind in LayerKind::ALL {
        let stmt = tx.prepare(&insert_sql(kind)).map_err(PgError::from)?;
        let layer = r.data.layer(kind);
        for f in &layer.features {
            let row = params_of(kind, f)?;
            let params = row.with_id(&f.id);
            tx.execute(&stmt, &params).map_err(PgError::from)?;
        }
        summary.features.push((kind, layer.features.len()));
    }
    let stmt = tx
        .prepare(&format!(
            "INSERT INTO {SCHEMA}.history (seq, at, username, layer, fid, origin, entry) VALUES ($1, $2::text::timestamptz, $3, $4, $5, 'file', $6::text::json)"
        ))
        .map_err(PgError::from)?;
    for e in &history {
        let text = serde_json::to_string(e)
            .map_err(|err| PgError::Data(format!("entry {}: {err}", e.seq)))?;
        let seq = i64::try_from(e.seq).unwrap_or(i64::MAX);
        tx.execute(
            &stmt,
            &[
                &seq,
                &e.at,
                &e.user,
                &e.edit.collection.id(),
                &e.edit.id,
                &text,
            ],
        )
        .map_err(PgError::from)?;
    }
    summary.history = history.len();
    let ledger = serde_json::to_string(&r.ledger)
        .map_err(|e| PgError::Data(format!("the progress ledger: {e}")))?;
    let base_seq = r.ledger.seq.to_string();
    for (key, value) in [("base_seq", &base_seq), ("base_ledger", &ledger)] {
        tx.execute(
            &format!("INSERT INTO {SCHEMA}.meta (key, value) VALUES ($1, $2::text::json)"),
            &[&key, value],
        )
        .map_err(PgError::from)?;
    }
    // The campaign register as rows (its files are kept below as well: `--from` gives
    // them back unchanged when the register was not changed in the database).
    let register = crate::campaign::register::Register::load_in_memory(dir)
        .map_err(|e| PgError::Data(format!("the campaign register: {e}")))?;
    let contents = register.snapshot();
    for name in contents.table_names() {
        for r in contents.records(name) {
            super::register::insert_record(&mut tx, name, &r.id, r.version, &r.value)?;
        }
    }
    let changes = register.all_history();
    for c in &changes {
        super::register::insert_history(&mut tx, c)?;
    }
    let campaign_seq = changes.last().map_or(0, |c| c.seq).to_string();
    tx.execute(
        &format!(
            "INSERT INTO {SCHEMA}.meta (key, value) VALUES ('campaign_base_seq', $1::text::json)"
        ),
        &[&campaign_seq],
    )
    .map_err(PgError::from)?;
    for rel in &files {
        let abs = dir.join(rel);
        let bytes = std::fs::read(&abs).map_err(io(&abs))?;
        let name = rel.to_string_lossy().replace('\\', "/");
        tx.execute(
            &format!("INSERT INTO {SCHEMA}.files (path, bytes) VALUES ($1, $2)"),
            &[&name, &bytes],
        )
        .map_err(PgError::from)?;
    }
    summary.files = files.len();
    tx.commit().map_err(PgError::from)?;
    Ok(summary)
}

/// Writes the database at `url` as a new data directory `dir` (absent or empty).
pub fn from_pg(url: &str, dir: &Path) -> Result<Summary, MigrateError> {
    if let Ok(mut rd) = std::fs::read_dir(dir)
        && rd.next().is_some()
    {
        return Err(MigrateError::NotEmpty(format!(
            "{} is not empty: migrate into a new directory",
            dir.display()
        )));
    }
    let mut client = connect(url)?;
    let loaded = load(&mut client, dir, &Filter::default())?;
    let history = history_since(&mut client, 0)?;
    let files = client
        .query(
            &format!("SELECT path, bytes FROM {SCHEMA}.files ORDER BY path"),
            &[],
        )
        .map_err(PgError::from)?;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut summary = Summary::default();
    for kind in LayerKind::ALL {
        let path = dir.join(format!("{}.geojson", kind.id()));
        snapshot::write_layer(&path, loaded.data.layer(kind)).map_err(io(&path))?;
        summary
            .features
            .push((kind, loaded.data.layer(kind).features.len()));
    }
    if let (Some(first), Some(last)) = (history.first(), history.last()) {
        let (first, last) = (first.entry.seq, last.entry.seq);
        let archive = snapshot::archive_path(dir, first, last);
        let parent = archive.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let mut bytes = Vec::new();
        for h in &history {
            bytes.extend(
                journal::encode(&h.entry)
                    .map_err(|e| PgError::Data(format!("entry {}: {e}", h.entry.seq)))?,
            );
        }
        journal::write_synced(&archive, &bytes).map_err(io(&archive))?;
        snapshot::write(dir, &loaded.data, &loaded.ledger, last).map_err(io(dir))?;
    }
    summary.history = history.len();
    for row in &files {
        let name: String = row.get(0);
        let bytes: Vec<u8> = row.get(1);
        let rel = Path::new(&name);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(PgError::Data(format!("files: {name:?} is not a relative path")).into());
        }
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, &bytes).map_err(io(&path))?;
    }
    summary.files = files.len();
    // The register changed in the database since it was migrated: its files are
    // written from the tables.
    let base = client
        .query_opt(
            &format!("SELECT value::text FROM {SCHEMA}.meta WHERE key = 'campaign_base_seq'"),
            &[],
        )
        .map_err(PgError::from)?
        .map(|r| r.get::<_, String>(0));
    let now = super::register::last_seq(&mut client)?;
    if base.as_deref() != Some(now.to_string().as_str()) {
        crate::campaign::register::Register::open_pg(url)
            .and_then(|r| r.save_to(dir))
            .map_err(|e| PgError::Data(format!("the campaign register: {e}")))?;
    }
    Ok(summary)
}

/// Creates a login role for an officer, member of the officer role: QGIS connects with
/// it, and the history names the officer by it.
pub fn add_officer(url: &str, name: &str, password: &str) -> Result<(), PgError> {
    let mut c = connect(url)?;
    let sql: String = c
        .query_one(
            &format!(
                "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE {}', $1::text, $2::text)",
                super::schema::OFFICER_ROLE
            ),
            &[&name, &password],
        )?
        .get(0);
    c.batch_execute(&sql)?;
    Ok(())
}
