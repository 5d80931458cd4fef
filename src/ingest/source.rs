//! Reading any vector file GDAL opens (Shapefile loose or zipped, DGN v7, MapInfo TAB and
//! MIF/MID, GeoPackage, GeoJSON, DXF, KML, CSV with WKT, …) into features with their
//! attributes, the label text of text elements, and what the file says of its CRS and
//! text encoding.
//!
//! Text is kept as the file's bytes wherever the format may hold a legacy Vietnamese
//! encoding (Shapefile, DGN, DXF, MapInfo, CSV), to be decoded once the whole file's
//! texts have told which encoding it is ([`super::encoding`]): GDAL is asked not to
//! recode (`ENCODING=` for shapefiles, `DXF_ENCODING=UTF-8` for DXF) and the bytes are
//! fetched through GDAL's SQLite dialect as `hex()`, because the `gdal` crate hands
//! strings over as lossy UTF-8. Formats that are UTF-8 by definition (GeoJSON,
//! GeoPackage, KML) are read as they are.

use std::io::Read;
use std::path::{Path, PathBuf};

use gdal::vector::{FieldValue, LayerAccess, OGRFieldType};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::Geometry;

use super::ImportError;
use super::crs::{self, Declared};
use super::encoding::TextEncoding;

/// A text as read: the file's bytes, or Unicode where the format defines it.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// Bytes in the file's (yet unknown) encoding.
    Raw(Vec<u8>),
    /// Already Unicode.
    Unicode(String),
}

/// One attribute value as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value.
    Null,
    /// A whole number.
    Int(i64),
    /// A real number.
    Real(f64),
    /// A text (dates are written `YYYY-MM-DD`).
    Text(Text),
}

/// One feature as read, in the file's CRS.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// Which feature, for the report (`record 3`, `entities #12`).
    pub label: String,
    /// Its geometry (None when it has none or one GDAL cannot give as simple features).
    pub geometry: Option<Geometry>,
    /// Its attributes in the file's order.
    pub fields: Vec<(String, Cell)>,
    /// The text of a text element (DGN/DXF `Text`, or an `OGR_STYLE` `LABEL(t:"…")`).
    pub text: Option<Text>,
}

/// A source file as read.
#[derive(Debug)]
pub struct Source {
    /// GDAL's driver (`ESRI Shapefile`, `DGN`, …).
    pub driver: String,
    /// The features of every layer, in file order.
    pub features: Vec<RawFeature>,
    /// What the file says of its CRS.
    pub declared: Declared,
    /// What the file says of its text encoding, and where it says it.
    pub encoding_said: Option<(TextEncoding, String)>,
    /// A drawing drainplan wrote (its `$PROJECTNAME` names one of drainplan's CRSs): a
    /// feature's rings come before its label, on the label's layer.
    pub drainplan_drawing: bool,
}

impl Source {
    /// Attributes that are the format's structure rather than data (a DXF entity's
    /// handle, a DGN element's colour, a KML placemark's name), left out of the report's
    /// unused fields.
    pub fn structural_fields(&self) -> &'static [&'static str] {
        match self.driver.as_str() {
            "DXF" => &[
                "Layer",
                "PaperSpace",
                "SubClasses",
                "Linetype",
                "EntityHandle",
                "Text",
                "ExtendedEntity",
                "RawCodeValues",
                "OGR_STYLE",
            ],
            "DGN" => &[
                "Type",
                "Level",
                "GraphicGroup",
                "ColorIndex",
                "Weight",
                "Style",
                "EntityNum",
                "MSLink",
                "Text",
                "ULink",
                "OGR_STYLE",
            ],
            "LIBKML" | "KML" => &[
                "Name",
                "description",
                "timestamp",
                "begin",
                "end",
                "altitudeMode",
                "tessellate",
                "extrude",
                "visibility",
                "drawOrder",
                "icon",
                "snippet",
            ],
            _ => &["OGR_STYLE"],
        }
    }
}

/// The largest file read (a commune's cadastre is a few MB).
pub const MAX_SOURCE_BYTES: u64 = 200 * 1024 * 1024;

fn source_err(path: &Path, problem: impl std::fmt::Display) -> ImportError {
    ImportError::Source {
        path: path.to_owned(),
        problem: problem.to_string(),
    }
}

