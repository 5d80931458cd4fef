//! A Mapbox Vector Tile of one layer written straight to protocol-buffer bytes
//! (specification 2.1, `vector_tile.proto`): each feature's tags and geometry commands
//! are written as the feature is built, from buffers reused across features, and keys
//! and values are tables of borrowed text until the end. geozero's writer built a
//! `geo` geometry, a prost `Feature` with two vectors and an owned value per tag for
//! each feature, then walked them all again to encode: a third of a tile's build.

use std::borrow::Cow;

use geo::Coord;
use hashbrown::HashMap;

/// The geometry type of a feature (`Tile.GeomType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    /// Points.
    Point = 1,
    /// Lines.
    LineString = 2,
    /// Polygons.
    Polygon = 3,
}

/// A property value (`Tile.Value`), text borrowed from the data set where it can be.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `string_value`.
    Str(Cow<'a, str>),
    /// `double_value`.
    Double(f64),
    /// `uint_value`.
    Uint(u64),
    /// `sint_value`.
    Sint(i64),
    /// `bool_value`.
    Bool(bool),
}

/// A value other than text, as a key of the value table (a double by its bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scalar {
    Double(u64),
    Uint(u64),
    Sint(i64),
    Bool(bool),
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Field `field` with wire type 2 (length-delimited): its key and length.
fn put_len(out: &mut Vec<u8>, field: u32, len: usize) {
    put_varint(out, u64::from(field << 3 | 2));
    put_varint(out, len as u64);
}

/// Field `field`, a packed list of `u32`: nothing when empty.
fn put_packed(out: &mut Vec<u8>, field: u32, values: &[u32]) {
    if values.is_empty() {
        return;
    }
    let len = values.iter().map(|&v| varint_len(u64::from(v))).sum();
    put_len(out, field, len);
    for &v in values {
        put_varint(out, u64::from(v));
    }
}

fn packed_len(field: u32, values: &[u32]) -> usize {
    if values.is_empty() {
        return 0;
    }
    let len: usize = values.iter().map(|&v| varint_len(u64::from(v))).sum();
    varint_len(u64::from(field << 3 | 2)) + varint_len(len as u64) + len
}

/// One MVT layer being written: the features so far as bytes, and the key and value
/// tables their tags point into.
#[derive(Debug, Default)]
pub struct LayerWriter<'a> {
    keys: Vec<&'a str>,
    values: Vec<Value<'a>>,
    texts: HashMap<Cow<'a, str>, u32>,
    scalars: HashMap<Scalar, u32>,
    /// A property's JSON text as stored, and its value's index (`None`: not a value a
    /// tile carries), so that each distinct text is parsed once.
    json: HashMap<Cow<'a, str>, Option<u32>>,
    features: Vec<u8>,
    count: usize,
    /// The feature being written: its tags, its geometry commands, and the cursor.
    tags: Vec<u32>,
    geometry: Vec<u32>,
    cursor: (i32, i32),
}

