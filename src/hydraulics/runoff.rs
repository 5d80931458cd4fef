//! Runoff coefficients: the area-weighted ψ of a catchment from the areas of its land uses.
//!
//! 1. Each land use's area splits into surface classes by the shares of
//!    data/hydraulics/landuse_surface.csv (ONT: 60 % roofs and concrete yards, 40 % garden).
//! 2. Area the land uses leave uncovered takes the default `remainder_land_use` (DGT: the
//!    roads and alleys between parcels).
//! 3. ψ = Σ (area of class × ψ of class at the return period) / Σ area.

use serde::Serialize;

use super::network::{Catchment, LandUseArea};
use super::tables::Tables;

/// The runoff coefficient of one catchment or of several together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runoff {
    /// The area, ha.
    pub area_ha: f64,
    /// Area-weighted ψ.
    pub coefficient: f64,
    /// The part of the area that no land use covered (taken as the remainder land use), ha.
    pub remainder_ha: f64,
    /// Whether every table row used was checked against its source.
    pub verified: bool,
}

/// Why a ψ could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunoffError {
    /// A land-use code missing from the mapping table.
    #[error("land use {code:?} is not in landuse_surface.csv")]
    UnknownLandUse {
        /// The code.
        code: String,
    },
    /// A return period without a column in the runoff table.
    #[error("return period {years} years has no column in runoff_coefficients.csv")]
    ReturnPeriod {
        /// The period.
        years: u32,
    },
}

/// The area-weighted ψ of land uses covering `area_m2` (the rest is the remainder land
/// use) at a return period.
///
/// # Examples
///
/// ```
/// use drainplan::hydraulics::{LandUseArea, Tables, runoff::area_weighted};
/// let tables = Tables::bundled().unwrap();
/// // 1 ha all roads (DGT → concrete): ψ at P = 2 is that of concrete, 0.75.
/// let r = area_weighted(&[LandUseArea { code: "DGT".into(), area_m2: 10_000.0 }], 10_000.0, 2, &tables).unwrap();
/// assert!((r.coefficient - 0.75).abs() < 1e-12);
/// ```
pub fn area_weighted(
    land_use: &[LandUseArea],
    area_m2: f64,
    return_period_years: u32,
    tables: &Tables,
) -> Result<Runoff, RunoffError> {
    let covered: f64 = land_use.iter().map(|l| l.area_m2).sum();
    let remainder = (area_m2 - covered).max(0.0);
    let total = covered.max(area_m2);
    let mut weighted = 0.0;
    let mut verified = true;
    let remainder_use = LandUseArea {
        code: tables.defaults.remainder_land_use.clone(),
        area_m2: remainder,
    };
    for lu in land_use.iter().chain(std::iter::once(&remainder_use)) {
        if lu.area_m2 <= 0.0 {
            continue;
        }
        let splits = tables
            .land_uses
            .get(&lu.code)
            .ok_or_else(|| RunoffError::UnknownLandUse {
                code: lu.code.clone(),
            })?;
        for split in splits {
            let class = tables.surfaces.get(&split.surface_class).ok_or_else(|| {
                RunoffError::UnknownLandUse {
                    code: lu.code.clone(),
                }
            })?;
            let psi = class
                .coefficient(return_period_years)
                .ok_or(RunoffError::ReturnPeriod {
                    years: return_period_years,
                })?;
            verified &= class.verified;
            weighted += lu.area_m2 * split.share * psi;
        }
    }
    Ok(Runoff {
        area_ha: total / 10_000.0,
        coefficient: if total > 0.0 { weighted / total } else { 0.0 },
        remainder_ha: remainder / 10_000.0,
        verified,
    })
}

/// The ψ of one catchment at a return period.
pub fn catchment_runoff(
    catchment: &Catchment,
    return_period_years: u32,
    tables: &Tables,
) -> Result<Runoff, RunoffError> {
    area_weighted(
        &catchment.land_use,
        catchment.area_m2,
        return_period_years,
        tables,
    )
}

/// The ψ of several catchments together: their areas add up and ψ is weighted by area.
pub fn combined<'a>(
    catchments: impl IntoIterator<Item = &'a Catchment>,
    return_period_years: u32,
    tables: &Tables,
) -> Result<Runoff, RunoffError> {
    let mut area_ha = 0.0;
    let mut weighted = 0.0;
    let mut remainder_ha = 0.0;
    let mut verified = true;
    for c in catchments {
        let r = catchment_runoff(c, return_period_years, tables)?;
        area_ha += r.area_ha;
        weighted += r.area_ha * r.coefficient;
        remainder_ha += r.remainder_ha;
        verified &= r.verified;
    }
    Ok(Runoff {
        area_ha,
        coefficient: if area_ha > 0.0 {
            weighted / area_ha
        } else {
            0.0
        },
        remainder_ha,
        verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn village_catchment_by_hand() {
        // 2 ha: 1.2 ha ONT, 0.5 ha LUC, 0.3 ha left over (taken as DGT), at P = 2.
        // ONT = 0.6 concrete_roof (0.75) + 0.4 grass_flat (0.32): 0.45 + 0.128 = 0.578;
        // LUC = cultivated_flat 0.31; DGT = concrete_roof 0.75.
        // ψ = (1.2·0.578 + 0.5·0.31 + 0.3·0.75) / 2 = (0.6936 + 0.155 + 0.225) / 2 = 0.5368.
        let t = Tables::bundled().unwrap();
        let lu = [
            LandUseArea {
                code: "ONT".into(),
                area_m2: 12_000.0,
            },
            LandUseArea {
                code: "LUC".into(),
                area_m2: 5_000.0,
            },
        ];
        let r = area_weighted(&lu, 20_000.0, 2, &t).unwrap();
        assert_relative_eq!(r.coefficient, 0.5368, max_relative = 1e-12);
        assert_relative_eq!(r.area_ha, 2.0);
        assert_relative_eq!(r.remainder_ha, 0.3, max_relative = 1e-12);
        assert!(!r.verified);
        // At P = 10: ONT 0.6·0.81 + 0.4·0.37 = 0.486 + 0.148 = 0.634; LUC 0.36; DGT 0.81:
        // (1.2·0.634 + 0.5·0.36 + 0.3·0.81) / 2 = (0.7608 + 0.18 + 0.243) / 2 = 0.5919.
        let r = area_weighted(&lu, 20_000.0, 10, &t).unwrap();
        assert_relative_eq!(r.coefficient, 0.5919, max_relative = 1e-12);
    }

    #[test]
    fn unknown_codes_and_periods_are_errors() {
        let t = Tables::bundled().unwrap();
        let lu = [LandUseArea {
            code: "ZZZ".into(),
            area_m2: 1.0,
        }];
        assert_eq!(
            area_weighted(&lu, 1.0, 2, &t).unwrap_err(),
            RunoffError::UnknownLandUse { code: "ZZZ".into() }
        );
        assert_eq!(
            area_weighted(&[], 1.0, 3, &t).unwrap_err(),
            RunoffError::ReturnPeriod { years: 3 }
        );
    }
}
