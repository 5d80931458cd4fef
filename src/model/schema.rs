//! Each layer's properties: their names, types, ranges, allowed values, and which are
//! personal. The one table that loading, every edit, the import, the OGC API's
//! queryables and the privacy rules read, so that they cannot drift apart.
//!
//! A property not in its layer's table is refused (a misspelt `clearence_status` would
//! otherwise be kept and never counted); `null` counts as absent.

use serde::Serialize;
use serde_json::Value;

use super::{CanalStatus, ClearanceStatus, FenceType, LayerKind, Properties, WaterStatus};
use crate::model::date;

/// What values a property takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueKind {
    /// Any text (empty counts as absent).
    Text,
    /// A whole number in `min..=max` (JSON integer; 2.0 is accepted, 2.5 is not).
    Integer {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// A finite number with `min` (inclusive unless `min_exclusive`) and `max` bounds.
    Number {
        /// Smallest allowed.
        min: f64,
        /// Whether `min` itself is refused.
        min_exclusive: bool,
        /// Largest allowed.
        max: f64,
    },
    /// `true` or `false`.
    Boolean,
    /// A calendar day `YYYY-MM-DD` from 1900 to tomorrow in Vietnam.
    Date,
    /// One of these names.
    Enum(&'static [&'static str]),
    /// The id of a feature of this layer.
    Id(LayerKind),
    /// A SHA-256 digest, 64 lowercase hexadecimal digits: the name of a stored attachment
    /// ([`crate::store::attachments`]).
    Sha256,
}

/// One property of a layer.
#[derive(Debug, Clone, Copy)]
pub struct PropertySpec {
    /// Its name.
    pub name: &'static str,
    /// Its values.
    pub kind: ValueKind,
    /// Whether every feature must carry it.
    pub required: bool,
    /// Whether it identifies people or their money (served only to viewers and above).
    pub personal: bool,
    /// Whether the service computes it (served, never stored: a client that sends it
    /// back, as GIS clients do, has it dropped).
    pub computed: bool,
    /// What it is, in a line.
    pub description: &'static str,
}

const fn spec(name: &'static str, kind: ValueKind, description: &'static str) -> PropertySpec {
    PropertySpec {
        name,
        kind,
        required: false,
        personal: false,
        computed: false,
        description,
    }
}

const fn required(mut s: PropertySpec) -> PropertySpec {
    s.required = true;
    s
}

const fn personal(mut s: PropertySpec) -> PropertySpec {
    s.personal = true;
    s
}

const fn computed(mut s: PropertySpec) -> PropertySpec {
    s.computed = true;
    s
}

const fn int(min: i64, max: i64) -> ValueKind {
    ValueKind::Integer { min, max }
}

const fn at_least(min: f64, max: f64) -> ValueKind {
    ValueKind::Number {
        min,
        min_exclusive: false,
        max,
    }
}

const fn above(min: f64, max: f64) -> ValueKind {
    ValueKind::Number {
        min,
        min_exclusive: true,
        max,
    }
}

const VILLAGES: &[PropertySpec] = &[
    required(spec("name", ValueKind::Text, "Village name, e.g. Đại Đồng")),
    spec("code", ValueKind::Text, "Short code"),
    spec(
        "commune",
        ValueKind::Text,
        "The commune the village belongs to",
    ),
    spec(
        "province",
        ValueKind::Text,
        "The province the commune belongs to",
    ),
    spec(
        "water_target_rate",
        at_least(0.0, 1.0),
        "The year's piped-water target, a share of dwellings (0.35 = 35 %)",
    ),
];

