//! Loading the data directory: one RFC 7946 GeoJSON file per layer, checked feature by
//! feature, each layer bulk-loaded into its own R-tree.
//!
//! A file that is missing, not GeoJSON, or holds a feature with a missing id, a duplicate
//! id, a geometry of the wrong type, a coordinate that is not a finite lon/lat, or a
//! property with a wrong value stops the load with the file, the feature id and the
//! problem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Rect};

pub mod attachments;
pub mod edit;
mod ids;
pub mod journal;
pub mod layers;
pub mod live;
mod parse;
pub mod pg;
mod polygon_cache;
pub mod props;
pub mod query;
pub mod snapshot;

pub use props::{FeatureProperties, RawProperties};

use crate::crs::CrsError;
use crate::crs::MetricGrid;
use crate::index::SpatialIndex;
use crate::model::{
    Canal, CatchmentArea, FloodZone, Household, LayerKind, Parcel, Properties, Village,
};
pub use layers::{AnyLayer, Record, TypedLayer};

/// One stored feature: its id, WGS84 geometry and properties as they are in the file.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Stable ASCII id.
    pub id: String,
    /// Geometry in WGS84 lon/lat; never empty (loading and editing refuse that).
    pub geometry: Geometry,
    /// Properties, in file order, kept as packed JSON text (see [`props`]); read them as
    /// a `serde_json::Map` through `Deref`.
    pub properties: FeatureProperties,
}

impl Feature {
    /// Bounding box of the geometry.
    ///
    /// Computed when asked rather than kept: the R-tree holds every box already, and a
    /// second copy cost 32 bytes per feature.
    pub fn bbox(&self) -> Rect {
        crate::index::bounding_box(&self.geometry)
            .unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero()))
    }
}

/// A layer: its features, their R-tree and an id lookup.
#[derive(Debug, Default, Clone)]
pub struct Layer {
    /// Features in file order.
    pub features: Vec<Feature>,
    /// R-tree over the features' bounding boxes.
    pub index: SpatialIndex,
    pub(crate) by_id: ids::IdIndex,
    /// Property names with a sample value of each JSON kind, built on first use.
    pub(crate) samples: std::sync::OnceLock<Vec<(String, Vec<serde_json::Value>)>>,
}

impl Layer {
    pub(crate) fn new(features: Vec<Feature>) -> Self {
        let index = SpatialIndex::bulk_load(features.iter().map(|f| f.bbox()));
        let by_id = ids::IdIndex::build(&features);
        Layer {
            features,
            index,
            by_id,
            samples: std::sync::OnceLock::new(),
        }
    }

    /// Every property name the features carry, in order of first appearance, each with
    /// one sample value of every JSON kind seen for it (null, boolean, integer, other
    /// number, string; an empty array or object for those), so that a collection's schema
    /// needs no scan of every feature per request. Built once (a scan of the layer that
    /// keeps no parsed maps) and kept up to date by edits.
    pub fn property_samples(&self) -> &[(String, Vec<serde_json::Value>)] {
        self.samples.get_or_init(|| {
            let mut out = Vec::new();
            let mut seen = HashMap::new();
            for f in &self.features {
                merge_samples(&mut out, &mut seen, &f.properties.to_map());
            }
            out
        })
    }

    /// Adds a new or replaced feature's properties to the samples, if they are built.
    pub(crate) fn note_properties(&mut self, f: &Feature) {
        if let Some(out) = self.samples.get_mut() {
            let mut seen = out
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            merge_samples(out, &mut seen, &f.properties.to_map());
        }
    }

