//! The reports as workbooks ([`Workbook`], written by [`super::xlsx`]): canal length,
//! piped-water connection, contributions and monthly progress, each with Vietnamese
//! headers (the report's JSON name beside), statuses in Vietnamese, and totals as formulas
//! over the rows where a total is a sum (or a ratio of sums) of them.
//!
//! Who may see what is decided before a report is built (the contributions report, which
//! names households, is refused to the public): these functions write what they are given.

use crate::analysis::canal_length::CanalLengthReport;
use crate::analysis::contributions::ContributionReport;
use crate::analysis::progress::ProgressReport;
use crate::analysis::water::WaterReport;
use crate::model::{CanalStatus, ClearanceStatus};

use super::sheet::{Cell, Column, Sheet, Total, Unit, Workbook, column_name};

/// The label of a totals row.
const TOTAL: &str = "TỔNG CỘNG (TOTAL)";

/// A canal status in Vietnamese, with its stored name.
pub fn canal_status_vi(s: CanalStatus) -> String {
    let vi = match s {
        CanalStatus::Existing => "Hiện có",
        CanalStatus::Completed => "Đã hoàn thành",
        CanalStatus::UnderConstruction => "Đang thi công",
        CanalStatus::Planned => "Đã phê duyệt, chưa thi công",
        CanalStatus::Proposed => "Đề xuất",
    };
    format!("{vi} ({s})")
}

/// A clearance step in Vietnamese, with its stored name.
pub fn clearance_status_vi(s: ClearanceStatus) -> String {
    let vi = match s {
        ClearanceStatus::NotRequired => "Không thu hồi",
        ClearanceStatus::Awaiting => "Chưa đồng ý",
        ClearanceStatus::Agreed => "Đã đồng ý",
        ClearanceStatus::Donated => "Đã hiến đất",
        ClearanceStatus::Compensated => "Đã bồi thường",
        ClearanceStatus::Cleared => "Đã bàn giao mặt bằng",
    };
    format!("{vi} ({s})")
}

/// The canal-length report: a row per status, village or both, length summed.
pub fn canal_length(report: &CanalLengthReport) -> Workbook {
    let by_status = report.by.contains(&"status");
    let by_village = report.by.contains(&"village");
    let mut columns = Vec::new();
    if by_status {
        columns.push(Column::new("Trạng thái (status)", Unit::Text));
    }
    if by_village {
        columns.push(Column::new("Thôn (village)", Unit::Text));
    }
    columns[0].total = Total::Text(TOTAL.into());
    columns.push(Column::new("Chiều dài m (length_m)", Unit::Metres).sum());
    // Per village a canal counts in every village it crosses: its rows do not add up to
    // the number of canals.
    let canals = Column::new("Số tuyến mương (canals)", Unit::Count);
    columns.push(if by_village { canals } else { canals.sum() });
    let mut sheet = Sheet::new("Chiều dài mương (canal length)", columns);
    for r in &report.rows {
        let mut cells: Vec<Cell> = Vec::new();
        if by_status {
            cells.push(r.status.map(canal_status_vi).into());
        }
        if by_village {
            cells.push(match &r.village {
                Some(Some(v)) => v.clone().into(),
                _ => "(ngoài các thôn — outside every village)".into(),
            });
        }
        cells.push(r.length_m.into());
        cells.push(r.canals.into());
        sheet.push(cells);
    }
    Workbook::new("Chiều dài mương tiêu thoát nước (canal length)", vec![sheet])
        .note(
            "Chiều dài (length)",
            "Chiều dài trên mặt đất, đo trắc địa trên ellipsoid WGS84 (ground length, geodesic on the WGS84 ellipsoid); theo thôn: phần mương nằm trong mỗi thôn.",
        )
        .note(
            "Nhóm theo (grouped by)",
            report.by.join(", "),
        )
}

