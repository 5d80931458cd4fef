//! The public posting list (danh sách niêm yết công khai) of a canal: the land it takes, per
//! parcel and per owner household, in the form the commune posts at its office and at the
//! village hall for comments, with the posting date, the end of the comment period and
//! where it is posted.
//!
//! 1. The parcels and m² come from the route impact of the canal
//!    ([`crate::analysis::route_impact`]), so the list and the impact never disagree.
//! 2. Each parcel says how its land is given: donated (hiến đất) or compensated (bồi
//!    thường) when its clearance step records it, else not yet settled.
//! 3. Per household: its parcels and the m² taken, donated and compensated, each the sum
//!    of the parcel figures as the list shows them (to the cm²), so both tables agree.
//! 4. The heading carries the latest posting kept on record (`postings` in the campaign
//!    register); the minimum comment period is in `data/clearance/posting.json`, with its
//!    source.
//!
//! The public sees the heading and the counts (parcels, households, m²), never a name:
//! [`PostingList::public`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::route_impact::RouteImpact;
use crate::model::ClearanceStatus;
use crate::store::Dataset;

/// The place the list is drawn up for (the heading's first line).
pub const COMMUNE: &str = crate::export::dossier::PLACE;

/// The rules of posting, from `data/clearance/posting.json` (compiled in).
#[derive(Debug, Clone, Deserialize)]
pub struct PostingRules {
    /// The shortest comment period, days.
    pub min_comment_period_days: i64,
    /// Where that figure comes from.
    pub min_comment_period_source: String,
    /// Whether the figure was checked against the law's own text.
    pub verified: bool,
}

/// The bundled rules.
pub fn rules() -> &'static PostingRules {
    static RULES: OnceLock<PostingRules> = OnceLock::new();
    RULES.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/clearance/posting.json"))
            .expect("data/clearance/posting.json is compiled in and read by a unit test")
    })
}

/// A posting kept on record: when and where the list was posted, and until when comments
/// are taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Posting {
    /// Record id (`post-…`).
    pub id: String,
    /// The canal whose list was posted.
    pub canal_id: String,
    /// Day the list was posted, `YYYY-MM-DD`.
    pub posted_on: String,
    /// Last day of the comment period, `YYYY-MM-DD`.
    pub comment_until: String,
    /// Where it is posted ("Trụ sở UBND …", "Nhà văn hóa thôn …").
    pub places: Vec<String>,
    /// Who posted it (a person id or a name; withheld from the public).
    pub posted_by: Option<String>,
    /// A note (withheld from the public).
    pub note: Option<String>,
}

impl Posting {
    /// Days from posting to the end of the comment period, both counted.
    pub fn comment_days(&self) -> Option<i64> {
        let (from, to) = (parse_day(&self.posted_on)?, parse_day(&self.comment_until)?);
        Some((to - from).whole_days() + 1)
    }
}

pub use crate::model::date::parse_day;

/// What a posting's dates break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostingDateError {
    /// Not a day of the calendar as `YYYY-MM-DD`.
    #[error("{field} must be a date YYYY-MM-DD, not `{given}`")]
    Format {
        /// The field.
        field: &'static str,
        /// What was sent.
        given: String,
    },
    /// The comment period ends before or on the day of posting.
    #[error("comment_until ({until}) must be after posted_on ({on})")]
    Order {
        /// posted_on.
        on: String,
        /// comment_until.
        until: String,
    },
}

/// Checks a posting's dates: both days of the calendar, the comment period ending after
/// the posting day. Answers the warning to give when the period is shorter than the
/// minimum of [`rules`] (kept, not refused: the figure is not verified against the law,
/// and a commune may post a donation list under a rule of its own).
pub fn check_dates(
    posted_on: &str,
    comment_until: &str,
) -> Result<Option<String>, PostingDateError> {
    let day = |field: &'static str, s: &str| {
        parse_day(s).ok_or_else(|| PostingDateError::Format {
            field,
            given: s.to_owned(),
        })
    };
    let (on, until) = (
        day("posted_on", posted_on)?,
        day("comment_until", comment_until)?,
    );
    if until <= on {
        return Err(PostingDateError::Order {
            on: posted_on.to_owned(),
            until: comment_until.to_owned(),
        });
    }
    let days = (until - on).whole_days() + 1;
    let r = rules();
    Ok((days < r.min_comment_period_days).then(|| {
        format!(
            "the comment period is {days} days, shorter than the {} days of {}",
            r.min_comment_period_days, r.min_comment_period_source
        )
    }))
}

/// How a parcel's land is given, as its clearance step records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Arrangement {
    /// Donated (hiến đất).
    Donated,
    /// Compensated (bồi thường).
    Compensated,
    /// Not yet settled (awaiting, agreed), or handed over with the form not recorded.
    NotSettled,
}

