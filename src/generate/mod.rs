//! The deterministic sample-data generator: a made-up but believable Quỳnh Liên commune
//! (and, for benchmarks, as many more synthetic communes as asked), written as the five
//! GeoJSON layers that [`crate::store::Dataset::load`] reads.
//!
//! Geometry is designed in the VN-2000 / TM-3 104-45 grid (EPSG:9208) in whole millimetres
//! and projected vertex by vertex with [`crate::crs::to_wgs84`], so the areas, widths and
//! canal lengths are the ones designed; coordinates are rounded to 8 decimals (≈ 1 mm).
//! The same seed gives byte-identical files.
//!
//! # Examples
//!
//! ```no_run
//! use drainplan::generate::{self, Params};
//!
//! let layers = generate::generate(&Params { seed: 42, communes: 1 })?;
//! assert_eq!(layers.households.len(), 1881);
//! generate::write(&layers, std::path::Path::new("data"))?;
//! # Ok::<(), generate::GenerateError>(())
//! ```

pub mod campaign;
mod commune;
mod date;
mod layout;
mod people;
mod spec;
mod topology;

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, LineString, Polygon};

use crate::crs::CrsError;
use crate::model::{CanalStatus, ClearanceStatus, LayerKind, Properties};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Seed of the random draws.
    pub seed: u64,
    /// Communes to generate: 1 is the Quỳnh Liên sample; more are tiled beside it for
    /// benchmarks (about 4 000 parcels and 1 881 households each).
    pub communes: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            seed: 42,
            communes: 1,
        }
    }
}

/// A generated feature, in WGS84 with coordinates rounded to 8 decimals.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Stable ASCII id.
    pub id: String,
    /// Geometry, lon/lat.
    pub geometry: Geometry,
    /// Properties in the order they are written.
    pub properties: Properties,
}

/// The five layers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layers {
    /// Village polygons.
    pub villages: Vec<Feature>,
    /// Canal lines.
    pub canals: Vec<Feature>,
    /// Cadastral parcels.
    pub parcels: Vec<Feature>,
    /// Flooded areas.
    pub flood_zones: Vec<Feature>,
    /// Households at their dwelling.
    pub households: Vec<Feature>,
    /// Catchments: polygons draining into a canal.
    pub catchments: Vec<Feature>,
}

impl Layers {
    /// The features of one layer.
    pub fn layer(&self, kind: LayerKind) -> &[Feature] {
        match kind {
            LayerKind::Villages => &self.villages,
            LayerKind::Canals => &self.canals,
            LayerKind::Parcels => &self.parcels,
            LayerKind::FloodZones => &self.flood_zones,
            LayerKind::Households => &self.households,
            LayerKind::Catchments => &self.catchments,
        }
    }

