//! OGC API – Features over the five layers, read-only: Part 1 core with GeoJSON and
//! OpenAPI 3.0, and Part 2 (output and bbox in VN-2000 as well as CRS84), so that GDAL's
//! OAPIF driver and QGIS open the layers with no plug-in.
//!
//! - `/` landing page (JSON, or the map page for a browser), `/conformance`;
//! - `/collections`, `/collections/{id}`, `/collections/{id}/queryables` (what `items`
//!   filters on) and `/collections/{id}/schema` (every property, for `rel=describedby`);
//! - `/collections/{id}/items` and `/collections/{id}/items/{fid}` ([`items`]).
//!
//! Every path also answers with a trailing slash, and HEAD as GET. Links are absolute,
//! built from the request's `Host` (and `X-Forwarded-Host`/`-Proto` behind a proxy).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{OPENAPI_JSON, TAG_OGC};
use super::{ApiError, ApiQuery, AppState, GEOJSON, JSON, docs, json_with_type};
use crate::auth::Caller;
use crate::model::LayerKind;
use crate::store::Layer;

pub mod geojson;
pub mod items;

use crate::crs::{CRS84_URI, Crs};
use geojson::Link;

/// Media type of a JSON Schema (queryables).
pub const SCHEMA_JSON: &str = "application/schema+json";

/// The conformance classes implemented. Part 3 (filter/CQL2) and Part 4 (editing) are not:
/// declaring them would make QGIS send filters or offer editing that cannot work.
pub const CONFORMANCE: [&str; 5] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    // POST, PUT, PATCH and DELETE on items work (for officers), so QGIS may offer editing.
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
];

/// The OGC API – Features routes, each with its documentation; the same paths with a
/// trailing slash are aliases.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(landing))
        .routes(routes!(conformance))
        .route("/conformance/", get(conformance))
        .routes(routes!(collections))
        .route("/collections/", get(collections))
        .routes(routes!(collection))
        .route("/collections/{collectionId}/", get(collection))
        .routes(routes!(queryables))
        .route("/collections/{collectionId}/queryables/", get(queryables))
        .routes(routes!(schema))
        .route("/collections/{collectionId}/schema/", get(schema))
        .routes(routes!(items::items))
        .route("/collections/{collectionId}/items/", get(items::items))
        .routes(routes!(items::item))
}

/// The layer behind a collection id, or a 404 that lists the collections.
pub fn collection_kind(id: &str) -> Result<LayerKind, ApiError> {
    LayerKind::from_id(id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no collection `{id}`; the collections are {}",
            LayerKind::ALL.map(LayerKind::id).join(", ")
        ))
    })
}

pub use crate::model::schema::is_personal;

/// The layer to redact for `caller`, if any: `Some(kind)` when personal properties of
/// `kind` must be hidden.
pub fn redaction(kind: LayerKind, caller: &Caller) -> Option<LayerKind> {
    (!caller.sees_personal_data()).then_some(kind)
}

/// `scheme://host` of the request, for absolute links; empty (links relative to the
/// server root) when the request names no host.
pub fn base_url(headers: &HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(',').next().unwrap_or("").trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let Some(host) = get("x-forwarded-host").or_else(|| get("host")) else {
        return String::new();
    };
    let scheme = get("x-forwarded-proto").unwrap_or_else(|| "http".into());
    format!("{scheme}://{host}")
}

/// Parameters of the metadata resources: only `f=json`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FormatOnly {
    /// The encoding: JSON, the only one offered.
    #[param(value_type = Option<docs::JsonOnly>, inline)]
    f: Option<String>,
}

fn json_only(q: &FormatOnly) -> Result<(), ApiError> {
    match q.f.as_deref() {
        None | Some("json") => Ok(()),
        Some(other) => Err(ApiError::BadRequest(format!(
            "f=`{other}` is not offered here; use f=json"
        ))),
    }
}

