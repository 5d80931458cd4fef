//! The campaign register: small tables of non-spatial JSON records (people, tasks,
//! grievances, postings, …), each change kept in a history of who changed what.
//!
//! Files, under `<data>/campaign/`:
//! - `<table>.json`: `{"seq": N, "records": [ … ]}`, every record a JSON object with a
//!   unique ASCII `id`; `seq` is the last history sequence number the file holds;
//! - `history.ndjson`: one line per change, `{"seq", "at", "user", "table", "id", "op",
//!   "before", "after"}` ([`Change`]), `op` one of `create`, `replace`, `delete`.
//!
//! A change, one at a time under the writer's lock:
//! 1. the caller's check runs on the current contents ([`Register::change`]), and the
//!    record's existence and version are checked (a stale `If-Match` is refused, nothing
//!    changes);
//! 2. the history line is appended and `fsync`ed — the change is now acknowledged;
//! 3. the table file is rewritten atomically (temporary file, `fsync`, rename);
//! 4. the new contents are swapped in for readers, who never wait for a writer.
//!
//! On open, the history lines whose `seq` is above their table file's `seq` are replayed
//! (the record becomes the line's `after`, or goes when `after` is null), so a crash
//! between steps 2 and 3 loses nothing. A last line without its newline was never
//! acknowledged: it is set aside in a quarantine file beside the history. A damaged whole
//! line stops the open with the file and the line number, leaving the files as they were.
//!
//! A record's *version* is the sequence number of its last change (0 for a record no
//! history line mentions, as the sample generator writes them); it is the record's ETag.
//! A missing `<data>/campaign/` is an empty register; it is created on the first change.
//!
//! On a PostGIS store the register is in the database instead ([`Register::open_pg`],
//! [`crate::store::pg::register`]): the same records, versions and history, shared by
//! every instance; the checks and the version rules above are the same code.
//!
//! Use from other modules: read with [`Register::snapshot`] and [`Snapshot::records`],
//! [`Snapshot::get`] or, typed, [`Snapshot::typed`]; write with [`Register::create`],
//! [`Register::replace`], [`Register::delete`], or [`Register::change`] when the check
//! must see the current contents (references to other records, a fresh id);
//! read the history with [`Register::history`].
//!
//! ```
//! use drainplan::campaign::register::Register;
//! use serde_json::json;
//!
//! let dir = std::env::temp_dir().join(format!("register-doc-{}", std::process::id()));
//! let reg = Register::open(&dir).unwrap();
//! let c = reg.create("officer", "grievances", json!({"id": "g-1", "text": "…"})).unwrap();
//! assert_eq!(reg.snapshot().get("grievances", "g-1").unwrap().version, c.seq);
//! assert_eq!(reg.history("grievances", Some("g-1")).len(), 1);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::live::Precondition;

/// The register's folder inside the data directory.
pub const DIR_NAME: &str = "campaign";
/// The history's file name inside the register's folder.
pub const HISTORY_FILE: &str = "history.ndjson";

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// A new record.
    Create,
    /// A record replaced whole.
    Replace,
    /// A record removed.
    Delete,
}

/// One acknowledged change: a line of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// 1, 2, 3, … in the order the changes were acknowledged, across all tables.
    pub seq: u64,
    /// When, RFC 3339 in UTC.
    pub at: String,
    /// Who (the signed-in user's name, or the shell user).
    pub user: String,
    /// The table.
    pub table: String,
    /// The record's id.
    pub id: String,
    /// What was done.
    pub op: Op,
    /// The record before (replace, delete).
    pub before: Option<Value>,
    /// The record after (create, replace).
    pub after: Option<Value>,
}

/// One record with its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The record's id (also its `id` member).
    pub id: String,
    /// The sequence number of its last change (0: no change recorded).
    pub version: u64,
    /// The record.
    pub value: Value,
}

/// A record read as a Rust type, with its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The sequence number of its last change.
    pub version: u64,
    /// The record.
    pub record: T,
}

/// One table's records, in the order they were created.
#[derive(Debug, Clone, Default)]
pub struct Table {
    seq: u64,
    records: Vec<Record>,
    index: HashMap<String, usize>,
}

impl Table {
    fn reindex(&mut self) {
        self.index = self
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
    }

    fn get(&self, id: &str) -> Option<&Record> {
        self.index.get(id).map(|&i| &self.records[i])
    }

    /// Sets or removes the record `id` (`value` `None`).
    fn set(&mut self, id: &str, value: Option<Value>, version: u64) {
        match (self.index.get(id).copied(), value) {
            (Some(i), Some(value)) => {
                self.records[i] = Record {
                    id: id.to_owned(),
                    version,
                    value,
                }
            }
            (Some(i), None) => {
                self.records.remove(i);
                self.reindex();
            }
            (None, Some(value)) => {
                self.index.insert(id.to_owned(), self.records.len());
                self.records.push(Record {
                    id: id.to_owned(),
                    version,
                    value,
                });
            }
            (None, None) => {}
        }
    }
}

