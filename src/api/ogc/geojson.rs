//! Writing features as GeoJSON straight from geo types and the stored properties, so a page
//! of 10 000 features is serialised once into bytes without an intermediate
//! `serde_json::Value` tree.

use geo::{Coord, Geometry, LineString, Polygon};
use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;

use super::is_personal;
use crate::model::LayerKind;
use crate::store::FeatureProperties;

/// A link of an OGC API response.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Link {
    /// Target.
    pub href: String,
    /// Relation.
    pub rel: &'static str,
    /// Media type of the target.
    #[serde(rename = "type")]
    pub media_type: &'static str,
    /// Human title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Link {
    /// A link without a title.
    pub fn new(href: String, rel: &'static str, media_type: &'static str) -> Link {
        Link {
            href,
            rel,
            media_type,
            title: None,
        }
    }

    /// The same link with a title.
    pub fn titled(mut self, title: impl Into<String>) -> Link {
        self.title = Some(title.into());
        self
    }
}

/// One feature as GeoJSON: the geometry already in the output CRS, the stored properties
/// and, for canals, the computed `length_m` (which replaces a stored one).
pub struct FeatureOut<'a> {
    /// Feature id.
    pub id: &'a str,
    /// Geometry in the output CRS.
    pub geometry: &'a Geometry,
    /// Stored properties.
    pub properties: &'a FeatureProperties,
    /// Geodesic length in metres, for lines.
    pub length_m: Option<f64>,
    /// Links, for a feature served on its own.
    pub links: Option<&'a [Link]>,
    /// The layer whose personal properties are left out, for callers who may not see them.
    pub redact: Option<LayerKind>,
    /// Whether a Polygon is written as a one-part MultiPolygon: a polygon layer holds
    /// both, and serves one type so that a client (GDAL writing a GeoPackage from the
    /// first features it sees) does not declare Polygon and then meet a MultiPolygon.
    pub multi: bool,
}

impl Serialize for FeatureOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", "Feature")?;
        m.serialize_entry("id", self.id)?;
        match self.geometry {
            Geometry::Polygon(p) if self.multi => {
                m.serialize_entry("geometry", &OnePartMultiPolygon(p))?;
            }
            g => m.serialize_entry("geometry", &GeometryOut(g))?,
        }
        m.serialize_entry(
            "properties",
            &PropertiesOut {
                stored: self.properties,
                length_m: self.length_m,
                redact: self.redact,
            },
        )?;
        if let Some(links) = self.links {
            m.serialize_entry("links", links)?;
        }
        m.end()
    }
}

struct PropertiesOut<'a> {
    stored: &'a FeatureProperties,
    length_m: Option<f64>,
    redact: Option<LayerKind>,
}

impl Serialize for PropertiesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Straight from the stored text when nothing is left out or added; otherwise from a
        // map parsed for this answer and dropped. Reading through the properties' cached map
        // (Deref) would keep a parsed map on every feature ever served: a client paging
        // through the parcels layer grew the service by 2.3 KB per parcel.
        if self.length_m.is_none() && self.redact.is_none() {
            return self.stored.serialize(s);
        }
        let mut text = self.stored.json_text_where(|k| {
            let computed = self.length_m.is_some() && k == "length_m";
            let hidden = self.redact.is_some_and(|kind| is_personal(kind, k));
            !computed && !hidden
        });
        if let Some(l) = self.length_m {
            text.pop();
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str("\"length_m\":");
            text.push_str(
                &serde_json::to_string(&((l * 100.0).round() / 100.0)).map_err(S::Error::custom)?,
            );
            text.push('}');
        }
        RawValue::from_string(text)
            .map_err(S::Error::custom)?
            .serialize(s)
    }
}

/// A geo geometry as an RFC 7946 geometry object.
pub struct GeometryOut<'a>(pub &'a Geometry);

/// A Polygon written as a MultiPolygon of one part, without a copy.
struct OnePartMultiPolygon<'a>(&'a geo::Polygon);

