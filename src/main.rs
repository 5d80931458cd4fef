//! The drainplan command line.

use std::path::PathBuf;

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
    },
    /// Print a report: canal-length, water-connection or contributions.
    Report {
        #[command(subcommand)]
        report: ReportCommand,
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
    /// Manage the users who may sign in (stored in DATA/users.json, passwords argon2-hashed).
    User {
        #[command(subcommand)]
        command: UserCommand,
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
    /// List the users and their roles.
    List {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// The data directory.
    #[arg(long, default_value = "data")]
    data: PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
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
        Command::Serve { data, addr, web } => serve(&data, &addr, web)?,
        Command::User { command } => print!("{}", run_user(command)?),
        Command::Report { report } => print!("{}", run_report(report)?),
        Command::Impact {
            route,
            canal,
            width,
            format,
            data,
        } => print!("{}", run_impact(route, canal, width, format, &data)?),
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

fn load(data: &std::path::Path) -> anyhow::Result<drainplan::store::Dataset> {
    drainplan::crs::check()
        .context("PROJ cannot build the EPSG:4326 → EPSG:9208 transformation")?;
    drainplan::store::Dataset::load(data).with_context(|| format!("loading {}", data.display()))
}

fn serve(data: &std::path::Path, addr: &str, web: PathBuf) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    drainplan::crs::check()
        .context("PROJ cannot build the EPSG:4326 → EPSG:9208 transformation")?;
    let store = drainplan::store::live::Store::open(data)
        .with_context(|| format!("loading {}", data.display()))?;
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
    let history = store.history().len();
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
    let app = drainplan::api::app(drainplan::api::AppState::with_store(store, auth, web));
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
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving HTTP")
    })
}

fn json_text<T: serde::Serialize>(v: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}

fn run_report(report: ReportCommand) -> anyhow::Result<String> {
    use drainplan::analysis::{canal_length, contributions, water};
    use drainplan::cli;
    match report {
        ReportCommand::CanalLength { by, common } => {
            let grouping = canal_length::Grouping::parse(&by)
                .with_context(|| format!("--by {by}: use status, village or status,village"))?;
            let data = load(&common.data)?;
            let r = canal_length::canal_length(&data, grouping)?;
            match common.format {
                Format::Table => Ok(cli::canal_length_table(&r)),
                Format::Json => json_text(&r),
            }
        }
        ReportCommand::WaterConnection { common } => {
            let data = load(&common.data)?;
            let r = water::water_connection(&data, &drainplan::api::reports::commune_name(&data));
            match common.format {
                Format::Table => Ok(cli::water_table(&r)),
                Format::Json => json_text(&r),
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
    use drainplan::analysis::{route as r, route_impact::route_impact};
    let width = r::check_width(width)?;
    let data = load(data_dir)?;
    let line = match (route, canal) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let mut value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            // A FeatureCollection saved by a desktop GIS: take its single feature.
            if value["type"] == "FeatureCollection" {
                let features = value["features"].as_array().cloned().unwrap_or_default();
                anyhow::ensure!(
                    features.len() == 1,
                    "{}: a FeatureCollection route must hold exactly one feature, found {}",
                    path.display(),
                    features.len()
                );
                value = features[0].clone();
            }
            r::parse_route(&value, &data).with_context(|| path.display().to_string())?
        }
        (None, Some(id)) => match data.canals.get(&id).map(|f| &f.geometry) {
            Some(geo::Geometry::LineString(l)) => l.clone(),
            _ => anyhow::bail!("no canal `{id}` in {}", data_dir.display()),
        },
        (None, None) => anyhow::bail!("give --route FILE or --canal ID"),
    };
    let impact = route_impact(&data, &line, width)?;
    Ok(match format {
        ImpactFormat::Table => drainplan::cli::impact_table(&impact),
        ImpactFormat::Json => json_text(&impact.to_json())?,
        ImpactFormat::Geojson => json_text(&impact.to_geojson())?,
    })
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
        UserCommand::List { data } => Ok(Auth::open(&data)?
            .list()
            .into_iter()
            .map(|(name, role)| format!("{name}\t{}\n", role.as_str()))
            .collect()),
    }
}
