//! The papers' central claims as checks on results: each [`Claim`] says what the paper
//! found, what this run measured, and whether the run agrees. The reference suite
//! (`bioplay reference`) prints them as a table, and each panel of the app shows the line
//! for its run, so the two can never disagree about what "reproduces" means.
//! docs/science.md, "Reference results", lists them with the measured numbers.

use super::continual::ContinualResult;
use super::imp::ImpResult;
use super::noise::NoiseResult;
use super::plasticity::{PlasticityResult, PlasticityRun};
use super::presets::{CnnMethod, ContinualMethod, OjaSetting};
use crate::data::NoiseKind;

/// One claim and what a run measured.
#[derive(Debug, Clone, PartialEq)]
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

impl Claim {
    /// The claim as one line for a panel: what the paper found and whether this run agrees.
    pub fn line(&self) -> String {
        let verdict = if self.held {
            "this run agrees"
        } else {
            "this run does not agree"
        };
        format!(
            "Paper: {} — {verdict} ({}).",
            self.paper.trim_end_matches('.'),
            self.ours
        )
    }
}

/// The margin in average accuracy by which a continual-learning method must beat the
/// dense network to count as reducing forgetting (Iyer et al. report 9 to 12 points at
/// 10 tasks; the issue that set this bar asks for 5 at 5 tasks).
pub const CONTINUAL_MARGIN: f64 = 0.05;

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// IMP: the ticket matches the dense network at the last round, and beats the random
/// re-initialisation control when there is one.
pub fn imp(r: &ImpResult) -> Vec<Claim> {
    let (Some(dense), Some(last)) = (r.rounds.first(), r.rounds.last()) else {
        return Vec::new();
    };
    let (Some(dense_fit), Some(ticket_fit)) = (dense.series.first(), last.series.first()) else {
        return Vec::new();
    };
    let dense_acc = dense_fit.fit.final_accuracy;
    let ticket = ticket_fit.fit.final_accuracy;
    let mut claims = vec![Claim {
        claim: format!(
            "IMP: a winning ticket with {} of the weights matches the dense network (within 1 point)",
            pct(last.remaining)
        ),
        ours: format!(
            "dense {}, ticket at {} weights {}",
            pct(dense_acc),
            pct(last.remaining),
            pct(ticket)
        ),
        paper: "tickets match the dense network down to ~3.6% of the weights (Frankle & Carbin); Bain: ~3%"
            .into(),
        held: ticket >= dense_acc - 0.01,
    }];
    if let Some(control) = last.series.get(1) {
        let control = control.fit.final_accuracy;
        claims.push(Claim {
            claim: format!(
                "IMP: at {} weights, rewinding to the original init beats random re-init",
                pct(last.remaining)
            ),
            ours: format!("rewind {}, control {}", pct(ticket), pct(control)),
            paper: "random re-initialisation degrades well before ~3.6% (Frankle & Carbin)".into(),
            held: ticket > control,
        });
    }
    claims
}

/// Noise: IMP sparsity alone gives no significant robustness advantage, under Gaussian
/// noise or Bain's impulse noise.
pub fn noise(r: &NoiseResult) -> Vec<Claim> {
    let remaining = r.seeds.first().map_or(f64::NAN, |s| s.sparse.remaining);
    let sparse_better = r.auc_test.significant(0.05) && r.auc_test.mean_difference > 0.0;
    vec![Claim {
        claim: format!(
            "Noise ({}): IMP sparsity ({} weights) alone does not make the network more robust",
            r.noise.label(),
            pct(remaining)
        ),
        ours: format!(
            "mean accuracy over the sweep: dense {}, sparse {} (diff {:+.2} pts, p = {:.3}, {} seeds)",
            pct(r.dense.auc_mean),
            pct(r.sparse.auc_mean),
            100.0 * r.auc_test.mean_difference,
            r.auc_test.p_value,
            r.auc_test.n
        ),
        paper: match r.noise {
            NoiseKind::Gaussian => "no consistent advantage for sparse networks (Bain, 8 runs)",
            NoiseKind::Impulse => {
                "impulse noise f = 0..0.5: no consistent ranking of dense and sparse (Bain, 8 runs)"
            }
        }
        .into(),
        held: !sparse_better,
    }]
}

/// One method's continual-learning results, averaged over the seeds it ran with.
#[derive(Debug, Clone, Copy, PartialEq)]
struct MethodMean {
    average_accuracy: f64,
    forgetting: f64,
    seeds: usize,
    tasks: usize,
}

impl MethodMean {
    fn of(
        results: &[(ContinualMethod, &ContinualResult)],
        method: ContinualMethod,
    ) -> Option<Self> {
        let runs: Vec<&ContinualResult> = results
            .iter()
            .filter(|(m, _)| *m == method)
            .map(|(_, r)| *r)
            .collect();
        let n = runs.len();
        (n > 0).then(|| MethodMean {
            average_accuracy: runs.iter().map(|r| r.average_accuracy).sum::<f64>() / n as f64,
            forgetting: runs.iter().map(|r| r.forgetting).sum::<f64>() / n as f64,
            seeds: n,
            tasks: runs[0].tasks,
        })
    }
}

