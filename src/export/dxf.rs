//! DXF for AutoCAD and MicroStation, through the `dxf` crate: AutoCAD 2007 format (the
//! oldest that is UTF-8, so Vietnamese names go in as they are; and LWPOLYLINE needs R2000
//! or later: an R12 file silently drops them), one DXF layer per table and status
//! (`canals_planned`, `parcels_awaiting`, …), polygons as closed LWPOLYLINEs (one per
//! ring), lines as open ones, points as POINTs, and each label (a parcel's `sheet/number`,
//! a village's name, the canal's name and a taken strip's owner in the dossier) as TEXT at
//! the geometry's interior point on its layer. A table may ask for its polygons to be
//! hatched: see-through solid fills on a `<layer>_hatch` layer, as the dossier's affected
//! parcels are, by clearance step. DXF has no CRS: `$PROJECTNAME` and the file
//! name say which it is.
//!
//! A drawing opens where the features are: `$EXTMIN`/`$EXTMAX` are the extents of every
//! entity (labels with room for their text), and the active viewport (`VPORT *ACTIVE`) is
//! centred on them, tall enough to show them all in a 4:3 window. Text uses the STANDARD
//! style with Arial, a font with Vietnamese letters (AutoCAD's `txt.shx` has none).
//!
//! The `dxf` crate leaves three things that ezdxf's `audit()` repairs (a CAD program
//! reading the file has to as well); `tidy` mends them in the written text: TABLE heads without a handle, a
//! transparency of 0 (not a valid value: absent means ByLayer) on every entity, and the
//! view height and aspect ratio of VPORT written under R2007 codes that readers ignore.

use dxf::entities::{Entity, EntityType, LwPolyline, ModelPoint, Text};
use dxf::enums::{AcadVersion, Units};
use dxf::tables::Layer;
use dxf::{Color, Drawing, LwPolylineVertex, Point};
use geo::{Coord, Geometry, InteriorPoint, LineString, Rect};

use super::{ExportError, Table};

/// Label height in drawing units for a metric CRS (m) and for degrees.
const TEXT_HEIGHT_M: f64 = 1.0;
const TEXT_HEIGHT_DEG: f64 = 0.00001;

/// The width-to-height ratio of the window the active viewport is sized for: 4:3 is the
/// narrowest common one, so a wider window shows the whole drawing too.
const VIEW_ASPECT: f64 = 4.0 / 3.0;

/// The margin around the drawing in the active viewport, as a share of its size.
const VIEW_MARGIN: f64 = 0.05;

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
    let mut hatches: Vec<Hatch> = Vec::new();
    let mut extents = Extents::default();
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
            if t.hatch {
                hatches.extend(hatches_of(&r.geometry, &layer));
            }
            extents.add_geometry(&r.geometry);
            if let (Some(label), Some(at)) = (&r.label, r.geometry.interior_point()) {
                extents.add_text(at.0, label, height);
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
        // AutoCAD colour indices 1..6 (red, yellow, green, cyan, blue, magenta).
        let color = Color::from_index(u8::try_from(i % 6 + 1).unwrap_or(7));
        let hatch_layer = format!("{name}{HATCH_LAYER_SUFFIX}");
        if hatches.iter().any(|h| h.layer == hatch_layer) {
            drawing.add_layer(Layer {
                name: hatch_layer,
                color: color.clone(),
                ..Default::default()
            });
        }
        drawing.add_layer(Layer {
            name: name.clone(),
            color,
            ..Default::default()
        });
    }
    let view = extents.rect().map(view_of);
    if let Some(rect) = extents.rect() {
        drawing.header.minimum_drawing_extents = Point::new(rect.min().x, rect.min().y, 0.0);
        drawing.header.maximum_drawing_extents = Point::new(rect.max().x, rect.max().y, 0.0);
    }
    drawing.normalize();
    for s in drawing.styles_mut() {
        if s.name.eq_ignore_ascii_case("STANDARD") {
            s.primary_font_file_name = "arial.ttf".into();
        }
    }
    if let Some(v) = view {
        for vp in drawing.view_ports_mut() {
            if vp.name.eq_ignore_ascii_case("*ACTIVE") {
                vp.view_center = Point::new(v.centre.x, v.centre.y, 0.0);
                vp.view_height = v.height;
                vp.view_port_aspect_ratio = VIEW_ASPECT;
            }
        }
    }
    let mut out = Vec::new();
    drawing
        .save(&mut out)
        .map_err(|e| ExportError::write("DXF", e))?;
    tidy(&out, view.as_ref(), &hatches)
}

/// What a hatch layer's name adds to its polygons' layer.
const HATCH_LAYER_SUFFIX: &str = "_hatch";

/// DXF transparency of the hatches: 70 % see-through (`0x02000000` says a value is set,
/// the low byte is the opacity, 0..255).
const HATCH_TRANSPARENCY: u32 = 0x0200_0000 | 76;

