//! The live data set a server edits: snapshots for readers, one writer at a time, every
//! acknowledged edit in the journal first.
//!
//! Readers take an `Arc<Dataset>` snapshot and keep it for as long as they work: a writer
//! never blocks them and they never see half an edit. A writer, holding the journal lock:
//! 1. checks `If-Match` against the current snapshot;
//! 2. applies the edit to a copy of the snapshot (only the edited layer is copied);
//! 3. appends the journal entry and `fsync`s it — the edit is now acknowledged;
//! 4. swaps the new snapshot in.
//!
//! A refused edit, or a journal write that fails, leaves the snapshot as it was.
//!
//! A write may carry the client's key for it ([`RequestKey`], HTTP `Idempotency-Key`): the
//! store remembers, per user, the keys of its acknowledged edits for [`REQUEST_KEY_HOURS`]
//! (at most [`REQUEST_KEYS_MAX`]), and the same request sent again — its answer was lost
//! on a weak connection — gets the first outcome back instead of being made twice. The key
//! is in the journal entry, so a restart remembers the keys of the entries since the last
//! compaction.
//!
//! Every [`COMPACT_EVERY`] edits the data are written whole and the journal starts afresh
//! ([`super::snapshot`]), so that start-up and the monthly report do not grow with the
//! number of edits ever made.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::edit::{Edit, EditError, EditOp};
use super::journal::{Journal, JournalEntry, JournalError, RequestKey, now_rfc3339};
use super::snapshot::{self, Snapshot};
use super::{Dataset, Feature, LoadError, Recovered};
use crate::analysis::progress::{ProgressLedger, ProgressReport};

/// Edits after which the journal is compacted.
pub const COMPACT_EVERY: usize = 1_000;

/// How long an acknowledged request's key is remembered, in hours.
pub const REQUEST_KEY_HOURS: i64 = 24;
/// How many request keys are remembered at most (the oldest are forgotten first).
pub const REQUEST_KEYS_MAX: usize = 5_000;

/// Why an edit was not made.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The edit itself was refused.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// `If-Match` named another version.
    #[error(
        "feature `{id}` has changed since version {given}; it is now version {current}: reload it and edit again"
    )]
    Stale {
        /// The feature id.
        id: String,
        /// The version the client had.
        given: String,
        /// The version now stored.
        current: String,
    },
    /// The journal could not be written; nothing changed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The request key was first sent with another request.
    #[error(
        "the Idempotency-Key `{key}` was already used for another request (another feature, step or value); send each new change with a new key"
    )]
    KeyReused {
        /// The key.
        key: String,
    },
    /// The PostGIS store could not make the change (unreachable, or it refused); nothing
    /// was changed.
    #[error(transparent)]
    Database(#[from] super::pg::PgError),
}

/// Why a compaction failed (the data and the journal stay as they were).
#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    /// The snapshot could not be written.
    #[error("{path}: cannot write the snapshot")]
    Write {
        /// The data directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The journal could not be archived.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// What a write requires of the feature it changes (HTTP's `If-Match`, parsed at the door).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// The feature must exist, at any version (`If-Match: *`).
    Exists,
    /// The feature must be at one of these versions ([`Feature::version`]).
    OneOf(Vec<String>),
}

/// The outcome of an acknowledged edit.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The journal entry.
    pub entry: JournalEntry,
    /// The feature now stored (create, replace); `None` when replayed (the entry holds
    /// the feature as that edit left it).
    pub feature: Option<Feature>,
    /// Whether this is the outcome of an earlier request with the same key, answered
    /// again without making the edit again.
    pub replayed: bool,
}

/// The outcomes of the requests with a key, per (user, key), oldest first.
#[derive(Debug, Default)]
struct Remembered {
    by_key: HashMap<(String, String), JournalEntry>,
    order: VecDeque<((String, String), time::OffsetDateTime)>,
}

impl Remembered {
    fn get(&self, user: &str, key: &str) -> Option<&JournalEntry> {
        self.by_key.get(&(user.to_owned(), key.to_owned()))
    }

