//! One commune from the design to WGS84 features: people, canals, land, clearance,
//! flooding, contributions, numbering, shared boundaries, projection.

use std::collections::HashMap;

use geo::{Contains, Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::date::Date;
use super::layout::{self, CanalLine, ParcelPlan, Rect, Role, VillageInput, round1};
use super::people::{self, DwellingPlan, HouseholdPlan};
use super::spec::{self, COMMUNE_PITCH_X, COMMUNE_PITCH_Y, COMMUNES_PER_ROW, FloodSpec, MM};
use super::topology::{Nodes, Pt, rect_ring};
use super::{CanalSummary, Feature, GenerateError, Layers, VillageSummary};
use crate::crs::{self, CrsError};
use crate::model::{CanalStatus, ClearanceStatus, FenceType, WaterStatus};

/// The commune's south-west corner: commune 1 is Quỳnh Liên; benchmark communes are tiled
/// 20 to a row, westward and then southward from lon ≈ 105.55, lat ≈ 19.22.
pub(crate) fn origin(k: u32) -> Pt {
    if k <= 1 {
        return spec::ORIGIN_1;
    }
    let i = k - 2;
    let (col, row) = (
        i64::from(i % COMMUNES_PER_ROW),
        i64::from(i / COMMUNES_PER_ROW),
    );
    (
        spec::ORIGIN_BENCH.0 - col * COMMUNE_PITCH_X,
        spec::ORIGIN_BENCH.1 - row * COMMUNE_PITCH_Y,
    )
}

/// The province of benchmark commune `k` (k ≥ 2): blocks of
/// [`spec::COMMUNES_PER_PROVINCE`] communes in tiling order, so a province is a band of
/// whole rows. Commune 1, the Quỳnh Liên sample, names none: its files stay as committed.
pub(crate) fn province(k: u32) -> Option<String> {
    (k >= 2).then(|| format!("Tỉnh mẫu {:02}", (k - 2) / spec::COMMUNES_PER_PROVINCE + 1))
}

/// Rounds a degree value to 8 decimals (about 1 mm here).
fn round8(x: f64) -> f64 {
    (x * 1e8).round() / 1e8
}

/// Projects millimetre grid points to rounded WGS84, remembering each point so that shared
/// corners are projected once and come out identical.
#[derive(Default)]
struct Projector {
    cache: HashMap<Pt, Coord>,
}

impl Projector {
    fn lonlat(&mut self, p: Pt) -> Result<Coord, CrsError> {
        if let Some(c) = self.cache.get(&p) {
            return Ok(*c);
        }
        let c = crs::to_wgs84(Coord {
            x: p.0 as f64 / 1000.0,
            y: p.1 as f64 / 1000.0,
        })?;
        let c = Coord {
            x: round8(c.x),
            y: round8(c.y),
        };
        self.cache.insert(p, c);
        Ok(c)
    }

    fn line(&mut self, pts: &[Pt]) -> Result<LineString, CrsError> {
        pts.iter()
            .map(|&p| self.lonlat(p))
            .collect::<Result<Vec<_>, _>>()
            .map(LineString::new)
    }

    fn geodesic_m(&mut self, a: Pt, b: Pt) -> Result<f64, CrsError> {
        Ok(crs::geodesic_length_m(&self.line(&[a, b])?))
    }
}

/// The east end of a straight canal from `(x0, y)` whose geodesic length, once projected
/// and rounded, is `length_m`.
fn east_end(proj: &mut Projector, x0: i64, y: i64, length_m: f64) -> Result<i64, CrsError> {
    let mut x1 = x0 + (length_m * 1000.0).round() as i64;
    for _ in 0..3 {
        let got = proj.geodesic_m((x0, y), (x1, y))?;
        x1 = x0 + ((x1 - x0) as f64 * length_m / got).round() as i64;
    }
    Ok(x1)
}

/// A rounded, slightly irregular blob inside `within`.
fn blob(rng: &mut impl rand::Rng, f: &FloodSpec, origin: Pt, within: Rect) -> Vec<Pt> {
    const N: usize = 32;
    let (p1, p2): (f64, f64) = (
        rng.random_range(0.0..std::f64::consts::TAU),
        rng.random_range(0.0..std::f64::consts::TAU),
    );
    let (cx, cy) = ((origin.0 + f.cx) as f64, (origin.1 + f.cy) as f64);
    let mut ring: Vec<Pt> = (0..N)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / N as f64;
            // A superellipse of exponent 3: boxier than an ellipse, like a flooded block.
            let (c, s) = (t.cos(), t.sin());
            let (sx, sy) = (
                c.signum() * c.abs().powf(2.0 / 3.0),
                s.signum() * s.abs().powf(2.0 / 3.0),
            );
            let r = 1.0 + 0.05 * (3.0 * t + p1).sin() + 0.03 * (5.0 * t + p2).sin();
            let x = (cx + f.a as f64 * sx * r).round() as i64;
            let y = (cy + f.b as f64 * sy * r).round() as i64;
            (
                x.clamp(within.x0 + MM, within.x1 - MM),
                y.clamp(within.y0 + MM, within.y1 - MM),
            )
        })
        .collect();
    ring.push(ring[0]);
    ring
}

