//! The PostGIS store (README "PostGIS: many instances and QGIS") against a throw-away
//! PostgreSQL 15 + PostGIS 3 cluster (tests/common/pg.rs): migrate both ways, two
//! instances seeing each other's edits, an ETag race, kill -9 of an instance mid-edit, a
//! lost database connection, an edit made in SQL as an officer's role (as QGIS makes it),
//! the database's own rules, the public role's column grants, and instances started for
//! some communes or provinces.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::pg::{Cluster, shared};
use common::{PASSWORD, Server, basic, copy_fixture};
use drainplan::model::LayerKind;
use drainplan::store::Dataset;
use serde_json::{Value, json};

/// One HTTP/1.1 exchange: status, headers (lower-case names), body.
fn call(
    addr: &str,
    method: &str,
    path: &str,
    user: Option<&str>,
    if_match: Option<&str>,
    body: Option<&Value>,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(u) = user {
        head.push_str(&format!("Authorization: {}\r\n", basic(u)));
    }
    if let Some(m) = if_match {
        head.push_str(&format!("If-Match: {m}\r\n"));
    }
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(head.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    // Chunked bodies are not used for these small JSON answers; strip a chunk frame if any.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, headers, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The feature and its ETag, through `addr`.
fn get(addr: &str, layer: &str, id: &str) -> (Value, String) {
    let (status, h, body) = call(
        addr,
        "GET",
        &format!("/collections/{layer}/items/{id}"),
        Some("officer"),
        None,
        None,
    );
    assert_eq!(status, 200, "{body}");
    (
        serde_json::from_str(&body).unwrap(),
        header(&h, "etag").unwrap().to_owned(),
    )
}

/// Replaces a household's `members` through `addr` with If-Match `tag`.
fn put_members(addr: &str, id: &str, tag: &str, members: i64) -> (u16, String, String) {
    let (mut f, _) = get(addr, "households", id);
    f["properties"]["members"] = json!(members);
    let (status, h, body) = call(
        addr,
        "PUT",
        &format!("/collections/households/items/{id}"),
        Some("officer"),
        Some(tag),
        Some(&f),
    );
    (
        status,
        header(&h, "etag").unwrap_or_default().to_owned(),
        body,
    )
}

fn members(addr: &str, id: &str) -> Value {
    get(addr, "households", id).0["properties"]["members"].clone()
}

/// Waits until `check` holds, at most `limit`; returns how long it took.
fn within(limit: Duration, mut check: impl FnMut() -> bool) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if check() {
            return Some(t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

fn drainplan(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `drainplan` as [`drainplan`] does and fails the test, with its stderr, unless it
/// succeeds.
fn drainplan_ok(args: &[&str], stdin: &str) {
    let out = drainplan(args, stdin);
    assert!(
        out.status.success(),
        "drainplan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The small fixture (with its users) moved into a new database `db` of `cluster`.
fn migrated(cluster: &Cluster, db: &str) -> (PathBuf, String) {
    migrated_fixture(cluster, "small", db)
}

/// The fixture `fixture` (with its users) moved into a new database `db` of `cluster`.
fn migrated_fixture(cluster: &Cluster, fixture: &str, db: &str) -> (PathBuf, String) {
    let dir = copy_fixture(fixture, &format!("pg-{db}"));
    let url = cluster.database(db);
    drainplan_ok(
        &["migrate", "--data", dir.to_str().unwrap(), "--to", &url],
        "",
    );
    (dir, url)
}

fn serve(dir: &Path, url: &str) -> Server {
    Server::start_with_args(dir, &[], &["--store", url])
}

/// The fixture `fixture` moved into a new database `db` of `cluster`, and two instances
/// serving it.
fn two_instances(cluster: &Cluster, fixture: &str, db: &str) -> (PathBuf, String, Server, Server) {
    let (dir, url) = migrated_fixture(cluster, fixture, db);
    let a = serve(&dir, &url);
    let b = serve(&dir, &url);
    (dir, url, a, b)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_tree(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The files of a data directory other than its layers and history, relative paths with
/// their bytes.
fn other_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(root.join(rel)).unwrap() {
            let e = e.unwrap();
            let r = rel.join(e.file_name());
            let name = e.file_name().to_string_lossy().into_owned();
            let top = rel.as_os_str().is_empty();
            if top
                && (name.ends_with(".geojson")
                    || ["snapshot.json", "snapshots", "history", "journal.ndjson"]
                        .contains(&name.as_str()))
            {
                continue;
            }
            if e.path().is_dir() {
                walk(root, &r, out);
            } else {
                out.push((r.clone(), std::fs::read(e.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, Path::new(""), &mut out);
    out.sort();
    out
}

#[test]
fn migrate_both_ways_loses_nothing() {
    use drainplan::store::edit::{Edit, EditOp};
    use drainplan::store::live::{Store, read_history};
    let cluster = shared();
    // The sample data with every kind of file: campaign register, design tables, users,
    // an attachment.
    let dir = std::env::temp_dir().join(format!("drainplan-pg-migrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(Path::new("data"), &dir);
    drainplan::auth::Auth::open(&dir)
        .unwrap()
        .set_user("officer", drainplan::auth::Role::Officer, PASSWORD)
        .unwrap();
    std::fs::create_dir_all(dir.join("attachments/ab")).unwrap();
    std::fs::write(dir.join("attachments/ab/scan.bin"), [0u8, 159, 146, 150]).unwrap();
    // History in the archive and in the journal: two edits, a compaction, two more.
    {
        let store = Store::open(&dir).unwrap();
        let data = store.snapshot();
        let h = &data.households.features[0];
        let mut changed = h.to_json();
        // Written as 5.0: it must come back as 5.0, not 5 (the version hashes the text).
        changed["properties"]["members"] = json!(5.0);
        changed["properties"]["note"] = json!("hộ mới đăng ký");
        store
            .edit(
                Edit {
                    op: EditOp::Replace,
                    collection: LayerKind::Households,
                    id: h.id.clone(),
                    feature: Some(changed),
                    date: Some("2026-11-20".into()),
                },
                "officer",
                None,
            )
            .unwrap();
        let mut new = h.to_json();
        new["id"] = json!("h-pg-new");
        new["properties"]["water_status"] = json!("registered");
        new["properties"]["dwelling_id"] = Value::Null;
        store
            .edit(
                Edit {
                    op: EditOp::Create,
                    collection: LayerKind::Households,
                    id: "h-pg-new".into(),
                    feature: Some(new),
                    date: None,
                },
                "officer",
                None,
            )
            .unwrap();
        store.compact().unwrap().unwrap();
        store
            .edit(
                Edit {
                    op: EditOp::Delete,
                    collection: LayerKind::Households,
                    id: "h-pg-new".into(),
                    feature: None,
                    date: None,
                },
                "admin",
                None,
            )
            .unwrap();
    }
    let history = read_history(&dir).unwrap();
    assert_eq!(history.len(), 3);
    let before = Dataset::load(&dir).unwrap();

    let url = cluster.database("migrate_both_ways");
    drainplan_ok(
        &["migrate", "--data", dir.to_str().unwrap(), "--to", &url],
        "",
    );
    // A second migration into the same database is refused, and changes nothing.
    let again = drainplan(
        &["migrate", "--data", dir.to_str().unwrap(), "--to", &url],
        "",
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already has a `drainplan` schema"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let back = dir.with_extension("back");
    let _ = std::fs::remove_dir_all(&back);
    drainplan_ok(
        &["migrate", "--from", &url, "--data", back.to_str().unwrap()],
        "",
    );

    let after = Dataset::load(&back).unwrap();
    for kind in LayerKind::ALL {
        let a: Vec<(String, Value, String)> = before
            .layer(kind)
            .features
            .iter()
            .map(|f| (f.id.clone(), f.to_json(), f.version()))
            .collect();
        let b: Vec<(String, Value, String)> = after
            .layer(kind)
            .features
            .iter()
            .map(|f| (f.id.clone(), f.to_json(), f.version()))
            .collect();
        assert!(!a.is_empty() || kind == LayerKind::Catchments, "{kind}");
        assert_eq!(a, b, "{kind}");
    }
    let h = &after.households.features[0];
    assert_eq!(h.properties["members"].to_string(), "5.0");
    assert_eq!(read_history(&back).unwrap(), history);
    assert_eq!(other_files(&back), other_files(&dir));
    assert!(
        other_files(&dir)
            .iter()
            .any(|(p, _)| p.ends_with("scan.bin"))
    );
    // The monthly progress (the ledger) comes back as it was.
    let p1 = serde_json::to_value(Store::open(&dir).unwrap().progress()).unwrap();
    let p2 = serde_json::to_value(Store::open(&back).unwrap().progress()).unwrap();
    assert_eq!(p1, p2);
    // The campaign register changed in the database comes back with the change, its
    // version and its history; the records not changed are as they were.
    use drainplan::campaign::register::Register;
    let register = Register::open_pg(&url).unwrap();
    let migrated = Register::open(&dir).unwrap();
    let table = migrated.snapshot().table_names().next().unwrap().to_owned();
    let mut first = migrated.snapshot().records(&table)[0].clone();
    assert_eq!(register.snapshot().get(&table, &first.id), Some(&first));
    first.value["note"] = json!("đổi qua PostGIS");
    let change = register
        .replace("officer", &table, &first.id, first.value.clone(), None)
        .unwrap();
    let back2 = dir.with_extension("back2");
    let _ = std::fs::remove_dir_all(&back2);
    drainplan_ok(
        &["migrate", "--from", &url, "--data", back2.to_str().unwrap()],
        "",
    );
    let returned = Register::open(&back2).unwrap();
    let got = returned.snapshot().get(&table, &first.id).cloned().unwrap();
    assert_eq!((got.version, &got.value), (change.seq, &first.value));
    assert_eq!(returned.all_history(), register.all_history());
    assert_eq!(
        returned
            .history(&table, Some(&first.id))
            .last()
            .map(|c| (**c).clone()),
        Some(change)
    );
    for name in migrated.snapshot().table_names() {
        let ids = |r: &Register| -> Vec<(String, u64, Value)> {
            r.snapshot()
                .records(name)
                .iter()
                .filter(|x| x.id != first.id)
                .map(|x| (x.id.clone(), x.version, x.value.clone()))
                .collect()
        };
        assert_eq!(ids(&returned), ids(&migrated), "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&back);
    let _ = std::fs::remove_dir_all(&back2);
}

#[test]
fn the_campaign_register_is_shared_between_instances() {
    let (dir, _url, a, b) = two_instances(shared(), "campaign", "register_shared");
    let tasks = |addr: &str| -> Vec<Value> {
        let (status, _, body) = call(addr, "GET", "/api/tasks", Some("admin"), None, None);
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        v["tasks"].as_array().unwrap().clone()
    };
    // The fixture's six tasks/campaign/tasks.json were migrated.
    assert_eq!(tasks(&b.addr).len(), 6);
    let body = json!({
        "title": "Vận động hiến đất lô p1", "kind": "clearance", "village_id": "vil-a",
        "responsible": "p-2", "supporting": ["p-3"], "start": "2024-01-01",
        "deadline": "2024-03-31", "status": "open", "done_on": null,
        "features": [{"collection": "parcels", "id": "p1"}], "target": null, "note": null
    });
    let (status, headers, created) = call(
        &a.addr,
        "POST",
        "/api/tasks",
        Some("admin"),
        None,
        Some(&body),
    );
    assert_eq!(status, 201, "{created}");
    let created: Value = serde_json::from_str(&created).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let tag = header(&headers, "etag").unwrap().to_owned();
    // Read through B at once: reads go to the database.
    let (status, headers, read) = call(
        &b.addr,
        "GET",
        &format!("/api/tasks/{id}"),
        Some("admin"),
        None,
        None,
    );
    assert_eq!(status, 200, "{read}");
    assert_eq!(header(&headers, "etag"), Some(tag.as_str()));
    assert_eq!(
        serde_json::from_str::<Value>(&read).unwrap()["title"],
        body["title"]
    );
    assert_eq!(tasks(&b.addr).len(), 7);
    // Changed through B with the version read; then through A with that same, now
    // stale, version: 412, and the record stays B's.
    let mut done = body.clone();
    done["id"] = json!(id);
    done["status"] = json!("done");
    done["done_on"] = json!("2024-02-01");
    let (status, _, answer) = call(
        &b.addr,
        "PUT",
        &format!("/api/tasks/{id}"),
        Some("admin"),
        Some(&tag),
        Some(&done),
    );
    assert_eq!(status, 200, "{answer}");
    let mut cancelled = done.clone();
    cancelled["status"] = json!("cancelled");
    cancelled["done_on"] = Value::Null;
    let (status, _, answer) = call(
        &a.addr,
        "PUT",
        &format!("/api/tasks/{id}"),
        Some("admin"),
        Some(&tag),
        Some(&cancelled),
    );
    assert_eq!(status, 412, "{answer}");
    assert!(serde_json::from_str::<Value>(&answer).unwrap()["error"].is_string());
    let (_, _, read) = call(
        &a.addr,
        "GET",
        &format!("/api/tasks/{id}"),
        Some("admin"),
        None,
        None,
    );
    assert_eq!(
        serde_json::from_str::<Value>(&read).unwrap()["status"],
        "done"
    );
    // Both changes are in the history each instance serves, by number 1 and 2 (the
    // fixture's tasks have no history).
    let (status, _, history) = call(
        &a.addr,
        "GET",
        &format!("/api/tasks/{id}/history"),
        Some("admin"),
        None,
        None,
    );
    assert_eq!(status, 200, "{history}");
    let mut client = shared().client("postgres", "register_shared");
    let rows: Vec<(i64, String)> = client
        .query(
            "SELECT seq, id FROM drainplan.campaign_history ORDER BY seq",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows, [(1, id.clone()), (2, id.clone())]);
    let version: i64 = client
        .query_one(
            "SELECT version FROM drainplan.campaign_records WHERE tbl = 'tasks' AND id = $1",
            &[&id],
        )
        .unwrap()
        .get(0);
    assert_eq!(version, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_instances_see_each_others_edits_within_a_second() {
    let (_dir, _url, a, b) = two_instances(shared(), "small", "two_instances");
    let (_, tag) = get(&a.addr, "households", "h1");
    let (status, _, body) = put_members(&a.addr, "h1", &tag, 3);
    assert_eq!(status, 200, "{body}");
    let took = within(Duration::from_secs(1), || {
        members(&b.addr, "h1") == json!(3)
    });
    assert!(took.is_some(), "B did not see A's edit within 1 s");
    // And the other way.
    let (_, tag) = get(&b.addr, "households", "h1");
    let (status, _, body) = put_members(&b.addr, "h1", &tag, 6);
    assert_eq!(status, 200, "{body}");
    assert!(
        within(Duration::from_secs(1), || members(&a.addr, "h1")
            == json!(6))
        .is_some()
    );
    // Both give the same version.
    assert_eq!(
        get(&a.addr, "households", "h1").1,
        get(&b.addr, "households", "h1").1
    );
    // What the database does not share yet is refused, not kept on one instance's disk.
    for path in ["/api/users", "/api/attachments"] {
        let (status, _, body) = call(&a.addr, "POST", path, Some("admin"), None, Some(&json!({})));
        assert_eq!(status, 501, "{path}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert!(
            error["error"].as_str().unwrap().contains("PostGIS"),
            "{error}"
        );
    }
}

#[test]
fn an_etag_race_between_two_instances_has_one_winner() {
    let (_dir, _url, a, b) = two_instances(shared(), "small", "etag_race");
    for round in 0..5_i64 {
        let (_, tag) = get(&a.addr, "households", "h2");
        assert_eq!(get(&b.addr, "households", "h2").1, tag);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let go = |addr: String, n: i64| {
            let tag = tag.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let (mut f, _) = get(&addr, "households", "h2");
                f["properties"]["members"] = json!(n);
                barrier.wait();
                call(
                    &addr,
                    "PUT",
                    "/collections/households/items/h2",
                    Some("officer"),
                    Some(&tag),
                    Some(&f),
                )
            })
        };
        let ta = go(a.addr.clone(), 10 + round);
        let tb = go(b.addr.clone(), 20 + round);
        let (sa, _, ba) = ta.join().unwrap();
        let (sb, _, bb) = tb.join().unwrap();
        let mut statuses = [sa, sb];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "A: {ba}\nB: {bb}");
        let winner = if sa == 200 { 10 + round } else { 20 + round };
        // The loser's error is JSON.
        let loser = if sa == 412 { &ba } else { &bb };
        assert!(serde_json::from_str::<Value>(loser).unwrap()["error"].is_string());
        for s in [&a, &b] {
            assert!(
                within(Duration::from_secs(1), || members(&s.addr, "h2")
                    == json!(winner))
                .is_some()
            );
        }
    }
}

/// The history rows of one feature, as (seq, members after) in order, and the table's
/// row.
fn db_state(cluster: &Cluster, db: &str, id: &str) -> (Vec<(i64, Value)>, Value) {
    let mut c = cluster.client("postgres", db);
    let rows = c
        .query(
            "SELECT seq, entry::text FROM drainplan.history WHERE fid = $1 ORDER BY seq",
            &[&id],
        )
        .unwrap();
    let history = rows
        .iter()
        .map(|r| {
            let e: Value = serde_json::from_str(r.get::<_, &str>(1)).unwrap();
            (r.get(0), e["feature"]["properties"]["members"].clone())
        })
        .collect();
    let now: Option<String> = c
        .query_one(
            "SELECT members::text FROM drainplan.households WHERE id = $1",
            &[&id],
        )
        .unwrap()
        .get(0);
    (
        history,
        now.map_or(Value::Null, |t: String| serde_json::from_str(&t).unwrap()),
    )
}

#[test]
fn kill_9_of_an_instance_mid_edit_loses_nothing_acknowledged() {
    let cluster = shared();
    let (dir, url, mut a, b) = two_instances(cluster, "small", "kill_nine");
    let addr = a.addr.clone();
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let seen = progress.clone();
    let writer = std::thread::spawn(move || {
        let mut acknowledged = 0;
        let (_, mut tag) = get(&addr, "households", "h3");
        for n in 1..=100_i64 {
            let Ok(mut s) = std::net::TcpStream::connect(&addr) else {
                break;
            };
            let f = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [105.701, 19.22042]},
                "properties": {"head": "Trần Văn Cường", "village_id": "vil-a", "dwelling_id": "d2",
                "water_status": "not_registered", "members": n}});
            let body = f.to_string();
            let req = format!(
                "PUT /collections/households/items/h3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {}\r\nIf-Match: {tag}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                basic("officer"),
                body.len()
            );
            if s.write_all(req.as_bytes()).is_err() {
                break;
            }
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if !answer.starts_with("HTTP/1.1 200") {
                break;
            }
            tag = answer
                .lines()
                .find_map(|l| l.strip_prefix("etag: "))
                .unwrap()
                .to_owned();
            acknowledged = n;
            seen.store(n, std::sync::atomic::Ordering::SeqCst);
        }
        acknowledged
    });
    // Killed in the middle of the run, once a few edits are acknowledged.
    assert!(
        within(Duration::from_secs(30), || progress
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 5)
        .is_some()
    );
    a.child.kill().unwrap(); // SIGKILL
    a.child.wait().unwrap();
    let acknowledged = writer.join().unwrap();
    assert!(acknowledged > 0, "no edit was acknowledged before the kill");
    assert!(acknowledged < 100, "every edit was made before the kill");
    let (history, now) = db_state(cluster, "kill_nine", "h3");
    // Every acknowledged edit is in the history, in order, once; at most the one edit in
    // flight was committed without its answer; the table holds the last history row.
    let values: Vec<Value> = history.iter().map(|(_, v)| v.clone()).collect();
    let expected: Vec<Value> = (1..=acknowledged).map(|n| json!(n)).collect();
    assert!(
        values == expected || values[..values.len() - 1] == expected[..],
        "acknowledged 1..={acknowledged}, history {values:?}"
    );
    assert_eq!(&now, values.last().unwrap());
    // The other instance follows; a restarted one starts from the database.
    assert!(within(Duration::from_secs(1), || members(&b.addr, "h3") == now).is_some());
    let a2 = serve(&dir, &url);
    assert_eq!(members(&a2.addr, "h3"), now);
    let (_, tag) = get(&a2.addr, "households", "h3");
    assert_eq!(put_members(&a2.addr, "h3", &tag, 42).0, 200);
}

#[test]
fn a_lost_database_fails_edits_clearly_serves_reads_and_recovers() {
    // A cluster of its own: this test stops it.
    let cluster = Cluster::start();
    let (dir, url) = migrated(&cluster, "lost_connection");
    let a = serve(&dir, &url);
    let (_, tag) = get(&a.addr, "households", "h4");
    cluster.stop_server();
    let (status, _, body) = put_members(&a.addr, "h4", &tag, 7);
    assert_eq!(status, 503, "{body}");
    let error = serde_json::from_str::<Value>(&body).unwrap()["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("cannot be reached") && error.contains("nothing was changed"),
        "{error}"
    );
    // Reads are served from the cache.
    assert_eq!(get(&a.addr, "households", "h4").1, tag);
    let (status, _, _) = call(
        &a.addr,
        "GET",
        "/collections/parcels/items?limit=5",
        None,
        None,
        None,
    );
    assert_eq!(status, 200);
    cluster.start_server();
    // The instance connects again by itself.
    let took = within(Duration::from_secs(10), || {
        put_members(&a.addr, "h4", &tag, 7).0 == 200
    });
    assert!(
        took.is_some(),
        "edits did not work again after the database came back"
    );
    assert_eq!(db_state(&cluster, "lost_connection", "h4").1, json!(7));
}

#[test]
fn an_edit_made_in_sql_as_an_officer_role_is_served_with_its_history() {
    let cluster = shared();
    let (dir, url) = migrated(cluster, "sql_edit");
    let a = serve(&dir, &url);
    drainplan_ok(&["db", "add-officer", "lan", "--store", &url], "mật khẩu\n");
    let mut lan = cluster.client("lan", "sql_edit");
    let n = lan
        .execute(
            "UPDATE drainplan.parcels SET clearance_status = 'agreed' WHERE id = 'p1'",
            &[],
        )
        .unwrap();
    assert_eq!(n, 1);
    let clearance =
        |id: &str| get(&a.addr, "parcels", id).0["properties"]["clearance_status"].clone();
    assert!(
        within(Duration::from_secs(1), || clearance("p1")
            == json!("agreed"))
        .is_some()
    );
    let (code, _, body) = call(
        &a.addr,
        "GET",
        "/api/history?limit=5",
        Some("officer"),
        None,
        None,
    );
    assert_eq!(code, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let entries = body
        .as_array()
        .cloned()
        .or_else(|| body["entries"].as_array().cloned())
        .unwrap();
    let newest = &entries[0];
    assert_eq!(newest["user"], "lan", "{newest}");
    assert_eq!(newest["id"], "p1");
    assert_eq!(newest["op"], "replace");
    // A QGIS transaction left open on a feature while an officer edits it through
    // drainplan: the edit waits for it (no deadlock), then sees its change and is refused.
    let (_, tag) = get(&a.addr, "households", "h5");
    let mut open = lan.transaction().unwrap();
    open.execute(
        "UPDATE drainplan.households SET members = 8 WHERE id = 'h5'",
        &[],
    )
    .unwrap();
    let addr = a.addr.clone();
    let edit = std::thread::spawn(move || put_members(&addr, "h5", &tag, 9));
    std::thread::sleep(Duration::from_millis(1500));
    open.commit().unwrap();
    let (status, _, body) = edit.join().unwrap();
    assert_eq!(status, 412, "{body}");
    assert!(
        within(Duration::from_secs(1), || members(&a.addr, "h5")
            == json!(8))
        .is_some()
    );
    // The database's own rules refuse what drainplan refuses.
    let p2 = clearance("p2");
    for (sql, why) in [
        (
            "UPDATE drainplan.parcels SET clearance_status = 'soon' WHERE id = 'p2'",
            "an unknown status",
        ),
        (
            "UPDATE drainplan.parcels SET map_sheet = -1 WHERE id = 'p2'",
            "a negative sheet",
        ),
        (
            "UPDATE drainplan.parcels SET owner_household = 'nobody' WHERE id = 'p2'",
            "an owner that is not a household",
        ),
        (
            "UPDATE drainplan.households SET water_date = DATE '2999-01-01' WHERE id = 'h1'",
            "a day after tomorrow",
        ),
        (
            "UPDATE drainplan.households SET head = ' ' WHERE id = 'h1'",
            "a blank required name",
        ),
        (
            "UPDATE drainplan.households SET geom = ST_SetSRID(ST_MakeLine(ST_MakePoint(105.7,19.22), ST_MakePoint(105.71,19.22)), 4326) WHERE id = 'h1'",
            "a line for a household",
        ),
    ] {
        let e = lan
            .execute(sql, &[])
            .err()
            .unwrap_or_else(|| panic!("{why} was accepted"));
        let code = e.code().unwrap().code().to_owned();
        assert!(
            ["23514", "23503", "23502"].contains(&code.as_str()),
            "{why}: {e:?}"
        );
    }
    // Nothing of the refused changes reached the service.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(clearance("p2"), p2);
}

#[test]
fn the_public_role_is_refused_personal_columns() {
    let cluster = shared();
    let (_dir, _url) = migrated(cluster, "public_role");
    let mut c = cluster.client("postgres", "public_role");
    c.batch_execute("SET ROLE drainplan_public").unwrap();
    let rows = c
        .query("SELECT id, clearance_status FROM drainplan.parcels", &[])
        .unwrap();
    assert!(!rows.is_empty());
    for sql in [
        "SELECT owner_name FROM drainplan.parcels",
        "SELECT owner_household FROM drainplan.parcels",
        "SELECT head FROM drainplan.households",
        "SELECT * FROM drainplan.households",
        "SELECT entry FROM drainplan.history",
        "SELECT bytes FROM drainplan.files",
        "SELECT record FROM drainplan.campaign_records",
        "SELECT entry FROM drainplan.campaign_history",
    ] {
        let e = c.query(sql, &[]).unwrap_err();
        assert_eq!(e.code().unwrap().code(), "42501", "{sql}: {e:?}");
    }
    // A viewer reads them.
    c.batch_execute("RESET ROLE; SET ROLE drainplan_viewer")
        .unwrap();
    let n: i64 = c
        .query_one("SELECT count(head) FROM drainplan.households", &[])
        .unwrap()
        .get(0);
    assert!(n > 0);
    c.query("SELECT record FROM drainplan.campaign_records", &[])
        .unwrap();
    // Only an officer writes the register.
    let e = c
        .execute("DELETE FROM drainplan.campaign_records", &[])
        .unwrap_err();
    assert_eq!(e.code().unwrap().code(), "42501", "{e:?}");
}

/// The ids a collection serves through `addr`, to a viewer.
fn ids(addr: &str, layer: &str) -> Vec<String> {
    let (status, _, body) = call(
        addr,
        "GET",
        &format!("/collections/{layer}/items?limit=1000"),
        Some("viewer"),
        None,
        None,
    );
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let mut ids: Vec<String> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn an_instance_started_for_some_communes_loads_and_follows_only_them() {
    let cluster = shared();
    let (dir, url) = migrated(cluster, "communes");
    let mut c = cluster.client("postgres", "communes");
    // The fixture's two villages made two communes' (an edit in SQL).
    c.execute(
        "UPDATE drainplan.villages SET commune = 'Xã Khác' WHERE id = 'vil-b'",
        &[],
    )
    .unwrap();
    let all = serve(&dir, &url);
    let part = Server::start_with_args(&dir, &[], &["--store", &url, "--communes", "Xã Thử"]);
    assert_eq!(ids(&part.addr, "villages"), ["vil-a"]);
    assert_eq!(ids(&all.addr, "villages"), ["vil-a", "vil-b"]);
    // Households by their village link; in the fixture h1–h4 live in vil-a.
    let households: Vec<String> = c
        .query(
            "SELECT id FROM drainplan.households WHERE village_id = 'vil-a' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids(&part.addr, "households"), households);
    assert!(ids(&all.addr, "households").len() > households.len());
    // A household moved into the commune appears; one moved out disappears.
    let outside: String = c
        .query_one(
            "SELECT id FROM drainplan.households WHERE village_id = 'vil-b' ORDER BY id LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    c.execute(
        "UPDATE drainplan.households SET village_id = 'vil-a' WHERE id = $1",
        &[&outside],
    )
    .unwrap();
    assert!(
        within(Duration::from_secs(1), || ids(&part.addr, "households")
            .contains(&outside))
        .is_some()
    );
    c.execute(
        "UPDATE drainplan.households SET village_id = 'vil-b' WHERE id = $1",
        &[&outside],
    )
    .unwrap();
    assert!(
        within(Duration::from_secs(1), || !ids(&part.addr, "households")
            .contains(&outside))
        .is_some()
    );
}

/// A POST as the officer with an `Idempotency-Key`: status, whether it was a replay, body.
fn post_with_key(addr: &str, path: &str, key: &str, body: &Value) -> (u16, bool, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let body = body.to_string();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {}\r\nIdempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        basic("officer"),
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let replayed = head
        .to_ascii_lowercase()
        .contains("idempotent-replayed: true");
    (status, replayed, body.to_owned())
}

#[test]
fn a_request_sent_again_with_its_key_to_another_instance_is_stored_once() {
    let cluster = shared();
    let (_dir, _url, a, b) = two_instances(cluster, "small", "idempotency");
    let body = json!({"kind": "labour", "amount": 2.5, "state": "done", "date": "2026-10-15"});
    let path = "/api/households/h4/contributions";
    // The same request with its key through both instances at once (a client retrying on
    // the other server): whichever comes second waits for the write lock, takes the
    // first in and answers with its outcome, even before its follower has seen it.
    let rounds = 6;
    for round in 0..rounds {
        let key = format!("k-2026-10-15-h4-{round}");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let send = |addr: String| {
            let (key, body, barrier) = (key.clone(), body.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                post_with_key(&addr, path, &key, &body)
            })
        };
        let (ta, tb) = (send(a.addr.clone()), send(b.addr.clone()));
        let (sa, ra, ba) = ta.join().unwrap();
        let (sb, rb, bb) = tb.join().unwrap();
        assert_eq!((sa, sb), (200, 200), "A: {ba}\nB: {bb}");
        assert!(ra != rb, "exactly one is the replay: A {ra}, B {rb}");
    }
    let (history, _) = db_state(cluster, "idempotency", "h4");
    assert_eq!(history.len(), rounds, "{history:?}");
    // h4 had 2 labour days done in the fixture: 2 + 6 × 2.5, each once.
    assert!(
        within(Duration::from_secs(1), || {
            get(&b.addr, "households", "h4").0["properties"]["labour_done_days"] == json!(17.0)
        })
        .is_some()
    );
}

/// `drainplan generate --communes 3` with the test users, its villages file changed by
/// `edit`, moved into a new database `db` of `cluster`.
///
/// The generator gives commune 1 (Quỳnh Liên, the sample) no province and puts benchmark
/// communes 2–101 in "Tỉnh mẫu 01" (`src/generate/commune.rs`), so a second generated
/// province needs 102 communes (about 400 000 parcels): too large for a test. Three
/// communes and an edited villages file make the two provinces instead.
fn generated(cluster: &Cluster, db: &str, edit: impl Fn(&mut Value)) -> (PathBuf, String) {
    let dir = copy_fixture("small", &format!("pg-{db}"));
    drainplan_ok(
        &[
            "generate",
            "--communes",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ],
        "",
    );
    let path = dir.join("villages.geojson");
    let mut villages: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for v in villages["features"].as_array_mut().unwrap() {
        edit(&mut v["properties"]);
    }
    std::fs::write(&path, serde_json::to_vec(&villages).unwrap()).unwrap();
    let url = cluster.database(db);
    drainplan_ok(
        &["migrate", "--data", dir.to_str().unwrap(), "--to", &url],
        "",
    );
    (dir, url)
}

/// The generated data set of the province tests (made once for both, which only read it or
/// put back what they change), in database `province`: Quỳnh Liên's villages in its real
/// province (DESIGN.md: Nghệ An), and commune 3 named Quỳnh Liên too, so that one commune
/// name is in two provinces, as happens in Vietnam.
fn two_provinces() -> &'static (PathBuf, String) {
    static DATA: std::sync::OnceLock<(PathBuf, String)> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        generated(shared(), "province", |p| {
            if p["commune"] == "Quỳnh Liên" {
                p["province"] = json!("Nghệ An");
            } else if p["commune"] == "Xã mẫu 003" {
                p["commune"] = json!("Quỳnh Liên");
            }
        })
    })
}

/// Reads a layer's GeoJSON file.
fn layer_file(dir: &Path, layer: &str) -> Vec<Value> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{layer}.geojson"))).unwrap())
            .unwrap();
    v["features"].as_array().unwrap().clone()
}

/// How many features of each layer an instance serving the villages `kept` should hold,
/// counted from the files: those linked to a kept village (`village_id`) and, without a
/// link, those whose geometry meets a kept village's polygon (with geo's `Intersects`,
/// not PostGIS's).
fn expected_counts(dir: &Path, kept: &[&Value]) -> Vec<(LayerKind, usize)> {
    use geo::Intersects;
    let geometry = |f: &Value| -> geo::Geometry {
        let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
        g.try_into().unwrap()
    };
    let ids: Vec<&str> = kept.iter().map(|v| v["id"].as_str().unwrap()).collect();
    let polygons: Vec<geo::Geometry> = kept.iter().map(|v| geometry(v)).collect();
    LayerKind::ALL
        .into_iter()
        .map(|kind| {
            let n = if kind == LayerKind::Villages {
                kept.len()
            } else {
                layer_file(dir, kind.id())
                    .iter()
                    .filter(|f| match f["properties"]["village_id"].as_str() {
                        Some(v) => ids.contains(&v),
                        None => {
                            let g = geometry(f);
                            polygons.iter().any(|p| p.intersects(&g))
                        }
                    })
                    .count()
            };
            (kind, n)
        })
        .collect()
}

/// How many features each layer serves through `addr` (`numberMatched`).
fn served_counts(addr: &str) -> Vec<(LayerKind, usize)> {
    LayerKind::ALL
        .into_iter()
        .map(|kind| {
            let (status, _, body) = call(
                addr,
                "GET",
                &format!("/collections/{}/items?limit=1", kind.id()),
                Some("viewer"),
                None,
                None,
            );
            assert_eq!(status, 200, "{body}");
            let v: Value = serde_json::from_str(&body).unwrap();
            (
                kind,
                usize::try_from(v["numberMatched"].as_u64().unwrap()).unwrap(),
            )
        })
        .collect()
}

/// `drainplan serve` with `args` on `dir`, expected to refuse to start: its error.
fn refused_serve(dir: &Path, args: &[&str]) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            dir.to_str().unwrap(),
        ])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`serve {}` started instead of refusing", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "serve {args:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn an_instance_started_for_a_province_loads_and_follows_only_it() {
    let cluster = shared();
    let (dir, url) = two_provinces();
    let url = url.as_str();
    let villages = layer_file(dir, "villages");
    let of = |keep: &dyn Fn(&Value) -> bool| -> Vec<&Value> {
        villages.iter().filter(|v| keep(&v["properties"])).collect()
    };
    let province_01 = of(&|p| p["province"] == "Tỉnh mẫu 01");
    let commune_3 = of(&|p| p["province"] == "Tỉnh mẫu 01" && p["commune"] == "Quỳnh Liên");
    // The generator's 8 villages a commune.
    assert_eq!(
        (villages.len(), province_01.len(), commune_3.len()),
        (24, 16, 8)
    );

    let province =
        Server::start_with_args(dir, &[], &["--store", url, "--province", "Tỉnh mẫu 01"]);
    let expected = expected_counts(dir, &province_01);
    assert_eq!(served_counts(&province.addr), expected);
    // Both communes' parcels, and none of Quỳnh Liên's in Nghệ An (about 4 000 a commune).
    let parcels = expected[2];
    assert_eq!(parcels.0, LayerKind::Parcels);
    assert!((6000..10_000).contains(&parcels.1), "{parcels:?}");

    // A province and a commune name: that commune of that province only. The name as a
    // terminal may send it, decomposed ("ỳ" as "y" and two combining marks), still matches.
    let decomposed: String = {
        use unicode_normalization::UnicodeNormalization;
        "Quỳnh Liên".nfd().collect()
    };
    assert_ne!(decomposed, "Quỳnh Liên");
    let commune = Server::start_with_args(
        dir,
        &[],
        &[
            "--store",
            url,
            "--province",
            "Tỉnh mẫu 01",
            "--communes",
            &decomposed,
        ],
    );
    assert_eq!(
        served_counts(&commune.addr),
        expected_counts(dir, &commune_3)
    );
    let mut kept: Vec<String> = commune_3
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    kept.sort();
    assert_eq!(ids(&commune.addr, "villages"), kept);

    // A household moved in SQL from Nghệ An into the province appears; moved back, it
    // disappears.
    let mut c = cluster.client("postgres", "province");
    let outside: String = c
        .query_one(
            "SELECT id FROM drainplan.households WHERE village_id = 'vil-qt' ORDER BY id LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    let inside = province_01[0]["id"].as_str().unwrap();
    let served = |id: &str| {
        call(
            &province.addr,
            "GET",
            &format!("/collections/households/items/{id}"),
            Some("viewer"),
            None,
            None,
        )
        .0
    };
    assert_eq!(served(&outside), 404);
    c.execute(
        "UPDATE drainplan.households SET village_id = $1 WHERE id = $2",
        &[&inside, &outside],
    )
    .unwrap();
    assert!(within(Duration::from_secs(2), || served(&outside) == 200).is_some());
    c.execute(
        "UPDATE drainplan.households SET village_id = 'vil-qt' WHERE id = $1",
        &[&outside],
    )
    .unwrap();
    assert!(within(Duration::from_secs(2), || served(&outside) == 404).is_some());

    // A village moved into the province in SQL brings its features (which have no history
    // row of their own: linked to it, or unlinked canals meeting it), and takes them away
    // when it moves back.
    let qt = villages.iter().find(|v| v["id"] == "vil-qt").unwrap();
    let with_qt: Vec<&Value> = province_01.iter().copied().chain([qt]).collect();
    let moved = expected_counts(dir, &with_qt);
    assert!(
        moved[2].1 > expected[2].1 && moved[1].1 > expected[1].1,
        "{moved:?}"
    );
    for (province_now, counts) in [("Tỉnh mẫu 01", &moved), ("Nghệ An", &expected)] {
        c.execute(
            "UPDATE drainplan.villages SET province = $1 WHERE id = 'vil-qt'",
            &[&province_now],
        )
        .unwrap();
        assert!(
            within(Duration::from_secs(5), || served_counts(&province.addr)
                == *counts)
            .is_some(),
            "{province_now}: {:?}, not {counts:?}",
            served_counts(&province.addr)
        );
    }
}

#[test]
fn a_commune_name_of_two_provinces_or_of_none_is_refused_at_start_up() {
    let (dir, url) = two_provinces();
    let url = url.as_str();
    let store = ["--store", url];
    let with = |more: &[&'static str]| -> Vec<&'static str> { [&store[..], more].concat() };
    // The name alone means two communes: refused, with both provinces and the way out.
    for args in [
        with(&["--communes", "Quỳnh Liên"]),
        with(&["--communes", "Xã mẫu 002,Quỳnh Liên"]),
        with(&[
            "--province",
            "Nghệ An,Tỉnh mẫu 01",
            "--communes",
            "Quỳnh Liên",
        ]),
    ] {
        let e = refused_serve(dir, &args);
        assert!(
            e.contains("\"Quỳnh Liên\" is in more than one province")
                && e.contains("\"Nghệ An\", \"Tỉnh mẫu 01\"")
                && e.contains("add --province"),
            "{args:?}: {e}"
        );
    }
    // A name that matches no village: refused rather than an instance serving less than
    // asked (a typo in a list) or nothing.
    let e = refused_serve(dir, &with(&["--communes", "Xã mẫu 002,Xã mẫu 00"]));
    assert!(e.contains("no village is in commune \"Xã mẫu 00\""), "{e}");
    let e = refused_serve(
        dir,
        &with(&["--province", "Nghệ An", "--communes", "Xã mẫu 002"]),
    );
    assert!(
        e.contains("no village is in commune \"Xã mẫu 002\" in province(s) Nghệ An"),
        "{e}"
    );
    let e = refused_serve(dir, &with(&["--province", "Nghe An"]));
    assert!(
        e.contains("no village is in province \"Nghe An\"")
            && e.contains("\"Nghệ An\", \"Tỉnh mẫu 01\""),
        "{e}"
    );
    // The filter is the PostGIS store's: without --store it is refused as before.
    for flag in ["--communes", "--province"] {
        let e = refused_serve(dir, &[flag, "Nghệ An"]);
        assert!(e.contains("--store"), "{flag}: {e}");
    }
}
