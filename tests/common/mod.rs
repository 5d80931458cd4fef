//! What the integration tests share: fixtures copied to a fresh directory, an app state
//! with one user of each role, and a request builder that calls the router without a
//! socket (axum's `examples/testing`). Each test binary uses part of it.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]
#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on a broken fixture"
)]

pub mod pg;
pub mod python;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use drainplan::api::{AppState, app};
use drainplan::auth::{Auth, Role, User, hash_password};
use drainplan::store::Dataset;
use drainplan::store::live::Store;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// The password of every test user (`viewer`, `officer`, `admin`).
pub const PASSWORD: &str = "mật khẩu thử nghiệm";

/// Copies `tests/fixtures/<fixture>` to a fresh directory named after `name` and the
/// process, with the three test users in its users file.
pub fn copy_fixture(fixture: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "drainplan-test-{fixture}-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(Path::new("tests/fixtures").join(fixture)).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        } else if p.file_name().is_some_and(|n| n == "campaign") {
            // The campaign register's files.
            std::fs::create_dir_all(dir.join("campaign")).unwrap();
            for f in std::fs::read_dir(&p).unwrap() {
                let f = f.unwrap().path();
                std::fs::copy(&f, dir.join("campaign").join(f.file_name().unwrap())).unwrap();
            }
        }
    }
    let auth = Auth::open(&dir).unwrap();
    add_users(&auth);
    dir
}

/// The three test users with their password hashed, once per test binary: argon2 takes
/// 19 MiB and tens of milliseconds a hash, and a state per test would pay it three times.
fn test_users() -> Vec<User> {
    static USERS: std::sync::OnceLock<Vec<User>> = std::sync::OnceLock::new();
    USERS
        .get_or_init(|| {
            let hash = hash_password(PASSWORD).unwrap();
            [
                ("viewer", Role::Viewer),
                ("officer", Role::Officer),
                ("admin", Role::Admin),
            ]
            .into_iter()
            .map(|(name, role)| User {
                name: name.into(),
                role,
                password_hash: hash.clone(),
            })
            .collect()
        })
        .clone()
}

