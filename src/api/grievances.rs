//! The grievance log over HTTP: `GET/POST /api/grievances`, `GET/PUT /api/grievances/{id}`
//! (officers write, with `If-Match` on a replace), `GET /api/grievances/{id}/history`, and
//! the public's `GET /api/grievances/summary` (counts by status and village).
//!
//! Grievances name people and quote them: everything but the summary needs a signed-in
//! viewer.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::require;
use super::etag::required_if_match;
use super::openapi::TAG_GRIEVANCES;
use super::{ApiError, ApiJson, ApiQuery, AppState, JSON, docs, json_with_type};
use crate::auth::{Caller, Role};
use crate::campaign::grievances::{
    self as log, Grievance, GrievanceInput, GrievanceStatus, Summary,
};
use crate::campaign::register::Versioned;

/// The grievance routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(summary))
        .routes(routes!(get_one, replace))
        .routes(routes!(history))
}

/// A body read as `T` once the caller may write, so that the public and viewers are told
/// they may not, whatever they sent; a body that does not fit is a 422 saying why.
pub fn from_body<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(body)
        .map_err(|e| ApiError::Unprocessable(format!("the JSON body does not fit: {e}")))
}

/// A grievance body: no member but those of [`GrievanceInput`] (422 naming the first
/// other one), then read as one.
fn grievance_body(body: serde_json::Value) -> Result<GrievanceInput, ApiError> {
    if let Some(k) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| !log::INPUT_FIELDS.contains(&k.as_str())))
    {
        return Err(ApiError::Unprocessable(format!(
            "unknown member `{k}`; a grievance has {}",
            log::INPUT_FIELDS.join(", ")
        )));
    }
    from_body(body)
}

/// A register version as an entity tag.
pub fn version_tag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// A grievance with its version as its ETag.
fn one(g: &Versioned<Grievance>, status: StatusCode) -> Response {
    let mut resp = json_with_type(&g.record, JSON);
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::ETAG, version_tag(g.version));
    if status == StatusCode::CREATED
        && let Ok(loc) = HeaderValue::from_str(&format!("/api/grievances/{}", g.record.id))
    {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    resp
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Only grievances at this status.
    #[param(value_type = Option<GrievanceStatus>, inline)]
    status: Option<GrievanceStatus>,
    /// Only those still open (received or in progress).
    open: Option<bool>,
}

/// The grievance log (viewer)
///
/// Every grievance, oldest first: received when, from whom, about what, by which channel,
/// handled by whom, answered when, outcome, status.
#[utoipa::path(
    get,
    path = "/api/grievances",
    tag = TAG_GRIEVANCES,
    operation_id = "listGrievances",
    params(ListQuery),
    responses(
        (status = 200, description = "The grievances", body = Vec<Grievance>, content_type = "application/json"),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the grievance log")?;
    let all = log::all(&state.register().snapshot())?;
    let rows: Vec<&Grievance> = all
        .iter()
        .map(|g| &g.record)
        .filter(|g| q.status.is_none_or(|s| g.fields.status == s))
        .filter(|g| q.open.is_none_or(|o| g.fields.status.is_open() == o))
        .collect();
    Ok(json_with_type(&rows, JSON))
}

/// Record a grievance (officer)
///
/// The register gives it an id (`g-<n>`); the answer carries its ETag for the next change.
#[utoipa::path(
    post,
    path = "/api/grievances",
    tag = TAG_GRIEVANCES,
    operation_id = "createGrievance",
    request_body(content = GrievanceInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored", body = Grievance, content_type = "application/json",
            headers(
                ("ETag" = String, description = "The grievance's version, for If-Match"),
                ("Location" = String, description = "The grievance's path"),
            ),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 422, response = docs::UnprocessableEntity),
        (status = 507, response = docs::InsufficientStorage),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "recording a grievance")?;
    let input: GrievanceInput = grievance_body(body)?;
    let data = state.dataset();
    let g = log::create(state.register(), &data, &caller.name, input)?;
    Ok(one(&g, StatusCode::CREATED))
}

/// The grievance log in counts (public)
///
/// How many grievances, per status and per village (the village of the parcel, household
/// or task it is about, else of the household that raised it). No text, no name.
#[utoipa::path(
    get,
    path = "/api/grievances/summary",
    tag = TAG_GRIEVANCES,
    operation_id = "grievanceSummary",
    responses(
        (status = 200, description = "Counts", body = Summary, content_type = "application/json"),
    ),
)]
async fn summary(State(state): State<AppState>) -> Result<Response, ApiError> {
    let data = state.dataset();
    let s = log::summary(&data, &state.register().snapshot())?;
    Ok(json_with_type(&s, JSON))
}

fn find(state: &AppState, id: &str) -> Result<Versioned<Grievance>, ApiError> {
    log::all(&state.register().snapshot())?
        .into_iter()
        .find(|g| g.record.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("no grievance `{id}`")))
}

/// One grievance (viewer)
#[utoipa::path(
    get,
    path = "/api/grievances/{grievanceId}",
    tag = TAG_GRIEVANCES,
    operation_id = "getGrievance",
    params(("grievanceId" = String, Path, description = "The grievance id")),
    responses(
        (status = 200, description = "The grievance", body = Grievance, content_type = "application/json",
            headers(("ETag" = String, description = "Its version, for If-Match"))),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the grievance log")?;
    Ok(one(&find(&state, &id)?, StatusCode::OK))
}

/// Change a grievance (officer)
///
/// The whole grievance as it is to be (taken up, answered, closed), with `If-Match` naming
/// the version read: 412 when it changed since, 428 without it.
#[utoipa::path(
    put,
    path = "/api/grievances/{grievanceId}",
    tag = TAG_GRIEVANCES,
    operation_id = "replaceGrievance",
    params(
        ("grievanceId" = String, Path, description = "The grievance id"),
        ("If-Match" = String, Header, pattern = r#"^(\*|(W/)?"[0-9A-Za-z-]*"(, ?(W/)?"[0-9A-Za-z-]*")*)$"#,
            description = "The ETag of the grievance as read (or `*`): 412 when it has changed since, 428 when missing"),
    ),
    request_body(content = GrievanceInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Stored", body = Grievance, content_type = "application/json",
            headers(("ETag" = String, description = "The new version"))),
        docs::EditRefusals,
        (status = 428, response = docs::PreconditionRequired),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "changing a grievance")?;
    let input: GrievanceInput = grievance_body(body)?;
    let expect = required_if_match(&headers)?;
    let data = state.dataset();
    let g = log::replace(state.register(), &data, &caller.name, &id, input, expect)?;
    Ok(one(&g, StatusCode::OK))
}

/// A grievance's history (viewer)
///
/// Every change, oldest first: seq, at (UTC), user, op, before, after.
#[utoipa::path(
    get,
    path = "/api/grievances/{grievanceId}/history",
    tag = TAG_GRIEVANCES,
    operation_id = "getGrievanceHistory",
    params(("grievanceId" = String, Path, description = "The grievance id")),
    responses(
        (status = 200, description = "The changes", body = Object, content_type = "application/json"),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Viewer, "the grievance log")?;
    let changes = state.register().history(log::TABLE, Some(&id));
    if changes.is_empty() && find(&state, &id).is_err() {
        return Err(ApiError::NotFound(format!("no grievance `{id}`")));
    }
    let changes: Vec<&crate::campaign::register::Change> = changes.iter().map(|c| &**c).collect();
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
        serde_json::to_vec(&serde_json::json!({ "id": id, "changes": changes }))?,
    )
        .into_response())
}