impl<'a> LayerWriter<'a> {
    /// Whether no feature was written.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn key(&mut self, key: &'a str) -> u32 {
        // A layer has a handful of keys.
        let i = match self.keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.keys.push(key);
                self.keys.len() - 1
            }
        };
        i as u32
    }

    fn value(&mut self, v: Value<'a>) -> u32 {
        let next = self.values.len() as u32;
        let i = match &v {
            Value::Str(s) => match self.texts.get(s.as_ref()) {
                Some(&i) => i,
                None => {
                    self.texts.insert(s.clone(), next);
                    next
                }
            },
            Value::Double(d) => *self
                .scalars
                .entry(Scalar::Double(d.to_bits()))
                .or_insert(next),
            Value::Uint(u) => *self.scalars.entry(Scalar::Uint(*u)).or_insert(next),
            Value::Sint(s) => *self.scalars.entry(Scalar::Sint(*s)).or_insert(next),
            Value::Bool(b) => *self.scalars.entry(Scalar::Bool(*b)).or_insert(next),
        };
        if i == next {
            self.values.push(v);
        }
        i
    }

    /// Tags the feature being written with `key` = `value`.
    pub fn tag(&mut self, key: &'a str, value: Value<'a>) {
        let k = self.key(key);
        let v = self.value(value);
        self.tags.extend([k, v]);
    }

    /// Tags the feature being written with `key` = the value whose JSON text is `json`;
    /// null, lists, objects and numbers out of range are left out.
    pub fn tag_json(&mut self, key: &'a str, json: Cow<'a, str>) {
        let v = match self.json.get(json.as_ref()) {
            Some(&v) => v,
            None => {
                let v = json_value(&json).map(|v| self.value(v));
                self.json.insert(json, v);
                v
            }
        };
        if let Some(v) = v {
            let k = self.key(key);
            self.tags.extend([k, v]);
        }
    }

    /// Adds `points` (whole tile units) to the feature being written.
    pub fn points(&mut self, points: &[Coord]) {
        self.geometry.push(command(MOVE_TO, points.len() as u32));
        for &p in points {
            self.to(p);
        }
    }

    /// Adds a line of at least two points to the feature being written.
    pub fn line(&mut self, line: &[Coord]) {
        let [first, rest @ ..] = line else {
            return;
        };
        self.path(*first, rest);
    }

    /// Adds a closed, wound ring (last point the first, at least four points) to the
    /// feature being written; its last point is the close-path command.
    pub fn ring(&mut self, ring: &[Coord]) {
        let [first, rest @ .., _] = ring else {
            return;
        };
        self.path(*first, rest);
        self.geometry.push(command(CLOSE_PATH, 1));
    }

    /// A move to `first`, then lines through `rest`.
    fn path(&mut self, first: Coord, rest: &[Coord]) {
        self.geometry.push(command(MOVE_TO, 1));
        self.to(first);
        self.geometry.push(command(LINE_TO, rest.len() as u32));
        for &p in rest {
            self.to(p);
        }
    }

    fn to(&mut self, p: Coord) {
        let (x, y) = (p.x as i32, p.y as i32);
        self.geometry.push(zigzag(x.wrapping_sub(self.cursor.0)));
        self.geometry.push(zigzag(y.wrapping_sub(self.cursor.1)));
        self.cursor = (x, y);
    }

    /// Whether the feature being written has any geometry yet.
    pub fn has_geometry(&self) -> bool {
        !self.geometry.is_empty()
    }

    /// Ends the feature being written: written out if it has geometry, else dropped (tag
    /// a feature once its geometry is written: a dropped one's values would stay in the
    /// table).
    pub fn finish(&mut self, kind: GeomType) {
        if !self.geometry.is_empty() {
            // Feature: tags (2), type (3), geometry (4).
            let len = packed_len(2, &self.tags) + 2 + packed_len(4, &self.geometry);
            put_len(&mut self.features, 2, len);
            put_packed(&mut self.features, 2, &self.tags);
            self.features.extend([3 << 3, kind as u8]);
            put_packed(&mut self.features, 4, &self.geometry);
            self.count += 1;
        }
        self.discard();
    }

    /// Forgets the feature being written.
    pub fn discard(&mut self) {
        self.tags.clear();
        self.geometry.clear();
        self.cursor = (0, 0);
    }

    /// The tile holding this one layer named `name`, with `extent` units a side.
    pub fn into_tile(self, name: &str, extent: u32) -> Vec<u8> {
        let mut layer = Vec::with_capacity(self.features.len() + 64 * self.values.len() + 64);
        // Layer: name (1), features (2), keys (3), values (4), extent (5), version (15).
        put_len(&mut layer, 1, name.len());
        layer.extend_from_slice(name.as_bytes());
        layer.extend_from_slice(&self.features);
        for k in &self.keys {
            put_len(&mut layer, 3, k.len());
            layer.extend_from_slice(k.as_bytes());
        }
        let mut value = Vec::new();
        for v in &self.values {
            value.clear();
            match v {
                Value::Str(s) => {
                    put_len(&mut value, 1, s.len());
                    value.extend_from_slice(s.as_bytes());
                }
                Value::Double(d) => {
                    value.push(3 << 3 | 1);
                    value.extend_from_slice(&d.to_le_bytes());
                }
                Value::Uint(u) => {
                    value.push(5 << 3);
                    put_varint(&mut value, *u);
                }
                Value::Sint(s) => {
                    value.push(6 << 3);
                    put_varint(&mut value, ((s << 1) ^ (s >> 63)) as u64);
                }
                Value::Bool(b) => {
                    value.push(7 << 3);
                    value.push(u8::from(*b));
                }
            }
            put_len(&mut layer, 4, value.len());
            layer.extend_from_slice(&value);
        }
        layer.push(5 << 3);
        put_varint(&mut layer, u64::from(extent));
        layer.push(15 << 3);
        layer.push(2);
        // Tile: layers (3).
        let mut tile = Vec::with_capacity(layer.len() + 8);
        put_len(&mut tile, 3, layer.len());
        tile.extend_from_slice(&layer);
        tile
    }
}

