//! The drainplan command line.

use std::path::PathBuf;

/// mimalloc instead of glibc's malloc: after loading a million parcels glibc's heap was
/// fragmented enough that a route impact's allocations cost a fifth of its latency (most
/// of it in `_int_malloc` and `malloc_consolidate`), and it kept the loader's freed
/// buffers resident.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "drainplan",
    version,
    about = "Plan and track drainage canals, site clearance and piped water for a commune"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The people of the campaign: board, village heads, mass organisations, officers.
    People {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// The campaign's tasks with their progress (from the features) and flags at a date.
    Tasks {
        /// The date, YYYY-MM-DD (default: today in Vietnam, UTC+7).
        #[arg(long)]
        at: Option<String>,
        /// Only the tasks this person (a people id) is responsible for or supports.
        #[arg(long)]
        person: Option<String>,
        /// Only the tasks of this village id.
        #[arg(long)]
        village: Option<String>,
        /// Only the tasks with this flag: done, on_time, at_risk, late, cancelled.
        #[arg(long)]
        flag: Option<String>,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Run the HTTP service and the map on a data directory.
    Serve {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Where the map page's files are.
        #[arg(long, default_value = "web")]
        web: PathBuf,
        /// Compact the journal after this many edits.
        #[arg(long, default_value_t = drainplan::store::live::COMPACT_EVERY)]
        compact_every: usize,
        /// Serve the layers of this PostGIS database (postgresql://…) instead of the data
        /// directory's files, following its changes (README "PostGIS: many instances and
        /// QGIS"); users and design tables are still read from --data.
        #[arg(long)]
        store: Option<String>,
        /// With --store: load only the villages of these communes (comma-separated) and
        /// the features in them.
        #[arg(long, requires = "store", value_delimiter = ',')]
        communes: Vec<String>,
        /// With --store: load only the villages of these provinces (comma-separated) and
        /// the features in them; with --communes, those communes within these provinces.
        #[arg(long, requires = "store", value_delimiter = ',')]
        province: Vec<String>,
    },
    /// Move a data directory into an empty PostGIS database (--data DIR --to URL), or a
    /// database into a new data directory (--from URL --data DIR), losing nothing.
    Migrate {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// The database to fill (postgresql://…).
        #[arg(long, conflicts_with = "from", required_unless_present = "from")]
        to: Option<String>,
        /// The database to read (postgresql://…).
        #[arg(long)]
        from: Option<String>,
    },
    /// The PostGIS database's roles.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Print a report: canal-length, water-connection or contributions.
    Report {
        #[command(subcommand)]
        report: ReportCommand,
    },
    /// The monthly review pack: per village, the month against the month before and a
    /// year earlier; a table on standard output, and the workbook or the printable page.
    Review {
        /// The month, YYYY-MM (this month when absent).
        #[arg(long)]
        month: Option<String>,
        /// Write the workbook here.
        #[arg(long)]
        xlsx: Option<PathBuf>,
        /// Write the printable A4 page here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Voluntary land donations: each donating parcel with the elements its consent record
    /// lacks, and the counts of complete and incomplete records per village.
    Donations {
        /// List only the parcels whose record is incomplete (the counts count all).
        #[arg(long)]
        incomplete: bool,
        /// table, json (the API's answer to a viewer) or xlsx.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Where --format xlsx writes (donations.xlsx by default).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// The drainage check: for every canal (or one), design flow by the rational method
    /// against capacity by Manning, velocity and verdict, and what had to be left out.
    Hydraulics {
        /// Only this canal.
        #[arg(long)]
        canal: Option<String>,
        /// table or json (the API's answer).
        #[arg(long, default_value = "table")]
        format: String,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Compare 2 to 5 candidate routes side by side: impact, design flow against the
    /// capacity of the proposed section, and cost at the (sample) unit prices.
    Compare {
        /// A candidate route, a GeoJSON LineString file (repeatable).
        #[arg(long)]
        route: Vec<PathBuf>,
        /// A stored canal as a candidate (repeatable).
        #[arg(long)]
        canal: Vec<String>,
        /// Bed fall per metre of the drawn routes.
        #[arg(long, default_value_t = 0.001)]
        slope: f64,
        /// Proposed section: rectangular, trapezoidal or circular.
        #[arg(long, default_value = "rectangular")]
        shape: String,
        /// Bottom width (a pipe's diameter), m.
        #[arg(long, default_value_t = 1.5)]
        section_width: f64,
        /// Depth, m.
        #[arg(long, default_value_t = 1.5)]
        section_depth: f64,
        /// Side slope of a trapezoid (horizontal per vertical).
        #[arg(long, default_value_t = 1.0)]
        side_slope: f64,
        /// Lining (data/hydraulics/manning_n.csv).
        #[arg(long, default_value = "concrete")]
        lining: String,
        /// Canal class for the return period (data/hydraulics/return_periods.csv).
        #[arg(long, default_value = "village_main")]
        class: String,
        /// Corridor width in metres.
        #[arg(long, default_value_t = drainplan::analysis::route::DEFAULT_CORRIDOR_WIDTH_M)]
        width: f64,
        /// table, csv or xlsx (csv and xlsx to --out).
        #[arg(long, default_value = "table")]
        format: String,
        /// Output file for csv and xlsx.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Read an EPA SWMM 5 .inp (a network refined in SWMM) and report what it would change
    /// on the canals: sections, n, levels and links, per canal; `--apply` writes those
    /// changes (each canal checked as an edit is; one refusal writes nothing).
    ImportSwmm {
        /// The .inp file.
        file: PathBuf,
        /// Write the changes to the canals (without it, a dry run).
        #[arg(long)]
        apply: bool,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// The public posting list of the land a canal takes, per parcel and household, headed
    /// by the latest posting on record; as a table, or written as an A4 page and a workbook.
    Posting {
        /// The canal.
        #[arg(long)]
        canal: String,
        /// Write the printable A4 page (HTML) here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Write the workbook (.xlsx) here.
        #[arg(long)]
        xlsx: Option<PathBuf>,
        /// Corridor width in metres.
        #[arg(long, default_value_t = drainplan::analysis::route::DEFAULT_CORRIDOR_WIDTH_M)]
        width: f64,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// The grievance log: every grievance, or the open ones.
    Grievances {
        /// Only those received or in progress.
        #[arg(long)]
        open: bool,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// The impact of a route (a GeoJSON LineString file) or of a stored canal.
    Impact {
        /// GeoJSON file holding the route (a LineString geometry, Feature, or a
        /// FeatureCollection with one LineString feature).
        #[arg(long, conflicts_with = "canal", required_unless_present = "canal")]
        route: Option<PathBuf>,
        /// Id of a stored canal instead of a route file.
        #[arg(long)]
        canal: Option<String>,
        /// Corridor width in metres.
        #[arg(long, allow_negative_numbers = true, default_value_t = drainplan::analysis::route::DEFAULT_CORRIDOR_WIDTH_M)]
        width: f64,
        /// Output: a table, the API's JSON, or GeoJSON of the taken strips.
        #[arg(long, value_enum, default_value = "table")]
        format: ImpactFormat,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Write a layer, a filtered subset, or the land a canal or route takes, as GeoJSON,
    /// CSV, KML, a zipped Shapefile, GeoPackage, DXF or an Excel workbook, in WGS84 or
    /// VN-2000.
    Export {
        /// Layer to export: villages, canals, parcels, flood_zones or households.
        #[arg(long, required_unless_present_any = ["canal", "route", "swmm"], conflicts_with_all = ["canal", "route", "swmm"])]
        layer: Option<String>,
        /// Write the drainage network as an EPA SWMM 5 input file (.inp, VN-2000 metres).
        #[arg(long, conflicts_with_all = ["canal", "route"])]
        swmm: Option<PathBuf>,
        /// Export the strips this stored canal takes (with their impact attributes).
        #[arg(long, conflicts_with = "route")]
        canal: Option<String>,
        /// Export the strips the route in this GeoJSON file takes.
        #[arg(long)]
        route: Option<PathBuf>,
        /// geojson, csv, kml, shp, gpkg, dxf or xlsx (attributes; for --canal and --route
        /// the land taken per parcel and per owner).
        #[arg(long, default_value = "geojson")]
        format: String,
        /// EPSG:4326, EPSG:9208, EPSG:3405 or VN2000-TM3-104.75-towgs84 (default: EPSG:9208
        /// for dxf, EPSG:4326 otherwise).
        #[arg(long)]
        crs: Option<String>,
        /// Only features meeting minLon,minLat,maxLon,maxLat (WGS84).
        #[arg(long, allow_hyphen_values = true)]
        bbox: Option<String>,
        /// Only features whose property equals a value: --where status=planned (repeatable).
        #[arg(long = "where")]
        filters: Vec<String>,
        /// With --format dxf and --layer: fill each polygon with a see-through solid hatch
        /// on a <layer>_hatch layer (parcels by clearance step).
        #[arg(long)]
        hatch: bool,
        /// Corridor width in metres, for --canal and --route.
        #[arg(long, allow_negative_numbers = true, default_value_t = drainplan::analysis::route::DEFAULT_CORRIDOR_WIDTH_M)]
        width: f64,
        /// Output file (default: the suggested name, e.g. parcels_EPSG9208.dxf).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Write the dossier zip of a canal or a route: DXF and shapefiles in VN-2000 / TM-3,
    /// the alignment table, the land taken per parcel and owner, and a README.
    Dossier {
        /// A stored canal's id.
        #[arg(long, conflicts_with = "route", required_unless_present = "route")]
        canal: Option<String>,
        /// A GeoJSON file holding the route.
        #[arg(long)]
        route: Option<PathBuf>,
        /// Corridor width in metres.
        #[arg(long, allow_negative_numbers = true, default_value_t = drainplan::analysis::route::DEFAULT_CORRIDOR_WIDTH_M)]
        width: f64,
        /// Output file (default: dossier_<canal>_EPSG9208.zip).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Import a layer's features from any vector file GDAL reads — DGN v7 cadastral sheets,
    /// MapInfo TAB or MIF, Shapefile (.shp or zipped), GeoPackage, GeoJSON, DXF, KML, CSV
    /// with WKT — drawn in WGS84 or VN-2000, with legacy Vietnamese text encodings decoded,
    /// and a report of what was imported, replaced, changed and skipped; or households,
    /// their contributions and water registrations from an Excel list (.xlsx), refused
    /// whole, row by row, if any row is bad.
    Import {
        /// The layer: parcels, canals, villages, flood_zones or households.
        #[arg(long)]
        layer: String,
        /// The file: .dgn, .tab, .mif, .shp (with its .dbf beside it), .zip, .gpkg,
        /// .geojson, .dxf, .kml or .csv; .xlsx for households.
        #[arg(long)]
        from: PathBuf,
        /// The file's CRS when it does not say (DGN, DXF, CSV, no .prj): EPSG:4326,
        /// EPSG:9208, EPSG:3405 or VN2000-TM3-104.75-towgs84.
        #[arg(long)]
        crs: Option<String>,
        /// Source fields of drainplan's properties: sheet=SOTO,number=SOTHUA,land_use=MDSD.
        #[arg(long)]
        map: Option<String>,
        /// Constant properties for every feature: land_use=ONT.
        #[arg(long)]
        set: Option<String>,
        /// The map sheet (tờ bản đồ) of parcels whose label does not give one (default: from
        /// the file name, to_12.dgn or TBD12.dgn).
        #[arg(long)]
        sheet: Option<i64>,
        /// The text encoding, when detection gets it wrong: UTF-8, windows-1258, TCVN3,
        /// VNI-Windows, VISCII or windows-1252.
        #[arg(long)]
        encoding: Option<String>,
        /// Overwrite features whose id already exists (only the fields the file carries).
        #[arg(long)]
        replace: bool,
        /// With --replace, let a blank in the file clear a stored value.
        #[arg(long, requires = "replace")]
        allow_blanking: bool,
        /// Check and report, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// For an .xlsx: import the good rows when some are refused (without it, one bad
        /// row means nothing is written).
        #[arg(long)]
        skip_bad_rows: bool,
        /// For an .xlsx: the worksheet to read (default: the first).
        #[arg(long)]
        worksheet: Option<String>,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Manage the users who may sign in (stored in DATA/users.json, passwords argon2-hashed).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The edit journal: compact it, or cut it at a damaged line.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// Check a data directory and print what it holds.
    Check {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Generate the made-up sample data set (or, with --communes N, a larger one).
    Generate {
        /// Seed of the random draws: the same seed gives byte-identical files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Output directory.
        #[arg(long, default_value = "data")]
        out: PathBuf,
        /// Communes to generate: 1 is the Quỳnh Liên sample; more are tiled beside it
        /// (about 4 000 parcels each) for benchmarks.
        #[arg(long, default_value_t = 1)]
        communes: u32,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Metres of canal per status (and village).
    CanalLength {
        /// Grouping: status, village, or status,village.
        #[arg(long, default_value = "status,village")]
        by: String,
        #[command(flatten)]
        common: ReportArgs,
    },
    /// The piped-water campaign per village and for the commune.
    WaterConnection {
        #[command(flatten)]
        common: ReportArgs,
    },
    /// Household contributions and who along planned canals has not agreed.
    Contributions {
        /// land, labour or money (all kinds when absent).
        #[arg(long)]
        kind: Option<String>,
        /// A village id or name.
        #[arg(long)]
        village: Option<String>,
        /// Corridor width used to find the parcels planned canals need.
        #[arg(long, allow_negative_numbers = true, default_value_t = drainplan::analysis::route::DEFAULT_CORRIDOR_WIDTH_M)]
        width: f64,
        #[command(flatten)]
        common: ReportArgs,
    },
}

#[derive(Subcommand)]
enum JournalCommand {
    /// Write the data as they stand as a snapshot and archive the journal's entries (what
    /// the service does by itself every 1 000 edits). Not while a service runs on DATA.
    Compact {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Give up a damaged journal line and every line after it: they are moved to a
    /// quarantine file beside the journal, whose name is printed. Only when start-up
    /// refused the journal and no backup holds a good copy.
    Cut {
        /// The 1-based line start-up named as damaged.
        #[arg(long)]
        line: usize,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Create an officer's own login role (member of drainplan_officer), for QGIS; the
    /// password is read from the first line of standard input.
    AddOfficer {
        /// The role's name (the history names the officer by it).
        name: String,
        /// The database (postgresql://…).
        #[arg(long)]
        store: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user, or change a user's role and password. The password is read from the
    /// first line of standard input.
    Add {
        /// Sign-in name.
        name: String,
        /// viewer, officer or admin.
        #[arg(long)]
        role: String,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Remove a user; their sessions end (a running service sees it at their next request).
    Remove {
        /// Sign-in name.
        name: String,
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// List the users and their roles.
    List {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Output format: a table or JSON on standard output, or an Excel workbook written to
    /// --out.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// The workbook to write with --format xlsx (default: the report's name, e.g.
    /// canal_length.xlsx).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The data directory.
    #[arg(long, default_value = "data")]
    data: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Xlsx,
}

/// Writes a report's workbook to `out` (or `<stem>.xlsx`) and says so.
fn write_workbook(
    book: &drainplan::export::sheet::Workbook,
    stem: &str,
    out: Option<PathBuf>,
) -> anyhow::Result<String> {
    let bytes = drainplan::export::xlsx::write(book)?;
    let path = out.unwrap_or_else(|| PathBuf::from(format!("{stem}.xlsx")));
    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(format!(
        "wrote {} ({} bytes)\n",
        path.display(),
        bytes.len()
    ))
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ImpactFormat {
    Table,
    Json,
    Geojson,
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "drainplan=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            data,
            addr,
            web,
            compact_every,
            store,
            communes,
            province,
        } => {
            // "A, B" as well as "A,B": the names themselves never start or end with a space.
            // Composed (NFC), as ingest and the generator write them: a terminal may send
            // "ệ" decomposed, which looks the same and would match no village.
            let names = |v: Vec<String>| {
                use unicode_normalization::UnicodeNormalization;
                v.into_iter().map(|s| s.trim().nfc().collect()).collect()
            };
            let filter = drainplan::store::pg::Filter {
                communes: names(communes),
                provinces: names(province),
            };
            serve(&data, &addr, web, compact_every, store.as_deref(), filter)?
        }
        Command::Migrate { data, to, from } => print!("{}", run_migrate(&data, to, from)?),
        Command::Db { command } => print!("{}", run_db(command)?),
        Command::User { command } => print!("{}", run_user(command)?),
        Command::Journal { command } => print!("{}", run_journal(command)?),
        Command::Report { report } => print!("{}", run_report(report)?),
        Command::Review {
            month,
            xlsx,
            html,
            json,
            data,
        } => print!("{}", run_review(month.as_deref(), xlsx, html, json, &data)?),
        Command::People { data } => print!("{}", run_people(&data)?),
        Command::Tasks {
            at,
            person,
            village,
            flag,
            data,
        } => print!(
            "{}",
            run_tasks(
                at.as_deref(),
                person.as_deref(),
                village.as_deref(),
                flag.as_deref(),
                &data
            )?
        ),
        Command::Impact {
            route,
            canal,
            width,
            format,
            data,
        } => print!("{}", run_impact(route, canal, width, format, &data)?),
        Command::Posting {
            canal,
            html,
            xlsx,
            width,
            data,
        } => print!("{}", run_posting(&canal, html, xlsx, width, &data)?),
        Command::Grievances { open, data } => print!("{}", run_grievances(open, &data)?),
        Command::Donations {
            incomplete,
            format,
            out,
            data,
        } => print!("{}", run_donations(incomplete, format, out, &data)?),
        Command::Hydraulics {
            canal,
            format,
            data,
        } => print!("{}", run_hydraulics(canal.as_deref(), &format, &data)?),
        Command::ImportSwmm { file, apply, data } => {
            print!("{}", run_import_swmm(&file, &data, apply)?)
        }
        Command::Compare {
            route,
            canal,
            slope,
            shape,
            section_width,
            section_depth,
            side_slope,
            lining,
            class,
            width,
            format,
            out,
            data,
        } => {
            use drainplan::analysis::hydraulics::{RouteInput, compare, compare_sheet};
            use drainplan::hydraulics::{CrossSection, ProposedSection, Shape};
            let n = route.len() + canal.len();
            if !(2..=5).contains(&n) {
                anyhow::bail!("give 2 to 5 candidates (--route FILE, --canal ID), not {n}");
            }
            let width = drainplan::analysis::route::check_width(width)?;
            let ds = load(&data)?;
            let tables = drainplan::hydraulics::Tables::for_data_dir(&data)?;
            let mut inputs = Vec::new();
            for path in &route {
                let line =
                    drainplan::export::route_from_file(path, &ds).map_err(anyhow::Error::msg)?;
                let id = path.file_stem().map_or_else(
                    || path.display().to_string(),
                    |s| s.to_string_lossy().into_owned(),
                );
                inputs.push(RouteInput {
                    id,
                    line,
                    canal_id: None,
                });
            }
            for id in &canal {
                let line = canal_route(&ds, id, &data)?;
                inputs.push(RouteInput {
                    id: id.clone(),
                    line,
                    canal_id: Some(id.clone()),
                });
            }
            let xs = match Shape::parse(&shape) {
                Some(Shape::RectangularOpen) => {
                    CrossSection::rectangular(section_width, section_depth)
                }
                Some(Shape::TrapezoidalOpen) => {
                    CrossSection::trapezoidal(section_width, section_depth, side_slope)
                }
                Some(Shape::CircularPipe) => CrossSection::circular(section_width),
                None => anyhow::bail!("--shape {shape}: give rectangular, trapezoidal or circular"),
            };
            if let Some(rule) = xs.check().first() {
                anyhow::bail!("the proposed section: {rule}");
            }
            if !(slope.is_finite() && slope > 0.0 && slope < 1.0) {
                anyhow::bail!("--slope {slope}: give a bed fall per metre in (0, 1)");
            }
            let proposed = ProposedSection {
                cross_section: xs,
                lining,
                canal_class: Some(class),
            };
            let rows = compare(
                &ds,
                &inputs,
                width,
                slope,
                &proposed,
                &tables,
                &drainplan::hydraulics::DesignOptions::default(),
            )?;
            let sheet = compare_sheet(&rows);
            match format.as_str() {
                "table" => {
                    print!(
                        "{}",
                        String::from_utf8_lossy(&sheet.to_csv()).trim_start_matches('\u{feff}')
                    );
                    println!(
                        "costs use SAMPLE unit prices (data/hydraulics/unit_prices.csv); rain constants UNVERIFIED"
                    );
                }
                "csv" | "xlsx" => {
                    let out =
                        out.ok_or_else(|| anyhow::anyhow!("--format {format} needs --out FILE"))?;
                    let bytes = if format == "csv" {
                        sheet.to_csv()
                    } else {
                        drainplan::export::xlsx::write(&drainplan::export::sheet::Workbook::new(
                            "Route options",
                            vec![sheet],
                        ))?
                    };
                    std::fs::write(&out, bytes)
                        .with_context(|| format!("writing {}", out.display()))?;
                    eprintln!("wrote {}", out.display());
                }
                other => anyhow::bail!("--format {other}: give table, csv or xlsx"),
            }
        }
        Command::Export {
            swmm: Some(path),
            data,
            ..
        } => {
            let ds = load(&data)?;
            let tables = drainplan::hydraulics::Tables::for_data_dir(&data)?;
            let text = drainplan::api::hydraulics::swmm_text(
                &ds,
                &tables,
                &drainplan::hydraulics::SwmmOptions::default(),
            )?;
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        Command::Export {
            swmm: None,
            layer,
            canal,
            route,
            format,
            crs,
            bbox,
            filters,
            hatch,
            width,
            out,
            data,
        } => {
            let target = ExportTarget::of(layer, canal, route)?;
            let options = ExportOptions {
                format,
                crs,
                bbox,
                filters,
                hatch,
                width,
            };
            write_output(run_export(target, options, &data)?, out)?;
        }
        Command::Dossier {
            canal,
            route,
            width,
            out,
            data,
        } => {
            let width = drainplan::analysis::route::check_width(width)?;
            let ds = load(&data)?;
            let (name, line, hydraulics) = match ExportTarget::of(None, canal, route)? {
                ExportTarget::Canal(id) => {
                    let line = canal_route(&ds, &id, &data)?;
                    let tables = drainplan::hydraulics::Tables::for_data_dir(&data)?;
                    let h = drainplan::analysis::hydraulics::dossier_hydraulics(
                        drainplan::api::hydraulics::inputs(&ds),
                        &tables,
                        &id,
                    )?;
                    (id, line, Some(h))
                }
                ExportTarget::Route(path) => (
                    "route".to_owned(),
                    drainplan::export::route_from_file(&path, &ds).map_err(anyhow::Error::msg)?,
                    None,
                ),
                ExportTarget::Layer(_) => anyhow::bail!("give --canal ID or --route FILE"),
            };
            let impact =
                drainplan::analysis::route_impact::route_impact_with_strips(&ds, &line, width)?;
            let output = drainplan::export::dossier::dossier_with_hydraulics(
                &ds,
                &name,
                &line,
                &impact,
                hydraulics.as_ref(),
            )?;
            write_output(output, out)?;
        }
        Command::Import {
            layer,
            from,
            crs,
            map,
            set,
            sheet,
            encoding,
            replace,
            allow_blanking,
            dry_run,
            skip_bad_rows,
            worksheet,
            data,
        } => {
            use drainplan::crs::Crs;
            use drainplan::ingest::{self, encoding::TextEncoding};
            let kind = drainplan::model::LayerKind::from_id(&layer).with_context(|| {
                format!("--layer {layer}: use villages, canals, parcels, flood_zones or households")
            })?;
            let pairs = |s: Option<String>| {
                s.map(|s| ingest::parse_pairs(&s))
                    .transpose()
                    .map_err(anyhow::Error::msg)
                    .map(Option::unwrap_or_default)
            };
            let options = ingest::ImportOptions {
                crs: crs.map(|c| Crs::parse(&c)).transpose()?,
                map: pairs(map)?,
                set: pairs(set)?,
                sheet,
                encoding: encoding.map(|e| TextEncoding::parse(&e)).transpose()?,
                replace,
                allow_blanking,
                dry_run,
                skip_bad_rows,
                worksheet,
                ..ingest::ImportOptions::new(kind)
            };
            drainplan::crs::check().context("PROJ is not usable")?;
            let report = ingest::import(&data, &from, &options)?;
            print!("{}", report.to_text());
            if !report.refused.is_empty() && !skip_bad_rows {
                anyhow::bail!(
                    "{} rows of {} refused; nothing was written",
                    report.refused.len(),
                    from.display()
                );
            }
        }
        Command::Check { data } => {
            let ds = load(&data)?;
            for kind in drainplan::model::LayerKind::ALL {
                println!(
                    "{:<12} {:>8} features",
                    kind.id(),
                    ds.layer(kind).features.len()
                );
            }
        }
        Command::Generate {
            seed,
            out,
            communes,
        } => {
            let started = std::time::Instant::now();
            let summary = drainplan::generate::generate_to_dir(
                &drainplan::generate::Params { seed, communes },
                &out,
            )
            .with_context(|| format!("generating into {}", out.display()))?;
            if communes == 1 {
                drainplan::generate::campaign::write(&out, seed).with_context(|| {
                    format!("writing the sample campaign into {}", out.display())
                })?;
            }
            print!("{summary}");
            println!(
                "\nwritten to {} in {:.1} s",
                out.display(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The people of the register of `data`, as a table.
fn run_people(data: &std::path::Path) -> anyhow::Result<String> {
    let reg = drainplan::campaign::register::Register::open(data)
        .context("reading the campaign register (campaign/)")?;
    let people = drainplan::campaign::people::all(&reg.snapshot())?;
    Ok(drainplan::cli::people_table(&people))
}

/// The tasks of the register of `data` at a date, filtered, as a table.
fn run_tasks(
    at: Option<&str>,
    person: Option<&str>,
    village: Option<&str>,
    flag: Option<&str>,
    data: &std::path::Path,
) -> anyhow::Result<String> {
    use drainplan::campaign::tasks;
    let at = match at {
        None => drainplan::model::date::today(),
        Some(s) => tasks::parse_date(s)
            .with_context(|| format!("--at {s}: give a date YYYY-MM-DD between 2000 and 2100"))?,
    };
    let flag = flag
        .map(|f| {
            tasks::Flag::parse(f).with_context(|| {
                format!("--flag {f}: use done, on_time, at_risk, late or cancelled")
            })
        })
        .transpose()?;
    let reg = drainplan::campaign::register::Register::open(data)
        .context("reading the campaign register (campaign/)")?;
    let snapshot = reg.snapshot();
    let dataset = load(data)?;
    let views: Vec<_> = tasks::evaluate_all(&snapshot, &dataset, at)?
        .into_iter()
        .filter(|v| {
            person.is_none_or(|p| tasks::people_of(&v.task).contains(p))
                && village.is_none_or(|vil| v.task.village_id.as_deref() == Some(vil))
                && flag.is_none_or(|f| v.flag == f)
        })
        .collect();
    let people = drainplan::campaign::people::all(&snapshot)?;
    Ok(drainplan::cli::tasks_table(&views, &people, at))
}

/// What a SWMM .inp would change on the canals, canal by canal; written with `apply`.
fn run_import_swmm(
    file: &std::path::Path,
    data: &std::path::Path,
    apply: bool,
) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let tables = drainplan::hydraulics::Tables::for_data_dir(data)?;
    let sections = drainplan::hydraulics::read_inp(&text, &tables)?;
    let ds = load(data)?;
    let canals = ds.layer(drainplan::model::LayerKind::Canals);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} conduits in {}",
        if apply {
            "applying"
        } else {
            "dry run (nothing is written; --apply writes)"
        },
        sections.len(),
        file.display()
    );
    let mut updates = Vec::new();
    for section in &sections {
        let id = &section.canal_id;
        let Some(f) = canals.get(id) else {
            let _ = writeln!(s, "{id}: not a canal of {}: left out", data.display());
            continue;
        };
        let now = f.properties.to_map();
        let new = drainplan::hydraulics::section_properties(section);
        let mut changes = Vec::new();
        let mut set = serde_json::Map::new();
        let mut removed = Vec::new();
        for (k, v) in &new {
            let old = now.get(k).cloned().unwrap_or(serde_json::Value::Null);
            let same = match (old.as_f64(), v.as_f64()) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * a.abs().max(1.0),
                _ => old == *v,
            };
            if !same {
                changes.push(format!("{k} {old} → {v}"));
                set.insert(k.clone(), v.clone());
            }
        }
        for k in [
            "flows_to",
            "outfall",
            "slope",
            "invert_start_m",
            "invert_end_m",
        ] {
            if now.contains_key(k) && !new.contains_key(k) {
                changes.push(format!("{k} {} → (removed)", now[k]));
                removed.push(k.to_string());
            }
        }
        if changes.is_empty() {
            let _ = writeln!(s, "{id}: unchanged");
        } else {
            let _ = writeln!(s, "{id}: {}", changes.join("; "));
            updates.push((id.clone(), set, removed));
        }
    }
    if apply {
        if updates.is_empty() {
            let _ = writeln!(s, "nothing to write");
        } else {
            let path = drainplan::ingest::update_canal_properties(data, &updates)?;
            let _ = writeln!(
                s,
                "{} canals changed; written to {} (restart `serve` to see them)",
                updates.len(),
                path.display()
            );
        }
    }
    Ok(s)
}

/// The drainage check as a table (or the API's JSON).
fn run_hydraulics(
    canal: Option<&str>,
    format: &str,
    data: &std::path::Path,
) -> anyhow::Result<String> {
    use drainplan::analysis::hydraulics::check_network;
    use std::fmt::Write as _;
    let ds = load(data)?;
    let tables = drainplan::hydraulics::Tables::for_data_dir(data)?;
    let answer = check_network(
        drainplan::api::hydraulics::inputs(&ds),
        &tables,
        &drainplan::hydraulics::DesignOptions::default(),
    )?;
    if let Some(id) = canal
        && ds
            .layer(drainplan::model::LayerKind::Canals)
            .get(id)
            .is_none()
    {
        anyhow::bail!("no canal `{id}` in {}", data.display());
    }
    let keep = |cid: &str| canal.is_none_or(|c| c == cid);
    if format == "json" {
        let v = match canal {
            Some(id) => serde_json::json!({
                "canal_id": id,
                "section": answer.section(id),
                "problems": answer.problems_of(id),
                "rain_constants_unverified": answer.rain_constants_unverified,
                "unverified_constants": answer.unverified_constants,
                "unverified_note": answer.unverified_note,
            }),
            None => serde_json::to_value(&answer)?,
        };
        return Ok(format!("{}\n", serde_json::to_string_pretty(&v)?));
    } else if format != "table" {
        anyhow::bail!("--format {format}: give table or json");
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<18} {:>5} {:>6} {:>5} {:>7} {:>6} {:>7} {:>7} {:>7} {:>5} {:>5}  verdict",
        "canal", "w m", "d m", "S ‰", "F ha", "ψ", "t min", "Q l/s", "cap l/s", "v m/s", "ratio"
    );
    for sec in answer.sections.iter().filter(|x| keep(&x.result.canal_id)) {
        let r = &sec.result;
        let _ = writeln!(
            s,
            "{:<18} {:>5.2} {:>6.2} {:>5.2} {:>7.2} {:>6.3} {:>7.1} {:>7.0} {:>7.0} {:>5.2} {:>5.2}  {}",
            r.canal_id,
            r.bottom_width_m,
            r.depth_m,
            r.slope * 1000.0,
            r.catchment_area_ha,
            r.runoff_coefficient,
            r.time_of_concentration_min,
            r.design_flow_m3s * 1000.0,
            r.capacity_m3s * 1000.0,
            r.velocity_m_s,
            r.ratio,
            serde_json::to_value(r.verdict)?
                .as_str()
                .unwrap_or_default()
        );
        if canal.is_some() {
            let _ = writeln!(s, "  {}", sec.summary);
            if !sec.flood_zones.is_empty() {
                let _ = writeln!(s, "  drains flood zones: {}", sec.flood_zones.join(", "));
            }
            if let Some(rs) = r.resize {
                let _ = writeln!(s, "  smallest that pass: {rs:?}");
            }
        }
    }
    for p in answer
        .problems
        .iter()
        .filter(|p| p.kind != "canal" || keep(&p.id))
    {
        let _ = writeln!(s, "left out: {} {}: {}", p.kind, p.id, p.problem);
    }
    let _ = writeln!(s, "rain station: {}", answer.rain_station);
    if let Some(note) = &answer.unverified_note {
        let _ = writeln!(s, "{note}");
    }
    Ok(s)
}

fn load(data: &std::path::Path) -> anyhow::Result<drainplan::store::Dataset> {
    drainplan::crs::check()
        .context("PROJ cannot build the EPSG:4326 → EPSG:9208 transformation")?;
    drainplan::store::Dataset::load(data).with_context(|| format!("loading {}", data.display()))
}

fn serve(
    data: &std::path::Path,
    addr: &str,
    web: PathBuf,
    compact_every: usize,
    pg: Option<&str>,
    filter: drainplan::store::pg::Filter,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    drainplan::crs::check()
        .context("PROJ cannot build the EPSG:4326 → EPSG:9208 transformation")?;
    let store = match pg {
        None => drainplan::store::live::Store::open(data)
            .with_context(|| format!("loading {}", data.display()))?,
        Some(url) => drainplan::store::live::Store::open_pg(url, data, filter)
            .context("loading the PostGIS store")?,
    };
    let dataset = store.snapshot();
    tracing::info!(
        parcels = dataset.parcels.features.len(),
        households = dataset.households.features.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded {}",
        data.display()
    );
    if !web.join("index.html").exists() {
        tracing::warn!(
            "{} has no index.html: the map page will not be served",
            web.display()
        );
    }
    let history = store.recent().len();
    if history > 0 {
        tracing::info!(edits = history, "replayed the edit journal");
    }
    let auth = drainplan::auth::Auth::open(data).context("reading the users")?;
    if auth.list().is_empty() {
        tracing::info!(
            "no users in {}: everyone is public; add one with `drainplan user add`",
            data.display()
        );
    }
    store.set_compact_every(compact_every);
    let tables = drainplan::hydraulics::Tables::for_data_dir(data)
        .context("reading the design tables (data/hydraulics/rain_stations.csv)")?;
    let register = match pg {
        None => drainplan::campaign::register::Register::open(data)
            .context("reading the campaign register (campaign/)")?,
        Some(url) => drainplan::campaign::register::Register::open_pg(url)
            .context("reading the campaign register from the PostGIS store")?,
    };
    let state = drainplan::api::AppState::with_store(store, auth, web)
        .with_tables(tables)
        .with_register(register);
    if state.store().is_pg() {
        let s = state.clone();
        std::thread::spawn(move || s.store().follow());
    }
    if state.store().wants_compaction() {
        // A journal grown long before this start: compact it beside serving.
        let s = state.clone();
        std::thread::spawn(move || {
            if let Err(e) = s.store().compact() {
                tracing::error!(
                    error = format!("{e:#}"),
                    "compaction failed; the journal is kept whole"
                );
            }
        });
    }
    let app = drainplan::api::app(state);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(out, "drainplan listening on http://{local}/")?;
            out.flush()?;
        }
        let limits = drainplan::api::serve::Limits {
            max_connections: drainplan::api::serve::fit_connections(
                drainplan::api::serve::Limits::default().max_connections,
            ),
            ..Default::default()
        };
        tracing::info!(
            max_connections = limits.max_connections,
            header_read_s = limits.header_read.as_secs(),
            body_read_s = drainplan::api::serve::BODY_READ_TIMEOUT.as_secs(),
            "connection limits"
        );
        drainplan::api::serve::serve(listener, app, limits, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving HTTP")
    })
}

fn run_donations(
    incomplete: bool,
    format: Format,
    out: Option<PathBuf>,
    data: &std::path::Path,
) -> anyhow::Result<String> {
    anyhow::ensure!(
        out.is_none() || format == Format::Xlsx,
        "--out is for --format xlsx; tables and JSON go to standard output"
    );
    // The data with the journal's edits: consent records are recorded as edits.
    let ds = load(data)?;
    let r = drainplan::analysis::donations::donations(&ds, true, incomplete);
    match format {
        Format::Table => Ok(drainplan::cli::donations_table(&r)),
        Format::Json => json_text(&r),
        Format::Xlsx => write_workbook(
            &drainplan::export::donations::donations(&r),
            "donations",
            out,
        ),
    }
}

fn json_text<T: serde::Serialize>(v: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}

fn run_review(
    month: Option<&str>,
    xlsx: Option<PathBuf>,
    html: Option<PathBuf>,
    json: bool,
    data: &std::path::Path,
) -> anyhow::Result<String> {
    use drainplan::analysis::review::{ReviewMonth, review};
    use drainplan::export::review as pack;
    let month = match month {
        Some(m) => ReviewMonth::parse(m.trim())?,
        None => ReviewMonth::of(drainplan::model::date::today()),
    };
    let dataset = load(data)?;
    let journal = drainplan::store::live::read_history(data)?;
    // The shell reads the data directory's files: it may name people.
    let reg = drainplan::campaign::register::Register::load_in_memory(data)?.snapshot();
    let tasks: Vec<serde_json::Value> =
        drainplan::campaign::tasks::evaluate_all(&reg, &dataset, month.last_day())?
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?;
    let people: Vec<serde_json::Value> = reg
        .records("people")
        .iter()
        .map(|r| r.value.clone())
        .collect();
    let names = drainplan::analysis::review::person_names(&people);
    let r = review(
        &dataset,
        &journal,
        month,
        &drainplan::api::reports::commune_name(&dataset),
    )?
    .with_tasks(
        &drainplan::analysis::review::task_lines(&tasks),
        Some(&names),
    );
    // What was written goes to standard error, so that --json stays JSON.
    if let Some(path) = xlsx {
        eprint!(
            "{}",
            write_workbook(&pack::workbook(&r), "review", Some(path))?
        );
    }
    if let Some(path) = html {
        let page = pack::html(&r, drainplan::model::date::today());
        std::fs::write(&path, &page).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {} ({} bytes)", path.display(), page.len());
    }
    if json {
        json_text(&r)
    } else {
        Ok(pack::text(&r))
    }
}

fn run_report(report: ReportCommand) -> anyhow::Result<String> {
    use drainplan::analysis::{canal_length, contributions, water};
    use drainplan::cli;
    use drainplan::export::reports as sheets;
    let (ReportCommand::CanalLength { common, .. }
    | ReportCommand::WaterConnection { common }
    | ReportCommand::Contributions { common, .. }) = &report;
    anyhow::ensure!(
        common.out.is_none() || common.format == Format::Xlsx,
        "--out is for --format xlsx; tables and JSON go to standard output"
    );
    match report {
        ReportCommand::CanalLength { by, common } => {
            let grouping = canal_length::Grouping::parse(&by)
                .with_context(|| format!("--by {by}: use status, village or status,village"))?;
            let data = load(&common.data)?;
            let r = canal_length::canal_length(&data, grouping)?;
            match common.format {
                Format::Table => Ok(cli::canal_length_table(&r)),
                Format::Json => json_text(&r),
                Format::Xlsx => {
                    write_workbook(&sheets::canal_length(&r), "canal_length", common.out)
                }
            }
        }
        ReportCommand::WaterConnection { common } => {
            let data = load(&common.data)?;
            let r = water::water_connection(&data, &drainplan::api::reports::commune_name(&data));
            match common.format {
                Format::Table => Ok(cli::water_table(&r)),
                Format::Json => json_text(&r),
                Format::Xlsx => write_workbook(
                    &sheets::water_connection(&r),
                    "water_connection",
                    common.out,
                ),
            }
        }
        ReportCommand::Contributions {
            kind,
            village,
            width,
            common,
        } => {
            let kind = kind
                .map(|k| {
                    contributions::Kind::parse(&k)
                        .with_context(|| format!("--kind {k}: use land, labour or money"))
                })
                .transpose()?;
            let width = drainplan::analysis::route::check_width(width)?;
            let data = load(&common.data)?;
            let r = contributions::contributions(&data, kind, village.as_deref(), width)?;
            match common.format {
                Format::Table => Ok(cli::contributions_table(&r)),
                Format::Json => json_text(&r),
                Format::Xlsx => {
                    write_workbook(&sheets::contributions(&r), "contributions", common.out)
                }
            }
        }
    }
}

fn run_impact(
    route: Option<PathBuf>,
    canal: Option<String>,
    width: f64,
    format: ImpactFormat,
    data_dir: &std::path::Path,
) -> anyhow::Result<String> {
    use drainplan::analysis::route as r;
    use drainplan::analysis::route_impact::{route_impact, route_impact_with_strips};
    let width = r::check_width(width)?;
    let data = load(data_dir)?;
    let line = match (route, canal) {
        (Some(path), _) => r::route_from_file(&path, &data).map_err(anyhow::Error::msg)?,
        (None, Some(id)) => match data.canals.get(&id).map(|f| &f.geometry) {
            Some(geo::Geometry::LineString(l)) => l.clone(),
            _ => anyhow::bail!("no canal `{id}` in {}", data_dir.display()),
        },
        (None, None) => anyhow::bail!("give --route FILE or --canal ID"),
    };
    let impact = if matches!(format, ImpactFormat::Geojson) {
        route_impact_with_strips(&data, &line, width)?
    } else {
        route_impact(&data, &line, width)?
    };
    Ok(match format {
        ImpactFormat::Table => drainplan::cli::impact_table(&impact),
        ImpactFormat::Json => json_text(&impact.to_json()?)?,
        ImpactFormat::Geojson => json_text(&impact.to_geojson())?,
    })
}

fn run_posting(
    canal: &str,
    html: Option<PathBuf>,
    xlsx: Option<PathBuf>,
    width: f64,
    data_dir: &std::path::Path,
) -> anyhow::Result<String> {
    use drainplan::analysis::{posting, route_impact::route_impact};
    let width = drainplan::analysis::route::check_width(width)?;
    let data = load(data_dir)?;
    let line = match data.canals.get(canal).map(|f| &f.geometry) {
        Some(geo::Geometry::LineString(l)) => l.clone(),
        _ => anyhow::bail!("no canal `{canal}` in {}", data_dir.display()),
    };
    let register = drainplan::campaign::register::Register::open(data_dir)
        .context("reading the campaign register (campaign/)")?;
    let latest = drainplan::campaign::postings::latest(&register.snapshot(), canal)?;
    let impact = route_impact(&data, &line, width)?;
    let list = posting::posting_list(&data, canal, &impact, latest);
    let mut out = drainplan::cli::posting_table(&list);
    if let Some(path) = html {
        std::fs::write(&path, drainplan::export::posting::html(&list))
            .with_context(|| format!("writing {}", path.display()))?;
        out.push_str(&format!("A4 page written to {}\n", path.display()));
    }
    if let Some(path) = xlsx {
        let bytes = drainplan::export::xlsx::write(&drainplan::export::posting::workbook(&list))?;
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        out.push_str(&format!("Workbook written to {}\n", path.display()));
    }
    Ok(out)
}

fn run_grievances(open: bool, data_dir: &std::path::Path) -> anyhow::Result<String> {
    let register = drainplan::campaign::register::Register::open(data_dir)
        .context("reading the campaign register (campaign/)")?;
    let all = drainplan::campaign::grievances::all(&register.snapshot())?;
    let rows: Vec<_> = all
        .iter()
        .map(|g| &g.record)
        .filter(|g| !open || g.fields.status.is_open())
        .collect();
    Ok(drainplan::cli::grievances_table(&rows))
}

/// What `drainplan export` writes.
enum ExportTarget {
    Layer(String),
    Canal(String),
    Route(PathBuf),
}

impl ExportTarget {
    fn of(
        layer: Option<String>,
        canal: Option<String>,
        route: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        match (layer, canal, route) {
            (Some(l), None, None) => Ok(ExportTarget::Layer(l)),
            (None, Some(c), None) => Ok(ExportTarget::Canal(c)),
            (None, None, Some(r)) => Ok(ExportTarget::Route(r)),
            _ => anyhow::bail!("give one of --layer NAME, --canal ID or --route FILE"),
        }
    }
}

struct ExportOptions {
    format: String,
    crs: Option<String>,
    bbox: Option<String>,
    filters: Vec<String>,
    hatch: bool,
    width: f64,
}

fn canal_route(
    ds: &drainplan::store::Dataset,
    id: &str,
    dir: &std::path::Path,
) -> anyhow::Result<geo::LineString> {
    match ds.canals.get(id).map(|f| &f.geometry) {
        Some(geo::Geometry::LineString(l)) => Ok(l.clone()),
        _ => anyhow::bail!("no canal `{id}` in {}", dir.display()),
    }
}

fn run_export(
    target: ExportTarget,
    o: ExportOptions,
    data_dir: &std::path::Path,
) -> anyhow::Result<drainplan::export::Output> {
    use drainplan::crs::Crs;
    use drainplan::export::{self, Format};
    let format = Format::parse(&o.format)?;
    let crs = match o.crs {
        Some(c) => Crs::parse(&c)?,
        None => format.default_crs(),
    };
    let width = drainplan::analysis::route::check_width(o.width)?;
    let mut sel = drainplan::store::query::Selection::default();
    if let Some(b) = &o.bbox {
        sel.bbox = Some(
            drainplan::api::ogc::items::parse_bbox(b, drainplan::crs::Crs::Wgs84)
                .map_err(|e| anyhow::anyhow!("--bbox: {e}"))?,
        );
    }
    for f in &o.filters {
        sel.equals
            .push(export::parse_where(f).map_err(anyhow::Error::msg)?);
    }
    anyhow::ensure!(
        !o.hatch || format == Format::Dxf,
        "--hatch fills polygons in a drawing: it goes with --format dxf"
    );
    let layer_only = |what: &str| -> anyhow::Result<()> {
        anyhow::ensure!(
            o.bbox.is_none() && o.filters.is_empty(),
            "--bbox and --where select features of a --layer, not of {what}"
        );
        anyhow::ensure!(!o.hatch, "--hatch is for a --layer, not for {what}");
        Ok(())
    };
    let ds = load(data_dir)?;
    Ok(match target {
        ExportTarget::Layer(name) => {
            let kind = drainplan::model::LayerKind::from_id(&name).with_context(|| {
                format!(
                    "--layer {name}: use one of {}",
                    drainplan::model::LayerKind::ALL.map(|k| k.id()).join(", ")
                )
            })?;
            let mut table = export::layer_table(&ds, kind, &sel);
            table.hatch = o.hatch;
            export::export(&table, format, crs)?
        }
        ExportTarget::Canal(id) => {
            layer_only("--canal")?;
            let line = canal_route(&ds, &id, data_dir)?;
            let impact =
                drainplan::analysis::route_impact::route_impact_with_strips(&ds, &line, width)?;
            export::impact_output(&impact, format, crs)?
        }
        ExportTarget::Route(path) => {
            layer_only("--route")?;
            let line = export::route_from_file(&path, &ds).map_err(anyhow::Error::msg)?;
            let impact =
                drainplan::analysis::route_impact::route_impact_with_strips(&ds, &line, width)?;
            export::impact_output(&impact, format, crs)?
        }
    })
}

fn write_output(output: drainplan::export::Output, out: Option<PathBuf>) -> anyhow::Result<()> {
    let path = out.unwrap_or_else(|| PathBuf::from(&output.file_name));
    std::fs::write(&path, &output.bytes).with_context(|| format!("writing {}", path.display()))?;
    println!(
        "wrote {} ({} bytes, {})",
        path.display(),
        output.bytes.len(),
        output.crs.title()
    );
    Ok(())
}

fn run_journal(command: JournalCommand) -> anyhow::Result<String> {
    match command {
        JournalCommand::Compact { data } => {
            let store = drainplan::store::live::Store::open(&data)
                .with_context(|| format!("loading {}", data.display()))?;
            match store.compact()? {
                Some(s) => Ok(format!(
                    "snapshot of edits up to {} in {}; their journal entries are in {}\n",
                    s.seq,
                    data.join(&s.dir).display(),
                    data.join(drainplan::store::snapshot::HISTORY).display()
                )),
                None => Ok("nothing to compact: the journal holds no edit\n".into()),
            }
        }
        JournalCommand::Cut { line, data } => {
            let (kept, bytes) = drainplan::store::journal::cut_at_line(&data, line)?;
            Ok(format!(
                "journal cut before line {line}: {bytes} bytes moved to {}\n",
                kept.display()
            ))
        }
    }
}

fn run_migrate(
    data: &std::path::Path,
    to: Option<String>,
    from: Option<String>,
) -> anyhow::Result<String> {
    use drainplan::store::pg::migrate;
    let summary = match (to, from) {
        (Some(url), None) => migrate::to_pg(data, &url)
            .with_context(|| format!("moving {} into the database", data.display()))?,
        (None, Some(url)) => migrate::from_pg(&url, data)
            .with_context(|| format!("writing the database into {}", data.display()))?,
        _ => anyhow::bail!("give either --to URL (into the database) or --from URL (out of it)"),
    };
    Ok(format!("moved {summary}\n"))
}

fn run_db(command: DbCommand) -> anyhow::Result<String> {
    match command {
        DbCommand::AddOfficer { name, store } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            anyhow::ensure!(!password.is_empty(), "give the password on standard input");
            drainplan::store::pg::migrate::add_officer(&store, &name, password)?;
            Ok(format!("{name}: an officer's database role\n"))
        }
    }
}

fn run_user(command: UserCommand) -> anyhow::Result<String> {
    use drainplan::auth::{Auth, Role};
    match command {
        UserCommand::Add { name, role, data } => {
            let role = Role::parse(&role)
                .filter(|r| *r != Role::Public)
                .with_context(|| format!("--role {role}: use viewer, officer or admin"))?;
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let auth = Auth::open(&data)?;
            auth.set_user(&name, role, password)?;
            Ok(format!("{name}: {}\n", role.as_str()))
        }
        UserCommand::Remove { name, data } => {
            Auth::open(&data)?.remove_user(&name)?;
            Ok(format!("{name}: removed\n"))
        }
        UserCommand::List { data } => Ok(Auth::open(&data)?
            .list()
            .into_iter()
            .map(|(name, role)| format!("{name}\t{}\n", role.as_str()))
            .collect()),
    }
}
