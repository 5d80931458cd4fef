//! Coordinate systems, all in one place: the CRSs drainplan reads and writes ([`Crs`]),
//! how each is named and written inside files, the one cache of PROJ transformations,
//! the metric projection every area, buffer and intersection goes through (through the
//! interpolation grid over the data's area, [`grid::MetricGrid`], for loaded and edited
//! features alike), and the rounding of projected coordinates.
//!
//! Data are stored in WGS84 longitude/latitude. Areas and buffers are computed in VN-2000 /
//! TM-3 zone 104°45′ (EPSG:9208, the Nghệ An provincial zone) through PROJ, with EPSG's
//! datum shift; lengths are geodesic on the WGS84 ellipsoid.
//!
//! Rounding policy ([`round_projected`]): projected coordinates leave the service rounded,
//! never degrees. Files made for survey and CAD work (DXF, shapefiles, GeoPackage, CSV
//! tables, the dossier) carry whole millimetres ([`Precision::Millimetre`]), the precision
//! of a survey; OGC API answers carry 0.1 mm ([`Precision::TenthMillimetre`]), so that a
//! client that projects back and forth loses nothing it could measure. Finer digits are
//! noise from the datum shift. Metric geometry inside analyses is not rounded.

use std::cell::RefCell;
use std::collections::HashMap;

use geo::{Coord, Geodesic, Length, LineString, MapCoords, Rect};
use proj::Proj;

pub mod grid;
pub mod names;

pub use grid::MetricGrid;
pub use names::{CRS84_URI, Crs, Projector, UnknownCrs, round_mm};

/// WGS84 longitude/latitude, the storage CRS.
pub const WGS84: &str = "EPSG:4326";
/// VN-2000 / TM-3 104-45 (Nghệ An), the metric CRS of analyses.
pub const VN2000_TM3_NGHE_AN: &str = "EPSG:9208";
/// VN-2000 / UTM zone 48N.
pub const VN2000_UTM48N: &str = "EPSG:3405";

/// A failure to set up or run a PROJ transformation.
#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    /// PROJ could not build the transformation (missing proj.db, unknown code).
    #[error("cannot set up the transformation {from} → {to}")]
    Setup {
        /// Source CRS.
        from: String,
        /// Target CRS.
        to: String,
        /// PROJ's complaint.
        #[source]
        source: proj::ProjCreateError,
    },
    /// A coordinate could not be transformed.
    #[error("cannot transform ({x}, {y})")]
    Transform {
        /// First coordinate.
        x: f64,
        /// Second coordinate.
        y: f64,
        /// PROJ's complaint.
        #[source]
        source: proj::ProjError,
    },
}

thread_local! {
    // The one cache of PROJ transformations. A PROJ context is not thread-safe and costs a
    // database lookup to build, so each thread keeps the transformations it has needed.
    static TRANSFORMERS: RefCell<HashMap<(Crs, Crs), Proj>> = RefCell::new(HashMap::new());
}

/// Runs `f` with this thread's PROJ transformation `from` → `to`.
pub fn with_transformer<R>(from: Crs, to: Crs, f: impl FnOnce(&Proj) -> R) -> Result<R, CrsError> {
    TRANSFORMERS.with(|cell| {
        let mut map = cell.borrow_mut();
        let proj = match map.entry((from, to)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(transformer(from.proj_definition(), to.proj_definition())?)
            }
        };
        Ok(f(proj))
    })
}

/// Transforms one coordinate `from` → `to` through PROJ, unrounded.
pub fn transform(c: Coord, from: Crs, to: Crs) -> Result<Coord, CrsError> {
    if from == to {
        return Ok(c);
    }
    with_transformer(from, to, |p| p.convert((c.x, c.y)))?
        .map(|(x, y)| Coord { x, y })
        .map_err(|source| CrsError::Transform {
            x: c.x,
            y: c.y,
            source,
        })
}

/// How finely projected coordinates are written (see the module's rounding policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Whole millimetres: files for survey and CAD work.
    Millimetre,
    /// Tenths of a millimetre: OGC API answers.
    TenthMillimetre,
}

/// A projected value (metres) rounded as `precision` says.
pub fn round_projected(v: f64, precision: Precision) -> f64 {
    let scale = match precision {
        Precision::Millimetre => 1e3,
        Precision::TenthMillimetre => 1e4,
    };
    (v * scale).round() / scale
}

/// Transforms a geometry `from` → `to`; projected output rounded to `precision`, degrees
/// left as PROJ gives them.
pub fn transform_geometry<G: MapCoords<f64, f64>>(
    g: &G,
    from: Crs,
    to: Crs,
    precision: Precision,
) -> Result<G::Output, CrsError> {
    let round = !to.is_geographic();
    g.try_map_coords(|c| {
        let t = transform(c, from, to)?;
        Ok(if round {
            Coord {
                x: round_projected(t.x, precision),
                y: round_projected(t.y, precision),
            }
        } else {
            t
        })
    })
}

