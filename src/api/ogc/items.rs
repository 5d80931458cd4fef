//! `/collections/{id}/items` and `/collections/{id}/items/{fid}`: features as GeoJSON.
//!
//! Query parameters of `items`:
//! - `limit`: page size, 1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]; a larger value is
//!   served as [`MAX_LIMIT`] (OGC API – Features 1.0 says a limit above the maximum is not
//!   an error), and the `next` link carries the limit actually used;
//! - `offset`: features to skip (≥ 0);
//! - `bbox`: `minx,miny,maxx,maxy` (or six numbers with heights, which are ignored), in
//!   `bbox-crs` (CRS84 by default, or EPSG:9208/3405); the R-tree finds the candidates and
//!   each is then tested exactly against the box, in the box's CRS;
//! - `crs`: CRS of the output (CRS84 by default, or EPSG:9208/3405), echoed in
//!   `Content-Crs`;
//! - `datetime`: accepted and ignored, as the layers carry no time (every feature matches);
//! - `f`: `json` or `geojson`;
//! - any property of the layer: `name=value` keeps the features whose property equals the
//!   value (text compares exactly, numbers numerically, booleans as `true`/`false`, `null`
//!   matches a missing value); several filters must all hold.
//!
//! Any other parameter is refused with a 400 that names it, so that a typo never returns
//! the whole layer.

use std::borrow::Cow;
use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use geo::{Geometry, Intersects, Rect, coord};
use serde::Serialize;

use super::geojson::{FeatureOut, Link};
use super::{base_url, collection_kind, is_personal, layer_properties, redaction};
use crate::api::openapi::TAG_OGC;
use crate::api::{ApiError, ApiQuery, AppState, GEOJSON, JSON, docs};
use crate::auth::Caller;
use crate::crs::{Crs, Precision, rect_to_wgs84};
use crate::model::LayerKind;
use crate::store::query::Selection;
use crate::store::{Dataset, Feature, Layer};

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 10;
/// The largest page; a larger `limit` is served as this.
pub const MAX_LIMIT: usize = 10_000;

/// The parameters `items` knows besides property names.
const PARAMETERS: [&str; 7] = [
    "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f",
];

/// A checked `items` request.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsQuery {
    /// Page size, 1..=MAX_LIMIT.
    pub limit: usize,
    /// Features skipped.
    pub offset: usize,
    /// The box, in `bbox_crs`.
    pub bbox: Option<Rect>,
    /// CRS of `bbox`.
    pub bbox_crs: Crs,
    /// Output CRS.
    pub crs: Crs,
    /// Property equality filters.
    pub equals: Vec<(String, String)>,
    /// Every parameter but `limit` and `offset`, as given, for the paging links.
    keep: Vec<(String, String)>,
}

fn bad(message: String) -> ApiError {
    ApiError::BadRequest(message)
}

/// Reads a `limit`: a whole number ≥ 1; above [`MAX_LIMIT`] it becomes [`MAX_LIMIT`].
pub fn parse_limit(text: &str) -> Result<usize, ApiError> {
    let t = text.trim();
    let n: u64 = t.parse().map_err(|_| {
        bad(format!(
            "limit=`{text}` is not a whole number from 1 to {MAX_LIMIT}"
        ))
    })?;
    if n == 0 {
        return Err(bad(format!(
            "limit=0: the limit is a whole number from 1 to {MAX_LIMIT}"
        )));
    }
    Ok(usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT))
}

/// Reads an `offset`: a whole number ≥ 0.
pub fn parse_offset(text: &str) -> Result<usize, ApiError> {
    text.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| bad(format!("offset=`{text}` is not a whole number ≥ 0")))
}