fn metric_polygon(ring: &[Pt]) -> Polygon {
    Polygon::new(
        ring.iter()
            .map(|&(x, y)| Coord {
                x: x as f64 / 1000.0,
                y: y as f64 / 1000.0,
            })
            .collect(),
        vec![],
    )
}

fn pick_weighted<T: Copy>(rng: &mut impl rand::Rng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut r = rng.random_range(0..total);
    for &(v, w) in table {
        if r < w {
            return v;
        }
        r -= w;
    }
    table[table.len() - 1].0
}

/// Money in VND: a multiple of 50 000 in `lo..=hi`.
fn money(rng: &mut impl rand::Rng, lo: u32, hi: u32) -> f64 {
    f64::from(rng.random_range(lo / 50_000..=hi / 50_000) * 50_000)
}

/// Half of a sum of money, rounded down to 50 000 VND.
fn half_money(x: f64) -> f64 {
    (x / 2.0 / 50_000.0).floor() * 50_000.0
}

/// One generated commune.
pub(crate) struct Commune {
    pub layers: Layers,
    pub villages: Vec<VillageSummary>,
    pub canals: Vec<CanalSummary>,
    /// Lots along the planned canal by clearance status.
    pub planned_lots: Vec<(ClearanceStatus, usize)>,
}

