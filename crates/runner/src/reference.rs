//! The reference suite: the papers' central claims, measured at this scale with the
//! presets of `bioplay_engine::experiment::presets`, printed as one table (each claim, our
//! number, the paper's, and whether it held). `bioplay reference --quick` is what
//! `make reproduce` runs.

use std::path::Path;
use std::time::Instant;

use bioplay_engine::experiment::presets::{self, ContinualMethod, OjaSetting};
use bioplay_engine::experiment::{ExperimentConfig, ExperimentResult};

use crate::{RunnerError, execute};

/// One claim and what we measured.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The claim, in words.
    pub claim: String,
    /// Our number(s).
    pub ours: String,
    /// The paper's number(s) or statement.
    pub paper: String,
    /// Whether our numbers support it.
    pub held: bool,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn imp_claims(result: &ExperimentResult) -> Vec<Claim> {
    let ExperimentResult::Imp(r) = result else {
        return Vec::new();
    };
    let (Some(dense), Some(last)) = (r.rounds.first(), r.rounds.last()) else {
        return Vec::new();
    };
    let dense_acc = dense.series[0].fit.final_accuracy;
    let ticket = last.series[0].fit.final_accuracy;
    let control = last
        .series
        .get(1)
        .map_or(f64::NAN, |s| s.fit.final_accuracy);
    vec![
        Claim {
            claim: format!(
                "IMP: a winning ticket with {} of the weights matches the dense LeNet-300-100 (within 1 point)",
                pct(last.remaining)
            ),
            ours: format!("dense {}, ticket {}", pct(dense_acc), pct(ticket)),
            paper:
                "~98% dense; tickets match it down to ~3.6% weights (Frankle & Carbin); Bain: ~3%"
                    .into(),
            held: ticket >= dense_acc - 0.01,
        },
        Claim {
            claim: format!(
                "IMP: at {} weights, rewinding to the original init beats random re-init",
                pct(last.remaining)
            ),
            ours: format!("rewind {}, random re-init {}", pct(ticket), pct(control)),
            paper: "random re-init degrades well before ~3.6% (Frankle & Carbin)".into(),
            held: ticket > control,
        },
    ]
}

fn noise_claims(result: &ExperimentResult) -> Vec<Claim> {
    let ExperimentResult::Noise(r) = result else {
        return Vec::new();
    };
    let remaining = r.seeds.first().map_or(f64::NAN, |s| s.sparse.remaining);
    let sparse_better = r.auc_test.significant(0.05) && r.auc_test.mean_difference > 0.0;
    vec![Claim {
        claim: format!(
            "Noise: IMP sparsity ({} weights) alone does not make LeNet-300-100 more robust to Gaussian noise (sigma 0-1)",
            pct(remaining)
        ),
        ours: format!(
            "mean accuracy over sigma: dense {}, sparse {} (diff {:+.2} pts, p = {:.3}, {} seeds)",
            pct(r.dense.auc_mean),
            pct(r.sparse.auc_mean),
            100.0 * r.auc_test.mean_difference,
            r.auc_test.p_value,
            r.auc_test.n
        ),
        paper: "no consistent advantage for sparse networks (Bain, impulse noise, 8 runs)".into(),
        held: !sparse_better,
    }]
}

fn continual_claims(results: &[(ContinualMethod, ExperimentResult)], tasks: usize) -> Vec<Claim> {
    let get = |m: ContinualMethod| {
        results.iter().find_map(|(method, r)| match r {
            ExperimentResult::Continual(c) if *method == m => Some(c),
            _ => None,
        })
    };
    let (Some(dense), Some(kwta), Some(sparse), Some(ad)) = (
        get(ContinualMethod::Dense),
        get(ContinualMethod::Kwta),
        get(ContinualMethod::KwtaSparse),
        get(ContinualMethod::DendritesKwtaSparse),
    ) else {
        return Vec::new();
    };
    let line = |c: &bioplay_engine::experiment::continual::ContinualResult| {
        format!(
            "{} (forgetting {})",
            pct(c.average_accuracy),
            pct(c.forgetting)
        )
    };
    vec![
        Claim {
            claim: format!(
                "Continual, permuted MNIST, {tasks} tasks: k-WTA + weight sparsity forget less than a dense MLP"
            ),
            ours: format!(
                "dense {}; k-WTA {}; k-WTA + sparsity {}",
                line(dense),
                line(kwta),
                line(sparse)
            ),
            paper: "10 tasks: dense MLP 82.0%, k-WTA + sparsity 91.3% (Iyer et al.)".into(),
            held: sparse.average_accuracy > dense.average_accuracy,
        },
        Claim {
            claim: format!(
                "Continual, permuted MNIST, {tasks} tasks: active dendrites + k-WTA + sparsity is the best of the four"
            ),
            ours: format!("dendrites + k-WTA + sparsity {}", line(ad)),
            paper: "10 tasks: 94.6% with dendrites (Iyer et al.); Bain ~0.3 pts lower".into(),
            held: ad.average_accuracy
                > dense
                    .average_accuracy
                    .max(kwta.average_accuracy)
                    .max(sparse.average_accuracy),
        },
    ]
}

fn oja_claim(setting: OjaSetting, result: &ExperimentResult) -> Option<Claim> {
    let ExperimentResult::Plasticity(r) = result else {
        return None;
    };
    let show = |run: &bioplay_engine::experiment::plasticity::PlasticityRun| match run.diverged_at {
        Some(step) => format!("diverged at step {step}"),
        None => pct(run.fit.final_accuracy),
    };
    let score = |run: &bioplay_engine::experiment::plasticity::PlasticityRun| {
        if run.diverged_at.is_some() {
            -1.0
        } else {
            run.fit.final_accuracy
        }
    };
    Some(Claim {
        claim: format!("Oja: adding Oja's rule to backprop helps, {}", setting.label()),
        ours: format!("BP {}, BP+Oja {}", show(&r.backprop), show(&r.oja)),
        paper: "BP+Oja substantially better in this setting (Shervani-Tabar et al.; no numbers published)".into(),
        held: score(&r.oja) > score(&r.backprop),
    })
}

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
    let imp = step(presets::imp_lenet(quick), "imp")?;
    claims.extend(imp_claims(&imp));
    let noise = step(presets::noise_lenet(quick), "noise")?;
    claims.extend(noise_claims(&noise));
    let tasks = 5;
    let mut continual = Vec::new();
    for method in ContinualMethod::ALL {
        let stem = format!(
            "continual-{}",
            method.label().replace([' ', '+'], "-").replace("--", "-")
        );
        continual.push((
            method,
            step(presets::continual_permuted(method, tasks, quick), &stem)?,
        ));
    }
    claims.extend(continual_claims(&continual, tasks));
    for setting in OjaSetting::ALL {
        let stem = format!("oja-{setting:?}").to_lowercase();
        let result = step(presets::plasticity(setting, quick), &stem)?;
        claims.extend(oja_claim(setting, &result));
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
