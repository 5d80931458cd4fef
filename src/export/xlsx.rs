//! Excel workbooks (.xlsx, Office Open XML) through `rust_xlsxwriter`: one worksheet per
//! [`Sheet`], its header row bold and frozen, an autofilter over header and rows, numbers
//! in their unit's format (m, m², ₫ with thousands separators, percentages), and a totals
//! row of formulas (`=SUM(C2:C41)`) that carry their computed value too, so that a total
//! always equals its rows and a reader that does not compute formulas still sees it.
//!
//! Text is always written as text: a cell that a spreadsheet would take for a formula
//! (see [`super::csv::is_formula_like`]) is a string cell with Excel's quote prefix, as
//! Excel itself stores `'=…` typed by hand, so editing it does not turn it into one.

use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Formula, Worksheet};
use serde_json::Value;

use super::csv::is_formula_like;
use super::sheet::{Cell, Column, Sheet, Unit, Workbook};
use super::{ColumnKind, ExportError, Table};

fn err(e: rust_xlsxwriter::XlsxError) -> ExportError {
    ExportError::write("xlsx", e)
}

/// The workbook as .xlsx bytes.
pub fn write(book: &Workbook) -> Result<Vec<u8>, ExportError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(&book.title)
            .set_author("drainplan"),
    );
    let mut used = Vec::new();
    for sheet in &book.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&sheet.name, &mut used))
            .map_err(err)?;
        write_sheet(ws, sheet)?;
    }
    if !book.notes.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name("Ghi chú (notes)", &mut used))
            .map_err(err)?;
        let bold = Format::new().set_bold();
        let wrap = Format::new().set_text_wrap();
        for (i, (what, text)) in book.notes.iter().enumerate() {
            let r = u32::try_from(i).map_err(|e| ExportError::write("xlsx", e))?;
            write_text(ws, r, 0, what, Some(&bold))?;
            write_text(ws, r, 1, text, Some(&wrap))?;
        }
        ws.set_column_width(0, 30).map_err(err)?;
        ws.set_column_width(1, 100).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, not
/// starting or ending with `'`, unique in the workbook.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .collect();
    let clean = clean.trim_matches('\'');
    let base: String = clean.chars().take(31).collect();
    let base = if base.is_empty() {
        "Sheet".into()
    } else {
        base
    };
    let mut n = 1;
    let mut candidate = base.clone();
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        n += 1;
        let suffix = format!(" ({n})");
        let keep = 31 - suffix.chars().count();
        candidate = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
    }
    used.push(candidate.clone());
    candidate
}

fn write_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: Option<&Format>,
) -> Result<(), ExportError> {
    let base = format.cloned().unwrap_or_default();
    if is_formula_like(text) {
        ws.write_string_with_format(row, col, text, &base.set_quote_prefix())
    } else {
        ws.write_string_with_format(row, col, text, &base)
    }
    .map_err(err)?;
    Ok(())
}

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet) -> Result<(), ExportError> {
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xDD_EB_F7))
        .set_border_bottom(FormatBorder::Thin);
    let formats: Vec<Format> = sheet
        .columns
        .iter()
        .map(|c| Format::new().set_num_format(c.unit.excel_format()))
        .collect();
    let index = |i: usize| u16::try_from(i).map_err(|e| ExportError::write("xlsx", e));
    let row_no = |i: usize| u32::try_from(i).map_err(|e| ExportError::write("xlsx", e));

    for (c, col) in sheet.columns.iter().enumerate() {
        write_text(ws, 0, index(c)?, &col.header, Some(&header))?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = row_no(r + 1)?;
        for (c, cell) in row.iter().enumerate() {
            let (ci, format) = (index(c)?, &formats[c]);
            match cell {
                Cell::Empty => {}
                Cell::Text(t) => write_text(ws, r, ci, t, None)?,
                Cell::Number(v) => {
                    ws.write_number_with_format(r, ci, *v, format)
                        .map_err(err)?;
                }
                Cell::Bool(b) => {
                    ws.write_boolean(r, ci, *b).map_err(err)?;
                }
            }
        }
    }
    let last = row_no(sheet.rows.len())?;
    if sheet.has_totals() {
        let t = last + 1;
        let top = FormatBorder::Thin;
        for (c, col) in sheet.columns.iter().enumerate() {
            let ci = index(c)?;
            let bold = formats[c].clone().set_bold().set_border_top(top);
            match (&col.total, sheet.total_formula(c), sheet.total_value(c)) {
                (super::sheet::Total::Text(label), _, _) => {
                    write_text(ws, t, ci, label, Some(&bold))?
                }
                (_, Some(f), Some(v)) => {
                    ws.write_formula_with_format(
                        t,
                        ci,
                        Formula::new(format!("={f}")).set_result(v.to_string()),
                        &bold,
                    )
                    .map_err(err)?;
                }
                _ => {
                    ws.write_blank(t, ci, &bold).map_err(err)?;
                }
            }
        }
    }
    let last_col = index(sheet.columns.len().saturating_sub(1))?;
    ws.set_freeze_panes(1, 0).map_err(err)?;
    if !sheet.rows.is_empty() {
        ws.autofilter(0, 0, last, last_col).map_err(err)?;
    }
    ws.autofit();
    // Headers wrap: keep text columns from growing past a readable width.
    for (c, col) in sheet.columns.iter().enumerate() {
        if col.unit != Unit::Text {
            ws.set_column_width(index(c)?, 16).map_err(err)?;
        }
    }
    ws.set_row_height(0, 45).map_err(err)?;
    Ok(())
}

