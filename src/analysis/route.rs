//! A route and a corridor width as a planner gives them, checked at the door.
//!
//! A route is a GeoJSON LineString (bare geometry or inside a Feature) in WGS84
//! longitude/latitude. It is refused, with a message that says why, when it is not a
//! LineString, has fewer than two distinct points, holds a coordinate that is not a finite
//! number, is given as latitude/longitude instead of longitude/latitude, has too many
//! vertices, or lies outside the area the data set covers.

use geo::{Coord, LineString, Rect};
use serde_json::Value;

use crate::store::Dataset;

/// The most vertices a route may have.
pub const MAX_ROUTE_VERTICES: usize = 10_000;
/// The widest corridor accepted, in metres.
pub const MAX_CORRIDOR_WIDTH_M: f64 = 200.0;

/// The narrowest corridor, in metres. A narrower one is no strip of land anyone could
/// take: buffered, a width of a few picometres collapses to an empty polygon, which the
/// dossier's drawings and shapefiles cannot hold (a corridor of 1e-12 m was refused there
/// with "an empty polygon" while the impact answered an area of 0 m²).
pub const MIN_CORRIDOR_WIDTH_M: f64 = 0.1;
/// The corridor width used when none is given, in metres.
pub const DEFAULT_CORRIDOR_WIDTH_M: f64 = 6.0;
/// How far outside the data's bounding box a route may reach, in degrees (about 1 km).
const EXTENT_MARGIN_DEG: f64 = 0.01;

/// Why a route or width was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    /// The input is not a GeoJSON geometry or Feature.
    #[error("route: {0}")]
    NotGeoJson(String),
    /// The geometry is of another type.
    #[error("route must be a LineString, found a {0}")]
    NotLineString(String),
    /// Fewer than two distinct points.
    #[error("route needs at least two distinct points, found {0}")]
    TooFewPoints(usize),
    /// Too many vertices.
    #[error("route has {0} vertices; the limit is {MAX_ROUTE_VERTICES}")]
    TooManyPoints(usize),
    /// A coordinate is NaN, infinite or not a number.
    #[error("route vertex {index}: {problem}")]
    BadCoordinate {
        /// Position of the vertex.
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// The route looks like latitude, longitude.
    #[error(
        "route coordinates look like latitude, longitude (first vertex [{y}, {x}]); GeoJSON takes longitude, latitude: send [{x}, {y}]"
    )]
    SwappedAxes {
        /// Longitude, as it should be sent.
        x: f64,
        /// Latitude, as it should be sent.
        y: f64,
    },
    /// The route leaves the area the data covers.
    #[error(
        "route vertex {index} at ({x}, {y}) is outside the area the data covers (lon {min_x:.4}..{max_x:.4}, lat {min_y:.4}..{max_y:.4})"
    )]
    OutsideData {
        /// Position of the vertex.
        index: usize,
        /// Its longitude.
        x: f64,
        /// Its latitude.
        y: f64,
        /// Data extent.
        min_x: f64,
        /// Data extent.
        min_y: f64,
        /// Data extent.
        max_x: f64,
        /// Data extent.
        max_y: f64,
    },
    /// The corridor width is not usable.
    #[error(
        "corridor_width_m must be a number of metres from {MIN_CORRIDOR_WIDTH_M} to {MAX_CORRIDOR_WIDTH_M}, found {0}"
    )]
    BadWidth(String),
}

/// Checks a corridor width in metres.
pub fn check_width(w: f64) -> Result<f64, RouteError> {
    if (MIN_CORRIDOR_WIDTH_M..=MAX_CORRIDOR_WIDTH_M).contains(&w) {
        Ok(w)
    } else {
        Err(RouteError::BadWidth(w.to_string()))
    }
}

/// Reads a route from a GeoJSON geometry or Feature and checks it against the data set's
/// extent.
pub fn parse_route(v: &Value, data: &Dataset) -> Result<LineString, RouteError> {
    parse_route_within(v, data.extent)
}

/// Reads a route and checks it against `extent` (WGS84).
pub fn parse_route_within(v: &Value, extent: Rect) -> Result<LineString, RouteError> {
    let Value::Object(obj) = v else {
        return Err(RouteError::NotGeoJson(format!(
            "expected a GeoJSON LineString geometry or Feature, found {}",
            json_kind(v)
        )));
    };
    let geometry = match obj.get("type").and_then(Value::as_str) {
        Some("Feature") => obj
            .get("geometry")
            .filter(|g| !g.is_null())
            .ok_or_else(|| RouteError::NotGeoJson("the Feature has no geometry".into()))?,
        Some("FeatureCollection") => {
            return Err(RouteError::NotLineString("FeatureCollection".into()));
        }
        Some(_) => v,
        None => return Err(RouteError::NotGeoJson("the object has no \"type\"".into())),
    };
    let gtype = geometry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("geometry without a type");
    if gtype != "LineString" {
        return Err(RouteError::NotLineString(gtype.to_owned()));
    }
    let Some(Value::Array(positions)) = geometry.get("coordinates") else {
        return Err(RouteError::NotGeoJson(
            "the LineString has no \"coordinates\" array".into(),
        ));
    };
    if positions.len() > MAX_ROUTE_VERTICES {
        return Err(RouteError::TooManyPoints(positions.len()));
    }
    let mut coords = Vec::with_capacity(positions.len());
    for (index, p) in positions.iter().enumerate() {
        let bad = |problem: &str| RouteError::BadCoordinate {
            index,
            problem: problem.to_owned(),
        };
        let Some(arr) = p.as_array() else {
            return Err(bad("a position must be an array [longitude, latitude]"));
        };
        if arr.len() < 2 || arr.len() > 3 {
            return Err(bad(
                "a position must be [longitude, latitude] or [longitude, latitude, height]",
            ));
        }
        let num = |i: usize| -> Result<f64, RouteError> {
            match arr[i].as_f64() {
                Some(x) if x.is_finite() => Ok(x),
                Some(_) => Err(bad("coordinate is not finite")),
                None => Err(bad(&format!("coordinate {} is not a number", arr[i]))),
            }
        };
        coords.push(Coord {
            x: num(0)?,
            y: num(1)?,
        });
    }
    let mut distinct = coords.clone();
    distinct.dedup();
    if distinct.len() < 2 {
        return Err(RouteError::TooFewPoints(distinct.len()));
    }
    check_inside(&distinct, extent)?;
    Ok(LineString(distinct))
}

