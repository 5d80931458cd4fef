//! `/api/export/…` and `/api/dossier/…`: layers, filtered subsets and route-impact results
//! as downloadable files, and the dossier zip for a canal or a drawn route.
//!
//! Each answer is an attachment whose file name carries the CRS
//! (`parcels_EPSG9208.zip`), with a `Content-Crs` header naming it as well.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use super::analyses::{canal_route, impact_for, route_from_body};
use super::auth::require;
use super::ogc::crs::OgcCrs;
use super::ogc::is_personal;
use super::ogc::items::parse_bbox;
use super::{ApiError, ApiJson, ApiQuery, AppState};
use crate::auth::{Caller, Role};
use crate::export::{self, ExportCrs, ExportError, Format, Output};
use crate::model::LayerKind;
use crate::store::query::Selection;

/// The export and dossier routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/export/route-impact", post(route_impact_export))
        .route("/api/export/canals/{id}/impact", get(canal_impact_export))
        .route("/api/export/{collection}", get(layer_export))
        .route("/api/dossier/canals/{id}", get(canal_dossier))
        .route("/api/dossier", post(route_dossier))
}

type Pairs = Vec<(String, String)>;

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Empty(_) => ApiError::NotFound(e.to_string()),
            e if e.is_client_error() => ApiError::BadRequest(e.to_string()),
            e => ApiError::Internal(e.into()),
        }
    }
}

/// `format=` and `crs=` from the query; everything else is returned for the caller.
fn format_and_crs(q: Pairs) -> Result<(Format, ExportCrs, Pairs), ApiError> {
    let mut format = None;
    let mut crs = None;
    let mut rest = Vec::new();
    for (k, v) in q {
        match k.as_str() {
            "format" | "f" => format = Some(Format::parse(&v)?),
            "crs" => crs = Some(ExportCrs::parse(&v).map_err(ExportError::from)?),
            _ => rest.push((k, v)),
        }
    }
    let format = format.unwrap_or(Format::GeoJson);
    Ok((format, crs.unwrap_or(format.default_crs()), rest))
}

fn attachment(out: Output) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", out.file_name);
    let crs = format!("<{}>", out.crs.uri());
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(out.media_type),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition)
                .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
        ),
        (
            HeaderName::from_static("content-crs"),
            HeaderValue::from_str(&crs).unwrap_or_else(|_| HeaderValue::from_static("")),
        ),
    ];
    (headers, out.bytes).into_response()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ExportError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::from)
}

async fn layer_export(
    State(state): State<AppState>,
    caller: Caller,
    Path(collection): Path<String>,
    ApiQuery(q): ApiQuery<Pairs>,
) -> Result<Response, ApiError> {
    let kind = LayerKind::from_id(&collection).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no collection `{collection}`; export one of {}",
            LayerKind::ALL.map(LayerKind::id).join(", ")
        ))
    })?;
    let (format, crs, rest) = format_and_crs(q)?;
    let mut sel = Selection::default();
    let mut hatch = false;
    for (k, v) in rest {
        if k == "bbox" {
            sel.bbox = Some(parse_bbox(&v, OgcCrs::Crs84)?);
        } else if k == "hatch" {
            hatch = match v.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "hatch=`{v}`: use true or false"
                    )));
                }
            };
            if hatch && format != Format::Dxf {
                return Err(ApiError::BadRequest(
                    "hatch=true fills polygons in a drawing: it goes with format=dxf".into(),
                ));
            }
        } else {
            if is_personal(kind, &k) {
                require(
                    &caller,
                    Role::Viewer,
                    &format!("filtering {collection} on `{k}`"),
                )?;
            }
            sel.equals.push((k, v));
        }
    }
    let redact = !caller.sees_personal_data();
    let data = state.dataset();
    let out = blocking(move || {
        let mut table = export::layer_table(&data, kind, &sel);
        table.hatch = hatch;
        if redact {
            table.drop_properties(|name| is_personal(kind, name));
        }
        export::export(&table, format, crs)
    })
    .await?;
    Ok(attachment(out))
}

async fn route_impact_export(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Pairs>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let (format, crs, rest) = format_and_crs(q)?;
    refuse_extra(&rest, &[])?;
    let data = state.dataset();
    let (line, width) = route_from_body(body, &data)?;
    let impact = impact_for(&caller, data, line, width, true).await?;
    let out = blocking(move || export::impact_output(&impact, format, crs)).await?;
    Ok(attachment(out))
}

fn refuse_extra(rest: &Pairs, allowed: &[&str]) -> Result<(), ApiError> {
    match rest.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        Some((k, _)) => Err(ApiError::BadRequest(format!(
            "unknown query parameter `{k}`; this endpoint takes format, crs{}",
            allowed.iter().map(|a| format!(", {a}")).collect::<String>()
        ))),
        None => Ok(()),
    }
}

fn width_param(rest: &Pairs) -> Result<f64, ApiError> {
    let w = rest
        .iter()
        .find(|(k, _)| k == "corridor_width_m")
        .map(|(_, v)| v.as_str());
    super::params::width_from_query(w)
}

async fn canal_impact_export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<Pairs>,
) -> Result<Response, ApiError> {
    let (format, crs, rest) = format_and_crs(q)?;
    refuse_extra(&rest, &["corridor_width_m"])?;
    let width = width_param(&rest)?;
    let data = state.dataset();
    let line = canal_route(&data, &id)?;
    let impact = impact_for(&caller, data, line, width, true).await?;
    let out = blocking(move || export::impact_output(&impact, format, crs)).await?;
    Ok(attachment(out))
}

async fn canal_dossier(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<Pairs>,
) -> Result<Response, ApiError> {
    refuse_extra(&q, &["corridor_width_m"])?;
    let width = width_param(&q)?;
    let data = state.dataset();
    let line = canal_route(&data, &id)?;
    let tables = state.tables();
    let (d, canal) = (data.clone(), id.clone());
    let hydraulics = super::compute(move || {
        crate::analysis::hydraulics::dossier_hydraulics(
            super::hydraulics::inputs(&d),
            &tables,
            &canal,
        )
    })
    .await?
    .map_err(|e| ApiError::Internal(e.into()))?;
    dossier(&caller, data, id, line, width, Some(hydraulics)).await
}

async fn route_dossier(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let data = state.dataset();
    let (line, width) = route_from_body(body, &data)?;
    dossier(&caller, data, "route".into(), line, width, None).await
}

/// The dossier zip; for a caller who may not see personal data the land-taken tables
/// carry no owners (as the impact endpoints).
async fn dossier(
    caller: &Caller,
    data: std::sync::Arc<crate::store::Dataset>,
    name: String,
    line: geo::LineString,
    width: f64,
    hydraulics: Option<export::dossier::DossierHydraulics>,
) -> Result<Response, ApiError> {
    let impact = impact_for(caller, data.clone(), line.clone(), width, true).await?;
    let out = blocking(move || {
        export::dossier::dossier_with_hydraulics(&data, &name, &line, &impact, hydraulics.as_ref())
    })
    .await?;
    Ok(attachment(out))
}
