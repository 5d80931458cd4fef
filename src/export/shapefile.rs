//! ESRI Shapefile: `.shp`, `.shx` and `.dbf` from the `shapefile` crate, and what it does
//! not write: the `.prj` (ESRI WKT of the CRS) and a `.cpg` saying the DBF text is UTF-8,
//! so that Vietnamese names survive in QGIS, ArcGIS and GDAL.
//!
//! A shapefile holds one geometry family; DBF field names are at most 10 ASCII bytes. The
//! layers' long property names have fixed short names, [`SHORT_NAMES`], which the import
//! reads back (`drainplan import` maps `owner_hous` to `owner_household`); any other long
//! name is cut and, where two collide, numbered (`fence_to_r`, `fence_to_1`). Text cells
//! are cut at 254 bytes on a character boundary.

use std::io::Cursor;

use geo::Geometry;
use serde_json::Value;
use shapefile::dbase::{self, FieldName, FieldValue, Record, TableWriterBuilder};
use shapefile::{Point, Polygon, PolygonRing, Polyline};

use super::{ColumnKind, ExportError, Shape, Table};

const MAX_TEXT_BYTES: usize = 254;

/// The DBF field name of each layer property longer than 10 bytes, written by the export
/// and read back by the import. Most are the name cut to 10 bytes, as GDAL would cut it;
/// `clearance_date` would collide with `clearance_status` and is `clear_date`.
pub const SHORT_NAMES: &[(&str, &str)] = &[
    // parcels
    ("area_legal_m2", "area_legal"),
    ("owner_household", "owner_hous"),
    ("clearance_status", "clearance_"),
    ("clearance_date", "clear_date"),
    ("frontage_edge", "frontage_e"),
    ("consent_told_may_refuse", "c_refuse"),
    ("consent_compensation_vnd", "c_comp_vnd"),
    ("consent_told_on", "c_told_on"),
    ("consent_told_by", "c_told_by"),
    ("consent_witness", "c_witness"),
    ("consent_witness_role", "c_wit_role"),
    ("consent_document_ref", "c_doc_ref"),
    ("consent_scan_sha256", "c_scan"),
    ("consent_date", "c_date"),
    ("fence_gate_state", "fence_gate"),
    // canals
    ("status_date", "status_dat"),
    // villages
    ("water_target_rate", "water_targ"),
    // flood zones
    ("duration_days", "duration_d"),
    ("last_observed", "last_obser"),
    // households
    ("dwelling_id", "dwelling_i"),
    ("water_status", "water_stat"),
    ("land_pledged_m2", "land_pledg"),
    ("land_donated_m2", "land_donat"),
    ("labour_pledged_days", "labour_ple"),
    ("labour_done_days", "labour_don"),
    ("money_pledged_vnd", "money_pled"),
    ("money_paid_vnd", "money_paid"),
];

/// The fixed DBF name of a long property name ([`SHORT_NAMES`]).
pub fn short_name(property: &str) -> Option<&'static str> {
    SHORT_NAMES
        .iter()
        .find(|(long, _)| *long == property)
        .map(|(_, short)| *short)
}

/// The files of one shapefile named `stem.*`: (file name, bytes), `.shp` first.
pub fn write(table: &Table, stem: &str) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    let shape = Shape::of_table(table)?;
    let columns = dbf_columns(table);
    let mut builder = TableWriterBuilder::with_encoding(dbase::Unicode);
    for c in &columns {
        let name = FieldName::try_from(c.dbf_name.as_str())
            .map_err(|e| ExportError::write("Shapefile", format!("{e:?}")))?;
        builder = match c.kind {
            ColumnKind::Integer => builder.add_numeric_field(name, 18, 0),
            ColumnKind::Real => builder.add_numeric_field(name, 24, 6),
            ColumnKind::Boolean => builder.add_logical_field(name),
            ColumnKind::Text => builder.add_character_field(name, c.width),
        };
    }
    let (mut shp, mut shx, mut dbf) = (
        Cursor::new(Vec::new()),
        Cursor::new(Vec::new()),
        Cursor::new(Vec::new()),
    );
    {
        let mut writer = shapefile::Writer::new(
            shapefile::ShapeWriter::with_shx(&mut shp, &mut shx),
            builder.build_with_dest(&mut dbf),
        );
        for r in &table.rows {
            let record = record(&columns, &r.id, &r.properties);
            let result = match shape {
                Shape::Point => writer.write_shape_and_record(&point(&r.geometry)?, &record),
                Shape::Line => writer.write_shape_and_record(&polyline(&r.geometry), &record),
                Shape::Polygon => writer.write_shape_and_record(&polygon(&r.geometry)?, &record),
            };
            result.map_err(|e| ExportError::write("Shapefile", e))?;
        }
        // Dropping the writer writes the final headers of all three files.
    }
    Ok(vec![
        (format!("{stem}.shp"), shp.into_inner()),
        (format!("{stem}.shx"), shx.into_inner()),
        (format!("{stem}.dbf"), dbf.into_inner()),
        (format!("{stem}.prj"), table.crs.prj().as_bytes().to_vec()),
        (format!("{stem}.cpg"), b"UTF-8".to_vec()),
    ])
}

