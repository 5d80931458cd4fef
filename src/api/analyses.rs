//! `/api/analyses/route-impact` and `/api/canals/{id}/impact`: what a route takes, from
//! whom, and whom it serves.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use geo::{Geometry, LineString};
use serde::Deserialize;
use serde_json::Value;

use super::openapi::TAG_ANALYSES;
use super::params::{width_from_body, width_from_query};
use super::{ApiError, ApiJson, ApiQuery, AppState, GEOJSON, JSON, docs, json_with_type};
use crate::analysis::route::parse_route;
use crate::analysis::route_impact::{RouteImpact, route_impact, route_impact_with_strips};
use crate::auth::Caller;
use crate::model::LayerKind;
use crate::store::Dataset;

/// The analysis routes, each with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(route_impact_post))
        .routes(routes!(canal_impact))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    /// json, or geojson (the taken strips as a FeatureCollection); by the Accept header
    /// when absent.
    #[param(value_type = Option<docs::JsonOrGeoJson>, inline)]
    format: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CanalImpactQuery {
    /// The corridor's width in metres: from 0.1 to 200; 6 when absent.
    #[param(value_type = Option<f64>, minimum = 0.1, maximum = 200.0)]
    corridor_width_m: Option<String>,
    /// json, or geojson (the taken strips as a FeatureCollection); by the Accept header
    /// when absent.
    #[param(value_type = Option<docs::JsonOrGeoJson>, inline)]
    format: Option<String>,
}

/// The output the client asked for: `format=geojson|json`, else the Accept header.
fn wants_geojson(format: Option<&str>, headers: &HeaderMap) -> Result<bool, ApiError> {
    match format {
        Some("geojson") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::BadRequest(format!(
            "format=`{other}` is not one of json, geojson"
        ))),
        None => Ok(headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains(GEOJSON))),
    }
}

fn respond(impact: &RouteImpact, geojson: bool) -> Response {
    if geojson {
        json_with_type(&impact.to_geojson(), GEOJSON)
    } else {
        json_with_type(impact, JSON)
    }
}

/// Impact of a route
///
/// Parcels and m² taken, owners (for viewers and above), fences and gates, flood zones
/// crossed, served households. The route is buffered in VN-2000 / TM-3 (EPSG:9208) by half
/// the corridor width, with flat ends and round joins.
#[utoipa::path(
    post,
    path = "/api/analyses/route-impact",
    tag = TAG_ANALYSES,
    operation_id = "routeImpact",
    params(FormatQuery),
    request_body = docs::RouteImpactRequest,
    responses(
        (status = 200, description = "The route's impact; as GeoJSON, one Feature per taken strip", content(
            (docs::RouteImpactAnswer = "application/json"),
            (docs::ImpactFeatures = "application/geo+json"),
        )),
        (status = 400, response = docs::BadRequest),
        (status = 422, response = docs::UnprocessableEntity),
    )
)]
async fn route_impact_post(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<FormatQuery>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let geojson = wants_geojson(q.format.as_deref(), &headers)?;
    let data = state.dataset();
    let (line, width) = route_from_body(body, &data)?;
    let impact = impact_for(&caller, data, line, width, geojson).await?;
    Ok(respond(&impact, geojson))
}

/// Impact of a stored canal
#[utoipa::path(
    get,
    path = "/api/canals/{canalId}/impact",
    tag = TAG_ANALYSES,
    operation_id = "canalImpact",
    params(
        ("canalId" = String, Path, description = "The canal id"),
        CanalImpactQuery,
    ),
    responses(
        (status = 200, description = "The route's impact; as GeoJSON, one Feature per taken strip", content(
            (docs::RouteImpactAnswer = "application/json"),
            (docs::ImpactFeatures = "application/geo+json"),
        )),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
async fn canal_impact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CanalImpactQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let geojson = wants_geojson(q.format.as_deref(), &headers)?;
    let width = width_from_query(q.corridor_width_m.as_deref())?;
    let data = state.dataset();
    let line = canal_route(&data, &id)?;
    let impact = impact_for(&caller, data, line, width, geojson).await?;
    Ok(respond(&impact, geojson))
}

/// Reads a `{"route": …, "corridor_width_m": …}` body into a checked route and width.
pub fn route_from_body(body: Value, data: &Dataset) -> Result<(LineString, f64), ApiError> {
    let Value::Object(body) = body else {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object {\"route\": <LineString>, \"corridor_width_m\": <number>}".into(),
        ));
    };
    if let Some(k) = body
        .keys()
        .find(|k| !["route", "corridor_width_m"].contains(&k.as_str()))
    {
        return Err(ApiError::BadRequest(format!(
            "unknown field `{k}`; the body takes route and corridor_width_m"
        )));
    }
    let route = body
        .get("route")
        .ok_or_else(|| ApiError::BadRequest("the body has no `route`".into()))?;
    let line = parse_route(route, data)?;
    let width = width_from_body(body.get("corridor_width_m"))?;
    Ok((line, width))
}

/// The line of the stored canal `id`.
pub fn canal_route(data: &Dataset, id: &str) -> Result<LineString, ApiError> {
    match data.layer(LayerKind::Canals).get(id).map(|c| &c.geometry) {
        Some(Geometry::LineString(line)) => Ok(line.clone()),
        Some(_) => Err(ApiError::Internal(anyhow::anyhow!(
            "canal {id} is not a LineString"
        ))),
        None => Err(ApiError::NotFound(format!("no canal `{id}`"))),
    }
}

/// The impact of `line`, computed off the async workers, with personal fields removed for
/// a caller who may not see them; with the taken strips' geometries when `strips`.
pub async fn impact_for(
    caller: &Caller,
    data: Arc<Dataset>,
    line: LineString,
    width: f64,
    strips: bool,
) -> Result<RouteImpact, ApiError> {
    let mut impact = super::compute(move || {
        if strips {
            route_impact_with_strips(&data, &line, width)
        } else {
            route_impact(&data, &line, width)
        }
    })
    .await??;
    if !caller.sees_personal_data() {
        impact.redact_personal();
    }
    Ok(impact)
}
