//! Household lists from Excel workbooks (.xlsx): households, their contributions (land,
//! labour days, money, pledged and done) and their piped-water registrations, one row a
//! household, into the households layer, through the rules every edit obeys.
//!
//! 1. Open the worksheet (the first, or `--worksheet`) with calamine and find the header
//!    row: the first of the top 20 rows with two or more headers this module knows
//!    (Vietnamese as the commune writes them — `Chủ hộ`, `Số khẩu`, `Thôn` … —, the
//!    property names, or drainplan's own `Vietnamese (property)` headers) or that
//!    `--map field=Header` names.
//! 2. Read each row below it by type: numbers from number cells or from text such as
//!    `2,5` or `1.500.000`, dates from date cells or `YYYY-MM-DD` / `DD/MM/YYYY` text, the
//!    village by id or by name (compared after Unicode NFC and lower-casing, `Thôn`
//!    prefix optional), the water status by name or in Vietnamese (`đã đăng ký` …).
//! 3. A row with an id updates that household (with `--replace`), only in the columns the
//!    sheet has; a blank keeps the stored value unless `--allow-blanking`. A row without
//!    one is a new household, placed at its `Kinh độ`/`Vĩ độ` (or `E`/`N` in a VN-2000
//!    CRS) or at its dwelling's place (`Mã nhà ở` of a household already stored).
//! 4. Check the household as an edit is checked (`Dataset::check_feature`: the schema's
//!    types and ranges, the village reference, the point inside the data set's area).
//! 5. Any refused row — an id or dwelling that does not exist, a village name that matches
//!    no village, a number that is not one, a value an edit would refuse — is reported
//!    with its row number as Excel shows it, and nothing is written, unless
//!    `--skip-bad-rows` asks to write the others. `--dry-run` writes nothing.
//!
//! Contribution columns are each household's totals, as the contributions report and the
//! layer's export show them, not amounts to add.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx};
use geo::{Geometry, Point};
use serde_json::{Map, Value, json};
use unicode_normalization::UnicodeNormalization;

use super::{
    FeatureChanges, ImportError, ImportOptions, ImportReport, Kind, SAME_GEOMETRY_M, coerce,
    kind_of, merge_carried, same_geometry, static_kind,
};
use crate::crs::{self as base, Crs};
use crate::model::schema::{self, ValueKind};
use crate::model::{LayerKind, WaterStatus};
use crate::store::Dataset;
use crate::store::edit::EditError;

/// How many rows from the top of the sheet may come before the header row (a title, the
/// commune's name, a blank line).
const HEADER_SEARCH_ROWS: usize = 20;

/// One refused row: where and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowProblem {
    /// The row as Excel numbers it (header on row 1, first household on row 2).
    pub row: u32,
    /// The column's header, when one cell is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "row {}, {c}: {}", self.row, self.problem),
            None => write!(f, "row {}: {}", self.row, self.problem),
        }
    }
}

/// How a workbook was read.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WorkbookReport {
    /// The worksheet read.
    pub worksheet: String,
    /// The header row, as Excel numbers it.
    pub header_row: u32,
    /// Each column used: (its header, the field it gave).
    pub columns: Vec<(String, String)>,
    /// Rows left out that are not households (a totals row), with why.
    pub not_households: Vec<(u32, String)>,
}

impl WorkbookReport {
    /// The first lines of the import's text report (without the final newline).
    pub fn to_text(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|(h, f)| format!("{h} → {f}"))
            .collect();
        let mut s = format!(
            "read worksheet `{}`, headers on row {}: {}",
            self.worksheet,
            self.header_row,
            cols.join(", ")
        );
        for (row, why) in &self.not_households {
            s.push_str(&format!("\nleft out row {row}: {why}"));
        }
        s
    }
}

/// What a column gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    /// The household's id.
    Id,
    /// One of the household's properties other than its village.
    Prop(&'static str),
    /// The village, by id or name.
    Village,
    /// WGS84 longitude.
    Lon,
    /// WGS84 latitude.
    Lat,
    /// Easting in a metric CRS.
    East,
    /// Northing in a metric CRS.
    North,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Prop(p) => p,
            Field::Village => "village",
            Field::Lon => "lon",
            Field::Lat => "lat",
            Field::East => "E",
            Field::North => "N",
        }
    }
}

/// The household properties a column may give, besides the village.
const PROPS: &[&str] = &[
    "head",
    "members",
    "dwelling_id",
    "water_status",
    "water_date",
    "land_pledged_m2",
    "land_donated_m2",
    "labour_pledged_days",
    "labour_done_days",
    "money_pledged_vnd",
    "money_paid_vnd",
    "contribution_date",
    "note",
];