/// The piped-water report: a row per village, the commune as the totals row (counts
/// summed, the rate and the target recomputed from the sums, the dwellings still needed
/// from the commune's target).
pub fn water_connection(report: &WaterReport) -> Workbook {
    // Columns: 0 village, 1 households, 2 dwellings, 3 registered, 4 connected, 5 rate,
    // 6 target, 7 dwellings to target.
    let (d, reg, target) = (column_name(2), column_name(3), column_name(6));
    let c = &report.commune;
    let mut sheet = Sheet::new(
        "Nước máy (water connection)",
        vec![
            Column::new("Thôn (village)", Unit::Text)
                .total(Total::Text(format!("{} — {TOTAL}", c.village))),
            Column::new("Số hộ (households)", Unit::Count).sum(),
            Column::new("Số nhà ở (dwellings)", Unit::Count).sum(),
            Column::new("Đã đăng ký (registered)", Unit::Count).sum(),
            Column::new("Đã đấu nối (connected)", Unit::Count).sum(),
            Column::new("Tỷ lệ đăng ký (rate)", Unit::Percent)
                .total(Total::Ratio { num: 3, den: 2 }),
            Column::new("Chỉ tiêu (target_rate)", Unit::Percent)
                .total(Total::WeightedMean { by: 2 }),
            Column::new("Còn thiếu, nhà ở (dwellings_to_target)", Unit::Count).total(
                Total::Formula {
                    // The same rule as the report: the target's dwellings rounded up
                    // (after rounding off float noise), less those registered.
                    excel: format!(
                        "MAX(0,ROUNDUP(ROUND({target}{{total}}*{d}{{total}},9),0)-{reg}{{total}})"
                    ),
                    value: c.dwellings_to_target as f64,
                },
            ),
        ],
    );
    for v in &report.villages {
        sheet.push(vec![
            v.village.clone().into(),
            v.households.into(),
            v.dwellings.into(),
            v.registered.into(),
            v.connected.into(),
            v.rate.into(),
            v.target_rate.into(),
            v.dwellings_to_target.into(),
        ]);
    }
    Workbook::new(
        format!("Đấu nối nước máy — {} (water connection)", c.village),
        vec![sheet],
    )
    .note(
        "Tỷ lệ (rate)",
        "Số nhà ở đã đăng ký (kể cả đã đấu nối) / số nhà ở (registered dwellings, connected included, over dwellings).",
    )
    .note(
        "Chỉ tiêu xã (commune target)",
        "Chỉ tiêu các thôn, bình quân theo số nhà ở (the villages' targets weighted by dwellings).",
    )
}

/// The contributions report: households with what they pledged and gave, summed; and
/// the households along canals to be built that have not agreed, one row per parcel.
pub fn contributions(report: &ContributionReport) -> Workbook {
    let mut given = Sheet::new(
        "Đóng góp (contributions)",
        vec![
            Column::new("Mã hộ (household_id)", Unit::Text).total(Total::Text(TOTAL.into())),
            Column::new("Chủ hộ (head)", Unit::Text).total(Total::Text(format!(
                "{} hộ (households)",
                report.households.len()
            ))),
            Column::new("Thôn (village)", Unit::Text),
            Column::new("Đất đăng ký hiến m² (land_pledged_m2)", Unit::SquareMetres).sum(),
            Column::new("Đất đã hiến m² (land_donated_m2)", Unit::SquareMetres).sum(),
            Column::new("Ngày công đăng ký (labour_pledged_days)", Unit::Days).sum(),
            Column::new("Ngày công đã làm (labour_done_days)", Unit::Days).sum(),
            Column::new("Tiền đăng ký, đồng (money_pledged_vnd)", Unit::Vnd).sum(),
            Column::new("Tiền đã nộp, đồng (money_paid_vnd)", Unit::Vnd).sum(),
        ],
    );
    for h in &report.households {
        let c = &h.contributions;
        given.push(vec![
            h.household_id.clone().into(),
            h.head.clone().into(),
            h.village.clone().into(),
            c.land_pledged_m2.into(),
            c.land_donated_m2.into(),
            c.labour_pledged_days.into(),
            c.labour_done_days.into(),
            c.money_pledged_vnd.into(),
            c.money_paid_vnd.into(),
        ]);
    }
    let mut pending = Sheet::new(
        "Chưa đồng ý (not agreed)",
        vec![
            Column::new("Mã hộ (household_id)", Unit::Text).total(Total::Text(TOTAL.into())),
            Column::new("Chủ hộ (head)", Unit::Text).total(Total::Text(format!(
                "{} hộ (households)",
                report.not_agreed.len()
            ))),
            Column::new("Thôn (village)", Unit::Text),
            Column::new("Tờ bản đồ (map_sheet)", Unit::Number),
            Column::new("Thửa số (parcel_no)", Unit::Number),
            Column::new("Mã thửa (parcel_id)", Unit::Text),
            Column::new("Mương (canal_id)", Unit::Text),
            Column::new(
                "Diện tích cần thu hồi m² (taken_area_m2)",
                Unit::SquareMetres,
            )
            .sum(),
        ],
    );
    for h in &report.not_agreed {
        for p in &h.parcels {
            pending.push(vec![
                h.household_id.clone().into(),
                h.head.clone().into(),
                h.village.clone().into(),
                p.map_sheet.into(),
                p.parcel_no.into(),
                p.parcel_id.clone().into(),
                p.canal_id.clone().into(),
                p.taken_area_m2.into(),
            ]);
        }
    }
    let mut book = Workbook::new(
        "Đóng góp của các hộ (household contributions)",
        vec![given, pending],
    );
    if let Some(k) = report.kind {
        book = book.note("Loại đóng góp (kind)", format!("{k:?}").to_lowercase());
    }
    if let Some(v) = &report.village_id {
        book = book.note("Thôn (village)", v.clone());
    }
    book.note(
        "Dữ liệu cá nhân (personal data)",
        "Bảng này có tên chủ hộ: chỉ chia sẻ với ban chỉ đạo và tổ vận động (names households: share it only with the steering board and campaign teams).",
    )
}

