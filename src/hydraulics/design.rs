//! "Will the canal carry the water?" — design flow by the rational method against capacity
//! by Manning, for every section of a network, downstream in flow order.
//!
//! For each section, upstream first:
//!
//! 1. Return period P from its class (data/hydraulics/return_periods.csv).
//! 2. Contributing catchments: its own and those of every section upstream; area F (ha)
//!    and area-weighted ψ at P.
//! 3. Entry time: the latest of its own catchments' t0 + t1 (surface and gutter time) and
//!    of the times of concentration of the sections flowing into it.
//! 4. Time of concentration t = entry time + t2, t2 = L / (60·v) the flow time along the
//!    section itself (its most remote water enters at its upstream end). v depends on the
//!    flow, the flow on t, so t is found by fixed-point iteration: start from the velocity
//!    at design depth; then t → q → Q → normal depth → v → t, until t moves less than
//!    0.001 min (at most 100 rounds). Longer t gives less flow and a slower canal, so the
//!    rounds move one way and settle; one that does not is an error.
//! 5. q = A(1 + C·lg P)/(t + b)^n (l/s·ha); Q = ψ·q·F / 1000 (m³/s, since
//!    1 l/s·ha × 1 ha = 1 l/s).
//! 6. Capacity: Manning at design depth = depth − freeboard for open channels, at full
//!    depth for pipes (rain-water pipes are designed to run full).
//! 7. Velocity at the design flow (normal depth), against the lining's least self-cleansing
//!    and greatest non-scouring velocity; ratio Q / capacity; verdict.
//! 8. For an undersized section: the smallest bottom width at its depth and the smallest
//!    depth at its width (a pipe: the smallest diameter) that carry Q, by bisection on
//!    Manning's equation, at the same Q (a larger section is slower, so its own Q would be
//!    a little less: the sizes are on the safe side).

use std::collections::BTreeMap;

use serde::Serialize;

use super::network::{Downstream, Network, Section};
use super::runoff::{self, RunoffError};
use super::section::{self, Shape};
use super::tables::{RainStation, Tables};

/// Choices for one design run; `None` takes the tables' default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesignOptions {
    /// The rain station (data/hydraulics/rain_stations.csv).
    pub station: Option<String>,
    /// Freeboard of open channels, m.
    pub freeboard_m: Option<f64>,
    /// One return period for every section instead of the one of its class.
    pub return_period_years: Option<u32>,
}

/// What the check says of a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Carries the design flow within its freeboard at a velocity within the limits.
    Adequate,
    /// The design flow is more than its capacity at design depth.
    Undersized,
    /// Faster than the lining's non-scouring velocity.
    Scouring,
    /// Slower than the least self-cleansing velocity: it will silt up.
    TooSlow,
    /// No catchment drains into it or above it.
    NoInflow,
}

/// The smallest sizes that would carry the design flow.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Resize {
    /// Smallest bottom width at the section's depth and side slope, m (open channels).
    pub min_bottom_width_m: Option<f64>,
    /// Smallest depth (freeboard included) at the section's width, m (open channels).
    pub min_depth_m: Option<f64>,
    /// Smallest diameter, m (pipes).
    pub min_diameter_m: Option<f64>,
}

