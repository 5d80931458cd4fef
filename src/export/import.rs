//! Import of cadastral parcels (and canals) drawn elsewhere: a Shapefile (loose or zipped),
//! a DXF or a GeoJSON in WGS84 or VN-2000, into a layer file of the data directory.
//!
//! 1. Read the source features and their attributes; find the CRS from the `.prj` or the
//!    GeoJSON `crs` member, else take `--crs` (required where the file does not say).
//! 2. Project every vertex to WGS84 through PROJ and refuse the whole file if one lands
//!    outside Vietnam: that is a wrong CRS, not a parcel.
//! 3. Map the source fields to drainplan's properties (`sheet=SOTO,number=SOTHUA`), give
//!    each feature its id (`p-<sheet>-<number>` unless mapped), and check it exactly as an
//!    edit is checked; a feature that fails is skipped with the reason.
//! 4. Refuse ids that already exist unless `replace`; then write the layer file atomically
//!    (temporary file, fsync, rename, fsync the directory) after checking the whole file
//!    parses as a layer again.
//!
//! The layer file is the base under the edit journal, so a layer with journalled edits is
//! not rewritten (the journal would no longer apply); the report says so.

use std::collections::{BTreeMap, HashSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value, json};

use super::ExportCrs;
use crate::crs::{self as base, CrsError};
use crate::model::LayerKind;
use crate::store::Dataset;

/// Longitude and latitude bounds of mainland Vietnam and its coastal waters.
pub const VIETNAM_LON: (f64, f64) = (102.0, 110.0);
/// See [`VIETNAM_LON`].
pub const VIETNAM_LAT: (f64, f64) = (8.0, 23.5);

/// Why an import was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read or is not what its extension says.
    #[error("{path}: {problem}")]
    Source {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The CRS is unknown or contradicts the file.
    #[error("{0}")]
    Crs(String),
    /// A feature lands outside Vietnam.
    #[error(
        "feature {feature} lands at lon {lon:.5}, lat {lat:.5}, outside Vietnam, when read as {crs}: is the CRS right? Nothing was imported"
    )]
    OutsideVietnam {
        /// Which feature.
        feature: String,
        /// Where.
        lon: f64,
        /// Where.
        lat: f64,
        /// The CRS it was read in.
        crs: String,
    },
    /// A `--map` or `--set` is malformed.
    #[error("{0}")]
    Mapping(String),
    /// The layer has edits in the journal.
    #[error(
        "{layer} has {edits} edits in the journal; importing rewrites {layer}.geojson, under which they would no longer replay. Nothing was imported"
    )]
    Journalled {
        /// The layer.
        layer: LayerKind,
        /// How many edits.
        edits: usize,
    },
    /// The data directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// PROJ failed.
    #[error(transparent)]
    Proj(#[from] CrsError),
    /// The data directory does not load.
    #[error("the data directory does not load: {0}")]
    Data(String),
}

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The layer: parcels or canals.
    pub kind: LayerKind,
    /// The source CRS, when the file does not say.
    pub crs: Option<ExportCrs>,
    /// `target=SOURCE_FIELD` pairs (`sheet=SOTO`).
    pub map: Vec<(String, String)>,
    /// `target=value` constants (`land_use=ONT`).
    pub set: Vec<(String, String)>,
    /// Replace features whose id exists.
    pub replace: bool,
    /// Check everything, write nothing.
    pub dry_run: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    /// The CRS the file was read in.
    pub crs: String,
    /// Ids added.
    pub imported: Vec<String>,
    /// Ids replaced (with `replace`).
    pub replaced: Vec<String>,
    /// Source features skipped: (which, why).
    pub skipped: Vec<(String, String)>,
    /// Source fields not mapped to any property.
    pub unused_fields: Vec<String>,
    /// The file written (none on a dry run or when nothing was imported).
    pub written: Option<PathBuf>,
}

