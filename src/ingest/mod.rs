//! Import: the commune's records from any vector file GDAL reads — cadastral DGN sheets,
//! MapInfo TAB/MIF, shapefiles (loose or zipped), GeoPackage, GeoJSON, DXF, KML, CSV with
//! WKT — into a layer file of the data directory, and every export drainplan writes back
//! in without loss.
//!
//! 1. Read the file with GDAL ([`source`]): features, attributes, text elements, and what
//!    the file says of its CRS and text encoding.
//! 2. Decide the text encoding (`--encoding`, else a Vietnamese declaration, else the text
//!    itself, [`encoding`]) and decode every text to Unicode NFC.
//! 3. Make features: polygons get the labels lying in them ([`shapes`], [`labels`]); a
//!    parcel's sheet comes from its label, an attribute, `--sheet` or the file name.
//! 4. Decide the CRS (the file's, else its file name's tag, else `--crs`, which must not
//!    contradict the file), project to WGS84 and refuse the whole file if anything lands
//!    outside Vietnam: that is a wrong CRS, not a parcel.
//! 5. Map attributes to the layer's properties (by name, by the shapefile short names of
//!    [`crate::export::shapefile::SHORT_NAMES`], by `--map`), typed as the layer stores
//!    them; give each feature its id (`p-<sheet>-<number>` unless one is mapped).
//! 6. Merge: a new id is added; an existing one is skipped unless `replace`, which changes
//!    only the properties the source carries (it never blanks a stored value unless
//!    `allow_blanking`) and keeps the stored geometry when every vertex is within
//!    [`SAME_GEOMETRY_M`] of it. Each feature is checked as an edit is.
//! 7. Write the layer file atomically ([`layer_file`]: one compact feature per line, 8
//!    decimals, RFC 7946 rings) after checking that it loads.
//!
//! The layer file is the base under the edit journal, so a layer with journalled edits is
//! not rewritten (the journal would no longer apply); the import says so.

pub mod crs;
pub mod encoding;
pub mod labels;
pub mod layer_file;
pub mod shapes;
pub mod source;
pub mod xlsx;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use geo::{Coord, CoordsIter, Geometry, LineString, MultiLineString, MultiPolygon};
use serde_json::{Map, Value, json};

use self::crs::Declared;
use self::encoding::TextEncoding;
use self::shapes::{Decoded, Shape};
use self::source::{Cell, Text};
use crate::crs::Crs;
use crate::crs::{self as base, CrsError};
use crate::model::LayerKind;
use crate::store::Dataset;

/// Longitude and latitude bounds of mainland Vietnam and its coastal waters.
pub const VIETNAM_LON: (f64, f64) = (102.0, 110.0);
/// See [`VIETNAM_LON`].
pub const VIETNAM_LAT: (f64, f64) = (8.0, 23.5);

/// A replaced feature whose every vertex lies within this distance of the stored one
/// keeps the stored geometry: exports round metric coordinates to the millimetre and
/// layer files degrees to 8 decimals (≈ 1.1 mm), so a round trip moves vertices by up to
/// about 1.5 mm without anyone having moved them.
pub const SAME_GEOMETRY_M: f64 = 0.002;

/// How many ids of a list the text report shows (the JSON report has them all).
const LISTED_IDS: usize = 20;

/// How many converted texts the report shows.
const ENCODING_SAMPLES: usize = 5;

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
    /// The CRS is unknown, missing, or `--crs` contradicts the file.
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
        "{layer} has {edits} edits in the journal; importing rewrites {layer}.geojson, under which they would no longer replay. Nothing was imported: stop the service, run `drainplan journal compact`, then import"
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
    /// The layer.
    pub kind: LayerKind,
    /// The source CRS, when the file does not say.
    pub crs: Option<Crs>,
    /// `target=SOURCE_FIELD` pairs (`sheet=SOTO`).
    pub map: Vec<(String, String)>,
    /// `target=value` constants (`land_use=ONT`).
    pub set: Vec<(String, String)>,
    /// Replace features whose id exists.
    pub replace: bool,
    /// With `replace`, let a blank in the source clear a stored value.
    pub allow_blanking: bool,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// The text encoding, overriding what the file says and what the text suggests.
    pub encoding: Option<TextEncoding>,
    /// The map sheet of every parcel without one (else the file name's).
    pub sheet: Option<i64>,
    /// For an .xlsx: write the good rows when some are refused (else nothing is written).
    pub skip_bad_rows: bool,
    /// For an .xlsx: the worksheet to read (default: the first).
    pub worksheet: Option<String>,
}

impl ImportOptions {
    /// Options for `kind` with nothing set: read what the file says, add new ids only.
    pub fn new(kind: LayerKind) -> Self {
        ImportOptions {
            kind,
            crs: None,
            map: Vec::new(),
            set: Vec::new(),
            replace: false,
            allow_blanking: false,
            dry_run: false,
            encoding: None,
            sheet: None,
            skip_bad_rows: false,
            worksheet: None,
        }
    }
}

/// The text encoding an import used.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EncodingReport {
    /// Its name (`TCVN3`).
    pub name: String,
    /// How it was chosen.
    pub how: String,
    /// A few texts: (bytes as read, with `\xNN` for non-ASCII bytes; as converted).
    pub samples: Vec<(String, String)>,
}