/// Reads a `bbox` in `crs`: four numbers `minx,miny,maxx,maxy`, or six with the heights
/// (ignored) after each corner's x and y. In CRS84 longitudes must be within ±180 and
/// latitudes within ±90; a box crossing the antimeridian (minx > maxx) is not supported.
pub fn parse_bbox(text: &str, crs: Crs) -> Result<Rect, ApiError> {
    let numbers = text
        .split(',')
        .map(|s| {
            let s = s.trim();
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(format!("bbox value `{s}` is not a finite number")))
        })
        .collect::<Result<Vec<f64>, ApiError>>()?;
    let (minx, miny, maxx, maxy) = match numbers[..] {
        [a, b, c, d] => (a, b, c, d),
        [a, b, _, d, e, _] => (a, b, d, e),
        _ => {
            return Err(bad(format!(
                "bbox=`{text}` has {} numbers; give 4: minx,miny,maxx,maxy (lon,lat in CRS84)",
                numbers.len()
            )));
        }
    };
    if crs.is_geographic() {
        for lat in [miny, maxy] {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(bad(format!(
                    "bbox latitude {lat} is outside -90..90: a CRS84 bbox is \
                     minlon,minlat,maxlon,maxlat; were longitude and latitude swapped?"
                )));
            }
        }
        for lon in [minx, maxx] {
            if !(-180.0..=180.0).contains(&lon) {
                return Err(bad(format!("bbox longitude {lon} is outside -180..180")));
            }
        }
    }
    if minx > maxx {
        return Err(bad(format!(
            "bbox minx {minx} is greater than maxx {maxx} (boxes across the antimeridian are not supported)"
        )));
    }
    if miny > maxy {
        return Err(bad(format!("bbox miny {miny} is greater than maxy {maxy}")));
    }
    Ok(Rect::new(
        coord! { x: minx, y: miny },
        coord! { x: maxx, y: maxy },
    ))
}

fn parse_crs(name: &str, value: &str) -> Result<Crs, ApiError> {
    Crs::parse_api(value).map_err(|m| bad(format!("{name}: {m}")))
}

impl ItemsQuery {
    /// Checks the query pairs of an `items` request on `kind`, whose features carry the
    /// property names `properties` visible to the caller and `hidden` ones that are not.
    pub fn parse(
        pairs: &[(String, String)],
        kind: LayerKind,
        properties: &[&str],
        hidden: &[&str],
    ) -> Result<ItemsQuery, ApiError> {
        let mut q = ItemsQuery {
            limit: DEFAULT_LIMIT,
            offset: 0,
            bbox: None,
            bbox_crs: Crs::Wgs84,
            crs: Crs::Wgs84,
            equals: Vec::new(),
            keep: Vec::new(),
        };
        let mut seen = HashSet::new();
        let mut bbox_text = None;
        for (name, value) in pairs {
            let known = PARAMETERS.contains(&name.as_str());
            if known && !seen.insert(name.as_str()) {
                return Err(bad(format!("`{name}` is given more than once")));
            }
            match name.as_str() {
                "limit" => q.limit = parse_limit(value)?,
                "offset" => q.offset = parse_offset(value)?,
                "bbox" => bbox_text = Some(value.as_str()),
                "bbox-crs" => q.bbox_crs = parse_crs("bbox-crs", value)?,
                "crs" => q.crs = parse_crs("crs", value)?,
                "datetime" => {}
                "f" => {
                    if !matches!(value.as_str(), "json" | "geojson") {
                        return Err(bad(format!(
                            "f=`{value}` is not offered; use f=json or f=geojson"
                        )));
                    }
                }
                "filter" | "filter-lang" | "filter-crs" => {
                    return Err(bad(format!(
                        "`{name}`: CQL2 filters are not supported; filter with property=value \
                         (see /collections/{}/queryables)",
                        kind.id()
                    )));
                }
                p if properties.contains(&p) => q.equals.push((name.clone(), value.clone())),
                p if hidden.contains(&p) => {
                    return Err(ApiError::Forbidden(format!(
                        "`{name}` is personal data: sign in with a viewer role to filter on it"
                    )));
                }
                _ => {
                    return Err(bad(format!(
                        "unknown query parameter `{name}`: it is neither a parameter of items \
                         ({}) nor a property of the {} collection ({})",
                        PARAMETERS.join(", "),
                        kind.id(),
                        properties.join(", ")
                    )));
                }
            }
            if name != "limit" && name != "offset" {
                q.keep.push((name.clone(), value.clone()));
            }
        }
        if let Some(text) = bbox_text {
            q.bbox = Some(parse_bbox(text, q.bbox_crs)?);
        }
        Ok(q)
    }