impl ImportReport {
    /// The report as text for the command line.
    pub fn to_text(&self) -> String {
        let mut s = format!("read in {}\n", self.crs);
        let mut list = |title: &str, ids: &[String]| {
            s.push_str(&format!("{title}: {}\n", ids.len()));
            if !ids.is_empty() {
                s.push_str(&format!("  {}\n", ids.join(" ")));
            }
        };
        list("imported", &self.imported);
        list("replaced", &self.replaced);
        s.push_str(&format!("skipped: {}\n", self.skipped.len()));
        for (what, why) in &self.skipped {
            s.push_str(&format!("  {what}: {why}\n"));
        }
        if !self.unused_fields.is_empty() {
            s.push_str(&format!(
                "source fields not imported: {}\n",
                self.unused_fields.join(", ")
            ));
        }
        match &self.written {
            Some(p) => s.push_str(&format!("wrote {}\n", p.display())),
            None => s.push_str("nothing written\n"),
        }
        s
    }
}

/// One feature as read from the source, in the source CRS.
#[derive(Debug, Clone)]
struct SourceFeature {
    label: String,
    geometry: Geometry,
    fields: Map<String, Value>,
}

/// Properties each layer takes, with the short names `--map` accepts for them.
fn targets(kind: LayerKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        LayerKind::Parcels => &[
            ("map_sheet", "sheet"),
            ("parcel_no", "number"),
            ("land_use", "land_use"),
            ("village_id", "village"),
            ("owner_household", "owner"),
            ("clearance_status", "status"),
            ("fence_type", "fence"),
            ("gate", "gate"),
        ],
        LayerKind::Canals => &[
            ("name", "name"),
            ("status", "status"),
            ("village_id", "village"),
            ("width_m", "width"),
            ("depth_m", "depth"),
            ("lining", "lining"),
            ("year", "year"),
        ],
        _ => &[],
    }
}

/// Parses `a=B,c=D` into pairs.
pub fn parse_pairs(s: &str) -> Result<Vec<(String, String)>, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                Ok((k.trim().to_owned(), v.trim().to_owned()))
            }
            _ => Err(format!("`{p}`: write target=FIELD, e.g. sheet=SOTO")),
        })
        .collect()
}