/// What the landing page answers with.
#[derive(Debug, PartialEq, Eq)]
enum Landing {
    Json,
    Html,
}

/// JSON unless the client asks for HTML: by `f=html`, or by an `Accept` header that ranks
/// `text/html` at least as high as `application/json` (a browser). GDAL and QGIS send
/// `Accept: application/json`.
fn landing_format(f: Option<&str>, accept: Option<&str>) -> Result<Landing, ApiError> {
    match f {
        Some("json") => return Ok(Landing::Json),
        Some("html") => return Ok(Landing::Html),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "f=`{other}` is not offered; use f=json or f=html"
            )));
        }
        None => {}
    }
    let Some(accept) = accept else {
        return Ok(Landing::Json);
    };
    let quality = |wanted: &str| {
        accept
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';');
                let media = parts.next()?.trim();
                if !media.eq_ignore_ascii_case(wanted) {
                    return None;
                }
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some(q)
            })
            .fold(None, |best: Option<f32>, q| {
                Some(best.map_or(q, |b| b.max(q)))
            })
    };
    match (quality("text/html"), quality("application/json")) {
        (Some(h), json) if h > 0.0 && h >= json.unwrap_or(0.0) => Ok(Landing::Html),
        _ => Ok(Landing::Json),
    }
}

/// Landing page
///
/// JSON for clients; the map page for a browser: `f=html`, or an `Accept` header that
/// ranks `text/html` at least as high as `application/json`.
#[utoipa::path(
    get,
    path = "/",
    tag = TAG_OGC,
    operation_id = "getLandingPage",
    params(("f" = inline(Option<docs::JsonOrHtml>), Query, description = "json or html; by the Accept header when absent")),
    responses(
        (status = 200, description = "Links to the API (JSON), or the map page (HTML)", content(
            (docs::LandingPage = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, response = docs::BadRequest),
    )
)]
async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<FormatOnly>,
) -> Result<Response, ApiError> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    if landing_format(q.f.as_deref(), accept)? == Landing::Html {
        return Ok(map_page(&state).await);
    }
    let base = base_url(&headers);
    let doc = json!({
        "title": "drainplan — Quỳnh Liên",
        "description": "Drainage canals, cadastral parcels, flooded areas, villages and households \
            of Quỳnh Liên commune (Hoàng Mai, Nghệ An), served as OGC API – Features. \
            Coordinates are CRS84 unless crs= asks for VN-2000 (EPSG:9208 or EPSG:3405). \
            Reports and analyses are under /api/.",
        "links": [
            Link::new(format!("{base}/"), "self", JSON).titled("This document"),
            Link::new(format!("{base}/?f=html"), "alternate", "text/html").titled("The map"),
            Link::new(format!("{base}/api/openapi.json"), "service-desc", OPENAPI_JSON)
                .titled("The API definition (OpenAPI 3.0)"),
            Link::new(format!("{base}/conformance"), "conformance", JSON)
                .titled("Conformance classes implemented"),
            Link::new(format!("{base}/collections"), "data", JSON).titled("The five layers"),
        ],
    });
    Ok(json_with_type(&doc, JSON))
}

/// `index.html` of the web directory, or a small page with a link to the collections.
async fn map_page(state: &AppState) -> Response {
    let html_type = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    )];
    match tokio::fs::read(state.web_dir.join("index.html")).await {
        Ok(bytes) => (html_type, bytes).into_response(),
        Err(_) => (
            html_type,
            "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
             <title>drainplan — Quỳnh Liên</title></head>\n<body><h1>drainplan — Quỳnh Liên</h1>\
             <p>The map page is not installed. The layers are at \
             <a href=\"/collections\">/collections</a>; the API is described at \
             <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p></body></html>\n",
        )
            .into_response(),
    }
}

