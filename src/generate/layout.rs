//! The land of one village in metric millimetres: roads, rows of residential lots with
//! their gardens behind, fields, ponds, irrigation strips and the infill housing area.
//!
//! Every parcel is an axis-aligned rectangle (or two, for the odd field split by a ditch),
//! and the parcels of a village tile its cell exactly, so areas are what the layout says
//! and the village polygon covers its parcels.

use rand::RngExt;

use super::date::Date;
use super::people::DwellingPlan;
use super::spec::{
    Band, CORRIDOR_W, CROSS_ROAD_W, MM, Road, STREET_BAND, VILLAGE_H, VILLAGE_W, VillageSpec,
};
use super::topology::Pt;
use crate::model::{CanalStatus, ClearanceStatus, FenceType};

/// An axis-aligned rectangle in millimetres, `x0 < x1`, `y0 < y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x0: i64,
    pub y0: i64,
    pub x1: i64,
    pub y1: i64,
}

impl Rect {
    /// A rectangle from any two opposite corners.
    pub fn new(xa: i64, ya: i64, xb: i64, yb: i64) -> Rect {
        Rect {
            x0: xa.min(xb),
            y0: ya.min(yb),
            x1: xa.max(xb),
            y1: ya.max(yb),
        }
    }

    /// Area in mm².
    pub fn area_mm2(&self) -> i128 {
        i128::from(self.x1 - self.x0) * i128::from(self.y1 - self.y0)
    }

    /// The overlap with `o`, if it has an interior.
    pub fn overlap(&self, o: &Rect) -> Option<Rect> {
        let r = Rect {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        };
        (r.x0 < r.x1 && r.y0 < r.y1).then_some(r)
    }
}

/// A straight east–west canal, absolute millimetres.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CanalLine {
    pub x0: i64,
    pub x1: i64,
    pub y: i64,
    pub status: CanalStatus,
    pub along_lots: bool,
}

impl CanalLine {
    /// The programme's 6 m corridor: the line buffered by 3 m with flat ends.
    pub fn corridor(&self) -> Rect {
        Rect::new(
            self.x0,
            self.y - CORRIDOR_W / 2,
            self.x1,
            self.y + CORRIDOR_W / 2,
        )
    }
}

/// What a parcel is, for the statuses and contributions decided after the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A residential lot with a dwelling on it.
    Home,
    /// A residential lot in the infill area, bought at the auction, not yet built on.
    InfillLot,
    /// Garden or crops behind a lot, or a wider plot where a row has no more houses.
    Garden,
    /// A field, pond or field-side plot.
    Field,
    /// Road or irrigation strip: commune land.
    Public,
}

/// One parcel of the plan.
#[derive(Debug, Clone)]
pub(crate) struct ParcelPlan {
    pub village: usize,
    pub role: Role,
    /// On the field map sheet rather than the residential one.
    pub field_sheet: bool,
    /// One rectangle, or two for a MultiPolygon.
    pub parts: Vec<Rect>,
    pub land_use: &'static str,
    /// Commune-wide household index of the owner.
    pub owner: Option<usize>,
    /// Commune-wide dwelling index of the dwelling on a home lot.
    pub dwelling: Option<usize>,
    /// The frontage side as it runs in the counter-clockwise ring.
    pub frontage: Option<(Pt, Pt)>,
    pub fence: FenceType,
    pub gate: bool,
    pub clearance: ClearanceStatus,
    pub clearance_date: Option<Date>,
    pub area_legal_m2: f64,
    /// Set when numbering: map sheet and parcel number.
    pub sheet: i64,
    pub no: i64,
}

impl ParcelPlan {
    fn new(village: usize, role: Role, parts: Vec<Rect>, land_use: &'static str) -> Self {
        ParcelPlan {
            village,
            role,
            field_sheet: role == Role::Field,
            parts,
            land_use,
            owner: None,
            dwelling: None,
            frontage: None,
            fence: FenceType::None,
            gate: false,
            clearance: ClearanceStatus::NotRequired,
            clearance_date: None,
            area_legal_m2: 0.0,
            sheet: 0,
            no: 0,
        }
    }