/// A solid fill of one polygon: its rings (the first the outer one), on its layer.
#[derive(Debug, Clone, PartialEq)]
struct Hatch {
    layer: String,
    rings: Vec<Vec<Coord>>,
}

fn hatches_of(g: &Geometry, layer: &str) -> Vec<Hatch> {
    let polygons: Vec<&geo::Polygon> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => Vec::new(),
    };
    polygons
        .into_iter()
        .map(|p| Hatch {
            layer: format!("{layer}{HATCH_LAYER_SUFFIX}"),
            rings: std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| {
                    let mut c = r.0.clone();
                    if c.len() > 1 && c.first() == c.last() {
                        c.pop();
                    }
                    c
                })
                .filter(|c| c.len() >= 3)
                .collect(),
        })
        .filter(|h| !h.rings.is_empty())
        .collect()
}

/// The HATCH entity's pairs (the `dxf` crate has no HATCH): a solid fill by polyline
/// boundary paths, the outer ring flagged external, 70 % transparent, colour ByLayer.
fn hatch_pairs(h: &Hatch, handle: u64) -> Vec<Pair<'static>> {
    let mut p = vec![
        Pair::new(0, "HATCH".into()),
        Pair::new(5, format!("{handle:X}")),
        Pair::new(100, "AcDbEntity".into()),
        Pair::new(8, h.layer.clone()),
        Pair::new(440, HATCH_TRANSPARENCY.to_string()),
        Pair::new(100, "AcDbHatch".into()),
        Pair::new(10, "0.0".into()),
        Pair::new(20, "0.0".into()),
        Pair::new(30, "0.0".into()),
        Pair::new(210, "0.0".into()),
        Pair::new(220, "0.0".into()),
        Pair::new(230, "1.0".into()),
        Pair::new(2, "SOLID".into()),
        Pair::new(70, "1".into()),
        Pair::new(71, "0".into()),
        Pair::new(91, h.rings.len().to_string()),
    ];
    for (i, ring) in h.rings.iter().enumerate() {
        // Boundary path flags: 2 polyline, + 1 external for the outer ring.
        p.push(Pair::new(92, if i == 0 { "3" } else { "2" }.into()));
        p.push(Pair::new(72, "0".into()));
        p.push(Pair::new(73, "1".into()));
        p.push(Pair::new(93, ring.len().to_string()));
        for c in ring {
            p.push(Pair::new(10, format!("{:.3}", c.x)));
            p.push(Pair::new(20, format!("{:.3}", c.y)));
        }
        p.push(Pair::new(97, "0".into()));
    }
    p.extend([
        Pair::new(75, "0".into()),
        Pair::new(76, "1".into()),
        Pair::new(98, "0".into()),
    ]);
    p
}

/// What the active viewport shows: its centre and height in drawing units.
#[derive(Debug, Clone, Copy, PartialEq)]
struct View {
    centre: Coord,
    height: f64,
}

/// The view centred on `rect` whose height shows all of it, with a margin, in a window
/// [`VIEW_ASPECT`] times wider than tall.
fn view_of(rect: Rect) -> View {
    let height = rect.height().max(rect.width() / VIEW_ASPECT) * (1.0 + 2.0 * VIEW_MARGIN);
    View {
        centre: rect.center(),
        // A drawing of one point still needs a view of some size.
        height: if height > 0.0 { height } else { 1.0 },
    }
}

/// The bounding box of everything drawn.
#[derive(Debug, Default)]
struct Extents {
    min: Option<Coord>,
    max: Option<Coord>,
}

impl Extents {
    fn add(&mut self, c: Coord) {
        if !(c.x.is_finite() && c.y.is_finite()) {
            return;
        }
        self.min = Some(match self.min {
            Some(m) => Coord {
                x: m.x.min(c.x),
                y: m.y.min(c.y),
            },
            None => c,
        });
        self.max = Some(match self.max {
            Some(m) => Coord {
                x: m.x.max(c.x),
                y: m.y.max(c.y),
            },
            None => c,
        });
    }

    fn add_geometry(&mut self, g: &Geometry) {
        use geo::CoordsIter;
        for c in g.coords_iter() {
            self.add(c);
        }
    }

    /// A left-aligned TEXT at `at`: no glyph is wider than its height in the fonts CAD
    /// uses, and descenders go below the baseline by less than half of it, so this box
    /// holds the text whatever the font.
    fn add_text(&mut self, at: Coord, text: &str, height: f64) {
        let width = text.chars().count() as f64 * height;
        self.add(Coord {
            x: at.x,
            y: at.y - 0.5 * height,
        });
        self.add(Coord {
            x: at.x + width,
            y: at.y + 1.5 * height,
        });
    }

    fn rect(&self) -> Option<Rect> {
        Some(Rect::new(self.min?, self.max?))
    }
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

/// One group code and its value, as the lines of the file hold them.
struct Pair<'a> {
    code: i32,
    code_text: &'a str,
    value: std::borrow::Cow<'a, str>,
}