/// Drivers whose text may be in a legacy 8-bit encoding.
const RAW_TEXT_DRIVERS: [&str; 5] = ["ESRI Shapefile", "DGN", "DXF", "MapInfo File", "CSV"];

/// Reads `path` with GDAL.
pub fn read(path: &Path) -> Result<Source, ImportError> {
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
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let absolute = std::fs::canonicalize(path).map_err(|e| source_err(path, e))?;
    let gdal_path: PathBuf = if ext == "zip" {
        PathBuf::from(format!("/vsizip/{}", absolute.display()))
    } else {
        absolute.clone()
    };
    let open_options: &[&str] = match ext.as_str() {
        "shp" | "dbf" | "zip" => &["ENCODING="],
        "csv" => &["KEEP_GEOM_COLUMNS=NO"],
        _ => &[],
    };
    let mut header = DxfHeader::default();
    if ext == "dxf" {
        header = dxf_header(&absolute);
        // DXF text is recoded from its code page unless told that it is already UTF-8:
        // a no-op recoding keeps the bytes.
        let _ = gdal::config::set_thread_local_config_option("DXF_ENCODING", "UTF-8");
    }
    let opened = Dataset::open_ex(
        &gdal_path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            allowed_drivers: None,
            open_options: (!open_options.is_empty()).then_some(open_options),
            sibling_files: None,
        },
    );
    let dataset = opened.map_err(|e| {
        source_err(
            path,
            format!("GDAL cannot open it as a vector file ({e}); give a .shp, .zip, .dgn, .tab, .mif, .gpkg, .geojson, .dxf, .kml or .csv"),
        )
    });
    let result = dataset.and_then(|ds| read_dataset(path, &ds));
    if ext == "dxf" {
        let _ = gdal::config::clear_thread_local_config_option("DXF_ENCODING");
    }
    let mut source = result?;

    // What the file says of its text, besides the text itself.
    if source.driver == "ESRI Shapefile" {
        source.encoding_said = shapefile_encoding(path, &ext);
    } else if source.driver == "DXF" {
        source.encoding_said = header.encoding();
    }
    if source.driver == "DXF"
        && let Some(name) = &header.project_name
        && let Some(c) = crs::from_project_name(name)
    {
        source.declared = Declared::Crs(c, format!("the DXF's $PROJECTNAME ({name})"));
        source.drainplan_drawing = true;
    }
    if source.declared == Declared::Nothing
        && let Some(c) = crs::from_file_name(path)
    {
        source.declared = Declared::Crs(c, format!("the file name's tag ({})", c.file_tag()));
    }
    Ok(source)
}