    /// Position of the feature with id `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(&self.features, id)
    }

    /// The feature with id `id`.
    pub fn get(&self, id: &str) -> Option<&Feature> {
        self.position(id).map(|i| &self.features[i])
    }

    /// Positions of the features whose bounding box meets `rect`, ascending.
    pub fn intersecting(&self, rect: Rect) -> Vec<usize> {
        let mut hits: Vec<usize> = self
            .index
            .intersecting(rect, |i| self.features[i].bbox())
            .collect();
        hits.sort_unstable();
        hits
    }

    /// Positions of the features whose bounding box `keep` accepts, ascending; `keep` must
    /// also accept every box holding an accepted one (see [`SpatialIndex::matching`]).
    pub fn matching(&self, keep: impl Fn(Rect) -> bool) -> Vec<usize> {
        let mut hits: Vec<usize> = self
            .index
            .matching(keep, |i| Some(self.features[i].bbox()))
            .collect();
        hits.sort_unstable();
        hits
    }

    /// Positions of the features that may meet what `keep` accepts, ascending: those
    /// whose box in the R-tree (widened to `f32`, within a metre of the exact one) `keep`
    /// accepts. For callers that test each feature exactly anyway; `keep` as in
    /// [`Layer::matching`].
    pub fn candidates(&self, keep: impl Fn(Rect) -> bool) -> Vec<usize> {
        let mut hits: Vec<usize> = self.index.matching(keep, |_| None).collect();
        hits.sort_unstable();
        hits
    }

    /// Bounding box of the whole layer.
    pub fn extent(&self) -> Option<Rect> {
        union_rects(self.features.iter().map(|f| f.bbox()))
    }
}

fn merge_samples(
    out: &mut Vec<(String, Vec<serde_json::Value>)>,
    seen: &mut HashMap<String, usize>,
    props: &Properties,
) {
    use serde_json::Value;
    fn kind(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(n) if n.is_i64() || n.is_u64() => 2,
            Value::Number(_) => 3,
            Value::String(_) => 4,
            Value::Array(_) => 5,
            Value::Object(_) => 6,
        }
    }
    for (name, value) in props {
        let i = *seen.entry(name.clone()).or_insert_with(|| {
            out.push((name.clone(), Vec::new()));
            out.len() - 1
        });
        let samples = &mut out[i].1;
        if !samples.iter().any(|s| kind(s) == kind(value)) {
            samples.push(match value {
                Value::Array(_) => Value::Array(Vec::new()),
                Value::Object(_) => Value::Object(serde_json::Map::new()),
                v => v.clone(),
            });
        }
    }
}

fn union_rects(rects: impl Iterator<Item = Rect>) -> Option<Rect> {
    rects.reduce(|a, b| {
        Rect::new(
            Coord {
                x: a.min().x.min(b.min().x),
                y: a.min().y.min(b.min().y),
            },
            Coord {
                x: a.max().x.max(b.max().x),
                y: a.max().y.max(b.max().y),
            },
        )
    })
}