/// Imports `from` into the data directory `dir`.
pub fn import(dir: &Path, from: &Path, o: &ImportOptions) -> Result<ImportReport, ImportError> {
    let targets = targets(o.kind);
    if targets.is_empty() {
        return Err(ImportError::Mapping(format!(
            "import takes parcels or canals, not {}",
            o.kind
        )));
    }
    let canonical = |t: &str| {
        targets
            .iter()
            .find(|(long, short)| *long == t || *short == t || t == "id" && *long == "id")
            .map(|(long, _)| *long)
            .or((t == "id").then_some("id"))
    };
    let mut map: BTreeMap<&str, String> = BTreeMap::new();
    for (t, f) in &o.map {
        let c = canonical(t).ok_or_else(|| {
            ImportError::Mapping(format!(
                "--map {t}=…: {t} is not a property of {}; use id, {}",
                o.kind,
                targets
                    .iter()
                    .map(|(l, s)| if l == s {
                        (*l).to_owned()
                    } else {
                        format!("{s} ({l})")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        map.insert(c, f.clone());
    }
    let mut constants: BTreeMap<&str, String> = BTreeMap::new();
    for (t, v) in &o.set {
        let c = canonical(t).ok_or_else(|| {
            ImportError::Mapping(format!("--set {t}=…: {t} is not a property of {}", o.kind))
        })?;
        constants.insert(c, v.clone());
    }

    let (features, declared) = read_source(from)?;
    let crs = match (o.crs, declared) {
        (Some(given), Some(d)) if given != d => {
            return Err(ImportError::Crs(format!(
                "--crs {given} but {} says {d}",
                from.display()
            )));
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => {
            return Err(ImportError::Crs(format!(
                "{} does not say its CRS: give --crs ({})",
                from.display(),
                ExportCrs::names()
            )));
        }
    };

    // 2. To WGS84, refusing the file if anything lands outside Vietnam.
    let to_wgs84 = match crs {
        ExportCrs::Wgs84 => None,
        c => Some(base::transformer(c.proj_definition(), base::WGS84)?),
    };
    let mut projected = Vec::with_capacity(features.len());
    for f in features {
        let g = match &to_wgs84 {
            None => f.geometry.clone(),
            Some(p) => geo::MapCoords::try_map_coords(&f.geometry, |c: Coord| {
                p.convert((c.x, c.y))
                    .map(|(x, y)| Coord { x, y })
                    .map_err(|source| CrsError::Transform {
                        x: c.x,
                        y: c.y,
                        source,
                    })
            })?,
        };
        if let Some(c) = geo::CoordsIter::coords_iter(&g).find(|c| !in_vietnam(*c)) {
            return Err(ImportError::OutsideVietnam {
                feature: f.label.clone(),
                lon: c.x,
                lat: c.y,
                crs: crs.name().to_owned(),
            });
        }
        projected.push(SourceFeature { geometry: g, ..f });
    }

    // 3. Map, id, check.
    let journal =
        crate::store::journal::Journal::read(dir).map_err(|e| ImportError::Data(e.to_string()))?;
    let edits = journal
        .iter()
        .filter(|e| e.edit.collection == o.kind)
        .count();
    if edits > 0 {
        return Err(ImportError::Journalled {
            layer: o.kind,
            edits,
        });
    }
    let data = Dataset::load(dir).map_err(|e| ImportError::Data(format!("{e:#}")))?;
    let mut report = ImportReport {
        crs: crs.name().to_owned(),
        ..Default::default()
    };
    let mut used_fields: HashSet<String> = HashSet::new();
    let mut all_fields: Vec<String> = Vec::new();
    let mut accepted: Vec<(String, Value)> = Vec::new();
    let mut seen = HashSet::new();
    for (n, f) in projected.iter().enumerate() {
        for k in f.fields.keys() {
            if !all_fields.contains(k) {
                all_fields.push(k.clone());
            }
        }
        let mut props = Map::new();
        let mut id = None;
        for (long, short) in targets.iter().copied().chain([("id", "id")]) {
            let field = map.get(long).cloned().or_else(|| {
                f.fields
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case(long) || k.eq_ignore_ascii_case(short))
                    .cloned()
            });
            let value = match (&field, constants.get(long)) {
                (Some(name), _) => {
                    let v = f
                        .fields
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.clone());
                    if v.is_some() {
                        used_fields.insert(name.to_ascii_lowercase());
                    }
                    v
                }
                (None, Some(c)) => Some(Value::String(c.clone())),
                (None, None) => None,
            };
            let Some(value) = value.filter(|v| !v.is_null() && v != "") else {
                continue;
            };
            if long == "id" {
                id = Some(super::value_text(&value));
            } else {
                props.insert(long.to_owned(), typed(long, value));
            }
        }
        if o.kind == LayerKind::Parcels && !props.contains_key("clearance_status") {
            props.insert("clearance_status".into(), json!("not_required"));
        }
        let id = match id.or_else(|| default_id(o.kind, &props, n)) {
            Some(id) => id,
            None => {
                report.skipped.push((
                    f.label.clone(),
                    "no id and no sheet/number to make one (map them with --map id=… or sheet=…,number=…)".into(),
                ));
                continue;
            }
        };
        if !seen.insert(id.clone()) {
            report.skipped.push((
                f.label.clone(),
                format!("id {id} appears twice in the file"),
            ));
            continue;
        }
        let exists = data.layer(o.kind).get(&id).is_some();
        if exists && !o.replace {
            report.skipped.push((
                f.label.clone(),
                format!("{id} already exists (give --replace to overwrite it)"),
            ));
            continue;
        }
        let feature = json!({
            "type": "Feature",
            "id": id,
            "properties": props,
            "geometry": geojson::Geometry::from(&f.geometry),
        });
        if let Err(e) = data.check_feature(o.kind, &id, &feature) {
            report.skipped.push((f.label.clone(), format!("{id}: {e}")));
            continue;
        }
        if exists {
            report.replaced.push(id.clone());
        } else {
            report.imported.push(id.clone());
        }
        accepted.push((id, feature));
    }
    report.unused_fields = all_fields
        .into_iter()
        .filter(|f| !used_fields.contains(&f.to_ascii_lowercase()))
        .collect();
    if accepted.is_empty() || o.dry_run {
        return Ok(report);
    }

    // 4. Write the layer file atomically.
    let path = dir.join(format!("{}.geojson", o.kind.id()));
    let io = |source| ImportError::Io {
        path: path.clone(),
        source,
    };
    let text = std::fs::read_to_string(&path).map_err(io)?;
    let mut fc: Value = serde_json::from_str(&text)
        .map_err(|e| ImportError::Data(format!("{}: {e}", path.display())))?;
    let Some(list) = fc.get_mut("features").and_then(Value::as_array_mut) else {
        return Err(ImportError::Data(format!(
            "{} has no features array",
            path.display()
        )));
    };
    for (id, feature) in accepted {
        match list
            .iter()
            .position(|f| f.get("id") == Some(&Value::String(id.clone())))
        {
            Some(i) => list[i] = feature,
            None => list.push(feature),
        }
    }
    let out =
        serde_json::to_string_pretty(&fc).map_err(|e| ImportError::Data(e.to_string()))? + "\n";
    crate::store::parse_layer(&path, o.kind, &out)
        .map_err(|e| ImportError::Data(format!("the new file would not load: {e}")))?;
    crate::store::write_atomically(&path, out.as_bytes()).map_err(io)?;
    report.written = Some(path);
    Ok(report)
}

fn in_vietnam(c: Coord) -> bool {
    (VIETNAM_LON.0..=VIETNAM_LON.1).contains(&c.x) && (VIETNAM_LAT.0..=VIETNAM_LAT.1).contains(&c.y)
}

/// Integers where drainplan wants integers (`12.0` and `"12"` both become 12).
fn typed(name: &str, v: Value) -> Value {
    let integer = matches!(name, "map_sheet" | "parcel_no" | "year");
    let number = matches!(name, "width_m" | "depth_m");
    match v {
        Value::Number(n) if integer => n
            .as_f64()
            .filter(|f| f.fract() == 0.0)
            .map_or(Value::Number(n), |f| json!(f as i64)),
        Value::String(s) if integer => s
            .trim()
            .parse::<i64>()
            .map_or(Value::String(s), |i| json!(i)),
        Value::String(s) if number => s
            .trim()
            .parse::<f64>()
            .map_or(Value::String(s), |f| json!(f)),
        Value::String(s) if name == "gate" => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "t" | "y" | "yes" => json!(true),
            "0" | "false" | "f" | "n" | "no" => json!(false),
            _ => Value::String(s),
        },
        other => other,
    }
}

fn default_id(kind: LayerKind, props: &Map<String, Value>, n: usize) -> Option<String> {
    match kind {
        LayerKind::Parcels => {
            let sheet = props.get("map_sheet")?.as_i64()?;
            let number = props.get("parcel_no")?.as_i64()?;
            Some(format!("p-{sheet}-{number:04}"))
        }
        _ => Some(format!("{}-import-{}", kind.id(), n + 1)),
    }
}

fn source_err(path: &Path, problem: impl std::fmt::Display) -> ImportError {
    ImportError::Source {
        path: path.to_owned(),
        problem: problem.to_string(),
    }
}

/// The largest file read (a commune's cadastre is a few MB).
pub const MAX_SOURCE_BYTES: u64 = 200 * 1024 * 1024;

fn read_source(path: &Path) -> Result<(Vec<SourceFeature>, Option<ExportCrs>), ImportError> {
    let meta = std::fs::metadata(path).map_err(|e| source_err(path, e))?;
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(source_err(
            path,
            format!(
                "{} bytes is more than the {MAX_SOURCE_BYTES} accepted",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| source_err(path, e))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "geojson" | "json" => read_geojson(path, &bytes),
        "shp" => {
            let sibling = |e: &str| std::fs::read(path.with_extension(e)).ok();
            let dbf = sibling("dbf").ok_or_else(|| source_err(path, "no .dbf beside the .shp"))?;
            let prj = sibling("prj").map(|b| String::from_utf8_lossy(&b).into_owned());
            read_shapefile(path, bytes, dbf, prj)
        }
        "zip" => {
            let mut z =
                zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| source_err(path, e))?;
            let names: Vec<String> = z.file_names().map(str::to_owned).collect();
            let shp = names
                .iter()
                .find(|n| n.to_ascii_lowercase().ends_with(".shp"))
                .ok_or_else(|| source_err(path, "the zip holds no .shp"))?
                .clone();
            let stem = &shp[..shp.len() - 4];
            let mut member = |ext: &str| -> Option<Vec<u8>> {
                let name = names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(&format!("{stem}.{ext}")))?
                    .clone();
                let mut f = z.by_name(&name).ok()?;
                if f.size() > MAX_SOURCE_BYTES {
                    return None;
                }
                let mut buf = Vec::new();
                f.read_to_end(&mut buf).ok()?;
                Some(buf)
            };
            let shp_bytes =
                member("shp").ok_or_else(|| source_err(path, "cannot read the .shp"))?;
            let dbf = member("dbf").ok_or_else(|| source_err(path, "the zip holds no .dbf"))?;
            let prj = member("prj").map(|b| String::from_utf8_lossy(&b).into_owned());
            read_shapefile(path, shp_bytes, dbf, prj)
        }
        "dxf" => read_dxf(path, &bytes),
        other => Err(source_err(
            path,
            format!("`.{other}` files are not imported: give a .shp, .zip, .dxf or .geojson"),
        )),
    }
}

/// The CRS a `.prj` (ESRI or OGC WKT) or a GeoJSON `crs` name describes, if one of ours.
pub fn crs_from_text(text: &str) -> Option<ExportCrs> {
    let t = text.to_ascii_lowercase().replace([' ', '_', '"'], "");
    if t.contains("-191.904") {
        Some(ExportCrs::Tm3CopiedTowgs84)
    } else if t.contains("9208") || t.contains("tm-3104-45") {
        Some(ExportCrs::Tm3NgheAn)
    } else if t.contains("3405") || (t.contains("vn") && t.contains("utmzone48n")) {
        Some(ExportCrs::Utm48n)
    } else if t.contains("crs84") || t.contains("4326") || t.starts_with("geogcs[gcswgs1984") {
        Some(ExportCrs::Wgs84)
    } else {
        None
    }
}

fn read_geojson(
    path: &Path,
    bytes: &[u8],
) -> Result<(Vec<SourceFeature>, Option<ExportCrs>), ImportError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| source_err(path, e))?;
    let declared = match v.pointer("/crs/properties/name").and_then(Value::as_str) {
        Some(name) => Some(crs_from_text(name).ok_or_else(|| {
            ImportError::Crs(format!(
                "{}: crs `{name}` is not one of {}",
                path.display(),
                ExportCrs::names()
            ))
        })?),
        None => Some(ExportCrs::Wgs84), // RFC 7946
    };
    let features = v
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| source_err(path, "not a GeoJSON FeatureCollection"))?;
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let label = f
            .get("id")
            .map(super::value_text)
            .unwrap_or_else(|| format!("#{}", i + 1));
        let g: geojson::Geometry =
            serde_json::from_value(f.get("geometry").cloned().unwrap_or_default())
                .map_err(|e| source_err(path, format!("feature {label}: {e}")))?;
        let geometry =
            Geometry::try_from(g).map_err(|e| source_err(path, format!("feature {label}: {e}")))?;
        let mut fields = f
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(id) = f.get("id") {
            fields.entry("id").or_insert(id.clone());
        }
        out.push(SourceFeature {
            label,
            geometry,
            fields,
        });
    }
    Ok((out, declared))
}

