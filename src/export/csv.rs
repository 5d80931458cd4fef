//! CSV: one row per feature, `WKT` first (GDAL's CSV driver takes a column of that name as
//! the geometry), then `id` and every property, UTF-8, quoted as RFC 4180 says. A CSV file
//! cannot name its CRS: the file name and the `Content-Crs` header do.

use wkt::ToWkt;

use super::{ExportError, Table, value_text};

/// The table as CSV bytes.
pub fn write(table: &Table) -> Result<Vec<u8>, ExportError> {
    let columns = table.columns();
    let mut out = String::new();
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

/// Appends one CSV record, quoting cells that need it, ended by CRLF.
pub fn push_record(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
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
}
