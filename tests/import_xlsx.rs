//! Household lists from Excel: workbooks written by openpyxl (an independent .xlsx
//! writer, in the tests' Python environment) and drainplan's own households export, read
//! back by `drainplan import`. A bad row of each kind is refused with its row number as
//! Excel shows it and nothing is written; `--skip-bad-rows` writes the others; the
//! export comes back in with nothing changed; cells edited in it change exactly those
//! fields.
//!
//! Expected values are read from the sample data's households.geojson here (serde_json)
//! or written into the workbooks by the test; none come from the importer.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::data_copy;
use common::python::run_python;
use drainplan::ingest::{ImportOptions, ImportReport, import};
use drainplan::model::LayerKind;
use serde_json::{Value, json};

/// Writes a workbook with openpyxl: `rows` is a JSON list of rows (null for a blank
/// cell; {"date": "YYYY-MM-DD"} for a date cell).
const WRITE: &str = r#"
import datetime, json, sys
import openpyxl
path, rows = sys.argv[1], json.loads(sys.argv[2])
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Danh sách hộ"
for r in rows:
    cells = []
    for v in r:
        if isinstance(v, dict) and "date" in v:
            v = datetime.datetime.strptime(v["date"], "%Y-%m-%d")
        cells.append(v)
    ws.append(cells)
for row in ws.iter_rows():
    for c in row:
        if isinstance(c.value, datetime.datetime):
            c.number_format = "dd/mm/yyyy"
wb.save(path)
"#;

fn workbook(dir: &Path, name: &str, rows: &Value) -> PathBuf {
    let path = dir.join(name);
    run_python(
        WRITE,
        &[
            &path.display().to_string(),
            &serde_json::to_string(rows).unwrap(),
        ],
    );
    path
}

fn households(data: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data.join("households.geojson")).unwrap())
        .unwrap()
}

fn feature<'a>(fc: &'a Value, id: &str) -> &'a Value {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn refused(report: &ImportReport) -> Vec<(u32, Option<String>)> {
    report
        .refused
        .iter()
        .map(|r| (r.row, r.column.clone()))
        .collect()
}

/// A household of Đại Đồng from the sample data: (its dwelling, that dwelling's point).
fn dai_dong_dwelling(fc: &Value) -> (String, Value) {
    let f = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["village_id"] == "vil-dd")
        .unwrap();
    (
        f["properties"]["dwelling_id"].as_str().unwrap().to_owned(),
        f["geometry"]["coordinates"].clone(),
    )
}

