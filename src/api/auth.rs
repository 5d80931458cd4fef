//! Signing in, the caller of each request, and user management.
//!
//! A request carries `Authorization: Bearer <token>` (from `POST /api/session`) or HTTP
//! Basic credentials (for GIS clients such as QGIS and GDAL); without either it is the
//! public. Wrong credentials are a 401, never a silent downgrade to public.
//!
//! A password check (argon2, about 19 MiB and tens of milliseconds) is the one thing an
//! anonymous client can make the service do that is expensive, so each goes through the
//! [`PasswordGate`]:
//! 1. a client address or user name backing off after wrong passwords is refused with 429
//!    and `Retry-After`, before anything is checked (see [`crate::auth::throttle`]);
//! 2. at most [`PasswordGate::IN_FLIGHT`] checks run at once, on the blocking pool, never
//!    on the async workers that serve everyone else; up to [`PasswordGate::QUEUE`] more
//!    wait their turn, and beyond that a check is refused with 429 at once — so a flood
//!    of sign-ins holds a bounded amount of memory and no worker.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::TAG_AUTH;
use super::{ApiError, ApiJson, AppState, docs};
use crate::auth::{Caller, Role};

/// The auth routes, each with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(sign_in, whoami, sign_out))
        .routes(routes!(list_users, set_user))
        .routes(routes!(remove_user))
}

/// The bound on password checks: how many run at once and how many may wait.
#[derive(Debug)]
pub struct PasswordGate {
    slots: tokio::sync::Semaphore,
    waiting: AtomicUsize,
    /// Checks of the same HTTP Basic credentials in flight: a GIS client opening a layer
    /// sends several requests at once with the same credentials, and they share one check
    /// instead of each taking a turn.
    basic: std::sync::Mutex<HashMap<[u8; 32], Arc<OnceCell<Caller>>>>,
}

impl Default for PasswordGate {
    fn default() -> Self {
        PasswordGate {
            slots: tokio::sync::Semaphore::new(Self::IN_FLIGHT),
            waiting: AtomicUsize::new(0),
            basic: std::sync::Mutex::default(),
        }
    }
}

impl PasswordGate {
    /// Password checks running at once: two, about 38 MiB of argon2 memory.
    pub const IN_FLIGHT: usize = 2;
    /// Checks allowed to wait for a turn; beyond them a check is refused at once.
    pub const QUEUE: usize = 16;
    /// The longest a check waits for its turn before it is refused.
    pub const MAX_WAIT: Duration = Duration::from_secs(5);

    fn lock_basic(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Arc<OnceCell<Caller>>>> {
        self.basic
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `check` (a password verification) when a slot is free, on the blocking pool.
    pub async fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = || ApiError::TooMany {
            message: "too many sign-ins are being checked right now; try again shortly".into(),
            retry_after: Duration::from_secs(1),
        };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= Self::QUEUE {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
        }
        let permit = tokio::time::timeout(Self::MAX_WAIT, self.slots.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = match permit {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => return Err(busy()),
        };
        Ok(tokio::task::spawn_blocking(check).await?)
    }
}

/// The address a request came from, as the throttles key it: an IPv4 address, or the
/// /64 network of an IPv6 one (one host is usually given a whole /64). `None` when the
/// service was not told (tests calling the router directly).
pub fn client_key(parts: &axum::http::Extensions) -> Option<IpAddr> {
    let ip = parts.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    Some(match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    })
}

/// Verifies `name`'s password through the throttles and the gate: `Ok(None)` when it is
/// wrong.
pub async fn verify_password(
    state: &AppState,
    client: Option<IpAddr>,
    name: String,
    password: String,
) -> Result<Option<Caller>, ApiError> {
    let auth = state.auth();
    if let Some(wait) = auth.sign_in_wait(client, &name) {
        return Err(ApiError::TooMany {
            message: "too many wrong passwords: wait before trying again".into(),
            retry_after: wait,
        });
    }
    let checker = state.auth();
    let user = name.clone();
    let caller = state
        .passwords()
        .run(move || checker.verify(&user, &password))
        .await?;
    auth.record_sign_in(client, &name, caller.is_some());
    Ok(caller)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(c) => Ok(c.clone()),
            None => caller_from_headers(&parts.headers, client_key(&parts.extensions), state).await,
        }
    }
}

