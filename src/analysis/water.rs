//! The piped-water campaign per village and for the commune.
//!
//! The campaign counts dwellings, not households: several households can share a
//! dwelling and one connection. A dwelling is registered when any of its households is
//! registered or connected, connected when any is connected. The rate is registered
//! dwellings over dwellings (the commune's published 705 of 1,686 = 41.8 %).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::WaterStatus;
use crate::store::Dataset;

/// Figures for one village or for the commune.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WaterRow {
    /// Village id (none for the commune row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village_id: Option<String>,
    /// Village name, or the commune's.
    pub village: String,
    /// Households.
    pub households: usize,
    /// Distinct dwellings.
    pub dwellings: usize,
    /// Dwellings registered (including connected).
    pub registered: usize,
    /// Dwellings connected.
    pub connected: usize,
    /// `registered / dwellings` (0 when there are no dwellings).
    pub rate: f64,
    /// The target share.
    pub target_rate: f64,
    /// More dwellings that must register to reach the target (0 when reached).
    pub dwellings_to_target: usize,
}

/// The report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaterReport {
    /// The commune's target (dwelling-weighted over villages).
    pub target_rate: f64,
    /// One row per village, by name.
    pub villages: Vec<WaterRow>,
    /// The whole commune.
    pub commune: WaterRow,
}

#[derive(Default)]
struct Tally {
    households: usize,
    // dwelling id → best status among its households
    dwellings: HashMap<String, WaterStatus>,
}

impl Tally {
    fn add(&mut self, dwelling: &str, status: WaterStatus) {
        self.households += 1;
        let best = self.dwellings.entry(dwelling.to_owned()).or_insert(status);
        *best = (*best).max(status);
    }

    fn row(&self, village_id: Option<String>, village: String, target_rate: f64) -> WaterRow {
        let dwellings = self.dwellings.len();
        let registered = self
            .dwellings
            .values()
            .filter(|s| **s >= WaterStatus::Registered)
            .count();
        let connected = self
            .dwellings
            .values()
            .filter(|s| **s == WaterStatus::Connected)
            .count();
        // Round the needed count to the nearest 1e-9 first so 0.35 × 1686 does not become 591.
        let needed = ((target_rate * dwellings as f64 * 1e9).round() / 1e9).ceil() as usize;
        WaterRow {
            village_id,
            village,
            households: self.households,
            dwellings,
            registered,
            connected,
            rate: if dwellings == 0 {
                0.0
            } else {
                registered as f64 / dwellings as f64
            },
            target_rate,
            dwellings_to_target: needed.saturating_sub(registered),
        }
    }
}

/// Builds the water-connection report; `commune_name` names the commune row.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let data = drainplan::store::Dataset::load(std::path::Path::new("data"))?;
/// let r = drainplan::analysis::water::water_connection(&data, "Quỳnh Liên");
/// println!("{:.1} % of dwellings registered", r.commune.rate * 100.0);
/// # Ok(()) }
/// ```
pub fn water_connection(data: &Dataset, commune_name: &str) -> WaterReport {
    let mut per_village: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut commune = Tally::default();
    for h in data.households.records.iter() {
        // Dwelling ids are per village in practice; qualifying them keeps two villages'
        // "D-001" apart in the commune total.
        let dwelling = format!("{}/{}", h.village_id, h.dwelling_id);
        per_village
            .entry(&*h.village_id)
            .or_default()
            .add(&dwelling, h.water_status);
        commune.add(&dwelling, h.water_status);
    }
    let mut villages: Vec<WaterRow> = per_village
        .iter()
        .map(|(id, tally)| {
            let (name, target) = data
                .villages
                .position(id)
                .map(|v| {
                    (
                        data.villages.records[v].name.clone(),
                        data.villages.records[v].water_target_rate,
                    )
                })
                .unwrap_or_else(|| ((*id).to_owned(), 0.0));
            tally.row(Some((*id).to_owned()), name, target)
        })
        .collect();
    villages.sort_by(|a, b| a.village.cmp(&b.village));
    let dwellings: usize = villages.iter().map(|v| v.dwellings).sum();
    let target_rate = if dwellings == 0 {
        0.0
    } else {
        villages
            .iter()
            .map(|v| v.target_rate * v.dwellings as f64)
            .sum::<f64>()
            / dwellings as f64
    };
    WaterReport {
        target_rate,
        commune: commune.row(None, commune_name.to_owned(), target_rate),
        villages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_dwelling_counts_once_with_its_best_status() {
        let mut t = Tally::default();
        t.add("d1", WaterStatus::NotRegistered);
        t.add("d1", WaterStatus::Connected);
        t.add("d2", WaterStatus::Registered);
        t.add("d3", WaterStatus::NotRegistered);
        let r = t.row(None, "x".into(), 0.35);
        assert_eq!(
            (r.households, r.dwellings, r.registered, r.connected),
            (4, 3, 2, 1)
        );
        assert!((r.rate - 2.0 / 3.0).abs() < 1e-12);
        // ceil(0.35 × 3) = 2 already registered.
        assert_eq!(r.dwellings_to_target, 0);
    }

    #[test]
    fn dwellings_to_target_rounds_up() {
        let mut t = Tally::default();
        for i in 0..20 {
            t.add(
                &format!("d{i}"),
                if i < 3 {
                    WaterStatus::Registered
                } else {
                    WaterStatus::NotRegistered
                },
            );
        }
        // 35 % of 20 = 7 dwellings; 3 registered → 4 more.
        assert_eq!(t.row(None, "x".into(), 0.35).dwellings_to_target, 4);
    }
}
