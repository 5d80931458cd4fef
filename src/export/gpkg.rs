//! GeoPackage 1.3, written over SQLite: the required `gpkg_spatial_ref_sys` (with the CRS's
//! OGC WKT), `gpkg_contents` and `gpkg_geometry_columns`, and one feature table per
//! [`Table`] whose geometries are GeoPackage binary (the `GP` header with the srs id and
//! the xy envelope, then little-endian WKB from the `wkb` crate).
//!
//! No GeoPackage crate builds beside system PROJ (DEPENDENCIES.md), and the tables are a
//! page of SQL; the database is made in memory and serialized, so no temporary file.

use geo::{BoundingRect, Geometry, MultiLineString, MultiPolygon};
use rusqlite::{Connection, MAIN_DB, params_from_iter, types::Value as Sql};
use serde_json::Value;

use super::{ColumnKind, Crs, ExportError, Shape, Table};

/// `GPKG` as the SQLite application id.
const APPLICATION_ID: i32 = 0x4750_4B47;
/// GeoPackage 1.3.0.
const USER_VERSION: i32 = 10300;
/// srs_id of the alternative CRS, which has no EPSG code.
const TOWGS84_SRS_ID: i64 = 100_001;

const SCHEMA: &str = r#"
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
"#;

fn err(e: impl std::fmt::Display) -> ExportError {
    ExportError::write("GeoPackage", e)
}

/// The srs_id a CRS gets in the file: its EPSG code, or a private id for the alternative.
pub fn srs_id(crs: Crs) -> i64 {
    crs.epsg().map_or(TOWGS84_SRS_ID, i64::from)
}

/// A GeoPackage holding every table (all in the same CRS).
pub fn write(tables: &[&Table]) -> Result<Vec<u8>, ExportError> {
    let conn = Connection::open_in_memory().map_err(err)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(err)?;
    conn.pragma_update(None, "user_version", USER_VERSION)
        .map_err(err)?;
    conn.execute_batch(SCHEMA).map_err(err)?;
    let mut crss: Vec<Crs> = tables.iter().map(|t| t.crs).collect();
    crss.dedup();
    if !crss.contains(&Crs::Wgs84) {
        crss.push(Crs::Wgs84); // the spec requires the EPSG:4326 row
    }
    for crs in crss {
        let (org, code) = match crs.epsg() {
            Some(c) => ("EPSG", i64::from(c)),
            None => ("DRAINPLAN", 1),
        };
        conn.execute(
            "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                crs.title(),
                srs_id(crs),
                org,
                code,
                crs.ogc_wkt(),
                crs.name()
            ],
        )
        .map_err(err)?;
    }
    for t in tables {
        write_table(&conn, t)?;
    }
    let data = conn.serialize(MAIN_DB).map_err(err)?;
    Ok(data.to_vec())
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn write_table(conn: &Connection, table: &Table) -> Result<(), ExportError> {
    let shape = Shape::of_table(table)?;
    let multi = table.rows.iter().any(|r| {
        matches!(
            r.geometry,
            Geometry::MultiPolygon(_) | Geometry::MultiLineString(_)
        )
    });
    let type_name = match (shape, multi) {
        (Shape::Point, _) => "POINT",
        (Shape::Line, false) => "LINESTRING",
        (Shape::Line, true) => "MULTILINESTRING",
        // Polygon tables are MULTIPOLYGON whatever the selection holds: a parcels layer
        // mixes both, and one export and the next of the same layer must agree.
        (Shape::Polygon, _) => "MULTIPOLYGON",
    };
    let columns: Vec<String> = table
        .columns()
        .into_iter()
        .filter(|c| !["fid", "geom", "id"].contains(&c.as_str()))
        .collect();
    let kinds: Vec<ColumnKind> = columns.iter().map(|c| ColumnKind::of(table, c)).collect();
    let defs: Vec<String> = columns
        .iter()
        .zip(&kinds)
        .map(|(c, k)| {
            let t = match k {
                ColumnKind::Integer => "INTEGER",
                ColumnKind::Real => "REAL",
                ColumnKind::Boolean => "BOOLEAN",
                ColumnKind::Text => "TEXT",
            };
            format!("{} {t}", quote(c))
        })
        .collect();
    let name = quote(&table.name);
    let mut sql = format!(
        "CREATE TABLE {name} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {type_name}, \"id\" TEXT"
    );
    for d in &defs {
        sql.push_str(", ");
        sql.push_str(d);
    }
    sql.push(')');
    conn.execute(&sql, []).map_err(err)?;

    let srs = srs_id(table.crs);
    let mut extent: Option<geo::Rect> = None;
    let placeholders = vec!["?"; columns.len() + 2].join(", ");
    let col_list: Vec<String> = ["geom", "id"]
        .into_iter()
        .map(quote)
        .chain(columns.iter().map(|c| quote(c)))
        .collect();
    let insert = format!(
        "INSERT INTO {name} ({}) VALUES ({placeholders})",
        col_list.join(", ")
    );
    let mut stmt = conn.prepare(&insert).map_err(err)?;
    for r in &table.rows {
        let g = if multi || shape == Shape::Polygon {
            promote(&r.geometry)
        } else {
            r.geometry.clone()
        };
        let rect = g.bounding_rect();
        if let Some(b) = rect {
            extent = Some(match extent {
                None => b,
                Some(e) => geo::Rect::new(
                    geo::coord! { x: e.min().x.min(b.min().x), y: e.min().y.min(b.min().y) },
                    geo::coord! { x: e.max().x.max(b.max().x), y: e.max().y.max(b.max().y) },
                ),
            });
        }
        let mut values = vec![
            Sql::Blob(gpkg_geometry(&g, srs, rect)?),
            Sql::Text(r.id.clone()),
        ];
        for (c, k) in columns.iter().zip(&kinds) {
            values.push(sql_value(r.properties.get(c), *k));
        }
        stmt.execute(params_from_iter(values)).map_err(err)?;
    }
    let e = extent.ok_or_else(|| ExportError::Empty(format!("{} has no extent", table.name)))?;
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            table.name,
            format!("drainplan {} in {}", table.name, table.crs.title()),
            e.min().x,
            e.min().y,
            e.max().x,
            e.max().y,
            srs
        ],
    )
    .map_err(err)?;
    conn.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        rusqlite::params![table.name, type_name, srs],
    )
    .map_err(err)?;
    Ok(())
}

