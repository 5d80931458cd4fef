//! The design tables, kept as data with their sources: Manning's n and velocity limits by
//! lining, runoff coefficients by surface class and return period, the land-use →
//! surface-class split, the rain stations' intensity constants, the return period per canal
//! class, the procedure's defaults and the (sample) unit prices.
//!
//! The CSV files live in `data/hydraulics/`; the same files are compiled in
//! ([`Tables::bundled`]) so that the library needs no data directory, and
//! [`Tables::load_dir`] reads an engineer's edited copy. Loading checks every row (a station
//! with a missing constant, a share that does not add up, a lining without velocity limits)
//! and names the file, the line and the rule broken.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The return periods (years) the runoff-coefficient table has a column for.
pub const RETURN_PERIODS: [u32; 5] = [2, 5, 10, 25, 50];

/// A failure to read or check a design table.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not CSV of the expected columns (the message has the line).
    #[error("{file}: {source}")]
    Csv {
        /// The table's file name.
        file: &'static str,
        /// The parser's complaint, with its position.
        #[source]
        source: csv::Error,
    },
    /// A row breaks a rule of its table.
    #[error("{file} line {line} ({row}): {rule}")]
    Row {
        /// The table's file name.
        file: &'static str,
        /// The line in the file (1 = the first line).
        line: u64,
        /// The row's key (lining, station, land-use code, …).
        row: String,
        /// The rule broken.
        rule: String,
    },
    /// The table as a whole breaks a rule (a missing key, a lining without limits).
    #[error("{file}: {rule}")]
    Table {
        /// The table's file name.
        file: &'static str,
        /// The rule broken.
        rule: String,
    },
}

/// Whether a lining belongs to an open channel or a pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiningKind {
    /// An open channel's lining (earth, masonry, concrete).
    Open,
    /// A pipe material.
    Pipe,
}

/// One lining: its roughness and velocity limits, each with its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lining {
    /// The key canals use (`brick`, `concrete`, `pipe_concrete`, …).
    pub key: String,
    /// Open channel or pipe.
    pub kind: LiningKind,
    /// Manning's n.
    pub manning_n: f64,
    /// What the lining is.
    pub description: String,
    /// Where n comes from.
    pub source: String,
    /// Whether n was checked against its source.
    pub verified: bool,
    /// Least self-cleansing mean velocity at design flow, m/s.
    pub min_velocity_m_s: f64,
    /// Greatest non-scouring mean velocity, m/s.
    pub max_velocity_m_s: f64,
    /// Where the velocity limits come from.
    pub velocity_source: String,
    /// Whether the velocity limits were checked against their source.
    pub velocity_verified: bool,
}

/// A surface class with its runoff coefficient for each of [`RETURN_PERIODS`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurfaceClass {
    /// The key (`concrete_roof`, `grass_flat`, …).
    pub key: String,
    /// What the surface is.
    pub description: String,
    /// ψ at P = 2, 5, 10, 25, 50 years.
    pub coefficients: [f64; 5],
    /// Where the row comes from.
    pub source: String,
    /// Whether the row was checked against its source.
    pub verified: bool,
}

impl SurfaceClass {
    /// ψ at a tabled return period; `None` for a period without a column.
    pub fn coefficient(&self, return_period_years: u32) -> Option<f64> {
        RETURN_PERIODS
            .iter()
            .position(|&p| p == return_period_years)
            .map(|i| self.coefficients[i])
    }
}

/// One part of a land-use code's area and the surface class it is taken as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LandUseSplit {
    /// The surface class.
    pub surface_class: String,
    /// The share of the land-use's area (the shares of a code add up to 1).
    pub share: f64,
}

/// A rain station's constants of q = A(1 + C·lg P)/(t + b)^n.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RainStation {
    /// The station's name.
    pub station: String,
    /// Its province.
    pub province: String,
    /// A, l/s·ha.
    pub a: f64,
    /// C.
    pub c: f64,
    /// b, minutes.
    pub b: f64,
    /// n.
    pub n: f64,
    /// Where the constants come from.
    pub source: String,
    /// The standard's edition the source cites.
    pub edition: String,
    /// Whether the constants were checked against the standard's text.
    pub verified: bool,
}

