//! The sample campaign (data/campaign/, written by `drainplan generate`): every reference
//! resolves, and the tasks' progress, computed from the features, agrees with the
//! published figures as data/README.md states them; at the reference date 2023-12-31
//! some tasks are late and some at risk.

use std::collections::BTreeSet;
use std::path::Path;

use approx::assert_relative_eq;
use drainplan::campaign::register::Register;
use drainplan::campaign::tasks::{self, Flag, TaskView};
use drainplan::campaign::{people, tasks::TaskKind};
use drainplan::store::Dataset;
use time::macros::date;

fn sample() -> (Register, Dataset) {
    let dir = Path::new("data");
    (
        Register::load_in_memory(dir).expect("the register"),
        Dataset::load(dir).expect("the layers"),
    )
}

#[test]
fn the_sample_campaign_is_consistent_with_the_published_figures() {
    let (reg, data) = sample();
    let snap = reg.snapshot();
    let people = people::all(&snap).unwrap();
    assert!((15..=25).contains(&people.len()), "{} people", people.len());
    for p in &people {
        people::validate(&p.record, &data).unwrap_or_else(|e| panic!("{}: {e}", p.record.id));
    }
    let roles: BTreeSet<String> = people
        .iter()
        .map(|p| serde_json::to_value(p.record.role).unwrap().to_string())
        .collect();
    assert_eq!(roles.len(), 4, "every role: {roles:?}");
    let heads: BTreeSet<&str> = people
        .iter()
        .filter(|p| p.record.role == people::PersonRole::VillageHead)
        .filter_map(|p| p.record.village_id.as_deref())
        .collect();
    assert_eq!(heads, BTreeSet::from(["vil-dd", "vil-qt", "vil-tc"]));

    let all = tasks::all(&snap).unwrap();
    assert!((20..=40).contains(&all.len()), "{} tasks", all.len());
    for t in &all {
        tasks::validate(&t.record, &snap, &data).unwrap_or_else(|e| panic!("{}: {e}", t.record.id));
        // Titles name no one.
        for p in &people {
            assert!(!t.record.title.contains(&p.record.name), "{}", t.record.id);
        }
    }
    let villages: BTreeSet<&str> = all
        .iter()
        .filter_map(|t| t.record.village_id.as_deref())
        .collect();
    assert_eq!(villages, BTreeSet::from(["vil-dd", "vil-qt", "vil-tc"]));

    let at = date!(2023 - 12 - 31);
    let views = tasks::evaluate_all(&snap, &data, at).unwrap();
    let get = |id: &str| -> &TaskView { views.iter().find(|v| v.task.id == id).unwrap() };
    let flags: BTreeSet<Flag> = views.iter().map(|v| v.flag).collect();
    assert!(flags.contains(&Flag::Late), "{flags:?}");
    assert!(flags.contains(&Flag::AtRisk), "{flags:?}");
    assert!(flags.contains(&Flag::Done), "{flags:?}");
    assert!(flags.contains(&Flag::OnTime), "{flags:?}");

    // The canals completed in 2023: 250 m in Quyết Tiến, 200 m in Thành Công (done tasks,
    // fully measured); the Đại Đồng infill canal, 248 m, is under construction.
    let canal = |id: &str| get(id).progress.clone().unwrap();
    assert_eq!(get("t-canal-qt").flag, Flag::Done);
    assert_relative_eq!(canal("t-canal-qt").done, 250.0, epsilon = 0.01);
    assert_relative_eq!(canal("t-canal-qt").share, 1.0);
    assert_eq!(get("t-canal-tc").flag, Flag::Done);
    assert_relative_eq!(canal("t-canal-tc").done, 200.0, epsilon = 0.01);
    assert_relative_eq!(canal("t-canal-dd-infill").total, 248.0, epsilon = 0.01);
    assert_eq!(canal("t-canal-dd-infill").done, 0.0);

    // The planned canal's clearance: the 90 lots its corridor takes a strip from (32 in
    // Đại Đồng, 58 in Thành Công), of which 12 donated + 10 compensated + 9 cleared = 31
    // handed over (data/README.md).
    let (mut lots, mut handed, mut dd) = (0.0, 0.0, 0.0);
    for v in views
        .iter()
        .filter(|v| v.task.id.starts_with("t-clear-750-"))
    {
        assert_eq!(v.task.kind, TaskKind::Clearance);
        let p = v.progress.clone().unwrap();
        lots += p.total;
        handed += p.done;
        if v.task.village_id.as_deref() == Some("vil-dd") {
            dd += p.total;
        }
    }
    assert_eq!((lots, handed, dd), (90.0, 31.0, 32.0));
    // The lots along the completed canals: 21 + 17, all handed over.
    assert_eq!(canal("t-clear-qt").total, 21.0);
    assert_eq!(canal("t-clear-tc").total, 17.0);
    assert_eq!(canal("t-clear-qt").share, 1.0);
    assert_eq!(canal("t-clear-tc").share, 1.0);

    // Water, 35 % of the dwellings: Quyết Tiến 118 of 232 registered (target 82), Thành
    // Công 96 of 214 (target 75): reached; Đại Đồng 79 of 248 (target 87): not.
    for (id, done, total, flag) in [
        ("t-water-qt", 118.0, 82.0, Flag::Done),
        ("t-water-tc", 96.0, 75.0, Flag::Done),
        ("t-water-dd", 79.0, 87.0, Flag::OnTime),
    ] {
        let p = canal(id);
        assert_eq!((p.done, p.total), (done, total), "{id}");
        assert_eq!(get(id).flag, flag, "{id}");
    }
    // The next day the Đại Đồng target is missed: late.
    let next = tasks::evaluate_all(&snap, &data, date!(2024 - 01 - 01)).unwrap();
    let dd = next.iter().find(|v| v.task.id == "t-water-dd").unwrap();
    assert_eq!(dd.flag, Flag::Late);
}

#[test]
fn the_generator_writes_the_committed_campaign() {
    // `drainplan generate --seed 42 --out data` gives data/campaign/ as committed.
    let (reg, data) = sample();
    let (people, tasks) = drainplan::generate::campaign::build(&data, 42).unwrap();
    let snap = reg.snapshot();
    let stored = |table: &str| -> Vec<serde_json::Value> {
        snap.records(table)
            .iter()
            .map(|r| r.value.clone())
            .collect()
    };
    assert_eq!(stored("people"), people);
    assert_eq!(stored("tasks"), tasks);
}