/// Builds commune `k` (1 = Quỳnh Liên) from `seed`. Each commune draws from its own ChaCha
/// stream, so commune k is the same whatever the number of communes generated.
pub(crate) fn build(seed: u64, k: u32) -> Result<Commune, GenerateError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(k));
    let origin = origin(k);
    let prefix = if k == 1 {
        String::new()
    } else {
        format!("c{k:03}-")
    };
    let commune_name = if k == 1 {
        "Quỳnh Liên".to_owned()
    } else {
        format!("Xã mẫu {k:03}")
    };
    let specs = spec::villages();
    let names: Vec<(String, String, String)> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if k == 1 {
                (
                    format!("vil-{}", s.key),
                    s.name.to_owned(),
                    s.code.to_owned(),
                )
            } else {
                (
                    format!("{prefix}vil-{:02}", i + 1),
                    format!("Thôn {}", i + 1),
                    format!("T{:02}", i + 1),
                )
            }
        })
        .collect();
    let mut proj = Projector::default();

    // People first: the layout gives each dwelling a lot.
    let mut dwellings: Vec<DwellingPlan> = Vec::new();
    let mut households: Vec<HouseholdPlan> = Vec::new();
    let mut ranges = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let (d0, h0) = (dwellings.len(), households.len());
        people::village_people(
            &mut rng,
            i,
            s.dwellings,
            s.households,
            s.registered,
            s.connected,
            &mut dwellings,
            &mut households,
        );
        ranges.push((d0..dwellings.len(), h0..households.len()));
    }
    debug_assert_eq!(
        specs.iter().map(|s| s.registered_by_2022).sum::<usize>(),
        spec::WATER_REGISTERED_END_2022
    );
    // The connections' dates from a stream of their own (see `people::date_connections`).
    let mut water_rng = ChaCha8Rng::seed_from_u64(seed);
    water_rng.set_stream(u64::from(k) | 1 << 32);
    for (s, (dr, _)) in specs.iter().zip(&ranges) {
        people::date_connections(
            &mut water_rng,
            &dwellings[dr.clone()],
            &mut households,
            s.registered_by_2022,
        );
    }

    // Canals, their east ends set so that the geodesic length is the published one.
    let canal_specs = spec::canals();
    let mut lines = Vec::with_capacity(canal_specs.len());
    for c in &canal_specs {
        let (x0, y) = (origin.0 + c.x0, origin.1 + c.y);
        lines.push(CanalLine {
            x0,
            x1: east_end(&mut proj, x0, y, c.length_m)?,
            y,
            status: c.status,
            along_lots: c.along_lots,
        });
    }

    // Land.
    let mut parcels: Vec<ParcelPlan> = Vec::with_capacity(4000);
    for (i, s) in specs.iter().enumerate() {
        let (dr, hr) = ranges[i].clone();
        let hh: Vec<usize> = hr.collect();
        let input = VillageInput {
            index: i,
            spec: s,
            origin,
            canals: &lines,
            first_dwelling: dr.start,
            households: &hh,
        };
        layout::village(&mut rng, &input, &mut dwellings[dr], &mut parcels);
    }

    // Clearance and land given along the canals that run along lots.
    let mut touched = vec![false; households.len()];
    let mut planned_lots: Vec<(ClearanceStatus, usize)> =
        ClearanceStatus::ALL.iter().map(|&s| (s, 0)).collect();
    for p in parcels.iter_mut() {
        if p.role != Role::Home {
            continue;
        }
        let lot = p.parts[0];
        let hit = lines.iter().find_map(|cn| {
            cn.along_lots
                .then(|| cn.corridor().overlap(&lot))
                .flatten()
                .map(|o| (cn.status, o.area_mm2() as f64 / 1e6))
        });
        let Some((status, take_m2)) = hit else {
            p.fence = pick_weighted(
                &mut rng,
                &[
                    (FenceType::Wall, 45),
                    (FenceType::Fence, 25),
                    (FenceType::Hedge, 18),
                    (FenceType::None, 12),
                ],
            );
            p.gate = p.fence != FenceType::None && rng.random_bool(0.45);
            continue;
        };
        let (clearance, date) = match status {
            CanalStatus::Completed => {
                let s = if rng.random_bool(0.7) {
                    ClearanceStatus::Cleared
                } else {
                    ClearanceStatus::Donated
                };
                let d = Date::between(&mut rng, Date::ymd(2022, 8, 1), Date::ymd(2023, 4, 30));
                p.fence = if rng.random_bool(0.9) {
                    FenceType::Wall
                } else {
                    FenceType::Fence
                };
                p.gate = rng.random_bool(0.5);
                (s, Some(d))
            }
            CanalStatus::Planned => {
                let s = pick_weighted(
                    &mut rng,
                    &[
                        (ClearanceStatus::Awaiting, 30),
                        (ClearanceStatus::Agreed, 32),
                        (ClearanceStatus::Donated, 24),
                        (ClearanceStatus::Compensated, 7),
                        (ClearanceStatus::Cleared, 7),
                    ],
                );
                let from = match s {
                    ClearanceStatus::Agreed => Some(Date::ymd(2023, 6, 1)),
                    ClearanceStatus::Donated => Some(Date::ymd(2023, 8, 1)),
                    ClearanceStatus::Compensated => Some(Date::ymd(2023, 10, 2)),
                    ClearanceStatus::Cleared => Some(Date::ymd(2023, 11, 6)),
                    _ => None,
                };
                let d = from.map(|f| Date::between(&mut rng, f, Date::ymd(2023, 12, 28)));
                p.fence = pick_weighted(
                    &mut rng,
                    &[
                        (FenceType::Wall, 75),
                        (FenceType::Fence, 12),
                        (FenceType::Hedge, 8),
                        (FenceType::None, 5),
                    ],
                );
                p.gate = p.fence != FenceType::None && rng.random_bool(0.4);
                if let Some(slot) = planned_lots.iter_mut().find(|(c, _)| *c == s) {
                    slot.1 += 1;
                }
                (s, d)
            }
            _ => {
                // Proposed: nothing asked of anyone yet.
                p.fence = pick_weighted(
                    &mut rng,
                    &[
                        (FenceType::Wall, 60),
                        (FenceType::Fence, 25),
                        (FenceType::Hedge, 15),
                    ],
                );
                p.gate = rng.random_bool(0.45);
                (ClearanceStatus::NotRequired, None)
            }
        };
        p.clearance = clearance;
        p.clearance_date = date;
        if let Some(owner) = p.owner
            && clearance != ClearanceStatus::NotRequired
        {
            touched[owner] = true;
            let c = &mut households[owner].contributions;
            let take = round1(take_m2);
            match clearance {
                ClearanceStatus::Donated | ClearanceStatus::Cleared => {
                    c.land_pledged_m2 += take;
                    c.land_donated_m2 += take;
                }
                ClearanceStatus::Agreed => c.land_pledged_m2 += take,
                _ => {}
            }
        }
    }

    // Flooding, and the money and labour of flooded households that lose no land.
    let flood_specs = spec::flood_zones();
    let mut floods = Vec::with_capacity(flood_specs.len());
    for f in &flood_specs {
        let cell = layout::cell(&specs[f.village], origin);
        floods.push(blob(&mut rng, f, origin, cell));
    }
    let flood_polys: Vec<Polygon> = floods.iter().map(|r| metric_polygon(r)).collect();
    for d in &dwellings {
        let at = Point::new(d.at.0 as f64 / 1000.0, d.at.1 as f64 / 1000.0);
        let zone = flood_polys.iter().position(|z| z.contains(&at));
        for &h in &d.households {
            let c = &mut households[h].contributions;
            match zone {
                Some(z) if !touched[h] => {
                    let settled = flood_specs[z].settled;
                    c.labour_pledged_days = f64::from(rng.random_range(2..=8_u32));
                    c.money_pledged_vnd = money(&mut rng, 200_000, 2_000_000);
                    let r: f64 = rng.random();
                    let (labour_share, money_share) = if settled || r < 0.45 {
                        (1.0, 1.0)
                    } else if r < 0.8 {
                        (0.5, 0.5)
                    } else {
                        (0.0, 0.0)
                    };
                    c.labour_done_days = (c.labour_pledged_days * labour_share).floor();
                    c.money_paid_vnd = if money_share == 1.0 {
                        c.money_pledged_vnd
                    } else if money_share == 0.5 {
                        half_money(c.money_pledged_vnd)
                    } else {
                        0.0
                    };
                }
                Some(_) => {
                    if rng.random_bool(0.3) {
                        c.labour_pledged_days = f64::from(rng.random_range(1..=3_u32));
                        c.labour_done_days = c.labour_pledged_days;
                    }
                }
                None => {
                    if rng.random_bool(0.03) {
                        c.money_pledged_vnd = money(&mut rng, 100_000, 500_000);
                        if rng.random_bool(0.6) {
                            c.money_paid_vnd = c.money_pledged_vnd;
                        }
                    }
                }
            }
        }
    }

    // Map sheets and parcel numbers: one residential and one field sheet per village,
    // numbered in layout order (south to north, west to east).
    let mut next_no: HashMap<i64, i64> = HashMap::new();
    for p in parcels.iter_mut() {
        let v = i64::try_from(p.village).unwrap_or(0);
        p.sheet = if p.field_sheet { 20 + v } else { 10 + v };
        let n = next_no.entry(p.sheet).or_insert(0);
        *n += 1;
        p.no = *n;
    }

    // Shared boundaries: every corner that lies on another ring's side becomes a vertex of it.
    let cells: Vec<Rect> = specs.iter().map(|s| layout::cell(s, origin)).collect();
    let village_rings: Vec<Vec<Pt>> = cells
        .iter()
        .map(|c| rect_ring(c.x0, c.y0, c.x1, c.y1))
        .collect();
    let parcel_rings: Vec<Vec<Vec<Pt>>> = parcels
        .iter()
        .map(|p| {
            p.parts
                .iter()
                .map(|r| rect_ring(r.x0, r.y0, r.x1, r.y1))
                .collect()
        })
        .collect();
    let nodes = Nodes::new(
        village_rings
            .iter()
            .map(Vec::as_slice)
            .chain(parcel_rings.iter().flatten().map(Vec::as_slice)),
    );

    // Features.
    let mut layers = Layers::default();
    let household_id = |h: usize| format!("{prefix}hh-{:05}", h + 1);
    for (i, ring) in village_rings.iter().enumerate() {
        let ring = proj.line(&nodes.split(ring))?;
        let (id, name, code) = &names[i];
        let mut properties = props(json!({
            "name": name,
            "code": code,
            "commune": commune_name,
        }));
        if let Some(p) = province(k) {
            properties.insert("province".into(), Value::String(p));
        }
        properties.insert("water_target_rate".into(), json!(0.35));
        layers.villages.push(Feature {
            id: id.clone(),
            geometry: Geometry::Polygon(Polygon::new(ring, vec![])),
            properties,
        });
    }
    let mut canal_summaries = Vec::new();
    for (c, l) in canal_specs.iter().zip(&lines) {
        let vnames: Vec<&str> = c.villages.iter().map(|&v| names[v].1.as_str()).collect();
        let id = format!("{prefix}cn-{}", c.key);
        let name = format!("{} {}{}", c.kind, vnames.join(" – "), c.suffix);
        let geometry = proj.line(&[(l.x0, l.y), (l.x1, l.y)])?;
        let length_m = crs::geodesic_length_m(&geometry);
        let mut per_village = Vec::new();
        for &v in c.villages {
            let (a, b) = (l.x0.max(cells[v].x0), l.x1.min(cells[v].x1));
            per_village.push((names[v].1.clone(), proj.geodesic_m((a, l.y), (b, l.y))?));
        }
        canal_summaries.push(CanalSummary {
            id: id.clone(),
            name: name.clone(),
            status: c.status,
            length_m,
            per_village,
        });
        let h = &c.hydraulics;
        let mut properties = props(json!({
            "name": name,
            "status": c.status.as_str(),
            "villages": vnames.join(", "),
            "funding": c.funding,
            "width_m": c.width_m,
            "depth_m": c.depth_m,
            "lining": c.lining,
            "year": c.year,
            "status_date": c.status_date,
            "shape": h.shape,
        }));
        // Every canal says its side slope (0: vertical walls), so that every feature has the
        // same columns in an export and comes back the same from one.
        properties.insert("side_slope".into(), json!(h.side_slope.unwrap_or(0.0)));
        properties.insert("invert_start_m".into(), json!(h.invert_m.0));
        properties.insert("invert_end_m".into(), json!(h.invert_m.1));
        properties.insert("ground_start_m".into(), json!(h.ground_m.0));
        properties.insert("ground_end_m".into(), json!(h.ground_m.1));
        match h.flows_to {
            spec::FlowsTo::Canal(key) => {
                properties.insert("flows_to".into(), json!(format!("{prefix}cn-{key}")));
            }
            spec::FlowsTo::Outfall(o) => {
                properties.insert("outfall".into(), json!(o));
            }
        }
        properties.insert("drainage_class".into(), json!(h.drainage_class));
        layers.canals.push(Feature {
            id,
            geometry: Geometry::LineString(geometry),
            properties,
        });
    }
    for c in spec::catchments() {
        let (x0, y0, x1, y1) = c.rect;
        let ring = rect_ring(origin.0 + x0, origin.1 + y0, origin.0 + x1, origin.1 + y1);
        layers.catchments.push(Feature {
            id: format!("{prefix}ca-{}", c.key),
            geometry: Geometry::Polygon(Polygon::new(proj.line(&ring)?, vec![])),
            properties: props(json!({
                "name": format!("Lưu vực {} ({})", names[c.village].1, c.key),
                "village_id": names[c.village].0,
                "drains_to": format!("{prefix}cn-{}", c.drains_to),
                "drains_at": c.drains_at,
            })),
        });
    }
    for (p, rings) in parcels.iter().zip(&parcel_rings) {
        let split: Vec<Vec<Pt>> = rings.iter().map(|r| nodes.split(r)).collect();
        let frontage_edge = p.frontage.and_then(|(a, b)| {
            let ring = &split[0];
            ring.windows(2)
                .position(|w| w[0] == a && w[1] == b)
                .or_else(|| ring.windows(2).position(|w| w[0] == a))
        });
        let mut polys = Vec::with_capacity(split.len());
        for r in &split {
            polys.push(Polygon::new(proj.line(r)?, vec![]));
        }
        let geometry = if polys.len() == 1 {
            Geometry::Polygon(polys.remove(0))
        } else {
            Geometry::MultiPolygon(MultiPolygon(polys))
        };
        layers.parcels.push(Feature {
            id: format!("{prefix}p-{:02}-{:04}", p.sheet, p.no),
            geometry,
            properties: props(json!({
                "map_sheet": p.sheet,
                "parcel_no": p.no,
                "land_use": p.land_use,
                "area_legal_m2": p.area_legal_m2,
                "village_id": names[p.village].0,
                "owner_household": p.owner.map(household_id),
                "clearance_status": p.clearance.as_str(),
                "clearance_date": p.clearance_date.map(|d| d.to_string()),
                "fence_type": p.fence.as_str(),
                "gate": p.gate,
                "frontage_edge": frontage_edge,
            })),
        });
    }
    for (f, ring) in flood_specs.iter().zip(&floods) {
        let id = if k == 1 {
            format!("fz-{}", f.key)
        } else {
            format!("{prefix}fz-{:02}", f.village + 1)
        };
        layers.flood_zones.push(Feature {
            id,
            geometry: Geometry::Polygon(Polygon::new(proj.line(ring)?, vec![])),
            properties: props(json!({
                "name": format!("Vùng ngập khu dân cư {}", names[f.village].1),
                "village_id": names[f.village].0,
                "depth_m": f.depth_m,
                "duration_days": f.duration_days,
                "frequency": "hằng năm mùa mưa",
                "last_observed": f.last_observed,
                "since_year": f.since_year,
            })),
        });
    }
    for (i, h) in households.iter().enumerate() {
        let at = dwellings[h.dwelling].at;
        let c = &h.contributions;
        layers.households.push(Feature {
            id: household_id(i),
            geometry: Geometry::Point(Point(proj.lonlat(at)?)),
            properties: props(json!({
                "head": h.head,
                "village_id": names[h.village].0,
                "members": h.members,
                "dwelling_id": format!("{prefix}dw-{:05}", h.dwelling + 1),
                "water_status": h.water.as_str(),
                "water_date": h.water_date.map(|d| d.to_string()),
                "land_pledged_m2": round1(c.land_pledged_m2),
                "land_donated_m2": round1(c.land_donated_m2),
                "labour_pledged_days": c.labour_pledged_days as u64,
                "labour_done_days": c.labour_done_days as u64,
                "money_pledged_vnd": c.money_pledged_vnd as u64,
                "money_paid_vnd": c.money_paid_vnd as u64,
            })),
        });
    }

    let villages = specs
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let (dr, hr) = ranges[i].clone();
            let ds = &dwellings[dr.clone()];
            VillageSummary {
                id: names[i].0.clone(),
                name: names[i].1.clone(),
                parcels: parcels.iter().filter(|p| p.village == i).count(),
                home_lots: parcels
                    .iter()
                    .filter(|p| p.village == i && p.role == Role::Home)
                    .count(),
                households: hr.len(),
                dwellings: dr.len(),
                registered_dwellings: ds
                    .iter()
                    .filter(|d| d.water != WaterStatus::NotRegistered)
                    .count(),
                connected_dwellings: ds
                    .iter()
                    .filter(|d| d.water == WaterStatus::Connected)
                    .count(),
            }
        })
        .collect();
    Ok(Commune {
        layers,
        villages,
        canals: canal_summaries,
        planned_lots,
    })
}

fn props(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
