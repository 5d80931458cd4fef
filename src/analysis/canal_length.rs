//! Metres of canal per status, and per status and village.
//!
//! A canal's length is its geodesic length on WGS84. Per village, each canal is clipped by
//! the village polygons (in the metric CRS) and each piece measured geodesically, so a
//! canal that runs through two villages counts in each for the part inside it; a part
//! outside every village is reported with no village.

use std::collections::BTreeMap;

use geo::{BooleanOps, Geometry, LineString, MultiLineString};
use serde::Serialize;

use crate::crs::{self, CrsError};
use crate::model::CanalStatus;
use crate::store::Dataset;

/// How to group the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One row per status.
    Status,
    /// One row per village.
    Village,
    /// One row per status and village.
    StatusVillage,
}

impl Grouping {
    /// Parses `status`, `village`, `status,village` (or `village,status`).
    pub fn parse(s: &str) -> Option<Grouping> {
        let mut keys: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        match keys.as_slice() {
            ["status"] => Some(Grouping::Status),
            ["village"] => Some(Grouping::Village),
            ["status", "village"] => Some(Grouping::StatusVillage),
            _ => None,
        }
    }

    /// The grouping keys, in order.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Grouping::Status => &["status"],
            Grouping::Village => &["village"],
            Grouping::StatusVillage => &["status", "village"],
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LengthRow {
    /// Status, when grouped by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CanalStatus>,
    /// Village id, when grouped by village (null for parts outside every village).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village_id: Option<Option<String>>,
    /// Village name, when grouped by village.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village: Option<Option<String>>,
    /// Geodesic length, m.
    pub length_m: f64,
    /// Number of canals with a part in this row.
    pub canals: usize,
}

/// The report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CanalLengthReport {
    /// The grouping keys.
    pub by: Vec<&'static str>,
    /// Rows, by status in workflow order then village name.
    pub rows: Vec<LengthRow>,
    /// Length of all canals, m.
    pub total_length_m: f64,
}

/// Builds the canal-length report.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use drainplan::analysis::canal_length::{canal_length, Grouping};
/// let data = drainplan::store::Dataset::load(std::path::Path::new("data"))?;
/// for row in canal_length(&data, Grouping::StatusVillage)?.rows {
///     println!("{:?} {:?} {:.1} m", row.status, row.village, row.length_m);
/// }
/// # Ok(()) }
/// ```
pub fn canal_length(data: &Dataset, by: Grouping) -> Result<CanalLengthReport, CrsError> {
    // (status or None, village position or None / usize::MAX for outside) → (length, canals)
    type Key = (Option<CanalStatus>, Option<Option<usize>>);
    let mut acc: BTreeMap<Key, (f64, usize)> = BTreeMap::new();
    let mut total_length_m = 0.0;
    for (i, canal) in data.canals.records.iter().enumerate() {
        let Geometry::LineString(line) = &data.canals.features[i].geometry else {
            continue;
        };
        let length = crs::geodesic_length_m(line);
        total_length_m += length;
        let status =
            matches!(by, Grouping::Status | Grouping::StatusVillage).then_some(canal.status);
        if by == Grouping::Status {
            let e = acc.entry((status, None)).or_default();
            e.0 += length;
            e.1 += 1;
            continue;
        }
        for (village, part) in split_by_village(data, line, length)? {
            let e = acc.entry((status, Some(village))).or_default();
            e.0 += part;
            e.1 += 1;
        }
    }
    let name = |v: Option<usize>| v.map(|v| data.villages.records[v].name.clone());
    let mut rows: Vec<LengthRow> = acc
        .into_iter()
        .map(|((status, village), (length_m, canals))| LengthRow {
            status,
            village_id: village.map(|v| v.map(|v| data.villages.records[v].id.clone())),
            village: village.map(name),
            length_m,
            canals,
        })
        .collect();
    rows.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then_with(|| {
                a.village
                    .clone()
                    .flatten()
                    .is_none()
                    .cmp(&b.village.clone().flatten().is_none())
            })
            .then_with(|| a.village.cmp(&b.village))
    });
    Ok(CanalLengthReport {
        by: by.keys().to_vec(),
        rows,
        total_length_m,
    })
}

/// The geodesic length of `line` inside each village it crosses, and outside all of them.
pub fn split_by_village(
    data: &Dataset,
    line: &LineString,
    length_m: f64,
) -> Result<Vec<(Option<usize>, f64)>, CrsError> {
    let metric = MultiLineString(vec![crs::geometry_to_metric(line)?]);
    let bbox = crate::index::bounding_box(&Geometry::LineString(line.clone()));
    let mut parts = Vec::new();
    let mut inside_m = 0.0;
    for v in bbox
        .map(|b| data.villages.intersecting(b))
        .unwrap_or_default()
    {
        let clipped = data.villages.metric[v].clip(&metric, false);
        let mut part = 0.0;
        for piece in &clipped.0 {
            part += crs::geodesic_length_m(&crs::geometry_to_wgs84(piece)?);
        }
        if part > 0.0 {
            inside_m += part;
            parts.push((Some(v), part));
        }
    }
    // Below a centimetre the remainder is rounding at shared boundaries, not canal.
    let outside = length_m - inside_m;
    if outside > 0.01 {
        parts.push((None, outside));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_accepts_either_order() {
        assert_eq!(Grouping::parse("status"), Some(Grouping::Status));
        assert_eq!(
            Grouping::parse("village,status"),
            Some(Grouping::StatusVillage)
        );
        assert_eq!(
            Grouping::parse("status, village"),
            Some(Grouping::StatusVillage)
        );
        assert_eq!(Grouping::parse("owner"), None);
        assert_eq!(Grouping::parse(""), None);
    }
}
