//! The Python the tests use to run independent clients (ezdxf, openpyxl, EPA SWMM,
//! schemathesis): a virtual environment in `target/pyenv` made from tests/requirements.txt
//! the first time a test needs it. `DRAINPLAN_PYTHON` points elsewhere.
//!
//! A missing python3 or a failed install is a test failure that says what to install,
//! never a silent skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The virtual environment's python, made (once per test process, and once per machine
/// while tests/requirements.txt does not change) if missing.
pub fn python() -> PathBuf {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        if let Some(p) = std::env::var_os("DRAINPLAN_PYTHON") {
            return PathBuf::from(p);
        }
        let env = root().join("target/pyenv");
        let py = env.join("bin/python3");
        let requirements = root().join("tests/requirements.txt");
        let stamp = env.join("requirements.txt");
        let wanted = std::fs::read(&requirements).expect("reading tests/requirements.txt");
        if py.exists() && std::fs::read(&stamp).ok().as_deref() == Some(&wanted[..]) {
            return py;
        }
        // Several test binaries may get here at once: one makes the environment, the
        // others wait on the lock file.
        let _lock = DirLock::take(&root().join("target/pyenv.lock"));
        if py.exists() && std::fs::read(&stamp).ok().as_deref() == Some(&wanted[..]) {
            return py;
        }
        if !py.exists() {
            run(
                Command::new("python3").args(["-m", "venv"]).arg(&env),
                "python3 -m venv target/pyenv (install python3 and python3-venv)",
            );
        }
        run(
            Command::new(&py)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&requirements),
            "pip install -r tests/requirements.txt",
        );
        std::fs::write(&stamp, &wanted).expect("writing target/pyenv/requirements.txt");
        py
    })
    .clone()
}

/// Runs `script` with the environment's python and the given arguments; returns its
/// standard output, failing the test with both streams when it fails.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("running python");
    assert!(
        out.status.success(),
        "python failed:\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An exclusive lock held as a directory that exists while the lock is held.
struct DirLock(PathBuf);

impl DirLock {
    fn take(path: &Path) -> DirLock {
        let _ = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")));
        let start = std::time::Instant::now();
        loop {
            if std::fs::create_dir(path).is_ok() {
                return DirLock(path.to_owned());
            }
            // A lock left by a killed test run is taken over after ten minutes.
            if start.elapsed() > std::time::Duration::from_secs(600) {
                let _ = std::fs::remove_dir(path);
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}