/// Conformance classes
#[utoipa::path(
    get,
    path = "/conformance",
    tag = TAG_OGC,
    operation_id = "getConformance",
    params(FormatOnly),
    responses(
        (status = 200, description = "The conformance classes implemented", body = docs::Conformance),
        (status = 400, response = docs::BadRequest),
    )
)]
async fn conformance(ApiQuery(q): ApiQuery<FormatOnly>) -> Result<Response, ApiError> {
    json_only(&q)?;
    Ok(json_with_type(&json!({ "conformsTo": CONFORMANCE }), JSON))
}

/// What a collection holds, for its `description`.
fn description(kind: LayerKind) -> &'static str {
    match kind {
        LayerKind::Villages => {
            "Village (thôn) boundaries: name, code, the year's piped-water target."
        }
        LayerKind::Canals => {
            "Drainage canal sections (LineString): name, status (existing, completed, \
             under_construction, planned, proposed), village, funding, width_m, year; \
             length_m is the geodesic length on WGS84, computed by the server."
        }
        LayerKind::Parcels => {
            "Cadastral parcels: map sheet (tờ bản đồ), parcel number (số thửa), land-use code, \
             owner household, site-clearance status, fence and gate on the frontage."
        }
        LayerKind::FloodZones => {
            "Residential areas flooded in the rainy season: village, typical depth_m, duration, \
             frequency."
        }
        LayerKind::Catchments => {
            "Drainage catchments (Polygon), each draining into one canal (drains_to) at a \
             named point (drains_at); optional surface_time_min, gutter_time_min, \
             overland_length_m, slope_percent. Its runoff coefficient is computed from the \
             parcels inside it (/api/analyses/hydraulics)."
        }
        LayerKind::Households => {
            "Households as the point of their dwelling: head, village, dwelling, piped-water \
             status, contributions (land m², labour days, money VND; pledged and done)."
        }
    }
}

/// The `/collections/{id}` document of one layer.
fn collection_doc(kind: LayerKind, layer: &Layer, base: &str) -> Value {
    let id = kind.id();
    let href = format!("{base}/collections/{id}");
    let mut doc = json!({
        "id": id,
        "title": kind.title(),
        "description": description(kind),
        "itemType": "feature",
        "crs": Crs::OFFERED_BY_API.map(Crs::uri),
        "storageCrs": CRS84_URI,
        "links": [
            Link::new(href.clone(), "self", JSON).titled(kind.title()),
            Link::new(format!("{href}/items"), "items", GEOJSON).titled("The features (GeoJSON)"),
            Link::new(format!("{href}/queryables"), "queryables", SCHEMA_JSON)
                .titled("Properties that can be filtered on with property=value"),
            Link::new(
                format!("{href}/queryables"),
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                SCHEMA_JSON,
            )
            .titled("Properties that can be filtered on with property=value"),
            Link::new(format!("{href}/schema"), "describedby", SCHEMA_JSON)
                .titled("JSON Schema of the features"),
            // GDAL up to 3.6 matches this spelling only (link relations are case-insensitive).
            Link::new(format!("{href}/schema"), "describedBy", SCHEMA_JSON)
                .titled("JSON Schema of the features"),
        ],
    });
    if let Some(e) = layer.extent() {
        doc["extent"] = json!({"spatial": {
            "bbox": [[e.min().x, e.min().y, e.max().x, e.max().y]],
            "crs": CRS84_URI,
        }});
    }
    doc
}

/// The five layers
#[utoipa::path(
    get,
    path = "/collections",
    tag = TAG_OGC,
    operation_id = "getCollections",
    params(FormatOnly),
    responses(
        (status = 200, description = "Each layer with its extent, CRSs and links", body = docs::Collections),
        (status = 400, response = docs::BadRequest),
    )
)]
async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<FormatOnly>,
) -> Result<Response, ApiError> {
    json_only(&q)?;
    let data = state.dataset();
    let base = base_url(&headers);
    let list: Vec<Value> = LayerKind::ALL
        .into_iter()
        .map(|k| collection_doc(k, data.layer(k), &base))
        .collect();
    let doc = json!({
        "links": [Link::new(format!("{base}/collections"), "self", JSON).titled("The five layers")],
        "collections": list,
    });
    Ok(json_with_type(&doc, JSON))
}