/// The CRS84 box that holds the whole of `rect` given in `from`: its edges are sampled
/// (a straight edge in a projected CRS is slightly curved in degrees), and the result grown
/// by about 1 cm so that the R-tree query it feeds can only find too many features, never
/// too few; the exact test is then made in `from`.
pub fn rect_to_wgs84(rect: Rect, from: Crs) -> Result<Rect, CrsError> {
    if from.is_geographic() {
        return Ok(rect);
    }
    const STEPS: usize = 16;
    let (min, max) = (rect.min(), rect.max());
    let mut points = Vec::with_capacity(4 * STEPS);
    for i in 0..STEPS {
        let t = i as f64 / STEPS as f64;
        let x = min.x + t * (max.x - min.x);
        let y = min.y + t * (max.y - min.y);
        let x_back = max.x - t * (max.x - min.x);
        let y_back = max.y - t * (max.y - min.y);
        points.push((x, min.y));
        points.push((max.x, y));
        points.push((x_back, max.y));
        points.push((min.x, y_back));
    }
    let converted = with_transformer(from, Crs::Wgs84, |proj| {
        points
            .iter()
            .map(|&(x, y)| {
                proj.convert((x, y))
                    .map_err(|source| CrsError::Transform { x, y, source })
            })
            .collect::<Result<Vec<(f64, f64)>, CrsError>>()
    })??;
    let pad = 1e-7;
    let (mut lo, mut hi) = (
        Coord {
            x: f64::INFINITY,
            y: f64::INFINITY,
        },
        Coord {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        },
    );
    for (x, y) in converted {
        lo.x = lo.x.min(x);
        lo.y = lo.y.min(y);
        hi.x = hi.x.max(x);
        hi.y = hi.y.max(y);
    }
    Ok(Rect::new(
        Coord {
            x: lo.x - pad,
            y: lo.y - pad,
        },
        Coord {
            x: hi.x + pad,
            y: hi.y + pad,
        },
    ))
}

/// A PROJ transformation between two CRSs, taking and giving (x, y) = (lon, lat) or (E, N).
/// Uncached: use [`with_transformer`].
fn transformer(from: &str, to: &str) -> Result<Proj, CrsError> {
    Proj::new_known_crs(from, to, None).map_err(|source| CrsError::Setup {
        from: from.to_owned(),
        to: to.to_owned(),
        source,
    })
}

/// Checks that PROJ and its database can build the metric transformation.
pub fn check() -> Result<(), CrsError> {
    with_transformer(Crs::Wgs84, Crs::Tm3NgheAn, |_| ())?;
    with_transformer(Crs::Tm3NgheAn, Crs::Wgs84, |_| ())
}

/// Projects WGS84 (lon, lat) to VN-2000 / TM-3 104-45 (E, N) metres.
pub fn to_metric(c: Coord) -> Result<Coord, CrsError> {
    transform(c, Crs::Wgs84, Crs::Tm3NgheAn)
}

/// Projects VN-2000 / TM-3 104-45 (E, N) back to WGS84 (lon, lat).
pub fn to_wgs84(c: Coord) -> Result<Coord, CrsError> {
    transform(c, Crs::Tm3NgheAn, Crs::Wgs84)
}

/// Projects any geometry to the metric CRS.
pub fn geometry_to_metric<G>(g: &G) -> Result<G::Output, CrsError>
where
    G: MapCoords<f64, f64>,
{
    g.try_map_coords(to_metric)
}

/// Projects any metric geometry back to WGS84.
pub fn geometry_to_wgs84<G>(g: &G) -> Result<G::Output, CrsError>
where
    G: MapCoords<f64, f64>,
{
    g.try_map_coords(to_wgs84)
}

/// The geodesic length in metres on the WGS84 ellipsoid of a lon/lat line.
pub fn geodesic_length_m(line: &LineString) -> f64 {
    Geodesic.length(line)
}

/// Segments shorter than this are measured with the ellipsoid's radii of curvature at their
/// middle latitude; longer ones by Karney's geodesic.
const SHORT_SEGMENT_M: f64 = 1_000.0;

