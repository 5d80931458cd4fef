//! The drainage network: canal sections (reaches) with their cross-section, lining, levels
//! and where each flows to, and the catchments that drain into them. Building a
//! [`Network`] checks it and answers "in which order can flows be computed?" (upstream
//! first).
//!
//! A section is a reach between two nodes: it flows into the *upstream end* of the section
//! it names, or into an outfall. A canal joined half-way by another is two sections. A
//! catchment drains into the upstream end of a section (its most remote water travels the
//! whole section), so its area counts at that section's downstream end and below.
//!
//! Nothing is guessed: a missing downstream link or slope, a loop, a zero or uphill slope, a
//! negative width, a lining or land use the tables do not know — each is a
//! [`NetworkProblem`] naming the canal or catchment and the rule, and all of them are
//! reported together.

use std::collections::{BTreeMap, BTreeSet};

use geo::{LineString, Polygon};
use serde::{Deserialize, Serialize};

use super::section::{CrossSection, SectionRule};
use super::tables::Tables;

/// Where a section's water goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Downstream {
    /// Into the upstream end of another section, by canal id.
    Canal(String),
    /// Out of the network (a river, the sea, a pumping station), by outfall id.
    Outfall(String),
}

/// A section's bed levels: invert levels at both ends, or only a slope.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Levels {
    /// Invert (bed) levels in metres above datum at the upstream and downstream ends.
    Inverts {
        /// At the upstream end.
        upstream_m: f64,
        /// At the downstream end.
        downstream_m: f64,
    },
    /// Only the bed slope (m/m, positive falling downstream); levels are then relative.
    Slope(f64),
}

/// One canal section (reach).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// The canal's id (in the data set's canals layer).
    pub canal_id: String,
    /// Its cross-section.
    pub cross_section: CrossSection,
    /// Its lining key (data/hydraulics/manning_n.csv).
    pub lining: String,
    /// Manning's n when it differs from the lining's (measured or refined in SWMM).
    pub manning_n: Option<f64>,
    /// Length along the canal, m.
    pub length_m: f64,
    /// Bed levels; `None` is a problem.
    pub levels: Option<Levels>,
    /// Where it flows; `None` is a problem.
    pub downstream: Option<Downstream>,
    /// Its class (data/hydraulics/return_periods.csv), which sets the return period;
    /// `None` takes the default class.
    pub canal_class: Option<String>,
    /// Its centre line in VN-2000 metres (EPSG:9208), drawn upstream → downstream: for
    /// SWMM coordinates and profiles.
    pub line: Option<LineString<f64>>,
}

impl Section {
    /// The bed slope (m/m), positive when it falls downstream.
    pub fn slope(&self) -> Option<f64> {
        match self.levels? {
            Levels::Slope(s) => Some(s),
            Levels::Inverts {
                upstream_m,
                downstream_m,
            } => (self.length_m > 0.0).then(|| (upstream_m - downstream_m) / self.length_m),
        }
    }

    /// Manning's n: the section's own, else its lining's.
    pub fn manning_n(&self, tables: &Tables) -> Option<f64> {
        self.manning_n
            .or_else(|| tables.lining(&self.lining).map(|l| l.manning_n))
    }
}

/// The area of one land use inside a catchment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LandUseArea {
    /// The land-use code (ONT, LUC, DGT, …; data/hydraulics/landuse_surface.csv).
    pub code: String,
    /// Its area in the catchment, m².
    pub area_m2: f64,
}

/// A catchment draining into one section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catchment {
    /// Its id.
    pub id: String,
    /// The canal it drains into (at that section's upstream end).
    pub drains_to: String,
    /// Its whole area, m².
    pub area_m2: f64,
    /// Its land uses' areas, m²; what they leave of the area takes the default
    /// `remainder_land_use` (roads and alleys outside parcels).
    pub land_use: Vec<LandUseArea>,
    /// t0, surface flow time, minutes; `None` takes the default.
    pub surface_time_min: Option<f64>,
    /// t1, gutter flow time before the canal, minutes; `None` takes the default.
    pub gutter_time_min: Option<f64>,
    /// Overland flow length for SWMM, m; `None` takes the default.
    pub overland_length_m: Option<f64>,
    /// Ground slope for SWMM, percent; `None` takes the default.
    pub slope_percent: Option<f64>,
    /// Its outline in VN-2000 metres, for SWMM's map.
    pub polygon: Option<Polygon<f64>>,
}

