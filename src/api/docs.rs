//! The shapes the OpenAPI document (`/api/openapi.json`, [`super::openapi`]) gives to what
//! the handlers read and write as plain JSON: the OGC API documents, GeoJSON, the change
//! history, sign-in, the route-impact answer, and the error bodies with their reusable
//! responses.
//!
//! The handlers build these answers with `serde_json::json!` or stream them (GeoJSON pages
//! are serialised straight to bytes), so nothing here is constructed: each type only
//! describes. What keeps a description true is the schemathesis run in tests/openapi.rs,
//! which checks every answer of every operation against the document, and for the
//! route impact the unit test in [`super::openapi`] that compares the fields of a real
//! answer with [`RouteImpactAnswer`]. Lists the code owns (the collections, the CRSs, the
//! export formats) are read from the code, not copied: see [`CollectionId`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, ResponseBuilder};
use utoipa::{IntoResponses, PartialSchema, ToResponse, ToSchema};

use super::ogc::geojson::Link;
use crate::analysis::route_impact::{
    AffectedParcel, CrossedFloodZone, ImpactTotals, ServedHousehold,
};
use crate::auth::Role;
use crate::crs::Crs;
use crate::export::Format;
use crate::model::LayerKind;
use crate::model::schema::Rule;

/// A string schema whose allowed values come from the code.
fn string_enum(values: impl IntoIterator<Item = &'static str>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .into()
}

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $values:expr, $description:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_enum($values, $description)
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

code_enum!(
    /// A collection (layer) id, from [`LayerKind::ALL`].
    CollectionId,
    LayerKind::ALL.map(LayerKind::id),
    "A layer: villages, canals, parcels, flood_zones, households or catchments"
);

code_enum!(
    /// An output or bbox CRS of the OGC API, from [`Crs::OFFERED_BY_API`].
    CrsUri,
    Crs::OFFERED_BY_API.map(Crs::uri),
    "CRS84 (WGS84 longitude, latitude; the default), EPSG:9208 (VN-2000 / TM-3 104-45, \
     the Nghệ An zone) or EPSG:3405 (VN-2000 / UTM 48N), as OGC URIs; EPSG:9208 and the \
     other short forms are accepted too"
);

code_enum!(
    /// An export format, from [`Format::ALL`].
    ExportFormat,
    Format::ALL.map(Format::name),
    "The file format: geojson (the default), csv, kml, shp (a zipped Shapefile), gpkg \
     (GeoPackage), dxf or xlsx (an Excel workbook of the attributes; for an impact, the \
     land taken per parcel and per owner)"
);

code_enum!(
    /// An export CRS, from [`Crs::ALL`].
    ExportCrsName,
    Crs::ALL.map(Crs::name),
    "The CRS of the file: EPSG:4326, EPSG:9208 (VN-2000 / TM-3 104-45), EPSG:3405 \
     (VN-2000 / UTM 48N) or VN2000-TM3-104.75-towgs84 (the widely copied definition); \
     each format has its own default"
);

/// The media types of the export formats, from [`Format::media_type`].
pub fn export_media_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = Format::ALL.map(Format::media_type).to_vec();
    types.dedup();
    types
}

/// What every 4xx answer carries.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"error": "no canal `c9`", "status": 404}))]
pub struct Error {
    /// What was wrong, and where.
    pub error: String,
    /// The HTTP status, repeated.
    pub status: u16,
}

/// A 422: what was wrong and, when a value broke a rule of its layer, which member and
/// which rule.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"error": "properties.width_m: must be above 0 and at most 100, found -2",
    "status": 422, "field": "properties.width_m", "rule": "range"}))]
pub struct Unprocessable {
    /// What was wrong.
    pub error: String,
    /// 422.
    pub status: u16,
    /// The member that broke the rule (`properties.status`, `geometry`, `id`,
    /// `corridor_width_m`, …).
    #[schema(nullable = false)]
    pub field: Option<String>,
    /// The rule it broke.
    #[schema(nullable = false)]
    pub rule: Option<Rule>,
}

/// A 429: try again after `retry_after_s` seconds (also in `Retry-After`).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"error": "too many wrong passwords: wait before trying again",
    "status": 429, "retry_after_s": 4}))]
pub struct TooMany {
    /// What to do.
    pub error: String,
    /// 429.
    pub status: u16,
    /// Whole seconds to wait, at least 1.
    pub retry_after_s: u64,
}