fn read_shapefile(
    path: &Path,
    shp: Vec<u8>,
    dbf: Vec<u8>,
    prj: Option<String>,
) -> Result<(Vec<SourceFeature>, Option<ExportCrs>), ImportError> {
    use shapefile::dbase::{self, FieldValue};
    let declared = match &prj {
        Some(text) => Some(crs_from_text(text).ok_or_else(|| {
            ImportError::Crs(format!(
                "{}: the .prj describes a CRS drainplan does not read ({}…); reproject to one of {}",
                path.display(),
                text.chars().take(60).collect::<String>(),
                ExportCrs::names()
            ))
        })?),
        None => None,
    };
    let shapes = shapefile::ShapeReader::new(Cursor::new(shp)).map_err(|e| source_err(path, e))?;
    let table = dbase::ReaderBuilder::new()
        .with_encoding(dbase::UnicodeLossy)
        .build(Cursor::new(dbf))
        .map_err(|e| source_err(path, e))?;
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut out = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let label = format!("record {}", i + 1);
        let (shape, record) = item.map_err(|e| source_err(path, format!("{label}: {e}")))?;
        let mut fields = Map::new();
        for (name, value) in record {
            let v = match value {
                FieldValue::Character(Some(s)) => Value::String(s.trim().to_owned()),
                FieldValue::Numeric(Some(n)) | FieldValue::Double(n) | FieldValue::Currency(n) => {
                    json!(n)
                }
                FieldValue::Float(Some(n)) => json!(f64::from(n)),
                FieldValue::Integer(n) => json!(n),
                FieldValue::Logical(Some(b)) => json!(b),
                FieldValue::Memo(s) => Value::String(s),
                FieldValue::Date(Some(d)) => {
                    Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
                }
                _ => Value::Null,
            };
            fields.insert(name, v);
        }
        let Some(geometry) = shape_geometry(shape) else {
            out.push(SourceFeature {
                label,
                geometry: Geometry::Point(Point::new(f64::NAN, f64::NAN)),
                fields,
            });
            continue;
        };
        out.push(SourceFeature {
            label,
            geometry,
            fields,
        });
    }
    // Null or unsupported shapes are dropped here with a clear error rather than later.
    if let Some(bad) = out
        .iter()
        .find(|f| matches!(f.geometry, Geometry::Point(p) if p.x().is_nan()))
    {
        return Err(source_err(
            path,
            format!("{} has a null or unsupported shape", bad.label),
        ));
    }
    Ok((out, declared))
}

