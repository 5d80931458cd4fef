//! The HTTP API: OGC API – Features over every layer, reports and analyses under `/api/`,
//! the OpenAPI document, and the map page's static files.
//!
//! This module only turns requests into calls on the domain and results into responses;
//! every client mistake becomes a 4xx JSON body `{"error": …, "status": …}` that says what
//! was wrong.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, extract::DefaultBodyLimit};
use serde::de::DeserializeOwned;
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;

/// Whether an error was caused by a full disk (or a quota), anywhere in its chain.
pub fn is_disk_full(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            )
        {
            return true;
        }
        cur = err.source();
    }
    false
}

use crate::auth::Auth;
use crate::store::Dataset;
use crate::store::live::Store;

pub mod analyses;
pub mod auth;
pub mod campaign;
pub mod consent;
pub mod docs;
pub mod edit;
pub mod etag;
pub mod export;
pub mod grievances;
pub mod hydraulics;
pub mod ogc;
pub mod openapi;
pub mod params;
pub mod posting;
pub mod reports;
pub mod serve;
pub mod tiles;

/// The longest request target (path and query) accepted, in bytes; longer is a JSON 414.
/// (Past 64 KB hyper refuses the request line itself, with a 414 and no body, before
/// the service sees it.)
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The largest request body accepted, in bytes. A route of 10 000 vertices is about 400 KB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    store: Arc<Store>,
    auth: Arc<Auth>,
    passwords: Arc<auth::PasswordGate>,
    tables: Arc<crate::hydraulics::Tables>,
    attachments: Arc<crate::store::attachments::Attachments>,
    register: Arc<crate::campaign::register::Register>,
    /// Where the map page's files are.
    pub web_dir: PathBuf,
}

impl AppState {
    /// State over a loaded data set kept in memory (edits are not saved), serving the page
    /// from `web_dir`.
    pub fn new(dataset: Dataset, web_dir: PathBuf) -> Self {
        AppState::with_store(
            Store::in_memory(dataset),
            Auth::in_memory(Vec::new()),
            web_dir,
        )
    }

    /// State over a live store and its users.
    pub fn with_store(store: Store, auth: Auth, web_dir: PathBuf) -> Self {
        use crate::store::attachments::Attachments;
        let attachments = store
            .dir()
            .map_or_else(Attachments::in_memory, Attachments::open);
        AppState {
            attachments: Arc::new(attachments),
            store: Arc::new(store),
            auth: Arc::new(auth),
            passwords: Arc::new(auth::PasswordGate::default()),
            tables: Arc::new(bundled_tables()),
            register: Arc::new(crate::campaign::register::Register::in_memory()),
            web_dir,
        }
    }

    /// The same state with this campaign register (people, tasks, …); without one the
    /// register is empty and kept in memory.
    pub fn with_register(mut self, register: crate::campaign::register::Register) -> Self {
        self.register = Arc::new(register);
        self
    }

    /// The campaign register.
    pub fn register(&self) -> &crate::campaign::register::Register {
        &self.register
    }

    /// The same state with these design tables (e.g. with the data directory's own rain
    /// stations: [`crate::hydraulics::Tables::for_data_dir`]).
    pub fn with_tables(mut self, tables: crate::hydraulics::Tables) -> Self {
        self.tables = Arc::new(tables);
        self
    }

    /// The design tables of the drainage check.
    pub fn tables(&self) -> Arc<crate::hydraulics::Tables> {
        Arc::clone(&self.tables)
    }

    /// Users and sessions.
    pub fn auth(&self) -> Arc<Auth> {
        Arc::clone(&self.auth)
    }

    /// The bound on password checks in flight.
    pub fn passwords(&self) -> &auth::PasswordGate {
        &self.passwords
    }

    /// The current snapshot of the data set.
    pub fn dataset(&self) -> Arc<Dataset> {
        self.store.snapshot()
    }

