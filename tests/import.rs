//! `drainplan import`: cadastral files made by an independent writer (GDAL's `ogr2ogr`,
//! Debian gdal-bin) from tests/fixtures/export/import_parcels.geojson, imported into a copy
//! of tests/fixtures/small. The parcels must land where the source put them (the same
//! lon/lat to 1.5e-8°, about 1.5 mm: layer files keep 8 decimals), and every refusal must
//! leave the data untouched.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::data_copy;
use drainplan::crs::Crs;
use drainplan::export::import::{ImportOptions, import};
use drainplan::export::{self, Format};
use drainplan::model::LayerKind;
use drainplan::store::Dataset;
use drainplan::store::query::Selection;

const SOURCE: &str = "tests/fixtures/export/import_parcels.geojson";
/// The first vertex of parcel 7/21 in the source.
const P7_21: (f64, f64) = (105.7020, 19.2212);

fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("ogr2ogr is needed ({e}): apt-get install gdal-bin"));
    assert!(
        out.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn options(map: &str) -> ImportOptions {
    ImportOptions {
        map: export::import::parse_pairs(map).unwrap(),
        ..ImportOptions::new(LayerKind::Parcels)
    }
}

const MAP: &str = "sheet=SOTO,number=SOTHUA,land_use=MDSD,id=MA";

fn first_vertex(data: &Path, id: &str) -> (f64, f64) {
    let ds = Dataset::load(data).unwrap();
    let f = ds
        .parcels
        .get(id)
        .unwrap_or_else(|| panic!("{id} not imported"));
    let c = geo::CoordsIter::coords_iter(&f.geometry).next().unwrap();
    (c.x, c.y)
}

fn assert_lands(got: (f64, f64), want: (f64, f64)) {
    assert!(
        (got.0 - want.0).abs() < 1.5e-8 && (got.1 - want.1).abs() < 1.5e-8,
        "landed at {got:?}, drawn at {want:?}"
    );
}

#[test]
fn a_vn2000_shapefile_from_gdal_imports_and_lands_where_drawn() {
    let dir = data_copy("tests/fixtures/small", "shp");
    let shp = dir.join("cadastre.shp");
    ogr2ogr(&[
        "-f",
        "ESRI Shapefile",
        "-t_srs",
        "EPSG:9208",
        shp.to_str().unwrap(),
        SOURCE,
    ]);
    let data = dir.join("data");
    let report = import(&data, &shp, &options(MAP)).unwrap();
    assert_eq!(report.crs, "EPSG:9208", "read from the .prj");
    assert_eq!(report.imported, vec!["p-7-0021", "p-7-0022"]);
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert!(
        report.skipped[0].1.contains("p1 already exists"),
        "{:?}",
        report.skipped
    );
    assert_eq!(report.unused_fields, vec!["CHUSD"]);
    assert_lands(first_vertex(&data, "p-7-0021"), P7_21);
    let ds = Dataset::load(&data).unwrap();
    assert_eq!(ds.parcels.features.len(), 5);
    let p = &ds.parcels.get("p-7-0022").unwrap().properties;
    assert_eq!(p["map_sheet"], 7);
    assert_eq!(p["land_use"], "CLN");

    // Again: everything exists now; with --replace it is replaced.
    let again = import(&data, &shp, &options(MAP)).unwrap();
    assert!(again.imported.is_empty() && again.written.is_none());
    let mut o = options(MAP);
    o.replace = true;
    let replaced = import(&data, &shp, &o).unwrap();
    assert_eq!(replaced.replaced.len(), 3, "{replaced:?}");
}

#[test]
fn a_zipped_utm_shapefile_imports() {
    let dir = data_copy("tests/fixtures/small", "zip");
    let zip = dir.join("cadastre.shp.zip");
    ogr2ogr(&[
        "-f",
        "ESRI Shapefile",
        "-t_srs",
        "EPSG:3405",
        zip.to_str().unwrap(),
        SOURCE,
    ]);
    let data = dir.join("data");
    let report = import(&data, &zip, &options(MAP)).unwrap();
    assert_eq!(report.crs, "EPSG:3405");
    assert_eq!(report.imported.len(), 2);
    assert_lands(first_vertex(&data, "p-7-0021"), P7_21);
}

#[test]
fn a_wrong_crs_puts_it_outside_vietnam_and_nothing_changes() {
    let dir = data_copy("tests/fixtures/small", "outside");
    let shp = dir.join("cadastre.shp");
    ogr2ogr(&[
        "-f",
        "ESRI Shapefile",
        "-t_srs",
        "EPSG:9208",
        shp.to_str().unwrap(),
        SOURCE,
    ]);
    let data = dir.join("data");
    let before = std::fs::read(data.join("parcels.geojson")).unwrap();

    // The .prj says 9208: a contradicting --crs is refused.
    let mut o = options(MAP);
    o.crs = Some(Crs::Utm48n);
    let e = import(&data, &shp, &o).unwrap_err().to_string();
    assert!(e.contains("EPSG:3405") && e.contains("EPSG:9208"), "{e}");

    // Without the .prj, metres read as degrees land far outside Vietnam.
    std::fs::remove_file(shp.with_extension("prj")).unwrap();
    let e = import(&data, &shp, &options(MAP)).unwrap_err().to_string();
    assert!(e.contains("give --crs"), "{e}");
    o.crs = Some(Crs::Wgs84);
    let e = import(&data, &shp, &o).unwrap_err().to_string();
    assert!(
        e.contains("outside Vietnam") && e.contains("is the CRS right"),
        "{e}"
    );
    assert_eq!(std::fs::read(data.join("parcels.geojson")).unwrap(), before);
}

#[test]
fn a_dxf_with_sheet_number_labels_imports() {
    // A DXF as drainplan writes it (closed LWPOLYLINEs, "sheet/number" TEXT), of the
    // three fixture parcels, imported beside them (their ids p1… differ from p-5-0012…).
    let dir = data_copy("tests/fixtures/small", "dxf");
    let data = dir.join("data");
    let small = Dataset::load(Path::new("tests/fixtures/small")).unwrap();
    let table = export::layer_table(&small, LayerKind::Parcels, &Selection::default());
    let out = export::export(&table, Format::Dxf, Crs::Tm3NgheAn).unwrap();
    let dxf = dir.join(&out.file_name);
    std::fs::write(&dxf, &out.bytes).unwrap();

    let mut o = options("");
    o.set = vec![("land_use".into(), "ONT".into())];
    // drainplan writes its CRS in $PROJECTNAME: a --crs that contradicts it is refused.
    o.crs = Some(Crs::Utm48n);
    let e = import(&data, &dxf, &o).unwrap_err().to_string();
    assert!(e.contains("$PROJECTNAME") && e.contains("EPSG:9208"), "{e}");
    o.crs = None;
    // Into a data set without the parcels they were drawn from (beside them, each would
    // overlap its original and be refused).
    std::fs::write(
        data.join("parcels.geojson"),
        r#"{"type":"FeatureCollection","features":[]}"#,
    )
    .unwrap();
    let report = import(&data, &dxf, &o).unwrap();
    assert_eq!(report.crs, "EPSG:9208");
    assert!(report.crs_from.contains("$PROJECTNAME"), "{report:?}");
    assert_eq!(
        report.imported,
        vec!["p-5-0012", "p-5-0013", "p-6-0001"],
        "{report:?}"
    );
    // The DXF layer (`parcels_awaiting`) gives back the clearance status of fixture p1.
    let ds = Dataset::load(&data).unwrap();
    assert_eq!(
        ds.parcels.get("p-5-0012").unwrap().properties["clearance_status"],
        "awaiting"
    );
    // Written to the mm in VN-2000 and read back: within about 1 mm of the fixture.
    assert_lands(first_vertex(&data, "p-5-0012"), (105.7008, 19.22035));
}

#[test]
fn cli_import_prints_the_report_and_a_dry_run_writes_nothing() {
    let dir = data_copy("tests/fixtures/small", "cli");
    let data = dir.join("data");
    let before = std::fs::read(data.join("parcels.geojson")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args([
            "import",
            "--layer",
            "parcels",
            "--from",
            SOURCE,
            "--map",
            MAP,
            "--dry-run",
            "--data",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("read in EPSG:4326"), "{stdout}");
    assert!(
        stdout.contains("imported: 2") && stdout.contains("skipped: 1"),
        "{stdout}"
    );
    assert!(stdout.contains("nothing written"), "{stdout}");
    assert_eq!(std::fs::read(data.join("parcels.geojson")).unwrap(), before);

    let out = Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args([
            "import",
            "--layer",
            "parcels",
            "--from",
            SOURCE,
            "--map",
            "shape=SOTO",
            "--data",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("shape is not a property of parcels"),
        "{stderr}"
    );
}
