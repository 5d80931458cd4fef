//! `/api/openapi.json`: the OpenAPI 3.0 description of the whole HTTP API, generated from
//! the handlers.
//!
//! Each handler carries a `#[utoipa::path]` annotation, and the routers are built from
//! those annotations (`utoipa_axum::routes!`): a route is registered at the path and method
//! its annotation documents, so the document cannot list an operation that is not served
//! nor miss one that is (only the aliases — trailing slashes, `/api` — are left out). The
//! bodies' schemas come from the Rust types (the reports' and analyses' own types, and
//! [`super::docs`] for answers built as JSON).
//!
//! utoipa 5 writes OpenAPI 3.1. GDAL and QGIS read `service-desc` as
//! `application/vnd.oai.openapi+json;version=3.0`, so [`downgrade`] rewrites the few 3.1
//! forms utoipa uses into their 3.0.3 equivalents (`type: [T, "null"]` → `nullable`, a
//! numeric `exclusiveMinimum` → `minimum` + `exclusiveMinimum: true`, `examples` →
//! `example`, …); tests/openapi.rs validates the result against the OpenAPI 3.0 schema.

use std::sync::OnceLock;

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppState, docs, json_with_type};

/// The media type OGC API clients look for.
pub const OPENAPI_JSON: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The tag of the OGC API – Features read operations.
pub const TAG_OGC: &str = "OGC API – Features";
/// The tag of editing (Part 4 and the one-step changes).
pub const TAG_EDIT: &str = "Editing";
/// The tag of the change history.
pub const TAG_HISTORY: &str = "History";
/// The tag of the reports.
pub const TAG_REPORTS: &str = "Reports";
/// The tag of the analyses.
pub const TAG_ANALYSES: &str = "Analyses";
/// The tag of the downloads.
pub const TAG_EXPORT: &str = "Export";
/// The tag of signing in and user management.
pub const TAG_AUTH: &str = "Sign-in and users";
/// The tag of the grievance log and the postings of the posting lists.
pub const TAG_GRIEVANCES: &str = "Grievances and postings";
/// The tag of the campaign's people and tasks.
pub const TAG_CAMPAIGN: &str = "Campaign";
/// The tag of this document.
pub const TAG_API: &str = "API";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "drainplan",
        description = "Drainage canals, site clearance, household contributions and the piped-water campaign of Quỳnh Liên commune. Layers are served as OGC API – Features (Part 1 core with GeoJSON, Part 2 CRS, Part 4 create-replace-delete); reports and analyses live under /api/. Lengths are geodesic on WGS84; areas are computed in VN-2000 / TM-3 104-45 (EPSG:9208).\n\nWithout signing in, anyone reads the villages, canals and flood zones, parcels without their owners, households as points with their village and water status, the public reports and route impacts without owners or names. Names, owners, contributions and the change history need a signed-in viewer; edits need an officer; managing users needs an admin. Sign in with HTTP Basic credentials (what QGIS and GDAL send) or with the bearer token of POST /api/session. Wrong credentials are refused (401) on every operation, never served as the public."
    ),
    tags(
        (name = TAG_OGC, description = "The five layers for QGIS, GDAL and any OGC API – Features client"),
        (name = TAG_EDIT, description = "Changes by officers: OGC API – Features Part 4 with ETag and If-Match, and the common changes as one request each. Every change is journalled and fsynced before it is acknowledged"),
        (name = TAG_HISTORY, description = "Who changed what, when, from which value to which (viewers)"),
        (name = TAG_REPORTS, description = "Canal length, piped water, contributions, month-by-month progress"),
        (name = TAG_ANALYSES, description = "What a route or a stored canal takes: parcels and m², owners, fences and gates, flood zones, served households"),
        (name = TAG_EXPORT, description = "Layers and impacts as files (GeoJSON, CSV, KML, Shapefile, GeoPackage, DXF) and the engineering dossier"),
        (name = TAG_GRIEVANCES, description = "The grievance log (viewers read, officers write; the public gets counts) and the postings of the land-taken lists"),
        (name = TAG_AUTH, description = "Sessions and users"),
        (name = TAG_CAMPAIGN, description = "People and the tasks they answer for, with progress computed from the features and flags at a date (viewers); counts by flag for the public"),
        (name = TAG_API, description = "This document"),
    ),
    modifiers(&Components),
    security((), ("basic" = []), ("bearer" = [])),
)]
struct ApiDoc;

/// Adds the security schemes and the reusable responses and schemas.
struct Components;

