//! The grievance log and the postings on record (both in the campaign register): their
//! rules, If-Match, history, the public's counts, and that no grievance text or name
//! reaches the public through any GET operation of the API.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns unwrap too: a test fails loudly on a broken fixture"
)]

mod common;

use common::{Req, copy_fixture, disk_state};
use drainplan::api::AppState;
use drainplan::campaign::register::Register;
use serde_json::{Value, json};

/// The small fixture on disk with its campaign register.
fn state(name: &str) -> (std::path::PathBuf, AppState) {
    let dir = copy_fixture("small", name);
    let state = disk_state(&dir);
    (dir, state)
}

fn grievance(about_kind: &str, about_id: &str) -> Value {
    json!({
        "received_on": "2026-10-05",
        "from": {"household": "h1", "name": null},
        "about": {"kind": about_kind, "id": about_id},
        "channel": "in_person",
        "summary": "Diện tích thu hồi lớn hơn đã thỏa thuận",
        "handled_by": "Cán bộ địa chính",
        "answered_on": null,
        "outcome": null,
        "status": "received"
    })
}

async fn post(state: &AppState, body: &Value) -> common::Reply {
    Req::post("/api/grievances")
        .user("officer")
        .json(body)
        .send(state)
        .await
}

#[tokio::test]
async fn a_grievance_is_recorded_changed_with_if_match_and_its_history_kept() {
    let (dir, s) = state("grievance-life");
    let r = post(&s, &grievance("parcel", "p1")).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let g = r.json();
    assert_eq!(g["id"], "g-1");
    assert_eq!(r.header("location").as_deref(), Some("/api/grievances/g-1"));
    let tag = r.header("etag").expect("an ETag");

    // Answered: without If-Match 428, with a stale one 412, with the one read 200.
    let mut answered = grievance("parcel", "p1");
    answered["status"] = json!("answered");
    answered["answered_on"] = json!("2026-10-20");
    answered["outcome"] = json!("Đo lại: 24,5 m², hộ đồng ý");
    let put = |h: Option<&str>| {
        let mut req = Req::new("PUT", "/api/grievances/g-1")
            .user("officer")
            .json(&answered);
        if let Some(h) = h {
            req = req.header("if-match", h);
        }
        req
    };
    assert_eq!(put(None).send(&s).await.status, 428);
    assert_eq!(put(Some("\"999\"")).send(&s).await.status, 412);
    let r = put(Some(&tag)).send(&s).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let new_tag = r.header("etag").unwrap();
    assert_ne!(new_tag, tag);
    // The old tag is now stale.
    assert_eq!(put(Some(&tag)).send(&s).await.status, 412);

    let r = Req::get("/api/grievances/g-1/history")
        .user("viewer")
        .send(&s)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let changes = r.json()["changes"].as_array().unwrap().clone();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["op"], "create");
    assert_eq!(changes[1]["op"], "replace");
    assert_eq!(changes[1]["user"], "officer");
    assert_eq!(changes[1]["before"]["status"], "received");
    assert_eq!(changes[1]["after"]["status"], "answered");

    // Kept on disk: a new register over the same directory reads it back.
    let again = Register::open(&dir).unwrap();
    let stored = again.snapshot();
    let rec = stored.get("grievances", "g-1").expect("stored");
    assert_eq!(rec.value["outcome"], "Đo lại: 24,5 m², hộ đồng ý");

    // Listing and filters.
    post(&s, &grievance("household", "h2")).await;
    let open = Req::get("/api/grievances?open=true")
        .user("viewer")
        .send(&s)
        .await
        .json();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["id"], "g-2");
    let answered = Req::get("/api/grievances?status=answered")
        .user("viewer")
        .send(&s)
        .await
        .json();
    assert_eq!(answered[0]["id"], "g-1");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_grievance_that_breaks_a_rule_is_refused_saying_which() {
    let (dir, s) = state("grievance-rules");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut g = grievance("parcel", "p1");
        f(&mut g);
        g
    };
    for (body, status, field) in [
        (with(&|g| g["from"] = json!({})), 422u16, "from"),
        (
            with(&|g| g["from"] = json!({"household": "h-none"})),
            422,
            "from.household",
        ),
        (
            with(&|g| g["about"] = json!({"kind": "parcel", "id": "p-none"})),
            422,
            "about.id",
        ),
        (
            with(&|g| g["about"] = json!({"kind": "task", "id": "t-none"})),
            422,
            "about.id",
        ),
        (
            with(&|g| g["received_on"] = json!("2026-02-30")),
            422,
            "received_on",
        ),
        (
            with(&|g| g["received_on"] = json!("2099-01-01")),
            422,
            "received_on",
        ),
        (
            with(&|g| {
                g["status"] = json!("closed");
                g["answered_on"] = json!("2026-10-01");
                g["outcome"] = json!("x");
            }),
            422,
            "answered_on",
        ),
        (
            with(&|g| {
                g["status"] = json!("closed");
                g["answered_on"] = json!("2026-10-06");
            }),
            422,
            "outcome",
        ),
        (
            with(&|g| g["status"] = json!("answered")),
            422,
            "answered_on",
        ),
        (with(&|g| g["summary"] = json!("  ")), 422, "summary"),
    ] {
        let r = post(&s, &body).await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert_eq!(r.json()["field"], field, "{}", r.text());
    }
    // Shapes the JSON reader refuses: an unknown member, a status not in the list.
    for body in [
        with(&|g| g["colour"] = json!("red")),
        with(&|g| g["status"] = json!("lost")),
    ] {
        let r = post(&s, &body).await;
        assert!(r.status == 400 || r.status == 422, "{}", r.text());
        assert!(r.json()["error"].as_str().is_some());
    }
    // Nothing was stored.
    let all = Req::get("/api/grievances")
        .user("viewer")
        .send(&s)
        .await
        .json();
    assert_eq!(all, json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn roles_and_the_public_counts() {
    let (dir, s) = state("grievance-roles");
    // The public may not read or write; a viewer may not write.
    for uri in [
        "/api/grievances",
        "/api/grievances/g-1",
        "/api/grievances/g-1/history",
    ] {
        assert_eq!(Req::get(uri).send(&s).await.status, 401, "{uri}");
    }
    let r = Req::post("/api/grievances")
        .json(&grievance("parcel", "p1"))
        .send(&s)
        .await;
    assert_eq!(r.status, 401);
    let r = Req::post("/api/grievances")
        .user("viewer")
        .json(&grievance("parcel", "p1"))
        .send(&s)
        .await;
    assert_eq!(r.status, 403);

    // Three grievances: about parcel p1 (village vil-a), about household h2 (vil-a),
    // about canal c2 from a name only (no village); the first is then taken up.
    post(&s, &grievance("parcel", "p1")).await;
    post(&s, &grievance("household", "h2")).await;
    let mut by_name = grievance("canal", "c2");
    by_name["from"] = json!({"household": null, "name": "Lê Thị Khiếu"});
    post(&s, &by_name).await;
    let g1 = Req::get("/api/grievances/g-1")
        .user("viewer")
        .send(&s)
        .await;
    let mut taken_up = g1.json();
    taken_up.as_object_mut().unwrap().remove("id");
    taken_up["status"] = json!("in_progress");
    let r = Req::new("PUT", "/api/grievances/g-1")
        .user("officer")
        .header("if-match", &g1.header("etag").unwrap())
        .json(&taken_up)
        .send(&s)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    let r = Req::get("/api/grievances/summary").send(&s).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let sum = r.json();
    assert_eq!(sum["total"], 3);
    assert_eq!(sum["open"], 3);
    assert_eq!(
        sum["by_status"],
        json!({"received": 2, "in_progress": 1, "answered": 0, "closed": 0})
    );
    let villages = sum["by_village"].as_array().unwrap();
    assert_eq!(villages.len(), 2);
    assert_eq!(villages[0]["village_id"], Value::Null);
    assert_eq!(villages[0]["total"], 1);
    assert_eq!(villages[1]["village_id"], "vil-a");
    assert_eq!(villages[1]["total"], 2);
    assert_eq!(villages[1]["by_status"]["in_progress"], 1);
    let text = r.text();
    assert!(!text.contains("Lê Thị Khiếu") && !text.contains("thỏa thuận"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postings_are_kept_and_the_list_is_headed_by_the_latest() {
    let (dir, s) = state("postings");
    let posting = |on: &str, until: &str| {
        json!({
            "posted_on": on, "comment_until": until,
            "places": ["Trụ sở UBND phường Quỳnh Mai", "Nhà văn hóa thôn A"],
            "posted_by": "Trần Văn Niêm", "note": "Hộ ông Niêm nhận bản sao"
        })
    };
    let send = |body: Value, user: &'static str| {
        Req::post("/api/canals/c2/postings")
            .user(user)
            .json(&body)
            .send(&s)
    };
    // The later posting is recorded first: the heading goes by the posting day.
    let r = send(posting("2026-07-01", "2026-07-30"), "officer").await;
    assert_eq!(r.status, 201, "{}", r.text());
    // 1 to 30 July counted both ends: 30 days, the minimum, no warning.
    assert_eq!(r.json()["warning"], Value::Null);
    let r = send(posting("2026-06-01", "2026-06-10"), "officer").await;
    assert_eq!(r.status, 201, "{}", r.text());
    let warning = r.json()["warning"].as_str().unwrap().to_owned();
    assert!(
        warning.contains("10 days") && warning.contains("30 days"),
        "{warning}"
    );

    for (body, field) in [
        (posting("2026-06-10", "2026-06-10"), "comment_until"),
        (posting("2026-06-10", "2026-06-01"), "comment_until"),
        (posting("10/06/2026", "2026-07-10"), "posted_on"),
        (posting("2099-06-10", "2099-07-10"), "posted_on"),
        (
            {
                let mut p = posting("2026-06-01", "2026-07-01");
                p["places"] = json!([]);
                p
            },
            "places",
        ),
    ] {
        let r = send(body, "officer").await;
        assert_eq!(r.status, 422, "{}", r.text());
        assert_eq!(r.json()["field"], field, "{}", r.text());
    }
    assert_eq!(
        send(posting("2026-06-01", "2026-07-01"), "viewer")
            .await
            .status,
        403
    );
    let r = Req::post("/api/canals/no-such/postings")
        .user("officer")
        .json(&posting("2026-06-01", "2026-07-01"))
        .send(&s)
        .await;
    assert_eq!(r.status, 404);

    let list = Req::get("/api/canals/c2/postings")
        .user("viewer")
        .send(&s)
        .await
        .json();
    let days: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["posted_on"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-06-01", "2026-07-01"]);
    assert_eq!(list[0]["posted_by"], "Trần Văn Niêm");
    let public = Req::get("/api/canals/c2/postings").send(&s).await;
    assert!(!public.text().contains("Niêm"), "{}", public.text());

    let heading = Req::get("/api/canals/c2/posting")
        .user("viewer")
        .send(&s)
        .await
        .json()["heading"]
        .clone();
    assert_eq!(heading["posting"]["posted_on"], "2026-07-01");
    assert_eq!(heading["comment_days"], 30);
    assert_eq!(heading["warning"], Value::Null);
    let page = Req::get("/api/canals/c2/posting?format=html")
        .send(&s)
        .await
        .text();
    assert!(page.contains("01/07/2026") && page.contains("30/07/2026 (30 ngày)"));
    assert!(page.contains("Nhà văn hóa thôn A"));
    assert!(!page.contains("Niêm"));
    let viewer_page = Req::get("/api/canals/c2/posting?format=html")
        .user("viewer")
        .send(&s)
        .await
        .text();
    assert!(viewer_page.contains("Hộ ông Niêm nhận bản sao"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text of every file in a zip (a workbook's XML parts, a zipped Shapefile's .dbf).
fn zip_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return out;
    };
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("a zip entry");
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).expect("its bytes");
        out.push_str(&String::from_utf8_lossy(&buf));
    }
    out
}

/// Every GET operation of the API document, its path parameters filled with ids of the
/// small fixture (each layer for `collectionId`).
fn every_get_uri() -> Vec<String> {
    let doc = drainplan::api::openapi::document();
    let mut uris = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        let layers = ["villages", "canals", "parcels", "flood_zones", "households"];
        let collections: Vec<&str> = if path.contains("{collectionId}") {
            layers.to_vec()
        } else {
            vec![""]
        };
        for c in collections {
            let feature = match c {
                "canals" => "c2",
                "parcels" => "p1",
                "households" => "h1",
                "villages" => "vil-a",
                _ => "x",
            };
            uris.push(
                path.replace("{collectionId}", c)
                    .replace("{featureId}", feature)
                    .replace("{canalId}", "c2")
                    .replace("{grievanceId}", "g-1")
                    .replace("{name}", "officer"),
            );
        }
    }
    uris
}

#[tokio::test]
async fn the_public_reads_no_grievance_or_complainant_through_any_get() {
    let (dir, s) = state("grievance-privacy");
    let mut g = grievance("parcel", "p1");
    g["from"] = json!({"household": "h1", "name": "Phạm Văn Khiếunại"});
    g["summary"] = json!("NỘI-DUNG-KHIẾU-NẠI-BÍ-MẬT");
    g["handled_by"] = json!("Cán-bộ-Xử-Lý-Riêng");
    assert_eq!(post(&s, &g).await.status, 201);
    let secrets = [
        "Phạm Văn Khiếunại",
        "NỘI-DUNG-KHIẾU-NẠI-BÍ-MẬT",
        "Cán-bộ-Xử-Lý-Riêng",
        "Nguyễn Văn An", // h1's head, who raised it
    ];
    let uris = every_get_uri();
    assert!(uris.iter().any(|u| u == "/api/grievances/summary"));
    assert!(uris.iter().any(|u| u == "/api/canals/c2/posting"));
    let mut read = 0;
    for uri in &uris {
        for q in ["", "?format=html", "?format=csv", "?format=xlsx", "?f=json"] {
            let r = Req::get(&format!("{uri}{q}")).send(&s).await;
            if r.status != 200 {
                continue;
            }
            read += 1;
            // A workbook is a zip: read its XML parts' text too.
            let mut text = r.text();
            if r.bytes.starts_with(b"PK") {
                text.push_str(&zip_text(&r.bytes));
            }
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "{uri}{q}: the public reads `{secret}`"
                );
            }
        }
    }
    assert!(read > 20, "only {read} public answers read");
    // A viewer does read it, so the test would see a leak.
    let r = Req::get("/api/grievances/g-1")
        .user("viewer")
        .send(&s)
        .await;
    assert!(r.text().contains("NỘI-DUNG-KHIẾU-NẠI-BÍ-MẬT"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_shell_prints_the_log_and_writes_the_posting_list() {
    let (dir, s) = state("grievance-cli");
    post(&s, &grievance("parcel", "p1")).await;
    let mut closed = grievance("household", "h2");
    closed["status"] = json!("closed");
    closed["answered_on"] = json!("2026-10-06");
    closed["outcome"] = json!("Đã giải thích, hộ đồng ý");
    assert_eq!(post(&s, &closed).await.status, 201);
    let bin = env!("CARGO_BIN_EXE_drainplan");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(args)
            .arg("--data")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let all = run(&["grievances"]);
    assert!(
        all.contains("g-1") && all.contains("g-2") && all.contains("2 grievances"),
        "{all}"
    );
    let open = run(&["grievances", "--open"]);
    assert!(open.contains("g-1") && !open.contains("g-2"), "{open}");

    let html = dir.join("list.html");
    let xlsx = dir.join("list.xlsx");
    let table = run(&[
        "posting",
        "--canal",
        "c2",
        "--html",
        html.to_str().unwrap(),
        "--xlsx",
        xlsx.to_str().unwrap(),
    ]);
    assert!(table.contains("No posting on record"), "{table}");
    assert!(table.contains("5/12"), "{table}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("DANH SÁCH CÔNG KHAI"));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let out = std::process::Command::new(bin)
        .args(["posting", "--canal", "no-such", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no canal `no-such`"));
    let _ = std::fs::remove_dir_all(&dir);
}
