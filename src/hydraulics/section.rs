//! Cross-sections and Manning's equation: how much water a rectangular, trapezoidal or
//! circular section carries at a depth, the normal depth of a flow, and the smallest width,
//! depth or diameter that carries a flow.
//!
//! Manning (SI): Q = (1/n)·A·R^(2/3)·S^(1/2), with A the flow area (m²), R = A/P the
//! hydraulic radius (m), P the wetted perimeter (m), S the bed slope (m/m).

use serde::{Deserialize, Serialize};

/// The shape of a cross-section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// An open rectangular channel (SWMM RECT_OPEN).
    RectangularOpen,
    /// An open trapezoidal channel (SWMM TRAPEZOIDAL).
    TrapezoidalOpen,
    /// A circular pipe (SWMM CIRCULAR).
    CircularPipe,
}

impl Shape {
    /// Reads a shape's name as canals and users write it.
    pub fn parse(s: &str) -> Option<Shape> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rectangular" | "rectangular_open" | "rect_open" | "rect" => {
                Some(Shape::RectangularOpen)
            }
            "trapezoidal" | "trapezoidal_open" | "trapezoid" => Some(Shape::TrapezoidalOpen),
            "circular" | "circular_pipe" | "pipe" => Some(Shape::CircularPipe),
            _ => None,
        }
    }

    /// The shape's name as serialised (`rectangular_open`, …).
    pub fn name(self) -> &'static str {
        match self {
            Shape::RectangularOpen => "rectangular_open",
            Shape::TrapezoidalOpen => "trapezoidal_open",
            Shape::CircularPipe => "circular_pipe",
        }
    }

    /// Whether the section is an open channel (freeboard applies).
    pub fn is_open(self) -> bool {
        !matches!(self, Shape::CircularPipe)
    }
}

/// A cross-section's geometry in metres.
///
/// For a circular pipe `bottom_width_m` and `depth_m` are both the diameter and
/// `side_slope` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CrossSection {
    /// The shape.
    pub shape: Shape,
    /// Bottom width, m (the diameter of a pipe).
    pub bottom_width_m: f64,
    /// Depth from invert to top of bank, m (the diameter of a pipe).
    pub depth_m: f64,
    /// Side slope z, horizontal per 1 vertical (0 for rectangular and pipes).
    pub side_slope: f64,
}

/// A rule a cross-section breaks.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SectionRule {
    /// Width or diameter not a positive number.
    #[error("bottom width / diameter must be > 0 m, not {0}")]
    Width(f64),
    /// Depth not a positive number.
    #[error("depth must be > 0 m, not {0}")]
    Depth(f64),
    /// A negative or non-finite side slope.
    #[error("side slope must be >= 0 (horizontal per vertical), not {0}")]
    SideSlope(f64),
}

impl CrossSection {
    /// An open rectangular channel.
    pub fn rectangular(bottom_width_m: f64, depth_m: f64) -> CrossSection {
        CrossSection {
            shape: Shape::RectangularOpen,
            bottom_width_m,
            depth_m,
            side_slope: 0.0,
        }
    }

    /// An open trapezoidal channel with side slope z (horizontal per vertical).
    pub fn trapezoidal(bottom_width_m: f64, depth_m: f64, side_slope: f64) -> CrossSection {
        CrossSection {
            shape: Shape::TrapezoidalOpen,
            bottom_width_m,
            depth_m,
            side_slope,
        }
    }

    /// A circular pipe.
    pub fn circular(diameter_m: f64) -> CrossSection {
        CrossSection {
            shape: Shape::CircularPipe,
            bottom_width_m: diameter_m,
            depth_m: diameter_m,
            side_slope: 0.0,
        }
    }

    /// Checks the dimensions: all the rules broken.
    pub fn check(&self) -> Vec<SectionRule> {
        let mut out = Vec::new();
        if !(self.bottom_width_m.is_finite() && self.bottom_width_m > 0.0) {
            out.push(SectionRule::Width(self.bottom_width_m));
        }
        if self.shape != Shape::CircularPipe && !(self.depth_m.is_finite() && self.depth_m > 0.0) {
            out.push(SectionRule::Depth(self.depth_m));
        }
        if !(self.side_slope.is_finite() && self.side_slope >= 0.0) {
            out.push(SectionRule::SideSlope(self.side_slope));
        }
        out
    }

    /// The full depth: the bank height, or a pipe's diameter.
    pub fn full_depth_m(&self) -> f64 {
        match self.shape {
            Shape::CircularPipe => self.bottom_width_m,
            _ => self.depth_m,
        }
    }

