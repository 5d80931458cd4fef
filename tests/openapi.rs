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
            // One worker: with two, Debian 12's Python 3.11 now and then fails hypothesis's
            // ast.parse from two threads at once ("AST constructor recursion depth
            // mismatch", python/cpython#106905), a runtime error of the tool, not a finding.
            // The public and officer runs still go side by side.
            "--workers",
            "1",
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

/// Every operation the document lists, with `{…}` filled from the fixture.
fn documented_requests() -> Vec<(String, String)> {
    let fill = |path: &str| {
        path.replace("{collectionId}", "canals")
            .replace("{featureId}", "c1")
            .replace("{canalId}", "c1")
            .replace("{parcelId}", "p1")
            .replace("{householdId}", "h1")
            .replace("{name}", "viewer")
    };
    documented_operations()
        .into_iter()
        .map(|op| {
            let (method, path) = op.split_once(' ').unwrap();
            (method.to_owned(), fill(path))
        })
        .collect()
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    // An operation the document lists but the router does not serve would answer 405, or
    // the fallback's 404 "no such resource". Sent as an admin without a body: each handler
    // is reached and refuses or answers on its own terms.
    let state = common::memory_state("small");
    let requests = documented_requests();
    assert!(requests.len() > 30, "{requests:?}");
    for (method, uri) in requests {
        if method == "DELETE" {
            // Deleting is routed like PUT and PATCH on the same path; the users' DELETE
            // is checked below without removing anyone the other requests need.
            continue;
        }
        let reply = Req::new(&method, &uri).user("admin").send(&state).await;
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
        assert!(
            !reply.text().contains("no such resource"),
            "{method} {uri}: {}",
            reply.text()
        );
    }
    let reply = Req::new("DELETE", "/api/users/nobody")
        .user("admin")
        .send(&state)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        !reply.text().contains("no such resource"),
        "{}",
        reply.text()
    );
}

/// The paths the source registers outside the annotations (`.route("…"`,
/// `.route_service("…"`, `.nest("…"`, `.nest_service("…"`), from the files of src/api.
fn routes_outside_annotations() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // The call and its path may sit on separate lines once formatted.
        let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join("");
        for call in [
            ".route(\"",
            ".route_service(\"",
            ".nest(\"",
            ".nest_service(\"",
        ] {
            for rest in squeezed.split(call).skip(1) {
                let path = rest.split('"').next().unwrap().to_owned();
                found.push((file.display().to_string(), path));
            }
        }
    }
    found
}

#[tokio::test]
async fn every_route_the_router_serves_is_documented() {
    // The operations are routed from their annotations (utoipa_axum::routes!), so they
    // cannot be missing from the document; what the source registers by hand must be an
    // alias of a documented path (the same path with a trailing slash, answering the
    // same), GDAL's `/api` (this document again) or the map page's files.
    let doc = drainplan::api::openapi::document();
    let paths = doc["paths"].as_object().unwrap();
    let by_hand = routes_outside_annotations();
    assert!(
        by_hand.iter().any(|(_, p)| p == "/conformance/"),
        "{by_hand:?}"
    );
    let state = common::memory_state("small");
    for (file, path) in by_hand {
        let documented = match path.as_str() {
            "/api" => "/api/openapi.json".to_owned(),
            "/static" => continue,
            p => p.strip_suffix('/').unwrap_or(p).to_owned(),
        };
        assert!(
            paths.contains_key(&documented),
            "{file} routes `{path}`, which is neither documented nor an alias of a documented path"
        );
        let uri = |p: &str| p.replace("{collectionId}", "canals");
        let alias = Req::get(&uri(&path)).send(&state).await;
        let original = Req::get(&uri(&documented)).send(&state).await;
        assert_eq!(alias.status, StatusCode::OK, "{path}");
        assert_eq!(
            alias.content_type(),
            original.content_type(),
            "{path} answers as {documented} does"
        );
    }
}