impl utoipa::Modify for Components {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "A user name and password (users are added with `drainplan user add`); what QGIS and GDAL send",
                    ))
                    .build(),
            ),
        );
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some("The token of POST /api/session".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        components.schemas.extend(docs::schemas());
        components.responses.extend(docs::responses());
    }
}

/// Every documented route, with its documentation.
pub fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(super::ogc::routes())
        .merge(super::edit::routes())
        .merge(super::consent::routes())
        .merge(super::reports::routes())
        .merge(super::analyses::routes())
        .merge(super::hydraulics::routes())
        .merge(super::export::routes())
        .merge(super::posting::routes())
        .merge(super::grievances::routes())
        .merge(super::auth::routes())
        .merge(super::campaign::routes())
        .merge(super::tiles::routes())
        .routes(routes!(openapi))
}

/// Every route of the API, documented or an alias of a documented one.
pub fn routes() -> Router<AppState> {
    let (router, _) = documented().split_for_parts();
    // GDAL looks for the API description at /api when `service-desc` is missing.
    router.route("/api", get(openapi))
}

/// The document, as served (OpenAPI 3.0.3).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(documented().into_openapi()).unwrap_or_default();
        export_media_types(&mut doc);
        report_media_types(&mut doc);
        common_responses(&mut doc);
        downgrade(&mut doc);
        doc
    })
}

/// This document
///
/// OpenAPI 3.0.3, generated from the handlers.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = TAG_API,
    operation_id = "getOpenApi",
    responses(
        (status = 200, description = "The OpenAPI 3.0 document", content_type = OPENAPI_JSON, body = Object),
    )
)]
async fn openapi() -> Response {
    json_with_type(document(), OPENAPI_JSON)
}

/// The download operations answer in the media type of the format asked for, from
/// [`crate::export::Format::media_type`].
fn export_media_types(doc: &mut Value) {
    let content: Map<String, Value> = docs::export_media_types()
        .into_iter()
        .map(|t| {
            let bare = t.split(';').next().unwrap_or(t).trim().to_owned();
            let schema = if bare.ends_with("json") {
                json!({"type": "object", "description": "A GeoJSON FeatureCollection"})
            } else {
                json!({"type": "string", "format": "binary"})
            };
            (bare, json!({ "schema": schema }))
        })
        .collect();
    for_each_operation(doc, |op| {
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
        if matches!(
            id,
            "exportLayer" | "exportRouteImpact" | "exportCanalImpact"
        ) {
            if let Some(ok) = op.pointer_mut("/responses/200") {
                ok["content"] = Value::Object(content.clone());
            }
        }
    });
}

/// The reports answer, with `format=xlsx`, an Excel workbook of the same figures.
fn report_media_types(doc: &mut Value) {
    for_each_operation(doc, |op| {
        let is_report = op
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|t| t == TAG_REPORTS));
        if let (true, Some(Value::Object(ok))) = (is_report, op.pointer_mut("/responses/200")) {
            if let Some(Value::String(d)) = ok.get_mut("description") {
                d.push_str(
                    "; with format=xlsx, the same as an Excel workbook (totals as formulas)",
                );
            }
            if let Some(Value::Object(content)) = ok.get_mut("content") {
                content.insert(
                    crate::export::XLSX_MEDIA_TYPE.into(),
                    json!({"schema": {"type": "string", "format": "binary"}}),
                );
            }
        }
    });
}

/// The answers every operation can give, whatever its handler does, added where the
/// annotation left them out:
/// - a request target longer than [`super::MAX_URI_BYTES`] is a 414 before routing;
/// - the caller is identified before any handler runs ([`super::auth::identify`]):
///   wrong credentials are a 401, and a password check refused by the throttles a 429;
/// - a body is read by [`super::ApiJson`] under the body limits: a body that is not JSON
///   is a 400, one not sent as JSON a 415, a slow one a 408, a large one a 413.
fn common_responses(doc: &mut Value) {
    let r = |name: &str| json!({ "$ref": format!("#/components/responses/{name}") });
    for_each_operation(doc, |op| {
        let has_body = op.get("requestBody").is_some();
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            return;
        };
        let mut add = vec![
            ("401", "Unauthorized"),
            ("414", "UriTooLong"),
            ("429", "TooManyRequests"),
        ];
        if has_body {
            add.extend([
                ("400", "BadRequest"),
                ("408", "RequestTimeout"),
                ("413", "PayloadTooLarge"),
                ("415", "UnsupportedMediaType"),
            ]);
        }
        for (status, name) in add {
            responses.entry(status).or_insert_with(|| r(name));
        }
        // In status order, as a reader expects.
        let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        responses.extend(sorted);
    });
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&mut Value)) {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut() {
        for m in METHODS {
            if let Some(op) = item.get_mut(m) {
                f(op);
            }
        }
    }
}

