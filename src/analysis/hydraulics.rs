//! "Will the canals carry the water?" over the data set: the canals and catchments turned
//! into a checked drainage network ([`crate::hydraulics`]), every section's design flow
//! against its capacity, and a report line for each canal or catchment that could not be
//! used, saying why.
//!
//! 1. Each canal becomes a section from its properties and its line projected to VN-2000
//!    (EPSG:9208) ([`section_from_canal`]); a canal whose properties are wrong or missing
//!    is reported and left out.
//! 2. Each catchment's land use is the area of each parcel inside its outline, by land-use
//!    code ([`catchment_from_parcels`]); its runoff coefficient is their area-weighted
//!    average through data/hydraulics/landuse_surface.csv and runoff_coefficients.csv. A
//!    catchment without `drains_to` drains nowhere and is reported.
//! 3. The network is checked ([`Network::new`]). Every problem is reported; the canals and
//!    catchments it names are left out, then those that flow or drain into a left-out
//!    canal, until the rest is a network with no problem.
//! 4. The rest is designed ([`design`]): each section's result, the flood zones that its
//!    contributing catchments cover, and a sentence "carries X l/s against a design inflow
//!    of Y l/s from Z ha".

use std::collections::{BTreeMap, BTreeSet};

use geo::{BoundingRect, Geometry, Intersects, LineString, MultiPolygon, Polygon};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::crs::{self, CrsError};
use crate::hydraulics::{
    Catchment, DesignError, DesignOptions, Downstream, Network, NetworkProblem, Section,
    SectionResult, Tables, catchment_from_parcels, design, runoff, section_from_canal,
};
use crate::store::{Feature, Layer};

/// The layers the check reads.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// Canal lines.
    pub canals: &'a [Feature],
    /// Catchment polygons.
    pub catchments: &'a [Feature],
    /// Parcels, for the catchments' land use.
    pub parcels: &'a Layer,
    /// Flood zones, to say which a canal drains.
    pub flood_zones: &'a [Feature],
}

/// Why a canal or catchment was left out of the check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportLine {
    /// `canal` or `catchment`.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// What is wrong, in words.
    pub problem: String,
}

/// One canal section's check, with what the map and the dossier say of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionAnswer {
    /// The design check (canal_id, shape, … ratio, verdict).
    #[serde(flatten)]
    pub result: SectionResult,
    /// The canal's name.
    pub name: Option<String>,
    /// The canal's status.
    pub status: Option<String>,
    /// The catchments draining into it or above it.
    pub catchment_ids: Vec<String>,
    /// Ids of the flood zones those catchments cover.
    pub flood_zones: Vec<String>,
    /// "carries X l/s against a design inflow of Y l/s from Z ha".
    pub summary: String,
    /// What its properties did not say and was taken.
    pub assumptions: Vec<String>,
}

/// A catchment as the check saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatchmentAnswer {
    /// Its id.
    pub id: String,
    /// The canal it drains into.
    pub drains_to: String,
    /// Where, in words.
    pub drains_at: Option<String>,
    /// Its area, ha (VN-2000).
    pub area_ha: f64,
    /// Return period of its canal's class, years.
    pub return_period_years: u32,
    /// Area-weighted runoff coefficient at that return period.
    pub runoff_coefficient: f64,
    /// Area no parcel covers (taken as the remainder land use), ha.
    pub remainder_ha: f64,
    /// Area of each land-use code inside it, ha.
    pub land_use_ha: BTreeMap<String, f64>,
}

/// The whole network's check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkAnswer {
    /// The rain station used.
    pub rain_station: String,
    /// True when the station's constants are not checked against TCVN 7957's text.
    pub rain_constants_unverified: bool,
    /// True when any constant used (rain, runoff, Manning, velocity) is unverified.
    pub unverified_constants: bool,
    /// The flag in words, for the map and the shell.
    pub unverified_note: Option<String>,
    /// Sections in flow order (upstream first).
    pub sections: Vec<SectionAnswer>,
    /// The catchments used.
    pub catchments: Vec<CatchmentAnswer>,
    /// Canals and catchments left out, and why.
    pub problems: Vec<ReportLine>,
}

