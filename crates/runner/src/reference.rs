//! The reference suite: the papers' central claims, measured at this scale with the
//! presets of `bioplay_engine::experiment::presets`, printed as one table (each claim, our
//! number, the paper's, and whether it held). `bioplay reference --quick` is what
//! `make reproduce` runs.

use std::path::Path;
use std::time::Instant;

use bioplay_engine::experiment::claims::{self, Claim};
use bioplay_engine::experiment::presets::{self, OjaSetting};
use bioplay_engine::experiment::{ExperimentConfig, ExperimentResult};

use crate::{RunnerError, execute};

/// Runs the suite; saves every result under `out`; returns the claims.
pub fn run_suite(
    quick: bool,
    data_dir: &Path,
    out: &Path,
    quiet: bool,
) -> Result<Vec<Claim>, RunnerError> {
    let start = Instant::now();
    let mut claims = Vec::new();
    let step = |config: ExperimentConfig, stem: &str| -> Result<ExperimentResult, RunnerError> {
        let t = Instant::now();
        let result = execute(&config, data_dir, None, out, stem, quiet)?;
        if !quiet {
            eprintln!("  {stem}: {:.0} s", t.elapsed().as_secs_f64());
        }
        Ok(result)
    };
    if let ExperimentResult::Imp(r) = step(presets::imp_lenet(quick), "imp")? {
        claims.extend(claims::imp(&r));
    }
    if let ExperimentResult::Noise(r) = step(presets::noise_lenet(quick), "noise")? {
        claims.extend(claims::noise(&r));
    }
    let tasks = 5;
    let mut continual = Vec::new();
    for method in presets::continual_reference_methods(quick) {
        for seed in presets::continual_seeds(quick) {
            let slug: Vec<&str> = method
                .label()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let stem = format!("continual-{}-seed{seed}", slug.join("-").to_lowercase());
            let mut config = presets::continual_permuted(method, tasks, quick);
            config.seed = seed;
            if let ExperimentResult::Continual(r) = step(config, &stem)? {
                continual.push((method, r));
            }
        }
    }
    let pairs: Vec<_> = continual.iter().map(|(m, r)| (*m, r)).collect();
    claims.extend(claims::continual(&pairs));
    for setting in OjaSetting::ALL {
        let stem = format!("oja-{setting:?}").to_lowercase();
        if let ExperimentResult::Plasticity(r) = step(presets::plasticity(setting, quick), &stem)? {
            claims.push(claims::oja(Some(setting), &r));
        }
    }
    if !quiet {
        eprintln!("reference suite: {:.0} s", start.elapsed().as_secs_f64());
    }
    Ok(claims)
}

/// The claims as a Markdown table.
pub fn table(claims: &[Claim]) -> String {
    let mut out = String::from("| claim | ours | paper | held |\n|---|---|---|---|\n");
    for c in claims {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            c.claim,
            c.ours,
            c.paper,
            if c.held { "yes" } else { "no" }
        ));
    }
    out
}
