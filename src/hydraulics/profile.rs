//! A canal's longitudinal profile: chainage against ground level, bed (invert), top of
//! bank and design water level, as numbers and as a small self-contained SVG.
//!
//! 1. The ground comes from survey points (chainage from the upstream end, level).
//! 2. The invert runs straight between the section's upstream and downstream inverts.
//! 3. The design water level is the invert plus the normal depth of the design flow (the
//!    full depth where the flow overtops, which the verdict already says).
//! 4. The SVG draws ground, top of bank, water and invert as polylines with one point per
//!    survey point, on axes labelled in metres.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::design::SectionResult;
use super::network::Section;

/// A surveyed ground level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroundPoint {
    /// Distance from the canal's upstream end, m.
    pub chainage_m: f64,
    /// Ground level, m above datum.
    pub level_m: f64,
}

/// One station of the profile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProfilePoint {
    /// Chainage, m.
    pub chainage_m: f64,
    /// Ground level, m.
    pub ground_m: f64,
    /// Bed level, m.
    pub invert_m: f64,
    /// Top of bank (or pipe crown), m.
    pub top_m: f64,
    /// Design water level, m.
    pub water_m: f64,
}

/// A canal's profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The canal.
    pub canal_id: String,
    /// Design flow, m³/s.
    pub design_flow_m3s: f64,
    /// The stations, by chainage.
    pub points: Vec<ProfilePoint>,
}

/// Why a profile could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    /// Fewer than two survey points.
    #[error("canal {canal_id}: a profile needs at least two ground points")]
    TooFewPoints {
        /// The canal.
        canal_id: String,
    },
    /// A survey point off the canal or not a number.
    #[error(
        "canal {canal_id}: ground point at chainage {chainage_m} m is outside 0 … {length_m} m or not a number"
    )]
    Chainage {
        /// The canal.
        canal_id: String,
        /// Its chainage.
        chainage_m: f64,
        /// The canal's length.
        length_m: f64,
    },
    /// The result is of another canal.
    #[error("profile of {canal_id} given the result of {result_id}")]
    Mismatch {
        /// The section's canal.
        canal_id: String,
        /// The result's canal.
        result_id: String,
    },
}

