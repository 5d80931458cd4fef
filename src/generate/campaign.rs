//! The sample campaign register: the people of Quỳnh Liên's steering board, village
//! heads, mass organisations and officers, and the tasks they answer for over Quyết
//! Tiến, Thành Công and Đại Đồng, as `campaign/people.json` and `campaign/tasks.json`.
//!
//! A separate step over the generated layers (read back from the data directory): the
//! tasks link the real features — the completed canals, the canal under construction, the
//! lots the planned canal's 6 m corridor touches (from the route impact), the villages'
//! dwellings — so that their progress, computed from those features, reproduces the
//! published figures. The layers are not changed.
//!
//! The reference date is [`REFERENCE_DATE`], 2023-12-31: the end of the year whose figures
//! the sample holds. At that date some tasks are late and some at risk.

use std::path::Path;

use geo::Geometry;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::GenerateError;
use crate::campaign::register::{DIR_NAME, HISTORY_FILE};
use crate::model::{ClearanceStatus, WaterStatus};
use crate::store::Dataset;

/// The day the sample campaign is read at: the end of 2023.
pub const REFERENCE_DATE: &str = "2023-12-31";

/// The corridor width of the canals' clearance, as the README's route impact uses.
const CORRIDOR_M: f64 = 6.0;

/// Writes `campaign/people.json` and `campaign/tasks.json` into `dir`, which must hold the
/// generated layers of the first commune. An existing history is left alone only if
/// there is none: the sample register starts without history (every record version 0).
pub fn write(dir: &Path, seed: u64) -> Result<(), GenerateError> {
    let data = Dataset::load(dir).map_err(|e| GenerateError::Io {
        path: dir.to_owned(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let (people, tasks) = build(&data, seed)?;
    let out = dir.join(DIR_NAME);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| GenerateError::Io { path, source }
    };
    std::fs::create_dir_all(&out).map_err(io(&out))?;
    for (name, records) in [("people", people), ("tasks", tasks)] {
        let path = out.join(format!("{name}.json"));
        let mut bytes = serde_json::to_vec_pretty(&json!({"seq": 0, "records": records}))
            .map_err(|e| io(&path)(std::io::Error::other(e)))?;
        bytes.push(b'\n');
        crate::store::write_atomically(&path, &bytes).map_err(io(&path))?;
    }
    // A history from an earlier register would replay over the fresh sample.
    let history = out.join(HISTORY_FILE);
    if history.exists() {
        std::fs::remove_file(&history).map_err(io(&history))?;
    }
    Ok(())
}

fn phone(rng: &mut ChaCha8Rng) -> String {
    let prefix = ["091", "094", "097", "098", "088", "086", "035", "038"];
    format!(
        "{} {:03} {:03}",
        prefix[rng.random_range(0..prefix.len())],
        rng.random_range(0..1000),
        rng.random_range(0..1000)
    )
}

/// The people and tasks, as register records.
pub fn build(data: &Dataset, seed: u64) -> Result<(Vec<Value>, Vec<Value>), GenerateError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00ca_4a16);
    let mut people = Vec::new();
    let mut person = |id: &str,
                      male: bool,
                      role: &str,
                      org: Option<&str>,
                      village: Option<&str>,
                      rng: &mut ChaCha8Rng| {
        let name = super::people::full_name(rng, None, male);
        let phone = phone(rng);
        people.push(json!({
            "id": id, "name": name, "role": role, "organisation": org,
            "village_id": village, "phone": phone,
        }));
    };
    let board = Some("Ban chỉ đạo xã");
    person("p-chair", true, "board_member", board, None, &mut rng);
    person("p-vice", true, "board_member", board, None, &mut rng);
    person(
        "p-front",
        false,
        "board_member",
        Some("Ủy ban MTTQ xã"),
        None,
        &mut rng,
    );
    person(
        "p-head-qt",
        true,
        "village_head",
        None,
        Some("vil-qt"),
        &mut rng,
    );
    person(
        "p-head-tc",
        true,
        "village_head",
        None,
        Some("vil-tc"),
        &mut rng,
    );
    person(
        "p-head-dd",
        false,
        "village_head",
        None,
        Some("vil-dd"),
        &mut rng,
    );
    let women = Some("Hội Liên hiệp Phụ nữ xã");
    let farmers = Some("Hội Nông dân xã");
    let youth = Some("Đoàn Thanh niên xã");
    let veterans = Some("Hội Cựu chiến binh xã");
    person("p-women", false, "mass_organisation", women, None, &mut rng);
    person(
        "p-women-dd",
        false,
        "mass_organisation",
        women,
        Some("vil-dd"),
        &mut rng,
    );
    person(
        "p-women-tc",
        false,
        "mass_organisation",
        women,
        Some("vil-tc"),
        &mut rng,
    );
    person(
        "p-farmers",
        true,
        "mass_organisation",
        farmers,
        None,
        &mut rng,
    );
    person(
        "p-farmers-tc",
        true,
        "mass_organisation",
        farmers,
        Some("vil-tc"),
        &mut rng,
    );
    person("p-youth", true, "mass_organisation", youth, None, &mut rng);
    person(
        "p-veterans",
        true,
        "mass_organisation",
        veterans,
        None,
        &mut rng,
    );
    person(
        "p-veterans-qt",
        true,
        "mass_organisation",
        veterans,
        Some("vil-qt"),
        &mut rng,
    );
    let commune = Some("UBND xã");
    person("p-land", true, "officer", commune, None, &mut rng);
    person("p-land-2", false, "officer", commune, None, &mut rng);
    person("p-build", true, "officer", commune, None, &mut rng);
    person("p-social", false, "officer", commune, None, &mut rng);

    let mut tasks = Vec::new();
    #[expect(clippy::too_many_arguments, reason = "one row of the task table")]
    fn task(
        id: &str,
        title: &str,
        kind: &str,
        village: Option<&str>,
        responsible: &str,
        supporting: &[&str],
        (start, deadline): (&str, &str),
        done_on: Option<&str>,
        features: Vec<Value>,
    ) -> Value {
        json!({
            "id": id, "title": title, "kind": kind, "village_id": village,
            "responsible": responsible, "supporting": supporting,
            "start": start, "deadline": deadline,
            "status": if done_on.is_some() { "done" } else { "open" },
            "done_on": done_on, "features": features, "target": null, "note": null,
        })
    }
    let canal = |id: &str| json!({"collection": "canals", "id": id});
    let parcels = |ids: &[String]| -> Vec<Value> {
        ids.iter()
            .map(|id| json!({"collection": "parcels", "id": id}))
            .collect()
    };

    // The two canals finished in 2023 and the one being built.
    tasks.push(task(
        "t-canal-qt",
        "Hoàn thành mương thoát nước khu dân cư Quyết Tiến (250 m)",
        "canal_section",
        Some("vil-qt"),
        "p-head-qt",
        &["p-build", "p-veterans-qt"],
        ("2023-01-10", "2023-06-30"),
        Some("2023-05-18"),
        vec![canal("cn-qt-2023")],
    ));
    tasks.push(task(
        "t-canal-tc",
        "Hoàn thành mương thoát nước khu dân cư Thành Công (200 m)",
        "canal_section",
        Some("vil-tc"),
        "p-head-tc",
        &["p-build"],
        ("2023-03-01", "2023-08-31"),
        Some("2023-08-25"),
        vec![canal("cn-tc-2023")],
    ));
    tasks.push(task(
        "t-canal-dd-infill",
        "Thi công mương trong hạ tầng khu xen dắm Đại Đồng (khoảng 250 m)",
        "canal_section",
        Some("vil-dd"),
        "p-build",
        &["p-head-dd"],
        ("2023-09-12", "2024-03-31"),
        None,
        vec![canal("cn-dd-infill")],
    ));
    tasks.push(task(
        "t-canal-750-approval",
        "Trình HĐND xã thông qua chủ trương tuyến mương 750 m Đại Đồng – Thành Công",
        "other",
        None,
        "p-vice",
        &["p-build"],
        ("2023-09-01", "2023-11-30"),
        Some("2023-11-28"),
        vec![],
    ));
    tasks.push(task(
        "t-canal-750-dossier",
        "Lập hồ sơ thiết kế tuyến mương 750 m Đại Đồng – Thành Công",
        "other",
        None,
        "p-build",
        &["p-land"],
        ("2023-11-28", "2024-01-10"),
        None,
        vec![],
    ));
    tasks.push(task(
        "t-funds-2024",
        "Vận động kinh phí xã hội hóa cho tuyến mương 750 m",
        "other",
        None,
        "p-front",
        &["p-women", "p-farmers", "p-veterans"],
        ("2023-12-01", "2024-06-30"),
        None,
        vec![],
    ));

    // Clearance and fences along the completed canals: every lot handed over; the walls
    // and gates stand again where the strip is cleared, the rest are still to rebuild.
    for (village, canal_id, head, helpers, fences_by, fence_dates, done_on) in [
        (
            "vil-qt",
            "cn-qt-2023",
            "p-head-qt",
            ["p-veterans-qt", "p-land"],
            "p-veterans",
            ("2023-05-20", "2023-10-31"),
            "2023-04-28",
        ),
        (
            "vil-tc",
            "cn-tc-2023",
            "p-head-tc",
            ["p-farmers-tc", "p-land"],
            "p-youth",
            ("2023-08-26", "2024-01-31"),
            "2023-07-31",
        ),
    ] {
        let lots = lots_along(data, canal_id)?;
        let code = &village[4..];
        let name = data.village_name(village).to_owned();
        tasks.push(task(
            &format!("t-clear-{code}"),
            &format!("Vận động các hộ hiến đất tuyến mương {name}"),
            "clearance",
            Some(village),
            head,
            &helpers,
            ("2022-08-01", done_on),
            Some(done_on),
            parcels(&lots),
        ));
        let fenced: Vec<String> = lots
            .iter()
            .filter(|id| {
                data.parcels.record(id).is_some_and(|p| {
                    p.gate
                        || matches!(
                            p.fence_type,
                            crate::model::FenceType::Wall | crate::model::FenceType::Fence
                        )
                })
            })
            .cloned()
            .collect();
        tasks.push(task(
            &format!("t-fence-{code}"),
            &format!("Xây lại tường rào, cổng ngõ các hộ dọc mương {name}"),
            "fence_gate",
            Some(village),
            fences_by,
            &[head],
            fence_dates,
            None,
            parcels(&fenced),
        ));
    }

    // The planned canal: the lots its corridor touches, in groups of about fifteen per
    // village side, each group given to a village head or a mass organisation.
    let planned = lots_along(data, "cn-dd-tc-planned")?;
    let in_village = |v: &str| -> Vec<String> {
        planned
            .iter()
            .filter(|id| {
                data.parcels
                    .record(id)
                    .and_then(|p| p.village_id.as_deref())
                    == Some(v)
            })
            .cloned()
            .collect()
    };
    // Village, the people who help every group, the day the groups start.
    let groups = [
        ("vil-dd", ["p-women-dd", "p-land-2"], "2023-10-01"),
        ("vil-tc", ["p-farmers-tc", "p-land-2"], "2023-10-01"),
    ];
    let leads = [
        ["p-head-dd", "p-women-dd", "p-women"],
        ["p-head-tc", "p-farmers-tc", "p-women-tc"],
    ];
    let deadlines = [
        ["2023-12-20", "2024-01-12", "2024-03-31"],
        ["2023-12-15", "2024-01-12", "2024-02-29"],
    ];
    for (g, &(village, helpers, start)) in groups.iter().enumerate() {
        let lots = in_village(village);
        let code = &village[4..];
        let name = data.village_name(village).to_owned();
        let chunks: Vec<&[String]> = lots.chunks(lots.len().div_ceil(3).max(1)).collect();
        for (n, chunk) in chunks.iter().enumerate() {
            let lead = leads[g][n % 3];
            let support: Vec<&str> = helpers.iter().copied().filter(|h| *h != lead).collect();
            tasks.push(task(
                &format!("t-clear-750-{code}-{}", n + 1),
                &format!(
                    "Vận động hiến đất tuyến mương 750 m, {name}, nhóm {}",
                    n + 1
                ),
                "clearance",
                Some(village),
                lead,
                &support,
                (start, deadlines[g][n % 3]),
                None,
                parcels(chunk),
            ));
        }
        let fenced: Vec<String> = lots
            .iter()
            .filter(|id| {
                data.parcels.record(id).is_some_and(|p| {
                    p.gate
                        || matches!(
                            p.fence_type,
                            crate::model::FenceType::Wall | crate::model::FenceType::Fence
                        )
                })
            })
            .cloned()
            .collect();
        tasks.push(task(
            &format!("t-fence-750-{code}"),
            &format!("Xây lại tường rào, cổng ngõ dọc tuyến mương 750 m, {name}"),
            "fence_gate",
            Some(village),
            "p-veterans",
            &["p-youth"],
            ("2024-03-01", "2024-12-31"),
            None,
            parcels(&fenced),
        ));
    }

    // Piped water: each village's 35 % target for 2023, and a group of households in
    // Đại Đồng still to persuade.
    for (village, head, helper) in [
        ("vil-qt", "p-head-qt", "p-women"),
        ("vil-tc", "p-head-tc", "p-women-tc"),
        ("vil-dd", "p-head-dd", "p-women-dd"),
    ] {
        let code = &village[4..];
        let name = data.village_name(village).to_owned();
        let reached = target_reached(data, village);
        tasks.push(task(
            &format!("t-water-{code}"),
            &format!("Đạt chỉ tiêu 35 % hộ đăng ký đấu nối nước máy năm 2023, {name}"),
            "water_target",
            Some(village),
            head,
            &[helper, "p-social"],
            ("2023-01-01", "2023-12-31"),
            reached.as_deref(),
            vec![],
        ));
    }
    // The Đại Đồng households not yet registered nearest the infill area: the first
    // twenty, by id, of a street block.
    let unregistered: Vec<Value> = data
        .households
        .features
        .iter()
        .zip(data.households.records.iter())
        .filter(|(_, h)| &*h.village_id == "vil-dd" && h.water_status == WaterStatus::NotRegistered)
        .take(20)
        .map(|(f, _)| json!({"collection": "households", "id": f.id}))
        .collect();
    let mut group = task(
        "t-water-dd-group",
        "Vận động 20 hộ chưa đăng ký nước máy, xóm giáp khu xen dắm Đại Đồng",
        "water_target",
        Some("vil-dd"),
        "p-women-dd",
        &["p-social"],
        ("2023-11-01", "2024-01-10"),
        None,
        unregistered,
    );
    group["target"] = json!(10);
    tasks.push(group);
    tasks.push(task(
        "t-labour-youth",
        "Huy động đoàn viên góp ngày công đào mương khu xen dắm Đại Đồng",
        "other",
        Some("vil-dd"),
        "p-youth",
        &["p-head-dd"],
        ("2023-10-01", "2023-12-15"),
        None,
        vec![],
    ));
    Ok((people, tasks))
}