fn continual_line(c: &MethodMean) -> String {
    let seeds = if c.seeds > 1 {
        format!(", mean of {} seeds", c.seeds)
    } else {
        String::new()
    };
    format!(
        "{} (forgetting {}{seeds})",
        pct(c.average_accuracy),
        pct(c.forgetting)
    )
}

/// Continual learning: k-WTA + sparsity, and dendrites + k-WTA + sparsity, each keep a
/// higher average accuracy than the dense network by [`CONTINUAL_MARGIN`], and dendrites
/// forget least. `results` are (method, result) pairs of one task sequence, several per
/// method when it ran with several seeds (then the claims judge the seed means); claims
/// whose methods are missing are left out.
pub fn continual(results: &[(ContinualMethod, &ContinualResult)]) -> Vec<Claim> {
    let get = |m: ContinualMethod| MethodMean::of(results, m);
    let Some(dense) = get(ContinualMethod::Dense) else {
        return Vec::new();
    };
    let tasks = dense.tasks;
    let mut claims = Vec::new();
    if let Some(sparse) = get(ContinualMethod::KwtaSparse) {
        claims.push(Claim {
            claim: format!(
                "Continual, {tasks} tasks: k-WTA + weight sparsity forget less than a dense network"
            ),
            ours: format!(
                "forgetting: dense {}, k-WTA + sparsity {}",
                pct(dense.forgetting),
                pct(sparse.forgetting)
            ),
            paper:
                "sparse activations and weights reduce catastrophic forgetting (Iyer et al.; Bain)"
                    .into(),
            held: sparse.forgetting < dense.forgetting,
        });
        claims.push(Claim {
            claim: format!(
                "Continual, {tasks} tasks: k-WTA + weight sparsity keep at least {:.0} points more average accuracy than a dense network",
                100.0 * CONTINUAL_MARGIN
            ),
            ours: format!(
                "dense {}; k-WTA + sparsity {}",
                continual_line(&dense),
                continual_line(&sparse)
            ),
            paper: "permuted MNIST, 10 tasks: dense 82.0%, k-WTA + sparsity 91.3% (Iyer et al.)"
                .into(),
            held: sparse.average_accuracy >= dense.average_accuracy + CONTINUAL_MARGIN,
        });
    }
    if let Some(ad) = get(ContinualMethod::DendritesKwtaSparse) {
        let least_forgetting = ContinualMethod::SUITE
            .into_iter()
            .filter(|m| *m != ContinualMethod::DendritesKwtaSparse)
            .filter_map(get)
            .all(|other| ad.forgetting <= other.forgetting);
        claims.push(Claim {
            claim: format!(
                "Continual, {tasks} tasks: active dendrites + k-WTA + sparsity keep at least {:.0} points more average accuracy than a dense network and forget least",
                100.0 * CONTINUAL_MARGIN
            ),
            ours: format!(
                "dense {}; dendrites {}",
                continual_line(&dense),
                continual_line(&ad)
            ),
            paper: "permuted MNIST, 10 tasks: 94.6% with dendrites, the least forgetting (Iyer et al.)"
                .into(),
            held: ad.average_accuracy >= dense.average_accuracy + CONTINUAL_MARGIN
                && least_forgetting,
        });
    }
    claims
}

/// How close Bain's three CNNs must end to count as "about equal": 5 points of average
/// accuracy between the best and the worst.
pub const CNN_EQUAL_MARGIN: f64 = 0.05;

/// Bain's CNN extension: CNN, sparse CNN and dendritic CNN end about equal (within
/// [`CNN_EQUAL_MARGIN`]) on a harder task sequence. `results` are (method, result) pairs;
/// no claim unless all three methods ran.
pub fn continual_cnn(results: &[(CnnMethod, &ContinualResult)]) -> Option<Claim> {
    let mean = |m: CnnMethod, of: fn(&ContinualResult) -> f64| {
        let runs: Vec<f64> = results
            .iter()
            .filter(|(r, _)| *r == m)
            .map(|(_, r)| of(r))
            .collect();
        (!runs.is_empty()).then(|| runs.iter().sum::<f64>() / runs.len() as f64)
    };
    let means: Vec<(CnnMethod, f64, f64)> = CnnMethod::ALL
        .into_iter()
        .map(|m| {
            Some((
                m,
                mean(m, |r| r.average_accuracy)?,
                mean(m, |r| r.forgetting)?,
            ))
        })
        .collect::<Option<_>>()?;
    let tasks = results.first().map_or(0, |(_, r)| r.tasks);
    let best = means.iter().map(|m| m.1).fold(f64::NEG_INFINITY, f64::max);
    let worst = means.iter().map(|m| m.1).fold(f64::INFINITY, f64::min);
    let ours: Vec<String> = means
        .iter()
        .map(|(m, a, f)| format!("{} {} (forgetting {})", m.label(), pct(*a), pct(*f)))
        .collect();
    Some(Claim {
        claim: format!(
            "Continual, CNNs, split sequence of {tasks} tasks: CNN, sparse CNN and dendritic CNN end about equal (within {:.0} points)",
            100.0 * CNN_EQUAL_MARGIN
        ),
        ours: format!("average accuracy: {}", ours.join(", ")),
        paper: "split CIFAR-100, 10 tasks: the three perform about equally (Bain)".into(),
        held: best - worst <= CNN_EQUAL_MARGIN,
    })
}

