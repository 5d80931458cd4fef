//! Exports: any layer, filtered subset or route-impact result written as GeoJSON, CSV, KML,
//! a zipped ESRI Shapefile, GeoPackage or DXF, in WGS84 or VN-2000; and the dossier bundle
//! an engineer takes to the design of a new canal.
//!
//! One file per format:
//! - [`geojson`]: a FeatureCollection (with the old `crs` member when not WGS84, which
//!   GDAL and QGIS read);
//! - [`csv`]: one row per feature, geometry as WKT first, then every property (UTF-8);
//! - [`kml`]: placemarks with `ExtendedData` (KML is WGS84 by definition);
//! - [`shapefile`]: `.shp/.shx/.dbf` with the `.prj` and a `.cpg` of `UTF-8`, zipped;
//! - [`gpkg`]: a GeoPackage 1.3 written table by table over SQLite;
//! - [`dxf`]: one DXF layer per status, closed polylines, parcel labels;
//! - [`xlsx`]: Excel workbooks of any table or report ([`sheet`], [`reports`]), totals as
//!   formulas;
//! - [`dossier`]: the zip for a planned canal or a drawn route;
//! - [`posting`]: the posting list of a canal as a printable A4 page, workbook and CSV.
//!
//! Every writer takes a [`Table`] already projected by [`Table::project`], so that each
//! coordinate goes through PROJ once and metric ones are whole millimetres.

use geo::Geometry;
use serde_json::Value;

use crate::analysis::route_impact::RouteImpact;
use crate::crs::CrsError;
use crate::model::{LayerKind, Properties};
use crate::store::Dataset;
use crate::store::query::Selection;

pub mod csv;
pub mod donations;
pub mod dossier;
pub mod dxf;
pub mod geojson;
pub mod gpkg;
pub mod import;
pub mod kml;
pub mod posting;
pub mod print;
pub mod reports;
pub mod review;
pub mod shapefile;
pub mod sheet;
pub mod xlsx;
mod zipfile;

use crate::crs::Crs;

/// A file format an export can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// GeoJSON FeatureCollection.
    GeoJson,
    /// CSV with a WKT geometry column.
    Csv,
    /// KML 2.2.
    Kml,
    /// ESRI Shapefile, zipped with its .prj and .cpg.
    Shapefile,
    /// OGC GeoPackage.
    GeoPackage,
    /// AutoCAD DXF (R2007, UTF-8).
    Dxf,
    /// Excel workbook (Office Open XML): attributes, no geometry but a label point.
    Xlsx,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 7] = [
        Format::GeoJson,
        Format::Csv,
        Format::Kml,
        Format::Shapefile,
        Format::GeoPackage,
        Format::Dxf,
        Format::Xlsx,
    ];

    /// The name a user passes as `format=`.
    pub fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
            Format::Kml => "kml",
            Format::Shapefile => "shp",
            Format::GeoPackage => "gpkg",
            Format::Dxf => "dxf",
            Format::Xlsx => "xlsx",
        }
    }

    /// The accepted names, for error messages.
    pub fn names() -> String {
        Format::ALL.map(Format::name).join(", ")
    }

    /// Parses a format name (`shapefile` and `json` are accepted too).
    pub fn parse(s: &str) -> Result<Format, ExportError> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "shapefile" | "zip" => return Ok(Format::Shapefile),
            "json" => return Ok(Format::GeoJson),
            "geopackage" => return Ok(Format::GeoPackage),
            "excel" => return Ok(Format::Xlsx),
            _ => {}
        }
        Format::ALL
            .into_iter()
            .find(|f| f.name() == lower)
            .ok_or_else(|| ExportError::UnknownFormat(s.to_owned()))
    }

    /// The file name extension of the download.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Shapefile => "zip",
            other => other.name(),
        }
    }

    /// The media type of the download.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::GeoJson => "application/geo+json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Kml => "application/vnd.google-earth.kml+xml",
            Format::Shapefile => "application/zip",
            Format::GeoPackage => "application/geopackage+sqlite3",
            Format::Dxf => "image/vnd.dxf",
            Format::Xlsx => XLSX_MEDIA_TYPE,
        }
    }

    /// The CRS used when none is asked for: VN-2000 TM-3 for CAD, WGS84 for the rest.
    pub fn default_crs(self) -> Crs {
        match self {
            Format::Dxf => Crs::Tm3NgheAn,
            _ => Crs::Wgs84,
        }
    }
}

