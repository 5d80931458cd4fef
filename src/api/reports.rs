//! `/api/reports/…`: canal length, the piped-water campaign, household contributions,
//! monthly progress; each as JSON or, with `format=xlsx`, as an Excel workbook
//! ([`crate::export::reports`]). Who may see a report does not depend on its format.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use serde::Deserialize;

use super::auth::require;
use super::{ApiError, ApiQuery, AppState, JSON, json_with_type};
use crate::analysis::canal_length::{Grouping, canal_length};
use crate::analysis::contributions::{Kind, contributions};
use crate::analysis::water::water_connection;
use crate::auth::{Caller, Role};
use crate::export::sheet::Workbook;
use crate::export::{XLSX_MEDIA_TYPE, reports, xlsx};

/// The report routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/reports/canal-length", get(canal_length_report))
        .route("/api/reports/water-connection", get(water_report))
        .route("/api/reports/contributions", get(contributions_report))
        .route("/api/reports/monthly-progress", get(progress_report))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CanalLengthQuery {
    by: Option<String>,
    format: Option<String>,
}

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

/// A report's `format=`: `json` (the default) or `xlsx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReportFormat {
    Json,
    Xlsx,
}

impl ReportFormat {
    fn parse(s: Option<&str>) -> Result<ReportFormat, ApiError> {
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
fn to_xlsx(book: &Workbook, stem: &str) -> Result<Response, ApiError> {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    format: Option<String>,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContributionsQuery {
    kind: Option<String>,
    village: Option<String>,
    corridor_width_m: Option<String>,
    format: Option<String>,
}

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
