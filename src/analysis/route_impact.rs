//! Route impact: which parcels a canal route takes land from, how much, whose, which walls
//! and gates must be rebuilt, which flood zones it crosses and which flooded households it
//! serves.
//!
//! Exactly as DESIGN.md says:
//! 1. project the route to VN-2000 / TM-3 104-45 (EPSG:9208);
//! 2. corridor = the route buffered by w/2 with flat ends and round joins;
//! 3. affected parcels = parcels whose polygon meets the corridor's interior (a taken area
//!    above [`MIN_TAKEN_AREA_M2`], so that parcels that only touch its edge are left out);
//! 4. for each: taken area = area(parcel ∩ corridor), its share of the parcel, the owner,
//!    the clearance status, and the length of the frontage fence inside the corridor;
//! 5. also the geodesic route length, the flood zones crossed (geodesic length inside
//!    each), and the households in those zones whose land the route does not touch.

use std::collections::{BTreeMap, BTreeSet};

use geo::algorithm::buffer::{BufferStyle, LineCap};
use geo::{
    Area, BooleanOps, BoundingRect, Buffer, Contains, Coord, Geometry, Intersects, LineString,
    MultiLineString, MultiPolygon, Rect,
};
use serde::Serialize;

use super::clip::{ClipScratch, ConvexTiles, segment_inside};
use crate::crs::MetricGrid;
use crate::crs::{self, CrsError};
use crate::model::{ClearanceStatus, FenceType};
use crate::store::Dataset;

/// Taken areas at or below this are edge contacts, not takings (m²).
pub const MIN_TAKEN_AREA_M2: f64 = 0.01;

/// One parcel the route takes land from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AffectedParcel {
    /// Parcel id.
    pub id: String,
    /// Map sheet.
    pub map_sheet: i64,
    /// Parcel number.
    pub parcel_no: i64,
    /// Land-use code.
    pub land_use: String,
    /// Village name.
    pub village: Option<String>,
    /// Owner household id.
    pub owner_household: Option<String>,
    /// Owner's head of household.
    pub owner_name: Option<String>,
    /// Area of the whole parcel, m² (VN-2000 TM-3).
    pub parcel_area_m2: f64,
    /// Area inside the corridor, m².
    pub taken_area_m2: f64,
    /// `taken_area_m2 / parcel_area_m2`.
    pub taken_share: f64,
    /// Site-clearance step.
    pub clearance_status: ClearanceStatus,
    /// What stands on the frontage.
    pub fence_type: FenceType,
    /// Length of the frontage fence inside the corridor, m (geodesic).
    pub fence_to_rebuild_m: f64,
    /// Whether the frontage gate must be rebuilt.
    pub gate_to_rebuild: bool,
    /// The taken strip, WGS84: present when asked for ([`route_impact_with_strips`]).
    #[serde(skip)]
    pub taken: Option<MultiPolygon>,
}

/// A flood zone the route crosses.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CrossedFloodZone {
    /// Flood zone id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Village name.
    pub village: Option<String>,
    /// Typical depth.
    pub depth_m: f64,
    /// Geodesic length of the route inside it.
    pub length_inside_m: f64,
}

/// A flooded household the route serves without touching its land.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServedHousehold {
    /// Household id.
    pub id: String,
    /// Head of household.
    pub head: String,
    /// Village name.
    pub village: String,
    /// The flood zone it lives in.
    pub flood_zone: String,
}

/// Sums over the affected parcels.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImpactTotals {
    /// Number of affected parcels.
    pub parcels: usize,
    /// Distinct owner households of affected parcels.
    pub households_affected: usize,
    /// Total area taken, m².
    pub taken_area_m2: f64,
    /// Total fence to rebuild, m.
    pub fence_to_rebuild_m: f64,
    /// Gates to rebuild.
    pub gates_to_rebuild: usize,
    /// Served households.
    pub served_households: usize,
    /// Affected parcels per clearance status.
    pub by_clearance_status: BTreeMap<ClearanceStatus, usize>,
}

