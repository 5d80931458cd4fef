//! Tables for people: the reports, the land-taken tables and a layer's attributes as rows
//! of typed cells under headers, each column with its unit and how it totals. One
//! [`Workbook`] is written as .xlsx by [`super::xlsx`] and, a sheet at a time, as CSV by
//! [`Sheet::to_csv`], so the two say the same thing.
//!
//! Numbers are kept to the precision their unit shows (cm for metres, cm² for m², whole
//! đồng, 0.1 % for shares), so a total is the sum of the figures a reader sees in its
//! rows, in the CSV as in the spreadsheet.

use super::csv::{BOM, push_record};

/// What a column's numbers measure: it picks their precision, the CSV text and the
/// spreadsheet's number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Text (names, ids, statuses).
    Text,
    /// A count, with thousands separators.
    Count,
    /// An identifying number (map sheet, parcel number, vertex): no separators.
    Number,
    /// Metres, to the cm.
    Metres,
    /// Square metres, to the cm².
    SquareMetres,
    /// Labour days, to the tenth.
    Days,
    /// Money in đồng (VND), whole, with thousands separators.
    Vnd,
    /// A share (0.418), shown as a percentage to 0.1 % (41.8 %; `41.8` in CSV).
    Percent,
    /// A projected coordinate in metres, to the mm, no separators.
    Coordinate,
    /// Any other decimal number, kept as it is.
    Decimal,
}

impl Unit {
    /// Decimals a value is kept to (`None`: as it is).
    fn decimals(self) -> Option<i32> {
        match self {
            Unit::Text | Unit::Decimal => None,
            Unit::Count | Unit::Number | Unit::Vnd => Some(0),
            Unit::Metres | Unit::SquareMetres => Some(2),
            Unit::Days => Some(1),
            Unit::Percent | Unit::Coordinate => Some(3),
        }
    }

    /// `v` rounded to what the unit shows.
    pub fn round(self, v: f64) -> f64 {
        match self.decimals() {
            Some(d) => {
                let k = 10f64.powi(d);
                (v * k).round() / k
            }
            None => v,
        }
    }

    /// The value as CSV text: to the unit's decimals, shares as percentages.
    pub fn csv_text(self, v: f64) -> String {
        match self {
            Unit::Percent => format!("{:.1}", v * 100.0),
            Unit::Decimal | Unit::Text => v.to_string(),
            other => format!("{:.*}", other.decimals().unwrap_or(0) as usize, v),
        }
    }

    /// The spreadsheet number format (Excel's syntax; its `,` and `.` follow the reader's
    /// locale, so a Vietnamese Excel shows 1.234.567 ₫).
    pub fn excel_format(self) -> &'static str {
        match self {
            Unit::Text => "@",
            Unit::Count => "#,##0",
            Unit::Number => "0",
            Unit::Metres => "#,##0.00\" m\"",
            Unit::SquareMetres => "#,##0.00\" m²\"",
            Unit::Days => "#,##0.0",
            Unit::Vnd => "#,##0\" ₫\"",
            Unit::Percent => "0.0%",
            Unit::Coordinate => "0.000",
            Unit::Decimal => "General",
        }
    }
}

/// What a column's cell in the totals row holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Total {
    /// Nothing.
    None,
    /// A label (`Tổng cộng`, `2 thửa`).
    Text(String),
    /// The sum of the column's numbers: `=SUM(…)`.
    Sum,
    /// How many of the column's cells hold this text: `=COUNTIF(…,"yes")`.
    CountIf(String),
    /// The totals of two other (summed) columns divided: `=IF(den=0,0,num/den)`.
    Ratio {
        /// Column of the numerator.
        num: usize,
        /// Column of the denominator.
        den: usize,
    },
    /// The column's mean weighted by another column: `=SUMPRODUCT(…)/SUM(…)`.
    WeightedMean {
        /// Column of the weights.
        by: usize,
    },
    /// Any other formula, with `{first}`, `{last}` and `{total}` standing for the first
    /// and last data rows and the totals row (1-based, as in `A1`), and its value.
    Formula {
        /// The formula, without `=`.
        excel: String,
        /// Its value, for readers that do not compute formulas and for the CSV.
        value: f64,
    },
}

/// A column: its header, unit and total.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text (Vietnamese, with the English or the property name in brackets).
    pub header: String,
    /// The header in CSV, when a program reads the file by it (`chainage_m`); else
    /// [`Column::header`].
    pub csv_header: Option<String>,
    /// What its numbers measure.
    pub unit: Unit,
    /// What its cell in the totals row holds.
    pub total: Total,
}

