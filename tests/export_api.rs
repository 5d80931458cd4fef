//! Exports and the dossier over HTTP, through `oneshot`, on tests/fixtures/small (see
//! tests/api.rs). Files are read back with GDAL's `ogrinfo` (Debian gdal-bin); the land
//! taken by the planned canal c2 (6 m corridor) is the independent pyproj + shapely figure
//! of tests/api.rs: p1 79.62170915 m², p2 79.62702954 m².

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use axum::http::StatusCode;
use common::{Reply, Req, shared_memory_state};
use serde_json::json;

const FIXTURE: &str = "small";
const P1_TAKEN_M2: f64 = 79.621_709_15;
const P2_TAKEN_M2: f64 = 79.627_029_54;

/// The file name an attachment's `Content-Disposition` gives.
fn file_name(r: &Reply) -> String {
    let d = r.header("content-disposition").unwrap_or_default();
    d.split("filename=\"")
        .nth(1)
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no filename in `{d}`"))
        .to_owned()
}

fn save(r: &Reply) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export_api_tests");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(file_name(r));
    std::fs::write(&p, &r.bytes).unwrap();
    p
}

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("ogrinfo is needed ({e}): apt-get install gdal-bin"));
    assert!(
        out.status.success(),
        "ogrinfo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn feature_count(summary: &str) -> usize {
    summary
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Feature Count: "))
        .map(|n| n.trim().parse::<usize>().unwrap())
        .sum()
}

#[tokio::test]
async fn layer_export_is_an_attachment_named_by_its_crs() {
    let s = shared_memory_state(FIXTURE);
    let r = Req::get("/api/export/parcels?format=gpkg&crs=EPSG:9208&clearance_status=awaiting")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(file_name(&r), "parcels_EPSG9208.gpkg");
    assert_eq!(
        r.header("content-crs").as_deref(),
        Some("<http://www.opengis.net/def/crs/EPSG/0/9208>")
    );
    assert_eq!(r.content_type(), "application/geopackage+sqlite3");
    let p = save(&r);
    let s = ogrinfo(&["-ro", "-al", "-so", &p.display().to_string()]);
    assert_eq!(feature_count(&s), 1, "{s}");
    assert!(s.contains("VN-2000 / TM-3 104-45"), "{s}");
}

#[tokio::test]
async fn bbox_selects_and_csv_names_its_crs_in_the_file_name() {
    let s = shared_memory_state(FIXTURE);
    let r = Req::get(
        "/api/export/canals?format=csv&crs=EPSG:3405&bbox=105.7004,19.2204,105.7016,19.2206",
    )
    .user("viewer")
    .send(&s)
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(file_name(&r), "canals_EPSG3405.csv");
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    assert_eq!(text.lines().count(), 2, "header and c2 only:\n{text}");
    assert!(text.contains(",c2,"), "{text}");
}

#[tokio::test]
async fn canal_impact_export_has_the_taken_strips_and_their_areas() {
    let s = shared_memory_state(FIXTURE);
    let r = Req::get("/api/export/canals/c2/impact?format=shp&crs=EPSG:9208&corridor_width_m=6")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(file_name(&r), "taken_strips_EPSG9208.zip");
    let p = save(&r);
    let full = ogrinfo(&["-ro", "-al", &format!("/vsizip/{}", p.display())]);
    assert_eq!(feature_count(&full), 2, "{full}");
    for (id, want) in [("p1", P1_TAKEN_M2), ("p2", P2_TAKEN_M2)] {
        let at = full.find(&format!("id (String) = {id}")).unwrap();
        let line = full[at..]
            .lines()
            .find(|l| l.contains("taken_area"))
            .unwrap();
        let got: f64 = line.rsplit('=').next().unwrap().trim().parse().unwrap();
        assert!((got - want).abs() / want < 0.005, "{id}: {got} vs {want}");
    }
}

