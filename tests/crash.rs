//! Crash safety: a server is killed with SIGKILL while many edits are in flight; the data
//! set reopened afterwards holds every edit the server acknowledged, and nothing that was
//! never sent.

#![expect(
    clippy::unwrap_used,
    reason = "a crash test fails loudly on any I/O surprise"
)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use drainplan::auth::{Auth, Role};
use drainplan::store::live::Store;

const PASSWORD: &str = "crash-test-password";

fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drainplan-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir("tests/fixtures/small").unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    Auth::open(&dir)
        .unwrap()
        .set_user("officer", Role::Officer, PASSWORD)
        .unwrap();
    dir
}

fn start(dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_drainplan"))
        // Compaction every 25 edits, so that kills land during compactions too.
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--compact-every",
            "25",
            "--data",
        ])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .trim_start_matches("drainplan listening on http://")
        .trim_end_matches('/')
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    (child, addr)
}

/// POSTs a new household; true when the server answered 201.
fn create(addr: &str, id: &str) -> bool {
    let body = format!(
        r#"{{"type":"Feature","id":"{id}","geometry":{{"type":"Point","coordinates":[105.7033,19.2213]}},"properties":{{"head":"Thử {id}","village_id":"vil-b","water_status":"not_registered"}}}}"#
    );
    let auth = "b2ZmaWNlcjpjcmFzaC10ZXN0LXBhc3N3b3Jk"; // officer:crash-test-password
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let req = format!(
        "POST /collections/households/items HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\nContent-Type: application/geo+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 201")
}

#[test]
fn acknowledged_edits_survive_kill_9() {
    let dir = data_dir();
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let sent = Arc::new(Mutex::new(BTreeSet::new()));
    for round in 0..3 {
        let (mut child, addr) = start(&dir);
        let stop_at = Instant::now() + Duration::from_millis(400 + 150 * round);
        let workers: Vec<_> = (0..6)
            .map(|w| {
                let (addr, acked, sent) = (addr.clone(), Arc::clone(&acked), Arc::clone(&sent));
                std::thread::spawn(move || {
                    for n in 0.. {
                        if Instant::now() > stop_at + Duration::from_millis(300) {
                            break;
                        }
                        let id = format!("crash-{round}-{w}-{n}");
                        sent.lock().unwrap().insert(id.clone());
                        if create(&addr, &id) {
                            acked.lock().unwrap().insert(id);
                        }
                    }
                })
            })
            .collect();
        while Instant::now() < stop_at {
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for w in workers {
            w.join().unwrap();
        }
        let store = Store::open(&dir).unwrap();
        let data = store.snapshot();
        let present: BTreeSet<String> = data
            .households
            .features
            .iter()
            .map(|f| f.id.clone())
            .filter(|id| id.starts_with("crash-"))
            .collect();
        let acked = acked.lock().unwrap();
        let sent = sent.lock().unwrap();
        assert!(
            !acked.is_empty(),
            "round {round}: no edit was acknowledged before the kill"
        );
        eprintln!(
            "round {round}: {} sent, {} acknowledged, {} present after the kill",
            sent.len(),
            acked.len(),
            present.len()
        );
        let lost: Vec<_> = acked.difference(&present).collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged edits lost: {lost:?}"
        );
        let invented: Vec<_> = present.difference(&sent).collect();
        assert!(
            invented.is_empty(),
            "round {round}: edits never sent: {invented:?}"
        );
        assert_eq!(store.history().unwrap().len(), present.len());
        let seqs: Vec<u64> = store.history().unwrap().iter().map(|e| e.seq).collect();
        assert!(
            seqs.iter().enumerate().all(|(i, s)| *s == i as u64 + 1),
            "round {round}: the history's sequence has a hole"
        );
    }
    // With compaction every 25 edits, the rounds compacted.
    assert!(
        std::path::Path::new(&dir).join("snapshot.json").exists(),
        "no compaction happened"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
