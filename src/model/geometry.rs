//! Which geometries a layer takes, and what makes one valid. Loading and every edit
//! check a geometry here, so an analysis never meets a bowtie parcel (route impact once
//! reported 21 m² taken from a parcel of 0.00001 m²), a hole outside its shell, or a ring
//! that does not close.
//!
//! A geometry is accepted when:
//! 1. its type is one its layer takes;
//! 2. every coordinate is a finite longitude, latitude;
//! 3. a line has two or more distinct points;
//! 4. every polygon ring is closed as written (RFC 7946: the last position repeats the
//!    first; a ring is not closed for the sender), has four or more positions and three
//!    or more distinct corners, and encloses an area (not all on one line);
//! 5. polygons are valid in the OGC Simple Features sense, by geo's `Validation`: no ring
//!    crosses itself, holes lie inside their shell and rings do not cross one another,
//!    and the polygons of a MultiPolygon do not overlap.

use geo::{Area, Coord, CoordsIter, Geometry, LineString, Polygon, Validation};

use super::LayerKind;
use super::schema::{Invalid, Rule};

/// The least area a polygon ring must enclose, in square degrees: about 0.01 m² at the
/// commune's latitude. Below it a ring is a line drawn twice, not a shape.
const MIN_RING_AREA_DEG2: f64 = 1e-12;

fn geometry_error(problem: impl Into<String>) -> Invalid {
    Invalid::new("geometry", Rule::Geometry, problem)
}

/// Step 1: whether `kind`'s layer takes geometries of type `type_name`.
pub fn check_type(kind: LayerKind, type_name: &str) -> Result<(), Invalid> {
    if kind.allowed_geometry().contains(&type_name) {
        return Ok(());
    }
    Err(geometry_error(format!(
        "geometry is a {type_name}; the {kind} layer takes {}",
        kind.allowed_geometry().join(" or ")
    )))
}

/// Step 4's closing rule, on a ring as written (before geo closes it): `which` names the
/// ring in the error.
pub fn check_closed(ring: &[Coord], which: &str) -> Result<(), Invalid> {
    match (ring.first(), ring.last()) {
        (Some(first), Some(last)) if first == last => Ok(()),
        (Some(first), Some(last)) => Err(geometry_error(format!(
            "{which} is not closed: it starts at ({}, {}) and ends at ({}, {}); repeat the first position at the end",
            first.x, first.y, last.x, last.y
        ))),
        _ => Err(geometry_error(format!("{which} has no positions"))),
    }
}