/// The tile value of a property's JSON text: a string, a boolean, an integer (`sint`)
/// or another number (`double`); `None` for null, lists and objects.
fn json_value(json: &str) -> Option<Value<'static>> {
    use serde_json::Value as J;
    match serde_json::from_str::<J>(json).ok()? {
        J::String(s) => Some(Value::Str(Cow::Owned(s))),
        J::Bool(b) => Some(Value::Bool(b)),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(Value::Sint(i)),
            (None, Some(x)) => Some(Value::Double(x)),
            (None, None) => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geozero::mvt::{Message, Tile};

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    #[test]
    fn prost_reads_back_what_is_written() {
        let mut w = LayerWriter::default();
        // A 10 × 10 square at (100, 200), clockwise on screen, closed.
        w.ring(&[
            c(100.0, 200.0),
            c(110.0, 200.0),
            c(110.0, 210.0),
            c(100.0, 210.0),
            c(100.0, 200.0),
        ]);
        w.tag("id", Value::Str("P-1".into()));
        w.tag_json("status", r#""awaiting""#.into());
        w.tag_json("depth_m", "1.5".into());
        w.tag_json("rank", "-3".into());
        w.tag_json("owner", "null".into());
        w.finish(GeomType::Polygon);
        w.points(&[c(5.0, 6.0)]);
        w.tag("count", Value::Uint(7));
        w.tag_json("status", r#""awaiting""#.into());
        w.finish(GeomType::Point);
        // No geometry: not written.
        w.finish(GeomType::Polygon);
        let bytes = w.into_tile("parcels", 4096);
        let tile = Tile::decode(bytes.as_slice()).unwrap();
        let layer = &tile.layers[0];
        assert_eq!(layer.name, "parcels");
        assert_eq!(layer.version, 2);
        assert_eq!(layer.extent, Some(4096));
        assert_eq!(
            layer.features.len(),
            2,
            "the feature without geometry is dropped"
        );
        assert_eq!(layer.keys, ["id", "status", "depth_m", "rank", "count"]);
        assert_eq!(layer.values.len(), 5, "`awaiting` once: {:?}", layer.values);
        assert_eq!(layer.values[0].string_value.as_deref(), Some("P-1"));
        assert_eq!(layer.values[1].string_value.as_deref(), Some("awaiting"));
        assert_eq!(layer.values[2].double_value, Some(1.5));
        assert_eq!(layer.values[3].sint_value, Some(-3));
        assert_eq!(layer.values[4].uint_value, Some(7));
        let (square, cell) = (&layer.features[0], &layer.features[1]);
        assert_eq!(square.r#type, Some(3));
        assert_eq!(square.tags, [0, 0, 1, 1, 2, 2, 3, 3]);
        // By hand (spec. 4.3): MoveTo(1) = 9, zigzag(100) = 200, zigzag(200) = 400;
        // LineTo(3) = 26, (+10, 0) = 20 0, (0, +10) = 0 20, (−10, 0) = 19 0; ClosePath = 15.
        assert_eq!(square.geometry, [9, 200, 400, 26, 20, 0, 0, 20, 19, 0, 15]);
        assert_eq!(cell.r#type, Some(1));
        assert_eq!(cell.tags, [4, 4, 1, 1]);
        // The cursor starts again at (0, 0) for each feature.
        assert_eq!(cell.geometry, [9, 10, 12]);
    }
}
