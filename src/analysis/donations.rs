//! Voluntary land donations and their consent records: which donating parcels hold a
//! complete record, and what each incomplete one lacks.
//!
//! A parcel **gives land by donation** when its clearance step is `agreed` or `donated`,
//! or `cleared` with the land given rather than paid for: its owner household pledged or
//! signed over land (`land_pledged_m2` or `land_donated_m2` above 0), or the parcel already
//! carries consent details. A `compensated` parcel was paid, and a `cleared` one with
//! none of these signs is taken to have been.
//!
//! Its consent record is **complete** when it holds every element the World Bank's
//! guidance on voluntary donation asks for ([`Element`]): that the household was told it
//! may refuse (`consent_told_may_refuse` true) and what compensation it would otherwise
//! receive, when and by whom it was told, a witness with their role, the signed
//! document's reference and its scan, the day it signed, and — when the frontage has a
//! fence, wall, hedge or gate — the state of the fence and gate rebuilt for it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::model::{ClearanceStatus, FenceType};
use crate::store::Dataset;

/// One element of a consent record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ConsentElement)]
pub enum Element {
    /// The household was told it may refuse (`consent_told_may_refuse` is true).
    ToldMayRefuse,
    /// The compensation it would otherwise receive (`consent_compensation_vnd`).
    Compensation,
    /// When it was told (`consent_told_on`).
    ToldOn,
    /// Who told it (`consent_told_by`).
    ToldBy,
    /// The witness's name (`consent_witness`).
    Witness,
    /// The witness's role (`consent_witness_role`).
    WitnessRole,
    /// The signed document's reference (`consent_document_ref`).
    Document,
    /// The signed document's scan (`consent_scan_sha256`).
    Scan,
    /// The day it signed (`consent_date`).
    ConsentDate,
    /// The state of the fence and gate rebuilt (`fence_gate_state`), when the frontage
    /// has one.
    FenceGate,
}

impl Element {
    /// The parcel property that holds it.
    pub fn property(self) -> &'static str {
        match self {
            Element::ToldMayRefuse => "consent_told_may_refuse",
            Element::Compensation => "consent_compensation_vnd",
            Element::ToldOn => "consent_told_on",
            Element::ToldBy => "consent_told_by",
            Element::Witness => "consent_witness",
            Element::WitnessRole => "consent_witness_role",
            Element::Document => "consent_document_ref",
            Element::Scan => "consent_scan_sha256",
            Element::ConsentDate => "consent_date",
            Element::FenceGate => "fence_gate_state",
        }
    }

    /// Its name in the answers (`told_may_refuse`, `scan` …).
    pub fn name(self) -> &'static str {
        match self {
            Element::ToldMayRefuse => "told_may_refuse",
            Element::Compensation => "compensation",
            Element::ToldOn => "told_on",
            Element::ToldBy => "told_by",
            Element::Witness => "witness",
            Element::WitnessRole => "witness_role",
            Element::Document => "document",
            Element::Scan => "scan",
            Element::ConsentDate => "consent_date",
            Element::FenceGate => "fence_gate",
        }
    }

    /// Every element, in the order of a record.
    pub const ALL: [Element; 10] = [
        Element::ToldMayRefuse,
        Element::Compensation,
        Element::ToldOn,
        Element::ToldBy,
        Element::Witness,
        Element::WitnessRole,
        Element::Document,
        Element::Scan,
        Element::ConsentDate,
        Element::FenceGate,
    ];
}

/// Every consent property of a parcel, the fence and gate state included.
pub const CONSENT_PROPERTIES: [&str; 10] = [
    "consent_told_may_refuse",
    "consent_compensation_vnd",
    "consent_told_on",
    "consent_told_by",
    "consent_witness",
    "consent_witness_role",
    "consent_document_ref",
    "consent_scan_sha256",
    "consent_date",
    "fence_gate_state",
];

/// One donating parcel (for viewers: it names the owner and the witness).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DonationRow {
    /// The parcel id.
    pub parcel_id: String,
    /// Map sheet.
    pub map_sheet: i64,
    /// Parcel number.
    pub parcel_no: i64,
    /// Village id.
    pub village_id: Option<String>,
    /// Village name.
    pub village: Option<String>,
    /// Clearance step.
    #[schema(value_type = String)]
    pub clearance_status: ClearanceStatus,
    /// The owning household.
    pub owner_household: Option<String>,
    /// Whether every element is there.
    pub complete: bool,
    /// The elements missing (empty when complete).
    pub missing: Vec<Element>,
    /// The consent properties the parcel has, by name.
    #[schema(value_type = Object)]
    pub consent: serde_json::Map<String, Value>,
}

