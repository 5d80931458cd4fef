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
//!
//! The figures are kept in a [`ProgressLedger`] that takes each edit as it is made, in
//! constant time (the water figures from a tally of dwellings updated by the edited
//! household alone), and is saved with each compaction of the journal: the report costs
//! the number of months, not the number of edits ever made.

use std::collections::BTreeMap;

use geo::Geometry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;

use crate::crs::geodesic_length_m;
use crate::model::date::{self, property};
use crate::model::{
    CanalStatus, ClearanceStatus, Contributions, Household, LayerKind, WaterStatus,
};
use crate::store::Dataset;
use crate::store::journal::JournalEntry;

/// One month's progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

/// The month (`YYYY-MM`, Vietnam) a journal entry's change dated by `date_property`
/// counts in, by the rule of [`MonthBasis`]: the date the officer entered for it, else the
/// month the entry was saved. The per-village review ([`super::review`]) counts by it too.
pub fn change_month(entry: &JournalEntry, date_property: &str) -> String {
    Dating::new(entry).month(date_property)
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
///     request: None,
/// };
/// let r = monthly_progress(&data, &[entry]);
/// let months: Vec<_> = r.months.iter().map(|m| (m.month.as_str(), m.edits)).collect();
/// assert_eq!(months, [("2026-10", 0), ("2026-12", 1)]);
/// assert_eq!(r.months[0].contributions_added.money_pledged_vnd, 200_000.0);
/// # Ok(()) }
/// ```
pub fn monthly_progress(base: &Dataset, journal: &[JournalEntry]) -> ProgressReport {
    let mut ledger = ProgressLedger::new(base);
    let mut data = base.clone();
    for e in journal {
        // Entries were valid when made; one that no longer applies is skipped, not fatal.
        if data.apply(&e.edit).is_ok() {
            ledger.add(e);
        }
    }
    ledger.report()
}

/// The commune's piped-water figures at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct WaterFigures {
    /// Dwellings registered (connected included).
    pub registered: usize,
    /// Dwellings.
    pub dwellings: usize,
}

impl WaterFigures {
    /// Registered over dwellings, as the water report computes it.
    pub fn rate(self) -> f64 {
        if self.dwellings == 0 {
            0.0
        } else {
            self.registered as f64 / self.dwellings as f64
        }
    }
}

/// Households per dwelling and water status, kept up to date one household at a time:
/// a dwelling is registered when any of its households is registered or connected (the
/// rule of [`crate::analysis::water::water_connection`], which counts the same from
/// scratch).
#[derive(Debug, Clone, Default)]
pub struct WaterTally {
    // "village/dwelling" → households not registered, registered, connected
    dwellings: std::collections::HashMap<String, [u32; 3]>,
    registered: usize,
}

impl WaterTally {
    /// The tally of a data set's households.
    pub fn of(data: &Dataset) -> Self {
        let mut t = WaterTally::default();
        for h in data.households.records.iter() {
            t.change(&dwelling_key(h), h.water_status, 1);
        }
        t
    }

    fn change(&mut self, dwelling: &str, status: WaterStatus, by: i32) {
        let counts = self.dwellings.entry(dwelling.to_owned()).or_default();
        let was = counts[1] + counts[2] > 0;
        let slot = &mut counts[status as usize];
        *slot = slot.saturating_add_signed(by);
        let now = counts[1] + counts[2] > 0;
        if counts.iter().all(|c| *c == 0) {
            self.dwellings.remove(dwelling);
        }
        match (was, now) {
            (false, true) => self.registered += 1,
            (true, false) => self.registered -= 1,
            _ => {}
        }
    }

    /// Takes in a household edit: the household as it was and as it is (as journal
    /// entries carry them).
    pub fn apply(&mut self, id: &str, before: Option<&Value>, after: Option<&Value>) {
        for (feature, by) in [(before, -1), (after, 1)] {
            if let Some(h) = household(id, feature) {
                self.change(&dwelling_key(&h), h.water_status, by);
            }
        }
    }

    /// The figures now.
    pub fn figures(&self) -> WaterFigures {
        WaterFigures {
            registered: self.registered,
            dwellings: self.dwellings.len(),
        }
    }
}

fn dwelling_key(h: &Household) -> String {
    // As water_connection qualifies them: dwelling ids are per village.
    format!("{}/{}", h.village_id, h.dwelling_id)
}

fn household(id: &str, feature: Option<&Value>) -> Option<Household> {
    let props = feature?.get("properties")?.as_object()?;
    Household::from_properties(id, props).ok()
}

