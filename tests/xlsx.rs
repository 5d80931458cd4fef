//! Every Excel workbook drainplan writes, read back with openpyxl (an independent .xlsx
//! reader, in the tests' Python environment) on tests/fixtures/small (see tests/api.rs):
//! the rows a hand count of the fixture gives, Vietnamese text intact, the header frozen
//! and filtered, numbers in their unit's format, and each total a formula
//! (`data_only=False` shows `=SUM(…)`) whose cached value (`data_only=True`) equals the
//! sum of the rows openpyxl reads.
//!
//! Independent figures (pyproj / shapely, tests/api.rs): c1 210.30444958 m, c2
//! 105.15254280 m; c2 with a 6 m corridor takes 79.62170915 m² of p1 and 79.62702954 m²
//! of p2.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use std::io::Read;
use std::path::Path;

use drainplan::analysis::canal_length::{Grouping, canal_length};
use drainplan::analysis::contributions::contributions;
use drainplan::analysis::progress::{Month, MonthBasis, ProgressReport};
use drainplan::analysis::route_impact::{RouteImpact, route_impact_with_strips};
use drainplan::analysis::water::water_connection;
use drainplan::crs::Crs;
use drainplan::export::{self, Format, reports, xlsx};
use drainplan::model::{ClearanceStatus, LayerKind};
use drainplan::store::Dataset;
use drainplan::store::query::Selection;
use geo::Geometry;
use serde_json::{Value, json};

const C1_LENGTH_M: f64 = 210.304_449_58;
const C2_LENGTH_M: f64 = 105.152_542_80;
const P1_TAKEN_M2: f64 = 79.621_709_15;
const P2_TAKEN_M2: f64 = 79.627_029_54;

fn small() -> Dataset {
    Dataset::load(Path::new("tests/fixtures/small")).expect("fixture loads")
}

/// What openpyxl reads: per sheet its name, frozen cell, autofilter range, and each cell
/// as {v: formula or value, c: cached value, t: data type, f: number format, q: quote
/// prefix}.
const READ: &str = r#"
import json, sys
import openpyxl
path = sys.argv[1]
wb = openpyxl.load_workbook(path, data_only=False)
cached = openpyxl.load_workbook(path, data_only=True)
out = {"title": wb.properties.title, "sheets": []}
for ws in wb.worksheets:
    cws = cached[ws.title]
    rows = []
    for row in ws.iter_rows():
        cells = []
        for cell in row:
            c = cws[cell.coordinate].value
            cells.append({"v": cell.value, "c": c, "t": cell.data_type,
                          "f": cell.number_format, "q": bool(cell.quotePrefix)})
        rows.append(cells)
    out["sheets"].append({"name": ws.title, "freeze": ws.freeze_panes,
                          "filter": ws.auto_filter.ref, "rows": rows})
print(json.dumps(out, default=str))
"#;

/// A workbook as openpyxl reads it.
struct Book(Value);

impl Book {
    fn read(bytes: &[u8], name: &str) -> Book {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xlsx");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = common::python::run_python(READ, &[&p.display().to_string()]);
        Book(serde_json::from_str(&out).unwrap())
    }

    fn sheet(&self, i: usize) -> Sheet<'_> {
        Sheet(&self.0["sheets"][i])
    }

    fn sheet_names(&self) -> Vec<&str> {
        self.0["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect()
    }
}

struct Sheet<'a>(&'a Value);

