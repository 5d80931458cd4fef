//! Exact clipping for the shapes route impact meets most: a convex parcel against the
//! corridor, and a parcel's frontage edge against the corridor.
//!
//! Sutherland–Hodgman clipping of a closed ring against a convex window keeps the ring's
//! winding number at every point inside the window: what one half-plane cuts away, closed
//! by the segment along its edge, is a loop lying wholly outside that half-plane, which winds
//! zero times around every point inside it. So the signed area of the clipped ring is the
//! area of (ring ∩ window) exactly, even when the ring is not convex and the intersection
//! falls apart in pieces (the pieces are then joined by zero-area seams along the window's
//! edges, which is why this gives areas and not geometries). A general polygon overlay
//! (i_overlay, through geo's `BooleanOps`) gives the same number for many times the cost.
//!
//! A corridor with bends is not convex, so [`ConvexTiles`] cuts it into triangles (ear
//! clipping, which tiles a polygon exactly) and a parcel's taken area is the sum of its
//! clipped areas against the few triangles it meets. Parcels themselves need not be convex:
//! most are quadrilaterals with extra, almost collinear, vertices where neighbours meet.

use geo::winding_order::{Winding, WindingOrder};
use geo::{
    Area, BoundingRect, Contains, Coord, LineString, MultiLineString, MultiPolygon, Point, Rect,
    TriangulateEarcut,
};

/// A convex polygon to clip with: its vertices counter-clockwise, relative to `origin` (so
/// that cross products of projected coordinates in the millions keep their precision).
#[derive(Debug, Clone)]
pub struct ConvexWindow {
    origin: Coord,
    ccw: Vec<Coord>,
    bbox: Rect,
}

fn cross(a: Coord, b: Coord) -> f64 {
    a.x * b.y - a.y * b.x
}

/// Twice the signed area of a closed vertex cycle (positive counter-clockwise).
fn twice_signed_area(v: &[Coord]) -> f64 {
    let n = v.len();
    (0..n).map(|i| cross(v[i], v[(i + 1) % n])).sum()
}

impl ConvexWindow {
    /// The window of a triangle, `None` when it has no area.
    fn triangle(t: &geo::Triangle) -> Option<ConvexWindow> {
        let origin = t.v1();
        let mut ccw = vec![Coord { x: 0.0, y: 0.0 }, t.v2() - origin, t.v3() - origin];
        let twice = twice_signed_area(&ccw);
        if !twice.is_finite() || twice == 0.0 {
            return None;
        }
        if twice < 0.0 {
            ccw.reverse();
        }
        Some(ConvexWindow {
            origin,
            ccw,
            bbox: t.bounding_rect(),
        })
    }

    /// The signed area of `ring ∩ window`: positive when the ring runs counter-clockwise.
    /// `scratch` holds the working vertices between calls.
    pub fn clipped_area(&self, ring: &LineString, scratch: &mut ClipScratch) -> f64 {
        let Some(rb) = ring.bounding_rect() else {
            return 0.0;
        };
        if rb.max().x < self.bbox.min().x
            || rb.min().x > self.bbox.max().x
            || rb.max().y < self.bbox.min().y
            || rb.min().y > self.bbox.max().y
        {
            return 0.0;
        }
        let (a, b) = (&mut scratch.a, &mut scratch.b);
        a.clear();
        a.extend(ring.0.iter().map(|&c| c - self.origin));
        if a.len() > 1 && a.first() == a.last() {
            a.pop();
        }
        let m = self.ccw.len();
        for k in 0..m {
            let p = self.ccw[k];
            let edge = self.ccw[(k + 1) % m] - p;
            b.clear();
            let n = a.len();
            if n == 0 {
                break;
            }
            let mut prev = a[n - 1];
            let mut dp = cross(edge, prev - p);
            for &cur in a.iter() {
                let dc = cross(edge, cur - p);
                if dc >= 0.0 {
                    if dp < 0.0 {
                        b.push(prev + (cur - prev) * (dp / (dp - dc)));
                    }
                    b.push(cur);
                } else if dp >= 0.0 {
                    b.push(prev + (cur - prev) * (dp / (dp - dc)));
                }
                prev = cur;
                dp = dc;
            }
            std::mem::swap(a, b);
        }
        if a.len() < 3 {
            return 0.0;
        }
        twice_signed_area(a) / 2.0
    }
}

