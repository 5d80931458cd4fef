//! The monthly review pack: for a chosen month, per village and for the commune, what was
//! done (canal metres, clearance steps, contributions) and where the piped-water campaign
//! stood at the month's end against its target, beside the month before and the same
//! month a year earlier.
//!
//! 1. The changes of the month are the journal's, put in a month by the rule of the
//!    monthly progress ([`super::progress::change_month`]): the date an officer entered for
//!    a change, else the day it was saved, in Vietnam's time. A canal's metres go to each
//!    village by the part of the canal inside it ([`super::canal_length::split_by_village`]);
//!    a parcel's step and a household's contribution to its own village. The steps the
//!    data files held before the journal began (each canal's and parcel's state before the
//!    journal's first change to it) count in the month of their own date (`status_date`,
//!    `clearance_date`), so data without journal history show them too.
//! 2. The water figures at a month's end come from the households as they stood then
//!    (today's, with every household edit saved after the month's end undone from its
//!    journal entry), counting a dwelling registered when one of its households is
//!    registered or connected **and** its `water_date` is absent or on or before the
//!    month's last day. So data without any journal history (the sample data) still give
//!    a rate for every past month, from the registrations' dates. `water_date` is the day
//!    of a household's last water step: a connected household registered on or before
//!    it, so for a month before that day the rule counts it as not yet registered (the
//!    rate is then a lower bound). Dwellings are those of the households as they stood at
//!    the month's end (the households layer has no date a dwelling came to be).
//! 3. The comparisons are the month's figures less the other month's; the water rate's in
//!    percentage points.

use std::collections::{BTreeMap, HashMap};

use geo::Geometry;
use serde::Serialize;
use serde_json::Value;
use time::{Date, Month};

use super::canal_length::split_by_village;
use super::progress::change_month;
use crate::crs::{CrsError, geodesic_length_m};
use crate::model::date::property;
use crate::model::{CanalStatus, ClearanceStatus, Contributions, LayerKind, WaterStatus};
use crate::store::Dataset;
use crate::store::journal::JournalEntry;

/// A calendar month, `YYYY-MM`, checked at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReviewMonth {
    year: i32,
    month: Month,
}

/// Why a month was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("month `{given}` is not a month from 2000-01 to 2999-12 written YYYY-MM (e.g. 2023-12)")]
pub struct MonthError {
    /// What was sent.
    pub given: String,
}

impl ReviewMonth {
    /// Reads `YYYY-MM`, from 2000-01 to 2999-12.
    ///
    /// # Examples
    ///
    /// ```
    /// use drainplan::analysis::review::ReviewMonth;
    /// let m = ReviewMonth::parse("2024-01").unwrap();
    /// assert_eq!(m.previous().to_string(), "2023-12");
    /// assert_eq!(m.year_earlier().to_string(), "2023-01");
    /// assert_eq!(m.last_day().to_string(), "2024-01-31");
    /// assert!(ReviewMonth::parse("2024-13").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<ReviewMonth, MonthError> {
        let err = || MonthError {
            given: s.to_owned(),
        };
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Err(err());
        }
        let year: i32 = s[..4].parse().map_err(|_| err())?;
        let month: u8 = s[5..].parse().map_err(|_| err())?;
        let month = Month::try_from(month).map_err(|_| err())?;
        if !(2000..=2999).contains(&year) {
            return Err(err());
        }
        Ok(ReviewMonth { year, month })
    }

    /// The month of a day.
    pub fn of(d: Date) -> ReviewMonth {
        ReviewMonth {
            year: d.year(),
            month: d.month(),
        }
    }

    /// The month before.
    pub fn previous(self) -> ReviewMonth {
        match self.month {
            Month::January => ReviewMonth {
                year: self.year - 1,
                month: Month::December,
            },
            m => ReviewMonth {
                year: self.year,
                month: m.previous(),
            },
        }
    }

    /// The month after.
    pub fn next(self) -> ReviewMonth {
        match self.month {
            Month::December => ReviewMonth {
                year: self.year + 1,
                month: Month::January,
            },
            m => ReviewMonth {
                year: self.year,
                month: m.next(),
            },
        }
    }

    /// The same month a year earlier.
    pub fn year_earlier(self) -> ReviewMonth {
        ReviewMonth {
            year: self.year - 1,
            month: self.month,
        }
    }

    /// The month's first day.
    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month, 1).unwrap_or(Date::MIN)
    }

    /// The month's last day.
    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month, self.month.length(self.year))
            .unwrap_or(Date::MIN)
    }
}

