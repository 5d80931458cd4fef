//! EPA SWMM 5: the input file (.inp) of a network under its design storm, and a network
//! read back from a .inp, so that a network refined in SWMM can update the canals.
//!
//! How a network becomes a SWMM model ([`write_inp`]):
//!
//! 1. Each section is a conduit named by its canal id, from junction `J_<canal id>` at its
//!    upstream end to the junction of the section it flows into, or to its outfall (named
//!    by the outfall id, FREE). Junction inverts are the sections' upstream inverts
//!    ([`Network::invert_levels`]); a tributary whose bed ends higher than the junction
//!    enters with an outlet offset (LINK_OFFSETS DEPTH). A junction is as deep as the
//!    deepest conduit end it holds.
//! 2. Cross-sections: RECT_OPEN (depth, width), TRAPEZOIDAL (depth, bottom width, side
//!    slope both sides), CIRCULAR (diameter); roughness is the section's Manning's n, and
//!    its lining is kept as the conduit's tag (`[TAGS]`) so that reading the file back knows
//!    it.
//! 3. Each catchment is a subcatchment draining to its section's upstream junction:
//!    imperviousness = ψ × 100 % at the storm's return period, with no depression storage
//!    on the impervious part and a pervious part that takes in all the rain (Horton,
//!    1 000 mm/h), so that SWMM's runoff volume is ψ × rain, as the rational method
//!    assumes; width = area / overland flow length; slope from the catchment or default.
//! 4. Rain: one gauge with the alternating-block storm of the station's formula
//!    ([`DesignStorm`]; 2 h in 5-minute blocks by default), P the largest return period of
//!    the network's classes unless told.
//! 5. Routing: DYNWAVE by default. The canals lie on a flat coastal plain with slopes of a
//!    few per mille, tributaries meet main drains, and the outfalls are tidal: backwater
//!    and surcharge are what a SWMM refinement is for, and only the dynamic wave has them.
//!    KINWAVE (no backwater, like the rational method) can be asked for.
//! 6. Coordinates in VN-2000 / TM-3 104°45′ metres (EPSG:9208): junctions at the first
//!    vertex of their section, outfalls at the last vertex of the first section reaching
//!    them, interior vertices as `[VERTICES]`, catchment outlines as `[Polygons]`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use geo::{Coord, LineString};

use super::network::{Downstream, Levels, Network, Section};
use super::runoff;
use super::section::{CrossSection, Shape};
use super::storm::{DesignStorm, StormError};
use super::tables::{RETURN_PERIODS, Tables};

/// SWMM's flow routing method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Routing {
    /// Dynamic wave: backwater, surcharge, flow reversal (the default).
    #[default]
    Dynwave,
    /// Kinematic wave: each conduit on its own, no backwater.
    Kinwave,
}

/// Choices for the SWMM model; `None` takes the default.
#[derive(Debug, Clone, PartialEq)]
pub struct SwmmOptions {
    /// The model's title.
    pub title: String,
    /// Flow routing.
    pub routing: Routing,
    /// Rain station; default from the tables.
    pub station: Option<String>,
    /// Storm return period; default the largest of the network's classes.
    pub return_period_years: Option<u32>,
    /// Storm duration, minutes.
    pub storm_duration_min: u32,
    /// Storm block length, minutes.
    pub storm_step_min: u32,
    /// Simulated time after the storm ends, minutes.
    pub recession_min: u32,
    /// Routing time step, seconds.
    pub routing_step_s: f64,
}

impl Default for SwmmOptions {
    fn default() -> SwmmOptions {
        SwmmOptions {
            title: "drainplan network".into(),
            routing: Routing::Dynwave,
            station: None,
            return_period_years: None,
            storm_duration_min: 120,
            storm_step_min: 5,
            recession_min: 120,
            routing_step_s: 1.0,
        }
    }
}

