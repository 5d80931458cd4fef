//! Parcels out of a drawing: closed shapes (DGN shapes, closed polylines) and the text
//! elements that label them.
//!
//! 1. A polygon, or a closed line of four or more vertices, is a shape; a point with a
//!    text is a label; anything else is not a parcel.
//! 2. In a drawing drainplan wrote (its `$PROJECTNAME` says so), a feature's rings come
//!    just before its label on the label's layer: those rings are the feature, the ones
//!    inside another of them its holes.
//! 3. Otherwise each label belongs to the smallest shape it lies in; an unlabelled shape
//!    inside a labelled one is a hole of it; shapes with the same label are the parts of
//!    one parcel.
//!
//! A label's texts are ordered top to bottom, then left to right.

use geo::{Area, Contains, Geometry, InteriorPoint, LineString, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};

/// A feature with its text decoded, in the source CRS.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Which feature, for the report.
    pub label: String,
    /// Its geometry.
    pub geometry: Option<Geometry>,
    /// Its attributes.
    pub fields: Map<String, Value>,
    /// Its text, if it is a text element.
    pub text: Option<String>,
}

/// A feature to import, with the label texts found inside it.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Which feature, for the report.
    pub label: String,
    /// Its geometry, in the source CRS.
    pub geometry: Geometry,
    /// Its attributes.
    pub fields: Map<String, Value>,
    /// The texts of the labels inside it, top to bottom.
    pub texts: Vec<String>,
}

/// What assembling left out: (which, why).
pub type Skipped = Vec<(String, String)>;

fn closed_ring(l: &LineString) -> bool {
    l.0.len() >= 4 && l.0.first() == l.0.last()
}

