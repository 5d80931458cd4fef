//! Attached documents: the scans of signed consent papers (PDF, JPEG, PNG), each kept
//! once under the SHA-256 of its bytes as `<data>/attachments/<sha256 hex>`.
//!
//! An upload is checked before anything is written: at most [`MAX_BYTES`], not empty,
//! its declared media type one of [`Kind`], and its first bytes those of that type
//! (`%PDF-`, `FF D8 FF`, the PNG signature). A refused upload leaves nothing on disk.
//! An accepted one is written to a temporary file in the same directory, fsynced, renamed
//! to its hash and the directory fsynced, so that a crash leaves either no file or the
//! whole one; the same bytes sent twice are stored once.
//!
//! The hash is the name and the check: a record that names a scan names exactly those
//! bytes. An attachment no record names (uploaded, then the consent never sent) is
//! harmless: it is only bytes on disk, served to nobody who cannot already see consent
//! records, and named by a hash nobody can guess.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// The largest attachment accepted: 10 MiB, room for a phone's photo of a page (2–5 MB)
/// or a scanned PDF of a few pages.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The directory of the attachments in a data directory.
pub const DIR: &str = "attachments";

/// What an attachment may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = AttachmentType)]
pub enum Kind {
    /// A PDF document.
    #[serde(rename = "application/pdf")]
    Pdf,
    /// A JPEG image.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// A PNG image.
    #[serde(rename = "image/png")]
    Png,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.media_type())
    }
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Pdf, Kind::Jpeg, Kind::Png];

    /// Its media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
        }
    }

    /// The file name extension a download gets.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
        }
    }

    /// The kind a declared media type names (parameters and case ignored; `image/jpg`,
    /// which some phones send, is JPEG).
    pub fn from_media_type(declared: &str) -> Option<Kind> {
        let bare = declared.split(';').next()?.trim().to_ascii_lowercase();
        match bare.as_str() {
            "application/pdf" => Some(Kind::Pdf),
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Kind::Jpeg),
            "image/png" => Some(Kind::Png),
            _ => None,
        }
    }

    /// The kind the bytes are, by their first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(b"%PDF-") {
            Some(Kind::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(Kind::Png)
        } else {
            None
        }
    }

    fn signature(self) -> &'static str {
        match self {
            Kind::Pdf => "`%PDF-`",
            Kind::Jpeg => "the bytes FF D8 FF",
            Kind::Png => "the PNG signature 89 50 4E 47 0D 0A 1A 0A",
        }
    }
}

/// Why an attachment was refused or could not be kept or read.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    /// The body is larger than [`MAX_BYTES`].
    #[error(
        "the attachment has {size} bytes or more; at most {MAX_BYTES} bytes (10 MiB) are accepted"
    )]
    TooLarge {
        /// Its size, or a lower bound of it.
        size: usize,
    },
    /// The body is empty.
    #[error("the attachment is empty")]
    Empty,
    /// The declared media type is not one taken.
    #[error(
        "Content-Type `{declared}` is not taken; send a scan as application/pdf, image/jpeg or image/png"
    )]
    NotAllowed {
        /// What was declared.
        declared: String,
    },
    /// The bytes are not what the media type says.
    #[error(
        "the body is declared {declared} but is not one: a {} file starts with {}{}",
        declared.extension().to_uppercase(),
        declared.signature(),
        match found { Some(k) => format!(", and these bytes are {}", k.media_type()), None => String::new() }
    )]
    Mismatch {
        /// The declared kind.
        declared: Kind,
        /// What the bytes look like, if anything taken.
        found: Option<Kind>,
    },
    /// The name given is not a SHA-256 in hex.
    #[error("`{0}` is not a SHA-256 digest (64 hexadecimal digits)")]
    BadName(String),
    /// Reading or writing the directory failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// An attachment as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Attachment)]
pub struct Stored {
    /// The SHA-256 of its bytes, lowercase hex: its name.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub content_type: Kind,
    /// Whether this upload stored it (false: the same bytes were already there).
    #[serde(skip)]
    pub created: bool,
}

/// The attachments of a data directory, or of a service that keeps nothing on disk.
#[derive(Debug)]
pub struct Attachments {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<String, Vec<u8>>>,
}

/// The name checked and lowercased: 64 hex digits.
pub fn parse_name(name: &str) -> Result<String, AttachmentError> {
    let ok = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(name.to_ascii_lowercase())
    } else {
        Err(AttachmentError::BadName(name.chars().take(80).collect()))
    }
}

impl Attachments {
    /// The attachments of data directory `data` (`<data>/attachments/`, made when the
    /// first one is stored).
    pub fn open(data: &Path) -> Attachments {
        Attachments {
            dir: Some(data.join(DIR)),
            memory: Mutex::default(),
        }
    }

    /// Attachments kept in memory only (a service over an in-memory store).
    pub fn in_memory() -> Attachments {
        Attachments {
            dir: None,
            memory: Mutex::default(),
        }
    }

    /// Checks an upload and keeps it: `declared` is its Content-Type.
    pub fn put(&self, declared: Option<&str>, bytes: &[u8]) -> Result<Stored, AttachmentError> {
        let kind = check(declared, bytes)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let size = bytes.len() as u64;
        let created = match &self.dir {
            Some(dir) => write_once(dir, &sha256, bytes)?,
            None => {
                let mut m = self
                    .memory
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if m.contains_key(&sha256) {
                    false
                } else {
                    m.insert(sha256.clone(), bytes.to_vec());
                    true
                }
            }
        };
        Ok(Stored {
            sha256,
            size,
            content_type: kind,
            created,
        })
    }

    /// Whether an attachment of this (checked, lowercase) name is stored.
    pub fn exists(&self, sha256: &str) -> bool {
        match &self.dir {
            Some(dir) => dir.join(sha256).is_file(),
            None => self
                .memory
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains_key(sha256),
        }
    }