#[test]
fn a_bad_row_of_each_kind_is_refused_by_its_row_and_nothing_is_written() {
    let dir = data_copy("data", "bad_rows");
    let data = dir.join("data");
    let before = std::fs::read(data.join("households.geojson")).unwrap();
    let fc = households(&data);
    let (dwelling, point) = dai_dong_dwelling(&fc);
    // Header on row 1, so the first household is row 2 (as Excel numbers them).
    let rows = json!([
        ["STT", "Mã hộ", "Chủ hộ", "Số khẩu", "Thôn", "Mã nhà ở", "Nước máy",
         "Ngày đăng ký nước", "Ngày công đã làm", "Tiền đã nộp (đồng)"],
        [1, null, "Nguyễn Văn Mới", 4, "thôn đại đồng", dwelling, "Đã đăng ký",
         {"date": "2026-06-15"}, 2.5, "1.500.000"],
        [2, null, "Trần Thị Bốn", "bốn", "Đại Đồng", dwelling, null, null, null, null],
        [3, null, "Lê Văn Xa", 3, "Xuân Hòa", dwelling, null, null, null, null],
        [4, null, "Phạm Văn Nhà", 2, "Đại Đồng", "dw-99999", null, null, null, null],
        [5, null, "Hồ Thị Khác", 5, "ĐẠI ĐỒNG", dwelling, "registered", null, 1, 200000],
        [6, "hh-99999", "Võ Văn Cũ", 2, "Đại Đồng", dwelling, null, null, null, null],
        [7, null, "Đỗ Văn Âm", -3, "Đại Đồng", dwelling, null, null, null, null],
    ]);
    let from = workbook(&dir, "ho_dan.xlsx", &rows);

    let want = vec![
        (3, Some("Số khẩu".to_owned())),
        (4, Some("Thôn".to_owned())),
        (5, Some("Mã nhà ở".to_owned())),
        (7, Some("Mã hộ".to_owned())),
        (8, Some("Số khẩu".to_owned())),
    ];
    for dry_run in [true, false] {
        let options = ImportOptions {
            dry_run,
            ..ImportOptions::new(LayerKind::Households)
        };
        let report = import(&data, &from, &options).unwrap();
        assert_eq!(refused(&report), want, "{}", report.to_text());
        assert!(report.written.is_none());
        let text = report.to_text();
        for line in [
            "row 3, Số khẩu: `bốn` is not a number",
            "row 4, Thôn: `Xuân Hòa` matches no village",
            "row 5, Mã nhà ở: dwelling `dw-99999` does not exist",
            "row 7, Mã hộ: household `hh-99999` does not exist",
            "row 8, Số khẩu: must be from 1 to 100, found -3",
            "nothing written: 5 rows refused",
        ] {
            assert!(text.contains(line), "missing `{line}` in\n{text}");
        }
        assert_eq!(
            std::fs::read(data.join("households.geojson")).unwrap(),
            before,
            "nothing half-written"
        );
    }

    // The shell says the same and fails.
    let out = Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args(["import", "--layer", "households", "--from"])
        .arg(&from)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("row 3, Số khẩu: `bốn` is not a number"),
        "{stdout}"
    );
    assert!(
        stderr.contains("5 rows of") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(data.join("households.geojson")).unwrap(),
        before
    );

    // Asked to, it writes the two good rows and only them.
    let options = ImportOptions {
        skip_bad_rows: true,
        ..ImportOptions::new(LayerKind::Households)
    };
    let report = import(&data, &from, &options).unwrap();
    assert_eq!(refused(&report), want);
    assert_eq!(
        report.imported,
        vec!["hh-01882", "hh-01883"],
        "{}",
        report.to_text()
    );
    assert!(report.written.is_some());
    let after = households(&data);
    assert_eq!(
        after["features"].as_array().unwrap().len(),
        fc["features"].as_array().unwrap().len() + 2
    );
    let a = feature(&after, "hh-01882");
    assert_eq!(
        a["properties"],
        json!({"head": "Nguyễn Văn Mới", "members": 4, "village_id": "vil-dd",
               "dwelling_id": dwelling, "water_status": "registered",
               "water_date": "2026-06-15", "labour_done_days": 2.5,
               "money_paid_vnd": 1_500_000})
    );
    assert_eq!(
        a["geometry"]["coordinates"], point,
        "placed at its dwelling"
    );
    let b = feature(&after, "hh-01883");
    assert_eq!(b["properties"]["head"], "Hồ Thị Khác");
    assert_eq!(b["properties"]["money_paid_vnd"], 200_000);
    assert_eq!(b["properties"]["water_status"], "registered");
    // The data directory still loads, with the new households in it.
    let ds = drainplan::store::Dataset::load(&data).unwrap();
    assert!(ds.layer(LayerKind::Households).get("hh-01883").is_some());
}

#[test]
fn vietnamese_headers_under_a_title_and_a_column_map() {
    let dir = data_copy("data", "vietnamese");
    let data = dir.join("data");
    let fc = households(&data);
    let old = feature(&fc, "hh-00002")["properties"].clone();
    // A title on row 1, a blank row 2, headers on row 3: hh-00002 on row 4. "SK" is not a
    // known header: --map members=SK says what it is.
    let rows = json!([
        ["DANH SÁCH HỘ GIA ĐÌNH ĐĂNG KÝ NƯỚC MÁY - THÔN QUYẾT TIẾN"],
        [],
        [
            "Mã hộ",
            "Họ và tên chủ hộ",
            "SK",
            "Thôn",
            "Nước máy",
            "Ngày đăng ký nước",
            "Ngày công đăng ký",
            "Ghi chú"
        ],
        [
            "hh-00002",
            old["head"],
            3,
            "Quyết Tiến",
            "đã đăng ký",
            "20/11/2026",
            "5",
            "gọi lại"
        ],
        ["Cộng", null, null, null, null, null, 5, null],
    ]);
    let from = workbook(&dir, "dang_ky_nuoc.xlsx", &rows);
    let options = ImportOptions {
        replace: true,
        map: vec![("members".into(), "SK".into())],
        ..ImportOptions::new(LayerKind::Households)
    };
    let report = import(&data, &from, &options).unwrap();
    let text = report.to_text();
    assert!(report.refused.is_empty(), "{text}");
    assert!(text.contains("headers on row 3"), "{text}");
    assert!(text.contains("left out row 5: a totals row"), "{text}");
    assert_eq!(report.replaced, vec!["hh-00002"]);
    let after = feature(&households(&data), "hh-00002")["properties"].clone();
    assert_eq!(after["members"], 3);
    assert_eq!(after["water_status"], "registered");
    assert_eq!(after["water_date"], "2026-11-20");
    assert_eq!(after["labour_pledged_days"], 5);
    assert_eq!(after["note"], "gọi lại");
    // What the sheet does not carry is as it was.
    for k in [
        "dwelling_id",
        "land_pledged_m2",
        "money_paid_vnd",
        "labour_done_days",
    ] {
        assert_eq!(after[k], old[k], "{k}");
    }

    // Without --replace an existing id is refused, not overwritten.
    let report = import(
        &data,
        &from,
        &ImportOptions {
            map: vec![("members".into(), "SK".into())],
            ..ImportOptions::new(LayerKind::Households)
        },
    )
    .unwrap();
    assert_eq!(refused(&report), vec![(4, Some("Mã hộ".to_owned()))]);
}

