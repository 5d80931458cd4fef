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

pub mod python;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use drainplan::api::{AppState, app};
use drainplan::auth::{Auth, Role};
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
        }
    }
    let auth = Auth::open(&dir).unwrap();
    add_users(&auth);
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
}

/// The service over `tests/fixtures/<fixture>` held in memory (edits are not saved),
/// with the three test users.
pub fn memory_state(fixture: &str) -> AppState {
    let data = Dataset::load(&Path::new("tests/fixtures").join(fixture)).unwrap();
    let auth = Auth::in_memory(Vec::new());
    add_users(&auth);
    AppState::with_store(Store::in_memory(data), auth, "web".into())
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
}