/// A fresh directory `name` of this test binary under cargo's temporary directory, with a
/// copy of the layer files (`*.geojson`) of `from` in its `data/`, and room beside it for
/// the files a test makes (import sources, exports). No users file: nothing signs in.
pub fn data_copy(from: impl AsRef<Path>, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(env!("CARGO_CRATE_NAME"))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for entry in std::fs::read_dir(from.as_ref()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "geojson") {
            std::fs::copy(&p, dir.join("data").join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn add_users(auth: &Auth) {
    for (user, role) in [
        ("viewer", Role::Viewer),
        ("officer", Role::Officer),
        ("admin", Role::Admin),
    ] {
        auth.set_user(user, role, PASSWORD).unwrap();
    }
}

/// The service over a data directory, edits journalled there.
pub fn disk_state(dir: &Path) -> AppState {
    AppState::with_store(
        Store::open(dir).unwrap(),
        Auth::open(dir).unwrap(),
        "web".into(),
    )
    .with_register(drainplan::campaign::register::Register::open(dir).unwrap())
}

/// The service over `tests/fixtures/<fixture>` held in memory (edits are not saved),
/// with the three test users, serving the map page from `web/`.
pub fn memory_state(fixture: &str) -> AppState {
    memory_state_with_web(fixture, Path::new("web"))
}

/// [`memory_state`] made once per test binary and fixture, and shared by its tests: for
/// tests that only read, so that a signed-in user's password is checked (argon2, tens of
/// milliseconds) once and not in every test. An edit made through it is seen by every
/// other test of the binary: a test that edits takes its own [`memory_state`].
pub fn shared_memory_state(fixture: &str) -> AppState {
    static STATES: std::sync::Mutex<std::collections::BTreeMap<String, AppState>> =
        std::sync::Mutex::new(std::collections::BTreeMap::new());
    STATES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(fixture.to_owned())
        .or_insert_with(|| memory_state(fixture))
        .clone()
}

/// [`memory_state`] serving the map page from `web_dir`: a directory without an
/// `index.html` (or none at all) gets the small built-in page that links to the
/// collections.
pub fn memory_state_with_web(fixture: &str, web_dir: &Path) -> AppState {
    let dir = Path::new("tests/fixtures").join(fixture);
    let data = Dataset::load(&dir).unwrap();
    AppState::with_store(
        Store::in_memory(data),
        Auth::in_memory(test_users()),
        web_dir.to_owned(),
    )
    .with_register(drainplan::campaign::register::Register::load_in_memory(&dir).unwrap())
}

/// `Authorization: Basic` for a test user.
pub fn basic(user: &str) -> String {
    basic_with(user, PASSWORD)
}

/// `Authorization: Basic` for any name and password.
pub fn basic_with(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A request being built.
pub struct Req {
    builder: axum::http::request::Builder,
    body: Body,
}

impl Req {
    /// A request of any method.
    pub fn new(method: &str, uri: &str) -> Req {
        Req {
            builder: Request::builder().method(method).uri(uri),
            body: Body::empty(),
        }
    }

    /// GET `uri`.
    pub fn get(uri: &str) -> Req {
        Req::new("GET", uri)
    }

    /// POST `uri`.
    pub fn post(uri: &str) -> Req {
        Req::new("POST", uri)
    }

    /// Signed in as a test user, with HTTP Basic.
    pub fn user(self, user: &str) -> Req {
        self.header(header::AUTHORIZATION.as_str(), &basic(user))
    }

    /// With a header.
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.builder = self.builder.header(name, value);
        self
    }

    /// With a JSON body.
    pub fn json(mut self, body: &Value) -> Req {
        self.builder = self
            .builder
            .header(header::CONTENT_TYPE, "application/json");
        self.body = Body::from(body.to_string());
        self
    }

    /// With a raw body.
    pub fn body(mut self, body: impl Into<Body>) -> Req {
        self.body = body.into();
        self
    }

    /// Sends it through the router over `state`.
    pub async fn send(self, state: &AppState) -> Reply {
        let req = self.builder.body(self.body).unwrap();
        let resp = app(state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            bytes,
        }
    }
}

/// An answer.
pub struct Reply {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// `Content-Type`, empty when there is none.
    pub fn content_type(&self) -> String {
        self.header(header::CONTENT_TYPE.as_str())
            .unwrap_or_default()
    }
}

/// A `drainplan serve` process on a free loopback port, killed when dropped.
pub struct Server {
    /// The process.
    pub child: std::process::Child,
    /// `127.0.0.1:port`.
    pub addr: String,
}

impl Server {
    /// Starts the binary cargo built for this test run on `dir`. `wrapper` runs it
    /// through another program first (e.g. `prlimit --nofile=256:256 --`).
    pub fn start(dir: &Path, wrapper: &[&str]) -> Server {
        Server::start_with_args(dir, wrapper, &[])
    }

    /// [`Server::start`] with more `drainplan serve` options (e.g. `--compact-every 25`).
    pub fn start_with_args(dir: &Path, wrapper: &[&str], serve_args: &[&str]) -> Server {
        use std::io::BufRead;
        let bin = env!("CARGO_BIN_EXE_drainplan");
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = std::process::Command::new(program);
                c.args(args).arg(bin);
                c
            }
            None => std::process::Command::new(bin),
        };
        let mut child = cmd
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(serve_args)
            .arg("--data")
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .trim_start_matches("drainplan listening on http://")
            .trim_end_matches('/')
            .to_owned();
        assert!(addr.starts_with("127.0.0.1:"), "the server said: {line}");
        Server { child, addr }
    }

    /// `http://127.0.0.1:port`, for clients that take a URL (GDAL, curl).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's resident memory now, in bytes (VmRSS).
    pub fn rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb * 1024
    }

    /// Sends a raw HTTP/1.1 request (with `Connection: close` added) from `from`, a
    /// loopback address, or from 127.0.0.1; returns the status and the body.
    pub fn request(
        &self,
        from: Option<std::net::Ipv4Addr>,
        head: &str,
        body: &str,
    ) -> (u16, String) {
        http_request(&self.addr, from, head, body).unwrap()
    }
}

/// [`Server::request`] to any `addr`, for a server that may be gone (killed in the
/// middle of a test): a refused connection or a failed write is an error, not a panic. An
/// answer cut short is returned as far as it came (status 0 when not even that).
pub fn http_request(
    addr: &str,
    from: Option<std::net::Ipv4Addr>,
    head: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = try_connect_from(addr, from)?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
    let req = format!(
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes())?;
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let status = answer.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP connection to `addr` from a chosen loopback address (every 127.0.0.0/8 address
/// is this machine), to play a different client.
pub fn connect_from(addr: &str, from: Option<std::net::Ipv4Addr>) -> std::net::TcpStream {
    try_connect_from(addr, from).unwrap()
}

fn try_connect_from(
    addr: &str,
    from: Option<std::net::Ipv4Addr>,
) -> std::io::Result<std::net::TcpStream> {
    use socket2::{Domain, Socket, Type};
    let to: std::net::SocketAddr = addr.parse().map_err(std::io::Error::other)?;
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    if let Some(ip) = from {
        socket.bind(&std::net::SocketAddr::from((ip, 0)).into())?;
    }
    socket.connect(&to.into())?;
    Ok(socket.into())
}

/// The fields every checked canal section carries, in the Rust result and on the wire
/// (README "Hydraulics"): the section, its inputs, the design flow and the verdict.
pub const SECTION_FIELDS: &[&str] = &[
    "canal_id",
    "shape",
    "bottom_width_m",
    "depth_m",
    "side_slope",
    "manning_n",
    "slope",
    "catchment_area_ha",
    "runoff_coefficient",
    "time_of_concentration_min",
    "intensity_l_s_ha",
    "design_flow_m3s",
    "capacity_m3s",
    "velocity_m_s",
    "ratio",
    "verdict",
];