/// The monthly progress, kept up to date edit by edit (see the module's steps).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProgressLedger {
    /// The last journal entry taken in (0: none).
    pub seq: u64,
    /// Water figures before the first edit.
    pub water_at_start: WaterFigures,
    /// Months with edits saved or changes dated in them.
    pub months: BTreeMap<String, Month>,
    /// Water figures after the last edit saved in each month.
    pub water_at_end: BTreeMap<String, WaterFigures>,
    #[serde(skip)]
    tally: WaterTally,
}

impl ProgressLedger {
    /// A ledger with no edit yet, over the data as they are before the first one.
    pub fn new(base: &Dataset) -> Self {
        let tally = WaterTally::of(base);
        ProgressLedger {
            seq: 0,
            water_at_start: tally.figures(),
            months: BTreeMap::new(),
            water_at_end: BTreeMap::new(),
            tally,
        }
    }

    /// Gives a ledger read back from a file the water tally of `data`, the data as they
    /// stand at the ledger's last entry.
    pub fn with_tally(mut self, tally: WaterTally) -> Self {
        self.tally = tally;
        self
    }

    /// The water tally (for an edit the ledger already counted but the tally has not
    /// seen).
    pub fn tally_mut(&mut self) -> &mut WaterTally {
        &mut self.tally
    }

    /// Takes in one applied journal entry (entries come in order; one already taken in
    /// is ignored).
    pub fn add(&mut self, e: &JournalEntry) {
        if e.seq != 0 && e.seq <= self.seq {
            return;
        }
        let d = Dating::new(e);
        month_mut(&mut self.months, &d.saved_month).edits += 1;
        count(&mut self.months, &d);
        if e.edit.collection == LayerKind::Households {
            self.tally
                .apply(&e.edit.id, e.before.as_ref(), e.edit.feature.as_ref());
        }
        self.water_at_end
            .insert(d.saved_month.clone(), self.tally.figures());
        self.seq = e.seq;
    }

    /// The report.
    pub fn report(&self) -> ProgressReport {
        let months = self
            .months
            .values()
            .cloned()
            .map(|mut m| {
                let w = self
                    .water_at_end
                    .range(..=m.month.clone())
                    .next_back()
                    .map_or(self.water_at_start, |(_, w)| *w);
                m.water_registered_dwellings = w.registered;
                m.dwellings = w.dwellings;
                m.water_rate = w.rate();
                m
            })
            .collect();
        ProgressReport {
            month_basis: MonthBasis::current(),
            water_rate_at_start: self.water_at_start.rate(),
            months,
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::water::water_connection;
    use crate::store::edit::{Edit, EditOp};
    use rand::{RngExt, SeedableRng};

    /// The tally kept edit by edit agrees with the water report counted from scratch,
    /// through random changes of status, dwelling and village, creations and deletions.
    #[test]
    fn the_water_tally_follows_every_edit() {
        let mut data = Dataset::load(std::path::Path::new("tests/fixtures/small")).unwrap();
        let mut tally = WaterTally::of(&data);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let statuses = ["not_registered", "registered", "connected"];
        for step in 0..300 {
            let ids: Vec<String> = data
                .households
                .features
                .iter()
                .map(|f| f.id.clone())
                .collect();
            let owned: Vec<String> = data
                .parcels
                .records
                .iter()
                .filter_map(|p| p.owner_household.clone())
                .collect();
            let id = ids[rng.random_range(0..ids.len())].clone();
            let before = data.households.get(&id).unwrap().to_json();
            let (op, feature) = match rng.random_range(0..10) {
                0 if !owned.contains(&id) && ids.len() > 2 => (EditOp::Delete, None),
                1 => {
                    let mut f = before.clone();
                    f["id"] = format!("new{step}").into();
                    (EditOp::Create, Some(f))
                }
                _ => {
                    let mut f = before.clone();
                    let p = &mut f["properties"];
                    p["water_status"] = statuses[rng.random_range(0..3)].into();
                    if rng.random_bool(0.3) {
                        p["dwelling_id"] = format!("d{}", rng.random_range(1..5)).into();
                    }
                    if rng.random_bool(0.1) {
                        p["village_id"] = ["vil-a", "vil-b"][rng.random_range(0..2)].into();
                    }
                    (EditOp::Replace, Some(f))
                }
            };
            let edit_id = match (&op, &feature) {
                (EditOp::Create, Some(f)) => f["id"].as_str().unwrap().to_owned(),
                _ => id.clone(),
            };
            let edit = Edit {
                op,
                collection: LayerKind::Households,
                id: edit_id.clone(),
                feature: feature.clone(),
                date: None,
            };
            data.apply(&edit).unwrap();
            let old = (op != EditOp::Create).then_some(&before);
            tally.apply(&edit_id, old, feature.as_ref());
            let full = water_connection(&data, "x").commune;
            assert_eq!(
                (tally.figures().registered, tally.figures().dwellings),
                (full.registered, full.dwellings),
                "after step {step} ({op:?} {edit_id})"
            );
        }
    }
}