    fn z(&self) -> f64 {
        match self.shape {
            Shape::TrapezoidalOpen => self.side_slope,
            _ => 0.0,
        }
    }

    /// The central angle θ (radians) of a pipe's wetted arc at depth y.
    fn theta(&self, y: f64) -> f64 {
        let d = self.bottom_width_m;
        2.0 * (1.0 - 2.0 * (y / d).clamp(0.0, 1.0)).acos()
    }

    /// Flow area at depth y (m²).
    pub fn area_m2(&self, y: f64) -> f64 {
        let y = y.clamp(0.0, self.full_depth_m());
        match self.shape {
            Shape::CircularPipe => {
                let (d, t) = (self.bottom_width_m, self.theta(y));
                d * d / 8.0 * (t - t.sin())
            }
            _ => (self.bottom_width_m + self.z() * y) * y,
        }
    }

    /// Wetted perimeter at depth y (m); the open top of a channel is not wetted.
    pub fn wetted_perimeter_m(&self, y: f64) -> f64 {
        let y = y.clamp(0.0, self.full_depth_m());
        match self.shape {
            Shape::CircularPipe => self.bottom_width_m * self.theta(y) / 2.0,
            _ => self.bottom_width_m + 2.0 * y * (1.0 + self.z() * self.z()).sqrt(),
        }
    }

    /// Water-surface width at depth y (m).
    pub fn top_width_m(&self, y: f64) -> f64 {
        let y = y.clamp(0.0, self.full_depth_m());
        match self.shape {
            Shape::CircularPipe => self.bottom_width_m * (self.theta(y) / 2.0).sin(),
            _ => self.bottom_width_m + 2.0 * self.z() * y,
        }
    }

    /// Hydraulic radius A/P at depth y (m).
    pub fn hydraulic_radius_m(&self, y: f64) -> f64 {
        let p = self.wetted_perimeter_m(y);
        if p > 0.0 { self.area_m2(y) / p } else { 0.0 }
    }

    /// Manning's flow at depth y (m³/s) for roughness n and slope S.
    ///
    /// # Examples
    ///
    /// ```
    /// use drainplan::hydraulics::CrossSection;
    /// // 1 m × 0.8 m open rectangle, n 0.015, S 0.002: A = 0.8, P = 2.6,
    /// // Q = 0.8 · (0.8/2.6)^(2/3) · 0.002^(1/2) / 0.015 = 1.087 m³/s.
    /// let q = CrossSection::rectangular(1.0, 0.8).manning_flow_m3s(0.015, 0.002, 0.8);
    /// assert!((q - 1.087).abs() < 0.001);
    /// ```
    pub fn manning_flow_m3s(&self, n: f64, slope: f64, y: f64) -> f64 {
        if n <= 0.0 || slope <= 0.0 {
            return 0.0;
        }
        self.area_m2(y) * self.hydraulic_radius_m(y).powf(2.0 / 3.0) * slope.sqrt() / n
    }

    /// Manning's flow with the section flowing at its full depth (what SWMM reports as a
    /// conduit's "Full Flow").
    pub fn full_flow_m3s(&self, n: f64, slope: f64) -> f64 {
        self.manning_flow_m3s(n, slope, self.full_depth_m())
    }

    /// The normal depth (m) at which the section carries `flow_m3s`, by bisection; `None`
    /// when the flow is more than the section carries at `max_depth_m` (for a pipe at most
    /// its diameter). For a pipe the search stays below 0.938·D, where the flow is largest,
    /// so that the answer is the lower of the two depths that carry a flow near full.
    pub fn normal_depth_m(
        &self,
        n: f64,
        slope: f64,
        flow_m3s: f64,
        max_depth_m: f64,
    ) -> Option<f64> {
        if flow_m3s <= 0.0 {
            return Some(0.0);
        }
        let top = match self.shape {
            Shape::CircularPipe => max_depth_m.min(0.938 * self.bottom_width_m),
            _ => max_depth_m.min(self.full_depth_m()),
        };
        let carried_at = |y: f64| self.manning_flow_m3s(n, slope, y);
        let limit = match self.shape {
            Shape::CircularPipe if max_depth_m >= self.bottom_width_m => {
                self.full_flow_m3s(n, slope)
            }
            _ => carried_at(top),
        };
        if flow_m3s > limit {
            return None;
        }
        Some(bisect(0.0, top, |y| carried_at(y) >= flow_m3s))
    }
}