macro_rules! error_response {
    ($(#[$meta:meta])* $name:ident, $description:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                (
                    stringify!($name),
                    ResponseBuilder::new()
                        .description($description)
                        .content(
                            super::JSON,
                            utoipa::openapi::ContentBuilder::new()
                                .schema(Some(Error::schema_ref()))
                                .build(),
                        )
                        .into(),
                )
            }
        }
    };
}

/// A `$ref` to a named schema.
trait SchemaRef: ToSchema {
    fn schema_ref() -> RefOr<Schema> {
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name(Self::name()))
    }
}

impl<T: ToSchema> SchemaRef for T {}

error_response!(
    /// 400.
    BadRequest,
    "The request is malformed: an unknown or repeated query parameter, a value of the \
     wrong form, a body that is not JSON; the message says which"
);
error_response!(
    /// 403.
    Forbidden,
    "The caller's role does not allow this (or the filter names a personal property the \
     caller may not see)"
);
error_response!(
    /// 404.
    NotFound,
    "No such collection, feature, canal, village or user"
);
error_response!(
    /// 408.
    RequestTimeout,
    "The request body did not arrive within 30 s"
);
error_response!(
    /// 409.
    Conflict,
    "The edit conflicts with other data: the id exists, or other features refer to the one \
     being deleted"
);
error_response!(
    /// 412.
    PreconditionFailed,
    "If-Match names an older version: someone changed the feature since it was read. Read \
     it again (its ETag) and redo the change"
);
error_response!(
    /// 413.
    PayloadTooLarge,
    "The body is larger than 1 MB"
);
error_response!(
    /// 414.
    UriTooLong,
    format!(
        "The request target (path and query) is longer than {} bytes: send a long route in \
         a POST body",
        super::MAX_URI_BYTES
    )
);
error_response!(
    /// 415.
    UnsupportedMediaType,
    "The body was not sent as JSON (Content-Type: application/json, or another \
     application/…+json type)"
);
error_response!(
    /// 428.
    PreconditionRequired,
    "If-Match is missing: send the ETag of the feature you read, so that no one else's \
     change is overwritten"
);
error_response!(
    /// 507.
    InsufficientStorage,
    "The disk is full: nothing was stored"
);

/// The refusals of a change to a stored record, each the shared response of its status:
/// 400, 403, 404, 412 (a stale If-Match), 422 (a rule refused it) and 507.
pub struct EditRefusals;

impl IntoResponses for EditRefusals {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        fn shared<T: ToResponse<'static>>() -> RefOr<utoipa::openapi::Response> {
            RefOr::Ref(utoipa::openapi::Ref::from_response_name(T::response().0))
        }
        BTreeMap::from([
            ("400".to_string(), shared::<BadRequest>()),
            ("403".to_string(), shared::<Forbidden>()),
            ("404".to_string(), shared::<NotFound>()),
            ("412".to_string(), shared::<PreconditionFailed>()),
            ("422".to_string(), shared::<UnprocessableEntity>()),
            ("507".to_string(), shared::<InsufficientStorage>()),
        ])
    }
}

/// 401, with the challenge.
pub struct Unauthorized;

impl<'r> ToResponse<'r> for Unauthorized {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        (
            "Unauthorized",
            ResponseBuilder::new()
                .description(
                    "Sign-in needed (this operation needs a role), or the credentials sent are \
                     wrong: a wrong password or an unknown or expired session token is refused \
                     on every operation, never served as the public",
                )
                .header(
                    "WWW-Authenticate",
                    utoipa::openapi::HeaderBuilder::new()
                        .schema(String::schema())
                        .description(Some("Bearer realm=\"drainplan\""))
                        .build(),
                )
                .content(
                    super::JSON,
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(Error::schema_ref()))
                        .build(),
                )
                .into(),
        )
    }
}

/// 422, with the member and the rule.
pub struct UnprocessableEntity;

impl<'r> ToResponse<'r> for UnprocessableEntity {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        (
            "UnprocessableEntity",
            ResponseBuilder::new()
                .description(
                    "Well-formed JSON whose content breaks a rule: a value out of range, a name \
                     not among the allowed ones, a date outside 2000 to tomorrow in Vietnam, an \
                     invalid geometry, a reference to a missing feature. Nothing was stored. \
                     `field` and `rule` say which member broke which rule when a layer's rule did",
                )
                .content(
                    super::JSON,
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(Unprocessable::schema_ref()))
                        .build(),
                )
                .into(),
        )
    }
}