    /// Keeps `entry` if it has a key; forgets the keys too old or too many.
    fn keep(&mut self, entry: &JournalEntry, now: time::OffsetDateTime) {
        if let Some(request) = &entry.request {
            let at = time::OffsetDateTime::parse(
                &entry.at,
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap_or(now);
            let k = (entry.user.clone(), request.key.clone());
            if self.by_key.insert(k.clone(), entry.clone()).is_none() {
                self.order.push_back((k, at));
            }
        }
        self.forget_old(now);
    }

    fn forget_old(&mut self, now: time::OffsetDateTime) {
        let oldest = now - time::Duration::hours(REQUEST_KEY_HOURS);
        while let Some((k, at)) = self.order.front() {
            if self.order.len() <= REQUEST_KEYS_MAX && *at >= oldest {
                break;
            }
            self.by_key.remove(k);
            self.order.pop_front();
        }
    }
}

/// The live, editable data set.
#[derive(Debug)]
pub struct Store {
    dir: Option<PathBuf>,
    current: RwLock<Arc<Dataset>>,
    journal: Mutex<Option<Journal>>,
    /// The entries since the last snapshot, oldest first (older ones are in the archives).
    recent: RwLock<Arc<Vec<JournalEntry>>>,
    ledger: Mutex<ProgressLedger>,
    /// The last entry the current snapshot holds.
    snapshot_seq: AtomicU64,
    compacting: AtomicBool,
    compact_every: std::sync::atomic::AtomicUsize,
    /// The outcomes of recent requests with a key (written under the journal lock).
    remembered: Mutex<Remembered>,
    /// The PostGIS store this one caches and writes to, instead of a journal file.
    pg: Option<super::pg::PgSink>,
}

impl Store {
    /// Loads the data directory and replays its journal.
    pub fn open(dir: &Path) -> Result<Store, LoadError> {
        // Open (and set a torn tail aside) before reading the files it applies to.
        let (mut journal, entries) =
            Journal::open(dir).map_err(|e| LoadError::Journal(Box::new(e)))?;
        let first = entries.first().map(|e| e.seq);
        let r = Recovered::from(dir, entries)?;
        if r.archive_pending
            && let Some(first) = first
        {
            // A compaction stopped after its snapshot: archive what it covers now.
            journal
                .archive_through(
                    r.snapshot_seq,
                    &snapshot::archive_path(dir, first, r.snapshot_seq),
                )
                .map_err(|e| LoadError::Journal(Box::new(e)))?;
        }
        journal.continue_after(r.snapshot_seq);
        let mut remembered = Remembered::default();
        let now = time::OffsetDateTime::now_utc();
        for entry in &r.entries {
            remembered.keep(entry, now);
        }
        Ok(Store {
            dir: Some(dir.to_owned()),
            current: RwLock::new(Arc::new(r.data)),
            journal: Mutex::new(Some(journal)),
            recent: RwLock::new(Arc::new(r.entries)),
            ledger: Mutex::new(r.ledger),
            snapshot_seq: AtomicU64::new(r.snapshot_seq),
            compacting: AtomicBool::new(false),
            compact_every: COMPACT_EVERY.into(),
            remembered: Mutex::new(remembered),
            pg: None,
        })
    }

    /// Loads the data set (the communes `filter` names, or all) from the PostGIS database
    /// at `url`, and writes edits there ([`super::pg`]); `dir` is the local data directory
    /// (users, design tables). Call [`Store::follow`] on a thread of its own to take in the
    /// changes made by other instances and by SQL.
    pub fn open_pg(
        url: &str,
        dir: &Path,
        filter: super::pg::Filter,
    ) -> Result<Store, super::pg::PgError> {
        let mut client = super::pg::connect(url)?;
        let loaded = super::pg::load(&mut client, dir, &filter)?;
        let mut remembered = Remembered::default();
        let now = time::OffsetDateTime::now_utc();
        for entry in &loaded.entries {
            remembered.keep(entry, now);
        }
        let sink = super::pg::PgSink::new(url, client, filter, loaded.versions, loaded.last_seq);
        Ok(Store {
            dir: None,
            current: RwLock::new(Arc::new(loaded.data)),
            journal: Mutex::new(None),
            recent: RwLock::new(Arc::new(loaded.entries)),
            ledger: Mutex::new(loaded.ledger),
            snapshot_seq: AtomicU64::new(0),
            compacting: AtomicBool::new(false),
            compact_every: COMPACT_EVERY.into(),
            remembered: Mutex::new(remembered),
            pg: Some(sink),
        })
    }

    /// Whether the store is a PostGIS database's cache.
    pub fn is_pg(&self) -> bool {
        self.pg.is_some()
    }