impl<'a> Pair<'a> {
    fn new(code: i32, value: String) -> Pair<'a> {
        Pair {
            code,
            code_text: "",
            value: value.into(),
        }
    }

    fn is(&self, code: i32, value: &str) -> bool {
        self.code == code && self.value == value
    }
}

/// Mends what the `dxf` crate writes (see the module docs), in four steps:
///
/// 1. every `TABLE` head gets a handle (code 5) of its own after its name, taken from
///    `$HANDSEED`, which then moves past them;
/// 2. the `440` (transparency) pairs of value 0 go from entities: absent is ByLayer;
/// 3. the `*ACTIVE` viewport gets its view height (40) and aspect ratio (41), the codes
///    AutoCAD and ezdxf read, before its lens length (42);
/// 4. the hatches go first in ENTITIES, so that lines and labels are drawn over them,
///    with handles of their own;
/// 5. the pairs are written back as they came, `code\r\nvalue\r\n`.
fn tidy(dxf: &[u8], view: Option<&View>, hatches: &[Hatch]) -> Result<Vec<u8>, ExportError> {
    let text = std::str::from_utf8(dxf).map_err(|e| ExportError::write("DXF", e))?;
    let lines: Vec<&str> = text.split("\r\n").collect();
    let mut pairs = Vec::with_capacity(lines.len() / 2);
    for chunk in lines.chunks_exact(2) {
        let code = chunk[0]
            .trim()
            .parse()
            .map_err(|_| ExportError::write("DXF", format!("bad group code `{}`", chunk[0])))?;
        pairs.push(Pair {
            code,
            code_text: chunk[0],
            value: chunk[1].into(),
        });
    }

    // Step 1: handles for the table heads, from the header's next free handle.
    let seed_at = pairs
        .windows(2)
        .position(|w| w[0].is(9, "$HANDSEED"))
        .map(|i| i + 1)
        .ok_or_else(|| ExportError::write("DXF", "no $HANDSEED"))?;
    let mut next = u64::from_str_radix(pairs[seed_at].value.trim(), 16)
        .map_err(|e| ExportError::write("DXF", e))?;

    let mut out: Vec<Pair> = Vec::with_capacity(pairs.len() + 32);
    let mut section = String::new();
    let mut in_active_vport = false;
    let mut iter = pairs.into_iter().peekable();
    while let Some(p) = iter.next() {
        if p.code == 2 && out.last().is_some_and(|l| l.is(0, "SECTION")) {
            section = p.value.to_string();
        }
        if p.code == 0 {
            in_active_vport = false;
        }
        if p.code == 2 && p.value == "*ACTIVE" && section == "TABLES" {
            in_active_vport = out
                .iter()
                .rev()
                .find(|q| q.code == 0)
                .is_some_and(|q| q.is(0, "VPORT"));
        }
        // Step 2.
        if section == "ENTITIES" && p.code == 440 && p.value.trim() == "0" {
            continue;
        }
        // Step 3.
        if in_active_vport && p.code == 42 {
            if let Some(v) = view {
                out.push(Pair::new(40, format!("{:.3}", v.height)));
                out.push(Pair::new(41, format!("{VIEW_ASPECT:.6}")));
            }
        }
        let table_head = p.code == 2 && out.last().is_some_and(|l| l.is(0, "TABLE"));
        let entities_start = p.is(2, "ENTITIES") && out.last().is_some_and(|l| l.is(0, "SECTION"));
        out.push(p);
        // Step 4.
        if entities_start {
            for h in hatches {
                out.extend(hatch_pairs(h, next));
                next += 1;
            }
        }
        if table_head && iter.peek().is_none_or(|n| n.code != 5) {
            out.push(Pair::new(5, format!("{next:X}")));
            next += 1;
        }
    }
    out[seed_at].value = format!("{next:X}").into();

    // Step 5.
    let mut s = String::with_capacity(text.len() + 1024);
    for p in &out {
        if p.code_text.is_empty() {
            s.push_str(&format!("{:>3}", p.code));
        } else {
            s.push_str(p.code_text);
        }
        s.push_str("\r\n");
        s.push_str(&p.value);
        s.push_str("\r\n");
    }
    Ok(s.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_shows_a_wide_drawing_and_a_tall_one() {
        // 3000 m wide, 500 m tall: the width decides, 3000 / (4/3) = 2250 m, plus 10 %.
        let wide = Rect::new(
            Coord {
                x: 598_000.0,
                y: 2_126_000.0,
            },
            Coord {
                x: 601_000.0,
                y: 2_126_500.0,
            },
        );
        let v = view_of(wide);
        assert_eq!(
            v.centre,
            Coord {
                x: 599_500.0,
                y: 2_126_250.0
            }
        );
        assert!((v.height - 2475.0).abs() < 1e-6, "{v:?}");
        // 100 m wide, 800 m tall: the height decides.
        let tall = Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 100.0, y: 800.0 });
        assert!((view_of(tall).height - 880.0).abs() < 1e-6);
    }
}
