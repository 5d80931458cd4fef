//! Geometry in tile coordinates: web-mercator projection of WGS84 into a tile's grid,
//! clipping to the tile and its buffer, simplification and the ring rules of the Mapbox
//! Vector Tile specification (2.1, §4.3.4).

use geo::{Coord, LineString, Simplify};

use super::TileId;

/// The web-mercator latitude limit (the square world of EPSG:3857).
const MAX_LAT: f64 = 85.051_128_779_806_59;

/// Projects WGS84 longitude, latitude into `tile`'s grid of `extent` units a side: x to
/// the east, y to the south, (0, 0) the tile's north-west corner.
#[derive(Debug, Clone, Copy)]
pub struct TileProjection {
    scale: f64,
    x0: f64,
    y0: f64,
}

impl TileProjection {
    /// The projection into `tile` with `extent` units a side.
    pub fn new(tile: TileId, extent: u32) -> Self {
        let e = f64::from(extent);
        TileProjection {
            scale: f64::from(1u32 << tile.z) * e,
            x0: f64::from(tile.x) * e,
            y0: f64::from(tile.y) * e,
        }
    }

    /// `(lon, lat)` in tile units.
    pub fn project(&self, c: Coord) -> Coord {
        let lat = c.y.clamp(-MAX_LAT, MAX_LAT).to_radians();
        let mx = (c.x + 180.0) / 360.0;
        let my = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
        Coord {
            x: mx * self.scale - self.x0,
            y: my * self.scale - self.y0,
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

/// Simplifies a line (Ramer–Douglas–Peucker, `tolerance` in tile units), then rounds it to
/// whole units and drops repeated points.
pub fn simplify_round(pts: Vec<Coord>, tolerance: f64) -> Vec<Coord> {
    let line = LineString::new(pts);
    // A triangle or a quadrilateral (closed: 4 or 5 points), most parcels, has nothing to
    // drop that rounding would not.
    let line = if tolerance > 0.0 && line.0.len() > 5 {
        line.simplify(tolerance)
    } else {
        line
    };
    let mut out: Vec<Coord> = Vec::with_capacity(line.0.len());
    for c in line.0 {
        let r = Coord {
            x: c.x.round(),
            y: c.y.round(),
        };
        if out.last() != Some(&r) {
            out.push(r);
        }
    }
    out
}

/// Twice the ring's area by the surveyor's formula in tile coordinates (y down): positive
/// for what the MVT specification calls an exterior ring (clockwise on screen).
pub fn twice_area(ring: &[Coord]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

/// A closed, rounded ring made to wind as the specification asks: `exterior` positive,
/// a hole negative. `None` when rounding left it without area.
pub fn wound(mut ring: Vec<Coord>, exterior: bool) -> Option<Vec<Coord>> {
    if ring.first() != ring.last() {
        let first = *ring.first()?;
        ring.push(first);
    }
    // Three distinct corners and the closing point.
    if ring.len() < 4 {
        return None;
    }
    let a = twice_area(&ring);
    if a == 0.0 {
        return None;
    }
    if (a > 0.0) != exterior {
        ring.reverse();
    }
    Some(ring)
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
        let ext = wound(cw.clone(), true).unwrap();
        assert_eq!(ext, cw);
        let hole = wound(cw.clone(), false).unwrap();
        assert!(twice_area(&hole) < 0.0);
        assert!(wound(vec![c(0.0, 0.0), c(1.0, 0.0), c(0.0, 0.0)], true).is_none());
    }
}
