//! The grievance log (`grievances` table of the [`super::register`]): received when, from
//! whom, about which parcel, household, canal or task, by which channel, handled by whom,
//! answered when, with what outcome, and where it stands.
//!
//! A grievance route is what the World Bank's ESS5 and its voluntary-donation guidance ask
//! of land taken for a public work (FIELD.md, "Land clearance"); the fields follow what
//! land-administration tools keep (OGC.md, "Land-clearance records"). Every change is in
//! the register's history. Grievances name people: only viewers and officers read them;
//! the public gets [`summary`], counts by status and village.
//!
//! The rules a grievance keeps ([`check`]):
//! 1. `from` names a stored household or a person's name (at least one);
//! 2. `about` names a stored parcel, household or canal, or a task of the register;
//! 3. `received_on` is a date not after today; `answered_on`, when given, is not before it
//!    and not after today;
//! 4. `answered` and `closed` need `answered_on` and an `outcome`; `received` has no
//!    answer yet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::register::{Proposed, RecordError, Register, RegisterError, Snapshot, Versioned};
use crate::model::date::{entered_date, today};
use crate::model::schema::{Invalid, Rule};
use crate::store::Dataset;

/// The register table.
pub const TABLE: &str = "grievances";

/// The longest free text (summary, outcome), characters.
pub const MAX_TEXT: usize = 4000;

/// Where a grievance stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GrievanceStatus {
    /// Received, not yet taken up.
    Received,
    /// Being handled.
    InProgress,
    /// Answered.
    Answered,
    /// Closed.
    Closed,
}

impl GrievanceStatus {
    /// Every status, in order.
    pub const ALL: [GrievanceStatus; 4] = [
        GrievanceStatus::Received,
        GrievanceStatus::InProgress,
        GrievanceStatus::Answered,
        GrievanceStatus::Closed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            GrievanceStatus::Received => "received",
            GrievanceStatus::InProgress => "in_progress",
            GrievanceStatus::Answered => "answered",
            GrievanceStatus::Closed => "closed",
        }
    }

    /// Whether the grievance still waits for an answer.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            GrievanceStatus::Received | GrievanceStatus::InProgress
        )
    }
}

/// How it came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At the commune office or to an officer in person.
    InPerson,
    /// A letter or a written petition.
    Letter,
    /// By phone.
    Phone,
    /// At a village meeting.
    Meeting,
    /// Through the village head or a mass organisation.
    VillageHead,
    /// Any other way.
    Other,
}

/// What a grievance is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AboutKind {
    /// A parcel (the `parcels` layer).
    Parcel,
    /// A household (the `households` layer).
    Household,
    /// A canal (the `canals` layer).
    Canal,
    /// A task of the campaign register.
    Task,
}

/// The record a grievance is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// Which kind of record.
    pub kind: AboutKind,
    /// Its id.
    pub id: String,
}

/// Who raised it: a stored household, a name, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Complainant {
    /// The household's id.
    #[serde(default)]
    pub household: Option<String>,
    /// The person's name as given.
    #[serde(default)]
    pub name: Option<String>,
}

/// A grievance as an officer sends it (no id: the register gives one).
/// (Unknown members are refused at the HTTP door, [`INPUT_FIELDS`], not by serde: the
/// stored [`Grievance`] flattens this type, and a schema closed to other members would
/// refuse its `id`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "received_on": "2026-11-20", "from": {"household": "hh-00259", "name": null},
    "about": {"kind": "parcel", "id": "p-11-0001"}, "channel": "in_person",
    "summary": "Diện tích thu hồi lớn hơn đã thỏa thuận", "handled_by": "p-officer-1",
    "answered_on": null, "outcome": null, "status": "received"}))]
pub struct GrievanceInput {
    /// Day received, `YYYY-MM-DD`.
    pub received_on: String,
    /// Who raised it.
    pub from: Complainant,
    /// What it is about.
    pub about: About,
    /// How it came in.
    pub channel: Channel,
    /// What the complaint is.
    pub summary: String,
    /// Who handles it (a person id of the register or a name).
    #[serde(default)]
    pub handled_by: Option<String>,
    /// Day answered, `YYYY-MM-DD`.
    #[serde(default)]
    pub answered_on: Option<String>,
    /// The answer or what was done.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Where it stands.
    pub status: GrievanceStatus,
}