/// Steps 2–5 on a geometry already of an allowed type.
pub fn check_shape(geom: &Geometry) -> Result<(), Invalid> {
    check_coords(geom)?;
    match geom {
        Geometry::LineString(l) => check_line(l),
        Geometry::Polygon(p) => {
            check_corners(p, "the polygon")?;
            p.check_validation()
                .map_err(|e| geometry_error(format!("the polygon is not valid: {e}")))?;
            check_areas(p, "the polygon")
        }
        Geometry::MultiPolygon(mp) => {
            if mp.0.is_empty() {
                return Err(geometry_error("MultiPolygon has no polygon"));
            }
            for (i, p) in mp.0.iter().enumerate() {
                check_corners(p, &format!("polygon {i}"))?;
            }
            mp.check_validation()
                .map_err(|e| geometry_error(format!("the MultiPolygon is not valid: {e}")))?;
            for (i, p) in mp.0.iter().enumerate() {
                check_areas(p, &format!("polygon {i}"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Step 2: every coordinate a finite longitude, latitude.
pub fn check_coords(g: &Geometry) -> Result<(), Invalid> {
    for c in g.coords_iter() {
        if !c.x.is_finite() || !c.y.is_finite() {
            return Err(geometry_error(format!(
                "coordinate ({}, {}) is not a finite number",
                c.x, c.y
            )));
        }
        if !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y) {
            return Err(geometry_error(format!(
                "coordinate ({}, {}) is not a longitude, latitude in WGS84",
                c.x, c.y
            )));
        }
    }
    Ok(())
}

fn distinct(ring: &LineString) -> usize {
    let mut d = ring.0.clone();
    d.dedup();
    if d.len() > 1 && d.first() == d.last() {
        d.pop();
    }
    d.len()
}

fn check_line(l: &LineString) -> Result<(), Invalid> {
    let mut d = l.0.clone();
    d.dedup();
    if d.len() < 2 {
        return Err(geometry_error("a line needs at least two distinct points"));
    }
    Ok(())
}

fn rings<'a>(p: &'a Polygon, which: &'a str) -> impl Iterator<Item = (String, &'a LineString)> {
    std::iter::once((format!("{which}'s exterior ring"), p.exterior())).chain(
        p.interiors()
            .iter()
            .enumerate()
            .map(move |(i, r)| (format!("{which}'s hole {i}"), r)),
    )
}

fn check_corners(p: &Polygon, which: &str) -> Result<(), Invalid> {
    for (name, ring) in rings(p, which) {
        if ring.0.len() < 4 || distinct(ring) < 3 {
            return Err(geometry_error(format!(
                "{name} needs at least three distinct corners"
            )));
        }
    }
    Ok(())
}

/// After validity (a bowtie's two halves cancel out: it is a self-intersection first).
fn check_areas(p: &Polygon, which: &str) -> Result<(), Invalid> {
    for (name, ring) in rings(p, which) {
        let area = Polygon::new(ring.clone(), vec![]).unsigned_area();
        if area < MIN_RING_AREA_DEG2 {
            return Err(geometry_error(format!(
                "{name} encloses no area: its corners lie on one line"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::wkt;

    #[test]
    fn bowties_loose_holes_and_flat_rings_are_refused() {
        let cases: [(Geometry, &str); 4] = [
            // A bowtie: the ring crosses itself at (105.7005, 19.2205).
            (
                wkt!(POLYGON((105.700 19.220,105.701 19.221,105.701 19.220,105.700 19.221,105.700 19.220))).into(),
                "self-intersection",
            ),
            // A hole entirely outside its shell.
            (
                wkt!(POLYGON((105.700 19.220,105.701 19.220,105.701 19.221,105.700 19.221,105.700 19.220),(105.702 19.220,105.703 19.220,105.703 19.221,105.702 19.220))).into(),
                "not contained",
            ),
            // Three corners on one line.
            (
                wkt!(POLYGON((105.700 19.220,105.701 19.220,105.702 19.220,105.700 19.220))).into(),
                "",
            ),
            // Two polygons of a MultiPolygon overlapping.
            (
                wkt!(MULTIPOLYGON(((105.700 19.220,105.702 19.220,105.702 19.222,105.700 19.222,105.700 19.220)),((105.701 19.221,105.703 19.221,105.703 19.223,105.701 19.223,105.701 19.221)))).into(),
                "",
            ),
        ];
        for (g, words) in cases {
            let e = check_shape(&g).unwrap_err();
            assert_eq!((e.field.as_str(), e.rule), ("geometry", Rule::Geometry));
            assert!(e.problem.contains(words), "{e}");
        }
        let square: Geometry =
            wkt!(POLYGON((105.700 19.220,105.701 19.220,105.701 19.221,105.700 19.221,105.700 19.220))).into();
        assert!(check_shape(&square).is_ok());
    }

    #[test]
    fn an_open_ring_is_named() {
        let open = [
            Coord { x: 105.7, y: 19.22 },
            Coord {
                x: 105.701,
                y: 19.22,
            },
            Coord {
                x: 105.701,
                y: 19.221,
            },
        ];
        let e = check_closed(&open, "the exterior ring").unwrap_err();
        assert!(e.problem.contains("not closed"), "{e}");
    }
}