/// Headers known without `--map`, lower-cased, units in brackets left off.
const ALIASES: &[(&str, &[&str])] = &[
    ("id", &["mã", "mã hộ", "mã số hộ", "mã hộ gia đình"]),
    (
        "head",
        &[
            "chủ hộ",
            "tên chủ hộ",
            "họ tên chủ hộ",
            "họ và tên chủ hộ",
            "họ và tên",
            "họ tên",
        ],
    ),
    (
        "members",
        &["số khẩu", "số nhân khẩu", "nhân khẩu", "số người"],
    ),
    (
        "village",
        &[
            "thôn",
            "tên thôn",
            "thôn/xóm",
            "xóm",
            "mã thôn",
            "village_id",
        ],
    ),
    ("dwelling_id", &["mã nhà ở", "mã nhà", "nhà ở", "dwelling"]),
    (
        "water_status",
        &["nước máy", "nước sạch", "đăng ký nước máy", "water"],
    ),
    (
        "water_date",
        &["ngày đăng ký nước", "ngày nước máy", "ngày đấu nối nước"],
    ),
    ("land_pledged_m2", &["đất đăng ký hiến", "đất đăng ký"]),
    ("land_donated_m2", &["đất đã hiến", "đất hiến"]),
    ("labour_pledged_days", &["ngày công đăng ký"]),
    ("labour_done_days", &["ngày công đã làm", "ngày công"]),
    ("money_pledged_vnd", &["tiền đăng ký", "tiền đăng ký góp"]),
    ("money_paid_vnd", &["tiền đã nộp", "tiền đã góp"]),
    ("contribution_date", &["ngày đóng góp", "ngày góp"]),
    ("note", &["ghi chú"]),
    ("lon", &["kinh độ", "longitude"]),
    ("lat", &["vĩ độ", "latitude"]),
    ("e", &["x", "east", "easting"]),
    ("n", &["y", "north", "northing"]),
];

/// Units a header may carry in brackets: `Đất đã hiến (m²)`.
const UNITS: &[&str] = &[
    "m²",
    "m2",
    "m",
    "đồng",
    "vnd",
    "đ",
    "ngày",
    "ngày công",
    "người",
    "khẩu",
];

/// Whether `path` is a workbook this module reads.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xlsm"))
}

/// Text as compared: Unicode NFC, lower case, runs of white space as one space.
pub fn fold(s: &str) -> String {
    let lower: String = s.nfc().collect::<String>().to_lowercase();
    lower
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .nfc()
        .collect()
}

/// The field a `--map` target or a property name means.
fn field_named(name: &str) -> Option<Field> {
    let n = fold(name);
    match n.as_str() {
        "id" => Some(Field::Id),
        "village" | "village_id" => Some(Field::Village),
        "lon" => Some(Field::Lon),
        "lat" => Some(Field::Lat),
        "e" | "east" => Some(Field::East),
        "n" | "north" => Some(Field::North),
        "dwelling" => Some(Field::Prop("dwelling_id")),
        "water" => Some(Field::Prop("water_status")),
        other => PROPS.iter().find(|p| **p == other).map(|p| Field::Prop(p)),
    }
}

/// The field a header gives without `--map`.
fn field_of_header(header: &str) -> Option<Field> {
    let h = fold(header);
    let mut base = h.as_str();
    if let Some(open) = h.rfind('(')
        && h.ends_with(')')
    {
        let inner = h[open + 1..h.len() - 1].trim();
        // drainplan's own headers: `Chủ hộ (head)`, `Kinh độ (lon)`.
        if let Some(f) = field_named(inner).filter(|_| inner != "n" && inner != "e") {
            return Some(f);
        }
        if UNITS.contains(&inner) {
            base = h[..open].trim();
        }
    }
    if let Some(f) = field_named(base) {
        return Some(f);
    }
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&base))
        .and_then(|(f, _)| field_named(f))
}

/// A cell as text (a number as Excel shows it without a format), `None` when blank.
fn cell_text(d: &Data) -> Result<Option<String>, String> {
    Ok(match d {
        Data::Empty => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{f:.0}")
        } else {
            f.to_string()
        }),
        Data::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Some(format!("{y:04}-{m:02}-{d:02}"))
        }
        Data::Error(e) => return Err(format!("the cell holds the error {e}")),
    })
}

/// A cell as a number, `None` when blank.
fn cell_number(d: &Data) -> Result<Option<f64>, String> {
    match d {
        Data::Empty => Ok(None),
        Data::Int(i) => Ok(Some(*i as f64)),
        Data::Float(f) => Ok(Some(*f)),
        Data::String(s) if s.trim().is_empty() => Ok(None),
        Data::String(s) => parse_number(s).map(Some),
        Data::Bool(b) => Err(format!(
            "{} is not a number",
            if *b { "TRUE" } else { "FALSE" }
        )),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => Err(format!(
            "{} is a date, not a number",
            cell_text(d).ok().flatten().unwrap_or_default()
        )),
        Data::Error(e) => Err(format!("the cell holds the error {e}")),
    }
}