/// The whole answer.
#[derive(Debug, Clone, Serialize)]
pub struct RouteImpact {
    /// Geodesic route length, m.
    pub route_length_m: f64,
    /// Corridor width, m.
    pub corridor_width_m: f64,
    /// Corridor area, m².
    pub corridor_area_m2: f64,
    /// Affected parcels, largest taking first.
    pub parcels: Vec<AffectedParcel>,
    /// Flood zones crossed.
    pub flood_zones: Vec<CrossedFloodZone>,
    /// Flooded households served whose land is not touched.
    pub served_households: Vec<ServedHousehold>,
    /// Totals.
    pub totals: ImpactTotals,
    /// The corridor, WGS84 (a GeoJSON geometry in JSON).
    #[serde(serialize_with = "geojson_geometry")]
    pub corridor: MultiPolygon,
    /// Whether owners and served households were removed for a caller who may not see
    /// them ([`RouteImpact::redact_personal`]); the counts in `totals` still hold.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub owners_withheld: bool,
}

fn geojson_geometry<S: serde::Serializer>(g: &MultiPolygon, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&geojson::Geometry::from(g), s)
}

/// Computes the impact of `route` (WGS84, already checked) with a corridor `width_m` wide.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use drainplan::{analysis::route_impact::route_impact, store::Dataset};
/// let data = Dataset::load(std::path::Path::new("data"))?;
/// // 105 m through the lots of Thành Công in the sample data (the README's example).
/// let route = geo::LineString::from(vec![(105.7258, 19.2094), (105.7268, 19.2094)]);
/// let impact = route_impact(&data, &route, 6.0)?;
/// println!("{} m² from {} parcels", impact.totals.taken_area_m2, impact.totals.parcels);
/// # Ok(()) }
/// ```
pub fn route_impact(
    data: &Dataset,
    route: &LineString,
    width_m: f64,
) -> Result<RouteImpact, CrsError> {
    impact(data, route, width_m, false)
}

/// [`route_impact`], with each parcel's taken strip as a geometry (`AffectedParcel::taken`)
/// for the strips' GeoJSON, the exports and the dossier. The strips cost a general polygon
/// overlay per parcel; the areas alone take an exact convex clip.
pub fn route_impact_with_strips(
    data: &Dataset,
    route: &LineString,
    width_m: f64,
) -> Result<RouteImpact, CrsError> {
    impact(data, route, width_m, true)
}