/// One property a replace changed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldChange {
    /// The property.
    pub field: String,
    /// Its stored value.
    pub from: Value,
    /// Its new value.
    pub to: Value,
}

/// What a replace changed in one feature.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FeatureChanges {
    /// The feature.
    pub id: String,
    /// The properties changed.
    pub fields: Vec<FieldChange>,
    /// Whether the geometry was replaced (a vertex moved by more than
    /// [`SAME_GEOMETRY_M`], or the shape differs).
    pub geometry: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    /// GDAL's driver for the file.
    pub driver: String,
    /// The CRS the file was read in.
    pub crs: String,
    /// Where that CRS came from.
    pub crs_from: String,
    /// The text encoding, where the file had text beyond ASCII.
    pub encoding: Option<EncodingReport>,
    /// Ids added.
    pub imported: Vec<String>,
    /// Ids replaced (with `replace`), changed or not.
    pub replaced: Vec<String>,
    /// What each replace changed (features it left as they were are not listed).
    pub changes: Vec<FeatureChanges>,
    /// Stored values kept because the source left them blank: (id, property).
    pub kept_blank: Vec<(String, String)>,
    /// Source features skipped: (which, why).
    pub skipped: Vec<(String, String)>,
    /// Source fields not mapped to any property.
    pub unused_fields: Vec<String>,
    /// Rows of a workbook refused, each with its column and why.
    pub refused: Vec<xlsx::RowProblem>,
    /// For a workbook: the worksheet, its header row and which column gave what.
    pub workbook: Option<xlsx::WorkbookReport>,
    /// The file written (none on a dry run or when nothing was imported).
    pub written: Option<PathBuf>,
}

impl ImportReport {
    /// The report as text for the command line.
    pub fn to_text(&self) -> String {
        let mut s = match &self.workbook {
            Some(w) => w.to_text(),
            None => format!("read in {} (from {})", self.crs, self.crs_from),
        };
        if !self.driver.is_empty() && self.workbook.is_none() {
            s.push_str(&format!(" by GDAL's {} driver", self.driver));
        }
        s.push('\n');
        if let Some(e) = &self.encoding {
            s.push_str(&format!("text encoding: {} ({})\n", e.name, e.how));
            for (raw, text) in &e.samples {
                s.push_str(&format!("  {raw} → {text}\n"));
            }
        }
        let mut list = |title: &str, ids: &[String]| {
            s.push_str(&format!("{title}: {}\n", ids.len()));
            match ids.len() {
                0 => {}
                n if n <= LISTED_IDS => s.push_str(&format!("  {}\n", ids.join(" "))),
                n => s.push_str(&format!(
                    "  {} … and {} more\n",
                    ids[..LISTED_IDS].join(" "),
                    n - LISTED_IDS
                )),
            }
        };
        list("imported", &self.imported);
        list("replaced", &self.replaced);
        for c in &self.changes {
            let mut parts: Vec<String> = c
                .fields
                .iter()
                .map(|f| format!("{}: {} → {}", f.field, f.from, f.to))
                .collect();
            if c.geometry {
                parts.push("geometry".into());
            }
            s.push_str(&format!("  changed {}: {}\n", c.id, parts.join(", ")));
        }
        if !self.kept_blank.is_empty() {
            s.push_str(&format!(
                "kept {} stored values the source leaves blank (give --allow-blanking to clear them):\n",
                self.kept_blank.len()
            ));
            for (id, field) in &self.kept_blank {
                s.push_str(&format!("  {id}: {field}\n"));
            }
        }
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
        if self.workbook.is_some() {
            s.push_str(&format!("refused: {} rows\n", self.refused.len()));
            for r in &self.refused {
                s.push_str(&format!("  {r}\n"));
            }
        }
        match &self.written {
            Some(p) if self.refused.is_empty() => {
                s.push_str(&format!("wrote {}\n", p.display()));
            }
            Some(p) => s.push_str(&format!(
                "wrote {} without the {} refused rows (--skip-bad-rows)\n",
                p.display(),
                self.refused.len()
            )),
            None if !self.refused.is_empty() && self.workbook.is_some() => s.push_str(&format!(
                "nothing written: {} rows refused (correct them, or give --skip-bad-rows to import the other rows)\n",
                self.refused.len()
            )),
            None => s.push_str("nothing written\n"),
        }
        s
    }
}

/// Properties each layer takes, with the short names `--map` accepts for them.
fn targets(kind: LayerKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        LayerKind::Parcels => &[
            ("map_sheet", "sheet"),
            ("parcel_no", "number"),
            ("land_use", "land_use"),
            ("area_legal_m2", "area"),
            ("village_id", "village"),
            ("owner_household", "owner"),
            ("clearance_status", "status"),
            ("clearance_date", "clearance_date"),
            ("fence_type", "fence"),
            ("gate", "gate"),
            ("frontage_edge", "frontage_edge"),
        ],
        LayerKind::Canals => &[
            ("name", "name"),
            ("status", "status"),
            ("villages", "villages"),
            ("village_id", "village"),
            ("funding", "funding"),
            ("width_m", "width"),
            ("depth_m", "depth"),
            ("lining", "lining"),
            ("year", "year"),
            ("status_date", "status_date"),
        ],
        LayerKind::Villages => &[("name", "name"), ("code", "code")],
        LayerKind::FloodZones => &[("name", "name"), ("village_id", "village")],
        LayerKind::Households => &[("head", "head"), ("village_id", "village")],
        LayerKind::Catchments => &[
            ("name", "name"),
            ("village_id", "village"),
            ("drains_to", "drains_to"),
            ("drains_at", "drains_at"),
        ],
    }
}