/// Why a SWMM file could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SwmmWriteError {
    /// A station not in the table.
    #[error("rain station {0:?} is not in rain_stations.csv")]
    UnknownStation(String),
    /// A return period without a runoff column.
    #[error("return period {0} years has no column in runoff_coefficients.csv")]
    ReturnPeriod(u32),
    /// A name SWMM cannot hold (spaces, quotes, semicolons).
    #[error("{kind} {name:?}: SWMM names may not hold spaces, quotes or ';'")]
    Name {
        /// Canal, outfall or catchment.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// The storm's steps.
    #[error(transparent)]
    Storm(#[from] StormError),
    /// A catchment's ψ.
    #[error("catchment {catchment_id}: {source}")]
    Runoff {
        /// The catchment.
        catchment_id: String,
        /// The cause.
        #[source]
        source: runoff::RunoffError,
    },
}

fn check_name(kind: &'static str, name: &str) -> Result<(), SwmmWriteError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == ';' || c == '"' || c == '[')
    {
        return Err(SwmmWriteError::Name {
            kind,
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// The junction at the upstream end of a section.
pub fn junction_name(canal_id: &str) -> String {
    format!("J_{canal_id}")
}

fn hhmm(minutes: u32) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// Writes the network as an EPA SWMM 5 input file (see the module's steps).
pub fn write_inp(
    network: &Network,
    tables: &Tables,
    options: &SwmmOptions,
) -> Result<String, SwmmWriteError> {
    let station = match &options.station {
        Some(s) => tables
            .station(s)
            .ok_or_else(|| SwmmWriteError::UnknownStation(s.clone()))?,
        None => tables.default_station(),
    };
    let p = match options.return_period_years {
        Some(p) if RETURN_PERIODS.contains(&p) => p,
        Some(p) => return Err(SwmmWriteError::ReturnPeriod(p)),
        None => network
            .sections()
            .iter()
            .filter_map(|s| {
                let class = s
                    .canal_class
                    .as_ref()
                    .unwrap_or(&tables.defaults.canal_class);
                tables
                    .canal_classes
                    .get(class)
                    .map(|c| c.return_period_years)
            })
            .max()
            .unwrap_or(2),
    };
    let storm = DesignStorm::alternating_block(
        station,
        p,
        options.storm_duration_min,
        options.storm_step_min,
    )?;
    for s in network.sections() {
        check_name("canal", &s.canal_id)?;
        if let Some(Downstream::Outfall(o)) = &s.downstream {
            check_name("outfall", o)?;
        }
    }
    for c in network.catchments() {
        check_name("catchment", &c.id)?;
    }
    let levels = network.invert_levels();
    let level = |id: &str| levels.get(id).copied().unwrap_or((0.0, 0.0));
    // Node of each section's downstream end, its invert, and each conduit's outlet offset.
    let mut outfalls: BTreeMap<String, (f64, Option<Coord>)> = BTreeMap::new();
    let mut node_depth: BTreeMap<String, f64> = BTreeMap::new();
    for s in network.sections() {
        let up = junction_name(&s.canal_id);
        let d = node_depth.entry(up).or_insert(0.0);
        *d = d.max(s.cross_section.full_depth_m());
    }
    let mut outlet: BTreeMap<&str, (String, f64)> = BTreeMap::new();
    for s in network.sections() {
        let end = level(&s.canal_id).1;
        match &s.downstream {
            Some(Downstream::Canal(d)) => {
                let node = junction_name(d);
                let offset = (end - level(d).0).max(0.0);
                let depth = node_depth.entry(node.clone()).or_insert(0.0);
                *depth = depth.max(offset + s.cross_section.full_depth_m());
                outlet.insert(&s.canal_id, (node, offset));
            }
            Some(Downstream::Outfall(o)) => {
                let last = s.line.as_ref().and_then(|l| l.0.last().copied());
                let entry = outfalls.entry(o.clone()).or_insert((end, last));
                entry.0 = entry.0.min(end);
                if entry.1.is_none() {
                    entry.1 = last;
                }
            }
            None => {}
        }
    }
    for s in network.sections() {
        if let Some(Downstream::Outfall(o)) = &s.downstream {
            let invert = outfalls.get(o).map_or(0.0, |x| x.0);
            outlet.insert(&s.canal_id, (o.clone(), level(&s.canal_id).1 - invert));
        }
    }

    let mut f = String::new();
    let w = &mut f;
    // `write!` into a String cannot fail.
    let _ = writeln!(w, "[TITLE]\n;;drainplan: {}", options.title);
    let _ = writeln!(
        w,
        ";;design storm: {} min alternating-block, {}-min blocks, P = {} years, station {} ({}, {})",
        storm.duration_min,
        storm.step_min,
        p,
        station.station,
        station.edition,
        if station.verified {
            "verified"
        } else {
            "UNVERIFIED constants"
        }
    );
    let _ = writeln!(
        w,
        ";;coordinates: VN-2000 / TM-3 104-45 (EPSG:9208), metres\n"
    );
    let end_min = options.storm_duration_min + options.recession_min;
    let routing = match options.routing {
        Routing::Dynwave => "DYNWAVE",
        Routing::Kinwave => "KINWAVE",
    };
    let _ = writeln!(
        w,
        "[OPTIONS]\nFLOW_UNITS CMS\nINFILTRATION HORTON\nFLOW_ROUTING {routing}\nLINK_OFFSETS DEPTH\n\
         MIN_SLOPE 0\nALLOW_PONDING NO\nSKIP_STEADY_STATE NO\n\
         START_DATE 01/01/2024\nSTART_TIME 00:00:00\nREPORT_START_DATE 01/01/2024\nREPORT_START_TIME 00:00:00\n\
         END_DATE 01/01/2024\nEND_TIME {}:00\nDRY_DAYS 0\nREPORT_STEP 00:01:00\nWET_STEP 00:01:00\nDRY_STEP 00:01:00\n\
         ROUTING_STEP {}\nINERTIAL_DAMPING PARTIAL\nNORMAL_FLOW_LIMITED BOTH\nVARIABLE_STEP 0.75\n\
         LENGTHENING_STEP 0\nMIN_SURFAREA 1.14\nMAX_TRIALS 8\nHEAD_TOLERANCE 0.0015\nTHREADS 1\n",
        hhmm(end_min),
        options.routing_step_s
    );
    let _ = writeln!(w, "[EVAPORATION]\nCONSTANT 0.0\nDRY_ONLY NO\n");
    let _ = writeln!(
        w,
        "[RAINGAGES]\n;;Name Format Interval SCF Source\nRG1 INTENSITY {} 1.0 TIMESERIES design_storm\n",
        hhmm(storm.step_min)
    );
    if !network.catchments().is_empty() {
        let _ = writeln!(
            w,
            "[SUBCATCHMENTS]\n;;Name Raingage Outlet Area_ha PctImperv Width_m PctSlope CurbLen"
        );
        let mut subareas = String::new();
        let mut infiltration = String::new();
        for c in network.catchments() {
            let r = runoff::catchment_runoff(c, p, tables).map_err(|source| {
                SwmmWriteError::Runoff {
                    catchment_id: c.id.clone(),
                    source,
                }
            })?;
            let length = c
                .overland_length_m
                .unwrap_or(tables.defaults.overland_length_m);
            let slope = c
                .slope_percent
                .unwrap_or(tables.defaults.catchment_slope_percent);
            let _ = writeln!(
                w,
                "{} RG1 {} {:.4} {:.3} {:.3} {:.3} 0",
                c.id,
                junction_name(&c.drains_to),
                r.area_ha,
                r.coefficient * 100.0,
                r.area_ha * 1e4 / length,
                slope
            );
            // Impervious n 0.012 (smooth concrete) and pervious n 0.15 (short grass), SWMM 5
            // user's manual Table A.6; no impervious storage and 100 % of it without, so
            // that the impervious share runs off whole.
            let _ = writeln!(subareas, "{} 0.012 0.15 0 5 100 OUTLET", c.id);
            let _ = writeln!(infiltration, "{} 1000 1000 4 7 0", c.id);
        }
        let _ = writeln!(
            w,
            "\n[SUBAREAS]\n;;Subcatchment N-Imperv N-Perv S-Imperv S-Perv PctZero RouteTo\n{subareas}"
        );
        let _ = writeln!(
            w,
            "[INFILTRATION]\n;;Subcatchment MaxRate MinRate Decay DryTime MaxInfil\n{infiltration}"
        );
    }
    let _ = writeln!(
        w,
        "[JUNCTIONS]\n;;Name Elevation MaxDepth InitDepth SurDepth Aponded"
    );
    for s in network.sections() {
        let name = junction_name(&s.canal_id);
        let _ = writeln!(
            w,
            "{name} {:.4} {:.4} 0 0 0",
            level(&s.canal_id).0,
            node_depth.get(&name).copied().unwrap_or(0.0)
        );
    }
    let _ = writeln!(w, "\n[OUTFALLS]\n;;Name Elevation Type StageData Gated");
    for (name, (invert, _)) in &outfalls {
        let _ = writeln!(w, "{name} {invert:.4} FREE NO");
    }
    let _ = writeln!(
        w,
        "\n[CONDUITS]\n;;Name From To Length Roughness InOffset OutOffset InitFlow MaxFlow"
    );
    let mut xsections = String::new();
    let mut tags = String::new();
    for s in network.sections() {
        let Some((to, offset)) = outlet.get(s.canal_id.as_str()) else {
            continue;
        };
        let n = s.manning_n(tables).unwrap_or(0.015);
        let _ = writeln!(
            w,
            "{} {} {to} {:.3} {n} 0 {offset:.4} 0 0",
            s.canal_id,
            junction_name(&s.canal_id),
            s.length_m
        );
        let x = s.cross_section;
        let _ = match x.shape {
            Shape::RectangularOpen => writeln!(
                xsections,
                "{} RECT_OPEN {} {} 0 0 1",
                s.canal_id, x.depth_m, x.bottom_width_m
            ),
            Shape::TrapezoidalOpen => writeln!(
                xsections,
                "{} TRAPEZOIDAL {} {} {} {} 1",
                s.canal_id, x.depth_m, x.bottom_width_m, x.side_slope, x.side_slope
            ),
            Shape::CircularPipe => writeln!(
                xsections,
                "{} CIRCULAR {} 0 0 0 1",
                s.canal_id, x.bottom_width_m
            ),
        };
        let _ = writeln!(tags, "Link {} {}", s.canal_id, s.lining);
    }
    let _ = writeln!(
        w,
        "\n[XSECTIONS]\n;;Link Shape Geom1 Geom2 Geom3 Geom4 Barrels\n{xsections}"
    );
    let _ = writeln!(w, "[TAGS]\n{tags}");
    let mut series = String::new();
    for (k, i) in storm.intensities_mm_h.iter().enumerate() {
        let _ = writeln!(
            series,
            "design_storm {} {i:.4}",
            hhmm(k as u32 * storm.step_min)
        );
    }
    let _ = writeln!(series, "design_storm {} 0", hhmm(storm.duration_min));
    let _ = writeln!(w, "[TIMESERIES]\n;;Name Time Value_mm_h\n{series}");
    let _ = writeln!(
        w,
        "[REPORT]\nINPUT YES\nCONTROLS NO\nSUBCATCHMENTS ALL\nNODES ALL\nLINKS ALL\n"
    );
    // Map: coordinates in metres.
    let mut coords = String::new();
    let mut vertices = String::new();
    let mut all: Vec<Coord> = Vec::new();
    for s in network.sections() {
        if let Some(line) = &s.line
            && let Some(first) = line.0.first()
        {
            let _ = writeln!(
                coords,
                "{} {:.3} {:.3}",
                junction_name(&s.canal_id),
                first.x,
                first.y
            );
            let n = line.0.len();
            for v in line.0.iter().take(n.saturating_sub(1)).skip(1) {
                let _ = writeln!(vertices, "{} {:.3} {:.3}", s.canal_id, v.x, v.y);
            }
            all.extend(line.0.iter().copied());
        }
    }
    for (name, (_, at)) in &outfalls {
        if let Some(c) = at {
            let _ = writeln!(coords, "{name} {:.3} {:.3}", c.x, c.y);
        }
    }
    let mut polygons = String::new();
    for c in network.catchments() {
        if let Some(p) = &c.polygon {
            for v in &p.exterior().0 {
                let _ = writeln!(polygons, "{} {:.3} {:.3}", c.id, v.x, v.y);
                all.push(*v);
            }
        }
    }
    if !all.is_empty() {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for c in &all {
            (x0, y0, x1, y1) = (x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y));
        }
        let _ = writeln!(
            w,
            "[MAP]\nDIMENSIONS {:.3} {:.3} {:.3} {:.3}\nUNITS Meters\n",
            x0 - 10.0,
            y0 - 10.0,
            x1 + 10.0,
            y1 + 10.0
        );
        let _ = writeln!(w, "[COORDINATES]\n;;Node X Y\n{coords}");
        if !vertices.is_empty() {
            let _ = writeln!(w, "[VERTICES]\n;;Link X Y\n{vertices}");
        }
        if !polygons.is_empty() {
            let _ = writeln!(w, "[Polygons]\n;;Subcatchment X Y\n{polygons}");
        }
    }
    Ok(f)
}

/// Why a SWMM file could not be read into sections.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SwmmReadError {
    /// A line with too few or unreadable fields.
    #[error("line {line} [{section}]: {rule}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// The section of the file.
        section: String,
        /// What is wrong.
        rule: String,
    },
    /// US customary units: lengths would be feet.
    #[error(
        "FLOW_UNITS {0}: lengths are in feet; save the model with SI flow units (CMS, LPS or MLD)"
    )]
    Units(String),
    /// A conduit without a cross-section, or a cross-section drainplan does not model.
    #[error("conduit {conduit}: {rule}")]
    Conduit {
        /// The conduit.
        conduit: String,
        /// What is wrong.
        rule: String,
    },
    /// Several conduits leave one junction: a diversion, which the network cannot hold.
    #[error("junction {node}: conduits {} all leave it; drainplan's network has one way out of each junction", conduits.join(", "))]
    Diversion {
        /// The junction.
        node: String,
        /// The conduits leaving it.
        conduits: Vec<String>,
    },
}