/// Why the check could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum HydraulicsError {
    /// PROJ failed on a feature.
    #[error("{kind} {id}: projection to VN-2000 failed: {source}")]
    Crs {
        /// The layer.
        kind: &'static str,
        /// The feature.
        id: String,
        /// The cause.
        #[source]
        source: CrsError,
    },
    /// The design run failed (an unknown station, a freeboard deeper than a canal).
    #[error(transparent)]
    Design(#[from] DesignError),
}

/// A checked network built from the data set, with what was left out.
#[derive(Debug, Clone)]
pub struct Built {
    /// The network of what could be used.
    pub network: Network,
    /// Left out, and why.
    pub problems: Vec<ReportLine>,
    /// Assumptions per canal.
    pub assumptions: BTreeMap<String, Vec<String>>,
    /// `drains_at` per catchment.
    pub drains_at: BTreeMap<String, String>,
}

/// The text of property `key`, trimmed, if any.
fn text<'a>(props: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    props
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn polygons(g: &Geometry) -> Vec<&Polygon> {
    match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(m) => m.0.iter().collect(),
        _ => Vec::new(),
    }
}

fn canal_line_m(f: &Feature) -> Result<Option<LineString>, HydraulicsError> {
    match &f.geometry {
        Geometry::LineString(l) => {
            crs::geometry_to_metric(l)
                .map(Some)
                .map_err(|source| HydraulicsError::Crs {
                    kind: "canal",
                    id: f.id.clone(),
                    source,
                })
        }
        _ => Ok(None),
    }
}

/// Builds the network of the data set (module steps 1–3).
pub fn build(inputs: Inputs<'_>, tables: &Tables) -> Result<Built, HydraulicsError> {
    let mut problems = Vec::new();
    let mut assumptions = BTreeMap::new();
    let mut drains_at = BTreeMap::new();
    let mut sections: Vec<Section> = Vec::new();
    for f in inputs.canals {
        let Some(line) = canal_line_m(f)? else {
            problems.push(ReportLine {
                kind: "canal",
                id: f.id.clone(),
                problem: "its geometry is not a LineString".into(),
            });
            continue;
        };
        match section_from_canal(&f.id, &f.properties, &line) {
            Ok(c) => {
                assumptions.insert(f.id.clone(), c.assumptions);
                sections.push(c.section);
            }
            Err(ps) => problems.extend(ps.into_iter().map(|p| ReportLine {
                kind: "canal",
                id: f.id.clone(),
                problem: format!("property {}: {}", p.property, p.rule),
            })),
        }
    }
    let mut catchments: Vec<Catchment> = Vec::new();
    for f in inputs.catchments {
        let props = &f.properties;
        let Some(to) = text(props, "drains_to") else {
            problems.push(ReportLine {
                kind: "catchment",
                id: f.id.clone(),
                problem: "drains nowhere: drains_to (the canal it drains into) is not given".into(),
            });
            continue;
        };
        let outline = polygons(&f.geometry);
        let Some(&outline) = outline.first().filter(|_| outline.len() == 1) else {
            problems.push(ReportLine {
                kind: "catchment",
                id: f.id.clone(),
                problem: "its geometry must be one Polygon".into(),
            });
            continue;
        };
        let crs_err = |id: &str| {
            let id = id.to_owned();
            move |source| HydraulicsError::Crs {
                kind: "catchment",
                id,
                source,
            }
        };
        let outline_m = crs::geometry_to_metric(outline).map_err(crs_err(&f.id))?;
        let mut parcels: Vec<(String, Polygon)> = Vec::new();
        if let Some(rect) = outline.bounding_rect() {
            for i in inputs.parcels.intersecting(rect) {
                let p = &inputs.parcels.features[i];
                let Some(code) = text(&p.properties, "land_use") else {
                    continue;
                };
                for poly in polygons(&p.geometry) {
                    if poly.intersects(outline) {
                        let m = crs::geometry_to_metric(poly).map_err(crs_err(&p.id))?;
                        parcels.push((code.to_owned(), m));
                    }
                }
            }
        }
        let mut c = catchment_from_parcels(
            &f.id,
            to,
            &outline_m,
            parcels.iter().map(|(code, p)| (code.as_str(), p)),
        );
        let number = |k: &str| props.get(k).and_then(Value::as_f64);
        c.surface_time_min = number("surface_time_min");
        c.gutter_time_min = number("gutter_time_min");
        c.overland_length_m = number("overland_length_m");
        c.slope_percent = number("slope_percent");
        if let Some(at) = text(props, "drains_at") {
            drains_at.insert(f.id.clone(), at.to_owned());
        }
        catchments.push(c);
    }
    // Step 3: check, leave out what a problem names, and again until nothing is wrong.
    let mut first = true;
    loop {
        match Network::new(sections.clone(), catchments.clone(), tables) {
            Ok(network) => {
                return Ok(Built {
                    network,
                    problems,
                    assumptions,
                    drains_at,
                });
            }
            Err(e) => {
                let mut canals_out: BTreeSet<String> = BTreeSet::new();
                let mut catchments_out: BTreeSet<String> = BTreeSet::new();
                for p in &e.0 {
                    let (kind, ids) = named(p);
                    let line = |id: &String| ReportLine {
                        kind,
                        id: id.clone(),
                        problem: p.to_string(),
                    };
                    // After the first round only consequences are new: say them plainly.
                    if first {
                        problems.extend(ids.iter().take(1).map(line));
                    }
                    match kind {
                        "canal" => canals_out.extend(ids),
                        _ => catchments_out.extend(ids),
                    }
                }
                if !first {
                    for id in &canals_out {
                        problems.push(ReportLine {
                            kind: "canal",
                            id: id.clone(),
                            problem: "left out: it flows into a canal that is left out".into(),
                        });
                    }
                    for id in &catchments_out {
                        problems.push(ReportLine {
                            kind: "catchment",
                            id: id.clone(),
                            problem: "left out: it drains into a canal that is left out".into(),
                        });
                    }
                }
                first = false;
                if canals_out.is_empty() && catchments_out.is_empty() {
                    // Nothing named: cannot happen, but never loop for ever.
                    sections.clear();
                    catchments.clear();
                }
                sections.retain(|s| !canals_out.contains(&s.canal_id));
                catchments.retain(|c| !catchments_out.contains(&c.id));
            }
        }
    }
}

