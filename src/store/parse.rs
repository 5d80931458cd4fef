//! Reading a layer file at scale: the FeatureCollection is split into one JSON text per
//! feature in a single pass (a byte scan, [`Scanner`]), then the features are parsed on
//! every core, each straight into geo types, its checked properties text and its typed
//! record.
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
    text: &[u8],
    record: fn(&str, &Properties) -> Result<T, PropertyError>,
) -> Result<(Feature, T), LoadError> {
    let fail = |id: String, problem: String| LoadError::Feature {
        path: path.to_owned(),
        id,
        problem,
    };
    let text = std::str::from_utf8(text)
        .map_err(|e| fail(format!("#{pos}"), format!("not UTF-8 text: {e}")))?;
    let f: RawFeature = serde_json::from_str(text)
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

/// Bytes read from the file at a time.
const CHUNK: usize = 1 << 22;

/// The texts of a batch of features, one after the other in one buffer (a boxed text per
/// feature was two allocations each), with where each ends.
#[derive(Default)]
struct Batch {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl Batch {
    fn with_capacity(bytes: usize) -> Self {
        Batch {
            text: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(BATCH),
        }
    }

    fn push(&mut self, item: &[u8]) {
        self.text.extend_from_slice(item);
        self.ends.push(self.text.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Each feature's text.
    fn items(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.text[a..b])
    }
}

/// Why a FeatureCollection could not be split into its features' texts.
enum SplitError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The text is not a JSON object with a `features` array.
    Syntax(String),
}

/// Finds where each JSON value of a text ends with a byte scan (brackets, strings and
/// their escapes), reading the text in chunks; the values themselves are parsed later,
/// in full, by serde on the workers.
///
/// serde_json reading from an `io::Read` takes its bytes one call at a time: splitting
/// the file into features that way was a third of the loading time, on the one thread
/// every worker waits for.
struct Scanner<R> {
    reader: R,
    /// What one read fills.
    chunk: Box<[u8]>,
    /// Bytes read and not yet taken start at `pos`.
    buf: Vec<u8>,
    pos: usize,
    /// Lines before `buf`, and bytes since the last line end before it (for messages).
    lines: usize,
    column: usize,
    eof: bool,
}

/// The bytes a scan outside strings stops at: quotes, brackets, commas, whitespace.
const STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    let stops = *b"\"{}[], \t\n\r";
    let mut i = 0;
    while i < stops.len() {
        t[stops[i] as usize] = true;
        i += 1;
    }
    t
};

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<R: std::io::Read> Scanner<R> {
    fn new(reader: R) -> Self {
        Scanner {
            reader,
            chunk: vec![0; CHUNK].into_boxed_slice(),
            buf: Vec::with_capacity(CHUNK),
            pos: 0,
            lines: 0,
            column: 0,
            eof: false,
        }
    }

    /// Reads more of the text after what is held; false at its end. Bytes before `pos`
    /// are dropped, so `pos` becomes 0.
    fn more(&mut self) -> Result<bool, SplitError> {
        if self.eof {
            return Ok(false);
        }
        let dropped = &self.buf[..self.pos];
        self.lines += dropped.iter().filter(|&&b| b == b'\n').count();
        self.column = match dropped.iter().rposition(|&b| b == b'\n') {
            Some(end) => dropped.len() - end - 1,
            None => self.column + dropped.len(),
        };
        self.buf.drain(..self.pos);
        self.pos = 0;
        let n = loop {
            match self.reader.read(&mut self.chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SplitError::Io(e)),
            }
        };
        self.buf.extend_from_slice(&self.chunk[..n]);
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// The next byte that is not whitespace, not taken; `None` at the end of the text.
    fn peek(&mut self) -> Result<Option<u8>, SplitError> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                if !is_space(b) {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if !self.more()? {
                return Ok(None);
            }
        }
    }

    /// Takes `byte` after any whitespace, or says that `what` was expected.
    fn expect(&mut self, byte: u8, what: &str) -> Result<(), SplitError> {
        match self.peek()? {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            found => Err(self.unexpected(what, found)),
        }
    }

    /// "expected X, found Y at line L column C", at the read position.
    fn unexpected(&self, what: &str, found: Option<u8>) -> SplitError {
        let found = match found {
            None => "the end of the file".to_owned(),
            Some(b) if b.is_ascii_graphic() => format!("`{}`", b as char),
            Some(b) => format!("byte 0x{b:02x}"),
        };
        SplitError::Syntax(format!("expected {what}, found {found} {}", self.at()))
    }

    /// "at line L column C" of the read position (the column counted in bytes).
    fn at(&self) -> String {
        let before = &self.buf[..self.pos.min(self.buf.len())];
        let line = self.lines + before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = match before.iter().rposition(|&b| b == b'\n') {
            Some(end) => before.len() - end,
            None => self.column + before.len() + 1,
        };
        format!("at line {line} column {column}")
    }

    /// The length of the JSON value at the read position (after whitespace): up to its
    /// closing bracket or quote, or for a number or literal up to the next delimiter.
    fn value_len(&mut self) -> Result<usize, SplitError> {
        let Some(first) = self.peek()? else {
            return Err(self.unexpected("a value", None));
        };
        let (mut k, mut depth, mut in_string) = (0, 0_usize, false);
        loop {
            // Straight to the next byte that matters: most of a feature is digits.
            let rest = self.buf.get(self.pos + k..).unwrap_or_default();
            let skip = if in_string {
                rest.iter().position(|&b| b == b'"' || b == b'\\')
            } else {
                rest.iter().position(|&b| STRUCTURAL[usize::from(b)])
            };
            k += skip.unwrap_or(rest.len());
            let Some(&b) = self.buf.get(self.pos + k) else {
                if self.more()? {
                    continue;
                }
                if depth == 0 && !in_string && !matches!(first, b'{' | b'[' | b'"') {
                    return Ok(k);
                }
                return Err(SplitError::Syntax(format!(
                    "the file ends inside a value that starts {}",
                    self.at()
                )));
            };
            if in_string {
                match b {
                    b'\\' => k += 1,
                    b'"' => {
                        in_string = false;
                        if depth == 0 {
                            return Ok(k + 1);
                        }
                    }
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth == 0 => return Ok(k),
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(k + 1);
                        }
                    }
                    b',' if depth == 0 => return Ok(k),
                    b if depth == 0 && is_space(b) => return Ok(k),
                    _ => {}
                }
            }
            k += 1;
        }
    }

    /// Takes the next `len` bytes (a value [`Self::value_len`] measured).
    fn take(&mut self, len: usize) -> &[u8] {
        let start = self.pos;
        self.pos += len;
        &self.buf[start..self.pos]
    }

    /// Takes the next value and parses it as `T`; `what` names it in messages.
    fn parse<T: serde::de::DeserializeOwned>(&mut self, what: &str) -> Result<T, SplitError> {
        let n = self.value_len()?;
        let at = self.at();
        serde_json::from_slice(self.take(n))
            .map_err(|e| SplitError::Syntax(format!("{what} {at}: {e}")))
    }
}

