//! Who may see and change what: roles, users with argon2-hashed passwords, and sessions
//! whose tokens are kept only as SHA-256 hashes.
//!
//! - public: canals, flood zones, villages and aggregate reports; no household names, no
//!   parcel owners (anyone, without signing in);
//! - viewer: everything, read-only;
//! - officer: edits;
//! - admin: users.
//!
//! Users live in `users.json` in the data directory, written atomically (temporary file,
//! fsync, rename, fsync of the directory).

pub mod throttle;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use throttle::{Policy, Throttle};

/// The users file's name in the data directory.
pub const USERS_FILE: &str = "users.json";
/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// How long a verified HTTP Basic credential is remembered, so that a GIS client paging
/// through a layer does not pay for argon2 on every request.
const BASIC_CACHE_TTL: Duration = Duration::from_secs(300);

/// A role, from least to most trusted.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Anyone, without signing in.
    Public,
    /// Reads everything.
    Viewer,
    /// Reads and edits.
    Officer,
    /// Also manages users.
    Admin,
}

impl Role {
    /// Parses `public`, `viewer`, `officer`, `admin`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "public" => Some(Role::Public),
            "viewer" => Some(Role::Viewer),
            "officer" => Some(Role::Officer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Viewer => "viewer",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user's name; "anonymous" for the public.
    pub name: String,
    /// The role.
    pub role: Role,
}

impl Caller {
    /// The public, not signed in.
    pub fn public() -> Caller {
        Caller {
            name: "anonymous".into(),
            role: Role::Public,
        }
    }

    /// Whether the caller may see personal data (names, owners, contributions).
    pub fn sees_personal_data(&self) -> bool {
        self.role >= Role::Viewer
    }
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Sign-in name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct UsersFile {
    users: Vec<User>,
}

/// Why a user operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The users file could not be read or written.
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
    /// The users file is not valid.
    #[error("{path}: not a users file: {problem}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The request is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// No user has this name.
    #[error("no user `{0}`")]
    NoSuchUser(String),
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| AuthError::Invalid(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Invalid(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The users in a users file; none when it does not exist.
fn read_users(path: &Path) -> Result<Vec<User>, AuthError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let file: UsersFile = serde_json::from_str(&text).map_err(|e| AuthError::BadFile {
                path: path.to_owned(),
                problem: e.to_string(),
            })?;
            Ok(file.users)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(AuthError::Io {
            path: path.to_owned(),
            op: "cannot read",
            source,
        }),
    }
}

/// What tells that a file changed: its modification time and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    modified: std::time::SystemTime,
    len: u64,
}

impl FileStamp {
    fn of(path: &Path) -> Option<FileStamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(FileStamp {
            modified: m.modified().ok()?,
            len: m.len(),
        })
    }
}

/// Failures per client address and per user name (see [`throttle`]).
struct Throttles {
    clients: Mutex<Throttle<IpAddr>>,
    users: Mutex<Throttle<String>>,
}

impl Default for Throttles {
    fn default() -> Self {
        Throttles {
            clients: Mutex::new(Throttle::new(Policy::CLIENT, 100_000)),
            users: Mutex::new(Throttle::new(Policy::USER, 100_000)),
        }
    }
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

struct Session {
    caller: Caller,
    expires: Instant,
}

/// Users and sessions.
pub struct Auth {
    path: Option<PathBuf>,
    users: Mutex<Vec<User>>,
    // The users file's modification time and length when last read, to see a user added
    // or removed from the shell while the service runs.
    stamp: Mutex<Option<FileStamp>>,
    throttles: Throttles,
    // SHA-256 of the token → session
    sessions: Mutex<HashMap<String, Session>>,
    // SHA-256 of "name:password" → session, for HTTP Basic
    basic: Mutex<HashMap<String, Session>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Users from `dir/users.json` (none if the file does not exist).
    pub fn open(dir: &Path) -> Result<Auth, AuthError> {
        let path = dir.join(USERS_FILE);
        let users = read_users(&path)?;
        Ok(Auth::new(Some(path), users))
    }

    /// Users held in memory only (tests, a data set without a users file).
    pub fn in_memory(users: Vec<User>) -> Auth {
        Auth::new(None, users)
    }

    fn new(path: Option<PathBuf>, users: Vec<User>) -> Auth {
        let stamp = path.as_deref().and_then(FileStamp::of);
        Auth {
            path,
            users: Mutex::new(users),
            stamp: Mutex::new(stamp),
            throttles: Throttles::default(),
            sessions: Mutex::new(HashMap::new()),
            basic: Mutex::new(HashMap::new()),
        }
    }