    /// The query string of this request at another offset.
    fn query_string(&self, offset: usize) -> String {
        let mut pairs: Vec<(&str, Cow<str>)> = self
            .keep
            .iter()
            .map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str())))
            .collect();
        pairs.push(("limit", Cow::Owned(self.limit.to_string())));
        pairs.push(("offset", Cow::Owned(offset.to_string())));
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query-string component, leaving characters that are safe and common
/// in OGC queries (`,` of a bbox, `:` and `/` of a CRS URI) readable.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Positions of the features the query selects, ascending.
fn select(layer: &Layer, q: &ItemsQuery) -> Result<Vec<usize>, ApiError> {
    let sel = Selection {
        bbox: None,
        equals: q.equals.clone(),
    };
    let Some(rect) = q.bbox else {
        return Ok(layer.select(&sel));
    };
    if q.bbox_crs.is_geographic() {
        return Ok(layer.select(&Selection {
            bbox: Some(rect),
            ..sel
        }));
    }
    // A box in a projected CRS: the R-tree narrows with a degree box around it, and the
    // exact test is made in the box's own CRS.
    let around = rect_to_wgs84(rect, q.bbox_crs).map_err(|e| {
        bad(format!(
            "bbox cannot be transformed from {} to CRS84: {e}",
            q.bbox_crs.uri()
        ))
    })?;
    let mut out = Vec::new();
    for i in layer.intersecting(around) {
        let f = &layer.features[i];
        if !sel.matches_properties(f) {
            continue;
        }
        let g = crate::crs::transform_geometry(
            &f.geometry,
            Crs::Wgs84,
            q.bbox_crs,
            Precision::TenthMillimetre,
        )?;
        if g.intersects(&rect) {
            out.push(i);
        }
    }
    Ok(out)
}

/// The geometry of a feature in the output CRS.
fn output_geometry(f: &Feature, crs: Crs) -> Result<Cow<'_, Geometry>, ApiError> {
    if crs.is_geographic() {
        return Ok(Cow::Borrowed(&f.geometry));
    }
    Ok(Cow::Owned(crate::crs::transform_geometry(
        &f.geometry,
        Crs::Wgs84,
        crs,
        Precision::TenthMillimetre,
    )?))
}

/// The computed length of a canal.
fn length_m(kind: LayerKind, f: &Feature) -> Option<f64> {
    match (kind, &f.geometry) {
        (LayerKind::Canals, Geometry::LineString(l)) => Some(crate::crs::geodesic_length_m(l)),
        _ => None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    features: Vec<FeatureOut<'a>>,
    number_matched: usize,
    number_returned: usize,
    time_stamp: String,
    links: Vec<Link>,
}

/// The current UTC time as RFC 3339, to the second.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (days to a civil date after Howard
/// Hinnant's `civil_from_days`).
fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A GeoJSON body with its `Content-Crs` and, for a single feature, its `ETag`.
fn geojson_response(bytes: Vec<u8>, crs: Crs, etag: Option<HeaderValue>) -> Response {
    let content_crs = HeaderValue::from_str(&format!("<{}>", crs.uri()))
        .unwrap_or_else(|_| HeaderValue::from_static(""));
    let mut resp = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON)),
            (HeaderName::from_static("content-crs"), content_crs),
        ],
        bytes,
    )
        .into_response();
    if let Some(tag) = etag {
        resp.headers_mut().insert(header::ETAG, tag);
    }
    resp
}