fn as_polygons(g: &Geometry) -> Option<Vec<Polygon>> {
    match g {
        Geometry::Polygon(p) => Some(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => Some(mp.0.clone()),
        Geometry::LineString(l) if closed_ring(l) => Some(vec![Polygon::new(l.clone(), vec![])]),
        _ => None,
    }
}

fn layer_of(fields: &Map<String, Value>) -> Option<&Value> {
    fields.get("Layer").or_else(|| fields.get("Level"))
}

/// Turns the features of a layer of lines or points into [`Shape`]s as they are.
pub fn as_is(features: Vec<Decoded>) -> (Vec<Shape>, Skipped) {
    let mut shapes = Vec::new();
    let mut skipped = Vec::new();
    for f in features {
        match f.geometry {
            Some(geometry) => shapes.push(Shape {
                label: f.label,
                geometry,
                fields: f.fields,
                texts: f.text.into_iter().collect(),
            }),
            None => skipped.push((f.label, "no geometry GDAL can read".into())),
        }
    }
    (shapes, skipped)
}

/// A closed shape in file order.
struct Drawn {
    order: usize,
    feature: Decoded,
    rings: Vec<Polygon>,
}

/// A label in file order.
struct Label {
    order: usize,
    at: Point,
    text: String,
    layer: Option<Value>,
}

/// Builds polygon features from a drawing's shapes and labels (module docs).
pub fn polygons(features: Vec<Decoded>, drainplan_drawing: bool) -> (Vec<Shape>, Skipped) {
    let mut skipped: Skipped = Vec::new();
    let mut not_closed = 0usize;
    let mut drawn = Vec::new();
    let mut labels = Vec::new();
    for (order, f) in features.into_iter().enumerate() {
        match (&f.geometry, &f.text) {
            (Some(Geometry::Point(p)), Some(t)) => labels.push(Label {
                order,
                at: *p,
                text: t.clone(),
                layer: layer_of(&f.fields).cloned(),
            }),
            (Some(g), _) => match as_polygons(g) {
                Some(rings) => drawn.push(Drawn {
                    order,
                    feature: f,
                    rings,
                }),
                None => not_closed += 1,
            },
            (None, _) => skipped.push((f.label, "no geometry GDAL can read".into())),
        }
    }
    if not_closed > 0 {
        skipped.push((
            format!("{not_closed} elements"),
            "not closed shapes (open lines, points without text): a parcel is a closed shape"
                .into(),
        ));
    }
    let shapes = if labels.is_empty() {
        drawn
            .into_iter()
            .map(|d| shape(d.feature, d.rings, Vec::new()))
            .collect()
    } else if drainplan_drawing {
        by_drawing_order(drawn, labels)
    } else {
        by_position(drawn, labels, &mut skipped)
    };
    (shapes, skipped)
}

fn shape(f: Decoded, parts: Vec<Polygon>, texts: Vec<String>) -> Shape {
    Shape {
        label: f.label,
        geometry: geometry_of(parts),
        fields: f.fields,
        texts,
    }
}

fn geometry_of(mut parts: Vec<Polygon>) -> Geometry {
    if parts.len() == 1 {
        Geometry::Polygon(parts.remove(0))
    } else {
        Geometry::MultiPolygon(MultiPolygon(parts))
    }
}

/// drainplan's drawings: the rings on a label's layer since the previous label there.
fn by_drawing_order(drawn: Vec<Drawn>, labels: Vec<Label>) -> Vec<Shape> {
    let mut out = Vec::new();
    let mut pending: Vec<Drawn> = Vec::new();
    let mut drawn = drawn.into_iter().peekable();
    for label in labels {
        while let Some(d) = drawn.next_if(|d| d.order < label.order) {
            pending.push(d);
        }
        let (mine, rest): (Vec<Drawn>, Vec<Drawn>) = pending
            .into_iter()
            .partition(|d| layer_of(&d.feature.fields) == label.layer.as_ref());
        pending = rest;
        let mut mine = mine.into_iter();
        let Some(first) = mine.next() else {
            continue;
        };
        let mut rings = first.rings;
        rings.extend(mine.flat_map(|d| d.rings));
        out.push(shape(first.feature, nest(rings), vec![label.text]));
    }
    pending.extend(drawn);
    out.extend(
        pending
            .into_iter()
            .map(|d| shape(d.feature, d.rings, Vec::new())),
    );
    out
}

/// Any drawing: each label in the smallest shape holding it; unlabelled shapes inside a
/// labelled one are its holes; shapes with the same texts are one parcel's parts.
fn by_position(drawn: Vec<Drawn>, mut labels: Vec<Label>, skipped: &mut Skipped) -> Vec<Shape> {
    let areas: Vec<f64> = drawn
        .iter()
        .map(|d| d.rings.iter().map(Area::unsigned_area).sum())
        .collect();
    let smallest_holding = |p: &Point, among: &dyn Fn(usize) -> bool| {
        (0..drawn.len())
            .filter(|&i| among(i) && drawn[i].rings.iter().any(|r| r.contains(p)))
            .min_by(|&a, &b| areas[a].total_cmp(&areas[b]))
    };
    // Top to bottom, then left to right.
    labels.sort_by(|a, b| {
        b.at.y()
            .total_cmp(&a.at.y())
            .then(a.at.x().total_cmp(&b.at.x()))
    });
    let mut texts: Vec<Vec<String>> = vec![Vec::new(); drawn.len()];
    for l in labels {
        match smallest_holding(&l.at, &|_| true) {
            Some(i) => texts[i].push(l.text),
            None => skipped.push((
                format!("text `{}` (element {})", l.text, l.order + 1),
                "lies in no closed shape".into(),
            )),
        }
    }
    let labelled: Vec<bool> = texts.iter().map(|t| !t.is_empty()).collect();
    let mut holes: Vec<Vec<LineString>> = vec![Vec::new(); drawn.len()];
    let mut is_hole = vec![false; drawn.len()];
    for (i, d) in drawn.iter().enumerate() {
        if labelled[i] {
            continue;
        }
        let Some(inside) = d.rings.first().and_then(InteriorPoint::interior_point) else {
            continue;
        };
        if let Some(owner) = smallest_holding(&inside, &|j| j != i && labelled[j]) {
            holes[owner].extend(d.rings.iter().map(|r| r.exterior().clone()));
            is_hole[i] = true;
        }
    }
    let mut out: Vec<Shape> = Vec::new();
    for (i, d) in drawn.into_iter().enumerate() {
        if is_hole[i] {
            continue;
        }
        let mut rings = d.rings;
        for h in holes[i].drain(..) {
            if let Some(outer) = rings
                .iter_mut()
                .find(|r| h.0.first().is_some_and(|c| r.contains(&Point(*c))))
            {
                outer.interiors_push(h);
            }
        }
        let t = std::mem::take(&mut texts[i]);
        if let Some(same) = out.iter_mut().find(|s| !t.is_empty() && s.texts == t) {
            let mut parts = match std::mem::replace(
                &mut same.geometry,
                Geometry::Point(Point::new(0.0, 0.0)),
            ) {
                Geometry::Polygon(p) => vec![p],
                Geometry::MultiPolygon(mp) => mp.0,
                _ => Vec::new(),
            };
            parts.extend(rings);
            same.geometry = geometry_of(parts);
            continue;
        }
        out.push(shape(d.feature, rings, t));
    }
    out
}

/// Rings of one feature: those inside another ring of the set become its holes.
pub fn nest(rings: Vec<Polygon>) -> Vec<Polygon> {
    let n = rings.len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let Some(inside) = rings[i].interior_point() else {
            continue;
        };
        parent[i] = (0..n)
            .filter(|&j| j != i && rings[j].contains(&inside))
            .min_by(|&a, &b| {
                rings[a]
                    .unsigned_area()
                    .total_cmp(&rings[b].unsigned_area())
            });
    }
    let mut out: Vec<(usize, Polygon)> = Vec::new();
    for i in 0..n {
        if parent[i].is_none() {
            out.push((i, rings[i].clone()));
        }
    }
    for i in 0..n {
        if let Some(p) = parent[i]
            && let Some((_, outer)) = out.iter_mut().find(|(k, _)| *k == p)
        {
            outer.interiors_push(rings[i].exterior().clone());
        }
    }
    out.into_iter().map(|(_, p)| p).collect()
}