/// Declares the data set's layers from one table: a field, its [`LayerKind`] and its
/// record type per layer. It writes the [`Dataset`] struct, the one match from a kind to
/// its layer ([`Dataset::typed`]) and the assembly of a data set from a [`layers::Source`].
macro_rules! dataset {
    ($($(#[$doc:meta])* $field:ident: $kind:ident => $rec:ty,)+) => {
        // Each row's kind is its record type's kind.
        $(const _: () = assert!(matches!(<$rec as Record>::KIND, LayerKind::$kind));)+

        /// Everything loaded from a data directory: per layer its features, typed records
        /// and metric polygons ([`TypedLayer`]).
        #[derive(Debug, Clone)]
        pub struct Dataset {
            /// Where the data came from.
            pub dir: PathBuf,
            $($(#[$doc])* pub $field: TypedLayer<$rec>,)+
            /// Bounding box of all layers (WGS84).
            pub extent: Rect,
            /// Fast projection over the data's area, for analyses and edits (see
            /// [`crate::crs::grid`]).
            pub(crate) metric_grid: Arc<MetricGrid>,
            /// Parcels recently projected for an analysis; a data set changed by an edit
            /// to the parcels starts a new one (positions move).
            pub(crate) parcel_metric_cache: Arc<polygon_cache::PolygonCache>,
        }

        impl Dataset {
            /// The layer of kind `kind`, as the face all layers share.
            pub fn typed(&self, kind: LayerKind) -> &dyn AnyLayer {
                match kind {
                    $(LayerKind::$kind => &self.$field,)+
                }
            }

            pub(crate) fn typed_mut(&mut self, kind: LayerKind) -> &mut dyn AnyLayer {
                match kind {
                    $(LayerKind::$kind => &mut self.$field,)+
                }
            }

            /// Steps 2–5 of [`Dataset::load_files`] over the layers `source` gives.
            fn assemble<S: layers::Source>(dir: &Path, source: &mut S) -> Result<Dataset, LoadError> {
                let path_of = |k: LayerKind| dir.join(format!("{}.geojson", k.id()));
                $(let $field = source.take::<$rec>(&path_of(LayerKind::$kind))?;)+
                let extent = union_rects(
                    [$(&$field.0),+].into_iter().flat_map(|l| l.iter().map(|f| f.bbox())),
                )
                .ok_or_else(|| LoadError::Empty(dir.to_owned()))?;
                // The grid covers the layers that are measured.
                let grid_area = union_rects(
                    [$((&$field.0, <$rec as Record>::METRIC)),+]
                        .into_iter()
                        .filter(|(_, m)| *m != layers::Metric::None)
                        .flat_map(|(l, _)| l.iter().map(|f| f.bbox())),
                )
                .unwrap_or(extent);
                let grid = MetricGrid::build(grid_area).map_err(|source| LoadError::Crs {
                    path: dir.to_owned(),
                    id: "(projection grid)".into(),
                    source: Box::new(source),
                })?;
                // The layers (their trees, their kept metric polygons) are built side by
                // side.
                let grid_ref = &grid;
                let path_of = &path_of;
                let ($($field,)+) = std::thread::scope(|s| {
                    $(let $field = s.spawn(move || {
                        TypedLayer::<$rec>::build(
                            &path_of(LayerKind::$kind), $field.0, $field.1, grid_ref)
                    });)+
                    ($($field.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),)+)
                });
                Ok(Dataset {
                    dir: dir.to_owned(),
                    $($field: $field?,)+
                    extent,
                    metric_grid: Arc::new(grid),
                    parcel_metric_cache: Arc::default(),
                })
            }
        }
    };
}

dataset! {
    /// Village boundaries (polygons kept in the metric CRS).
    villages: Villages => Village,
    /// Canals.
    canals: Canals => Canal,
    /// Parcels (projected when analysed: [`Dataset::parcel_metric`]).
    parcels: Parcels => Parcel,
    /// Flood zones (polygons kept in the metric CRS).
    flood_zones: FloodZones => FloodZone,
    /// Households.
    households: Households => Household,
    /// Catchments (projected when analysed).
    catchments: Catchments => CatchmentArea,
}

/// What a data directory holds: its latest snapshot (or its layer files) with the
/// journal's later entries applied.
#[derive(Debug)]
pub struct Recovered {
    /// The data after the last journal entry.
    pub data: Dataset,
    /// The monthly-progress ledger after it.
    pub ledger: crate::analysis::progress::ProgressLedger,
    /// The last entry the snapshot holds (0 without a snapshot).
    pub snapshot_seq: u64,
    /// The journal's entries after the snapshot.
    pub entries: Vec<journal::JournalEntry>,
    /// Whether the journal still holds entries the snapshot holds (a compaction cut short
    /// before it archived them).
    pub archive_pending: bool,
}

impl Recovered {
    /// Loads `dir`'s snapshot or layer files and applies the journal `entries` after it.
    ///
    /// 1. the journal must reach the snapshot (else [`LoadError::JournalBehind`]) and
    ///    follow on from it (else [`LoadError::JournalGap`]);
    /// 2. the layers are read from the snapshot's folder, or the directory itself;
    /// 3. the ledger is the snapshot's (given the loaded households' water tally), or a
    ///    new one over the loaded data;
    /// 4. entries after the snapshot are applied to both.
    pub fn from(dir: &Path, entries: Vec<journal::JournalEntry>) -> Result<Recovered, LoadError> {
        use crate::analysis::progress::{ProgressLedger, WaterTally};
        let snapshot = snapshot::Snapshot::current(dir)?;
        let snapshot_seq = snapshot.as_ref().map_or(0, |s| s.seq);
        if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
            if last.seq < snapshot_seq {
                return Err(LoadError::JournalBehind {
                    last: last.seq,
                    snapshot: snapshot_seq,
                });
            }
            if first.seq > snapshot_seq + 1 {
                return Err(LoadError::JournalGap {
                    first: first.seq,
                    snapshot: snapshot_seq,
                });
            }
        }
        let (mut data, mut ledger) = match &snapshot {
            Some(s) => {
                let data = Dataset::load_files(&s.folder(dir))?;
                let ledger = s.ledger(dir)?.with_tally(WaterTally::of(&data));
                (data, ledger)
            }
            None => {
                let data = Dataset::load_files(dir)?;
                let ledger = ProgressLedger::new(&data);
                (data, ledger)
            }
        };
        let archive_pending = entries.first().is_some_and(|e| e.seq <= snapshot_seq);
        let entries: Vec<_> = entries
            .into_iter()
            .filter(|e| e.seq > snapshot_seq)
            .collect();
        for e in &entries {
            data.apply(&e.edit).map_err(|err| LoadError::Replay {
                seq: e.seq,
                problem: err.to_string(),
            })?;
            ledger.add(e);
        }
        Ok(Recovered {
            data,
            ledger,
            snapshot_seq,
            entries,
            archive_pending,
        })
    }
}

/// Why a data directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a GeoJSON FeatureCollection.
    #[error("{path}: not a GeoJSON FeatureCollection: {problem}")]
    NotGeoJson {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        problem: String,
    },
    /// A feature is wrong.
    #[error("{path}: feature {id}: {problem}")]
    Feature {
        /// The file.
        path: PathBuf,
        /// The feature id, or its position when it has none.
        id: String,
        /// What is wrong.
        problem: String,
    },
    /// The edit journal could not be read.
    #[error("the edit journal cannot be read")]
    Journal(#[source] Box<journal::JournalError>),
    /// The journal ends before the last entry the snapshot holds.
    #[error(
        "the journal ends at edit {last}, but the snapshot holds edits up to {snapshot}: the journal has been cut short or replaced. Restore journal.ndjson from a backup; nothing was changed"
    )]
    JournalBehind {
        /// The journal's last entry.
        last: u64,
        /// The snapshot's last entry.
        snapshot: u64,
    },
    /// The journal's first entry does not follow the snapshot's last.
    #[error(
        "the journal starts at edit {first}, but the data files hold edits up to {snapshot} only: edits {from} to {to} are missing. Restore journal.ndjson from a backup; nothing was changed",
        from = snapshot + 1,
        to = first - 1
    )]
    JournalGap {
        /// The journal's first entry.
        first: u64,
        /// The snapshot's last entry (0 without one).
        snapshot: u64,
    },
    /// A journal entry no longer applies to the data files.
    #[error("journal entry {seq} does not apply to the data files: {problem}")]
    Replay {
        /// The entry's sequence number.
        seq: u64,
        /// Why.
        problem: String,
    },
    /// The data set holds no feature at all.
    #[error("{0}: the data directory holds no features")]
    Empty(PathBuf),
    /// PROJ could not project a geometry.
    #[error("{path}: feature {id}: cannot project")]
    Crs {
        /// The file.
        path: PathBuf,
        /// The feature id.
        id: String,
        /// The cause.
        #[source]
        source: Box<CrsError>,
    },
}

