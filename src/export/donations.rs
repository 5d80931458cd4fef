//! The donations report as a workbook: counts per village with totals as formulas, and,
//! for a caller who may see them, the donating parcels with what each record lacks.

use crate::analysis::donations::DonationReport;

use super::reports::clearance_status_vi;
use super::sheet::{Column, Sheet, Total, Unit, Workbook};

/// The workbook of `report` (its parcels sheet only when the report holds parcels).
pub fn donations(report: &DonationReport) -> Workbook {
    let mut counts = Sheet::new(
        "Hiến đất (donations)",
        vec![
            Column::new("Thôn (village)", Unit::Text)
                .total(Total::Text("TỔNG CỘNG (TOTAL)".into())),
            Column::new("Thửa hiến đất (donations)", Unit::Count).sum(),
            Column::new("Hồ sơ đủ (complete)", Unit::Count).sum(),
            Column::new("Hồ sơ thiếu (incomplete)", Unit::Count).sum(),
        ],
    );
    for v in &report.villages {
        counts.push(vec![
            v.village.clone().or_else(|| v.village_id.clone()).into(),
            v.donations.into(),
            v.complete.into(),
            v.incomplete.into(),
        ]);
    }
    let mut sheets = vec![counts];
    if let Some(parcels) = &report.parcels {
        let mut rows = Sheet::new(
            "Thửa (parcels)",
            vec![
                Column::new("Mã thửa (parcel_id)", Unit::Text),
                Column::new("Thôn (village)", Unit::Text),
                Column::new("Tờ (map_sheet)", Unit::Count),
                Column::new("Thửa (parcel_no)", Unit::Count),
                Column::new("Bước GPMB (clearance_status)", Unit::Text),
                Column::new("Mã hộ (owner_household)", Unit::Text),
                Column::new("Đủ hồ sơ (complete)", Unit::Text),
                Column::new("Còn thiếu (missing)", Unit::Text),
            ],
        );
        for p in parcels {
            rows.push(vec![
                p.parcel_id.clone().into(),
                p.village.clone().into(),
                p.map_sheet.into(),
                p.parcel_no.into(),
                clearance_status_vi(p.clearance_status).into(),
                p.owner_household.clone().into(),
                if p.complete {
                    "có (yes)"
                } else {
                    "không (no)"
                }
                .into(),
                p.missing
                    .iter()
                    .map(|e| e.name())
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
            ]);
        }
        sheets.push(rows);
    }
    Workbook::new("Hiến đất tự nguyện (voluntary land donations)", sheets).note(
        "Hồ sơ đủ (complete)",
        "Đã báo quyền từ chối và mức bồi thường, ngày và người báo, người làm chứng và vai trò, số văn bản, bản chụp, ngày ký, và tình trạng tường rào/cổng khi có (told it may refuse and the compensation, when and by whom, a witness and role, the document reference, its scan, the signing day, and the fence/gate state when there is one).",
    )
}