fn promote(g: &Geometry) -> Geometry {
    match g {
        Geometry::Polygon(p) => Geometry::MultiPolygon(MultiPolygon(vec![p.clone()])),
        Geometry::LineString(l) => Geometry::MultiLineString(MultiLineString(vec![l.clone()])),
        other => other.clone(),
    }
}

fn sql_value(v: Option<&Value>, kind: ColumnKind) -> Sql {
    match (v, kind) {
        (None | Some(Value::Null), _) => Sql::Null,
        (Some(Value::Bool(b)), ColumnKind::Boolean) => Sql::Integer(i64::from(*b)),
        (Some(Value::Number(n)), ColumnKind::Integer) => n.as_i64().map_or(Sql::Null, Sql::Integer),
        (Some(Value::Number(n)), ColumnKind::Real) => n.as_f64().map_or(Sql::Null, Sql::Real),
        (Some(other), _) => Sql::Text(super::value_text(other)),
    }
}

/// GeoPackage binary: `GP`, version 0, flags (little-endian, xy envelope), srs_id, the
/// envelope minx, maxx, miny, maxy, then WKB.
pub fn gpkg_geometry(
    g: &Geometry,
    srs_id: i64,
    envelope: Option<geo::Rect>,
) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0);
    let flags: u8 = if envelope.is_some() {
        0b0000_0011
    } else {
        0b0000_0001
    };
    out.push(flags);
    let srs = i32::try_from(srs_id).map_err(err)?;
    out.extend_from_slice(&srs.to_le_bytes());
    if let Some(e) = envelope {
        for v in [e.min().x, e.max().x, e.min().y, e.max().y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    wkb::writer::write_geometry(
        &mut out,
        g,
        &wkb::writer::WriteOptions {
            endianness: wkb::Endianness::LittleEndian,
        },
    )
    .map_err(err)?;
    Ok(out)
}
