//! Route options compared: for candidate routes whose impact is already measured (length,
//! land taken, parcels, owners, who has not agreed, fences, gates, served households),
//! what a proposed section would carry on each and what it would cost.
//!
//! For each candidate:
//!
//! 1. The proposed section laid along it: slope = the route's bed fall / its length; its
//!    catchment (area and land uses) draining in at the top; one section to an outfall.
//! 2. Design flow against capacity, velocity and verdict by [`design`] (same procedure as
//!    for the network).
//! 3. Cost from data/hydraulics/unit_prices.csv: earthwork (the section's area at full
//!    depth for open channels; for a pipe a trench (D + 0.6 m) × (D + 0.5 m): 0.3 m of
//!    working room each side and 0.5 m of cover, an assumption) × length × price per m³;
//!    plus lining per metre × length, fences per metre and gates each. The shipped prices
//!    are samples, and every row says so.

use serde::{Deserialize, Serialize};

use super::design::{DesignError, DesignOptions, Verdict, design};
use super::network::{Catchment, Downstream, LandUseArea, Levels, Network, NetworkError, Section};
use super::section::{CrossSection, Shape};
use super::tables::Tables;

/// A candidate route with its impact already measured (route impact in
/// `analysis::route_impact`) and its hydraulic inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteCandidate {
    /// The candidate's id.
    pub route_id: String,
    /// Route length, m.
    pub length_m: f64,
    /// Land taken, m².
    pub land_taken_m2: f64,
    /// Parcels touched.
    pub parcels: u32,
    /// Owners (households) touched.
    pub owners: u32,
    /// Owners who have not agreed.
    pub not_agreed: u32,
    /// Fence walls to rebuild, m.
    pub fences_m: f64,
    /// Gates to rebuild.
    pub gates: u32,
    /// Households served.
    pub served_households: u32,
    /// Bed fall from start to end of the route, m.
    pub fall_m: f64,
    /// The catchment the route would drain, m².
    pub catchment_area_m2: f64,
    /// Its land uses.
    pub land_use: Vec<LandUseArea>,
}

/// The section proposed for every route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedSection {
    /// Its cross-section.
    pub cross_section: CrossSection,
    /// Its lining.
    pub lining: String,
    /// Its class (sets the return period); `None` takes the default.
    pub canal_class: Option<String>,
}

/// A route's cost, VND.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cost {
    /// Earthwork volume, m³.
    pub earthwork_m3: f64,
    /// Earthwork.
    pub earthwork_vnd: f64,
    /// Lining.
    pub lining_vnd: f64,
    /// Fences rebuilt.
    pub fences_vnd: f64,
    /// Gates rebuilt.
    pub gates_vnd: f64,
    /// The sum.
    pub total_vnd: f64,
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteRow {
    /// The candidate's id.
    pub route_id: String,
    /// Route length, m.
    pub length_m: f64,
    /// Land taken, m².
    pub land_taken_m2: f64,
    /// Parcels touched.
    pub parcels: u32,
    /// Owners touched.
    pub owners: u32,
    /// Owners who have not agreed.
    pub not_agreed: u32,
    /// Fences to rebuild, m.
    pub fences_m: f64,
    /// Gates to rebuild.
    pub gates: u32,
    /// Households served.
    pub served_households: u32,
    /// Bed slope, m/m.
    pub slope: f64,
    /// Design flow, m³/s.
    pub design_flow_m3s: f64,
    /// Capacity at design depth, m³/s.
    pub capacity_m3s: f64,
    /// Design flow / capacity.
    pub ratio: f64,
    /// Velocity at design flow, m/s.
    pub velocity_m_s: f64,
    /// The verdict.
    pub verdict: Verdict,
    /// The cost.
    pub cost: Cost,
    /// True when any unit price used is a sample figure.
    pub prices_are_samples: bool,
    /// True when the rain constants used are unverified.
    pub rain_constants_unverified: bool,
}

/// Why a comparison failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    /// The route as a one-section network breaks a rule (zero fall, unknown lining…).
    #[error("route {route_id}: {source}")]
    Network {
        /// The route.
        route_id: String,
        /// The problems.
        #[source]
        source: NetworkError,
    },
    /// The design check failed.
    #[error("route {route_id}: {source}")]
    Design {
        /// The route.
        route_id: String,
        /// The cause.
        #[source]
        source: DesignError,
    },
    /// No lining price.
    #[error("unit_prices.csv has no lining_per_m price for lining {0:?}")]
    LiningPrice(String),
}

/// Earthwork per metre of canal, m³/m (module step 3).
pub fn earthwork_m3_per_m(x: &CrossSection) -> f64 {
    match x.shape {
        Shape::CircularPipe => (x.bottom_width_m + 0.6) * (x.bottom_width_m + 0.5),
        _ => x.area_m2(x.depth_m),
    }
}

