//! GDAL's own OGC API – Features client (`ogrinfo OAPIF:…`, GDAL ≥ 3.6) against the real
//! `drainplan serve` binary: it must list the five layers with their geometry types,
//! fields and feature counts, and read features through `-where` and `-spat`.
//!
//! ogrinfo is part of the test environment (Debian: `apt-get install gdal-bin`); when it is
//! missing the tests fail and say so, rather than pass without having checked anything.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken setup"
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{PASSWORD, Server, copy_fixture, data_copy};

/// The viewer's credentials, for GDAL's `-oo USERPWD=…` (HTTP Basic).
fn viewer_userpwd() -> String {
    format!("USERPWD=viewer:{PASSWORD}")
}

/// The server as a GDAL OGC API – Features data source.
fn oapif(server: &Server) -> String {
    format!("OAPIF:{}", server.url())
}

/// Runs ogrinfo with `args` and returns its standard output; fails the test when ogrinfo is
/// missing or exits with an error.
fn ogrinfo(args: &[&str]) -> String {
    let out = match Command::new("ogrinfo").args(args).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run ogrinfo ({e}): the GDAL client test needs GDAL ≥ 3.6 on PATH \
             (Debian: apt-get install gdal-bin)"
        ),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ogrinfo {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The `Feature Count: N` line of an ogrinfo summary.
fn feature_count(summary: &str) -> usize {
    summary
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no feature count in:\n{summary}"))
}

/// The `name: Type` field lines of an ogrinfo summary.
fn fields(summary: &str) -> Vec<String> {
    let start = summary
        .lines()
        .position(|l| l.starts_with("Data axis to CRS axis mapping"))
        .unwrap_or(0);
    summary
        .lines()
        .skip(start + 1)
        .take_while(|l| !l.starts_with("OGRFeature"))
        .filter(|l| l.contains(": ") && !l.starts_with(' '))
        .map(|l| l.split(" (").next().unwrap().to_owned())
        .collect()
}

#[test]
fn ogrinfo_lists_and_reads_the_five_fixture_layers() {
    let dir = copy_fixture("ogc", "list");
    let server = Server::start(&dir, &[]);
    let ds = oapif(&server);
    let viewer = viewer_userpwd();

    let listing = ogrinfo(&["-ro", "-q", &ds]);
    for expected in [
        "1: villages (title: Villages (thôn)) (Multi Polygon)",
        "2: canals (title: Drainage canals (mương tiêu thoát nước)) (Line String)",
        "3: parcels (title: Cadastral parcels (thửa đất)) (Multi Polygon)",
        "4: flood_zones (title: Flooded residential areas (vùng ngập úng)) (Multi Polygon)",
        "5: households (title: Households (hộ gia đình)) (Point)",
    ] {
        assert!(
            listing.contains(expected),
            "`{expected}` not in:\n{listing}"
        );
    }

    for (layer, count, geometry, some_fields) in [
        (
            "villages",
            3,
            "Multi Polygon",
            &["id: String", "name: String", "water_target_rate: Real"][..],
        ),
        (
            "canals",
            5,
            "Line String",
            &["status: String", "year: Integer", "length_m: Real"][..],
        ),
        (
            "parcels",
            5,
            "Multi Polygon",
            &[
                "map_sheet: Integer",
                "clearance_status: String",
                "gate: Integer(Boolean)",
            ][..],
        ),
        (
            "flood_zones",
            2,
            "Multi Polygon",
            &["depth_m: Real", "duration: String"][..],
        ),
        // `note` is only on the eleventh household, beyond GDAL's first page of ten: GDAL
        // knows it from the schema behind rel=describedby.
        (
            "households",
            12,
            "Point",
            &["head: String", "water_status: String", "note: String"][..],
        ),
    ] {
        let summary = ogrinfo(&["-ro", "-so", "-oo", &viewer, &ds, layer]);
        assert_eq!(feature_count(&summary), count, "{layer}:\n{summary}");
        assert!(
            summary.contains(&format!("Geometry: {geometry}\n")),
            "{layer}:\n{summary}"
        );
        let got = fields(&summary);
        for f in some_fields {
            assert!(got.iter().any(|g| g == f), "{layer}: no `{f}` in {got:?}");
        }
    }

    // The public gets the households without names or contributions.
    let summary = ogrinfo(&["-ro", "-so", &ds, "households"]);
    assert_eq!(feature_count(&summary), 12, "{summary}");
    assert_eq!(
        fields(&summary),
        ["id: String", "village_id: String", "water_status: String"],
        "{summary}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ogrinfo_reads_features_with_where_and_spat() {
    let dir = copy_fixture("ogc", "read");
    let server = Server::start(&dir, &[]);
    let ds = oapif(&server);
    let viewer = viewer_userpwd();

    let out = ogrinfo(&[
        "-ro",
        &ds,
        "parcels",
        "-where",
        "clearance_status = 'donated'",
    ]);
    assert_eq!(feature_count(&out), 1, "{out}");
    assert!(out.contains("id (String) = p-3"), "{out}");
    assert!(out.contains("land_use (String) = CLN"), "{out}");

    // Same box as the oneshot test: households h-05 and h-06, read by a viewer.
    let out = ogrinfo(&[
        "-ro",
        "-oo",
        &viewer,
        &ds,
        "households",
        "-spat",
        "105.701",
        "19.214",
        "105.705",
        "19.217",
    ]);
    assert_eq!(feature_count(&out), 2, "{out}");
    assert!(out.contains("head (String) = Phạm Văn Đông"), "{out}");
    assert!(out.contains("head (String) = Hoàng Thị Hoa"), "{out}");
    assert!(out.contains("POINT (105.7032 19.2154)"), "{out}");

    let out = ogrinfo(&["-ro", &ds, "canals", "-where", "status = 'completed'"]);
    assert_eq!(feature_count(&out), 2, "{out}");
    assert!(out.contains("length_m (Real) = 210.31"), "{out}");
    assert!(
        out.contains("name (String) = Mương khu dân cư Quyết Tiến"),
        "{out}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ogrinfo_reads_the_sample_data_set_when_present() {
    let data = Path::new("data");
    if !data.join("households.geojson").exists() {
        // The sample data set is generated separately; the fixture tests above always run.
        eprintln!("data/households.geojson is not there yet: only the fixture was checked");
        return;
    }
    let expected = drainplan::store::Dataset::load(data).expect("the sample data set loads");
    let dir = data_copy(data, "sample");
    let server = Server::start(&dir.join("data"), &[]);
    let ds = oapif(&server);
    for kind in drainplan::model::LayerKind::ALL {
        let summary = ogrinfo(&["-ro", "-so", &ds, kind.id()]);
        assert_eq!(
            feature_count(&summary),
            expected.layer(kind).features.len(),
            "{kind}:\n{summary}"
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
