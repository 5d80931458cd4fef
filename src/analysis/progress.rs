//! Monthly progress, built from the change history: metres of canal completed and started,
//! parcels moved to each clearance step, contributions added, and the piped-water rate at
//! the end of each month.
//!
//! Months are the commune's, in Asia/Ho_Chi_Minh (UTC+7, no daylight saving time): an edit
//! saved at 2026-11-30T18:00Z, 01:00 on 1 December in Vietnam, counts in December. The
//! steering board reviews what happened in a month, so a change an officer dated goes to
//! the month of that date, not of the day it was typed in ([`MonthBasis`]):
//! 1. the data files are the state before the first journal entry; the journal is replayed
//!    over a copy of them in the order the edits were saved;
//! 2. canal metres, clearance steps and contributions go to the month of the day the
//!    change took place when it was entered (a canal's status date, a clearance date, a
//!    contribution's date), else to the month the edit was saved;
//! 3. `edits` counts the edits saved in the month, and the water figures are the state at
//!    the month's end after every edit saved by then: a registration's `water_date` does
//!    not move it.

use std::collections::BTreeMap;

use geo::Geometry;
use serde::Serialize;
use serde_json::Value;
use time::Date;

use crate::analysis::water::{WaterRow, water_connection};
use crate::crs::geodesic_length_m;
use crate::model::date::{self, property};
use crate::model::{CanalStatus, ClearanceStatus, Contributions, LayerKind};
use crate::store::Dataset;
use crate::store::journal::JournalEntry;

/// One month's progress.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Month {
    /// `YYYY-MM`, in Vietnam's time.
    pub month: String,
    /// Edits saved in the month.
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

