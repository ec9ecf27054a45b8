//! Noise robustness: does weight sparsity make a network robust to input noise, Gaussian
//! or Bain's impulse noise? (docs/science.md, "Noise robustness".)
//!
//! For each seed, IMP trains a dense network (round 0) and prunes it to a sparse ticket
//! (the last round); both are evaluated on the test set at every noise level with the same
//! noise draw. Per model: accuracy against the noise level and the area under that curve.
//! Over seeds: mean and spread per level, and a paired t-test of the areas (sparse minus
//! dense).

use serde::{Deserialize, Serialize};

use super::imp::{ImpSpec, ResetMode};
use super::stats::{PairedTest, mean_sd, normalized_auc};
use super::{ExperimentConfig, Host, LivePlot, RunError, Tracker, eval_cost, imp};
use crate::config::{ConfigError, check_count, check_range};
use crate::data::{Dataset, InputNoise, NoiseKind, Normalization};
use crate::model::{Network, Params};
use crate::prune::{Masks, PruneSpec};
use crate::tensor_io::upload_params;
use crate::train::{Samples, evaluate};

/// A noise-robustness comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseSpec {
    /// Which noise: Gaussian (the default) or impulse.
    #[serde(default)]
    pub noise: NoiseKind,
    /// The noise levels (sigmas, or fractions of pixels for impulse noise), increasing,
    /// starting at 0 for the clean accuracy. Written `sigmas` before impulse noise existed.
    #[serde(alias = "sigmas")]
    pub levels: Vec<f64>,
    /// Independent seeds (training runs) compared pairwise.
    pub seeds: usize,
    /// The seed of the noise draw, shared by every model.
    pub noise_seed: u64,
    /// How the sparse model is pruned.
    pub prune: PruneSpec,
    /// IMP rounds to reach the sparse model.
    pub rounds: usize,
}

impl NoiseSpec {
    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        check_count(&format!("{field}.levels"), self.levels.len(), 1, 64)?;
        for (i, s) in self.levels.iter().enumerate() {
            check_range(
                &format!("{field}.levels[{i}]"),
                *s,
                0.0,
                self.noise.max_level(),
            )?;
        }
        if self.levels.windows(2).any(|w| w[1] <= w[0]) {
            return Err(ConfigError::invalid(
                format!("{field}.levels"),
                "must be strictly increasing",
            ));
        }
        check_count(&format!("{field}.seeds"), self.seeds, 1, 100)?;
        check_count(&format!("{field}.rounds"), self.rounds, 1, 100)?;
        self.prune.validate(&format!("{field}.prune"))
    }

    fn imp(&self) -> ImpSpec {
        ImpSpec {
            prune: self.prune,
            rounds: self.rounds,
            target_remaining: None,
            reset: ResetMode::RewindInit,
            controls: Vec::new(),
            eval_every: 0,
        }
    }
}

/// One model's accuracy against noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseCurve {
    /// Fraction of weights remaining.
    pub remaining: f64,
    /// Accuracy at each noise level.
    pub accuracy: Vec<f64>,
    /// Mean accuracy over the sweep (normalised area under the curve).
    pub auc: f64,
}

/// One seed's dense and sparse models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedResult {
    /// The training seed.
    pub seed: u64,
    /// The dense network.
    pub dense: NoiseCurve,
    /// The IMP-sparse network.
    pub sparse: NoiseCurve,
}

/// Mean and standard deviation over seeds, per noise level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveSummary {
    /// Mean accuracy per noise level.
    pub mean: Vec<f64>,
    /// Standard deviation per noise level.
    pub sd: Vec<f64>,
    /// Mean area under the curve.
    pub auc_mean: f64,
}

/// The result of a noise comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseResult {
    /// Which noise.
    #[serde(default)]
    pub noise: NoiseKind,
    /// The levels swept (sigmas, or fractions of pixels).
    #[serde(alias = "sigmas")]
    pub levels: Vec<f64>,
    /// Per seed.
    pub seeds: Vec<SeedResult>,
    /// Dense models over seeds.
    pub dense: CurveSummary,
    /// Sparse models over seeds.
    pub sparse: CurveSummary,
    /// Paired t-test of the areas, sparse minus dense.
    pub auc_test: PairedTest,
    /// The verdict the numbers give, in words.
    pub verdict: String,
}

fn summary(curves: &[&NoiseCurve], levels: usize) -> CurveSummary {
    let (mean, sd) = (0..levels)
        .map(|i| mean_sd(&curves.iter().map(|c| c.accuracy[i]).collect::<Vec<_>>()))
        .unzip();
    CurveSummary {
        mean,
        sd,
        auc_mean: mean_sd(&curves.iter().map(|c| c.auc).collect::<Vec<_>>()).0,
    }
}

