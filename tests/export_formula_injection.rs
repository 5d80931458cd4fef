//! Text a spreadsheet would run as a formula never reaches a CSV as one (OWASP "CSV
//! Injection"): on a copy of tests/fixtures/small whose household h3 (owner of p1, on the
//! planned canal c2) is named `=HYPERLINK("http://x","click")`, every CSV drainplan writes
//! (a layer export, the route-impact export and the dossier's tables) holds that name with
//! a leading `'`, and numbers, negative ones included, stay numbers; every workbook (the
//! route impact's, the dossier's, a layer's) holds it as a string cell with Excel's quote
//! prefix, never as a formula. The files are read back with Python's `csv` module and
//! openpyxl, not with drainplan's code.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use drainplan::analysis::route_impact::route_impact_with_strips;
use drainplan::crs::Crs;
use drainplan::export::{self, Format};
use drainplan::model::LayerKind;
use drainplan::store::Dataset;
use drainplan::store::query::Selection;
use geo::Geometry;
use serde_json::Value;

pub const EVIL: &str = "=HYPERLINK(\"http://x\",\"click\")";

/// tests/fixtures/small with h3's head set to [`EVIL`] and the village vil-a named
/// `@Thôn A`, written under the test target directory.
fn evil_data(test: &str) -> Dataset {
    // One directory per test: the tests run at once.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("formula_injection_{test}"));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir("tests/fixtures/small").unwrap() {
        let p = entry.unwrap().path();
        let mut fc: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        for f in fc["features"].as_array_mut().unwrap() {
            match f["id"].as_str().unwrap() {
                "h3" => f["properties"]["head"] = EVIL.into(),
                "vil-a" => f["properties"]["name"] = "@Thôn A".into(),
                _ => {}
            }
        }
        std::fs::write(dir.join(p.file_name().unwrap()), fc.to_string()).unwrap();
    }
    Dataset::load(&dir).expect("the copied fixture loads")
}

/// The CSV's cells as Python's csv module reads them (BOM removed by `utf-8-sig`).
fn read_csv(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let path: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("injection_{name}"));
    std::fs::write(&path, bytes).unwrap();
    let out = common::python::run_python(
        "import csv, json, sys\n\
         with open(sys.argv[1], encoding='utf-8-sig', newline='') as f:\n\
         \x20   print(json.dumps(list(csv.reader(f))))",
        &[&path.display().to_string()],
    );
    serde_json::from_str(&out).unwrap()
}

fn column<'a>(rows: &'a [Vec<String>], header: &str) -> Vec<&'a str> {
    let i = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].as_str()).collect()
}

fn quoted(s: &str) -> String {
    format!("'{s}")
}

#[test]
fn a_layer_csv_quotes_out_formulas_and_keeps_numbers() {
    let data = evil_data("layer");
    let t = export::layer_table(&data, LayerKind::Households, &Selection::default());
    let out = export::export(&t, Format::Csv, Crs::Wgs84).unwrap();
    assert!(out.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for Excel");
    let rows = read_csv(&out.bytes, "households.csv");
    let heads = column(&rows, "head");
    assert!(heads.contains(&quoted(EVIL).as_str()), "{heads:?}");
    assert!(heads.contains(&"Nguyễn Văn An"), "{heads:?}");
    assert!(heads.iter().all(|h| !h.starts_with('=')), "{heads:?}");

    let t = export::layer_table(&data, LayerKind::Villages, &Selection::default());
    let out = export::export(&t, Format::Csv, Crs::Tm3NgheAn).unwrap();
    let rows = read_csv(&out.bytes, "villages.csv");
    assert!(column(&rows, "name").contains(&"'@Thôn A"), "{rows:?}");

    // A negative number (no layer property may be one, so it is put in the table here).
    let mut t = export::layer_table(&data, LayerKind::Canals, &Selection::default());
    t.rows[1]
        .properties
        .insert("offset_m".into(), (-1.5).into());
    let out = export::export(&t, Format::Csv, Crs::Wgs84).unwrap();
    let rows = read_csv(&out.bytes, "canals.csv");
    assert!(column(&rows, "offset_m").contains(&"-1.5"), "{rows:?}");
}

fn c2_impact(
    data: &Dataset,
) -> (
    geo::LineString,
    drainplan::analysis::route_impact::RouteImpact,
) {
    let Some(Geometry::LineString(line)) = data.canals.get("c2").map(|f| f.geometry.clone()) else {
        panic!("c2 is a line in the fixture")
    };
    let impact = route_impact_with_strips(data, &line, 6.0).unwrap();
    (line, impact)
}

#[test]
fn the_route_impact_csv_quotes_out_an_owner_name() {
    let data = evil_data("impact");
    let (_, impact) = c2_impact(&data);
    let out = export::impact_output(&impact, Format::Csv, Crs::Tm3NgheAn).unwrap();
    assert!(out.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for Excel");
    let rows = read_csv(&out.bytes, "impact.csv");
    // p1 (owner h3) and p2 (owner h1), counted by hand from the fixture.
    assert_eq!(rows.len(), 3, "{rows:?}");
    let owners = column(&rows, "owner_name");
    assert!(owners.contains(&quoted(EVIL).as_str()), "{owners:?}");
    assert!(owners.contains(&"Nguyễn Văn An"), "{owners:?}");
}

pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().to_owned(), b)
        })
        .collect()
}

