//! `GET /api/canals/{id}/posting`: the public posting list of the land a canal takes, as
//! JSON, a printable A4 page (HTML), a workbook (.xlsx) or CSV.
//!
//! Signed-in viewers and officers get every parcel and household with names; the public
//! gets the heading and the counts, in every format.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::analyses::{canal_route, route_from_body};
use super::auth::require;
use super::openapi::{TAG_GRIEVANCES, TAG_REPORTS};
use super::params::width_from_query;
use super::{ApiError, ApiJson, ApiQuery, AppState, JSON, docs, json_with_type};
use crate::analysis::posting::{Posting, PostingList, drawn_route_list, posting_list};
use crate::analysis::route_impact::route_impact;
use crate::auth::{Caller, Role};
use crate::campaign::postings::{self, PostingInput};
use crate::export::{XLSX_MEDIA_TYPE, posting as page, xlsx};

/// The posting-list routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(canal_posting))
        .routes(routes!(route_posting))
        .routes(routes!(list_postings, record_posting))
}

/// `format=` of the posting list.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostingFormat {
    /// JSON (the default).
    Json,
    /// A printable A4 page.
    Html,
    /// An Excel workbook.
    Xlsx,
    /// CSV of the parcel rows (the counts for the public).
    Csv,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PostingQuery {
    /// json (default), html, xlsx or csv.
    #[param(value_type = Option<PostingFormat>, inline)]
    format: Option<String>,
    /// The corridor's width in metres: from 0.1 to 200; 6 when absent.
    #[param(value_type = Option<f64>, minimum = 0.1, maximum = 200.0)]
    corridor_width_m: Option<String>,
}

/// The latest posting on record of `canal_id` (none until one is recorded).
pub fn latest_posting(state: &AppState, canal_id: &str) -> Result<Option<Posting>, ApiError> {
    Ok(postings::latest(&state.register().snapshot(), canal_id)?)
}

/// A posting as the caller may see it: who posted it and the note (free text, which may
/// name people) are withheld from the public.
fn shown(mut p: Posting, caller: &Caller) -> Posting {
    if !caller.sees_personal_data() {
        p.posted_by = None;
        p.note = None;
    }
    p
}

/// The postings of a canal's list
///
/// Every posting on record, oldest first: posting day, end of the comment period, places.
/// Who posted it only for viewers and above.
#[utoipa::path(
    get,
    path = "/api/canals/{canalId}/postings",
    tag = TAG_GRIEVANCES,
    operation_id = "listPostings",
    params(("canalId" = String, Path, description = "The canal id")),
    responses(
        (status = 200, description = "The postings", body = Vec<Posting>, content_type = "application/json"),
        (status = 404, response = docs::NotFound),
    ),
)]
async fn list_postings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    canal_route(&state.dataset(), &id)?;
    let all: Vec<Posting> = postings::of_canal(&state.register().snapshot(), &id)?
        .into_iter()
        .map(|p| shown(p, &caller))
        .collect();
    Ok(json_with_type(&all, JSON))
}