/// The layer and ids a problem names.
fn named(p: &NetworkProblem) -> (&'static str, Vec<String>) {
    use NetworkProblem as P;
    match p {
        P::DuplicateCanal { canal_id }
        | P::Dimension { canal_id, .. }
        | P::Length { canal_id, .. }
        | P::MissingLevels { canal_id }
        | P::ZeroSlope { canal_id }
        | P::Uphill { canal_id, .. }
        | P::MissingDownstream { canal_id }
        | P::UnknownDownstream { canal_id, .. }
        | P::Backfall { canal_id, .. }
        | P::UnknownLining { canal_id, .. }
        | P::LiningShape { canal_id, .. }
        | P::ManningN { canal_id, .. }
        | P::UnknownClass { canal_id, .. } => ("canal", vec![canal_id.clone()]),
        P::Loop { canal_ids } => ("canal", canal_ids.clone()),
        P::DuplicateCatchment { catchment_id }
        | P::CatchmentCanal { catchment_id, .. }
        | P::CatchmentArea { catchment_id, .. }
        | P::UnknownLandUse { catchment_id, .. } => ("catchment", vec![catchment_id.clone()]),
    }
}

/// "carries X l/s against a design inflow of Y l/s from Z ha".
pub fn summary(r: &SectionResult) -> String {
    format!(
        "carries {:.0} l/s against a design inflow of {:.0} l/s from {:.1} ha",
        r.capacity_m3s * 1000.0,
        r.design_flow_m3s * 1000.0,
        r.catchment_area_ha
    )
}

/// The flag in words, when a constant used is unverified.
pub fn unverified_note(rain: bool, any: bool) -> Option<String> {
    if rain {
        Some("UNVERIFIED constants: the rain station's A, C, b, n come from secondary transcriptions of TCVN 7957, not from the standard's text (data/hydraulics/rain_stations.csv)".into())
    } else if any {
        Some("UNVERIFIED constants: runoff, Manning or velocity rows used are not checked against their sources (data/hydraulics/)".into())
    } else {
        None
    }
}

