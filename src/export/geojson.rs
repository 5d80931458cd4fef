//! GeoJSON: a FeatureCollection. Outside WGS84 it carries the pre-RFC 7946 `crs` member
//! (`urn:ogc:def:crs:EPSG::9208`), which GDAL, QGIS and ArcGIS still read; RFC 7946 itself
//! allows only WGS84, so the default export stays in EPSG:4326 without the member.

use serde_json::{Value, json};

use super::{Crs, ExportError, Table};

/// The table as GeoJSON bytes.
pub fn write(table: &Table) -> Result<Vec<u8>, ExportError> {
    let features: Vec<Value> = table
        .rows
        .iter()
        .map(|r| {
            json!({
                "type": "Feature",
                "id": r.id,
                "properties": r.properties,
                "geometry": geojson::Geometry::from(&r.geometry),
            })
        })
        .collect();
    let mut fc = serde_json::Map::new();
    fc.insert("type".into(), json!("FeatureCollection"));
    fc.insert("name".into(), json!(table.name));
    if table.crs != Crs::Wgs84 {
        let name = match table.crs.epsg() {
            Some(code) => format!("urn:ogc:def:crs:EPSG::{code}"),
            None => table.crs.proj_definition().to_owned(),
        };
        fc.insert(
            "crs".into(),
            json!({"type": "name", "properties": {"name": name}}),
        );
    }
    fc.insert("features".into(), Value::Array(features));
    serde_json::to_vec(&Value::Object(fc)).map_err(|e| ExportError::write("GeoJSON", e))
}