/// The check of one section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionResult {
    /// The canal.
    pub canal_id: String,
    /// Its shape.
    pub shape: Shape,
    /// Bottom width (a pipe's diameter), m.
    pub bottom_width_m: f64,
    /// Depth (a pipe's diameter), m.
    pub depth_m: f64,
    /// Side slope, horizontal per vertical.
    pub side_slope: f64,
    /// Its lining.
    pub lining: String,
    /// Manning's n used.
    pub manning_n: f64,
    /// Bed slope, m/m.
    pub slope: f64,
    /// Length, m.
    pub length_m: f64,
    /// Where it flows.
    pub downstream: Option<Downstream>,
    /// Its class.
    pub canal_class: String,
    /// The design return period, years.
    pub return_period_years: u32,
    /// Contributing area (own and upstream catchments), ha.
    pub catchment_area_ha: f64,
    /// Area-weighted ψ of that area at the return period.
    pub runoff_coefficient: f64,
    /// Time of concentration at the section's downstream end, min.
    pub time_of_concentration_min: f64,
    /// Flow time along the section itself at its computed velocity, min.
    pub flow_time_min: f64,
    /// Design rain intensity, l/s·ha.
    pub intensity_l_s_ha: f64,
    /// Design flow Q = ψ·q·F, m³/s.
    pub design_flow_m3s: f64,
    /// Depth at which capacity is taken (depth − freeboard; a pipe's diameter), m.
    pub design_depth_m: f64,
    /// Manning's flow at design depth, m³/s.
    pub capacity_m3s: f64,
    /// Manning's flow at full depth (SWMM's "Full Flow"), m³/s.
    pub full_flow_m3s: f64,
    /// Normal depth of the design flow, m; `None` when it overtops the section.
    pub normal_depth_m: Option<f64>,
    /// Mean velocity at the design flow (at full depth when it overtops), m/s.
    pub velocity_m_s: f64,
    /// The lining's least self-cleansing velocity, m/s.
    pub min_velocity_m_s: f64,
    /// The lining's greatest non-scouring velocity, m/s.
    pub max_velocity_m_s: f64,
    /// Design flow / capacity.
    pub ratio: f64,
    /// The worst finding: undersized, then scouring, then too slow.
    pub verdict: Verdict,
    /// Every finding (empty when adequate).
    pub findings: Vec<Verdict>,
    /// For an undersized section, the smallest sizes that pass.
    pub resize: Option<Resize>,
    /// The rain station used.
    pub rain_station: String,
    /// True when the station's constants were not checked against the standard's text.
    pub rain_constants_unverified: bool,
    /// True when any runoff, Manning or velocity row used is unverified.
    pub tables_unverified: bool,
    /// Rounds of the time-of-concentration iteration.
    pub iterations: u32,
}

/// Why a design run failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DesignError {
    /// A station not in the table.
    #[error("rain station {0:?} is not in rain_stations.csv")]
    UnknownStation(String),
    /// A return period without a runoff column.
    #[error("return period {0} years has no column in runoff_coefficients.csv")]
    ReturnPeriod(u32),
    /// Freeboard that leaves no depth to flow in.
    #[error("canal {canal_id}: freeboard {freeboard_m} m leaves nothing of its depth {depth_m} m")]
    Freeboard {
        /// The canal.
        canal_id: String,
        /// Its depth.
        depth_m: f64,
        /// The freeboard.
        freeboard_m: f64,
    },
    /// The time of concentration did not settle.
    #[error("canal {canal_id}: the time of concentration did not settle in {iterations} rounds")]
    NotConverged {
        /// The canal.
        canal_id: String,
        /// Rounds run.
        iterations: u32,
    },
    /// A runoff coefficient could not be computed.
    #[error("catchments of canal {canal_id}: {source}")]
    Runoff {
        /// The canal.
        canal_id: String,
        /// The cause.
        #[source]
        source: RunoffError,
    },
}

const TOLERANCE_MIN: f64 = 0.001;
const MAX_ROUNDS: u32 = 100;