/// One layer
#[utoipa::path(
    get,
    path = "/collections/{collectionId}",
    tag = TAG_OGC,
    operation_id = "describeCollection",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        FormatOnly,
    ),
    responses(
        (status = 200, description = "The layer with its extent, CRSs and links", body = docs::Collection),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FormatOnly>,
) -> Result<Response, ApiError> {
    let kind = collection_kind(&id)?;
    json_only(&q)?;
    let data = state.dataset();
    Ok(json_with_type(
        &collection_doc(kind, data.layer(kind), &base_url(&headers)),
        JSON,
    ))
}

/// The names of a layer's stored properties, from its table (for filters).
pub fn layer_properties(kind: LayerKind) -> Vec<&'static str> {
    crate::model::schema::properties(kind)
        .iter()
        .filter(|p| !p.computed)
        .map(|p| p.name)
        .collect()
}

/// What a property schema lists.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SchemaKind {
    /// The stored properties, which `items` filters on.
    Queryables,
    /// Every property a feature is served with, computed ones included.
    Features,
}

/// The JSON Schema of a layer's properties, from the layer's table
/// ([`crate::model::schema`]): every property with its type, range and allowed values,
/// personal ones only for callers who may see them, computed ones only in the feature
/// schema (read-only).
fn properties_schema(
    kind: LayerKind,
    base: &str,
    which: SchemaKind,
    redact: Option<LayerKind>,
) -> Value {
    use crate::model::schema::{ValueKind, properties as table};
    let mut properties = Map::new();
    for spec in table(kind) {
        if redact.is_some() && spec.personal {
            continue;
        }
        if spec.computed && which == SchemaKind::Queryables {
            continue;
        }
        let mut schema = Map::new();
        schema.insert("title".into(), Value::String(spec.name.into()));
        schema.insert("description".into(), Value::String(spec.description.into()));
        match spec.kind {
            ValueKind::Text | ValueKind::Id(_) => {
                schema.insert("type".into(), "string".into());
            }
            ValueKind::Date => {
                schema.insert("type".into(), "string".into());
                schema.insert("format".into(), "date".into());
            }
            ValueKind::Boolean => {
                schema.insert("type".into(), "boolean".into());
            }
            ValueKind::Integer { min, max } => {
                schema.insert("type".into(), "integer".into());
                schema.insert("minimum".into(), min.into());
                schema.insert("maximum".into(), max.into());
            }
            ValueKind::Number {
                min,
                min_exclusive,
                max,
            } => {
                schema.insert("type".into(), "number".into());
                let bound = if min_exclusive {
                    "exclusiveMinimum"
                } else {
                    "minimum"
                };
                schema.insert(bound.into(), json!(min));
                schema.insert("maximum".into(), json!(max));
            }
            ValueKind::Enum(names) => {
                schema.insert("type".into(), "string".into());
                schema.insert("enum".into(), json!(names));
            }
            ValueKind::Sha256 => {
                schema.insert("type".into(), "string".into());
                schema.insert("pattern".into(), "^[0-9a-f]{64}$".into());
            }
        }
        if spec.computed {
            schema.insert("readOnly".into(), Value::Bool(true));
        }
        properties.insert(spec.name.into(), Value::Object(schema));
    }
    let (path, description) = match which {
        SchemaKind::Queryables => (
            "queryables",
            "Filter the items with ?name=value (equality; numbers compare numerically, \
             booleans as true/false, null matches a missing value).",
        ),
        SchemaKind::Features => (
            "schema",
            "The properties of the features as served; length_m of a canal is computed \
             by the server (geodesic, metres) and cannot be filtered on.",
        ),
    };
    let id = format!("{base}/collections/{}/{path}", kind.id());
    match which {
        SchemaKind::Queryables => json!({
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": id,
            "type": "object",
            "title": kind.title(),
            "description": description,
            "properties": properties,
            "additionalProperties": false,
        }),
        // A schema of the whole GeoJSON Feature, as GDAL's OAPIF driver reads it: the
        // fields are the members of `properties.properties`.
        SchemaKind::Features => json!({
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": id,
            "type": "object",
            "title": kind.title(),
            "description": description,
            "required": ["type", "id", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string"},
                "geometry": {"$ref": geometry_schema(kind)},
                "properties": {
                    "type": "object",
                    "properties": properties,
                },
            },
        }),
    }
}