/// The register's contents at one instant; readers keep it as long as they need.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    tables: BTreeMap<String, Arc<Table>>,
}

impl Snapshot {
    /// The records of `table`, in creation order (none for a table never written).
    pub fn records(&self, table: &str) -> &[Record] {
        self.tables.get(table).map_or(&[], |t| &t.records)
    }

    /// The record `id` of `table`.
    pub fn get(&self, table: &str, id: &str) -> Option<&Record> {
        self.tables.get(table).and_then(|t| t.get(id))
    }

    /// The records of `table` as `T`; a record that does not fit is an error naming it.
    pub fn typed<T: DeserializeOwned>(
        &self,
        table: &str,
    ) -> Result<Vec<Versioned<T>>, RegisterError> {
        self.records(table)
            .iter()
            .map(|r| {
                T::deserialize(&r.value)
                    .map(|record| Versioned {
                        version: r.version,
                        record,
                    })
                    .map_err(|e| RegisterError::Shape {
                        table: table.to_owned(),
                        id: r.id.clone(),
                        problem: e.to_string(),
                    })
            })
            .collect()
    }

    /// The names of the tables holding or having held records.
    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }
}

/// A change asked for, as [`Register::change`]'s check returns it.
#[derive(Debug, Clone)]
pub enum Proposed {
    /// Add this record (its `id` must be new).
    Create(Value),
    /// Replace record `id` with `value` (whose `id` must be `id`), if it meets `expect`.
    Replace {
        /// The record's id.
        id: String,
        /// The new record.
        value: Value,
        /// The version the writer read (HTTP `If-Match`); `None` replaces any version.
        expect: Option<Precondition>,
    },
    /// Remove record `id`, if it meets `expect`.
    Delete {
        /// The record's id.
        id: String,
        /// The version the writer read; `None` removes any version.
        expect: Option<Precondition>,
    },
}

/// Why a record of a campaign table (a grievance, a posting) was not stored: one of its
/// fields broke a rule, or the register refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A field broke a rule.
    #[error(transparent)]
    Invalid(#[from] crate::model::schema::Invalid),
    /// The register refused or failed.
    #[error(transparent)]
    Register(#[from] RegisterError),
}

/// Why the register could not be opened or a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// An I/O failure.
    #[error("{path}: {op}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A whole line of the history is damaged: nothing was changed.
    #[error(
        "{path}: line {line} is damaged ({problem}); nothing was changed. Restore the file from a backup, or remove line {line} and the lines after it (changes after it are then lost)"
    )]
    Damaged {
        /// The history file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// A table file cannot be read as a table.
    #[error("{path}: {problem}")]
    BadTable {
        /// The table file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The table name is not one the register accepts.
    #[error("`{0}` is not a table name: use lower-case ASCII letters and `_`")]
    BadTableName(String),
    /// The record is not an object with a usable `id`.
    #[error("{0}")]
    BadRecord(String),
    /// No such record.
    #[error("{table} `{id}` does not exist")]
    NotFound {
        /// The table.
        table: String,
        /// The id.
        id: String,
    },
    /// A record with this id exists already.
    #[error("{table} `{id}` exists already")]
    Exists {
        /// The table.
        table: String,
        /// The id.
        id: String,
    },
    /// The record changed since the version the writer read.
    #[error(
        "{table} `{id}` has changed since version {given}; it is now version {current}: reload it and change it again"
    )]
    Stale {
        /// The table.
        table: String,
        /// The id.
        id: String,
        /// The version(s) the writer named.
        given: String,
        /// The version stored.
        current: u64,
    },
    /// A stored record does not fit the type it is read as.
    #[error("{table} `{id}` does not fit: {problem}")]
    Shape {
        /// The table.
        table: String,
        /// The id.
        id: String,
        /// What does not fit.
        problem: String,
    },
    /// The caller's check refused the change.
    #[error(transparent)]
    Invalid(#[from] crate::model::schema::Invalid),
    /// The PostGIS database holding the register could not serve the request.
    #[error(transparent)]
    Db(#[from] crate::store::pg::PgError),
}

/// The writer's side: the history file (opened on the first change) and the next number.
#[derive(Debug)]
struct Writer {
    file: Option<File>,
    last_seq: u64,
}

/// The register: see the module documentation.
#[derive(Debug)]
pub struct Register {
    /// `<data>/campaign`, or `None` for a register kept in memory only.
    dir: Option<PathBuf>,
    /// The PostGIS database holding the register instead of `dir`
    /// ([`crate::store::pg::register`]); the contents above are then its last reading.
    shared: Option<Shared>,
    current: RwLock<Arc<Snapshot>>,
    history: RwLock<Vec<Arc<Change>>>,
    writer: Mutex<Writer>,
}

/// The connection to the database of a shared register, and the last change read.
struct Shared {
    url: String,
    /// The connection, with the sequence number of the contents last read; `None` after
    /// a loss (connected again on the next use).
    client: Mutex<(Option<postgres::Client>, u64)>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("url", &self.url).finish()
    }
}