/// Checks every section of the network, upstream first (see the module's steps); results
/// in flow order.
///
/// # Examples
///
/// ```
/// use drainplan::hydraulics::*;
/// let tables = Tables::bundled().unwrap();
/// let canal = Section {
///     canal_id: "c1".into(),
///     cross_section: CrossSection::rectangular(1.0, 1.0),
///     lining: "brick".into(),
///     manning_n: None,
///     length_m: 200.0,
///     levels: Some(Levels::Slope(0.002)),
///     downstream: Some(Downstream::Outfall("river".into())),
///     canal_class: None,
///     line: None,
/// };
/// let area = Catchment {
///     id: "a1".into(), drains_to: "c1".into(), area_m2: 30_000.0,
///     land_use: vec![LandUseArea { code: "ONT".into(), area_m2: 30_000.0 }],
///     surface_time_min: None, gutter_time_min: None, overland_length_m: None,
///     slope_percent: None, polygon: None,
/// };
/// let net = Network::new(vec![canal], vec![area], &tables).unwrap();
/// let r = &design(&net, &tables, &DesignOptions::default()).unwrap()[0];
/// assert_eq!(r.verdict, Verdict::Adequate);
/// assert!(r.rain_constants_unverified);
/// ```
pub fn design(
    network: &Network,
    tables: &Tables,
    options: &DesignOptions,
) -> Result<Vec<SectionResult>, DesignError> {
    let station = match &options.station {
        Some(s) => tables
            .station(s)
            .ok_or_else(|| DesignError::UnknownStation(s.clone()))?,
        None => tables.default_station(),
    };
    if let Some(p) = options.return_period_years
        && !super::tables::RETURN_PERIODS.contains(&p)
    {
        return Err(DesignError::ReturnPeriod(p));
    }
    let freeboard = options.freeboard_m.unwrap_or(tables.defaults.freeboard_m);
    // The catchments draining into each section, and, as sections are done, the
    // catchments and time of concentration at each section's downstream end.
    let mut own: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in network.catchments().iter().enumerate() {
        own.entry(c.drains_to.as_str()).or_default().push(i);
    }
    let mut upstream_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in network.sections() {
        if let Some(Downstream::Canal(d)) = &s.downstream {
            upstream_of.entry(d.as_str()).or_default().push(&s.canal_id);
        }
    }
    let mut contributing: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut tc: BTreeMap<&str, Option<f64>> = BTreeMap::new();
    let mut out = Vec::new();
    for s in network.in_flow_order() {
        let id = s.canal_id.as_str();
        let mut catchments: Vec<usize> = own.get(id).cloned().unwrap_or_default();
        let mut entry: Option<f64> = None;
        for &ci in &catchments {
            let c = &network.catchments()[ci];
            let t = c
                .surface_time_min
                .unwrap_or(tables.defaults.surface_time_min)
                + c.gutter_time_min.unwrap_or(tables.defaults.gutter_time_min);
            entry = Some(entry.map_or(t, |e: f64| e.max(t)));
        }
        for up in upstream_of.get(id).into_iter().flatten() {
            catchments.extend(contributing.get(up).into_iter().flatten());
            if let Some(Some(t)) = tc.get(up) {
                entry = Some(entry.map_or(*t, |e: f64| e.max(*t)));
            }
        }
        let r = check_section(
            s,
            network,
            &catchments,
            entry,
            station,
            tables,
            options,
            freeboard,
        )?;
        tc.insert(
            id,
            (r.design_flow_m3s > 0.0).then_some(r.time_of_concentration_min),
        );
        contributing.insert(id, catchments);
        out.push(r);
    }
    Ok(out)
}

