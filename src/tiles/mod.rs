//! Mapbox Vector Tiles (specification 2.1) of a layer, built from its R-tree, so that the
//! map draws a province's million parcels at every zoom.
//!
//! A tile `z/x/y` of the web-mercator grid (the one Leaflet, OpenStreetMap and QGIS use)
//! holds one MVT layer named after the drainplan layer:
//!
//! 1. the features whose box meets the tile and its buffer ([`BUFFER`] units of
//!    [`EXTENT`] each side) are taken from the layer's R-tree;
//! 2. each is projected into the tile's grid; below [`DETAIL_ZOOM`], a parcel or a
//!    household narrower than two screen pixels is not drawn but counted in its
//!    two-pixel cell, and each cell becomes one point with the count and the most telling value of
//!    the layer's style property (a parcel's clearance step other than "not required"
//!    where there is one);
//! 3. the rest are clipped to the buffered tile, simplified to half a screen pixel,
//!    rounded to whole units, and their rings wound as the specification asks;
//! 4. each carries its `id` and the few properties the map styles and labels by
//!    ([`tile_properties`]; below [`DETAIL_ZOOM`], a parcel or household its style
//!    property only); personal ones only for a caller who may see personal data, the
//!    same rule as every other answer ([`crate::model::schema::is_personal`]);
//! 5. each feature is written as MVT protocol-buffer bytes as it is built ([`encode`]).
//!
//! A z14 tile over a province's million parcels holds about 6 000 of them, and should
//! take a few milliseconds: under a microsecond a parcel. So the vertices are projected
//! with a polynomial (see [`TileProjection`]), the properties are read as the JSON text
//! they are stored as and parsed once per distinct text, and nothing is allocated per
//! feature.
//!
//! Parcels and households are not served below [`MIN_ZOOM_SMALL`]: a province's whole
//! set would be counted for a tile that shows it a few pixels wide.

mod encode;
mod geom;

use std::borrow::Cow;

use geo::{Coord, Geometry, LineString, Polygon, Rect};

use crate::model::LayerKind;
use crate::model::schema::is_personal;
use crate::store::{Dataset, RawProperties};
use encode::{GeomType, LayerWriter, Value};

pub use geom::TileProjection;

/// Units of a tile's side (the usual 4096: 16 units to a pixel of a 256-pixel tile).
pub const EXTENT: u32 = 4096;
/// Units kept beyond each edge, so that lines and outlines do not stop short at the
/// tile's edge (a quarter of a 256-pixel tile's 16 pixels… 4 pixels).
pub const BUFFER: f64 = 64.0;
/// The deepest zoom served (a few centimetres a pixel at the data's latitude).
pub const MAX_ZOOM: u8 = 24;
/// From this zoom every feature is drawn as itself (a parcel is a few pixels wide at
/// zoom 15); below it, parcels and households narrower than a cell are counted in cells.
pub const DETAIL_ZOOM: u8 = 15;
/// Below this zoom parcels and households are not served (the map's lowest zoom is 11).
pub const MIN_ZOOM_SMALL: u8 = 11;
/// Units of a screen pixel (256-pixel tiles).
const PIXEL: f64 = EXTENT as f64 / 256.0;
/// A cell of the counted features: two pixels.
const CELL: f64 = 2.0 * PIXEL;

/// A tile of the web-mercator grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileId {
    /// Zoom level, 0 to [`MAX_ZOOM`].
    pub z: u8,
    /// Column, 0 at the antimeridian, growing eastwards.
    pub x: u32,
    /// Row, 0 at the north edge, growing southwards.
    pub y: u32,
}

/// Why a tile cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// The zoom is past [`MAX_ZOOM`].
    #[error("zoom {z} is not served: zoom goes from 0 to {MAX_ZOOM}")]
    Zoom {
        /// The zoom asked for.
        z: u64,
    },
    /// The column or row is outside the zoom's grid.
    #[error("tile {z}/{x}/{y} is outside the grid: at zoom {z}, x and y go from 0 to {last}")]
    OutOfGrid {
        /// Zoom.
        z: u8,
        /// Column.
        x: u64,
        /// Row.
        y: u64,
        /// The last column and row at this zoom.
        last: u64,
    },
}