fn impact(
    data: &Dataset,
    route: &LineString,
    width_m: f64,
    strips: bool,
) -> Result<RouteImpact, CrsError> {
    // The data set's interpolation grid: within half a millimetre of PROJ, and two orders
    // of magnitude faster for the hundreds of vertices an answer carries back to WGS84.
    let grid = &*data.metric_grid;
    let metric_route = grid.geometry_to_metric(route)?;
    let corridor = corridor(&metric_route, width_m);
    let reach = Reach::new(route, width_m);

    let mut parcels = Vec::new();
    let mut scratch = ClipScratch::default();
    // The corridor in triangles: a parcel's taken area is its exact clip by the few it
    // meets (see `clip`); should the corridor not tile, the general overlay does it all.
    let tiles = ConvexTiles::new(&corridor);
    // Candidates by their R-tree boxes: each is clipped exactly below.
    for i in data.parcels.candidates(|b| reach.meets(b)) {
        let shape = &data.parcel_metric(i)?;
        let (taken_area_m2, mut taken) = match (&tiles, shape.bounding_rect()) {
            (Some(tiles), Some(bbox)) => (tiles.intersection_area(shape, bbox, &mut scratch), None),
            _ => {
                let taken = shape.intersection(&corridor);
                (taken.unsigned_area(), Some(taken))
            }
        };
        if taken_area_m2 <= MIN_TAKEN_AREA_M2 {
            continue;
        }
        let taken = match (strips, taken.take()) {
            (false, _) => None,
            (true, Some(t)) => Some(grid.geometry_to_wgs84(&t)?),
            (true, None) => Some(grid.geometry_to_wgs84(&shape.intersection(&corridor))?),
        };
        let rec = &data.parcels.records[i];
        let parcel_area_m2 = shape.unsigned_area();
        let fence_to_rebuild_m = match (rec.fence_type, rec.frontage_edge) {
            (FenceType::None, _) | (_, None) => 0.0,
            (_, Some(edge)) => fence_inside(grid, shape, edge as usize, &corridor)?,
        };
        let owner = rec
            .owner_household
            .as_deref()
            .and_then(|id| data.households.position(id));
        parcels.push(AffectedParcel {
            id: data.parcels.features[i].id.clone(),
            map_sheet: rec.map_sheet,
            parcel_no: rec.parcel_no,
            land_use: rec.land_use.to_string(),
            village: rec
                .village_id
                .as_deref()
                .map(|v| data.village_name(v).to_owned()),
            owner_household: rec.owner_household.clone(),
            owner_name: owner.map(|h| data.households.records[h].head.clone()),
            parcel_area_m2,
            taken_area_m2,
            taken_share: if parcel_area_m2 > 0.0 {
                taken_area_m2 / parcel_area_m2
            } else {
                0.0
            },
            clearance_status: rec.clearance_status,
            fence_type: rec.fence_type,
            fence_to_rebuild_m,
            gate_to_rebuild: rec.gate && fence_to_rebuild_m > 0.0,
            taken,
        });
    }
    parcels.sort_by(|a, b| {
        b.taken_area_m2
            .total_cmp(&a.taken_area_m2)
            .then_with(|| a.id.cmp(&b.id))
    });

    let route_bbox = crate::index::bounding_box(&Geometry::LineString(route.clone()))
        .unwrap_or_else(|| Rect::new(route.0[0], route.0[0]));
    let mut flood_zones = Vec::new();
    let mut crossed = Vec::new();
    for i in data.flood_zones.intersecting(route_bbox) {
        let zone = &data.flood_zones.metric[i];
        let mut length_inside_m = 0.0;
        for w in metric_route.0.windows(2) {
            length_inside_m += geodesic_length_of_metric(grid, &segment_inside(w[0], w[1], zone))?;
        }
        if length_inside_m <= 0.0 {
            continue;
        }
        let z = &data.flood_zones.records[i];
        crossed.push(i);
        flood_zones.push(CrossedFloodZone {
            id: z.id.clone(),
            name: z.name.clone(),
            village: z
                .village_id
                .as_deref()
                .map(|v| data.village_name(v).to_owned()),
            depth_m: z.depth_m,
            length_inside_m,
        });
    }

    let touched_owners: BTreeSet<&str> = parcels
        .iter()
        .filter_map(|p| p.owner_household.as_deref())
        .collect();
    let mut served_households = Vec::new();
    let mut seen = BTreeSet::new();
    for &z in &crossed {
        let zone = &data.flood_zones.features[z];
        for h in data.households.intersecting(zone.bbox()) {
            let rec = &data.households.records[h];
            let Some(point) = data.household_point(h) else {
                continue;
            };
            let id = &data.households.features[h].id;
            if touched_owners.contains(id.as_str())
                || !zone.geometry.contains(&point)
                || !seen.insert(h)
            {
                continue;
            }
            served_households.push(ServedHousehold {
                id: id.clone(),
                head: rec.head.clone(),
                village: data.village_name(&rec.village_id).to_owned(),
                flood_zone: data.flood_zones.records[z].id.clone(),
            });
        }
    }
    served_households.sort_by(|a, b| a.id.cmp(&b.id));

    let mut totals = ImpactTotals {
        parcels: parcels.len(),
        households_affected: touched_owners.len(),
        served_households: served_households.len(),
        ..Default::default()
    };
    for p in &parcels {
        totals.taken_area_m2 += p.taken_area_m2;
        totals.fence_to_rebuild_m += p.fence_to_rebuild_m;
        totals.gates_to_rebuild += usize::from(p.gate_to_rebuild);
        *totals
            .by_clearance_status
            .entry(p.clearance_status)
            .or_default() += 1;
    }

    Ok(RouteImpact {
        route_length_m: crs::geodesic_length_m(route),
        corridor_width_m: width_m,
        corridor_area_m2: corridor.unsigned_area(),
        corridor: grid.geometry_to_wgs84(&corridor)?,
        parcels,
        flood_zones,
        served_households,
        totals,
        owners_withheld: false,
    })
}

