//! `/api/reports/…`: canal length, the piped-water campaign, household contributions,
//! monthly progress; each as JSON or, with `format=xlsx`, as an Excel workbook
//! ([`crate::export::reports`]). Who may see a report does not depend on its format.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::require;
use super::openapi::TAG_REPORTS;
use super::{ApiError, ApiQuery, AppState, JSON, docs, json_with_type};
use crate::analysis::canal_length::{Grouping, canal_length};
use crate::analysis::contributions::{Kind, contributions};
use crate::analysis::water::water_connection;
use crate::auth::{Caller, Role};
use crate::export::sheet::Workbook;
use crate::export::{XLSX_MEDIA_TYPE, reports, xlsx};

/// The report routes, each with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(canal_length_report))
        .routes(routes!(water_report))
        .routes(routes!(contributions_report))
        .routes(routes!(progress_report))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CanalLengthQuery {
    /// The grouping: `status` (the default), `village`, or `status,village`.
    #[param(value_type = Option<docs::LengthGrouping>, inline)]
    by: Option<String>,
    /// JSON (the default) or an Excel workbook.
    #[param(value_type = Option<ReportFormat>, inline)]
    format: Option<String>,
}

/// Metres of canal per status, village, or status and village
///
/// Lengths are geodesic on WGS84; a canal through two villages counts in each for the
/// part inside it.
#[utoipa::path(
    get,
    path = "/api/reports/canal-length",
    tag = TAG_REPORTS,
    operation_id = "canalLength",
    params(CanalLengthQuery),
    responses(
        (status = 200, description = "Rows with status, village_id, village, length_m, canals; and total_length_m", body = crate::analysis::canal_length::CanalLengthReport),
        (status = 400, response = docs::BadRequest),
    )
)]
async fn canal_length_report(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CanalLengthQuery>,
) -> Result<Response, ApiError> {
    let by = match q.by.as_deref() {
        None => Grouping::Status,
        Some(s) => Grouping::parse(s).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "by=`{s}` is not a grouping; use status, village or status,village"
            ))
        })?,
    };
    let data = state.dataset();
    let format = ReportFormat::parse(q.format.as_deref())?;
    let report = canal_length(&data, by)?;
    match format {
        ReportFormat::Json => to_json(&report),
        ReportFormat::Xlsx => to_xlsx(&reports::canal_length(&report), "canal_length"),
    }
}

/// A report's `format=`: `json` (the default) or `xlsx` (`excel` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// JSON.
    Json,
    /// An Excel workbook, totals as formulas.
    Xlsx,
}

impl ReportFormat {
    pub(super) fn parse(s: Option<&str>) -> Result<ReportFormat, ApiError> {
        match s.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            None | Some("json") => Ok(ReportFormat::Json),
            Some("xlsx" | "excel") => Ok(ReportFormat::Xlsx),
            Some(_) => Err(ApiError::BadRequest(format!(
                "format=`{}` is not one of json, xlsx",
                s.unwrap_or_default()
            ))),
        }
    }
}

/// The workbook as a download named `<stem>.xlsx`.
pub(super) fn to_xlsx(book: &Workbook, stem: &str) -> Result<Response, ApiError> {
    let bytes = xlsx::write(book)?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.xlsx\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(XLSX_MEDIA_TYPE),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    /// JSON (the default) or an Excel workbook.
    #[param(value_type = Option<ReportFormat>, inline)]
    format: Option<String>,
}

/// Piped-water registration per village and for the commune
///
/// Counts dwellings: a dwelling is registered when any of its households is registered
/// or connected.
#[utoipa::path(
    get,
    path = "/api/reports/water-connection",
    tag = TAG_REPORTS,
    operation_id = "waterConnection",
    params(FormatQuery),
    responses(
        (status = 200, description = "Households, dwellings, registered, connected, rate, target_rate, dwellings_to_target", body = crate::analysis::water::WaterReport),
        (status = 400, response = docs::BadRequest),
    )
)]
async fn water_report(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = ReportFormat::parse(q.format.as_deref())?;
    let data = state.dataset();
    let report = water_connection(&data, &commune_name(&data));
    match format {
        ReportFormat::Json => to_json(&report),
        ReportFormat::Xlsx => to_xlsx(&reports::water_connection(&report), "water_connection"),
    }
}

