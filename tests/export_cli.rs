//! `drainplan export` and `drainplan dossier` on tests/fixtures/small (see tests/api.rs),
//! files read back with GDAL's `ogrinfo` (Debian gdal-bin).

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

const DATA: [&str; 2] = ["--data", "tests/fixtures/small"];

fn drainplan(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export_cli_tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ogrinfo_summary(path: &str) -> String {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-so", path])
        .output()
        .unwrap_or_else(|e| panic!("ogrinfo is needed ({e}): apt-get install gdal-bin"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn export_a_filtered_layer_as_dxf_in_vn2000() {
    let out = out_dir().join("awaiting.dxf");
    let (ok, stdout, stderr) = drainplan(&[
        "export",
        "--layer",
        "parcels",
        "--format",
        "dxf",
        "--crs",
        "EPSG:9208",
        "--where",
        "clearance_status=awaiting",
        "--out",
        out.to_str().unwrap(),
        DATA[0],
        DATA[1],
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("VN-2000 / TM-3 104-45"), "{stdout}");
    let s = ogrinfo_summary(out.to_str().unwrap());
    assert!(s.contains("Feature Count: 2"), "p1 and its label:\n{s}");
}

#[test]
fn export_a_canal_impact_as_shapefile_and_a_bbox_as_gpkg() {
    let out = out_dir().join("c2.zip");
    let (ok, _, stderr) = drainplan(&[
        "export",
        "--canal",
        "c2",
        "--format",
        "shp",
        "--crs",
        "EPSG:3405",
        "--width",
        "6",
        "--out",
        out.to_str().unwrap(),
        DATA[0],
        DATA[1],
    ]);
    assert!(ok, "{stderr}");
    let s = ogrinfo_summary(&format!("/vsizip/{}", out.display()));
    assert!(
        s.contains("Feature Count: 2") && s.contains("UTM zone 48N"),
        "{s}"
    );

    let out = out_dir().join("households.gpkg");
    let (ok, _, stderr) = drainplan(&[
        "export",
        "--layer",
        "households",
        "--format",
        "gpkg",
        "--bbox",
        "105.7000,19.2200,105.7030,19.2220",
        "--out",
        out.to_str().unwrap(),
        DATA[0],
        DATA[1],
    ]);
    assert!(ok, "{stderr}");
    assert!(ogrinfo_summary(out.to_str().unwrap()).contains("WGS 84"));
}

#[test]
fn dossier_of_the_planned_canal() {
    let out = out_dir().join("dossier.zip");
    let (ok, stdout, stderr) = drainplan(&[
        "dossier",
        "--canal",
        "c2",
        "--width",
        "6",
        "--out",
        out.to_str().unwrap(),
        DATA[0],
        DATA[1],
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("dossier.zip"), "{stdout}");
    let s = ogrinfo_summary(&format!(
        "/vsizip/{}/parcels_affected_EPSG9208.shp",
        out.display()
    ));
    assert!(
        s.contains("Feature Count: 2") && s.contains("VN-2000"),
        "{s}"
    );
}

#[test]
fn export_mistakes_are_explained() {
    let cases: [(&[&str], &str); 5] = [
        (&["export", "--layer", "roads"], "--layer roads: use one of"),
        (
            &["export", "--layer", "parcels", "--format", "pdf"],
            "geojson, csv, kml, shp, gpkg, dxf",
        ),
        (
            &["export", "--layer", "parcels", "--crs", "EPSG:3857"],
            "EPSG:9208",
        ),
        (
            &[
                "export",
                "--layer",
                "parcels",
                "--where",
                "clearance_status=cleared",
            ],
            "nothing to export",
        ),
        (
            &["export", "--canal", "c2", "--where", "a=b"],
            "--bbox and --where select features of a --layer",
        ),
    ];
    for (args, want) in cases {
        let mut all = args.to_vec();
        all.extend(DATA);
        all.extend(["--out", "/dev/null"]);
        let (ok, _, stderr) = drainplan(&all);
        assert!(!ok, "{args:?} should fail");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
}

mod common;

/// The first sheet of a workbook as openpyxl reads it: rows of cell values (formulas as
/// written).
fn xlsx_rows(path: &Path) -> Vec<Vec<serde_json::Value>> {
    let out = common::python::run_python(
        "import json, sys, openpyxl\n\
         ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]\n\
         print(json.dumps([list(r) for r in ws.iter_rows(values_only=True)], default=str))",
        &[path.to_str().unwrap()],
    );
    serde_json::from_str(&out).unwrap()
}

#[test]
fn reports_and_exports_write_workbooks() {
    // drainplan report water-connection --format xlsx --out F
    let out = out_dir().join("water.xlsx");
    let (ok, stdout, stderr) = drainplan(&[
        "report",
        "water-connection",
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
        DATA[0],
        DATA[1],
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("wrote "), "{stdout}");
    let rows = xlsx_rows(&out);
    // Thôn A and Thôn B, then the commune (tests/fixtures/small/villages.geojson).
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[1][0], "Thôn A");
    assert_eq!(rows[3][1], "=SUM(B2:B3)");

    // Contributions, as a viewer would see them: names (the CLI reads the files).
    let out = out_dir().join("contributions.xlsx");
    let (ok, _, stderr) = drainplan(&[
        "report",
        "contributions",
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
        DATA[0],
        DATA[1],
    ]);
    assert!(ok, "{stderr}");
    let rows = xlsx_rows(&out);
    assert!(
        rows.iter().any(|r| r[1] == "Lê Thị Dung"),
        "h4 gave labour and money: {rows:?}"
    );

    // --out only for a workbook.
    let (ok, _, stderr) = drainplan(&[
        "report",
        "canal-length",
        "--format",
        "json",
        "--out",
        "x.json",
        DATA[0],
        DATA[1],
    ]);
    assert!(
        !ok && stderr.contains("--out is for --format xlsx"),
        "{stderr}"
    );

    // drainplan export --canal c2 --format xlsx: the land taken per parcel and per owner.
    let out = out_dir().join("c2_land_taken.xlsx");
    let (ok, _, stderr) = drainplan(&[
        "export",
        "--canal",
        "c2",
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
        DATA[0],
        DATA[1],
    ]);
    assert!(ok, "{stderr}");
    let rows = xlsx_rows(&out);
    assert_eq!(rows.len(), 4, "p1, p2 and the totals: {rows:?}");
    assert_eq!(rows[3][8], "=SUM(I2:I3)");
}