/// Which day puts each figure in a month, carried in the report so that a reader need not
/// guess.
#[derive(Debug, Clone, Serialize)]
pub struct MonthBasis {
    /// The time zone of the months: `Asia/Ho_Chi_Minh`.
    pub time_zone: &'static str,
    /// Its offset from UTC, the same all year: `+07:00`.
    pub utc_offset: &'static str,
    /// Figures put in the month of the day the change took place when an officer entered
    /// it, else in the month the edit was saved.
    pub entered_date_else_saved: [&'static str; 4],
    /// Figures put in the month the edit was saved (the water figures being the state at
    /// the end of that month).
    pub saved: [&'static str; 4],
    /// The rule in a sentence.
    pub rule: &'static str,
}

impl MonthBasis {
    /// The basis [`monthly_progress`] follows.
    pub const fn current() -> MonthBasis {
        MonthBasis {
            time_zone: date::TIME_ZONE,
            utc_offset: "+07:00",
            entered_date_else_saved: [
                "canal_completed_m",
                "canal_started_m",
                "parcels_to_status",
                "contributions_added",
            ],
            saved: [
                "edits",
                "water_registered_dwellings",
                "dwellings",
                "water_rate",
            ],
            rule: "Months are calendar months in Vietnam (UTC+7). A canal's status step, a parcel's clearance step and a contribution count in the month of the date the officer entered for them (the one-step change's `date`, or the `status_date`, `clearance_date` or `contribution_date` an OGC API edit changed with them); without one, in the month the edit was saved. `edits` counts edits saved in the month; the water figures are the state at the month's end.",
        }
    }
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressReport {
    /// Which day puts each figure in a month.
    pub month_basis: MonthBasis,
    /// Piped-water rate before the first edit.
    pub water_rate_at_start: f64,
    /// Months with edits saved or changes dated in them, oldest first.
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

/// When one journal entry was saved and which day its change took place.
struct Dating<'a> {
    entry: &'a JournalEntry,
    /// The commune's date when the entry was saved.
    saved: Option<Date>,
    /// `YYYY-MM` of `saved`.
    saved_month: String,
}

impl<'a> Dating<'a> {
    fn new(entry: &'a JournalEntry) -> Self {
        let saved = date::local_date(&entry.at);
        let saved_month = saved.map_or_else(
            || entry.at.get(..7).unwrap_or("unknown").to_owned(),
            date::month_key,
        );
        Dating {
            entry,
            saved,
            saved_month,
        }
    }

    /// The month of the change that `date_property` dates: the date given to a one-step
    /// change (kept on the journal entry), or the property when a plain OGC API edit
    /// changed it; else the month the entry was saved. A date that is not a calendar day
    /// from 2000 to the day after the save is not trusted.
    fn month(&self, date_property: &str) -> String {
        let e = self.entry;
        let given = match &e.edit.date {
            Some(d) => Some(d.as_str()),
            None => {
                let now = prop(e.edit.feature.as_ref(), date_property);
                (now != prop(e.before.as_ref(), date_property))
                    .then_some(now)
                    .flatten()
                    .and_then(Value::as_str)
            }
        };
        given
            .and_then(|d| date::entered_date(d, self.saved.unwrap_or_else(date::today)).ok())
            .map_or_else(|| self.saved_month.clone(), date::month_key)
    }
}

fn month_mut<'m>(months: &'m mut BTreeMap<String, Month>, key: &str) -> &'m mut Month {
    months.entry(key.to_owned()).or_insert_with(|| Month {
        month: key.to_owned(),
        ..Default::default()
    })
}

/// Builds the monthly progress from the data files' state and the journal.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use drainplan::analysis::progress::monthly_progress;
/// use drainplan::model::LayerKind;
/// use drainplan::store::Dataset;
/// use drainplan::store::edit::{Edit, EditOp};
/// use drainplan::store::journal::JournalEntry;
///
/// let data = Dataset::load(std::path::Path::new("tests/fixtures/small"))?;
/// let mut feature = data.households.get("h5").ok_or("no h5")?.to_json();
/// feature["properties"]["money_pledged_vnd"] = 200_000.into();
/// let entry = JournalEntry {
///     seq: 1,
///     // 01:00 on 1 December in Vietnam.
///     at: "2026-11-30T18:00:00Z".into(),
///     user: "lan".into(),
///     edit: Edit {
///         op: EditOp::Replace,
///         collection: LayerKind::Households,
///         id: "h5".into(),
///         feature: Some(feature),
///         // The officer said it was pledged on 15 October.
///         date: Some("2026-10-15".into()),
///     },
///     before: Some(data.households.get("h5").ok_or("no h5")?.to_json()),
/// };
/// let r = monthly_progress(&data, &[entry], "Quỳnh Liên");
/// let months: Vec<_> = r.months.iter().map(|m| (m.month.as_str(), m.edits)).collect();
/// assert_eq!(months, [("2026-10", 0), ("2026-12", 1)]);
/// assert_eq!(r.months[0].contributions_added.money_pledged_vnd, 200_000.0);
/// # Ok(()) }
/// ```
pub fn monthly_progress(base: &Dataset, journal: &[JournalEntry], commune: &str) -> ProgressReport {
    let mut data = base.clone();
    let at_start = water_connection(&data, commune).commune;
    let mut months: BTreeMap<String, Month> = BTreeMap::new();
    // The water figures after the last edit saved in each month.
    let mut water_at_end: BTreeMap<String, WaterRow> = BTreeMap::new();
    let datings: Vec<Dating> = journal.iter().map(Dating::new).collect();
    for (i, d) in datings.iter().enumerate() {
        let e = d.entry;
        month_mut(&mut months, &d.saved_month);
        // Entries were valid when made; one that no longer applies is skipped, not fatal.
        if data.apply(&e.edit).is_ok() {
            month_mut(&mut months, &d.saved_month).edits += 1;
            count(&mut months, d);
        }
        if datings.get(i + 1).map(|n| &n.saved_month) != Some(&d.saved_month) {
            water_at_end.insert(
                d.saved_month.clone(),
                water_connection(&data, commune).commune,
            );
        }
    }
    let months = months
        .into_values()
        .map(|mut m| {
            let w = water_at_end
                .range(..=m.month.clone())
                .next_back()
                .map_or(&at_start, |(_, w)| w);
            m.water_registered_dwellings = w.registered;
            m.dwellings = w.dwellings;
            m.water_rate = w.rate;
            m
        })
        .collect();
    ProgressReport {
        month_basis: MonthBasis::current(),
        water_rate_at_start: at_start.rate,
        months,
    }
}

/// Adds what one applied entry changed to the month each change belongs to.
fn count(months: &mut BTreeMap<String, Month>, d: &Dating) {
    let e = d.entry;
    let (before, after) = (e.before.as_ref(), e.edit.feature.as_ref());
    match e.edit.collection {
        LayerKind::Canals => {
            let was = status(before, "status", CanalStatus::parse);
            let now = status(after, "status", CanalStatus::parse);
            if was == now {
                return;
            }
            let m = || d.month(property::CANAL_STATUS);
            match now {
                Some(CanalStatus::Completed) => {
                    month_mut(months, &m()).canal_completed_m += canal_length(after)
                }
                Some(CanalStatus::UnderConstruction) => {
                    month_mut(months, &m()).canal_started_m += canal_length(after)
                }
                _ => {}
            }
        }
        LayerKind::Parcels => {
            let was = status(before, "clearance_status", ClearanceStatus::parse);
            if let Some(now) = status(after, "clearance_status", ClearanceStatus::parse)
                && was != Some(now)
            {
                let m = month_mut(months, &d.month(property::CLEARANCE));
                *m.parcels_to_status.entry(now).or_default() += 1;
            }
        }
        LayerKind::Households => {
            let (b, a) = (contributions(before), contributions(after));
            if a == b {
                return;
            }
            let added =
                &mut month_mut(months, &d.month(property::CONTRIBUTION)).contributions_added;
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
