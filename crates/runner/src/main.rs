//! `bioplay`: the native command-line runner over the experiment engine.
//!
//! The same engine code as the web app, run outside the browser so results can be
//! reproduced and compared. Today it checks a device with the engine's autodiff probe;
//! experiment commands arrive with the engine.

use std::process::ExitCode;

use bioplay_engine::device::{self, BackendKind};
use bioplay_engine::probe;
use clap::{Parser, Subcommand};

/// Runs bioplay experiments natively.
#[derive(Debug, Parser)]
#[command(name = "bioplay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checks a compute backend with a small autodiff computation against its exact answer.
    Probe {
        /// Backend to check: `cpu` (Burn's flex backend).
        #[arg(long, default_value = "cpu")]
        backend: BackendKind,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("backend {0} is not available in the native runner yet; use cpu")]
    Unsupported(BackendKind),
    #[error(transparent)]
    Probe(#[from] probe::ProbeError),
    #[error("could not write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the probe is off by {0:.1e}, more than the allowed {1:.0e}")]
    Mismatch(f64, f64),
}

fn run(cli: Cli) -> Result<(), RunError> {
    match cli.command {
        Command::Probe { backend, json } => {
            let device = match backend {
                BackendKind::Cpu => device::cpu().autodiff(),
                other => return Err(RunError::Unsupported(other)),
            };
            let report = pollster::block_on(probe::run(&device))?;
            let error = report.max_abs_diff(&probe::expected());
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{backend}: loss {:.6}, gradient sum {:.6}, max error vs exact {error:.1e}, {:.1} ms",
                    report.loss,
                    report.grad_sum(),
                    report.elapsed_ms
                );
            }
            if error > probe::AGREEMENT_TOLERANCE {
                return Err(RunError::Mismatch(error, probe::AGREEMENT_TOLERANCE));
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