    /// Follows the PostGIS database: takes in the changes made elsewhere as they are
    /// notified (and every [`super::pg::FOLLOW_EVERY`]), connecting again after a loss.
    /// Returns at once for a file store; never returns otherwise.
    pub fn follow(&self) {
        let Some(pg) = &self.pg else {
            return;
        };
        pg.listen(|| {
            let _writer = self
                .journal
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match pg.with_client(|c, pg| pg.changes(c)) {
                Ok((changes, last)) => self.take_in(pg, changes, last),
                Err(e) => tracing::warn!(error = %e, "cannot read the database's changes"),
            }
        })
    }

    /// Takes changes made elsewhere into the cache (the writer lock held).
    fn take_in(&self, pg: &super::pg::PgSink, changes: super::pg::Changes, last: u64) {
        if !changes.features.is_empty() {
            let mut next = (*self.snapshot()).clone();
            for (kind, id, f) in changes.features {
                if let Err(e) = super::pg::force(&mut next, kind, &id, f) {
                    // The database took a change drainplan cannot read (a rule only
                    // drainplan checks): this instance keeps the feature as it was.
                    tracing::error!(layer = %kind, id, error = %e, "a change in the database cannot be served");
                }
            }
            *self
                .current
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(next);
        }
        if !changes.entries.is_empty() {
            let mut ledger = self
                .ledger
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut recent = self
                .recent
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut remembered = self
                .remembered
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = time::OffsetDateTime::now_utc();
            let list = Arc::make_mut(&mut recent);
            for e in changes.entries {
                ledger.add(&e);
                remembered.keep(&e, now);
                list.push(e);
            }
            list.sort_by_key(|e| e.seq);
        }
        pg.taken_in(last);
    }

    /// A store over a data set with no journal: edits live in memory only.
    pub fn in_memory(data: Dataset) -> Store {
        let ledger = ProgressLedger::new(&data);
        Store {
            dir: None,
            current: RwLock::new(Arc::new(data)),
            journal: Mutex::new(None),
            recent: RwLock::new(Arc::new(Vec::new())),
            ledger: Mutex::new(ledger),
            snapshot_seq: AtomicU64::new(0),
            compacting: AtomicBool::new(false),
            compact_every: COMPACT_EVERY.into(),
            remembered: Mutex::new(Remembered::default()),
            pg: None,
        }
    }