/// Checks a GeoJSON geometry against what its layer takes ([`crate::model::geometry`])
/// and returns it as geo. The rings' closing is checked as written, before geo closes
/// them.
pub fn check_geometry(
    kind: LayerKind,
    g: &geojson::Geometry,
) -> Result<Geometry, crate::model::schema::Invalid> {
    use crate::model::geometry as rules;
    use geojson::GeometryValue as V;
    rules::check_type(kind, geometry_type_name(g))?;
    let ring = |r: &Vec<geojson::Position>| -> Vec<Coord> {
        r.iter()
            .map(|p| Coord {
                x: p.as_slice().first().copied().unwrap_or(f64::NAN),
                y: p.as_slice().get(1).copied().unwrap_or(f64::NAN),
            })
            .collect()
    };
    let polygons: Vec<&Vec<Vec<geojson::Position>>> = match &g.value {
        V::Polygon { coordinates } => vec![coordinates],
        V::MultiPolygon { coordinates } => coordinates.iter().collect(),
        _ => Vec::new(),
    };
    for (i, rings) in polygons.iter().enumerate() {
        for (j, r) in rings.iter().enumerate() {
            rules::check_closed(&ring(r), &ring_name(i, j))?;
        }
    }
    let geom: Geometry = Geometry::try_from(g.clone()).map_err(|e| {
        crate::model::schema::Invalid::new(
            "geometry",
            crate::model::schema::Rule::Geometry,
            format!("bad geometry: {e}"),
        )
    })?;
    rules::check_shape(&geom)?;
    Ok(geom)
}