    /// The users, without their hashes.
    pub fn list(&self) -> Vec<(String, Role)> {
        lock(&self.users)
            .iter()
            .map(|u| (u.name.clone(), u.role))
            .collect()
    }

    /// Adds a user or changes an existing user's role and password, and saves the file.
    pub fn set_user(&self, name: &str, role: Role, password: &str) -> Result<(), AuthError> {
        let name = name.trim();
        // Counted in characters, as the message (and the API document's maxLength) says:
        // a Vietnamese name of 64 letters takes up to 192 bytes.
        if name.is_empty()
            || name.chars().count() > 64
            || name.chars().any(|c| c.is_control() || c == ':')
        {
            return Err(AuthError::Invalid(
                "a user name is 1–64 characters, not all spaces, without ':' or control characters"
                    .into(),
            ));
        }
        if password.chars().count() < 8 {
            return Err(AuthError::Invalid(
                "a password needs at least 8 characters".into(),
            ));
        }
        let user = User {
            name: name.to_owned(),
            role,
            password_hash: hash_password(password)?,
        };
        self.reload_if_changed();
        let mut users = lock(&self.users);
        let mut next = users.clone();
        match next.iter_mut().find(|u| u.name == name) {
            Some(u) => *u = user,
            None => next.push(user),
        }
        self.save(&next)?;
        *users = next;
        // A changed password or role must not live on in cached credentials.
        lock(&self.basic).clear();
        lock(&self.sessions).retain(|_, s| s.caller.name != name);
        Ok(())
    }

    fn save(&self, users: &[User]) -> Result<(), AuthError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let text = serde_json::to_vec_pretty(&UsersFile {
            users: users.to_vec(),
        })
        .map_err(|e| AuthError::Invalid(format!("cannot write the users file: {e}")))?;
        crate::store::write_atomically(path, &text).map_err(|source| AuthError::Io {
            path: path.clone(),
            op: "cannot save",
            source,
        })?;
        *lock(&self.stamp) = FileStamp::of(path);
        Ok(())
    }

    /// Reads the users file again if it changed since it was last read (a user added or
    /// removed with `drainplan user` while the service runs). A file that cannot be read
    /// keeps the users as they were, with a warning.
    pub fn reload_if_changed(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let now = FileStamp::of(path);
        if *lock(&self.stamp) == now {
            return;
        }
        match read_users(path) {
            Ok(users) => {
                let mut current = lock(&self.users);
                let changed: Vec<String> = current
                    .iter()
                    .filter(|u| !users.contains(u))
                    .map(|u| u.name.clone())
                    .collect();
                *current = users;
                *lock(&self.stamp) = now;
                drop(current);
                // A removed user, or a changed password or role, must not live on.
                if !changed.is_empty() {
                    lock(&self.basic).clear();
                    lock(&self.sessions).retain(|_, s| !changed.contains(&s.caller.name));
                }
                tracing::info!(path = %path.display(), "users file changed: read it again");
            }
            Err(e) => tracing::warn!("{e}: keeping the users as they were"),
        }
    }

    /// Removes a user, ends their sessions and saves the file. Removing a user who does
    /// not exist is an error that says so.
    pub fn remove_user(&self, name: &str) -> Result<(), AuthError> {
        self.reload_if_changed();
        let mut users = lock(&self.users);
        if !users.iter().any(|u| u.name == name) {
            return Err(AuthError::NoSuchUser(name.to_owned()));
        }
        let next: Vec<User> = users.iter().filter(|u| u.name != name).cloned().collect();
        self.save(&next)?;
        *users = next;
        lock(&self.basic).clear();
        lock(&self.sessions).retain(|_, s| s.caller.name != name);
        Ok(())
    }

    /// How long a sign-in from `client` as `name` must wait before a password may be
    /// checked, if it must.
    pub fn sign_in_wait(&self, client: Option<IpAddr>, name: &str) -> Option<Duration> {
        let now = Instant::now();
        let by_client = client.and_then(|c| lock(&self.throttles.clients).wait(&c, now));
        let by_user = lock(&self.throttles.users).wait(&name.to_owned(), now);
        by_client.max(by_user)
    }

    /// Records the outcome of a password check for the throttles.
    pub fn record_sign_in(&self, client: Option<IpAddr>, name: &str, ok: bool) {
        let now = Instant::now();
        let name = name.to_owned();
        if ok {
            lock(&self.throttles.users).succeeded(&name);
            if let Some(c) = client {
                lock(&self.throttles.clients).succeeded(&c);
            }
        } else {
            lock(&self.throttles.users).failed(&name, now);
            if let Some(c) = client {
                lock(&self.throttles.clients).failed(&c, now);
            }
        }
    }