impl Catchment {
    /// A catchment of `area_m2` from land-use shares (fractions of the area, e.g.
    /// `[("ONT", 0.7), ("LUC", 0.3)]`); what the shares leave goes to the remainder land use.
    /// Times, lengths and slope take the defaults; the outline is unknown.
    pub fn from_shares(
        id: &str,
        drains_to: &str,
        area_m2: f64,
        shares: &[(&str, f64)],
    ) -> Catchment {
        Catchment {
            id: id.to_owned(),
            drains_to: drains_to.to_owned(),
            area_m2,
            land_use: shares
                .iter()
                .map(|&(code, share)| LandUseArea {
                    code: code.to_owned(),
                    area_m2: area_m2 * share,
                })
                .collect(),
            surface_time_min: None,
            gutter_time_min: None,
            overland_length_m: None,
            slope_percent: None,
            polygon: None,
        }
    }
}

/// A rule the network breaks.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum NetworkProblem {
    /// Two sections with one id.
    #[error("canal {canal_id}: listed twice")]
    DuplicateCanal {
        /// The id.
        canal_id: String,
    },
    /// A dimension out of range.
    #[error("canal {canal_id}: {rule}")]
    Dimension {
        /// The canal.
        canal_id: String,
        /// The rule broken.
        #[serde(serialize_with = "display")]
        rule: SectionRule,
    },
    /// Length not a positive number.
    #[error("canal {canal_id}: length must be > 0 m, not {length_m}")]
    Length {
        /// The canal.
        canal_id: String,
        /// Its length.
        length_m: f64,
    },
    /// Neither invert levels nor a slope.
    #[error(
        "canal {canal_id}: no invert levels and no slope: the flow direction and fall are unknown"
    )]
    MissingLevels {
        /// The canal.
        canal_id: String,
    },
    /// A flat bed.
    #[error(
        "canal {canal_id}: slope is zero: Manning's equation gives no flow; give the fall of its bed"
    )]
    ZeroSlope {
        /// The canal.
        canal_id: String,
    },
    /// A bed that rises in the flow direction.
    #[error(
        "canal {canal_id}: the bed rises in the direction of flow (slope {slope}); is the line drawn from downstream to upstream, or are the inverts swapped?"
    )]
    Uphill {
        /// The canal.
        canal_id: String,
        /// Its slope (negative).
        slope: f64,
    },
    /// No downstream link.
    #[error("canal {canal_id}: where it flows is not given (flows_to a canal id, or an outfall)")]
    MissingDownstream {
        /// The canal.
        canal_id: String,
    },
    /// A downstream link to a canal that is not in the network.
    #[error("canal {canal_id}: flows to {downstream}, which is not in the network")]
    UnknownDownstream {
        /// The canal.
        canal_id: String,
        /// The id it names.
        downstream: String,
    },
    /// Sections that flow round in a loop.
    #[error("canals {} flow in a loop", canal_ids.join(" → "))]
    Loop {
        /// The canals of the loop, in flow order.
        canal_ids: Vec<String>,
    },
    /// A tributary whose bed ends below the bed it flows into.
    #[error(
        "canal {canal_id}: its bed ends at {end_invert_m} m, below the bed of {receiving_id} ({receiving_invert_m} m) that it flows into"
    )]
    Backfall {
        /// The tributary.
        canal_id: String,
        /// Its downstream invert.
        end_invert_m: f64,
        /// The section it flows into.
        receiving_id: String,
        /// That section's upstream invert.
        receiving_invert_m: f64,
    },
    /// A lining the Manning table does not have.
    #[error("canal {canal_id}: lining {lining:?} is not in manning_n.csv")]
    UnknownLining {
        /// The canal.
        canal_id: String,
        /// The lining given.
        lining: String,
    },
    /// A pipe lining on an open channel or the reverse.
    #[error("canal {canal_id}: lining {lining:?} does not fit a {shape} section")]
    LiningShape {
        /// The canal.
        canal_id: String,
        /// The lining.
        lining: String,
        /// The shape.
        shape: String,
    },
    /// A Manning's n out of range.
    #[error("canal {canal_id}: Manning's n must be in (0, 0.2], not {manning_n}")]
    ManningN {
        /// The canal.
        canal_id: String,
        /// The n given.
        manning_n: f64,
    },
    /// A canal class the return-period table does not have.
    #[error("canal {canal_id}: class {canal_class:?} is not in return_periods.csv")]
    UnknownClass {
        /// The canal.
        canal_id: String,
        /// The class given.
        canal_class: String,
    },
    /// Two catchments with one id.
    #[error("catchment {catchment_id}: listed twice")]
    DuplicateCatchment {
        /// The id.
        catchment_id: String,
    },
    /// A catchment draining into a canal not in the network.
    #[error("catchment {catchment_id}: drains to {canal_id}, which is not in the network")]
    CatchmentCanal {
        /// The catchment.
        catchment_id: String,
        /// The canal it names.
        canal_id: String,
    },
    /// A catchment area not a positive number, or land-use areas beyond it.
    #[error("catchment {catchment_id}: {rule}")]
    CatchmentArea {
        /// The catchment.
        catchment_id: String,
        /// The rule broken.
        rule: String,
    },
    /// A land-use code the mapping table does not have.
    #[error("catchment {catchment_id}: land use {code:?} is not in landuse_surface.csv")]
    UnknownLandUse {
        /// The catchment.
        catchment_id: String,
        /// The code.
        code: String,
    },
}

