//! The adapter between the data set's canals and the network: a [`Section`] from a canal
//! feature's properties and its line in metres, the properties that carry a section back
//! (after a refinement in SWMM), and a [`Catchment`] from an outline and the parcels in it.
//!
//! The canal properties read (those of data/canals.geojson, and the hydraulic ones it does
//! not have yet):
//!
//! | property | meaning | when missing |
//! | --- | --- | --- |
//! | `shape` | `rectangular`, `trapezoidal` or `circular` | rectangular, said in the assumptions |
//! | `width_m` | bottom width (a pipe's diameter, or `diameter_m`) | problem |
//! | `depth_m` | depth, invert to top of bank | problem (not for pipes) |
//! | `side_slope` | z, horizontal per vertical, trapezoids only | problem for a trapezoid |
//! | `lining` | key of data/hydraulics/manning_n.csv | problem |
//! | `manning_n` | n when it differs from the lining's | the lining's |
//! | `invert_start_m`, `invert_end_m` | bed levels at the line's first and last vertex | `slope` |
//! | `slope` | bed fall per metre along the line | problem when no inverts either |
//! | `flows_to` | the canal id it flows into | `outfall` |
//! | `outfall` | the outfall id it flows out to | problem when no `flows_to` either |
//! | `drainage_class` | key of data/hydraulics/return_periods.csv | the default class |
//!
//! The line is drawn upstream → downstream; its length in VN-2000 metres is the section's
//! length (the grid scale at Quỳnh Liên differs from 1 by about 2·10⁻⁵).

use geo::{Area, BooleanOps, Euclidean, Length, LineString, Polygon};
use serde::Serialize;
use serde_json::{Map, Value};

use super::network::{Catchment, Downstream, LandUseArea, Levels, Section};
use super::section::{CrossSection, Shape};

/// A property a canal lacks or holds wrongly.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[error("canal {canal_id}: property {property}: {rule}")]
pub struct PropertyProblem {
    /// The canal.
    pub canal_id: String,
    /// The property.
    pub property: String,
    /// The rule broken.
    pub rule: String,
}

/// A section made from a canal, with what was assumed for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanalSection {
    /// The section.
    pub section: Section,
    /// What the properties did not say and was taken (e.g. the shape).
    pub assumptions: Vec<String>,
}

