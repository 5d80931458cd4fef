//! Reading a layer file at scale: the FeatureCollection is split into one raw JSON text
//! per feature in a single pass, then the features are parsed on every core, each
//! straight into geo types, its checked properties text and its typed record.
//!
//! The `geojson` crate builds a `serde_json::Value` tree of every coordinate before it
//! converts to geo; reading positions directly saves most of the time and all of the
//! transient memory of that tree.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use serde::Deserialize;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Feature, FeatureProperties, LoadError, check_shape, check_type};
use crate::model::{LayerKind, Properties, PropertyError};

#[derive(Deserialize)]
struct RawCollection<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    features: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawFeature<'a> {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default, borrow)]
    geometry: Option<RawGeometry<'a>>,
    #[serde(default)]
    properties: Option<Properties>,
}

#[derive(Deserialize)]
struct RawGeometry<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    coordinates: Option<&'a RawValue>,
}

/// A GeoJSON position: longitude, latitude and an ignored height.
struct Pos(Coord);

impl<'de> Deserialize<'de> for Pos {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pos;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position [longitude, latitude]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pos, A::Error> {
                let x: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Pos(Coord { x, y }))
            }
        }
        d.deserialize_seq(V)
    }
}

// The vectors are cut to their length: serde grows them by doubling, and a converted
// vector keeps its source's capacity, which for a million parcels was a fifth of the
// memory the geometries took.
fn line(ps: Vec<Pos>) -> LineString {
    let mut coords: Vec<Coord> = ps.into_iter().map(|p| p.0).collect();
    coords.shrink_to_fit();
    LineString(coords)
}

fn polygon(rings: Vec<Vec<Pos>>) -> Result<Polygon, String> {
    let mut rings = rings.into_iter();
    let exterior = rings
        .next()
        .ok_or_else(|| "bad geometry: a Polygon needs an exterior ring".to_owned())?;
    let mut interiors: Vec<LineString> = rings.map(line).collect();
    interiors.shrink_to_fit();
    Ok(Polygon::new(line(exterior), interiors))
}

/// Reads and checks a geometry as [`super::check_geometry`] does, without `geojson`.
fn geometry(kind: LayerKind, g: &RawGeometry) -> Result<Geometry, String> {
    let type_name = g.kind.as_ref();
    check_type(kind, type_name)?;
    let text = g
        .coordinates
        .map(RawValue::get)
        .ok_or_else(|| "bad geometry: no coordinates".to_owned())?;
    let bad = |e: serde_json::Error| format!("bad geometry: {e}");
    let geom = match type_name {
        "Point" => Geometry::Point(Point(serde_json::from_str::<Pos>(text).map_err(bad)?.0)),
        "LineString" => Geometry::LineString(line(serde_json::from_str(text).map_err(bad)?)),
        "Polygon" => Geometry::Polygon(polygon(serde_json::from_str(text).map_err(bad)?)?),
        "MultiPolygon" => {
            let polys: Vec<Vec<Vec<Pos>>> = serde_json::from_str(text).map_err(bad)?;
            let mut polys: Vec<Polygon> =
                polys.into_iter().map(polygon).collect::<Result<_, _>>()?;
            polys.shrink_to_fit();
            Geometry::MultiPolygon(MultiPolygon(polys))
        }
        other => return Err(format!("bad geometry: unsupported type {other}")),
    };
    check_shape(&geom)?;
    Ok(geom)
}

/// Parses one feature: id, checked geometry, bounding box, properties and typed record.
fn feature<T>(
    path: &Path,
    kind: LayerKind,
    pos: usize,
    raw: &RawValue,
    record: fn(&str, &Properties) -> Result<T, PropertyError>,
) -> Result<(Feature, T), LoadError> {
    let fail = |id: String, problem: String| LoadError::Feature {
        path: path.to_owned(),
        id,
        problem,
    };
    let f: RawFeature = serde_json::from_str(raw.get())
        .map_err(|e| fail(format!("#{pos}"), format!("not a GeoJSON Feature: {e}")))?;
    let props = f.properties.unwrap_or_default();
    let id = match (&f.id, props.get("id")) {
        (Some(Value::String(s)), _) => s.clone(),
        (Some(Value::Number(n)), _) => n.to_string(),
        (None | Some(Value::Null), Some(Value::String(s))) => s.clone(),
        _ => return Err(fail(format!("#{pos}"), "has no id".into())),
    };
    if id.is_empty() || !id.is_ascii() || id.contains('/') {
        return Err(fail(
            format!("#{pos}"),
            format!("id {id:?} must be non-empty ASCII without '/'"),
        ));
    }
    let Some(g) = f.geometry else {
        return Err(fail(id, "has no geometry".into()));
    };
    let geometry = geometry(kind, &g).map_err(|p| fail(id.clone(), p))?;
    if crate::index::bounding_box(&geometry).is_none() {
        return Err(fail(id.clone(), "empty geometry".into()));
    }
    let rec = record(&id, &props).map_err(|e| fail(id.clone(), e.to_string()))?;
    Ok((
        Feature {
            id,
            geometry,
            properties: FeatureProperties::from_map(&props),
        },
        rec,
    ))
}

/// Parses a layer from GeoJSON text, each feature's properties into a record with
/// `record`, on every core; checks ids are unique.
pub(super) fn parse_layer_with<T: Send>(
    path: &Path,
    kind: LayerKind,
    text: &str,
    record: fn(&str, &Properties) -> Result<T, PropertyError>,
) -> Result<(Vec<Feature>, Vec<T>), LoadError> {
    let fc: RawCollection = serde_json::from_str(text).map_err(|e| LoadError::NotGeoJson {
        path: path.to_owned(),
        problem: e.to_string(),
    })?;
    if fc.kind != "FeatureCollection" {
        return Err(LoadError::NotGeoJson {
            path: path.to_owned(),
            problem: format!("type is {}, not FeatureCollection", fc.kind),
        });
    }
    let n = fc.features.len();
    let threads = if n < 2_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |t| t.get())
    };
    let per = n.div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<(Feature, T)>, LoadError>> = std::thread::scope(|s| {
        let handles: Vec<_> = fc
            .features
            .chunks(per)
            .enumerate()
            .map(|(c, chunk)| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(k, raw)| feature(path, kind, c * per + k, raw, record))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut features = Vec::with_capacity(n);
    let mut records = Vec::with_capacity(n);
    for part in parts {
        for (f, r) in part? {
            features.push(f);
            records.push(r);
        }
    }
    let mut seen: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(n);
    for (pos, f) in features.iter().enumerate() {
        if let Some(first) = seen.insert(f.id.as_str(), pos) {
            return Err(LoadError::Feature {
                path: path.to_owned(),
                id: f.id.clone(),
                problem: format!("duplicate id (first at feature #{first})"),
            });
        }
    }
    drop(seen);
    Ok((features, records))
}