impl Column {
    /// A column with no total.
    pub fn new(header: impl Into<String>, unit: Unit) -> Column {
        Column {
            header: header.into(),
            csv_header: None,
            unit,
            total: Total::None,
        }
    }

    /// The column with a header of its own in CSV.
    pub fn csv_header(mut self, header: impl Into<String>) -> Column {
        self.csv_header = Some(header.into());
        self
    }

    /// The column with `total` in the totals row.
    pub fn total(mut self, total: Total) -> Column {
        self.total = total;
        self
    }

    /// The column summed in the totals row.
    pub fn sum(self) -> Column {
        self.total(Total::Sum)
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text, written as text whatever it starts with.
    Text(String),
    /// A number (rounded to its column's unit by [`Sheet::push`]).
    Number(f64),
    /// True or false.
    Bool(bool),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Number(v)
    }
}

impl From<usize> for Cell {
    fn from(v: usize) -> Cell {
        Cell::Number(v as f64)
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Number(v as f64)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

/// A table: header row, data rows and, when any column totals, a totals row.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Sheet name (at most 31 characters in a spreadsheet; longer ones are cut).
    pub name: String,
    /// The columns.
    pub columns: Vec<Column>,
    /// The data rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// An empty sheet.
    pub fn new(name: impl Into<String>, columns: Vec<Column>) -> Sheet {
        Sheet {
            name: name.into(),
            columns,
            rows: Vec::new(),
        }
    }

    /// Appends a row, numbers rounded to their column's unit, missing cells empty.
    pub fn push(&mut self, cells: Vec<Cell>) {
        let mut row: Vec<Cell> = cells
            .into_iter()
            .zip(&self.columns)
            .map(|(c, col)| match c {
                Cell::Number(v) if v.is_finite() => Cell::Number(col.unit.round(v)),
                Cell::Number(_) => Cell::Empty,
                other => other,
            })
            .collect();
        row.resize(self.columns.len(), Cell::Empty);
        self.rows.push(row);
    }

    /// Whether the sheet has a totals row.
    pub fn has_totals(&self) -> bool {
        self.columns.iter().any(|c| c.total != Total::None)
    }

    /// The numbers of column `col`.
    fn numbers(&self, col: usize) -> impl Iterator<Item = f64> + '_ {
        self.rows.iter().filter_map(move |r| match r.get(col) {
            Some(Cell::Number(v)) => Some(*v),
            _ => None,
        })
    }

    /// The value of column `col`'s total, as a spreadsheet computes it from the rows
    /// (`None` for no total or a text label).
    pub fn total_value(&self, col: usize) -> Option<f64> {
        let sum = |c: usize| self.numbers(c).sum::<f64>();
        match &self.columns.get(col)?.total {
            Total::None | Total::Text(_) => None,
            Total::Sum => Some(sum(col)),
            Total::CountIf(text) => Some(
                self.rows
                    .iter()
                    .filter(|r| matches!(r.get(col), Some(Cell::Text(t)) if t == text))
                    .count() as f64,
            ),
            Total::Ratio { num, den } => {
                let d = sum(*den);
                Some(if d == 0.0 { 0.0 } else { sum(*num) / d })
            }
            Total::WeightedMean { by } => {
                let w = sum(*by);
                let wx: f64 = self
                    .rows
                    .iter()
                    .filter_map(|r| match (r.get(col), r.get(*by)) {
                        (Some(Cell::Number(x)), Some(Cell::Number(w))) => Some(x * w),
                        _ => None,
                    })
                    .sum();
                Some(if w == 0.0 { 0.0 } else { wx / w })
            }
            Total::Formula { value, .. } => Some(*value),
        }
    }

    /// The formula of column `col`'s total, without `=` (`None` for no formula).
    pub fn total_formula(&self, col: usize) -> Option<String> {
        let first = 2;
        let last = self.rows.len() + 1;
        let total = last + 1;
        let range = |c: usize| format!("{0}{first}:{0}{last}", column_name(c));
        Some(match &self.columns.get(col)?.total {
            Total::None | Total::Text(_) => return None,
            Total::Sum => format!("SUM({})", range(col)),
            Total::CountIf(text) => {
                format!("COUNTIF({},\"{}\")", range(col), text.replace('"', "\"\""))
            }
            Total::Ratio { num, den } => {
                let (n, d) = (column_name(*num), column_name(*den));
                format!("IF({d}{total}=0,0,{n}{total}/{d}{total})")
            }
            Total::WeightedMean { by } => format!(
                "IF(SUM({w})=0,0,SUMPRODUCT({x},{w})/SUM({w}))",
                x = range(col),
                w = range(*by)
            ),
            Total::Formula { excel, .. } => excel
                .replace("{first}", &first.to_string())
                .replace("{last}", &last.to_string())
                .replace("{total}", &total.to_string()),
        })
    }

