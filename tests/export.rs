//! Every export format read back by an independent reader, GDAL's `ogrinfo` (Debian
//! gdal-bin), on the hand-made data set of tests/fixtures/small (see tests/api.rs): the
//! feature count, the CRS and the attribute names GDAL sees, and the coordinates compared
//! with PROJ's `cs2cs` (proj-bin) for the same points to 1 mm.
//!
//! The tools are required: a missing one fails the test with the package to install.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use drainplan::crs::Crs;
use drainplan::export::{self, Format};
use drainplan::model::LayerKind;
use drainplan::store::Dataset;
use drainplan::store::query::Selection;

/// p1's first vertex (lon, lat) in tests/fixtures/small/parcels.geojson.
const P1_LON: f64 = 105.7008;
const P1_LAT: f64 = 19.22035;

fn data() -> Dataset {
    Dataset::load(Path::new("tests/fixtures/small")).expect("fixture loads")
}

/// Runs a required tool, failing with the Debian package to install when it is missing.
fn run(tool: &str, package: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::new(tool);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!("`{tool}` is needed by this test ({e}): apt-get install {package}")
    });
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ogrinfo(args: &[&str]) -> String {
    run("ogrinfo", "gdal-bin", args, None)
}

/// cs2cs's E, N for a WGS84 point (cs2cs takes EPSG:4326 as lat lon).
fn cs2cs(to: &str, lon: f64, lat: f64) -> (f64, f64) {
    let mut args = vec!["-f", "%.4f", "EPSG:4326"];
    let proj: Vec<&str>;
    if to.starts_with('+') {
        // A PROJ string goes unquoted, word by word, after +to (quoted, cs2cs 9.1 runs
        // the inverse: DEPENDENCIES.md).
        args = vec!["-f", "%.4f", "+proj=longlat", "+datum=WGS84", "+to"];
        proj = to
            .split_whitespace()
            .filter(|w| *w != "+type=crs")
            .collect();
        args.extend(proj.iter().copied());
    } else {
        args.push(to);
    }
    let input = if to.starts_with('+') {
        format!("{lon} {lat}\n")
    } else {
        format!("{lat} {lon}\n")
    };
    let out = run("cs2cs", "proj-bin", &args, Some(&input));
    let nums: Vec<f64> = out.split_whitespace().map(|t| t.parse().unwrap()).collect();
    (nums[0], nums[1])
}

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export_tests");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn export_layer(kind: LayerKind, format: Format, crs: Crs) -> (String, PathBuf) {
    let t = export::layer_table(&data(), kind, &Selection::default());
    let out = export::export(&t, format, crs).unwrap();
    let name = out.file_name.clone();
    (name.clone(), tmp(&name, &out.bytes))
}

/// The GDAL path of an export: shapefiles are read inside their zip.
fn gdal_path(p: &Path) -> String {
    let s = p.display().to_string();
    if s.ends_with(".zip") {
        format!("/vsizip/{s}")
    } else {
        s
    }
}

fn zip_names(p: &Path) -> Vec<String> {
    let z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    z.file_names().map(str::to_owned).collect()
}

fn feature_count(summary: &str) -> usize {
    summary
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Feature Count: "))
        .map(|n| n.trim().parse::<usize>().unwrap())
        .sum()
}

/// The first coordinate pair after `POLYGON ((` in the lines of feature `id`.
fn first_vertex_of(full: &str, id_field: &str, id: &str) -> (f64, f64) {
    let marker = format!("{id_field} (String) = {id}");
    let at = full
        .find(&marker)
        .unwrap_or_else(|| panic!("no `{marker}` in\n{full}"));
    let rest = &full[at..];
    let poly = rest
        .find("((")
        .unwrap_or_else(|| panic!("no polygon after {marker}"));
    let nums: Vec<f64> = rest[poly..]
        .trim_start_matches('(')
        .split([',', ')'])
        .next()
        .unwrap()
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    (nums[0], nums[1])
}

fn assert_mm(got: (f64, f64), want: (f64, f64), what: &str) {
    let (dx, dy) = (got.0 - want.0, got.1 - want.1);
    assert!(
        dx.abs() <= 0.001 && dy.abs() <= 0.001,
        "{what}: got {got:?}, cs2cs says {want:?} (off by {dx:.4}, {dy:.4} m)"
    );
}

