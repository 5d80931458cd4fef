//! The append-only edit journal: every acknowledged edit, who made it, when, and the
//! feature before and after. It is both the durability mechanism and the change history.
//!
//! One line per edit: eight hex digits of the CRC-32 of the JSON that follows, a space,
//! the JSON, a newline. An edit is acknowledged only after its line is written and
//! `fsync`ed. At start-up:
//! 1. every line is read and its CRC checked, and the sequence numbers must follow on;
//! 2. a last line without its newline was never completely written, so never
//!    acknowledged (a *torn tail*): it is left out of the replay, its bytes are moved to a
//!    quarantine file beside the journal (named in the log), and the journal is cut back
//!    to the last whole line;
//! 3. any whole line that is damaged — a bad checksum, not an entry, a sequence number out
//!    of order — stops the start-up with a message naming the line and how to recover,
//!    and the file is left byte for byte as it was: a whole line was written in full and
//!    may be an acknowledged edit, and a valid line after a damaged one certainly is.
//!
//! A journal cut short exactly at a line boundary looks like a crash between two edits
//! (PostgreSQL's WAL cannot tell either); compaction ([`super::snapshot`]) records the
//! last sequence number the data files hold, and a journal that ends before it is refused.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::edit::Edit;

/// The journal's file name inside the data directory.
pub const FILE_NAME: &str = "journal.ndjson";

/// One acknowledged edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// 1, 2, 3, … in the order the edits were acknowledged.
    pub seq: u64,
    /// When, RFC 3339 in UTC.
    pub at: String,
    /// Who (the signed-in user's name).
    pub user: String,
    /// The edit, with the new feature for create and replace.
    #[serde(flatten)]
    pub edit: Edit,
    /// The feature before the edit (replace, delete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The client's key of the request that made the edit (HTTP `Idempotency-Key`), kept
    /// so that the same request sent again after a restart is answered, not made again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestKey>,
}

/// A client's key for one write request (HTTP `Idempotency-Key`), and a digest of the
/// request it was first sent with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestKey {
    /// The key the client chose (unique per request, per user).
    pub key: String,
    /// A digest of the method, path and body the key was first sent with: the same key
    /// on a different request is refused, not answered with another request's outcome.
    pub digest: String,
}

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
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
    /// A whole line of the journal is damaged.
    #[error(
        "{path}: line {line} is damaged ({problem}); nothing was changed. Restore the journal from a backup, or, to give up line {line} and every edit after it, run `drainplan journal cut --data {dir} --line {line}`, which keeps the cut lines in a quarantine file",
        dir = path.parent().map_or_else(|| ".".into(), |d| d.display().to_string())
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
}

/// The open journal file, positioned for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    len: u64,
    last_seq: u64,
    /// Where each entry's line ends, for the entries in the file.
    ends: Vec<(u64, u64)>,
}

/// Why an entry could not be turned into a journal line.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the journal entry: {0}")]
pub struct EncodeError(#[from] serde_json::Error);

/// An entry as one journal line.
pub fn encode(entry: &JournalEntry) -> Result<Vec<u8>, EncodeError> {
    let json = serde_json::to_string(entry)?;
    Ok(format!("{:08x} {json}\n", crc32fast::hash(json.as_bytes())).into_bytes())
}

/// What a journal's bytes hold.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The entries of the whole lines.
    pub entries: Vec<JournalEntry>,
    /// Where each entry's line ends.
    pub ends: Vec<(u64, u64)>,
    /// Length of the whole lines.
    pub good_len: usize,
    /// A torn tail: the bytes after the last newline, when there are any.
    pub torn: Option<usize>,
}

pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, JournalError> {
    let mut entries: Vec<JournalEntry> = Vec::new();
    let mut ends = Vec::new();
    let mut good_len = 0usize;
    let mut torn = None;
    for (n, chunk) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        if !chunk.ends_with(b"\n") {
            // Only the last chunk can lack its newline.
            torn = Some(chunk.len());
            break;
        }
        let corrupt = |problem: String| JournalError::Corrupt {
            path: path.to_owned(),
            line: n + 1,
            problem,
        };
        let text = std::str::from_utf8(&chunk[..chunk.len() - 1])
            .map_err(|_| corrupt("not UTF-8".into()))?;
        let e = decode(text).map_err(corrupt)?;
        if let Some(last) = entries.last()
            && e.seq != last.seq + 1
        {
            return Err(corrupt(format!(
                "sequence {} where {} was expected",
                e.seq,
                last.seq + 1
            )));
        }
        good_len += chunk.len();
        ends.push((e.seq, good_len as u64));
        entries.push(e);
    }
    Ok(Parsed {
        entries,
        ends,
        good_len,
        torn,
    })
}