impl Sheet<'_> {
    fn rows(&self) -> &Vec<Value> {
        self.0["rows"].as_array().unwrap()
    }

    fn header(&self) -> Vec<&str> {
        self.rows()[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["v"].as_str().unwrap())
            .collect()
    }

    fn col(&self, header_part: &str) -> usize {
        self.header()
            .iter()
            .position(|h| h.contains(header_part))
            .unwrap_or_else(|| panic!("no column {header_part} in {:?}", self.header()))
    }

    /// Cell (row, col), row 0 being the header.
    fn cell(&self, row: usize, col: usize) -> &Value {
        &self.rows()[row][col]
    }

    /// The data rows' values of a column (between header and totals row).
    fn data(&self, col: usize, n: usize) -> Vec<&Value> {
        (1..=n).map(|r| &self.cell(r, col)["v"]).collect()
    }

    fn texts(&self, col: usize, n: usize) -> Vec<&str> {
        self.data(col, n)
            .into_iter()
            .map(|v| v.as_str().unwrap_or(""))
            .collect()
    }

    /// Checks the frame (frozen header, filter over header and `n` rows) and that column
    /// `col`'s total, in row n + 1, is `=SUM(<col>2:<col>n+1)` with the rows' sum cached.
    fn assert_sum_total(&self, col: usize, n: usize) -> f64 {
        assert_eq!(self.0["freeze"], "A2", "{}", self.0["name"]);
        let letter = (b'A' + u8::try_from(col).unwrap()) as char;
        let total = self.cell(n + 1, col);
        assert_eq!(total["t"], "f", "{total}");
        assert_eq!(
            total["v"],
            format!("=SUM({letter}2:{letter}{})", n + 1),
            "{}",
            self.0["name"]
        );
        let sum: f64 = self
            .data(col, n)
            .iter()
            .map(|v| v.as_f64().unwrap_or(0.0))
            .sum();
        let cached = total["c"].as_f64().unwrap();
        assert!(
            (cached - sum).abs() <= 1e-9 * sum.abs().max(1.0),
            "{}: cached {cached} vs rows {sum}",
            self.0["name"]
        );
        cached
    }

    fn assert_filter(&self, n: usize, cols: usize) {
        let last = (b'A' + u8::try_from(cols - 1).unwrap()) as char;
        assert_eq!(self.0["filter"], format!("A1:{last}{}", n + 1));
    }
}

#[test]
fn canal_length_by_status_and_by_village() {
    let data = small();
    let r = canal_length(&data, Grouping::Status).unwrap();
    let book = Book::read(
        &xlsx::write(&reports::canal_length(&r)).unwrap(),
        "len.xlsx",
    );
    let s = book.sheet(0);
    // c1 completed, c2 planned: two rows, in workflow order.
    assert_eq!(s.rows().len(), 4, "header, 2 rows, total");
    assert_eq!(
        s.texts(0, 2),
        [
            "Đã hoàn thành (completed)",
            "Đã phê duyệt, chưa thi công (planned)"
        ]
    );
    let len = s.col("length_m");
    let lengths: Vec<f64> = s.data(len, 2).iter().map(|v| v.as_f64().unwrap()).collect();
    assert!((lengths[0] - C1_LENGTH_M).abs() < 0.006, "{lengths:?}");
    assert!((lengths[1] - C2_LENGTH_M).abs() < 0.006, "{lengths:?}");
    let total = s.assert_sum_total(len, 2);
    assert!((total - C1_LENGTH_M - C2_LENGTH_M).abs() < 0.01);
    assert!(s.cell(1, len)["f"].as_str().unwrap().contains("#,##0.00"));
    assert_eq!(s.assert_sum_total(s.col("canals"), 2), 2.0);
    s.assert_filter(2, 3);
    assert_eq!(s.cell(3, 0)["v"], "TỔNG CỘNG (TOTAL)");

    // By status and village: c1 half in each village, c2 all in Thôn A.
    let r = canal_length(&data, Grouping::StatusVillage).unwrap();
    let book = Book::read(
        &xlsx::write(&reports::canal_length(&r)).unwrap(),
        "len2.xlsx",
    );
    let s = book.sheet(0);
    assert_eq!(s.texts(1, 3), ["Thôn A", "Thôn B", "Thôn A"]);
    let total = s.assert_sum_total(s.col("length_m"), 3);
    assert!((total - C1_LENGTH_M - C2_LENGTH_M).abs() < 0.01);
}