#[test]
fn wkt_constants_are_what_projinfo_prints() {
    for (code, esri, ogc) in [
        (
            "EPSG:4326",
            drainplan::crs::names::ESRI_4326,
            drainplan::crs::names::OGC_4326,
        ),
        (
            "EPSG:9208",
            drainplan::crs::names::ESRI_9208,
            drainplan::crs::names::OGC_9208,
        ),
        (
            "EPSG:3405",
            drainplan::crs::names::ESRI_3405,
            drainplan::crs::names::OGC_3405,
        ),
    ] {
        let e = run(
            "projinfo",
            "proj-bin",
            &["-o", "WKT1_ESRI", "-q", code],
            None,
        );
        assert_eq!(e.trim(), esri, "{code} ESRI WKT");
        let o = run(
            "projinfo",
            "proj-bin",
            &["-o", "WKT1_GDAL", "-q", "--single-line", code],
            None,
        );
        assert_eq!(o.trim(), ogc, "{code} OGC WKT");
    }
    // The alternative's WKT carries exactly the copied seven parameters.
    let p = run(
        "projinfo",
        "proj-bin",
        &["-o", "PROJ", "-q", drainplan::crs::names::OGC_TOWGS84],
        None,
    );
    assert!(
        p.contains(&format!(
            "+towgs84={}",
            drainplan::crs::names::COPIED_TOWGS84
        )),
        "{p}"
    );
    assert!(
        p.contains("+lon_0=104.75") && p.contains("+k=0.9999"),
        "{p}"
    );
}

#[test]
fn every_format_opens_in_gdal_with_count_crs_and_fields() {
    // A spreadsheet is no GIS file (its header, number formats and totals row are read
    // back with openpyxl in tests/xlsx.rs).
    for format in Format::ALL.into_iter().filter(|f| *f != Format::Xlsx) {
        let crs = if format == Format::Kml {
            Crs::Wgs84
        } else {
            Crs::Tm3NgheAn
        };
        let (name, path) = export_layer(LayerKind::Parcels, format, crs);
        let expected_ext = if format == Format::Shapefile {
            "zip"
        } else {
            format.name()
        };
        assert_eq!(
            name,
            format!("parcels_{}.{expected_ext}", crs.file_tag()),
            "{format:?}"
        );
        let summary = ogrinfo(&["-ro", "-al", "-so", &gdal_path(&path)]);
        // DXF: one LWPOLYLINE and one label TEXT per parcel.
        let want = if format == Format::Dxf { 6 } else { 3 };
        assert_eq!(feature_count(&summary), want, "{format:?}:\n{summary}");
        match format {
            Format::Shapefile | Format::GeoPackage | Format::GeoJson => {
                assert!(
                    summary.contains("VN-2000") && summary.contains("TM-3"),
                    "{format:?} names no VN-2000 TM-3 CRS:\n{summary}"
                );
                assert!(
                    summary.contains("104.75"),
                    "{format:?}: central meridian:\n{summary}"
                );
            }
            Format::Kml => assert!(summary.contains("WGS 84"), "{summary}"),
            Format::Csv | Format::Dxf | Format::Xlsx => {}
        }
        let fields: &[&str] = match format {
            Format::Shapefile => &["clearance_", "map_sheet", "parcel_no", "owner_hous"],
            Format::Dxf => &["Layer", "Text"],
            _ => &[
                "clearance_status",
                "map_sheet",
                "parcel_no",
                "owner_household",
            ],
        };
        for f in fields {
            assert!(
                summary.contains(&format!("{f}: ")) || summary.contains(&format!("{f} (")),
                "{format:?} lacks field {f}:\n{summary}"
            );
        }
    }
}

#[test]
fn metric_coordinates_match_cs2cs_to_the_millimetre() {
    for crs in [Crs::Tm3NgheAn, Crs::Utm48n, Crs::Tm3CopiedTowgs84] {
        let want = cs2cs(crs.proj_definition(), P1_LON, P1_LAT);
        for format in [
            Format::GeoPackage,
            Format::Shapefile,
            Format::GeoJson,
            Format::Csv,
        ] {
            let (_, path) = export_layer(LayerKind::Parcels, format, crs);
            let full = ogrinfo(&["-ro", "-al", &gdal_path(&path)]);
            let got = first_vertex_of(&full, "id", "p1");
            assert_mm(got, want, &format!("{format:?} in {crs}"));
        }
    }
}