impl TileId {
    /// A tile, checked against the grid.
    pub fn new(z: u64, x: u64, y: u64) -> Result<TileId, TileError> {
        let z8 = u8::try_from(z)
            .ok()
            .filter(|&z| z <= MAX_ZOOM)
            .ok_or(TileError::Zoom { z })?;
        let last = (1u64 << z8) - 1;
        match (u32::try_from(x), u32::try_from(y)) {
            (Ok(x32), Ok(y32)) if x <= last && y <= last => Ok(TileId {
                z: z8,
                x: x32,
                y: y32,
            }),
            _ => Err(TileError::OutOfGrid { z: z8, x, y, last }),
        }
    }

    /// The tile's box in WGS84, widened by `buffer` tile units each side.
    pub fn bbox(self, buffer: f64) -> Rect {
        let p = TileProjection::new(self, EXTENT);
        let e = f64::from(EXTENT);
        let nw = p.unproject(Coord {
            x: -buffer,
            y: -buffer,
        });
        let se = p.unproject(Coord {
            x: e + buffer,
            y: e + buffer,
        });
        Rect::new(nw, se)
    }
}

/// The properties a layer's tiles carry besides the id: what the map styles by, labels
/// with, or shows on hover. Personal ones among them reach only callers who may see them.
pub fn tile_properties(kind: LayerKind) -> &'static [&'static str] {
    match kind {
        LayerKind::Villages => &["name"],
        LayerKind::Canals => &["status", "name"],
        LayerKind::Parcels => &[
            "clearance_status",
            "map_sheet",
            "parcel_no",
            "owner_household",
        ],
        LayerKind::FloodZones => &["depth_m", "name"],
        LayerKind::Households => &["water_status", "village_id"],
        LayerKind::Catchments => &["name"],
    }
}

/// For the layers counted in cells at low zoom: the style property, and its value that
/// tells nothing (a cell shows another value where any of its features has one).
fn cell_style(kind: LayerKind) -> Option<(&'static str, Option<&'static str>)> {
    match kind {
        LayerKind::Parcels => Some(("clearance_status", Some("not_required"))),
        LayerKind::Households => Some(("water_status", None)),
        _ => None,
    }
}

/// How much a tile holds, for the logs and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TileStats {
    /// Features drawn as themselves.
    pub features: usize,
    /// Cells of counted features.
    pub cells: usize,
    /// Features counted in the cells.
    pub counted: usize,
}

