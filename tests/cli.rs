//! The command line on the hand-made data set of tests/fixtures/small (see tests/api.rs
//! for its layout and how the expected numbers were computed).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use drainplan::auth::{Auth, Role};
use serde_json::Value;

fn drainplan(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DATA: [&str; 2] = ["--data", "tests/fixtures/small"];

#[test]
fn canal_length_table_and_json() {
    let (ok, out, err) = drainplan(&[&["report", "canal-length"][..], &DATA].concat());
    assert!(ok, "{err}");
    // pyproj Geod: c1 is 210.304 m, half in each village; c2 105.153 m.
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        rows.contains(&vec!["completed", "Thôn", "A", "105.2", "1"]),
        "{out}"
    );
    assert!(
        rows.contains(&vec!["completed", "Thôn", "B", "105.2", "1"]),
        "{out}"
    );
    assert!(
        rows.contains(&vec!["planned", "Thôn", "A", "105.2", "1"]),
        "{out}"
    );
    assert!(out.lines().last().unwrap_or("").contains("315.5"), "{out}");

    let (ok, out, _) = drainplan(
        &[
            &[
                "report",
                "canal-length",
                "--by",
                "status",
                "--format",
                "json",
            ][..],
            &DATA,
        ]
        .concat(),
    );
    assert!(ok);
    let v: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["rows"][0]["status"], "completed");
    assert!((v["rows"][0]["length_m"].as_f64().expect("number") - 210.3044).abs() < 0.01);
}

#[test]
fn water_and_contributions_tables() {
    let (ok, out, err) = drainplan(&[&["report", "water-connection"][..], &DATA].concat());
    assert!(ok, "{err}");
    assert!(out.contains("Xã Thử"), "{out}");
    assert!(out.contains("40.0 %"), "{out}");
    let (ok, out, err) =
        drainplan(&[&["report", "contributions", "--kind", "money"][..], &DATA].concat());
    assert!(ok, "{err}");
    assert!(out.contains("Lê Thị Dung"), "{out}");
    assert!(out.contains("500,000"), "{out}");
    assert!(
        out.contains("Not yet agreed along canals to be built: 1 households"),
        "{out}"
    );
    assert!(out.contains("Trần Văn Cường"), "{out}");
}

#[test]
fn impact_of_a_route_file_and_of_a_canal_agree() {
    let (ok, table, err) = drainplan(
        &[
            &[
                "impact",
                "--route",
                "tests/fixtures/small_route.geojson",
                "--width",
                "6",
            ][..],
            &DATA,
        ]
        .concat(),
    );
    assert!(ok, "{err}");
    assert!(
        table.contains("Route 105.15 m, corridor 6.0 m wide"),
        "{table}"
    );
    // shapely/pyproj: 79.62 m² from p1 and 79.63 m² from p2.
    assert!(table.contains("79.62"), "{table}");
    assert!(table.contains("159.25"), "{table}");
    let (ok, from_file, _) = drainplan(
        &[
            &[
                "impact",
                "--route",
                "tests/fixtures/small_route.geojson",
                "--format",
                "json",
            ][..],
            &DATA,
        ]
        .concat(),
    );
    assert!(ok);
    let (ok, from_canal, _) =
        drainplan(&[&["impact", "--canal", "c2", "--format", "json"][..], &DATA].concat());
    assert!(ok);
    let a: Value = serde_json::from_str(&from_file).expect("JSON");
    let b: Value = serde_json::from_str(&from_canal).expect("JSON");
    assert_eq!(a["totals"], b["totals"]);
    let (ok, gj, _) = drainplan(
        &[
            &["impact", "--canal", "c2", "--format", "geojson"][..],
            &DATA,
        ]
        .concat(),
    );
    assert!(ok);
    let g: Value = serde_json::from_str(&gj).expect("JSON");
    assert_eq!(g["features"].as_array().map(Vec::len), Some(2));
}

#[test]
fn mistakes_are_explained_on_stderr() {
    let (ok, _, err) =
        drainplan(&[&["impact", "--canal", "c2", "--width", "-3"][..], &DATA].concat());
    assert!(!ok);
    assert!(
        err.contains("corridor_width_m must be a number of metres from 0.1 to 200"),
        "{err}"
    );
    let (ok, _, err) = drainplan(&[&["impact", "--canal", "zz"][..], &DATA].concat());
    assert!(!ok);
    assert!(err.contains("no canal `zz`"), "{err}");
    let (ok, _, err) = drainplan(&[
        "report",
        "water-connection",
        "--data",
        "tests/fixtures/nowhere",
    ]);
    assert!(!ok);
    assert!(
        err.contains("tests/fixtures/nowhere/villages.geojson: cannot read"),
        "{err}"
    );
    assert!(!err.contains("stack backtrace"), "{err}");
}

/// `drainplan user add` reads the password from standard input and stores a user who
/// signs in with it (tests/gdal.rs made its viewer this way before it took the harness's
/// users).
#[test]
fn user_add_reads_the_password_from_standard_input() {
    let data = common::data_copy("tests/fixtures/small", "user-add").join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args(["user", "add", "lan", "--role", "viewer", "--data"])
        .arg(&data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("mật khẩu dài\n".as_bytes())
        .expect("the password is written");
    assert!(
        child.wait().expect("it ends").success(),
        "drainplan user add failed"
    );
    let auth = Auth::open(&data).expect("users file");
    assert_eq!(auth.list(), [("lan".to_owned(), Role::Viewer)]);
    assert_eq!(
        auth.verify("lan", "mật khẩu dài").map(|c| c.role),
        Some(Role::Viewer)
    );
}

#[test]
fn the_tasks_of_the_sample_at_its_reference_date() {
    // data/README.md: at 2023-12-31 four tasks are late.
    let (ok, out, err) = drainplan(&[
        "tasks",
        "--at",
        "2023-12-31",
        "--flag",
        "late",
        "--data",
        "data",
    ]);
    assert!(ok, "{err}");
    let ids: Vec<&str> = out
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("t-"))
        .collect();
    assert_eq!(
        ids,
        [
            "t-fence-qt",
            "t-clear-750-dd-1",
            "t-clear-750-tc-1",
            "t-labour-youth"
        ],
        "{out}"
    );
    assert!(out.ends_with("4 tasks at 2023-12-31: 4 late\n"), "{out}");
    let (ok, _, err) = drainplan(&["tasks", "--at", "2023-02-30", "--data", "data"]);
    assert!(!ok);
    assert!(err.contains("--at 2023-02-30"), "{err}");
    let (ok, out, err) = drainplan(&["people", "--data", "data"]);
    assert!(ok, "{err}");
    assert!(out.ends_with("18 people\n"), "{out}");
}