impl Arrangement {
    /// From a clearance step: only `donated` and `compensated` say how.
    pub fn of(s: ClearanceStatus) -> Arrangement {
        match s {
            ClearanceStatus::Donated => Arrangement::Donated,
            ClearanceStatus::Compensated => Arrangement::Compensated,
            _ => Arrangement::NotSettled,
        }
    }

    /// In Vietnamese.
    pub fn vi(self) -> &'static str {
        match self {
            Arrangement::Donated => "Hiến đất",
            Arrangement::Compensated => "Bồi thường",
            Arrangement::NotSettled => "Chưa xác định",
        }
    }
}

/// One parcel of the list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostingParcel {
    /// Parcel id.
    pub id: String,
    /// Map sheet (tờ bản đồ).
    pub map_sheet: i64,
    /// Parcel number (thửa số).
    pub parcel_no: i64,
    /// Owner household id.
    pub owner_household: Option<String>,
    /// Its head.
    pub owner_head: Option<String>,
    /// Village name.
    pub village: Option<String>,
    /// Land-use code.
    pub land_use: String,
    /// Area of the whole parcel, m² (VN-2000 TM-3), to the cm².
    pub parcel_area_m2: f64,
    /// Area to be taken, m², to the cm².
    pub taken_area_m2: f64,
    /// Clearance step.
    pub clearance_status: ClearanceStatus,
    /// Donated, compensated or not settled.
    pub arrangement: Arrangement,
}

/// One owner household of the list (parcels without an owner are grouped under no id).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostingHousehold {
    /// Household id; none for parcels without an owner.
    pub household: Option<String>,
    /// Head of household.
    pub head: Option<String>,
    /// Village name.
    pub village: Option<String>,
    /// Its parcels, `sheet/number`.
    pub parcels: Vec<String>,
    /// m² taken from them.
    pub taken_area_m2: f64,
    /// Of which donated.
    pub donated_m2: f64,
    /// Of which compensated.
    pub compensated_m2: f64,
}

/// The counts the public sees.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PostingTotals {
    /// Parcels the canal takes land from.
    pub parcels: usize,
    /// Distinct owner households.
    pub households: usize,
    /// m² taken.
    pub taken_area_m2: f64,
    /// Of which donated.
    pub donated_m2: f64,
    /// Of which compensated.
    pub compensated_m2: f64,
    /// Of which not settled.
    pub not_settled_m2: f64,
}

/// The heading of the list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostingHeading {
    /// The commune.
    pub commune: String,
    /// Canal id.
    pub canal_id: String,
    /// Canal name.
    pub canal_name: String,
    /// Geodesic length, m.
    pub route_length_m: f64,
    /// Corridor width, m.
    pub corridor_width_m: f64,
    /// The latest posting on record, if any.
    pub posting: Option<Posting>,
    /// Days of comment period (posting day and last day counted).
    pub comment_days: Option<i64>,
    /// The shortest comment period of `data/clearance/posting.json`, days.
    pub min_comment_period_days: i64,
    /// A comment period shorter than that minimum.
    pub warning: Option<String>,
}

/// The whole list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostingList {
    /// Heading.
    pub heading: PostingHeading,
    /// Per parcel, by map sheet and number; absent for the public.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parcels: Option<Vec<PostingParcel>>,
    /// Per owner household, by id; absent for the public.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub households: Option<Vec<PostingHousehold>>,
    /// Counts and m².
    pub totals: PostingTotals,
    /// Whether parcels and households were left out for a caller who may not see them.
    pub details_withheld: bool,
}

fn cm2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The list of `canal_id` from its route impact (computed on `data` without redaction),
/// headed by `posting` (the latest on record).
pub fn posting_list(
    data: &Dataset,
    canal_id: &str,
    impact: &RouteImpact,
    posting: Option<Posting>,
) -> PostingList {
    let canal_name = data
        .canals
        .position(canal_id)
        .map(|i| data.canals.records[i].name.clone())
        .unwrap_or_default();
    list_of(data, canal_id, canal_name, impact, posting)
}

/// The id a drawn route's list carries in place of a canal's.
pub const DRAWN_ROUTE_ID: &str = "drawn-route";

/// The list of a route drawn on the map (not a stored canal, so never posted): a draft
/// to discuss before the route is adopted.
pub fn drawn_route_list(data: &Dataset, impact: &RouteImpact) -> PostingList {
    list_of(
        data,
        DRAWN_ROUTE_ID,
        "Tuyến vẽ trên bản đồ (drawn route, draft)".to_owned(),
        impact,
        None,
    )
}