/// The tile `t` of layer `kind` as MVT bytes (empty when nothing is in it), with what it
/// holds. `personal`: whether the caller may see personal properties.
pub fn build(data: &Dataset, kind: LayerKind, t: TileId, personal: bool) -> (Vec<u8>, TileStats) {
    let cells = cell_style(kind);
    if cells.is_some() && t.z < MIN_ZOOM_SMALL {
        return (Vec::new(), TileStats::default());
    }
    let layer = data.layer(kind);
    let query = t.bbox(BUFFER);
    let proj = TileProjection::new(t, EXTENT);
    let clip = geom::ClipBox {
        lo: -BUFFER,
        hi: f64::from(EXTENT) + BUFFER,
    };
    // Below the detail zoom a feature is a few pixels: its colour is all the map shows
    // (and a click fetches the rest), so the tile carries the style property only.
    let names: Vec<&'static str> = tile_properties(kind)
        .iter()
        .copied()
        .filter(|n| personal || !is_personal(kind, n))
        .filter(|n| t.z >= DETAIL_ZOOM || cells.is_none_or(|(key, _)| *n == key))
        .collect();
    let reader = RawProperties::new(&names);
    // Half a pixel: what rounding to the screen would lose anyway.
    let tolerance = if t.z >= 20 { 0.0 } else { PIXEL / 2.0 };
    let counting = cells.filter(|_| t.z < DETAIL_ZOOM);
    let key_reader = counting.map(|(key, _)| RawProperties::new(&[key]));

    let mut out = LayerWriter::default();
    let mut work = Work::default();
    let mut values = Vec::new();
    let mut grid = CellGrid::default();
    let mut stats = TileStats::default();
    for i in layer.candidates(|r| meets(r, query)) {
        let f = &layer.features[i];
        let Some((lo, hi)) = projected_box(&f.geometry, &proj) else {
            continue;
        };
        if lo.x > clip.hi || lo.y > clip.hi || hi.x < clip.lo || hi.y < clip.lo {
            continue;
        }
        if let (Some((_, background)), Some(key_reader)) = (counting, &key_reader)
            && (hi.x - lo.x).max(hi.y - lo.y) < CELL
        {
            let centre = Coord {
                x: (lo.x + hi.x) / 2.0,
                y: (lo.y + hi.y) / 2.0,
            };
            let e = f64::from(EXTENT);
            if centre.x >= 0.0 && centre.x < e && centre.y >= 0.0 && centre.y < e {
                key_reader.read(&f.properties, &mut values);
                let value = values.first().and_then(|v| v.as_deref()).and_then(json_str);
                grid.add(centre, value.as_deref(), background);
                stats.counted += 1;
            }
            continue;
        }
        let inside = clip.holds(lo, hi);
        let Some(g) = tile_geometry(
            &f.geometry,
            &proj,
            clip,
            tolerance,
            inside,
            &mut work,
            &mut out,
        ) else {
            out.discard();
            continue;
        };
        out.tag("id", Value::Str(Cow::Borrowed(&f.id)));
        reader.read(&f.properties, &mut values);
        for (name, value) in names.iter().zip(values.drain(..)) {
            if let Some(v) = value {
                out.tag_json(name, v);
            }
        }
        out.finish(g);
        stats.features += 1;
    }
    if let Some((key, _)) = counting {
        for (centre, count, value) in grid.into_points() {
            out.points(&[centre]);
            out.tag("count", Value::Uint(count));
            if let Some(v) = value {
                out.tag(key, Value::Str(Cow::Owned(v)));
            }
            out.finish(GeomType::Point);
            stats.cells += 1;
        }
    }
    if out.is_empty() {
        return (Vec::new(), stats);
    }
    (out.into_tile(kind.id(), EXTENT), stats)
}

fn meets(a: Rect, b: Rect) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// The string a property's JSON text holds, if it is a string.
fn json_str(json: &str) -> Option<Cow<'_, str>> {
    match json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(s) if !s.contains('\\') => Some(Cow::Borrowed(s)),
        Some(_) => serde_json::from_str::<String>(json).ok().map(Cow::Owned),
        None => None,
    }
}

/// The box of a geometry in tile units, or `None` for an empty one.
fn projected_box(g: &Geometry, proj: &TileProjection) -> Option<(Coord, Coord)> {
    crate::index::bounding_box(g).map(|r| projected_rect(&r, proj))
}

/// The north-west and south-east corners of a WGS84 box in tile units (y grows southwards
/// in the tile).
pub fn projected_rect(r: &Rect, proj: &TileProjection) -> (Coord, Coord) {
    let nw = proj.project(Coord {
        x: r.min().x,
        y: r.max().y,
    });
    let se = proj.project(Coord {
        x: r.max().x,
        y: r.min().y,
    });
    (nw, se)
}

/// Buffers reused from one feature to the next.
#[derive(Default)]
struct Work {
    projected: Vec<Coord>,
    rounded: Vec<Coord>,
    simplify: geom::Scratch,
}