#[test]
fn the_document_states_the_answers_each_operation_can_give() {
    let doc = drainplan::api::openapi::document();
    let op = |method: &str, path: &str| -> &serde_json::Value {
        let o = &doc["paths"][path][method];
        assert!(o.is_object(), "{method} {path} is not documented");
        o
    };
    let statuses = |o: &serde_json::Value| -> Vec<String> {
        o["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    // What any request can meet before its handler: a long target, wrong credentials,
    // the sign-in throttles.
    for ops in doc["paths"].as_object().unwrap().values() {
        for o in ops.as_object().unwrap().values() {
            let have = statuses(o);
            assert!(
                have.iter().any(|s| s.starts_with('2')),
                "{} lacks a 2xx",
                o["operationId"]
            );
            for s in ["401", "414", "429"] {
                assert!(
                    have.contains(&s.to_owned()),
                    "{} lacks {s}",
                    o["operationId"]
                );
            }
        }
    }
    // The OGC API – Features Part 4 edits: versions, conflicts, rules, a full disk.
    let items = "/collections/{collectionId}/items";
    let item = "/collections/{collectionId}/items/{featureId}";
    for (method, path, more) in [
        ("post", items, vec!["201", "409"]),
        ("put", item, vec!["200", "412", "428"]),
        ("patch", item, vec!["200", "412", "428"]),
        ("delete", item, vec!["204", "409", "412", "428"]),
    ] {
        let have = statuses(op(method, path));
        for s in ["400", "403", "404", "415", "422", "507"]
            .into_iter()
            .chain(more)
        {
            if method == "delete" && matches!(s, "415" | "422") {
                continue; // no body
            }
            assert!(
                have.contains(&s.to_owned()),
                "{method} {path} lacks {s}: {have:?}"
            );
        }
    }
    for (method, path) in [
        ("post", items),
        ("put", item),
        ("patch", item),
        ("post", "/api/canals/{canalId}/status"),
    ] {
        assert!(
            statuses(op(method, path)).contains(&"413".to_owned()),
            "{method} {path}"
        );
    }
    // The history, users and sessions.
    op(
        "get",
        "/collections/{collectionId}/items/{featureId}/history",
    );
    op("get", "/api/history");
    op("get", "/api/users");
    op("post", "/api/users");
    op("delete", "/api/users/{name}");
    op("post", "/api/session");
    // The downloads name every format, xlsx and dxf among them, with their media types.
    let format = op("get", "/api/export/{collectionId}")["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "format")
        .unwrap()
        .clone();
    let format_schema = &format["schema"];
    let enum_of = |s: &serde_json::Value| -> serde_json::Value {
        match s.get("$ref").and_then(|r| r.as_str()) {
            Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap()["enum"].clone(),
            None => s["enum"].clone(),
        }
    };
    let formats = enum_of(format_schema);
    for f in ["geojson", "csv", "kml", "shp", "gpkg", "dxf", "xlsx"] {
        assert!(
            formats.as_array().unwrap().iter().any(|x| x == f),
            "{f}: {formats}"
        );
    }
    let ok = &op("get", "/api/export/{collectionId}")["responses"]["200"]["content"];
    for media in [
        "image/vnd.dxf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    ] {
        assert!(ok.get(media).is_some(), "{media}: {ok}");
    }
    // And the reports offer their workbooks.
    for report in [
        "canal-length",
        "water-connection",
        "contributions",
        "monthly-progress",
        "review",
    ] {
        let o = op("get", &format!("/api/reports/{report}"));
        assert!(
            o["responses"]["200"]["content"]
                .get("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .is_some(),
            "{report}"
        );
        assert!(
            o["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "format"),
            "{report}"
        );
    }
}

#[tokio::test]
async fn every_corridor_width_the_document_allows_gives_a_dossier() {
    // Found by schemathesis: a width of 5e-324 m passed the rule (above 0) and the
    // document (exclusiveMinimum 0), but its buffer collapsed to an empty polygon that
    // the dossier's shapefile refused with a 400, and the impact answered 0 m². The rule
    // now has a floor, and the document states it: the document's bounds are read here
    // and each end is tried, with a width just outside refused alike by every path.
    let doc = drainplan::api::openapi::document();
    let width = doc["paths"]["/api/dossier/canals/{canalId}"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "corridor_width_m")
        .unwrap()["schema"]
        .clone();
    let (min, max) = (
        width["minimum"].as_f64().unwrap(),
        width["maximum"].as_f64().unwrap(),
    );
    assert!(width.get("exclusiveMinimum").is_none(), "{width}");
    assert_eq!((min, max), (0.1, 200.0));
    let state = common::memory_state("small");
    for w in [min, max] {
        let r = Req::get(&format!("/api/dossier/canals/c2?corridor_width_m={w}"))
            .user("viewer")
            .send(&state)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{w}: {}", r.text());
        assert_eq!(r.content_type(), "application/zip");
    }
    for w in [min * 0.99, 5e-324, max * 1.001] {
        let r = Req::get(&format!("/api/dossier/canals/c2?corridor_width_m={w}"))
            .send(&state)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{w}");
        assert!(r.text().contains("from 0.1 to 200"), "{}", r.text());
        let r = Req::post("/api/analyses/route-impact")
            .json(&serde_json::json!({"route": {"type": "LineString",
                "coordinates": [[105.7005, 19.2205], [105.7015, 19.2205]]},
                "corridor_width_m": w}))
            .send(&state)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{w}");
        assert_eq!(r.json()["field"], "corridor_width_m");
    }
}

#[tokio::test]
async fn a_user_name_the_document_allows_is_accepted() {
    // Found by schemathesis: "1 to 64 characters" was counted in bytes by the users
    // file (a name of 64 Vietnamese letters, up to 192 bytes, was a 400), and a name of
    // spaces matched the document's pattern but is empty once trimmed. The pattern is
    // checked here with Python's re, which schemathesis generates from.
    let dir = common::copy_fixture("small", "openapi-user-names");
    let state = common::disk_state(&dir);
    let doc = drainplan::api::openapi::document();
    let name = &doc["components"]["schemas"]["SetUser"]["properties"]["name"];
    let long = "Nguyễn Thị Hồng Nhung Lê Văn Đức Trần Quốc Việt Phạm Thị Thu Hương ";
    let long: String = long.chars().cycle().take(64).collect();
    assert_eq!(long.chars().count(), 64);
    assert!(long.len() > 64);
    let matches = |candidates: &[&str]| -> Vec<bool> {
        let out = common::python::run_python(
            "import json, re, sys\npattern = json.loads(sys.argv[1])\n\
             for n in json.loads(sys.argv[2]): print(bool(re.search(pattern, n)))",
            &[
                &name["pattern"].to_string(),
                &serde_json::to_string(candidates).unwrap(),
            ],
        );
        out.lines().map(|l| l == "True").collect()
    };
    let accepted = [long.trim_end(), " lan ", "Hà"];
    assert_eq!(matches(&accepted), vec![true; 3]);
    for n in accepted {
        let r = Req::post("/api/users")
            .user("admin")
            .json(&serde_json::json!({"name": n, "role": "viewer", "password": "a long password"}))
            .send(&state)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{n}: {}", r.text());
        // Answered as stored: without the spaces around it.
        assert_eq!(r.json()["name"], n.trim());
    }
    let refused = ["   ", "a:b", "tab\there", "\u{85}"];
    assert_eq!(matches(&refused), vec![false; 4]);
    for n in refused {
        let r = Req::post("/api/users")
            .user("admin")
            .json(&serde_json::json!({"name": n, "role": "viewer", "password": "a long password"}))
            .send(&state)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{n:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