/// The media type of an .xlsx file.
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The format asked for is not one drainplan writes.
    #[error("format=`{0}` is not one of {names}", names = Format::names())]
    UnknownFormat(String),
    /// The CRS asked for is not one drainplan writes.
    #[error(transparent)]
    UnknownCrs(#[from] crate::crs::UnknownCrs),
    /// The format cannot hold that CRS.
    #[error("{format} is defined in WGS84 only; ask for crs=EPSG:4326 or another format")]
    CrsNotAllowed {
        /// The format.
        format: &'static str,
    },
    /// Nothing was selected.
    #[error("nothing to export: {0}")]
    Empty(String),
    /// A geometry cannot go into the format (e.g. lines and polygons in one shapefile).
    #[error("{0}")]
    Geometry(String),
    /// PROJ failed.
    #[error("cannot project the features")]
    Crs(#[from] CrsError),
    /// The format's writer failed.
    #[error("cannot write {format}: {message}")]
    Write {
        /// The format.
        format: &'static str,
        /// The writer's complaint.
        message: String,
    },
}

impl ExportError {
    /// Whether the request, not drainplan, is at fault.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            ExportError::UnknownFormat(_)
                | ExportError::UnknownCrs(_)
                | ExportError::CrsNotAllowed { .. }
                | ExportError::Empty(_)
                | ExportError::Geometry(_)
        )
    }

    pub(crate) fn write(format: &'static str, e: impl std::fmt::Display) -> ExportError {
        ExportError::Write {
            format,
            message: e.to_string(),
        }
    }
}

/// One feature to export.
#[derive(Debug, Clone)]
pub struct Row {
    /// The feature's id.
    pub id: String,
    /// Its geometry (WGS84 until projected).
    pub geometry: Geometry,
    /// Its properties, in order.
    pub properties: Properties,
    /// A text label for drawings (a parcel's `sheet/number`).
    pub label: Option<String>,
}

/// A named set of features to write, with how a drawing groups them.
#[derive(Debug, Clone)]
pub struct Table {
    /// Layer name, ASCII (also the file stem).
    pub name: String,
    /// The features.
    pub rows: Vec<Row>,
    /// The property whose value picks each feature's DXF layer (`status`,
    /// `clearance_status`).
    pub layer_by: Option<&'static str>,
    /// Whether a drawing fills each polygon with a see-through solid hatch on a layer
    /// of its own (`parcels_awaiting_hatch`), coloured as the polygon's layer: the
    /// clearance steps at a glance. Off unless asked for, since a GIS reading the DXF
    /// takes each hatch for one more polygon.
    pub hatch: bool,
    /// The CRS the geometries are in.
    pub crs: Crs,
}

impl Table {
    /// The table with every geometry projected to `to` (metric coordinates to the mm).
    pub fn project(&self, to: Crs) -> Result<Table, ExportError> {
        if self.crs != Crs::Wgs84 {
            return Err(ExportError::write(
                "table",
                "tables are projected once, from WGS84",
            ));
        }
        let p = to.projector()?;
        let rows = self
            .rows
            .iter()
            .map(|r| {
                Ok(Row {
                    geometry: p.geometry(&r.geometry)?,
                    ..r.clone()
                })
            })
            .collect::<Result<Vec<_>, CrsError>>()?;
        Ok(Table {
            rows,
            crs: to,
            ..self.clone()
        })
    }

    /// Removes every property for which `drop` is true (personal data a caller may not see).
    pub fn drop_properties(&mut self, drop: impl Fn(&str) -> bool) {
        for r in &mut self.rows {
            r.properties.retain(|k, _| !drop(k));
        }
    }

    /// Property names over all rows, in first-seen order.
    pub fn columns(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut cols = Vec::new();
        for r in &self.rows {
            for k in r.properties.keys() {
                if seen.insert(k.as_str()) {
                    cols.push(k.clone());
                }
            }
        }
        cols
    }