/// One row per candidate (the module's steps), in the order given.
pub fn compare_routes(
    candidates: &[RouteCandidate],
    proposed: &ProposedSection,
    tables: &Tables,
    options: &DesignOptions,
) -> Result<Vec<RouteRow>, RouteError> {
    let prices = &tables.unit_prices;
    let lining_price = *prices
        .lining_per_m_vnd
        .get(&proposed.lining)
        .ok_or_else(|| RouteError::LiningPrice(proposed.lining.clone()))?;
    let mut rows = Vec::new();
    for c in candidates {
        let section = Section {
            canal_id: c.route_id.clone(),
            cross_section: proposed.cross_section,
            lining: proposed.lining.clone(),
            manning_n: None,
            length_m: c.length_m,
            levels: Some(Levels::Slope(if c.length_m > 0.0 {
                c.fall_m / c.length_m
            } else {
                0.0
            })),
            downstream: Some(Downstream::Outfall("outfall".into())),
            canal_class: proposed.canal_class.clone(),
            line: None,
        };
        let catchment = Catchment {
            id: format!("{}-catchment", c.route_id),
            drains_to: c.route_id.clone(),
            area_m2: c.catchment_area_m2,
            land_use: c.land_use.clone(),
            surface_time_min: None,
            gutter_time_min: None,
            overland_length_m: None,
            slope_percent: None,
            polygon: None,
        };
        let network = Network::new(vec![section], vec![catchment], tables).map_err(|source| {
            RouteError::Network {
                route_id: c.route_id.clone(),
                source,
            }
        })?;
        let results = design(&network, tables, options).map_err(|source| RouteError::Design {
            route_id: c.route_id.clone(),
            source,
        })?;
        let Some(r) = results.into_iter().next() else {
            continue;
        };
        let earthwork_m3 = earthwork_m3_per_m(&proposed.cross_section) * c.length_m;
        let earthwork_vnd = earthwork_m3 * prices.earthwork_per_m3_vnd;
        let lining_vnd = lining_price * c.length_m;
        let fences_vnd = c.fences_m * prices.fence_per_m_vnd;
        let gates_vnd = f64::from(c.gates) * prices.gate_each_vnd;
        rows.push(RouteRow {
            route_id: c.route_id.clone(),
            length_m: c.length_m,
            land_taken_m2: c.land_taken_m2,
            parcels: c.parcels,
            owners: c.owners,
            not_agreed: c.not_agreed,
            fences_m: c.fences_m,
            gates: c.gates,
            served_households: c.served_households,
            slope: r.slope,
            design_flow_m3s: r.design_flow_m3s,
            capacity_m3s: r.capacity_m3s,
            ratio: r.ratio,
            velocity_m_s: r.velocity_m_s,
            verdict: r.verdict,
            cost: Cost {
                earthwork_m3,
                earthwork_vnd,
                lining_vnd,
                fences_vnd,
                gates_vnd,
                total_vnd: earthwork_vnd + lining_vnd + fences_vnd + gates_vnd,
            },
            prices_are_samples: prices.any_sample,
            rain_constants_unverified: r.rain_constants_unverified,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn candidate(id: &str, length_m: f64, fall_m: f64) -> RouteCandidate {
        RouteCandidate {
            route_id: id.into(),
            length_m,
            land_taken_m2: 4_500.0,
            parcels: 92,
            owners: 80,
            not_agreed: 7,
            fences_m: 310.0,
            gates: 12,
            served_households: 140,
            fall_m,
            catchment_area_m2: 50_000.0,
            land_use: vec![LandUseArea {
                code: "ONT".into(),
                area_m2: 50_000.0,
            }],
        }
    }

    #[test]
    fn two_routes_side_by_side() {
        let tables = Tables::bundled().unwrap();
        let proposed = ProposedSection {
            cross_section: CrossSection::rectangular(1.5, 1.5),
            lining: "concrete".into(),
            canal_class: Some("village_main".into()),
        };
        let rows = compare_routes(
            &[
                candidate("north", 750.0, 1.5),
                candidate("south", 900.0, 0.45),
            ],
            &proposed,
            &tables,
            &DesignOptions::default(),
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        let north = &rows[0];
        // Slope 1.5 / 750 = 0.002. Cost by hand with the sample prices: earthwork
        // 1.5 · 1.5 · 750 = 1 687.5 m³ · 150 000 = 253 125 000; concrete lining
        // 3 500 000 · 750 = 2 625 000 000; fences 310 · 1 200 000 = 372 000 000; gates
        // 12 · 8 000 000 = 96 000 000; total 3 346 125 000 VND.
        assert_relative_eq!(north.slope, 0.002, max_relative = 1e-12);
        assert_relative_eq!(north.cost.earthwork_m3, 1_687.5, max_relative = 1e-12);
        assert_relative_eq!(north.cost.total_vnd, 3_346_125_000.0, max_relative = 1e-12);
        assert!(north.prices_are_samples && north.rain_constants_unverified);
        // The flatter south route carries less at the same section.
        assert!(rows[1].capacity_m3s < north.capacity_m3s);
        assert_relative_eq!(
            rows[1].capacity_m3s / north.capacity_m3s,
            (0.0005f64 / 0.002).sqrt(),
            max_relative = 1e-9
        );
    }

    #[test]
    fn a_flat_route_is_a_named_problem() {
        let tables = Tables::bundled().unwrap();
        let proposed = ProposedSection {
            cross_section: CrossSection::rectangular(1.0, 1.0),
            lining: "brick".into(),
            canal_class: None,
        };
        let err = compare_routes(
            &[candidate("flat", 500.0, 0.0)],
            &proposed,
            &tables,
            &DesignOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("route flat"), "{err}");
        assert!(err.to_string().contains("slope is zero"), "{err}");
    }
}
