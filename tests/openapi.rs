//! The OpenAPI document (`/api/openapi.json`) against independent tools:
//!
//! - openapi-spec-validator checks it is valid OpenAPI 3.0 (what GDAL and QGIS read);
//! - schemathesis runs every operation it lists against a real `drainplan serve` on a copy
//!   of tests/fixtures/small, anonymously and as an officer, with every check it has
//!   (`--checks all`: no 5xx, every status, media type, header and body as documented,
//!   schema-valid input accepted and invalid input refused, auth enforced where declared).
//!   tests/schemathesis.toml offers the fixture's ids and names the few rules a schema
//!   cannot state.
//!
//! Both use the Python of tests/common/python.rs (tests/requirements.txt).

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on a broken fixture or tool"
)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use axum::http::StatusCode;
use common::{Req, Server};

/// A fixed seed: the same cases on every run, so that a failure in CI can be replayed.
const SEED: &str = "20261204";

/// Test cases per operation and phase: about a minute for both runs on two cores.
const MAX_EXAMPLES: &str = "20";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn the_document_is_valid_openapi_30() {
    let state = common::memory_state("small");
    let reply = Req::get("/api/openapi.json").send(&state).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/vnd.oai.openapi+json;version=3.0")
    );
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.0.3");
    let path = std::env::temp_dir().join(format!("drainplan-openapi-{}.json", std::process::id()));
    std::fs::write(&path, &reply.bytes).unwrap();
    // Every error, not only the first: a report that lists them all is the one to fix from.
    let out = common::python::run_python(
        r#"
import json, sys
from openapi_spec_validator.validation.validators import OpenAPIV30SpecValidator
doc = json.load(open(sys.argv[1]))
errors = list(OpenAPIV30SpecValidator(doc).iter_errors())
for e in errors:
    print("/".join(str(p) for p in e.absolute_path), "-", e.message[:500])
print(len(errors), "errors")
"#,
        &[path.to_str().unwrap()],
    );
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        out.lines().last(),
        Some("0 errors"),
        "the document is not valid OpenAPI 3.0:\n{out}"
    );
}

/// What schemathesis reported.
struct Run {
    /// Its output.
    text: String,
    /// The operations it tested (`GET /path`), from its JUnit report.
    tested: Vec<String>,
}

/// Runs schemathesis against a fresh service on a copy of the fixture, with `extra`
/// arguments; asserts it found nothing.
fn schemathesis(name: &str, extra: &[&str]) -> Run {
    let dir = common::copy_fixture("small", &format!("schemathesis-{name}"));
    let server = Server::start(&dir, &[]);
    let base = format!("http://{}", server.addr);
    // Its cache and reports stay in a directory of their own.
    let work = dir.join("st");
    std::fs::create_dir_all(&work).unwrap();
    let mut cmd = Command::new(common::python::python());
    cmd.args(["-m", "schemathesis.cli", "--no-color", "--config-file"])
        .arg(root().join("tests/schemathesis.toml"))
        .arg("run")
        .arg(format!("{base}/api/openapi.json"))
        .args([
            "--checks",
            "all",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            "--no-shrink",
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--wait-for-schema",
            "10",
            // The run's own credentials only: generated ones would be wrong passwords,
            // which the service rations per client address (429), starving the run.
            "--generation-with-security-parameters",
            "false",
            "--report",
            "junit",
            "--report-dir",
        ])
        .arg(&work)
        .args(extra)
        .current_dir(&work);
    let started = std::time::Instant::now();
    let out = cmd.output().unwrap();
    let took = started.elapsed();
    drop(server);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let junit = std::fs::read_dir(&work)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap_or_default();
    let tested = junit
        .split("<testcase name=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        // The stateful phase's chains of operations are reported as one more case.
        .filter(|name| *name != "Stateful tests")
        .map(|name| name.replace("&amp;", "&"))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "schemathesis ({name}) found problems:\n{text}"
    );
    println!("schemathesis ({name}) took {took:?}\n{text}");
    Run { text, tested }
}

/// Every operation the document lists, as `GET /path`.
fn documented_operations() -> Vec<String> {
    let doc = drainplan::api::openapi::document();
    let mut ops: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    ops.sort();
    ops
}

/// Schemathesis tested every operation but the one it read the document from.
fn assert_every_operation_tested(run: &Run) {
    let mut tested = run.tested.clone();
    tested.sort();
    let expected: Vec<String> = documented_operations()
        .into_iter()
        .filter(|op| op != "GET /api/openapi.json")
        .collect();
    assert_eq!(tested, expected, "operations tested\n{}", run.text);
}

#[test]
fn schemathesis_finds_nothing_for_the_public() {
    let run = schemathesis("public", &[]);
    assert_every_operation_tested(&run);
}

#[test]
fn schemathesis_finds_nothing_for_an_officer() {
    let authorization = format!("Authorization: {}", common::basic("officer"));
    let run = schemathesis(
        "officer",
        &[
            "--header",
            &authorization,
            // ignored_auth also sends each restricted operation made-up credentials and
            // expects 401; after five wrong passwords from one address the service answers
            // 429 without checking (README, "Who sees and changes what"), as it should.
            // The public run checks that every restricted operation refuses a caller
            // without credentials; tests/api.rs and tests/sign_in_flood.rs that wrong
            // ones are refused (401, then 429).
            "--exclude-checks",
            "ignored_auth",
        ],
    );
    assert_every_operation_tested(&run);
}
#[test]
fn the_config_names_only_documented_operations() {
    // An exception for an operation that no longer exists would silently stop applying.
    let doc = drainplan::api::openapi::document();
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let config = std::fs::read_to_string(root().join("tests/schemathesis.toml")).unwrap();
    for line in config.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        let named: Vec<&str> = match key.trim() {
            "include-operation-id" => vec![value],
            "include-operation-id-regex" => value
                .trim_start_matches("^(")
                .trim_end_matches(")$")
                .split('|')
                .collect(),
            _ => continue,
        };
        for id in named {
            assert!(
                ids.contains(&id),
                "tests/schemathesis.toml names `{id}`, which the document does not list"
            );
        }
    }
}
