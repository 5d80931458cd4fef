//! `/api/openapi.json`: the OpenAPI 3.0 description of the whole HTTP API.

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::{AppState, json_with_type};

/// The media type OGC API clients look for.
pub const OPENAPI_JSON: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The OpenAPI route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api", get(openapi))
}

async fn openapi() -> Response {
    json_with_type(&document(), OPENAPI_JSON)
}

fn param(name: &str, location: &str, description: &str, schema: Value, required: bool) -> Value {
    json!({"name": name, "in": location, "description": description, "required": required, "schema": schema})
}

fn errors() -> Value {
    json!({
        "400": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"}
    })
}

fn json_ok(description: &str, media: &str) -> Value {
    json!({"description": description, "content": {media: {"schema": {"type": "object"}}}})
}

/// A report's answer: JSON, or with `format=xlsx` an Excel workbook.
fn report_ok(description: &str, json_schema: Value) -> Value {
    json!({"description": format!("{description}; with format=xlsx, the same as an Excel workbook (totals as formulas)"),
    "content": {
        "application/json": {"schema": json_schema},
        crate::export::XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}
    }})
}

/// The OpenAPI document.
pub fn document() -> Value {
    let collection_id = param(
        "collectionId",
        "path",
        "villages, canals, parcels, flood_zones or households",
        json!({"type": "string", "enum": ["villages", "canals", "parcels", "flood_zones", "households"]}),
        true,
    );
    let crs = param(
        "crs",
        "query",
        "Output CRS: CRS84 (default), EPSG:9208 (VN-2000 / TM-3 104-45) or EPSG:3405 (VN-2000 / UTM 48N)",
        json!({"type": "string", "format": "uri"}),
        false,
    );
    let width = param(
        "corridor_width_m",
        "query",
        "Corridor width in metres (default 6, at most 200)",
        json!({"type": "number", "exclusiveMinimum": 0, "maximum": 200}),
        false,
    );
    let format = param(
        "format",
        "query",
        "json (default) or geojson (the taken strips as a FeatureCollection)",
        json!({"type": "string", "enum": ["json", "geojson"]}),
        false,
    );
    let export_format = param(
        "format",
        "query",
        "geojson (default), csv, kml, shp (zipped), gpkg, dxf or xlsx (attributes; for an impact, the land taken per parcel and per owner)",
        json!({"type": "string", "enum": ["geojson", "csv", "kml", "shp", "gpkg", "dxf", "xlsx"]}),
        false,
    );
    let report_format = param(
        "format",
        "query",
        "json (default) or xlsx (an Excel workbook)",
        json!({"type": "string", "enum": ["json", "xlsx"]}),
        false,
    );
    let export_crs = param(
        "crs",
        "query",
        "EPSG:4326, EPSG:9208 (VN-2000 / TM-3 104-45), EPSG:3405 (VN-2000 / UTM 48N) or VN2000-TM3-104.75-towgs84 (the widely copied definition)",
        json!({"type": "string"}),
        false,
    );
    let entered_date = "The day the change took place, YYYY-MM-DD: a calendar date from 2000-01-01 to tomorrow in Vietnam (Asia/Ho_Chi_Minh, UTC+7); 422 otherwise. Kept on the feature and on the history entry (`date`); the monthly progress counts a canal's status step, a clearance step or a contribution in this date's month.";
    let mut ok_impact = json_ok("The route's impact", "application/json");
    ok_impact["content"]["application/geo+json"] = json!({"schema": {"type": "object"}});

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "drainplan",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Drainage canals, site clearance, household contributions and the piped-water campaign of Quỳnh Liên commune. Layers are served as OGC API – Features; reports and analyses live under /api/. Lengths are geodesic on WGS84; areas are computed in VN-2000 / TM-3 104-45 (EPSG:9208)."
        },
        "paths": {
            "/": {"get": {"summary": "Landing page (JSON; the map page for browsers)", "operationId": "getLandingPage",
                "responses": {"200": json_ok("Links to the API", "application/json")}}},
            "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformance",
                "responses": {"200": json_ok("Conformance classes", "application/json")}}},
            "/collections": {"get": {"summary": "The five layers", "operationId": "getCollections",
                "responses": {"200": json_ok("Collections", "application/json")}}},
            "/collections/{collectionId}": {"get": {"summary": "One layer", "operationId": "describeCollection",
                "parameters": [collection_id],
                "responses": {"200": json_ok("Collection", "application/json"), "404": {"$ref": "#/components/responses/Error"}}}},
            "/collections/{collectionId}/queryables": {"get": {"summary": "Properties that can be filtered on", "operationId": "getQueryables",
                "parameters": [collection_id],
                "responses": {"200": json_ok("JSON Schema of the queryables", "application/schema+json"), "404": {"$ref": "#/components/responses/Error"}}}},
            "/collections/{collectionId}/items": {"get": {"summary": "Features of a layer", "operationId": "getFeatures",
                "parameters": [
                    collection_id,
                    param("limit", "query", "Page size (default 10, at most 10000)", json!({"type": "integer", "minimum": 1, "maximum": 10000, "default": 10}), false),
                    param("offset", "query", "Features to skip", json!({"type": "integer", "minimum": 0, "default": 0}), false),
                    param("bbox", "query", "minx,miny,maxx,maxy", json!({"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}), false),
                    param("bbox-crs", "query", "CRS of bbox (default CRS84)", json!({"type": "string", "format": "uri"}), false),
                    crs,
                    param("f", "query", "json or geojson", json!({"type": "string"}), false)
                ],
                "responses": {"200": json_ok("GeoJSON FeatureCollection with numberMatched, numberReturned and next links", "application/geo+json"), "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/collections/{collectionId}/items/{featureId}": {"get": {"summary": "One feature", "operationId": "getFeature",
                "parameters": [collection_id, param("featureId", "path", "Feature id", json!({"type": "string"}), true), crs],
                "responses": {"200": json_ok("GeoJSON Feature", "application/geo+json"), "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/reports/canal-length": {"get": {"summary": "Metres of canal per status, village, or status and village", "operationId": "canalLength",
                "parameters": [param("by", "query", "status (default), village, or status,village", json!({"type": "string"}), false), report_format.clone()],
                "responses": {"200": report_ok("Rows with status, village_id, village, length_m, canals; and total_length_m", json!({"type": "object"})), "400": {"$ref": "#/components/responses/Error"}}}},
            "/api/reports/water-connection": {"get": {"summary": "Piped-water registration per village and for the commune", "operationId": "waterConnection",
                "parameters": [report_format.clone()],
                "responses": {"200": report_ok("Households, dwellings, registered, connected, rate, target_rate, dwellings_to_target", json!({"type": "object"})), "400": {"$ref": "#/components/responses/Error"}}}},
            "/api/reports/contributions": {"get": {"summary": "Household contributions (land, labour, money; pledged and done) and households along canals to be built that have not agreed", "operationId": "contributions",
                "parameters": [
                    param("kind", "query", "land, labour or money (all when absent)", json!({"type": "string", "enum": ["land", "labour", "money"]}), false),
                    param("village", "query", "Village id or name", json!({"type": "string"}), false),
                    width.clone(),
                    report_format.clone()
                ],
                "responses": errors_with_ok(report_ok("households, totals, not_agreed", json!({"type": "object"})))}},
            "/api/analyses/route-impact": {"post": {"summary": "Impact of a route: parcels and m² taken, owners, fences and gates, flood zones, served households", "operationId": "routeImpact",
                "parameters": [format.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RouteImpactRequest"}}}},
                "responses": {"200": ok_impact.clone(), "400": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
            "/api/canals/{canalId}/impact": {"get": {"summary": "Impact of a stored canal", "operationId": "canalImpact",
                "parameters": [param("canalId", "path", "Canal id", json!({"type": "string"}), true), width, format],
                "responses": errors_with_ok(ok_impact)}},
            "/api/reports/monthly-progress": {"get": {"summary": "Month-by-month progress from the change history", "operationId": "monthlyProgress",
                "description": "Months are calendar months in Vietnam (Asia/Ho_Chi_Minh, UTC+7): an edit saved at 2026-11-30T18:00Z counts in 2026-12. Canal metres, clearance steps and contributions count in the month of the date the officer entered for them (the one-step change's `date`, or a `status_date`, `clearance_date` or `contribution_date` an OGC API edit changed with them), else in the month the edit was saved; `edits` and the water figures (the state at the month's end) follow the save. The response's `month_basis` says so.",
                "parameters": [report_format],
                "responses": {"200": report_ok("month_basis, water_rate_at_start and months", json!({"$ref": "#/components/schemas/ProgressReport"})), "400": {"$ref": "#/components/responses/Error"}}}},
            "/api/session": {
                "post": {"summary": "Sign in; returns a bearer token", "operationId": "signIn",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name", "password"], "properties": {"name": {"type": "string"}, "password": {"type": "string"}}}}}},
                    "responses": {"201": json_ok("token, name, role, expires_in_s", "application/json"), "401": {"$ref": "#/components/responses/Error"}}},
                "get": {"summary": "Who am I", "operationId": "whoAmI", "responses": {"200": json_ok("name and role", "application/json")}},
                "delete": {"summary": "Sign out", "operationId": "signOut", "responses": {"204": {"description": "Signed out"}}}
            },
            "/api/users": {
                "get": {"summary": "Users and roles (admin)", "operationId": "listUsers", "responses": {"200": json_ok("users", "application/json"), "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
                "post": {"summary": "Add a user or change one's role and password (admin)", "operationId": "setUser",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name", "role", "password"], "properties": {"name": {"type": "string"}, "role": {"type": "string", "enum": ["viewer", "officer", "admin"]}, "password": {"type": "string", "minLength": 8}}}}}},
                    "responses": {"201": json_ok("The user", "application/json"), "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
            },
            "/api/history": {"get": {"summary": "The change history, newest first (viewer)", "operationId": "history",
                "parameters": [
                    param("collection", "query", "Only this layer", json!({"type": "string"}), false),
                    param("id", "query", "Only this feature", json!({"type": "string"}), false),
                    param("user", "query", "Only this user's edits", json!({"type": "string"}), false),
                    param("since", "query", "From this RFC 3339 time", json!({"type": "string"}), false),
                    param("until", "query", "Before this RFC 3339 time", json!({"type": "string"}), false),
                    param("limit", "query", "Page size (default 100)", json!({"type": "integer"}), false),
                    param("offset", "query", "Entries to skip", json!({"type": "integer"}), false)
                ],
                "responses": {"200": json_ok("numberMatched, numberReturned, entries: seq, at (saved, UTC), user, op, collection, id, date (the day entered with a one-step change, else null), changes from/to, before, after", "application/json"), "401": {"$ref": "#/components/responses/Error"}}}},
            "/api/canals/{canalId}/status": {"post": {"summary": "Set a canal's status with its date (officer)", "operationId": "setCanalStatus",
                "parameters": [param("canalId", "path", "Canal id", json!({"type": "string"}), true)],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StatusStep"}}}},
                "responses": {"200": json_ok("The canal", "application/geo+json"), "422": {"$ref": "#/components/responses/Error"}}}},
            "/api/parcels/{parcelId}/clearance": {"post": {"summary": "Record a parcel's clearance step with its date (officer)", "operationId": "setClearance",
                "parameters": [param("parcelId", "path", "Parcel id", json!({"type": "string"}), true)],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StatusStep"}}}},
                "responses": {"200": json_ok("The parcel", "application/geo+json"), "422": {"$ref": "#/components/responses/Error"}}}},
            "/api/households/{householdId}/water": {"post": {"summary": "Record a water registration or connection (officer)", "operationId": "setWater",
                "parameters": [param("householdId", "path", "Household id", json!({"type": "string"}), true)],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StatusStep"}}}},
                "responses": {"200": json_ok("The household", "application/geo+json"), "422": {"$ref": "#/components/responses/Error"}}}},
            "/api/households/{householdId}/contributions": {"post": {"summary": "Add to a household's contribution (officer)", "operationId": "addContribution",
                "parameters": [param("householdId", "path", "Household id", json!({"type": "string"}), true)],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["kind", "amount", "state"], "additionalProperties": false, "properties": {
                    "kind": {"type": "string", "enum": ["land", "labour", "money"]},
                    "amount": {"type": "number", "exclusiveMinimum": 0},
                    "state": {"type": "string", "enum": ["pledged", "done"]},
                    "date": {"type": "string", "format": "date", "example": "2026-10-15", "description": format!("When it was given or pledged; today in Vietnam when absent. Stored as the household's contribution_date. {entered_date}")}}}}}},
                "responses": {"200": json_ok("The household", "application/geo+json"), "400": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
            "/api/export/{collectionId}": {"get": {"summary": "Download a layer, or a filtered part of it, as a file", "operationId": "exportLayer",
                "parameters": [collection_id.clone(), export_format.clone(), export_crs.clone(),
                    param("bbox", "query", "minx,miny,maxx,maxy in CRS84", json!({"type": "string"}), false),
                    param("hatch", "query", "With format=dxf: fill each polygon with a see-through solid hatch on a <layer>_hatch layer (parcels by clearance step)", json!({"type": "boolean"}), false)],
                "responses": {"200": {"description": "The file, as an attachment; Content-Crs names its CRS"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/export/route-impact": {"post": {"summary": "Download the taken strips of a route with their impact attributes", "operationId": "exportRouteImpact",
                "parameters": [export_format.clone(), export_crs.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RouteImpactRequest"}}}},
                "responses": {"200": {"description": "The file, as an attachment"}, "400": {"$ref": "#/components/responses/Error"}}}},
            "/api/export/canals/{canalId}/impact": {"get": {"summary": "Download the taken strips of a stored canal", "operationId": "exportCanalImpact",
                "parameters": [param("canalId", "path", "Canal id", json!({"type": "string"}), true), export_format.clone(), export_crs.clone(), width.clone()],
                "responses": {"200": {"description": "The file, as an attachment"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/dossier/canals/{canalId}": {"get": {"summary": "The engineering dossier of a stored canal: one zip with DXF, Shapefile, alignment and land-taken tables in VN-2000", "operationId": "canalDossier",
                "parameters": [param("canalId", "path", "Canal id", json!({"type": "string"}), true), width.clone()],
                "responses": {"200": {"description": "application/zip"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/dossier": {"post": {"summary": "The engineering dossier of a drawn route", "operationId": "routeDossier",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RouteImpactRequest"}}}},
                "responses": {"200": {"description": "application/zip"}, "400": {"$ref": "#/components/responses/Error"}}}},
            "/api/openapi.json": {"get": {"summary": "This document", "operationId": "getOpenApi",
                "responses": {"200": json_ok("OpenAPI 3.0", OPENAPI_JSON)}}}
        },
        "components": {
            "schemas": {
                "RouteImpactRequest": {
                    "type": "object",
                    "required": ["route"],
                    "additionalProperties": false,
                    "properties": {
                        "route": {"type": "object", "description": "A GeoJSON LineString geometry, or a Feature holding one, in WGS84 longitude, latitude"},
                        "corridor_width_m": {"type": "number", "exclusiveMinimum": 0, "maximum": 200, "default": 6}
                    }
                },
                "StatusStep": {"type": "object", "required": ["status", "date"], "additionalProperties": false,
                    "properties": {"status": {"type": "string"}, "date": {"type": "string", "format": "date", "description": entered_date}}},
                "ProgressReport": {"type": "object", "required": ["month_basis", "water_rate_at_start", "months"],
                    "properties": {
                        "month_basis": {"type": "object", "description": "Which day puts each figure in a month",
                            "properties": {
                                "time_zone": {"type": "string", "example": "Asia/Ho_Chi_Minh"},
                                "utc_offset": {"type": "string", "example": "+07:00"},
                                "entered_date_else_saved": {"type": "array", "items": {"type": "string"}, "description": "Figures counted in the month of the date entered for the change, else of the save"},
                                "saved": {"type": "array", "items": {"type": "string"}, "description": "Figures counted in the month of the save (water: the state at the month's end)"},
                                "rule": {"type": "string"}
                            }},
                        "water_rate_at_start": {"type": "number"},
                        "months": {"type": "array", "description": "Months with edits saved or changes dated in them, oldest first", "items": {"type": "object", "properties": {
                            "month": {"type": "string", "example": "2026-12", "description": "YYYY-MM in Vietnam"},
                            "edits": {"type": "integer", "description": "Edits saved in the month"},
                            "canal_completed_m": {"type": "number"},
                            "canal_started_m": {"type": "number"},
                            "parcels_to_status": {"type": "object", "additionalProperties": {"type": "integer"}},
                            "contributions_added": {"type": "object", "additionalProperties": {"type": "number"}},
                            "water_registered_dwellings": {"type": "integer"},
                            "dwellings": {"type": "integer"},
                            "water_rate": {"type": "number"}
                        }}}
                    }},
                "Error": {"type": "object", "required": ["error", "status"], "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}
            },
            "responses": {
                "Error": {"description": "What was wrong", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        }
    })
}

fn errors_with_ok(ok: Value) -> Value {
    let mut e = errors();
    e["200"] = ok;
    e
}
