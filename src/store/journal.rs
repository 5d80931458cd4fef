//! The append-only edit journal: every acknowledged edit, who made it, when, and the
//! feature before and after. It is both the durability mechanism and the change history.
//!
//! One line per edit: eight hex digits of the CRC-32 of the JSON that follows, a space,
//! the JSON, a newline. An edit is acknowledged only after its line is written and
//! `fsync`ed. At start-up:
//! 1. every line is read and its CRC checked;
//! 2. a last line that is incomplete or fails its CRC is a write cut short by a crash
//!    (it was never acknowledged): the file is truncated to the last good line;
//! 3. a bad line followed by good ones is corruption: the load stops and says where.

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
    /// A line in the middle of the journal is damaged.
    #[error(
        "{path}: line {line} is damaged ({problem}) and later lines follow it; restore the file from a backup"
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
}

fn encode(entry: &JournalEntry) -> Vec<u8> {
    let json = serde_json::to_string(entry).unwrap_or_default();
    format!("{:08x} {json}\n", crc32fast::hash(json.as_bytes())).into_bytes()
}

/// Entries of a journal's bytes, the length of its good prefix, and the first damaged
/// line of a torn tail, if any.
type Parsed = (Vec<JournalEntry>, usize, Option<(usize, String)>);

fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, JournalError> {
    let mut entries = Vec::new();
    let mut good_len = 0usize;
    let mut damaged: Option<(usize, String)> = None;
    for (n, chunk) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        let complete = chunk.ends_with(b"\n");
        let decoded = std::str::from_utf8(chunk)
            .map_err(|_| "not UTF-8".to_owned())
            .and_then(|s| {
                if complete {
                    decode(s.trim_end_matches('\n'))
                } else {
                    Err("incomplete line".into())
                }
            });
        // After a damaged line, any line that decodes shows the damage is not a torn tail.
        let parsed = match decoded {
            Ok(e) if damaged.is_none() => {
                let expected = entries.last().map_or(1, |l: &JournalEntry| l.seq + 1);
                if e.seq == expected {
                    Ok(e)
                } else {
                    Err(format!("sequence {} where {expected} was expected", e.seq))
                }
            }
            other => other,
        };
        match (parsed, &damaged) {
            (Ok(e), None) => {
                good_len += chunk.len();
                entries.push(e);
            }
            (Ok(_), Some((line, problem))) => {
                return Err(JournalError::Corrupt {
                    path: path.to_owned(),
                    line: *line,
                    problem: problem.clone(),
                });
            }
            (Err(problem), None) => damaged = Some((n + 1, problem)),
            (Err(_), Some(_)) => {}
        }
    }
    Ok((entries, good_len, damaged))
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
    /// Opens (or creates) the journal in `dir` and returns it with its entries, repairing a
    /// torn last line.
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

        let (entries, good_len, damaged) = parse(&path, &bytes)?;
        if let Some((line, problem)) = damaged {
            tracing::warn!(
                "{}: dropping a torn last write at line {line} ({problem})",
                path.display()
            );
            file.set_len(good_len as u64)
                .map_err(io("cannot truncate", &path))?;
            file.sync_all().map_err(io("cannot sync", &path))?;
        }
        file.seek(SeekFrom::End(0))
            .map_err(io("cannot seek", &path))?;
        sync_dir(dir);
        let last_seq = entries.last().map_or(0, |e| e.seq);
        Ok((
            Journal {
                path,
                file,
                len: good_len as u64,
                last_seq,
            },
            entries,
        ))
    }

    /// Reads the entries of the journal in `dir` without changing anything (a torn last
    /// line is ignored); no journal means no entries.
    pub fn read(dir: &Path) -> Result<Vec<JournalEntry>, JournalError> {
        let path = dir.join(FILE_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => parse(&path, &bytes).map(|(entries, _, _)| entries),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(JournalError::Io {
                path,
                op: "cannot read",
                source,
            }),
        }
    }

    /// The sequence number the next entry will get.
    pub fn next_seq(&self) -> u64 {
        self.last_seq + 1
    }

    /// Appends an entry and waits until it is on disk. On failure the file is cut back to
    /// where it was, and the edit must not be applied.
    pub fn append(&mut self, entry: &JournalEntry) -> Result<(), JournalError> {
        let line = encode(entry);
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
        Ok(())
    }
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
    fn a_torn_last_line_is_dropped_and_appending_goes_on() {
        let dir = temp_dir("torn");
        let (mut j, _) = Journal::open(&dir).unwrap();
        j.append(&entry(1)).unwrap();
        drop(j);
        let full = encode(&entry(2));
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(FILE_NAME))
            .unwrap();
        f.write_all(&full[..full.len() / 2]).unwrap();
        drop(f);
        let (mut j, entries) = Journal::open(&dir).unwrap();
        assert_eq!(entries, vec![entry(1)]);
        j.append(&entry(2)).unwrap();
        drop(j);
        assert_eq!(Journal::open(&dir).unwrap().1, vec![entry(1), entry(2)]);
    }

    #[test]
    fn damage_in_the_middle_stops_the_load() {
        let dir = temp_dir("corrupt");
        let (mut j, _) = Journal::open(&dir).unwrap();
        for s in 1..=3 {
            j.append(&entry(s)).unwrap();
        }
        drop(j);
        let text = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();
        let damaged = text.replacen("\"c2\"", "\"cX\"", 1);
        std::fs::write(dir.join(FILE_NAME), damaged).unwrap();
        let e = Journal::open(&dir).unwrap_err().to_string();
        assert!(e.contains("line 2 is damaged (checksum mismatch)"), "{e}");
    }
}