/// The GeoJSON schema of a layer's geometry type.
fn geometry_schema(kind: LayerKind) -> &'static str {
    match kind {
        LayerKind::Canals => "https://geojson.org/schema/LineString.json",
        LayerKind::Households => "https://geojson.org/schema/Point.json",
        LayerKind::Villages
        | LayerKind::Parcels
        | LayerKind::FloodZones
        | LayerKind::Catchments => "https://geojson.org/schema/MultiPolygon.json",
    }
}

/// Properties that can be filtered on
///
/// The stored properties of the layer, which `items` filters on with `property=value`
/// (personal ones left out for the public).
#[utoipa::path(
    get,
    path = "/collections/{collectionId}/queryables",
    tag = TAG_OGC,
    operation_id = "getQueryables",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        FormatOnly,
    ),
    responses(
        (status = 200, description = "A JSON Schema of the queryables", body = docs::JsonSchema, content_type = SCHEMA_JSON),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
async fn queryables(
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FormatOnly>,
) -> Result<Response, ApiError> {
    let kind = collection_kind(&id)?;
    json_only(&q)?;
    let doc = properties_schema(
        kind,
        &base_url(&headers),
        SchemaKind::Queryables,
        redaction(kind, &caller),
    );
    Ok(json_with_type(&doc, SCHEMA_JSON))
}

/// The features' schema
///
/// Every property of the features as served, computed ones included: what GDAL reads
/// (`rel=describedby`) to know every field before it has seen every feature; without it,
/// a property that first appears after the first page is lost.
#[utoipa::path(
    get,
    path = "/collections/{collectionId}/schema",
    tag = TAG_OGC,
    operation_id = "getSchema",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        FormatOnly,
    ),
    responses(
        (status = 200, description = "A JSON Schema of the layer's features", body = docs::JsonSchema, content_type = SCHEMA_JSON),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
async fn schema(
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FormatOnly>,
) -> Result<Response, ApiError> {
    let kind = collection_kind(&id)?;
    json_only(&q)?;
    let doc = properties_schema(
        kind,
        &base_url(&headers),
        SchemaKind::Features,
        redaction(kind, &caller),
    );
    Ok(json_with_type(&doc, SCHEMA_JSON))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_html_and_clients_get_json() {
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(
            landing_format(None, Some(firefox)).ok(),
            Some(Landing::Html)
        );
        assert_eq!(
            landing_format(None, Some("application/json")).ok(),
            Some(Landing::Json)
        );
        assert_eq!(landing_format(None, None).ok(), Some(Landing::Json));
        assert_eq!(landing_format(None, Some("*/*")).ok(), Some(Landing::Json));
        assert_eq!(
            landing_format(None, Some("application/json, text/html;q=0.5")).ok(),
            Some(Landing::Json)
        );
        assert_eq!(
            landing_format(Some("json"), Some(firefox)).ok(),
            Some(Landing::Json)
        );
        assert_eq!(landing_format(Some("html"), None).ok(), Some(Landing::Html));
        assert!(landing_format(Some("xml"), None).is_err());
    }
}