/// Middleware: works out the caller of every request once, so that wrong credentials are
/// refused everywhere (even where anyone may read), and handlers find the caller ready.
pub async fn identify(
    State(state): State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let client = client_key(req.extensions());
    match caller_from_headers(req.headers(), client, &state).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

/// The two schemes of the Authorization header, parsed.
enum Credentials<'a> {
    Bearer(&'a str),
    Basic { name: String, password: String },
}

/// Reads an Authorization header: the scheme is case-insensitive (RFC 9110 §11.1).
fn credentials(value: &axum::http::HeaderValue) -> Result<Credentials<'_>, ApiError> {
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text".into()))?;
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Ok(Credentials::Bearer(rest.trim())),
        "basic" => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "the Basic credentials are not base64 of name:password".into(),
                    )
                })?;
            let (name, password) = decoded.split_once(':').ok_or_else(|| {
                ApiError::Unauthorized("the Basic credentials are not name:password".into())
            })?;
            Ok(Credentials::Basic {
                name: name.to_owned(),
                password: password.to_owned(),
            })
        }
        other => Err(ApiError::Unauthorized(format!(
            "Authorization scheme `{other}` is not supported; use Bearer or Basic"
        ))),
    }
}

/// The caller named by a request's Authorization header.
pub async fn caller_from_headers(
    headers: &HeaderMap,
    client: Option<IpAddr>,
    state: &AppState,
) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Caller::public());
    };
    let auth = state.auth();
    match credentials(value)? {
        Credentials::Bearer(token) => auth.from_token(token).ok_or_else(|| {
            ApiError::Unauthorized(
                "the session token is unknown or has expired; sign in again".into(),
            )
        }),
        Credentials::Basic { name, password } => {
            if let Some(c) = auth.cached_basic(&name, &password) {
                return Ok(c);
            }
            let key: [u8; 32] = Sha256::new()
                .chain_update(name.as_bytes())
                .chain_update([0])
                .chain_update(password.as_bytes())
                .finalize()
                .into();
            let cell = Arc::clone(
                state
                    .passwords()
                    .lock_basic()
                    .entry(key)
                    .or_insert_with(|| Arc::new(OnceCell::new())),
            );
            let result = cell
                .get_or_try_init(|| async {
                    let caller =
                        verify_password(state, client, name.clone(), password.clone()).await?;
                    let caller = caller.ok_or_else(|| {
                        ApiError::Unauthorized("wrong user name or password".into())
                    })?;
                    auth.remember_basic(&name, &password, &caller);
                    Ok::<_, ApiError>(caller)
                })
                .await
                .cloned();
            // The last one out forgets the check; a later request with the same
            // credentials finds them in the cache (or checks a wrong password again).
            let mut inflight = state.passwords().lock_basic();
            if inflight.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell))
                && Arc::strong_count(&cell) <= 2
            {
                inflight.remove(&key);
            }
            result
        }
    }
}

/// Refuses a caller below `role`.
pub fn require(caller: &Caller, role: Role, what: &str) -> Result<(), ApiError> {
    if caller.role >= role {
        Ok(())
    } else if caller.role == Role::Public {
        Err(ApiError::Unauthorized(format!(
            "{what} needs a signed-in {} or above",
            role.as_str()
        )))
    } else {
        Err(ApiError::Forbidden(format!(
            "{what} needs the {} role; {} is {}",
            role.as_str(),
            caller.name,
            caller.role.as_str()
        )))
    }
}

/// A user's name and password.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "lan", "password": "a long password"}))]
#[serde(deny_unknown_fields)]
struct SignIn {
    /// The user name.
    name: String,
    /// The password.
    #[schema(format = Password)]
    password: String,
}

/// Sign in
///
/// Returns a bearer token. Password checks are rationed: 429 with `Retry-After` after
/// wrong passwords from one address or for one name, or when too many are waiting.
#[utoipa::path(
    post,
    path = "/api/session",
    tag = TAG_AUTH,
    operation_id = "signIn",
    request_body = SignIn,
    responses(
        (status = 201, description = "Signed in", body = docs::Session),
        (status = 400, response = docs::BadRequest),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let caller = verify_password(&state, client, body.name, body.password)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("wrong user name or password".into()))?;
    let token = state.auth().new_session(&caller);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": token,
            "name": caller.name,
            "role": caller.role,
            "expires_in_s": crate::auth::SESSION_TTL.as_secs(),
        })),
    )
        .into_response())
}