impl RainStation {
    /// Design rain intensity q = A(1 + C·lg P)/(t + b)^n in l/s·ha for a return period of
    /// `return_period_years` and a duration of `duration_min` minutes.
    ///
    /// # Examples
    ///
    /// ```
    /// let tables = drainplan::hydraulics::Tables::bundled().unwrap();
    /// let vinh = tables.station("Vinh").unwrap();
    /// // FIELD.md's sanity check: P = 2, t = 20 min gives about 314 l/s·ha.
    /// assert!((vinh.intensity_l_s_ha(2.0, 20.0) - 314.0).abs() < 1.0);
    /// ```
    pub fn intensity_l_s_ha(&self, return_period_years: f64, duration_min: f64) -> f64 {
        self.a * (1.0 + self.c * return_period_years.log10()) / (duration_min + self.b).powf(self.n)
    }
}

/// The design return period of a class of canal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanalClass {
    /// The key canals use (`village_branch`, `village_main`, …).
    pub key: String,
    /// What the class is.
    pub description: String,
    /// P, years (one of [`RETURN_PERIODS`]).
    pub return_period_years: u32,
    /// Where the choice comes from.
    pub source: String,
    /// Whether it was checked against the standard.
    pub verified: bool,
}

/// The procedure's defaults (data/hydraulics/design_defaults.csv).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignDefaults {
    /// The rain station used unless told otherwise.
    pub rain_station: String,
    /// The class of a canal that does not say its own.
    pub canal_class: String,
    /// Freeboard of open channels, m: capacity is taken at depth less this.
    pub freeboard_m: f64,
    /// t0, surface flow time to the first drain, minutes.
    pub surface_time_min: f64,
    /// t1, flow time in gutters before the canal, minutes.
    pub gutter_time_min: f64,
    /// The land-use code of catchment area not covered by its parcels.
    pub remainder_land_use: String,
    /// SWMM overland flow length, m (subcatchment width = area / length).
    pub overland_length_m: f64,
    /// SWMM subcatchment slope, percent.
    pub catchment_slope_percent: f64,
    /// The source of each default, by key.
    pub sources: BTreeMap<String, String>,
}

/// Unit prices for route costs (data/hydraulics/unit_prices.csv).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitPrices {
    /// Earthwork, VND per m³ excavated.
    pub earthwork_per_m3_vnd: f64,
    /// Lining, VND per metre of canal, by lining key.
    pub lining_per_m_vnd: BTreeMap<String, f64>,
    /// Rebuilding fence walls, VND per metre.
    pub fence_per_m_vnd: f64,
    /// Rebuilding a gate, VND each.
    pub gate_each_vnd: f64,
    /// Whether any price used is a sample figure rather than a real price.
    pub any_sample: bool,
}

/// The texts of the eight tables, by file.
#[derive(Debug, Clone, Copy)]
pub struct TableTexts<'a> {
    /// manning_n.csv
    pub manning_n: &'a str,
    /// velocity_limits.csv
    pub velocity_limits: &'a str,
    /// runoff_coefficients.csv
    pub runoff_coefficients: &'a str,
    /// landuse_surface.csv
    pub landuse_surface: &'a str,
    /// rain_stations.csv
    pub rain_stations: &'a str,
    /// return_periods.csv
    pub return_periods: &'a str,
    /// design_defaults.csv
    pub design_defaults: &'a str,
    /// unit_prices.csv
    pub unit_prices: &'a str,
}

