//! The monthly review pack as a workbook and as a printable A4 page in Vietnamese, with
//! the commune's heading and the date.
//!
//! Who may see what is decided before the pack is built (the per-person part, which names
//! people, is left out for the public): these functions write what they are given.

use std::fmt::Write as _;

use crate::analysis::review::{AreaReview, Figures, Planned, Review};
use crate::model::ClearanceStatus;

use super::print::{esc, vi_number};
use super::reports::clearance_status_vi;
use super::sheet::{Cell, Column, Sheet, Unit, Workbook};

/// The authority that issues the pack since 1 July 2025 (Resolution 1678/NQ-UBTVQH15
/// merged Quỳnh Liên into phường Quỳnh Mai; see the README).
pub const AUTHORITY: &str = "UBND PHƯỜNG QUỲNH MAI";

/// The place written before the date, as the ward's papers do.
pub const PLACE_OF_ISSUE: &str = "Quỳnh Mai";

/// The clearance steps that hand land over to the works.
const HANDED_OVER: [ClearanceStatus; 3] = [
    ClearanceStatus::Donated,
    ClearanceStatus::Compensated,
    ClearanceStatus::Cleared,
];

fn handed_over(f: &Figures) -> i64 {
    HANDED_OVER
        .iter()
        .map(|s| f.parcels_to_status.get(s).copied().unwrap_or(0))
        .sum()
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// `MM/YYYY` of a `YYYY-MM` key.
fn month_vi(key: &str) -> String {
    match key.split_once('-') {
        Some((y, m)) => format!("{m}/{y}"),
        None => key.to_owned(),
    }
}

/// A village's name in the pack, from its id (the commune's for none).
fn village_name(r: &Review, id: Option<&str>) -> String {
    match id {
        None => r.commune.village.clone(),
        Some(id) => r
            .villages
            .iter()
            .find(|v| v.village_id.as_deref() == Some(id))
            .map_or_else(|| id.to_owned(), |v| v.village.clone()),
    }
}

/// Targets as `120/200 m; 3/5 parcels`.
fn targets_text(p: &Planned) -> String {
    p.targets
        .iter()
        .map(|(unit, t)| format!("{}/{} {unit}", vi_number(t.done, 1), vi_number(t.total, 1)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The pack as a workbook: the month per village, the water campaign against the month
/// before and a year earlier, and notes saying how it is counted.
pub fn workbook(r: &Review) -> Workbook {
    let mut columns = vec![Column::new("Thôn (village)", Unit::Text)];
    columns.push(Column::new(
        "Mương hoàn thành m (canal_completed_m)",
        Unit::Metres,
    ));
    columns.push(Column::new(
        "Mương khởi công m (canal_started_m)",
        Unit::Metres,
    ));
    for s in ClearanceStatus::ALL {
        columns.push(Column::new(
            format!("Thửa sang bước: {}", clearance_status_vi(*s)),
            Unit::Count,
        ));
    }
    for (vi, unit, name) in [
        ("Đất đăng ký hiến m²", Unit::SquareMetres, "land_pledged_m2"),
        ("Đất đã hiến m²", Unit::SquareMetres, "land_donated_m2"),
        ("Ngày công đăng ký", Unit::Days, "labour_pledged_days"),
        ("Ngày công đã làm", Unit::Days, "labour_done_days"),
        ("Tiền đăng ký, đồng", Unit::Vnd, "money_pledged_vnd"),
        ("Tiền đã nộp, đồng", Unit::Vnd, "money_paid_vnd"),
    ] {
        columns.push(Column::new(format!("{vi} ({name})"), unit));
    }
    columns.push(Column::new(
        "Nhà đăng ký nước cuối tháng (water_registered_dwellings)",
        Unit::Count,
    ));
    columns.push(Column::new("Số nhà ở (dwellings)", Unit::Count));
    let mut month = Sheet::new(
        format!("Tháng {} (month)", month_vi(&r.month)).replace('/', "-"),
        columns,
    );
    for a in r.villages.iter().chain([&r.commune]) {
        let f = &a.month;
        let mut cells: Vec<Cell> = vec![
            a.village.clone().into(),
            f.canal_completed_m.into(),
            f.canal_started_m.into(),
        ];
        for s in ClearanceStatus::ALL {
            cells.push(f.parcels_to_status.get(s).copied().unwrap_or(0).into());
        }
        let c = &f.contributions_added;
        for v in [
            c.land_pledged_m2,
            c.land_donated_m2,
            c.labour_pledged_days,
            c.labour_done_days,
            c.money_pledged_vnd,
            c.money_paid_vnd,
        ] {
            cells.push(v.into());
        }
        cells.push(f.water_registered_dwellings.into());
        cells.push(f.dwellings.into());
        month.push(cells);
    }

    let mut water = Sheet::new(
        "Nước máy (water)",
        vec![
            Column::new("Thôn (village)", Unit::Text),
            Column::new(format!("Nhà đăng ký {} (registered)", r.month), Unit::Count),
            Column::new(format!("Số nhà {} (dwellings)", r.month), Unit::Count),
            Column::new(format!("Tỷ lệ % {} (rate_percent)", r.month), Unit::Decimal),
            Column::new("Chỉ tiêu % (target_percent)", Unit::Decimal),
            Column::new(
                format!("Tỷ lệ % {} (previous_month)", r.previous_month),
                Unit::Decimal,
            ),
            Column::new(
                format!(
                    "Tăng so tháng trước, điểm % (points_on_{})",
                    r.previous_month
                ),
                Unit::Decimal,
            ),
            Column::new(
                format!("Nhà đăng ký {} (registered)", r.year_earlier),
                Unit::Count,
            ),
            Column::new(
                format!("Số nhà {} (dwellings)", r.year_earlier),
                Unit::Count,
            ),
            Column::new(
                format!("Tỷ lệ % {} (year_earlier)", r.year_earlier),
                Unit::Decimal,
            ),
            Column::new(
                format!("Tăng so cùng kỳ, điểm % (points_on_{})", r.year_earlier),
                Unit::Decimal,
            ),
        ],
    );
    for a in r.villages.iter().chain([&r.commune]) {
        water.push(vec![
            a.village.clone().into(),
            a.month.water_registered_dwellings.into(),
            a.month.dwellings.into(),
            round2(a.month.water_rate * 100.0).into(),
            round2(a.month.water_target_rate * 100.0).into(),
            round2(a.previous_month.water_rate * 100.0).into(),
            round2(a.change_on_previous_month.water_rate_points).into(),
            a.year_earlier.water_registered_dwellings.into(),
            a.year_earlier.dwellings.into(),
            round2(a.year_earlier.water_rate * 100.0).into(),
            round2(a.change_on_year_earlier.water_rate_points).into(),
        ]);
    }
    let mut planned = Sheet::new(
        "Kế hoạch tháng (planned)",
        vec![
            Column::new("Thôn (village)", Unit::Text),
            Column::new("Việc đến hạn trong tháng (tasks_due)", Unit::Count),
            Column::new("Đã xong cuối tháng (tasks_due_done)", Unit::Count),
            Column::new("Chỉ tiêu: đã làm/tổng (targets)", Unit::Text),
        ],
    );
    for p in r.planned.iter().chain([&r.planned_commune]) {
        planned.push(vec![
            village_name(r, p.village_id.as_deref()).into(),
            p.tasks_due.into(),
            p.tasks_due_done.into(),
            targets_text(p).into(),
        ]);
    }
    let mut sheets = vec![month, water, planned];
    if let Some(people) = &r.people {
        let mut sheet = Sheet::new(
            "Người phụ trách (people)",
            vec![
                Column::new("Họ tên (name)", Unit::Text),
                Column::new("Vai trò (role)", Unit::Text),
                Column::new("Tổ chức (organisation)", Unit::Text),
                Column::new("Đến hạn trong tháng (due_in_month)", Unit::Count),
                Column::new("Hoàn thành trong tháng (finished_in_month)", Unit::Count),
                Column::new("Trễ hạn cuối tháng (late_at_month_end)", Unit::Count),
                Column::new("Đến hạn tháng sau (due_next_month)", Unit::Count),
            ],
        );
        for p in people {
            sheet.push(vec![
                p.name.clone().into(),
                p.role.clone().into(),
                p.organisation.clone().into(),
                p.due_in_month.into(),
                p.finished_in_month.into(),
                p.late_at_month_end.into(),
                p.due_next_month.into(),
            ]);
        }
        sheets.push(sheet);
    }
    Workbook::new(
        format!(
            "Báo cáo rà soát tháng {} (monthly review)",
            month_vi(&r.month)
        ),
        sheets,
    )
    .note("Tháng (month)", r.month.clone())
    .note("Tháng trước (previous month)", r.previous_month.clone())
    .note("Cùng kỳ năm trước (year earlier)", r.year_earlier.clone())
    .note("Cách tính (rule)", r.rule)
}
/// A change with its sign (`+23,25`, `−1,00`, `0,00`).
fn signed(v: f64, decimals: usize) -> String {
    let s = vi_number(v, decimals);
    if s.starts_with('−') || s.chars().all(|c| matches!(c, '0' | ',' | '.')) {
        s
    } else {
        format!("+{s}")
    }
}

/// The page's style sheet, inline (the page is self-contained); the HTTP answer allows it
/// by its hash ([`style_hash`]).
pub const STYLE: &str = "@page { size: A4; margin: 15mm 12mm 15mm 15mm; }
body { font-family: 'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif; font-size: 11pt; color: #000; margin: 0; }
.head { display: flex; justify-content: space-between; text-align: center; }
.head p { margin: 0; }
.bold { font-weight: bold; }
.date { text-align: right; font-style: italic; margin: 4mm 0; }
h1 { font-size: 14pt; text-align: center; margin: 6mm 0 1mm; }
h2 { font-size: 12pt; margin: 5mm 0 2mm; }
.sub { text-align: center; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 0.5pt solid #000; padding: 1mm 1.5mm; font-size: 9.5pt; }
th { background: #eee; }
td.n { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; }
.note { font-size: 9pt; margin-top: 3mm; }
.sign { display: flex; justify-content: flex-end; margin-top: 8mm; text-align: center; }
";

/// The CSP source of [`STYLE`]: `'sha256-…'`.
pub fn style_hash() -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(STYLE.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn num_cell(s: &mut String, v: String) {
    let _ = write!(s, "<td class=\"n\">{}</td>", esc(&v));
}

fn village_row(s: &mut String, a: &AreaReview, total: bool) {
    let f = &a.month;
    let c = &f.contributions_added;
    let _ = write!(
        s,
        "<tr{}><td>{}</td>",
        if total { " class=\"total\"" } else { "" },
        esc(&a.village)
    );
    num_cell(s, vi_number(f.canal_completed_m, 1));
    num_cell(s, vi_number(f.canal_started_m, 1));
    num_cell(
        s,
        vi_number(
            f.parcels_to_status
                .get(&ClearanceStatus::Agreed)
                .copied()
                .unwrap_or(0) as f64,
            0,
        ),
    );
    num_cell(s, vi_number(handed_over(f) as f64, 0));
    num_cell(s, vi_number(c.land_donated_m2, 1));
    num_cell(s, vi_number(c.labour_done_days, 1));
    num_cell(s, vi_number(c.money_paid_vnd, 0));
    s.push_str("</tr>\n");
}

fn water_row(s: &mut String, a: &AreaReview, total: bool) {
    let _ = write!(
        s,
        "<tr{}><td>{}</td>",
        if total { " class=\"total\"" } else { "" },
        esc(&a.village)
    );
    let m = &a.month;
    num_cell(
        s,
        format!(
            "{} / {}",
            vi_number(m.water_registered_dwellings as f64, 0),
            vi_number(m.dwellings as f64, 0)
        ),
    );
    num_cell(s, format!("{} %", vi_number(m.water_rate * 100.0, 2)));
    num_cell(
        s,
        format!("{} %", vi_number(m.water_target_rate * 100.0, 0)),
    );
    num_cell(
        s,
        format!("{} %", vi_number(a.previous_month.water_rate * 100.0, 2)),
    );
    num_cell(s, signed(a.change_on_previous_month.water_rate_points, 2));
    num_cell(
        s,
        format!(
            "{} / {}",
            vi_number(a.year_earlier.water_registered_dwellings as f64, 0),
            vi_number(a.year_earlier.dwellings as f64, 0)
        ),
    );
    num_cell(
        s,
        format!("{} %", vi_number(a.year_earlier.water_rate * 100.0, 2)),
    );
    num_cell(s, signed(a.change_on_year_earlier.water_rate_points, 2));
    s.push_str("</tr>\n");
}

/// `xã Quỳnh Liên` for the data's `Quỳnh Liên`; a name that already says `xã` as it is.
fn former_commune(name: &str) -> String {
    if name.to_lowercase().starts_with("xã ") {
        name.to_owned()
    } else {
        format!("xã {name}")
    }
}

/// The pack as a printable A4 page (HTML, Vietnamese, self-contained: no script, no
/// external resource), dated `today` (`YYYY-MM-DD`).
pub fn html(r: &Review, today: time::Date) -> String {
    let mut s = String::new();
    let month = month_vi(&r.month);
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n<title>Báo cáo rà soát tháng {month}</title>\n<style>{STYLE}</style>\n</head>\n<body>"
    );
    let _ = writeln!(
        s,
        "<div class=\"head\"><div><p class=\"bold\">{AUTHORITY}</p><p>(địa bàn {} cũ)</p></div><div><p class=\"bold\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</p><p class=\"bold\">Độc lập – Tự do – Hạnh phúc</p></div></div>",
        esc(&former_commune(&r.commune.village))
    );
    let _ = writeln!(
        s,
        "<p class=\"date\">{PLACE_OF_ISSUE}, ngày {:02} tháng {:02} năm {}</p>",
        today.day(),
        u8::from(today.month()),
        today.year()
    );
    let _ = writeln!(
        s,
        "<h1>BÁO CÁO RÀ SOÁT THÁNG {month}</h1>\n<p class=\"sub\">Tiến độ tiêu thoát nước, giải phóng mặt bằng, đóng góp của nhân dân và nước sạch — so với tháng {} và cùng kỳ tháng {}</p>",
        month_vi(&r.previous_month),
        month_vi(&r.year_earlier)
    );
    s.push_str("<h2>1. Kết quả trong tháng theo thôn</h2>\n<table>\n<thead><tr><th>Thôn</th><th>Mương hoàn thành (m)</th><th>Mương khởi công (m)</th><th>Thửa đồng ý hiến</th><th>Thửa đã bàn giao (hiến, bồi thường, giải phóng)</th><th>Đất đã hiến (m²)</th><th>Ngày công đã làm</th><th>Tiền đã nộp (đồng)</th></tr></thead>\n<tbody>\n");
    for a in &r.villages {
        village_row(&mut s, a, false);
    }
    village_row(&mut s, &r.commune, true);
    s.push_str("</tbody>\n</table>\n");
    let c = &r.commune;
    let _ = writeln!(
        s,
        "<p class=\"note\">So với tháng {}: mương hoàn thành {} m, thửa bàn giao {}, tiền đã nộp {} đồng. So với cùng kỳ tháng {}: mương hoàn thành {} m, thửa bàn giao {}, tiền đã nộp {} đồng.</p>",
        month_vi(&r.previous_month),
        signed(c.change_on_previous_month.canal_completed_m, 1),
        signed(
            (handed_over(&c.month) - handed_over(&c.previous_month)) as f64,
            0
        ),
        signed(
            c.change_on_previous_month
                .contributions_added
                .money_paid_vnd,
            0
        ),
        month_vi(&r.year_earlier),
        signed(c.change_on_year_earlier.canal_completed_m, 1),
        signed(
            (handed_over(&c.month) - handed_over(&c.year_earlier)) as f64,
            0
        ),
        signed(
            c.change_on_year_earlier.contributions_added.money_paid_vnd,
            0
        ),
    );
    let _ = writeln!(
        s,
        "<h2>2. Đấu nối nước máy (tính theo nhà ở) cuối tháng</h2>\n<table>\n<thead><tr><th>Thôn</th><th>Đã đăng ký / số nhà {m}</th><th>Tỷ lệ {m}</th><th>Chỉ tiêu</th><th>Tỷ lệ {p}</th><th>Tăng so tháng trước (điểm %)</th><th>Đã đăng ký / số nhà {y}</th><th>Tỷ lệ {y}</th><th>Tăng so cùng kỳ (điểm %)</th></tr></thead>\n<tbody>",
        m = month,
        p = month_vi(&r.previous_month),
        y = month_vi(&r.year_earlier)
    );
    for a in &r.villages {
        water_row(&mut s, a, false);
    }
    water_row(&mut s, &r.commune, true);
    s.push_str("</tbody>\n</table>\n");
    let _ = writeln!(
        s,
        "<p class=\"note\">Một nhà ở được tính là đã đăng ký khi có ít nhất một hộ trong nhà đã đăng ký hoặc đã đấu nối nước máy với ngày đăng ký (water_date) không muộn hơn ngày cuối tháng ({}). Tỷ lệ = số nhà đã đăng ký / số nhà ở.</p>",
        esc(&r.month_end)
    );
    let _ = writeln!(
        s,
        "<h2>3. Kế hoạch trong tháng (các việc đến hạn {month})</h2>\n<table>\n<thead><tr><th>Thôn</th><th>Việc đến hạn</th><th>Đã xong cuối tháng</th><th>Chỉ tiêu: đã làm / tổng</th></tr></thead>\n<tbody>"
    );
    for (p, total) in r
        .planned
        .iter()
        .map(|p| (p, false))
        .chain([(&r.planned_commune, true)])
    {
        let _ = write!(
            s,
            "<tr{}><td>{}</td>",
            if total { " class=\"total\"" } else { "" },
            esc(&village_name(r, p.village_id.as_deref()))
        );
        num_cell(&mut s, vi_number(p.tasks_due as f64, 0));
        num_cell(&mut s, vi_number(p.tasks_due_done as f64, 0));
        let _ = writeln!(s, "<td>{}</td></tr>", esc(&targets_text(p)));
    }
    s.push_str("</tbody>\n</table>\n");
    if let Some(people) = &r.people {
        let next = crate::analysis::review::ReviewMonth::parse(&r.month)
            .map_or_else(|_| String::new(), |m| month_vi(&m.next().to_string()));
        let _ = writeln!(
            s,
            "<h2>4. Theo người phụ trách</h2>\n<table>\n<thead><tr><th>Họ tên</th><th>Tổ chức</th><th>Đến hạn trong tháng</th><th>Hoàn thành trong tháng</th><th>Trễ hạn cuối tháng</th><th>Đến hạn tháng {next}</th></tr></thead>\n<tbody>"
        );
        for p in people {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td>",
                esc(&p.name),
                esc(p.organisation.as_deref().unwrap_or(""))
            );
            for n in [
                p.due_in_month,
                p.finished_in_month,
                p.late_at_month_end,
                p.due_next_month,
            ] {
                num_cell(&mut s, vi_number(n as f64, 0));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("<div class=\"sign\"><div><p class=\"bold\">TM. BAN CHỈ ĐẠO</p><p><em>(Ký, ghi rõ họ tên)</em></p></div></div>\n</body>\n</html>\n");
    s
}

/// The pack as a plain-text table for the shell: per village, the month's canal metres,
/// parcels handed over, money paid and the water rate against the month before and a year
/// earlier.
pub fn text(r: &Review) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Review of {} (to {}), against {} and {}",
        r.month, r.month_end, r.previous_month, r.year_earlier
    );
    let _ = writeln!(
        s,
        "{:<14} {:>10} {:>10} {:>7} {:>12} {:>13} {:>8} {:>9} {:>8} {:>9}",
        "village",
        "completed",
        "started",
        "handed",
        "paid_vnd",
        "water",
        "rate_%",
        "vs_prev",
        "rate_y-1",
        "vs_y-1"
    );
    for a in r.villages.iter().chain([&r.commune]) {
        let m = &a.month;
        let _ = writeln!(
            s,
            "{:<14} {:>10.2} {:>10.2} {:>7} {:>12.0} {:>13} {:>8.2} {:>+9.2} {:>8.2} {:>+9.2}",
            a.village,
            m.canal_completed_m,
            m.canal_started_m,
            handed_over(m),
            m.contributions_added.money_paid_vnd,
            format!("{}/{}", m.water_registered_dwellings, m.dwellings),
            m.water_rate * 100.0,
            a.change_on_previous_month.water_rate_points,
            a.year_earlier.water_rate * 100.0,
            a.change_on_year_earlier.water_rate_points,
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        assert_eq!(vi_number(1686.0, 0), "1.686");
        assert_eq!(vi_number(41.8149, 2), "41,81");
        assert_eq!(vi_number(94_200_000.0, 0), "94.200.000");
        assert_eq!(vi_number(-2.5, 1), "−2,5");
        assert_eq!(vi_number(-0.001, 2), "0,00");
        assert_eq!(signed(23.2503, 2), "+23,25");
        assert_eq!(signed(0.0, 2), "0,00");
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
