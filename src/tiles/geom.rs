//! Geometry in tile coordinates: web-mercator projection of WGS84 into a tile's grid,
//! clipping to the tile and its buffer, simplification and the ring rules of the Mapbox
//! Vector Tile specification (2.1, §4.3.4).

use geo::Coord;

use super::TileId;

/// The web-mercator latitude limit (the square world of EPSG:3857).
const MAX_LAT: f64 = 85.051_128_779_806_59;

/// Projects WGS84 longitude, latitude into `tile`'s grid of `extent` units a side: x to
/// the east, y to the south, (0, 0) the tile's north-west corner.
///
/// The mercator ordinate `g(φ) = ln(tan(π/4 + φ/2))` costs a tangent, a cosine and a
/// logarithm per vertex, a fifth of a tile's build. Near the tile it is taken from its
/// Taylor polynomial of degree 4 about the tile's middle latitude φ₀ instead: the
/// remainder is at most `max|g⁽⁵⁾| h⁵ / 5!` for `|φ − φ₀| ≤ h`, and
/// `g⁽⁵⁾ = s t⁴ + 18 s³ t² + 5 s⁵` (s = sec φ, t = tan φ, |t| ≤ s) is at most `24 s⁵`;
/// `h` is chosen per tile so that this stays under [`TAYLOR_ERROR`] tile units. Farther
/// vertices (a canal running off the tile) take the exact formula.
#[derive(Debug, Clone, Copy)]
pub struct TileProjection {
    scale: f64,
    x0: f64,
    y0: f64,
    /// φ₀, radians.
    lat0: f64,
    /// The polynomial is used for `|φ − φ₀| ≤ h`.
    h: f64,
    /// y in tile units = c\[0\] + c\[1\] d + … + c\[4\] d⁴, d = φ − φ₀.
    c: [f64; 5],
}

/// The most the Taylor polynomial of [`TileProjection`] may be off, in tile units (the
/// rounding to whole units that follows moves a vertex by up to 0.5).
pub const TAYLOR_ERROR: f64 = 1e-4;

/// The web-mercator ordinate of latitude `lat` (radians): `ln(tan(π/4 + φ/2))`.
fn mercator_y(lat: f64) -> f64 {
    (lat.tan() + 1.0 / lat.cos()).ln()
}

impl TileProjection {
    /// The projection into `tile` with `extent` units a side.
    pub fn new(tile: TileId, extent: u32) -> Self {
        let e = f64::from(extent);
        let mut p = TileProjection {
            scale: f64::from(1u32 << tile.z) * e,
            x0: f64::from(tile.x) * e,
            y0: f64::from(tile.y) * e,
            lat0: 0.0,
            h: -1.0,
            c: [0.0; 5],
        };
        let lat0 = p
            .unproject(Coord {
                x: e / 2.0,
                y: e / 2.0,
            })
            .y
            .clamp(-MAX_LAT, MAX_LAT)
            .to_radians();
        // y = scale · (1 − g/π) / 2 − y0, so dy/dg = −scale / 2π.
        let k = -p.scale / (2.0 * std::f64::consts::PI);
        let (s, t) = (1.0 / lat0.cos(), lat0.tan());
        // g′ … g⁗ at φ₀, from s′ = s t and t′ = s².
        let d1 = s;
        let d2 = s * t;
        let d3 = s * t * t + s * s * s;
        let d4 = s * t * t * t + 5.0 * s * s * s * t;
        p.c = [
            p.project_exact(lat0),
            k * d1,
            k * d2 / 2.0,
            k * d3 / 6.0,
            k * d4 / 24.0,
        ];
        // The h with |k| · 24 s⁵ h⁵ / 120 ≤ TAYLOR_ERROR, s bounded at |φ₀| + H_MAX
        // (h is never more than H_MAX).
        const H_MAX: f64 = 0.1;
        let far = (lat0.abs() + H_MAX).min(MAX_LAT.to_radians());
        let s_far = 1.0 / far.cos();
        let h = (TAYLOR_ERROR * 5.0 / (k.abs() * s_far.powi(5))).powf(0.2);
        p.h = h.min(H_MAX);
        p.lat0 = lat0;
        p
    }