/// Runs `f`, which waits for the database, off the async workers' runtime (a worker
/// may not block in the synchronous client).
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// The contents read from the database as a snapshot and a history.
fn from_contents(contents: crate::store::pg::register::Contents) -> (Snapshot, Vec<Arc<Change>>) {
    let mut tables = BTreeMap::new();
    for (name, records) in contents.tables {
        let mut table = Table::default();
        for (id, version, value) in records {
            table.set(&id, Some(value), version);
        }
        table.seq = contents
            .history
            .iter()
            .rev()
            .find(|c| c.table == name)
            .map_or(0, |c| c.seq);
        tables.insert(name, Arc::new(table));
    }
    (
        Snapshot { tables },
        contents.history.into_iter().map(Arc::new).collect(),
    )
}

/// What a proposed change does: the operation, the id, the record before and after, and
/// the version of the record it replaces or removes.
type Decided = (Op, String, Option<Value>, Option<Value>, u64);

/// The change `decided` acknowledged now as number `seq` by `user`, with the version of
/// the record it replaces or removes.
fn stamp(decided: Decided, seq: u64, user: &str, table: &str) -> (Change, u64) {
    let (op, id, before, after, version) = decided;
    let change = Change {
        seq,
        at: crate::store::journal::now_rfc3339(),
        user: user.to_owned(),
        table: table.to_owned(),
        id,
        op,
        before,
        after,
    };
    (change, version)
}

/// Checks `proposed` against `snapshot` (existence, id, version).
fn decide(snapshot: &Snapshot, table: &str, proposed: Proposed) -> Result<Decided, RegisterError> {
    let existing = |id: &str| snapshot.get(table, id);
    let check_version = |r: &Record, expect: &Option<Precondition>| match expect {
        Some(Precondition::OneOf(tags)) if !tags.iter().any(|t| *t == r.version.to_string()) => {
            Err(RegisterError::Stale {
                table: table.to_owned(),
                id: r.id.clone(),
                given: tags.join(", "),
                current: r.version,
            })
        }
        _ => Ok(()),
    };
    Ok(match proposed {
        Proposed::Create(value) => {
            let id = record_id(&value)?;
            if existing(&id).is_some() {
                return Err(RegisterError::Exists {
                    table: table.to_owned(),
                    id,
                });
            }
            (Op::Create, id, None, Some(value), 0)
        }
        Proposed::Replace { id, value, expect } => {
            let new_id = record_id(&value)?;
            if new_id != id {
                return Err(RegisterError::BadRecord(format!(
                    "the record's id `{new_id}` is not `{id}`: an id cannot change"
                )));
            }
            let old = existing(&id).ok_or_else(|| RegisterError::NotFound {
                table: table.to_owned(),
                id: id.clone(),
            })?;
            check_version(old, &expect)?;
            let version = old.version;
            (
                Op::Replace,
                id,
                Some(old.value.clone()),
                Some(value),
                version,
            )
        }
        Proposed::Delete { id, expect } => {
            let old = existing(&id).ok_or_else(|| RegisterError::NotFound {
                table: table.to_owned(),
                id: id.clone(),
            })?;
            check_version(old, &expect)?;
            (Op::Delete, id, Some(old.value.clone()), None, old.version)
        }
    })
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> RegisterError {
    let path = path.to_owned();
    move |source| RegisterError::Io { path, op, source }
}

/// Whether `name` can be a table name (it becomes a file name).
pub fn is_table_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        && name != "history"
}

/// Whether `id` can be a record id: 1–64 ASCII letters, digits, `-`, `_`, `.`.
pub fn is_record_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn record_id(value: &Value) -> Result<String, RegisterError> {
    let id = value
        .as_object()
        .ok_or_else(|| RegisterError::BadRecord("a record is a JSON object".into()))?
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| RegisterError::BadRecord("a record needs a text `id`".into()))?;
    if !is_record_id(id) {
        return Err(RegisterError::BadRecord(format!(
            "id `{id}` is not 1–64 ASCII letters, digits, `-`, `_` or `.`"
        )));
    }
    Ok(id.to_owned())
}

/// The file of a table.
#[derive(Serialize, Deserialize)]
struct TableFile {
    seq: u64,
    records: Vec<Value>,
}

impl Register {
    /// A register kept in memory only (changes are not saved), empty.
    pub fn in_memory() -> Register {
        Register {
            dir: None,
            shared: None,
            current: RwLock::default(),
            history: RwLock::default(),
            writer: Mutex::new(Writer {
                file: None,
                last_seq: 0,
            }),
        }
    }