/// Donations counted for one village (or, with no village, for the parcels in none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DonationCount {
    /// Village id.
    pub village_id: Option<String>,
    /// Village name.
    pub village: Option<String>,
    /// Donating parcels.
    pub donations: usize,
    /// With a complete consent record.
    pub complete: usize,
    /// Without.
    pub incomplete: usize,
}

/// The donations report: counts per village and in all, and, for a caller who may see
/// personal data, each donating parcel.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DonationReport {
    /// Per village, by name.
    pub villages: Vec<DonationCount>,
    /// The whole data set.
    pub total: DonationCount,
    /// Each donating parcel, by village, sheet and number (viewers and officers only;
    /// absent for the public).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parcels: Option<Vec<DonationRow>>,
}

/// Whether parcel `i` gives land by donation (see the module docs).
pub fn is_donation(data: &Dataset, i: usize) -> bool {
    let p = &data.parcels.records[i];
    match p.clearance_status {
        ClearanceStatus::Agreed | ClearanceStatus::Donated => true,
        ClearanceStatus::Cleared => {
            let owner_gave = p
                .owner_household
                .as_deref()
                .and_then(|h| data.households.position(h))
                .map(|h| &data.households.records[h].contributions)
                .is_some_and(|c| c.land_pledged_m2 > 0.0 || c.land_donated_m2 > 0.0);
            let props = &data.parcels.features[i].properties;
            owner_gave
                || CONSENT_PROPERTIES
                    .iter()
                    .any(|k| props.get_value(k).is_some_and(|v| !v.is_null()))
        }
        _ => false,
    }
}

/// The elements parcel `i`'s consent record lacks.
pub fn missing(data: &Dataset, i: usize) -> Vec<Element> {
    let p = &data.parcels.records[i];
    let props = &data.parcels.features[i].properties;
    let has_frontage = p.fence_type != FenceType::None || p.gate;
    Element::ALL
        .into_iter()
        .filter(|e| {
            let v = props.get_value(e.property());
            match e {
                Element::ToldMayRefuse => v != Some(Value::Bool(true)),
                Element::FenceGate => has_frontage && !present(v.as_ref()),
                _ => !present(v.as_ref()),
            }
        })
        .collect()
}

fn present(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    }
}

/// The report over every donating parcel; `with_parcels` adds each parcel (personal),
/// `only_incomplete` keeps the incomplete ones in that list (the counts count all).
pub fn donations(data: &Dataset, with_parcels: bool, only_incomplete: bool) -> DonationReport {
    let village_name = |id: &str| {
        data.villages
            .position(id)
            .map(|v| data.villages.records[v].name.clone())
    };
    let mut per_village: BTreeMap<Option<String>, DonationCount> = BTreeMap::new();
    let mut total = DonationCount::default();
    let mut rows = Vec::new();
    for i in 0..data.parcels.records.len() {
        if !is_donation(data, i) {
            continue;
        }
        let p = &data.parcels.records[i];
        let lacks = missing(data, i);
        let complete = lacks.is_empty();
        let village_id = p.village_id.as_deref().map(str::to_owned);
        let count = per_village
            .entry(village_id.clone())
            .or_insert_with(|| DonationCount {
                village: village_id.as_deref().and_then(village_name),
                village_id: village_id.clone(),
                ..DonationCount::default()
            });
        for c in [count, &mut total] {
            c.donations += 1;
            if complete {
                c.complete += 1;
            } else {
                c.incomplete += 1;
            }
        }
        if with_parcels && !(only_incomplete && complete) {
            let f = &data.parcels.features[i];
            let consent = CONSENT_PROPERTIES
                .iter()
                .filter_map(|k| {
                    f.properties
                        .get_value(k)
                        .filter(|v| !v.is_null())
                        .map(|v| ((*k).to_owned(), v))
                })
                .collect();
            rows.push(DonationRow {
                parcel_id: f.id.clone(),
                map_sheet: p.map_sheet,
                parcel_no: p.parcel_no,
                village: village_id.as_deref().and_then(village_name),
                village_id,
                clearance_status: p.clearance_status,
                owner_household: p.owner_household.clone(),
                complete,
                missing: lacks,
                consent,
            });
        }
    }
    let mut villages: Vec<DonationCount> = per_village.into_values().collect();
    villages.sort_by(|a, b| {
        a.village
            .cmp(&b.village)
            .then(a.village_id.cmp(&b.village_id))
    });
    rows.sort_by(|a, b| {
        (&a.village, a.map_sheet, a.parcel_no).cmp(&(&b.village, b.map_sheet, b.parcel_no))
    });
    DonationReport {
        villages,
        total,
        parcels: with_parcels.then_some(rows),
    }
}