/// The corridor around a metric route: buffered by half the width, flat ends, round joins.
pub fn corridor(metric_route: &LineString, width_m: f64) -> MultiPolygon {
    metric_route.buffer_with_style(BufferStyle::new(width_m / 2.0).line_cap(LineCap::Butt))
}

/// Which WGS84 boxes may meet the corridor: those within half the width (plus a 10 % and
/// 1 m margin) of the route, measured in local metres with the smallest metres-per-degree
/// over the route's latitudes, so that the test errs on the side of keeping a box. A
/// diagonal route's bounding box holds ten times the parcels its corridor touches; this
/// keeps the R-tree search (inner boxes too) to the corridor's neighbourhood.
struct Reach {
    origin: Coord,
    per_deg: Coord,
    route: Vec<Coord>,
    within2: f64,
}

impl Reach {
    fn new(route: &LineString, width_m: f64) -> Reach {
        let origin = route.0.first().copied().unwrap_or(Coord { x: 0.0, y: 0.0 });
        let max_lat = route
            .0
            .iter()
            .map(|c| c.y.abs())
            .fold(0.0_f64, f64::max)
            .min(89.0);
        let per_deg = Coord {
            x: 111_320.0 * max_lat.to_radians().cos(),
            y: 110_574.0,
        };
        let within = width_m / 2.0 * 1.1 + 1.0;
        let mut reach = Reach {
            origin,
            per_deg,
            route: Vec::new(),
            within2: within * within,
        };
        reach.route = route.0.iter().map(|&c| reach.local(c)).collect();
        reach
    }

    fn local(&self, c: Coord) -> Coord {
        Coord {
            x: (c.x - self.origin.x) * self.per_deg.x,
            y: (c.y - self.origin.y) * self.per_deg.y,
        }
    }

    fn meets(&self, b: Rect) -> bool {
        let (lo, hi) = (self.local(b.min()), self.local(b.max()));
        match self.route.as_slice() {
            [p] => point_box_d2(*p, lo, hi) <= self.within2,
            pts => pts
                .windows(2)
                .any(|w| segment_box_d2(w[0], w[1], lo, hi) <= self.within2),
        }
    }
}

fn point_box_d2(p: Coord, lo: Coord, hi: Coord) -> f64 {
    let dx = (lo.x - p.x).max(0.0).max(p.x - hi.x);
    let dy = (lo.y - p.y).max(0.0).max(p.y - hi.y);
    dx * dx + dy * dy
}

fn point_segment_d2(p: Coord, a: Coord, b: Coord) -> f64 {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * d.x + (p.y - a.y) * d.y) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = a + d * t;
    (p.x - q.x).powi(2) + (p.y - q.y).powi(2)
}

/// Squared distance between segment `a`–`b` and the box `lo`–`hi`: zero when they meet,
/// else attained at an end of the segment or a corner of the box.
fn segment_box_d2(a: Coord, b: Coord, lo: Coord, hi: Coord) -> f64 {
    let corners = [
        lo,
        Coord { x: hi.x, y: lo.y },
        hi,
        Coord { x: lo.x, y: hi.y },
    ];
    if geo::Line::new(a, b).intersects(&Rect::new(lo, hi)) {
        return 0.0;
    }
    corners.iter().map(|&c| point_segment_d2(c, a, b)).fold(
        point_box_d2(a, lo, hi).min(point_box_d2(b, lo, hi)),
        f64::min,
    )
}