const CANALS: &[PropertySpec] = &[
    spec("name", ValueKind::Text, "Name of the canal section"),
    required(spec(
        "status",
        ValueKind::Enum(CanalStatus::NAMES),
        "Construction status",
    )),
    spec(
        "status_date",
        ValueKind::Date,
        "Day of the last status step",
    ),
    spec(
        "villages",
        ValueKind::Text,
        "Villages it runs through, as written",
    ),
    spec(
        "village_id",
        ValueKind::Id(LayerKind::Villages),
        "The village it lies in",
    ),
    spec("funding", ValueKind::Text, "Who pays for it"),
    spec("width_m", above(0.0, 100.0), "Width, metres"),
    spec("depth_m", above(0.0, 20.0), "Depth, metres"),
    spec(
        "lining",
        ValueKind::Text,
        "Lining (earth, brick, concrete …)",
    ),
    spec("year", int(1900, 2100), "Year built or planned"),
    spec(
        "shape",
        ValueKind::Enum(&["rectangular", "trapezoidal", "circular"]),
        "Cross-section: rectangular or trapezoidal open channel, or circular pipe",
    ),
    spec("diameter_m", above(0.0, 10.0), "Pipe diameter, metres"),
    spec(
        "side_slope",
        at_least(0.0, 10.0),
        "Trapezoid side slope, horizontal per vertical",
    ),
    spec(
        "manning_n",
        above(0.0, 0.1),
        "Manning's n, when not the lining's (data/hydraulics/manning_n.csv)",
    ),
    spec(
        "invert_start_m",
        at_least(-100.0, 1000.0),
        "Bed level at the start of the line, metres",
    ),
    spec(
        "invert_end_m",
        at_least(-100.0, 1000.0),
        "Bed level at the end of the line, metres",
    ),
    spec(
        "ground_start_m",
        at_least(-100.0, 1000.0),
        "Ground level beside the start of the line, metres (for the profile)",
    ),
    spec(
        "ground_end_m",
        at_least(-100.0, 1000.0),
        "Ground level beside the end of the line, metres (for the profile)",
    ),
    spec(
        "slope",
        above(0.0, 1.0),
        "Bed slope along the line, downhill (m/m), when the levels are not given",
    ),
    spec(
        "flows_to",
        ValueKind::Id(LayerKind::Canals),
        "The canal it flows into",
    ),
    spec(
        "outfall",
        ValueKind::Text,
        "Where it flows out (the river, the sea), when not into another canal",
    ),
    spec(
        "drainage_class",
        ValueKind::Text,
        "Canal class for the design return period (data/hydraulics/return_periods.csv)",
    ),
    computed(spec(
        "length_m",
        at_least(0.0, 1e7),
        "Length on the ground, metres (geodesic; computed)",
    )),
];

const PARCELS: &[PropertySpec] = &[
    required(spec(
        "map_sheet",
        int(0, 100_000),
        "Map sheet number (tờ bản đồ)",
    )),
    required(spec(
        "parcel_no",
        int(1, 10_000_000),
        "Parcel number on the sheet (thửa)",
    )),
    required(spec(
        "land_use",
        ValueKind::Text,
        "Land-use code (ONT, CLN, LUC, DGT …)",
    )),
    spec(
        "area_legal_m2",
        above(0.0, 10_000_000.0),
        "Area in the land register, m²",
    ),
    spec(
        "village_id",
        ValueKind::Id(LayerKind::Villages),
        "The village it lies in",
    ),
    personal(spec(
        "owner_household",
        ValueKind::Id(LayerKind::Households),
        "The owning household",
    )),
    personal(spec(
        "owner_name",
        ValueKind::Text,
        "The land user's name as the cadastral map gives it",
    )),
    required(spec(
        "clearance_status",
        ValueKind::Enum(ClearanceStatus::NAMES),
        "Site-clearance step",
    )),
    personal(spec(
        "clearance_date",
        ValueKind::Date,
        "Day of the last clearance step",
    )),
    spec(
        "fence_type",
        ValueKind::Enum(FenceType::NAMES),
        "What stands on the frontage",
    ),
    spec(
        "gate",
        ValueKind::Boolean,
        "Whether the frontage has a gate",
    ),
    spec(
        "frontage_edge",
        int(0, 1_000_000),
        "Index of the exterior ring's edge that is the frontage",
    ),
    // The voluntary donation's consent record (World Bank guidance on voluntary land
    // donation; README "Consent to a land donation"): personal, like the owner.
    personal(spec(
        "consent_told_may_refuse",
        ValueKind::Boolean,
        "Consent: the household was told it may refuse and be compensated instead",
    )),
    personal(spec(
        "consent_compensation_vnd",
        at_least(0.0, 1e13),
        "Consent: the compensation it would otherwise receive, VND, as it was told",
    )),
    personal(spec(
        "consent_told_on",
        ValueKind::Date,
        "Consent: the day it was told",
    )),
    personal(spec(
        "consent_told_by",
        ValueKind::Text,
        "Consent: who told it (name)",
    )),
    personal(spec(
        "consent_witness",
        ValueKind::Text,
        "Consent: the witness's name",
    )),
    personal(spec(
        "consent_witness_role",
        ValueKind::Text,
        "Consent: the witness's role (village head, mass organisation …)",
    )),
    personal(spec(
        "consent_document_ref",
        ValueKind::Text,
        "Consent: the signed document's reference",
    )),
    personal(spec(
        "consent_scan_sha256",
        ValueKind::Sha256,
        "Consent: the SHA-256 of the signed document's scan (GET /api/attachments/{sha256})",
    )),
    personal(spec(
        "consent_date",
        ValueKind::Date,
        "Consent: the day the donation was signed",
    )),
    personal(spec(
        "fence_gate_state",
        ValueKind::Enum(FENCE_GATE_STATES),
        "The frontage's fence and gate, rebuilt with the flooded households' contributions",
    )),
];