impl std::fmt::Display for ReviewMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, u8::from(self.month))
    }
}

/// One village's (or the commune's) figures for one month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// `YYYY-MM`.
    pub month: String,
    /// Geodesic metres of canal completed in the month (the part inside the village).
    pub canal_completed_m: f64,
    /// Geodesic metres of canal that went under construction in the month.
    pub canal_started_m: f64,
    /// Parcels that reached each clearance step in the month.
    pub parcels_to_status: BTreeMap<ClearanceStatus, i64>,
    /// Contributions added in the month (negative where a correction lowered them).
    pub contributions_added: Contributions,
    /// Dwellings registered for piped water at the month's end.
    pub water_registered_dwellings: usize,
    /// Dwellings at the month's end.
    pub dwellings: usize,
    /// Registered / dwellings at the month's end (0 without dwellings).
    pub water_rate: f64,
    /// The village's target share (the commune's: weighted by dwellings).
    pub water_target_rate: f64,
}

/// The month's figures less another month's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// `YYYY-MM` of the other month.
    pub against: String,
    /// Canal metres completed, difference.
    pub canal_completed_m: f64,
    /// Canal metres started, difference.
    pub canal_started_m: f64,
    /// Parcels to each step, difference.
    pub parcels_to_status: BTreeMap<ClearanceStatus, i64>,
    /// Contributions added, difference.
    pub contributions_added: Contributions,
    /// Registered dwellings at the months' ends, difference.
    pub water_registered_dwellings: i64,
    /// The water rate's rise, in percentage points (41.81 % − 18.56 % = 23.25).
    pub water_rate_points: f64,
}

/// A village's (or the commune's) review: the month, the month before, a year before.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AreaReview {
    /// Village id (none for the commune).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village_id: Option<String>,
    /// Village name, or the commune's.
    pub village: String,
    /// The month reviewed.
    pub month: Figures,
    /// The month before.
    pub previous_month: Figures,
    /// The same month a year earlier.
    pub year_earlier: Figures,
    /// The month less the month before.
    pub change_on_previous_month: Change,
    /// The month less the same month a year earlier.
    pub change_on_year_earlier: Change,
}

/// The review pack's figures (the per-person part is added by the caller that may show
/// names).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Review {
    /// The month reviewed, `YYYY-MM`.
    pub month: String,
    /// Its last day, `YYYY-MM-DD`.
    pub month_end: String,
    /// The month before, `YYYY-MM`.
    pub previous_month: String,
    /// The same month a year earlier, `YYYY-MM`.
    pub year_earlier: String,
    /// One per village, by name.
    pub villages: Vec<AreaReview>,
    /// The whole commune.
    pub commune: AreaReview,
    /// How the figures are counted, in a sentence.
    pub rule: &'static str,
    /// The campaign's tasks due in the month, per village with tasks (counts only).
    pub planned: Vec<Planned>,
    /// The same for the whole commune (tasks with no village included).
    pub planned_commune: Planned,
    /// Per responsible person (names: left out for the public).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<PersonMonth>>,
}

impl Review {
    /// The review with the campaign's tasks: the planned work, and per person when
    /// `people` (who may be named) is given.
    pub fn with_tasks(mut self, tasks: &[TaskLine], names: Option<&[PersonName]>) -> Review {
        let Ok(month) = ReviewMonth::parse(&self.month) else {
            return self;
        };
        let (villages, commune) = planned(tasks, month);
        self.planned = villages;
        self.planned_commune = commune;
        self.people = names.map(|n| people(tasks, n, month));
        self
    }
}

