//! Readable text tables of the reports and of a route impact, for the command line.

use std::fmt::Write;

use crate::analysis::canal_length::CanalLengthReport;
use crate::analysis::contributions::ContributionReport;
use crate::analysis::route_impact::RouteImpact;
use crate::analysis::water::WaterReport;

/// A table of left-aligned text columns and right-aligned number columns.
struct Table {
    headers: Vec<&'static str>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(columns: &[(&'static str, bool)]) -> Self {
        Table {
            headers: columns.iter().map(|c| c.0).collect(),
            numeric: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn rule(&mut self) {
        self.rows.push(Vec::new());
    }

    fn render(&self) -> String {
        let width = |i: usize| {
            self.rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([self.headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.headers.len()).map(width).collect();
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(c.chars().count());
                if i > 0 {
                    s.push_str("  ");
                }
                if self.numeric[i] {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                }
            }
            s.trim_end().to_owned() + "\n"
        };
        let headers: Vec<String> = self.headers.iter().map(|h| (*h).to_owned()).collect();
        let rule = widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
            + "\n";
        let mut out = line(&headers);
        out.push_str(&rule);
        for r in &self.rows {
            if r.is_empty() {
                out.push_str(&rule);
            } else {
                out.push_str(&line(r));
            }
        }
        out
    }
}

/// A number with a thin grouping of thousands: 1234567.8 → "1,234,567.8".
pub fn grouped(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if x < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The canal-length report as a table.
pub fn canal_length_table(r: &CanalLengthReport) -> String {
    let by_status = r.by.contains(&"status");
    let by_village = r.by.contains(&"village");
    let mut cols = Vec::new();
    if by_status {
        cols.push(("status", false));
    }
    if by_village {
        cols.push(("village", false));
    }
    cols.extend([("length_m", true), ("canals", true)]);
    let mut t = Table::new(&cols);
    for row in &r.rows {
        let mut cells = Vec::new();
        if by_status {
            cells.push(row.status.map(|s| s.to_string()).unwrap_or_default());
        }
        if by_village {
            cells.push(
                row.village
                    .clone()
                    .flatten()
                    .unwrap_or_else(|| "(outside villages)".into()),
            );
        }
        cells.extend([grouped(row.length_m, 1), row.canals.to_string()]);
        t.row(cells);
    }
    t.rule();
    let mut total = vec!["total".to_owned()];
    if by_status && by_village {
        total.push(String::new());
    }
    total.extend([grouped(r.total_length_m, 1), String::new()]);
    t.row(total);
    t.render()
}

/// The water-connection report as a table.
pub fn water_table(r: &WaterReport) -> String {
    let mut t = Table::new(&[
        ("village", false),
        ("households", true),
        ("dwellings", true),
        ("registered", true),
        ("connected", true),
        ("rate", true),
        ("target", true),
        ("to_target", true),
    ]);
    let cells = |w: &crate::analysis::water::WaterRow| {
        vec![
            w.village.clone(),
            grouped(w.households as f64, 0),
            grouped(w.dwellings as f64, 0),
            grouped(w.registered as f64, 0),
            grouped(w.connected as f64, 0),
            pct(w.rate),
            pct(w.target_rate),
            grouped(w.dwellings_to_target as f64, 0),
        ]
    };
    for v in &r.villages {
        t.row(cells(v));
    }
    t.rule();
    t.row(cells(&r.commune));
    t.render()
}

/// The donations report: each donating parcel with what its consent record lacks (when
/// the report holds them), then the counts per village and in all.
pub fn donations_table(r: &crate::analysis::donations::DonationReport) -> String {
    let mut out = String::new();
    if let Some(parcels) = &r.parcels {
        let mut t = Table::new(&[
            ("parcel", false),
            ("village", false),
            ("sheet/no", false),
            ("clearance", false),
            ("missing", false),
        ]);
        for p in parcels {
            let missing: Vec<&str> = p.missing.iter().map(|e| e.name()).collect();
            t.row(vec![
                p.parcel_id.clone(),
                p.village.clone().unwrap_or_default(),
                format!("{}/{}", p.map_sheet, p.parcel_no),
                p.clearance_status.as_str().to_owned(),
                if missing.is_empty() {
                    "complete".to_owned()
                } else {
                    missing.join(", ")
                },
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    let mut t = Table::new(&[
        ("village", false),
        ("donations", true),
        ("complete", true),
        ("incomplete", true),
    ]);
    let cells = |c: &crate::analysis::donations::DonationCount, name: String| {
        vec![
            name,
            grouped(c.donations as f64, 0),
            grouped(c.complete as f64, 0),
            grouped(c.incomplete as f64, 0),
        ]
    };
    for v in &r.villages {
        let name = v
            .village
            .clone()
            .or_else(|| v.village_id.clone())
            .unwrap_or_else(|| "(no village)".into());
        t.row(cells(v, name));
    }
    t.rule();
    t.row(cells(&r.total, "total".into()));
    out.push_str(&t.render());
    out
}

/// The contributions report as a table, then the households that have not agreed.
pub fn contributions_table(r: &ContributionReport) -> String {
    let mut t = Table::new(&[
        ("household", false),
        ("head", false),
        ("village", false),
        ("land_pledged_m2", true),
        ("land_donated_m2", true),
        ("labour_pledged_d", true),
        ("labour_done_d", true),
        ("money_pledged_vnd", true),
        ("money_paid_vnd", true),
    ]);
    let nums = |c: &crate::model::Contributions| {
        vec![
            grouped(c.land_pledged_m2, 1),
            grouped(c.land_donated_m2, 1),
            grouped(c.labour_pledged_days, 1),
            grouped(c.labour_done_days, 1),
            grouped(c.money_pledged_vnd, 0),
            grouped(c.money_paid_vnd, 0),
        ]
    };
    for h in &r.households {
        let mut cells = vec![h.household_id.clone(), h.head.clone(), h.village.clone()];
        cells.extend(nums(&h.contributions));
        t.row(cells);
    }
    t.rule();
    let mut total = vec![
        format!("total ({})", r.households.len()),
        String::new(),
        String::new(),
    ];
    total.extend(nums(&r.totals));
    t.row(total);
    let mut out = t.render();
    let _ = writeln!(
        out,
        "\nNot yet agreed along canals to be built: {} households",
        r.not_agreed.len()
    );
    if !r.not_agreed.is_empty() {
        let mut n = Table::new(&[
            ("household", false),
            ("head", false),
            ("village", false),
            ("parcel", false),
            ("sheet/no", false),
            ("canal", false),
            ("taken_m2", true),
        ]);
        for h in &r.not_agreed {
            for p in &h.parcels {
                n.row(vec![
                    h.household_id.clone(),
                    h.head.clone(),
                    h.village.clone(),
                    p.parcel_id.clone(),
                    format!("{}/{}", p.map_sheet, p.parcel_no),
                    p.canal_id.clone(),
                    grouped(p.taken_area_m2, 2),
                ]);
            }
        }
        out.push_str(&n.render());
    }
    out
}

/// A route impact as a summary, a parcel table, flood zones and served households.
pub fn impact_table(r: &RouteImpact) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Route {} m, corridor {} m wide ({} m²)\n",
        grouped(r.route_length_m, 2),
        grouped(r.corridor_width_m, 1),
        grouped(r.corridor_area_m2, 1)
    );
    let mut t = Table::new(&[
        ("parcel", false),
        ("sheet/no", false),
        ("use", false),
        ("owner", false),
        ("taken_m2", true),
        ("share", true),
        ("fence_m", true),
        ("gate", false),
        ("clearance", false),
    ]);
    for p in &r.parcels {
        t.row(vec![
            p.id.clone(),
            format!("{}/{}", p.map_sheet, p.parcel_no),
            p.land_use.clone(),
            p.owner_name.clone().unwrap_or_else(|| "-".into()),
            grouped(p.taken_area_m2, 2),
            pct(p.taken_share),
            grouped(p.fence_to_rebuild_m, 2),
            if p.gate_to_rebuild {
                "yes".into()
            } else {
                String::new()
            },
            p.clearance_status.to_string(),
        ]);
    }
    t.rule();
    t.row(vec![
        format!(
            "total ({} parcels, {} households)",
            r.totals.parcels, r.totals.households_affected
        ),
        String::new(),
        String::new(),
        String::new(),
        grouped(r.totals.taken_area_m2, 2),
        String::new(),
        grouped(r.totals.fence_to_rebuild_m, 2),
        r.totals.gates_to_rebuild.to_string(),
        String::new(),
    ]);
    out.push_str(&t.render());
    let _ = writeln!(out, "\nFlood zones crossed: {}", r.flood_zones.len());
    for z in &r.flood_zones {
        let _ = writeln!(
            out,
            "  {}  {}  depth {} m  {} m of route inside",
            z.id,
            z.name,
            grouped(z.depth_m, 2),
            grouped(z.length_inside_m, 1)
        );
    }
    let _ = writeln!(
        out,
        "\nFlooded households served whose land is not touched: {}",
        r.served_households.len()
    );
    for h in &r.served_households {
        let _ = writeln!(
            out,
            "  {}  {}  {}  ({})",
            h.id, h.head, h.village, h.flood_zone
        );
    }
    out
}

/// The posting list of a canal ([`crate::analysis::posting`]) as text: heading, one row per
/// parcel, totals.
pub fn posting_table(list: &crate::analysis::posting::PostingList) -> String {
    let h = &list.heading;
    let mut out = String::new();
    let _ = writeln!(out, "{}", h.commune);
    let _ = writeln!(
        out,
        "Posting list of {} ({}), {} m, corridor {} m",
        h.canal_name,
        h.canal_id,
        grouped(h.route_length_m, 1),
        grouped(h.corridor_width_m, 1)
    );
    match &h.posting {
        Some(p) => {
            let _ = writeln!(
                out,
                "Posted {} at {}; comments until {}",
                p.posted_on,
                p.places.join("; "),
                p.comment_until
            );
        }
        None => out.push_str("No posting on record\n"),
    }
    if let Some(w) = &h.warning {
        let _ = writeln!(out, "Warning: {w}");
    }
    out.push('\n');
    let mut t = Table::new(&[
        ("sheet/no", false),
        ("owner", false),
        ("household", false),
        ("use", false),
        ("parcel_m2", true),
        ("taken_m2", true),
        ("clearance", false),
        ("arrangement", false),
    ]);
    for p in list.parcels.iter().flatten() {
        t.row(vec![
            format!("{}/{}", p.map_sheet, p.parcel_no),
            p.owner_head.clone().unwrap_or_else(|| "-".into()),
            p.owner_household.clone().unwrap_or_else(|| "-".into()),
            p.land_use.clone(),
            grouped(p.parcel_area_m2, 2),
            grouped(p.taken_area_m2, 2),
            p.clearance_status.to_string(),
            serde_json::to_value(p.arrangement)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ]);
    }
    let s = &list.totals;
    t.rule();
    t.row(vec![
        format!("total ({} parcels, {} households)", s.parcels, s.households),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        grouped(s.taken_area_m2, 2),
        String::new(),
        format!(
            "donated {} m², compensated {} m²",
            grouped(s.donated_m2, 2),
            grouped(s.compensated_m2, 2)
        ),
    ]);
    out.push_str(&t.render());
    out
}

/// The grievance log as text, one row per grievance.
pub fn grievances_table(rows: &[&crate::campaign::grievances::Grievance]) -> String {
    let mut t = Table::new(&[
        ("id", false),
        ("received", false),
        ("from", false),
        ("about", false),
        ("status", false),
        ("handled_by", false),
        ("answered", false),
        ("summary", false),
    ]);
    for g in rows {
        let f = &g.fields;
        let from = match (&f.from.name, &f.from.household) {
            (Some(n), Some(h)) => format!("{n} ({h})"),
            (Some(n), None) => n.clone(),
            (None, Some(h)) => h.clone(),
            (None, None) => "-".into(),
        };
        let summary: String = f.summary.chars().take(60).collect();
        t.row(vec![
            g.id.clone(),
            f.received_on.clone(),
            from,
            format!(
                "{} {}",
                serde_json::to_value(f.about.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                f.about.id
            ),
            f.status.as_str().to_owned(),
            f.handled_by.clone().unwrap_or_else(|| "-".into()),
            f.answered_on.clone().unwrap_or_else(|| "-".into()),
            summary,
        ]);
    }
    let mut out = t.render();
    let _ = writeln!(out, "{} grievances", rows.len());
    out
}

/// The people of the campaign as a table.
pub fn people_table(
    people: &[crate::campaign::register::Versioned<crate::campaign::people::Person>],
) -> String {
    let mut t = Table::new(&[
        ("id", false),
        ("name", false),
        ("role", false),
        ("organisation", false),
        ("village", false),
        ("phone", false),
    ]);
    for p in people {
        let p = &p.record;
        let role = serde_json::to_value(p.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        t.row(vec![
            p.id.clone(),
            p.name.clone(),
            role,
            p.organisation.clone().unwrap_or_default(),
            p.village_id.clone().unwrap_or_default(),
            p.phone.clone().unwrap_or_default(),
        ]);
    }
    format!("{}{} people\n", t.render(), people.len())
}

/// The tasks at a date as a table: flag, deadline, progress, who is responsible.
pub fn tasks_table(
    views: &[crate::campaign::tasks::TaskView],
    people: &[crate::campaign::register::Versioned<crate::campaign::people::Person>],
    at: time::Date,
) -> String {
    let name = |id: &str| {
        people
            .iter()
            .find(|p| p.record.id == id)
            .map_or_else(|| id.to_owned(), |p| p.record.name.clone())
    };
    let mut t = Table::new(&[
        ("id", false),
        ("flag", false),
        ("deadline", false),
        ("days_left", true),
        ("progress", true),
        ("share", true),
        ("responsible", false),
        ("title", false),
    ]);
    let mut counts = std::collections::BTreeMap::new();
    for v in views {
        *counts.entry(v.flag.as_str()).or_insert(0usize) += 1;
        let (progress, share) = v.progress.as_ref().map_or_else(
            || ("-".to_owned(), "-".to_owned()),
            |p| {
                let decimals = usize::from(p.unit == "m");
                (
                    format!(
                        "{} / {} {}",
                        grouped(p.done, decimals),
                        grouped(p.total, decimals),
                        p.unit
                    ),
                    pct(p.share),
                )
            },
        );
        t.row(vec![
            v.task.id.clone(),
            v.flag.as_str().to_owned(),
            v.task.deadline.clone(),
            v.days_left.to_string(),
            progress,
            share,
            name(&v.task.responsible),
            v.task.title.clone(),
        ]);
    }
    let counts: Vec<String> = counts.iter().map(|(f, n)| format!("{n} {f}")).collect();
    format!(
        "{}{} tasks at {}: {}\n",
        t.render(),
        views.len(),
        crate::model::date::iso(at),
        counts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(1_234_567.891, 1), "1,234,567.9");
        assert_eq!(grouped(705.0, 0), "705");
        assert_eq!(grouped(1000.0, 0), "1,000");
        assert_eq!(grouped(-1500.25, 2), "-1,500.25");
        assert_eq!(grouped(-0.001, 1), "0.0");
    }
}