impl Serialize for OnePartMultiPolygon<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("type", "MultiPolygon")?;
        m.serialize_entry("coordinates", &[Rings(self.0)])?;
        m.end()
    }
}

impl Serialize for GeometryOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self.0 {
            Geometry::Point(p) => {
                m.serialize_entry("type", "Point")?;
                m.serialize_entry("coordinates", &Position(p.0))?;
            }
            Geometry::MultiPoint(mp) => {
                m.serialize_entry("type", "MultiPoint")?;
                m.serialize_entry(
                    "coordinates",
                    &Seq(mp.0.iter().map(|p| Position(p.0)).collect()),
                )?;
            }
            Geometry::Line(l) => {
                m.serialize_entry("type", "LineString")?;
                m.serialize_entry("coordinates", &[Position(l.start), Position(l.end)])?;
            }
            Geometry::LineString(l) => {
                m.serialize_entry("type", "LineString")?;
                m.serialize_entry("coordinates", &Positions(l))?;
            }
            Geometry::MultiLineString(ml) => {
                m.serialize_entry("type", "MultiLineString")?;
                m.serialize_entry("coordinates", &Seq(ml.0.iter().map(Positions).collect()))?;
            }
            Geometry::Polygon(p) => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", &Rings(p))?;
            }
            Geometry::MultiPolygon(mp) => {
                m.serialize_entry("type", "MultiPolygon")?;
                m.serialize_entry("coordinates", &Seq(mp.0.iter().map(Rings).collect()))?;
            }
            Geometry::Rect(r) => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", &Rings(&r.to_polygon()))?;
            }
            Geometry::Triangle(t) => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", &Rings(&t.to_polygon()))?;
            }
            Geometry::GeometryCollection(gc) => {
                m.serialize_entry("type", "GeometryCollection")?;
                m.serialize_entry("geometries", &Seq(gc.0.iter().map(GeometryOut).collect()))?;
            }
        }
        m.end()
    }
}

struct Position(Coord);

impl Serialize for Position {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.0.x, self.0.y].serialize(s)
    }
}

struct Positions<'a>(&'a LineString);

impl Serialize for Positions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.0.len()))?;
        for c in &self.0.0 {
            seq.serialize_element(&Position(*c))?;
        }
        seq.end()
    }
}

struct Rings<'a>(&'a Polygon);

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(1 + self.0.interiors().len()))?;
        seq.serialize_element(&Positions(self.0.exterior()))?;
        for ring in self.0.interiors() {
            seq.serialize_element(&Positions(ring))?;
        }
        seq.end()
    }
}

struct Seq<T>(Vec<T>);

impl<T: Serialize> Serialize for Seq<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::wkt;
    use serde_json::json;

    #[test]
    fn geometries_are_written_as_rfc7946() {
        let g: Geometry = wkt! { POLYGON((0. 0., 1. 0., 1. 1., 0. 0.)) }.into();
        assert_eq!(
            serde_json::to_value(GeometryOut(&g)).expect("serialises"),
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]})
        );
        let g: Geometry = wkt! { POINT(105.7 19.22) }.into();
        assert_eq!(
            serde_json::to_string(&GeometryOut(&g)).expect("serialises"),
            r#"{"type":"Point","coordinates":[105.7,19.22]}"#
        );
    }

    #[test]
    fn computed_length_replaces_a_stored_one_and_is_rounded() {
        let props = json!({"name": "Mương", "length_m": 1}).as_object().cloned();
        let props = props.expect("an object");
        let g: Geometry = wkt! { LINESTRING(0. 0., 1. 1.) }.into();
        let props = FeatureProperties::from(props);
        let f = FeatureOut {
            id: "c",
            geometry: &g,
            properties: &props,
            length_m: Some(12.3456),
            links: None,
            redact: None,
            multi: false,
        };
        let v = serde_json::to_value(&f).expect("serialises");
        assert_eq!(v["properties"], json!({"name": "Mương", "length_m": 12.35}));
        assert_eq!(v["id"], "c");
    }
}