    /// The true area in m².
    pub fn area_m2(&self) -> f64 {
        self.parts.iter().map(|r| r.area_mm2() as f64).sum::<f64>() / 1e6
    }
}

/// What the layout of a village needs from the commune.
pub(crate) struct VillageInput<'a> {
    pub index: usize,
    pub spec: &'a VillageSpec,
    /// The commune's south-west corner.
    pub origin: Pt,
    pub canals: &'a [CanalLine],
    /// Commune-wide index of the village's first dwelling; its dwellings follow.
    pub first_dwelling: usize,
    /// Commune-wide household indices of the village.
    pub households: &'a [usize],
}

/// The village cell in absolute millimetres.
pub(crate) fn cell(spec: &VillageSpec, origin: Pt) -> Rect {
    let (x0, y0, x1, y1) = spec.cell();
    Rect {
        x0: origin.0 + x0,
        y0: origin.1 + y0,
        x1: origin.0 + x1,
        y1: origin.1 + y1,
    }
}

/// A row of lots along one side of a street, between the cross road and a village edge.
#[derive(Debug, Clone, Copy)]
struct Row {
    x0: i64,
    x1: i64,
    /// The road edge the lots face.
    front: i64,
    /// The back line of the gardens.
    back: i64,
    /// Lots that fit at 12.5 m frontage.
    slots: usize,
    /// Lots placed in it.
    lots: usize,
    /// Rank in the filling order.
    rank: (u8, usize, u8, usize),
}

const LOT_MIN: i64 = 10 * MM;
const LOT_MAX: i64 = 15 * MM;
const LOT_MEAN: i64 = 12_500;
const INFILL_ROAD_W: i64 = 14 * MM;
const INFILL_BLOCK: i64 = 25 * MM;
const INFILL_LEN: i64 = 270 * MM;
const DITCH_W: i64 = 4 * MM;

