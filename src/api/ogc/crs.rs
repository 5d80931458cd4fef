//! The CRSs the OGC API offers (Part 2): their URIs, how a client may spell them, and the
//! PROJ transformations between them.
//!
//! Data are stored in CRS84 (longitude, latitude). A client may ask for output, or give a
//! `bbox`, in VN-2000 / TM-3 104-45 (EPSG:9208) or VN-2000 / UTM 48N (EPSG:3405); both have
//! easting, northing axis order, so every CRS here is (x, y) = (east, north).

use std::cell::RefCell;
use std::collections::HashMap;

use geo::{Coord, Geometry, MapCoords, Rect};
use proj::Proj;

use crate::crs::{self, CrsError, VN2000_TM3_NGHE_AN, VN2000_UTM48N, WGS84};

/// A CRS the API reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OgcCrs {
    /// WGS84 longitude, latitude (the default and the storage CRS).
    Crs84,
    /// VN-2000 / TM-3 104-45, the Nghệ An provincial zone (EPSG:9208).
    Vn2000NgheAn,
    /// VN-2000 / UTM zone 48N (EPSG:3405).
    Vn2000Utm48n,
}

/// URI of CRS84.
pub const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

impl OgcCrs {
    /// Every CRS offered, default first.
    pub const ALL: [OgcCrs; 3] = [OgcCrs::Crs84, OgcCrs::Vn2000NgheAn, OgcCrs::Vn2000Utm48n];

    /// The CRS's OGC URI, as listed in `/collections/{id}` and sent in `Content-Crs`.
    pub fn uri(self) -> &'static str {
        match self {
            OgcCrs::Crs84 => CRS84_URI,
            OgcCrs::Vn2000NgheAn => "http://www.opengis.net/def/crs/EPSG/0/9208",
            OgcCrs::Vn2000Utm48n => "http://www.opengis.net/def/crs/EPSG/0/3405",
        }
    }

    /// The PROJ name. CRS84 goes through EPSG:4326, whose axis order PROJ is told to
    /// normalise to longitude, latitude.
    fn proj_name(self) -> &'static str {
        match self {
            OgcCrs::Crs84 => WGS84,
            OgcCrs::Vn2000NgheAn => VN2000_TM3_NGHE_AN,
            OgcCrs::Vn2000Utm48n => VN2000_UTM48N,
        }
    }

    /// Whether coordinates are degrees of longitude and latitude.
    pub fn is_geographic(self) -> bool {
        self == OgcCrs::Crs84
    }

    /// Reads a CRS as a client may write it: the OGC URI (http or https), a URN, a safe
    /// CURIE `[EPSG:9208]` or a bare `EPSG:9208` / `CRS84`.
    ///
    /// EPSG:4326 is refused on purpose: its official axis order is latitude first, and
    /// serving it as longitude first would silently swap coordinates in strict clients.
    pub fn parse(text: &str) -> Result<OgcCrs, String> {
        let t = text.trim();
        let t = t
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(t);
        let lower = t.to_ascii_lowercase();
        let lower = lower
            .strip_prefix("https://")
            .map_or(lower.clone(), |rest| format!("http://{rest}"));
        let code = match lower.as_str() {
            "http://www.opengis.net/def/crs/ogc/1.3/crs84"
            | "urn:ogc:def:crs:ogc:1.3:crs84"
            | "urn:ogc:def:crs:ogc::crs84"
            | "ogc:crs84"
            | "crs84" => return Ok(OgcCrs::Crs84),
            s => s
                .strip_prefix("http://www.opengis.net/def/crs/epsg/0/")
                .or_else(|| s.strip_prefix("urn:ogc:def:crs:epsg::"))
                .or_else(|| s.strip_prefix("urn:ogc:def:crs:epsg:0:"))
                .or_else(|| s.strip_prefix("epsg:")),
        };
        match code {
            Some("9208") => Ok(OgcCrs::Vn2000NgheAn),
            Some("3405") => Ok(OgcCrs::Vn2000Utm48n),
            Some("4326") => Err(format!(
                "`{text}` is not offered: EPSG:4326 puts latitude first; use {CRS84_URI} \
                 (longitude, latitude), the default"
            )),
            _ => Err(format!(
                "`{text}` is not a CRS this service offers; use one of {}",
                OgcCrs::ALL.map(OgcCrs::uri).join(", ")
            )),
        }
    }
}

