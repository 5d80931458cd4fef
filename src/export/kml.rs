//! KML 2.2: a Document of Placemarks, each named by its label or id, with its properties as
//! `ExtendedData`/`Data` (GDAL and Google Earth show them as fields). KML coordinates are
//! WGS84 longitude, latitude by definition; [`super::export`] refuses any other CRS.

use std::collections::HashMap;

use geo::Geometry;
use kml::types::{
    Coord, Element, LineString, LinearRing, MultiGeometry, Placemark, Point, Polygon,
};
use kml::{Kml, KmlWriter};

use super::{ExportError, Table, value_text};

/// The table as KML bytes.
pub fn write(table: &Table) -> Result<Vec<u8>, ExportError> {
    let mut placemarks = Vec::with_capacity(table.rows.len());
    for r in &table.rows {
        let data: Vec<Element> = std::iter::once(("id", r.id.clone()))
            .chain(
                r.properties
                    .iter()
                    .map(|(k, v)| (k.as_str(), value_text(v))),
            )
            .map(|(name, value)| Element {
                name: "Data".into(),
                attrs: HashMap::from([("name".to_owned(), name.to_owned())]),
                content: None,
                children: vec![Element {
                    name: "value".into(),
                    content: Some(value),
                    ..Default::default()
                }],
            })
            .collect();
        placemarks.push(Kml::Placemark(Placemark {
            name: Some(r.label.clone().unwrap_or_else(|| r.id.clone())),
            geometry: Some(geometry(&r.geometry)?),
            children: vec![Element {
                name: "ExtendedData".into(),
                children: data,
                ..Default::default()
            }],
            ..Default::default()
        }));
    }
    let mut elements = vec![Kml::Element(Element {
        name: "name".into(),
        content: Some(table.name.clone()),
        ..Default::default()
    })];
    elements.extend(placemarks);
    let doc = Kml::KmlDocument(kml::KmlDocument {
        attrs: HashMap::from([(
            "xmlns".to_owned(),
            "http://www.opengis.net/kml/2.2".to_owned(),
        )]),
        elements: vec![Kml::Document {
            attrs: HashMap::new(),
            elements,
        }],
        ..Default::default()
    });
    let mut buf = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_vec();
    KmlWriter::<_, f64>::from_writer(&mut buf)
        .write(&doc)
        .map_err(|e| ExportError::write("KML", e))?;
    Ok(buf)
}

fn coords(line: &geo::LineString) -> Vec<Coord> {
    line.0
        .iter()
        .map(|c| Coord {
            x: c.x,
            y: c.y,
            z: None,
        })
        .collect()
}

fn polygon(p: &geo::Polygon) -> kml::types::Geometry {
    kml::types::Geometry::Polygon(Polygon::new(
        LinearRing::from(coords(p.exterior())),
        p.interiors()
            .iter()
            .map(|r| LinearRing::from(coords(r)))
            .collect(),
    ))
}

fn geometry(g: &Geometry) -> Result<kml::types::Geometry, ExportError> {
    use kml::types::Geometry as K;
    Ok(match g {
        Geometry::Point(p) => K::Point(Point::from(Coord {
            x: p.x(),
            y: p.y(),
            z: None,
        })),
        Geometry::LineString(l) => K::LineString(LineString::from(coords(l))),
        Geometry::Polygon(p) => polygon(p),
        Geometry::MultiPolygon(mp) => {
            K::MultiGeometry(MultiGeometry::new(mp.0.iter().map(polygon).collect()))
        }
        Geometry::MultiLineString(ml) => K::MultiGeometry(MultiGeometry::new(
            ml.0.iter()
                .map(|l| K::LineString(LineString::from(coords(l))))
                .collect(),
        )),
        other => {
            return Err(ExportError::Geometry(format!(
                "KML export does not take {other:?}"
            )));
        }
    })
}