/// Lays out one village, appending its parcels to `out` and placing its dwellings.
///
/// 1. Place the cross road and walk the bands from south to north, noting each street's
///    road and the rows of lots on both sides.
/// 2. Decide how many lots each row gets: rows along a canal first (they must be built
///    up), then the streets farthest from the fields; the rest of the last row and the
///    rows beyond are gardens and ponds.
/// 3. Walk the bands again, cutting lots, gardens, roads and fields.
pub(crate) fn village(
    rng: &mut impl rand::Rng,
    input: &VillageInput<'_>,
    dwellings: &mut [DwellingPlan],
    out: &mut Vec<ParcelPlan>,
) {
    let spec = input.spec;
    let c = cell(spec, input.origin);
    let cross_rel = spec
        .cross_road
        .unwrap_or_else(|| rng.random_range(15..=41) * 10 * MM);
    let xc = c.x0 + cross_rel;
    let segments = [(c.x0, xc), (xc + CROSS_ROAD_W, c.x1)];
    let fields_north = matches!(spec.bands.last(), Some(Band::Fields { .. }));

    // Step 1.
    let mut bands = Vec::new();
    let mut rows = Vec::new();
    let mut y = c.y0;
    for band in &spec.bands {
        let height = match band {
            Band::Fields { height, .. } => *height,
            Band::Street(_) => STREET_BAND,
            Band::Infill => 2 * INFILL_BLOCK + INFILL_ROAD_W,
        };
        let road = match band {
            Band::Street(k) => {
                let road = spec.roads[*k].unwrap_or_else(|| Road {
                    offset: 0,
                    width: rng.random_range(6..=10) * 500,
                });
                let centre = y + STREET_BAND / 2 + road.offset;
                let (r0, r1) = (centre - road.width / 2, centre + road.width / 2);
                let street_rank = if fields_north { *k } else { 2 - *k };
                for (side, (front, back)) in [(r0, y), (r1, y + height)].into_iter().enumerate() {
                    // The side away from the fields fills first.
                    let side_rank = if (side == 1) == fields_north { 1 } else { 0 };
                    for (s, &(x0, x1)) in segments.iter().enumerate() {
                        let must = input.canals.iter().any(|cn| {
                            cn.along_lots
                                && cn
                                    .corridor()
                                    .overlap(&Rect::new(x0, front, x1, back))
                                    .is_some()
                        });
                        rows.push(Row {
                            x0,
                            x1,
                            front,
                            back,
                            slots: usize::try_from(((x1 - x0) + LOT_MEAN / 2) / LOT_MEAN)
                                .unwrap_or(0),
                            lots: 0,
                            rank: (u8::from(!must), street_rank, side_rank, s),
                        });
                    }
                }
                Some((r0, r1))
            }
            _ => None,
        };
        bands.push((*band, y, y + height, road));
        y += height;
    }
    debug_assert_eq!(y, c.y1);

    // Step 2.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].rank);
    let mut left = dwellings.len();
    for i in order {
        let take = left.min(rows[i].slots);
        rows[i].lots = take;
        left -= take;
    }
    assert_eq!(
        left,
        0,
        "village {} has room for fewer lots than its {} dwellings",
        spec.name,
        dwellings.len()
    );

    // Step 3.
    let avoid: Vec<(i64, Rect)> = input
        .canals
        .iter()
        .filter(|cn| cn.along_lots)
        .flat_map(|cn| [(cn.x0, cn.corridor()), (cn.x1, cn.corridor())])
        .collect();
    let mut next_dwelling = 0;
    let mut rows = rows.into_iter();
    let v = input.index;
    for (band, y0, y1, road) in bands {
        match band {
            Band::Fields { ditch, .. } => {
                for &(x0, x1) in &segments {
                    fields(
                        rng,
                        v,
                        Rect::new(x0, y0, x1, y1),
                        ditch,
                        input.households,
                        out,
                    );
                }
            }
            Band::Street(_) => {
                let Some((r0, r1)) = road else { continue };
                // South side rows, the road pieces, then the north side rows.
                for (side, row) in rows.by_ref().take(4).enumerate() {
                    if side == 2 {
                        for &(x0, x1) in &segments {
                            let mut road = ParcelPlan::new(
                                v,
                                Role::Public,
                                vec![Rect::new(x0, r0, x1, r1)],
                                "DGT",
                            );
                            road.area_legal_m2 = round1(road.area_m2());
                            out.push(road);
                        }
                    }
                    let along: Vec<i64> = avoid
                        .iter()
                        .filter(|(_, corr)| {
                            corr.overlap(&Rect::new(row.x0, row.front, row.x1, row.back))
                                .is_some()
                        })
                        .map(|(x, _)| *x)
                        .collect();
                    lot_row(
                        rng,
                        v,
                        &row,
                        &along,
                        input,
                        &mut next_dwelling,
                        dwellings,
                        out,
                    );
                }
            }
            Band::Infill => infill(rng, v, &segments, y0, y1, input.households, out),
        }
    }
    debug_assert_eq!(next_dwelling, dwellings.len());
    let mut cross = ParcelPlan::new(
        v,
        Role::Public,
        vec![Rect::new(xc, c.y0, xc + CROSS_ROAD_W, c.y1)],
        "DGT",
    );
    cross.area_legal_m2 = round1(cross.area_m2());
    out.push(cross);
    debug_assert_eq!(VILLAGE_W, c.x1 - c.x0);
    debug_assert_eq!(VILLAGE_H, c.y1 - c.y0);
}

/// Rounds to one decimal.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The area on the certificate: the true area give or take up to 1.5 % (older surveys).
fn legal_area(rng: &mut impl rand::Rng, p: &ParcelPlan) -> f64 {
    round1(p.area_m2() * (1.0 + rng.random_range(-0.015..=0.015)))
}

fn random_owner(rng: &mut impl rand::Rng, households: &[usize], p_owned: f64) -> Option<usize> {
    (rng.random_bool(p_owned) && !households.is_empty())
        .then(|| households[rng.random_range(0..households.len())])
}