/// Rewrites the OpenAPI 3.1 document utoipa writes as OpenAPI 3.0.3.
///
/// 1. `openapi` becomes `3.0.3`; 3.1-only members of `info` go.
/// 2. Every schema — of components, parameters, headers, bodies and answers, and those
///    nested in them — is rewritten by [`downgrade_schema`].
pub fn downgrade(doc: &mut Value) {
    doc["openapi"] = Value::from("3.0.3");
    if let Some(Value::Object(info)) = doc.get_mut("info") {
        info.remove("summary");
        if let Some(Value::Object(license)) = info.get_mut("license") {
            license.remove("identifier");
        }
    }
    fn content(c: Option<&mut Value>) {
        if let Some(Value::Object(types)) = c {
            for media in types.values_mut() {
                if let Some(s) = media.get_mut("schema") {
                    downgrade_schema(s);
                }
            }
        }
    }
    fn response(r: &mut Value) {
        content(r.get_mut("content"));
        if let Some(Value::Object(headers)) = r.get_mut("headers") {
            for h in headers.values_mut() {
                if let Some(s) = h.get_mut("schema") {
                    downgrade_schema(s);
                }
            }
        }
    }
    for_each_operation(doc, |op| {
        if let Some(Value::Array(params)) = op.get_mut("parameters") {
            for p in params {
                if let Some(s) = p.get_mut("schema") {
                    downgrade_schema(s);
                    // A query or path parameter is absent or has a value: never null.
                    if let Value::Object(o) = s {
                        o.remove("nullable");
                    }
                }
            }
        }
        if let Some(body) = op.get_mut("requestBody") {
            content(body.get_mut("content"));
        }
        if let Some(Value::Object(responses)) = op.get_mut("responses") {
            responses.values_mut().for_each(response);
        }
    });
    if let Some(Value::Object(components)) = doc.get_mut("components") {
        if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
            schemas.values_mut().for_each(downgrade_schema);
        }
        if let Some(Value::Object(responses)) = components.get_mut("responses") {
            responses.values_mut().for_each(response);
        }
    }
}