    /// The tile ordinate of latitude `lat` (radians, within the mercator limit), by the
    /// exact formula.
    fn project_exact(&self, lat: f64) -> f64 {
        let my = (1.0 - mercator_y(lat) / std::f64::consts::PI) / 2.0;
        my * self.scale - self.y0
    }

    /// `(lon, lat)` in tile units.
    pub fn project(&self, c: Coord) -> Coord {
        let lat = c.y.clamp(-MAX_LAT, MAX_LAT).to_radians();
        let mx = (c.x + 180.0) / 360.0;
        let d = lat - self.lat0;
        let y = if d.abs() <= self.h {
            let k = &self.c;
            k[0] + d * (k[1] + d * (k[2] + d * (k[3] + d * k[4])))
        } else {
            self.project_exact(lat)
        };
        Coord {
            x: mx * self.scale - self.x0,
            y,
        }
    }

    /// The WGS84 `(lon, lat)` of a point in tile units (the inverse of [`Self::project`]).
    pub fn unproject(&self, c: Coord) -> Coord {
        let mx = (c.x + self.x0) / self.scale;
        let my = (c.y + self.y0) / self.scale;
        let lat = (std::f64::consts::PI * (1.0 - 2.0 * my))
            .sinh()
            .atan()
            .to_degrees();
        Coord {
            x: mx * 360.0 - 180.0,
            y: lat,
        }
    }
}

/// An axis-aligned square in tile units, `[lo, hi]` both ways: the tile and its buffer.
#[derive(Debug, Clone, Copy)]
pub struct ClipBox {
    /// The low edge (west and north).
    pub lo: f64,
    /// The high edge (east and south).
    pub hi: f64,
}

impl ClipBox {
    fn inside(&self, c: Coord) -> bool {
        c.x >= self.lo && c.x <= self.hi && c.y >= self.lo && c.y <= self.hi
    }

    /// Whether a box `(min, max)` lies wholly inside.
    pub fn holds(&self, min: Coord, max: Coord) -> bool {
        self.inside(min) && self.inside(max)
    }
}

/// One of the four half-planes of a clip box.
#[derive(Clone, Copy)]
enum Edge {
    Left(f64),
    Right(f64),
    Top(f64),
    Bottom(f64),
}

impl Edge {
    fn keeps(self, c: Coord) -> bool {
        match self {
            Edge::Left(v) => c.x >= v,
            Edge::Right(v) => c.x <= v,
            Edge::Top(v) => c.y >= v,
            Edge::Bottom(v) => c.y <= v,
        }
    }

    /// Where segment `a`–`b` crosses the edge's line (they lie on either side of it).
    fn cross(self, a: Coord, b: Coord) -> Coord {
        match self {
            Edge::Left(v) | Edge::Right(v) => {
                let t = (v - a.x) / (b.x - a.x);
                Coord {
                    x: v,
                    y: a.y + t * (b.y - a.y),
                }
            }
            Edge::Top(v) | Edge::Bottom(v) => {
                let t = (v - a.y) / (b.y - a.y);
                Coord {
                    x: a.x + t * (b.x - a.x),
                    y: v,
                }
            }
        }
    }
}