/// Splits `total` mm starting at `start` into `n` widths within `lo..=hi` (rounded to the
/// centimetre), none of the inner boundaries within a metre of an `avoid` position, and
/// returns the n + 1 boundaries.
fn split(
    rng: &mut impl rand::Rng,
    start: i64,
    total: i64,
    n: usize,
    (lo, hi): (i64, i64),
    avoid: &[i64],
) -> Vec<i64> {
    let n = n.max(1);
    let ni = i64::try_from(n).unwrap_or(i64::MAX);
    let mean = total / ni;
    let half = ((mean - lo).min(hi - mean) * 9 / 10).max(0) / 10;
    for _ in 0..500 {
        let draws: Vec<i64> = (0..n)
            .map(|_| mean / 10 + rng.random_range(-half..=half))
            .collect();
        let sum: i64 = draws.iter().sum();
        let mut bounds = Vec::with_capacity(n + 1);
        bounds.push(start);
        let mut acc = 0_i64;
        for d in &draws[..n - 1] {
            let w = ((i128::from(*d) * i128::from(total) / i128::from(sum)) / 10 * 10) as i64;
            acc += w;
            bounds.push(start + acc);
        }
        bounds.push(start + total);
        let widths_ok = bounds
            .windows(2)
            .all(|w| (lo..=hi).contains(&(w[1] - w[0])));
        let clear = bounds[1..n]
            .iter()
            .all(|b| avoid.iter().all(|a| (b - a).abs() >= MM));
        if widths_ok && clear {
            return bounds;
        }
    }
    // Unreachable with the design's lengths; an even split is still a valid layout.
    (0..=ni).map(|i| start + total * i / ni).collect()
}

/// One row of lots: `row.lots` homes with gardens behind, then wide garden plots to the
/// end of the row.
#[expect(clippy::too_many_arguments, reason = "internal helper of `village`")]
fn lot_row(
    rng: &mut impl rand::Rng,
    v: usize,
    row: &Row,
    avoid: &[i64],
    input: &VillageInput<'_>,
    next_dwelling: &mut usize,
    dwellings: &mut [DwellingPlan],
    out: &mut Vec<ParcelPlan>,
) {
    let len = row.x1 - row.x0;
    let dir = (row.back - row.front).signum();
    let lots_len = if row.lots == row.slots {
        len
    } else {
        let k = i64::try_from(row.lots).unwrap_or(0);
        (len - 8 * MM).min(k * LOT_MEAN) / 10 * 10
    };
    if row.lots > 0 {
        let bounds = split(rng, row.x0, lots_len, row.lots, (LOT_MIN, LOT_MAX), avoid);
        for w in bounds.windows(2) {
            let (x0, x1) = (w[0], w[1]);
            let depth = rng.random_range(2000..=3000) * 10;
            let lot_back = row.front + dir * depth;
            let d = *next_dwelling;
            *next_dwelling += 1;
            let dwelling = &mut dwellings[d];
            let owner = dwelling.households.first().copied();
            let at_x = (x0 + x1) / 2 + rng.random_range(-1500..=1500);
            let at_y = row.front + dir * depth * rng.random_range(35..=55) / 100;
            dwelling.at = (at_x, at_y);
            let mut lot = ParcelPlan::new(
                v,
                Role::Home,
                vec![Rect::new(x0, row.front, x1, lot_back)],
                "ONT",
            );
            lot.owner = owner;
            lot.dwelling = Some(input.first_dwelling + d);
            // Lots north of the road face south: their frontage is the ring's first edge
            // (west to east); lots south of it face north: the third (east to west).
            lot.frontage = Some(if dir > 0 {
                ((x0, row.front), (x1, row.front))
            } else {
                ((x1, row.front), (x0, row.front))
            });
            lot.area_legal_m2 = legal_area(rng, &lot);
            out.push(lot);
            let use_ = if rng.random_bool(0.85) { "CLN" } else { "BHK" };
            let mut garden = ParcelPlan::new(
                v,
                Role::Garden,
                vec![Rect::new(x0, lot_back, x1, row.back)],
                use_,
            );
            garden.owner = owner;
            garden.area_legal_m2 = legal_area(rng, &garden);
            out.push(garden);
        }
    }
    let rest = len - lots_len;
    if rest > 0 {
        let n = usize::try_from((rest + 15 * MM) / (30 * MM)).unwrap_or(1);
        let bounds = split(rng, row.x0 + lots_len, rest, n, (5 * MM, 60 * MM), &[]);
        for w in bounds.windows(2) {
            let r: f64 = rng.random();
            let use_ = if r < 0.55 {
                "CLN"
            } else if r < 0.85 {
                "BHK"
            } else {
                "NTS"
            };
            let mut plot = ParcelPlan::new(
                v,
                Role::Garden,
                vec![Rect::new(w[0], row.front, w[1], row.back)],
                use_,
            );
            plot.owner = random_owner(rng, input.households, 0.85);
            plot.area_legal_m2 = legal_area(rng, &plot);
            out.push(plot);
        }
    }
}