/// The states of a donating parcel's fence and gate (`fence_gate_state`).
pub const FENCE_GATE_STATES: &[&str] = &["not_needed", "to_rebuild", "rebuilding", "rebuilt"];

const FLOOD_ZONES: &[PropertySpec] = &[
    spec("name", ValueKind::Text, "Name of the flooded area"),
    spec(
        "village_id",
        ValueKind::Id(LayerKind::Villages),
        "The village it lies in",
    ),
    spec(
        "depth_m",
        at_least(0.0, 10.0),
        "Typical flood depth, metres",
    ),
    spec("duration_days", int(0, 366), "Typical duration, days"),
    spec("duration", ValueKind::Text, "Typical duration, as reported"),
    spec("frequency", ValueKind::Text, "How often it floods"),
    spec("last_observed", ValueKind::Date, "Last flood observed"),
    spec("since_year", int(1900, 2100), "Flooding since"),
];

const CATCHMENTS: &[PropertySpec] = &[
    spec("name", ValueKind::Text, "Name of the catchment"),
    spec(
        "village_id",
        ValueKind::Id(LayerKind::Villages),
        "The village it lies in",
    ),
    required(spec(
        "drains_to",
        ValueKind::Id(LayerKind::Canals),
        "The canal its water drains into",
    )),
    spec(
        "drains_at",
        ValueKind::Text,
        "Where its water enters the canal, in words",
    ),
    spec(
        "surface_time_min",
        at_least(0.0, 120.0),
        "t0, surface flow time, minutes (default: data/hydraulics/design_defaults.csv)",
    ),
    spec(
        "gutter_time_min",
        at_least(0.0, 120.0),
        "t1, gutter flow time before the canal, minutes",
    ),
    spec(
        "overland_length_m",
        above(0.0, 10_000.0),
        "Overland flow length for SWMM, metres",
    ),
    spec(
        "slope_percent",
        at_least(0.0, 100.0),
        "Ground slope for SWMM, percent",
    ),
];

const HOUSEHOLDS: &[PropertySpec] = &[
    personal(required(spec("head", ValueKind::Text, "Head of household"))),
    required(spec(
        "village_id",
        ValueKind::Id(LayerKind::Villages),
        "The village it lives in",
    )),
    personal(spec("members", int(1, 100), "People in the household")),
    personal(spec(
        "dwelling_id",
        ValueKind::Text,
        "The dwelling it lives in (several households may share one)",
    )),
    required(spec(
        "water_status",
        ValueKind::Enum(WaterStatus::NAMES),
        "Piped-water connection",
    )),
    personal(spec(
        "water_date",
        ValueKind::Date,
        "Day of the last water step",
    )),
    personal(spec(
        "land_pledged_m2",
        at_least(0.0, 1e7),
        "Land promised, m²",
    )),
    personal(spec(
        "land_donated_m2",
        at_least(0.0, 1e7),
        "Land signed over, m²",
    )),
    personal(spec(
        "labour_pledged_days",
        at_least(0.0, 1e5),
        "Labour days promised",
    )),
    personal(spec(
        "labour_done_days",
        at_least(0.0, 1e5),
        "Labour days worked",
    )),
    personal(spec(
        "money_pledged_vnd",
        at_least(0.0, 1e13),
        "Money promised, VND",
    )),
    personal(spec(
        "money_paid_vnd",
        at_least(0.0, 1e13),
        "Money paid, VND",
    )),
    personal(spec(
        "contribution_date",
        ValueKind::Date,
        "Day of the last contribution recorded",
    )),
    personal(spec("note", ValueKind::Text, "Campaign notes")),
];