    /// The DXF layer of a row: `name` or `name_<value of layer_by>`.
    pub fn layer_of(&self, row: &Row) -> String {
        let value = self
            .layer_by
            .and_then(|k| row.properties.get(k))
            .and_then(Value::as_str);
        match value {
            Some(v) => format!("{}_{}", self.name, v),
            None => self.name.clone(),
        }
    }
}

/// A finished export: bytes and how to name them.
#[derive(Debug, Clone)]
pub struct Output {
    /// Suggested file name, with the CRS in it (`parcels_EPSG9208.csv`).
    pub file_name: String,
    /// Media type.
    pub media_type: &'static str,
    /// The CRS the coordinates are in.
    pub crs: Crs,
    /// The file.
    pub bytes: Vec<u8>,
}

/// Writes `table` (WGS84) as `format` in `crs`.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use drainplan::crs::Crs;
/// use drainplan::export::{self, Format};
/// use drainplan::{model::LayerKind, store::{Dataset, query::Selection}};
/// let data = Dataset::load(std::path::Path::new("data"))?;
/// let table = export::layer_table(&data, LayerKind::Parcels, &Selection::default());
/// let out = export::export(&table, Format::Dxf, Crs::Tm3NgheAn)?;
/// std::fs::write(&out.file_name, &out.bytes)?;
/// # Ok(()) }
/// ```
pub fn export(table: &Table, format: Format, crs: Crs) -> Result<Output, ExportError> {
    if table.rows.is_empty() {
        return Err(ExportError::Empty(format!(
            "no {} feature matches the selection",
            table.name
        )));
    }
    if format == Format::Kml && crs != Crs::Wgs84 {
        return Err(ExportError::CrsNotAllowed { format: "KML" });
    }
    let projected = table.project(crs)?;
    let stem = format!("{}_{}", table.name, crs.file_tag());
    let bytes = match format {
        Format::GeoJson => geojson::write(&projected)?,
        Format::Csv => csv::write(&projected)?,
        Format::Kml => kml::write(&projected)?,
        Format::Shapefile => zipfile::zip(&shapefile::write(&projected, &stem)?)?,
        Format::GeoPackage => gpkg::write(&[&projected])?,
        Format::Dxf => dxf::write(&[&projected])?,
        Format::Xlsx => xlsx::write(&xlsx::table_workbook(&projected))?,
    };
    Ok(Output {
        file_name: format!("{stem}.{}", format.extension()),
        media_type: format.media_type(),
        crs,
        bytes,
    })
}

/// The selected features of a layer as a table. Parcels are labelled `sheet/number`,
/// villages and flood zones by their name; canals are grouped in drawings by
/// `status`, parcels by `clearance_status`.
pub fn layer_table(data: &Dataset, kind: LayerKind, sel: &Selection) -> Table {
    let layer = data.layer(kind);
    let rows = layer
        .select(sel)
        .into_iter()
        .map(|i| {
            let f = &layer.features[i];
            Row {
                id: f.id.clone(),
                geometry: f.geometry.clone(),
                properties: f.properties.to_map(),
                label: match kind {
                    LayerKind::Parcels => parcel_label(&f.properties),
                    // Names of places, never of people (households are unlabelled). Canals
                    // stay unlabelled: the import reads text in a canal drawing as stray
                    // elements, and a drawing must come back through it unchanged.
                    LayerKind::Villages | LayerKind::FloodZones => f
                        .properties
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    _ => None,
                },
            }
        })
        .collect();
    Table {
        name: kind.id().to_owned(),
        rows,
        layer_by: match kind {
            LayerKind::Canals => Some("status"),
            LayerKind::Parcels => Some("clearance_status"),
            _ => None,
        },
        hatch: false,
        crs: Crs::Wgs84,
    }
}

fn parcel_label(p: &Properties) -> Option<String> {
    let sheet = p.get("map_sheet")?;
    let number = p.get("parcel_no")?;
    Some(format!("{sheet}/{number}"))
}