/// The campaign register's `tasks` records as the review reads them (the shape of the
/// campaign contract: `responsible`, `village_id`, `status`, `done_on`, `deadline`, and the
/// computed `progress` when present); a record without a readable deadline is left out.
pub fn task_lines<'a>(records: impl IntoIterator<Item = &'a Value>) -> Vec<TaskLine> {
    let date = |v: Option<&Value>| {
        v.and_then(Value::as_str).and_then(|d| {
            crate::model::date::stored_date(d, time::macros::date!(2999 - 12 - 31)).ok()
        })
    };
    records
        .into_iter()
        .filter_map(|r| {
            let deadline = date(r.get("deadline"))?;
            let status = r.get("status").and_then(Value::as_str);
            let progress = r.get("progress").and_then(|p| {
                Some((
                    p.get("done")?.as_f64()?,
                    p.get("total")?.as_f64()?,
                    p.get("unit")?.as_str()?.to_owned(),
                ))
            });
            Some(TaskLine {
                responsible: r.get("responsible")?.as_str()?.to_owned(),
                village_id: r
                    .get("village_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                cancelled: status == Some("cancelled"),
                done_on: (status == Some("done"))
                    .then(|| date(r.get("done_on")))
                    .flatten(),
                deadline,
                progress,
            })
        })
        .collect()
}

/// The campaign register's `people` records as the review names them.
pub fn person_names<'a>(records: impl IntoIterator<Item = &'a Value>) -> Vec<PersonName> {
    records
        .into_iter()
        .filter_map(|r| {
            Some((
                r.get("id")?.as_str()?.to_owned(),
                r.get("name")?.as_str()?.to_owned(),
                r.get("role")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                r.get("organisation")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            ))
        })
        .collect()
}

/// The rule, as the report carries it.
pub const RULE: &str = "Months are calendar months in Vietnam (UTC+7). Canal metres, clearance steps and contributions count in the month of the date the officer entered for them, else of the day the edit was saved; the step a canal or parcel stood at before the journal began counts in the month of its own status_date or clearance_date; a canal's metres count in each village for the part inside it. The water figures are those at the month's end: a dwelling is registered when one of its households, as they stood then, is registered or connected with a water_date absent or on or before the month's last day; rate = registered dwellings / dwellings. Changes are the month less the other month; the water rate's in percentage points.";

#[derive(Default, Clone)]
struct Flows {
    canal_completed_m: f64,
    canal_started_m: f64,
    parcels_to_status: BTreeMap<ClearanceStatus, i64>,
    contributions: [f64; 6],
}

fn prop<'a>(feature: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    feature?.get("properties")?.get(name)
}

fn text<'a>(feature: Option<&'a Value>, name: &str) -> Option<&'a str> {
    prop(feature, name).and_then(Value::as_str)
}

fn contributions(feature: Option<&Value>) -> [f64; 6] {
    Contributions::FIELDS.map(|f| prop(feature, f).and_then(Value::as_f64).unwrap_or(0.0))
}

fn to_contributions(v: [f64; 6]) -> Contributions {
    Contributions {
        land_pledged_m2: v[0],
        land_donated_m2: v[1],
        labour_pledged_days: v[2],
        labour_done_days: v[3],
        money_pledged_vnd: v[4],
        money_paid_vnd: v[5],
    }
}

fn from_contributions(c: &Contributions) -> [f64; 6] {
    [
        c.land_pledged_m2,
        c.land_donated_m2,
        c.labour_pledged_days,
        c.labour_done_days,
        c.money_pledged_vnd,
        c.money_paid_vnd,
    ]
}

/// Key of the commune's row in the per-area maps.
const COMMUNE: &str = "";

