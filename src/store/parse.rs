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
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Feature, FeatureProperties, LoadError};
use crate::model::geometry::{check_closed, check_shape, check_type};
use crate::model::schema::check_properties;
use crate::model::{LayerKind, Properties, PropertyError};

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

fn polygon(rings: Vec<Vec<Pos>>, n: usize) -> Result<Polygon, String> {
    for (j, r) in rings.iter().enumerate() {
        let coords: Vec<Coord> = r.iter().map(|p| p.0).collect();
        check_closed(&coords, &super::ring_name(n, j)).map_err(|e| e.problem)?;
    }
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
    check_type(kind, type_name).map_err(|e| e.problem)?;
    let text = g
        .coordinates
        .map(RawValue::get)
        .ok_or_else(|| "bad geometry: no coordinates".to_owned())?;
    let bad = |e: serde_json::Error| format!("bad geometry: {e}");
    let geom = match type_name {
        "Point" => Geometry::Point(Point(serde_json::from_str::<Pos>(text).map_err(bad)?.0)),
        "LineString" => Geometry::LineString(line(serde_json::from_str(text).map_err(bad)?)),
        "Polygon" => Geometry::Polygon(polygon(serde_json::from_str(text).map_err(bad)?, 0)?),
        "MultiPolygon" => {
            let polys: Vec<Vec<Vec<Pos>>> = serde_json::from_str(text).map_err(bad)?;
            let mut polys: Vec<Polygon> = polys
                .into_iter()
                .enumerate()
                .map(|(n, p)| polygon(p, n))
                .collect::<Result<_, _>>()?;
            polys.shrink_to_fit();
            Geometry::MultiPolygon(MultiPolygon(polys))
        }
        other => return Err(format!("bad geometry: unsupported type {other}")),
    };
    check_shape(&geom).map_err(|e| e.problem)?;
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
    let mut props = f.properties.unwrap_or_default();
    crate::model::schema::strip_computed(kind, &mut props);
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
    check_properties(kind, &props).map_err(|e| fail(id.clone(), e.to_string()))?;
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

/// Features handed to a worker at a time.
const BATCH: usize = 4096;

/// Reads a FeatureCollection, handing its features' texts to `on_batch` a batch at a time
/// as they are read; returns the collection's `type` member.
struct CollectionSeed<'f> {
    on_batch: &'f mut dyn FnMut(Vec<Box<RawValue>>),
}

impl<'de> DeserializeSeed<'de> for CollectionSeed<'_> {
    type Value = Option<String>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CollectionSeed<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind: Option<String> = None;
        let mut features = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => kind = Some(map.next_value()?),
                // Features of what says it is something else are not read.
                "features" if kind.as_deref().is_none_or(|k| k == "FeatureCollection") => {
                    map.next_value_seed(FeaturesSeed {
                        on_batch: &mut *self.on_batch,
                    })?;
                    features = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match kind {
            None => Err(de::Error::missing_field("type")),
            Some(k) if k == "FeatureCollection" && !features => {
                Err(de::Error::missing_field("features"))
            }
            k => Ok(k),
        }
    }
}

/// The `features` array, in batches.
struct FeaturesSeed<'f> {
    on_batch: &'f mut dyn FnMut(Vec<Box<RawValue>>),
}

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            batch.push(raw);
            if batch.len() == BATCH {
                (self.on_batch)(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        }
        if !batch.is_empty() {
            (self.on_batch)(batch);
        }
        Ok(())
    }
}

/// Parses a layer from GeoJSON text, each feature's properties into a record with
/// `record`, on every core; checks ids are unique.
pub(super) fn parse_layer_with<T: Send>(
    path: &Path,
    kind: LayerKind,
    text: &str,
    record: fn(&str, &Properties) -> Result<T, PropertyError>,
) -> Result<(Vec<Feature>, Vec<T>), LoadError> {
    parse_layer_from(
        path,
        kind,
        text.len(),
        serde_json::Deserializer::from_str(text),
        record,
    )
}