/// Reads the junctions, outfalls, conduits, cross-sections, tags, coordinates and vertices
/// of a SWMM .inp into sections.
///
/// 1. Each conduit becomes a section named as the conduit, with its length, roughness
///    (kept as `manning_n` only where it differs from its lining's), cross-section and its
///    tag as its lining (a conduit without a tag is an error: the lining sets the velocity
///    limits).
/// 2. Its inverts are its nodes' inverts plus its offsets (or the offsets themselves with
///    LINK_OFFSETS ELEVATION).
/// 3. It flows into the one conduit that leaves its downstream node, or into the outfall
///    that node is; a node with no way out leaves the section without a downstream (which
///    [`Network::new`] reports).
/// 4. Its line runs through its nodes' coordinates and its vertices, when the file has them.
pub fn read_inp(text: &str, tables: &Tables) -> Result<Vec<Section>, SwmmReadError> {
    let mut part = String::new();
    let mut offsets_elevation = false;
    let mut nodes: BTreeMap<String, f64> = BTreeMap::new();
    let mut outfall_names: Vec<String> = Vec::new();
    struct Conduit {
        name: String,
        from: String,
        to: String,
        length: f64,
        n: f64,
        in_offset: f64,
        out_offset: f64,
        line: usize,
    }
    let mut conduits: Vec<Conduit> = Vec::new();
    let mut xsections: BTreeMap<String, CrossSection> = BTreeMap::new();
    let mut tags: BTreeMap<String, String> = BTreeMap::new();
    let mut coords: BTreeMap<String, Coord> = BTreeMap::new();
    let mut vertices: BTreeMap<String, Vec<Coord>> = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.split(';').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        if content.starts_with('[') {
            part = content
                .trim_matches(|c| c == '[' || c == ']')
                .to_ascii_uppercase();
            continue;
        }
        let f: Vec<&str> = content.split_whitespace().collect();
        let err = |rule: &str| SwmmReadError::Line {
            line,
            section: part.clone(),
            rule: rule.to_owned(),
        };
        let num = |k: usize, what: &str| -> Result<f64, SwmmReadError> {
            match f.get(k) {
                Some(&"*") => Ok(0.0),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| err(&format!("{what} {v:?} is not a number"))),
                None => Err(err(&format!("{what} is missing"))),
            }
        };
        match part.as_str() {
            "OPTIONS" => match (f[0].to_ascii_uppercase().as_str(), f.get(1)) {
                ("FLOW_UNITS", Some(u)) => {
                    if matches!(u.to_ascii_uppercase().as_str(), "CFS" | "GPM" | "MGD") {
                        return Err(SwmmReadError::Units((*u).to_owned()));
                    }
                }
                ("LINK_OFFSETS", Some(v)) => {
                    offsets_elevation = v.eq_ignore_ascii_case("ELEVATION")
                }
                _ => {}
            },
            "JUNCTIONS" | "OUTFALLS" | "STORAGE" | "DIVIDERS" => {
                nodes.insert(f[0].to_owned(), num(1, "elevation")?);
                if part == "OUTFALLS" {
                    outfall_names.push(f[0].to_owned());
                }
            }
            "CONDUITS" => {
                if f.len() < 5 {
                    return Err(err("a conduit needs name, from, to, length, roughness"));
                }
                conduits.push(Conduit {
                    name: f[0].to_owned(),
                    from: f[1].to_owned(),
                    to: f[2].to_owned(),
                    length: num(3, "length")?,
                    n: num(4, "roughness")?,
                    in_offset: if f.len() > 5 {
                        num(5, "inlet offset")?
                    } else {
                        0.0
                    },
                    out_offset: if f.len() > 6 {
                        num(6, "outlet offset")?
                    } else {
                        0.0
                    },
                    line,
                });
            }
            "XSECTIONS" => {
                let shape = f.get(1).map(|s| s.to_ascii_uppercase()).unwrap_or_default();
                let (g1, g2, g3, g4) = (
                    num(2, "geom1")?,
                    num(3, "geom2").unwrap_or(0.0),
                    num(4, "geom3").unwrap_or(0.0),
                    num(5, "geom4").unwrap_or(0.0),
                );
                let barrels = if f.len() > 6 { num(6, "barrels")? } else { 1.0 };
                let conduit = f[0].to_owned();
                let bad = |rule: String| SwmmReadError::Conduit {
                    conduit: conduit.clone(),
                    rule,
                };
                if barrels != 1.0 {
                    return Err(bad(format!("{barrels} barrels; drainplan models one")));
                }
                let xs = match shape.as_str() {
                    "RECT_OPEN" => CrossSection::rectangular(g2, g1),
                    "TRAPEZOIDAL" if (g3 - g4).abs() < 1e-9 => {
                        CrossSection::trapezoidal(g2, g1, g3)
                    }
                    "TRAPEZOIDAL" => {
                        return Err(bad(format!(
                            "side slopes {g3} and {g4} differ; drainplan models equal sides"
                        )));
                    }
                    "CIRCULAR" => CrossSection::circular(g1),
                    other => {
                        return Err(bad(format!(
                            "shape {other} is not one drainplan models (RECT_OPEN, TRAPEZOIDAL, CIRCULAR)"
                        )));
                    }
                };
                xsections.insert(conduit, xs);
            }
            "TAGS" if f.len() >= 3 && f[0].eq_ignore_ascii_case("Link") => {
                tags.insert(f[1].to_owned(), f[2].to_owned());
            }
            "COORDINATES" => {
                coords.insert(
                    f[0].to_owned(),
                    Coord {
                        x: num(1, "x")?,
                        y: num(2, "y")?,
                    },
                );
            }
            "VERTICES" => {
                vertices.entry(f[0].to_owned()).or_default().push(Coord {
                    x: num(1, "x")?,
                    y: num(2, "y")?,
                });
            }
            _ => {}
        }
    }
    // The conduits leaving each node.
    let mut leaving: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in &conduits {
        leaving.entry(c.from.as_str()).or_default().push(&c.name);
    }
    let mut out = Vec::new();
    for c in &conduits {
        let bad = |rule: String| SwmmReadError::Conduit {
            conduit: c.name.clone(),
            rule,
        };
        let xs = *xsections
            .get(&c.name)
            .ok_or_else(|| bad("no [XSECTIONS] line".into()))?;
        let lining = tags.get(&c.name).cloned().ok_or_else(|| {
            bad(
                "no lining: give it a tag in [TAGS] (Link <name> <lining>) from manning_n.csv"
                    .into(),
            )
        })?;
        let node_level = |node: &str| {
            nodes.get(node).copied().ok_or_else(|| SwmmReadError::Line {
                line: c.line,
                section: "CONDUITS".into(),
                rule: format!("node {node} is not a junction or outfall of the file"),
            })
        };
        let (z1, z2) = (node_level(&c.from)?, node_level(&c.to)?);
        let (up, down) = if offsets_elevation {
            (c.in_offset, c.out_offset)
        } else {
            (z1 + c.in_offset, z2 + c.out_offset)
        };
        let downstream = if outfall_names.contains(&c.to) {
            Some(Downstream::Outfall(c.to.clone()))
        } else {
            match leaving.get(c.to.as_str()).map(Vec::as_slice) {
                None | Some([]) => None,
                Some([one]) => Some(Downstream::Canal((*one).to_owned())),
                Some(many) => {
                    return Err(SwmmReadError::Diversion {
                        node: c.to.clone(),
                        conduits: many.iter().map(|s| (*s).to_owned()).collect(),
                    });
                }
            }
        };
        let line = match (coords.get(&c.from), coords.get(&c.to)) {
            (Some(a), Some(b)) => {
                let mut pts = vec![*a];
                pts.extend(vertices.get(&c.name).into_iter().flatten().copied());
                pts.push(*b);
                Some(LineString::new(pts))
            }
            _ => None,
        };
        let lining_n = tables.lining(&lining).map(|l| l.manning_n);
        out.push(Section {
            canal_id: c.name.clone(),
            cross_section: xs,
            manning_n: (lining_n.is_none_or(|n| (n - c.n).abs() > 1e-9)).then_some(c.n),
            lining,
            length_m: c.length,
            levels: Some(Levels::Inverts {
                upstream_m: up,
                downstream_m: down,
            }),
            downstream,
            canal_class: None,
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hydraulics::network::tests::section;

    #[test]
    fn names_swmm_cannot_hold_are_refused() {
        let tables = Tables::bundled().unwrap();
        let s = section("canal one", Some(Downstream::Outfall("o".into())));
        let net = Network::new(vec![s], vec![], &tables).unwrap();
        assert_eq!(
            write_inp(&net, &tables, &SwmmOptions::default()).unwrap_err(),
            SwmmWriteError::Name {
                kind: "canal",
                name: "canal one".into()
            }
        );
    }

    #[test]
    fn reader_refuses_what_it_cannot_model() {
        let tables = Tables::bundled().unwrap();
        let base = "[OPTIONS]\nFLOW_UNITS CMS\n[JUNCTIONS]\nJ1 1 1\nJ2 0.5 1\n[OUTFALLS]\nO 0 FREE\n\
                    [CONDUITS]\nC1 J1 O 100 0.013 0 0\nC2 J2 O 100 0.013\n";
        let with_x = format!("{base}[XSECTIONS]\nC1 RECT_CLOSED 1 1 0 0 1\n");
        assert!(
            matches!(read_inp(&with_x, &tables), Err(SwmmReadError::Conduit { conduit, rule }) if conduit == "C1" && rule.contains("RECT_CLOSED"))
        );
        let untagged =
            format!("{base}[XSECTIONS]\nC1 RECT_OPEN 1 1 0 0 1\nC2 RECT_OPEN 1 1 0 0 1\n");
        assert!(
            matches!(read_inp(&untagged, &tables), Err(SwmmReadError::Conduit { rule, .. }) if rule.contains("no lining"))
        );
        let feet = "[OPTIONS]\nFLOW_UNITS CFS\n";
        assert_eq!(
            read_inp(feet, &tables).unwrap_err(),
            SwmmReadError::Units("CFS".into())
        );
        let split = "[JUNCTIONS]\nJ1 1 1\nJ2 0.5 1\n[OUTFALLS]\nO 0 FREE\n[CONDUITS]\nA J1 J2 10 0.013\nB J2 O 10 0.013\nC J2 O 10 0.013\n\
                     [XSECTIONS]\nA CIRCULAR 0.5\nB CIRCULAR 0.5\nC CIRCULAR 0.5\n[TAGS]\nLink A pipe_concrete\nLink B pipe_concrete\nLink C pipe_concrete\n";
        assert!(
            matches!(read_inp(split, &tables), Err(SwmmReadError::Diversion { node, .. }) if node == "J2")
        );
    }
}