/// A ring's name in messages: "polygon 0's ring 1".
pub(crate) fn ring_name(polygon: usize, ring: usize) -> String {
    match ring {
        0 => format!("polygon {polygon}'s exterior ring"),
        r => format!("polygon {polygon}'s hole {}", r - 1),
    }
}

fn geometry_type_name(g: &geojson::Geometry) -> &'static str {
    use geojson::GeometryValue as V;
    match &g.value {
        V::Point { .. } => "Point",
        V::MultiPoint { .. } => "MultiPoint",
        V::LineString { .. } => "LineString",
        V::MultiLineString { .. } => "MultiLineString",
        V::Polygon { .. } => "Polygon",
        V::MultiPolygon { .. } => "MultiPolygon",
        V::GeometryCollection { .. } => "GeometryCollection",
    }
}

/// Reads one layer file into features, checking each.
pub fn read_layer(path: &Path, kind: LayerKind) -> Result<Vec<Feature>, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_layer(path, kind, &text)
}

/// Parses a layer from GeoJSON text; `path` names it in errors.
pub fn parse_layer(path: &Path, kind: LayerKind, text: &str) -> Result<Vec<Feature>, LoadError> {
    parse::parse_layer_with(path, kind, text, |_, _| Ok(())).map(|(f, _)| f)
}

