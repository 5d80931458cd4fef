//! Coordinate systems: the named CRSs drainplan speaks, and the metric projection that every
//! area, buffer and intersection goes through.
//!
//! Data are stored in WGS84 longitude/latitude. Areas and buffers are computed in VN-2000 /
//! TM-3 zone 104°45′ (EPSG:9208, the Nghệ An provincial zone) through PROJ, with EPSG's
//! datum shift; lengths are geodesic on the WGS84 ellipsoid.

use std::cell::RefCell;

use geo::{Coord, Geodesic, Length, LineString, MapCoords};
use proj::Proj;

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
    // A PROJ context is not thread-safe, so each thread keeps its own pair of transformers.
    static METRIC: RefCell<Option<(Proj, Proj)>> = const { RefCell::new(None) };
}

fn with_metric<R>(f: impl FnOnce(&Proj, &Proj) -> R) -> Result<R, CrsError> {
    METRIC.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some((
                transformer(WGS84, VN2000_TM3_NGHE_AN)?,
                transformer(VN2000_TM3_NGHE_AN, WGS84)?,
            ));
        }
        let (fwd, inv) = slot.as_ref().expect("set just above");
        Ok(f(fwd, inv))
    })
}

/// A PROJ transformation between two CRSs, taking and giving (x, y) = (lon, lat) or (E, N).
pub fn transformer(from: &str, to: &str) -> Result<Proj, CrsError> {
    Proj::new_known_crs(from, to, None).map_err(|source| CrsError::Setup {
        from: from.to_owned(),
        to: to.to_owned(),
        source,
    })
}

/// Checks that PROJ and its database can build the metric transformation.
pub fn check() -> Result<(), CrsError> {
    with_metric(|_, _| ())
}

/// Projects WGS84 (lon, lat) to VN-2000 / TM-3 104-45 (E, N) metres.
pub fn to_metric(c: Coord) -> Result<Coord, CrsError> {
    with_metric(|fwd, _| fwd.convert((c.x, c.y)))?
        .map(|(x, y)| Coord { x, y })
        .map_err(|source| CrsError::Transform {
            x: c.x,
            y: c.y,
            source,
        })
}

/// Projects VN-2000 / TM-3 104-45 (E, N) back to WGS84 (lon, lat).
pub fn to_wgs84(c: Coord) -> Result<Coord, CrsError> {
    with_metric(|_, inv| inv.convert((c.x, c.y)))?
        .map(|(x, y)| Coord { x, y })
        .map_err(|source| CrsError::Transform {
            x: c.x,
            y: c.y,
            source,
        })
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
}