/// Adds one journal entry's changes to the flows of the month they count in, per village
/// and for the commune.
fn count(
    data: &Dataset,
    e: &JournalEntry,
    months: &[String; 3],
    flows: &mut HashMap<(String, String), Flows>,
) -> Result<(), CrsError> {
    let (before, after) = (e.before.as_ref(), e.edit.feature.as_ref());
    let mut add = |month: &str, village: &str, f: &dyn Fn(&mut Flows)| {
        if months.iter().any(|m| m == month) {
            for area in [village, COMMUNE] {
                f(flows
                    .entry((month.to_owned(), area.to_owned()))
                    .or_default());
            }
        }
    };
    match e.edit.collection {
        LayerKind::Canals => {
            let was = text(before, "status").and_then(CanalStatus::parse);
            let now = text(after, "status").and_then(CanalStatus::parse);
            let started = match now {
                _ if was == now => return Ok(()),
                Some(CanalStatus::Completed) => false,
                Some(CanalStatus::UnderConstruction) => true,
                _ => return Ok(()),
            };
            let month = change_month(e, property::CANAL_STATUS);
            if !months.contains(&month) {
                return Ok(());
            }
            let line = after
                .and_then(|f| f.get("geometry"))
                .and_then(|g| serde_json::from_value::<geojson::Geometry>(g.clone()).ok())
                .and_then(|g| Geometry::try_from(g).ok());
            let Some(Geometry::LineString(line)) = line else {
                return Ok(());
            };
            let length = geodesic_length_m(&line);
            let mut total = 0.0;
            for (v, m) in split_by_village(data, &line, length)? {
                total += m;
                if let Some(v) = v {
                    let id = data.villages.features[v].id.clone();
                    let slot = flows.entry((month.clone(), id)).or_default();
                    *if started {
                        &mut slot.canal_started_m
                    } else {
                        &mut slot.canal_completed_m
                    } += m;
                }
            }
            let slot = flows.entry((month, COMMUNE.to_owned())).or_default();
            *if started {
                &mut slot.canal_started_m
            } else {
                &mut slot.canal_completed_m
            } += total;
        }
        LayerKind::Parcels => {
            let was = text(before, "clearance_status").and_then(ClearanceStatus::parse);
            if let Some(now) = text(after, "clearance_status").and_then(ClearanceStatus::parse)
                && was != Some(now)
            {
                let village = text(after, "village_id").unwrap_or_default();
                let month = change_month(e, property::CLEARANCE);
                add(&month, village, &|f| {
                    *f.parcels_to_status.entry(now).or_default() += 1;
                });
            }
        }
        LayerKind::Households => {
            let (b, a) = (contributions(before), contributions(after));
            if a != b {
                let village = text(after, "village_id")
                    .or_else(|| text(before, "village_id"))
                    .unwrap_or_default();
                let month = change_month(e, property::CONTRIBUTION);
                add(&month, village, &|f| {
                    for ((slot, a), b) in f.contributions.iter_mut().zip(a).zip(b) {
                        *slot += a - b;
                    }
                });
            }
        }
        _ => {}
    }
    Ok(())
}

/// The canals and parcels as they were before the journal's first change to each (today's
/// for those it never changed); a feature the journal created is left out.
fn base_state(data: &Dataset, journal: &[JournalEntry], kind: LayerKind) -> Vec<Value> {
    let mut state: HashMap<String, Option<Value>> = data
        .layer(kind)
        .features
        .iter()
        .map(|f| (f.id.clone(), Some(f.to_json())))
        .collect();
    // Latest first, so that the earliest entry's `before` is the one kept.
    for e in journal.iter().rev().filter(|e| e.edit.collection == kind) {
        state.insert(e.edit.id.clone(), e.before.clone());
    }
    state.into_values().flatten().collect()
}

/// Adds the steps the data files held before the journal began, each in the month of its
/// own date (a canal's `status_date`, a parcel's `clearance_date`): data without journal
/// history (the sample data) still show when their canals were finished and their
/// parcels cleared. Only the step a feature stood at is known, not the ones before it.
fn count_dated_base(
    data: &Dataset,
    journal: &[JournalEntry],
    months: &[String; 3],
    flows: &mut HashMap<(String, String), Flows>,
) -> Result<(), CrsError> {
    let today = crate::model::date::today();
    let month_of = |f: &Value, name: &str| -> Option<String> {
        let d = text(Some(f), name)?;
        let d = crate::model::date::stored_date(d, today).ok()?;
        let m = crate::model::date::month_key(d);
        months.contains(&m).then_some(m)
    };
    for f in base_state(data, journal, LayerKind::Canals) {
        if !matches!(
            text(Some(&f), "status").and_then(CanalStatus::parse),
            Some(CanalStatus::Completed | CanalStatus::UnderConstruction)
        ) {
            continue;
        }
        let Some(month) = month_of(&f, property::CANAL_STATUS) else {
            continue;
        };
        // The same as a journal entry that made this step on that day.
        let entry = JournalEntry {
            seq: 0,
            at: String::new(),
            user: String::new(),
            edit: crate::store::edit::Edit {
                op: crate::store::edit::EditOp::Replace,
                collection: LayerKind::Canals,
                id: String::new(),
                feature: Some(f),
                date: Some(format!("{month}-01")),
            },
            before: None,
            request: None,
        };
        count(data, &entry, months, flows)?;
    }
    for f in base_state(data, journal, LayerKind::Parcels) {
        let Some(step) = text(Some(&f), "clearance_status").and_then(ClearanceStatus::parse) else {
            continue;
        };
        let Some(month) = month_of(&f, property::CLEARANCE) else {
            continue;
        };
        let village = text(Some(&f), "village_id").unwrap_or_default();
        for area in [village, COMMUNE] {
            *flows
                .entry((month.clone(), area.to_owned()))
                .or_default()
                .parcels_to_status
                .entry(step)
                .or_default() += 1;
        }
    }
    Ok(())
}

