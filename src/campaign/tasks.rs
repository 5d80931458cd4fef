//! Tasks (table `tasks`): what a person is answerable for, by when, and how far it has
//! got — measured on the features the task is linked to, never typed in twice.
//!
//! **Progress** at a date `at`, per kind (a feature's state counts from the date of its
//! latest step — `status_date`, `clearance_date`, `water_date` — and at once when it has
//! none):
//! - `canal_section` (unit `m`): total = the geodesic length of the linked canals; done =
//!   the length of those `completed` or `existing`.
//! - `clearance` (unit `parcels`): total = the linked parcels; done = those handed over
//!   (`donated`, `compensated` or `cleared`).
//! - `fence_gate` (unit `fences`): total = the walls and light fences (`fence_type` `wall`
//!   or `fence`; a hedge is replanted, not rebuilt) and the gates on the linked parcels;
//!   done = those on parcels whose clearance is `cleared`, the last step, taken once the
//!   strip is handed over clear and the frontage stands again on its new line.
//! - `water_target` (unit `dwellings`): the dwellings of the linked households, or of the
//!   task's village when none is linked; done = those registered for piped water
//!   (`registered` or `connected`, as the published 705 of 1 686 count them); total =
//!   `target` when given, else the village's `water_target_rate` × those dwellings,
//!   rounded up.
//! - `other`: no measure (`progress` is null).
//!
//! `share` = done / total, at most 1 (0 when the total is 0).
//!
//! **Flag** at a date `at`, in this order:
//! 1. `done` when the status is done, `cancelled` when it is cancelled;
//! 2. `late`: open and `at` is after the deadline;
//! 3. `at_risk`: open and either the share done is behind the share of the time elapsed
//!    (from start to deadline) by more than [`BEHIND_MARGIN`] (25 points), or the
//!    deadline is within [`CLOSE_DAYS`] (14) days and less than [`CLOSE_SHARE`] (80 %) is
//!    done (a task with no measure: the deadline is within 14 days);
//! 4. `on_time` otherwise.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use geo::{Geometry, Rect};
use serde::{Deserialize, Serialize};
use time::Date;

use super::people;
use super::register::{self, RegisterError, Snapshot, Versioned};
use crate::model::schema::{Invalid, Rule};
use crate::model::{CanalStatus, ClearanceStatus, FenceType, WaterStatus};
use crate::store::Dataset;

/// The register table of tasks.
pub const TABLE: &str = "tasks";

/// How far (as a share, 0.25 = 25 points) the share done may trail the share of the time
/// elapsed before an open task is at risk.
pub const BEHIND_MARGIN: f64 = 0.25;
/// Days before the deadline from which an open task not nearly done is at risk.
pub const CLOSE_DAYS: i64 = 14;
/// The share done that a task within [`CLOSE_DAYS`] of its deadline needs not to be at risk.
pub const CLOSE_SHARE: f64 = 0.8;

/// What a task is about, which says how its progress is measured.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A canal section to finish (linked canals).
    CanalSection,
    /// Households to persuade to give their strip (linked parcels).
    Clearance,
    /// A village's piped-water registrations to bring to its target.
    WaterTarget,
    /// Fences and gates to rebuild (linked parcels).
    FenceGate,
    /// Anything else (a dossier, a meeting): no measure.
    Other,
}

impl TaskKind {
    /// Every kind.
    pub const ALL: [TaskKind; 5] = [
        TaskKind::CanalSection,
        TaskKind::Clearance,
        TaskKind::WaterTarget,
        TaskKind::FenceGate,
        TaskKind::Other,
    ];

    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::CanalSection => "canal_section",
            TaskKind::Clearance => "clearance",
            TaskKind::WaterTarget => "water_target",
            TaskKind::FenceGate => "fence_gate",
            TaskKind::Other => "other",
        }
    }
}

/// Where a task stands, as officers record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Being worked on.
    Open,
    /// Finished (`done_on` says when).
    Done,
    /// Given up.
    Cancelled,
}

/// The layers a task can link to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    /// A canal section.
    Canals,
    /// A parcel.
    Parcels,
    /// A household.
    Households,
}

/// A feature a task concerns.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct FeatureRef {
    /// Its layer.
    pub collection: Collection,
    /// Its feature id.
    pub id: String,
}