/// Checks the whole network of the data set (the module's steps).
pub fn check_network(
    inputs: Inputs<'_>,
    tables: &Tables,
    options: &DesignOptions,
) -> Result<NetworkAnswer, HydraulicsError> {
    let built = build(inputs, tables)?;
    let network = &built.network;
    let results = design(network, tables, options)?;
    let station = match &options.station {
        Some(s) => tables.station(s).unwrap_or(tables.default_station()),
        None => tables.default_station(),
    };
    // Catchments contributing to each section: its own and those above it.
    let mut own: BTreeMap<&str, Vec<&Catchment>> = BTreeMap::new();
    for c in network.catchments() {
        own.entry(c.drains_to.as_str()).or_default().push(c);
    }
    let mut above: BTreeMap<&str, Vec<&Catchment>> = BTreeMap::new();
    for s in network.in_flow_order() {
        let mut mine = own.get(s.canal_id.as_str()).cloned().unwrap_or_default();
        for t in network.sections() {
            if t.downstream == Some(Downstream::Canal(s.canal_id.clone()))
                && let Some(up) = above.get(t.canal_id.as_str())
            {
                mine.extend(up.iter().copied());
            }
        }
        above.insert(&s.canal_id, mine);
    }
    let mut zones_m: Vec<(&str, MultiPolygon)> = Vec::new();
    for z in inputs.flood_zones {
        let polys: Result<Vec<Polygon>, CrsError> = polygons(&z.geometry)
            .into_iter()
            .map(crs::geometry_to_metric)
            .collect();
        let polys = polys.map_err(|source| HydraulicsError::Crs {
            kind: "flood zone",
            id: z.id.clone(),
            source,
        })?;
        zones_m.push((&z.id, MultiPolygon(polys)));
    }
    let canal = |id: &str| inputs.canals.iter().find(|f| f.id == id);
    let sections = results
        .into_iter()
        .map(|r| {
            let cs = above.get(r.canal_id.as_str()).cloned().unwrap_or_default();
            let flood_zones = zones_m
                .iter()
                .filter(|(_, z)| {
                    cs.iter()
                        .any(|c| c.polygon.as_ref().is_some_and(|p| p.intersects(z)))
                })
                .map(|(id, _)| (*id).to_owned())
                .collect();
            let f = canal(&r.canal_id);
            let prop = |k: &str| f.and_then(|f| text(&f.properties, k)).map(str::to_owned);
            SectionAnswer {
                name: prop("name"),
                status: prop("status"),
                catchment_ids: cs.iter().map(|c| c.id.clone()).collect(),
                flood_zones,
                summary: summary(&r),
                assumptions: built
                    .assumptions
                    .get(&r.canal_id)
                    .cloned()
                    .unwrap_or_default(),
                result: r,
            }
        })
        .collect::<Vec<_>>();
    let mut catchments = Vec::new();
    for c in network.catchments() {
        let p = sections
            .iter()
            .find(|s| s.result.canal_id == c.drains_to)
            .map_or(2, |s| s.result.return_period_years);
        let r = runoff::catchment_runoff(c, p, tables).map_err(|source| DesignError::Runoff {
            canal_id: c.drains_to.clone(),
            source,
        })?;
        let mut land_use_ha = BTreeMap::new();
        for lu in &c.land_use {
            *land_use_ha.entry(lu.code.clone()).or_insert(0.0) += lu.area_m2 / 10_000.0;
        }
        catchments.push(CatchmentAnswer {
            id: c.id.clone(),
            drains_to: c.drains_to.clone(),
            drains_at: built.drains_at.get(&c.id).cloned(),
            area_ha: r.area_ha,
            return_period_years: p,
            runoff_coefficient: r.coefficient,
            remainder_ha: r.remainder_ha,
            land_use_ha,
        });
    }
    let rain = !station.verified;
    let any = rain || sections.iter().any(|s| s.result.tables_unverified);
    Ok(NetworkAnswer {
        rain_station: station.station.clone(),
        rain_constants_unverified: rain,
        unverified_constants: any,
        unverified_note: unverified_note(rain, any),
        sections,
        catchments,
        problems: built.problems,
    })
}