/// 429, with `Retry-After`.
pub struct TooManyRequests;

impl<'r> ToResponse<'r> for TooManyRequests {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        (
            "TooManyRequests",
            ResponseBuilder::new()
                .description(
                    "A password check was refused: too many wrong passwords from this client \
                     address or for this user name (1 s, doubling, up to 5 or 15 minutes), or \
                     too many checks waiting. Any request carrying HTTP Basic credentials \
                     checks them, so any operation may answer this",
                )
                .header(
                    "Retry-After",
                    utoipa::openapi::HeaderBuilder::new()
                        .schema(
                            ObjectBuilder::new()
                                .schema_type(Type::Integer)
                                .minimum(Some(1)),
                        )
                        .description(Some("Seconds to wait before trying again"))
                        .build(),
                )
                .content(
                    super::JSON,
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(TooMany::schema_ref()))
                        .build(),
                )
                .into(),
        )
    }
}

/// Every reusable response, for the document's components.
pub fn responses() -> Vec<(String, RefOr<utoipa::openapi::Response>)> {
    fn one<'r, R: ToResponse<'r>>() -> (String, RefOr<utoipa::openapi::Response>) {
        let (name, r) = R::response();
        (name.to_owned(), r)
    }
    vec![
        one::<BadRequest>(),
        one::<Unauthorized>(),
        one::<Forbidden>(),
        one::<NotFound>(),
        one::<RequestTimeout>(),
        one::<Conflict>(),
        one::<PreconditionFailed>(),
        one::<PayloadTooLarge>(),
        one::<UriTooLong>(),
        one::<UnsupportedMediaType>(),
        one::<UnprocessableEntity>(),
        one::<PreconditionRequired>(),
        one::<TooManyRequests>(),
        one::<InsufficientStorage>(),
    ]
}

/// The schemas the reusable responses refer to.
pub fn response_schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut out = vec![
        (Error::name().into_owned(), Error::schema()),
        (Unprocessable::name().into_owned(), Unprocessable::schema()),
        (TooMany::name().into_owned(), TooMany::schema()),
    ];
    Unprocessable::schemas(&mut out);
    out
}

/// The landing page.
#[derive(Serialize, ToSchema)]
pub struct LandingPage {
    /// The service's name.
    pub title: String,
    /// What it serves.
    pub description: String,
    /// `self`, `alternate` (the map), `service-desc` (this document), `conformance`,
    /// `data` (the collections).
    pub links: Vec<Link>,
}

/// The conformance classes implemented.
#[derive(Serialize, ToSchema)]
pub struct Conformance {
    /// Their URIs: Part 1 core, GeoJSON and OpenAPI 3.0; Part 2 CRS; Part 4
    /// create-replace-delete.
    #[serde(rename = "conformsTo")]
    pub conforms_to: Vec<String>,
}

/// The spatial extent of a layer.
#[derive(Serialize, ToSchema)]
pub struct SpatialExtent {
    /// One box, `[minx, miny, maxx, maxy]` in CRS84.
    pub bbox: Vec<Vec<f64>>,
    /// CRS84's URI.
    pub crs: String,
}

/// The extent of a layer.
#[derive(Serialize, ToSchema)]
pub struct Extent {
    /// Its bounding box.
    pub spatial: SpatialExtent,
}

/// One layer, as an OGC API collection.
#[derive(Serialize, ToSchema)]
pub struct Collection {
    /// The collection id.
    #[schema(value_type = CollectionId)]
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it holds.
    pub description: String,
    /// `feature`.
    #[serde(rename = "itemType")]
    pub item_type: String,
    /// The CRSs items can be served in, as URIs.
    pub crs: Vec<String>,
    /// CRS84's URI: the data are stored in WGS84 longitude, latitude.
    #[serde(rename = "storageCrs")]
    pub storage_crs: String,
    /// The layer's bounding box (absent when it has no features).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub extent: Option<Extent>,
    /// `self`, `items`, `queryables`, `describedby`.
    pub links: Vec<Link>,
}

/// The five layers.
#[derive(Serialize, ToSchema)]
pub struct Collections {
    /// `self`.
    pub links: Vec<Link>,
    /// One entry per layer.
    pub collections: Vec<Collection>,
}