/// Reads a FeatureCollection, handing its features' texts to `on_batch` a batch at a time
/// as they are read (it gives back an empty batch to fill next); returns the collection's
/// `type` member. The members other than
/// `type` and `features` are checked to be JSON and left out.
fn split_collection(
    reader: impl std::io::Read,
    on_batch: &mut dyn FnMut(Batch) -> Batch,
) -> Result<Option<String>, SplitError> {
    let mut s = Scanner::new(reader);
    s.expect(b'{', "a GeoJSON FeatureCollection object")?;
    let mut kind: Option<String> = None;
    let mut features = false;
    if s.peek()? == Some(b'}') {
        s.pos += 1;
    } else {
        loop {
            if s.peek()? != Some(b'"') {
                let found = s.peek()?;
                return Err(s.unexpected("a member name", found));
            }
            let key: String = s.parse("a member name")?;
            s.expect(b':', "`:`")?;
            match key.as_str() {
                "type" => kind = Some(s.parse("the type")?),
                // Features of what says it is something else are not read.
                "features" if kind.as_deref().is_none_or(|k| k == "FeatureCollection") => {
                    split_features(&mut s, on_batch)?;
                    features = true;
                }
                _ => {
                    s.parse::<IgnoredAny>(&format!("member {key:?}"))?;
                }
            }
            match s.peek()? {
                Some(b',') => s.pos += 1,
                Some(b'}') => {
                    s.pos += 1;
                    break;
                }
                found => return Err(s.unexpected("`,` or `}`", found)),
            }
        }
    }
    if let Some(b) = s.peek()? {
        return Err(s.unexpected("the end of the file", Some(b)));
    }
    match kind {
        None => Err(SplitError::Syntax("missing field `type`".into())),
        Some(k) if k == "FeatureCollection" && !features => {
            Err(SplitError::Syntax("missing field `features`".into()))
        }
        k => Ok(k),
    }
}