impl TableTexts<'static> {
    /// The tables shipped in data/hydraulics/, compiled in.
    pub const BUNDLED: TableTexts<'static> = TableTexts {
        manning_n: include_str!("../../data/hydraulics/manning_n.csv"),
        velocity_limits: include_str!("../../data/hydraulics/velocity_limits.csv"),
        runoff_coefficients: include_str!("../../data/hydraulics/runoff_coefficients.csv"),
        landuse_surface: include_str!("../../data/hydraulics/landuse_surface.csv"),
        rain_stations: include_str!("../../data/hydraulics/rain_stations.csv"),
        return_periods: include_str!("../../data/hydraulics/return_periods.csv"),
        design_defaults: include_str!("../../data/hydraulics/design_defaults.csv"),
        unit_prices: include_str!("../../data/hydraulics/unit_prices.csv"),
    };
}

/// All the design tables, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tables {
    /// Linings by key.
    pub linings: BTreeMap<String, Lining>,
    /// Surface classes by key.
    pub surfaces: BTreeMap<String, SurfaceClass>,
    /// Land-use code → its surface classes and their shares.
    pub land_uses: BTreeMap<String, Vec<LandUseSplit>>,
    /// Rain stations by name.
    pub stations: BTreeMap<String, RainStation>,
    /// Canal classes by key.
    pub canal_classes: BTreeMap<String, CanalClass>,
    /// The procedure's defaults.
    pub defaults: DesignDefaults,
    /// Unit prices.
    pub unit_prices: UnitPrices,
}

const MANNING: &str = "manning_n.csv";
const VELOCITY: &str = "velocity_limits.csv";
const RUNOFF: &str = "runoff_coefficients.csv";
const LANDUSE: &str = "landuse_surface.csv";
const STATIONS: &str = "rain_stations.csv";
const PERIODS: &str = "return_periods.csv";
const DEFAULTS: &str = "design_defaults.csv";
const PRICES: &str = "unit_prices.csv";

impl Tables {
    /// The tables shipped with drainplan (data/hydraulics/, compiled in).
    pub fn bundled() -> Result<Tables, TableError> {
        Tables::from_texts(&TableTexts::BUNDLED)
    }