    /// The data directory, for a store kept on disk.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Dataset> {
        Arc::clone(
            &self
                .current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// The edits since the last compaction, oldest first.
    pub fn recent(&self) -> Arc<Vec<JournalEntry>> {
        Arc::clone(
            &self
                .recent
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Every acknowledged edit, oldest first: the archived ones read from disk, then the
    /// recent ones. For the change history; costs a read of the archives.
    pub fn history(&self) -> Result<Vec<JournalEntry>, StoreError> {
        if let Some(pg) = &self.pg {
            return Ok(pg.history()?);
        }
        let archived = match &self.dir {
            Some(dir) => archived_history(dir)?,
            None => Vec::new(),
        };
        Ok(join_history(archived, self.recent().iter().cloned()))
    }

    /// The monthly progress now.
    pub fn progress(&self) -> ProgressReport {
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .report()
    }

    /// The monthly-progress ledger now.
    pub fn ledger(&self) -> ProgressLedger {
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Compacts after `n` edits instead of [`COMPACT_EVERY`].
    pub fn set_compact_every(&self, n: usize) {
        self.compact_every.store(n.max(1), Ordering::SeqCst);
    }

    /// Whether enough edits have been made since the last snapshot to compact.
    pub fn wants_compaction(&self) -> bool {
        self.dir.is_some()
            && self.recent().len() >= self.compact_every.load(Ordering::SeqCst)
            && !self.compacting.load(Ordering::SeqCst)
    }

    /// Writes a snapshot of the data as they stand and archives the journal entries it
    /// holds (the steps of [`super::snapshot`]); edits go on meanwhile. Returns the
    /// snapshot, or `None` when there is nothing to compact or another compaction runs.
    pub fn compact(&self) -> Result<Option<Snapshot>, CompactError> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        if self.compacting.swap(true, Ordering::SeqCst) {
            return Ok(None);
        }
        let result = self.compact_in(dir);
        self.compacting.store(false, Ordering::SeqCst);
        result
    }

    fn compact_in(&self, dir: &Path) -> Result<Option<Snapshot>, CompactError> {
        // 1. the data, the ledger and the last entry at one instant.
        let (data, ledger, seq, first) = {
            let journal = self
                .journal
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let Some(j) = journal.as_ref() else {
                return Ok(None);
            };
            let ledger = self
                .ledger
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            (self.snapshot(), ledger, j.last_seq(), j.first_seq())
        };
        let Some(first) = first else {
            return Ok(None);
        };
        // 2–3, 5: written without the lock.
        let snap =
            snapshot::write(dir, &data, &ledger, seq).map_err(|source| CompactError::Write {
                path: dir.to_owned(),
                source,
            })?;
        self.snapshot_seq.store(seq, Ordering::SeqCst);
        // 4. the covered entries leave the journal.
        let mut journal = self
            .journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(j) = journal.as_mut() {
            j.archive_through(seq, &snapshot::archive_path(dir, first, seq))?;
        }
        let mut recent = self
            .recent
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept: Vec<JournalEntry> = recent.iter().filter(|e| e.seq > seq).cloned().collect();
        *recent = Arc::new(kept);
        tracing::info!(seq, snapshot = %snap.dir, "compacted the journal");
        Ok(Some(snap))
    }

    /// Makes an edit as `user`; with a precondition, only if the feature meets it.
    pub fn edit(
        &self,
        edit: Edit,
        user: &str,
        precondition: Option<&Precondition>,
    ) -> Result<Edited, StoreError> {
        self.edit_with(user, precondition, |_| Ok(edit))
    }

    /// Makes the edit that `make` builds from the current data, with no other writer in
    /// between: a read-modify-write such as "add 3 labour days" cannot lose a concurrent one.
    pub fn edit_with(
        &self,
        user: &str,
        precondition: Option<&Precondition>,
        make: impl FnOnce(&Dataset) -> Result<Edit, EditError>,
    ) -> Result<Edited, StoreError> {
        self.edit_once(user, None, precondition, make)
    }

    /// Like [`Store::edit_with`], for a request with the client's key: when `user` already
    /// sent a request with this key and it was acknowledged, its outcome is given back
    /// (`replayed`) and nothing is changed, whatever the data are now; the same key with
    /// another request ([`RequestKey::digest`]) is refused.
    pub fn edit_once(
        &self,
        user: &str,
        request: Option<&RequestKey>,
        precondition: Option<&Precondition>,
        make: impl FnOnce(&Dataset) -> Result<Edit, EditError>,
    ) -> Result<Edited, StoreError> {
        let mut journal = self
            .journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(answer) = self.replayed(user, request) {
            return answer;
        }
        if let Some(pg) = &self.pg {
            return pg
                .with_client(|client, pg| {
                    // The lock first, then the changes made elsewhere, so that the edit is
                    // checked against the data as the database holds them.
                    let mut tx = pg.begin(client)?;
                    let (changes, last) = pg.changes(&mut tx)?;
                    self.take_in(pg, changes, last);
                    // The same request may have been stored through another instance (or
                    // through this one, its answer lost with the connection).
                    if let Some(answer) = self.replayed(user, request) {
                        return Ok(answer);
                    }
                    let (edit, next, before, feature) = match self.prepare(precondition, make) {
                        Ok(p) => p,
                        Err(e) => return Ok(Err(e)),
                    };
                    let mut entry = Self::entry(0, user, request, &edit, &before, &feature);
                    if !pg.write(&mut tx, &edit, feature.as_ref(), &mut entry)? {
                        return Ok(Err(match edit.op {
                            EditOp::Create => EditError::Exists {
                                collection: edit.collection,
                                id: edit.id,
                            }
                            .into(),
                            _ => StoreError::Stale {
                                current: pg.version_now(&mut tx, edit.collection, &edit.id)?,
                                given: match precondition {
                                    Some(Precondition::OneOf(given)) => given.join(", "),
                                    _ => snapshot_version(&self.snapshot(), &edit),
                                },
                                id: edit.id,
                            },
                        }));
                    }
                    tx.commit()?;
                    Ok(Ok(self.acknowledge(next, entry, feature)))
                })
                .unwrap_or_else(|e| Err(e.into()));
        }
        let (edit, next, before, feature) = self.prepare(precondition, make)?;
        let seq = journal.as_ref().map_or_else(
            || self.recent().last().map_or(1, |e| e.seq + 1),
            Journal::next_seq,
        );
        let entry = Self::entry(seq, user, request, &edit, &before, &feature);
        if let Some(j) = journal.as_mut() {
            j.append(&entry)?;
        }
        Ok(self.acknowledge(next, entry, feature))
    }

    /// The earlier outcome of the request with this key, if `user` sent it and it was
    /// stored; a refusal if the key came with another request.
    fn replayed(
        &self,
        user: &str,
        request: Option<&RequestKey>,
    ) -> Option<Result<Edited, StoreError>> {
        let request = request?;
        let remembered = self
            .remembered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let earlier = remembered.get(user, &request.key)?;
        if earlier.request.as_ref() != Some(request) {
            return Some(Err(StoreError::KeyReused {
                key: request.key.clone(),
            }));
        }
        Some(Ok(Edited {
            entry: earlier.clone(),
            feature: None,
            replayed: true,
        }))
    }

    /// Steps 1–2: the edit `make` builds, checked against the precondition and applied to
    /// a copy of the snapshot; with the feature before and after it.
    fn prepare(
        &self,
        precondition: Option<&Precondition>,
        make: impl FnOnce(&Dataset) -> Result<Edit, EditError>,
    ) -> Result<(Edit, Dataset, Option<Feature>, Option<Feature>), StoreError> {
        let snapshot = self.snapshot();
        let edit = make(&snapshot)?;
        if let Some(precondition) = precondition {
            let current = snapshot
                .layer(edit.collection)
                .get(&edit.id)
                .map(Feature::version)
                .ok_or_else(|| EditError::NotFound {
                    collection: edit.collection,
                    id: edit.id.clone(),
                })?;
            if let Precondition::OneOf(given) = precondition
                && !given.contains(&current)
            {
                return Err(StoreError::Stale {
                    id: edit.id.clone(),
                    given: given.join(", "),
                    current,
                });
            }
        }
        let mut next = (*snapshot).clone();
        let before = next.apply(&edit)?;
        let feature = match edit.op {
            EditOp::Delete => None,
            _ => next.layer(edit.collection).get(&edit.id).cloned(),
        };
        Ok((edit, next, before, feature))
    }

    fn entry(
        seq: u64,
        user: &str,
        request: Option<&RequestKey>,
        edit: &Edit,
        before: &Option<Feature>,
        feature: &Option<Feature>,
    ) -> JournalEntry {
        JournalEntry {
            seq,
            at: now_rfc3339(),
            user: user.to_owned(),
            edit: super::edit::Edit {
                feature: feature.as_ref().map(Feature::to_json),
                ..edit.clone()
            },
            before: before.as_ref().map(Feature::to_json),
            request: request.cloned(),
        }
    }

    /// Step 4, once the edit is stored: the new snapshot, the ledger, the recent entries
    /// and the request's key.
    fn acknowledge(&self, next: Dataset, entry: JournalEntry, feature: Option<Feature>) -> Edited {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(next);
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .add(&entry);
        let mut recent = self
            .recent
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::make_mut(&mut recent).push(entry.clone());
        self.remembered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keep(&entry, time::OffsetDateTime::now_utc());
        Edited {
            entry,
            feature,
            replayed: false,
        }
    }
}

/// The version of the edited feature in `data` (for a refusal's message).
fn snapshot_version(data: &Dataset, edit: &Edit) -> String {
    data.layer(edit.collection)
        .get(&edit.id)
        .map_or_else(|| "absent".into(), Feature::version)
}

/// Every acknowledged edit kept in the data directory `dir`, oldest first (the archives,
/// then the journal), read without changing any file: the history a server over `dir`
/// would give, for the shell's reports.
pub fn read_history(dir: &Path) -> Result<Vec<JournalEntry>, JournalError> {
    Ok(join_history(
        archived_history(dir)?,
        Journal::read(dir)?.into_iter(),
    ))
}

/// The archived edits of a data directory, oldest first.
fn archived_history(dir: &Path) -> Result<Vec<JournalEntry>, JournalError> {
    let mut all = Vec::new();
    let files = snapshot::archives(dir).map_err(|source| JournalError::Io {
        path: dir.join(snapshot::HISTORY),
        op: "cannot list",
        source,
    })?;
    for f in files {
        let bytes = std::fs::read(&f).map_err(|source| JournalError::Io {
            path: f.clone(),
            op: "cannot read",
            source,
        })?;
        all.extend(super::journal::parse(&f, &bytes)?.entries);
    }
    Ok(all)
}

/// The archived edits followed by the recent ones, each edit once: where the two overlap,
/// from the first recent edit's number on, the recent copy is kept.
fn join_history(
    mut archived: Vec<JournalEntry>,
    recent: impl Iterator<Item = JournalEntry>,
) -> Vec<JournalEntry> {
    let mut recent = recent.peekable();
    let first_recent = recent.peek().map_or(u64::MAX, |e| e.seq);
    archived.retain(|e| e.seq < first_recent);
    archived.extend(recent);
    archived
}
