//! Fast projection between WGS84 and the metric CRS over the data set's area: PROJ is
//! run once per node of a regular grid, and a coordinate between nodes is interpolated
//! bilinearly.
//!
//! PROJ's WGS84 → VN-2000 / TM-3 pipeline (geocentric Helmert shift, then the transverse
//! Mercator series) costs about a microsecond and four thousand instructions per
//! coordinate: seven million parcel vertices take seconds. Over a cell of
//! [`STEP_DEG`] (about 110 m) the map is so close to affine that bilinear interpolation
//! between PROJ's own answers at the corners stays within [`MAX_ERROR_M`] of PROJ
//! (checked against PROJ on random points in the tests below). Coordinates outside the
//! grid fall back to PROJ itself.

use geo::{Coord, MapCoords, Rect};

use crate::crs::{self, CrsError};

/// Grid spacing in degrees for WGS84 → metric (≈ 110 m of latitude).
pub const STEP_DEG: f64 = 0.001;
/// Grid spacing in metres for metric → WGS84.
pub const STEP_M: f64 = 100.0;
/// The largest difference from PROJ the interpolation is allowed, in metres (tested).
pub const MAX_ERROR_M: f64 = 0.000_5;
/// Grids larger than this many nodes are not built; PROJ is used for every coordinate.
const MAX_NODES: usize = 8_000_000;

/// A regular grid of PROJ answers over a box.
#[derive(Debug, Clone, Default)]
struct Grid {
    x0: f64,
    y0: f64,
    step: f64,
    nx: usize,
    ny: usize,
    nodes: Vec<Coord>,
}

