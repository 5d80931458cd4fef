//! The journal at start-up and through compaction: what is kept, what is set aside, what
//! refuses to start, and that nothing acknowledged is ever deleted.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod common;

use std::path::Path;

use common::copy_fixture;
use drainplan::model::LayerKind;
use drainplan::store::edit::{Edit, EditOp};
use drainplan::store::journal::FILE_NAME;
use drainplan::store::live::Store;
use drainplan::store::snapshot;
use serde_json::{Value, json};

/// Adds `n` labour days to household h5, one edit each.
fn edits(store: &Store, n: usize) {
    for _ in 0..n {
        store
            .edit_with("officer", None, |data| {
                let mut f = data.households.get("h5").unwrap().to_json();
                let days = f["properties"]["labour_done_days"].as_f64().unwrap_or(0.0);
                f["properties"]["labour_done_days"] = json!(days + 1.0);
                Ok(Edit {
                    op: EditOp::Replace,
                    collection: LayerKind::Households,
                    id: "h5".into(),
                    feature: Some(f),
                    date: Some("2026-11-02".into()),
                })
            })
            .unwrap();
    }
}

fn days(store: &Store) -> f64 {
    store.snapshot().households.get("h5").unwrap().properties["labour_done_days"]
        .as_f64()
        .unwrap()
}

fn journal_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(FILE_NAME))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn open_error(dir: &Path) -> String {
    format!("{:#}", anyhow::Error::from(Store::open(dir).unwrap_err()))
}