    /// The bytes and kind of an attachment, if stored. `name` is checked first.
    pub fn get(&self, name: &str) -> Result<Option<(Kind, Vec<u8>)>, AttachmentError> {
        let sha256 = parse_name(name)?;
        let bytes = match &self.dir {
            Some(dir) => {
                let path = dir.join(&sha256);
                match std::fs::read(&path) {
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(source) => {
                        return Err(AttachmentError::Io {
                            path,
                            op: "cannot read",
                            source,
                        });
                    }
                }
            }
            None => match self
                .memory
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&sha256)
            {
                Some(b) => b.clone(),
                None => return Ok(None),
            },
        };
        // Only checked bytes are ever stored; a file put there by hand that is none of
        // the kinds is served as nothing rather than as something it is not.
        Ok(Kind::sniff(&bytes).map(|k| (k, bytes)))
    }
}

/// The checks of an upload, before anything is written.
fn check(declared: Option<&str>, bytes: &[u8]) -> Result<Kind, AttachmentError> {
    if bytes.len() > MAX_BYTES {
        return Err(AttachmentError::TooLarge { size: bytes.len() });
    }
    let declared_text = declared.unwrap_or("").trim();
    let kind = Kind::from_media_type(declared_text).ok_or_else(|| AttachmentError::NotAllowed {
        declared: if declared_text.is_empty() {
            "(none)".into()
        } else {
            declared_text.chars().take(100).collect()
        },
    })?;
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    let found = Kind::sniff(bytes);
    if found != Some(kind) {
        return Err(AttachmentError::Mismatch {
            declared: kind,
            found,
        });
    }
    Ok(kind)
}

/// Writes `bytes` as `dir/sha256` unless it is there: a temporary file, fsynced, renamed,
/// the directory fsynced. True when this call stored it.
fn write_once(dir: &Path, sha256: &str, bytes: &[u8]) -> Result<bool, AttachmentError> {
    let io = |path: &Path, op: &'static str| {
        let path = path.to_owned();
        move |source| AttachmentError::Io { path, op, source }
    };
    let path = dir.join(sha256);
    if path.is_file() {
        return Ok(false);
    }
    std::fs::create_dir_all(dir).map_err(io(dir, "cannot create"))?;
    let tmp = {
        use rand::RngExt;
        let n: u64 = rand::rng().random();
        dir.join(format!(".upload-{sha256}-{}-{n:x}", std::process::id()))
    };
    let written = (|| {
        let mut f = std::fs::File::create_new(&tmp).map_err(io(&tmp, "cannot create"))?;
        f.write_all(bytes).map_err(io(&tmp, "cannot write"))?;
        f.sync_all().map_err(io(&tmp, "cannot sync"))?;
        std::fs::rename(&tmp, &path).map_err(io(&path, "cannot rename into"))?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir, "cannot sync"))
    })();
    if written.is_err() {
        // Nothing half-written stays: the temporary file goes (the rename is all or none).
        let _ = std::fs::remove_file(&tmp);
    }
    written.map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    #[test]
    fn kinds_are_told_by_their_bytes_and_must_match_the_declared_type() {
        assert_eq!(
            check(Some("application/pdf"), b"%PDF-1.7\n").unwrap(),
            Kind::Pdf
        );
        assert_eq!(
            check(Some("image/jpeg"), &[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(),
            Kind::Jpeg
        );
        assert_eq!(check(Some("IMAGE/PNG; x=1"), PNG).unwrap(), Kind::Png);
        assert!(matches!(
            check(Some("image/png"), b"%PDF-1.7"),
            Err(AttachmentError::Mismatch {
                declared: Kind::Png,
                found: Some(Kind::Pdf)
            })
        ));
        assert!(matches!(
            check(Some("application/pdf"), b"<html>"),
            Err(AttachmentError::Mismatch { found: None, .. })
        ));
        assert!(matches!(
            check(Some("text/html"), b"%PDF-"),
            Err(AttachmentError::NotAllowed { .. })
        ));
        assert!(matches!(
            check(None, b"%PDF-"),
            Err(AttachmentError::NotAllowed { .. })
        ));
        assert!(matches!(
            check(Some("application/pdf"), b""),
            Err(AttachmentError::Empty)
        ));
        let big = vec![b'%'; MAX_BYTES + 1];
        assert!(matches!(
            check(Some("application/pdf"), &big),
            Err(AttachmentError::TooLarge { .. })
        ));
    }

    #[test]
    fn stored_once_under_its_hash_and_read_back() {
        let dir = std::env::temp_dir().join(format!("drainplan-attach-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = Attachments::open(&dir);
        let s = a.put(Some("application/pdf"), b"%PDF-1.4 x").unwrap();
        // printf '%%PDF-1.4 x' | sha256sum
        assert_eq!(
            s.sha256,
            "fc022288f3e49d09353987de1c32fc1427bd2a8b3657a340e86efb8e34efe003"
        );
        assert!(s.created);
        assert!(
            !a.put(Some("application/pdf"), b"%PDF-1.4 x")
                .unwrap()
                .created
        );
        let files: Vec<_> = std::fs::read_dir(dir.join(DIR)).unwrap().collect();
        assert_eq!(files.len(), 1, "one file, no temporary left");
        let (kind, bytes) = a.get(&s.sha256.to_uppercase()).unwrap().unwrap();
        assert_eq!((kind, bytes.as_slice()), (Kind::Pdf, &b"%PDF-1.4 x"[..]));
        assert!(a.get(&"0".repeat(64)).unwrap().is_none());
        assert!(matches!(
            a.get("../users.json"),
            Err(AttachmentError::BadName(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