fn field_use(rng: &mut impl rand::Rng) -> &'static str {
    let r: f64 = rng.random();
    if r < 0.78 {
        "LUC"
    } else if r < 0.88 {
        "BHK"
    } else if r < 0.96 {
        "NTS"
    } else {
        "CLN"
    }
}

/// Fields in `r`: columns of 20–55 m, each cut into plots of 20–70 m. With a ditch, a 4 m
/// irrigation strip runs across the middle and one plot straddles it (a MultiPolygon).
fn fields(
    rng: &mut impl rand::Rng,
    v: usize,
    r: Rect,
    ditch: bool,
    households: &[usize],
    out: &mut Vec<ParcelPlan>,
) {
    let w = r.x1 - r.x0;
    let ncols = usize::try_from((w + 17 * MM) / (35 * MM)).unwrap_or(1);
    let cols = split(rng, r.x0, w, ncols, (20 * MM, 55 * MM), &[]);
    let parts: Vec<(i64, i64)> = if ditch {
        let mid = (r.y0 + r.y1) / 2;
        vec![(r.y0, mid - DITCH_W / 2), (mid + DITCH_W / 2, r.y1)]
    } else {
        vec![(r.y0, r.y1)]
    };
    let straddle = (ditch && cols.len() > 3).then(|| rng.random_range(0..cols.len() - 1));
    let mut pending: Option<ParcelPlan> = None;
    for (pi, &(y0, y1)) in parts.iter().enumerate() {
        if pi == 1 {
            let mut strip = ParcelPlan::new(
                v,
                Role::Public,
                vec![Rect::new(r.x0, y0 - DITCH_W, r.x1, y0)],
                "DTL",
            );
            strip.field_sheet = true;
            strip.area_legal_m2 = round1(strip.area_m2());
            out.push(strip);
        }
        for (ci, cw) in cols.windows(2).enumerate() {
            let h = y1 - y0;
            let nrows = usize::try_from((h + 22 * MM) / (45 * MM)).unwrap_or(1);
            let rows = split(rng, y0, h, nrows, (20 * MM, 70 * MM), &[]);
            let last = rows.len() - 2;
            for (ri, rw) in rows.windows(2).enumerate() {
                let rect = Rect::new(cw[0], rw[0], cw[1], rw[1]);
                if straddle == Some(ci) && pi == 0 && ri == last {
                    // Held back: joined with the first plot north of the ditch.
                    let mut p = ParcelPlan::new(v, Role::Field, vec![rect], "LUC");
                    p.owner = random_owner(rng, households, 1.0);
                    pending = Some(p);
                    continue;
                }
                if straddle == Some(ci) && pi == 1 && ri == 0 {
                    if let Some(mut p) = pending.take() {
                        p.parts.push(rect);
                        p.area_legal_m2 = legal_area(rng, &p);
                        out.push(p);
                        continue;
                    }
                }
                let mut p = ParcelPlan::new(v, Role::Field, vec![rect], field_use(rng));
                p.owner = random_owner(rng, households, 0.88);
                p.area_legal_m2 = legal_area(rng, &p);
                out.push(p);
            }
        }
    }
}

