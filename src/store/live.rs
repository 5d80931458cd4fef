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

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use super::edit::{Edit, EditError, EditOp};
use super::journal::{Journal, JournalEntry, JournalError, now_rfc3339};
use super::{Dataset, Feature, LoadError};

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
    /// The feature now stored (create, replace).
    pub feature: Option<Feature>,
}

/// The live, editable data set.
#[derive(Debug)]
pub struct Store {
    base: Arc<Dataset>,
    current: RwLock<Arc<Dataset>>,
    journal: Mutex<Option<Journal>>,
    history: RwLock<Arc<Vec<JournalEntry>>>,
}

impl Store {
    /// Loads the data directory and replays its journal.
    pub fn open(dir: &Path) -> Result<Store, LoadError> {
        // Open (and repair) the journal before reading the files it applies to.
        let (journal, entries) = Journal::open(dir).map_err(|e| LoadError::Journal(Box::new(e)))?;
        let base = Arc::new(Dataset::load_files(dir)?);
        // Layers the journal never touches stay shared between the base and the current data.
        let mut data = (*base).clone();
        data.replay(&entries)?;
        Ok(Store {
            base,
            current: RwLock::new(Arc::new(data)),
            journal: Mutex::new(Some(journal)),
            history: RwLock::new(Arc::new(entries)),
        })
    }

    /// A store over a data set with no journal: edits live in memory only.
    pub fn in_memory(data: Dataset) -> Store {
        let data = Arc::new(data);
        Store {
            base: Arc::clone(&data),
            current: RwLock::new(data),
            journal: Mutex::new(None),
            history: RwLock::new(Arc::new(Vec::new())),
        }
    }

    /// The data as the files hold them, before the journal.
    pub fn base(&self) -> Arc<Dataset> {
        Arc::clone(&self.base)
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

    /// Every acknowledged edit, oldest first.
    pub fn history(&self) -> Arc<Vec<JournalEntry>> {
        Arc::clone(
            &self
                .history
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
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
        let mut journal = self
            .journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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
        let seq = journal
            .as_ref()
            .map_or_else(|| self.history().len() as u64 + 1, Journal::next_seq);
        let entry = JournalEntry {
            seq,
            at: now_rfc3339(),
            user: user.to_owned(),
            edit: super::edit::Edit {
                feature: feature.as_ref().map(Feature::to_json),
                ..edit
            },
            before: before.as_ref().map(Feature::to_json),
        };
        if let Some(j) = journal.as_mut() {
            j.append(&entry)?;
        }
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(next);
        let mut history = self
            .history
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::make_mut(&mut history).push(entry.clone());
        Ok(Edited { entry, feature })
    }
}