/// Builds one page of `items` (CPU work: selection, projection, serialisation).
fn items_page(
    data: &Dataset,
    kind: LayerKind,
    pairs: &[(String, String)],
    base: &str,
    redact: Option<LayerKind>,
) -> Result<Response, ApiError> {
    let layer = data.layer(kind);
    let (names, hidden): (Vec<&str>, Vec<&str>) = layer_properties(kind)
        .into_iter()
        .partition(|n| redact.is_none_or(|k| !is_personal(k, n)));
    let q = ItemsQuery::parse(pairs, kind, &names, &hidden)?;

    let matched = select(layer, &q)?;
    let start = q.offset.min(matched.len());
    let end = start.saturating_add(q.limit).min(matched.len());
    let page = &matched[start..end];

    let geometries = page
        .iter()
        .map(|&i| output_geometry(&layer.features[i], q.crs))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let features: Vec<FeatureOut> = page
        .iter()
        .zip(&geometries)
        .map(|(&i, g)| {
            let f = &layer.features[i];
            FeatureOut {
                id: &f.id,
                geometry: g,
                properties: &f.properties,
                length_m: length_m(kind, f),
                links: None,
                redact,
                multi: kind.is_polygonal(),
            }
        })
        .collect();

    let href = format!("{base}/collections/{}/items", kind.id());
    let mut links = vec![
        Link::new(
            format!("{href}?{}", q.query_string(q.offset)),
            "self",
            GEOJSON,
        )
        .titled("This page"),
        Link::new(
            format!("{base}/collections/{}", kind.id()),
            "collection",
            JSON,
        )
        .titled(kind.title()),
    ];
    if end < matched.len() {
        links.push(
            Link::new(format!("{href}?{}", q.query_string(end)), "next", GEOJSON)
                .titled("Next page"),
        );
    }
    if q.offset > 0 {
        let prev = q.offset.saturating_sub(q.limit);
        links.push(
            Link::new(format!("{href}?{}", q.query_string(prev)), "prev", GEOJSON)
                .titled("Previous page"),
        );
    }
    let body = Page {
        kind: "FeatureCollection",
        number_returned: features.len(),
        features,
        number_matched: matched.len(),
        time_stamp: now_rfc3339(),
        links,
    };
    let bytes = serde_json::to_vec(&body)?;
    Ok(geojson_response(bytes, q.crs, None))
}

/// Features of a layer
///
/// A page of features, with `numberMatched`, `numberReturned` and `next`/`prev` links.
/// Besides the parameters below, any property of the layer filters by equality
/// (`?status=planned`; see `/collections/{collectionId}/queryables`): text compares
/// exactly, numbers numerically, booleans as `true`/`false`, and `null` matches a missing
/// value. Any other parameter is refused with a 400 that names it; a personal property is
/// a 403 for the public.
#[utoipa::path(
    get,
    path = "/collections/{collectionId}/items",
    tag = TAG_OGC,
    operation_id = "getFeatures",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        // No `maximum`: OGC API – Features 1.0 (/req/core/fc-limit-response-1) wants a
        // limit above the largest page served as the largest page, not refused.
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 18446744073709551615usize,
            description = "Page size: 10 by default, at most 10000 (a larger limit is served as 10000)"),
        ("offset" = Option<usize>, Query, maximum = 18446744073709551615usize, description = "Features to skip (0 by default)"),
        ("bbox" = Option<Vec<f64>>, Query, style = Form, explode = false, min_items = 4, max_items = 6,
            description = "minx,miny,maxx,maxy in bbox-crs (lon,lat in CRS84), or six numbers with heights (ignored); minx ≤ maxx, miny ≤ maxy"),
        ("bbox-crs" = Option<docs::CrsUri>, Query, description = "The CRS of bbox (CRS84 by default)"),
        ("crs" = Option<docs::CrsUri>, Query, description = "The CRS of the coordinates served (CRS84 by default), echoed in Content-Crs"),
        ("datetime" = Option<String>, Query, description = "Accepted and ignored: the layers carry no time, so every feature matches"),
        ("f" = inline(Option<docs::JsonOrGeoJson>), Query, description = "The encoding: GeoJSON either way"),
    ),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection", body = docs::FeatureCollection, content_type = GEOJSON,
            headers(("Content-Crs" = String, description = "The CRS of the coordinates, as `<URI>`")),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 403, response = docs::Forbidden),
        (status = 404, response = docs::NotFound),
    )
)]
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let kind = collection_kind(&id)?;
    let data = state.dataset();
    let base = base_url(&headers);
    let redact = redaction(kind, &caller);
    crate::api::compute(move || items_page(&data, kind, &pairs, &base, redact)).await?
}