fn decode(line: &str) -> Result<JournalEntry, String> {
    let (crc, json) = line.split_once(' ').ok_or("no checksum")?;
    let want = u32::from_str_radix(crc, 16).map_err(|_| "bad checksum field")?;
    if crc32fast::hash(json.as_bytes()) != want {
        return Err("checksum mismatch".into());
    }
    serde_json::from_str(json).map_err(|e| format!("not an entry: {e}"))
}

impl Journal {
    /// Opens (or creates) the journal in `dir` and returns it with its entries, setting a
    /// torn tail aside (see the module's steps).
    pub fn open(dir: &Path) -> Result<(Journal, Vec<JournalEntry>), JournalError> {
        let path = dir.join(FILE_NAME);
        let io = |op: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| JournalError::Io { path, op, source }
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io("cannot open", &path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(io("cannot read", &path))?;

        let parsed = parse(&path, &bytes)?;
        if let Some(torn) = parsed.torn {
            let tail = &bytes[parsed.good_len..];
            let quarantine = quarantine_path(&path, parsed.good_len);
            write_synced(&quarantine, tail)
                .map_err(io("cannot keep the torn tail in", &quarantine))?;
            sync_dir(dir);
            tracing::warn!(
                "{}: the last {torn} bytes are a write cut short by a crash (never acknowledged); they are kept in {} and left out of the replay",
                path.display(),
                quarantine.display()
            );
            file.set_len(parsed.good_len as u64)
                .map_err(io("cannot truncate", &path))?;
            file.sync_all().map_err(io("cannot sync", &path))?;
        }
        file.seek(SeekFrom::End(0))
            .map_err(io("cannot seek", &path))?;
        sync_dir(dir);
        let last_seq = parsed.entries.last().map_or(0, |e| e.seq);
        Ok((
            Journal {
                path,
                file,
                len: parsed.good_len as u64,
                last_seq,
                ends: parsed.ends,
            },
            parsed.entries,
        ))
    }

    /// Reads the entries of the journal in `dir` without changing anything (a torn last
    /// line is left out); no journal means no entries.
    pub fn read(dir: &Path) -> Result<Vec<JournalEntry>, JournalError> {
        let path = dir.join(FILE_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => parse(&path, &bytes).map(|p| p.entries),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(JournalError::Io {
                path,
                op: "cannot read",
                source,
            }),
        }
    }

    /// Makes the next entry's sequence number follow `seq` when the file holds no later
    /// entry (after compaction the journal starts empty, its history archived).
    pub fn continue_after(&mut self, seq: u64) {
        self.last_seq = self.last_seq.max(seq);
    }

    /// The last sequence number written or continued from.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The first entry's sequence number in the file, if it holds any.
    pub fn first_seq(&self) -> Option<u64> {
        self.ends.first().map(|(s, _)| *s)
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sequence number the next entry will get.
    pub fn next_seq(&self) -> u64 {
        self.last_seq + 1
    }

    /// Appends an entry and waits until it is on disk. On failure the file is cut back to
    /// where it was, and the edit must not be applied.
    pub fn append(&mut self, entry: &JournalEntry) -> Result<(), JournalError> {
        let line = encode(entry).map_err(|e| JournalError::Io {
            path: self.path.clone(),
            op: "cannot encode an entry for",
            source: std::io::Error::other(e),
        })?;
        let result = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if let Err(source) = result {
            let _ = self.file.set_len(self.len);
            return Err(JournalError::Io {
                path: self.path.clone(),
                op: "cannot write",
                source,
            });
        }
        self.len += line.len() as u64;
        self.last_seq = entry.seq;
        self.ends.push((entry.seq, self.len));
        Ok(())
    }

    /// Moves the entries up to `seq` out of the journal: their lines go to `archive`
    /// (written and fsynced first), the later lines to a new journal file that then takes
    /// the journal's name (an atomic rename), so that at every instant the journal holds
    /// every entry after `seq` and the archive, once named, all before.
    pub fn archive_through(&mut self, seq: u64, archive: &Path) -> Result<(), JournalError> {
        let io = |op: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| JournalError::Io { path, op, source }
        };
        let cut = self
            .ends
            .iter()
            .take_while(|(s, _)| *s <= seq)
            .last()
            .map_or(0, |(_, end)| *end);
        if cut == 0 {
            return Ok(());
        }
        let bytes = std::fs::read(&self.path).map_err(io("cannot read", &self.path))?;
        let cut = usize::try_from(cut).unwrap_or(bytes.len()).min(bytes.len());
        let dir = self.path.parent().unwrap_or(Path::new(".")).to_owned();
        if let Some(parent) = archive.parent() {
            std::fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
        }
        write_synced(archive, &bytes[..cut]).map_err(io("cannot write", archive))?;
        if let Some(parent) = archive.parent() {
            sync_dir(parent);
        }
        let next = dir.join(format!("{FILE_NAME}.next"));
        write_synced(&next, &bytes[cut..]).map_err(io("cannot write", &next))?;
        std::fs::rename(&next, &self.path).map_err(io("cannot replace", &self.path))?;
        sync_dir(&dir);
        self.file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(io("cannot open", &self.path))?;
        let cut = cut as u64;
        self.len -= cut;
        self.ends = self
            .ends
            .iter()
            .filter(|(s, _)| *s > seq)
            .map(|(s, end)| (*s, end - cut))
            .collect();
        Ok(())
    }
}

/// Where a torn tail found at byte `at` is kept.
fn quarantine_path(journal: &Path, at: usize) -> PathBuf {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    journal.with_file_name(format!("{FILE_NAME}.torn-{stamp}-at-{at}"))
}

/// Writes a new file and fsyncs it.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Cuts the journal in `dir` at whole line `line` (1-based): that line and every one after
/// it are moved to a quarantine file, whose path is returned. For an operator who has
/// decided to give up a damaged line and the edits after it; refused while the lines
/// before it are not all whole and valid.
pub fn cut_at_line(dir: &Path, line: usize) -> Result<(PathBuf, usize), JournalError> {
    let path = dir.join(FILE_NAME);
    let io = |op: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| JournalError::Io { path, op, source }
    };
    let bytes = std::fs::read(&path).map_err(io("cannot read", &path))?;
    let offset: usize = bytes
        .split_inclusive(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(<[u8]>::len)
        .sum();
    // The lines kept must stand on their own.
    parse(&path, &bytes[..offset])?;
    let cut = bytes.len() - offset;
    let quarantine = path.with_file_name(format!(
        "{FILE_NAME}.cut-{}-from-line-{line}",
        time::OffsetDateTime::now_utc().unix_timestamp()
    ));
    write_synced(&quarantine, &bytes[offset..]).map_err(io("cannot write", &quarantine))?;
    let file = OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(io("cannot open", &path))?;
    file.set_len(offset as u64)
        .map_err(io("cannot truncate", &path))?;
    file.sync_all().map_err(io("cannot sync", &path))?;
    sync_dir(dir);
    Ok((quarantine, cut))
}

/// Makes a newly created file's directory entry durable (best effort: some file systems
/// cannot sync a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The current time, RFC 3339 in UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LayerKind;
    use crate::store::edit::EditOp;

