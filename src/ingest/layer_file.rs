//! A layer file as the data directory keeps it: a FeatureCollection with one compact
//! feature per line (`type`, `id`, `geometry`, `properties`), WGS84 coordinates rounded
//! to 8 decimals (about 1 mm) and rings in RFC 7946 order (exterior counter-clockwise,
//! holes clockwise).

use std::fmt::Write as _;

use geo::orient::{Direction, Orient};
use geo::{Coord, Geometry, LineString, MapCoords, Polygon};
use serde_json::{Map, Value};

/// Rounds a degree value to 8 decimals.
pub fn round8(x: f64) -> f64 {
    (x * 1e8).round() / 1e8
}

/// `g` as a layer file stores a new geometry: rounded to 8 decimals, exteriors
/// counter-clockwise and holes clockwise.
pub fn normalise(g: &Geometry) -> Geometry {
    let rounded = g.map_coords(|c: Coord| Coord {
        x: round8(c.x),
        y: round8(c.y),
    });
    match rounded {
        Geometry::Polygon(p) => Geometry::Polygon(p.orient(Direction::Default)),
        Geometry::MultiPolygon(mp) => Geometry::MultiPolygon(mp.orient(Direction::Default)),
        other => other,
    }
}

fn coord(out: &mut String, c: &Coord) {
    // `{}` prints the shortest decimal that reads back to the same f64.
    let _ = write!(out, "[{},{}]", c.x, c.y);
}

fn line(out: &mut String, l: &LineString) {
    out.push('[');
    for (i, c) in l.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        coord(out, c);
    }
    out.push(']');
}

fn polygon(out: &mut String, p: &Polygon) {
    out.push('[');
    line(out, p.exterior());
    for hole in p.interiors() {
        out.push(',');
        line(out, hole);
    }
    out.push(']');
}

fn list<T>(out: &mut String, items: &[T], each: impl Fn(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}

/// A geometry as compact GeoJSON.
pub fn geometry_json(out: &mut String, g: &Geometry) {
    let kind = match g {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::LineString(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        other => {
            // Layers take none of the others; serialise through geojson rather than lose it.
            let v = geojson::Geometry::from(other);
            out.push_str(&serde_json::to_string(&v).unwrap_or_else(|_| "null".into()));
            return;
        }
    };
    let _ = write!(out, "{{\"type\":\"{kind}\",\"coordinates\":");
    match g {
        Geometry::Point(p) => coord(out, &p.0),
        Geometry::MultiPoint(mp) => list(out, &mp.0, |o, p| coord(o, &p.0)),
        Geometry::LineString(l) => line(out, l),
        Geometry::MultiLineString(ml) => list(out, &ml.0, line),
        Geometry::Polygon(p) => polygon(out, p),
        Geometry::MultiPolygon(mp) => list(out, &mp.0, polygon),
        _ => {}
    }
    out.push('}');
}

/// One feature as the compact line a layer file holds.
pub fn feature_line(out: &mut String, id: &str, g: &Geometry, properties: &Map<String, Value>) {
    out.push_str("{\"type\":\"Feature\",\"id\":");
    out.push_str(&Value::String(id.to_owned()).to_string());
    out.push_str(",\"geometry\":");
    geometry_json(out, g);
    out.push_str(",\"properties\":");
    out.push_str(&Value::Object(properties.clone()).to_string());
    out.push('}');
}

/// A whole layer file from its features, in order.
pub fn layer_text<'a>(
    features: impl Iterator<Item = (&'a str, &'a Geometry, Map<String, Value>)>,
) -> String {
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, (id, g, props)) in features.enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        feature_line(&mut out, id, g, &props);
    }
    out.push_str("\n]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn clockwise_rings_are_turned_and_rounded() {
        // Clockwise as drawn: (0,0) → (0,1) → (1,1) → (1,0).
        let cw = polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.000000001, y: 0.0)];
        let g = normalise(&Geometry::Polygon(cw));
        let mut s = String::new();
        geometry_json(&mut s, &g);
        assert_eq!(
            s,
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#
        );
    }

    #[test]
    fn a_file_is_one_feature_per_line() {
        let g = Geometry::Point(geo::Point::new(105.70005097, 19.21648203));
        let mut p = Map::new();
        p.insert("name".into(), Value::String("Đại Đồng".into()));
        let text = layer_text([("a", &g, p.clone()), ("b", &g, p)].into_iter());
        assert_eq!(
            text,
            "{\"type\":\"FeatureCollection\",\"features\":[\n\
             {\"type\":\"Feature\",\"id\":\"a\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[105.70005097,19.21648203]},\"properties\":{\"name\":\"Đại Đồng\"}},\n\
             {\"type\":\"Feature\",\"id\":\"b\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[105.70005097,19.21648203]},\"properties\":{\"name\":\"Đại Đồng\"}}\n\
             ]}\n"
        );
    }
}
