//! The commune's real records: a DGN v7 cadastral sheet, MapInfo TAB and MIF, and
//! shapefiles whose DBF holds Vietnamese in a legacy encoding with no `.cpg`, each made
//! here by an independent writer (GDAL's `ogr2ogr`, Debian gdal-bin) and imported into a
//! copy of tests/fixtures/small.
//!
//! Expected values are written in the test: the parcel numbers, land uses and areas the
//! labels say, the Unicode names. The legacy bytes come from converters and tables that
//! are not drainplan's:
//! - TCVN3 and VISCII: glibc's `iconv` (`TCVN5712-1`, TCVN 5712:1993; `VISCII`, RFC 1456);
//! - VNI-Windows: written by hand from the published table of the open-source converter
//!   xvnkb (github.com/lamdao/xvnkb, file `vni.h`: ư = "ö", ơ = "ô", ồ = "oà", à = "aø",
//!   ạ = "aï", ê = "eâ", Đ = "Ñ");
//! - Windows-1258: Python's `cp1258` codec, the tone marks split off as combining
//!   characters first (what Windows does: cp1258 has no precomposed toned vowels).

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::process::Command;

use common::data_copy;
use drainplan::crs::Crs;
use drainplan::ingest::{ImportOptions, ImportReport, import, parse_pairs};
use drainplan::model::LayerKind;
use drainplan::store::Dataset;

fn run(cmd: &str, args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd} is needed ({e})"));
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn ogr2ogr(args: &[&str]) {
    run("ogr2ogr", args, None);
}

/// A square parcel, lon/lat, counter-clockwise.
fn square(x0: f64, y0: f64) -> String {
    let (x1, y1) = (x0 + 0.0004, y0 + 0.0002);
    format!("[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]")
}

fn label(x: f64, y: f64, text: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"style":"LABEL(t:\"{text}\")"}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#
    )
}