/// The verdict on a paired test of sparse minus dense areas at level 0.05.
pub fn verdict(test: &PairedTest) -> String {
    let diff = 100.0 * test.mean_difference;
    if test.n < 2 {
        return format!(
            "one seed only: sparse minus dense = {diff:+.2} points; run at least 3 seeds for a test"
        );
    }
    if test.significant(0.05) {
        let who = if test.mean_difference > 0.0 {
            "sparse"
        } else {
            "dense"
        };
        format!(
            "the {who} networks are more robust: area difference {diff:+.2} points, p = {:.3} over {} seeds",
            test.p_value, test.n
        )
    } else {
        format!(
            "no significant difference: area difference {diff:+.2} points, p = {:.3} over {} seeds; sparsity alone does not improve robustness here",
            test.p_value, test.n
        )
    }
}

/// What every accuracy-against-noise curve of one comparison shares: the network, the
/// test samples and how they are normalised, and the noise levels.
struct Sweep<'a> {
    net: &'a Network,
    dataset: &'a Dataset,
    test: &'a [usize],
    norm: Option<Normalization>,
    pixel_std: f32,
    spec: &'a NoiseSpec,
    device: &'a burn::tensor::Device,
}

impl Sweep<'_> {
    /// Accuracy against noise of trained `values` (already masked by training); `masks`
    /// only says how many weights remain.
    async fn curve(&self, values: Vec<Vec<f32>>, masks: &Masks) -> Result<NoiseCurve, RunError> {
        let params: Params = upload_params(values, self.device);
        let mut accuracy = Vec::with_capacity(self.spec.levels.len());
        for &level in &self.spec.levels {
            let samples = Samples {
                noise: Some(InputNoise::new(
                    self.spec.noise,
                    level,
                    self.spec.noise_seed,
                    self.pixel_std,
                )),
                ..Samples::new(self.dataset, self.test).normalized(self.norm)
            };
            accuracy.push(
                evaluate(self.net, &params, &samples, self.device)
                    .await?
                    .accuracy(),
            );
        }
        Ok(NoiseCurve {
            remaining: masks.remaining(self.net.params()),
            auc: normalized_auc(&self.spec.levels, &accuracy),
            accuracy,
        })
    }
}

/// Runs the comparison as `config` and `spec` say.
pub async fn run<H: Host>(
    config: &ExperimentConfig,
    spec: &NoiseSpec,
    dataset: &Dataset,
    device: &burn::tensor::Device,
    host: &mut H,
) -> Result<NoiseResult, RunError> {
    let imp_spec = spec.imp();
    let split = config.data.split(dataset, config.seed);
    let norm = config.data.normalization(dataset, &split);
    // Impulse noise sets pixels to twice the training pixels' std, normalised or not.
    let pixel_std = norm
        .unwrap_or_else(|| dataset.pixel_stats(&split.train))
        .std;
    let sweep = 2 * spec.levels.len() as u64 * eval_cost(split.test.len(), config.train.batch_size);
    let per_seed =
        imp::planned_work(config, &imp_spec, split.train.len(), split.test.len()) + sweep;
    let mut tracker = Tracker::new(host, spec.seeds as u64 * per_seed);
    let (rows, cols) = dataset.image_shape();
    let net = Network::new(&config.model, rows, cols, dataset.classes())?;
    let sweep_of = Sweep {
        net: &net,
        dataset,
        test: &split.test,
        norm,
        pixel_std,
        spec,
        device,
    };
    let mut seeds = Vec::new();
    for s in 0..spec.seeds {
        let mut seeded = config.clone();
        seeded.seed = config.seed.wrapping_add(s as u64 * 7919);
        // The same train and test samples for every seed.
        seeded.data.split_seed = Some(config.data.split_seed.unwrap_or(config.seed));
        let imp = imp::run_in(&seeded, &imp_spec, dataset, device, &mut tracker).await?;
        tracker.phase(format!("seed {} of {}: noise sweep", s + 1, spec.seeds));
        let dense = sweep_of
            .curve(imp.dense_values, &Masks::dense(net.params()))
            .await?;
        let sparse = sweep_of.curve(imp.final_values, &imp.masks).await?;
        for (name, c) in [("dense", &dense), ("sparse", &sparse)] {
            for (level, acc) in spec.levels.iter().zip(&c.accuracy) {
                tracker.point(
                    LivePlot::AccuracyVsNoise,
                    format!("{name}, seed {}", s + 1),
                    *level,
                    *acc,
                );
            }
        }
        tracker.advance(sweep, None).await?;
        seeds.push(SeedResult {
            seed: seeded.seed,
            dense,
            sparse,
        });
    }
    let dense: Vec<&NoiseCurve> = seeds.iter().map(|s| &s.dense).collect();
    let sparse: Vec<&NoiseCurve> = seeds.iter().map(|s| &s.sparse).collect();
    let auc_test = PairedTest::new(
        &dense.iter().map(|c| c.auc).collect::<Vec<_>>(),
        &sparse.iter().map(|c| c.auc).collect::<Vec<_>>(),
    );
    Ok(NoiseResult {
        noise: spec.noise,
        levels: spec.levels.clone(),
        dense: summary(&dense, spec.levels.len()),
        sparse: summary(&sparse, spec.levels.len()),
        verdict: verdict(&auc_test),
        auc_test,
        seeds,
    })
}