/// Registered dwellings and dwellings per village at the end of `last_day`, from the
/// households as they stood then (step 2 of the module's rule).
fn water_at(
    households: &HashMap<String, Value>,
    last_day: Date,
) -> HashMap<String, (usize, usize)> {
    let day = crate::model::date::iso(last_day);
    // "village/dwelling" → registered by then
    let mut dwellings: HashMap<(String, String), bool> = HashMap::new();
    for h in households.values() {
        let h = Some(h);
        let village = text(h, "village_id").unwrap_or_default().to_owned();
        let dwelling = text(h, "dwelling_id").unwrap_or_default().to_owned();
        let status = text(h, "water_status").and_then(WaterStatus::parse);
        // ISO dates compare as text.
        let dated_by_then = text(h, property::WATER).is_none_or(|d| d <= day.as_str());
        let registered = status.is_some_and(|s| s >= WaterStatus::Registered) && dated_by_then;
        *dwellings.entry((village, dwelling)).or_default() |= registered;
    }
    let mut per_village: HashMap<String, (usize, usize)> = HashMap::new();
    for ((village, _), registered) in dwellings {
        for area in [village.as_str(), COMMUNE] {
            let slot = per_village.entry(area.to_owned()).or_default();
            slot.0 += usize::from(registered);
            slot.1 += 1;
        }
    }
    per_village
}

/// The households as they stood at the end of each of `days` (latest last), undoing from
/// today's every household edit saved after that day.
fn households_at(
    data: &Dataset,
    journal: &[JournalEntry],
    days: &[Date],
) -> Vec<HashMap<String, Value>> {
    let mut now: HashMap<String, Value> = data
        .households
        .features
        .iter()
        .map(|f| (f.id.clone(), f.to_json()))
        .collect();
    let mut out = vec![HashMap::new(); days.len()];
    let mut entries = journal
        .iter()
        .rev()
        .filter(|e| e.edit.collection == LayerKind::Households)
        .peekable();
    // Latest day first, undoing entries as the days go back.
    for (i, day) in days.iter().enumerate().rev() {
        while let Some(e) = entries
            .next_if(|e| crate::model::date::local_date(&e.at).is_none_or(|saved| saved > *day))
        {
            match &e.before {
                Some(b) => {
                    now.insert(e.edit.id.clone(), b.clone());
                }
                None => {
                    now.remove(&e.edit.id);
                }
            }
        }
        out[i] = now.clone();
    }
    out
}