#[tokio::test]
async fn route_impact_export_takes_the_route_body() {
    let s = shared_memory_state(FIXTURE);
    let body = json!({"route": {"type": "LineString",
        "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]}, "corridor_width_m": 6});
    let r = Req::post("/api/export/route-impact?format=dxf")
        .user("viewer")
        .json(&body)
        .send(&s)
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(
        file_name(&r),
        "taken_strips_EPSG9208.dxf",
        "DXF defaults to VN-2000"
    );
    let p = save(&r);
    let s = ogrinfo(&["-ro", "-al", "-so", &p.display().to_string()]);
    assert_eq!(
        feature_count(&s),
        4,
        "two strips and their two labels:\n{s}"
    );
}

#[tokio::test]
async fn mistakes_get_clear_errors() {
    let s = shared_memory_state(FIXTURE);
    let r = Req::get("/api/export/parcels?format=pdf")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = r.json()["error"].as_str().unwrap().to_owned();
    assert!(e.contains("geojson, csv, kml, shp, gpkg, dxf"), "{e}");

    let r = Req::get("/api/export/parcels?format=shp&crs=EPSG:3857")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = r.json()["error"].as_str().unwrap().to_owned();
    assert!(
        e.contains("EPSG:9208") && e.contains("VN2000-TM3-104.75-towgs84"),
        "{e}"
    );

    let r = Req::get("/api/export/parcels?format=csv&clearance_status=cleared")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("nothing to export")
    );

    let r = Req::get("/api/export/parcels?bbox=19.22,105.70,19.23,105.71")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].as_str().unwrap().contains("swapped"));

    let r = Req::get("/api/export/roads?format=csv")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = Req::get("/api/export/parcels?format=kml&crs=EPSG:9208")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = Req::get("/api/export/canals/nope/impact?format=csv")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // c1 crosses no parcel.
    let r = Req::get("/api/export/canals/c1/impact?format=csv")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("no parcel"));
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).unwrap();
            (f.name().to_owned(), buf)
        })
        .collect()
}