/// The members of [`GrievanceInput`].
pub const INPUT_FIELDS: [&str; 9] = [
    "received_on",
    "from",
    "about",
    "channel",
    "summary",
    "handled_by",
    "answered_on",
    "outcome",
    "status",
];

/// A stored grievance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Grievance {
    /// Id, `g-<n>`.
    pub id: String,
    /// The rest.
    #[serde(flatten)]
    pub fields: GrievanceInput,
}

fn invalid(field: &str, rule: Rule, message: impl Into<String>) -> Invalid {
    Invalid::new(field, rule, message.into())
}

fn text(field: &str, v: &str, max: usize) -> Result<(), Invalid> {
    if v.trim().is_empty() {
        return Err(invalid(
            field,
            Rule::Required,
            format!("{field} must not be empty"),
        ));
    }
    if v.chars().count() > max {
        return Err(invalid(
            field,
            Rule::Range,
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// Checks a grievance against the rules of the module, with `data` and the register's
/// `snapshot` for the references.
pub fn check(g: &GrievanceInput, data: &Dataset, snapshot: &Snapshot) -> Result<(), Invalid> {
    let today = today();
    let received = entered_date(&g.received_on, today)
        .map_err(|e| invalid("received_on", Rule::Date, e.to_string()))?;
    match (&g.from.household, &g.from.name) {
        (None, None) => {
            return Err(invalid(
                "from",
                Rule::Required,
                "from must name a household id or a person's name",
            ));
        }
        (Some(h), _) if data.households.position(h).is_none() => {
            return Err(invalid(
                "from.household",
                Rule::Reference,
                format!("no household `{h}`"),
            ));
        }
        _ => {}
    }
    if let Some(n) = &g.from.name {
        text("from.name", n, 200)?;
    }
    let id = &g.about.id;
    let known = match g.about.kind {
        AboutKind::Parcel => data.parcels.position(id).is_some(),
        AboutKind::Household => data.households.position(id).is_some(),
        AboutKind::Canal => data.canals.position(id).is_some(),
        AboutKind::Task => snapshot.get("tasks", id).is_some(),
    };
    if !known {
        let kind = serde_json::to_value(g.about.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        return Err(invalid(
            "about.id",
            Rule::Reference,
            format!("no {kind} `{id}`"),
        ));
    }
    text("summary", &g.summary, MAX_TEXT)?;
    if let Some(h) = &g.handled_by {
        text("handled_by", h, 200)?;
    }
    if let Some(o) = &g.outcome {
        text("outcome", o, MAX_TEXT)?;
    }
    let answered = match &g.answered_on {
        Some(a) => {
            let d = entered_date(a, today)
                .map_err(|e| invalid("answered_on", Rule::Date, e.to_string()))?;
            if d < received {
                return Err(invalid(
                    "answered_on",
                    Rule::Date,
                    format!(
                        "answered_on ({a}) is before received_on ({})",
                        g.received_on
                    ),
                ));
            }
            true
        }
        None => false,
    };
    match g.status {
        GrievanceStatus::Answered | GrievanceStatus::Closed if !answered => Err(invalid(
            "answered_on",
            Rule::Required,
            format!("a grievance {} needs answered_on", g.status.as_str()),
        )),
        GrievanceStatus::Answered | GrievanceStatus::Closed if g.outcome.is_none() => Err(invalid(
            "outcome",
            Rule::Required,
            format!("a grievance {} needs its outcome", g.status.as_str()),
        )),
        GrievanceStatus::Received if answered => Err(invalid(
            "status",
            Rule::Enum,
            "a grievance with answered_on is answered or closed, not received",
        )),
        _ => Ok(()),
    }
}

fn to_value(g: &Grievance) -> Result<Value, RegisterError> {
    serde_json::to_value(g).map_err(|e| RegisterError::BadRecord(e.to_string()))
}

/// Stores a new grievance from `input` by `user`; answers it with its version.
pub fn create(
    register: &Register,
    data: &Dataset,
    user: &str,
    input: GrievanceInput,
) -> Result<Versioned<Grievance>, RecordError> {
    let mut made = None;
    let change = register.change(user, TABLE, |snap: &Snapshot| {
        check(&input, data, snap)?;
        // A fresh id under the writer's lock: one more than any numbered so far.
        let n = snap
            .records(TABLE)
            .iter()
            .filter_map(|r| r.id.strip_prefix("g-")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let g = Grievance {
            id: format!("g-{n}"),
            fields: input.clone(),
        };
        let value = to_value(&g)?;
        made = Some(g);
        Ok::<_, RecordError>(Proposed::Create(value))
    })?;
    let record = made.ok_or_else(|| RegisterError::BadRecord("no grievance made".into()))?;
    Ok(Versioned {
        version: change.seq,
        record,
    })
}

/// Replaces grievance `id` with `input` if it is at a version `expect` allows.
pub fn replace(
    register: &Register,
    data: &Dataset,
    user: &str,
    id: &str,
    input: GrievanceInput,
    expect: crate::store::live::Precondition,
) -> Result<Versioned<Grievance>, RecordError> {
    let g = Grievance {
        id: id.to_owned(),
        fields: input,
    };
    let change = register.change(user, TABLE, |snap: &Snapshot| {
        check(&g.fields, data, snap)?;
        Ok::<_, RecordError>(Proposed::Replace {
            id: id.to_owned(),
            value: to_value(&g)?,
            expect: Some(expect),
        })
    })?;
    Ok(Versioned {
        version: change.seq,
        record: g,
    })
}

/// Every grievance, by id number, with its version.
pub fn all(snapshot: &Snapshot) -> Result<Vec<Versioned<Grievance>>, RegisterError> {
    let mut v = snapshot.typed::<Grievance>(TABLE)?;
    v.sort_by_key(|g| {
        (
            g.record
                .id
                .strip_prefix("g-")
                .and_then(|n| n.parse::<u64>().ok()),
            g.record.id.clone(),
        )
    });
    Ok(v)
}

/// The village a grievance belongs to: the village of what it is about, else of the
/// household that raised it.
pub fn village_of(g: &GrievanceInput, data: &Dataset, snapshot: &Snapshot) -> Option<String> {
    let household_village = |id: &str| {
        data.households
            .position(id)
            .map(|i| data.households.records[i].village_id.to_string())
    };
    let about = match g.about.kind {
        AboutKind::Parcel => data.parcels.position(&g.about.id).and_then(|i| {
            data.parcels.records[i]
                .village_id
                .as_deref()
                .map(str::to_owned)
        }),
        AboutKind::Household => household_village(&g.about.id),
        AboutKind::Task => snapshot
            .get("tasks", &g.about.id)
            .and_then(|t| t.value.get("village_id")?.as_str().map(str::to_owned)),
        AboutKind::Canal => None,
    };
    about.or_else(|| g.from.household.as_deref().and_then(household_village))
}

/// Counts per status.
pub type StatusCounts = BTreeMap<GrievanceStatus, usize>;

fn zero() -> StatusCounts {
    GrievanceStatus::ALL.into_iter().map(|s| (s, 0)).collect()
}

/// One village's counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = GrievanceVillageCounts)]
pub struct VillageCounts {
    /// Village id; none when a grievance names no village (about a canal, from a name).
    pub village_id: Option<String>,
    /// Village name.
    pub village: Option<String>,
    /// Grievances.
    pub total: usize,
    /// Per status.
    #[schema(value_type = BTreeMap<String, usize>)]
    pub by_status: StatusCounts,
}

/// What the public sees of the log: counts, no text, no name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = GrievanceSummary)]
pub struct Summary {
    /// Grievances.
    pub total: usize,
    /// Still open (received or in progress).
    pub open: usize,
    /// Per status.
    #[schema(value_type = BTreeMap<String, usize>)]
    pub by_status: StatusCounts,
    /// Per village.
    pub by_village: Vec<VillageCounts>,
}

/// The counts of the log.
pub fn summary(data: &Dataset, snapshot: &Snapshot) -> Result<Summary, RegisterError> {
    let all = all(snapshot)?;
    let mut by_status = zero();
    let mut villages: BTreeMap<Option<String>, StatusCounts> = BTreeMap::new();
    for g in &all {
        let s = g.record.fields.status;
        *by_status.entry(s).or_default() += 1;
        let v = village_of(&g.record.fields, data, snapshot);
        *villages.entry(v).or_insert_with(zero).entry(s).or_default() += 1;
    }
    Ok(Summary {
        total: all.len(),
        open: all
            .iter()
            .filter(|g| g.record.fields.status.is_open())
            .count(),
        by_status,
        by_village: villages
            .into_iter()
            .map(|(v, by_status)| VillageCounts {
                village: v.as_deref().map(|id| data.village_name(id).to_owned()),
                village_id: v,
                total: by_status.values().sum(),
                by_status,
            })
            .collect(),
    })
}