fn read_dataset(path: &Path, ds: &Dataset) -> Result<Source, ImportError> {
    let driver = ds.driver().short_name();
    let raw = RAW_TEXT_DRIVERS.contains(&driver.as_str());
    let mut features = Vec::new();
    let mut declared = Declared::Nothing;
    let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
    for name in names {
        let layer = ds
            .layer_by_name(&name)
            .map_err(|e| source_err(path, format!("layer {name}: {e}")))?;
        if declared == Declared::Nothing
            && let Some(srs) = layer.spatial_ref()
        {
            declared = crs::identify(&srs);
        }
        let fields: Vec<(String, OGRFieldType::Type)> = layer
            .defn()
            .fields()
            .map(|f| (f.name(), f.field_type()))
            .collect();
        let read = if raw {
            read_raw(path, ds, &name, &fields, &mut features)
        } else {
            let mut layer = layer;
            read_plain(&name, &mut layer, &fields, &mut features);
            Ok(())
        };
        read?;
    }
    Ok(Source {
        driver,
        features,
        declared,
        encoding_said: None,
        drainplan_drawing: false,
    })
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

const STYLE_COLUMN: &str = "drainplan_style_hex";

fn hex_column(i: usize) -> String {
    format!("drainplan_hex_{i}")
}

/// Reads a layer through the SQLite dialect, taking every string's bytes from `hex()`.
fn read_raw(
    path: &Path,
    ds: &Dataset,
    layer: &str,
    fields: &[(String, OGRFieldType::Type)],
    out: &mut Vec<RawFeature>,
) -> Result<(), ImportError> {
    let mut sql = format!("SELECT *, hex(OGR_STYLE) AS {STYLE_COLUMN}");
    for (i, (name, kind)) in fields.iter().enumerate() {
        if *kind == OGRFieldType::OFTString {
            sql.push_str(&format!(", hex({}) AS {}", quote(name), hex_column(i)));
        }
    }
    sql.push_str(&format!(" FROM {}", quote(layer)));
    let result = ds
        .execute_sql(&sql, None, gdal::vector::sql::Dialect::SQLITE)
        .map_err(|e| source_err(path, format!("layer {layer}: {e}")))?;
    let Some(mut result) = result else {
        return Ok(());
    };
    let defn_names: Vec<String> = result.defn().fields().map(|f| f.name()).collect();
    let index_of = |n: &str| defn_names.iter().position(|d| d == n);
    let style_at = index_of(STYLE_COLUMN);
    let columns: Vec<(usize, Option<usize>)> = fields
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            (
                index_of(name).unwrap_or(usize::MAX),
                index_of(&hex_column(i)),
            )
        })
        .collect();
    for (n, f) in result.features().enumerate() {
        let mut cells = Vec::with_capacity(fields.len());
        let mut text = None;
        for ((name, _), (at, hex_at)) in fields.iter().zip(&columns) {
            let value = f.field(*at).ok().flatten();
            let cell = match (value, hex_at) {
                (None, _) => Cell::Null,
                (Some(_), Some(h)) => {
                    let hex = f.field_as_string(*h).ok().flatten().unwrap_or_default();
                    Cell::Text(Text::Raw(from_hex(&hex)))
                }
                (Some(v), None) => cell(v),
            };
            if name == "Text"
                && let Cell::Text(t) = &cell
            {
                text = Some(t.clone());
            }
            cells.push((name.clone(), cell));
        }
        if text.is_none()
            && let Some(s) = style_at
            && let Some(hex) = f.field_as_string(s).ok().flatten()
        {
            text = label_of_style(&from_hex(&hex)).map(Text::Raw);
        }
        out.push(RawFeature {
            label: feature_label(layer, n),
            geometry: f.geometry().and_then(flat_geo),
            fields: cells,
            text,
        });
    }
    Ok(())
}

fn read_plain(
    layer_name: &str,
    layer: &mut gdal::vector::Layer,
    fields: &[(String, OGRFieldType::Type)],
    out: &mut Vec<RawFeature>,
) {
    for (n, f) in layer.features().enumerate() {
        let cells = fields
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                let v = f.field(i).ok().flatten();
                (name.clone(), v.map_or(Cell::Null, cell))
            })
            .collect();
        out.push(RawFeature {
            label: feature_label(layer_name, n),
            geometry: f.geometry().and_then(flat_geo),
            fields: cells,
            text: None,
        });
    }
}

/// The geometry in 2D as geo's (the `gdal` crate converts no 2.5D type: DXF text and
/// DGN elements are 3D).
fn flat_geo(g: &gdal::vector::Geometry) -> Option<Geometry> {
    let mut g = g.clone();
    g.flatten_to_2d();
    g.to_geo().ok()
}

fn feature_label(layer: &str, n: usize) -> String {
    format!("{layer} #{}", n + 1)
}

fn cell(v: FieldValue) -> Cell {
    match v {
        FieldValue::IntegerValue(i) => Cell::Int(i64::from(i)),
        FieldValue::Integer64Value(i) => Cell::Int(i),
        FieldValue::RealValue(r) => Cell::Real(r),
        FieldValue::StringValue(s) => Cell::Text(Text::Unicode(s)),
        FieldValue::DateValue(d) => Cell::Text(Text::Unicode(d.format("%Y-%m-%d").to_string())),
        FieldValue::DateTimeValue(d) => Cell::Text(Text::Unicode(d.to_rfc3339())),
        other => Cell::Text(Text::Unicode(format!("{other:?}"))),
    }
}

fn from_hex(hex: &str) -> Vec<u8> {
    hex.as_bytes()
        .chunks(2)
        .filter_map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect()
}