/// A task as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// `t-…`, ASCII.
    pub id: String,
    /// What is to be done, without people's names (the title is personal data all the
    /// same: only signed-in users read it).
    pub title: String,
    /// What kind of work, which says how progress is measured.
    pub kind: TaskKind,
    /// The village concerned, if one.
    #[serde(default)]
    pub village_id: Option<String>,
    /// The person answerable (a `people` id).
    pub responsible: String,
    /// The people who help (`people` ids).
    #[serde(default)]
    pub supporting: Vec<String>,
    /// `YYYY-MM-DD`.
    pub start: String,
    /// `YYYY-MM-DD`, not before `start`.
    pub deadline: String,
    /// Open, done or cancelled.
    pub status: TaskStatus,
    /// The day it was finished (`YYYY-MM-DD`), exactly when `status` is done.
    #[serde(default)]
    pub done_on: Option<String>,
    /// The features it concerns.
    #[serde(default)]
    pub features: Vec<FeatureRef>,
    /// For `water_target`: the number of dwellings to register (else the village's rate).
    #[serde(default)]
    pub target: Option<f64>,
    /// Free text.
    #[serde(default)]
    pub note: Option<String>,
}

/// How far a task has got, from its features.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// How much is done, in `unit`.
    pub done: f64,
    /// How much there is to do, in `unit`.
    pub total: f64,
    /// `m`, `parcels`, `households`, `dwellings` or `fences`.
    pub unit: &'static str,
    /// done / total, 0 to 1.
    pub share: f64,
}

/// A task's standing at a date.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Finished.
    Done,
    /// Open and on course.
    OnTime,
    /// Open and behind (see the module's rule).
    AtRisk,
    /// Open past its deadline.
    Late,
    /// Given up.
    Cancelled,
}

impl Flag {
    /// Every flag.
    pub const ALL: [Flag; 5] = [
        Flag::Done,
        Flag::OnTime,
        Flag::AtRisk,
        Flag::Late,
        Flag::Cancelled,
    ];

    /// The name as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Done => "done",
            Flag::OnTime => "on_time",
            Flag::AtRisk => "at_risk",
            Flag::Late => "late",
            Flag::Cancelled => "cancelled",
        }
    }

    /// Parses a flag's name.
    pub fn parse(s: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A task with what is computed from it at a date.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    /// The task as stored.
    #[serde(flatten)]
    pub task: Task,
    /// Its version in the register (its ETag); 0 when evaluated outside the register.
    pub version: u64,
    /// The date it was evaluated at.
    pub at: String,
    /// Progress from the features (null for a task with no measure).
    pub progress: Option<Progress>,
    /// Its standing at `at`.
    pub flag: Flag,
    /// Days from `at` to the deadline (negative when past).
    pub days_left: i64,
    /// The linked features' bounding box, WGS84 `[min lon, min lat, max lon, max lat]`.
    pub bbox: Option<[f64; 4]>,
}

/// Reads `YYYY-MM-DD` (2000–2100).
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u16>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(2000..=2100).contains(&y) {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::from(y), month, u8::try_from(d).ok()?).ok()
}

fn date_field(field: &str, s: &str) -> Result<Date, Invalid> {
    parse_date(s).ok_or_else(|| {
        Invalid::new(
            field,
            Rule::Date,
            format!("`{s}` is not a date YYYY-MM-DD between 2000 and 2100"),
        )
    })
}

