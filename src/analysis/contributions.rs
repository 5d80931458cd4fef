//! Household contributions — land donated, labour days, money — pledged and done, and the
//! households along a canal still to be built that have not yet agreed to give land.
//!
//! "Along a canal" means owning a parcel that the canal's corridor (the route-impact
//! corridor, [`crate::analysis::route::DEFAULT_CORRIDOR_WIDTH_M`] wide unless asked
//! otherwise) takes land from; "not yet agreed" means that parcel's clearance status is
//! `awaiting`.

use std::collections::BTreeMap;

use geo::Geometry;
use serde::Serialize;

use crate::analysis::route_impact::route_impact;
use crate::crs::CrsError;
use crate::model::{CanalStatus, ClearanceStatus, Contributions, Household};
use crate::store::Dataset;

/// Which contribution to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Land, m².
    Land,
    /// Labour, days.
    Labour,
    /// Money, VND.
    Money,
}

impl Kind {
    /// Parses `land`, `labour` (or `labor`), `money`.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "land" => Some(Kind::Land),
            "labour" | "labor" => Some(Kind::Labour),
            "money" => Some(Kind::Money),
            _ => None,
        }
    }

    fn gave(self, c: &Contributions) -> bool {
        let (pledged, done) = match self {
            Kind::Land => (c.land_pledged_m2, c.land_donated_m2),
            Kind::Labour => (c.labour_pledged_days, c.labour_done_days),
            Kind::Money => (c.money_pledged_vnd, c.money_paid_vnd),
        };
        pledged > 0.0 || done > 0.0
    }
}

/// One contributing household.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContributionRow {
    /// Household id.
    pub household_id: String,
    /// Head of household.
    pub head: String,
    /// Village id.
    pub village_id: String,
    /// Village name.
    pub village: String,
    /// The contributions.
    #[serde(flatten)]
    pub contributions: Contributions,
}

/// A parcel whose owner has not agreed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PendingParcel {
    /// Parcel id.
    pub parcel_id: String,
    /// Map sheet.
    pub map_sheet: i64,
    /// Parcel number.
    pub parcel_no: i64,
    /// The canal that needs it.
    pub canal_id: String,
    /// Area the canal takes, m².
    pub taken_area_m2: f64,
}

/// A household that has not yet agreed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotAgreed {
    /// Household id.
    pub household_id: String,
    /// Head of household.
    pub head: String,
    /// Village id.
    pub village_id: String,
    /// Village name.
    pub village: String,
    /// Its parcels the canals need.
    pub parcels: Vec<PendingParcel>,
}

/// The report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContributionReport {
    /// The kind asked for, if any.
    pub kind: Option<Kind>,
    /// The village asked for, if any.
    pub village_id: Option<String>,
    /// Households that gave or pledged, by village then head.
    pub households: Vec<ContributionRow>,
    /// Sums over `households`.
    pub totals: Contributions,
    /// Households along canals to be built that have not agreed.
    pub not_agreed: Vec<NotAgreed>,
}

/// Why the report could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ContributionError {
    /// No village has that id or name.
    #[error("no village `{0}`; give a village id or name")]
    UnknownVillage(String),
    /// PROJ failed.
    #[error(transparent)]
    Crs(#[from] CrsError),
}

/// Resolves a village given by id or by name (case-insensitive) to its id.
pub fn resolve_village(data: &Dataset, village: &str) -> Option<String> {
    let wanted = village.trim();
    data.villages
        .records
        .iter()
        .find(|v| v.id == wanted || v.name.to_lowercase() == wanted.to_lowercase())
        .map(|v| v.id.clone())
}

/// Builds the contributions report.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use drainplan::analysis::contributions::{contributions, Kind};
/// let data = drainplan::store::Dataset::load(std::path::Path::new("data"))?;
/// let r = contributions(&data, Some(Kind::Labour), Some("Thành Công"), 6.0)?;
/// println!("{} labour days done", r.totals.labour_done_days);
/// # Ok(()) }
/// ```
pub fn contributions(
    data: &Dataset,
    kind: Option<Kind>,
    village: Option<&str>,
    corridor_width_m: f64,
) -> Result<ContributionReport, ContributionError> {
    let village_id = village
        .map(|v| {
            resolve_village(data, v).ok_or_else(|| ContributionError::UnknownVillage(v.to_owned()))
        })
        .transpose()?;
    let in_village = |h: &Household| village_id.as_deref().is_none_or(|v| v == &*h.village_id);

    let mut households: Vec<ContributionRow> = data
        .households
        .records
        .iter()
        .zip(&data.households.features)
        .filter(|(h, _)| in_village(h))
        .filter(|(h, _)| match kind {
            Some(k) => k.gave(&h.contributions),
            None => [Kind::Land, Kind::Labour, Kind::Money]
                .iter()
                .any(|k| k.gave(&h.contributions)),
        })
        .map(|(h, f)| ContributionRow {
            household_id: f.id.clone(),
            head: h.head.clone(),
            village_id: h.village_id.to_string(),
            village: data.village_name(&h.village_id).to_owned(),
            contributions: h.contributions,
        })
        .collect();
    households.sort_by(|a, b| {
        a.village
            .cmp(&b.village)
            .then_with(|| a.head.cmp(&b.head))
            .then_with(|| a.household_id.cmp(&b.household_id))
    });
    let mut totals = Contributions::default();
    for h in &households {
        totals.add(&h.contributions);
    }

    let mut pending: BTreeMap<String, Vec<PendingParcel>> = BTreeMap::new();
    for (i, canal) in data.canals.records.iter().enumerate() {
        if !matches!(
            canal.status,
            CanalStatus::Planned | CanalStatus::Proposed | CanalStatus::UnderConstruction
        ) {
            continue;
        }
        let Geometry::LineString(line) = &data.canals.features[i].geometry else {
            continue;
        };
        for p in route_impact(data, line, corridor_width_m)?.parcels {
            if p.clearance_status != ClearanceStatus::Awaiting {
                continue;
            }
            if let Some(owner) = p.owner_household {
                pending.entry(owner).or_default().push(PendingParcel {
                    parcel_id: p.id,
                    map_sheet: p.map_sheet,
                    parcel_no: p.parcel_no,
                    canal_id: canal.id.clone(),
                    taken_area_m2: p.taken_area_m2,
                });
            }
        }
    }
    let mut not_agreed: Vec<NotAgreed> = pending
        .into_iter()
        .filter_map(|(owner, parcels)| {
            let h = &data.households.records[data.households.position(&owner)?];
            in_village(h).then(|| NotAgreed {
                household_id: owner.clone(),
                head: h.head.clone(),
                village_id: h.village_id.to_string(),
                village: data.village_name(&h.village_id).to_owned(),
                parcels,
            })
        })
        .collect();
    not_agreed.sort_by(|a, b| a.village.cmp(&b.village).then_with(|| a.head.cmp(&b.head)));

    Ok(ContributionReport {
        kind,
        village_id,
        households,
        totals,
        not_agreed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_filter() {
        assert_eq!(Kind::parse("labor"), Some(Kind::Labour));
        assert_eq!(Kind::parse("gold"), None);
        let c = Contributions {
            money_pledged_vnd: 100_000.0,
            ..Default::default()
        };
        assert!(Kind::Money.gave(&c));
        assert!(!Kind::Land.gave(&c));
    }
}