/// The JSON kind a property is stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Bool,
    Text,
}

fn kind_of(v: &Value) -> Option<Kind> {
    match v {
        Value::Bool(_) => Some(Kind::Bool),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(Kind::Int),
        Value::Number(_) => Some(Kind::Real),
        Value::String(_) => Some(Kind::Text),
        _ => None,
    }
}

/// Kinds of properties that may be missing from a data set's samples.
/// `--replace`'s rule for the fields a source carries: each value, coerced to the kind of
/// the stored value (else `kind_for`'s), replaces the stored one in `props` and is listed in
/// `changes`; an unchanged value is passed over, and a blank is kept out (listed in
/// `kept_blank`) unless `allow_blanking`.
#[allow(clippy::too_many_arguments)]
fn merge_carried(
    carried: impl IntoIterator<Item = (String, Value)>,
    stored_props: &Map<String, Value>,
    kind_for: impl Fn(&str) -> Option<Kind>,
    allow_blanking: bool,
    props: &mut Map<String, Value>,
    changes: &mut FeatureChanges,
    kept_blank: &mut Vec<(String, String)>,
) {
    for (k, v) in carried {
        let reference = stored_props
            .get(&k)
            .and_then(kind_of)
            .or_else(|| kind_for(&k));
        let v = coerce(v, reference);
        let old = stored_props.get(&k).cloned().unwrap_or(Value::Null);
        if v == old {
            continue;
        }
        if v.is_null() && !allow_blanking {
            kept_blank.push((changes.id.clone(), k));
            continue;
        }
        changes.fields.push(FieldChange {
            field: k.clone(),
            from: old,
            to: v.clone(),
        });
        props.insert(k, v);
    }
}

fn static_kind(name: &str) -> Option<Kind> {
    match name {
        "map_sheet" | "parcel_no" | "year" | "frontage_edge" | "members" | "duration_days"
        | "since_year" => Some(Kind::Int),
        "width_m" | "depth_m" | "area_legal_m2" | "water_target_rate" | "land_pledged_m2"
        | "land_donated_m2" => Some(Kind::Real),
        "gate" => Some(Kind::Bool),
        _ => None,
    }
}