/// Geodesic length of the part of a parcel's frontage edge inside the corridor.
fn fence_inside(
    grid: &MetricGrid,
    parcel: &MultiPolygon,
    edge: usize,
    corridor: &MultiPolygon,
) -> Result<f64, CrsError> {
    let Some(ring) = parcel.0.first().map(|p| p.exterior()) else {
        return Ok(0.0);
    };
    let (Some(a), Some(b)) = (ring.0.get(edge), ring.0.get(edge + 1)) else {
        return Ok(0.0);
    };
    geodesic_length_of_metric(grid, &segment_inside(*a, *b, corridor))
}

fn geodesic_length_of_metric(grid: &MetricGrid, lines: &MultiLineString) -> Result<f64, CrsError> {
    let mut total = 0.0;
    for l in &lines.0 {
        total += crs::ground_length_m(&grid.geometry_to_wgs84(l)?);
    }
    Ok(total)
}

impl RouteImpact {
    /// Removes what identifies people — parcel owners, the served households' ids and
    /// heads — for callers who may see only aggregates. Counts and areas stay, and
    /// `owners_withheld` says the owners were removed (not absent), so that a table built
    /// from the result says "withheld" and takes its household count from `totals`.
    pub fn redact_personal(&mut self) {
        self.owners_withheld = true;
        for p in &mut self.parcels {
            p.owner_household = None;
            p.owner_name = None;
        }
        for h in &mut self.served_households {
            h.id.clear();
            h.head.clear();
        }
    }

