//! The reference suite: the papers' central claims, measured at this scale with the
//! presets of `bioplay_engine::experiment::presets`, printed as one table (each claim, our
//! number, the paper's, and whether it held). `bioplay reference --quick` is what
//! `make reproduce` runs.

use std::path::Path;
use std::time::Instant;

use bioplay_engine::experiment::claims::{self, Claim};
use bioplay_engine::experiment::presets::{self, CnnMethod, OjaSetting};
use bioplay_engine::experiment::{ExperimentConfig, ExperimentResult};

use crate::{RunnerError, execute};

/// Runs the suite; saves every result under `out`; returns the claims.
pub(crate) fn run_suite(
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
    if let ExperimentResult::Noise(r) = step(presets::noise_impulse(quick), "noise-impulse")? {
        claims.extend(claims::noise(&r));
    }
    let tasks = 5;
    let mut continual = Vec::new();
    for method in presets::continual_reference_methods(quick) {
        for seed in presets::continual_seeds(quick) {
            let stem = format!("continual-{}-seed{seed}", slug(method.label()));
            let mut config = presets::continual_permuted(method, tasks, quick);
            config.seed = seed;
            if let ExperimentResult::Continual(r) = step(config, &stem)? {
                continual.push((method, r));
            }
        }
    }
    let pairs: Vec<_> = continual.iter().map(|(m, r)| (*m, r)).collect();
    claims.extend(claims::continual(&pairs));
    if !quick {
        // The same claims with each method's own recipe (presets::continual_tuned); a
        // method that keeps the shared recipe reuses its shared runs.
        let mut tuned = Vec::new();
        for method in presets::continual_reference_methods(quick) {
            if method.tuned_recipe().is_none() {
                tuned.extend(continual.iter().filter(|(m, _)| *m == method).cloned());
                continue;
            }
            for seed in presets::continual_seeds(quick) {
                let stem = format!("continual-tuned-{}-seed{seed}", slug(method.label()));
                let mut config = presets::continual_tuned(method, tasks, quick);
                config.seed = seed;
                if let ExperimentResult::Continual(r) = step(config, &stem)? {
                    tuned.push((method, r));
                }
            }
        }
        let pairs: Vec<_> = tuned.iter().map(|(m, r)| (*m, r)).collect();
        for mut c in claims::continual(&pairs) {
            c.claim = format!("{} (each method's tuned recipe)", c.claim);
            claims.push(c);
        }

        // The CNN sequence takes four minutes even at its smallest useful size (94 steps
        // per task), which would take the quick suite past its 15 minutes; its quick
        // preset is `bioplay preset continual-cnn --quick` (docs/science.md).
        let mut cnn = Vec::new();
        for method in CnnMethod::ALL {
            let stem = format!("continual-cnn-{}", slug(method.label()));
            if let ExperimentResult::Continual(r) =
                step(presets::continual_split_cnn(method, quick), &stem)?
            {
                cnn.push((method, r));
            }
        }
        let pairs: Vec<_> = cnn.iter().map(|(m, r)| (*m, r)).collect();
        claims.extend(claims::continual_cnn(&pairs));
    }
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

/// A label as a file-name stem: `k-WTA + sparsity` -> `k-wta-sparsity`.
fn slug(label: &str) -> String {
    let words: Vec<&str> = label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.join("-").to_lowercase()
}

/// The claims as a Markdown table.
pub(crate) fn table(claims: &[Claim]) -> String {
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