/// A JSON Schema (draft 2019-09) of a layer's properties: `queryables` (the stored
/// properties `items` filters on) or `schema` (every property of the features served).
#[derive(Serialize, ToSchema)]
pub struct JsonSchema {
    /// The draft's URI.
    #[serde(rename = "$schema")]
    pub schema: String,
    /// This document's URI.
    #[serde(rename = "$id")]
    pub id: String,
    /// `object`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The layer's title.
    pub title: String,
    /// How to use it.
    pub description: String,
    /// One schema per property (for `schema`: per member of the Feature).
    pub properties: Map<String, Value>,
}

/// The type of a GeoJSON geometry.
#[derive(Serialize, ToSchema)]
pub enum GeometryType {
    /// A position.
    Point,
    /// Positions.
    MultiPoint,
    /// A line.
    LineString,
    /// Lines.
    MultiLineString,
    /// An area with holes.
    Polygon,
    /// Areas.
    MultiPolygon,
}

/// A GeoJSON geometry (RFC 7946): positions are `[x, y]`, longitude and latitude in CRS84
/// (or easting and northing when `crs` asked for VN-2000).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"type": "LineString", "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]}))]
pub struct Geometry {
    /// The geometry type.
    #[serde(rename = "type")]
    pub kind: GeometryType,
    /// The positions, nested as the type says (none for an empty geometry).
    pub coordinates: Vec<Value>,
}

/// `Feature`.
#[derive(Serialize, ToSchema)]
pub enum FeatureType {
    /// The only value.
    Feature,
}

/// `FeatureCollection`.
#[derive(Serialize, ToSchema)]
pub enum FeatureCollectionType {
    /// The only value.
    FeatureCollection,
}

/// A feature as served: the stored properties (less the personal ones for the public)
/// and, for canals, the computed geodesic `length_m`.
#[derive(Serialize, ToSchema)]
pub struct Feature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The feature id.
    pub id: String,
    /// Its geometry, in the CRS asked for.
    pub geometry: Geometry,
    /// Its properties (see `/collections/{collectionId}/schema`).
    pub properties: Map<String, Value>,
    /// `self` and `collection`, for a feature served on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub links: Option<Vec<Link>>,
}

/// A feature sent to create or replace one (OGC API – Features Part 4).
///
/// Its properties are checked against the layer's rules (see
/// `/collections/{collectionId}/schema`): a missing required property, a value out of
/// range, an unknown property or an invalid geometry is a 422 that names the member and
/// the rule. The geometry is in CRS84.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"type": "Feature", "geometry": {"type": "LineString",
    "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]},
    "properties": {"name": "Mương 7", "status": "planned"}}))]
pub struct FeatureInput {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The id: on create, taken when free (else 409) and made up when absent or null; on
    /// replace, the path's id wins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The geometry, CRS84.
    pub geometry: Geometry,
    /// The properties.
    pub properties: Map<String, Value>,
}

/// A JSON merge patch (RFC 7396) of a feature: members given replace the feature's,
/// `null` removes a property.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"properties": {"status": "completed", "status_date": "2026-11-20"}}))]
#[serde(deny_unknown_fields)]
pub struct FeaturePatch {
    /// `Feature`, when given.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub kind: Option<FeatureType>,
    /// The feature's id, when given: the path's id wins.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub id: Option<String>,
    /// The new geometry, CRS84.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub geometry: Option<Geometry>,
    /// Properties to set, or to remove with `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub properties: Option<Map<String, Value>>,
}

/// A page of features.
#[derive(Serialize, ToSchema)]
pub struct FeatureCollection {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// The page.
    pub features: Vec<Feature>,
    /// Features matching the query, all pages together.
    #[serde(rename = "numberMatched")]
    pub number_matched: u64,
    /// Features on this page.
    #[serde(rename = "numberReturned")]
    pub number_returned: u64,
    /// When the page was made (UTC, RFC 3339).
    #[serde(rename = "timeStamp")]
    #[schema(format = DateTime)]
    pub time_stamp: String,
    /// `self`, `collection`, and `next` and `prev` when there are such pages.
    pub links: Vec<Link>,
}

/// What an edit did.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EditOp {
    /// A feature was added.
    Create,
    /// A feature's geometry or properties were replaced.
    Replace,
    /// A feature was removed.
    Delete,
}