    /// Reads and checks the eight tables from a directory (an engineer's edited copy of
    /// data/hydraulics/).
    pub fn load_dir(dir: &Path) -> Result<Tables, TableError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| TableError::Io { path, source })
        };
        let texts = [
            read(MANNING)?,
            read(VELOCITY)?,
            read(RUNOFF)?,
            read(LANDUSE)?,
            read(STATIONS)?,
            read(PERIODS)?,
            read(DEFAULTS)?,
            read(PRICES)?,
        ];
        Tables::from_texts(&TableTexts {
            manning_n: &texts[0],
            velocity_limits: &texts[1],
            runoff_coefficients: &texts[2],
            landuse_surface: &texts[3],
            rain_stations: &texts[4],
            return_periods: &texts[5],
            design_defaults: &texts[6],
            unit_prices: &texts[7],
        })
    }

    /// Parses and checks the tables from their texts.
    ///
    /// 1. Each file is read as CSV (lines starting with `#` are comments).
    /// 2. Each row is checked on its own (ranges, missing constants).
    /// 3. The tables are checked against each other: every lining has velocity limits and
    ///    the reverse, every land use's classes exist and its shares add up to 1, the
    ///    defaults name an existing station, class and land use.
    pub fn from_texts(texts: &TableTexts<'_>) -> Result<Tables, TableError> {
        let linings = linings(texts.manning_n, texts.velocity_limits)?;
        let surfaces = surfaces(texts.runoff_coefficients)?;
        let land_uses = land_uses(texts.landuse_surface, &surfaces)?;
        let stations = stations(texts.rain_stations)?;
        let canal_classes = canal_classes(texts.return_periods)?;
        let defaults = defaults(texts.design_defaults)?;
        let check = |ok: bool, rule: String| {
            if ok {
                Ok(())
            } else {
                Err(TableError::Table {
                    file: DEFAULTS,
                    rule,
                })
            }
        };
        check(
            stations.contains_key(&defaults.rain_station),
            format!(
                "rain_station {:?} is not in {STATIONS}",
                defaults.rain_station
            ),
        )?;
        check(
            canal_classes.contains_key(&defaults.canal_class),
            format!("canal_class {:?} is not in {PERIODS}", defaults.canal_class),
        )?;
        check(
            land_uses.contains_key(&defaults.remainder_land_use),
            format!(
                "remainder_land_use {:?} is not in {LANDUSE}",
                defaults.remainder_land_use
            ),
        )?;
        let unit_prices = unit_prices(texts.unit_prices)?;
        Ok(Tables {
            linings,
            surfaces,
            land_uses,
            stations,
            canal_classes,
            defaults,
            unit_prices,
        })
    }

    /// The bundled tables with the administrator's stations of a data directory loaded
    /// over them: `<dir>/hydraulics/rain_stations.csv`, when there is one (same columns as
    /// data/hydraulics/rain_stations.csv; see [`Tables::add_stations`]).
    pub fn for_data_dir(dir: &Path) -> Result<Tables, TableError> {
        let mut tables = Tables::bundled()?;
        let path = dir.join("hydraulics").join(STATIONS);
        if path.exists() {
            let text =
                std::fs::read_to_string(&path).map_err(|source| TableError::Io { path, source })?;
            tables.add_stations(&text)?;
        }
        Ok(tables)
    }

    /// Loads an administrator's station table over these: a row whose station is already
    /// here replaces it, a new station is added, the others stay. The text is checked as
    /// the bundled file is (a station with a missing constant is an error naming its line),
    /// and nothing changes on an error.
    pub fn add_stations(&mut self, text: &str) -> Result<usize, TableError> {
        let more = stations(text)?;
        let n = more.len();
        self.stations.extend(more);
        Ok(n)
    }

    /// A lining by key.
    pub fn lining(&self, key: &str) -> Option<&Lining> {
        self.linings.get(key)
    }

    /// A rain station by name.
    pub fn station(&self, name: &str) -> Option<&RainStation> {
        self.stations.get(name)
    }

    /// The rain station named in the defaults.
    pub fn default_station(&self) -> &RainStation {
        // `from_texts` checked that the default station exists; the fallback is for a
        // hand-built Tables.
        self.stations
            .get(&self.defaults.rain_station)
            .or_else(|| self.stations.values().next())
            .unwrap_or(&FALLBACK_STATION)
    }
}

static FALLBACK_STATION: RainStation = RainStation {
    station: String::new(),
    province: String::new(),
    a: 0.0,
    c: 0.0,
    b: 0.0,
    n: 1.0,
    source: String::new(),
    edition: String::new(),
    verified: false,
};

/// The rows of a CSV table with their line numbers.
fn rows<T: DeserializeOwned>(file: &'static str, text: &str) -> Result<Vec<(u64, T)>, TableError> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|source| TableError::Csv { file, source })?
        .clone();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|source| TableError::Csv { file, source })?;
        let line = record.position().map_or(0, |p| p.line());
        let row = record
            .deserialize(Some(&headers))
            .map_err(|source| TableError::Csv { file, source })?;
        out.push((line, row));
    }
    Ok(out)
}

fn row_error(file: &'static str, line: u64, row: &str, rule: impl Into<String>) -> TableError {
    TableError::Row {
        file,
        line,
        row: row.to_owned(),
        rule: rule.into(),
    }
}

fn finite_in(x: f64, lo: f64, hi: f64) -> bool {
    x.is_finite() && x > lo && x <= hi
}

#[derive(Deserialize)]
struct ManningRow {
    lining: String,
    kind: LiningKind,
    manning_n: Option<f64>,
    description: String,
    source: String,
    verified: bool,
}

#[derive(Deserialize)]
struct VelocityRow {
    lining: String,
    min_velocity_m_s: Option<f64>,
    max_velocity_m_s: Option<f64>,
    source: String,
    verified: bool,
}