/// The `features` array, in batches.
fn split_features<R: std::io::Read>(
    s: &mut Scanner<R>,
    on_batch: &mut dyn FnMut(Batch) -> Batch,
) -> Result<(), SplitError> {
    s.expect(b'[', "an array of features")?;
    let mut batch = Batch::default();
    if s.peek()? == Some(b']') {
        s.pos += 1;
    } else {
        loop {
            let n = s.value_len()?;
            if n == 0 {
                let found = s.peek()?;
                return Err(s.unexpected("a feature", found));
            }
            batch.push(s.take(n));
            if batch.len() == BATCH {
                batch = on_batch(batch);
            }
            match s.peek()? {
                Some(b',') => s.pos += 1,
                Some(b']') => {
                    s.pos += 1;
                    break;
                }
                found => return Err(s.unexpected("`,` or `]`", found)),
            }
        }
    }
    if batch.len() > 0 {
        on_batch(batch);
    }
    Ok(())
}

/// Parses a layer from GeoJSON text, each feature's properties into a record with
/// `record`, on every core; checks ids are unique.
pub(super) fn parse_layer_with<T: Send>(
    path: &Path,
    kind: LayerKind,
    text: &str,
    record: fn(&str, &Properties) -> Result<T, PropertyError>,
) -> Result<(Vec<Feature>, Vec<T>), LoadError> {
    parse_layer_from(path, kind, text.len(), text.as_bytes(), record)
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
    parse_layer_from(path, kind, total_len, file, record)
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
    fn reserve_for(&mut self, total: usize, first: &Batch) {
        let bytes = first.text.len() + 2 * first.len();
        if bytes == 0 {
            return;
        }
        let mean = bytes.div_ceil(first.len()).max(40);
        let n = total / mean + total / mean / 10 + first.len();
        self.features.reserve(n);
        self.records.reserve(n);
    }
}