/// A polygon cut into triangles that tile it exactly, to clip other shapes by.
#[derive(Debug, Clone)]
pub struct ConvexTiles {
    tiles: Vec<ConvexWindow>,
}

impl ConvexTiles {
    /// `shape` in triangles; `None` if their areas do not add up to the shape's (an
    /// invalid shape ear clipping cannot tile), when the caller must use a general overlay.
    pub fn new(shape: &MultiPolygon) -> Option<ConvexTiles> {
        let mut tiles = Vec::new();
        let mut sum = 0.0;
        for polygon in &shape.0 {
            for t in polygon.earcut_triangles_iter() {
                sum += t.unsigned_area();
                tiles.extend(ConvexWindow::triangle(&t));
            }
        }
        let want = shape.unsigned_area();
        ((sum - want).abs() <= 1e-9 * want.max(1.0)).then_some(ConvexTiles { tiles })
    }

    /// The area of `shape ∩ tiled polygon`; `bbox` is `shape`'s bounding box.
    pub fn intersection_area(
        &self,
        shape: &MultiPolygon,
        bbox: Rect,
        scratch: &mut ClipScratch,
    ) -> f64 {
        let near: Vec<&ConvexWindow> = self
            .tiles
            .iter()
            .filter(|t| {
                t.bbox.min().x <= bbox.max().x
                    && bbox.min().x <= t.bbox.max().x
                    && t.bbox.min().y <= bbox.max().y
                    && bbox.min().y <= t.bbox.max().y
            })
            .collect();
        if near.is_empty() {
            return 0.0;
        }
        let mut total = 0.0;
        for polygon in &shape.0 {
            let ext = polygon.exterior();
            let sign = orientation(ext);
            total += near
                .iter()
                .map(|t| sign * t.clipped_area(ext, scratch))
                .sum::<f64>();
            for hole in polygon.interiors() {
                let sign = orientation(hole);
                total -= near
                    .iter()
                    .map(|t| sign * t.clipped_area(hole, scratch))
                    .sum::<f64>();
            }
        }
        total.max(0.0)
    }
}

/// Reusable working buffers for [`ConvexWindow::clipped_area`].
#[derive(Debug, Default)]
pub struct ClipScratch {
    a: Vec<Coord>,
    b: Vec<Coord>,
}

/// +1 for a counter-clockwise ring, −1 for a clockwise one (+1 for a flat one).
fn orientation(ring: &LineString) -> f64 {
    match ring.winding_order() {
        Some(WindingOrder::Clockwise) => -1.0,
        _ => 1.0,
    }
}