/// A replaced household as the test compares it: id, (field, from, to), geometry moved.
type Change = (String, Vec<(String, Value, Value)>, bool);

fn export_households(data: &Path, out: &Path, crs: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args([
            "export",
            "--layer",
            "households",
            "--format",
            "xlsx",
            "--crs",
            crs,
            "--out",
        ])
        .arg(out)
        .arg("--data")
        .arg(data)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn drainplans_own_export_comes_back_in_unchanged_and_edits_in_it_change_just_those() {
    let dir = data_copy("data", "roundtrip");
    let data = dir.join("data");
    let before = std::fs::read(data.join("households.geojson")).unwrap();
    let count = households(&data)["features"].as_array().unwrap().len();

    for crs in ["EPSG:4326", "EPSG:9208"] {
        let out = dir.join(format!("households_{}.xlsx", crs.replace(':', "")));
        export_households(&data, &out, crs);
        let options = ImportOptions {
            replace: true,
            ..ImportOptions::new(LayerKind::Households)
        };
        let report = import(&data, &out, &options).unwrap();
        let text = report.to_text();
        assert!(report.refused.is_empty(), "{crs}: {text}");
        assert_eq!(report.replaced.len(), count, "{crs}");
        assert!(
            report.changes.is_empty(),
            "{crs}: {:?}",
            report.changes.first()
        );
        assert!(report.kept_blank.is_empty(), "{crs}");
        assert!(
            report.imported.is_empty() && report.written.is_none(),
            "{crs}"
        );
        assert!(text.contains("a totals row"), "{crs}: {text}");
        assert_eq!(
            std::fs::read(data.join("households.geojson")).unwrap(),
            before
        );
    }

    // Two cells edited in the export with openpyxl: hh-00002's labour days done and
    // hh-00003's water status with its date (a date cell).
    let out = dir.join("households_EPSG4326.xlsx");
    let edited = dir.join("households_edited.xlsx");
    run_python(
        r#"
import datetime, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
head = [c.value for c in ws[1]]
col = lambda name: next(i for i, h in enumerate(head) if h and h.endswith("(" + name + ")"))
for row in ws.iter_rows(min_row=2):
    if row[0].value == "hh-00002":
        row[col("labour_done_days")].value = 3
    if row[0].value == "hh-00003":
        row[col("water_status")].value = "registered"
        row[col("water_date")].value = datetime.datetime(2026, 11, 20)
        row[col("water_date")].number_format = "dd/mm/yyyy"
wb.save(sys.argv[2])
"#,
        &[&out.display().to_string(), &edited.display().to_string()],
    );
    let options = ImportOptions {
        replace: true,
        ..ImportOptions::new(LayerKind::Households)
    };
    let report = import(&data, &edited, &options).unwrap();
    let changes: Vec<Change> = report
        .changes
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                c.fields
                    .iter()
                    .map(|f| (f.field.clone(), f.from.clone(), f.to.clone()))
                    .collect(),
                c.geometry,
            )
        })
        .collect();
    let original: Value = serde_json::from_slice(&before).unwrap();
    let was = |id: &str, k: &str| feature(&original, id)["properties"][k].clone();
    assert_eq!(
        changes,
        vec![
            (
                "hh-00002".to_owned(),
                vec![(
                    "labour_done_days".to_owned(),
                    was("hh-00002", "labour_done_days"),
                    json!(3)
                )],
                false
            ),
            (
                "hh-00003".to_owned(),
                vec![
                    (
                        "water_status".to_owned(),
                        json!("not_registered"),
                        json!("registered")
                    ),
                    ("water_date".to_owned(), Value::Null, json!("2026-11-20")),
                ],
                false
            ),
        ]
    );
    assert!(report.written.is_some());
    let after = std::fs::read_to_string(data.join("households.geojson")).unwrap();
    let before = String::from_utf8(before.clone()).unwrap();
    let differing: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        differing.len(),
        2,
        "only the two edited households' lines change"
    );
    assert_eq!(before.lines().count(), after.lines().count());
}