    fn entry(seq: u64) -> JournalEntry {
        JournalEntry {
            seq,
            at: "2026-11-28T10:00:00Z".into(),
            user: "officer".into(),
            edit: Edit {
                op: EditOp::Delete,
                collection: LayerKind::Canals,
                id: format!("c{seq}"),
                feature: None,
                date: None,
            },
            before: None,
            request: None,
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("drainplan-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn entries_survive_reopening() {
        let dir = temp_dir("reopen");
        let (mut j, entries) = Journal::open(&dir).unwrap();
        assert!(entries.is_empty());
        for s in 1..=3 {
            j.append(&entry(s)).unwrap();
        }
        drop(j);
        let (j, entries) = Journal::open(&dir).unwrap();
        assert_eq!(entries, vec![entry(1), entry(2), entry(3)]);
        assert_eq!(j.next_seq(), 4);
    }

    #[test]
    fn a_torn_last_line_is_set_aside_and_appending_goes_on() {
        let dir = temp_dir("torn");
        let (mut j, _) = Journal::open(&dir).unwrap();
        j.append(&entry(1)).unwrap();
        drop(j);
        let full = encode(&entry(2)).unwrap();
        let torn = &full[..full.len() / 2];
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(FILE_NAME))
            .unwrap();
        f.write_all(torn).unwrap();
        drop(f);
        let (mut j, entries) = Journal::open(&dir).unwrap();
        assert_eq!(entries, vec![entry(1)]);
        // The torn bytes are kept, not deleted.
        let kept: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".torn-"))
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(std::fs::read(&kept[0]).unwrap(), torn);
        j.append(&entry(2)).unwrap();
        drop(j);
        assert_eq!(Journal::open(&dir).unwrap().1, vec![entry(1), entry(2)]);
    }

    fn journal_of(dir: &Path, n: u64) -> Vec<u8> {
        let (mut j, _) = Journal::open(dir).unwrap();
        for s in 1..=n {
            j.append(&entry(s)).unwrap();
        }
        drop(j);
        std::fs::read(dir.join(FILE_NAME)).unwrap()
    }

    #[test]
    fn a_damaged_whole_line_stops_the_load_and_changes_nothing() {
        // In the middle, with a valid line after it; and as the last whole line.
        for (name, target) in [("middle", "\"c2\""), ("last", "\"c3\"")] {
            let dir = temp_dir(name);
            let text = String::from_utf8(journal_of(&dir, 3)).unwrap();
            let damaged = text.replacen(target, "\"cX\"", 1);
            std::fs::write(dir.join(FILE_NAME), &damaged).unwrap();
            let e = Journal::open(&dir).unwrap_err().to_string();
            let line = if name == "middle" { 2 } else { 3 };
            assert!(
                e.contains(&format!("line {line} is damaged (checksum mismatch)")),
                "{e}"
            );
            assert!(e.contains("drainplan journal cut"), "{e}");
            assert_eq!(
                std::fs::read_to_string(dir.join(FILE_NAME)).unwrap(),
                damaged
            );
        }
    }

    #[test]
    fn a_sequence_out_of_order_is_damage() {
        let dir = temp_dir("sequence");
        let mut bytes = journal_of(&dir, 1);
        bytes.extend(encode(&entry(3)).unwrap());
        std::fs::write(dir.join(FILE_NAME), &bytes).unwrap();
        let e = Journal::open(&dir).unwrap_err().to_string();
        assert!(
            e.contains("line 2 is damaged (sequence 3 where 2 was expected)"),
            "{e}"
        );
    }

    #[test]
    fn an_operator_cuts_at_a_damaged_line_and_keeps_the_rest_aside() {
        let dir = temp_dir("cut");
        let text = String::from_utf8(journal_of(&dir, 3)).unwrap();
        let damaged = text.replacen("\"c2\"", "\"cX\"", 1);
        std::fs::write(dir.join(FILE_NAME), &damaged).unwrap();
        // Cutting after the damage is refused: the kept lines must be valid.
        assert!(cut_at_line(&dir, 3).is_err());
        let (kept, n) = cut_at_line(&dir, 2).unwrap();
        let tail = &damaged[damaged.find("\n").unwrap() + 1..];
        assert_eq!(std::fs::read_to_string(kept).unwrap(), tail);
        assert_eq!(n, tail.len());
        assert_eq!(Journal::open(&dir).unwrap().1, vec![entry(1)]);
    }

    #[test]
    fn a_full_disk_is_an_error_that_says_so_and_leaves_the_journal() {
        let dir = temp_dir("full");
        let (mut j, _) = Journal::open(&dir).unwrap();
        j.append(&entry(1)).unwrap();
        // /dev/full refuses every write with ENOSPC, as a full disk does.
        j.file = OpenOptions::new().append(true).open("/dev/full").unwrap();
        let e = j.append(&entry(2)).unwrap_err();
        let JournalError::Io { source, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
        assert_eq!(j.next_seq(), 2, "the failed entry took no number");
        drop(j);
        assert_eq!(Journal::open(&dir).unwrap().1, vec![entry(1)]);
    }

    #[test]
    fn archiving_moves_a_prefix_and_appending_goes_on() {
        let dir = temp_dir("archive");
        journal_of(&dir, 4);
        let (mut j, _) = Journal::open(&dir).unwrap();
        let archive = dir.join("history").join("a.ndjson");
        j.archive_through(2, &archive).unwrap();
        j.append(&entry(5)).unwrap();
        drop(j);
        assert_eq!(
            Journal::read(&dir).unwrap(),
            vec![entry(3), entry(4), entry(5)]
        );
        let archived = parse(&archive, &std::fs::read(&archive).unwrap()).unwrap();
        assert_eq!(archived.entries, vec![entry(1), entry(2)]);
    }
}
