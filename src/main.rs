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
    /// Check a data directory and print what it holds.
    Check {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
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
    let dataset = load(data)?;
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
    let app = drainplan::api::app(drainplan::api::AppState::new(dataset, web));
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