/// Maps `f` over `items` on every core, keeping order; the first error wins.
pub(crate) fn par_map<A: Sync, B: Send, E: Send>(
    items: &[A],
    f: impl Fn(&A) -> Result<B, E> + Sync,
) -> Result<Vec<B>, E> {
    let threads = if items.len() < 2_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |t| t.get())
    };
    let per = items.len().div_ceil(threads).max(1);
    let f = &f;
    let parts: Vec<Result<Vec<B>, E>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|chunk| s.spawn(move || chunk.iter().map(f).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

impl Dataset {
    /// Loads a data directory and replays the edit journal beside it, without changing
    /// any file: the state the server would start with.
    pub fn load(dir: &Path) -> Result<Dataset, LoadError> {
        let entries = journal::Journal::read(dir).map_err(|e| LoadError::Journal(Box::new(e)))?;
        Ok(Recovered::from(dir, entries)?.data)
    }

    /// Applies journal entries in order.
    pub fn replay(&mut self, entries: &[journal::JournalEntry]) -> Result<(), LoadError> {
        for e in entries {
            self.apply(&e.edit).map_err(|err| LoadError::Replay {
                seq: e.seq,
                problem: err.to_string(),
            })?;
        }
        Ok(())
    }

    /// Loads the layer files from `dir`, as they are, without the journal.
    ///
    /// 1. read and check each file's features;
    /// 2. parse each feature's properties into its typed record;
    /// 3. project the polygons of the layers that keep them (villages, flood zones) to
    ///    the metric CRS (parcels are projected when analysed: [`Dataset::parcel_metric`]);
    /// 4. bulk-load one R-tree per layer;
    /// 5. check references between layers (parcel owners, household villages).
    pub fn load_files(dir: &Path) -> Result<Dataset, LoadError> {
        Dataset::assemble(dir, &mut layers::Files)?.checked()
    }

    /// Builds a data set from already-checked features, per layer (a layer not given is
    /// empty): steps 2–5 of [`Dataset::load_files`].
    pub fn from_features(
        dir: &Path,
        layers: Vec<(LayerKind, Vec<Feature>)>,
    ) -> Result<Dataset, LoadError> {
        Dataset::assemble(dir, &mut layers::Given(layers))?.checked()
    }

    /// Like [`Dataset::from_features`], without the check of references between features:
    /// for a part of a data set (a PostGIS instance serving some communes), whose links
    /// may lead outside it.
    pub fn from_features_unchecked(
        dir: &Path,
        layers: Vec<(LayerKind, Vec<Feature>)>,
    ) -> Result<Dataset, LoadError> {
        Dataset::assemble(dir, &mut layers::Given(layers))
    }

    /// The data set, once the rules between features hold, as an edit meets them.
    fn checked(self) -> Result<Dataset, LoadError> {
        self.check_all_links()
            .map_err(|(kind, id, e)| LoadError::Feature {
                path: self.dir.join(format!("{}.geojson", kind.id())),
                id,
                problem: e.to_string(),
            })?;
        Ok(self)
    }

    /// Parcel `i`'s polygons in the metric CRS.
    ///
    /// Projected when asked, through the interpolation grid: keeping every parcel's
    /// metric copy cost 250 MB of resident memory per million parcels. The last
    /// [`polygon_cache::PolygonCache::CAPACITY`] parcels asked for are kept, so that analysing a
    /// route again, or a variant of it, does not project its parcels again (a route
    /// impact projects a few hundred: about 15 µs).
    pub fn parcel_metric(&self, i: usize) -> Result<Arc<MultiPolygon>, CrsError> {
        self.parcel_metric_cache.get_or_insert(i, || {
            layers::metric_multipolygon(&self.metric_grid, &self.parcels.features[i].geometry)
        })
    }

    /// The layer of a kind.
    pub fn layer(&self, kind: LayerKind) -> &Layer {
        self.typed(kind).layer()
    }

    /// A village's name by id, or the id when unknown.
    pub fn village_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.villages
            .position(id)
            .map_or(id, |i| self.villages.records[i].name.as_str())
    }

    /// The household point of a household position.
    pub fn household_point(&self, i: usize) -> Option<Point> {
        match &self.households.features[i].geometry {
            Geometry::Point(p) => Some(*p),
            _ => None,
        }
    }
}

/// Writes a file so that a crash at any instant leaves either the old or the new content:
/// a temporary file beside it, fsync, rename over, fsync the directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        use std::io::Write;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        // Nothing half-written is left behind: the old file stands, the temporary goes.
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The exterior ring of a polygon, or of a multipolygon's first polygon.
pub fn first_exterior(g: &Geometry) -> Option<&LineString> {
    match g {
        Geometry::Polygon(p) => Some(p.exterior()),
        Geometry::MultiPolygon(mp) => mp.0.first().map(|p| p.exterior()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: LayerKind, text: &str) -> Result<Vec<Feature>, LoadError> {
        parse_layer(Path::new("x.geojson"), kind, text)
    }

    #[test]
    fn reports_the_feature_and_the_problem() {
        let e = parse(
            LayerKind::Canals,
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":"c1","properties":{},"geometry":{"type":"Point","coordinates":[105.7,19.2]}}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "x.geojson: feature c1: geometry is a Point; the canals layer takes LineString"
        );
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let f = r#"{"type":"Feature","id":"a","properties":{"head":"A","village_id":"v","water_status":"registered"},"geometry":{"type":"Point","coordinates":[105.7,19.2]}}"#;
        let e = parse(
            LayerKind::Households,
            &format!(r#"{{"type":"FeatureCollection","features":[{f},{f}]}}"#),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("feature a: duplicate id"), "{e}");
    }

    #[test]
    fn out_of_range_coordinates_are_refused() {
        let e = parse(
            LayerKind::Households,
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":"h","properties":{},"geometry":{"type":"Point","coordinates":[19.2,205.7]}}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a longitude, latitude"), "{e}");
    }

    #[test]
    fn a_one_point_line_is_refused() {
        let e = parse(
            LayerKind::Canals,
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":"c","properties":{},"geometry":{"type":"LineString","coordinates":[[105.7,19.2],[105.7,19.2]]}}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("two distinct points"), "{e}");
    }
}