fn parse_layer_from<T: Send>(
    path: &Path,
    kind: LayerKind,
    total_len: usize,
    reader: impl std::io::Read,
    record: fn(&str, &Properties) -> Result<T, PropertyError>,
) -> Result<(Vec<Feature>, Vec<T>), LoadError> {
    let not_geojson = |e: SplitError| match e {
        SplitError::Io(source) => LoadError::Io {
            path: path.to_owned(),
            source,
        },
        SplitError::Syntax(problem) => LoadError::NotGeoJson {
            path: path.to_owned(),
            problem,
        },
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
        // Emptied batches go back to the reader to be filled again: a fresh 2 MB buffer
        // per batch was fresh pages for the kernel to clear, the whole file's size of
        // them (an eighth of the loading time).
        let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Batch>();
        // Batch `i` goes to worker `i % threads`; the bounded queues keep at most two
        // batches waiting per worker.
        let (senders, workers): (Vec<_>, Vec<_>) = (0..threads)
            .map(|_| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Batch)>(2);
                let done = done_tx.clone();
                let spare = spare_tx.clone();
                let worker = s.spawn(move || {
                    for (b, mut batch) in rx {
                        let part = batch
                            .items()
                            .enumerate()
                            .map(|(k, text)| feature(path, kind, b * BATCH + k, text, record))
                            .collect();
                        batch.text.clear();
                        batch.ends.clear();
                        let _ = spare.send(batch);
                        if done.send((b, part)).is_err() {
                            break;
                        }
                    }
                });
                (tx, worker)
            })
            .unzip();
        drop((done_tx, spare_tx));
        let mut next = 0;
        let mut on_batch = |batch: Batch| {
            if next == 0 {
                merge.reserve_for(total_len, &batch);
            }
            let bytes = batch.text.len();
            // A worker only stops early by panicking, which is resumed below.
            let _ = senders[next % threads].send((next, batch));
            next += 1;
            while let Ok(part) = done_rx.try_recv() {
                merge.add(part);
            }
            spare_rx
                .try_recv()
                .unwrap_or_else(|_| Batch::with_capacity(bytes))
        };
        let read = split_collection(reader, &mut on_batch);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its text one byte per read, so that every value crosses a read.
    struct ByteAtATime<'a>(&'a [u8]);

    impl std::io::Read for ByteAtATime<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn household(id: &str, head: &str) -> String {
        format!(
            r#"{{"type":"Feature","id":"{id}","geometry":{{"type":"Point","coordinates":[105.7, 19.2]}},"properties":{{"head":"{head}","village_id":"v","water_status":"registered"}}}}"#
        )
    }

    fn read(text: &str, bytewise: bool) -> Result<Vec<Feature>, LoadError> {
        let path = Path::new("h.geojson");
        let kind = LayerKind::Households;
        let none = |_: &str, _: &Properties| Ok(());
        let out = if bytewise {
            parse_layer_from(path, kind, text.len(), ByteAtATime(text.as_bytes()), none)
        } else {
            parse_layer_from(path, kind, text.len(), text.as_bytes(), none)
        };
        out.map(|(f, _)| f)
    }

    #[test]
    fn the_scan_finds_the_features_serde_finds() {
        // Strings holding brackets, braces, commas, escaped quotes and backslashes, and
        // members before, between and after the features.
        let heads = [
            r#"Lê {Văn] \"Tám\", [x}"#,
            r"ends in a backslash \\",
            r#"\u005d\"]}"#,
            "plain",
        ];
        let features: Vec<String> = heads
            .iter()
            .enumerate()
            .map(|(i, h)| household(&format!("h{i}"), h))
            .collect();
        let text = format!(
            " \n{{ \"name\" : \"a [b] {{c}}\", \"features\" :\r\n [ {} ]\t, \"bbox\": [1, 2, 3, 4], \"type\" : \"FeatureCollection\", \"crs\": {{\"type\": \"name\", \"properties\": {{\"name\": \"x\"}}}} }}\n",
            features.join(" ,\n ")
        );
        let expected: Value = serde_json::from_str(&text).unwrap();
        let expected = expected["features"].as_array().unwrap();
        for bytewise in [false, true] {
            let got = read(&text, bytewise).unwrap();
            assert_eq!(got.len(), expected.len());
            for (f, e) in got.iter().zip(expected) {
                assert_eq!(f.id, e["id"].as_str().unwrap());
                assert_eq!(
                    Value::Object(f.properties.to_map()),
                    e["properties"],
                    "bytewise: {bytewise}"
                );
            }
        }
        assert!(
            read(r#"{"type":"FeatureCollection","features":[]}"#, true)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_damaged_collection_says_where() {
        let f = household("h1", "A");
        let cases = [
            (
                format!(r#"{{"type":"FeatureCollection","features":[{f},]}}"#),
                "expected a feature, found `]` at line 1 column",
            ),
            (
                format!(r#"{{"type":"FeatureCollection","features":[{f} {f}]}}"#),
                "expected `,` or `]`, found `{`",
            ),
            (
                format!("{{\"type\":\"FeatureCollection\",\n\"features\":[{f}]}} x"),
                "expected the end of the file, found `x` at line 2 column",
            ),
            (
                format!(r#"{{"type":"FeatureCollection","features":[{f}"#),
                "expected `,` or `]`, found the end of the file",
            ),
            (
                format!(r#"{{"type":"FeatureCollection","features":[{}"#, &f[..40]),
                "the file ends inside a value that starts at line 1 column 41",
            ),
            (format!(r#"{{"features":[{f}]}}"#), "missing field `type`"),
            (
                r#"{"type":"FeatureCollection"}"#.to_owned(),
                "missing field `features`",
            ),
            (
                format!(r#"{{"type":"FeatureCollection","name":{{"a":]}},"features":[{f}]}}"#),
                "member \"name\" at line 1 column 36",
            ),
            (
                format!(r#"[{f}]"#),
                "expected a GeoJSON FeatureCollection object, found `[`",
            ),
            (
                String::new(),
                "expected a GeoJSON FeatureCollection object, found the end of the file",
            ),
        ];
        for (text, message) in cases {
            for bytewise in [false, true] {
                let e = read(&text, bytewise).unwrap_err().to_string();
                assert!(e.contains("not a GeoJSON FeatureCollection"), "{e}");
                assert!(e.contains(message), "{text}: {e}");
            }
        }
        // A damaged feature is refused by serde on the worker, with its position.
        let text = format!(r#"{{"type":"FeatureCollection","features":[{f},{{"id":"h2",}}]}}"#);
        let e = read(&text, false).unwrap_err().to_string();
        assert!(e.contains("feature #1: not a GeoJSON Feature"), "{e}");
        let bad_utf8 = [
            br#"{"type":"FeatureCollection","features":[{"id":""#.as_slice(),
            &[0xff, b'"', b'}', b']', b'}'],
        ]
        .concat();
        let e = parse_layer_from(
            Path::new("h.geojson"),
            LayerKind::Households,
            0,
            bad_utf8.as_slice(),
            |_, _| Ok(()),
        )
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(e.contains("feature #0: not UTF-8 text"), "{e}");
    }
}
