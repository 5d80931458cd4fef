//! `/api/analyses/route-impact` and `/api/canals/{id}/impact`: what a route takes, from
//! whom, and whom it serves.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use geo::Geometry;
use serde::Deserialize;
use serde_json::Value;

use super::{ApiError, ApiJson, ApiQuery, AppState, GEOJSON, JSON, json_with_type};
use crate::analysis::route::{parse_route, parse_width};
use crate::analysis::route_impact::{RouteImpact, route_impact};
use crate::auth::Caller;
use crate::model::LayerKind;

/// The analysis routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/analyses/route-impact", post(route_impact_post))
        .route("/api/canals/{id}/impact", get(canal_impact))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    format: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CanalImpactQuery {
    corridor_width_m: Option<String>,
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
        json_with_type(&impact.to_json(), JSON)
    }
}

async fn route_impact_post(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<FormatQuery>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let geojson = wants_geojson(q.format.as_deref(), &headers)?;
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
    let data = state.dataset();
    let line = parse_route(route, &data).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let width = parse_width(body.get("corridor_width_m"))
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let mut impact = tokio::task::spawn_blocking(move || route_impact(&data, &line, width))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(e.into()))?;
    if !caller.sees_personal_data() {
        impact.redact_personal();
    }
    Ok(respond(&impact, geojson))
}

async fn canal_impact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CanalImpactQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let geojson = wants_geojson(q.format.as_deref(), &headers)?;
    let width = parse_width(q.corridor_width_m.map(Value::String).as_ref())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let data = state.dataset();
    let canal = data
        .layer(LayerKind::Canals)
        .get(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no canal `{id}`")))?;
    let Geometry::LineString(line) = canal.geometry.clone() else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "canal {id} is not a LineString"
        )));
    };
    let mut impact = tokio::task::spawn_blocking(move || route_impact(&data, &line, width))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(e.into()))?;
    if !caller.sees_personal_data() {
        impact.redact_personal();
    }
    Ok(respond(&impact, geojson))
}