impl NetworkAnswer {
    /// The section of canal `id`.
    pub fn section(&self, id: &str) -> Option<&SectionAnswer> {
        self.sections.iter().find(|s| s.result.canal_id == id)
    }

    /// The report lines about canal `id`.
    pub fn problems_of(&self, id: &str) -> Vec<&ReportLine> {
        self.problems
            .iter()
            .filter(|p| p.kind == "canal" && p.id == id)
            .collect()
    }
}

/// A canal's longitudinal profile as SVG: ground from its `ground_start_m` and
/// `ground_end_m` (straight between them), bed from the network's inverts, design water
/// level from its check, with the verdict sentence and the unverified flag written under
/// the title. `Ok(Err(reason))` when the canal cannot be drawn (left out of the check, or
/// no ground levels).
pub fn profile_of(
    inputs: Inputs<'_>,
    tables: &Tables,
    options: &DesignOptions,
    canal_id: &str,
) -> Result<Result<String, String>, HydraulicsError> {
    let built = build(inputs, tables)?;
    let Some(section) = built.network.section(canal_id) else {
        let why: Vec<String> = built
            .problems
            .iter()
            .filter(|p| p.kind == "canal" && p.id == canal_id)
            .map(|p| p.problem.clone())
            .collect();
        return Ok(Err(format!(
            "canal {canal_id} is left out of the drainage check: {}",
            why.join("; ")
        )));
    };
    let Some(feature) = inputs.canals.iter().find(|f| f.id == canal_id) else {
        return Ok(Err(format!("no canal {canal_id}")));
    };
    let level = |k: &str| feature.properties.get(k).and_then(Value::as_f64);
    let (Some(g0), Some(g1)) = (level("ground_start_m"), level("ground_end_m")) else {
        return Ok(Err(format!(
            "canal {canal_id} has no ground_start_m and ground_end_m: the profile needs the ground levels at both ends"
        )));
    };
    let results = design(&built.network, tables, options)?;
    let Some(result) = results.iter().find(|r| r.canal_id == canal_id) else {
        return Ok(Err(format!("canal {canal_id} has no design result")));
    };
    let inverts = built
        .network
        .invert_levels()
        .get(canal_id)
        .copied()
        .unwrap_or((0.0, 0.0));
    let ground = [
        crate::hydraulics::GroundPoint {
            chainage_m: 0.0,
            level_m: g0,
        },
        crate::hydraulics::GroundPoint {
            chainage_m: section.length_m,
            level_m: g1,
        },
    ];
    let profile = match crate::hydraulics::longitudinal_profile(section, inverts, result, &ground) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let svg = profile.to_svg();
    let note = unverified_note(result.rain_constants_unverified, result.tables_unverified);
    let caption = format!(
        r#"<text x="60" y="36">{:?}: {}</text>{}</svg>"#,
        result.verdict,
        summary(result),
        note.map(|n| format!(r##"<text x="60" y="52" fill="#b00">{}</text>"##, escape(&n)))
            .unwrap_or_default()
    );
    Ok(Ok(match svg.rfind("</svg>") {
        Some(i) => format!("{}{}", &svg[..i], caption),
        None => svg,
    }))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A candidate route for [`compare`]: drawn, or a stored canal.
#[derive(Debug, Clone)]
pub struct RouteInput {
    /// The candidate's id in the table.
    pub id: String,
    /// Its line, WGS84.
    pub line: LineString,
    /// The stored canal it is, if any (its inverts give the fall, its catchments the area).
    pub canal_id: Option<String>,
}

/// Why routes could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The data set's network.
    #[error(transparent)]
    Check(#[from] HydraulicsError),
    /// Route impact failed.
    #[error("route {id}: {source}")]
    Impact {
        /// The route.
        id: String,
        /// The cause.
        #[source]
        source: CrsError,
    },
    /// The hydraulic comparison refused a route (zero fall, unknown lining…).
    #[error(transparent)]
    Route(#[from] crate::hydraulics::RouteError),
}

/// Compares candidate routes side by side (one row each, in the order given).
///
/// 1. Impact of each route with the corridor (DESIGN.md's procedure): length, land taken,
///    parcels, owners, owners whose parcel is still `awaiting` (not agreed), fences and
///    gates to rebuild, flooded households served.
/// 2. Fall: a stored canal's inverts (start − end); a drawn route's length × `slope`.
/// 3. Catchment: for a stored canal, the catchments draining into it and above it; for a
///    drawn route, the catchments whose outline it crosses. Their land uses add up.
/// 4. The proposed section on each: design flow against capacity, velocity, verdict and
///    cost from data/hydraulics/unit_prices.csv ([`crate::hydraulics::compare_routes`]).
pub fn compare(
    data: &crate::store::Dataset,
    routes: &[RouteInput],
    width_m: f64,
    slope: f64,
    proposed: &crate::hydraulics::ProposedSection,
    tables: &Tables,
    options: &DesignOptions,
) -> Result<Vec<crate::hydraulics::RouteRow>, CompareError> {
    use crate::hydraulics::{LandUseArea, RouteCandidate, compare_routes};
    use crate::model::{ClearanceStatus, LayerKind};
    let inputs = Inputs {
        canals: &data.layer(LayerKind::Canals).features,
        catchments: &data.layer(LayerKind::Catchments).features,
        parcels: data.layer(LayerKind::Parcels),
        flood_zones: &data.layer(LayerKind::FloodZones).features,
    };
    let built = build(inputs, tables)?;
    let network = &built.network;
    // Catchments at and above each section.
    let mut above: BTreeMap<String, Vec<&Catchment>> = BTreeMap::new();
    for s in network.in_flow_order() {
        let mut mine: Vec<&Catchment> = network
            .catchments()
            .iter()
            .filter(|c| c.drains_to == s.canal_id)
            .collect();
        for t in network.sections() {
            if t.downstream == Some(Downstream::Canal(s.canal_id.clone()))
                && let Some(up) = above.get(&t.canal_id)
            {
                mine.extend(up.iter().copied());
            }
        }
        above.insert(s.canal_id.clone(), mine);
    }
    let mut candidates = Vec::new();
    for r in routes {
        let impact = crate::analysis::route_impact::route_impact(data, &r.line, width_m).map_err(
            |source| CompareError::Impact {
                id: r.id.clone(),
                source,
            },
        )?;
        let not_agreed: BTreeSet<&str> = impact
            .parcels
            .iter()
            .filter(|p| p.clearance_status == ClearanceStatus::Awaiting)
            .filter_map(|p| p.owner_household.as_deref())
            .collect();
        let length = impact.route_length_m;
        let stored = r.canal_id.as_deref().and_then(|id| network.section(id));
        let fall = match stored.and_then(|s| s.slope()) {
            Some(s) => s * length,
            None => slope * length,
        };
        let catchments: Vec<&Catchment> = match stored {
            Some(s) => above.get(&s.canal_id).cloned().unwrap_or_default(),
            None => {
                let line_m =
                    crs::geometry_to_metric(&r.line).map_err(|source| CompareError::Impact {
                        id: r.id.clone(),
                        source,
                    })?;
                network
                    .catchments()
                    .iter()
                    .filter(|c| c.polygon.as_ref().is_some_and(|p| p.intersects(&line_m)))
                    .collect()
            }
        };
        let mut land_use: BTreeMap<String, f64> = BTreeMap::new();
        let mut area = 0.0;
        for c in &catchments {
            area += c.area_m2;
            let mut covered = 0.0;
            for lu in &c.land_use {
                *land_use.entry(lu.code.clone()).or_insert(0.0) += lu.area_m2;
                covered += lu.area_m2;
            }
            // What the parcels leave is the remainder land use, per catchment.
            *land_use
                .entry(tables.defaults.remainder_land_use.clone())
                .or_insert(0.0) += (c.area_m2 - covered).max(0.0);
        }
        let t = &impact.totals;
        candidates.push(RouteCandidate {
            route_id: r.id.clone(),
            length_m: length,
            land_taken_m2: t.taken_area_m2,
            parcels: t.parcels as u32,
            owners: t.households_affected as u32,
            not_agreed: not_agreed.len() as u32,
            fences_m: t.fence_to_rebuild_m,
            gates: t.gates_to_rebuild as u32,
            served_households: t.served_households as u32,
            fall_m: fall,
            catchment_area_m2: area,
            land_use: land_use
                .into_iter()
                .map(|(code, area_m2)| LandUseArea { code, area_m2 })
                .collect(),
        });
    }
    Ok(compare_routes(&candidates, proposed, tables, options)?)
}

/// The comparison as a table for CSV and .xlsx (one row per route).
pub fn compare_sheet(rows: &[crate::hydraulics::RouteRow]) -> crate::export::sheet::Sheet {
    use crate::export::sheet::{Cell, Column, Sheet, Unit};
    let mut sheet = Sheet::new(
        "routes",
        vec![
            Column::new("Route", Unit::Text),
            Column::new("Length (m)", Unit::Metres),
            Column::new("Land taken (m²)", Unit::SquareMetres),
            Column::new("Parcels", Unit::Count),
            Column::new("Owners", Unit::Count),
            Column::new("Owners not agreed", Unit::Count),
            Column::new("Fences to rebuild (m)", Unit::Metres),
            Column::new("Gates to rebuild", Unit::Count),
            Column::new("Flooded households served", Unit::Count),
            Column::new("Slope", Unit::Decimal),
            Column::new("Design flow (m³/s)", Unit::Decimal),
            Column::new("Capacity (m³/s)", Unit::Decimal),
            Column::new("Flow / capacity", Unit::Decimal),
            Column::new("Velocity (m/s)", Unit::Decimal),
            Column::new("Verdict", Unit::Text),
            Column::new("Earthwork (m³)", Unit::Decimal),
            Column::new("Cost (VND, sample prices)", Unit::Vnd),
            Column::new("Rain constants unverified", Unit::Text),
        ],
    );
    let round = |v: f64, d: i32| {
        let k = 10f64.powi(d);
        (v * k).round() / k
    };
    for r in rows {
        sheet.push(vec![
            Cell::Text(r.route_id.clone()),
            r.length_m.into(),
            r.land_taken_m2.into(),
            (r.parcels as usize).into(),
            (r.owners as usize).into(),
            (r.not_agreed as usize).into(),
            r.fences_m.into(),
            (r.gates as usize).into(),
            (r.served_households as usize).into(),
            round(r.slope, 6).into(),
            round(r.design_flow_m3s, 4).into(),
            round(r.capacity_m3s, 4).into(),
            round(r.ratio, 3).into(),
            round(r.velocity_m_s, 3).into(),
            Cell::Text(
                serde_json::to_value(r.verdict)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ),
            round(r.cost.earthwork_m3, 2).into(),
            r.cost.total_vnd.into(),
            Cell::Bool(r.rain_constants_unverified),
        ]);
    }
    sheet
}

/// A stored canal's drainage check for its dossier: the verdict sentence, the flood zones
/// it drains and the unverified flag (or why it could not be checked), and its profile
/// when it can be drawn.
pub fn dossier_hydraulics(
    inputs: Inputs<'_>,
    tables: &Tables,
    canal_id: &str,
) -> Result<crate::export::dossier::DossierHydraulics, HydraulicsError> {
    let options = DesignOptions::default();
    let answer = check_network(inputs, tables, &options)?;
    let text = match answer.section(canal_id) {
        Some(s) => {
            let r = &s.result;
            let mut t = format!(
                "{}: {} ({:?}; ratio {:.2}, velocity {:.2} m/s, P = {} years, rain station {}).",
                canal_id,
                s.summary,
                r.verdict,
                r.ratio,
                r.velocity_m_s,
                r.return_period_years,
                r.rain_station
            );
            if !s.flood_zones.is_empty() {
                t.push_str(&format!(
                    "\nDrains the flood zones {}.",
                    s.flood_zones.join(", ")
                ));
            }
            if let Some(note) = &answer.unverified_note {
                t.push_str(&format!("\n{note}."));
            }
            t
        }
        None => {
            let why: Vec<String> = answer
                .problems_of(canal_id)
                .iter()
                .map(|p| p.problem.clone())
                .collect();
            format!(
                "{canal_id} could not be checked: {}",
                if why.is_empty() {
                    "it is not in the drainage network".to_owned()
                } else {
                    why.join("; ")
                }
            )
        }
    };
    let profile_svg = profile_of(inputs, tables, &options, canal_id)?.ok();
    Ok(crate::export::dossier::DossierHydraulics { text, profile_svg })
}