/// A number typed as text: `12`, `2,5` or `2.5`, `1.500.000` or `1 500 000` (groups of
/// three), `1.234,5`. A single separator before exactly three digits (`1.500`) is refused:
/// it is 1.5 to some and 1 500 to others.
pub fn parse_number(s: &str) -> Result<f64, String> {
    let not = || format!("`{}` is not a number", s.trim());
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    if !digits.starts_with(|c: char| c.is_ascii_digit())
        || !digits.ends_with(|c: char| c.is_ascii_digit())
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(not());
    }
    let groups_of_three = |int: &str, sep: char| {
        let mut parts = int.split(sep);
        parts
            .next()
            .is_some_and(|first| (1..=3).contains(&first.len()))
            && parts.all(|p| p.len() == 3)
    };
    let dots = digits.matches('.').count();
    let commas = digits.matches(',').count();
    let plain = match (dots, commas) {
        (0, 0) => digits.to_owned(),
        (d, c) if d > 0 && c > 0 => {
            let last = digits.rfind(['.', ',']).ok_or_else(not)?;
            let decimal = char::from(digits.as_bytes()[last]);
            let group = if decimal == '.' { ',' } else { '.' };
            if digits.matches(decimal).count() != 1 || !groups_of_three(&digits[..last], group) {
                return Err(not());
            }
            let int: String = digits[..last]
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            format!("{int}.{}", &digits[last + 1..])
        }
        (n, 0) | (0, n) if n > 1 => {
            let sep = if dots > 0 { '.' } else { ',' };
            if !groups_of_three(digits, sep) {
                return Err(not());
            }
            digits.replace(sep, "")
        }
        _ => {
            let i = digits.find(['.', ',']).ok_or_else(not)?;
            let (int, frac) = (&digits[..i], &digits[i + 1..]);
            if frac.len() == 3 && int != "0" {
                return Err(format!(
                    "`{}` could be {int}.{frac} or {int}{frac}: type it into the cell as a number",
                    s.trim()
                ));
            }
            format!("{int}.{frac}")
        }
    };
    let x: f64 = plain.parse().map_err(|_| not())?;
    Ok(if negative { -x } else { x })
}

/// A cell as a date `YYYY-MM-DD` (whether it is a real day is the schema's check),
/// `None` when blank.
fn cell_date(d: &Data) -> Result<Option<String>, String> {
    match d {
        Data::Int(_) | Data::Float(_) => Err(format!(
            "{} is a number, not a date (format the cell as a date, or write YYYY-MM-DD)",
            cell_text(d).ok().flatten().unwrap_or_default()
        )),
        Data::DateTimeIso(s) => Ok(Some(s.chars().take(10).collect())),
        _ => {
            let Some(s) = cell_text(d)? else {
                return Ok(None);
            };
            parse_date_text(&s).map(Some).ok_or_else(|| {
                format!("`{s}` is not a date (write it as a date, YYYY-MM-DD or DD/MM/YYYY)")
            })
        }
    }
}

/// `YYYY-MM-DD` as it is; `D/M/YYYY` (also with `-` or `.`), the way Vietnam writes dates,
/// as `YYYY-MM-DD`.
fn parse_date_text(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
    let all_digits = parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if parts.len() != 3 || !all_digits {
        return None;
    }
    let n = |p: &str| p.parse::<u32>().ok();
    let (y, m, d) = if parts[0].len() == 4 {
        (n(parts[0])?, n(parts[1])?, n(parts[2])?)
    } else if parts[2].len() == 4 {
        (n(parts[2])?, n(parts[1])?, n(parts[0])?)
    } else {
        return None;
    };
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// A water status by its name or as a Vietnamese list writes it.
fn water_status(s: &str) -> Option<&'static str> {
    if let Some(w) = WaterStatus::parse(s.trim()) {
        return Some(w.as_str());
    }
    let w = match fold(s).trim_end_matches('.') {
        "chưa đăng ký" | "chưa" | "không" | "không đăng ký" => WaterStatus::NotRegistered,
        "đã đăng ký" | "đăng ký" | "có đăng ký" => WaterStatus::Registered,
        "đã đấu nối" | "đấu nối" | "đã kết nối" | "đã lắp" | "đã lắp đặt" | "đã có" => {
            WaterStatus::Connected
        }
        _ => return None,
    };
    Some(w.as_str())
}

/// Villages by id and by folded name.
struct Villages {
    ids: HashSet<String>,
    by_name: HashMap<String, Vec<String>>,
    names: Vec<String>,
}

impl Villages {
    fn new(data: &Dataset) -> Villages {
        let layer = data.layer(LayerKind::Villages);
        let mut v = Villages {
            ids: HashSet::new(),
            by_name: HashMap::new(),
            names: Vec::new(),
        };
        for f in &layer.features {
            v.ids.insert(f.id.clone());
            if let Some(Value::String(name)) = f.properties.get_value("name") {
                v.by_name.entry(fold(&name)).or_default().push(f.id.clone());
                if !v.names.contains(&name) {
                    v.names.push(name);
                }
            }
        }
        v
    }

    /// The village `given` names (its id, or its name with or without `Thôn`).
    fn find(&self, given: &str) -> Result<String, String> {
        let given = given.trim();
        if self.ids.contains(given) {
            return Ok(given.to_owned());
        }
        let folded = fold(given);
        // `Thôn Đại Đồng` for Đại Đồng, and `4` for Thôn 4.
        let bare = folded.strip_prefix("thôn ").unwrap_or(&folded).to_owned();
        let found = [folded.clone(), bare, format!("thôn {folded}")]
            .into_iter()
            .find_map(|n| self.by_name.get(&n));
        match found.map(Vec::as_slice) {
            Some([id]) => Ok(id.clone()),
            Some(ids) if ids.len() > 1 => Err(format!(
                "`{given}` names {} villages ({}): give the village's id",
                ids.len(),
                ids.join(", ")
            )),
            _ => {
                let shown: Vec<&str> = self.names.iter().take(12).map(String::as_str).collect();
                let more = if self.names.len() > shown.len() {
                    " …"
                } else {
                    ""
                };
                Err(format!(
                    "`{given}` matches no village (the villages are {}{more})",
                    shown.join(", ")
                ))
            }
        }
    }
}

