//! The map page's browser tests (tests/e2e, node's test runner driving Debian's headless
//! Chromium through playwright-core), run from `cargo test` so that the whole suite is one
//! command. They start the `drainplan` binary cargo built for this test run.
//!
//! Needs node/npm and /usr/bin/chromium (`.ci/run` installs Chromium); a missing one is a
//! failure with a message saying what to install, never a silent skip.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// `npm ci --prefix web` when web/node_modules lacks Leaflet, pbf or playwright-core.
fn ensure_node_modules(root: &Path) {
    let modules = root.join("web/node_modules");
    if modules.join("leaflet/package.json").exists()
        && modules.join("playwright-core/package.json").exists()
        && modules.join("pbf/package.json").exists()
    {
        return;
    }
    assert!(
        have("npm"),
        "npm is missing: install Node.js and npm (apt-get install nodejs npm) to run the map's browser tests"
    );
    let out = Command::new("npm")
        .args(["ci", "--prefix", "web", "--no-audit", "--no-fund"])
        .current_dir(root)
        .output()
        .expect("running npm ci --prefix web");
    assert!(
        out.status.success(),
        "npm ci --prefix web failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn map_page_in_headless_chromium() {
    let root = root();
    assert!(
        have("node"),
        "node is missing: install Node.js (apt-get install nodejs npm) to run the map's browser tests"
    );
    let chromium = chromium();
    assert!(
        chromium.exists(),
        "{} is missing: install Debian's Chromium (apt-get install chromium) to run the map's browser tests",
        chromium.display()
    );
    ensure_node_modules(&root);

    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec", "tests/e2e/"])
        .current_dir(&root)
        .env("DRAINPLAN_BIN", env!("CARGO_BIN_EXE_drainplan"))
        .env("CHROMIUM_PATH", &chromium)
        .output()
        .expect("running node --test tests/e2e/");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shown with --nocapture, and in the failure message below.
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "the browser tests failed (node --test tests/e2e/ exited with {}):\n{stdout}\n{stderr}",
        out.status
    );
}
