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
        /// (about 3 700 parcels each) for benchmarks.
        #[arg(long, default_value_t = 1)]
        communes: u32,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "drainplan=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Check { data } => {
            let ds = drainplan::store::Dataset::load(&data)
                .with_context(|| format!("loading {}", data.display()))?;
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
