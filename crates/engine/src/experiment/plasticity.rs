//! Backprop against backprop + Oja's rule (docs/science.md, "Oja's rule"), from the same initial
//! weights and the same data order, so the only difference is Oja's term.
//!
//! The settings of the paper are configs: online learning is `train.batch_size = 1`, a deep
//! network is a long `model.hidden`, a poor initialisation is `model.init.scale` far from 1.
//! Both runs record learning curves and the mean row norm of each layer's weights (a row is
//! one unit's incoming weights; Oja's rule pulls it towards 1).

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::{ExperimentConfig, Fit, FitResult, Host, RunError, Tracker, eval_cost, schedule};
use crate::config::ConfigError;
use crate::data::Dataset;
use crate::model::{Network, ParamRole};
use crate::oja::OjaSpec;
use crate::prune::Masks;
use crate::rng::{Rng, Stream};
use crate::tensor_io::download;
use crate::train::{Samples, Trainer};

/// A plasticity comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlasticitySpec {
    /// Oja's rule for the second run (the first is pure backprop).
    pub oja: OjaSpec,
    /// Evaluate and record row norms every this many steps (0 = once per epoch).
    #[serde(default)]
    pub eval_every: u64,
}

impl PlasticitySpec {
    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        self.oja.validate(&format!("{field}.oja"))
    }
}

/// One of the two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlasticityRun {
    /// "BP" or "BP+Oja".
    pub label: String,
    /// Learning curves.
    pub fit: FitResult,
    /// (step, mean row norm per dense layer, input side first).
    pub row_norms: Vec<(u64, Vec<f64>)>,
    /// The run diverged (NaN or inf) at this step, if it did; the curves stop there.
    pub diverged_at: Option<u64>,
}

/// The result of a plasticity comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlasticityResult {
    /// Pure backprop.
    pub backprop: PlasticityRun,
    /// Backprop + Oja's rule.
    pub oja: PlasticityRun,
}

/// Mean L2 norm of the rows (units' incoming weights) of every dense weight.
async fn row_norms(net: &Network, trainer: &Trainer) -> Result<Vec<f64>, RunError> {
    let mut norms = Vec::new();
    for (info, p) in net.params().iter().zip(trainer.params()) {
        if !matches!(info.role, ParamRole::HiddenWeight | ParamRole::OutputWeight) {
            continue;
        }
        let w: Tensor<2> = p.clone().reshape([info.shape[0], info.shape[1]]);
        let mean = (w.clone() * w).sum_dim(0).sqrt().mean();
        norms.push(f64::from(download(mean).await?[0]));
    }
    Ok(norms)
}

async fn one_run<H: Host>(
    config: &ExperimentConfig,
    spec: &PlasticitySpec,
    with_oja: bool,
    dataset: &Dataset,
    device: &burn::tensor::Device,
    tracker: &mut Tracker<'_, H>,
) -> Result<PlasticityRun, RunError> {
    let label = if with_oja { "BP+Oja" } else { "BP" };
    let split = config.data.split(dataset, config.seed);
    let norm = config.data.normalization(dataset, &split);
    let (rows, cols) = dataset.image_shape();
    let net = Network::new(&config.model, rows, cols, dataset.classes())?;
    let mut train_spec = config.train;
    train_spec.oja = with_oja.then_some(spec.oja);
    let params = net.init(&mut Rng::stream(config.seed, Stream::Init), device);
    let mut trainer = Trainer::new(
        net.clone(),
        params,
        Masks::dense(net.params()),
        train_spec,
        device,
        config.seed,
    )?;
    let (total, every) = schedule(config, split.train.len(), spec.eval_every);
    let mut combined = FitResult::empty();
    let mut norms = vec![(0, row_norms(&net, &trainer).await?)];
    let mut diverged_at = None;
    let mut done = 0;
    tracker.phase(label);
    while done < total {
        let n = every.min(total - done);
        // One evaluation (and one row-norm reading) at the end of each part.
        let plan = Fit {
            train: Samples::new(dataset, &split.train).normalized(norm),
            test: Samples::new(dataset, &split.test).normalized(norm),
            eval_every: n,
            chunk: config.steps_per_call,
        };
        tracker.focus(label, done);
        match plan.run(&mut trainer, n, tracker).await {
            Ok(part) => {
                combined.append(part, done);
                done += n;
                norms.push((done, row_norms(&net, &trainer).await?));
            }
            Err(RunError::Train(crate::train::TrainError::NonFinite { step, .. })) => {
                diverged_at = Some(step);
                // Account for the work that will not run.
                let left = total - done;
                let evals = left.div_ceil(every);
                tracker
                    .advance(
                        left + evals * eval_cost(split.test.len(), train_spec.batch_size),
                        None,
                    )
                    .await?;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(PlasticityRun {
        label: label.into(),
        fit: combined,
        row_norms: norms,
        diverged_at,
    })
}

/// Runs both as `config` and `spec` say.
pub async fn run<H: Host>(
    config: &ExperimentConfig,
    spec: &PlasticitySpec,
    dataset: &Dataset,
    device: &burn::tensor::Device,
    host: &mut H,
) -> Result<PlasticityResult, RunError> {
    let split = config.data.split(dataset, config.seed);
    let (total, every) = schedule(config, split.train.len(), spec.eval_every);
    let per_run =
        total + total.div_ceil(every) * eval_cost(split.test.len(), config.train.batch_size);
    let mut tracker = Tracker::new(host, 2 * per_run);
    let backprop = one_run(config, spec, false, dataset, device, &mut tracker).await?;
    let oja = one_run(config, spec, true, dataset, device, &mut tracker).await?;
    Ok(PlasticityResult { backprop, oja })
}
