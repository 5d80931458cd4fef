//! Crash safety: a server is killed with SIGKILL while many edits are in flight; the data
//! set reopened afterwards holds every edit the server acknowledged, and nothing that was
//! never sent.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, basic, copy_fixture, http_request};
use drainplan::store::live::Store;

/// POSTs a new household as the officer; true when the server answered 201. False,
/// without a panic, when the server is gone: it is killed while these are in flight.
fn create(addr: &str, id: &str) -> bool {
    let body = format!(
        r#"{{"type":"Feature","id":"{id}","geometry":{{"type":"Point","coordinates":[105.7033,19.2213]}},"properties":{{"head":"Thử {id}","village_id":"vil-b","water_status":"not_registered"}}}}"#
    );
    let head = format!(
        "POST /collections/households/items HTTP/1.1\r\nAuthorization: {}\r\nContent-Type: application/geo+json",
        basic("officer")
    );
    matches!(http_request(addr, None, &head, &body), Ok((201, _)))
}

#[test]
fn acknowledged_edits_survive_kill_9() {
    let dir = copy_fixture("small", "crash");
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let sent = Arc::new(Mutex::new(BTreeSet::new()));
    for round in 0..3 {
        // Compaction every 25 edits, so that kills land during compactions too.
        let mut server = Server::start_with_args(&dir, &[], &["--compact-every", "25"]);
        let addr = server.addr.clone();
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
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
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