impl Work {
    /// `pts` projected, clipped unless `inside`, simplified and rounded into
    /// `self.rounded`, as a closed ring when `ring`.
    fn prepare(
        &mut self,
        pts: &LineString,
        proj: &TileProjection,
        clip: geom::ClipBox,
        tolerance: f64,
        inside: bool,
    ) {
        self.projected.clear();
        self.projected
            .extend(pts.0.iter().map(|&c| proj.project(c)));
        if inside {
            geom::simplify_round_into(
                &self.projected,
                tolerance,
                &mut self.simplify,
                &mut self.rounded,
            );
        } else {
            let clipped = geom::clip_ring(&self.projected, clip);
            geom::simplify_round_into(&clipped, tolerance, &mut self.simplify, &mut self.rounded);
        }
    }
}

/// Writes a polygon in tile units (clipped unless wholly inside, simplified, rounded,
/// wound): false when nothing of it is left to draw.
fn tile_polygon(
    p: &Polygon,
    proj: &TileProjection,
    clip: geom::ClipBox,
    tolerance: f64,
    inside: bool,
    work: &mut Work,
    out: &mut LayerWriter,
) -> bool {
    work.prepare(p.exterior(), proj, clip, tolerance, inside);
    if !geom::wind(&mut work.rounded, true) {
        return false;
    }
    out.ring(&work.rounded);
    for h in p.interiors() {
        work.prepare(h, proj, clip, tolerance, inside);
        if geom::wind(&mut work.rounded, false) {
            out.ring(&work.rounded);
        }
    }
    true
}

/// Writes a geometry in tile units into the feature being written; its type, or `None`
/// when nothing of it is left to draw.
fn tile_geometry(
    g: &Geometry,
    proj: &TileProjection,
    clip: geom::ClipBox,
    tolerance: f64,
    inside: bool,
    work: &mut Work,
    out: &mut LayerWriter,
) -> Option<GeomType> {
    let mut line = |l: &LineString, out: &mut LayerWriter| {
        work.projected.clear();
        work.projected.extend(l.0.iter().map(|&c| proj.project(c)));
        if inside {
            geom::simplify_round_into(
                &work.projected,
                tolerance,
                &mut work.simplify,
                &mut work.rounded,
            );
            if work.rounded.len() >= 2 {
                out.line(&work.rounded);
            }
        } else {
            for part in geom::clip_line(&work.projected, clip) {
                geom::simplify_round_into(&part, tolerance, &mut work.simplify, &mut work.rounded);
                if work.rounded.len() >= 2 {
                    out.line(&work.rounded);
                }
            }
        }
    };
    match g {
        Geometry::Point(p) => {
            let c = proj.project(p.0);
            let e = f64::from(EXTENT);
            // A point belongs to the one tile it lies in.
            (c.x >= 0.0 && c.x < e && c.y >= 0.0 && c.y < e).then(|| {
                out.points(&[Coord {
                    x: c.x.floor(),
                    y: c.y.floor(),
                }]);
                GeomType::Point
            })
        }
        Geometry::LineString(l) => {
            line(l, out);
            out.has_geometry().then_some(GeomType::LineString)
        }
        Geometry::MultiLineString(ml) => {
            for l in &ml.0 {
                line(l, out);
            }
            out.has_geometry().then_some(GeomType::LineString)
        }
        Geometry::Polygon(p) => {
            tile_polygon(p, proj, clip, tolerance, inside, work, out).then_some(GeomType::Polygon)
        }
        Geometry::MultiPolygon(mp) => {
            let mut any = false;
            for p in &mp.0 {
                any |= tile_polygon(p, proj, clip, tolerance, inside, work, out);
            }
            any.then_some(GeomType::Polygon)
        }
        // No layer holds these (crate::model::geometry).
        _ => None,
    }
}

/// Counts of features per two-pixel cell, with the tally of their style values.
#[derive(Default)]
struct CellGrid {
    /// Distinct style values met, in order of meeting.
    values: Vec<String>,
    /// Per occupied cell (by index `row * side + column`): count, and count per value.
    cells: std::collections::BTreeMap<u32, (u64, Vec<u32>)>,
    /// The value index of the background value, once met.
    background: Option<usize>,
}