/// Checks a task: every field's rule, every reference (people in `reg`, the village and
/// features in `data`), and that its features fit its kind. The error names the field.
pub fn validate(t: &Task, reg: &Snapshot, data: &Dataset) -> Result<(), Invalid> {
    if !t.id.starts_with("t-") || !register::is_record_id(&t.id) {
        return Err(Invalid::new(
            "id",
            Rule::Type,
            format!(
                "`{}` is not a task id: `t-` then ASCII letters, digits, `-`, at most 64 in all",
                t.id
            ),
        ));
    }
    let title_len = t.title.chars().count();
    if t.title.trim().is_empty() || title_len > 200 {
        return Err(Invalid::new(
            "title",
            Rule::Range,
            "a title is 1 to 200 characters",
        ));
    }
    if let Some(v) = &t.village_id
        && data.villages.get(v).is_none()
    {
        return Err(Invalid::new(
            "village_id",
            Rule::Reference,
            format!("there is no village `{v}`"),
        ));
    }
    if reg.get(people::TABLE, &t.responsible).is_none() {
        return Err(Invalid::new(
            "responsible",
            Rule::Reference,
            format!("there is no person `{}`", t.responsible),
        ));
    }
    let mut seen = HashSet::new();
    for (i, p) in t.supporting.iter().enumerate() {
        let field = format!("supporting[{i}]");
        if reg.get(people::TABLE, p).is_none() {
            return Err(Invalid::new(
                field,
                Rule::Reference,
                format!("there is no person `{p}`"),
            ));
        }
        if *p == t.responsible || !seen.insert(p) {
            return Err(Invalid::new(
                field,
                Rule::Duplicate,
                format!("`{p}` is named twice (or is also the responsible person)"),
            ));
        }
    }
    let start = date_field("start", &t.start)?;
    let deadline = date_field("deadline", &t.deadline)?;
    if deadline < start {
        return Err(Invalid::new(
            "deadline",
            Rule::Range,
            format!(
                "the deadline {} is before the start {}",
                t.deadline, t.start
            ),
        ));
    }
    match (t.status, &t.done_on) {
        (TaskStatus::Done, None) => {
            return Err(Invalid::new(
                "done_on",
                Rule::Required,
                "a done task needs done_on, the day it was finished",
            ));
        }
        (TaskStatus::Done, Some(d)) => {
            if date_field("done_on", d)? < start {
                return Err(Invalid::new(
                    "done_on",
                    Rule::Range,
                    format!("done_on {d} is before the start {}", t.start),
                ));
            }
        }
        (_, Some(_)) => {
            return Err(Invalid::new(
                "done_on",
                Rule::Range,
                "only a done task has done_on",
            ));
        }
        (_, None) => {}
    }
    let mut refs = HashSet::new();
    for (i, f) in t.features.iter().enumerate() {
        let field = format!("features[{i}]");
        let exists = match f.collection {
            Collection::Canals => data.canals.get(&f.id).is_some(),
            Collection::Parcels => data.parcels.get(&f.id).is_some(),
            Collection::Households => data.households.get(&f.id).is_some(),
        };
        if !exists {
            return Err(Invalid::new(
                field,
                Rule::Reference,
                format!(
                    "there is no {} feature `{}`",
                    collection_name(f.collection),
                    f.id
                ),
            ));
        }
        if !refs.insert(f) {
            return Err(Invalid::new(
                field,
                Rule::Duplicate,
                format!("`{}` is linked twice", f.id),
            ));
        }
        let fits = match t.kind {
            TaskKind::CanalSection => f.collection == Collection::Canals,
            TaskKind::Clearance | TaskKind::FenceGate => f.collection == Collection::Parcels,
            TaskKind::WaterTarget => f.collection == Collection::Households,
            TaskKind::Other => true,
        };
        if !fits {
            return Err(Invalid::new(
                field,
                Rule::Enum,
                format!(
                    "a {} task links {}, not {}",
                    t.kind.as_str(),
                    match t.kind {
                        TaskKind::CanalSection => "canals",
                        TaskKind::WaterTarget => "households",
                        _ => "parcels",
                    },
                    collection_name(f.collection)
                ),
            ));
        }
    }
    let needs_features = matches!(
        t.kind,
        TaskKind::CanalSection | TaskKind::Clearance | TaskKind::FenceGate
    );
    if needs_features && t.features.is_empty() {
        return Err(Invalid::new(
            "features",
            Rule::Required,
            format!(
                "a {} task is measured on its features: link at least one",
                t.kind.as_str()
            ),
        ));
    }
    if t.kind == TaskKind::WaterTarget && t.features.is_empty() && t.village_id.is_none() {
        return Err(Invalid::new(
            "village_id",
            Rule::Required,
            "a water_target task with no households linked is measured on its village: give village_id",
        ));
    }
    match t.target {
        Some(_) if t.kind != TaskKind::WaterTarget => {
            return Err(Invalid::new(
                "target",
                Rule::Range,
                "only a water_target task has a target (dwellings to register)",
            ));
        }
        Some(n) if !(n.is_finite() && n >= 1.0 && n.fract() == 0.0) => {
            return Err(Invalid::new(
                "target",
                Rule::Range,
                format!("the target is a whole number of dwellings, at least 1; found {n}"),
            ));
        }
        _ => {}
    }
    if let Some(n) = &t.note
        && n.chars().count() > 2000
    {
        return Err(Invalid::new(
            "note",
            Rule::Range,
            "a note is at most 2 000 characters",
        ));
    }
    Ok(())
}