fn display<S: serde::Serializer, T: std::fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// All the problems of a network, in the order found.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[error("the drainage network has {} problem(s): {}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
pub struct NetworkError(pub Vec<NetworkProblem>);

/// A checked network with its sections in flow order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    sections: Vec<Section>,
    catchments: Vec<Catchment>,
    /// Indexes into `sections`, every section after all the sections that flow into it.
    order: Vec<usize>,
}

/// Slopes this small count as zero (a millimetre per kilometre).
const FLAT: f64 = 1e-6;
/// Land-use areas may exceed the catchment area by this share (rounding of polygons).
const AREA_TOLERANCE: f64 = 0.005;

impl Network {
    /// Checks sections and catchments against each other and the tables, and orders the
    /// sections upstream first.
    ///
    /// 1. Each section alone: ids unique, dimensions, length, levels present, slope > 0,
    ///    lining and class known, n in range.
    /// 2. Links: a downstream given, naming a section in the network; no loops (each loop
    ///    reported once, in flow order); a tributary's bed not ending below the bed it
    ///    joins.
    /// 3. Catchments: ids unique, draining into a known section, area > 0, land-use areas
    ///    not beyond it, land uses known.
    /// 4. Order: repeatedly take the sections with no unordered section flowing into them
    ///    (Kahn's algorithm; ties by id, so the order is the same every time).
    pub fn new(
        sections: Vec<Section>,
        catchments: Vec<Catchment>,
        tables: &Tables,
    ) -> Result<Network, NetworkError> {
        let mut problems = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, s) in sections.iter().enumerate() {
            let id = s.canal_id.clone();
            if index.insert(&s.canal_id, i).is_some() {
                problems.push(NetworkProblem::DuplicateCanal {
                    canal_id: id.clone(),
                });
            }
            for rule in s.cross_section.check() {
                problems.push(NetworkProblem::Dimension {
                    canal_id: id.clone(),
                    rule,
                });
            }
            if !(s.length_m.is_finite() && s.length_m > 0.0) {
                problems.push(NetworkProblem::Length {
                    canal_id: id.clone(),
                    length_m: s.length_m,
                });
            }
            match s.slope() {
                None if s.levels.is_none() => problems.push(NetworkProblem::MissingLevels {
                    canal_id: id.clone(),
                }),
                None => {}
                Some(x) if !x.is_finite() || x.abs() < FLAT => {
                    problems.push(NetworkProblem::ZeroSlope {
                        canal_id: id.clone(),
                    })
                }
                Some(x) if x < 0.0 => problems.push(NetworkProblem::Uphill {
                    canal_id: id.clone(),
                    slope: x,
                }),
                Some(_) => {}
            }
            match tables.lining(&s.lining) {
                None => problems.push(NetworkProblem::UnknownLining {
                    canal_id: id.clone(),
                    lining: s.lining.clone(),
                }),
                Some(l)
                    if (l.kind == super::tables::LiningKind::Pipe)
                        == s.cross_section.shape.is_open() =>
                {
                    problems.push(NetworkProblem::LiningShape {
                        canal_id: id.clone(),
                        lining: s.lining.clone(),
                        shape: s.cross_section.shape.name().to_owned(),
                    })
                }
                Some(_) => {}
            }
            if let Some(n) = s.manning_n
                && !(n.is_finite() && n > 0.0 && n <= 0.2)
            {
                problems.push(NetworkProblem::ManningN {
                    canal_id: id.clone(),
                    manning_n: n,
                });
            }
            if let Some(c) = &s.canal_class
                && !tables.canal_classes.contains_key(c)
            {
                problems.push(NetworkProblem::UnknownClass {
                    canal_id: id.clone(),
                    canal_class: c.clone(),
                });
            }
        }
        // Links.
        let mut next: Vec<Option<usize>> = vec![None; sections.len()];
        for (i, s) in sections.iter().enumerate() {
            match &s.downstream {
                None => problems.push(NetworkProblem::MissingDownstream {
                    canal_id: s.canal_id.clone(),
                }),
                Some(Downstream::Outfall(_)) => {}
                Some(Downstream::Canal(d)) => match index.get(d.as_str()) {
                    None => problems.push(NetworkProblem::UnknownDownstream {
                        canal_id: s.canal_id.clone(),
                        downstream: d.clone(),
                    }),
                    Some(&j) => {
                        next[i] = Some(j);
                        if let (
                            Some(Levels::Inverts { downstream_m, .. }),
                            Some(Levels::Inverts { upstream_m, .. }),
                        ) = (s.levels, sections[j].levels)
                            && downstream_m < upstream_m - 1e-6
                        {
                            problems.push(NetworkProblem::Backfall {
                                canal_id: s.canal_id.clone(),
                                end_invert_m: downstream_m,
                                receiving_id: d.clone(),
                                receiving_invert_m: upstream_m,
                            });
                        }
                    }
                },
            }
        }
        problems.extend(loops(&sections, &next));
        // Catchments.
        let mut seen = BTreeSet::new();
        for c in &catchments {
            if !seen.insert(c.id.as_str()) {
                problems.push(NetworkProblem::DuplicateCatchment {
                    catchment_id: c.id.clone(),
                });
            }
            if !index.contains_key(c.drains_to.as_str()) {
                problems.push(NetworkProblem::CatchmentCanal {
                    catchment_id: c.id.clone(),
                    canal_id: c.drains_to.clone(),
                });
            }
            let area = |rule: String| NetworkProblem::CatchmentArea {
                catchment_id: c.id.clone(),
                rule,
            };
            if !(c.area_m2.is_finite() && c.area_m2 > 0.0) {
                problems.push(area(format!("area must be > 0 m², not {}", c.area_m2)));
            }
            let mut used = 0.0;
            for lu in &c.land_use {
                if !(lu.area_m2.is_finite() && lu.area_m2 >= 0.0) {
                    problems.push(area(format!(
                        "the area of land use {} must be >= 0 m², not {}",
                        lu.code, lu.area_m2
                    )));
                }
                used += lu.area_m2;
                if !tables.land_uses.contains_key(&lu.code) {
                    problems.push(NetworkProblem::UnknownLandUse {
                        catchment_id: c.id.clone(),
                        code: lu.code.clone(),
                    });
                }
            }
            if used > c.area_m2 * (1.0 + AREA_TOLERANCE) {
                problems.push(area(format!(
                    "its land uses cover {used:.1} m², more than its area {:.1} m²",
                    c.area_m2
                )));
            }
            for (what, v) in [
                ("surface_time_min", c.surface_time_min),
                ("gutter_time_min", c.gutter_time_min),
                ("slope_percent", c.slope_percent),
            ] {
                if let Some(v) = v
                    && !(v.is_finite() && v >= 0.0)
                {
                    problems.push(area(format!("{what} must be >= 0, not {v}")));
                }
            }
            if let Some(v) = c.overland_length_m
                && !(v.is_finite() && v > 0.0)
            {
                problems.push(area(format!("overland_length_m must be > 0, not {v}")));
            }
        }
        if !problems.is_empty() {
            return Err(NetworkError(problems));
        }
        let order = flow_order(&sections, &next);
        Ok(Network {
            sections,
            catchments,
            order,
        })
    }

    /// The sections, as given.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The catchments, as given.
    pub fn catchments(&self) -> &[Catchment] {
        &self.catchments
    }

    /// The sections upstream first: each after every section that flows into it.
    pub fn in_flow_order(&self) -> impl Iterator<Item = &Section> {
        self.order.iter().map(|&i| &self.sections[i])
    }

    /// A section by canal id.
    pub fn section(&self, canal_id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.canal_id == canal_id)
    }

    /// Absolute invert levels (upstream, downstream) of every section, by canal id.
    ///
    /// Sections with inverts keep them. A section given only a slope hangs from what it
    /// flows into: its downstream invert is the upstream invert of the section it joins
    /// (or 0 m at an outfall), its upstream invert that plus slope × length. So a network
    /// given only slopes gets levels relative to its outfalls at 0 m.
    pub fn invert_levels(&self) -> BTreeMap<String, (f64, f64)> {
        let mut out: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        // Downstream first, so that a section's receiver is placed before it.
        for &i in self.order.iter().rev() {
            let s = &self.sections[i];
            let levels = match s.levels {
                Some(Levels::Inverts {
                    upstream_m,
                    downstream_m,
                }) => (upstream_m, downstream_m),
                Some(Levels::Slope(slope)) => {
                    let end = match &s.downstream {
                        Some(Downstream::Canal(d)) => out.get(d).map_or(0.0, |l| l.0),
                        _ => 0.0,
                    };
                    (end + slope * s.length_m, end)
                }
                None => (0.0, 0.0),
            };
            out.insert(s.canal_id.clone(), levels);
        }
        out
    }
}