fn coord(p: &shapefile::Point) -> Coord {
    Coord { x: p.x, y: p.y }
}

fn shape_geometry(shape: shapefile::Shape) -> Option<Geometry> {
    use shapefile::{PolygonRing, Shape};
    match shape {
        Shape::Point(p) => Some(Geometry::Point(Point(coord(&p)))),
        Shape::Polyline(l) => {
            let mut parts: Vec<LineString> = l
                .parts()
                .iter()
                .map(|p| LineString(p.iter().map(coord).collect()))
                .collect();
            if parts.len() == 1 {
                parts.pop().map(Geometry::LineString)
            } else {
                Some(Geometry::MultiLineString(MultiLineString(parts)))
            }
        }
        Shape::Polygon(p) => {
            let mut polys: Vec<Polygon> = Vec::new();
            for ring in p.rings() {
                let line = LineString(ring.points().iter().map(coord).collect());
                match ring {
                    PolygonRing::Outer(_) => polys.push(Polygon::new(line, vec![])),
                    PolygonRing::Inner(_) => {
                        let last = polys.last_mut()?;
                        last.interiors_push(line);
                    }
                }
            }
            if polys.len() == 1 {
                polys.pop().map(Geometry::Polygon)
            } else {
                Some(Geometry::MultiPolygon(MultiPolygon(polys)))
            }
        }
        _ => None,
    }
}