/// The `t:"…"` of an OGR style's `LABEL(…)`.
pub fn label_of_style(style: &[u8]) -> Option<Vec<u8>> {
    let at = style.windows(6).position(|w| w == b"LABEL(")?;
    let rest = &style[at + 6..];
    let t = rest.windows(3).position(|w| w == b"t:\"")?;
    let text = &rest[t + 3..];
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\\' if i + 1 < text.len() => {
                out.push(text[i + 1]);
                i += 2;
            }
            b'"' => return Some(out),
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// What a shapefile says of its DBF text: its `.cpg`, else the DBF's language driver byte.
fn shapefile_encoding(path: &Path, ext: &str) -> Option<(TextEncoding, String)> {
    let (cpg, dbf_head) = if ext == "zip" {
        zip_members(path)
    } else {
        let cpg = std::fs::read(path.with_extension("cpg")).ok();
        let dbf = std::fs::File::open(path.with_extension("dbf"))
            .ok()
            .and_then(|f| {
                let mut head = Vec::new();
                f.take(32).read_to_end(&mut head).ok().map(|_| head)
            });
        (cpg, dbf)
    };
    if let Some(text) = cpg {
        let text = String::from_utf8_lossy(&text).trim().to_owned();
        if let Ok(e) = TextEncoding::parse(&text) {
            return Some((e, format!("the .cpg (`{text}`)")));
        }
    }
    let ldid = dbf_head.and_then(|h| h.get(29).copied())?;
    super::encoding::from_ldid(ldid)
        .map(|e| (e, format!("the DBF language driver byte (0x{ldid:02X})")))
}

/// The `.cpg` and the first 32 bytes of the `.dbf` of the shapefile in a zip.
fn zip_members(path: &Path) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let Ok(file) = std::fs::File::open(path) else {
        return (None, None);
    };
    let Ok(mut z) = zip::ZipArchive::new(file) else {
        return (None, None);
    };
    let names: Vec<String> = z.file_names().map(str::to_owned).collect();
    let mut member = |suffix: &str, limit: u64| -> Option<Vec<u8>> {
        let name = names
            .iter()
            .find(|n| n.to_ascii_lowercase().ends_with(suffix))?
            .clone();
        let f = z.by_name(&name).ok()?;
        let mut buf = Vec::new();
        f.take(limit).read_to_end(&mut buf).ok()?;
        Some(buf)
    };
    let cpg = member(".cpg", 256);
    let dbf = member(".dbf", 32);
    (cpg, dbf)
}

/// The few DXF header variables the import reads.
#[derive(Debug, Default)]
struct DxfHeader {
    project_name: Option<String>,
    code_page: Option<String>,
    version: Option<String>,
}

impl DxfHeader {
    fn encoding(&self) -> Option<(TextEncoding, String)> {
        // AutoCAD 2007 (AC1021) and later are UTF-8 whatever $DWGCODEPAGE says.
        if let Some(v) = &self.version
            && v.as_str() >= "AC1021"
        {
            return Some((
                TextEncoding::Utf8,
                format!("the DXF's version ($ACADVER {v})"),
            ));
        }
        let cp = self.code_page.as_ref()?;
        TextEncoding::parse(cp)
            .ok()
            .map(|e| (e, format!("the DXF's $DWGCODEPAGE ({cp})")))
    }
}

/// Reads `$PROJECTNAME`, `$DWGCODEPAGE` and `$ACADVER` from an ASCII DXF's HEADER.
fn dxf_header(path: &Path) -> DxfHeader {
    let mut header = DxfHeader::default();
    let Ok(bytes) = std::fs::read(path) else {
        return header;
    };
    let end = bytes
        .windows(8)
        .position(|w| w == b"ENDSEC\r\n" || w.starts_with(b"ENDSEC\n"))
        .unwrap_or(bytes.len().min(1 << 20));
    let text = String::from_utf8_lossy(&bytes[..end]);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for (i, line) in lines.iter().enumerate() {
        let value = || lines.get(i + 2).map(|v| (*v).to_owned());
        match *line {
            "$PROJECTNAME" => header.project_name = value().filter(|v| !v.is_empty()),
            "$DWGCODEPAGE" => header.code_page = value(),
            "$ACADVER" => header.version = value(),
            _ => {}
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_labels() {
        assert_eq!(
            label_of_style(br#"LABEL(f:"Arial",t:"20/1",p:1,s:1g)"#),
            Some(b"20/1".to_vec())
        );
        assert_eq!(
            label_of_style(b"LABEL(t:\"\xA7\xB9i\",c:#ffffff)"),
            Some(b"\xA7\xB9i".to_vec())
        );
        assert_eq!(label_of_style(b"PEN(c:#ff0000)"), None);
    }

    #[test]
    fn hex_decodes() {
        assert_eq!(from_hex("A7B969"), vec![0xA7, 0xB9, 0x69]);
    }
}
