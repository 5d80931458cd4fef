//! CSV: one row per feature, `WKT` first (GDAL's CSV driver takes a column of that name as
//! the geometry), then `id` and every property, UTF-8 with a byte-order mark (so that Excel
//! shows Vietnamese names), quoted as RFC 4180 says. A CSV file cannot name its CRS: the
//! file name and the `Content-Crs` header do.
//!
//! Every cell any CSV of drainplan holds goes through [`push_record`], which neutralises
//! text a spreadsheet would run as a formula ([`spreadsheet_text`]).

use std::borrow::Cow;

use wkt::ToWkt;

use super::{ExportError, Table, value_text};

/// The UTF-8 byte-order mark every CSV starts with: without it Excel reads the file as the
/// Windows code page and garbles every diacritic.
pub const BOM: &str = "\u{feff}";

/// Whether a spreadsheet would take `text` as a formula (or the start of one): it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP, "CSV Injection") and is not
/// simply a number (`-12.5` is a number in every spreadsheet, not a formula).
pub fn is_formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && !text.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `text` made safe for a spreadsheet cell: formula-like text gets a leading single quote
/// (`'=HYPERLINK(…)`), which Excel and LibreOffice show as text and never evaluate; any
/// other text (numbers included) is returned as it is. The one rule every CSV writer uses
/// (through [`push_record`]); the xlsx writer asks [`is_formula_like`] to mark such cells.
pub fn spreadsheet_text(text: &str) -> Cow<'_, str> {
    if is_formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The table as CSV bytes.
pub fn write(table: &Table) -> Result<Vec<u8>, ExportError> {
    let columns = table.columns();
    let mut out = BOM.to_owned();
    let header: Vec<&str> = ["WKT", "id"]
        .into_iter()
        .chain(columns.iter().map(String::as_str))
        .collect();
    push_record(&mut out, header.iter().map(|s| (*s).to_owned()));
    for r in &table.rows {
        let cells = [r.geometry.wkt_string(), r.id.clone()].into_iter().chain(
            columns
                .iter()
                .map(|c| r.properties.get(c).map(value_text).unwrap_or_default()),
        );
        push_record(&mut out, cells);
    }
    Ok(out.into_bytes())
}

/// Appends one CSV record, each cell made safe for spreadsheets ([`spreadsheet_text`]) and
/// quoted when it needs to be, ended by CRLF.
pub fn push_record(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let c = spreadsheet_text(&c);
        if c.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&c.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&c);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        let mut s = String::new();
        push_record(
            &mut s,
            [
                "a".to_owned(),
                "b,c".into(),
                "say \"hi\"".into(),
                "Đại Đồng".into(),
            ],
        );
        assert_eq!(s, "a,\"b,c\",\"say \"\"hi\"\"\",Đại Đồng\r\n");
    }

    #[test]
    fn formula_like_text_is_quoted_out_and_numbers_stay() {
        // Each trigger of the OWASP list, written out by hand.
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://x\",\"click\")",
                "'=HYPERLINK(\"http://x\",\"click\")",
            ),
            ("+1+2", "'+1+2"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("-inf", "'-inf"),
            // Numbers and ordinary text are left alone.
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("-1e3", "-1e3"),
            ("Nguyễn Văn An", "Nguyễn Văn An"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_text(cell), want, "{cell:?}");
        }
        let mut s = String::new();
        push_record(
            &mut s,
            [
                "=1+1".to_owned(),
                "-5".into(),
                "=HYPERLINK(\"a\",\"b\")".into(),
            ],
        );
        assert_eq!(s, "'=1+1,-5,\"'=HYPERLINK(\"\"a\"\",\"\"b\"\")\"\r\n");
    }
}