/// Builds the review of `month` from the data as they stand and the whole journal (every
/// acknowledged edit, oldest first).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use drainplan::analysis::review::{ReviewMonth, review};
/// let data = drainplan::store::Dataset::load(std::path::Path::new("tests/fixtures/small"))?;
/// let r = review(&data, &[], ReviewMonth::parse("2026-11")?, "Xã mẫu")?;
/// // Dwellings d1 (h1, h2 registered) and d3 (h4 connected) of five: 40 %.
/// assert_eq!(r.commune.month.water_registered_dwellings, 2);
/// assert_eq!(r.commune.month.dwellings, 5);
/// # Ok(()) }
/// ```
pub fn review(
    data: &Dataset,
    journal: &[JournalEntry],
    month: ReviewMonth,
    commune_name: &str,
) -> Result<Review, CrsError> {
    let ms = [month, month.previous(), month.year_earlier()];
    let keys = ms.map(|m| m.to_string());
    let mut flows: HashMap<(String, String), Flows> = HashMap::new();
    for e in journal {
        count(data, e, &keys, &mut flows)?;
    }
    count_dated_base(data, journal, &keys, &mut flows)?;
    // Oldest first for `households_at`.
    let mut order = [2usize, 1, 0];
    order.sort_by_key(|&i| ms[i]);
    let days: Vec<Date> = order.iter().map(|&i| ms[i].last_day()).collect();
    let states = households_at(data, journal, &days);
    let mut water: [HashMap<String, (usize, usize)>; 3] = Default::default();
    for (k, &i) in order.iter().enumerate() {
        water[i] = water_at(&states[k], ms[i].last_day());
    }

    let targets: HashMap<&str, f64> = data
        .villages
        .features
        .iter()
        .zip(data.villages.records.iter())
        .map(|(f, v)| (f.id.as_str(), v.water_target_rate))
        .collect();
    let figures = |i: usize, area: &str| -> Figures {
        let f = flows
            .get(&(keys[i].clone(), area.to_owned()))
            .cloned()
            .unwrap_or_default();
        let (registered, dwellings) = water[i].get(area).copied().unwrap_or_default();
        let target = if area == COMMUNE {
            // Weighted by the villages' dwellings at the month's end.
            let (mut sum, mut n) = (0.0, 0usize);
            for (v, (_, d)) in &water[i] {
                if v != COMMUNE {
                    sum += targets.get(v.as_str()).copied().unwrap_or(0.0) * *d as f64;
                    n += d;
                }
            }
            if n == 0 { 0.0 } else { sum / n as f64 }
        } else {
            targets.get(area).copied().unwrap_or(0.0)
        };
        Figures {
            month: keys[i].clone(),
            canal_completed_m: f.canal_completed_m,
            canal_started_m: f.canal_started_m,
            parcels_to_status: f.parcels_to_status,
            contributions_added: to_contributions(f.contributions),
            water_registered_dwellings: registered,
            dwellings,
            water_rate: if dwellings == 0 {
                0.0
            } else {
                registered as f64 / dwellings as f64
            },
            water_target_rate: target,
        }
    };
    let area = |id: Option<String>, name: String| -> AreaReview {
        let key = id.clone().unwrap_or_default();
        let [m, p, y] = [0, 1, 2].map(|i| figures(i, &key));
        AreaReview {
            village_id: id,
            village: name,
            change_on_previous_month: change(&m, &p),
            change_on_year_earlier: change(&m, &y),
            month: m,
            previous_month: p,
            year_earlier: y,
        }
    };
    let mut villages: Vec<AreaReview> = data
        .villages
        .features
        .iter()
        .zip(data.villages.records.iter())
        .map(|(f, v)| area(Some(f.id.clone()), v.name.clone()))
        .collect();
    villages.sort_by(|a, b| a.village.cmp(&b.village));
    Ok(Review {
        month: keys[0].clone(),
        month_end: crate::model::date::iso(month.last_day()),
        previous_month: keys[1].clone(),
        year_earlier: keys[2].clone(),
        villages,
        commune: area(None, commune_name.to_owned()),
        rule: RULE,
        planned: Vec::new(),
        planned_commune: Planned::default(),
        people: None,
    })
}

/// `a` less `b`.
pub fn change(a: &Figures, b: &Figures) -> Change {
    let mut parcels = a.parcels_to_status.clone();
    for (s, n) in &b.parcels_to_status {
        *parcels.entry(*s).or_default() -= n;
    }
    let (ca, cb) = (
        from_contributions(&a.contributions_added),
        from_contributions(&b.contributions_added),
    );
    let mut c = [0.0; 6];
    for ((slot, x), y) in c.iter_mut().zip(ca).zip(cb) {
        *slot = x - y;
    }
    Change {
        against: b.month.clone(),
        canal_completed_m: a.canal_completed_m - b.canal_completed_m,
        canal_started_m: a.canal_started_m - b.canal_started_m,
        parcels_to_status: parcels,
        contributions_added: to_contributions(c),
        water_registered_dwellings: a.water_registered_dwellings as i64
            - b.water_registered_dwellings as i64,
        water_rate_points: (a.water_rate - b.water_rate) * 100.0,
    }
}

/// What the review needs of one task of the campaign register (see
/// [`task_lines`]): who answers for it, where, when it is due and whether and
/// when it was finished, and its measured progress now.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLine {
    /// The responsible person's id (`p-…`).
    pub responsible: String,
    /// The village it concerns, if one.
    pub village_id: Option<String>,
    /// Given up: counted nowhere.
    pub cancelled: bool,
    /// The day it was finished, if it was.
    pub done_on: Option<Date>,
    /// Its deadline.
    pub deadline: Date,
    /// Its progress now: done, total, unit (`m`, `parcels`, …).
    pub progress: Option<(f64, f64, String)>,
}

impl TaskLine {
    /// Finished on or before `day`.
    fn done_by(&self, day: Date) -> bool {
        self.done_on.is_some_and(|d| d <= day)
    }