#[test]
fn a_dgn_sheet_from_gdal_imports_with_numbers_land_uses_and_areas() {
    let dir = data_copy("tests/fixtures/small", "dgn");
    // Three parcels as shapes; their labels as text elements: separate texts (21 / ONT /
    // 245,6), one text with slashes and a decimal point, and separate texts with a
    // thousands point; a road drawn as an open line; a stray text outside every parcel.
    // North of the fixture's parcels p1 and p2, so that no shape overlaps them.
    let (y0, ya, yb, yc) = (19.2208, 19.22095, 19.2209, 19.22085);
    let features = [
        format!(r#"{{"type":"Feature","properties":{{"style":null}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#, square(105.7010, y0)),
        format!(r#"{{"type":"Feature","properties":{{"style":null}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#, square(105.7015, y0)),
        format!(r#"{{"type":"Feature","properties":{{"style":null}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#, square(105.7020, y0)),
        r#"{"type":"Feature","properties":{"style":null},"geometry":{"type":"LineString","coordinates":[[105.7010,19.2203],[105.7024,19.2203]]}}"#.to_owned(),
        label(105.7012, ya, "21"),
        label(105.7012, yb, "ONT"),
        label(105.7012, yc, "245,6"),
        label(105.7017, yb, "22/CLN/180.5"),
        label(105.7022, ya, "23"),
        label(105.7022, yb, "ODT"),
        label(105.7022, yc, "1.012,4"),
        label(105.7040, 19.2209, "99"),
    ];
    let src = dir.join("sheet.geojson");
    std::fs::write(
        &src,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let dgn = dir.join("to_7.dgn");
    ogr2ogr(&[
        "-f",
        "DGN",
        "-s_srs",
        "EPSG:4326",
        "-t_srs",
        "EPSG:9208",
        dgn.to_str().unwrap(),
        src.to_str().unwrap(),
        "-sql",
        "SELECT style AS OGR_STYLE FROM sheet",
    ]);
    let data = dir.join("data");

    // A DGN says no CRS.
    let e = import(&data, &dgn, &ImportOptions::new(LayerKind::Parcels))
        .unwrap_err()
        .to_string();
    assert!(e.contains("give --crs"), "{e}");
    let options = ImportOptions {
        crs: Some(Crs::Tm3NgheAn),
        ..ImportOptions::new(LayerKind::Parcels)
    };
    let report = import(&data, &dgn, &options).unwrap();
    assert_eq!(report.driver, "DGN");
    assert_eq!(
        report.imported,
        ["p-7-0021", "p-7-0022", "p-7-0023"],
        "{report:?}"
    );
    let why: Vec<&str> = report.skipped.iter().map(|(_, w)| w.as_str()).collect();
    assert!(
        why.iter().any(|w| w.contains("not closed shapes")),
        "{why:?}"
    );
    assert!(
        why.iter().any(|w| w.contains("lies in no closed shape")),
        "{why:?}"
    );

    let ds = Dataset::load(&data).unwrap();
    for (id, land_use, area) in [
        ("p-7-0021", "ONT", 245.6),
        ("p-7-0022", "CLN", 180.5),
        ("p-7-0023", "ODT", 1012.4),
    ] {
        let p = &ds.parcels.get(id).unwrap().properties;
        assert_eq!(p["map_sheet"], 7, "{id}: from the file name to_7.dgn");
        assert_eq!(p["land_use"], land_use, "{id}");
        assert_eq!(p["area_legal_m2"], area, "{id}");
    }
    // The shape lands where it was drawn: DGN keeps 1 cm (the seed file's resolution).
    let f = ds.parcels.get("p-7-0021").unwrap();
    let c = geo::CoordsIter::coords_iter(&f.geometry).next().unwrap();
    assert!(
        (c.x - 105.7010).abs() < 2e-7 && (c.y - 19.2208).abs() < 2e-7,
        "{c:?}"
    );

    // --sheet overrides the file name.
    let dir2 = data_copy("tests/fixtures/small", "dgn_sheet");
    let report = import(
        &dir2.join("data"),
        &dgn,
        &ImportOptions {
            sheet: Some(12),
            ..options
        },
    )
    .unwrap();
    assert_eq!(report.imported, ["p-12-0021", "p-12-0022", "p-12-0023"]);
}

const SOURCE: &str = "tests/fixtures/export/import_parcels.geojson";
const MAP: &str = "sheet=SOTO,number=SOTHUA,land_use=MDSD,id=MA";

#[test]
fn mapinfo_tab_and_mif_from_gdal_import() {
    for (name, extra) in [("tab", &[][..]), ("mif", &["-dsco", "FORMAT=MIF"][..])] {
        let dir = data_copy("tests/fixtures/small", name);
        let out = dir.join(format!("cadastre.{name}"));
        let mut args = vec!["-f", "MapInfo File", "-t_srs", "EPSG:9208"];
        args.extend_from_slice(extra);
        args.extend([out.to_str().unwrap(), SOURCE]);
        ogr2ogr(&args);
        let data = dir.join("data");
        let options = ImportOptions {
            map: parse_pairs(MAP).unwrap(),
            ..ImportOptions::new(LayerKind::Parcels)
        };
        // GDAL's MapInfo writer has no VN-2000 datum: the file says TM-3 104°45′ only.
        let e = import(&data, &out, &options).unwrap_err().to_string();
        assert!(e.contains("give --crs") && e.contains("MapInfo"), "{e}");
        let wrong = ImportOptions {
            crs: Some(Crs::Utm48n),
            ..options.clone()
        };
        let e = import(&data, &out, &wrong).unwrap_err().to_string();
        assert!(e.contains("fits only"), "{e}");
        let report = import(
            &data,
            &out,
            &ImportOptions {
                crs: Some(Crs::Tm3NgheAn),
                ..options
            },
        )
        .unwrap();
        assert_eq!(report.driver, "MapInfo File");
        assert_eq!(report.imported, ["p-7-0021", "p-7-0022"], "{report:?}");
        let ds = Dataset::load(&data).unwrap();
        let f = ds.parcels.get("p-7-0021").unwrap();
        let c = geo::CoordsIter::coords_iter(&f.geometry).next().unwrap();
        // MapInfo stores integer coordinates on a grid over the CRS's default bounds,
        // which GDAL's writer sets to about 1 cm for TM-3 (6 mm off here).
        assert!(
            (c.x - 105.7020).abs() < 2e-7 && (c.y - 19.2212).abs() < 2e-7,
            "{name}: {c:?}"
        );
        assert_eq!(f.properties["land_use"], "ONT");
    }
}

/// Canal names in Unicode, and the same in a legacy encoding.
struct Names {
    unicode: [&'static str; 3],
    bytes: [Vec<u8>; 3],
}

const NAMES: [&str; 3] = [
    "Mương tiêu Đại Đồng",
    "Mương Thành Công",
    "MƯƠNG QUYẾT TIẾN",
];

/// Writes the canals as a shapefile from a CSV of `names` (bytes as they are, no `.cpg`,
/// no recoding by GDAL), imports it and returns the report and the names stored.
fn import_canal_names(
    name: &str,
    names: &Names,
    encoding: Option<&str>,
) -> (ImportReport, Vec<String>) {
    let dir = data_copy("tests/fixtures/small", name);
    let csv = dir.join("canals.csv");
    let mut bytes = b"WKT,id,name,status\n".to_vec();
    for (i, n) in names.bytes.iter().enumerate() {
        let y = 19.2205 + 0.0001 * i as f64;
        bytes.extend(format!("\"LINESTRING (105.7005 {y}, 105.7035 {y})\",k{i},\"").as_bytes());
        bytes.extend(n);
        bytes.extend(b"\",planned\n");
    }
    std::fs::write(&csv, &bytes).unwrap();
    let shp = dir.join("canals.shp");
    ogr2ogr(&[
        "-f",
        "ESRI Shapefile",
        "-oo",
        "KEEP_GEOM_COLUMNS=NO",
        "-lco",
        "ENCODING=",
        "-s_srs",
        "EPSG:4326",
        "-t_srs",
        "EPSG:9208",
        shp.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    // GDAL leaves an empty .cpg where it is told no encoding: the DBF goes without one.
    let _ = std::fs::remove_file(shp.with_extension("cpg"));
    let data = dir.join("data");
    let options = ImportOptions {
        encoding: encoding.map(|e| drainplan::ingest::encoding::TextEncoding::parse(e).unwrap()),
        ..ImportOptions::new(LayerKind::Canals)
    };
    let report = import(&data, &shp, &options).unwrap();
    let ds = Dataset::load(&data).unwrap();
    let stored = (0..3)
        .map(|i| {
            ds.canals.get(&format!("k{i}")).unwrap().properties["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let _ = names.unicode;
    (report, stored)
}

fn iconv(to: &str, s: &str) -> Vec<u8> {
    run("iconv", &["-f", "UTF-8", "-t", to], Some(s.as_bytes()))
}

fn check(report: &ImportReport, stored: &[String], encoding: &str) {
    let e = report.encoding.as_ref().unwrap();
    assert_eq!(e.name, encoding, "{}", e.how);
    assert!(e.how.contains("detected"), "{}", e.how);
    assert_eq!(stored, NAMES, "{}", report.to_text());
    let text = report.to_text();
    assert!(
        text.contains(&format!("text encoding: {encoding}")),
        "{text}"
    );
    assert!(text.contains("→ Mương tiêu Đại Đồng"), "{text}");
}

#[test]
fn a_tcvn3_shapefile_without_cpg_imports_with_vietnamese_names() {
    let names = Names {
        unicode: NAMES,
        bytes: NAMES.map(|n| iconv("TCVN5712-1", n)),
    };
    assert!(names.bytes[0].contains(&0xA7), "Đ is 0xA7 in TCVN3");
    let (report, stored) = import_canal_names("tcvn3", &names, None);
    check(&report, &stored, "TCVN3");
}

#[test]
fn a_vni_shapefile_without_cpg_imports_with_vietnamese_names() {
    // From xvnkb's vni.h: Mương = M ö ô ng, tiêu = tie âu, Đại = Ñ a ï i, Đồng = Ñ o à ng,
    // Thành = Tha ø nh, Công = Co â ng; capitals: Ư = Ö, Ơ = Ô, Ế = EÁ, Q U Y.
    let names = Names {
        unicode: NAMES,
        bytes: [
            b"M\xF6\xF4ng tie\xE2u \xD1a\xEFi \xD1o\xE0ng".to_vec(),
            b"M\xF6\xF4ng Tha\xF8nh Co\xE2ng".to_vec(),
            b"M\xD6\xD4NG QUYE\xC1T TIE\xC1N".to_vec(),
        ],
    };
    let (report, stored) = import_canal_names("vni", &names, None);
    check(&report, &stored, "VNI-Windows");
}

#[test]
fn viscii_and_windows_1258_shapefiles_import_with_vietnamese_names() {
    let viscii = Names {
        unicode: NAMES,
        bytes: NAMES.map(|n| iconv("VISCII", n)),
    };
    let (report, stored) = import_canal_names("viscii", &viscii, None);
    check(&report, &stored, "VISCII");

    // Python's cp1258 codec, tone marks as combining characters.
    let script = r#"
import sys, unicodedata
TONES = {'\u0300', '\u0301', '\u0303', '\u0309', '\u0323'}
for s in sys.argv[1:]:
    out = ''
    for ch in s:
        d = unicodedata.normalize('NFD', ch)
        tones = ''.join(c for c in d if c in TONES)
        base = unicodedata.normalize('NFC', ''.join(c for c in d if c not in TONES))
        out += base + tones
    print(out.encode('cp1258').hex())
"#;
    let hex = common::python::run_python(script, &NAMES);
    let bytes: Vec<Vec<u8>> = hex
        .lines()
        .map(|l| {
            (0..l.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect();
    let cp1258 = Names {
        unicode: NAMES,
        bytes: [bytes[0].clone(), bytes[1].clone(), bytes[2].clone()],
    };
    let (report, stored) = import_canal_names("cp1258", &cp1258, None);
    check(&report, &stored, "windows-1258");

    // --encoding overrides the detection (and is said to).
    let (report, _) = import_canal_names("cp1258_given", &cp1258, Some("cp1258"));
    assert_eq!(report.encoding.unwrap().how, "--encoding");
}