/// One feature
///
/// With its `ETag`: for a caller who sees the whole feature (viewer and above) it is the
/// feature's version, to send back in `If-Match` when changing it.
#[utoipa::path(
    get,
    path = "/collections/{collectionId}/items/{featureId}",
    tag = TAG_OGC,
    operation_id = "getFeature",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        ("featureId" = String, Path, description = "The feature id"),
        ("crs" = Option<docs::CrsUri>, Query, description = "The CRS of the coordinates served (CRS84 by default), echoed in Content-Crs"),
        ("f" = inline(Option<docs::JsonOrGeoJson>), Query, description = "The encoding: GeoJSON either way"),
    ),
    responses(
        (status = 200, description = "A GeoJSON Feature", body = docs::Feature, content_type = GEOJSON,
            headers(
                ("Content-Crs" = String, description = "The CRS of the coordinates, as `<URI>`"),
                ("ETag" = String, description = "The feature's version (viewers and above), or a digest of the redacted answer (the public)"),
            ),
        ),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let kind = collection_kind(&id)?;
    let mut crs = Crs::Wgs84;
    let mut seen = HashSet::new();
    for (name, value) in &pairs {
        if !seen.insert(name.as_str()) {
            return Err(bad(format!("`{name}` is given more than once")));
        }
        match name.as_str() {
            "crs" => crs = parse_crs("crs", value)?,
            "f" if matches!(value.as_str(), "json" | "geojson") => {}
            "f" => {
                return Err(bad(format!(
                    "f=`{value}` is not offered; use f=json or f=geojson"
                )));
            }
            _ => {
                return Err(bad(format!(
                    "unknown query parameter `{name}`: a single feature takes only crs and f"
                )));
            }
        }
    }
    let data = state.dataset();
    let layer = data.layer(kind);
    let f = layer.get(&fid).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no feature `{fid}` in the {} collection",
            kind.id()
        ))
    })?;
    let base = base_url(&headers);
    let collection = format!("{base}/collections/{}", kind.id());
    let self_href = match crs {
        Crs::Wgs84 => format!("{collection}/items/{}", encode(&fid)),
        other => format!(
            "{collection}/items/{}?crs={}",
            encode(&fid),
            encode(other.uri())
        ),
    };
    let links = [
        Link::new(self_href, "self", GEOJSON).titled("This feature"),
        Link::new(collection, "collection", JSON).titled(kind.title()),
    ];
    let geometry = output_geometry(f, crs)?;
    let redact = redaction(kind, &caller);
    let out = FeatureOut {
        id: &f.id,
        geometry: &geometry,
        properties: &f.properties,
        length_m: length_m(kind, f),
        links: Some(&links),
        redact,
        multi: kind.is_polygonal(),
    };
    let bytes = serde_json::to_vec(&out)?;
    // A caller who sees the whole feature gets its version, which editors send back in
    // If-Match (Part 4, src/api/edit.rs); a redacted answer gets a digest of its own
    // bytes, which says nothing of what was left out.
    let etag = match redact {
        None => crate::api::etag::of_feature(f),
        Some(_) => crate::api::etag::of_bytes(&bytes),
    };
    Ok(geojson_response(bytes, crs, Some(etag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn timestamps_are_rfc3339() {
        // `date -u -d @1700000000 +%FT%TZ` → 2023-11-14T22:13:20Z; 951782400 is 2000-02-29.
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn limit_is_clamped_and_checked() {
        assert_eq!(parse_limit("5").ok(), Some(5));
        assert_eq!(parse_limit("10000").ok(), Some(MAX_LIMIT));
        assert_eq!(parse_limit("99999999999999999999").ok(), None);
        assert_eq!(parse_limit("20000").ok(), Some(MAX_LIMIT));
        for wrong in ["0", "-1", "ten", "", "1.5"] {
            assert!(parse_limit(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn bbox_checks_name_the_problem() {
        let msg = |t: &str| match parse_bbox(t, Crs::Wgs84) {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("{t}: {other:?}"),
        };
        assert!(msg("1,2,3").contains("has 3 numbers"));
        assert!(msg("a,2,3,4").contains("`a` is not a finite number"));
        assert!(msg("19.2,105.7,19.3,105.8").contains("swapped"));
        assert!(msg("105.8,19.2,105.7,19.3").contains("minx 105.8 is greater than maxx 105.7"));
        assert!(msg("105.7,19.3,105.8,19.2").contains("miny"));
        let r = parse_bbox("105.7, 19.2, 0, 105.8, 19.3, 10", Crs::Wgs84).expect("6 numbers");
        assert_eq!((r.min().x, r.max().y), (105.7, 19.3));
        assert!(parse_bbox("599000,2126000,600000,2127000", Crs::Tm3NgheAn).is_ok());
    }

    #[test]
    fn serving_a_layer_leaves_no_parsed_properties_behind() {
        // Every parcel of the sample, whole and redacted for the public, with a property
        // filter: the features keep their text only, so memory does not grow with reads.
        let data = Dataset::load(std::path::Path::new("data")).expect("the sample loads");
        for redact in [None, Some(LayerKind::Parcels)] {
            for q in [
                vec![("limit", "10000")],
                vec![("limit", "10000"), ("clearance_status", "donated")],
            ] {
                let r =
                    items_page(&data, LayerKind::Parcels, &pairs(&q), "", redact).expect("a page");
                assert_eq!(r.status(), axum::http::StatusCode::OK);
            }
        }
        let kept = data
            .parcels
            .features
            .iter()
            .filter(|f| f.properties.keeps_a_map())
            .count();
        assert_eq!(
            kept, 0,
            "{kept} parcels keep a parsed map after being served"
        );
    }

    #[test]
    fn unknown_parameters_are_refused_and_properties_filter() {
        let props = ["name", "status"];
        let q = ItemsQuery::parse(
            &pairs(&[("status", "planned"), ("limit", "2")]),
            LayerKind::Canals,
            &props,
            &[],
        )
        .expect("valid");
        assert_eq!(q.equals, vec![("status".to_owned(), "planned".to_owned())]);
        assert_eq!(q.query_string(4), "status=planned&limit=2&offset=4");
        let e = ItemsQuery::parse(&pairs(&[("stauts", "x")]), LayerKind::Canals, &props, &[])
            .expect_err("a typo");
        assert!(e.to_string().contains("`stauts`"), "{e}");
        assert!(
            ItemsQuery::parse(
                &pairs(&[("limit", "1"), ("limit", "2")]),
                LayerKind::Canals,
                &props,
                &[]
            )
            .is_err()
        );
    }

    #[test]
    fn links_keep_parameters_encoded() {
        let q = ItemsQuery::parse(
            &pairs(&[("name", "Mương A&B"), ("crs", "EPSG:9208")]),
            LayerKind::Canals,
            &["name"],
            &[],
        )
        .expect("valid");
        assert_eq!(
            q.query_string(10),
            "name=M%C6%B0%C6%A1ng%20A%26B&crs=EPSG:9208&limit=10&offset=10"
        );
    }
}
