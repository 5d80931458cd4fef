//! Signing in, the caller of each request, and user management.
//!
//! A request carries `Authorization: Bearer <token>` (from `POST /api/session`) or HTTP
//! Basic credentials (for GIS clients such as QGIS and GDAL); without either it is the
//! public. Wrong credentials are a 401, never a silent downgrade to public.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, ApiJson, AppState};
use crate::auth::{Caller, Role};

/// The auth routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/session", post(sign_in).get(whoami).delete(sign_out))
        .route("/api/users", get(list_users).post(set_user))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(c) => Ok(c.clone()),
            None => caller_from_headers(&parts.headers, state),
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
    match caller_from_headers(req.headers(), &state) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

/// The caller named by a request's Authorization header.
pub fn caller_from_headers(headers: &HeaderMap, state: &AppState) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Caller::public());
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text".into()))?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let auth = state.auth();
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => auth.from_token(rest.trim()).ok_or_else(|| {
            ApiError::Unauthorized(
                "the session token is unknown or has expired; sign in again".into(),
            )
        }),
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
            auth.from_basic(name, password)
                .ok_or_else(|| ApiError::Unauthorized("wrong user name or password".into()))
        }
        other => Err(ApiError::Unauthorized(format!(
            "Authorization scheme `{other}` is not supported; use Bearer or Basic"
        ))),
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    name: String,
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let auth = state.auth();
    let result = tokio::task::spawn_blocking(move || auth.sign_in(&body.name, &body.password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let (token, caller) =
        result.ok_or_else(|| ApiError::Unauthorized("wrong user name or password".into()))?;
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

async fn whoami(caller: Caller) -> Json<serde_json::Value> {
    Json(json!({"name": caller.name, "role": caller.role}))
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> StatusCode {
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        state.auth().sign_out(token.trim());
    }
    StatusCode::NO_CONTENT
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetUser {
    name: String,
    role: String,
    password: String,
}

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
    let name = body.name.clone();
    tokio::task::spawn_blocking(move || auth.set_user(&body.name, role, &body.password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| match e {
            crate::auth::AuthError::Invalid(m) => ApiError::BadRequest(m),
            other => ApiError::Internal(other.into()),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"name": name, "role": role})),
    )
        .into_response())
}