fn collection_name(c: Collection) -> &'static str {
    match c {
        Collection::Canals => "canals",
        Collection::Parcels => "parcels",
        Collection::Households => "households",
    }
}

/// Whether a feature's step dated by `property` had happened by `at` (no date: yes).
fn dated_by(f: &crate::store::Feature, property: &str, at: Date) -> bool {
    match f.properties.get(property).and_then(|v| v.as_str()) {
        // A stored date may be before 2000 (a canal built in 1996): any calendar day.
        Some(d) => crate::model::date::parse_day(d).is_none_or(|d| d <= at),
        None => true,
    }
}

/// The progress of `t` at `at`, measured on its features (see the module's rules); `None`
/// for a task with no measure. Links to features that no longer exist are skipped.
pub fn progress(t: &Task, data: &Dataset, at: Date) -> Option<Progress> {
    use crate::model::date::property;
    let (done, total, unit) = match t.kind {
        TaskKind::Other => return None,
        TaskKind::CanalSection => {
            let (mut done, mut total) = (0.0, 0.0);
            for f in linked(t, Collection::Canals) {
                let (Some(feature), Some(canal)) = (data.canals.get(f), data.canals.record(f))
                else {
                    continue;
                };
                let Geometry::LineString(line) = &feature.geometry else {
                    continue;
                };
                let length = crate::crs::geodesic_length_m(line);
                total += length;
                if matches!(canal.status, CanalStatus::Completed | CanalStatus::Existing)
                    && dated_by(feature, property::CANAL_STATUS, at)
                {
                    done += length;
                }
            }
            (done, total, "m")
        }
        TaskKind::Clearance | TaskKind::FenceGate => {
            let (mut done, mut total) = (0.0, 0.0);
            for f in linked(t, Collection::Parcels) {
                let (Some(feature), Some(parcel)) = (data.parcels.get(f), data.parcels.record(f))
                else {
                    continue;
                };
                let dated = dated_by(feature, property::CLEARANCE, at);
                if t.kind == TaskKind::Clearance {
                    total += 1.0;
                    if dated
                        && matches!(
                            parcel.clearance_status,
                            ClearanceStatus::Donated
                                | ClearanceStatus::Compensated
                                | ClearanceStatus::Cleared
                        )
                    {
                        done += 1.0;
                    }
                } else {
                    let n = f64::from(
                        u8::from(matches!(
                            parcel.fence_type,
                            FenceType::Wall | FenceType::Fence
                        )) + u8::from(parcel.gate),
                    );
                    total += n;
                    if dated && parcel.clearance_status == ClearanceStatus::Cleared {
                        done += n;
                    }
                }
            }
            (
                done,
                total,
                if t.kind == TaskKind::Clearance {
                    "parcels"
                } else {
                    "fences"
                },
            )
        }
        TaskKind::WaterTarget => {
            // Dwelling → registered by `at`; all households of a dwelling share its status.
            let mut dwellings: BTreeMap<&str, bool> = BTreeMap::new();
            let mut note = |i: usize| {
                let h = &data.households.records[i];
                let registered = matches!(
                    h.water_status,
                    WaterStatus::Registered | WaterStatus::Connected
                ) && dated_by(&data.households.features[i], property::WATER, at);
                *dwellings.entry(h.dwelling_id.as_str()).or_default() |= registered;
            };
            let households: Vec<&str> = linked(t, Collection::Households).collect();
            if households.is_empty() {
                let village = t.village_id.as_deref().unwrap_or_default();
                for (i, h) in data.households.records.iter().enumerate() {
                    if &*h.village_id == village {
                        note(i);
                    }
                }
            } else {
                for id in households {
                    if let Some(i) = data.households.position(id) {
                        note(i);
                    }
                }
            }
            let considered = dwellings.len() as f64;
            let done = dwellings.values().filter(|r| **r).count() as f64;
            let total = match t.target {
                Some(n) => n,
                None => {
                    let rate = t
                        .village_id
                        .as_deref()
                        .and_then(|v| data.villages.record(v))
                        .map_or(0.0, |v| v.water_target_rate);
                    // A hair below the product so that 0.35 × 200 is 70, not 71.
                    (rate * considered - 1e-9).ceil().max(0.0)
                }
            };
            (done, total, "dwellings")
        }
    };
    let share = if total > 0.0 {
        (done / total).min(1.0)
    } else {
        0.0
    };
    Some(Progress {
        done: (done * 100.0).round() / 100.0,
        total: (total * 100.0).round() / 100.0,
        unit,
        share: (share * 10_000.0).round() / 10_000.0,
    })
}