/// The monthly-progress report: a row per month; what happened in the months summed, the
/// water figures (states at each month's end, not flows) left without a total.
pub fn monthly_progress(report: &ProgressReport) -> Workbook {
    let mut columns = vec![
        Column::new("Tháng (month)", Unit::Text).total(Total::Text(TOTAL.into())),
        Column::new("Số lần cập nhật (edits)", Unit::Count).sum(),
        Column::new("Mương hoàn thành m (canal_completed_m)", Unit::Metres).sum(),
        Column::new("Mương khởi công m (canal_started_m)", Unit::Metres).sum(),
    ];
    for s in ClearanceStatus::ALL {
        columns.push(
            Column::new(
                format!("Thửa sang bước: {}", clearance_status_vi(*s)),
                Unit::Count,
            )
            .sum(),
        );
    }
    for (vi, unit, name) in [
        ("Đất đăng ký hiến m²", Unit::SquareMetres, "land_pledged_m2"),
        ("Đất đã hiến m²", Unit::SquareMetres, "land_donated_m2"),
        ("Ngày công đăng ký", Unit::Days, "labour_pledged_days"),
        ("Ngày công đã làm", Unit::Days, "labour_done_days"),
        ("Tiền đăng ký, đồng", Unit::Vnd, "money_pledged_vnd"),
        ("Tiền đã nộp, đồng", Unit::Vnd, "money_paid_vnd"),
    ] {
        columns.push(Column::new(format!("{vi} ({name})"), unit).sum());
    }
    columns.push(Column::new(
        "Nhà ở đã đăng ký nước cuối tháng (water_registered_dwellings)",
        Unit::Count,
    ));
    columns.push(Column::new("Số nhà ở cuối tháng (dwellings)", Unit::Count));
    columns.push(Column::new(
        "Tỷ lệ nước máy cuối tháng (water_rate)",
        Unit::Percent,
    ));
    let mut sheet = Sheet::new("Tiến độ theo tháng (progress)", columns);
    for m in &report.months {
        let mut cells: Vec<Cell> = vec![
            m.month.clone().into(),
            m.edits.into(),
            m.canal_completed_m.into(),
            m.canal_started_m.into(),
        ];
        for s in ClearanceStatus::ALL {
            cells.push(m.parcels_to_status.get(s).copied().unwrap_or(0).into());
        }
        let c = &m.contributions_added;
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
        cells.push(m.water_registered_dwellings.into());
        cells.push(m.dwellings.into());
        cells.push(m.water_rate.into());
        sheet.push(cells);
    }
    Workbook::new("Tiến độ theo tháng (monthly progress)", vec![sheet])
        .note(
            "Tỷ lệ nước máy đầu kỳ (water_rate_at_start)",
            format!("{:.1} %", report.water_rate_at_start * 100.0),
        )
        .note(
            "Múi giờ (time zone)",
            format!(
                "{} (UTC{})",
                report.month_basis.time_zone, report.month_basis.utc_offset
            ),
        )
        .note("Quy tắc tính tháng (month basis)", report.month_basis.rule)
}