/// Record a posting of a canal's list (officer)
///
/// When and where the list was posted and until when comments are taken. The comment
/// period must end after the posting day; one shorter than the minimum of
/// data/clearance/posting.json (30 days, Land Law 2024 Art. 87.3a as cited, unverified)
/// is stored with a `warning`.
#[utoipa::path(
    post,
    path = "/api/canals/{canalId}/postings",
    tag = TAG_GRIEVANCES,
    operation_id = "recordPosting",
    params(("canalId" = String, Path, description = "The canal id")),
    request_body(content = PostingInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored: the posting, and a warning when the comment period is short", body = Object, content_type = "application/json"),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
        (status = 422, response = docs::UnprocessableEntity),
        (status = 507, response = docs::InsufficientStorage),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn record_posting(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    require(&caller, Role::Officer, "recording a posting")?;
    let input: PostingInput = super::grievances::from_body(body)?;
    canal_route(&state.dataset(), &id)?;
    let (posting, warning) = postings::record(state.register(), &caller.name, &id, input)?;
    let mut resp = json_with_type(
        &serde_json::json!({ "posting": posting, "warning": warning }),
        JSON,
    );
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}

/// The posting list of a canal
///
/// The land the canal takes per parcel (map sheet, parcel number, owner household and
/// head, land use, parcel area, m² taken, clearance step, donated or compensated) and per
/// household, under a heading with the commune, the canal, the latest posting on record
/// (posting date, end of the comment period, where it is posted). The m² are the canal's
/// route impact. `format=html` is a printable A4 page in Vietnamese, `xlsx` a workbook,
/// `csv` the parcel rows. The public gets the heading and the counts only.
#[utoipa::path(
    get,
    path = "/api/canals/{canalId}/posting",
    tag = TAG_REPORTS,
    operation_id = "canalPostingList",
    params(
        ("canalId" = String, Path, description = "The canal id"),
        PostingQuery,
    ),
    responses(
        (status = 200, description = "The posting list", content(
            (PostingList = "application/json"),
            (String = "text/html"),
            (String = "text/csv"),
        )),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
async fn canal_posting(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PostingQuery>,
) -> Result<Response, ApiError> {
    let format = checked_format(q.format.as_deref())?;
    let width = width_from_query(q.corridor_width_m.as_deref())?;
    let data = state.dataset();
    let line = canal_route(&data, &id)?;
    let posting = latest_posting(&state, &id)?;
    let list = super::compute(move || {
        route_impact(&data, &line, width).map(|impact| posting_list(&data, &id, &impact, posting))
    })
    .await??;
    let list = if caller.sees_personal_data() {
        list
    } else {
        list.public()
    };
    respond(&list, format)
}

/// The posting list of a drawn route
///
/// The list a route drawn on the map would have, as a draft to discuss before it is
/// adopted: the same parcels, households, m² and formats as a stored canal's, with no
/// posting on record. The body is the route-impact request. The public gets the counts.
#[utoipa::path(
    post,
    path = "/api/analyses/posting-list",
    tag = TAG_REPORTS,
    operation_id = "routePostingList",
    params(FormatOnly),
    request_body = docs::RouteImpactRequest,
    responses(
        (status = 200, description = "The posting list", content(
            (PostingList = "application/json"),
            (String = "text/html"),
            (String = "text/csv"),
        )),
        (status = 400, response = docs::BadRequest),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
async fn route_posting(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<FormatOnly>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let format = checked_format(q.format.as_deref())?;
    let data = state.dataset();
    let (line, width) = route_from_body(body, &data)?;
    let list = super::compute(move || {
        route_impact(&data, &line, width).map(|impact| drawn_route_list(&data, &impact))
    })
    .await??;
    let list = if caller.sees_personal_data() {
        list
    } else {
        list.public()
    };
    respond(&list, format)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FormatOnly {
    /// json (default), html, xlsx or csv.
    #[param(value_type = Option<PostingFormat>, inline)]
    format: Option<String>,
}

/// `format=`, checked: json (the default), html, xlsx or csv.
fn checked_format(format: Option<&str>) -> Result<&str, ApiError> {
    let format = format.unwrap_or("json");
    if matches!(format, "json" | "html" | "xlsx" | "csv") {
        Ok(format)
    } else {
        Err(ApiError::BadRequest(format!(
            "format=`{format}` is not one of json, html, xlsx, csv"
        )))
    }
}

/// The list in `format` (json, html, xlsx, csv).
pub fn respond(list: &PostingList, format: &str) -> Result<Response, ApiError> {
    let stem = format!("niem-yet-{}", list.heading.canal_id);
    let download = |bytes: Vec<u8>, media: &'static str, ext: &str| -> Result<Response, ApiError> {
        let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{ext}\""))
            .map_err(|e| ApiError::Internal(e.into()))?;
        Ok((
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(media)),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            bytes,
        )
            .into_response())
    };
    match format {
        "html" => {
            let csp = HeaderValue::from_str(&page::content_security_policy())
                .map_err(|e| ApiError::Internal(e.into()))?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/html; charset=utf-8"),
                    ),
                    (header::CONTENT_SECURITY_POLICY, csp),
                ],
                page::html(list),
            )
                .into_response())
        }
        "xlsx" => download(xlsx::write(&page::workbook(list))?, XLSX_MEDIA_TYPE, "xlsx"),
        "csv" => download(page::csv(list), "text/csv; charset=utf-8", "csv"),
        _ => Ok(json_with_type(list, JSON)),
    }
}