/// The commune's name, from the villages' `commune` property.
pub fn commune_name(data: &crate::store::Dataset) -> String {
    data.villages
        .features
        .iter()
        .find_map(|f| f.properties.get("commune").and_then(|v| v.as_str()))
        .unwrap_or("commune")
        .to_owned()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ContributionsQuery {
    /// Land, labour or money (all when absent).
    #[param(value_type = Option<crate::analysis::contributions::Kind>, inline)]
    kind: Option<String>,
    /// A village id or name.
    village: Option<String>,
    /// The width of the corridor of the canals to be built whose parcels' owners count
    /// as not agreed, metres: from 0.1 to 200; 6 when absent.
    #[param(value_type = Option<f64>, minimum = 0.1, maximum = 200.0)]
    corridor_width_m: Option<String>,
    /// JSON (the default) or an Excel workbook.
    #[param(value_type = Option<ReportFormat>, inline)]
    format: Option<String>,
}

/// Household contributions and who has not agreed (viewer)
///
/// Land, labour and money, pledged and done, per household; and the households owning
/// parcels along canals to be built that have not agreed to give land.
#[utoipa::path(
    get,
    path = "/api/reports/contributions",
    tag = TAG_REPORTS,
    operation_id = "contributions",
    params(ContributionsQuery),
    responses(
        (status = 200, description = "households, totals, not_agreed", body = crate::analysis::contributions::ContributionReport),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
    ),
    security(("basic" = []), ("bearer" = [])),
)]
async fn contributions_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ContributionsQuery>,
) -> Result<Response, ApiError> {
    require(
        &caller,
        Role::Viewer,
        "the contributions report (household names)",
    )?;
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            Kind::parse(k).ok_or_else(|| {
                ApiError::BadRequest(format!("kind=`{k}` is not one of land, labour, money"))
            })
        })
        .transpose()?;
    let width = super::params::width_from_query(q.corridor_width_m.as_deref())?;
    let format = ReportFormat::parse(q.format.as_deref())?;
    let data = state.dataset();
    let report = contributions(&data, kind, q.village.as_deref(), width)?;
    match format {
        ReportFormat::Json => to_json(&report),
        ReportFormat::Xlsx => to_xlsx(&reports::contributions(&report), "contributions"),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Response, ApiError> {
    let v = serde_json::to_value(value)?;
    Ok(json_with_type(&v, JSON))
}

/// Month-by-month progress from the change history
///
/// Months are calendar months in Vietnam (Asia/Ho_Chi_Minh, UTC+7): an edit saved at
/// 2026-11-30T18:00Z counts in 2026-12. Canal metres, clearance steps and contributions
/// count in the month of the date the officer entered for them (the one-step change's
/// `date`, or a `status_date`, `clearance_date` or `contribution_date` an OGC API edit
/// changed with them), else in the month the edit was saved; `edits` and the water
/// figures (the state at the month's end) follow the save. The response's `month_basis`
/// says so.
#[utoipa::path(
    get,
    path = "/api/reports/monthly-progress",
    tag = TAG_REPORTS,
    operation_id = "monthlyProgress",
    params(FormatQuery),
    responses(
        (status = 200, description = "month_basis, water_rate_at_start and months", body = crate::analysis::progress::ProgressReport),
        (status = 400, response = docs::BadRequest),
    )
)]
async fn progress_report(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = ReportFormat::parse(q.format.as_deref())?;
    // Kept up to date edit by edit: as cheap as the number of months.
    let report = state.store().progress();
    match format {
        ReportFormat::Json => to_json(&report),
        ReportFormat::Xlsx => to_xlsx(&reports::monthly_progress(&report), "monthly_progress"),
    }
}