#[expect(clippy::too_many_arguments, reason = "one private step of `design`")]
fn check_section(
    s: &Section,
    network: &Network,
    catchments: &[usize],
    entry_time_min: Option<f64>,
    station: &RainStation,
    tables: &Tables,
    options: &DesignOptions,
    freeboard: f64,
) -> Result<SectionResult, DesignError> {
    let id = &s.canal_id;
    // `Network::new` checked lining, class, slope and n; the fallbacks keep this total.
    let lining = tables.lining(&s.lining);
    let n = s.manning_n(tables).unwrap_or(0.015);
    let slope = s.slope().unwrap_or(0.0);
    let class = s
        .canal_class
        .clone()
        .unwrap_or_else(|| tables.defaults.canal_class.clone());
    let p = options.return_period_years.unwrap_or_else(|| {
        tables
            .canal_classes
            .get(&class)
            .map_or(2, |c| c.return_period_years)
    });
    let xs = s.cross_section;
    let full_depth = xs.full_depth_m();
    let design_depth = if xs.shape.is_open() {
        xs.depth_m - freeboard
    } else {
        full_depth
    };
    if design_depth <= 0.0 {
        return Err(DesignError::Freeboard {
            canal_id: id.clone(),
            depth_m: xs.depth_m,
            freeboard_m: freeboard,
        });
    }
    let capacity = xs.manning_flow_m3s(n, slope, design_depth);
    let full_flow = xs.full_flow_m3s(n, slope);
    let full_velocity = full_flow / xs.area_m2(full_depth);
    let runoff = runoff::combined(
        catchments.iter().map(|&i| &network.catchments()[i]),
        p,
        tables,
    )
    .map_err(|source| DesignError::Runoff {
        canal_id: id.clone(),
        source,
    })?;
    // The velocity and normal depth of a flow.
    let flow_velocity = |q: f64| match xs.normal_depth_m(n, slope, q, full_depth) {
        Some(y) if y > 0.0 => (Some(y), q / xs.area_m2(y)),
        Some(_) => (Some(0.0), 0.0),
        None => (None, full_velocity),
    };
    let (mut t, mut q_int, mut q, mut depth, mut v, mut flow_time, mut rounds) =
        (0.0, 0.0, 0.0, Some(0.0), 0.0, 0.0, 0);
    if let (Some(entry), true) = (entry_time_min, runoff.area_ha > 0.0) {
        v = capacity / xs.area_m2(design_depth);
        loop {
            rounds += 1;
            flow_time = s.length_m / (60.0 * v);
            let t_new = entry + flow_time;
            q_int = station.intensity_l_s_ha(f64::from(p), t_new);
            q = runoff.coefficient * q_int * runoff.area_ha / 1000.0;
            (depth, v) = flow_velocity(q);
            let settled = (t_new - t).abs() < TOLERANCE_MIN;
            t = t_new;
            if settled {
                break;
            }
            if rounds >= MAX_ROUNDS || v <= 0.0 {
                return Err(DesignError::NotConverged {
                    canal_id: id.clone(),
                    iterations: rounds,
                });
            }
        }
    }
    let (vmin, vmax, lining_verified) = lining.map_or((0.0, f64::INFINITY, false), |l| {
        (
            l.min_velocity_m_s,
            l.max_velocity_m_s,
            l.verified && l.velocity_verified,
        )
    });
    let ratio = if capacity > 0.0 {
        q / capacity
    } else {
        f64::INFINITY
    };
    let mut findings = Vec::new();
    if runoff.area_ha <= 0.0 || entry_time_min.is_none() {
        findings.push(Verdict::NoInflow);
    } else {
        if ratio > 1.0 {
            findings.push(Verdict::Undersized);
        }
        if v > vmax {
            findings.push(Verdict::Scouring);
        }
        if v < vmin {
            findings.push(Verdict::TooSlow);
        }
    }
    let verdict = findings.first().copied().unwrap_or(Verdict::Adequate);
    let resize = findings.contains(&Verdict::Undersized).then(|| Resize {
        min_bottom_width_m: section::min_bottom_width_m(
            &xs,
            n,
            slope,
            q,
            xs.depth_m - design_depth,
        ),
        min_depth_m: section::min_depth_m(&xs, n, slope, q, xs.depth_m - design_depth),
        min_diameter_m: (xs.shape == Shape::CircularPipe)
            .then(|| section::min_diameter_m(n, slope, q))
            .flatten(),
    });
    Ok(SectionResult {
        canal_id: id.clone(),
        shape: xs.shape,
        bottom_width_m: xs.bottom_width_m,
        depth_m: xs.depth_m,
        side_slope: xs.side_slope,
        lining: s.lining.clone(),
        manning_n: n,
        slope,
        length_m: s.length_m,
        downstream: s.downstream.clone(),
        canal_class: class,
        return_period_years: p,
        catchment_area_ha: runoff.area_ha,
        runoff_coefficient: runoff.coefficient,
        time_of_concentration_min: t,
        flow_time_min: flow_time,
        intensity_l_s_ha: q_int,
        design_flow_m3s: q,
        design_depth_m: design_depth,
        capacity_m3s: capacity,
        full_flow_m3s: full_flow,
        normal_depth_m: depth,
        velocity_m_s: v,
        min_velocity_m_s: vmin,
        max_velocity_m_s: vmax,
        ratio,
        verdict,
        findings,
        resize,
        rain_station: station.station.clone(),
        rain_constants_unverified: !station.verified,
        tables_unverified: !(runoff.verified && lining_verified),
        iterations: rounds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hydraulics::network::tests::section;
    use crate::hydraulics::network::{Catchment, LandUseArea, Levels};
    use crate::hydraulics::section::CrossSection;
    use approx::assert_relative_eq;

    fn catchment(id: &str, to: &str, code: &str, area_m2: f64) -> Catchment {
        Catchment {
            id: id.into(),
            drains_to: to.into(),
            area_m2,
            land_use: vec![LandUseArea {
                code: code.into(),
                area_m2,
            }],
            surface_time_min: None,
            gutter_time_min: None,
            overland_length_m: None,
            slope_percent: None,
            polygon: None,
        }
    }

    #[test]
    fn single_canal_by_hand() {
        // A 1 m × 1 m brick rectangle (n 0.015), 100 m falling 0.2 m (S 0.002), freeboard
        // 0.2 m, so it flows at most 0.8 m deep: capacity 1.087072 m³/s (section.rs), velocity
        // at design depth 1.087072 / 0.8 = 1.35884 m/s.
        // Catchment: 3 ha of roads (DGT → concrete, ψ = 0.75 at P = 2), t0 = 10 min.
        // Round 1: t = 10 + 100 / (60 · 1.35884) = 10 + 1.22654 = 11.22654 min;
        //   q = 3997.894 / (31.22654)^0.69 = 372.057 l/s·ha; Q = 0.75 · 372.057 · 3 / 1000
        //   = 0.837129 m³/s; its normal depth 0.65155 m, v = 0.837129 / 0.65155 = 1.28483.
        // Round 2: t = 10 + 100 / (60 · 1.28483) = 11.29719 min, q = 371.478, Q = 0.835824.
        // Round 3 moves t by 0.0005 min; the fixed point (same formulas iterated by hand in
        // Python, independent of this code) is t = 11.29764 min, q = 371.474 l/s·ha,
        // Q = 0.835816 m³/s, normal depth 0.650755 m, v = 1.284380 m/s.
        let tables = Tables::bundled().unwrap();
        let net = Network::new(
            vec![section("c", Some(Downstream::Outfall("o".into())))],
            vec![catchment("a", "c", "DGT", 30_000.0)],
            &tables,
        )
        .unwrap();
        let r = &design(&net, &tables, &DesignOptions::default()).unwrap()[0];
        assert_relative_eq!(r.capacity_m3s, 1.087072, max_relative = 1e-5);
        assert_relative_eq!(r.runoff_coefficient, 0.75, max_relative = 1e-12);
        assert_relative_eq!(r.catchment_area_ha, 3.0, max_relative = 1e-12);
        assert_relative_eq!(r.time_of_concentration_min, 11.29764, max_relative = 1e-5);
        assert_relative_eq!(r.intensity_l_s_ha, 371.474, max_relative = 1e-5);
        assert_relative_eq!(r.design_flow_m3s, 0.835816, max_relative = 1e-5);
        assert_relative_eq!(r.normal_depth_m.unwrap(), 0.650755, max_relative = 1e-5);
        assert_relative_eq!(r.velocity_m_s, 1.284380, max_relative = 1e-5);
        assert_eq!(r.verdict, Verdict::Adequate);
        assert!(r.rain_constants_unverified);
    }

    #[test]
    fn tributary_area_and_time_count_downstream() {
        // a (2 ha ONT) → b (1 ha DGT) → outfall. At b: F = 3 ha, ψ = (2·0.578 + 1·0.75)/3
        // = 1.906/3 = 0.635333 at P = 2; its entry time is a's time of concentration
        // (longer than b's own 10 min), and its t adds its own flow time.
        let tables = Tables::bundled().unwrap();
        let net = Network::new(
            vec![section("a", Some(Downstream::Canal("b".into()))), {
                let mut b = section("b", Some(Downstream::Outfall("o".into())));
                b.levels = Some(Levels::Inverts {
                    upstream_m: 2.0,
                    downstream_m: 1.8,
                });
                b
            }],
            vec![
                catchment("ca", "a", "ONT", 20_000.0),
                catchment("cb", "b", "DGT", 10_000.0),
            ],
            &tables,
        )
        .unwrap();
        let r = design(&net, &tables, &DesignOptions::default()).unwrap();
        let (a, b) = (&r[0], &r[1]);
        assert_eq!((a.canal_id.as_str(), b.canal_id.as_str()), ("a", "b"));
        assert_relative_eq!(b.catchment_area_ha, 3.0, max_relative = 1e-12);
        assert_relative_eq!(b.runoff_coefficient, 1.906 / 3.0, max_relative = 1e-12);
        assert_relative_eq!(
            b.time_of_concentration_min,
            a.time_of_concentration_min + b.flow_time_min,
            max_relative = 1e-12
        );
        assert_relative_eq!(
            b.flow_time_min,
            100.0 / 60.0 / b.velocity_m_s,
            max_relative = 1e-3
        );
        // Q = ψ·q·F/1000 holds at b with its own intensity.
        assert_relative_eq!(
            b.design_flow_m3s,
            b.runoff_coefficient * b.intensity_l_s_ha * 3.0 / 1000.0,
            max_relative = 1e-12
        );
    }

    #[test]
    fn an_undersized_canal_gets_the_sizes_that_pass() {
        // 0.4 m × 0.5 m brick rectangle under 4 ha of roads: undersized. The sizes it
        // proposes must carry the design flow at 0.3 m (depth less freeboard) by Manning
        // done by hand here, and a millimetre less must not.
        let tables = Tables::bundled().unwrap();
        let mut s = section("c", Some(Downstream::Outfall("o".into())));
        s.cross_section = CrossSection::rectangular(0.4, 0.5);
        let net =
            Network::new(vec![s], vec![catchment("a", "c", "DGT", 40_000.0)], &tables).unwrap();
        let r = &design(&net, &tables, &DesignOptions::default()).unwrap()[0];
        assert_eq!(r.verdict, Verdict::Undersized);
        assert!(r.ratio > 1.0);
        let resize = r.resize.unwrap();
        let manning = |b: f64, y: f64| {
            let a = b * y;
            let p = b + 2.0 * y;
            a * (a / p).powf(2.0 / 3.0) * 0.002f64.sqrt() / 0.015
        };
        let b = resize.min_bottom_width_m.unwrap();
        assert!(manning(b, 0.3) >= r.design_flow_m3s * (1.0 - 1e-9));
        assert!(manning(b - 0.001, 0.3) < r.design_flow_m3s);
        let d = resize.min_depth_m.unwrap();
        assert!(manning(0.4, d - 0.2) >= r.design_flow_m3s * (1.0 - 1e-9));
        assert!(manning(0.4, d - 0.2 - 0.001) < r.design_flow_m3s);
        assert!(resize.min_diameter_m.is_none());
    }

    #[test]
    fn slow_and_fast_and_dry_canals() {
        let tables = Tables::bundled().unwrap();
        // A wide earth canal on a gentle slope with a small catchment: too slow.
        let mut slow = section("slow", Some(Downstream::Outfall("o".into())));
        slow.cross_section = CrossSection::trapezoidal(2.0, 1.0, 1.5);
        slow.lining = "earth".into();
        slow.levels = Some(Levels::Slope(0.0003));
        // A steep earth canal: scouring (earth's limit 0.6 m/s).
        let mut fast = section("fast", Some(Downstream::Outfall("o".into())));
        fast.lining = "earth".into();
        fast.levels = Some(Levels::Slope(0.02));
        let dry = section("dry", Some(Downstream::Outfall("o".into())));
        let net = Network::new(
            vec![slow, fast, dry],
            vec![
                catchment("s", "slow", "ONT", 5_000.0),
                catchment("f", "fast", "ONT", 20_000.0),
            ],
            &tables,
        )
        .unwrap();
        let r = design(&net, &tables, &DesignOptions::default()).unwrap();
        let by = |id: &str| r.iter().find(|x| x.canal_id == id).unwrap();
        assert_eq!(by("slow").verdict, Verdict::TooSlow);
        assert_eq!(by("fast").verdict, Verdict::Scouring);
        assert_eq!(by("dry").verdict, Verdict::NoInflow);
        assert_eq!(by("dry").design_flow_m3s, 0.0);
    }

    #[test]
    fn too_much_freeboard_is_an_error() {
        let tables = Tables::bundled().unwrap();
        let net = Network::new(
            vec![section("c", Some(Downstream::Outfall("o".into())))],
            vec![],
            &tables,
        )
        .unwrap();
        let options = DesignOptions {
            freeboard_m: Some(1.0),
            ..Default::default()
        };
        assert!(matches!(
            design(&net, &tables, &options),
            Err(DesignError::Freeboard { .. })
        ));
    }
}