fn linings(manning: &str, velocity: &str) -> Result<BTreeMap<String, Lining>, TableError> {
    let mut limits = BTreeMap::new();
    for (line, r) in rows::<VelocityRow>(VELOCITY, velocity)? {
        let (Some(lo), Some(hi)) = (r.min_velocity_m_s, r.max_velocity_m_s) else {
            return Err(row_error(
                VELOCITY,
                line,
                &r.lining,
                "a velocity limit is missing",
            ));
        };
        if !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && lo < hi) {
            return Err(row_error(
                VELOCITY,
                line,
                &r.lining,
                format!("limits must satisfy 0 <= min < max (min {lo}, max {hi})"),
            ));
        }
        if limits
            .insert(r.lining.clone(), (lo, hi, r.source, r.verified, line))
            .is_some()
        {
            return Err(row_error(VELOCITY, line, &r.lining, "lining listed twice"));
        }
    }
    let mut out = BTreeMap::new();
    for (line, r) in rows::<ManningRow>(MANNING, manning)? {
        let Some(n) = r.manning_n else {
            return Err(row_error(MANNING, line, &r.lining, "manning_n is missing"));
        };
        if !finite_in(n, 0.0, 0.2) {
            return Err(row_error(
                MANNING,
                line,
                &r.lining,
                format!("manning_n must be in (0, 0.2], not {n}"),
            ));
        }
        let Some((lo, hi, vsource, vverified, _)) = limits.remove(&r.lining) else {
            return Err(row_error(
                MANNING,
                line,
                &r.lining,
                format!("the lining has no row in {VELOCITY}"),
            ));
        };
        let lining = Lining {
            key: r.lining.clone(),
            kind: r.kind,
            manning_n: n,
            description: r.description,
            source: r.source,
            verified: r.verified,
            min_velocity_m_s: lo,
            max_velocity_m_s: hi,
            velocity_source: vsource,
            velocity_verified: vverified,
        };
        if out.insert(r.lining.clone(), lining).is_some() {
            return Err(row_error(MANNING, line, &r.lining, "lining listed twice"));
        }
    }
    if let Some((key, (.., line))) = limits.into_iter().next() {
        return Err(row_error(
            VELOCITY,
            line,
            &key,
            format!("the lining has no row in {MANNING}"),
        ));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RunoffRow {
    surface_class: String,
    description: String,
    p2: Option<f64>,
    p5: Option<f64>,
    p10: Option<f64>,
    p25: Option<f64>,
    p50: Option<f64>,
    source: String,
    verified: bool,
}

fn surfaces(text: &str) -> Result<BTreeMap<String, SurfaceClass>, TableError> {
    let mut out = BTreeMap::new();
    for (line, r) in rows::<RunoffRow>(RUNOFF, text)? {
        let mut coefficients = [0.0; 5];
        for (i, (value, p)) in [r.p2, r.p5, r.p10, r.p25, r.p50]
            .into_iter()
            .zip(RETURN_PERIODS)
            .enumerate()
        {
            let Some(v) = value else {
                return Err(row_error(
                    RUNOFF,
                    line,
                    &r.surface_class,
                    format!("the coefficient for P = {p} is missing"),
                ));
            };
            if !finite_in(v, 0.0, 1.0) {
                return Err(row_error(
                    RUNOFF,
                    line,
                    &r.surface_class,
                    format!("the coefficient for P = {p} must be in (0, 1], not {v}"),
                ));
            }
            coefficients[i] = v;
        }
        if coefficients.windows(2).any(|w| w[1] < w[0]) {
            return Err(row_error(
                RUNOFF,
                line,
                &r.surface_class,
                "coefficients must not fall as the return period grows",
            ));
        }
        let class = SurfaceClass {
            key: r.surface_class.clone(),
            description: r.description,
            coefficients,
            source: r.source,
            verified: r.verified,
        };
        if out.insert(r.surface_class.clone(), class).is_some() {
            return Err(row_error(
                RUNOFF,
                line,
                &r.surface_class,
                "class listed twice",
            ));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct LandUseRow {
    land_use: String,
    #[expect(dead_code, reason = "kept in the file for the reader")]
    name_vi: String,
    surface_class: String,
    share: Option<f64>,
    #[expect(dead_code, reason = "kept in the file for the reader")]
    note: String,
}

fn land_uses(
    text: &str,
    surfaces: &BTreeMap<String, SurfaceClass>,
) -> Result<BTreeMap<String, Vec<LandUseSplit>>, TableError> {
    let mut out: BTreeMap<String, Vec<LandUseSplit>> = BTreeMap::new();
    let mut last_line: BTreeMap<String, u64> = BTreeMap::new();
    for (line, r) in rows::<LandUseRow>(LANDUSE, text)? {
        if !surfaces.contains_key(&r.surface_class) {
            return Err(row_error(
                LANDUSE,
                line,
                &r.land_use,
                format!("surface class {:?} is not in {RUNOFF}", r.surface_class),
            ));
        }
        let share = match r.share {
            Some(s) if finite_in(s, 0.0, 1.0) => s,
            Some(s) => {
                return Err(row_error(
                    LANDUSE,
                    line,
                    &r.land_use,
                    format!("share must be in (0, 1], not {s}"),
                ));
            }
            None => return Err(row_error(LANDUSE, line, &r.land_use, "share is missing")),
        };
        last_line.insert(r.land_use.clone(), line);
        out.entry(r.land_use).or_default().push(LandUseSplit {
            surface_class: r.surface_class,
            share,
        });
    }
    for (code, splits) in &out {
        let total: f64 = splits.iter().map(|s| s.share).sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(row_error(
                LANDUSE,
                last_line.get(code).copied().unwrap_or(0),
                code,
                format!("the shares of {code} add up to {total:.4}, not 1"),
            ));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct StationRow {
    station: String,
    province: String,
    #[serde(rename = "A")]
    a: Option<f64>,
    #[serde(rename = "C")]
    c: Option<f64>,
    b: Option<f64>,
    n: Option<f64>,
    source: String,
    edition: String,
    verified: bool,
}

fn stations(text: &str) -> Result<BTreeMap<String, RainStation>, TableError> {
    let mut out = BTreeMap::new();
    for (line, r) in rows::<StationRow>(STATIONS, text)? {
        let name = &r.station;
        if name.is_empty() {
            return Err(row_error(STATIONS, line, "", "the station has no name"));
        }
        let missing: Vec<&str> = [("A", r.a), ("C", r.c), ("b", r.b), ("n", r.n)]
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| *k)
            .collect();
        if !missing.is_empty() {
            return Err(row_error(
                STATIONS,
                line,
                name,
                format!("constant {} missing", missing.join(", ")),
            ));
        }
        let (a, c, b, n) = (
            r.a.unwrap_or_default(),
            r.c.unwrap_or_default(),
            r.b.unwrap_or_default(),
            r.n.unwrap_or_default(),
        );
        let ok = finite_in(a, 0.0, 1e5)
            && c.is_finite()
            && c >= 0.0
            && b.is_finite()
            && b >= 0.0
            && finite_in(n, 0.0, 2.0);
        if !ok {
            return Err(row_error(
                STATIONS,
                line,
                name,
                format!(
                    "constants out of range (A {a} > 0, C {c} >= 0, b {b} >= 0, 0 < n {n} <= 2)"
                ),
            ));
        }
        let station = RainStation {
            station: name.clone(),
            province: r.province,
            a,
            c,
            b,
            n,
            source: r.source,
            edition: r.edition,
            verified: r.verified,
        };
        if out.insert(name.clone(), station).is_some() {
            return Err(row_error(STATIONS, line, name, "station listed twice"));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct PeriodRow {
    canal_class: String,
    description: String,
    return_period_years: Option<u32>,
    source: String,
    verified: bool,
}

fn canal_classes(text: &str) -> Result<BTreeMap<String, CanalClass>, TableError> {
    let mut out = BTreeMap::new();
    for (line, r) in rows::<PeriodRow>(PERIODS, text)? {
        let Some(p) = r.return_period_years.filter(|p| RETURN_PERIODS.contains(p)) else {
            return Err(row_error(
                PERIODS,
                line,
                &r.canal_class,
                format!(
                    "return_period_years must be one of {RETURN_PERIODS:?} (the runoff table's columns)"
                ),
            ));
        };
        let class = CanalClass {
            key: r.canal_class.clone(),
            description: r.description,
            return_period_years: p,
            source: r.source,
            verified: r.verified,
        };
        if out.insert(r.canal_class.clone(), class).is_some() {
            return Err(row_error(
                PERIODS,
                line,
                &r.canal_class,
                "class listed twice",
            ));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct DefaultRow {
    key: String,
    value: String,
    #[expect(dead_code, reason = "kept in the file for the reader")]
    unit: String,
    source: String,
    #[expect(dead_code, reason = "every default is an engineer's choice")]
    verified: bool,
}

fn defaults(text: &str) -> Result<DesignDefaults, TableError> {
    let mut values: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut sources = BTreeMap::new();
    for (line, r) in rows::<DefaultRow>(DEFAULTS, text)? {
        sources.insert(r.key.clone(), r.source);
        values.insert(r.key, (line, r.value));
    }
    let text = |key: &str| -> Result<String, TableError> {
        values
            .get(key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| TableError::Table {
                file: DEFAULTS,
                rule: format!("the default {key} is missing"),
            })
    };
    let number = |key: &str| -> Result<f64, TableError> {
        let v = text(key)?;
        let line = values.get(key).map_or(0, |(l, _)| *l);
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => Err(row_error(
                DEFAULTS,
                line,
                key,
                format!("{v:?} is not a number >= 0"),
            )),
        }
    };
    Ok(DesignDefaults {
        rain_station: text("rain_station")?,
        canal_class: text("canal_class")?,
        freeboard_m: number("freeboard_m")?,
        surface_time_min: number("surface_time_min")?,
        gutter_time_min: number("gutter_time_min")?,
        remainder_land_use: text("remainder_land_use")?,
        overland_length_m: number("overland_length_m")?,
        catchment_slope_percent: number("catchment_slope_percent")?,
        sources,
    })
}

#[derive(Deserialize)]
struct PriceRow {
    item: String,
    lining: String,
    #[expect(dead_code, reason = "kept in the file for the reader")]
    unit: String,
    price_vnd: Option<f64>,
    sample: bool,
    #[expect(dead_code, reason = "kept in the file for the reader")]
    source: String,
}

fn unit_prices(text: &str) -> Result<UnitPrices, TableError> {
    let mut earthwork = None;
    let mut fence = None;
    let mut gate = None;
    let mut lining = BTreeMap::new();
    let mut any_sample = false;
    for (line, r) in rows::<PriceRow>(PRICES, text)? {
        let Some(price) = r.price_vnd.filter(|p| p.is_finite() && *p >= 0.0) else {
            return Err(row_error(
                PRICES,
                line,
                &r.item,
                "price_vnd must be a number >= 0",
            ));
        };
        any_sample |= r.sample;
        match r.item.as_str() {
            "earthwork_per_m3" => earthwork = Some(price),
            "fence_per_m" => fence = Some(price),
            "gate_each" => gate = Some(price),
            "lining_per_m" if !r.lining.is_empty() => {
                lining.insert(r.lining, price);
            }
            "lining_per_m" => {
                return Err(row_error(
                    PRICES,
                    line,
                    &r.item,
                    "lining_per_m needs its lining",
                ));
            }
            other => {
                return Err(row_error(
                    PRICES,
                    line,
                    other,
                    "unknown item (earthwork_per_m3, lining_per_m, fence_per_m, gate_each)",
                ));
            }
        }
    }
    let need = |v: Option<f64>, key: &str| {
        v.ok_or_else(|| TableError::Table {
            file: PRICES,
            rule: format!("the price {key} is missing"),
        })
    };
    Ok(UnitPrices {
        earthwork_per_m3_vnd: need(earthwork, "earthwork_per_m3")?,
        lining_per_m_vnd: lining,
        fence_per_m_vnd: need(fence, "fence_per_m")?,
        gate_each_vnd: need(gate, "gate_each")?,
        any_sample,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn bundled_tables_load() {
        let t = Tables::bundled().unwrap();
        assert_eq!(t.lining("concrete").unwrap().manning_n, 0.013);
        assert_eq!(t.defaults.rain_station, "Vinh");
        assert!(t.unit_prices.any_sample, "the shipped prices are samples");
        assert!(t.land_uses.contains_key("ONT"));
        assert!(!t.station("Vinh").unwrap().verified);
    }

    #[test]
    fn vinh_intensity_matches_the_hand_calculation() {
        // By hand: lg 2 = 0.30103; 1 + 0.55·0.30103 = 1.165567; A·that = 3997.894;
        // (20 + 20)^0.69 = exp(0.69·ln 40) = exp(0.69·3.688879) = exp(2.545327) = 12.74739;
        // q = 3997.894 / 12.74739 = 313.62 l/s·ha (FIELD.md: ≈ 314).
        let t = Tables::bundled().unwrap();
        let q = t.station("Vinh").unwrap().intensity_l_s_ha(2.0, 20.0);
        assert_relative_eq!(q, 313.62, max_relative = 1e-4);
        // P = 5, t = 10: 1 + 0.55·lg 5 = 1 + 0.55·0.69897 = 1.384434; ·3430 = 4748.61;
        // 30^0.69 = exp(0.69·3.401197) = exp(2.346826) = 10.45234; q = 454.31.
        let q = t.station("Vinh").unwrap().intensity_l_s_ha(5.0, 10.0);
        assert_relative_eq!(q, 454.31, max_relative = 1e-4);
    }

    fn with(f: impl FnOnce(&mut TableTexts<'static>)) -> Result<Tables, TableError> {
        let mut texts = TableTexts::BUNDLED;
        f(&mut texts);
        Tables::from_texts(&texts)
    }

    #[test]
    fn a_station_with_a_missing_constant_is_named() {
        let err = with(|t| {
            t.rain_stations = "station,province,A,C,b,n,source,edition,verified\n\
                 Vinh,Nghệ An,3430,0.55,20,0.69,s,e,false\n\
                 Quỳnh Lưu,Nghệ An,3400,,20,0.69,s,e,false\n"
        })
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("rain_stations.csv line 3 (Quỳnh Lưu)"),
            "{msg}"
        );
        assert!(msg.contains("constant C missing"), "{msg}");
    }

    #[test]
    fn shares_that_do_not_add_up_are_refused() {
        let err = with(|t| {
            t.landuse_surface = "land_use,name_vi,surface_class,share,note\n\
                 ONT,x,concrete_roof,0.6,\nONT,x,grass_flat,0.3,\nDGT,x,concrete_roof,1,\n"
        })
        .unwrap_err();
        assert!(
            err.to_string().contains("shares of ONT add up to 0.9000"),
            "{err}"
        );
    }

    #[test]
    fn a_lining_without_velocity_limits_is_refused() {
        let err = with(|t| {
            t.velocity_limits = "lining,min_velocity_m_s,max_velocity_m_s,source,verified\n\
                 earth,0.4,0.6,s,false\n"
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("has no row in velocity_limits.csv"),
            "{err}"
        );
    }

    #[test]
    fn a_return_period_without_a_runoff_column_is_refused() {
        let err = with(|t| {
            t.return_periods = "canal_class,description,return_period_years,source,verified\n\
                 village_branch,x,3,s,false\n"
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("return_periods.csv line 2 (village_branch)"),
            "{err}"
        );
    }

    #[test]
    fn falling_runoff_coefficients_are_refused() {
        let err = with(|t| {
            t.runoff_coefficients = "surface_class,description,p2,p5,p10,p25,p50,source,verified\n\
                 asphalt,x,0.73,0.77,0.70,0.86,0.90,s,false\n"
        })
        .unwrap_err();
        assert!(err.to_string().contains("must not fall"), "{err}");
    }
}