/// Rewrites one JSON Schema (2020-12, as OpenAPI 3.1 has it) as an OpenAPI 3.0 Schema
/// Object, with the schemas nested in it.
///
/// 1. A `null` member of `oneOf`/`anyOf` becomes `nullable: true`; a single member left
///    is the schema itself (a `$ref` wrapped in `allOf`, as 3.0 ignores `$ref`'s
///    siblings).
/// 2. `type: [T, "null"]` becomes `type: T` with `nullable: true`.
/// 3. A numeric `exclusiveMinimum`/`exclusiveMaximum` becomes `minimum`/`maximum` with
///    the boolean form.
/// 4. `examples` becomes `example` (the first); `const` becomes a one-value `enum`.
/// 5. Members 3.0 does not know (`propertyNames`, `contentMediaType`,
///    `contentEncoding`) go.
/// 6. A `$ref` with siblings is wrapped in `allOf`.
pub fn downgrade_schema(s: &mut Value) {
    let Value::Object(o) = s else {
        return;
    };
    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(members)) = o.get_mut(key) else {
            continue;
        };
        let before = members.len();
        members.retain(|m| !is_null(m));
        if members.len() == before {
            continue;
        }
        o.insert("nullable".into(), Value::Bool(true));
        let only = match o.get_mut(key) {
            Some(Value::Array(m)) if m.len() == 1 => m.pop(),
            _ => None,
        };
        if let Some(only) = only {
            o.remove(key);
            match only {
                Value::Object(m) if m.contains_key("$ref") => {
                    o.insert("allOf".into(), Value::Array(vec![Value::Object(m)]));
                }
                Value::Object(m) => {
                    for (k, v) in m {
                        o.entry(k).or_insert(v);
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(Value::Array(types)) = o.get("type") {
        let named: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if named.len() < types.len() {
            o.insert("nullable".into(), Value::Bool(true));
        }
        match named.len() {
            0 => {
                o.remove("type");
            }
            1 => {
                o.insert("type".into(), named[0].clone());
            }
            _ => {
                o.remove("type");
                let each = named.into_iter().map(|t| json!({ "type": t })).collect();
                o.insert("anyOf".into(), Value::Array(each));
            }
        }
    } else if is_null(&Value::Object(o.clone())) {
        o.remove("type");
        o.insert("nullable".into(), Value::Bool(true));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n) = o.get(exclusive).filter(|v| v.is_number()).cloned() {
            o.insert(bound.into(), n);
            o.insert(exclusive.into(), Value::Bool(true));
        }
    }
    if let Some(examples) = o.remove("examples") {
        if let Some(first) = examples.as_array().and_then(|a| a.first()) {
            o.entry("example").or_insert_with(|| first.clone());
        }
    }
    if let Some(c) = o.remove("const") {
        o.insert("enum".into(), Value::Array(vec![c]));
    }
    for gone in [
        "propertyNames",
        "contentMediaType",
        "contentEncoding",
        "$schema",
        "$id",
    ] {
        o.remove(gone);
    }
    if o.contains_key("$ref") && o.len() > 1 {
        let r = o.remove("$ref").unwrap_or_default();
        let mut all = vec![json!({ "$ref": r })];
        if let Some(Value::Array(more)) = o.remove("allOf") {
            all.extend(more);
        }
        o.insert("allOf".into(), Value::Array(all));
    }
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(props)) = o.get_mut(key) {
            props.values_mut().for_each(downgrade_schema);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(v @ Value::Object(_)) = o.get_mut(key) {
            downgrade_schema(v);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(members)) = o.get_mut(key) {
            members.iter_mut().for_each(downgrade_schema);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nullable_reference_keeps_its_reference() {
        let mut s = json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Rule"}],
            "description": "The rule"});
        downgrade_schema(&mut s);
        assert_eq!(
            s,
            json!({"allOf": [{"$ref": "#/components/schemas/Rule"}], "nullable": true,
                "description": "The rule"})
        );
    }

    #[test]
    fn the_31_forms_become_30_forms() {
        let mut s = json!({"type": "object", "properties": {
            "a": {"type": ["string", "null"], "examples": ["x", "y"]},
            "w": {"type": "number", "exclusiveMinimum": 0, "maximum": 200},
            "m": {"type": "object", "additionalProperties": {"type": ["integer", "null"]},
                  "propertyNames": {"type": "string"}},
            "r": {"$ref": "#/components/schemas/X", "description": "d"},
            "c": {"const": "Feature"}
        }});
        downgrade_schema(&mut s);
        assert_eq!(
            s,
            json!({"type": "object", "properties": {
                "a": {"type": "string", "nullable": true, "example": "x"},
                "w": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 200},
                "m": {"type": "object", "additionalProperties": {"type": "integer", "nullable": true}},
                "r": {"description": "d", "allOf": [{"$ref": "#/components/schemas/X"}]},
                "c": {"enum": ["Feature"]}
            }})
        );
    }

    #[test]
    fn the_document_is_openapi_30_without_31_forms() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.0.3");
        let text = doc.to_string();
        for form in ["\"null\"", "propertyNames", "\"examples\":[", "\"const\""] {
            assert!(!text.contains(form), "{form} left in the document");
        }
        let mut numeric_exclusive = Vec::new();
        find(doc, &mut |k, v| {
            if k.starts_with("exclusiveM") && !v.is_boolean() {
                numeric_exclusive.push(v.clone());
            }
        });
        assert!(numeric_exclusive.is_empty(), "{numeric_exclusive:?}");
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let mut missing = Vec::new();
        find(doc, &mut |k, v| {
            if let (true, Some(r)) = (k == "$ref", v.as_str()) {
                let pointer = r.trim_start_matches('#');
                if doc.pointer(pointer).is_none() {
                    missing.push(r.to_owned());
                }
            }
        });
        assert!(missing.is_empty(), "{missing:?}");
    }

    fn find(v: &Value, f: &mut impl FnMut(&str, &Value)) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    f(k, x);
                    find(x, f);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| find(x, f)),
            _ => {}
        }
    }

    #[test]
    fn the_route_impact_schema_has_the_fields_of_a_real_answer() {
        // The answer's type holds a geo geometry, so its schema is written beside it
        // (docs::RouteImpactAnswer): compare the two on a real answer.
        let data = crate::store::Dataset::load(std::path::Path::new("tests/fixtures/small"))
            .expect("the fixture loads");
        let line = geo::LineString::from(vec![(105.7005, 19.2205), (105.7015, 19.2205)]);
        let impact =
            crate::analysis::route_impact::route_impact(&data, &line, 6.0).expect("an impact");
        let answer = serde_json::to_value(&impact).expect("serialises");
        let schema = &document()["components"]["schemas"]["RouteImpactAnswer"];
        let keys = |v: &Value| {
            let mut k: Vec<String> = v
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            k.sort();
            k
        };
        assert_eq!(keys(&schema["properties"]), keys(&answer));
        let mut required: Vec<String> = schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        required.sort();
        assert_eq!(required, keys(&answer));
    }
}