/// The geodesic length in metres on the WGS84 ellipsoid of a lon/lat line, for lines made
/// of short segments (fences, strips, a route inside a zone): a segment under 1 km is
/// `√((M·Δφ)² + (N·cos φ·Δλ)²)` with the meridian and prime-vertical radii M, N at its middle
/// latitude, which is the geodesic to within a micrometre there (the error grows as the
/// cube of the length) at a tenth of the cost; longer segments take [`geodesic_length_m`].
pub fn ground_length_m(line: &LineString) -> f64 {
    const A: f64 = 6_378_137.0;
    const F: f64 = 1.0 / 298.257_223_563;
    const E2: f64 = F * (2.0 - F);
    line.0
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let phi = ((a.y + b.y) / 2.0).to_radians();
            let (sin, cos) = phi.sin_cos();
            let w2 = 1.0 - E2 * sin * sin;
            let n = A / w2.sqrt();
            let m = n * (1.0 - E2) / w2;
            let dn = m * (b.y - a.y).to_radians();
            let de = n * cos * (b.x - a.x).to_radians();
            let s = (dn * dn + de * de).sqrt();
            if s < SHORT_SEGMENT_M {
                s
            } else {
                Geodesic.length(&LineString(vec![a, b]))
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use geo::point;

    #[test]
    fn ground_length_agrees_with_karneys_geodesic() {
        // geographiclib (Karney) is the reference; random segments up to 1.2 km around the
        // commune, and one long enough to take the geodesic itself.
        let mut state = 99_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut worst = 0.0_f64;
        for _ in 0..10_000 {
            let a = Coord {
                x: 105.6 + 0.2 * next(),
                y: 19.1 + 0.2 * next(),
            };
            let b = Coord {
                x: a.x + 0.011 * (next() - 0.5) * 2.0,
                y: a.y + 0.011 * (next() - 0.5) * 2.0,
            };
            let line = LineString(vec![a, b]);
            worst = worst.max((ground_length_m(&line) - Geodesic.length(&line)).abs());
        }
        assert!(worst < 1e-6, "worst difference {worst} m"); // measured: 0.38 µm
        let long = LineString::from(vec![(105.0, 19.0), (106.0, 20.0)]);
        assert_eq!(ground_length_m(&long), Geodesic.length(&long));
    }

    #[test]
    fn epsg_9208_matches_the_published_check_point() {
        // PROJ 9.1 cs2cs, pyproj and PostGIS all give E 599 692.5147, N 2 126 189.3926
        // for lon 105.70, lat 19.22 (shared/DEPENDENCIES.md).
        let p = to_metric(Coord {
            x: 105.70,
            y: 19.22,
        })
        .unwrap();
        assert_abs_diff_eq!(p.x, 599_692.514_7, epsilon = 0.001);
        assert_abs_diff_eq!(p.y, 2_126_189.392_6, epsilon = 0.001);
        let back = to_wgs84(p).unwrap();
        // The inverse Helmert shift is not an exact inverse: 1e-8° is about 1 mm here.
        assert_abs_diff_eq!(back.x, 105.70, epsilon = 2e-8);
        assert_abs_diff_eq!(back.y, 19.22, epsilon = 2e-8);
    }

    #[test]
    fn one_minute_of_latitude_is_about_1845_m_here() {
        // A minute of latitude at 19.2° N is 1 844.91 m on WGS84 (meridian arc, hand formula
        // M = a(1-e²)/(1-e² sin²φ)^1.5 · π/10800 at the mid latitude).
        let line = LineString::from(vec![(105.7, 19.2), (105.7, 19.2 + 1.0 / 60.0)]);
        assert_abs_diff_eq!(geodesic_length_m(&line), 1844.91, epsilon = 0.05);
    }

    #[test]
    fn a_point_reaches_the_published_vn2000_values() {
        // cs2cs (PROJ 9.1.1): `echo "19.22 105.70" | cs2cs -d 4 EPSG:4326 EPSG:9208`
        // → 599692.5147 2126189.3926; with EPSG:3405 → 573382.9066 2125427.1698.
        let g = geo::Geometry::Point(point! { x: 105.70, y: 19.22 });
        let geo::Geometry::Point(p) =
            transform_geometry(&g, Crs::Wgs84, Crs::Tm3NgheAn, Precision::TenthMillimetre)
                .expect("PROJ transforms")
        else {
            panic!("not a point")
        };
        assert_abs_diff_eq!(p.x(), 599_692.514_7, epsilon = 1e-4);
        assert_abs_diff_eq!(p.y(), 2_126_189.392_6, epsilon = 1e-4);
        let geo::Geometry::Point(p) =
            transform_geometry(&g, Crs::Wgs84, Crs::Utm48n, Precision::TenthMillimetre)
                .expect("PROJ transforms")
        else {
            panic!("not a point")
        };
        assert_abs_diff_eq!(p.x(), 573_382.906_6, epsilon = 1e-4);
        assert_abs_diff_eq!(p.y(), 2_125_427.169_8, epsilon = 1e-4);
    }

    #[test]
    fn a_projected_box_maps_to_a_degree_box_around_it() {
        let r = Rect::new(
            Coord {
                x: 599_682.5,
                y: 2_126_179.4,
            },
            Coord {
                x: 599_702.5,
                y: 2_126_199.4,
            },
        );
        let d = rect_to_wgs84(r, Crs::Tm3NgheAn).expect("PROJ transforms");
        // 10 m is about 9.5e-5° of longitude and 9.0e-5° of latitude here.
        assert!(d.min().x < 105.70 && 105.70 < d.max().x);
        assert!(d.min().y < 19.22 && 19.22 < d.max().y);
        assert!(d.width() < 3e-4 && d.height() < 3e-4);
    }
}