    /// The attached scans (`<data>/attachments/`).
    pub fn attachments(&self) -> &crate::store::attachments::Attachments {
        &self.attachments
    }

    /// The live store, for edits and history.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// The Content-Security-Policy of every answer: the map page loads its own scripts and
/// styles only, OpenStreetMap's tiles as images, and may not be framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://tile.openstreetmap.org https://*.tile.openstreetmap.org; connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// The tables compiled in; their unit tests check every file, so this cannot fail in a
/// built binary.
fn bundled_tables() -> crate::hydraulics::Tables {
    crate::hydraulics::Tables::bundled().expect("data/hydraulics/ compiled in and tested")
}

/// Builds the whole router over `state`.
///
/// Cross-origin requests may read (GET, HEAD) what the public may read, without
/// credentials: another site's map can show the canals and the reports, but a page on
/// another site cannot write, sign in, or read what a signed-in user sees.
pub fn app(state: AppState) -> Router {
    use axum::http::{HeaderName, Method};
    use tower_http::set_header::SetResponseHeaderLayer;
    let static_files = axum::routing::get_service(
        ServeDir::new(state.web_dir.clone()).not_found_service(axum::routing::any(not_found)),
    );
    let cors = CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::HEAD])
        .expose_headers([
            header::ETAG,
            header::LINK,
            HeaderName::from_static("content-crs"),
        ]);
    Router::new()
        // Every operation, routed from the annotations that document it.
        .merge(openapi::routes())
        .nest_service(
            "/static",
            static_files.layer(axum::middleware::from_fn(only_page_files)),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            unshared_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        .layer(axum::middleware::from_fn(serve::body_deadline))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(json_errors))
        .layer(axum::middleware::from_fn(uri_limit))
        .layer(cors)
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // A page that sets its own, stricter policy keeps it (the review pack's and the
        // posting list's A4 pages allow their one stylesheet by hash and nothing else).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

/// The writes a PostGIS store does not share between instances yet: users, attachments
/// and consent (with its scan) live in the data directory of one instance, so such a
/// write is refused rather than kept where the other instances cannot see it (README
/// "PostGIS: many instances and QGIS"). The campaign register (tasks, grievances,
/// postings) is in the database (`store::pg::register`).
const UNSHARED_WRITES: &[&str] = &["/api/attachments", "/api/users", "/api/people"];

/// Middleware: with a PostGIS store, refuses the writes it does not share (501).
async fn unshared_writes(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::Method;
    let path = req.uri().path();
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let unshared = UNSHARED_WRITES
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
        || (path.starts_with("/api/parcels/") && path.ends_with("/consent"));
    if write && unshared && state.store.is_pg() {
        return ApiError::NotShared(format!(
            "this server serves a PostGIS store, which does not yet share {path} between instances: the change is refused rather than kept on one server's disk; make it on the file-store server"
        ))
        .into_response();
    }
    next.run(req).await
}

/// The map page's service worker (web/sw.js): it keeps the page's own files so that the
/// page opens without a connection; it never keeps an API answer.
const SERVICE_WORKER: &str = "sw.js";

/// Middleware on `/static`: serves the map page's own files, Leaflet's and pbf's (the
/// vector tiles' decoder), nothing else of the web folder (its package.json, lock file,
/// test tools).
async fn only_page_files(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path().trim_start_matches('/');
    let served_type = [".js", ".css", ".html", ".png", ".svg", ".ico"]
        .iter()
        .any(|ext| path.ends_with(ext));
    let allowed = served_type
        && !path.contains("..")
        && (!path.contains('/')
            || path.starts_with("node_modules/leaflet/dist/")
            || path == "node_modules/pbf/index.js");
    if allowed {
        let worker = path == SERVICE_WORKER;
        let mut resp = next.run(req).await;
        if worker {
            // The page's service worker lives with its files but looks after the page at /.
            resp.headers_mut().insert(
                axum::http::HeaderName::from_static("service-worker-allowed"),
                HeaderValue::from_static("/"),
            );
        }
        resp
    } else {
        ApiError::NotFound(format!("no such resource: /static/{path}")).into_response()
    }
}