fn oja_show(run: &PlasticityRun) -> String {
    match run.diverged_at {
        Some(step) => format!("diverged at step {step}"),
        None => pct(run.fit.final_accuracy),
    }
}

fn oja_score(run: &PlasticityRun) -> f64 {
    if run.diverged_at.is_some() {
        -1.0
    } else {
        run.fit.final_accuracy
    }
}

/// Oja: BP + Oja ends with a higher test accuracy than BP in `setting` (or in the
/// user's own setting when `None`).
pub fn oja(setting: Option<OjaSetting>, r: &PlasticityResult) -> Claim {
    let setting = setting.map_or_else(|| "in this setting".to_owned(), |s| s.label().to_owned());
    Claim {
        claim: format!("Oja: adding Oja's rule to backprop helps, {setting}"),
        ours: format!("BP {}, BP+Oja {}", oja_show(&r.backprop), oja_show(&r.oja)),
        paper: "BP+Oja substantially better online, in deep networks and from a poor initialisation (Shervani-Tabar et al.; no numbers published)".into(),
        held: oja_score(&r.oja) > oja_score(&r.backprop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(average_accuracy: f64, forgetting: f64) -> ContinualResult {
        ContinualResult {
            tasks: 5,
            accuracy: Vec::new(),
            average_accuracy,
            forgetting,
            backward_transfer: 0.0,
            training: Vec::new(),
            confusion: None,
        }
    }

    #[test]
    fn continual_claims_judge_seed_means_against_the_margin() {
        use ContinualMethod::{DendritesKwtaSparse, Dense, KwtaSparse};
        // Dense: mean 0.83 over two seeds; k-WTA + sparsity 0.885 (+5.5 points); dendrites
        // 0.875 (+4.5 points) with the least forgetting.
        let (d1, d2) = (result(0.86, 0.09), result(0.80, 0.18));
        let (s, a) = (result(0.885, 0.04), result(0.875, 0.03));
        let runs = [
            (Dense, &d1),
            (Dense, &d2),
            (KwtaSparse, &s),
            (DendritesKwtaSparse, &a),
        ];
        let claims = continual(&runs);
        assert_eq!(claims.len(), 3);
        assert!(claims[0].held, "forgets less: {:?}", claims[0]);
        assert!(claims[1].held, "{:?}", claims[1]);
        assert!(
            claims[1].ours.contains("mean of 2 seeds"),
            "{}",
            claims[1].ours
        );
        assert!(
            !claims[2].held,
            "4.5 points is below the margin: {:?}",
            claims[2]
        );
        // Enough accuracy but more forgetting than k-WTA + sparsity: not held either.
        let forgetful = result(0.9, 0.05);
        let runs = [
            (Dense, &d1),
            (Dense, &d2),
            (KwtaSparse, &s),
            (DendritesKwtaSparse, &forgetful),
        ];
        assert!(!continual(&runs)[2].held);
        let best = result(0.9, 0.02);
        let runs = [
            (Dense, &d1),
            (Dense, &d2),
            (KwtaSparse, &s),
            (DendritesKwtaSparse, &best),
        ];
        assert!(continual(&runs)[2].held);
        // Without the dense baseline there is nothing to compare with.
        assert!(continual(&[(KwtaSparse, &s)]).is_empty());
    }

    #[test]
    fn cnn_claim_holds_when_the_three_end_within_the_margin() {
        let (a, b, c) = (result(0.40, 0.5), result(0.43, 0.4), result(0.44, 0.3));
        let runs = [
            (CnnMethod::Cnn, &a),
            (CnnMethod::SparseCnn, &b),
            (CnnMethod::DendriticCnn, &c),
        ];
        let claim = continual_cnn(&runs).expect("all three ran");
        assert!(claim.held, "{claim:?}");
        assert!(claim.ours.contains("dendritic CNN 44.0%"), "{}", claim.ours);
        let far = result(0.50, 0.3);
        let runs = [
            (CnnMethod::Cnn, &a),
            (CnnMethod::SparseCnn, &b),
            (CnnMethod::DendriticCnn, &far),
        ];
        assert!(!continual_cnn(&runs).expect("ran").held, "10 points apart");
        assert!(continual_cnn(&runs[..2]).is_none(), "a method missing");
    }
}