/// One property an edit changed.
#[derive(Serialize, ToSchema)]
pub struct PropertyChange {
    /// The property.
    pub property: String,
    /// Its value before (null: absent).
    pub from: Value,
    /// Its value after (null: absent).
    pub to: Value,
}

/// One edit in the change history.
#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    /// Its place in the journal, from 1.
    pub seq: u64,
    /// When it was saved (UTC, RFC 3339).
    #[schema(format = DateTime)]
    pub at: String,
    /// Who made it.
    pub user: String,
    /// What it did.
    pub op: EditOp,
    /// The layer.
    #[schema(value_type = CollectionId)]
    pub collection: String,
    /// The feature id.
    pub id: String,
    /// The day the change took place as entered with a one-step change, YYYY-MM-DD; null
    /// for other edits.
    #[schema(format = Date)]
    pub date: Option<String>,
    /// Each property whose value changed.
    pub changes: Vec<PropertyChange>,
    /// Whether the geometry changed.
    pub geometry_changed: bool,
    /// The feature before (null for a create).
    pub before: Option<Map<String, Value>>,
    /// The feature after (null for a delete).
    pub after: Option<Map<String, Value>>,
}

/// A page of the change history, newest first.
#[derive(Serialize, ToSchema)]
pub struct History {
    /// Entries matching the filters.
    #[serde(rename = "numberMatched")]
    pub number_matched: u64,
    /// Entries on this page.
    #[serde(rename = "numberReturned")]
    pub number_returned: u64,
    /// The page.
    pub entries: Vec<HistoryEntry>,
}

/// A new session.
#[derive(Serialize, ToSchema)]
pub struct Session {
    /// The bearer token: send `Authorization: Bearer <token>`.
    pub token: String,
    /// The user.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Seconds the token lasts.
    pub expires_in_s: u64,
}

/// Who is calling.
#[derive(Serialize, ToSchema)]
pub struct WhoAmI {
    /// The user, or `anonymous`.
    pub name: String,
    /// Their role (`public` when not signed in).
    pub role: Role,
}

/// A user.
#[derive(Serialize, ToSchema)]
pub struct User {
    /// The user name.
    pub name: String,
    /// Their role.
    pub role: Role,
}

/// The users.
#[derive(Serialize, ToSchema)]
pub struct Users {
    /// Every user, with their role.
    pub users: Vec<User>,
}

/// What a route takes, from whom, and whom it serves
/// ([`crate::analysis::route_impact::RouteImpact`], whose corridor is a geo type).
#[derive(Serialize, ToSchema)]
pub struct RouteImpactAnswer {
    /// Geodesic route length, m.
    pub route_length_m: f64,
    /// Corridor width, m.
    pub corridor_width_m: f64,
    /// Corridor area, m² (VN-2000 / TM-3).
    pub corridor_area_m2: f64,
    /// Affected parcels, largest taking first (owners and names left out for the public).
    pub parcels: Vec<AffectedParcel>,
    /// Flood zones crossed.
    pub flood_zones: Vec<CrossedFloodZone>,
    /// Flooded households served whose land is not touched.
    pub served_households: Vec<ServedHousehold>,
    /// Totals.
    pub totals: ImpactTotals,
    /// The corridor, a GeoJSON MultiPolygon in CRS84.
    pub corridor: Geometry,
}

/// The taken strips of a route as GeoJSON: one Feature per affected parcel, with its
/// impact attributes.
#[derive(Serialize, ToSchema)]
pub struct ImpactFeatures {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// One per affected parcel.
    pub features: Vec<Feature>,
}

/// A position: `[longitude, latitude]`, or with a height (ignored).
pub struct Position;

impl PartialSchema for Position {
    fn schema() -> RefOr<Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(ObjectBuilder::new().schema_type(Type::Number))
            .min_items(Some(2))
            .max_items(Some(3))
            .description(Some(
                "[longitude, latitude] in WGS84, or [longitude, latitude, height]",
            ))
            .into()
    }
}

impl ToSchema for Position {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Position")
    }
}

/// `LineString`.
#[derive(Serialize, ToSchema)]
pub enum LineStringType {
    /// The only value.
    LineString,
}