/// The privately held lots (clearance needed) that the 6 m corridor of canal `id` touches,
/// by id.
fn lots_along(data: &Dataset, id: &str) -> Result<Vec<String>, GenerateError> {
    let Some(Geometry::LineString(line)) = data.canals.get(id).map(|f| &f.geometry) else {
        return Ok(Vec::new());
    };
    let impact = crate::analysis::route_impact::route_impact(data, line, CORRIDOR_M)?;
    let mut lots: Vec<String> = impact
        .parcels
        .into_iter()
        .filter(|p| p.clearance_status != ClearanceStatus::NotRequired)
        .map(|p| p.id)
        .collect();
    lots.sort();
    Ok(lots)
}

/// The day a village's registered dwellings reached its target rate, if they did.
fn target_reached(data: &Dataset, village: &str) -> Option<String> {
    use std::collections::BTreeMap;
    let rate = data.villages.record(village)?.water_target_rate;
    // Dwelling → its registration date (all its households share it).
    let mut dwellings: BTreeMap<&str, Option<String>> = BTreeMap::new();
    for (f, h) in data
        .households
        .features
        .iter()
        .zip(data.households.records.iter())
    {
        if &*h.village_id != village {
            continue;
        }
        let entry = dwellings.entry(h.dwelling_id.as_str()).or_default();
        if h.water_status != WaterStatus::NotRegistered {
            *entry = Some(
                f.properties
                    .get("water_date")
                    .and_then(|v| v.as_str())
                    .unwrap_or("2023-01-01")
                    .to_owned(),
            );
        }
    }
    let target = (rate * dwellings.len() as f64 - 1e-9).ceil() as usize;
    let mut dates: Vec<String> = dwellings.into_values().flatten().collect();
    dates.sort();
    if target == 0 || dates.len() < target {
        return None;
    }
    // Reached on the day of the target-th registration, not before the year began.
    Some(dates[target - 1].clone().max("2023-01-01".to_owned()))
}
