//! DXF for AutoCAD and MicroStation, through the `dxf` crate: AutoCAD 2007 format (the
//! oldest that is UTF-8, and LWPOLYLINE needs R2000 or later: an R12 file silently drops
//! them), one DXF layer per table and status (`canals_planned`,
//! `parcels_awaiting`, …), polygons as closed LWPOLYLINEs (one per ring), lines as open
//! ones, points as POINTs, and each label (a parcel's `sheet/number`) as TEXT at the
//! polygon's interior point on the polygon's layer. DXF has no CRS: `$PROJECTNAME` and
//! the file name say which it is.

use dxf::entities::{Entity, EntityType, LwPolyline, ModelPoint, Text};
use dxf::enums::{AcadVersion, Units};
use dxf::tables::Layer;
use dxf::{Color, Drawing, LwPolylineVertex, Point};
use geo::{Geometry, InteriorPoint, LineString};

use super::{ExportError, Table};

/// Label height in drawing units for a metric CRS (m) and for degrees.
const TEXT_HEIGHT_M: f64 = 1.0;
const TEXT_HEIGHT_DEG: f64 = 0.00001;

/// A drawing of every table (all in the same CRS).
pub fn write(tables: &[&Table]) -> Result<Vec<u8>, ExportError> {
    let mut drawing = Drawing::new();
    drawing.header.version = AcadVersion::R2007;
    if let Some(t) = tables.first() {
        drawing.header.project_name = format!("{} ({})", t.crs.title(), t.crs.name());
        drawing.header.default_drawing_units = if t.crs.is_metric() {
            Units::Meters
        } else {
            Units::Unitless
        };
    }
    let mut layers: Vec<String> = Vec::new();
    for t in tables {
        let height = if t.crs.is_metric() {
            TEXT_HEIGHT_M
        } else {
            TEXT_HEIGHT_DEG
        };
        for r in &t.rows {
            let layer = t.layer_of(r);
            if !layers.contains(&layer) {
                layers.push(layer.clone());
            }
            for e in entities(&r.geometry) {
                add(&mut drawing, e, &layer);
            }
            if let (Some(label), Some(at)) = (&r.label, r.geometry.interior_point()) {
                let text = Text {
                    location: Point::new(at.x(), at.y(), 0.0),
                    text_height: height,
                    value: label.clone(),
                    ..Default::default()
                };
                add(&mut drawing, EntityType::Text(text), &layer);
            }
        }
    }
    for (i, name) in layers.iter().enumerate() {
        drawing.add_layer(Layer {
            name: name.clone(),
            // AutoCAD colour indices 1..6 (red, yellow, green, cyan, blue, magenta).
            color: Color::from_index(u8::try_from(i % 6 + 1).unwrap_or(7)),
            ..Default::default()
        });
    }
    let mut out = Vec::new();
    drawing
        .save(&mut out)
        .map_err(|e| ExportError::write("DXF", e))?;
    Ok(out)
}

fn add(drawing: &mut Drawing, specific: EntityType, layer: &str) {
    let mut e = Entity::new(specific);
    e.common.layer = layer.to_owned();
    drawing.add_entity(e);
}

fn polyline(line: &LineString, closed: bool) -> EntityType {
    let mut pts: &[geo::Coord] = &line.0;
    // A closed LWPOLYLINE does not repeat its first vertex.
    if closed && pts.len() > 1 && pts.first() == pts.last() {
        pts = &pts[..pts.len() - 1];
    }
    let mut p = LwPolyline {
        vertices: pts
            .iter()
            .map(|c| LwPolylineVertex {
                x: c.x,
                y: c.y,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    p.set_is_closed(closed);
    EntityType::LwPolyline(p)
}

fn polygon_rings(p: &geo::Polygon) -> impl Iterator<Item = EntityType> + '_ {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| polyline(r, true))
}

fn entities(g: &Geometry) -> Vec<EntityType> {
    match g {
        Geometry::Point(p) => vec![EntityType::ModelPoint(ModelPoint {
            location: Point::new(p.x(), p.y(), 0.0),
            ..Default::default()
        })],
        Geometry::LineString(l) => vec![polyline(l, false)],
        Geometry::MultiLineString(ml) => ml.0.iter().map(|l| polyline(l, false)).collect(),
        Geometry::Polygon(p) => polygon_rings(p).collect(),
        Geometry::MultiPolygon(mp) => mp.0.iter().flat_map(polygon_rings).collect(),
        _ => Vec::new(),
    }
}
