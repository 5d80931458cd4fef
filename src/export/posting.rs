//! The posting list ([`crate::analysis::posting`]) as the commune posts it: a printable A4
//! page in Vietnamese (one HTML file, its stylesheet inside, allowed by the hash the
//! answer's Content-Security-Policy names), and as a workbook (.xlsx, or its parcel sheet
//! as CSV).
//!
//! The public's list has no parcel or household rows: the page and the workbook then
//! carry the heading and the counts only.

use std::fmt::Write;

use base64::Engine;
use sha2::{Digest, Sha256};

use super::print::{esc, vi_number};
use super::reports::clearance_status_vi;
use super::sheet::{Column, Sheet, Total, Unit, Workbook};
use crate::analysis::posting::{PostingList, parse_day};

/// The page's stylesheet, inside its `<style>` element.
const STYLE: &str = "\
@page { size: A4 portrait; margin: 12mm 10mm; }
body { font-family: 'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif; font-size: 10.5pt; color: #000; margin: 0; }
header.top { display: flex; justify-content: space-between; text-align: center; }
header.top p { margin: 0; }
.bold { font-weight: bold; }
h1 { font-size: 13pt; text-align: center; margin: 5mm 0 1mm; }
p.sub { text-align: center; margin: 0 0 3mm; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.5mm 3mm; margin: 0 0 3mm; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
p.warning { border: 1px solid #000; padding: 1.5mm; font-style: italic; }
h2 { font-size: 11pt; margin: 4mm 0 1.5mm; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; }
th, td { border: 1px solid #000; padding: 0.8mm 1.2mm; vertical-align: top; }
th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.n { text-align: right; white-space: nowrap; }
tfoot td { font-weight: bold; }
footer.sign { display: flex; justify-content: space-around; margin-top: 8mm; text-align: center; break-inside: avoid; }
footer.sign p { margin: 0 0 18mm; }
";

/// The Content-Security-Policy of the page: nothing but its own stylesheet, by hash.
pub fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
}

/// `YYYY-MM-DD` as `dd/mm/yyyy`.
pub fn vi_date(s: &str) -> String {
    match parse_day(s) {
        Some(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
        None => s.to_owned(),
    }
}

/// The printable page.
pub fn html(list: &PostingList) -> String {
    let h = &list.heading;
    let t = &list.totals;
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <title>Danh sách niêm yết — {canal}</title><style>{STYLE}</style></head><body>\n\
         <header class=\"top\"><div><p>{commune}</p><p class=\"bold\">ỦY BAN NHÂN DÂN</p></div>\
         <div><p class=\"bold\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</p>\
         <p class=\"bold\">Độc lập – Tự do – Hạnh phúc</p></div></header>\n\
         <h1>DANH SÁCH CÔNG KHAI DIỆN TÍCH ĐẤT THU HỒI, HIẾN ĐẤT</h1>\n\
         <p class=\"sub\">Công trình: {canal} ({id}) — dài {len} m, hành lang {w} m</p>\n<dl class=\"meta\">",
        commune = esc(&h.commune),
        canal = esc(&h.canal_name),
        id = esc(&h.canal_id),
        len = vi_number(h.route_length_m, 1),
        w = vi_number(h.corridor_width_m, 1),
    );
    match &h.posting {
        Some(p) => {
            let _ = write!(
                s,
                "<dt>Ngày niêm yết:</dt><dd>{}</dd><dt>Thời hạn góp ý:</dt><dd>đến hết ngày {}{}</dd>\
                 <dt>Địa điểm niêm yết:</dt><dd>{}</dd>",
                vi_date(&p.posted_on),
                vi_date(&p.comment_until),
                h.comment_days
                    .map(|d| format!(" ({d} ngày)"))
                    .unwrap_or_default(),
                esc(&p.places.join("; ")),
            );
            if let Some(note) = &p.note {
                let _ = write!(s, "<dt>Ghi chú:</dt><dd>{}</dd>", esc(note));
            }
        }
        None => s.push_str("<dt>Ngày niêm yết:</dt><dd>chưa ghi nhận (no posting on record)</dd>"),
    }
    s.push_str("</dl>\n");
    if let Some(w) = &h.warning {
        let _ = writeln!(
            s,
            "<p class=\"warning\">Thời hạn góp ý ngắn hơn {} ngày: {}</p>",
            h.min_comment_period_days,
            esc(w)
        );
    }
    let _ = write!(
        s,
        "<h2>Tổng hợp</h2>\n<table class=\"totals\"><tbody>\
         <tr><td>Số thửa đất bị thu hồi</td><td class=\"n\">{}</td></tr>\
         <tr><td>Số hộ có đất bị thu hồi</td><td class=\"n\">{}</td></tr>\
         <tr><td>Tổng diện tích thu hồi (m²)</td><td class=\"n\">{}</td></tr>\
         <tr><td>— trong đó hiến đất (m²)</td><td class=\"n\">{}</td></tr>\
         <tr><td>— trong đó bồi thường (m²)</td><td class=\"n\">{}</td></tr>\
         <tr><td>— chưa xác định (m²)</td><td class=\"n\">{}</td></tr>\
         </tbody></table>\n",
        t.parcels,
        t.households,
        vi_number(t.taken_area_m2, 2),
        vi_number(t.donated_m2, 2),
        vi_number(t.compensated_m2, 2),
        vi_number(t.not_settled_m2, 2),
    );
    if let Some(parcels) = &list.parcels {
        s.push_str(
            "<h2>I. Theo thửa đất</h2>\n<table class=\"parcels\"><thead><tr><th>STT</th>\
             <th>Tờ bản đồ</th><th>Thửa số</th><th>Chủ sử dụng (mã hộ)</th><th>Thôn</th>\
             <th>Loại đất</th><th>DT thửa (m²)</th><th>DT thu hồi (m²)</th>\
             <th>Tình trạng GPMB</th><th>Hình thức</th></tr></thead><tbody>\n",
        );
        for (i, p) in parcels.iter().enumerate() {
            let owner = match (&p.owner_head, &p.owner_household) {
                (Some(n), Some(id)) => format!("{} ({})", esc(n), esc(id)),
                (None, Some(id)) => esc(id),
                _ => "(đất công / không có chủ hộ)".into(),
            };
            let _ = writeln!(
                s,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td>{owner}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                p.map_sheet,
                p.parcel_no,
                esc(p.village.as_deref().unwrap_or("")),
                esc(&p.land_use),
                vi_number(p.parcel_area_m2, 2),
                vi_number(p.taken_area_m2, 2),
                esc(&clearance_status_vi(p.clearance_status)),
                p.arrangement.vi(),
            );
        }
        let _ = writeln!(
            s,
            "</tbody><tfoot><tr><td colspan=\"7\">Tổng cộng: {} thửa</td>\
             <td class=\"n\">{}</td><td colspan=\"2\"></td></tr></tfoot></table>",
            t.parcels,
            vi_number(t.taken_area_m2, 2)
        );
    }
    if let Some(households) = &list.households {
        s.push_str(
            "<h2>II. Theo hộ</h2>\n<table class=\"households\"><thead><tr><th>STT</th>\
             <th>Chủ hộ</th><th>Mã hộ</th><th>Thôn</th><th>Các thửa (tờ/thửa)</th>\
             <th>DT thu hồi (m²)</th><th>Hiến (m²)</th><th>Bồi thường (m²)</th></tr></thead><tbody>\n",
        );
        for (i, hh) in households.iter().enumerate() {
            let _ = writeln!(
                s,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                i + 1,
                esc(hh.head.as_deref().unwrap_or("(không có chủ hộ)")),
                esc(hh.household.as_deref().unwrap_or("")),
                esc(hh.village.as_deref().unwrap_or("")),
                esc(&hh.parcels.join(", ")),
                vi_number(hh.taken_area_m2, 2),
                vi_number(hh.donated_m2, 2),
                vi_number(hh.compensated_m2, 2),
            );
        }
        let _ = writeln!(
            s,
            "</tbody><tfoot><tr><td colspan=\"5\">Tổng cộng: {} hộ</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr></tfoot></table>",
            t.households,
            vi_number(t.taken_area_m2, 2),
            vi_number(t.donated_m2, 2),
            vi_number(t.compensated_m2, 2)
        );
    } else {
        s.push_str(
            "<p>Danh sách chi tiết theo thửa và theo hộ được niêm yết tại trụ sở UBND và nhà văn hóa thôn; \
             bản trực tuyến công khai chỉ có số liệu tổng hợp.</p>\n",
        );
    }
    s.push_str(
        "<p>Diện tích tính trong hệ VN-2000 múi 3° kinh tuyến trục 104°45′ (EPSG:9208). \
         Mọi ý kiến góp ý, khiếu nại gửi UBND trong thời hạn niêm yết.</p>\n\
         <footer class=\"sign\"><div><p class=\"bold\">NGƯỜI LẬP BIỂU</p></div>\
         <div><p class=\"bold\">TM. ỦY BAN NHÂN DÂN</p></div></footer>\n</body></html>\n",
    );
    s
}

/// The counts, one row per figure (the public's sheet, and the totals sheet of all).
fn totals_sheet(list: &PostingList) -> Sheet {
    let t = &list.totals;
    let mut sheet = Sheet::new(
        "Tổng hợp (totals)",
        vec![
            Column::new("Chỉ tiêu (figure)", Unit::Text),
            Column::new("Số lượng (count)", Unit::Count),
            Column::new("Diện tích m2 (area)", Unit::SquareMetres),
        ],
    );
    sheet.push(vec!["Số thửa (parcels)".into(), t.parcels.into()]);
    sheet.push(vec!["Số hộ (households)".into(), t.households.into()]);
    for (what, v) in [
        ("Diện tích thu hồi (taken)", t.taken_area_m2),
        ("Hiến đất (donated)", t.donated_m2),
        ("Bồi thường (compensated)", t.compensated_m2),
        ("Chưa xác định (not settled)", t.not_settled_m2),
    ] {
        sheet.push(vec![what.into(), super::sheet::Cell::Empty, v.into()]);
    }
    sheet
}

/// The per-parcel sheet (none for the public's list).
pub fn parcel_sheet(list: &PostingList) -> Option<Sheet> {
    let parcels = list.parcels.as_ref()?;
    let t = &list.totals;
    let mut sheet = Sheet::new(
        "Theo thửa (by parcel)",
        vec![
            Column::new("Tờ bản đồ (map sheet)", Unit::Number)
                .csv_header("map_sheet")
                .total(Total::Text("TỔNG CỘNG (TOTAL)".into())),
            Column::new("Thửa số (parcel no)", Unit::Number)
                .csv_header("parcel_no")
                .total(Total::Text(format!("{} thửa (parcels)", t.parcels))),
            Column::new("Mã thửa (parcel id)", Unit::Text).csv_header("parcel_id"),
            Column::new("Chủ hộ (owner)", Unit::Text)
                .csv_header("owner_head")
                .total(Total::Text(format!("{} hộ (households)", t.households))),
            Column::new("Mã hộ (owner household)", Unit::Text).csv_header("owner_household"),
            Column::new("Thôn (village)", Unit::Text).csv_header("village"),
            Column::new("Loại đất (land use)", Unit::Text).csv_header("land_use"),
            Column::new("Diện tích thửa m2 (parcel area)", Unit::SquareMetres)
                .csv_header("parcel_area_m2")
                .sum(),
            Column::new("Diện tích thu hồi m2 (taken)", Unit::SquareMetres)
                .csv_header("taken_area_m2")
                .sum(),
            Column::new("Tình trạng GPMB (clearance status)", Unit::Text)
                .csv_header("clearance_status"),
            Column::new("Hình thức (arrangement)", Unit::Text).csv_header("arrangement"),
        ],
    );
    for p in parcels {
        sheet.push(vec![
            p.map_sheet.into(),
            p.parcel_no.into(),
            p.id.clone().into(),
            p.owner_head.clone().into(),
            p.owner_household.clone().into(),
            p.village.clone().into(),
            p.land_use.clone().into(),
            p.parcel_area_m2.into(),
            p.taken_area_m2.into(),
            clearance_status_vi(p.clearance_status).into(),
            p.arrangement.vi().into(),
        ]);
    }
    Some(sheet)
}

fn household_sheet(list: &PostingList) -> Option<Sheet> {
    let households = list.households.as_ref()?;
    let mut sheet = Sheet::new(
        "Theo hộ (by household)",
        vec![
            Column::new("Mã hộ (household)", Unit::Text)
                .total(Total::Text("TỔNG CỘNG (TOTAL)".into())),
            Column::new("Chủ hộ (head)", Unit::Text).total(Total::Text(format!(
                "{} hộ (households)",
                list.totals.households
            ))),
            Column::new("Thôn (village)", Unit::Text),
            Column::new("Các thửa, tờ/thửa (parcels)", Unit::Text),
            Column::new("Diện tích thu hồi m2 (taken)", Unit::SquareMetres).sum(),
            Column::new("Hiến đất m2 (donated)", Unit::SquareMetres).sum(),
            Column::new("Bồi thường m2 (compensated)", Unit::SquareMetres).sum(),
        ],
    );
    for h in households {
        sheet.push(vec![
            h.household
                .clone()
                .unwrap_or_else(|| "(không có chủ hộ)".into())
                .into(),
            h.head.clone().into(),
            h.village.clone().into(),
            h.parcels.join(" ").into(),
            h.taken_area_m2.into(),
            h.donated_m2.into(),
            h.compensated_m2.into(),
        ]);
    }
    Some(sheet)
}

/// The list as a workbook: totals, then per parcel and per household when the caller may
/// see them, and the heading as notes.
pub fn workbook(list: &PostingList) -> Workbook {
    let h = &list.heading;
    let mut sheets = vec![totals_sheet(list)];
    sheets.extend(parcel_sheet(list));
    sheets.extend(household_sheet(list));
    let mut book = Workbook::new(format!("Danh sách niêm yết — {}", h.canal_name), sheets)
        .note("Địa phương (commune)", h.commune.clone())
        .note(
            "Công trình (canal)",
            format!(
                "{} ({}), {:.1} m, hành lang (corridor) {} m",
                h.canal_name, h.canal_id, h.route_length_m, h.corridor_width_m
            ),
        );
    match &h.posting {
        Some(p) => {
            book = book
                .note("Ngày niêm yết (posted on)", p.posted_on.clone())
                .note("Hết hạn góp ý (comment until)", p.comment_until.clone())
                .note("Nơi niêm yết (posted at)", p.places.join("; "));
        }
        None => book = book.note("Ngày niêm yết (posted on)", "(no posting on record)"),
    }
    if let Some(w) = &h.warning {
        book = book.note("Cảnh báo (warning)", w.clone());
    }
    book.note("Diện tích (areas)", "m², VN-2000 / TM-3 104-45 (EPSG:9208)")
}

/// The list as CSV: the per-parcel sheet, or the counts for the public.
pub fn csv(list: &PostingList) -> Vec<u8> {
    parcel_sheet(list)
        .unwrap_or_else(|| totals_sheet(list))
        .to_csv()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_vietnamese_print_writes_them() {
        assert_eq!(vi_date("2026-06-01"), "01/06/2026");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }
}