#[test]
fn water_connection_has_the_commune_as_totals() {
    let data = small();
    let r = water_connection(&data, "Xã Thử");
    let book = Book::read(
        &xlsx::write(&reports::water_connection(&r)).unwrap(),
        "water.xlsx",
    );
    let s = book.sheet(0);
    // Thôn A: h1-h4 in dwellings d1 (registered), d2, d3 (connected); Thôn B: h5, h6 in
    // d4, d5, none registered. Targets 35 %: A needs ceil(1.05) = 2 (has 2), B ceil(0.7)
    // = 1, the commune ceil(1.75) = 2 of 5 (has 2).
    assert_eq!(s.rows().len(), 4);
    assert_eq!(s.texts(0, 2), ["Thôn A", "Thôn B"]);
    let want = [
        ("households", [4.0, 2.0], 6.0),
        ("(dwellings)", [3.0, 2.0], 5.0),
        ("registered", [2.0, 0.0], 2.0),
        ("connected", [1.0, 0.0], 1.0),
    ];
    for (col, rows, total) in want {
        let c = s.col(col);
        let got: Vec<f64> = s.data(c, 2).iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(got, rows, "{col}");
        assert_eq!(s.assert_sum_total(c, 2), total, "{col}");
    }
    let rate = s.col("(rate)");
    assert_eq!(s.cell(1, rate)["f"], "0.0%");
    let t = s.cell(3, rate);
    assert_eq!(t["v"], "=IF(C4=0,0,D4/C4)");
    assert!((t["c"].as_f64().unwrap() - 0.4).abs() < 1e-12, "{t}");
    let to_target = s.col("dwellings_to_target");
    assert_eq!(s.data(to_target, 2), [&json!(0), &json!(1)]);
    let t = s.cell(3, to_target);
    assert!(
        t["v"].as_str().unwrap().starts_with("=MAX(0,ROUNDUP("),
        "{t}"
    );
    assert_eq!(t["c"].as_f64().unwrap(), 0.0);
    assert!(s.cell(3, 0)["v"].as_str().unwrap().contains("Xã Thử"));
}