/// A closed ring clipped to the box (Sutherland–Hodgman, one edge at a time). The result
/// may run along the box's edges where the ring left it: invisible, since the edges lie
/// in the buffer outside the drawn tile. Closed; empty when nothing is left.
pub fn clip_ring(ring: &[Coord], b: ClipBox) -> Vec<Coord> {
    let mut pts: Vec<Coord> = ring.to_vec();
    // Work on the open ring.
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    for edge in [
        Edge::Left(b.lo),
        Edge::Right(b.hi),
        Edge::Top(b.lo),
        Edge::Bottom(b.hi),
    ] {
        if pts.is_empty() {
            break;
        }
        let mut out = Vec::with_capacity(pts.len() + 4);
        let mut prev = pts[pts.len() - 1];
        for &cur in &pts {
            match (edge.keeps(prev), edge.keeps(cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(edge.cross(prev, cur)),
                (false, true) => {
                    out.push(edge.cross(prev, cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
        pts = out;
    }
    if let Some(&first) = pts.first() {
        pts.push(first);
    }
    pts
}

/// A line clipped to the box (Liang–Barsky per segment): the pieces inside, each with at
/// least two points.
pub fn clip_line(line: &[Coord], b: ClipBox) -> Vec<Vec<Coord>> {
    let mut parts: Vec<Vec<Coord>> = Vec::new();
    let mut cur: Vec<Coord> = Vec::new();
    for w in line.windows(2) {
        let (a, z) = (w[0], w[1]);
        match clip_segment(a, z, b) {
            Some((p, q)) => {
                if cur.last() != Some(&p) {
                    if cur.len() >= 2 {
                        parts.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
            }
            None => {
                if cur.len() >= 2 {
                    parts.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        parts.push(cur);
    }
    parts
}

fn clip_segment(a: Coord, z: Coord, b: ClipBox) -> Option<(Coord, Coord)> {
    let (dx, dy) = (z.x - a.x, z.y - a.y);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.x - b.lo),
        (dx, b.hi - a.x),
        (-dy, a.y - b.lo),
        (dy, b.hi - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| Coord {
        x: a.x + t * dx,
        y: a.y + t * dy,
    };
    Some((
        if t0 > 0.0 { at(t0) } else { a },
        if t1 < 1.0 { at(t1) } else { z },
    ))
}

/// Buffers [`simplify_round_into`] reuses from one feature to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    keep: Vec<bool>,
    stack: Vec<(usize, usize)>,
}

/// Simplifies a line (Ramer–Douglas–Peucker, `tolerance` in tile units), then rounds it
/// to whole units and drops repeated points, into `out` (cleared first).
///
/// The Ramer–Douglas–Peucker of geo's `Simplify` (a point is kept when it lies farther
/// than `tolerance` from the segment between the kept ends of its stretch; the farthest
/// such point first, the first of equals), without its allocations per call and square
/// roots: distances are compared squared.
pub fn simplify_round_into(pts: &[Coord], tolerance: f64, s: &mut Scratch, out: &mut Vec<Coord>) {
    out.clear();
    let n = pts.len();
    s.keep.clear();
    // A triangle or a quadrilateral (closed: 4 or 5 points), most parcels, has nothing to
    // drop that rounding would not.
    let simplify = tolerance > 0.0 && n > 5;
    s.keep.resize(n, !simplify);
    if simplify {
        let limit = tolerance * tolerance;
        s.keep[0] = true;
        s.keep[n - 1] = true;
        s.stack.clear();
        s.stack.push((0, n - 1));
        while let Some((a, b)) = s.stack.pop() {
            let mut far = (0, 0.0);
            for (i, &p) in pts.iter().enumerate().take(b).skip(a + 1) {
                let d = segment_distance_squared(p, pts[a], pts[b]);
                if d > far.1 {
                    far = (i, d);
                }
            }
            if far.1 > limit {
                s.keep[far.0] = true;
                s.stack.push((far.0, b));
                s.stack.push((a, far.0));
            }
        }
    }
    for (c, _) in pts.iter().zip(&s.keep).filter(|(_, k)| **k) {
        let r = Coord {
            x: c.x.round(),
            y: c.y.round(),
        };
        if out.last() != Some(&r) {
            out.push(r);
        }
    }
}

/// The squared distance from `p` to the segment `a`–`b`.
fn segment_distance_squared(p: Coord, a: Coord, b: Coord) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let (ex, ey) = (p.x - a.x, p.y - a.y);
    if len2 == 0.0 {
        return ex * ex + ey * ey;
    }
    let t = ((ex * dx + ey * dy) / len2).clamp(0.0, 1.0);
    let (fx, fy) = (ex - t * dx, ey - t * dy);
    fx * fx + fy * fy
}

/// Twice the ring's area by the surveyor's formula in tile coordinates (y down): positive
/// for what the MVT specification calls an exterior ring (clockwise on screen).
pub fn twice_area(ring: &[Coord]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

/// Makes a closed, rounded ring wind as the specification asks: `exterior` positive, a
/// hole negative. False when rounding left it without area.
pub fn wind(ring: &mut Vec<Coord>, exterior: bool) -> bool {
    let Some(&first) = ring.first() else {
        return false;
    };
    if ring.last() != Some(&first) {
        ring.push(first);
    }
    // Three distinct corners and the closing point.
    if ring.len() < 4 {
        return false;
    }
    let a = twice_area(ring);
    if a == 0.0 {
        return false;
    }
    if (a > 0.0) != exterior {
        ring.reverse();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    #[test]
    fn projects_as_web_mercator() {
        // Zoom 0, extent 4096: the world is one tile; (0, 0) is its centre and lon 90°E is
        // three quarters across. Latitude 45° in web mercator: y = ln(tan(π/4 + π/8)) =
        // 0.881374 of π, i.e. 2048 · (1 − 0.881374/π) = 1473.45 units from the top.
        let p = TileProjection::new(TileId { z: 0, x: 0, y: 0 }, 4096);
        let o = p.project(c(0.0, 0.0));
        assert_relative_eq!(o.x, 2048.0, epsilon = 1e-9);
        assert_relative_eq!(o.y, 2048.0, epsilon = 1e-9);
        let q = p.project(c(90.0, 45.0));
        assert_relative_eq!(q.x, 3072.0, epsilon = 1e-9);
        assert_relative_eq!(
            q.y,
            2048.0 * (1.0 - 0.881_373_587 / std::f64::consts::PI),
            epsilon = 1e-5
        );
        let back = p.unproject(q);
        assert_relative_eq!(back.x, 90.0, epsilon = 1e-9);
        assert_relative_eq!(back.y, 45.0, epsilon = 1e-9);
    }

    #[test]
    fn a_ring_across_the_edge_is_cut_at_it() {
        let b = ClipBox { lo: 0.0, hi: 10.0 };
        let ring = [
            c(5.0, 5.0),
            c(15.0, 5.0),
            c(15.0, 8.0),
            c(5.0, 8.0),
            c(5.0, 5.0),
        ];
        let out = clip_ring(&ring, b);
        // 10 − 5 = 5 wide, 3 high: half the 10 × 3 ring.
        assert_relative_eq!(twice_area(&out).abs(), 30.0);
        assert!(out.iter().all(|p| p.x <= 10.0));
        assert!(clip_ring(&[c(20.0, 20.0), c(30.0, 20.0), c(30.0, 30.0)], b).is_empty());
    }

    #[test]
    fn a_line_leaving_and_coming_back_is_two_pieces() {
        let b = ClipBox { lo: 0.0, hi: 10.0 };
        let parts = clip_line(&[c(2.0, 2.0), c(20.0, 2.0), c(20.0, 8.0), c(2.0, 8.0)], b);
        assert_eq!(
            parts,
            vec![
                vec![c(2.0, 2.0), c(10.0, 2.0)],
                vec![c(10.0, 8.0), c(2.0, 8.0)]
            ]
        );
    }

    #[test]
    fn rings_wind_as_the_specification_says() {
        // Clockwise on screen (y down): east along the top, then south.
        let cw = vec![
            c(0.0, 0.0),
            c(4.0, 0.0),
            c(4.0, 4.0),
            c(0.0, 4.0),
            c(0.0, 0.0),
        ];
        assert!(twice_area(&cw) > 0.0);
        let mut ext = cw.clone();
        assert!(wind(&mut ext, true));
        assert_eq!(ext, cw);
        let mut hole = cw.clone();
        assert!(wind(&mut hole, false));
        assert!(twice_area(&hole) < 0.0);
        assert!(!wind(
            &mut vec![c(0.0, 0.0), c(1.0, 0.0), c(0.0, 0.0)],
            true
        ));
    }

    #[test]
    fn the_polynomial_projection_is_the_formula_near_the_tile() {
        use rand::{RngExt, SeedableRng};
        // The slippy-map ordinate of the OpenStreetMap wiki, y = (1 − asinh(tan φ)/π)/2 of
        // the world's side, against the projection's polynomial, at every zoom, over the
        // tile, its neighbours and far off (where the exact formula takes over).
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
        for z in 0..=24u8 {
            for _ in 0..40 {
                let lon: f64 = rng.random_range(-180.0..180.0);
                let lat: f64 = rng.random_range(-80.0..80.0);
                let n = f64::from(1u32 << z);
                let col = ((lon + 180.0) / 360.0 * n).floor().min(n - 1.0);
                let world =
                    |lat: f64| (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0;
                let row = (world(lat) * n).floor().min(n - 1.0);
                let t = TileId {
                    z,
                    x: col as u32,
                    y: row as u32,
                };
                let p = TileProjection::new(t, 4096);
                let tile_deg = 360.0 / n;
                for k in [0.0, 0.3, -0.7, 1.5, -2.5, 40.0, -300.0] {
                    let la = (lat + k * tile_deg).clamp(-85.0, 85.0);
                    let want = (world(la) * n - row) * 4096.0;
                    let got = p.project(c(lon, la)).y;
                    // 10⁻⁴ of a unit, and both are differences of numbers up to 4096 · 2^24,
                    // which f64 keeps to 10⁻⁵.
                    assert!(
                        (got - want).abs() <= 1e-4 + 1e-5 * (1.0 + want.abs() / 4096.0),
                        "z{z} lat {la}: {got} against {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn simplification_keeps_what_geo_keeps() {
        use geo::Simplify;
        use rand::{RngExt, SeedableRng};
        // geo's Ramer–Douglas–Peucker on seeded random walks, then the same rounding.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        for n in [2usize, 5, 6, 9, 30, 200] {
            for _ in 0..50 {
                let mut p = c(2000.0, 2000.0);
                let line: Vec<Coord> = (0..n)
                    .map(|_| {
                        p = c(
                            p.x + rng.random_range(-40.0..40.0),
                            p.y + rng.random_range(-40.0..40.0),
                        );
                        p
                    })
                    .collect();
                for tolerance in [0.0, 8.0, 30.0] {
                    let kept = if tolerance > 0.0 && n > 5 {
                        geo::LineString::new(line.clone()).simplify(tolerance).0
                    } else {
                        line.clone()
                    };
                    let mut want: Vec<Coord> = Vec::new();
                    for q in kept {
                        let r = c(q.x.round(), q.y.round());
                        if want.last() != Some(&r) {
                            want.push(r);
                        }
                    }
                    simplify_round_into(&line, tolerance, &mut scratch, &mut out);
                    assert_eq!(out, want, "{n} points, tolerance {tolerance}");
                }
            }
        }
        // A closed ring: its first and last points are the same.
        let ring = [
            c(0.0, 0.0),
            c(50.0, 0.2),
            c(100.0, 0.0),
            c(100.0, 100.0),
            c(50.0, 100.3),
            c(0.0, 100.0),
            c(0.0, 0.0),
        ];
        simplify_round_into(&ring, 8.0, &mut scratch, &mut out);
        assert_eq!(
            out,
            [
                c(0.0, 0.0),
                c(100.0, 0.0),
                c(100.0, 100.0),
                c(0.0, 100.0),
                c(0.0, 0.0)
            ]
        );
    }
}