    /// The answer as JSON: every field, and the corridor as a GeoJSON geometry (WGS84).
    /// (The type serialises to the same directly, which is what the HTTP answer does.)
    pub fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(self)
    }

    /// The taken strips as a GeoJSON FeatureCollection (WGS84), one feature per parcel
    /// with the parcel's impact as properties, and the totals as a foreign member.
    pub fn to_geojson(&self) -> serde_json::Value {
        let features: Vec<serde_json::Value> = self
            .parcels
            .iter()
            .map(|p| {
                serde_json::json!({
                    "type": "Feature",
                    "id": p.id,
                    "geometry": p.taken.as_ref().map(geojson::Geometry::from),
                    "properties": p,
                })
            })
            .collect();
        serde_json::json!({
            "type": "FeatureCollection",
            "route_length_m": self.route_length_m,
            "corridor_width_m": self.corridor_width_m,
            "totals": self.totals,
            "features": features,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::{Polygon, polygon};

    fn square(x0: f64, y0: f64, w: f64, h: f64) -> MultiPolygon {
        MultiPolygon(vec![polygon![
            (x: x0, y: y0), (x: x0 + w, y: y0), (x: x0 + w, y: y0 + h), (x: x0, y: y0 + h), (x: x0, y: y0)
        ]])
    }

    #[test]
    fn corridor_of_a_straight_route_is_a_flat_ended_rectangle() {
        // 10 m route, 2 m corridor, flat ends: 10 × 2 = 20 m² exactly (no end caps).
        let c = corridor(&LineString::from(vec![(0.0, 0.0), (10.0, 0.0)]), 2.0);
        assert_relative_eq!(c.unsigned_area(), 20.0, max_relative = 1e-9);
    }

    #[test]
    fn corridor_round_join_adds_a_quarter_disc_at_a_right_angle() {
        // An L of two 10 m legs, 2 m wide. Inner corner overlaps a 1 × 1 square; the outer
        // corner gains a quarter disc of radius 1: 2·(10·2) − 1 + π/4 = 39.785 m².
        let c = corridor(
            &LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]),
            2.0,
        );
        let want = 40.0 - 1.0 + std::f64::consts::FRAC_PI_4;
        assert_relative_eq!(c.unsigned_area(), want, max_relative = 0.002);
    }

    #[test]
    fn fence_inside_clips_the_frontage_edge() {
        // A 12 × 25 lot whose edge 0 (0,0)→(12,0) is the frontage; a 4 m corridor along
        // x = 6 from y = −5 to y = 5 crosses the frontage over 4 m (x 4..8).
        let lot = square(599_700.0, 2_126_200.0, 12.0, 25.0);
        let route = LineString::from(vec![(599_706.0, 2_126_195.0), (599_706.0, 2_126_205.0)]);
        let c = corridor(&route, 4.0);
        let taken = lot.intersection(&c).unsigned_area();
        assert_relative_eq!(taken, 4.0 * 5.0, max_relative = 1e-9);
        // Ground length differs from grid length by the scale factor (≈1.00002 here).
        assert_relative_eq!(
            fence_inside(&MetricGrid::default(), &lot, 0, &c).unwrap(),
            4.0,
            max_relative = 1e-4
        );
        assert_eq!(
            fence_inside(&MetricGrid::default(), &lot, 1, &c).unwrap(),
            0.0
        );
    }

    #[test]
    fn segment_to_box_distances_by_hand() {
        let (lo, hi) = (Coord { x: 0.0, y: 0.0 }, Coord { x: 2.0, y: 1.0 });
        let c = |x: f64, y: f64| Coord { x, y };
        // Crossing the box without an end inside it.
        assert_eq!(segment_box_d2(c(-1.0, 0.5), c(3.0, 0.5), lo, hi), 0.0);
        // Passing the corner (2, 1) diagonally on the line x + y = 4: |2 + 1 − 4| / √2 away,
        // squared 0.5.
        assert!((segment_box_d2(c(0.0, 4.0), c(4.0, 0.0), lo, hi) - 0.5).abs() < 1e-12);
        // Stopping short of the box: its end (−3, 0.5) is 3 from the left side.
        assert!((segment_box_d2(c(-5.0, 0.5), c(-3.0, 0.5), lo, hi) - 9.0).abs() < 1e-12);
        // Above, parallel: 2 above the top.
        assert!((segment_box_d2(c(-1.0, 3.0), c(3.0, 3.0), lo, hi) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn reach_keeps_every_box_within_half_the_width() {
        // Random points near a bent WGS84 route: wherever a point's ground distance to the
        // route (geodesic, to the route sampled every 10 cm or less) is under half the corridor
        // width, a box around the point must be kept.
        let route = LineString::from(vec![
            (105.700, 19.220),
            (105.7004, 19.2203),
            (105.7009, 19.2201),
        ]);
        let reach = Reach::new(&route, 6.0);
        let mut samples = Vec::new();
        for w in route.0.windows(2) {
            for k in 0..=500 {
                let t = f64::from(k) / 500.0;
                samples.push(w[0] + (w[1] - w[0]) * t);
            }
        }
        let mut state = 12345_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut near, mut kept_far) = (0, 0);
        for _ in 0..1500 {
            let p = Coord {
                x: 105.6999 + 0.0011 * next(),
                y: 19.2199 + 0.0005 * next(),
            };
            let d = samples
                .iter()
                .map(|&q| crs::geodesic_length_m(&LineString(vec![p, q])))
                .fold(f64::INFINITY, f64::min);
            let b = Rect::new(
                p,
                Coord {
                    x: p.x + 1e-7,
                    y: p.y + 1e-7,
                },
            );
            if d <= 3.0 {
                near += 1;
                assert!(reach.meets(b), "{p:?} is {d} m from the route");
            } else if d > 10.0 && reach.meets(b) {
                kept_far += 1;
            }
        }
        assert!(near > 25, "only {near} points near the route");
        assert_eq!(kept_far, 0, "boxes 10 m away kept");
    }

    #[test]
    fn a_hole_is_not_taken() {
        // 20 × 20 lot with a 10 × 10 courtyard in the middle; a 2 m corridor through the
        // middle crosses 5 + 5 m of land: 20 m².
        let outer = square(0.0, 0.0, 20.0, 20.0).0.remove(0).exterior().clone();
        let hole = square(5.0, 5.0, 10.0, 10.0).0.remove(0).exterior().clone();
        let lot = MultiPolygon(vec![Polygon::new(outer, vec![hole])]);
        let c = corridor(&LineString::from(vec![(10.0, -1.0), (10.0, 21.0)]), 2.0);
        assert_relative_eq!(
            lot.intersection(&c).unsigned_area(),
            20.0,
            max_relative = 1e-9
        );
    }
}