/// `v` as a property of kind `kind` (`"12"` and `12.0` as 12 for an integer, `"T"` as
/// true for a flag, `""` as null).
fn coerce(v: Value, kind: Option<Kind>) -> Value {
    let text_number = |s: &str| -> Option<f64> {
        let t = s.trim();
        t.parse::<f64>().ok().or_else(|| labels::parse_decimal(t))
    };
    #[expect(
        clippy::cast_possible_truncation,
        reason = "only whole numbers within i64 are turned into integers"
    )]
    let int_of = |f: f64| -> Value {
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            json!(f as i64)
        } else {
            json!(f)
        }
    };
    match (kind, v) {
        (_, Value::String(s)) if s.trim().is_empty() => Value::Null,
        (Some(Kind::Int), Value::Number(n)) if !(n.is_i64() || n.is_u64()) => {
            n.as_f64().map_or(Value::Number(n), int_of)
        }
        (Some(Kind::Int), Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(i) => json!(i),
            Err(_) => text_number(&s).map_or(Value::String(s), int_of),
        },
        (Some(Kind::Real), Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map_or(Value::Null, |f| json!(f)),
        (Some(Kind::Real), Value::String(s)) => {
            text_number(&s).map_or(Value::String(s), |f| json!(f))
        }
        (Some(Kind::Bool), Value::Number(n)) => match n.as_i64() {
            Some(0) => json!(false),
            Some(1) => json!(true),
            _ => Value::Number(n),
        },
        (Some(Kind::Bool), Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "t" | "y" | "yes" | "có" => json!(true),
            "0" | "false" | "f" | "n" | "no" | "không" => json!(false),
            _ => Value::String(s),
        },
        (Some(Kind::Text), Value::Number(n)) => Value::String(match n.as_f64() {
            Some(f) if !(n.is_i64() || n.is_u64()) && f.fract() == 0.0 => format!("{f:.0}"),
            _ => n.to_string(),
        }),
        (_, Value::Number(n)) if n.as_f64().is_some_and(|f| !f.is_finite()) => Value::Null,
        (_, other) => other,
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

/// The CRS a `.prj` (ESRI or OGC WKT) or a GeoJSON `crs` name describes, if one of ours.
pub fn crs_from_text(text: &str) -> Option<Crs> {
    let t = text.to_ascii_lowercase().replace([' ', '_', '"'], "");
    if t.contains("-191.904") {
        Some(Crs::Tm3CopiedTowgs84)
    } else if t.contains("9208") || t.contains("tm-3104-45") {
        Some(Crs::Tm3NgheAn)
    } else if t.contains("3405") || (t.contains("vn") && t.contains("utmzone48n")) {
        Some(Crs::Utm48n)
    } else if t.contains("crs84") || t.contains("4326") || t.starts_with("geogcs[gcswgs1984") {
        Some(Crs::Wgs84)
    } else {
        None
    }
}

/// The CRS the file is read in, and where that came from.
fn decide_crs(
    from: &Path,
    declared: &Declared,
    given: Option<Crs>,
) -> Result<(Crs, String), ImportError> {
    let shown = from.display();
    match (given, declared) {
        (Some(g), Declared::Crs(d, by)) if g != *d => Err(ImportError::Crs(format!(
            "--crs {g} but {by} of {shown} says {d}"
        ))),
        (Some(g), Declared::Unsure { fits, says }) if !fits.contains(&g) => {
            Err(ImportError::Crs(format!(
                "--crs {g} but {shown} says {says}, which fits only {}",
                fits.iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
        (_, Declared::Foreign(name)) => Err(ImportError::Crs(format!(
            "{shown} is in `{name}`, a CRS drainplan does not read; reproject it to one of {}",
            Crs::names()
        ))),
        (Some(g), _) => Ok((g, "--crs".into())),
        (None, Declared::Crs(d, by)) => Ok((*d, by.clone())),
        (None, Declared::Unsure { fits, says }) => Err(ImportError::Crs(format!(
            "{shown} says {says}: give --crs ({})",
            fits.iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
        (None, Declared::Nothing) => Err(ImportError::Crs(format!(
            "{shown} does not say its CRS: give --crs ({})",
            Crs::names()
        ))),
    }
}

/// Decides the text encoding and decodes every text of the source.
fn decode(
    src: source::Source,
    given: Option<TextEncoding>,
) -> (Vec<Decoded>, Option<EncodingReport>) {
    let mut raws: Vec<&[u8]> = Vec::new();
    for f in &src.features {
        let cells = f.fields.iter().map(|(_, c)| c);
        for c in cells {
            if let Cell::Text(Text::Raw(b)) = c
                && !b.is_ascii()
            {
                raws.push(b);
            }
        }
        if let Some(Text::Raw(b)) = &f.text
            && !b.is_ascii()
        {
            raws.push(b);
        }
    }
    let (chosen, report) = if raws.is_empty() {
        (TextEncoding::Utf8, None)
    } else {
        let all_utf8 = raws.iter().all(|b| std::str::from_utf8(b).is_ok());
        let (e, how) = match (given, &src.encoding_said) {
            (Some(e), _) => (e, "--encoding".to_owned()),
            (None, Some((e, by)))
                if e.is_vietnamese() && (*e != TextEncoding::Utf8 || all_utf8) =>
            {
                (*e, format!("as {by} says"))
            }
            (None, said) => {
                let (e, scores) = encoding::detect(&raws);
                let scores: Vec<String> = scores
                    .iter()
                    .map(|(e, s)| format!("{} {s:+}", e.name()))
                    .collect();
                let mut how = format!("detected from the text; scores {}", scores.join(", "));
                match said {
                    Some((TextEncoding::Windows1252, by)) => how.push_str(&format!(
                        "; {by} says windows-1252, as TCVN3 and VNI files do"
                    )),
                    Some((said, by)) => how.push_str(&format!(
                        "; {by} says {}, which the text is not",
                        said.name()
                    )),
                    None => {}
                }
                (e, how)
            }
        };
        let mut samples: Vec<(String, String)> = Vec::new();
        for b in &raws {
            let pair = (encoding::escaped(b), e.decode(b));
            if !samples.contains(&pair) {
                samples.push(pair);
            }
            if samples.len() == ENCODING_SAMPLES {
                break;
            }
        }
        (
            e,
            Some(EncodingReport {
                name: e.name().to_owned(),
                how,
                samples,
            }),
        )
    };
    let text = |t: Text| match t {
        Text::Raw(b) => chosen.decode(&b),
        Text::Unicode(s) => s,
    };
    let decoded = src
        .features
        .into_iter()
        .map(|f| {
            let fields = f
                .fields
                .into_iter()
                .map(|(name, c)| {
                    let v = match c {
                        Cell::Null => Value::Null,
                        Cell::Int(i) => json!(i),
                        Cell::Real(r) if r.is_finite() => json!(r),
                        Cell::Real(_) => Value::Null,
                        Cell::Text(t) => Value::String(text(t)),
                    };
                    (name, v)
                })
                .collect();
            Decoded {
                label: f.label,
                geometry: f.geometry,
                fields,
                text: f.text.map(text),
            }
        })
        .collect();
    (decoded, report)
}

fn in_vietnam(c: Coord) -> bool {
    (VIETNAM_LON.0..=VIETNAM_LON.1).contains(&c.x) && (VIETNAM_LAT.0..=VIETNAM_LAT.1).contains(&c.y)
}

/// A one-part multi-geometry as its part, unless the stored feature is a multi-geometry.
fn simplest(g: Geometry, stored: Option<&Geometry>) -> Geometry {
    let stored_multi = matches!(
        stored,
        Some(Geometry::MultiPolygon(_) | Geometry::MultiLineString(_))
    );
    match g {
        Geometry::MultiPolygon(MultiPolygon(mut p)) if p.len() == 1 && !stored_multi => {
            Geometry::Polygon(p.remove(0))
        }
        Geometry::MultiLineString(MultiLineString(mut l)) if l.len() == 1 && !stored_multi => {
            Geometry::LineString(l.remove(0))
        }
        Geometry::Polygon(p) if matches!(stored, Some(Geometry::MultiPolygon(_))) => {
            Geometry::MultiPolygon(MultiPolygon(vec![p]))
        }
        Geometry::LineString(l) if matches!(stored, Some(Geometry::MultiLineString(_))) => {
            Geometry::MultiLineString(MultiLineString(vec![l]))
        }
        other => other,
    }
}

/// Whether `a` and `b` have the same rings vertex for vertex, each within `tolerance_m`
/// (degrees turned into metres with the local radii; ample for a tolerance of mm).
fn same_geometry(a: &Geometry, b: &Geometry, tolerance_m: f64) -> bool {
    if std::mem::discriminant(a) != std::mem::discriminant(b) {
        return false;
    }
    let rings = |g: &Geometry| -> Vec<LineString> {
        match g {
            Geometry::Polygon(p) => std::iter::once(p.exterior().clone())
                .chain(p.interiors().iter().cloned())
                .collect(),
            Geometry::MultiPolygon(mp) => {
                mp.0.iter()
                    .flat_map(|p| {
                        std::iter::once(p.exterior().clone()).chain(p.interiors().iter().cloned())
                    })
                    .collect()
            }
            Geometry::LineString(l) => vec![l.clone()],
            Geometry::MultiLineString(ml) => ml.0.clone(),
            other => vec![LineString(other.coords_iter().collect())],
        }
    };
    let (ra, rb) = (rings(a), rings(b));
    ra.len() == rb.len()
        && ra.iter().zip(&rb).all(|(x, y)| {
            x.0.len() == y.0.len()
                && x.0.iter().zip(&y.0).all(|(p, q)| {
                    let dx = (p.x - q.x) * 111_320.0 * p.y.to_radians().cos();
                    let dy = (p.y - q.y) * 110_574.0;
                    dx.hypot(dy) <= tolerance_m
                })
        })
}

/// The stored feature a geometry is (every vertex within [`SAME_GEOMETRY_M`]): how a
/// drawing, which carries no ids, finds the canal or zone it redraws.
fn same_as_stored(layer: &crate::store::Layer, g: &Geometry) -> Option<String> {
    let b = crate::index::bounding_box(g)?;
    let pad = 1e-6; // ≈ 0.1 m, wider than the tolerance
    let rect = geo::Rect::new(
        Coord {
            x: b.min().x - pad,
            y: b.min().y - pad,
        },
        Coord {
            x: b.max().x + pad,
            y: b.max().y + pad,
        },
    );
    let g = layer_file::normalise(g);
    layer
        .intersecting(rect)
        .into_iter()
        .map(|i| &layer.features[i])
        .find(|f| {
            same_geometry(
                &simplest(g.clone(), Some(&f.geometry)),
                &f.geometry,
                SAME_GEOMETRY_M,
            )
        })
        .map(|f| f.id.clone())
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

/// The property a drainplan drawing's layer name (`parcels_awaiting`) stands for.
fn status_of_layer(kind: LayerKind, layer: &str) -> Option<(&'static str, Value)> {
    let rest = layer.strip_prefix(kind.id())?.strip_prefix('_')?;
    match kind {
        LayerKind::Parcels => crate::model::ClearanceStatus::parse(rest)
            .map(|s| ("clearance_status", json!(s.as_str()))),
        LayerKind::Canals => {
            crate::model::CanalStatus::parse(rest).map(|s| ("status", json!(s.as_str())))
        }
        _ => None,
    }
}

/// Fields a parcel's label and its drawing layer give, where the attributes do not.
fn label_fields(kind: LayerKind, shape: &mut Shape, sheet: Option<i64>) {
    let has = |fields: &Map<String, Value>, name: &str| {
        fields
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_null())
    };
    let layer = shape
        .fields
        .get("Layer")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some((name, value)) = layer.and_then(|l| status_of_layer(kind, &l))
        && !has(&shape.fields, name)
    {
        shape.fields.insert(name.into(), value);
    }
    if kind != LayerKind::Parcels {
        return;
    }
    let label = labels::parse_label(&shape.texts);
    let mut put = |name: &str, v: Option<Value>| {
        if let Some(v) = v
            && !has(&shape.fields, name)
        {
            shape.fields.insert(name.to_owned(), v);
        }
    };
    put("map_sheet", label.sheet.or(sheet).map(|s| json!(s)));
    put("parcel_no", label.number.map(|n| json!(n)));
    put("land_use", label.land_use.map(Value::String));
    put("area_legal_m2", label.area_m2.map(|a| json!(a)));
}

/// Sets properties of stored canals (a SWMM model refined by an engineer, read back):
/// for each `(id, set, removed)`, the keys of `set` take its values and the keys in
/// `removed` go; geometry and every other property stay. Each canal is checked as an edit
/// is, and one refusal writes nothing. Refused while the journal holds canal edits since
/// the last snapshot (as every import is); the canals' layer file is rewritten atomically.
pub fn update_canal_properties(
    dir: &Path,
    updates: &[(String, Map<String, Value>, Vec<String>)],
) -> Result<PathBuf, ImportError> {
    let kind = LayerKind::Canals;
    let data = load_unjournalled(dir, kind)?;
    let layer = data.layer(kind);
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for (id, set, removed) in updates {
        let Some(f) = layer.get(id) else {
            refused.push(format!("{id}: no such canal"));
            continue;
        };
        let mut props = f.properties.to_map();
        for k in removed {
            props.remove(k);
        }
        for (k, v) in set {
            props.insert(k.clone(), v.clone());
        }
        let feature = json!({
            "type": "Feature",
            "id": id,
            "properties": props,
            "geometry": geojson::Geometry::from(&f.geometry),
        });
        match data.check_feature(kind, id, &feature) {
            Ok(_) => accepted.push((id.clone(), f.geometry.clone(), props)),
            Err(e) => refused.push(format!("{id}: {e}")),
        }
    }
    if !refused.is_empty() {
        return Err(ImportError::Data(format!(
            "nothing was written; refused: {}",
            refused.join("; ")
        )));
    }
    write_layer(dir, kind, layer, accepted)
}

/// The data directory loaded, refused when the journal holds edits to `kind` since the
/// last snapshot: the layer file is the base under them, and rewriting it would leave
/// them replaying over a different base.
fn load_unjournalled(dir: &Path, kind: LayerKind) -> Result<Dataset, ImportError> {
    let journal =
        crate::store::journal::Journal::read(dir).map_err(|e| ImportError::Data(e.to_string()))?;
    // Entries the snapshot already holds are in its layer files, not over them.
    let snapshot_seq = crate::store::snapshot::Snapshot::current(dir)
        .map_err(|e| ImportError::Data(format!("{e:#}")))?
        .map_or(0, |s| s.seq);
    let edits = journal
        .iter()
        .filter(|e| e.seq > snapshot_seq && e.edit.collection == kind)
        .count();
    if edits > 0 {
        return Err(ImportError::Journalled { layer: kind, edits });
    }
    Dataset::load(dir).map_err(|e| ImportError::Data(format!("{e:#}")))
}

/// Rewrites `kind`'s layer file (the snapshot's, once the data were compacted) with the
/// stored features, `accepted` in place of those with the same id and the new ones after
/// them, after checking that the new file loads; atomically.
fn write_layer(
    dir: &Path,
    kind: LayerKind,
    layer: &crate::store::Layer,
    accepted: Vec<(String, Geometry, Map<String, Value>)>,
) -> Result<PathBuf, ImportError> {
    let path = crate::store::snapshot::layer_path(dir, kind)
        .map_err(|e| ImportError::Data(format!("{e:#}")))?;
    let mut replacing: HashMap<String, (Geometry, Map<String, Value>)> = accepted
        .iter()
        .map(|(id, g, p)| (id.clone(), (g.clone(), p.clone())))
        .collect();
    let mut rows: Vec<(String, Geometry, Map<String, Value>)> =
        Vec::with_capacity(layer.features.len() + accepted.len());
    for f in &layer.features {
        match replacing.remove(&f.id) {
            Some((g, p)) => rows.push((f.id.clone(), g, p)),
            None => rows.push((f.id.clone(), f.geometry.clone(), f.properties.to_map())),
        }
    }
    for (id, g, p) in accepted {
        if replacing.remove(&id).is_some() {
            rows.push((id, g, p));
        }
    }
    let out = layer_file::layer_text(rows.iter().map(|(id, g, p)| (id.as_str(), g, p.clone())));
    crate::store::parse_layer(&path, kind, &out)
        .map_err(|e| ImportError::Data(format!("the new file would not load: {e}")))?;
    crate::store::write_atomically(&path, out.as_bytes()).map_err(|source| ImportError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Imports `from` into the data directory `dir`.
pub fn import(dir: &Path, from: &Path, o: &ImportOptions) -> Result<ImportReport, ImportError> {
    if xlsx::is_workbook(from) {
        return xlsx::import(dir, from, o);
    }
    let kind = o.kind;
    let targets = targets(kind);
    let canonical = |t: &str| -> Option<String> {
        if t == "id" {
            return Some("id".into());
        }
        targets
            .iter()
            .find(|(long, short)| *long == t || *short == t)
            .map(|(long, _)| (*long).to_owned())
    };
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (t, f) in &o.map {
        let c = canonical(t).ok_or_else(|| {
            ImportError::Mapping(format!(
                "--map {t}=…: {t} is not a property of {kind}; use id, {}",
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
    let mut constants: BTreeMap<String, String> = BTreeMap::new();
    for (t, v) in &o.set {
        let c = canonical(t).ok_or_else(|| {
            ImportError::Mapping(format!("--set {t}=…: {t} is not a property of {kind}"))
        })?;
        constants.insert(c, v.clone());
    }

    // 1–3. Read, decode, make features.
    let src = source::read(from)?;
    let driver = src.driver.clone();
    let declared = src.declared.clone();
    let drainplan_drawing = src.drainplan_drawing;
    let structural: HashSet<&str> = src.structural_fields().iter().copied().collect();
    let (decoded, encoding_report) = decode(src, o.encoding);
    let (mut features, mut skipped) = match kind {
        LayerKind::Parcels
        | LayerKind::Villages
        | LayerKind::FloodZones
        | LayerKind::Catchments => shapes::polygons(decoded, drainplan_drawing),
        LayerKind::Households => shapes::as_is(decoded),
        LayerKind::Canals => {
            let (texts, rest): (Vec<Decoded>, Vec<Decoded>) = decoded
                .into_iter()
                .partition(|d| d.text.is_some() && matches!(d.geometry, Some(Geometry::Point(_))));
            let (shapes, mut skipped) = shapes::as_is(rest);
            if !texts.is_empty() {
                skipped.push((
                    format!("{} text elements", texts.len()),
                    "canals are lines".into(),
                ));
            }
            (shapes, skipped)
        }
    };
    let sheet = o
        .sheet
        .or_else(|| labels::sheet_from_file_name(from).filter(|_| kind == LayerKind::Parcels));
    for f in &mut features {
        label_fields(kind, f, sheet);
    }

    // 4. CRS, to WGS84, refusing the file if anything lands outside Vietnam.
    let (crs, crs_from) = decide_crs(from, &declared, o.crs)?;
    // Set up (or refused) before any feature is read.
    base::with_transformer(crs, Crs::Wgs84, |_| ())?;
    for f in &mut features {
        if crs != Crs::Wgs84 {
            f.geometry = geo::MapCoords::try_map_coords(&f.geometry, |c: Coord| {
                base::transform(c, crs, Crs::Wgs84)
            })?;
        }
        if let Some(c) = f.geometry.coords_iter().find(|c| !in_vietnam(*c)) {
            return Err(ImportError::OutsideVietnam {
                feature: f.label.clone(),
                lon: c.x,
                lat: c.y,
                crs: crs.name().to_owned(),
            });
        }
    }

    // 5–6. Map, type, id, merge, check.
    let data = load_unjournalled(dir, kind)?;
    let layer = data.layer(kind);
    let mut layer_kinds: HashMap<String, Kind> = HashMap::new();
    let mut properties: Vec<String> = targets.iter().map(|(l, _)| (*l).to_owned()).collect();
    for (name, samples) in layer.property_samples() {
        let kinds: Vec<Kind> = samples.iter().filter_map(kind_of).collect();
        let k = if kinds.contains(&Kind::Real) && kinds.contains(&Kind::Int) {
            Some(Kind::Real)
        } else {
            kinds.first().copied()
        };
        if let Some(k) = k {
            layer_kinds.insert(name.clone(), k);
        }
        if !properties.contains(name) {
            properties.push(name.clone());
        }
    }
    let short_of = |p: &str| crate::export::shapefile::short_name(p);
    let mut report = ImportReport {
        driver,
        crs: crs.name().to_owned(),
        crs_from,
        encoding: encoding_report,
        ..Default::default()
    };
    report.skipped.append(&mut skipped);
    let mut used_fields: HashSet<String> = HashSet::new();
    let mut all_fields: Vec<String> = Vec::new();
    let mut accepted: Vec<(String, Geometry, Map<String, Value>)> = Vec::new();
    let mut seen = HashSet::new();
    for (n, f) in features.into_iter().enumerate() {
        for k in f.fields.keys() {
            if !all_fields.contains(k) && !structural.contains(k.as_str()) {
                all_fields.push(k.clone());
            }
        }
        let field_named = |name: &str| {
            f.fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(k, v)| (k.clone(), v.clone()))
        };
        let mut carried: Vec<(String, Value)> = Vec::new();
        let mut id = None;
        for prop in properties.iter().map(String::as_str).chain(["id"]) {
            let short = targets.iter().find(|(l, _)| *l == prop).map(|(_, s)| *s);
            let found = match map.get(prop) {
                Some(name) => field_named(name),
                None => field_named(prop)
                    .or_else(|| short.and_then(field_named))
                    .or_else(|| short_of(prop).and_then(field_named)),
            };
            let value = match (found, constants.get(prop)) {
                (Some((name, v)), constant) => {
                    used_fields.insert(name.to_ascii_lowercase());
                    match (v, constant) {
                        (Value::Null, Some(c)) => Value::String(c.clone()),
                        (v, _) => v,
                    }
                }
                (None, Some(c)) => Value::String(c.clone()),
                (None, None) => continue,
            };
            if prop == "id" {
                if let Some(s) = coerce(value, Some(Kind::Text)).as_str() {
                    id = Some(s.to_owned());
                }
                continue;
            }
            carried.push((prop.to_owned(), value));
        }
        let id = {
            let typed: Map<String, Value> = carried
                .iter()
                .map(|(k, v)| {
                    let k2 = layer_kinds.get(k).copied().or_else(|| static_kind(k));
                    (k.clone(), coerce(v.clone(), k2))
                })
                .collect();
            let by_label = || match kind {
                LayerKind::Parcels => default_id(kind, &typed, n),
                _ => None,
            };
            let found = id
                .or_else(by_label)
                .or_else(|| same_as_stored(layer, &f.geometry))
                .or_else(|| default_id(kind, &typed, n));
            match found {
                Some(id) => id,
                None => {
                    let why = if f.texts.is_empty() {
                        "no id and no sheet/number to make one (map them with --map id=… or sheet=…,number=…; a drawing needs a label inside the shape)".to_owned()
                    } else {
                        format!("its label `{}` gives no parcel number", f.texts.join(" / "))
                    };
                    report.skipped.push((f.label.clone(), why));
                    continue;
                }
            }
        };
        if !seen.insert(id.clone()) {
            report.skipped.push((
                f.label.clone(),
                format!("id {id} appears twice in the file"),
            ));
            continue;
        }
        let stored = layer.get(&id);
        if stored.is_some() && !o.replace {
            report.skipped.push((
                f.label.clone(),
                format!("{id} already exists (give --replace to overwrite it)"),
            ));
            continue;
        }
        let geometry = layer_file::normalise(&simplest(f.geometry, stored.map(|s| &s.geometry)));
        let (props, geometry, changes) = match stored {
            Some(s) => {
                let stored_props = s.properties.to_map();
                let mut props = stored_props.clone();
                let mut changes = FeatureChanges {
                    id: id.clone(),
                    ..Default::default()
                };
                merge_carried(
                    carried,
                    &stored_props,
                    |k| layer_kinds.get(k).copied().or_else(|| static_kind(k)),
                    o.allow_blanking,
                    &mut props,
                    &mut changes,
                    &mut report.kept_blank,
                );
                let geometry = if same_geometry(&geometry, &s.geometry, SAME_GEOMETRY_M) {
                    s.geometry.clone()
                } else {
                    changes.geometry = true;
                    geometry
                };
                (props, geometry, Some(changes))
            }
            None => {
                let mut props = Map::new();
                for (k, v) in carried {
                    let reference = layer_kinds.get(&k).copied().or_else(|| static_kind(&k));
                    props.insert(k.clone(), coerce(v, reference));
                }
                if kind == LayerKind::Parcels && !props.contains_key("clearance_status") {
                    props.insert("clearance_status".into(), json!("not_required"));
                }
                (props, geometry, None)
            }
        };
        let feature = json!({
            "type": "Feature",
            "id": id,
            "properties": props,
            "geometry": geojson::Geometry::from(&geometry),
        });
        if let Err(e) = data.check_feature(kind, &id, &feature) {
            report.skipped.push((f.label.clone(), format!("{id}: {e}")));
            continue;
        }
        match changes {
            Some(c) => {
                report.replaced.push(id.clone());
                if !c.fields.is_empty() || c.geometry {
                    report.changes.push(c);
                }
            }
            None => report.imported.push(id.clone()),
        }
        accepted.push((id, geometry, props));
    }
    report.unused_fields = all_fields
        .into_iter()
        .filter(|f| !used_fields.contains(&f.to_ascii_lowercase()))
        .collect();
    let nothing_new = report.imported.is_empty() && report.changes.is_empty();
    if accepted.is_empty() || o.dry_run || nothing_new {
        return Ok(report);
    }

    // 7. Write the layer file atomically: the snapshot's, once the data were compacted.
    let path = write_layer(dir, kind, layer, accepted)?;
    report.written = Some(path);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prj_texts_name_their_crs() {
        use crate::crs::names as c;
        assert_eq!(crs_from_text(c::ESRI_9208), Some(Crs::Tm3NgheAn));
        assert_eq!(crs_from_text(c::ESRI_3405), Some(Crs::Utm48n));
        assert_eq!(crs_from_text(c::ESRI_4326), Some(Crs::Wgs84));
        assert_eq!(crs_from_text(c::OGC_TOWGS84), Some(Crs::Tm3CopiedTowgs84));
        assert_eq!(
            crs_from_text("urn:ogc:def:crs:EPSG::9208"),
            Some(Crs::Tm3NgheAn)
        );
        assert_eq!(crs_from_text("PROJCS[\"WGS_1984_Web_Mercator\"]"), None);
    }

    #[test]
    fn values_take_the_kind_the_layer_stores() {
        assert_eq!(coerce(json!(12.0), Some(Kind::Int)), json!(12));
        assert_eq!(coerce(json!(" 345 "), Some(Kind::Int)), json!(345));
        assert_eq!(coerce(json!("Y"), Some(Kind::Bool)), json!(true));
        assert_eq!(coerce(json!("F"), Some(Kind::Bool)), json!(false));
        assert_eq!(coerce(json!(1), Some(Kind::Bool)), json!(true));
        assert_eq!(coerce(json!("1318.3"), Some(Kind::Real)), json!(1318.3));
        assert_eq!(coerce(json!("245,6"), Some(Kind::Real)), json!(245.6));
        assert_eq!(coerce(json!(1), Some(Kind::Real)), json!(1.0));
        assert_eq!(coerce(json!(""), Some(Kind::Text)), Value::Null);
        assert_eq!(coerce(json!("ONT"), None), json!("ONT"));
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

    #[test]
    fn geometries_within_two_mm_are_the_same() {
        let a = Geometry::Point(geo::Point::new(105.70000000, 19.22));
        let b = Geometry::Point(geo::Point::new(105.70000001, 19.22)); // ≈ 1.05 mm east
        let c = Geometry::Point(geo::Point::new(105.70000003, 19.22)); // ≈ 3.2 mm east
        assert!(same_geometry(&a, &b, SAME_GEOMETRY_M));
        assert!(!same_geometry(&a, &c, SAME_GEOMETRY_M));
    }
}