impl Grid {
    /// Runs `f` at every node of a grid of spacing `step` covering `area` (grown by one
    /// cell), rows split over the available cores.
    fn build(
        area: Rect,
        step: f64,
        f: fn(Coord) -> Result<Coord, CrsError>,
    ) -> Result<Option<Grid>, CrsError> {
        let x0 = (area.min().x / step).floor() * step - step;
        let y0 = (area.min().y / step).floor() * step - step;
        let nx = ((area.max().x - x0) / step).ceil() as usize + 2;
        let ny = ((area.max().y - y0) / step).ceil() as usize + 2;
        if nx.saturating_mul(ny) > MAX_NODES || !x0.is_finite() || !y0.is_finite() {
            return Ok(None);
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let rows_per = ny.div_ceil(threads).max(1);
        let chunks: Vec<Result<Vec<Coord>, CrsError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..ny)
                .step_by(rows_per)
                .map(|r0| {
                    s.spawn(move || {
                        let mut out = Vec::with_capacity(rows_per * nx);
                        for j in r0..(r0 + rows_per).min(ny) {
                            for i in 0..nx {
                                out.push(f(Coord {
                                    x: x0 + i as f64 * step,
                                    y: y0 + j as f64 * step,
                                })?);
                            }
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let mut nodes = Vec::with_capacity(nx * ny);
        for c in chunks {
            nodes.extend(c?);
        }
        Ok(Some(Grid {
            x0,
            y0,
            step,
            nx,
            ny,
            nodes,
        }))
    }

    fn apply(&self, c: Coord) -> Option<Coord> {
        let fx = (c.x - self.x0) / self.step;
        let fy = (c.y - self.y0) / self.step;
        if !(fx >= 0.0 && fy >= 0.0) {
            return None;
        }
        let (i, j) = (fx as usize, fy as usize);
        if i + 1 >= self.nx || j + 1 >= self.ny {
            return None;
        }
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        let k = j * self.nx + i;
        let (a, b) = (self.nodes[k], self.nodes[k + 1]);
        let (c0, d) = (self.nodes[k + self.nx], self.nodes[k + self.nx + 1]);
        let lerp = |p: f64, q: f64, t: f64| p + (q - p) * t;
        Some(Coord {
            x: lerp(lerp(a.x, b.x, tx), lerp(c0.x, d.x, tx), ty),
            y: lerp(lerp(a.y, b.y, tx), lerp(c0.y, d.y, tx), ty),
        })
    }
}

/// The forward and inverse grids over a data set's area.
#[derive(Debug, Clone, Default)]
pub struct MetricGrid {
    forward: Option<Grid>,
    inverse: Option<Grid>,
}

impl MetricGrid {
    /// Builds both grids over `area` (WGS84), or none where the area is too large.
    pub fn build(area: Rect) -> Result<MetricGrid, CrsError> {
        let Some(forward) = Grid::build(area, STEP_DEG, crs::to_metric)? else {
            return Ok(MetricGrid::default());
        };
        let corners = [
            area.min(),
            area.max(),
            Coord {
                x: area.min().x,
                y: area.max().y,
            },
            Coord {
                x: area.max().x,
                y: area.min().y,
            },
        ];
        let mut metric_area: Option<Rect> = None;
        for c in corners {
            let m = crs::to_metric(c)?;
            metric_area = Some(match metric_area {
                None => Rect::new(m, m),
                Some(r) => Rect::new(
                    Coord {
                        x: r.min().x.min(m.x),
                        y: r.min().y.min(m.y),
                    },
                    Coord {
                        x: r.max().x.max(m.x),
                        y: r.max().y.max(m.y),
                    },
                ),
            });
        }
        // The box of the corners misses the bulge of a curved edge: a kilometre of margin.
        let inverse = match metric_area {
            Some(r) => Grid::build(
                Rect::new(
                    Coord {
                        x: r.min().x - 1000.0,
                        y: r.min().y - 1000.0,
                    },
                    Coord {
                        x: r.max().x + 1000.0,
                        y: r.max().y + 1000.0,
                    },
                ),
                STEP_M,
                crs::to_wgs84,
            )?,
            None => None,
        };
        Ok(MetricGrid {
            forward: Some(forward),
            inverse,
        })
    }

    /// WGS84 (lon, lat) → metric (E, N).
    pub fn to_metric(&self, c: Coord) -> Result<Coord, CrsError> {
        match self.forward.as_ref().and_then(|g| g.apply(c)) {
            Some(m) => Ok(m),
            None => crs::to_metric(c),
        }
    }

    /// Metric (E, N) → WGS84 (lon, lat).
    pub fn to_wgs84(&self, c: Coord) -> Result<Coord, CrsError> {
        match self.inverse.as_ref().and_then(|g| g.apply(c)) {
            Some(w) => Ok(w),
            None => crs::to_wgs84(c),
        }
    }

    /// Projects a polygon to the metric CRS: [`Self::geometry_to_metric`] without the
    /// generic mapping's intermediate vectors, every vector made to its length.
    pub fn polygon_to_metric(&self, p: &geo::Polygon) -> Result<geo::Polygon, CrsError> {
        let ring = |r: &geo::LineString| -> Result<geo::LineString, CrsError> {
            let mut out = Vec::with_capacity(r.0.len());
            for &c in &r.0 {
                out.push(self.to_metric(c)?);
            }
            Ok(geo::LineString(out))
        };
        let mut interiors = Vec::with_capacity(p.interiors().len());
        for r in p.interiors() {
            interiors.push(ring(r)?);
        }
        Ok(geo::Polygon::new(ring(p.exterior())?, interiors))
    }

    /// Projects any geometry to the metric CRS.
    pub fn geometry_to_metric<G: MapCoords<f64, f64>>(&self, g: &G) -> Result<G::Output, CrsError> {
        g.try_map_coords(|c| self.to_metric(c))
    }

    /// Projects any metric geometry back to WGS84.
    pub fn geometry_to_wgs84<G: MapCoords<f64, f64>>(&self, g: &G) -> Result<G::Output, CrsError> {
        g.try_map_coords(|c| self.to_wgs84(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn interpolation_stays_within_half_a_millimetre_of_proj() {
        // Nghệ An reaches from the central meridian 104°45′ to 105°45′ E: take a box far
        // from it, where the projection bends most, and one near it.
        for (lon, lat) in [(105.60, 19.10), (104.70, 18.70)] {
            let area = Rect::new(
                Coord { x: lon, y: lat },
                Coord {
                    x: lon + 0.2,
                    y: lat + 0.2,
                },
            );
            let grid = MetricGrid::build(area).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            for _ in 0..2000 {
                let c = Coord {
                    x: rng.random_range(lon..lon + 0.2),
                    y: rng.random_range(lat..lat + 0.2),
                };
                let want = crs::to_metric(c).unwrap();
                let got = grid.to_metric(c).unwrap();
                let err = ((got.x - want.x).powi(2) + (got.y - want.y).powi(2)).sqrt();
                assert!(err < MAX_ERROR_M, "forward error {err} m at {c:?}");
                let back_want = crs::to_wgs84(want).unwrap();
                let back = grid.to_wgs84(want).unwrap();
                // 1e-8° of latitude is 1.1 mm; 4.5e-9° is half a millimetre.
                assert!(
                    (back.x - back_want.x).abs() < 4.5e-9 && (back.y - back_want.y).abs() < 4.5e-9,
                    "inverse error at {want:?}: {back:?} vs {back_want:?}"
                );
            }
        }
    }

    #[test]
    fn outside_the_grid_proj_answers() {
        let grid = MetricGrid::build(Rect::new(
            Coord { x: 105.7, y: 19.2 },
            Coord {
                x: 105.71,
                y: 19.21,
            },
        ))
        .unwrap();
        let far = Coord { x: 105.0, y: 18.0 };
        assert_eq!(grid.to_metric(far).unwrap(), crs::to_metric(far).unwrap());
    }
}