/// A property and the DBF field that holds it.
#[derive(Debug, Clone)]
pub struct DbfColumn {
    /// Property name (`id` for the feature id).
    pub property: String,
    /// DBF field name, ≤ 10 ASCII bytes.
    pub dbf_name: String,
    kind: ColumnKind,
    width: u8,
}

/// The DBF fields of a table: `id`, then every property.
pub fn dbf_columns(table: &Table) -> Vec<DbfColumn> {
    let mut used: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let props = std::iter::once("id".to_owned()).chain(table.columns());
    for property in props {
        let kind = if property == "id" {
            ColumnKind::Text
        } else {
            ColumnKind::of(table, &property)
        };
        let dbf_name = unique_name(&property, &used);
        used.push(dbf_name.to_ascii_lowercase());
        let width = table
            .rows
            .iter()
            .map(|r| {
                if property == "id" {
                    r.id.len()
                } else {
                    r.properties.get(&property).map_or(0, |v| text(v).len())
                }
            })
            .max()
            .unwrap_or(1)
            .clamp(1, MAX_TEXT_BYTES);
        out.push(DbfColumn {
            property,
            dbf_name,
            kind,
            width: u8::try_from(width).unwrap_or(u8::MAX),
        });
    }
    out
}

fn unique_name(property: &str, used: &[String]) -> String {
    if let Some(short) = short_name(property)
        && !used.contains(&short.to_ascii_lowercase())
    {
        return short.to_owned();
    }
    let ascii: String = property
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let base: String = ascii.chars().take(10).collect();
    if !used.contains(&base.to_ascii_lowercase()) {
        return base;
    }
    (1..)
        .map(|n| {
            let suffix = n.to_string();
            let keep = 10 - suffix.len();
            format!("{}{suffix}", &base[..base.len().min(keep)])
        })
        .find(|c| !used.contains(&c.to_ascii_lowercase()))
        .unwrap_or(base)
}

fn text(v: &Value) -> String {
    super::value_text(v)
}

fn cut(s: String) -> String {
    if s.len() <= MAX_TEXT_BYTES {
        return s;
    }
    let mut end = MAX_TEXT_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

fn record(columns: &[DbfColumn], id: &str, props: &serde_json::Map<String, Value>) -> Record {
    let mut rec = Record::default();
    for c in columns {
        let v = if c.property == "id" {
            Some(Value::String(id.to_owned()))
        } else {
            props.get(&c.property).filter(|v| !v.is_null()).cloned()
        };
        let value = match c.kind {
            ColumnKind::Integer | ColumnKind::Real => {
                FieldValue::Numeric(v.as_ref().and_then(Value::as_f64))
            }
            ColumnKind::Boolean => FieldValue::Logical(v.as_ref().and_then(Value::as_bool)),
            ColumnKind::Text => FieldValue::Character(v.as_ref().map(|v| cut(text(v)))),
        };
        rec.insert(c.dbf_name.clone(), value);
    }
    rec
}

fn pt(c: &geo::Coord) -> Point {
    Point::new(c.x, c.y)
}

fn point(g: &Geometry) -> Result<Point, ExportError> {
    match g {
        Geometry::Point(p) => Ok(pt(&p.0)),
        _ => Err(ExportError::Geometry("expected a point".into())),
    }
}

fn polyline(g: &Geometry) -> Polyline {
    let parts: Vec<Vec<Point>> = match g {
        Geometry::LineString(l) => vec![l.0.iter().map(pt).collect()],
        Geometry::MultiLineString(ml) => {
            ml.0.iter().map(|l| l.0.iter().map(pt).collect()).collect()
        }
        _ => Vec::new(),
    };
    Polyline::with_parts(parts)
}

fn polygon(g: &Geometry) -> Result<Polygon, ExportError> {
    let polys: Vec<&geo::Polygon> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => Vec::new(),
    };
    let mut rings = Vec::new();
    for p in polys {
        rings.push(PolygonRing::Outer(p.exterior().0.iter().map(pt).collect()));
        for hole in p.interiors() {
            rings.push(PolygonRing::Inner(hole.0.iter().map(pt).collect()));
        }
    }
    if rings.is_empty() {
        return Err(ExportError::Geometry("an empty polygon".into()));
    }
    Ok(Polygon::with_rings(rings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_and_numbered() {
        let mut used = vec![];
        let a = unique_name("fence_to_rebuild_m", &used);
        used.push(a.clone());
        let b = unique_name("fence_to_rebuild_other", &used);
        assert_eq!(a, "fence_to_r");
        assert_eq!(b, "fence_to_1");
    }

    #[test]
    fn fixed_short_names_are_unique_and_short() {
        let mut seen = std::collections::HashSet::new();
        for (long, short) in SHORT_NAMES {
            assert!(
                long.len() > 10 && short.len() <= 10 && short.is_ascii(),
                "{long}"
            );
            assert!(seen.insert(short.to_ascii_lowercase()), "{short} twice");
        }
        let used = vec!["clearance_".to_owned()];
        assert_eq!(unique_name("clearance_date", &used), "clear_date");
    }

    #[test]
    fn text_is_cut_on_a_char_boundary() {
        let s = "đ".repeat(200); // 400 bytes
        let c = cut(s);
        assert!(c.len() <= MAX_TEXT_BYTES && c.len() % 2 == 0);
    }
}