/// The strips a route takes, one row per parcel with its impact as properties.
pub fn impact_table(impact: &RouteImpact) -> Table {
    let rows = impact
        .parcels
        .iter()
        .map(|p| {
            let properties = match serde_json::to_value(p) {
                Ok(Value::Object(m)) => m,
                _ => Properties::new(),
            };
            Row {
                id: p.id.clone(),
                geometry: Geometry::MultiPolygon(
                    p.taken.clone().unwrap_or(geo::MultiPolygon(vec![])),
                ),
                label: Some(format!("{}/{}", p.map_sheet, p.parcel_no)),
                properties,
            }
        })
        .collect();
    Table {
        name: "taken_strips".into(),
        rows,
        layer_by: Some("clearance_status"),
        hatch: false,
        crs: Crs::Wgs84,
    }
}

/// The strips of `impact` written as `format` in `crs`; [`ExportError::Empty`] when the
/// route takes land from no parcel.
pub fn impact_output(
    impact: &RouteImpact,
    format: Format,
    crs: Crs,
) -> Result<Output, ExportError> {
    if impact.parcels.is_empty() {
        return Err(ExportError::Empty(
            "the route takes land from no parcel".into(),
        ));
    }
    if format == Format::Xlsx {
        // A spreadsheet of the land taken, per parcel and per owner, with totals; the
        // strips' shapes are for the geometry formats.
        return Ok(Output {
            file_name: "land_taken.xlsx".into(),
            media_type: XLSX_MEDIA_TYPE,
            crs,
            bytes: xlsx::write(&dossier::land_taken_workbook(impact))?,
        });
    }
    export(&impact_table(impact), format, crs)
}

pub use crate::analysis::route::route_from_file;

/// Parses a `name=value` property filter.
pub fn parse_where(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("`{s}`: write a filter as property=value")),
    }
}

/// The one geometry family a single-type format (Shapefile, GeoPackage table) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Point,
    Line,
    Polygon,
}

impl Shape {
    fn of(g: &Geometry) -> Option<Shape> {
        match g {
            Geometry::Point(_) | Geometry::MultiPoint(_) => Some(Shape::Point),
            Geometry::LineString(_) | Geometry::MultiLineString(_) => Some(Shape::Line),
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => Some(Shape::Polygon),
            _ => None,
        }
    }

    /// The family shared by every row of `table`.
    pub(crate) fn of_table(table: &Table) -> Result<Shape, ExportError> {
        let mut shape = None;
        for r in &table.rows {
            let s = Shape::of(&r.geometry).ok_or_else(|| {
                ExportError::Geometry(format!("feature {}: unsupported geometry type", r.id))
            })?;
            match shape {
                None => shape = Some(s),
                Some(prev) if prev != s => {
                    return Err(ExportError::Geometry(format!(
                        "{} mixes {prev:?} and {s:?} geometries; a single-type format cannot hold both",
                        table.name
                    )));
                }
                _ => {}
            }
        }
        shape.ok_or_else(|| ExportError::Empty(format!("{} has no features", table.name)))
    }
}

/// The JSON kind of a column, for typed formats (DBF, SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Integer,
    Real,
    Boolean,
    Text,
}

impl ColumnKind {
    /// The kind that holds every non-null value of column `name`.
    pub(crate) fn of(table: &Table, name: &str) -> ColumnKind {
        let mut kind: Option<ColumnKind> = None;
        for v in table.rows.iter().filter_map(|r| r.properties.get(name)) {
            let k = match v {
                Value::Null => continue,
                Value::Bool(_) => ColumnKind::Boolean,
                Value::Number(n) if n.is_i64() || n.is_u64() => ColumnKind::Integer,
                Value::Number(_) => ColumnKind::Real,
                _ => ColumnKind::Text,
            };
            kind = Some(match (kind, k) {
                (None, k) => k,
                (Some(a), b) if a == b => a,
                (Some(ColumnKind::Integer), ColumnKind::Real)
                | (Some(ColumnKind::Real), ColumnKind::Integer) => ColumnKind::Real,
                _ => ColumnKind::Text,
            });
        }
        kind.unwrap_or(ColumnKind::Text)
    }
}

/// Text of a property value for text formats: strings as they are, `null` empty, other
/// values as JSON.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_name_the_allowed_values() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()).unwrap(), f);
        }
        let e = Format::parse("pdf").unwrap_err().to_string();
        assert!(e.contains("geojson, csv, kml, shp, gpkg, dxf, xlsx"), "{e}");
    }
}