fn read_dxf(
    path: &Path,
    bytes: &[u8],
) -> Result<(Vec<SourceFeature>, Option<ExportCrs>), ImportError> {
    use dxf::entities::EntityType;
    use geo::Contains;
    let drawing = dxf::Drawing::load(&mut Cursor::new(bytes)).map_err(|e| source_err(path, e))?;
    let mut shapes: Vec<(String, Geometry)> = Vec::new();
    let mut texts: Vec<(Point, String)> = Vec::new();
    for e in drawing.entities() {
        match &e.specific {
            EntityType::LwPolyline(p) => {
                let mut pts: Vec<Coord> = p
                    .vertices
                    .iter()
                    .map(|v| Coord { x: v.x, y: v.y })
                    .collect();
                if pts.len() < 2 {
                    continue;
                }
                let g = if p.is_closed() {
                    if pts.first() != pts.last() {
                        pts.push(pts[0]);
                    }
                    Geometry::Polygon(Polygon::new(LineString(pts), vec![]))
                } else {
                    Geometry::LineString(LineString(pts))
                };
                shapes.push((e.common.layer.clone(), g));
            }
            EntityType::Text(t) => texts.push((
                Point::new(t.location.x, t.location.y),
                t.value.trim().to_owned(),
            )),
            EntityType::MText(t) => texts.push((
                Point::new(t.insertion_point.x, t.insertion_point.y),
                t.text.trim().to_owned(),
            )),
            _ => {}
        }
    }
    let out = shapes
        .into_iter()
        .enumerate()
        .map(|(i, (layer, geometry))| {
            let mut fields = Map::new();
            fields.insert("layer".into(), json!(layer));
            if let Geometry::Polygon(poly) = &geometry
                && let Some((_, text)) = texts.iter().find(|(p, _)| poly.contains(p))
            {
                fields.insert("text".into(), json!(text));
                if let Some((sheet, number)) = text.split_once('/') {
                    fields.insert("sheet".into(), json!(sheet.trim()));
                    fields.insert("number".into(), json!(number.trim()));
                }
            }
            SourceFeature {
                label: format!("entity {} on layer {layer}", i + 1),
                geometry,
                fields,
            }
        })
        .collect();
    Ok((out, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prj_texts_name_their_crs() {
        assert_eq!(
            crs_from_text(super::super::crs::ESRI_9208),
            Some(ExportCrs::Tm3NgheAn)
        );
        assert_eq!(
            crs_from_text(super::super::crs::ESRI_3405),
            Some(ExportCrs::Utm48n)
        );
        assert_eq!(
            crs_from_text(super::super::crs::ESRI_4326),
            Some(ExportCrs::Wgs84)
        );
        assert_eq!(
            crs_from_text(super::super::crs::OGC_TOWGS84),
            Some(ExportCrs::Tm3CopiedTowgs84)
        );
        assert_eq!(
            crs_from_text("urn:ogc:def:crs:EPSG::9208"),
            Some(ExportCrs::Tm3NgheAn)
        );
        assert_eq!(crs_from_text("PROJCS[\"WGS_1984_Web_Mercator\"]"), None);
    }

    #[test]
    fn fields_become_typed_properties() {
        assert_eq!(typed("map_sheet", json!(12.0)), json!(12));
        assert_eq!(typed("parcel_no", json!(" 345 ")), json!(345));
        assert_eq!(typed("gate", json!("Y")), json!(true));
        assert_eq!(typed("land_use", json!("ONT")), json!("ONT"));
    }

    #[test]
    fn pairs_parse() {
        assert_eq!(
            parse_pairs("sheet=SOTO,number=SOTHUA").unwrap(),
            vec![
                ("sheet".into(), "SOTO".into()),
                ("number".into(), "SOTHUA".into())
            ]
        );
        assert!(parse_pairs("sheet").is_err());
    }
}