fn linked(t: &Task, c: Collection) -> impl Iterator<Item = &str> {
    t.features
        .iter()
        .filter(move |f| f.collection == c)
        .map(|f| f.id.as_str())
}

/// The flag of a task at `at` given its progress (see the module's rule). A task whose
/// dates do not parse (never stored: validation refuses them) is `late` if open.
pub fn flag(t: &Task, progress: Option<&Progress>, at: Date) -> Flag {
    match t.status {
        TaskStatus::Done => return Flag::Done,
        TaskStatus::Cancelled => return Flag::Cancelled,
        TaskStatus::Open => {}
    }
    let (Some(start), Some(deadline)) = (parse_date(&t.start), parse_date(&t.deadline)) else {
        return Flag::Late;
    };
    if at > deadline {
        return Flag::Late;
    }
    let days_left = (deadline - at).whole_days();
    match progress {
        None => {
            if days_left <= CLOSE_DAYS {
                Flag::AtRisk
            } else {
                Flag::OnTime
            }
        }
        Some(p) => {
            let span = (deadline - start).whole_days();
            let elapsed = if at < start {
                0.0
            } else if span == 0 {
                1.0
            } else {
                (at - start).whole_days() as f64 / span as f64
            };
            let behind = p.share + BEHIND_MARGIN < elapsed;
            let close = days_left <= CLOSE_DAYS && p.share < CLOSE_SHARE;
            if behind || close {
                Flag::AtRisk
            } else {
                Flag::OnTime
            }
        }
    }
}

/// The bounding box of a task's linked features, WGS84.
fn bbox(t: &Task, data: &Dataset) -> Option<[f64; 4]> {
    let mut out: Option<Rect> = None;
    for f in &t.features {
        let feature = match f.collection {
            Collection::Canals => data.canals.get(&f.id),
            Collection::Parcels => data.parcels.get(&f.id),
            Collection::Households => data.households.get(&f.id),
        };
        if let Some(feature) = feature {
            let b = feature.bbox();
            out = Some(match out {
                None => b,
                Some(o) => Rect::new(
                    geo::coord! { x: o.min().x.min(b.min().x), y: o.min().y.min(b.min().y) },
                    geo::coord! { x: o.max().x.max(b.max().x), y: o.max().y.max(b.max().y) },
                ),
            });
        }
    }
    out.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// A task with its progress, flag and box at `at` (version 0: see [`evaluate_all`]).
pub fn evaluate(t: &Task, data: &Dataset, at: Date) -> TaskView {
    let progress = progress(t, data, at);
    let flag = flag(t, progress.as_ref(), at);
    let days_left = parse_date(&t.deadline).map_or(0, |d| (d - at).whole_days());
    TaskView {
        task: t.clone(),
        version: 0,
        at: crate::model::date::iso(at),
        flag,
        days_left,
        bbox: bbox(t, data),
        progress,
    }
}

/// Every task of the register evaluated at `at`, with its version, in creation order.
pub fn evaluate_all(
    reg: &Snapshot,
    data: &Dataset,
    at: Date,
) -> Result<Vec<TaskView>, RegisterError> {
    Ok(all(reg)?
        .into_iter()
        .map(|v| TaskView {
            version: v.version,
            ..evaluate(&v.record, data, at)
        })
        .collect())
}

/// The tasks of the register, in creation order.
pub fn all(reg: &Snapshot) -> Result<Vec<Versioned<Task>>, RegisterError> {
    reg.typed::<Task>(TABLE)
}

/// Counts of tasks by flag, per village and per kind: what the public may see.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// The date the flags are for.
    pub at: String,
    /// All tasks.
    pub total: FlagCounts,
    /// Per village id (`none`: tasks of no one village).
    pub by_village: BTreeMap<String, FlagCounts>,
    /// Per kind.
    pub by_kind: BTreeMap<String, FlagCounts>,
}