/// The columns: (column index, header, field), and the ones left unused.
type Columns = (Vec<(usize, String, Field)>, Vec<String>);

/// Finds the header row among the top rows and decides what each column gives.
fn header_row(range: &Range<Data>, o: &ImportOptions) -> Result<(usize, Columns), ImportError> {
    let mut overrides: Vec<(String, Field, String)> = Vec::new();
    for (target, header) in &o.map {
        let field = field_named(target).ok_or_else(|| {
            ImportError::Mapping(format!(
                "--map {target}=…: {target} is not a field of a household row; use id, village, lon, lat, E, N, dwelling, water, {}",
                PROPS.join(", ")
            ))
        })?;
        overrides.push((fold(header), field, header.clone()));
    }
    let (height, width) = range.get_size();
    let header_text =
        |r: usize, c: usize| range.get((r, c)).and_then(|d| cell_text(d).ok().flatten());
    let found = (0..height.min(HEADER_SEARCH_ROWS)).find(|&r| {
        let known = (0..width)
            .filter_map(|c| header_text(r, c))
            .filter(|h| {
                field_of_header(h).is_some() || overrides.iter().any(|(f, ..)| *f == fold(h))
            })
            .count();
        known >= 2 || (known >= 1 && !overrides.is_empty())
    });
    let Some(r) = found else {
        return Err(ImportError::Mapping(format!(
            "no header row in the top {HEADER_SEARCH_ROWS} rows: the sheet needs headers such as Mã (id), Chủ hộ, Thôn, Số khẩu, Mã nhà ở, Nước máy, Kinh độ, Vĩ độ, or --map field=Header"
        )));
    };
    let mut columns: Vec<(usize, String, Field)> = Vec::new();
    let mut unused = Vec::new();
    let headers: Vec<(usize, String)> = (0..width)
        .filter_map(|c| header_text(r, c).map(|h| (c, h)))
        .collect();
    for (folded, field, given) in &overrides {
        let (c, h) = headers
            .iter()
            .find(|(_, h)| fold(h) == *folded)
            .ok_or_else(|| {
                ImportError::Mapping(format!(
                    "--map {}={given}: no column `{given}` in the header row ({})",
                    field.name(),
                    headers
                        .iter()
                        .map(|(_, h)| h.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        columns.push((*c, h.clone(), *field));
    }
    for (c, h) in &headers {
        if columns.iter().any(|(used, ..)| used == c) {
            continue;
        }
        match field_of_header(h) {
            Some(f) if overrides.iter().any(|(_, of, _)| *of == f) => unused.push(h.clone()),
            Some(f) => {
                if let Some((_, other, _)) = columns.iter().find(|(_, _, g)| *g == f) {
                    return Err(ImportError::Mapping(format!(
                        "columns `{other}` and `{h}` both give {}: choose one with --map {}=…",
                        f.name(),
                        f.name()
                    )));
                }
                columns.push((*c, h.clone(), f));
            }
            None => unused.push(h.clone()),
        }
    }
    columns.sort_by_key(|(c, ..)| *c);
    Ok((r, (columns, unused)))
}

/// The CRS the workbook's notes sheet names (`Hệ tọa độ (CRS)` as drainplan writes it).
fn crs_from_notes(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>) -> Option<Crs> {
    let notes = wb
        .sheet_names()
        .into_iter()
        .find(|n| fold(n).starts_with("ghi chú"))?;
    let range = wb.worksheet_range(&notes).ok()?;
    range.rows().find_map(|row| {
        let what = fold(&cell_text(row.first()?).ok()??);
        if !what.starts_with("hệ tọa độ") {
            return None;
        }
        let text = cell_text(row.get(1)?).ok()??;
        let open = text.rfind('(')?;
        Crs::parse(text[open + 1..].trim_end_matches(')')).ok()
    })
}

/// Imports the household rows of the workbook `from` into the data directory `dir`.
pub fn import(dir: &Path, from: &Path, o: &ImportOptions) -> Result<ImportReport, ImportError> {
    let source_err = |problem: String| ImportError::Source {
        path: from.to_owned(),
        problem,
    };
    if o.kind != LayerKind::Households {
        return Err(ImportError::Mapping(format!(
            "an .xlsx imports households (with their contributions and water registrations), not {}; {} come from a GIS file",
            o.kind, o.kind
        )));
    }
    let meta = std::fs::metadata(from).map_err(|e| source_err(e.to_string()))?;
    if meta.len() > super::source::MAX_SOURCE_BYTES {
        return Err(source_err(format!(
            "{} bytes is more than the {} accepted",
            meta.len(),
            super::source::MAX_SOURCE_BYTES
        )));
    }
    let mut wb: Xlsx<_> = calamine::open_workbook(from)
        .map_err(|e: calamine::XlsxError| source_err(e.to_string()))?;
    let names = wb.sheet_names();
    let worksheet = match &o.worksheet {
        Some(w) => names
            .iter()
            .find(|n| fold(n) == fold(w))
            .cloned()
            .ok_or_else(|| {
                source_err(format!("no worksheet `{w}`; it has {}", names.join(", ")))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| source_err("the workbook has no worksheet".into()))?,
    };
    let range = wb
        .worksheet_range(&worksheet)
        .map_err(|e| source_err(format!("worksheet `{worksheet}`: {e}")))?;
    let top = range.start().map_or(0, |(r, _)| r);
    let excel_row = |r: usize| top + u32::try_from(r).unwrap_or(u32::MAX - top) + 1;
    let (header_r, (columns, unused)) = header_row(&range, o)?;
    let mut constants: Vec<(Field, String)> = Vec::new();
    for (target, value) in &o.set {
        let f = field_named(target)
            .filter(|f| matches!(f, Field::Prop(_) | Field::Village))
            .ok_or_else(|| {
                ImportError::Mapping(format!(
                    "--set {target}=…: {target} is not a property of a household"
                ))
            })?;
        constants.push((f, value.clone()));
    }

    // Coordinates: degrees in WGS84, or E/N in the CRS given or named by the workbook.
    let has = |f: Field| columns.iter().any(|(_, _, g)| *g == f);
    let (crs, crs_from) = if has(Field::Lon) || has(Field::Lat) {
        if !(has(Field::Lon) && has(Field::Lat)) {
            return Err(ImportError::Mapping(
                "the sheet has one of Kinh độ (lon) and Vĩ độ (lat) but not the other".into(),
            ));
        }
        match o.crs {
            Some(c) if c != Crs::Wgs84 => {
                return Err(ImportError::Crs(format!(
                    "--crs {c} but the sheet's coordinates are longitude and latitude (WGS84)"
                )));
            }
            _ => (Crs::Wgs84, "the longitude and latitude columns".to_owned()),
        }
    } else if has(Field::East) || has(Field::North) {
        if !(has(Field::East) && has(Field::North)) {
            return Err(ImportError::Mapping(
                "the sheet has one of E and N but not the other".into(),
            ));
        }
        match (o.crs, crs_from_notes(&mut wb)) {
            (Some(g), Some(n)) if g != n => {
                return Err(ImportError::Crs(format!(
                    "--crs {g} but the workbook's notes say {n}"
                )));
            }
            (Some(g), _) => (g, "--crs".to_owned()),
            (None, Some(n)) => (n, "the workbook's notes sheet".to_owned()),
            (None, None) => {
                return Err(ImportError::Crs(format!(
                    "the sheet has E and N columns but does not say its CRS: give --crs ({})",
                    Crs::names()
                )));
            }
        }
    } else {
        (Crs::Wgs84, "no coordinate columns".to_owned())
    };
    let to_wgs84 = match crs {
        Crs::Wgs84 => None,
        c => {
            // Set up (or refused) before any row is read.
            base::with_transformer(c, Crs::Wgs84, |_| ())?;
            Some(c)
        }
    };

    let data = super::load_unjournalled(dir, LayerKind::Households)?;
    let layer = data.layer(LayerKind::Households);
    let villages = Villages::new(&data);
    let mut layer_kinds: HashMap<String, Kind> = HashMap::new();
    for (name, samples) in layer.property_samples() {
        let kinds: Vec<Kind> = samples.iter().filter_map(kind_of).collect();
        let k = if kinds.contains(&Kind::Real) && kinds.contains(&Kind::Int) {
            Some(Kind::Real)
        } else {
            kinds.first().copied()
        };
        if let Some(k) = k {
            layer_kinds.insert(name.clone(), k);
        }
    }
    let kind_for = |name: &str| -> Option<Kind> {
        layer_kinds
            .get(name)
            .copied()
            .or_else(|| static_kind(name))
            .or_else(
                || match schema::property(LayerKind::Households, name).map(|p| p.kind) {
                    Some(ValueKind::Integer { .. }) => Some(Kind::Int),
                    Some(ValueKind::Number { .. }) => Some(Kind::Real),
                    Some(ValueKind::Boolean) => Some(Kind::Bool),
                    Some(_) => Some(Kind::Text),
                    None => None,
                },
            )
    };
    // Where each dwelling is: the first stored household living in it.
    let mut dwellings: HashMap<String, Point> = HashMap::new();
    for f in &layer.features {
        if let (Some(Value::String(d)), Geometry::Point(p)) =
            (f.properties.get_value("dwelling_id"), &f.geometry)
        {
            dwellings.entry(d).or_insert(*p);
        }
    }
    let mut next_number = layer
        .features
        .iter()
        .filter_map(|f| f.id.strip_prefix("hh-")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;

    let mut report = ImportReport {
        driver: "xlsx".into(),
        crs: crs.name().to_owned(),
        crs_from,
        unused_fields: unused,
        workbook: Some(WorkbookReport {
            worksheet: worksheet.clone(),
            header_row: excel_row(header_r),
            columns: columns
                .iter()
                .map(|(_, h, f)| (h.clone(), f.name().to_owned()))
                .collect(),
            not_households: Vec::new(),
        }),
        ..Default::default()
    };
    let header_of = |f: Field| -> String {
        columns.iter().find(|(_, _, g)| *g == f).map_or_else(
            || match f {
                Field::Lon => "Kinh độ (lon)".to_owned(),
                Field::Lat => "Vĩ độ (lat)".to_owned(),
                other => other.name().to_owned(),
            },
            |(_, h, _)| h.clone(),
        )
    };
    let mut accepted: Vec<(String, Geometry, Map<String, Value>)> = Vec::new();
    let mut rows_of_ids: HashMap<String, u32> = HashMap::new();
    let (height, _) = range.get_size();
    let empty = Data::Empty;
    for r in header_r + 1..height {
        let row_no = excel_row(r);
        let cell = |c: usize| range.get((r, c)).unwrap_or(&empty);
        let blank = columns.iter().all(|(c, ..)| {
            matches!(cell(*c), Data::Empty)
                || matches!(cell(*c), Data::String(s) if s.trim().is_empty())
        });
        if blank {
            continue;
        }
        // A totals row (drainplan's own `Tổng cộng (total)`, or a list's `Cộng`): no
        // head, no id, a total's label.
        let head_blank = columns
            .iter()
            .filter(|(_, _, f)| *f == Field::Prop("head"))
            .all(|(c, ..)| cell_text(cell(*c)).ok().flatten().is_none());
        let total_label = (0..range.get_size().1).find_map(|c| {
            let t = fold(&cell_text(cell(c)).ok().flatten()?);
            (t.starts_with("tổng cộng")
                || matches!(t.as_str(), "tổng" | "cộng" | "total" | "tổng số"))
            .then_some(t)
        });
        let id_blank = columns
            .iter()
            .filter(|(_, _, f)| *f == Field::Id)
            .all(|(c, ..)| match cell_text(cell(*c)).ok().flatten() {
                None => true,
                // drainplan's export writes its label in the id column.
                Some(t) => total_label.as_deref() == Some(fold(&t).as_str()),
            });
        if head_blank
            && id_blank
            && let Some(label) = total_label
        {
            if let Some(w) = report.workbook.as_mut() {
                w.not_households
                    .push((row_no, format!("a totals row (`{label}`)")));
            }
            continue;
        }

        let mut problems: Vec<RowProblem> = Vec::new();
        let mut problem = |column: Option<String>, text: String| {
            problems.push(RowProblem {
                row: row_no,
                column,
                problem: text,
            });
        };
        let mut id: Option<String> = None;
        let mut carried: Vec<(String, Value)> = Vec::new();
        let (mut x, mut y) = (None, None);
        let mut village_given = false;
        for (c, header, field) in &columns {
            let d = cell(*c);
            let col = Some(header.clone());
            match field {
                Field::Id => match cell_text(d) {
                    Ok(v) => id = v,
                    Err(e) => problem(col, e),
                },
                Field::Lon | Field::East => match cell_number(d) {
                    Ok(v) => x = v,
                    Err(e) => problem(col, e),
                },
                Field::Lat | Field::North => match cell_number(d) {
                    Ok(v) => y = v,
                    Err(e) => problem(col, e),
                },
                Field::Village => match cell_text(d) {
                    Ok(Some(t)) => {
                        village_given = true;
                        match villages.find(&t) {
                            Ok(v) => carried.push(("village_id".into(), json!(v))),
                            Err(e) => problem(col, e),
                        }
                    }
                    Ok(None) => carried.push(("village_id".into(), Value::Null)),
                    Err(e) => problem(col, e),
                },
                Field::Prop(name) => match read_property(name, d) {
                    Ok(v) => carried.push(((*name).to_owned(), v)),
                    Err(e) => problem(col, e),
                },
            }
        }
        for (field, value) in &constants {
            let name = match field {
                Field::Village => "village_id",
                Field::Prop(p) => p,
                _ => continue,
            };
            let present = carried.iter().any(|(k, v)| k == name && !v.is_null());
            if present {
                continue;
            }
            let v = if *field == Field::Village {
                villages.find(value).map(Value::String)
            } else {
                read_property(name, &Data::String(value.clone()))
            };
            match v {
                Ok(v) => {
                    carried.retain(|(k, _)| k != name);
                    carried.push((name.to_owned(), v));
                }
                Err(e) => problem(Some(format!("--set {}", field.name())), e),
            }
        }
        let point = match (x, y) {
            (Some(x), Some(y)) => match &to_wgs84 {
                None => Some(Point::new(x, y)),
                Some(c) => match base::transform(geo::Coord { x, y }, *c, Crs::Wgs84) {
                    Ok(w) => Some(Point::new(w.x, w.y)),
                    Err(e) => {
                        problem(None, e.to_string());
                        None
                    }
                },
            },
            (None, None) => None,
            _ => {
                problem(
                    None,
                    format!(
                        "{} and {} must both be given or both be blank",
                        header_of(if to_wgs84.is_some() {
                            Field::East
                        } else {
                            Field::Lon
                        }),
                        header_of(if to_wgs84.is_some() {
                            Field::North
                        } else {
                            Field::Lat
                        })
                    ),
                );
                None
            }
        };
        let point = point.map(|p| {
            Point::new(
                super::layer_file::round8(p.x()),
                super::layer_file::round8(p.y()),
            )
        });
        let stored = match &id {
            Some(i) => {
                if let Some(first) = rows_of_ids.get(i) {
                    problem(
                        Some(header_of(Field::Id)),
                        format!("`{i}` is also on row {first}"),
                    );
                } else {
                    rows_of_ids.insert(i.clone(), row_no);
                }
                match layer.get(i) {
                    None => {
                        problem(
                            Some(header_of(Field::Id)),
                            format!(
                                "household `{i}` does not exist (leave the id blank to add a new household)"
                            ),
                        );
                        None
                    }
                    Some(_) if !o.replace => {
                        problem(
                            Some(header_of(Field::Id)),
                            format!("household `{i}` already exists: give --replace to update it"),
                        );
                        None
                    }
                    Some(s) => Some(s),
                }
            }
            None => None,
        };
        // The dwelling must be one households already live in, unless the row places it.
        let dwelling = carried
            .iter()
            .find(|(k, _)| k == "dwelling_id")
            .and_then(|(_, v)| v.as_str().map(str::to_owned));
        let dwelling_point = dwelling.as_ref().and_then(|d| dwellings.get(d).copied());
        if let Some(d) = &dwelling
            && dwelling_point.is_none()
            && point.is_none()
        {
            problem(
                Some(header_of(Field::Prop("dwelling_id"))),
                format!(
                    "dwelling `{d}` does not exist (no household lives in it); give {} and {} to place a new one",
                    header_of(if to_wgs84.is_some() {
                        Field::East
                    } else {
                        Field::Lon
                    }),
                    header_of(if to_wgs84.is_some() {
                        Field::North
                    } else {
                        Field::Lat
                    })
                ),
            );
        }
        let is_new = id.is_none();
        if is_new {
            let has_value = |name: &str| carried.iter().any(|(k, v)| k == name && !v.is_null());
            if !has_value("head") {
                problem(
                    Some(header_of(Field::Prop("head"))),
                    "a new household (no id) needs its head".into(),
                );
            }
            if !has_value("village_id") && !village_given {
                problem(
                    Some(header_of(Field::Village)),
                    "a new household (no id) needs its village".into(),
                );
            }
            if point.is_none() && dwelling.is_none() {
                problem(
                    None,
                    "a new household (no id) needs a place: its dwelling (Mã nhà ở) or its coordinates".into(),
                );
            }
        }
        if !problems.is_empty() {
            report.refused.append(&mut problems);
            continue;
        }
        let (hh_id, props, geometry, changes) = match (stored, &id) {
            (Some(s), Some(i)) => {
                let stored_props = s.properties.to_map();
                let mut props = stored_props.clone();
                let mut changes = FeatureChanges {
                    id: i.clone(),
                    ..Default::default()
                };
                merge_carried(
                    carried,
                    &stored_props,
                    kind_for,
                    o.allow_blanking,
                    &mut props,
                    &mut changes,
                    &mut report.kept_blank,
                );
                let moved_in = dwelling.is_some()
                    && dwelling
                        != stored_props
                            .get("dwelling_id")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                let wanted = point.or(if moved_in { dwelling_point } else { None });
                let geometry = match wanted {
                    Some(p)
                        if !same_geometry(&Geometry::Point(p), &s.geometry, SAME_GEOMETRY_M) =>
                    {
                        changes.geometry = true;
                        Geometry::Point(p)
                    }
                    _ => s.geometry.clone(),
                };
                (i.clone(), props, geometry, Some(changes))
            }
            _ => {
                let mut props = Map::new();
                for (k, v) in carried {
                    let v = coerce(v, kind_for(&k));
                    if !v.is_null() {
                        props.insert(k, v);
                    }
                }
                props
                    .entry("water_status")
                    .or_insert_with(|| json!(WaterStatus::NotRegistered.as_str()));
                let Some(p) = point.or(dwelling_point) else {
                    continue; // refused above
                };
                let new_id = loop {
                    let candidate = format!("hh-{next_number:05}");
                    if layer.position(&candidate).is_none() && !rows_of_ids.contains_key(&candidate)
                    {
                        break candidate;
                    }
                    next_number += 1;
                };
                (new_id, props, Geometry::Point(p), None)
            }
        };
        let feature = json!({
            "type": "Feature",
            "id": hh_id,
            "properties": props,
            "geometry": geojson::Geometry::from(&geometry),
        });
        if let Err(e) = data.check_feature(LayerKind::Households, &hh_id, &feature) {
            let (column, text) = match e {
                EditError::Invalid(inv) => {
                    let column = match inv.field.strip_prefix("properties.") {
                        Some("village_id") => header_of(Field::Village),
                        Some(p) => PROPS
                            .iter()
                            .find(|q| **q == p)
                            .map_or_else(|| p.to_owned(), |q| header_of(Field::Prop(q))),
                        None => inv.field.clone(),
                    };
                    (Some(column), inv.problem)
                }
                other => (None, other.to_string()),
            };
            report.refused.push(RowProblem {
                row: row_no,
                column,
                problem: text,
            });
            continue;
        }
        match changes {
            Some(c) => {
                report.replaced.push(hh_id.clone());
                if !c.fields.is_empty() || c.geometry {
                    report.changes.push(c);
                }
            }
            None => {
                rows_of_ids.insert(hh_id.clone(), row_no);
                next_number += 1;
                if let (Some(d), Geometry::Point(p)) = (&dwelling, &geometry) {
                    dwellings.entry(d.clone()).or_insert(*p);
                }
                report.imported.push(hh_id.clone());
            }
        }
        accepted.push((hh_id, geometry, props));
    }

    let refused = !report.refused.is_empty() && !o.skip_bad_rows;
    let nothing_new = report.imported.is_empty() && report.changes.is_empty();
    if refused || o.dry_run || nothing_new {
        return Ok(report);
    }
    report.written = Some(super::write_layer(
        dir,
        LayerKind::Households,
        layer,
        accepted,
    )?);
    Ok(report)
}

/// A household property from its cell, by the type the schema gives it.
fn read_property(name: &str, d: &Data) -> Result<Value, String> {
    let kind = schema::property(LayerKind::Households, name).map(|p| p.kind);
    match kind {
        Some(ValueKind::Integer { .. } | ValueKind::Number { .. }) => {
            Ok(cell_number(d)?.map_or(Value::Null, |x| json!(x)))
        }
        Some(ValueKind::Date) => Ok(cell_date(d)?.map_or(Value::Null, Value::String)),
        Some(ValueKind::Enum(_)) if name == "water_status" => match cell_text(d)? {
            None => Ok(Value::Null),
            Some(t) => water_status(&t).map(|w| json!(w)).ok_or_else(|| {
                format!(
                    "`{t}` is not a water status: not_registered (chưa đăng ký), registered (đã đăng ký) or connected (đã đấu nối)"
                )
            }),
        },
        _ => Ok(cell_text(d)?.map_or(Value::Null, Value::String)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_map_in_vietnamese_and_in_drainplans_own_form() {
        assert_eq!(field_of_header("Chủ hộ"), Some(Field::Prop("head")));
        assert_eq!(field_of_header(" SỐ  KHẨU "), Some(Field::Prop("members")));
        assert_eq!(field_of_header("Thôn"), Some(Field::Village));
        assert_eq!(
            field_of_header("Số nhân khẩu (members)"),
            Some(Field::Prop("members"))
        );
        assert_eq!(
            field_of_header("Đất đăng ký hiến (m²) (land_pledged_m2)"),
            Some(Field::Prop("land_pledged_m2"))
        );
        assert_eq!(
            field_of_header("Đất đã hiến (m²)"),
            Some(Field::Prop("land_donated_m2"))
        );
        assert_eq!(field_of_header("Mã (id)"), Some(Field::Id));
        assert_eq!(field_of_header("Kinh độ (lon)"), Some(Field::Lon));
        assert_eq!(field_of_header("E (m)"), Some(Field::East));
        assert_eq!(field_of_header("N (m)"), Some(Field::North));
        assert_eq!(field_of_header("STT"), None);
        // Decomposed (NFD) text, as some tools write it, folds to the same header.
        let nfd: String = "Chủ hộ".nfd().collect();
        assert_eq!(field_of_header(&nfd), Some(Field::Prop("head")));
    }

    #[test]
    fn numbers_typed_as_text() {
        assert_eq!(parse_number("12"), Ok(12.0));
        assert_eq!(parse_number("2,5"), Ok(2.5));
        assert_eq!(parse_number("2.5"), Ok(2.5));
        assert_eq!(parse_number("1.500.000"), Ok(1_500_000.0));
        assert_eq!(parse_number("1 500 000"), Ok(1_500_000.0));
        assert_eq!(parse_number("1.234,5"), Ok(1234.5));
        assert_eq!(parse_number("1,234.5"), Ok(1234.5));
        assert_eq!(parse_number("0.125"), Ok(0.125));
        assert_eq!(parse_number("-3"), Ok(-3.0));
        assert!(parse_number("1.500").unwrap_err().contains("could be"));
        for bad in ["bốn", "2 ngày", "1.50.0", "", "1,2,3", "12-"] {
            assert!(parse_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_water_statuses() {
        assert_eq!(parse_date_text("2026-11-05"), Some("2026-11-05".into()));
        assert_eq!(parse_date_text("5/11/2026"), Some("2026-11-05".into()));
        assert_eq!(parse_date_text("05.11.2026"), Some("2026-11-05".into()));
        assert_eq!(parse_date_text("hôm qua"), None);
        assert_eq!(water_status("Đã đăng ký"), Some("registered"));
        assert_eq!(water_status("connected"), Some("connected"));
        assert_eq!(water_status("chưa đăng ký"), Some("not_registered"));
        assert_eq!(water_status("maybe"), None);
    }
}
