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
    }
    Ok(())
}