    fn due_in(&self, m: ReviewMonth) -> bool {
        ReviewMonth::of(self.deadline) == m
    }
}

/// What was planned for the month in one village (or the commune): the tasks due in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Planned {
    /// Village id (none for the commune row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village_id: Option<String>,
    /// Tasks with their deadline in the month (not cancelled).
    pub tasks_due: usize,
    /// Of them, finished by the month's end.
    pub tasks_due_done: usize,
    /// Their targets by unit (`m`, `parcels`, `households`, `dwellings`, `fences`): what
    /// they are to reach and how much is done now.
    pub targets: BTreeMap<String, Target>,
}

/// A target summed over tasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Target {
    /// Done now.
    pub done: f64,
    /// To do in all.
    pub total: f64,
}

/// One responsible person's month (names: for signed-in users only).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PersonMonth {
    /// `p-…`.
    pub person_id: String,
    /// Full name.
    pub name: String,
    /// The person's role in the campaign (`board_member`, `village_head`, …).
    pub role: String,
    /// The organisation the person answers for, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Tasks due in the month.
    pub due_in_month: usize,
    /// Tasks finished in the month (whenever due).
    pub finished_in_month: usize,
    /// Tasks still open at the month's end past their deadline.
    pub late_at_month_end: usize,
    /// Tasks open at the month's end and due in the next month.
    pub due_next_month: usize,
}

/// A person as the review names them: id, name, role, organisation.
pub type PersonName = (String, String, String, Option<String>);

/// The month's planned work per village and for the commune, from the tasks:
/// 1. a task counts where it is due: in the month its deadline falls in, unless cancelled;
/// 2. it is done for the month when finished on or before the month's last day;
/// 3. its target (progress total) and what is done of it now add up per unit.
pub fn planned(tasks: &[TaskLine], month: ReviewMonth) -> (Vec<Planned>, Planned) {
    let mut per: BTreeMap<String, Planned> = BTreeMap::new();
    let mut commune = Planned::default();
    let end = month.last_day();
    for t in tasks.iter().filter(|t| !t.cancelled && t.due_in(month)) {
        let mut rows = vec![&mut commune];
        let v = t.village_id.clone();
        let village = v.as_ref().map(|v| {
            per.entry(v.clone()).or_insert_with(|| Planned {
                village_id: Some(v.clone()),
                ..Planned::default()
            })
        });
        rows.extend(village);
        for row in rows {
            row.tasks_due += 1;
            row.tasks_due_done += usize::from(t.done_by(end));
            if let Some((done, total, unit)) = &t.progress {
                let target = row.targets.entry(unit.clone()).or_default();
                target.done += done;
                target.total += total;
            }
        }
    }
    (per.into_values().collect(), commune)
}