/// Builds a section from a canal's properties and its line in VN-2000 metres (drawn
/// upstream → downstream). All the problems of the canal come back together; a missing
/// slope or downstream link is left for [`super::Network::new`] to report with the rest of
/// the network.
///
/// # Examples
///
/// ```
/// use drainplan::hydraulics::canal::section_from_canal;
/// let props = serde_json::json!({"width_m": 1.0, "depth_m": 1.2, "lining": "brick",
///     "invert_start_m": 2.0, "invert_end_m": 1.8, "outfall": "song-hoang-mai"});
/// let line = geo::LineString::from(vec![(599_000.0, 2_126_000.0), (599_250.0, 2_126_000.0)]);
/// let c = section_from_canal("cn-qt-2023", props.as_object().unwrap(), &line).unwrap();
/// assert_eq!(c.section.length_m, 250.0);
/// assert_eq!(c.assumptions.len(), 1); // the shape, taken as rectangular
/// ```
pub fn section_from_canal(
    canal_id: &str,
    props: &Map<String, Value>,
    line_m: &LineString<f64>,
) -> Result<CanalSection, Vec<PropertyProblem>> {
    let mut problems = Vec::new();
    let mut assumptions = Vec::new();
    let mut problem = |property: &str, rule: String| {
        problems.push(PropertyProblem {
            canal_id: canal_id.to_owned(),
            property: property.to_owned(),
            rule,
        })
    };
    let number = |key: &str, problem: &mut dyn FnMut(&str, String)| -> Option<f64> {
        match props.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(other) => {
                problem(key, format!("must be a number, not {other}"));
                None
            }
        }
    };
    let text = |key: &str| {
        props
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let shape = match text("shape") {
        None => {
            assumptions.push("shape not given: taken as rectangular_open".to_owned());
            Shape::RectangularOpen
        }
        Some(s) => Shape::parse(s).unwrap_or_else(|| {
            problem(
                "shape",
                format!("{s:?} is not rectangular, trapezoidal or circular"),
            );
            Shape::RectangularOpen
        }),
    };
    let width = number("diameter_m", &mut problem)
        .filter(|_| shape == Shape::CircularPipe)
        .or_else(|| number("width_m", &mut problem));
    let depth = number("depth_m", &mut problem);
    let side_slope = number("side_slope", &mut problem);
    let cross_section = match (shape, width, depth) {
        (Shape::CircularPipe, Some(d), _) => Some(CrossSection::circular(d)),
        (Shape::RectangularOpen, Some(b), Some(d)) => Some(CrossSection::rectangular(b, d)),
        (Shape::TrapezoidalOpen, Some(b), Some(d)) => match side_slope {
            Some(z) => Some(CrossSection::trapezoidal(b, d, z)),
            None => {
                problem(
                    "side_slope",
                    "a trapezoidal canal needs its side slope (horizontal per vertical)".into(),
                );
                None
            }
        },
        _ => {
            if width.is_none() {
                problem(
                    "width_m",
                    "missing: the bottom width (or a pipe's diameter) in metres".into(),
                );
            }
            if depth.is_none() && shape != Shape::CircularPipe {
                problem(
                    "depth_m",
                    "missing: the depth from bed to top of bank in metres".into(),
                );
            }
            None
        }
    };
    let lining = text("lining").map(str::to_owned);
    if lining.is_none() {
        problem(
            "lining",
            "missing: one of the linings of data/hydraulics/manning_n.csv".into(),
        );
    }
    let manning_n = number("manning_n", &mut problem);
    let levels = match (
        number("invert_start_m", &mut problem),
        number("invert_end_m", &mut problem),
        number("slope", &mut problem),
    ) {
        (Some(up), Some(down), _) => Some(Levels::Inverts {
            upstream_m: up,
            downstream_m: down,
        }),
        (Some(_), None, _) | (None, Some(_), _) => {
            problem(
                "invert_start_m",
                "give the invert at both ends, or neither and a slope".into(),
            );
            None
        }
        (None, None, Some(s)) => Some(Levels::Slope(s)),
        (None, None, None) => None,
    };
    let downstream = match (text("flows_to"), text("outfall")) {
        (Some(_), Some(_)) => {
            problem(
                "flows_to",
                "both flows_to and outfall are given: which way does it flow?".into(),
            );
            None
        }
        (Some(c), None) => Some(Downstream::Canal(c.to_owned())),
        (None, Some(o)) => Some(Downstream::Outfall(o.to_owned())),
        (None, None) => None,
    };
    let canal_class = text("drainage_class").map(str::to_owned);
    if line_m.0.len() < 2 {
        problem("geometry", "the line needs at least two vertices".into());
    }
    match (cross_section, lining) {
        (Some(cross_section), Some(lining)) if problems.is_empty() => Ok(CanalSection {
            section: Section {
                canal_id: canal_id.to_owned(),
                cross_section,
                lining,
                manning_n,
                length_m: Euclidean.length(line_m),
                levels,
                downstream,
                canal_class,
                line: Some(line_m.clone()),
            },
            assumptions,
        }),
        _ => Err(problems),
    }
}

/// The properties that carry a section onto its canal feature (the inverse of
/// [`section_from_canal`]): to update a canal after its network was refined in SWMM.
pub fn section_properties(section: &Section) -> Map<String, Value> {
    let mut m = Map::new();
    let x = section.cross_section;
    let shape = match x.shape {
        Shape::RectangularOpen => "rectangular",
        Shape::TrapezoidalOpen => "trapezoidal",
        Shape::CircularPipe => "circular",
    };
    m.insert("shape".into(), shape.into());
    if x.shape == Shape::CircularPipe {
        m.insert("diameter_m".into(), x.bottom_width_m.into());
    } else {
        m.insert("width_m".into(), x.bottom_width_m.into());
        m.insert("depth_m".into(), x.depth_m.into());
    }
    if x.shape == Shape::TrapezoidalOpen {
        m.insert("side_slope".into(), x.side_slope.into());
    }
    m.insert("lining".into(), section.lining.clone().into());
    if let Some(n) = section.manning_n {
        m.insert("manning_n".into(), n.into());
    }
    match section.levels {
        Some(Levels::Inverts {
            upstream_m,
            downstream_m,
        }) => {
            m.insert("invert_start_m".into(), upstream_m.into());
            m.insert("invert_end_m".into(), downstream_m.into());
        }
        Some(Levels::Slope(s)) => {
            m.insert("slope".into(), s.into());
        }
        None => {}
    }
    match &section.downstream {
        Some(Downstream::Canal(c)) => {
            m.insert("flows_to".into(), c.clone().into());
        }
        Some(Downstream::Outfall(o)) => {
            m.insert("outfall".into(), o.clone().into());
        }
        None => {}
    }
    if let Some(c) = &section.canal_class {
        m.insert("drainage_class".into(), c.clone().into());
    }
    m
}