/// A layer's properties.
pub fn properties(kind: LayerKind) -> &'static [PropertySpec] {
    match kind {
        LayerKind::Villages => VILLAGES,
        LayerKind::Canals => CANALS,
        LayerKind::Parcels => PARCELS,
        LayerKind::FloodZones => FLOOD_ZONES,
        LayerKind::Households => HOUSEHOLDS,
        LayerKind::Catchments => CATCHMENTS,
    }
}

/// One property of a layer, if the layer has it.
pub fn property(kind: LayerKind, name: &str) -> Option<&'static PropertySpec> {
    properties(kind).iter().find(|p| p.name == name)
}

/// Whether a property identifies people or their money, and so is served only to callers
/// who may see personal data. Anything not in the table is personal: a property added
/// later stays private until decided otherwise.
pub fn is_personal(kind: LayerKind, name: &str) -> bool {
    property(kind, name).is_none_or(|p| p.personal)
}

/// Drops the properties the service computes (a client that read a feature and sends it
/// back carries them).
pub fn strip_computed(kind: LayerKind, props: &mut Properties) {
    for spec in properties(kind).iter().filter(|p| p.computed) {
        props.remove(spec.name);
    }
}

/// Which rule a value broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A required property or member is missing.
    Required,
    /// The value has the wrong JSON type.
    Type,
    /// The number is outside its range.
    Range,
    /// The name is not one of the allowed values.
    Enum,
    /// Not a date, or a date out of range.
    Date,
    /// The layer has no such property.
    Unknown,
    /// The geometry is not valid.
    Geometry,
    /// It names a feature that does not exist.
    Reference,
    /// Another feature already has this key.
    Duplicate,
    /// It overlaps another feature.
    Overlap,
}

/// Why a feature was refused: the field (`properties.members`, `geometry`, `id`), the rule
/// and what was wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[error("{field}: {problem}")]
pub struct Invalid {
    /// The field.
    pub field: String,
    /// The rule.
    pub rule: Rule,
    /// What was wrong, in words.
    pub problem: String,
}

impl Invalid {
    /// A refusal of `field` under `rule`.
    pub fn new(field: impl Into<String>, rule: Rule, problem: impl Into<String>) -> Invalid {
        Invalid {
            field: field.into(),
            rule,
            problem: problem.into(),
        }
    }

    /// A refusal of property `name`.
    pub fn property(name: &str, rule: Rule, problem: impl Into<String>) -> Invalid {
        Invalid::new(format!("properties.{name}"), rule, problem)
    }
}