/// How many tasks have each flag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FlagCounts {
    /// All of them.
    pub tasks: usize,
    /// Done.
    pub done: usize,
    /// Open, on course.
    pub on_time: usize,
    /// Open, behind.
    pub at_risk: usize,
    /// Open past the deadline.
    pub late: usize,
    /// Given up.
    pub cancelled: usize,
}

impl FlagCounts {
    fn add(&mut self, f: Flag) {
        self.tasks += 1;
        *match f {
            Flag::Done => &mut self.done,
            Flag::OnTime => &mut self.on_time,
            Flag::AtRisk => &mut self.at_risk,
            Flag::Late => &mut self.late,
            Flag::Cancelled => &mut self.cancelled,
        } += 1;
    }
}

/// The counts of `views` (evaluated at `at`).
pub fn summary(views: &[TaskView], at: Date) -> Summary {
    let mut s = Summary {
        at: crate::model::date::iso(at),
        ..Summary::default()
    };
    for v in views {
        s.total.add(v.flag);
        s.by_village
            .entry(v.task.village_id.clone().unwrap_or_else(|| "none".into()))
            .or_default()
            .add(v.flag);
        s.by_kind
            .entry(v.task.kind.as_str().to_owned())
            .or_default()
            .add(v.flag);
    }
    s
}

/// The ids of the people a task names (responsible first).
pub fn people_of(t: &Task) -> BTreeSet<&str> {
    std::iter::once(t.responsible.as_str())
        .chain(t.supporting.iter().map(String::as_str))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn task(start: &str, deadline: &str) -> Task {
        Task {
            id: "t-1".into(),
            title: "x".into(),
            kind: TaskKind::Clearance,
            village_id: None,
            responsible: "p-1".into(),
            supporting: vec![],
            start: start.into(),
            deadline: deadline.into(),
            status: TaskStatus::Open,
            done_on: None,
            features: vec![],
            target: None,
            note: None,
        }
    }

    fn share(s: f64) -> Progress {
        Progress {
            done: s,
            total: 1.0,
            unit: "parcels",
            share: s,
        }
    }

    #[test]
    fn the_flag_rule_at_its_edges() {
        // 2024-01-01 → 2024-04-10: 100 days.
        let t = task("2024-01-01", "2024-04-10");
        // Before the start nothing is due: on time even with nothing done.
        assert_eq!(
            flag(&t, Some(&share(0.0)), date!(2023 - 12 - 01)),
            Flag::OnTime
        );
        // Day 50 (50 % of the time): 25 % done is exactly the margin, not past it.
        assert_eq!(
            flag(&t, Some(&share(0.25)), date!(2024 - 02 - 20)),
            Flag::OnTime
        );
        assert_eq!(
            flag(&t, Some(&share(0.24)), date!(2024 - 02 - 20)),
            Flag::AtRisk
        );
        // 14 days left (2024-03-27): 80 % done is enough, 79 % is not.
        assert_eq!(
            flag(&t, Some(&share(0.8)), date!(2024 - 03 - 27)),
            Flag::OnTime
        );
        assert_eq!(
            flag(&t, Some(&share(0.79)), date!(2024 - 03 - 27)),
            Flag::AtRisk
        );
        // 15 days left (2024-03-26, 85 % of the time): 61 % done is within the margin.
        assert_eq!(
            flag(&t, Some(&share(0.61)), date!(2024 - 03 - 26)),
            Flag::OnTime
        );
        // No measure: at risk only within 14 days.
        assert_eq!(flag(&t, None, date!(2024 - 03 - 26)), Flag::OnTime);
        assert_eq!(flag(&t, None, date!(2024 - 03 - 27)), Flag::AtRisk);
        // A one-day task on its day, all done: on time; the day after, late.
        let d = task("2024-01-01", "2024-01-01");
        assert_eq!(
            flag(&d, Some(&share(1.0)), date!(2024 - 01 - 01)),
            Flag::OnTime
        );
        assert_eq!(
            flag(&d, Some(&share(1.0)), date!(2024 - 01 - 02)),
            Flag::Late
        );
    }

    #[test]
    fn dates_are_checked_as_days_of_the_calendar() {
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("1999-12-31"), None);
        assert_eq!(parse_date("2024-1-05"), None);
    }
}