#[test]
fn the_dossier_tables_quote_out_an_owner_name() {
    let data = evil_data("dossier");
    let (line, impact) = c2_impact(&data);
    let out = export::dossier::dossier(&data, "c2", &line, &impact).unwrap();
    let files = unzip(&out.bytes);
    let mut seen = 0;
    for (name, bytes) in &files {
        if !name.ends_with(".csv") {
            continue;
        }
        seen += 1;
        assert!(
            bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
            "{name}: BOM for Excel"
        );
        let rows = read_csv(bytes, name);
        for cell in rows.iter().flatten() {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r'])
                    && (!cell.starts_with('-') || cell.parse::<f64>().is_ok()),
                "{name}: {cell:?}"
            );
        }
        if name.starts_with("land_taken") {
            let flat: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
            assert!(flat.contains(&quoted(EVIL).as_str()), "{name}: {rows:?}");
            assert!(flat.contains(&"Nguyễn Văn An"), "{name}: {rows:?}");
        }
    }
    assert_eq!(seen, 3, "alignment, land taken by parcel and by owner");
}

/// Every cell of every sheet of a workbook whose value is `text`, as openpyxl reads it:
/// (data type, quote prefix).
fn xlsx_cells_equal(bytes: &[u8], name: &str, text: &str) -> Vec<(String, bool)> {
    let path: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("injection_{name}"));
    std::fs::write(&path, bytes).unwrap();
    let out = common::python::run_python(
        "import json, sys, openpyxl\n\
         wb = openpyxl.load_workbook(sys.argv[1])\n\
         print(json.dumps([[c.data_type, bool(c.quotePrefix)] for ws in wb.worksheets\n\
         \x20   for row in ws.iter_rows() for c in row if c.value == sys.argv[2]]))",
        &[&path.display().to_string(), text],
    );
    serde_json::from_str(&out).unwrap()
}

#[test]
fn the_workbooks_hold_an_owner_name_as_text() {
    let data = evil_data("xlsx");
    let (line, impact) = c2_impact(&data);
    // The route-impact workbook: the owner per parcel and per owner.
    let out = export::impact_output(&impact, Format::Xlsx, Crs::Tm3NgheAn).unwrap();
    let cells = xlsx_cells_equal(&out.bytes, "impact.xlsx", EVIL);
    assert_eq!(cells, [("s".to_owned(), true), ("s".to_owned(), true)]);
    // The dossier's workbooks.
    let out = export::dossier::dossier(&data, "c2", &line, &impact).unwrap();
    for (name, bytes) in unzip(&out.bytes) {
        if name.starts_with("land_taken") && name.ends_with(".xlsx") {
            let cells = xlsx_cells_equal(&bytes, &name, EVIL);
            assert_eq!(cells, [("s".to_owned(), true)], "{name}");
        }
    }
    // A layer's workbook: the households' heads.
    let t = export::layer_table(&data, LayerKind::Households, &Selection::default());
    let out = export::export(&t, Format::Xlsx, Crs::Wgs84).unwrap();
    let cells = xlsx_cells_equal(&out.bytes, "households.xlsx", EVIL);
    assert_eq!(cells, [("s".to_owned(), true)]);
}