impl CellGrid {
    fn add(&mut self, c: Coord, value: Option<&str>, background: Option<&str>) {
        let side = (f64::from(EXTENT) / CELL) as u32;
        let (col, row) = ((c.x / CELL) as u32, (c.y / CELL) as u32);
        let key = row.min(side - 1) * side + col.min(side - 1);
        let cell = self.cells.entry(key).or_default();
        cell.0 += 1;
        if let Some(s) = value {
            let i = match self.values.iter().position(|v| v == s) {
                Some(i) => i,
                None => {
                    if background == Some(s) {
                        self.background = Some(self.values.len());
                    }
                    self.values.push(s.to_owned());
                    self.values.len() - 1
                }
            };
            if cell.1.len() <= i {
                cell.1.resize(i + 1, 0);
            }
            cell.1[i] += 1;
        }
    }

    /// Each cell's centre, count and most telling value: the commonest one other than
    /// the background, else the background.
    fn into_points(self) -> Vec<(Coord, u64, Option<String>)> {
        let side = (f64::from(EXTENT) / CELL) as u32;
        self.cells
            .into_iter()
            .map(|(key, (count, tally))| {
                let (row, col) = (key / side, key % side);
                let centre = Coord {
                    x: (f64::from(col) + 0.5) * CELL,
                    y: (f64::from(row) + 0.5) * CELL,
                };
                let pick = |skip: Option<usize>| {
                    tally
                        .iter()
                        .enumerate()
                        .filter(|&(i, &n)| n > 0 && Some(i) != skip)
                        .max_by_key(|&(i, &n)| (n, std::cmp::Reverse(i)))
                        .map(|(i, _)| i)
                };
                let best = pick(self.background).or_else(|| pick(None));
                (centre, count, best.map(|i| self.values[i].clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_is_checked() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert!(TileId::new(14, 16_383, 0).is_ok());
        assert!(matches!(
            TileId::new(14, 16_384, 0),
            Err(TileError::OutOfGrid { last: 16_383, .. })
        ));
        assert!(matches!(
            TileId::new(25, 0, 0),
            Err(TileError::Zoom { z: 25 })
        ));
        assert!(TileId::new(u64::MAX, 0, 0).is_err());
        assert!(TileId::new(3, 0, u64::MAX).is_err());
    }

    #[test]
    fn a_tile_box_is_its_corners() {
        // Zoom 1, tile 1/1/0: the north-east quarter, lon 0..180, lat 0..85.0511.
        let b = TileId::new(1, 1, 0).unwrap().bbox(0.0);
        approx::assert_abs_diff_eq!(b.min().x, 0.0, epsilon = 1e-9);
        approx::assert_abs_diff_eq!(b.max().x, 180.0, epsilon = 1e-9);
        approx::assert_abs_diff_eq!(b.min().y, 0.0, epsilon = 1e-9);
        approx::assert_abs_diff_eq!(b.max().y, 85.051_128_78, epsilon = 1e-6);
    }

    #[test]
    fn a_cell_shows_the_telling_value() {
        let mut g = CellGrid::default();
        let s = Some::<&str>;
        let bg = Some("not_required");
        for _ in 0..5 {
            g.add(Coord { x: 1.0, y: 1.0 }, s("not_required"), bg);
        }
        g.add(Coord { x: 2.0, y: 2.0 }, s("awaiting"), bg);
        g.add(Coord { x: 100.0, y: 1.0 }, s("not_required"), bg);
        let pts = g.into_points();
        assert_eq!(pts.len(), 2);
        assert_eq!(pts[0].1, 6);
        assert_eq!(pts[0].2.as_deref(), Some("awaiting"));
        assert_eq!(pts[1].2.as_deref(), Some("not_required"));
        assert_eq!(pts[0].0, Coord { x: 16.0, y: 16.0 });
    }
}