/// The profile of a section from its absolute inverts (e.g. from
/// [`super::Network::invert_levels`]), its design result and surveyed ground points.
pub fn longitudinal_profile(
    section: &Section,
    inverts_m: (f64, f64),
    result: &SectionResult,
    ground: &[GroundPoint],
) -> Result<Profile, ProfileError> {
    let id = &section.canal_id;
    if result.canal_id != *id {
        return Err(ProfileError::Mismatch {
            canal_id: id.clone(),
            result_id: result.canal_id.clone(),
        });
    }
    if ground.len() < 2 {
        return Err(ProfileError::TooFewPoints {
            canal_id: id.clone(),
        });
    }
    let length = section.length_m;
    let mut ground = ground.to_vec();
    for g in &ground {
        let ok = g.chainage_m.is_finite()
            && g.level_m.is_finite()
            && g.chainage_m >= -1e-6
            && g.chainage_m <= length + 1e-6;
        if !ok {
            return Err(ProfileError::Chainage {
                canal_id: id.clone(),
                chainage_m: g.chainage_m,
                length_m: length,
            });
        }
    }
    ground.sort_by(|a, b| a.chainage_m.total_cmp(&b.chainage_m));
    let full = section.cross_section.full_depth_m();
    let depth = result.normal_depth_m.unwrap_or(full);
    let points = ground
        .iter()
        .map(|g| {
            let f = if length > 0.0 {
                g.chainage_m / length
            } else {
                0.0
            };
            let invert = inverts_m.0 + (inverts_m.1 - inverts_m.0) * f;
            ProfilePoint {
                chainage_m: g.chainage_m,
                ground_m: g.level_m,
                invert_m: invert,
                top_m: invert + full,
                water_m: invert + depth,
            }
        })
        .collect();
    Ok(Profile {
        canal_id: id.clone(),
        design_flow_m3s: result.design_flow_m3s,
        points,
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Profile {
    /// The profile as a standalone SVG document (no external references): ground in
    /// brown, top of bank dashed grey, design water blue, invert black; one polyline point
    /// per station.
    pub fn to_svg(&self) -> String {
        const W: f64 = 800.0;
        const H: f64 = 320.0;
        const LEFT: f64 = 60.0;
        const RIGHT: f64 = 20.0;
        const TOP: f64 = 40.0;
        const BOTTOM: f64 = 40.0;
        let x_max = self.points.iter().map(|p| p.chainage_m).fold(0.0, f64::max);
        let x_min = self
            .points
            .iter()
            .map(|p| p.chainage_m)
            .fold(x_max, f64::min);
        let levels = self
            .points
            .iter()
            .flat_map(|p| [p.ground_m, p.invert_m, p.top_m, p.water_m]);
        let (mut y_min, mut y_max) = (f64::MAX, f64::MIN);
        for l in levels {
            (y_min, y_max) = (y_min.min(l), y_max.max(l));
        }
        let pad = ((y_max - y_min) * 0.1).max(0.1);
        let (y_min, y_max) = (y_min - pad, y_max + pad);
        let span_x = (x_max - x_min).max(1e-9);
        let px = |c: f64| LEFT + (c - x_min) / span_x * (W - LEFT - RIGHT);
        let py = |l: f64| TOP + (y_max - l) / (y_max - y_min) * (H - TOP - BOTTOM);
        let line = |pick: fn(&ProfilePoint) -> f64| {
            self.points
                .iter()
                .map(|p| format!("{:.1},{:.1}", px(p.chainage_m), py(pick(p))))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut s = String::new();
        // `write!` into a String cannot fail.
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(
            s,
            r#"<title>Longitudinal profile of {} (design flow {:.3} m³/s)</title>"#,
            escape(&self.canal_id),
            self.design_flow_m3s
        );
        let _ = writeln!(
            s,
            r#"<rect x="0" y="0" width="{W}" height="{H}" fill="white"/>"#
        );
        let _ = writeln!(
            s,
            r#"<text x="{LEFT}" y="20">{} — Q = {:.3} m³/s</text>"#,
            escape(&self.canal_id),
            self.design_flow_m3s
        );
        let (x0, x1, y0, y1) = (LEFT, W - RIGHT, TOP, H - BOTTOM);
        let _ = writeln!(
            s,
            r##"<path d="M{x0},{y0} L{x0},{y1} L{x1},{y1}" fill="none" stroke="#444"/>"##
        );
        let _ = writeln!(
            s,
            r#"<text x="{x0}" y="{}" text-anchor="start">{:.0} m</text><text x="{x1}" y="{}" text-anchor="end">{:.0} m</text>"#,
            y1 + 16.0,
            x_min,
            y1 + 16.0,
            x_max
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{:.2}</text><text x="{}" y="{}" text-anchor="end">{:.2}</text>"#,
            x0 - 4.0,
            y0 + 4.0,
            y_max,
            x0 - 4.0,
            y1,
            y_min
        );
        for (id, colour, dash, pick) in [
            (
                "ground",
                "#8b5a2b",
                "",
                (|p: &ProfilePoint| p.ground_m) as fn(&ProfilePoint) -> f64,
            ),
            ("top", "#888888", r#" stroke-dasharray="6 4""#, |p| p.top_m),
            ("water", "#1f6fd1", "", |p| p.water_m),
            ("invert", "#000000", "", |p| p.invert_m),
        ] {
            let _ = writeln!(
                s,
                r#"<polyline id="{id}" points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
                line(pick)
            );
        }
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end"><tspan fill="#8b5a2b">ground</tspan> <tspan fill="#888888">bank</tspan> <tspan fill="#1f6fd1">design water</tspan> <tspan fill="#000000">invert</tspan></text>"##,
            x1,
            TOP - 8.0
        );
        s.push_str("</svg>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hydraulics::network::tests::section;
    use crate::hydraulics::network::{Catchment, Downstream, LandUseArea, Network};
    use crate::hydraulics::{DesignOptions, Tables, design};
    use quick_xml::Reader;
    use quick_xml::events::Event;

    #[test]
    fn profile_svg_is_xml_with_a_point_per_station() {
        let tables = Tables::bundled().unwrap();
        let s = section("cn-<&>", Some(Downstream::Outfall("o".into())));
        let c = Catchment {
            id: "a".into(),
            drains_to: s.canal_id.clone(),
            area_m2: 20_000.0,
            land_use: vec![LandUseArea {
                code: "ONT".into(),
                area_m2: 20_000.0,
            }],
            surface_time_min: None,
            gutter_time_min: None,
            overland_length_m: None,
            slope_percent: None,
            polygon: None,
        };
        let net = Network::new(vec![s.clone()], vec![c], &tables).unwrap();
        let r = &design(&net, &tables, &DesignOptions::default()).unwrap()[0];
        let ground: Vec<GroundPoint> = [
            (0.0, 3.6),
            (25.0, 3.5),
            (50.0, 3.7),
            (75.0, 3.4),
            (100.0, 3.3),
        ]
        .iter()
        .map(|&(c, l)| GroundPoint {
            chainage_m: c,
            level_m: l,
        })
        .collect();
        let p = longitudinal_profile(&s, (2.2, 2.0), r, &ground).unwrap();
        // Invert halfway: 2.2 + (2.0 − 2.2) · 0.5 = 2.1; water = invert + normal depth.
        assert!((p.points[2].invert_m - 2.1).abs() < 1e-12);
        assert!((p.points[2].water_m - (2.1 + r.normal_depth_m.unwrap())).abs() < 1e-12);
        let svg = p.to_svg();
        let mut reader = Reader::from_str(&svg);
        let mut polylines = 0;
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Eof => break,
                Event::Empty(e) | Event::Start(e) if e.name().as_ref() == b"polyline" => {
                    polylines += 1;
                    // Point lists hold digits, commas, dots and spaces: nothing to unescape.
                    let attr = e.try_get_attribute("points").unwrap().unwrap();
                    let points = String::from_utf8(attr.value.to_vec()).unwrap();
                    assert_eq!(points.split_whitespace().count(), 5, "{points}");
                }
                _ => {}
            }
        }
        assert_eq!(polylines, 4);
        assert!(svg.contains("cn-&lt;&amp;&gt;"));
    }

    #[test]
    fn bad_survey_points_are_named() {
        let tables = Tables::bundled().unwrap();
        let s = section("c", Some(Downstream::Outfall("o".into())));
        let net = Network::new(vec![s.clone()], vec![], &tables).unwrap();
        let r = &design(&net, &tables, &DesignOptions::default()).unwrap()[0];
        let one = [GroundPoint {
            chainage_m: 0.0,
            level_m: 3.0,
        }];
        assert!(matches!(
            longitudinal_profile(&s, (2.2, 2.0), r, &one),
            Err(ProfileError::TooFewPoints { .. })
        ));
        let off = [
            GroundPoint {
                chainage_m: 0.0,
                level_m: 3.0,
            },
            GroundPoint {
                chainage_m: 120.0,
                level_m: 3.0,
            },
        ];
        assert!(
            matches!(longitudinal_profile(&s, (2.2, 2.0), r, &off), Err(ProfileError::Chainage { chainage_m, .. }) if chainage_m == 120.0)
        );
    }
}