/// Per responsible person, the month's tasks: due in it, finished in it, late at its end
/// (open after its last day with the deadline before that day), and open and due in the
/// next month. People with none of these are left out; by name.
pub fn people(tasks: &[TaskLine], people: &[PersonName], month: ReviewMonth) -> Vec<PersonMonth> {
    let (first, end) = (month.first_day(), month.last_day());
    let next = month.next();
    let mut out: Vec<PersonMonth> = people
        .iter()
        .map(|(id, name, role, organisation)| {
            let mine: Vec<&TaskLine> = tasks
                .iter()
                .filter(|t| &t.responsible == id && !t.cancelled)
                .collect();
            let open_at_end = |t: &&&TaskLine| !t.done_by(end);
            PersonMonth {
                person_id: id.clone(),
                name: name.clone(),
                role: role.clone(),
                organisation: organisation.clone(),
                due_in_month: mine.iter().filter(|t| t.due_in(month)).count(),
                finished_in_month: mine
                    .iter()
                    .filter(|t| t.done_on.is_some_and(|d| d >= first && d <= end))
                    .count(),
                late_at_month_end: mine
                    .iter()
                    .filter(open_at_end)
                    .filter(|t| t.deadline < end)
                    .count(),
                due_next_month: mine
                    .iter()
                    .filter(open_at_end)
                    .filter(|t| t.due_in(next))
                    .count(),
            }
        })
        .filter(|p| {
            p.due_in_month + p.finished_in_month + p.late_at_month_end + p.due_next_month > 0
        })
        .collect();
    out.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.person_id.cmp(&b.person_id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn task(who: &str, village: Option<&str>, deadline: Date, done_on: Option<Date>) -> TaskLine {
        TaskLine {
            responsible: who.into(),
            village_id: village.map(str::to_owned),
            cancelled: false,
            done_on,
            deadline,
            progress: None,
        }
    }

    /// Reviewing March 2026, by hand:
    /// - p-a: t1 due 10 March done 5 March (due, finished); t2 due 20 February open (late);
    ///   t3 due 15 April open (due next month); t4 due 31 March done 2 April (due in
    ///   March, late at its end? no: due on the last day, not before it; open at the end).
    /// - p-b: t5 due 20 March, cancelled (nowhere); t6 due 1 January, done 3 March
    ///   (finished in March, not late).
    /// - p-c: nothing in or around March (left out).
    #[test]
    fn people_and_plans_count_as_by_hand() {
        let mut t5 = task("p-b", Some("vil-b"), date!(2026 - 03 - 20), None);
        t5.cancelled = true;
        let mut t1 = task(
            "p-a",
            Some("vil-a"),
            date!(2026 - 03 - 10),
            Some(date!(2026 - 03 - 05)),
        );
        t1.progress = Some((120.0, 200.0, "m".into()));
        let mut t4 = task(
            "p-a",
            Some("vil-a"),
            date!(2026 - 03 - 31),
            Some(date!(2026 - 04 - 02)),
        );
        t4.progress = Some((3.0, 5.0, "parcels".into()));
        let tasks = vec![
            t1,
            task("p-a", None, date!(2026 - 02 - 20), None),
            task("p-a", Some("vil-a"), date!(2026 - 04 - 15), None),
            t4,
            t5,
            task(
                "p-b",
                Some("vil-b"),
                date!(2026 - 01 - 01),
                Some(date!(2026 - 03 - 03)),
            ),
            task(
                "p-c",
                None,
                date!(2025 - 01 - 01),
                Some(date!(2025 - 01 - 01)),
            ),
        ];
        let names: Vec<PersonName> = ["p-a", "p-b", "p-c"]
            .iter()
            .zip(["Lê Văn A", "Hồ Thị B", "Cao Văn C"])
            .map(|(id, n)| ((*id).into(), n.into(), "officer".into(), None))
            .collect();
        let m = ReviewMonth::parse("2026-03").unwrap();
        let rows: Vec<(String, [usize; 4])> = people(&tasks, &names, m)
            .into_iter()
            .map(|p| {
                (
                    p.person_id,
                    [
                        p.due_in_month,
                        p.finished_in_month,
                        p.late_at_month_end,
                        p.due_next_month,
                    ],
                )
            })
            .collect();
        // By name: "Hồ Thị B" < "Lê Văn A".
        assert_eq!(
            rows,
            [
                ("p-b".to_owned(), [0, 1, 0, 0]),
                ("p-a".to_owned(), [2, 1, 1, 1])
            ]
        );
        let (villages, commune) = planned(&tasks, m);
        // Due in March, not cancelled: t1 and t4 (vil-a); done by 31 March: t1.
        assert_eq!((commune.tasks_due, commune.tasks_due_done), (2, 1));
        assert_eq!(villages.len(), 1);
        assert_eq!(villages[0].village_id.as_deref(), Some("vil-a"));
        assert_eq!(
            villages[0].targets["m"],
            Target {
                done: 120.0,
                total: 200.0
            }
        );
        assert_eq!(
            villages[0].targets["parcels"],
            Target {
                done: 3.0,
                total: 5.0
            }
        );
    }

    #[test]
    fn months_step_over_the_year() {
        let m = ReviewMonth::parse("2023-01").unwrap();
        assert_eq!(m.previous().to_string(), "2022-12");
        assert_eq!(m.next().to_string(), "2023-02");
        assert_eq!(
            ReviewMonth::parse("2023-12").unwrap().next().to_string(),
            "2024-01"
        );
        assert_eq!(
            ReviewMonth::parse("2024-02")
                .unwrap()
                .last_day()
                .to_string(),
            "2024-02-29"
        );
        for bad in [
            "2023-1",
            "2023-00",
            "23-12",
            "2023/12",
            "1999-12",
            "２０２３-12",
            "",
        ] {
            assert!(ReviewMonth::parse(bad).is_err(), "{bad}");
        }
    }
}