/// The smallest x in [lo, hi] for which `enough(x)` holds, given that it holds at `hi`
/// and, past some point, for every larger x: 100 halvings, far below a millimetre.
pub(crate) fn bisect(mut lo: f64, mut hi: f64, enough: impl Fn(f64) -> bool) -> f64 {
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if enough(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi - lo < 1e-9 {
            break;
        }
    }
    hi
}

/// Doubles `start` until `enough` holds; `None` past 1 km (nothing a village builds).
fn bracket(start: f64, enough: &impl Fn(f64) -> bool) -> Option<f64> {
    let mut hi = start.max(0.01);
    while !enough(hi) {
        hi *= 2.0;
        if hi > 1_000.0 {
            return None;
        }
    }
    Some(hi)
}

/// The smallest bottom width (m) at which an open section, keeping its depth and side
/// slope, carries `flow_m3s` at depth `depth_m - freeboard_m` (Manning, by bisection).
/// `None` for a pipe, or when no width up to 1 km does.
pub fn min_bottom_width_m(
    section: &CrossSection,
    n: f64,
    slope: f64,
    flow_m3s: f64,
    freeboard_m: f64,
) -> Option<f64> {
    if !section.shape.is_open() {
        return None;
    }
    let y = section.depth_m - freeboard_m;
    if y <= 0.0 {
        return None;
    }
    let enough = |b: f64| {
        CrossSection {
            bottom_width_m: b,
            ..*section
        }
        .manning_flow_m3s(n, slope, y)
            >= flow_m3s
    };
    let hi = bracket(section.bottom_width_m, &enough)?;
    Some(bisect(0.0, hi, enough))
}

/// The smallest depth (m, freeboard included) at which an open section, keeping its bottom
/// width and side slope, carries `flow_m3s` at depth less freeboard. `None` for a pipe.
pub fn min_depth_m(
    section: &CrossSection,
    n: f64,
    slope: f64,
    flow_m3s: f64,
    freeboard_m: f64,
) -> Option<f64> {
    if !section.shape.is_open() {
        return None;
    }
    let wide_open = CrossSection {
        depth_m: f64::MAX,
        ..*section
    };
    let enough = |y: f64| wide_open.manning_flow_m3s(n, slope, y) >= flow_m3s;
    let hi = bracket(section.depth_m, &enough)?;
    Some(bisect(0.0, hi, enough) + freeboard_m)
}