/// Checks a feature's properties against its layer's table: every required one present,
/// none unknown, each of its type and in its range. References to other features are
/// checked by the data set, which knows them.
pub fn check_properties(kind: LayerKind, props: &Properties) -> Result<(), Invalid> {
    for (name, value) in props {
        let spec = property(kind, name).ok_or_else(|| {
            Invalid::property(
                name,
                Rule::Unknown,
                format!(
                    "the {kind} layer has no property `{name}`; its properties are {}",
                    properties(kind)
                        .iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        if !value.is_null() && !spec.computed {
            check_value(spec, value)?;
        }
    }
    for spec in properties(kind).iter().filter(|s| s.required) {
        let present = match props.get(spec.name) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        };
        if !present {
            return Err(Invalid::property(spec.name, Rule::Required, "is required"));
        }
    }
    if kind == LayerKind::Parcels {
        check_consent_dates(props)?;
    }
    Ok(())
}

/// A household is told it may refuse before it signs: `consent_told_on` is not after
/// `consent_date` (both `YYYY-MM-DD`, so their text orders as their days).
fn check_consent_dates(props: &Properties) -> Result<(), Invalid> {
    let day = |name| props.get(name).and_then(Value::as_str);
    if let (Some(told), Some(signed)) = (day("consent_told_on"), day("consent_date"))
        && told > signed
    {
        return Err(Invalid::property(
            "consent_told_on",
            Rule::Range,
            format!(
                "the household must be told it may refuse before it signs: told on {told}, signed on {signed}"
            ),
        ));
    }
    Ok(())
}

fn check_value(spec: &PropertySpec, value: &Value) -> Result<(), Invalid> {
    let name = spec.name;
    let type_error = |wanted: &str| {
        Invalid::property(name, Rule::Type, format!("must be {wanted}, found {value}"))
    };
    match spec.kind {
        ValueKind::Text | ValueKind::Id(_) => {
            if !value.is_string() {
                return Err(type_error("a string"));
            }
        }
        ValueKind::Boolean => {
            if !value.is_boolean() {
                return Err(type_error("true or false"));
            }
        }
        ValueKind::Integer { min, max } => {
            let n = value
                .as_i64()
                .or_else(|| {
                    value
                        .as_f64()
                        .filter(|x| x.fract() == 0.0 && x.abs() < 9e15)
                        .map(|x| x as i64)
                })
                .ok_or_else(|| type_error("a whole number"))?;
            if n < min || n > max {
                return Err(Invalid::property(
                    name,
                    Rule::Range,
                    format!("must be from {min} to {max}, found {n}"),
                ));
            }
        }
        ValueKind::Number {
            min,
            min_exclusive,
            max,
        } => {
            let x = value
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| type_error("a number"))?;
            let low = if min_exclusive { x <= min } else { x < min };
            if low || x > max {
                let from = if min_exclusive {
                    format!("more than {min}")
                } else {
                    format!("at least {min}")
                };
                return Err(Invalid::property(
                    name,
                    Rule::Range,
                    format!("must be {from} and at most {max}, found {x}"),
                ));
            }
        }
        ValueKind::Date => {
            let s = value
                .as_str()
                .ok_or_else(|| type_error("a date YYYY-MM-DD"))?;
            date::stored_date(s, date::today())
                .map_err(|e| Invalid::property(name, Rule::Date, e.to_string()))?;
        }
        ValueKind::Sha256 => {
            let s = value
                .as_str()
                .ok_or_else(|| type_error("a SHA-256 digest in hex"))?;
            if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(Invalid::property(
                    name,
                    Rule::Type,
                    format!(
                        "must be a SHA-256 digest, 64 lowercase hexadecimal digits, found `{s}`"
                    ),
                ));
            }
        }
        ValueKind::Enum(names) => {
            let s = value.as_str().ok_or_else(|| type_error("a string"))?;
            if !names.contains(&s) {
                return Err(Invalid::property(
                    name,
                    Rule::Enum,
                    format!("`{s}` is not one of {}", names.join(", ")),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(kind: LayerKind, v: Value) -> Result<(), Invalid> {
        check_properties(kind, v.as_object().unwrap())
    }

    fn household(extra: Value) -> Value {
        let mut h =
            json!({"head": "Nguyễn Văn An", "village_id": "vil-a", "water_status": "registered"});
        for (k, v) in extra.as_object().unwrap() {
            h[k] = v.clone();
        }
        h
    }

    #[test]
    fn each_bad_value_names_its_field_and_rule() {
        let cases = [
            (json!({"members": -3}), "properties.members", Rule::Range),
            (json!({"members": "four"}), "properties.members", Rule::Type),
            (json!({"members": 2.5}), "properties.members", Rule::Type),
            (
                json!({"money_paid_vnd": -1}),
                "properties.money_paid_vnd",
                Rule::Range,
            ),
            (
                json!({"water_date": "2099-01-01"}),
                "properties.water_date",
                Rule::Date,
            ),
            (
                json!({"water_date": "2023-02-30"}),
                "properties.water_date",
                Rule::Date,
            ),
            (
                json!({"water_status": "yes"}),
                "properties.water_status",
                Rule::Enum,
            ),
            (
                json!({"nickname": "x"}),
                "properties.nickname",
                Rule::Unknown,
            ),
            (json!({"head": ""}), "properties.head", Rule::Required),
        ];
        for (extra, field, rule) in cases {
            let e = check(LayerKind::Households, household(extra.clone())).unwrap_err();
            assert_eq!((e.field.as_str(), e.rule), (field, rule), "{extra}: {e}");
        }
        assert!(
            check(
                LayerKind::Households,
                household(json!({"members": 4, "water_date": null}))
            )
            .is_ok()
        );
        // A whole number written as 4.0 is a whole number.
        assert!(check(LayerKind::Households, household(json!({"members": 4.0}))).is_ok());
    }

    #[test]
    fn parcels_and_canals() {
        let parcel = json!({"map_sheet": 12, "parcel_no": 345, "land_use": "ONT", "clearance_status": "awaiting"});
        assert!(check(LayerKind::Parcels, parcel.clone()).is_ok());
        for (k, v, rule) in [
            ("area_legal_m2", json!("big"), Rule::Type),
            ("area_legal_m2", json!(-10), Rule::Range),
            ("area_legal_m2", json!(0), Rule::Range),
            ("clearance_date", json!("2099-12-31"), Rule::Date),
            ("gate", json!("yes"), Rule::Type),
        ] {
            let mut p = parcel.clone();
            p[k] = v;
            assert_eq!(check(LayerKind::Parcels, p).unwrap_err().rule, rule, "{k}");
        }
        let canal = json!({"status": "planned"});
        for (v, rule) in [(json!("wide"), Rule::Type), (json!(-5), Rule::Range)] {
            let mut c = canal.clone();
            c["width_m"] = v;
            let e = check(LayerKind::Canals, c).unwrap_err();
            assert_eq!((e.field.as_str(), e.rule), ("properties.width_m", rule));
        }
    }

    #[test]
    fn a_consent_record_is_checked_field_by_field_and_told_before_signed() {
        let parcel = json!({"map_sheet": 12, "parcel_no": 345, "land_use": "ONT", "clearance_status": "donated",
            "consent_told_may_refuse": true, "consent_compensation_vnd": 12_500_000,
            "consent_told_on": "2026-10-01", "consent_date": "2026-10-08",
            "consent_scan_sha256": "fc022288f3e49d09353987de1c32fc1427bd2a8b3657a340e86efb8e34efe003",
            "fence_gate_state": "to_rebuild"});
        assert!(check(LayerKind::Parcels, parcel.clone()).is_ok());
        for (k, v, rule) in [
            ("consent_told_may_refuse", json!("yes"), Rule::Type),
            ("consent_compensation_vnd", json!(-1), Rule::Range),
            ("consent_scan_sha256", json!("FC02"), Rule::Type),
            ("consent_scan_sha256", json!("g".repeat(64)), Rule::Type),
            ("fence_gate_state", json!("fixed"), Rule::Enum),
            ("consent_told_on", json!("2026-10-09"), Rule::Range),
        ] {
            let mut p = parcel.clone();
            p[k] = v;
            let e = check(LayerKind::Parcels, p).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.rule),
                (format!("properties.{k}").as_str(), rule),
                "{e}"
            );
        }
        for name in ["consent_witness", "consent_scan_sha256", "fence_gate_state"] {
            assert!(is_personal(LayerKind::Parcels, name), "{name}");
        }
    }

    #[test]
    fn personal_fields_come_from_the_table() {
        assert!(is_personal(LayerKind::Households, "head"));
        assert!(!is_personal(LayerKind::Households, "water_status"));
        assert!(is_personal(LayerKind::Parcels, "owner_household"));
        assert!(!is_personal(LayerKind::Parcels, "clearance_status"));
        assert!(is_personal(LayerKind::Canals, "not in the table"));
        assert!(!is_personal(LayerKind::Canals, "status"));
    }
}