/// A layer's (or any table's) attributes as a sheet: id, every property, and the
/// coordinates of each feature's label point in the table's CRS. Headers name each
/// property in Vietnamese with its name beside it; numbers whose name carries a unit
/// (`_m`, `_m2`, `_vnd`, `_days`) get its format and a total.
pub fn table_sheet(table: &Table) -> Sheet {
    use geo::InteriorPoint;
    let props = table.columns();
    let metric = table.crs.is_metric();
    let (xh, yh) = if metric {
        ("E (m)", "N (m)")
    } else {
        ("Kinh độ (lon)", "Vĩ độ (lat)")
    };
    let mut columns = vec![
        Column::new("Mã (id)", Unit::Text)
            .total(super::sheet::Total::Text("Tổng cộng (total)".into())),
    ];
    let units: Vec<Unit> = props
        .iter()
        .map(|p| match ColumnKind::of(table, p) {
            ColumnKind::Integer | ColumnKind::Real => unit_of_property(p),
            ColumnKind::Boolean => Unit::Text,
            ColumnKind::Text => Unit::Text,
        })
        .collect();
    for (p, unit) in props.iter().zip(&units) {
        let col = Column::new(property_header(p), *unit);
        columns.push(match unit {
            Unit::Metres | Unit::SquareMetres | Unit::Vnd | Unit::Days => col.sum(),
            _ => col,
        });
    }
    let coord_unit = if metric {
        Unit::Coordinate
    } else {
        Unit::Decimal
    };
    columns.push(Column::new(xh, coord_unit));
    columns.push(Column::new(yh, coord_unit));
    let mut sheet = Sheet::new(table.name.clone(), columns);
    for r in &table.rows {
        let mut cells: Vec<Cell> = vec![r.id.clone().into()];
        for p in &props {
            cells.push(match r.properties.get(p) {
                None | Some(Value::Null) => Cell::Empty,
                Some(Value::Bool(b)) => Cell::Bool(*b),
                Some(Value::Number(n)) => n.as_f64().map_or(Cell::Empty, Cell::Number),
                Some(Value::String(s)) => s.clone().into(),
                Some(other) => other.to_string().into(),
            });
        }
        match r.geometry.interior_point() {
            Some(p) => {
                cells.push(p.x().into());
                cells.push(p.y().into());
            }
            None => cells.extend([Cell::Empty, Cell::Empty]),
        }
        sheet.push(cells);
    }
    sheet
}

/// The unit a numeric property's name says it has.
fn unit_of_property(name: &str) -> Unit {
    if name.ends_with("_m2") {
        Unit::SquareMetres
    } else if name.ends_with("_m") {
        Unit::Metres
    } else if name.ends_with("_vnd") {
        Unit::Vnd
    } else if name.ends_with("_days") {
        Unit::Days
    } else if name.ends_with("_rate") || name.ends_with("_share") {
        Unit::Percent
    } else if matches!(name, "map_sheet" | "parcel_no" | "year" | "code") {
        Unit::Number
    } else {
        Unit::Decimal
    }
}

/// `Vietnamese (property)` for the properties DESIGN.md names, the name alone otherwise.
pub fn property_header(name: &str) -> String {
    let vi = match name {
        "name" => "Tên",
        "code" => "Mã",
        "commune" => "Xã",
        "status" => "Trạng thái",
        "village" => "Thôn",
        "village_id" | "village_ids" => "Mã thôn",
        "funding" => "Nguồn vốn",
        "width_m" => "Bề rộng (m)",
        "depth_m" => "Độ sâu (m)",
        "lining" => "Kết cấu lòng mương",
        "year" => "Năm",
        "map_sheet" => "Tờ bản đồ",
        "parcel_no" => "Thửa số",
        "land_use" => "Mục đích sử dụng đất",
        "owner_household" => "Hộ sử dụng đất",
        "owner_name" => "Chủ hộ",
        "clearance_status" => "Trạng thái GPMB",
        "clearance_date" => "Ngày GPMB",
        "fence_type" => "Loại tường rào",
        "gate" => "Có cổng",
        "frontage_edge" => "Cạnh mặt tiền",
        "duration" => "Thời gian ngập",
        "frequency" => "Tần suất ngập",
        "last_observed" => "Lần ngập gần nhất",
        "head" => "Chủ hộ",
        "members" => "Số nhân khẩu",
        "dwelling_id" => "Mã nhà ở",
        "water_status" => "Nước máy",
        "water_date" => "Ngày đăng ký nước",
        "water_target_rate" => "Chỉ tiêu nước máy",
        "land_pledged_m2" => "Đất đăng ký hiến (m²)",
        "land_donated_m2" => "Đất đã hiến (m²)",
        "labour_pledged_days" => "Ngày công đăng ký",
        "labour_done_days" => "Ngày công đã làm",
        "money_pledged_vnd" => "Tiền đăng ký (đồng)",
        "money_paid_vnd" => "Tiền đã nộp (đồng)",
        "parcel_area_m2" => "Diện tích thửa (m²)",
        "taken_area_m2" => "Diện tích thu hồi (m²)",
        "taken_share" => "Tỷ lệ thu hồi",
        "fence_to_rebuild_m" => "Tường rào phải làm lại (m)",
        "gate_to_rebuild" => "Cổng phải làm lại",
        "length_m" => "Chiều dài (m)",
        "area_m2" => "Diện tích (m²)",
        _ => return name.to_owned(),
    };
    format!("{vi} ({name})")
}

/// The workbook of one table: its attributes sheet.
pub fn table_workbook(table: &Table) -> Workbook {
    Workbook::new(
        format!("{} ({})", table.name, table.crs.name()),
        vec![table_sheet(table)],
    )
    .note(
        "Hệ tọa độ (CRS)",
        format!("{} ({})", table.crs.title(), table.crs.name()),
    )
}
