//! `/api/export/…` and `/api/dossier/…`: layers, filtered subsets and route-impact results
//! as downloadable files, and the dossier zip for a canal or a drawn route.
//!
//! Each answer is an attachment whose file name carries the CRS
//! (`parcels_EPSG9208.zip`), with a `Content-Crs` header naming it as well.

use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::analyses::{canal_route, impact_for, route_from_body};
use super::auth::require;
use super::ogc::is_personal;
use super::ogc::items::parse_bbox;
use super::openapi::TAG_EXPORT;
use super::{ApiError, ApiJson, ApiQuery, AppState, docs};
use crate::auth::{Caller, Role};
use crate::crs::Crs;
use crate::export::{self, ExportError, Format, Output};
use crate::model::LayerKind;
use crate::store::query::Selection;

/// The export and dossier routes, each with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(route_impact_export))
        .routes(routes!(canal_impact_export))
        .routes(routes!(layer_export))
        .routes(routes!(canal_dossier))
        .routes(routes!(route_dossier))
}

type Pairs = Vec<(String, String)>;

/// `format=` and `crs=` from the query; everything else is returned for the caller.
fn format_and_crs(q: Pairs) -> Result<(Format, Crs, Pairs), ApiError> {
    let mut format = None;
    let mut crs = None;
    let mut rest = Vec::new();
    for (k, v) in q {
        match k.as_str() {
            "format" | "f" => format = Some(Format::parse(&v)?),
            "crs" => crs = Some(Crs::parse(&v).map_err(ExportError::from)?),
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
    Ok(tokio::task::spawn_blocking(f).await??)
}

/// Download a layer, or a filtered part of it, as a file
///
/// Besides the parameters below, any property filters by equality (`?status=planned`);
/// a personal property needs a viewer. Personal properties are left out for the public.
#[utoipa::path(
    get,
    path = "/api/export/{collectionId}",
    tag = TAG_EXPORT,
    operation_id = "exportLayer",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        ("format" = Option<docs::ExportFormat>, Query, description = "The file format (geojson by default)"),
        ("crs" = Option<docs::ExportCrsName>, Query, description = "The CRS of the file (the format's default when absent)"),
        ("bbox" = Option<Vec<f64>>, Query, style = Form, explode = false, min_items = 4, max_items = 6,
            description = "minlon,minlat,maxlon,maxlat in CRS84; minx ≤ maxx, miny ≤ maxy"),
        ("hatch" = Option<bool>, Query,
            description = "With format=dxf: fill each polygon with a see-through solid hatch on a `<layer>_hatch` layer (parcels by clearance step); true with another format is a 400"),
    ),
    responses(
        (status = 200, description = "The file, as an attachment whose name carries the CRS; in the media type of the format", body = Vec<u8>,
            headers(
                ("Content-Disposition" = String, description = "attachment; filename=\"…\""),
                ("Content-Crs" = String, description = "The CRS of the file, as `<URI>`"),
            ),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
    )
)]
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
            sel.bbox = Some(parse_bbox(&v, Crs::Wgs84)?);
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

/// Download the taken strips of a route with their impact attributes
#[utoipa::path(
    post,
    path = "/api/export/route-impact",
    tag = TAG_EXPORT,
    operation_id = "exportRouteImpact",
    params(
        ("format" = Option<docs::ExportFormat>, Query, description = "The file format (geojson by default)"),
        ("crs" = Option<docs::ExportCrsName>, Query, description = "The CRS of the file (the format's default when absent)"),
    ),
    request_body = docs::RouteImpactRequest,
    responses(
        (status = 200, description = "The file, as an attachment whose name carries the CRS; in the media type of the format", body = Vec<u8>,
            headers(
                ("Content-Disposition" = String, description = "attachment; filename=\"…\""),
                ("Content-Crs" = String, description = "The CRS of the file, as `<URI>`"),
            ),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
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

/// Download the taken strips of a stored canal
#[utoipa::path(
    get,
    path = "/api/export/canals/{canalId}/impact",
    tag = TAG_EXPORT,
    operation_id = "exportCanalImpact",
    params(
        ("canalId" = String, Path, description = "The canal id"),
        ("format" = Option<docs::ExportFormat>, Query, description = "The file format (geojson by default)"),
        ("crs" = Option<docs::ExportCrsName>, Query, description = "The CRS of the file (the format's default when absent)"),
        ("corridor_width_m" = Option<f64>, Query, minimum = 0.1, maximum = 200.0, description = "The corridor's width in metres: from 0.1 to 200; 6 when absent"),
    ),
    responses(
        (status = 200, description = "The file, as an attachment whose name carries the CRS; in the media type of the format", body = Vec<u8>,
            headers(
                ("Content-Disposition" = String, description = "attachment; filename=\"…\""),
                ("Content-Crs" = String, description = "The CRS of the file, as `<URI>`"),
            ),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
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

/// The engineering dossier of a stored canal
///
/// One zip with DXF, Shapefile, alignment and land-taken tables in VN-2000; the
/// land-taken tables carry no owners for the public.
#[utoipa::path(
    get,
    path = "/api/dossier/canals/{canalId}",
    tag = TAG_EXPORT,
    operation_id = "canalDossier",
    params(
        ("canalId" = String, Path, description = "The canal id"),
        ("corridor_width_m" = Option<f64>, Query, minimum = 0.1, maximum = 200.0, description = "The corridor's width in metres: from 0.1 to 200; 6 when absent"),
    ),
    responses(
        (status = 200, description = "The dossier: one zip with DXF, Shapefile, alignment and land-taken tables in VN-2000", body = Vec<u8>, content_type = "application/zip",
            headers(
                ("Content-Disposition" = String, description = "attachment; filename=\"…\""),
                ("Content-Crs" = String, description = "The CRS of the drawings, as `<URI>`"),
            ),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
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

/// The engineering dossier of a drawn route
#[utoipa::path(
    post,
    path = "/api/dossier",
    tag = TAG_EXPORT,
    operation_id = "routeDossier",
    request_body = docs::RouteImpactRequest,
    responses(
        (status = 200, description = "The dossier: one zip with DXF, Shapefile, alignment and land-taken tables in VN-2000", body = Vec<u8>, content_type = "application/zip",
            headers(
                ("Content-Disposition" = String, description = "attachment; filename=\"…\""),
                ("Content-Crs" = String, description = "The CRS of the drawings, as `<URI>`"),
            ),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
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