#[test]
fn contributions_sum_land_labour_and_money() {
    let data = small();
    let r = contributions(&data, None, None, 6.0).unwrap();
    let book = Book::read(
        &xlsx::write(&reports::contributions(&r)).unwrap(),
        "contrib.xlsx",
    );
    let s = book.sheet(0);
    // h1 gave land, h4 labour and money, h5 labour (tests/fixtures/small/households).
    let n = 3;
    assert_eq!(s.rows().len(), n + 2);
    let mut heads = s.texts(1, n);
    heads.sort_unstable();
    assert_eq!(heads, ["Lê Thị Dung", "Nguyễn Văn An", "Phạm Văn Em"]);
    for (col, total) in [
        ("land_pledged_m2", 30.0),
        ("land_donated_m2", 30.0),
        ("labour_pledged_days", 4.0),
        ("labour_done_days", 5.0),
        ("money_pledged_vnd", 500_000.0),
        ("money_paid_vnd", 300_000.0),
    ] {
        assert_eq!(s.assert_sum_total(s.col(col), n), total, "{col}");
    }
    let money = s.cell(1, s.col("money_paid_vnd"))["f"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(money.starts_with("#,##0") && money.contains('₫'), "{money}");
    // Not agreed: h3 (Trần Văn Cường), parcel p1 which c2 needs.
    let p = book.sheet(1);
    assert_eq!(p.rows().len(), 3);
    assert_eq!(p.cell(1, 1)["v"], "Trần Văn Cường");
    let taken = p.assert_sum_total(p.col("taken_area_m2"), 1);
    assert!((taken - P1_TAKEN_M2).abs() < 0.006, "{taken}");
}

#[test]
fn monthly_progress_sums_flows_not_states() {
    // Two months written by hand: the sums are counted here, not by drainplan.
    let mut nov = Month {
        month: "2026-11".into(),
        edits: 3,
        canal_completed_m: 120.5,
        canal_started_m: 0.0,
        water_registered_dwellings: 700,
        dwellings: 1686,
        water_rate: 700.0 / 1686.0,
        ..Default::default()
    };
    nov.parcels_to_status.insert(ClearanceStatus::Donated, 2);
    nov.contributions_added.money_paid_vnd = 1_500_000.0;
    let mut dec = Month {
        month: "2026-12".into(),
        edits: 4,
        canal_completed_m: 79.5,
        canal_started_m: 250.0,
        water_registered_dwellings: 705,
        dwellings: 1686,
        water_rate: 705.0 / 1686.0,
        ..Default::default()
    };
    dec.parcels_to_status.insert(ClearanceStatus::Donated, 1);
    dec.contributions_added.money_paid_vnd = -200_000.0;
    let r = ProgressReport {
        month_basis: MonthBasis::current(),
        water_rate_at_start: 0.4,
        months: vec![nov, dec],
    };
    let book = Book::read(
        &xlsx::write(&reports::monthly_progress(&r)).unwrap(),
        "progress.xlsx",
    );
    let s = book.sheet(0);
    assert_eq!(s.texts(0, 2), ["2026-11", "2026-12"]);
    assert_eq!(s.assert_sum_total(s.col("(edits)"), 2), 7.0);
    assert_eq!(s.assert_sum_total(s.col("canal_completed_m"), 2), 200.0);
    assert_eq!(s.assert_sum_total(s.col("(donated)"), 2), 3.0);
    assert_eq!(s.assert_sum_total(s.col("money_paid_vnd"), 2), 1_300_000.0);
    // A correction is a negative number, not text.
    assert_eq!(s.cell(2, s.col("money_paid_vnd"))["t"], "n");
    // States at the month's end have no total.
    let w = s.col("water_registered_dwellings");
    assert_eq!(s.cell(3, w)["v"], Value::Null);
    assert_eq!(book.sheet_names().len(), 2, "the sheet and the notes");
}

fn c2_impact(data: &Dataset) -> (geo::LineString, RouteImpact) {
    let Some(Geometry::LineString(line)) = data.canals.get("c2").map(|f| f.geometry.clone()) else {
        panic!("c2 is a line in the fixture")
    };
    let impact = route_impact_with_strips(data, &line, 6.0).unwrap();
    (line, impact)
}

fn check_land_taken(by_parcel: &Sheet, by_owner: &Sheet) {
    // By parcel: 5/12 (p1, h3) and 5/13 (p2, h1), sorted by sheet and number.
    assert_eq!(by_parcel.rows().len(), 4);
    assert_eq!(by_parcel.texts(2, 2), ["p1", "p2"]);
    assert_eq!(
        by_parcel.texts(by_parcel.col("Chủ hộ"), 2),
        ["Trần Văn Cường", "Nguyễn Văn An"]
    );
    let taken = by_parcel.col("thu hồi m2");
    let rows: Vec<f64> = by_parcel
        .data(taken, 2)
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!((rows[0] - P1_TAKEN_M2).abs() < 0.006 && (rows[1] - P2_TAKEN_M2).abs() < 0.006);
    let total = by_parcel.assert_sum_total(taken, 2);
    assert!((total - P1_TAKEN_M2 - P2_TAKEN_M2).abs() < 0.01);
    assert!(
        by_parcel.cell(1, taken)["f"]
            .as_str()
            .unwrap()
            .contains("m²")
    );
    by_parcel.assert_filter(2, 13);
    // By owner: h1 and h3, the same total.
    assert_eq!(by_owner.texts(0, 2), ["h1", "h3"]);
    assert_eq!(by_owner.texts(1, 2), ["Nguyễn Văn An", "Trần Văn Cường"]);
    let owner_total = by_owner.assert_sum_total(by_owner.col("thu hồi m2"), 2);
    assert!((owner_total - total).abs() < 1e-9);
}

#[test]
fn route_impact_xlsx_has_land_taken_per_parcel_and_per_owner() {
    let data = small();
    let (_, impact) = c2_impact(&data);
    let out = export::impact_output(&impact, Format::Xlsx, Crs::Tm3NgheAn).unwrap();
    assert_eq!(out.file_name, "land_taken.xlsx");
    let book = Book::read(&out.bytes, "impact.xlsx");
    check_land_taken(&book.sheet(0), &book.sheet(1));
}

#[test]
fn the_dossier_holds_each_table_as_xlsx_beside_its_csv() {
    let data = small();
    let (line, impact) = c2_impact(&data);
    let out = export::dossier::dossier(&data, "c2", &line, &impact).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(out.bytes)).unwrap();
    let mut file = |name: &str| {
        let mut b = Vec::new();
        z.by_name(name)
            .unwrap_or_else(|_| panic!("no {name} in the dossier"))
            .read_to_end(&mut b)
            .unwrap();
        b
    };
    for stem in [
        "alignment_EPSG9208",
        "land_taken_by_parcel",
        "land_taken_by_owner",
    ] {
        file(&format!("{stem}.csv"));
    }
    let by_parcel = Book::read(&file("land_taken_by_parcel.xlsx"), "d_parcel.xlsx");
    let by_owner = Book::read(&file("land_taken_by_owner.xlsx"), "d_owner.xlsx");
    check_land_taken(&by_parcel.sheet(0), &by_owner.sheet(0));
    // The alignment: two vertices, Km0+000.00 to the geodesic length of c2.
    let align = Book::read(&file("alignment_EPSG9208.xlsx"), "d_align.xlsx");
    let s = align.sheet(0);
    assert_eq!(s.rows().len(), 3, "header and two vertices, no totals");
    assert_eq!(s.texts(1, 2), ["Km0+000.00", "Km0+105.15"]);
    assert_eq!(s.cell(1, 3)["f"], "0.000");
    let e = s.cell(1, 3)["v"].as_f64().unwrap();
    assert!((599_000.0..601_000.0).contains(&e), "{e}");
}

