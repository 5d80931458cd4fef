//! `GET /tiles/{layer}/{z}/{x}/{y}.mvt`: a layer as Mapbox Vector Tiles ([`crate::tiles`]),
//! so that the map draws a province's parcels at every zoom.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ogc::collection_kind;
use super::openapi::TAG_OGC;
use super::{ApiError, AppState, docs};
use crate::auth::Caller;
use crate::tiles::TileId;

/// The media type of a vector tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// The tile routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(tile))
}

/// A layer as a Mapbox Vector Tile
///
/// One tile of the web-mercator grid (the one of OpenStreetMap's tiles), extent 4096, one
/// MVT layer named after the drainplan layer. Each feature carries its `id` and the few
/// properties the map styles by; personal ones (a parcel's `owner_household`) only for a
/// signed-in viewer or officer, as everywhere. Below zoom 15, parcels and households
/// narrower than two pixels are counted in two-pixel cells: one point each, with `count` and
/// the most telling status; parcels and households are not served below zoom 11. A tile
/// with nothing in it is answered `204 No Content`. The `ETag` is a digest of the bytes
/// sent (per role, since roles see different properties): send it back in
/// `If-None-Match` for a `304`.
#[utoipa::path(
    get,
    path = "/tiles/{collectionId}/{z}/{x}/{y}",
    tag = TAG_OGC,
    operation_id = "getTile",
    params(
        ("collectionId" = docs::CollectionId, Path, description = "The layer"),
        ("z" = u32, Path, description = "Zoom, 0 to 24", minimum = 0, maximum = 24),
        ("x" = u32, Path, description = "Column, 0 to 2^z − 1, from the antimeridian eastwards", minimum = 0, maximum = 16_777_215),
        ("y" = String, Path, description = "Row, 0 to 2^z − 1, from the north, followed by `.mvt`", pattern = r"^[0-9]{1,8}\.mvt$"),
    ),
    responses(
        (status = 200, description = "The tile", content_type = MVT, body = Vec<u8>,
            headers(
                ("ETag" = String, description = "A digest of the tile sent"),
                ("Cache-Control" = String, description = "`private, no-cache`: the data change with every edit, and roles see different properties"),
            ),
        ),
        (status = 204, description = "Nothing of the layer in this tile"),
        (status = 304, description = "The tile is the one `If-None-Match` names"),
        (status = 400, response = docs::BadRequest),
        (status = 404, response = docs::NotFound),
    )
)]
async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((layer, z, x, y)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let kind = collection_kind(&layer)?;
    let t = parse_tile(&z, &x, &y)?;
    let data = state.dataset();
    let personal = caller.sees_personal_data();
    let (bytes, _) = super::compute(move || crate::tiles::build(&data, kind, t, personal)).await?;
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    let vary = (header::VARY, HeaderValue::from_static("Authorization"));
    if bytes.is_empty() {
        return Ok((StatusCode::NO_CONTENT, [cache, vary]).into_response());
    }
    // The role goes into the digest: the same bytes may not be the same answer for
    // another role tomorrow, and a cached public tile must never satisfy a viewer.
    let mut tagged = bytes.clone();
    tagged.extend_from_slice(if personal { b"/personal" } else { b"/public" });
    let etag = super::etag::of_bytes(&tagged);
    let etag_header = (header::ETAG, etag.clone());
    if headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == etag.to_str().unwrap_or_default() || t.trim() == "*")
    {
        return Ok((StatusCode::NOT_MODIFIED, [cache, vary, etag_header]).into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(MVT)),
            cache,
            vary,
            etag_header,
        ],
        bytes,
    )
        .into_response())
}

/// `z`, `x` and `y.mvt` from the path, checked against the grid.
fn parse_tile(z: &str, x: &str, y: &str) -> Result<TileId, ApiError> {
    let bad = |what: &str, v: &str| {
        ApiError::BadRequest(format!(
            "the tile's {what} `{v}` is not a whole number; a tile is /tiles/{{layer}}/{{z}}/{{x}}/{{y}}.mvt"
        ))
    };
    let Some(row) = y.strip_suffix(".mvt") else {
        return Err(ApiError::BadRequest(format!(
            "`{y}`: a tile's address ends in .mvt (/tiles/{{layer}}/{{z}}/{{x}}/{{y}}.mvt); Mapbox Vector Tile is the one encoding offered"
        )));
    };
    let digits = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    if !digits(z) {
        return Err(bad("zoom", z));
    }
    if !digits(x) {
        return Err(bad("column x", x));
    }
    if !digits(row) {
        return Err(bad("row y", row));
    }
    // Digits past u64 are outside any grid: the grid check says so.
    let num = |v: &str| v.parse::<u64>().unwrap_or(u64::MAX);
    TileId::new(num(z), num(x), num(row)).map_err(|e| ApiError::BadRequest(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_parsed_at_the_door() {
        assert_eq!(
            parse_tile("14", "13_000", "7000.mvt")
                .map(|_| ())
                .unwrap_err()
                .to_string(),
            "the tile's column x `13_000` is not a whole number; a tile is /tiles/{layer}/{z}/{x}/{y}.mvt"
        );
        assert!(parse_tile("14", "13000", "7000.png").is_err());
        assert!(parse_tile("14", "13000", "7000").is_err());
        assert!(parse_tile("14", "16384", "0.mvt").is_err());
        assert!(parse_tile("-1", "0", "0.mvt").is_err());
        assert!(parse_tile("99999999999", "0", "0.mvt").is_err());
        assert_eq!(
            parse_tile("0", "9223372036854775806", "0.mvt")
                .map(|_| ())
                .unwrap_err()
                .to_string(),
            "tile 0/9223372036854775806/0 is outside the grid: at zoom 0, x and y go from 0 to 0"
        );
        assert_eq!(
            parse_tile("14", "13000", "7000.mvt").unwrap(),
            TileId {
                z: 14,
                x: 13000,
                y: 7000
            }
        );
    }
}