    /// Checks a password (argon2: about 19 MiB and tens of milliseconds; call it off the
    /// async workers, a bounded number at a time). Reads the users file again first if it
    /// changed.
    pub fn verify(&self, name: &str, password: &str) -> Option<Caller> {
        self.reload_if_changed();
        let hash = lock(&self.users)
            .iter()
            .find(|u| u.name == name)
            .map(|u| (u.password_hash.clone(), u.role));
        match hash {
            Some((h, role)) if verify_password(password, &h) => Some(Caller {
                name: name.to_owned(),
                role,
            }),
            Some(_) => None,
            None => {
                // Spend the same time as for a real user, so names cannot be probed.
                static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let dummy =
                    DUMMY.get_or_init(|| hash_password("not a password").unwrap_or_default());
                let _ = verify_password(password, dummy);
                None
            }
        }
    }

    /// Signs in: a new session token (given once, stored only as its hash).
    pub fn sign_in(&self, name: &str, password: &str) -> Option<(String, Caller)> {
        let caller = self.verify(name, password)?;
        Some((self.new_session(&caller), caller))
    }

    /// A new session for a caller whose password was verified: its token, given once and
    /// stored only as its hash.
    pub fn new_session(&self, caller: &Caller) -> String {
        let token = hex::encode(rand::rng().random::<[u8; 32]>());
        let mut sessions = lock(&self.sessions);
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(
            sha256_hex(&token),
            Session {
                caller: caller.clone(),
                expires: now + SESSION_TTL,
            },
        );
        token
    }

    /// Ends a session.
    pub fn sign_out(&self, token: &str) {
        lock(&self.sessions).remove(&sha256_hex(token));
    }

    /// The caller behind a session token.
    pub fn from_token(&self, token: &str) -> Option<Caller> {
        // A user removed from the shell loses their sessions at their next request.
        self.reload_if_changed();
        let sessions = lock(&self.sessions);
        sessions
            .get(&sha256_hex(token))
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.caller.clone())
    }

    /// The caller behind HTTP Basic credentials, verifying the password if they were not
    /// verified in the last five minutes.
    pub fn from_basic(&self, name: &str, password: &str) -> Option<Caller> {
        if let Some(c) = self.cached_basic(name, password) {
            return Some(c);
        }
        let caller = self.verify(name, password)?;
        self.remember_basic(name, password, &caller);
        Some(caller)
    }

    /// The caller behind HTTP Basic credentials verified in the last five minutes, so
    /// that a GIS client paging through a layer does not pay for argon2 on every request.
    pub fn cached_basic(&self, name: &str, password: &str) -> Option<Caller> {
        let key = sha256_hex(&format!("{name}:{password}"));
        lock(&self.basic)
            .get(&key)
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.caller.clone())
    }

    /// Remembers HTTP Basic credentials just verified.
    pub fn remember_basic(&self, name: &str, password: &str, caller: &Caller) {
        let key = sha256_hex(&format!("{name}:{password}"));
        let mut cache = lock(&self.basic);
        let now = Instant::now();
        cache.retain(|_, s| s.expires > now);
        cache.insert(
            key,
            Session {
                caller: caller.clone(),
                expires: now + BASIC_CACHE_TTL,
            },
        );
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_stored_hashed_and_verified() {
        let dir = std::env::temp_dir().join(format!("drainplan-auth-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let auth = Auth::open(&dir).unwrap();
        auth.set_user("lan", Role::Officer, "mật khẩu dài").unwrap();
        let text = std::fs::read_to_string(dir.join(USERS_FILE)).unwrap();
        assert!(!text.contains("mật khẩu dài"));
        assert!(text.contains("$argon2id$"));

        let again = Auth::open(&dir).unwrap();
        assert!(again.sign_in("lan", "wrong password").is_none());
        assert!(again.sign_in("nobody", "mật khẩu dài").is_none());
        let (token, caller) = again.sign_in("lan", "mật khẩu dài").unwrap();
        assert_eq!(caller.role, Role::Officer);
        assert_eq!(again.from_token(&token), Some(caller.clone()));
        assert_eq!(again.from_basic("lan", "mật khẩu dài"), Some(caller));
        again.sign_out(&token);
        assert!(again.from_token(&token).is_none());
        assert!(again.set_user("x", Role::Viewer, "short").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn roles_are_ordered() {
        assert!(
            Role::Public < Role::Viewer
                && Role::Viewer < Role::Officer
                && Role::Officer < Role::Admin
        );
        assert!(!Caller::public().sees_personal_data());
    }
}