thread_local! {
    // A PROJ context is not thread-safe and costs a database lookup to build, so each thread
    // keeps the transformations it has needed.
    static TRANSFORMERS: RefCell<HashMap<(OgcCrs, OgcCrs), Proj>> = RefCell::new(HashMap::new());
}

/// Runs `f` with the PROJ transformation `from` → `to` of this thread.
fn with_transformer<R>(
    from: OgcCrs,
    to: OgcCrs,
    f: impl FnOnce(&Proj) -> R,
) -> Result<R, CrsError> {
    TRANSFORMERS.with(|cell| {
        let mut map = cell.borrow_mut();
        let proj = match map.entry((from, to)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(crs::transformer(from.proj_name(), to.proj_name())?)
            }
        };
        Ok(f(proj))
    })
}

/// Rounds a projected coordinate to 0.1 mm: finer digits are noise from the datum shift.
fn round_projected(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// Transforms a geometry from `from` to `to`. Projected output is rounded to 0.1 mm.
pub fn transform_geometry(g: &Geometry, from: OgcCrs, to: OgcCrs) -> Result<Geometry, CrsError> {
    if from == to {
        return Ok(g.clone());
    }
    let round = !to.is_geographic();
    with_transformer(from, to, |proj| {
        g.try_map_coords(|c| {
            proj.convert((c.x, c.y))
                .map(|(x, y)| {
                    if round {
                        Coord {
                            x: round_projected(x),
                            y: round_projected(y),
                        }
                    } else {
                        Coord { x, y }
                    }
                })
                .map_err(|source| CrsError::Transform {
                    x: c.x,
                    y: c.y,
                    source,
                })
        })
    })?
}

/// The CRS84 box that holds the whole of `rect` given in `from`: its edges are sampled
/// (a straight edge in a projected CRS is slightly curved in degrees), and the result grown
/// by about 1 cm so that the R-tree query it feeds can only find too many features, never
/// too few; the exact test is then made in `from`.
pub fn rect_to_crs84(rect: Rect, from: OgcCrs) -> Result<Rect, CrsError> {
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
    let converted = with_transformer(from, OgcCrs::Crs84, |proj| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use geo::point;

    #[test]
    fn spellings_of_the_offered_crss_are_understood() {
        for s in [
            "http://www.opengis.net/def/crs/EPSG/0/9208",
            "https://www.opengis.net/def/crs/EPSG/0/9208",
            "EPSG:9208",
            "[EPSG:9208]",
            "urn:ogc:def:crs:EPSG::9208",
        ] {
            assert_eq!(OgcCrs::parse(s), Ok(OgcCrs::Vn2000NgheAn), "{s}");
        }
        assert_eq!(OgcCrs::parse(CRS84_URI), Ok(OgcCrs::Crs84));
        assert_eq!(OgcCrs::parse("EPSG:3405"), Ok(OgcCrs::Vn2000Utm48n));
        assert!(OgcCrs::parse("EPSG:4326").unwrap_err().contains("latitude"));
        assert!(
            OgcCrs::parse("EPSG:3857")
                .unwrap_err()
                .contains("EPSG/0/9208")
        );
    }

    #[test]
    fn a_point_reaches_the_published_vn2000_values() {
        // cs2cs (PROJ 9.1.1): `echo "19.22 105.70" | cs2cs -d 4 EPSG:4326 EPSG:9208`
        // → 599692.5147 2126189.3926; with EPSG:3405 → 573382.9066 2125427.1698.
        let g = Geometry::Point(point! { x: 105.70, y: 19.22 });
        let Geometry::Point(p) =
            transform_geometry(&g, OgcCrs::Crs84, OgcCrs::Vn2000NgheAn).expect("PROJ transforms")
        else {
            panic!("not a point")
        };
        assert_abs_diff_eq!(p.x(), 599_692.514_7, epsilon = 1e-4);
        assert_abs_diff_eq!(p.y(), 2_126_189.392_6, epsilon = 1e-4);
        let Geometry::Point(p) =
            transform_geometry(&g, OgcCrs::Crs84, OgcCrs::Vn2000Utm48n).expect("PROJ transforms")
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
        let d = rect_to_crs84(r, OgcCrs::Vn2000NgheAn).expect("PROJ transforms");
        // 10 m is about 9.5e-5° of longitude and 9.0e-5° of latitude here.
        assert!(d.min().x < 105.70 && 105.70 < d.max().x);
        assert!(d.min().y < 19.22 && 19.22 < d.max().y);
        assert!(d.width() < 3e-4 && d.height() < 3e-4);
    }
}
