//! GDAL copying a layer from the OGC API into a GeoPackage, as a planner does with
//! `ogr2ogr -f GPKG … OAPIF:…`: the sample parcels mix Polygon and MultiPolygon, and the
//! file must still pass GDAL's own GeoPackage validator (`validate_gpkg.py`, shipped with
//! Debian's python3-gdal, which gdal-bin installs).

mod common;

use std::path::Path;
use std::process::Command;

use common::Server;

const VALIDATOR: &str = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py";

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed ({e}): apt-get install gdal-bin"));
    assert!(
        out.status.success(),
        "{program} {args:?}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_geopackage_copied_from_the_api_is_valid() {
    let dir = std::env::temp_dir().join(format!("drainplan-gdal-gpkg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).expect("temp dir");
    for e in std::fs::read_dir("data").expect("data/") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "geojson") {
            std::fs::copy(&p, dir.join("data").join(p.file_name().expect("name"))).expect("copy");
        }
    }
    let server = Server::start(&dir.join("data"), &[]);
    let gpkg = dir.join("parcels.gpkg");
    let url = format!("OAPIF:http://{}/", server.addr);
    run(
        "ogr2ogr",
        &["-f", "GPKG", gpkg.to_str().expect("path"), &url, "parcels"],
    );
    let info = run(
        "ogrinfo",
        &["-ro", "-so", gpkg.to_str().expect("path"), "parcels"],
    );
    assert!(info.contains("Geometry: Multi Polygon"), "{info}");
    // Every feature came, the multi-part ones among them.
    let count = run(
        "ogrinfo",
        &[
            "-ro",
            "-q",
            "-sql",
            "SELECT COUNT(*) AS n, SUM(ST_NumGeometries(geom) > 1) AS parts FROM parcels",
            gpkg.to_str().expect("path"),
        ],
    );
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new("data/parcels.geojson")).expect("parcels"),
    )
    .expect("JSON");
    let features = data["features"].as_array().expect("features");
    let multi = features
        .iter()
        .filter(|f| {
            f["geometry"]["type"] == "MultiPolygon"
                && f["geometry"]["coordinates"]
                    .as_array()
                    .is_some_and(|p| p.len() > 1)
        })
        .count();
    assert!(multi > 0, "the sample has multi-part parcels");
    assert!(
        count.contains(&format!("n (Integer) = {}", features.len())),
        "{count}"
    );
    assert!(
        count.contains(&format!("parts (Integer) = {multi}")),
        "{count}"
    );
    // GDAL's validator, with the system's python (python3-gdal).
    let out = Command::new("/usr/bin/python3")
        .args([VALIDATOR, gpkg.to_str().expect("path")])
        .output()
        .expect("python3 with GDAL's validator (apt-get install python3-gdal)");
    assert!(
        out.status.success(),
        "validate_gpkg.py refused the file:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