fn list_of(
    data: &Dataset,
    canal_id: &str,
    canal_name: String,
    impact: &RouteImpact,
    posting: Option<Posting>,
) -> PostingList {
    let mut parcels: Vec<PostingParcel> = impact
        .parcels
        .iter()
        .map(|p| PostingParcel {
            id: p.id.clone(),
            map_sheet: p.map_sheet,
            parcel_no: p.parcel_no,
            owner_household: p.owner_household.clone(),
            owner_head: p.owner_name.clone(),
            village: p.village.clone(),
            land_use: p.land_use.clone(),
            parcel_area_m2: cm2(p.parcel_area_m2),
            taken_area_m2: cm2(p.taken_area_m2),
            clearance_status: p.clearance_status,
            arrangement: Arrangement::of(p.clearance_status),
        })
        .collect();
    parcels
        .sort_by(|a, b| (a.map_sheet, a.parcel_no, &a.id).cmp(&(b.map_sheet, b.parcel_no, &b.id)));

    let mut by_owner: BTreeMap<Option<String>, PostingHousehold> = BTreeMap::new();
    let mut totals = PostingTotals {
        parcels: parcels.len(),
        ..Default::default()
    };
    for p in &parcels {
        let h = by_owner
            .entry(p.owner_household.clone())
            .or_insert_with(|| PostingHousehold {
                household: p.owner_household.clone(),
                head: p.owner_head.clone(),
                village: p
                    .owner_household
                    .as_deref()
                    .and_then(|id| data.households.position(id))
                    .map(|i| {
                        data.village_name(&data.households.records[i].village_id)
                            .to_owned()
                    })
                    .or_else(|| p.village.clone()),
                parcels: Vec::new(),
                taken_area_m2: 0.0,
                donated_m2: 0.0,
                compensated_m2: 0.0,
            });
        h.parcels.push(format!("{}/{}", p.map_sheet, p.parcel_no));
        h.taken_area_m2 += p.taken_area_m2;
        totals.taken_area_m2 += p.taken_area_m2;
        match p.arrangement {
            Arrangement::Donated => {
                h.donated_m2 += p.taken_area_m2;
                totals.donated_m2 += p.taken_area_m2;
            }
            Arrangement::Compensated => {
                h.compensated_m2 += p.taken_area_m2;
                totals.compensated_m2 += p.taken_area_m2;
            }
            Arrangement::NotSettled => totals.not_settled_m2 += p.taken_area_m2,
        }
    }
    let households: Vec<PostingHousehold> = by_owner
        .into_values()
        .map(|mut h| {
            h.taken_area_m2 = cm2(h.taken_area_m2);
            h.donated_m2 = cm2(h.donated_m2);
            h.compensated_m2 = cm2(h.compensated_m2);
            h
        })
        .collect();
    totals.households = households.iter().filter(|h| h.household.is_some()).count();
    totals.taken_area_m2 = cm2(totals.taken_area_m2);
    totals.donated_m2 = cm2(totals.donated_m2);
    totals.compensated_m2 = cm2(totals.compensated_m2);
    totals.not_settled_m2 = cm2(totals.not_settled_m2);

    let comment_days = posting.as_ref().and_then(Posting::comment_days);
    let warning = posting
        .as_ref()
        .and_then(|p| check_dates(&p.posted_on, &p.comment_until).ok().flatten());
    PostingList {
        heading: PostingHeading {
            commune: COMMUNE.to_owned(),
            canal_id: canal_id.to_owned(),
            canal_name,
            route_length_m: impact.route_length_m,
            corridor_width_m: impact.corridor_width_m,
            posting,
            comment_days,
            min_comment_period_days: rules().min_comment_period_days,
            warning,
        },
        parcels: Some(parcels),
        households: Some(households),
        totals,
        details_withheld: false,
    }
}

impl PostingList {
    /// The list as the public sees it: the heading (without who posted it, nor the
    /// posting's note, free text that may name people) and the counts; no parcel rows, no
    /// household, no name.
    pub fn public(mut self) -> PostingList {
        self.parcels = None;
        self.households = None;
        if let Some(p) = &mut self.heading.posting {
            p.posted_by = None;
            p.note = None;
        }
        self.details_withheld = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_rules_read_and_carry_their_source() {
        let r = rules();
        assert_eq!(r.min_comment_period_days, 30);
        assert!(r.min_comment_period_source.contains("Art. 87"));
    }

    #[test]
    fn dates_are_checked_and_a_short_period_is_warned_about() {
        // 1 to 30 June: 30 days counted both ends.
        assert_eq!(check_dates("2026-06-01", "2026-06-30"), Ok(None));
        let w = check_dates("2026-06-01", "2026-06-29").unwrap().unwrap();
        assert!(w.contains("29 days"), "{w}");
        assert!(matches!(
            check_dates("2026-06-01", "2026-06-01"),
            Err(PostingDateError::Order { .. })
        ));
        assert!(matches!(
            check_dates("2026-02-30", "2026-03-30"),
            Err(PostingDateError::Format {
                field: "posted_on",
                ..
            })
        ));
        assert!(matches!(
            check_dates("2026-02-01", "1/3/2026"),
            Err(PostingDateError::Format {
                field: "comment_until",
                ..
            })
        ));
    }
}