#[test]
fn a_layer_as_xlsx_has_its_attributes() {
    let data = small();
    let t = export::layer_table(&data, LayerKind::Households, &Selection::default());
    let out = export::export(&t, Format::Xlsx, Crs::Tm3NgheAn).unwrap();
    assert_eq!(out.file_name, "households_EPSG9208.xlsx");
    let book = Book::read(&out.bytes, "households.xlsx");
    let s = book.sheet(0);
    assert_eq!(s.texts(0, 6), ["h1", "h2", "h3", "h4", "h5", "h6"]);
    assert_eq!(
        s.texts(s.col("(head)"), 6),
        [
            "Nguyễn Văn An",
            "Nguyễn Thị Bình",
            "Trần Văn Cường",
            "Lê Thị Dung",
            "Phạm Văn Em",
            "Hoàng Thị Gấm"
        ]
    );
    // Land 30 (h1), labour done 2 + 3 (h4, h5), money pledged 500 000 (h4).
    assert_eq!(s.assert_sum_total(s.col("(land_donated_m2)"), 6), 30.0);
    assert_eq!(s.assert_sum_total(s.col("(labour_done_days)"), 6), 5.0);
    assert_eq!(
        s.assert_sum_total(s.col("(money_pledged_vnd)"), 6),
        500_000.0
    );
    let e = s.cell(1, s.col("E (m)"))["v"].as_f64().unwrap();
    assert!((599_000.0..601_000.0).contains(&e), "{e}");
    s.assert_filter(6, s.header().len());
}

#[test]
fn formula_like_text_is_a_string_cell() {
    let evil = "=HYPERLINK(\"http://x\",\"click\")";
    let data = small();
    let mut t = export::layer_table(&data, LayerKind::Households, &Selection::default());
    t.rows[2]
        .properties
        .insert("head".into(), Value::String(evil.into()));
    t.rows[3]
        .properties
        .insert("head".into(), Value::String("-2+3".into()));
    let out = export::export(&t, Format::Xlsx, Crs::Wgs84).unwrap();
    let book = Book::read(&out.bytes, "evil.xlsx");
    let s = book.sheet(0);
    let head = s.col("(head)");
    for (row, text) in [(3, evil), (4, "-2+3")] {
        let c = s.cell(row, head);
        assert_eq!(c["t"], "s", "{c}");
        assert_eq!(c["v"], text, "{c}");
        assert_eq!(c["q"], true, "quote prefix: {c}");
    }
    assert_eq!(s.cell(1, head)["q"], false);
    // No formula anywhere but in the totals row.
    for (r, row) in s.rows().iter().enumerate() {
        for c in row.as_array().unwrap() {
            assert!(c["t"] != "f" || r == 7, "row {r}: {c}");
        }
    }
}