/// A GeoJSON LineString in WGS84 longitude, latitude: 2 to 10 000 positions, at least
/// two of them distinct, inside the area the data cover.
#[derive(Serialize, ToSchema)]
pub struct LineString {
    /// `LineString`.
    #[serde(rename = "type")]
    pub kind: LineStringType,
    /// The positions.
    #[schema(value_type = Vec<Position>, min_items = 2, max_items = 10000)]
    pub coordinates: Vec<Vec<f64>>,
}

/// A GeoJSON Feature holding a LineString (its properties are ignored).
#[derive(Serialize, ToSchema)]
pub struct LineStringFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The route.
    pub geometry: LineString,
    /// Ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub properties: Option<Map<String, Value>>,
}

/// A route: a LineString geometry or a Feature holding one.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Route {
    /// The geometry.
    Geometry(LineString),
    /// A Feature with the geometry.
    Feature(LineStringFeature),
}

/// A route to analyse.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"route": {"type": "LineString",
    "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]}, "corridor_width_m": 6}))]
#[serde(deny_unknown_fields)]
pub struct RouteImpactRequest {
    /// The route, in WGS84 longitude, latitude (latitude, longitude is refused with a
    /// message that says so).
    pub route: Route,
    /// The corridor's width in metres: from 0.1 to 200; 6 when absent or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0.1, maximum = 200.0, default = 6.0)]
    pub corridor_width_m: Option<f64>,
}

/// Every schema only this module names, for the document's components.
pub fn schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut out = Vec::new();
    for (name, schema) in [
        (CollectionId::name(), CollectionId::schema()),
        (CrsUri::name(), CrsUri::schema()),
        (ExportFormat::name(), ExportFormat::schema()),
        (ExportCrsName::name(), ExportCrsName::schema()),
    ] {
        out.push((name.into_owned(), schema));
    }
    out.extend(response_schemas());
    out
}

/// `f=json`, the only encoding of the metadata resources.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonOnly {
    /// JSON.
    Json,
}

/// `f=json` or `f=html` (the map page).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonOrHtml {
    /// The landing page as JSON.
    Json,
    /// The map page.
    Html,
}

/// `json` or `geojson`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonOrGeoJson {
    /// JSON.
    Json,
    /// GeoJSON.
    Geojson,
}

/// A canal section's status step.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "completed", "date": "2026-11-20"}))]
#[serde(deny_unknown_fields)]
pub struct CanalStatusStep {
    /// The new status.
    pub status: crate::model::CanalStatus,
    /// The day it took place, YYYY-MM-DD: from 2000-01-01 to tomorrow in Vietnam (UTC+7);
    /// 422 otherwise. Stored as the canal's `status_date` and on the history entry; the
    /// monthly progress counts the step in this date's month.
    #[schema(format = Date)]
    pub date: String,
}

/// A parcel's clearance step.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "donated", "date": "2026-11-20"}))]
#[serde(deny_unknown_fields)]
pub struct ClearanceStep {
    /// The new clearance status.
    pub status: crate::model::ClearanceStatus,
    /// The day it took place, YYYY-MM-DD: from 2000-01-01 to tomorrow in Vietnam (UTC+7);
    /// 422 otherwise. Stored as the parcel's `clearance_date` and on the history entry;
    /// the monthly progress counts the step in this date's month.
    #[schema(format = Date)]
    pub date: String,
}

/// A household's water registration or connection.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "connected", "date": "2026-11-20"}))]
#[serde(deny_unknown_fields)]
pub struct WaterStep {
    /// The new piped-water status.
    pub status: crate::model::WaterStatus,
    /// The day it took place, YYYY-MM-DD: from 2000-01-01 to tomorrow in Vietnam (UTC+7);
    /// 422 otherwise. Stored as the household's `water_date` and on the history entry.
    #[schema(format = Date)]
    pub date: String,
}

/// Whether a contribution was promised or given.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContributionState {
    /// Promised.
    Pledged,
    /// Given.
    Done,
}

/// How the canal-length report groups.
#[derive(Serialize, ToSchema)]
pub enum LengthGrouping {
    /// By status (the default).
    #[serde(rename = "status")]
    Status,
    /// By village.
    #[serde(rename = "village")]
    Village,
    /// By status, then village.
    #[serde(rename = "status,village")]
    StatusVillage,
}

/// A role a user can be given.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    /// Reads everything.
    Viewer,
    /// Reads and edits.
    Officer,
    /// Also manages users.
    Admin,
}