#[test]
fn a_damaged_line_followed_by_a_valid_one_refuses_start_up_and_changes_nothing() {
    let dir = copy_fixture("small", "journal-damaged");
    edits(&Store::open(&dir).unwrap(), 3);
    let mut lines = journal_lines(&dir);
    // One character of line 2's JSON changed: its checksum no longer matches.
    lines[1] = lines[1].replacen("officer", "offic3r", 1);
    let damaged = lines.join("\n") + "\n";
    std::fs::write(dir.join(FILE_NAME), &damaged).unwrap();
    let e = open_error(&dir);
    assert!(e.contains("line 2 is damaged (checksum mismatch)"), "{e}");
    assert!(e.contains("drainplan journal cut"), "{e}");
    assert_eq!(
        std::fs::read_to_string(dir.join(FILE_NAME)).unwrap(),
        damaged
    );
    // Nothing was set aside either.
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        std::fs::read_dir("tests/fixtures/small").unwrap().count() + 2
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_whole_last_line_with_a_bad_checksum_is_damage_not_a_crash() {
    let dir = copy_fixture("small", "journal-last");
    edits(&Store::open(&dir).unwrap(), 2);
    let mut lines = journal_lines(&dir);
    lines[1] = lines[1].replacen("officer", "offic3r", 1);
    let damaged = lines.join("\n") + "\n";
    std::fs::write(dir.join(FILE_NAME), &damaged).unwrap();
    let e = open_error(&dir);
    assert!(e.contains("line 2 is damaged"), "{e}");
    assert_eq!(
        std::fs::read_to_string(dir.join(FILE_NAME)).unwrap(),
        damaged
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_torn_tail_is_left_out_and_kept_aside() {
    let dir = copy_fixture("small", "journal-torn");
    edits(&Store::open(&dir).unwrap(), 2);
    let whole = std::fs::read(dir.join(FILE_NAME)).unwrap();
    let mut torn = whole.clone();
    torn.extend_from_slice(b"0badc0de {\"seq\":3,\"at\":\"2026-");
    std::fs::write(dir.join(FILE_NAME), &torn).unwrap();
    let store = Store::open(&dir).unwrap();
    assert_eq!(days(&store), base_days() + 2.0);
    assert_eq!(std::fs::read(dir.join(FILE_NAME)).unwrap(), whole);
    let kept: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".torn-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read(&kept[0]).unwrap(), &torn[whole.len()..]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn base_days() -> f64 {
    let text = std::fs::read_to_string("tests/fixtures/small/households.geojson").unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "h5")
        .and_then(|f| f["properties"]["labour_done_days"].as_f64())
        .unwrap_or(0.0)
}

#[test]
fn the_operator_cuts_a_damaged_journal_from_the_shell() {
    let dir = copy_fixture("small", "journal-cut");
    edits(&Store::open(&dir).unwrap(), 3);
    let mut lines = journal_lines(&dir);
    lines[1] = lines[1].replacen("officer", "offic3r", 1);
    std::fs::write(dir.join(FILE_NAME), lines.join("\n") + "\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drainplan"))
        .args(["journal", "cut", "--line", "2", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("moved to"), "{said}");
    let store = Store::open(&dir).unwrap();
    assert_eq!(days(&store), base_days() + 1.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compaction_keeps_every_edit_its_history_and_the_monthly_report() {
    let dir = copy_fixture("small", "journal-compact");
    let store = Store::open(&dir).unwrap();
    edits(&store, 5);
    let report_before = serde_json::to_value(store.progress()).unwrap();
    let snap = store.compact().unwrap().unwrap();
    assert_eq!(snap.seq, 5);
    // The journal is empty; its entries are archived and still the history.
    assert!(journal_lines(&dir).is_empty());
    assert_eq!(snapshot::archives(&dir).unwrap().len(), 1);
    assert_eq!(store.history().unwrap().len(), 5);
    edits(&store, 2);
    assert_eq!(journal_lines(&dir).len(), 2);
    let seqs: Vec<u64> = store.history().unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6, 7]);
    let report = serde_json::to_value(store.progress()).unwrap();
    drop(store);

    // After a restart: the same data, history and report, from the snapshot and two
    // journal lines.
    let again = Store::open(&dir).unwrap();
    assert_eq!(days(&again), base_days() + 7.0);
    assert_eq!(again.history().unwrap().len(), 7);
    assert_eq!(serde_json::to_value(again.progress()).unwrap(), report);
    // The report counts the seven edits in November 2026 (the date entered), whatever
    // the day the test runs.
    let months = report["months"].as_array().unwrap();
    let nov = months.iter().find(|m| m["month"] == "2026-11").unwrap();
    assert_eq!(nov["contributions_added"]["labour_done_days"], 7.0);
    let nov_before = report_before["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == "2026-11")
        .unwrap()
        .clone();
    assert_eq!(nov_before["contributions_added"]["labour_done_days"], 5.0);
    // The data directory's own layer files are untouched.
    assert_eq!(
        std::fs::read(dir.join("households.geojson")).unwrap(),
        std::fs::read("tests/fixtures/small/households.geojson").unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_journal_shorter_than_the_snapshot_or_with_a_gap_is_refused() {
    let dir = copy_fixture("small", "journal-behind");
    let store = Store::open(&dir).unwrap();
    edits(&store, 4);
    store.compact().unwrap();
    edits(&store, 2);
    drop(store);
    let archive = snapshot::archives(&dir).unwrap().remove(0);
    let archived: Vec<String> = std::fs::read_to_string(&archive)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let current = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();

    // An older copy of the journal, cut at a line boundary before the snapshot's edit 4.
    let old = archived[..3].join("\n") + "\n";
    std::fs::write(dir.join(FILE_NAME), &old).unwrap();
    let e = open_error(&dir);
    assert!(e.contains("ends at edit 3") && e.contains("up to 4"), "{e}");
    assert_eq!(std::fs::read_to_string(dir.join(FILE_NAME)).unwrap(), old);

    // The journal's first line (edit 5) lost.
    let gap = current.lines().skip(1).collect::<Vec<_>>().join("\n") + "\n";
    std::fs::write(dir.join(FILE_NAME), &gap).unwrap();
    let e = open_error(&dir);
    assert!(
        e.contains("starts at edit 6") && e.contains("5 to 5"),
        "{e}"
    );

    std::fs::write(dir.join(FILE_NAME), &current).unwrap();
    assert_eq!(days(&Store::open(&dir).unwrap()), base_days() + 6.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_compaction_stopped_before_archiving_is_finished_at_start_up() {
    let dir = copy_fixture("small", "journal-midway");
    let store = Store::open(&dir).unwrap();
    edits(&store, 3);
    // Steps 2–3 done, the crash before step 4: the snapshot names edit 3, the journal
    // still holds edits 1–3.
    snapshot::write(&dir, &store.snapshot(), &store.ledger(), 3).unwrap();
    drop(store);
    assert_eq!(journal_lines(&dir).len(), 3);
    let again = Store::open(&dir).unwrap();
    assert_eq!(days(&again), base_days() + 3.0);
    assert!(journal_lines(&dir).is_empty());
    assert_eq!(again.history().unwrap().len(), 3);
    edits(&again, 1);
    assert_eq!(again.history().unwrap().last().unwrap().seq, 4);
    let _ = std::fs::remove_dir_all(&dir);
}