/// Reads and parses a layer file as [`parse_layer_with`] does, without holding the file's
/// text: features are parsed in batches while the file is read, so that loading a 530 MB
/// parcels file does not first take 530 MB.
pub(super) fn read_layer_with<T: Send>(
    path: &Path,
    kind: LayerKind,
    record: fn(&str, &Properties) -> Result<T, PropertyError>,
) -> Result<(Vec<Feature>, Vec<T>), LoadError> {
    let file = std::fs::File::open(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let total_len = file.metadata().map_or(0, |m| m.len() as usize);
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    parse_layer_from(
        path,
        kind,
        total_len,
        serde_json::Deserializer::from_reader(reader),
        record,
    )
}

/// One batch parsed: its number, and its features with their records or the first error.
type Part<T> = (usize, Result<Vec<(Feature, T)>, LoadError>);

/// The parsed batches put back in file order as they arrive, each moved into the layer's
/// vectors and freed at once, so that a layer is never held twice (as batches and as the
/// final vectors) while it loads.
struct Merge<T> {
    features: Vec<Feature>,
    records: Vec<T>,
    /// The batch to append next.
    next: usize,
    /// Batches that came back before the one to append next.
    waiting: std::collections::BTreeMap<usize, Result<Vec<(Feature, T)>, LoadError>>,
    /// The first error in file order; nothing after it is kept.
    error: Option<LoadError>,
}

impl<T> Merge<T> {
    fn add(&mut self, (b, part): Part<T>) {
        self.waiting.insert(b, part);
        while let Some(part) = self.waiting.remove(&self.next) {
            self.next += 1;
            match part {
                _ if self.error.is_some() => {}
                Ok(part) => {
                    for (f, r) in part {
                        self.features.push(f);
                        self.records.push(r);
                    }
                }
                Err(e) => self.error = Some(e),
            }
        }
    }

    /// Room for the features of a text of `total` bytes, guessed from the first batch's
    /// mean feature length with a tenth to spare. Capacity that is never written is never
    /// resident, so a guess too high costs address space only; one too low, a regrowth.
    fn reserve_for(&mut self, total: usize, first: &[Box<RawValue>]) {
        let bytes: usize = first.iter().map(|r| r.get().len() + 2).sum();
        if bytes == 0 {
            return;
        }
        let mean = bytes.div_ceil(first.len()).max(40);
        let n = total / mean + total / mean / 10 + first.len();
        self.features.reserve(n);
        self.records.reserve(n);
    }
}

fn parse_layer_from<'de, R: serde_json::de::Read<'de>, T: Send>(
    path: &Path,
    kind: LayerKind,
    total_len: usize,
    mut de: serde_json::Deserializer<R>,
    record: fn(&str, &Properties) -> Result<T, PropertyError>,
) -> Result<(Vec<Feature>, Vec<T>), LoadError> {
    let not_geojson = |e: serde_json::Error| LoadError::NotGeoJson {
        path: path.to_owned(),
        problem: e.to_string(),
    };
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let mut merge = Merge {
        features: Vec::new(),
        records: Vec::new(),
        next: 0,
        waiting: std::collections::BTreeMap::new(),
        error: None,
    };
    let read = std::thread::scope(|s| {
        let (done_tx, done_rx) = std::sync::mpsc::channel::<Part<T>>();
        // Batch `i` goes to worker `i % threads`; the bounded queues keep at most two
        // batches waiting per worker.
        let (senders, workers): (Vec<_>, Vec<_>) = (0..threads)
            .map(|_| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Box<RawValue>>)>(2);
                let done = done_tx.clone();
                let worker = s.spawn(move || {
                    for (b, batch) in rx {
                        let part = batch
                            .iter()
                            .enumerate()
                            .map(|(k, raw)| feature(path, kind, b * BATCH + k, raw, record))
                            .collect();
                        drop(batch);
                        if done.send((b, part)).is_err() {
                            break;
                        }
                    }
                });
                (tx, worker)
            })
            .unzip();
        drop(done_tx);
        let mut next = 0;
        let mut on_batch = |batch: Vec<Box<RawValue>>| {
            if next == 0 {
                merge.reserve_for(total_len, &batch);
            }
            // A worker only stops early by panicking, which is resumed below.
            let _ = senders[next % threads].send((next, batch));
            next += 1;
            while let Ok(part) = done_rx.try_recv() {
                merge.add(part);
            }
        };
        let read = CollectionSeed {
            on_batch: &mut on_batch,
        }
        .deserialize(&mut de)
        .and_then(|kind| de.end().map(|()| kind));
        drop(senders);
        for part in done_rx {
            merge.add(part);
        }
        for w in workers {
            w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
        read
    });
    match read.map_err(not_geojson)? {
        Some(k) if k == "FeatureCollection" => {}
        k => {
            return Err(LoadError::NotGeoJson {
                path: path.to_owned(),
                problem: format!("type is {}, not FeatureCollection", k.unwrap_or_default()),
            });
        }
    }
    if let Some(e) = merge.error {
        return Err(e);
    }
    let (features, records) = (merge.features, merge.records);
    if let Some((first, pos)) = super::ids::IdIndex::first_duplicate(&features) {
        return Err(LoadError::Feature {
            path: path.to_owned(),
            id: features[pos].id.clone(),
            problem: format!("duplicate id (first at feature #{first})"),
        });
    }
    Ok((features, records))
}