    /// Opens the register of the data directory `data_dir` (see the module's steps);
    /// a missing `campaign/` folder is an empty register.
    pub fn open(data_dir: &Path) -> Result<Register, RegisterError> {
        Register::load(data_dir, true)
    }

    /// The register of `data_dir` read into memory; later changes are kept in memory
    /// only and nothing is written (for tests over a fixture, and previews).
    pub fn load_in_memory(data_dir: &Path) -> Result<Register, RegisterError> {
        Register::load(data_dir, false)
    }

    fn load(data_dir: &Path, persist: bool) -> Result<Register, RegisterError> {
        let dir = data_dir.join(DIR_NAME);
        let mut tables: BTreeMap<String, Table> = BTreeMap::new();
        if dir.is_dir() {
            let entries = std::fs::read_dir(&dir).map_err(io_err("cannot list", &dir))?;
            for entry in entries {
                let entry = entry.map_err(io_err("cannot list", &dir))?;
                let path = entry.path();
                let Some(name) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".json"))
                else {
                    continue;
                };
                if !is_table_name(name) {
                    continue;
                }
                tables.insert(name.to_owned(), read_table(&path)?);
            }
        }
        let history_path = dir.join(HISTORY_FILE);
        let history = read_history(&history_path, persist)?;
        // Replay what the table files do not hold yet, and note every record's version.
        let mut versions: HashMap<(&str, &str), u64> = HashMap::new();
        let mut behind: BTreeMap<String, u64> = BTreeMap::new();
        for c in &history {
            let table = tables.entry(c.table.clone()).or_default();
            if c.seq > table.seq {
                table.set(&c.id, c.after.clone(), c.seq);
                behind.insert(c.table.clone(), c.seq);
            }
            versions.insert((&c.table, &c.id), c.seq);
        }
        for (name, table) in &mut tables {
            for r in &mut table.records {
                r.version = versions
                    .get(&(name.as_str(), r.id.as_str()))
                    .copied()
                    .unwrap_or(0);
            }
        }
        for (name, seq) in &behind {
            if let Some(table) = tables.get_mut(name) {
                table.seq = *seq;
                if persist {
                    write_table(&dir.join(format!("{name}.json")), table)?;
                    tracing::info!("{name}: replayed the history up to change {seq}");
                }
            }
        }
        let last_seq = history
            .last()
            .map_or(0, |c| c.seq)
            .max(tables.values().map(|t| t.seq).max().unwrap_or(0));
        Ok(Register {
            dir: persist.then_some(dir),
            shared: None,
            current: RwLock::new(Arc::new(Snapshot {
                tables: tables.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
            })),
            history: RwLock::new(history.into_iter().map(Arc::new).collect()),
            writer: Mutex::new(Writer {
                file: None,
                last_seq,
            }),
        })
    }

    /// The register held by the PostGIS database at `url` (its `campaign_records` and
    /// `campaign_history` tables), shared by every instance serving that database.
    pub fn open_pg(url: &str) -> Result<Register, RegisterError> {
        let mut client = crate::store::pg::connect(url)?;
        let contents = crate::store::pg::register::read(&mut client)?;
        let last = contents.last_seq;
        let (snapshot, history) = from_contents(contents);
        Ok(Register {
            dir: None,
            shared: Some(Shared {
                url: url.to_owned(),
                client: Mutex::new((Some(client), last)),
            }),
            current: RwLock::new(Arc::new(snapshot)),
            history: RwLock::new(history),
            writer: Mutex::new(Writer {
                file: None,
                last_seq: last,
            }),
        })
    }

    /// Writes the register's contents as the files of the data directory `data_dir`
    /// (`campaign/<table>.json` and the history), replacing those there: for
    /// `migrate --from` of a register the database changed.
    pub fn save_to(&self, data_dir: &Path) -> Result<(), RegisterError> {
        let dir = data_dir.join(DIR_NAME);
        std::fs::create_dir_all(&dir).map_err(io_err("cannot create", &dir))?;
        let snapshot = self.snapshot();
        for (name, table) in &snapshot.tables {
            write_table(&dir.join(format!("{name}.json")), table)?;
        }
        let mut bytes = Vec::new();
        let path = dir.join(HISTORY_FILE);
        for c in self
            .history
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let line = serde_json::to_string(&**c).map_err(|e| {
                io_err("cannot encode a change for", &path)(std::io::Error::other(e))
            })?;
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        crate::store::write_atomically(&path, &bytes).map_err(io_err("cannot write", &path))
    }

    /// Every change, oldest first.
    pub fn all_history(&self) -> Vec<Arc<Change>> {
        self.refresh();
        self.history
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// For a shared register: reads the database again when a change was made since the
    /// last reading. When the database cannot be reached, the last reading is served.
    fn refresh(&self) {
        let Some(shared) = &self.shared else {
            return;
        };
        blocking(|| {
            let mut guard = shared.client.lock().unwrap_or_else(|e| e.into_inner());
            let (client, seen) = &mut *guard;
            let result = (|| -> Result<(), crate::store::pg::PgError> {
                if client.is_none() {
                    *client = Some(crate::store::pg::connect(&shared.url)?);
                }
                let Some(c) = client.as_mut() else {
                    return Ok(());
                };
                if crate::store::pg::register::last_seq(c)? == *seen {
                    return Ok(());
                }
                let contents = crate::store::pg::register::read(c)?;
                *seen = contents.last_seq;
                let (snapshot, history) = from_contents(contents);
                *self.history.write().unwrap_or_else(|e| e.into_inner()) = history;
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
                Ok(())
            })();
            if let Err(e) = result {
                if matches!(e, crate::store::pg::PgError::Unreachable(_)) {
                    *client = None;
                }
                tracing::warn!("the campaign register is served as last read: {e}");
            }
        });
    }

    /// The current contents.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.refresh();
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The changes to `table` (to record `id` only, when given), oldest first.
    pub fn history(&self, table: &str, id: Option<&str>) -> Vec<Arc<Change>> {
        self.refresh();
        self.history
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|c| c.table == table && id.is_none_or(|id| c.id == id))
            .cloned()
            .collect()
    }

    /// Adds `record` to `table`.
    pub fn create(&self, user: &str, table: &str, record: Value) -> Result<Change, RegisterError> {
        self.change(user, table, |_| {
            Ok::<_, RegisterError>(Proposed::Create(record))
        })
    }

    /// Replaces record `id` of `table` if it is at a version `expect` allows.
    pub fn replace(
        &self,
        user: &str,
        table: &str,
        id: &str,
        record: Value,
        expect: Option<Precondition>,
    ) -> Result<Change, RegisterError> {
        self.change(user, table, |_| {
            Ok::<_, RegisterError>(Proposed::Replace {
                id: id.to_owned(),
                value: record,
                expect,
            })
        })
    }

    /// Removes record `id` of `table` if it is at a version `expect` allows.
    pub fn delete(
        &self,
        user: &str,
        table: &str,
        id: &str,
        expect: Option<Precondition>,
    ) -> Result<Change, RegisterError> {
        self.change(user, table, |_| {
            Ok::<_, RegisterError>(Proposed::Delete {
                id: id.to_owned(),
                expect,
            })
        })
    }

    /// Makes the change `check` proposes after seeing the current contents, under the
    /// writer's lock so that nothing changes between the check and the write (see the
    /// module's steps). Nothing changes when `check` or a step fails.
    pub fn change<E: From<RegisterError>>(
        &self,
        user: &str,
        table: &str,
        check: impl FnOnce(&Snapshot) -> Result<Proposed, E>,
    ) -> Result<Change, E> {
        if !is_table_name(table) {
            return Err(RegisterError::BadTableName(table.to_owned()).into());
        }
        if let Some(shared) = &self.shared {
            return blocking(|| self.change_shared(shared, user, table, check));
        }
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let snapshot = self.snapshot();
        let proposed = check(&snapshot)?;
        let (change, _) = stamp(
            decide(&snapshot, table, proposed)?,
            writer.last_seq + 1,
            user,
            table,
        );
        let mut next = (*snapshot).clone();
        let t = Arc::make_mut(next.tables.entry(table.to_owned()).or_default());
        t.set(&change.id, change.after.clone(), change.seq);
        t.seq = change.seq;
        if let Some(dir) = &self.dir {
            self.append(&mut writer, dir, &change)?;
            // The change is acknowledged; a failure to rewrite the table file is made
            // good by the replay at the next open.
            if let Err(e) = write_table(&dir.join(format!("{table}.json")), t) {
                tracing::error!("{e}; the change is in the history and will be replayed");
            }
        }
        writer.last_seq = change.seq;
        self.history
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::new(change.clone()));
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        Ok(change)
    }

    /// [`Register::change`] on the database: one transaction under the register's lock
    /// that reads the records, runs `check`, writes the row if its version is still the
    /// one read, and the history row; the contents served change after the commit.
    fn change_shared<E: From<RegisterError>>(
        &self,
        shared: &Shared,
        user: &str,
        table: &str,
        check: impl FnOnce(&Snapshot) -> Result<Proposed, E>,
    ) -> Result<Change, E> {
        use crate::store::pg::{PgError, register as db};
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut guard = shared.client.lock().unwrap_or_else(|e| e.into_inner());
        let (client, seen) = &mut *guard;
        let outcome = (|| -> Result<Result<_, E>, PgError> {
            if client.is_none() {
                *client = Some(crate::store::pg::connect(&shared.url)?);
            }
            let Some(c) = client.as_mut() else {
                return Err(PgError::Data("no connection".into()));
            };
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&db::REGISTER_LOCK])?;
            let contents = db::read(&mut tx)?;
            let last = contents.last_seq;
            let (mut snapshot, mut history) = from_contents(contents);
            let proposed = match check(&snapshot) {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let (change, version) = match decide(&snapshot, table, proposed) {
                Ok(d) => stamp(d, last + 1, user, table),
                Err(e) => return Ok(Err(e.into())),
            };
            if !db::write(&mut tx, &change, version)? {
                return Ok(Err(RegisterError::Stale {
                    table: table.to_owned(),
                    id: change.id,
                    given: version.to_string(),
                    current: version,
                }
                .into()));
            }
            tx.commit()?;
            let t = Arc::make_mut(snapshot.tables.entry(table.to_owned()).or_default());
            t.set(&change.id, change.after.clone(), change.seq);
            t.seq = change.seq;
            history.push(Arc::new(change.clone()));
            Ok(Ok((change, snapshot, history)))
        })();
        match outcome {
            Ok(Ok((change, snapshot, history))) => {
                *seen = change.seq;
                *self.history.write().unwrap_or_else(|e| e.into_inner()) = history;
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
                Ok(change)
            }
            Ok(Err(e)) => Err(e),
            Err(e) => {
                if matches!(e, PgError::Unreachable(_)) {
                    *client = None;
                }
                Err(RegisterError::Db(e).into())
            }
        }
    }

    /// Appends `change` to the history and waits until it is on disk; on failure the
    /// file is cut back to where it was.
    fn append(
        &self,
        writer: &mut Writer,
        dir: &Path,
        change: &Change,
    ) -> Result<(), RegisterError> {
        let path = dir.join(HISTORY_FILE);
        if writer.file.is_none() {
            if !dir.is_dir() {
                std::fs::create_dir_all(dir).map_err(io_err("cannot create", dir))?;
                if let Some(parent) = dir.parent() {
                    sync_dir(parent);
                }
            }
            let file = OpenOptions::new()
                .append(true)
                .create(true)
                .open(&path)
                .map_err(io_err("cannot open", &path))?;
            sync_dir(dir);
            writer.file = Some(file);
        }
        let Some(file) = writer.file.as_mut() else {
            return Ok(());
        };
        let mut line = serde_json::to_string(change)
            .map_err(|e| io_err("cannot encode a change for", &path)(std::io::Error::other(e)))?;
        line.push('\n');
        let len = file.metadata().map_err(io_err("cannot read", &path))?.len();
        if let Err(e) = file
            .write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
        {
            let _ = file.set_len(len);
            return Err(io_err("cannot write", &path)(e));
        }
        Ok(())
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn read_table(path: &Path) -> Result<Table, RegisterError> {
    let text = std::fs::read_to_string(path).map_err(io_err("cannot read", path))?;
    let bad = |problem: String| RegisterError::BadTable {
        path: path.to_owned(),
        problem,
    };
    let file: TableFile = serde_json::from_str(&text)
        .map_err(|e| bad(format!("not a table {{\"seq\": N, \"records\": […]}}: {e}")))?;
    let mut table = Table {
        seq: file.seq,
        ..Table::default()
    };
    for (n, value) in file.records.into_iter().enumerate() {
        let id = record_id(&value).map_err(|e| bad(format!("record {}: {e}", n + 1)))?;
        if table.get(&id).is_some() {
            return Err(bad(format!("record {}: id `{id}` appears twice", n + 1)));
        }
        table.set(&id, Some(value), 0);
    }
    Ok(table)
}

fn write_table(path: &Path, table: &Table) -> Result<(), RegisterError> {
    let file = TableFile {
        seq: table.seq,
        records: table.records.iter().map(|r| r.value.clone()).collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&file)
        .map_err(|e| io_err("cannot encode", path)(std::io::Error::other(e)))?;
    bytes.push(b'\n');
    crate::store::write_atomically(path, &bytes).map_err(io_err("cannot write", path))
}

/// Reads the history; with `repair`, a torn last line (no newline: never acknowledged)
/// is moved to a quarantine file and cut off.
fn read_history(path: &Path, repair: bool) -> Result<Vec<Change>, RegisterError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err("cannot read", path)(e)),
    };
    let mut changes: Vec<Change> = Vec::new();
    let mut good = 0usize;
    for (n, chunk) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        if !chunk.ends_with(b"\n") {
            if repair {
                let quarantine = path.with_extension(format!("ndjson.torn-{good}"));
                crate::store::write_atomically(&quarantine, chunk)
                    .map_err(io_err("cannot keep the torn tail in", &quarantine))?;
                let f = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(io_err("cannot open", path))?;
                f.set_len(good as u64)
                    .map_err(io_err("cannot truncate", path))?;
                f.sync_all().map_err(io_err("cannot sync", path))?;
                tracing::warn!(
                    "{}: the last {} bytes are a write cut short by a crash (never acknowledged); they are kept in {}",
                    path.display(),
                    chunk.len(),
                    quarantine.display()
                );
            }
            break;
        }
        let damaged = |problem: String| RegisterError::Damaged {
            path: path.to_owned(),
            line: n + 1,
            problem,
        };
        let c: Change = serde_json::from_slice(&chunk[..chunk.len() - 1])
            .map_err(|e| damaged(format!("not a change: {e}")))?;
        if let Some(last) = changes.last()
            && c.seq <= last.seq
        {
            return Err(damaged(format!(
                "sequence {} after {}: numbers must increase",
                c.seq, last.seq
            )));
        }
        if !is_table_name(&c.table) || !is_record_id(&c.id) {
            return Err(damaged(format!(
                "table `{}` or id `{}` cannot be a register name",
                c.table, c.id
            )));
        }
        good += chunk.len();
        changes.push(c);
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct TempDir(PathBuf);
    impl TempDir {
        fn new(name: &str) -> TempDir {
            let p = std::env::temp_dir()
                .join(format!("drainplan-register-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(dir.join(DIR_NAME))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_missing_folder_is_an_empty_register() {
        let d = TempDir::new("empty");
        let r = Register::open(&d.0).unwrap();
        assert!(r.snapshot().records("people").is_empty());
        assert!(!d.0.join(DIR_NAME).exists(), "opening writes nothing");
    }

    #[test]
    fn a_change_survives_reopening() {
        let d = TempDir::new("reopen");
        {
            let r = Register::open(&d.0).unwrap();
            r.create(
                "lan",
                "people",
                json!({"id": "p-1", "name": "Nguyễn Văn A"}),
            )
            .unwrap();
            r.create("lan", "people", json!({"id": "p-2", "name": "Lê Thị B"}))
                .unwrap();
            r.replace(
                "hoa",
                "people",
                "p-1",
                json!({"id": "p-1", "name": "Nguyễn Văn An"}),
                Some(Precondition::OneOf(vec!["1".into()])),
            )
            .unwrap();
            r.delete("hoa", "people", "p-2", None).unwrap();
        }
        let r = Register::open(&d.0).unwrap();
        let s = r.snapshot();
        let people = s.records("people");
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].value["name"], "Nguyễn Văn An");
        // Changes 1 (create p-1), 2 (create p-2), 3 (replace p-1), 4 (delete p-2).
        assert_eq!(people[0].version, 3);
        let h = r.history("people", Some("p-1"));
        assert_eq!(
            h.iter()
                .map(|c| (c.seq, c.op, c.user.as_str()))
                .collect::<Vec<_>>(),
            [(1, Op::Create, "lan"), (3, Op::Replace, "hoa")]
        );
        assert_eq!(h[1].before.as_ref().unwrap()["name"], "Nguyễn Văn A");
        // The next change continues the numbering.
        let c = r.create("lan", "tasks", json!({"id": "t-1"})).unwrap();
        assert_eq!(c.seq, 5);
        let file: Value =
            serde_json::from_slice(&std::fs::read(d.0.join("campaign/people.json")).unwrap())
                .unwrap();
        assert_eq!(file["seq"], 4);
    }

    #[test]
    fn a_crash_before_the_table_file_is_replayed() {
        let d = TempDir::new("crash");
        {
            let r = Register::open(&d.0).unwrap();
            r.create("lan", "tasks", json!({"id": "t-1", "status": "open"}))
                .unwrap();
        }
        // The history line of change 2 is written, the table file is not: as if the
        // process died between steps 2 and 3.
        let line = json!({"seq": 2, "at": "2026-12-04T10:00:00Z", "user": "hoa",
            "table": "tasks", "id": "t-1", "op": "replace",
            "before": {"id": "t-1", "status": "open"},
            "after": {"id": "t-1", "status": "done"}});
        let mut f = OpenOptions::new()
            .append(true)
            .open(d.0.join("campaign/history.ndjson"))
            .unwrap();
        writeln!(f, "{line}").unwrap();
        drop(f);
        let before: Value =
            serde_json::from_slice(&std::fs::read(d.0.join("campaign/tasks.json")).unwrap())
                .unwrap();
        assert_eq!(before["seq"], 1);

        let r = Register::open(&d.0).unwrap();
        let t = r.snapshot().get("tasks", "t-1").cloned().unwrap();
        assert_eq!(t.value["status"], "done");
        assert_eq!(t.version, 2);
        // The table file caught up.
        let after: Value =
            serde_json::from_slice(&std::fs::read(d.0.join("campaign/tasks.json")).unwrap())
                .unwrap();
        assert_eq!(after["seq"], 2);
        assert_eq!(after["records"][0]["status"], "done");
    }

    #[test]
    fn a_torn_last_line_was_never_acknowledged() {
        let d = TempDir::new("torn");
        {
            let r = Register::open(&d.0).unwrap();
            r.create("lan", "tasks", json!({"id": "t-1"})).unwrap();
        }
        let mut f = OpenOptions::new()
            .append(true)
            .open(d.0.join("campaign/history.ndjson"))
            .unwrap();
        f.write_all(br#"{"seq": 2, "at": "2026-12"#).unwrap();
        drop(f);
        let r = Register::open(&d.0).unwrap();
        assert_eq!(r.history("tasks", None).len(), 1);
        let c = r.create("lan", "tasks", json!({"id": "t-2"})).unwrap();
        assert_eq!(c.seq, 2);
        drop(r);
        // The history stays readable after the cut and the new line.
        let r = Register::open(&d.0).unwrap();
        assert_eq!(r.snapshot().records("tasks").len(), 2);
    }

    #[test]
    fn a_damaged_line_stops_the_open_and_names_the_file_and_line() {
        let d = TempDir::new("damaged");
        {
            let r = Register::open(&d.0).unwrap();
            r.create("lan", "tasks", json!({"id": "t-1"})).unwrap();
            r.create("lan", "tasks", json!({"id": "t-2"})).unwrap();
            r.create("lan", "tasks", json!({"id": "t-3"})).unwrap();
        }
        let path = d.0.join("campaign/history.ndjson");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let broken = lines[1].replace("\"seq\":2", "\"seq\":\"two\"");
        lines[1] = &broken;
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let before = files(&d.0);

        let e = Register::open(&d.0).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, RegisterError::Damaged { line: 2, .. }), "{msg}");
        assert!(
            msg.contains("history.ndjson") && msg.contains("line 2"),
            "{msg}"
        );
        assert_eq!(files(&d.0), before, "nothing was changed");
    }

    #[test]
    fn a_stale_version_is_refused_and_nothing_changes() {
        let d = TempDir::new("stale");
        let r = Register::open(&d.0).unwrap();
        r.create("lan", "tasks", json!({"id": "t-1", "status": "open"}))
            .unwrap();
        r.replace(
            "hoa",
            "tasks",
            "t-1",
            json!({"id": "t-1", "status": "done"}),
            Some(Precondition::OneOf(vec!["1".into()])),
        )
        .unwrap();
        let before = files(&d.0);
        let e = r
            .replace(
                "lan",
                "tasks",
                "t-1",
                json!({"id": "t-1", "status": "cancelled"}),
                Some(Precondition::OneOf(vec!["1".into()])),
            )
            .unwrap_err();
        assert!(matches!(e, RegisterError::Stale { current: 2, .. }), "{e}");
        let e = r
            .delete(
                "lan",
                "tasks",
                "t-1",
                Some(Precondition::OneOf(vec!["1".into()])),
            )
            .unwrap_err();
        assert!(matches!(e, RegisterError::Stale { .. }), "{e}");
        assert_eq!(files(&d.0), before);
        assert_eq!(
            r.snapshot().get("tasks", "t-1").unwrap().value["status"],
            "done"
        );
        assert_eq!(r.history("tasks", None).len(), 2);
    }

    #[test]
    fn bad_records_and_names_are_refused() {
        let r = Register::in_memory();
        assert!(matches!(
            r.create("u", "tasks", json!({"name": "x"})),
            Err(RegisterError::BadRecord(_))
        ));
        assert!(matches!(
            r.create("u", "tasks", json!({"id": "t 1"})),
            Err(RegisterError::BadRecord(_))
        ));
        assert!(matches!(
            r.create("u", "../x", json!({"id": "t-1"})),
            Err(RegisterError::BadTableName(_))
        ));
        r.create("u", "tasks", json!({"id": "t-1"})).unwrap();
        assert!(matches!(
            r.create("u", "tasks", json!({"id": "t-1"})),
            Err(RegisterError::Exists { .. })
        ));
        assert!(matches!(
            r.replace("u", "tasks", "t-1", json!({"id": "t-2"}), None),
            Err(RegisterError::BadRecord(_))
        ));
        assert!(matches!(
            r.delete("u", "tasks", "t-9", None),
            Err(RegisterError::NotFound { .. })
        ));
    }

    #[test]
    fn records_without_history_have_version_zero_and_typed_reads_name_the_record() {
        let d = TempDir::new("typed");
        std::fs::create_dir_all(d.0.join(DIR_NAME)).unwrap();
        std::fs::write(
            d.0.join("campaign/people.json"),
            r#"{"seq": 0, "records": [{"id": "p-1", "name": "A"}, {"id": "p-2"}]}"#,
        )
        .unwrap();
        let r = Register::open(&d.0).unwrap();
        let s = r.snapshot();
        assert_eq!(s.get("people", "p-1").unwrap().version, 0);
        #[derive(Debug, Deserialize)]
        struct P {
            name: String,
        }
        let e = s.typed::<P>("people").unwrap_err();
        assert!(e.to_string().contains("`p-2`"), "{e}");
        r.delete("u", "people", "p-2", None).unwrap();
        let people = r.snapshot().typed::<P>("people").unwrap();
        assert_eq!(people[0].record.name, "A");
        assert_eq!(people[0].version, 0);
    }
}