/// Reads a route from a GeoJSON file: a LineString geometry, a Feature, or a
/// FeatureCollection holding exactly one LineString feature (as desktop GIS save it).
pub fn route_from_file(path: &std::path::Path, data: &Dataset) -> Result<geo::LineString, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let mut value: Value =
        serde_json::from_str(&text).map_err(|e| format!("{shown} is not JSON: {e}"))?;
    if value["type"] == "FeatureCollection" {
        let features = value["features"].as_array().cloned().unwrap_or_default();
        let [one] = &features[..] else {
            return Err(format!(
                "{shown}: a FeatureCollection route must hold exactly one feature, found {}",
                features.len()
            ));
        };
        value = one.clone();
    }
    parse_route(&value, data).map_err(|e| format!("{shown}: {e}"))
}

fn check_inside(coords: &[Coord], extent: Rect) -> Result<(), RouteError> {
    let inside = |c: &Coord| {
        c.x >= extent.min().x - EXTENT_MARGIN_DEG
            && c.x <= extent.max().x + EXTENT_MARGIN_DEG
            && c.y >= extent.min().y - EXTENT_MARGIN_DEG
            && c.y <= extent.max().y + EXTENT_MARGIN_DEG
    };
    if coords.iter().all(|c| !inside(c)) && coords.iter().all(|c| inside(&Coord { x: c.y, y: c.x }))
    {
        return Err(RouteError::SwappedAxes {
            x: coords[0].y,
            y: coords[0].x,
        });
    }
    if let Some((index, c)) = coords.iter().enumerate().find(|(_, c)| !inside(c)) {
        return Err(RouteError::OutsideData {
            index,
            x: c.x,
            y: c.y,
            min_x: extent.min().x,
            min_y: extent.min().y,
            max_x: extent.max().x,
            max_y: extent.max().y,
        });
    }
    Ok(())
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn extent() -> Rect {
        Rect::new(
            Coord {
                x: 105.68,
                y: 19.20,
            },
            Coord {
                x: 105.72,
                y: 19.24,
            },
        )
    }

    #[test]
    fn accepts_a_feature_or_a_geometry() {
        let g = json!({"type": "LineString", "coordinates": [[105.70, 19.22], [105.701, 19.22]]});
        assert_eq!(parse_route_within(&g, extent()).unwrap().0.len(), 2);
        let f = json!({"type": "Feature", "properties": {}, "geometry": g});
        assert_eq!(parse_route_within(&f, extent()).unwrap().0.len(), 2);
    }

    #[test]
    fn names_each_mistake() {
        let cases = [
            (
                json!({"type": "Point", "coordinates": [105.7, 19.22]}),
                "must be a LineString, found a Point",
            ),
            (
                json!({"type": "LineString", "coordinates": [[105.7, 19.22]]}),
                "at least two distinct points, found 1",
            ),
            (
                json!({"type": "LineString", "coordinates": [[105.7, 19.22], [105.7, 19.22]]}),
                "at least two distinct points, found 1",
            ),
            (
                json!({"type": "LineString", "coordinates": [[105.7, 19.22], [105.7, "x"]]}),
                "vertex 1: coordinate \"x\" is not a number",
            ),
            (
                json!({"type": "LineString", "coordinates": [[19.22, 105.70], [19.22, 105.701]]}),
                "look like latitude, longitude",
            ),
            (
                json!({"type": "LineString", "coordinates": [[106.5, 20.0], [106.6, 20.0]]}),
                "outside the area the data covers",
            ),
            (json!([1, 2]), "found an array"),
        ];
        for (input, want) in cases {
            let e = parse_route_within(&input, extent())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{input}: {e}");
        }
    }

    #[test]
    fn widths_must_be_positive_finite_and_sane() {
        assert_eq!(check_width(4.5).unwrap(), 4.5);
        for bad in [0.0, -2.0, 1e9, f64::NAN, f64::INFINITY] {
            assert!(check_width(bad).is_err(), "{bad}");
        }
    }
}