/// The smallest diameter (m) of a pipe that carries `flow_m3s` flowing full.
pub fn min_diameter_m(n: f64, slope: f64, flow_m3s: f64) -> Option<f64> {
    let enough = |d: f64| CrossSection::circular(d).full_flow_m3s(n, slope) >= flow_m3s;
    let hi = bracket(0.1, &enough)?;
    Some(bisect(0.0, hi, enough))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn rectangular_manning_by_hand() {
        // b = 1, y = 0.8: A = 0.8 m², P = 1 + 2·0.8 = 2.6 m, R = 0.307692 m,
        // R^(2/3) = exp(2/3 · ln 0.307692) = exp(-0.785770) = 0.455769,
        // √0.002 = 0.0447214; Q = 0.8 · 0.455769 · 0.0447214 / 0.015 = 1.087072 m³/s.
        let s = CrossSection::rectangular(1.0, 0.8);
        assert_relative_eq!(s.area_m2(0.8), 0.8);
        assert_relative_eq!(s.wetted_perimeter_m(0.8), 2.6);
        assert_relative_eq!(s.full_flow_m3s(0.015, 0.002), 1.087072, max_relative = 1e-5);
    }

    #[test]
    fn trapezoidal_geometry_by_hand() {
        // b = 1, z = 1.5, y = 0.6: A = (1 + 1.5·0.6)·0.6 = 1.14 m²;
        // P = 1 + 2·0.6·√(1 + 2.25) = 1 + 1.2·1.802776 = 3.163331 m; T = 1 + 2·1.5·0.6 = 2.8.
        // Q (n 0.025, S 0.001) = 1.14 · (1.14/3.163331)^(2/3) · 0.0316228 / 0.025:
        // R = 0.360380, R^(2/3) = exp(2/3 · ln 0.360380) = exp(-0.680397) = 0.506415,
        // Q = 1.14 · 0.506415 · 0.0316228 / 0.025 = 0.730250 m³/s.
        let s = CrossSection::trapezoidal(1.0, 0.8, 1.5);
        assert_relative_eq!(s.area_m2(0.6), 1.14, max_relative = 1e-12);
        assert_relative_eq!(s.wetted_perimeter_m(0.6), 3.163331, max_relative = 1e-6);
        assert_relative_eq!(s.top_width_m(0.6), 2.8, max_relative = 1e-12);
        assert_relative_eq!(
            s.manning_flow_m3s(0.025, 0.001, 0.6),
            0.730250,
            max_relative = 1e-5
        );
    }

    #[test]
    fn circular_geometry_by_hand() {
        // D = 0.6 full: A = π·0.36/4 = 0.282743, P = π·0.6 = 1.884956, R = D/4 = 0.15.
        // Q (n 0.013, S 0.003) = 0.282743 · 0.15^(2/3) · √0.003 / 0.013:
        // 0.15^(2/3) = exp(2/3 · -1.897120) = exp(-1.264747) = 0.282311; √0.003 = 0.0547723;
        // Q = 0.282743 · 0.282311 · 0.0547723 / 0.013 = 0.336307 m³/s.
        let s = CrossSection::circular(0.6);
        assert_relative_eq!(s.area_m2(0.6), 0.282743, max_relative = 1e-5);
        assert_relative_eq!(s.hydraulic_radius_m(0.6), 0.15, max_relative = 1e-12);
        assert_relative_eq!(s.full_flow_m3s(0.013, 0.003), 0.336307, max_relative = 1e-5);
        // Half full: A = half the circle, P = half the circumference, R = D/4 again,
        // so Q is half of Q full and the top width is D.
        assert_relative_eq!(s.area_m2(0.3), 0.282743 / 2.0, max_relative = 1e-5);
        assert_relative_eq!(s.top_width_m(0.3), 0.6, max_relative = 1e-12);
        assert_relative_eq!(
            s.manning_flow_m3s(0.013, 0.003, 0.3),
            0.336307 / 2.0,
            max_relative = 1e-5
        );
    }

    #[test]
    fn normal_depth_inverts_manning() {
        // The 1 m × 0.8 m rectangle carries 1.087072 m³/s at 0.8 m (hand calculation above),
        // so that flow's normal depth is 0.8 m; the pipe half full carries half its full flow.
        let s = CrossSection::rectangular(1.0, 1.0);
        let y = s.normal_depth_m(0.015, 0.002, 1.087072, 1.0).unwrap();
        assert_relative_eq!(y, 0.8, max_relative = 1e-5);
        let p = CrossSection::circular(0.6);
        let y = p.normal_depth_m(0.013, 0.003, 0.336307 / 2.0, 0.6).unwrap();
        assert_relative_eq!(y, 0.3, max_relative = 1e-5);
        assert!(s.normal_depth_m(0.015, 0.002, 5.0, 1.0).is_none());
    }

    #[test]
    fn smallest_sizes_solve_manning() {
        // Rectangle of depth 1.0 with 0.2 m freeboard flows at 0.8 m; it carries
        // 1.087072 m³/s at b = 1 (hand calculation above), so that is the smallest width.
        let s = CrossSection::rectangular(0.5, 1.0);
        let b = min_bottom_width_m(&s, 0.015, 0.002, 1.087072, 0.2).unwrap();
        assert_relative_eq!(b, 1.0, max_relative = 1e-5);
        // At b = 1 the same flow needs a water depth of 0.8 m: depth 1.0 with freeboard.
        let s = CrossSection::rectangular(1.0, 0.5);
        let d = min_depth_m(&s, 0.015, 0.002, 1.087072, 0.2).unwrap();
        assert_relative_eq!(d, 1.0, max_relative = 1e-5);
        // Pipe: closed form D = (Q·n·4^(5/3) / (π·√S))^(3/8); for Q = 0.336307, n 0.013,
        // S 0.003: 4^(5/3) = 10.07937; Q·n·that = 0.0440667; π·√S = 0.172072;
        // ratio 0.256094; ^(3/8) = exp(0.375 · ln 0.256094) = exp(-0.510678) = 0.600 m.
        let d = min_diameter_m(0.013, 0.003, 0.336307).unwrap();
        assert_relative_eq!(d, 0.6, max_relative = 1e-5);
    }

    #[test]
    fn bad_dimensions_are_named() {
        let s = CrossSection::trapezoidal(-1.0, 0.0, -0.5);
        assert_eq!(
            s.check(),
            vec![
                SectionRule::Width(-1.0),
                SectionRule::Depth(0.0),
                SectionRule::SideSlope(-0.5)
            ]
        );
    }
}