    /// The sheet as CSV (UTF-8 with a byte-order mark): header, rows, totals row.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = BOM.to_owned();
        push_record(
            &mut out,
            self.columns
                .iter()
                .map(|c| c.csv_header.clone().unwrap_or_else(|| c.header.clone())),
        );
        for r in &self.rows {
            push_record(
                &mut out,
                r.iter()
                    .zip(&self.columns)
                    .map(|(cell, col)| cell_text(cell, col.unit)),
            );
        }
        if self.has_totals() {
            let cells = (0..self.columns.len()).map(|i| match &self.columns[i].total {
                Total::Text(t) => t.clone(),
                _ => self
                    .total_value(i)
                    .map(|v| self.columns[i].unit.csv_text(v))
                    .unwrap_or_default(),
            });
            push_record(&mut out, cells);
        }
        out.into_bytes()
    }
}

fn cell_text(cell: &Cell, unit: Unit) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.clone(),
        Cell::Number(v) => unit.csv_text(*v),
        Cell::Bool(b) => b.to_string(),
    }
}

/// A spreadsheet's column name: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_name(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

/// Sheets to write as one file, with a title and notes (a last sheet of `what: text`
/// lines saying what the figures mean).
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    /// Title (the file's document title).
    pub title: String,
    /// The sheets, in order.
    pub sheets: Vec<Sheet>,
    /// Notes: (what, text).
    pub notes: Vec<(String, String)>,
}

impl Workbook {
    /// A workbook of `sheets` with no notes.
    pub fn new(title: impl Into<String>, sheets: Vec<Sheet>) -> Workbook {
        Workbook {
            title: title.into(),
            sheets,
            notes: Vec::new(),
        }
    }

    /// The workbook with a note.
    pub fn note(mut self, what: impl Into<String>, text: impl Into<String>) -> Workbook {
        self.notes.push((what.into(), text.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_go_past_z() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    fn sample() -> Sheet {
        let mut s = Sheet::new(
            "t",
            vec![
                Column::new("name", Unit::Text).total(Total::Text("Tổng".into())),
                Column::new("area", Unit::SquareMetres).sum(),
                Column::new("gate", Unit::Text).total(Total::CountIf("yes".into())),
                Column::new("share", Unit::Percent).total(Total::Ratio { num: 1, den: 4 }),
                Column::new("whole", Unit::SquareMetres).sum(),
            ],
        );
        s.push(vec![
            "a".into(),
            1.234.into(),
            "yes".into(),
            0.5.into(),
            2.0.into(),
        ]);
        s.push(vec![
            "=b".into(),
            2.0.into(),
            "no".into(),
            0.25.into(),
            8.0.into(),
        ]);
        s
    }

    #[test]
    fn totals_are_formulas_over_the_rows_with_their_values() {
        let s = sample();
        // Rows 2 and 3, totals in row 4; 1.234 is kept to the cm²: 1.23.
        assert_eq!(s.total_formula(1).as_deref(), Some("SUM(B2:B3)"));
        assert_eq!(s.total_value(1), Some(1.23 + 2.0));
        assert_eq!(
            s.total_formula(2).as_deref(),
            Some("COUNTIF(C2:C3,\"yes\")")
        );
        assert_eq!(s.total_value(2), Some(1.0));
        assert_eq!(s.total_formula(3).as_deref(), Some("IF(E4=0,0,B4/E4)"));
        assert_eq!(s.total_value(3), Some(3.23 / 10.0));
        assert_eq!(s.total_formula(0), None);
    }

    #[test]
    fn the_csv_has_the_rows_and_the_totals_as_shown() {
        let text = String::from_utf8(sample().to_csv()).unwrap();
        assert_eq!(
            text,
            "\u{feff}name,area,gate,share,whole\r\n\
             a,1.23,yes,50.0,2.00\r\n\
             '=b,2.00,no,25.0,8.00\r\n\
             Tổng,3.23,1,32.3,10.00\r\n"
        );
    }
}