/// The loops of a graph where each section has at most one successor, each once, in flow
/// order starting from its smallest id.
fn loops(sections: &[Section], next: &[Option<usize>]) -> Vec<NetworkProblem> {
    // 0 = not visited, 1 = on the current walk, 2 = done.
    let mut state = vec![0u8; sections.len()];
    let mut out = Vec::new();
    for start in 0..sections.len() {
        let mut walk: Vec<usize> = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                2 => break,
                1 => {
                    let from = walk.iter().position(|&w| w == i).unwrap_or(0);
                    let mut ids: Vec<String> = walk[from..]
                        .iter()
                        .map(|&w| sections[w].canal_id.clone())
                        .collect();
                    let smallest = ids
                        .iter()
                        .enumerate()
                        .min_by(|a, b| a.1.cmp(b.1))
                        .map_or(0, |(k, _)| k);
                    ids.rotate_left(smallest);
                    out.push(NetworkProblem::Loop { canal_ids: ids });
                    break;
                }
                _ => {
                    state[i] = 1;
                    walk.push(i);
                    at = next[i];
                }
            }
        }
        for w in walk {
            state[w] = 2;
        }
    }
    out
}

fn flow_order(sections: &[Section], next: &[Option<usize>]) -> Vec<usize> {
    let mut incoming = vec![0usize; sections.len()];
    for j in next.iter().flatten() {
        incoming[*j] += 1;
    }
    let mut ready: BTreeSet<(&str, usize)> = (0..sections.len())
        .filter(|&i| incoming[i] == 0)
        .map(|i| (sections[i].canal_id.as_str(), i))
        .collect();
    let mut order = Vec::with_capacity(sections.len());
    while let Some(first) = ready.pop_first() {
        let i = first.1;
        order.push(i);
        if let Some(j) = next[i] {
            incoming[j] -= 1;
            if incoming[j] == 0 {
                ready.insert((sections[j].canal_id.as_str(), j));
            }
        }
    }
    order
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 1 m × 1 m brick rectangle of 100 m falling 0.2 m.
    pub(crate) fn section(id: &str, downstream: Option<Downstream>) -> Section {
        Section {
            canal_id: id.into(),
            cross_section: CrossSection::rectangular(1.0, 1.0),
            lining: "brick".into(),
            manning_n: None,
            length_m: 100.0,
            levels: Some(Levels::Inverts {
                upstream_m: 2.2,
                downstream_m: 2.0,
            }),
            downstream,
            canal_class: None,
            line: None,
        }
    }

    fn canal(id: &str) -> Option<Downstream> {
        Some(Downstream::Canal(id.into()))
    }

    fn outfall(id: &str) -> Option<Downstream> {
        Some(Downstream::Outfall(id.into()))
    }

    fn problems(sections: Vec<Section>) -> Vec<NetworkProblem> {
        Network::new(sections, vec![], &Tables::bundled().unwrap())
            .unwrap_err()
            .0
    }

    #[test]
    fn flow_order_puts_tributaries_first() {
        let mut b = section("b", canal("c"));
        let mut c = section("c", outfall("river"));
        b.levels = Some(Levels::Slope(0.002));
        c.levels = Some(Levels::Inverts {
            upstream_m: 1.5,
            downstream_m: 1.3,
        });
        let a = section("a", canal("c"));
        let mut a = a;
        a.levels = Some(Levels::Inverts {
            upstream_m: 1.8,
            downstream_m: 1.6,
        });
        let n = Network::new(vec![c, b, a], vec![], &Tables::bundled().unwrap()).unwrap();
        let ids: Vec<_> = n.in_flow_order().map(|s| s.canal_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        // b has only a slope: it hangs from c's upstream invert 1.5 m, so it runs
        // 1.5 + 0.002 · 100 = 1.7 m → 1.5 m.
        let levels = n.invert_levels();
        let (up, down) = levels["b"];
        assert!((up - 1.7).abs() < 1e-12 && (down - 1.5).abs() < 1e-12);
    }

    #[test]
    fn every_problem_is_named() {
        let mut flat = section("flat", outfall("o"));
        flat.levels = Some(Levels::Inverts {
            upstream_m: 2.0,
            downstream_m: 2.0,
        });
        let mut uphill = section("uphill", outfall("o"));
        uphill.levels = Some(Levels::Inverts {
            upstream_m: 2.0,
            downstream_m: 2.3,
        });
        let mut narrow = section("narrow", outfall("o"));
        narrow.cross_section.bottom_width_m = -1.0;
        let mut unlevelled = section("unlevelled", outfall("o"));
        unlevelled.levels = None;
        let got = problems(vec![
            flat,
            uphill,
            narrow,
            unlevelled,
            section("nowhere", None),
            section("lost", canal("missing")),
            section("x", canal("y")),
            section("y", canal("z")),
            section("z", canal("x")),
        ]);
        let text: Vec<String> = got.iter().map(|p| p.to_string()).collect();
        assert!(
            got.contains(&NetworkProblem::ZeroSlope {
                canal_id: "flat".into()
            }),
            "{text:?}"
        );
        assert!(got.iter().any(|p| matches!(p, NetworkProblem::Uphill { canal_id, slope } if canal_id == "uphill" && (slope + 0.003).abs() < 1e-12)), "{text:?}");
        assert!(got.iter().any(|p| matches!(p, NetworkProblem::Dimension { canal_id, rule: SectionRule::Width(w) } if canal_id == "narrow" && *w == -1.0)), "{text:?}");
        assert!(got.contains(&NetworkProblem::MissingLevels {
            canal_id: "unlevelled".into()
        }));
        assert!(got.contains(&NetworkProblem::MissingDownstream {
            canal_id: "nowhere".into()
        }));
        assert!(got.contains(&NetworkProblem::UnknownDownstream {
            canal_id: "lost".into(),
            downstream: "missing".into()
        }));
        assert!(got.contains(&NetworkProblem::Loop {
            canal_ids: vec!["x".into(), "y".into(), "z".into()]
        }));
        assert_eq!(
            got.iter()
                .filter(|p| matches!(p, NetworkProblem::Loop { .. }))
                .count(),
            1
        );
        assert!(
            text.iter().any(|t| t == "canals x → y → z flow in a loop"),
            "{text:?}"
        );
    }

    #[test]
    fn a_self_loop_and_a_backfall_are_problems() {
        let own = section("own", canal("own"));
        let mut low = section("low", canal("high"));
        low.levels = Some(Levels::Inverts {
            upstream_m: 1.2,
            downstream_m: 1.0,
        });
        let high = section("high", outfall("o")); // upstream invert 2.2
        let got = problems(vec![own, low, high]);
        assert!(got.contains(&NetworkProblem::Loop {
            canal_ids: vec!["own".into()]
        }));
        assert!(
            got.iter().any(
                |p| matches!(p, NetworkProblem::Backfall { canal_id, .. } if canal_id == "low")
            )
        );
    }

    #[test]
    fn shares_that_add_up_to_more_than_the_area_are_a_problem() {
        let c = Catchment::from_shares("k", "a", 10_000.0, &[("ONT", 0.7), ("LUC", 0.4)]);
        assert_eq!(c.land_use[1].area_m2, 4_000.0);
        let err = Network::new(
            vec![section("a", outfall("o"))],
            vec![c],
            &Tables::bundled().unwrap(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("cover 11000.0 m², more than its area 10000.0 m²"),
            "{err}"
        );
    }

    #[test]
    fn a_pipe_lining_on_an_open_channel_is_a_problem() {
        let mut s = section("a", outfall("o"));
        s.lining = "pipe_concrete".into();
        let mut p = section("p", outfall("o"));
        p.cross_section = CrossSection::circular(0.6);
        p.lining = "concrete".into();
        let text: Vec<String> = problems(vec![s, p]).iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            [
                "canal a: lining \"pipe_concrete\" does not fit a rectangular_open section",
                "canal p: lining \"concrete\" does not fit a circular_pipe section",
            ]
        );
    }

    #[test]
    fn catchment_and_table_problems() {
        let mut s = section("a", outfall("o"));
        s.lining = "bamboo".into();
        s.canal_class = Some("motorway".into());
        let c = Catchment {
            id: "c1".into(),
            drains_to: "b".into(),
            area_m2: 1000.0,
            land_use: vec![
                LandUseArea {
                    code: "ONT".into(),
                    area_m2: 900.0,
                },
                LandUseArea {
                    code: "XYZ".into(),
                    area_m2: 200.0,
                },
            ],
            surface_time_min: None,
            gutter_time_min: None,
            overland_length_m: None,
            slope_percent: None,
            polygon: None,
        };
        let got = Network::new(vec![s], vec![c], &Tables::bundled().unwrap())
            .unwrap_err()
            .0;
        let text: Vec<String> = got.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            [
                "canal a: lining \"bamboo\" is not in manning_n.csv",
                "canal a: class \"motorway\" is not in return_periods.csv",
                "catchment c1: drains to b, which is not in the network",
                "catchment c1: land use \"XYZ\" is not in landuse_surface.csv",
                "catchment c1: its land uses cover 1100.0 m², more than its area 1000.0 m²",
            ]
        );
    }
}