/// The throttles' key for the request's client (see [`client_key`]).
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_key(&parts.extensions)))
    }
}

/// Who am I
#[utoipa::path(
    get,
    path = "/api/session",
    tag = TAG_AUTH,
    operation_id = "whoAmI",
    responses(
        (status = 200, description = "The caller's name and role (`anonymous`, `public` without credentials)", body = docs::WhoAmI),
    )
)]
async fn whoami(caller: Caller) -> Json<serde_json::Value> {
    Json(json!({"name": caller.name, "role": caller.role}))
}

/// Sign out
///
/// Ends the session of the bearer token sent, if any.
#[utoipa::path(
    delete,
    path = "/api/session",
    tag = TAG_AUTH,
    operation_id = "signOut",
    responses(
        (status = 204, description = "Signed out"),
    )
)]
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> StatusCode {
    if let Some(Ok(Credentials::Bearer(token))) =
        headers.get(header::AUTHORIZATION).map(credentials)
    {
        state.auth().sign_out(token);
    }
    StatusCode::NO_CONTENT
}

/// Users and roles (admin)
#[utoipa::path(
    get,
    path = "/api/users",
    tag = TAG_AUTH,
    operation_id = "listUsers",
    responses(
        (status = 200, description = "Every user with their role", body = docs::Users),
        (status = 403, response = docs::Forbidden),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    require(&caller, Role::Admin, "listing users")?;
    let users: Vec<_> = state
        .auth()
        .list()
        .into_iter()
        .map(|(name, role)| json!({"name": name, "role": role}))
        .collect();
    Ok(Json(json!({ "users": users })))
}

/// A user to add, or whose role and password change.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "lan", "role": "officer", "password": "a long password"}))]
#[serde(deny_unknown_fields)]
struct SetUser {
    /// The user name: 1 to 64 characters, not all spaces (leading and trailing spaces are
    /// dropped), without `:` or control characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^:\x00-\x1f\x7f-\x9f]*[^:\s\x00-\x1f\x7f-\x9f][^:\x00-\x1f\x7f-\x9f]*$"
    )]
    name: String,
    /// viewer, officer or admin.
    #[schema(value_type = docs::UserRole)]
    role: String,
    /// At least 8 characters; stored as an argon2 hash.
    #[schema(format = Password, min_length = 8)]
    password: String,
}

/// Add a user or change one's role and password (admin)
#[utoipa::path(
    post,
    path = "/api/users",
    tag = TAG_AUTH,
    operation_id = "setUser",
    request_body = SetUser,
    responses(
        (status = 201, description = "The user", body = docs::User),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 422, response = docs::UnprocessableEntity),
        (status = 507, response = docs::InsufficientStorage),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn set_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SetUser>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Admin, "managing users")?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "role `{}` is not one of viewer, officer, admin",
            body.role
        ))
    })?;
    if role == Role::Public {
        return Err(ApiError::BadRequest(
            "public is everyone who has not signed in; give viewer, officer or admin".into(),
        ));
    }
    let auth = state.auth();
    // The name as stored: leading and trailing spaces dropped.
    let name = body.name.trim().to_owned();
    // Hashing a password is an argon2 run like a check: it takes a turn at the gate.
    state
        .passwords()
        .run(move || auth.set_user(&body.name, role, &body.password))
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(json!({"name": name, "role": role})),
    )
        .into_response())
}

/// Remove a user (admin)
///
/// Their sessions end at their next request. An admin cannot remove themselves.
#[utoipa::path(
    delete,
    path = "/api/users/{name}",
    tag = TAG_AUTH,
    operation_id = "removeUser",
    params(("name" = String, Path, description = "The user name")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
        (status = 409, response = docs::Conflict),
        (status = 507, response = docs::InsufficientStorage),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn remove_user(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    require(&caller, Role::Admin, "managing users")?;
    if name == caller.name {
        return Err(ApiError::Conflict(
            "an admin cannot remove themselves; another admin can".into(),
        ));
    }
    let auth = state.auth();
    tokio::task::spawn_blocking(move || auth.remove_user(&name)).await??;
    Ok(StatusCode::NO_CONTENT)
}
