//! Monthly progress, built from the change history: metres of canal completed and started,
//! parcels moved to each clearance step, contributions added, and the piped-water rate at
//! the end of each month.
//!
//! The data files are the state before the first journal entry; the journal is replayed
//! month by month (by the UTC month of each entry) over a copy of them.

use std::collections::BTreeMap;

use geo::Geometry;
use serde::Serialize;
use serde_json::Value;

use crate::analysis::water::water_connection;
use crate::crs::geodesic_length_m;
use crate::model::{CanalStatus, ClearanceStatus, Contributions, LayerKind};
use crate::store::Dataset;
use crate::store::journal::JournalEntry;

/// One month's progress.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    /// Edits made.
    pub edits: usize,
    /// Geodesic metres of canal that became completed.
    pub canal_completed_m: f64,
    /// Geodesic metres of canal that went under construction.
    pub canal_started_m: f64,
    /// Parcels that reached each clearance step.
    pub parcels_to_status: BTreeMap<ClearanceStatus, usize>,
    /// Contributions added (negative where a correction lowered them).
    pub contributions_added: Contributions,
    /// Dwellings registered for piped water at the month's end.
    pub water_registered_dwellings: usize,
    /// Dwellings at the month's end.
    pub dwellings: usize,
    /// Registered / dwellings at the month's end.
    pub water_rate: f64,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressReport {
    /// Piped-water rate before the first edit.
    pub water_rate_at_start: f64,
    /// Months with edits, oldest first.
    pub months: Vec<Month>,
}

fn prop<'a>(feature: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    feature
        .and_then(|f| f.get("properties"))
        .and_then(|p| p.get(name))
}

fn status<T>(feature: Option<&Value>, name: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
    prop(feature, name).and_then(Value::as_str).and_then(parse)
}

fn canal_length(feature: Option<&Value>) -> f64 {
    feature
        .and_then(|f| f.get("geometry"))
        .and_then(|g| serde_json::from_value::<geojson::Geometry>(g.clone()).ok())
        .and_then(|g| Geometry::try_from(g).ok())
        .map_or(0.0, |g| match g {
            Geometry::LineString(l) => geodesic_length_m(&l),
            _ => 0.0,
        })
}

fn contributions(feature: Option<&Value>) -> [f64; 6] {
    Contributions::FIELDS.map(|f| prop(feature, f).and_then(Value::as_f64).unwrap_or(0.0))
}

/// Builds the monthly progress from the data files' state and the journal.
pub fn monthly_progress(base: &Dataset, journal: &[JournalEntry], commune: &str) -> ProgressReport {
    let mut data = base.clone();
    let water_rate_at_start = water_connection(&data, commune).commune.rate;
    let mut months: Vec<Month> = Vec::new();
    for e in journal {
        let key = e.at.get(..7).unwrap_or("unknown").to_owned();
        if months.last().is_none_or(|m| m.month != key) {
            if let Some(m) = months.last_mut() {
                close(m, &data, commune);
            }
            months.push(Month {
                month: key,
                ..Default::default()
            });
        }
        let Some(m) = months.last_mut() else { continue };
        // Entries were valid when made; one that no longer applies is skipped, not fatal.
        if data.apply(&e.edit).is_err() {
            continue;
        }
        m.edits += 1;
        let (before, after) = (e.before.as_ref(), e.edit.feature.as_ref());
        match e.edit.collection {
            LayerKind::Canals => {
                let was = status(before, "status", CanalStatus::parse);
                let now = status(after, "status", CanalStatus::parse);
                if was != now {
                    match now {
                        Some(CanalStatus::Completed) => m.canal_completed_m += canal_length(after),
                        Some(CanalStatus::UnderConstruction) => {
                            m.canal_started_m += canal_length(after)
                        }
                        _ => {}
                    }
                }
            }
            LayerKind::Parcels => {
                let was = status(before, "clearance_status", ClearanceStatus::parse);
                if let Some(now) = status(after, "clearance_status", ClearanceStatus::parse)
                    && was != Some(now)
                {
                    *m.parcels_to_status.entry(now).or_default() += 1;
                }
            }
            LayerKind::Households => {
                let (b, a) = (contributions(before), contributions(after));
                let added = &mut m.contributions_added;
                let slots = [
                    &mut added.land_pledged_m2,
                    &mut added.land_donated_m2,
                    &mut added.labour_pledged_days,
                    &mut added.labour_done_days,
                    &mut added.money_pledged_vnd,
                    &mut added.money_paid_vnd,
                ];
                for ((slot, a), b) in slots.into_iter().zip(a).zip(b) {
                    *slot += a - b;
                }
            }
            _ => {}
        }
    }
    if let Some(m) = months.last_mut() {
        close(m, &data, commune);
    }
    ProgressReport {
        water_rate_at_start,
        months,
    }
}

fn close(m: &mut Month, data: &Dataset, commune: &str) {
    let w = water_connection(data, commune).commune;
    m.water_registered_dwellings = w.registered;
    m.dwellings = w.dwellings;
    m.water_rate = w.rate;
}