/// The infill housing area in the segment east of the cross road: a 14 m road with a block
/// of 25 m deep lots on each side, bought at the commune's land auction by households of the
/// village; fields fill the rest of the band.
fn infill(
    rng: &mut impl rand::Rng,
    v: usize,
    segments: &[(i64, i64); 2],
    y0: i64,
    y1: i64,
    households: &[usize],
    out: &mut Vec<ParcelPlan>,
) {
    let (w0, w1) = segments[0];
    fields(rng, v, Rect::new(w0, y0, w1, y1), false, households, out);
    let (x0, x1) = segments[1];
    let xe = (x0 + INFILL_LEN).min(x1);
    let (r0, r1) = (y0 + INFILL_BLOCK, y1 - INFILL_BLOCK);
    let mut buyers: Vec<usize> = households.to_vec();
    rand::seq::SliceRandom::shuffle(&mut buyers[..], rng);
    let mut buyers = buyers.into_iter();
    for (front, back) in [(r0, y0), (r1, y1)] {
        if front == r1 {
            let mut road = ParcelPlan::new(v, Role::Public, vec![Rect::new(x0, r0, xe, r1)], "DGT");
            road.area_legal_m2 = round1(road.area_m2());
            out.push(road);
        }
        let n = usize::try_from((xe - x0 + LOT_MEAN / 2) / LOT_MEAN).unwrap_or(1);
        let bounds = split(rng, x0, xe - x0, n, (LOT_MIN, LOT_MAX), &[]);
        for w in bounds.windows(2) {
            let mut lot = ParcelPlan::new(
                v,
                Role::InfillLot,
                vec![Rect::new(w[0], front, w[1], back)],
                "ONT",
            );
            lot.owner = buyers.next();
            lot.frontage = Some(if back > front {
                ((w[0], front), (w[1], front))
            } else {
                ((w[1], front), (w[0], front))
            });
            lot.area_legal_m2 = legal_area(rng, &lot);
            out.push(lot);
        }
    }
    if xe < x1 {
        fields(rng, v, Rect::new(xe, y0, x1, y1), false, households, out);
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::generate::spec;

    /// Lays out every village of the design with the design's canals.
    fn all_villages() -> Vec<(Rect, Vec<ParcelPlan>)> {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let origin = (0, 0);
        let canals: Vec<CanalLine> = spec::canals()
            .iter()
            .map(|c| CanalLine {
                x0: c.x0,
                x1: c.x0 + (c.length_m * 1000.0) as i64,
                y: c.y,
                status: c.status,
                along_lots: c.along_lots,
            })
            .collect();
        spec::villages()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut dwellings: Vec<DwellingPlan> = (0..s.dwellings)
                    .map(|d| DwellingPlan {
                        households: vec![d],
                        water: crate::model::WaterStatus::NotRegistered,
                        at: (0, 0),
                    })
                    .collect();
                let households: Vec<usize> = (0..s.households).collect();
                let input = VillageInput {
                    index: i,
                    spec: s,
                    origin,
                    canals: &canals,
                    first_dwelling: 0,
                    households: &households,
                };
                let mut out = Vec::new();
                village(&mut rng, &input, &mut dwellings, &mut out);
                let c = cell(s, origin);
                for d in &dwellings {
                    let lot = out.iter().find(|p| {
                        p.role == Role::Home
                            && p.parts[0].x0 < d.at.0
                            && d.at.0 < p.parts[0].x1
                            && p.parts[0].y0 < d.at.1
                            && d.at.1 < p.parts[0].y1
                    });
                    assert!(lot.is_some(), "a dwelling of {} stands on no lot", s.name);
                }
                (c, out)
            })
            .collect()
    }

    #[test]
    fn parcels_tile_each_village_exactly() {
        for (c, parcels) in all_villages() {
            let rects: Vec<Rect> = parcels.iter().flat_map(|p| p.parts.clone()).collect();
            let sum: i128 = rects.iter().map(Rect::area_mm2).sum();
            assert_eq!(sum, c.area_mm2());
            for (i, a) in rects.iter().enumerate() {
                assert!(a.x0 >= c.x0 && a.x1 <= c.x1 && a.y0 >= c.y0 && a.y1 <= c.y1);
                for b in &rects[i + 1..] {
                    assert!(a.overlap(b).is_none(), "{a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn home_lots_are_10_to_15_m_by_20_to_30_m() {
        for (_, parcels) in all_villages() {
            for p in parcels.iter().filter(|p| p.land_use == "ONT") {
                let r = p.parts[0];
                let (w, d) = (r.x1 - r.x0, r.y1 - r.y0);
                assert!((LOT_MIN..=LOT_MAX).contains(&w), "frontage {w}");
                assert!(
                    (20 * MM..=30 * MM).contains(&d) || d == INFILL_BLOCK,
                    "depth {d}"
                );
                assert!(p.owner.is_some() && p.frontage.is_some());
            }
        }
    }
}