#[tokio::test]
async fn canal_dossier_bundles_drawings_tables_and_readme() {
    let s = shared_memory_state(FIXTURE);
    let r = Req::get("/api/dossier/canals/c2?corridor_width_m=6")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(file_name(&r), "dossier_c2_EPSG9208.zip");
    let files = unzip(&r.bytes);
    let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    for want in [
        "README.txt",
        "c2_EPSG9208.dxf",
        "route_EPSG9208.shp",
        "route_EPSG9208.prj",
        "parcels_affected_EPSG9208.shp",
        "parcels_affected_EPSG9208.cpg",
        "taken_strips_EPSG9208.dbf",
        "alignment_EPSG9208.csv",
        "land_taken_by_parcel.csv",
        "land_taken_by_owner.csv",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let file =
        |n: &str| String::from_utf8(files.iter().find(|f| f.0 == n).unwrap().1.clone()).unwrap();
    let readme = file("README.txt");
    assert!(readme.contains("EPSG:9208") && readme.contains("alignment_EPSG9208.csv"));

    // The alignment: two vertices, chainage from Km0+000.00 to the geodesic length of c2
    // (105.15254280 m, pyproj Geod in tests/api.rs), E/N as cs2cs gives them.
    let align = file("alignment_EPSG9208.csv");
    let rows: Vec<Vec<&str>> = align
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 2, "{align}");
    assert_eq!(rows[0][1], "Km0+000.00");
    assert_eq!(rows[1][1], "Km0+105.15");
    // cs2cs -f %.4f EPSG:4326 EPSG:9208 <<< "19.2205 105.7005" (run here in the test).
    let out = Command::new("sh")
        .args([
            "-c",
            "echo '19.2205 105.7005' | cs2cs -f %.4f EPSG:4326 EPSG:9208",
        ])
        .output()
        .expect("cs2cs (proj-bin) is needed");
    let cs: Vec<f64> = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .take(2)
        .map(|t| t.parse().unwrap())
        .collect();
    let e: f64 = rows[0][3].parse().unwrap();
    let n: f64 = rows[0][4].parse().unwrap();
    assert!(
        (e - cs[0]).abs() <= 0.001 && (n - cs[1]).abs() <= 0.001,
        "{e} {n} vs {cs:?}"
    );

    // Land taken: UTF-8 with BOM, per parcel with a total row.
    let by_parcel = &files
        .iter()
        .find(|f| f.0 == "land_taken_by_parcel.csv")
        .unwrap()
        .1;
    assert!(by_parcel.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for Excel");
    let text = String::from_utf8(by_parcel[3..].to_vec()).unwrap();
    let total = text.lines().last().unwrap();
    let total_m2: f64 = total.split(',').nth(8).unwrap().parse().unwrap();
    assert!(
        (total_m2 - (P1_TAKEN_M2 + P2_TAKEN_M2)).abs() < 0.01,
        "{total}"
    );

    // The DXF and the shapefiles open in GDAL.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dossier");
    std::fs::create_dir_all(&dir).unwrap();
    for (n, b) in &files {
        std::fs::write(dir.join(n), b).unwrap();
    }
    let s = ogrinfo(&[
        "-ro",
        "-al",
        "-so",
        &dir.join("parcels_affected_EPSG9208.shp")
            .display()
            .to_string(),
    ]);
    assert_eq!(feature_count(&s), 2, "{s}");
    assert!(s.contains("VN-2000"), "{s}");
    let d = ogrinfo(&[
        "-ro",
        "-al",
        &dir.join("c2_EPSG9208.dxf").display().to_string(),
    ]);
    for layer in [
        "route",
        "corridor",
        "parcels_affected_awaiting",
        "parcels_affected_donated",
        "taken_strips",
    ] {
        assert!(
            d.contains(&format!("Layer (String) = {layer}")),
            "{layer}:\n{d}"
        );
    }
}

#[tokio::test]
async fn route_dossier_takes_a_drawn_route() {
    let s = shared_memory_state(FIXTURE);
    let body = json!({"route": {"type": "LineString",
        "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]}, "corridor_width_m": 6});
    let r = Req::post("/api/dossier")
        .user("viewer")
        .json(&body)
        .send(&s)
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(file_name(&r), "dossier_route_EPSG9208.zip");
    let r = Req::post("/api/dossier")
        .user("viewer")
        .json(&json!({"route": null}))
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_public_gets_no_owners_in_any_export() {
    let s = shared_memory_state(FIXTURE);
    // A viewer sees owners.
    let r = Req::get("/api/export/parcels?format=csv")
        .user("viewer")
        .send(&s)
        .await;
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    assert!(
        text.lines().next().unwrap().contains("owner_household"),
        "{text}"
    );

    let r = Req::get("/api/export/parcels?format=csv").send(&s).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    assert!(
        !text.contains("owner_household") && !text.contains(",h3"),
        "{text}"
    );

    let r = Req::get("/api/export/households?format=geojson")
        .send(&s)
        .await;
    let fc = r.json();
    for f in fc["features"].as_array().unwrap() {
        let keys: Vec<&String> = f["properties"].as_object().unwrap().keys().collect();
        assert!(
            keys.iter()
                .all(|k| *k == "village_id" || *k == "water_status"),
            "{keys:?}"
        );
    }

    let r = Req::get("/api/export/parcels?format=csv&owner_household=h3")
        .send(&s)
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "filtering on an owner reveals it"
    );

    let r = Req::get("/api/export/canals/c2/impact?format=csv")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    assert!(!text.contains(",h1") && !text.contains(",h3"), "{text}");

    let r = Req::get("/api/dossier/canals/c2").send(&s).await;
    assert_eq!(r.status, StatusCode::OK);
    for (name, bytes) in unzip(&r.bytes) {
        if name.ends_with(".csv") || name.ends_with(".dbf") {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("h1") && !text.contains("h3"),
                "{name}: {text}"
            );
        }
        // The drawing labels strips with owners' names only for those who may see them
        // (h1 and h3 of tests/fixtures/small/households.geojson); a workbook keeps its
        // text in xl/sharedStrings.xml, inside its own zip.
        let bytes = if name.ends_with(".xlsx") {
            unzip(&bytes)
                .into_iter()
                .find(|f| f.0 == "xl/sharedStrings.xml")
                .map(|f| f.1)
                .unwrap_or_default()
        } else {
            bytes
        };
        let text = String::from_utf8_lossy(&bytes);
        if name.starts_with("land_taken") && name.ends_with(".xlsx") {
            assert!(
                text.contains("TOTAL") && !text.contains(">h1<") && !text.contains(">h3<"),
                "{name}: {text}"
            );
        }
        assert!(
            !text.contains("Nguyễn Văn An") && !text.contains("Trần Văn Cường"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn hatch_goes_with_dxf_only() {
    let s = shared_memory_state(FIXTURE);
    let get = |uri: &'static str| Req::get(uri).user("viewer").send(&s);
    let r = get("/api/export/parcels?format=dxf&hatch=true").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    // One HATCH per parcel of tests/fixtures/small (p1, p2, p3), on the hatch layers.
    assert_eq!(text.matches("\r\nHATCH\r\n").count(), 3);
    assert!(text.contains("parcels_awaiting_hatch"));
    let r = get("/api/export/parcels?format=dxf").await;
    assert!(!String::from_utf8_lossy(&r.bytes).contains("\r\nHATCH\r\n"));
    let r = get("/api/export/parcels?format=csv&hatch=true").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&r.bytes).contains("format=dxf"));
    let r = get("/api/export/parcels?format=dxf&hatch=maybe").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// The number just before `word` in `text` ("… from 2 households" → 2).
fn count_before(text: &str, word: &str) -> usize {
    let at = text
        .find(word)
        .unwrap_or_else(|| panic!("no `{word}` in {text}"));
    let before = text[..at].trim_end();
    let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    before[before.len() - digits..]
        .parse()
        .ok()
        .unwrap_or_else(|| panic!("no count before `{word}` in {text}"))
}

#[tokio::test]
async fn the_public_dossier_counts_agree_with_its_readme_and_names_no_one() {
    let s = shared_memory_state(FIXTURE);
    let r = Req::get("/api/dossier/canals/c2?corridor_width_m=6")
        .send(&s)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let files = unzip(&r.bytes);
    let text = |n: &str| {
        let b = &files.iter().find(|f| f.0 == n).unwrap().1;
        String::from_utf8(
            b.strip_prefix(&[0xEF, 0xBB, 0xBF][..])
                .unwrap_or(b)
                .to_vec(),
        )
        .unwrap()
    };
    let readme = text("README.txt");
    assert!(
        readme.contains("Quỳnh Liên (nay thuộc phường Quỳnh Mai), tỉnh Nghệ An"),
        "{readme}"
    );
    // c2 with a 6 m corridor takes land from p1 (owner h3) and p2 (owner h1) of
    // tests/fixtures/small: 2 parcels, 2 households, as the README must say.
    let parcels = count_before(&readme, "parcels affected");
    let households = count_before(&readme, "households.");
    assert_eq!((parcels, households), (2, 2), "{readme}");

    // Both land-taken tables, as CSV and as workbook, give the same counts in their
    // totals row.
    for csv in ["land_taken_by_parcel.csv", "land_taken_by_owner.csv"] {
        let t = text(csv);
        let total = t.lines().last().unwrap();
        assert!(total.contains("TOTAL"), "{csv}: {t}");
        assert_eq!(count_before(total, "hộ (households)"), households, "{csv}");
        assert_eq!(count_before(total, "thửa (parcels)"), parcels, "{csv}");
        assert!(
            !t.contains("(no owner)"),
            "owners are withheld, not absent: {t}"
        );
        assert!(t.contains("withheld"), "{csv}: {t}");
    }
    for xlsx in ["land_taken_by_parcel.xlsx", "land_taken_by_owner.xlsx"] {
        let b = &files.iter().find(|f| f.0 == xlsx).unwrap().1;
        let strings = unzip(b)
            .into_iter()
            .find(|f| f.0 == "xl/sharedStrings.xml")
            .map(|f| String::from_utf8(f.1).unwrap())
            .unwrap();
        assert!(
            strings.contains(&format!("{households} hộ (households)"))
                && strings.contains(&format!("{parcels} thửa (parcels)"))
                && !strings.contains("0 hộ"),
            "{xlsx}: {strings}"
        );
    }
    // No household's id or head appears anywhere (tests/fixtures/small/households.geojson).
    let heads = [
        "Nguyễn Văn An",
        "Nguyễn Thị Bình",
        "Trần Văn Cường",
        "Lê Thị Dung",
        "Phạm Văn Em",
        "Hoàng Thị Gấm",
    ];
    for (name, bytes) in &files {
        let bytes = if name.ends_with(".xlsx") {
            unzip(bytes)
                .into_iter()
                .map(|f| f.1)
                .collect::<Vec<_>>()
                .concat()
        } else {
            bytes.clone()
        };
        let t = String::from_utf8_lossy(&bytes);
        for head in heads {
            assert!(!t.contains(head), "{name} names {head}");
        }
        if name.ends_with(".csv") || name.ends_with(".dbf") {
            for id in ["h1", "h2", "h3", "h4", "h5", "h6"] {
                assert!(!t.contains(id), "{name} names {id}: {t}");
            }
        }
    }
}