/// Middleware: refuses a request target longer than [`MAX_URI_BYTES`].
async fn uri_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if len > MAX_URI_BYTES {
        return ApiError::UriTooLong(format!(
            "the request target is {len} bytes; at most {MAX_URI_BYTES} are accepted (send a long route in a POST body)"
        ))
        .into_response();
    }
    next.run(req).await
}

/// Middleware: an error answer with no body of its own (a 405 from routing, a 413 from
/// the body limit, a 404 of a static file) gets the JSON error body every other error has.
async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || resp.headers().contains_key(header::CONTENT_TYPE)
    {
        return resp;
    }
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path}"),
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the body is larger than the limit of {MAX_BODY_BYTES} bytes")
        }
        s => s.canonical_reason().unwrap_or("error").to_owned(),
    };
    let (mut parts, _) = resp.into_parts();
    let body = serde_json::json!({"error": message, "status": status.as_u16()});
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body.to_string()))
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("no such resource: {}", uri.path()))
}

/// A request that failed, as the client will see it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed or asks for something impossible (400).
    #[error("{0}")]
    BadRequest(String),
    /// The thing asked for does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The request was well formed but its content cannot be processed (422).
    #[error("{0}")]
    Unprocessable(String),
    /// A feature or value broke a rule of its layer (422, with the field and the rule).
    #[error("{0}")]
    Invalid(crate::model::schema::Invalid),
    /// The body did not arrive in time (408).
    #[error("{0}")]
    RequestTimeout(String),
    /// The request target is too long (414).
    #[error("{0}")]
    UriTooLong(String),
    /// The body is too large (413).
    #[error("{0}")]
    TooLarge(String),
    /// The caller must sign in (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller's role does not allow this (403).
    #[error("{0}")]
    Forbidden(String),
    /// Too many requests of this kind: try again after the delay (429 + Retry-After).
    #[error("{message}")]
    TooMany {
        /// What to do.
        message: String,
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// The edit conflicts with other data (409).
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` names an older version (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// A write must say which version it changes (428).
    #[error("{0}")]
    PreconditionRequired(String),
    /// The media type asked for or sent is not supported (406/415).
    #[error("{1}")]
    Media(StatusCode, String),
    /// The disk is full: nothing was stored (507).
    #[error("{0}")]
    DiskFull(String),
    /// The PostGIS store does not share this kind of data between instances (501).
    #[error("{0}")]
    NotShared(String),
    /// A service the answer needs cannot be reached now; nothing was changed (503).
    #[error("{0}")]
    Unavailable(String),
    /// Something broke on our side (500); the cause is logged, not sent.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unprocessable(_) | ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Media(s, _) => *s,
            ApiError::DiskFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotShared(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The JSON body of every error answer.
#[derive(serde::Serialize)]
struct ErrorBody {
    /// What was wrong.
    error: String,
    /// The HTTP status, again.
    status: u16,
    /// The field that broke a rule (422 of a feature or value).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// The rule it broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<crate::model::schema::Rule>,
    /// How long to wait (429).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_s: Option<u64>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = format!("{e:#}"), "request failed");
        }
        if let ApiError::DiskFull(m) = &self {
            tracing::error!("{m}");
        }
        let retry_after = match &self {
            // Whole seconds, rounded up, at least one.
            ApiError::TooMany { retry_after, .. } => {
                Some((retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1))
            }
            _ => None,
        };
        let (field, rule) = match &self {
            ApiError::Invalid(i) => (Some(i.field.clone()), Some(i.rule)),
            _ => (None, None),
        };
        let body = ErrorBody {
            error: self.to_string(),
            status: status.as_u16(),
            field,
            rule,
            retry_after_s: retry_after,
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            // Bearer, not Basic: a Basic challenge would make browsers pop up their own
            // sign-in dialog over the map. GIS clients send Basic credentials unasked.
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"drainplan\""),
            );
        }
        resp
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => {
                ApiError::Unprocessable(format!("the JSON body does not fit: {}", e.body_text()))
            }
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::BadRequest(format!("the body is not valid JSON: {}", e.body_text()))
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::Media(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body with Content-Type: application/json".into(),
            ),
            JsonRejection::BytesRejection(e) => {
                if serve::is_body_timeout(&e) {
                    ApiError::RequestTimeout(format!(
                        "the request body did not arrive within {} s",
                        serve::BODY_READ_TIMEOUT.as_secs()
                    ))
                } else if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge(format!(
                        "the body is larger than the limit of {MAX_BODY_BYTES} bytes"
                    ))
                } else {
                    ApiError::BadRequest(format!("cannot read the body: {}", e.body_text()))
                }
            }
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(format!("bad query string: {}", r.body_text()))
    }
}

// Each domain error becomes its HTTP answer here, once, so that handlers pass errors on
// with `?`.

impl From<crate::store::live::StoreError> for ApiError {
    fn from(e: crate::store::live::StoreError) -> Self {
        use crate::store::live::StoreError;
        match e {
            StoreError::Edit(e) => e.into(),
            StoreError::Stale { .. } => ApiError::PreconditionFailed(e.to_string()),
            StoreError::KeyReused { .. } => ApiError::Unprocessable(e.to_string()),
            StoreError::Journal(j) => j.into(),
            StoreError::Database(d) => d.into(),
        }
    }
}

impl From<crate::store::pg::PgError> for ApiError {
    fn from(e: crate::store::pg::PgError) -> Self {
        use crate::store::pg::PgError;
        match e {
            PgError::Unreachable(_) => ApiError::Unavailable(e.to_string()),
            PgError::Refused(_) => ApiError::Conflict(e.to_string()),
            PgError::Data(_) => ApiError::Internal(e.into()),
        }
    }
}

impl From<crate::store::edit::EditError> for ApiError {
    fn from(e: crate::store::edit::EditError) -> Self {
        use crate::store::edit::EditError;
        match e {
            EditError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            EditError::Exists { .. } | EditError::Referenced(_) => {
                ApiError::Conflict(e.to_string())
            }
            EditError::Invalid(i) => ApiError::Invalid(i),
        }
    }
}

impl From<crate::store::journal::JournalError> for ApiError {
    fn from(e: crate::store::journal::JournalError) -> Self {
        if is_disk_full(&e) {
            ApiError::DiskFull(
                "the disk is full: the edit was not stored; free some space and send it again"
                    .into(),
            )
        } else {
            ApiError::Internal(e.into())
        }
    }
}

impl From<crate::campaign::register::RecordError> for ApiError {
    fn from(e: crate::campaign::register::RecordError) -> Self {
        use crate::campaign::register::RecordError;
        match e {
            RecordError::Invalid(i) => ApiError::Invalid(i),
            RecordError::Register(r) => r.into(),
        }
    }
}

impl From<crate::campaign::register::RegisterError> for ApiError {
    fn from(e: crate::campaign::register::RegisterError) -> Self {
        use crate::campaign::register::RegisterError;
        match e {
            RegisterError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            RegisterError::Exists { .. } => ApiError::Conflict(e.to_string()),
            RegisterError::Stale { .. } => ApiError::PreconditionFailed(e.to_string()),
            RegisterError::BadRecord(m) => ApiError::Unprocessable(m),
            RegisterError::BadTableName(_) => ApiError::BadRequest(e.to_string()),
            RegisterError::Invalid(i) => ApiError::Invalid(i),
            RegisterError::Db(p) => p.into(),
            ref io @ RegisterError::Io { .. } if is_disk_full(io) => ApiError::DiskFull(
                "the disk is full: the change was not stored; free some space and send it again"
                    .into(),
            ),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<crate::export::ExportError> for ApiError {
    fn from(e: crate::export::ExportError) -> Self {
        use crate::export::ExportError;
        match e {
            ExportError::Empty(_) => ApiError::NotFound(e.to_string()),
            e if e.is_client_error() => ApiError::BadRequest(e.to_string()),
            e => ApiError::Internal(e.into()),
        }
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError;
        match e {
            AuthError::Invalid(m) => ApiError::BadRequest(m),
            AuthError::NoSuchUser(_) => ApiError::NotFound(e.to_string()),
            ref io @ AuthError::Io { .. } if is_disk_full(io) => ApiError::DiskFull(
                "the disk is full: the user was not saved; free some space and try again".into(),
            ),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<crate::analysis::contributions::ContributionError> for ApiError {
    fn from(e: crate::analysis::contributions::ContributionError) -> Self {
        use crate::analysis::contributions::ContributionError;
        match e {
            ContributionError::UnknownVillage(_) => ApiError::NotFound(e.to_string()),
            ContributionError::Crs(e) => e.into(),
        }
    }
}

/// A route or corridor width from a query string or a route body that cannot be used
/// (400). A width given as a JSON member is a 422 naming it
/// ([`params::width_from_body`]).
impl From<crate::analysis::route::RouteError> for ApiError {
    fn from(e: crate::analysis::route::RouteError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

/// PROJ failing on stored, checked data is our fault.
impl From<crate::crs::CrsError> for ApiError {
    fn from(e: crate::crs::CrsError) -> Self {
        ApiError::Internal(e.into())
    }
}

/// Failing to serialise an answer is our fault; a client's JSON is read through
/// [`ApiJson`], whose rejections say what was wrong.
impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

/// Work moved off the async workers panicked or was cancelled.
impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<tokio::sync::AcquireError> for ApiError {
    fn from(e: tokio::sync::AcquireError) -> Self {
        ApiError::Internal(e.into())
    }
}

/// `axum::Json` whose rejections are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(v) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// `axum::extract::Query` whose rejections are [`ApiError`]s.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(v) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(v))
    }
}

/// Runs CPU work of a request: in place on the worker thread that serves it (telling
/// the runtime, which moves its other tasks to another worker) on a multi-thread runtime —
/// a quarter of a route impact's latency went to handing it to a blocking-pool thread and
/// back — and on the blocking pool on a current-thread runtime, which cannot do that.
///
/// At most two pieces of work per core run at a time; the others wait for a turn without
/// holding a thread. Each request moved off a worker makes the runtime start a thread to
/// take the worker's place, and without the bound eight connections grew the service to
/// 31 threads, each keeping its own allocator pages (120 MB at a million parcels). One
/// turn per core cost a fifth of the throughput at eight connections (the work of
/// reading requests and writing answers no longer overlapped it); two cost 4 %
/// (`benches/http_load.sh`).
pub async fn compute<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let turns = TURNS.get_or_init(|| {
        tokio::sync::Semaphore::new(2 * std::thread::available_parallelism().map_or(1, |n| n.get()))
    });
    let _turn = turns.acquire().await?;
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => Ok(tokio::task::block_in_place(f)),
        _ => Ok(tokio::task::spawn_blocking(f).await?),
    }
}

/// A JSON value sent with a chosen media type.
pub fn json_with_type(value: &impl serde::Serialize, media_type: &'static str) -> Response {
    // Room for a typical answer up front rather than doubling from 128 bytes: a route
    // impact of 92 parcels is 37 KB, a page of 100 parcels 47 KB.
    let mut bytes = Vec::with_capacity(64 * 1024);
    match serde_json::to_writer(&mut bytes, value) {
        Ok(()) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(media_type))],
            bytes,
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Media type of GeoJSON.
pub const GEOJSON: &str = "application/geo+json";
/// Media type of plain JSON.
pub const JSON: &str = "application/json";