    /// The features of each file, named as the file (less `.geojson`).
    fn files(&self) -> [(&'static str, &[Feature]); 6] {
        LayerKind::ALL.map(|k| (k.id(), self.layer(k)))
    }

    fn append(&mut self, other: Layers) {
        self.villages.extend(other.villages);
        self.canals.extend(other.canals);
        self.parcels.extend(other.parcels);
        self.flood_zones.extend(other.flood_zones);
        self.households.extend(other.households);
        self.catchments.extend(other.catchments);
    }
}

/// A failure to generate or write the data.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Zero communes were asked for.
    #[error("at least one commune is needed")]
    NoCommunes,
    /// PROJ could not project a point.
    #[error("projecting the designed geometry: {0}")]
    Crs(#[from] CrsError),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// Figures of one village of the first commune.
#[derive(Debug, Clone, PartialEq)]
pub struct VillageSummary {
    /// Village id.
    pub id: String,
    /// Village name.
    pub name: String,
    /// Parcels in the village.
    pub parcels: usize,
    /// Residential lots with a dwelling.
    pub home_lots: usize,
    /// Households.
    pub households: usize,
    /// Dwellings.
    pub dwellings: usize,
    /// Dwellings registered or connected for piped water.
    pub registered_dwellings: usize,
    /// Dwellings connected.
    pub connected_dwellings: usize,
}

/// Figures of one canal of the first commune.
#[derive(Debug, Clone, PartialEq)]
pub struct CanalSummary {
    /// Canal id.
    pub id: String,
    /// Canal name.
    pub name: String,
    /// Status.
    pub status: CanalStatus,
    /// Geodesic length of the written line.
    pub length_m: f64,
    /// Geodesic length inside each village it runs through.
    pub per_village: Vec<(String, f64)>,
}

/// What a run generated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Communes generated.
    pub communes: u32,
    /// Features written per layer, in [`LayerKind::ALL`] order.
    pub features: [usize; 5],
    /// The first commune's villages.
    pub villages: Vec<VillageSummary>,
    /// The first commune's canals.
    pub canals: Vec<CanalSummary>,
    /// Lots along the first commune's planned canal, by clearance status.
    pub planned_lots: Vec<(ClearanceStatus, usize)>,
}

impl Summary {
    fn add(&mut self, k: u32, c: &commune::Commune) {
        self.communes = k;
        for (n, kind) in self.features.iter_mut().zip(LayerKind::ALL) {
            *n += c.layers.layer(kind).len();
        }
        if k == 1 {
            self.villages = c.villages.clone();
            self.canals = c.canals.clone();
            self.planned_lots = c.planned_lots.clone();
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "communes: {}", self.communes)?;
        for (kind, n) in LayerKind::ALL.iter().zip(self.features) {
            writeln!(f, "{:<12} {n:>9} features", kind.id())?;
        }
        writeln!(f, "\ncommune 1 villages:")?;
        writeln!(
            f,
            "{:<8} {:<12} {:>7} {:>5} {:>10} {:>9} {:>10} {:>9} {:>6}",
            "id",
            "name",
            "parcels",
            "lots",
            "households",
            "dwellings",
            "registered",
            "connected",
            "rate"
        )?;
        let mut t = [0_usize; 6];
        for v in &self.villages {
            let rate = 100.0 * v.registered_dwellings as f64 / v.dwellings.max(1) as f64;
            writeln!(
                f,
                "{:<8} {:<12} {:>7} {:>5} {:>10} {:>9} {:>10} {:>9} {:>5.1}%",
                v.id,
                v.name,
                v.parcels,
                v.home_lots,
                v.households,
                v.dwellings,
                v.registered_dwellings,
                v.connected_dwellings,
                rate
            )?;
            for (a, b) in t.iter_mut().zip([
                v.parcels,
                v.home_lots,
                v.households,
                v.dwellings,
                v.registered_dwellings,
                v.connected_dwellings,
            ]) {
                *a += b;
            }
        }
        writeln!(
            f,
            "{:<8} {:<12} {:>7} {:>5} {:>10} {:>9} {:>10} {:>9} {:>5.1}%",
            "total",
            "",
            t[0],
            t[1],
            t[2],
            t[3],
            t[4],
            t[5],
            100.0 * t[4] as f64 / t[3].max(1) as f64
        )?;
        writeln!(f, "\ncommune 1 canals (geodesic length):")?;
        for c in &self.canals {
            let parts: Vec<String> = c
                .per_village
                .iter()
                .map(|(v, m)| format!("{v} {m:.2} m"))
                .collect();
            writeln!(
                f,
                "{:<22} {:<18} {:>8.2} m  ({})",
                c.id,
                c.status.as_str(),
                c.length_m,
                parts.join(", ")
            )?;
        }
        let lots: Vec<String> = self
            .planned_lots
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        writeln!(f, "\nlots along the planned canal: {}", lots.join(", "))
    }
}

/// Generates all the communes in memory (use [`generate_to_dir`] for large runs).
pub fn generate(params: &Params) -> Result<Layers, GenerateError> {
    if params.communes == 0 {
        return Err(GenerateError::NoCommunes);
    }
    let mut layers = Layers::default();
    for k in 1..=params.communes {
        layers.append(commune::build(params.seed, k)?.layers);
    }
    Ok(layers)
}

/// Writes the five layer files into `dir` (created if needed).
pub fn write(layers: &Layers, dir: &Path) -> Result<(), GenerateError> {
    let mut out = LayerFiles::create(dir)?;
    out.append(layers)?;
    out.finish()
}

/// Generates and writes commune by commune, holding one commune in memory at a time, and
/// returns what was written. The files are the same bytes as [`generate`] then [`write()`].
pub fn generate_to_dir(params: &Params, dir: &Path) -> Result<Summary, GenerateError> {
    if params.communes == 0 {
        return Err(GenerateError::NoCommunes);
    }
    let mut out = LayerFiles::create(dir)?;
    let mut summary = Summary::default();
    for k in 1..=params.communes {
        let c = commune::build(params.seed, k)?;
        out.append(&c.layers)?;
        summary.add(k, &c);
    }
    out.finish()?;
    Ok(summary)
}

/// The files being written: each is written under a temporary name and renamed into
/// place at the end, so an interrupted run leaves the previous data set whole.
struct LayerFiles {
    files: Vec<(PathBuf, PathBuf, BufWriter<File>, bool)>,
}

impl LayerFiles {
    fn create(dir: &Path) -> Result<Self, GenerateError> {
        let io_err = |path: &Path| {
            let path = path.to_owned();
            move |source| GenerateError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let mut files = Vec::with_capacity(6);
        for (name, _) in Layers::default().files() {
            let path = dir.join(format!("{name}.geojson"));
            let tmp = dir.join(format!(".{name}.geojson.tmp"));
            let mut w =
                BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(io_err(&tmp))?);
            w.write_all(br#"{"type":"FeatureCollection","features":["#)
                .map_err(io_err(&tmp))?;
            files.push((path, tmp, w, true));
        }
        Ok(LayerFiles { files })
    }

    fn append(&mut self, layers: &Layers) -> Result<(), GenerateError> {
        for ((_, tmp, w, first), (_, features)) in self.files.iter_mut().zip(layers.files()) {
            for f in features {
                let sep: &[u8] = if *first { b"\n" } else { b",\n" };
                *first = false;
                w.write_all(sep)
                    .and_then(|()| write_feature(w, f))
                    .map_err(|source| GenerateError::Io {
                        path: tmp.clone(),
                        source,
                    })?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), GenerateError> {
        for (path, tmp, mut w, _) in self.files {
            w.write_all(b"\n]}\n")
                .and_then(|()| w.into_inner().map_err(io::IntoInnerError::into_error))
                .and_then(|f| f.sync_all())
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|source| GenerateError::Io { path, source })?;
        }
        Ok(())
    }
}

/// Writes one feature as compact GeoJSON: type, id, geometry, properties.
fn write_feature(w: &mut impl Write, f: &Feature) -> io::Result<()> {
    w.write_all(br#"{"type":"Feature","id":"#)?;
    serde_json::to_writer(&mut *w, &f.id)?;
    w.write_all(br#","geometry":"#)?;
    write_geometry(w, &f.geometry)?;
    w.write_all(br#","properties":"#)?;
    serde_json::to_writer(&mut *w, &f.properties)?;
    w.write_all(b"}")
}

fn write_coord(w: &mut impl Write, c: Coord) -> io::Result<()> {
    // `{}` on f64 prints the shortest decimal that reads back to the same value.
    write!(w, "[{},{}]", c.x, c.y)
}

fn write_line(w: &mut impl Write, l: &LineString) -> io::Result<()> {
    w.write_all(b"[")?;
    for (i, c) in l.0.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write_coord(w, *c)?;
    }
    w.write_all(b"]")
}

fn write_polygon(w: &mut impl Write, p: &Polygon) -> io::Result<()> {
    w.write_all(b"[")?;
    write_line(w, p.exterior())?;
    for ring in p.interiors() {
        w.write_all(b",")?;
        write_line(w, ring)?;
    }
    w.write_all(b"]")
}

fn write_geometry(w: &mut impl Write, g: &Geometry) -> io::Result<()> {
    match g {
        Geometry::Point(p) => {
            w.write_all(br#"{"type":"Point","coordinates":"#)?;
            write_coord(w, p.0)?;
        }
        Geometry::LineString(l) => {
            w.write_all(br#"{"type":"LineString","coordinates":"#)?;
            write_line(w, l)?;
        }
        Geometry::Polygon(p) => {
            w.write_all(br#"{"type":"Polygon","coordinates":"#)?;
            write_polygon(w, p)?;
        }
        Geometry::MultiPolygon(mp) => {
            w.write_all(br#"{"type":"MultiPolygon","coordinates":["#)?;
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                write_polygon(w, p)?;
            }
            w.write_all(b"]")?;
        }
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the generator writes no {other:?}"),
            ));
        }
    }
    w.write_all(b"}")
}

#[cfg(test)]
mod tests;