/// The parts of segment `a`–`b` inside `shape` (its interior; a part running along the
/// boundary is outside), as lines in order from `a`.
///
/// The segment is cut wherever it meets an edge of `shape`; each piece between two cuts is
/// wholly inside or wholly outside, which its midpoint tells.
pub fn segment_inside(a: Coord, b: Coord, shape: &MultiPolygon) -> MultiLineString {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    if len2 == 0.0 {
        return MultiLineString(vec![]);
    }
    let mut ts = vec![0.0, 1.0];
    for polygon in &shape.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for w in ring.0.windows(2) {
                let (p, q) = (w[0] - a, w[1] - a);
                let e = q - p;
                let denom = cross(d, e);
                if denom.abs() <= 1e-15 * (len2 * (e.x * e.x + e.y * e.y)).sqrt() {
                    // Parallel: where it runs along the segment, its ends are cuts.
                    if cross(d, p).abs() <= 1e-9 * len2.sqrt() {
                        ts.push((p.x * d.x + p.y * d.y) / len2);
                        ts.push((q.x * d.x + q.y * d.y) / len2);
                    }
                    continue;
                }
                let t = cross(p, e) / denom;
                let u = cross(p, d) / denom;
                if (-1e-12..=1.0 + 1e-12).contains(&u) {
                    ts.push(t);
                }
            }
        }
    }
    ts.retain(|t| (0.0..=1.0).contains(t));
    ts.sort_by(f64::total_cmp);
    ts.dedup_by(|x, y| (*x - *y).abs() < 1e-12);
    let at = |t: f64| a + d * t;
    let mut out: Vec<LineString> = Vec::new();
    let mut open: Option<(f64, f64)> = None;
    for w in ts.windows(2) {
        let (t0, t1) = (w[0], w[1]);
        let inside = shape.contains(&Point::from(at((t0 + t1) / 2.0)));
        match (&mut open, inside) {
            (Some((_, end)), true) => *end = t1,
            (None, true) => open = Some((t0, t1)),
            (Some((s, e)), false) => {
                out.push(LineString(vec![at(*s), at(*e)]));
                open = None;
            }
            (None, false) => {}
        }
    }
    if let Some((s, e)) = open {
        out.push(LineString(vec![at(s), at(e)]));
    }
    MultiLineString(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::{BooleanOps, BoundingRect, Euclidean, Length, Polygon, polygon};

    trait LenM {
        fn len_m(&self) -> f64;
    }

    impl LenM for MultiLineString {
        fn len_m(&self) -> f64 {
            self.0.iter().map(|l| Euclidean.length(l)).sum()
        }
    }

    fn mp(p: Polygon) -> MultiPolygon {
        MultiPolygon(vec![p])
    }

    fn square(x0: f64, y0: f64, s: f64) -> MultiPolygon {
        mp(polygon![(x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s)])
    }

    fn area(tiles: &MultiPolygon, shape: &MultiPolygon) -> f64 {
        let t = ConvexTiles::new(tiles).expect("tiles");
        t.intersection_area(
            shape,
            shape.bounding_rect().unwrap(),
            &mut ClipScratch::default(),
        )
    }

    #[test]
    fn hand_computed_areas() {
        // Unit squares overlapping by a quarter, in projected coordinates: 0.5 × 0.5.
        assert_relative_eq!(
            area(
                &square(599_700.0, 2_126_200.0, 1.0),
                &square(599_700.5, 2_126_200.5, 1.0)
            ),
            0.25,
            max_relative = 1e-9
        );
        // A U-shaped ring whose two arms cross the band 0 ≤ x ≤ 10, 4 ≤ y ≤ 6: the arms are
        // x 0..2 and 8..10, y 0..10, joined below y = 2. Inside: two 2 × 2 pieces = 8.
        let u = mp(polygon![
            (x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 8., y: 10.), (x: 8., y: 2.),
            (x: 2., y: 2.), (x: 2., y: 10.), (x: 0., y: 10.)
        ]);
        let band = mp(polygon![(x: 0., y: 4.), (x: 10., y: 4.), (x: 10., y: 6.), (x: 0., y: 6.)]);
        assert_relative_eq!(area(&band, &u), 8.0, max_relative = 1e-12);
        // The same the other way round: the U tiled, the band clipped: still 8.
        assert_relative_eq!(area(&u, &band), 8.0, max_relative = 1e-12);
        // A 20 × 20 lot with a 10 × 10 courtyard, against the band 9 ≤ y ≤ 11 (both rings
        // counter-clockwise, as the polygon! macro leaves them): 2 × (5 + 5) = 20.
        let holed = mp(Polygon::new(
            square(0.0, 0.0, 20.0).0[0].exterior().clone(),
            vec![square(5.0, 5.0, 10.0).0[0].exterior().clone()],
        ));
        let band =
            mp(polygon![(x: -1., y: 9.), (x: 21., y: 9.), (x: 21., y: 11.), (x: -1., y: 11.)]);
        assert_relative_eq!(area(&band, &holed), 20.0, max_relative = 1e-12);
        // A tiled shape with a hole: the 20 × 20 lot tiled, a 2 × 30 strip x 9..11 through
        // it crosses 2 × (5 + 5) = 20 of land.
        let strip =
            mp(polygon![(x: 9., y: -5.), (x: 11., y: -5.), (x: 11., y: 25.), (x: 9., y: 25.)]);
        assert_relative_eq!(area(&holed, &strip), 20.0, max_relative = 1e-12);
        // Disjoint.
        assert_eq!(area(&square(100.0, 100.0, 1.0), &u), 0.0);
    }

    /// Deterministic pseudo-random numbers in [0, 1) (xorshift), for the comparison below.
    fn rng(state: &mut u64) -> f64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn agrees_with_a_general_overlay_on_bent_corridors() {
        // i_overlay (geo's BooleanOps) is the independent reference: random parcels about
        // 12 × 25 m — convex, or with a notch — against the 6 m corridors of random bent
        // routes, and their frontage edges against the same corridors.
        use geo::Buffer;
        use geo::algorithm::buffer::{BufferStyle, LineCap};
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut s = ClipScratch::default();
        let (mut compared, mut touching) = (0, 0);
        for _ in 0..40 {
            let mut pts = vec![Coord {
                x: 599_700.0,
                y: 2_126_200.0,
            }];
            for _ in 0..6 {
                let last = *pts.last().unwrap();
                pts.push(Coord {
                    x: last.x + 10.0 + 30.0 * rng(&mut state),
                    y: last.y - 20.0 + 40.0 * rng(&mut state),
                });
            }
            let corridor = LineString(pts.clone())
                .buffer_with_style(BufferStyle::new(3.0).line_cap(LineCap::Butt));
            let tiles = ConvexTiles::new(&corridor).expect("a buffer tiles");
            for k in 0..60 {
                let cx = 599_700.0 + 200.0 * rng(&mut state);
                let cy = pts[0].y - 60.0 + 120.0 * rng(&mut state);
                let (w, h) = (8.0 + 8.0 * rng(&mut state), 15.0 + 20.0 * rng(&mut state));
                let a = rng(&mut state) * std::f64::consts::PI;
                let (ca, sa) = (a.cos(), a.sin());
                let mut shape = vec![(0.0, 0.0), (w, 0.0), (w * 1.1, h), (-0.1 * w, h)];
                if k % 2 == 1 {
                    shape.insert(3, (w * 0.5, h * 0.6)); // a notch: not convex
                }
                let corners: Vec<Coord> = shape
                    .iter()
                    .map(|&(x, y)| Coord {
                        x: cx + x * ca - y * sa,
                        y: cy + x * sa + y * ca,
                    })
                    .collect();
                let parcel = mp(Polygon::new(LineString(corners), vec![]));
                let want = parcel.intersection(&corridor).unsigned_area();
                let got = tiles.intersection_area(&parcel, parcel.bounding_rect().unwrap(), &mut s);
                assert!(
                    (got - want).abs() <= 1e-6 * want.max(1.0),
                    "{got} vs {want}"
                );
                compared += 1;
                touching += usize::from(want > 0.0);
                let ring = &parcel.0[0].exterior().0;
                let want = corridor
                    .clip(
                        &MultiLineString(vec![LineString(vec![ring[0], ring[1]])]),
                        false,
                    )
                    .len_m();
                let got = segment_inside(ring[0], ring[1], &corridor).len_m();
                assert!((got - want).abs() <= 1e-6, "fence {got} vs {want}");
            }
        }
        assert_eq!(compared, 2400);
        assert!(
            touching > 300,
            "only {touching} parcels touched the corridors"
        );
    }

    #[test]
    fn segment_pieces_by_hand() {
        // A 10 × 10 square with a 4 × 4 hole at 3..7: the line y = 5 from x = −5 to 15 is
        // inside over 0..3 and 7..10: 6 m in two pieces.
        let holed = mp(Polygon::new(
            square(0.0, 0.0, 10.0).0[0].exterior().clone(),
            vec![square(3.0, 3.0, 4.0).0[0].exterior().clone()],
        ));
        let inside = segment_inside(Coord { x: -5.0, y: 5.0 }, Coord { x: 15.0, y: 5.0 }, &holed);
        assert_eq!(inside.0.len(), 2);
        assert_relative_eq!(inside.len_m(), 6.0, max_relative = 1e-12);
        // Along the boundary is not inside.
        let along = segment_inside(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 0.0 }, &holed);
        assert_eq!(along.len_m(), 0.0);
    }
}