/// A catchment from its outline and the parcels (land-use code, outline) around it, all
/// in VN-2000 metres: each parcel's land use counts with the area of its part inside the
/// outline; the rest of the outline is left to the default remainder land use.
pub fn catchment_from_parcels<'a>(
    id: &str,
    drains_to: &str,
    outline_m: &Polygon<f64>,
    parcels: impl IntoIterator<Item = (&'a str, &'a Polygon<f64>)>,
) -> Catchment {
    let mut by_code: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
    for (code, parcel) in parcels {
        let inside = outline_m.intersection(parcel).unsigned_area();
        if inside > 0.0 {
            *by_code.entry(code).or_default() += inside;
        }
    }
    Catchment {
        id: id.to_owned(),
        drains_to: drains_to.to_owned(),
        area_m2: outline_m.unsigned_area(),
        land_use: by_code
            .into_iter()
            .map(|(code, area_m2)| LandUseArea {
                code: code.to_owned(),
                area_m2,
            })
            .collect(),
        surface_time_min: None,
        gutter_time_min: None,
        overland_length_m: None,
        slope_percent: None,
        polygon: Some(outline_m.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line() -> LineString<f64> {
        LineString::from(vec![(0.0, 0.0), (30.0, 40.0), (30.0, 140.0)])
    }

    #[test]
    fn a_sample_canal_becomes_a_section_once_its_levels_and_outlet_are_known() {
        // cn-dd-tc-planned as in data/canals.geojson, plus the hydraulic properties.
        let props = json!({"name": "Mương tiêu Đại Đồng – Thành Công", "status": "planned",
            "width_m": 1.5, "depth_m": 1.5, "lining": "concrete", "year": 2024,
            "invert_start_m": 1.9, "invert_end_m": 1.6, "flows_to": "cn-main",
            "drainage_class": "village_main"});
        let c =
            section_from_canal("cn-dd-tc-planned", props.as_object().unwrap(), &line()).unwrap();
        // Length: 50 m (3-4-5 triangle) + 100 m.
        assert_eq!(c.section.length_m, 150.0);
        assert_eq!(c.section.cross_section, CrossSection::rectangular(1.5, 1.5));
        assert_eq!(c.section.slope(), Some((1.9 - 1.6) / 150.0));
        assert_eq!(
            c.section.downstream,
            Some(Downstream::Canal("cn-main".into()))
        );
        // And back: the properties it writes read into the same section.
        let back = section_properties(&c.section);
        let again = section_from_canal("cn-dd-tc-planned", &back, &line()).unwrap();
        assert_eq!(again.section, c.section);
        assert!(again.assumptions.is_empty());
    }

    #[test]
    fn every_problem_of_a_canal_is_named() {
        let props = json!({"shape": "trapezoidal", "width_m": "wide", "invert_start_m": 2.0,
            "flows_to": "a", "outfall": "b"});
        let problems = section_from_canal("cn-x", props.as_object().unwrap(), &line()).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            [
                "canal cn-x: property width_m: must be a number, not \"wide\"",
                "canal cn-x: property width_m: missing: the bottom width (or a pipe's diameter) in metres",
                "canal cn-x: property depth_m: missing: the depth from bed to top of bank in metres",
                "canal cn-x: property lining: missing: one of the linings of data/hydraulics/manning_n.csv",
                "canal cn-x: property invert_start_m: give the invert at both ends, or neither and a slope",
                "canal cn-x: property flows_to: both flows_to and outfall are given: which way does it flow?",
            ]
        );
    }

    #[test]
    fn catchment_land_use_from_parcels() {
        // Outline 100 m × 100 m; an ONT parcel 50 × 100 half inside (2 500 m² in), a LUC
        // parcel 20 × 20 wholly inside (400 m²).
        let sq = |x0: f64, y0: f64, x1: f64, y1: f64| {
            Polygon::new(
                LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
                vec![],
            )
        };
        let outline = sq(0.0, 0.0, 100.0, 100.0);
        let ont = sq(75.0, 0.0, 125.0, 100.0);
        let luc = sq(10.0, 10.0, 30.0, 30.0);
        let c = catchment_from_parcels("k", "c", &outline, [("ONT", &ont), ("LUC", &luc)]);
        assert!((c.area_m2 - 10_000.0).abs() < 1e-6);
        let area = |code: &str| c.land_use.iter().find(|l| l.code == code).unwrap().area_m2;
        assert!((area("ONT") - 2_500.0).abs() < 1e-6);
        assert!((area("LUC") - 400.0).abs() < 1e-6);
    }
}