#[test]
fn the_copied_towgs84_is_0_7_m_from_epsg() {
    // cs2cs, independent of drainplan: the two definitions ≈ 0.72 m apart here.
    let epsg = cs2cs("EPSG:9208", 105.70, 19.22);
    let copied = cs2cs(Crs::Tm3CopiedTowgs84.proj_definition(), 105.70, 19.22);
    assert_mm(epsg, (599_692.514_7, 2_126_189.392_6), "EPSG:9208");
    assert_mm(copied, (599_693.198_7, 2_126_189.618_7), "copied +towgs84");
}

#[test]
fn shapefile_zip_holds_prj_and_cpg_and_keeps_vietnamese() {
    let (_, path) = export_layer(LayerKind::Canals, Format::Shapefile, Crs::Tm3NgheAn);
    let listing = zip_names(&path).join("\n");
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        assert!(
            listing.contains(&format!("canals_EPSG9208.{ext}")),
            "{listing}"
        );
    }
    let full = ogrinfo(&["-ro", "-al", &gdal_path(&path)]);
    assert!(full.contains("name (String) = Mương 2"), "{full}");
}

#[test]
fn dxf_puts_each_status_on_its_own_layer_with_labels() {
    let (_, path) = export_layer(LayerKind::Parcels, Format::Dxf, Crs::Tm3NgheAn);
    let full = ogrinfo(&["-ro", "-al", &gdal_path(&path)]);
    for layer in [
        "parcels_awaiting",
        "parcels_donated",
        "parcels_not_required",
    ] {
        assert!(
            full.contains(&format!("Layer (String) = {layer}")),
            "{full}"
        );
    }
    // p1 is map sheet 5, parcel 12.
    assert!(full.contains("Text (String) = 5/12"), "{full}");
    // Closed polylines: GDAL turns a closed LWPOLYLINE into a closed ring.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("AC1021"), "AutoCAD 2007 header");
    assert!(text.contains("LWPOLYLINE"));
    assert!(text.contains("EPSG:9208"), "$PROJECTNAME names the CRS");
}

#[test]
fn filters_and_bbox_select_a_subset() {
    let sel = Selection {
        bbox: None,
        equals: vec![("status".into(), "planned".into())],
    };
    let t = export::layer_table(&data(), LayerKind::Canals, &sel);
    let out = export::export(&t, Format::GeoPackage, Crs::Utm48n).unwrap();
    let path = tmp("planned.gpkg", &out.bytes);
    let summary = ogrinfo(&["-ro", "-al", "-so", &gdal_path(&path)]);
    assert_eq!(feature_count(&summary), 1, "{summary}");
    assert!(summary.contains("UTM zone 48N"), "{summary}");

    let bbox = geo::Rect::new(
        geo::coord! { x: 105.7000, y: 19.2200 },
        geo::coord! { x: 105.7010, y: 19.2210 },
    );
    let t = export::layer_table(
        &data(),
        LayerKind::Households,
        &Selection {
            bbox: Some(bbox),
            equals: vec![],
        },
    );
    assert!(!t.rows.is_empty() && t.rows.len() < 6);
}

#[test]
fn bad_requests_are_explained() {
    let e = Format::parse("pdf").unwrap_err().to_string();
    assert!(e.contains("geojson, csv, kml, shp, gpkg, dxf"), "{e}");
    let e = Crs::parse("EPSG:3857").unwrap_err().to_string();
    assert!(e.contains("EPSG:4326, EPSG:9208, EPSG:3405"), "{e}");
    let t = export::layer_table(&data(), LayerKind::Parcels, &Selection::default());
    let e = export::export(&t, Format::Kml, Crs::Tm3NgheAn)
        .unwrap_err()
        .to_string();
    assert!(e.contains("WGS84"), "{e}");
    let none = Selection {
        bbox: None,
        equals: vec![("clearance_status".into(), "cleared".into())],
    };
    let t = export::layer_table(&data(), LayerKind::Parcels, &none);
    let e = export::export(&t, Format::Csv, Crs::Wgs84)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nothing to export"), "{e}");
}
