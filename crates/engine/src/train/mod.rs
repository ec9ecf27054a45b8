//! Training and evaluation, a bounded amount of work per call.
//!
//! A [`Trainer`] owns a network's parameters, masks and optimiser state. Each call to
//! [`Trainer::train`] runs a given number of optimiser steps and reads back one number (the
//! mean loss), so the browser can yield between calls, show progress and cancel, and a
//! NaN or infinity stops the run with a clear reason. Everything is deterministic given
//! the seeds: data order, initial weights and noise all come from [`Rng`].

use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, check_count};
use crate::data::{Dataset, InputNoise, Normalization};
use crate::model::{ModelError, Network, ParamRole, Params};
use crate::oja::{self, OjaOutput, OjaSignal, OjaSpec};
use crate::optim::{Optimizer, OptimizerSpec};
use crate::params::ParamStore;
use crate::prune::Masks;
use crate::rng::{Rng, Stream};
use crate::tensor_io::{ReadError, download, download_scalar, upload};

mod confusion;
mod samples;
mod shards;
#[cfg(test)]
mod tests;

use samples::*;
use shards::{batch_gradients, shard_count};

pub use confusion::{Confusion, confusion};
pub use samples::{ContextSource, Samples, mean_input};

/// How a network is trained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    /// The optimiser.
    pub optimizer: OptimizerSpec,
    /// Samples per step (1 = online learning).
    pub batch_size: usize,
    /// Passes over the training samples.
    pub epochs: usize,
    /// Oja's rule added to each step, if any.
    #[serde(default)]
    pub oja: Option<OjaSpec>,
}

/// Largest batch accepted.
pub const MAX_BATCH: usize = 4096;

impl TrainSpec {
    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        self.optimizer.validate(&format!("{field}.optimizer"))?;
        check_count(
            &format!("{field}.batch_size"),
            self.batch_size,
            1,
            MAX_BATCH,
        )?;
        check_count(&format!("{field}.epochs"), self.epochs, 1, 10_000)?;
        if let Some(oja) = &self.oja {
            oja.validate(&format!("{field}.oja"))?;
        }
        Ok(())
    }

    /// Optimiser steps per epoch over `samples` training samples.
    pub fn steps_per_epoch(&self, samples: usize) -> usize {
        samples.div_ceil(self.batch_size.max(1))
    }
}

/// Why training or evaluation stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// The network rejected its inputs.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Reading from the device failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The loss became NaN or infinite: the learning rate is probably too high.
    #[error(
        "training diverged at step {step}: the loss became {loss} (try a smaller learning rate or a better initialisation)"
    )]
    NonFinite {
        /// The step whose batch produced it (counted from 1).
        step: u64,
        /// The value, as text (NaN or inf).
        loss: String,
    },
    /// There is nothing to train or evaluate on.
    #[error("there are no samples to {0}")]
    NoSamples(&'static str),
    /// The samples do not fit the network.
    #[error(
        "the data has {data} classes of {features} values, the network expects {classes} of {inputs}"
    )]
    Mismatch {
        /// Classes in the data.
        data: usize,
        /// Values per sample in the data.
        features: usize,
        /// Classes of the network.
        classes: usize,
        /// Values per sample of the network.
        inputs: usize,
    },
}

fn check_fit(net: &Network, samples: &Samples<'_>, what: &'static str) -> Result<(), TrainError> {
    if samples.indices.is_empty() {
        return Err(TrainError::NoSamples(what));
    }
    if samples.dataset.classes() != net.classes() || samples.dataset.features() != net.input_size()
    {
        return Err(TrainError::Mismatch {
            data: samples.dataset.classes(),
            features: samples.dataset.features(),
            classes: net.classes(),
            inputs: net.input_size(),
        });
    }
    Ok(())
}

/// Mean cross-entropy of `logits` against one-hot targets.
fn cross_entropy(logits: Tensor<2>, one_hot: Tensor<2>) -> Tensor<1> {
    mean_nll(log_softmax(logits, 1), one_hot)
}

/// Mean negative log-likelihood of one-hot targets under log-probabilities `log_p`.
fn mean_nll(log_p: Tensor<2>, one_hot: Tensor<2>) -> Tensor<1> {
    (log_p * one_hot).sum_dim(1).mean().neg()
}

/// What one call to [`Trainer::train`] did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// Steps run in this call.
    pub steps: usize,
    /// Steps run since the trainer was made.
    pub total_steps: u64,
    /// Mean training loss over this call's steps.
    pub mean_loss: f64,
}

/// Accuracy and loss on a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Correctly classified samples.
    pub correct: usize,
    /// Samples evaluated.
    pub total: usize,
    /// Mean cross-entropy.
    pub loss: f64,
}

impl Evaluation {
    /// Fraction correct, in [0, 1].
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

/// Trains one network. Holds its parameters, masks and optimiser state.
#[derive(Debug, Clone)]
pub struct Trainer {
    net: Network,
    store: ParamStore,
    optimizer: Optimizer,
    spec: TrainSpec,
    device: Device,
    rng: Rng,
    order: Vec<usize>,
    cursor: usize,
    steps: u64,
}

impl Trainer {
    /// A trainer for `net` starting from `params` (masks applied now), on `device`; `seed`
    /// fixes the order in which samples are visited. Fails if `params` or `masks` do not
    /// fit the network.
    pub fn new(
        net: Network,
        params: Params,
        masks: Masks,
        spec: TrainSpec,
        device: &Device,
        seed: u64,
    ) -> Result<Self, ModelError> {
        let device = device.clone().inner();
        let store = ParamStore::new(net.params(), params, masks, &device)?;
        Ok(Trainer {
            net,
            store,
            optimizer: Optimizer::new(spec.optimizer),
            spec,
            device,
            rng: Rng::stream(seed, Stream::DataOrder),
            order: Vec::new(),
            cursor: 0,
            steps: 0,
        })
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The current parameters (without autodiff).
    pub fn params(&self) -> &[Tensor<1>] {
        self.store.values()
    }

    /// The parameters with their masks and optimiser moments.
    pub fn store(&self) -> &ParamStore {
        &self.store
    }

    /// The masks.
    pub fn masks(&self) -> &Masks {
        self.store.masks()
    }

    /// The training settings.
    pub fn spec(&self) -> &TrainSpec {
        &self.spec
    }

    /// Steps run so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Forgets the optimiser's state (momentum, Adam's moments and step count), as if it
    /// were made anew; the parameters stay. Continual learning does this between tasks.
    pub fn reset_optimizer(&mut self) {
        self.optimizer = Optimizer::new(self.spec.optimizer);
        self.store.reset_moments();
    }

    /// Whether the optimiser holds any state yet (false when new or just reset).
    pub fn optimizer_has_state(&self) -> bool {
        self.optimizer.has_state()
    }

    /// Replaces the masks and applies them to the parameters.
    pub fn set_masks(&mut self, masks: Masks) -> Result<(), ModelError> {
        self.store.set_masks(masks)
    }

    /// The parameters' values on the host, aligned with [`Network::params`].
    pub async fn read_params(&self) -> Result<Vec<Vec<f32>>, ReadError> {
        self.store.read().await
    }

    /// The positions (into `samples.indices`) of the next batch, reshuffling per epoch.
    pub(crate) fn next_positions(&mut self, len: usize) -> Vec<usize> {
        if self.order.len() != len || self.cursor >= self.order.len() {
            if self.order.len() != len {
                self.order = (0..len).collect();
            }
            self.rng.shuffle(&mut self.order);
            self.cursor = 0;
        }
        let end = (self.cursor + self.spec.batch_size).min(self.order.len());
        let positions = self.order[self.cursor..end].to_vec();
        self.cursor = end;
        positions
    }

    /// Runs `steps` optimiser steps on `samples` (a new epoch reshuffles them) and returns
    /// the mean loss. Stops with [`TrainError::NonFinite`] if the loss is NaN or infinite.
    pub async fn train(
        &mut self,
        samples: &Samples<'_>,
        steps: usize,
    ) -> Result<StepReport, TrainError> {
        check_fit(&self.net, samples, "train on")?;
        let oja = self.spec.oja.filter(|o| o.eta > 0.0);
        let mut loss_sum: Option<Tensor<1>> = None;
        for _ in 0..steps {
            let positions = self.next_positions(samples.indices.len());
            let shards = shard_count(positions.len(), &self.device, oja.is_some());
            let step = batch_gradients(
                &self.net,
                self.store.values(),
                samples,
                &positions,
                shards,
                &self.device,
                oja.is_some(),
            )?;
            // Oja's term is computed at the weights the forward pass used.
            let before = oja.map(|_| self.store.values().to_vec());
            self.optimizer.step(&mut self.store, step.grads);
            if let (Some(spec), Some(before)) = (oja, before) {
                for record in step.dense {
                    let id = record.weight;
                    let info = self.net.param(id);
                    let (inputs, outputs) = (info.shape[0], info.shape[1]);
                    let y = if info.role == ParamRole::OutputWeight {
                        match spec.output {
                            OjaOutput::Logits => record.activation,
                            OjaOutput::Softmax => softmax(record.activation, 1),
                            OjaOutput::Skip => continue,
                        }
                    } else {
                        match spec.signal {
                            OjaSignal::Activation => record.activation,
                            OjaSignal::PreActivation => record.pre_activation,
                        }
                    };
                    let w = before[id.index()].clone().reshape([inputs, outputs]);
                    let delta = oja::delta(w, record.input, y, spec.form)
                        .reshape([inputs * outputs])
                        * spec.eta;
                    let updated = self.store.value(id).clone() + delta;
                    self.store.set(id, updated);
                }
            }
            self.steps += 1;
            let loss = step.loss;
            loss_sum = Some(match loss_sum {
                Some(sum) => sum + loss,
                None => loss,
            });
        }
        let mean_loss = match loss_sum {
            Some(sum) => f64::from(download_scalar(sum).await?) / steps as f64,
            None => 0.0,
        };
        if !mean_loss.is_finite() {
            return Err(TrainError::NonFinite {
                step: self.steps,
                loss: format!("{mean_loss}"),
            });
        }
        Ok(StepReport {
            steps,
            total_steps: self.steps,
            mean_loss,
        })
    }

    /// Accuracy and loss of the current parameters on `samples`.
    pub async fn evaluate(&self, samples: &Samples<'_>) -> Result<Evaluation, TrainError> {
        evaluate(&self.net, self.store.values(), samples, &self.device).await
    }

    /// The confusion matrix of the current parameters on `samples`.
    pub async fn confusion(&self, samples: &Samples<'_>) -> Result<Confusion, TrainError> {
        confusion(&self.net, self.store.values(), samples, &self.device).await
    }

    /// [`Trainer::evaluate`] and [`Trainer::confusion`] from the same forward passes.
    pub async fn evaluate_with_confusion(
        &self,
        samples: &Samples<'_>,
    ) -> Result<(Evaluation, Confusion), TrainError> {
        evaluate_with_confusion(&self.net, self.store.values(), samples, &self.device).await
    }

    /// The class probabilities (softmax of the logits) for each of `samples`, one
    /// read-back; at most [`EVAL_BATCH`] samples.
    pub async fn predict(&self, samples: &Samples<'_>) -> Result<Vec<Vec<f32>>, TrainError> {
        check_fit(&self.net, samples, "predict")?;
        let count = samples.indices.len().min(EVAL_BATCH);
        if count == 0 {
            return Err(TrainError::NoSamples("predict"));
        }
        let positions: Vec<usize> = (0..count).collect();
        let batch = host_batch(samples, &positions).upload(&self.net, &self.device);
        let logits = self
            .net
            .forward(self.store.values(), batch.x, batch.context.as_ref(), false)?
            .logits;
        let probabilities = burn::tensor::activation::softmax(logits, 1);
        let flat = download(probabilities).await?;
        let classes = self.net.classes();
        Ok(flat.chunks(classes).map(<[f32]>::to_vec).collect())
    }
}

/// Samples per evaluation batch: large enough to keep a GPU busy, small enough for memory.
pub const EVAL_BATCH: usize = 1000;

/// Accuracy and mean loss of `params` on `samples`, one read-back at the end.
pub async fn evaluate(
    net: &Network,
    params: &[Tensor<1>],
    samples: &Samples<'_>,
    device: &Device,
) -> Result<Evaluation, TrainError> {
    evaluate_counting(net, params, samples, device, None).await
}

/// [`evaluate`] and [`confusion`] from the same forward passes (the accuracy keeps
/// [`evaluate`]'s rule for tied scores, the matrix [`confusion`]'s), so a run's final test
/// need not run the network twice.
pub async fn evaluate_with_confusion(
    net: &Network,
    params: &[Tensor<1>],
    samples: &Samples<'_>,
    device: &Device,
) -> Result<(Evaluation, Confusion), TrainError> {
    let mut matrix = Confusion::new(net.classes());
    let evaluation = evaluate_counting(net, params, samples, device, Some(&mut matrix)).await?;
    Ok((evaluation, matrix))
}

/// [`evaluate`], counting the predictions into `matrix` when given (then one more
/// read-back per [`EVAL_BATCH`] samples).
async fn evaluate_counting(
    net: &Network,
    params: &[Tensor<1>],
    samples: &Samples<'_>,
    device: &Device,
    mut matrix: Option<&mut Confusion>,
) -> Result<Evaluation, TrainError> {
    check_fit(net, samples, "evaluate")?;
    let device = device.clone().inner();
    let positions: Vec<usize> = (0..samples.indices.len()).collect();
    let mut correct: Option<Tensor<1>> = None;
    let mut loss: Option<Tensor<1>> = None;
    for chunk in positions.chunks(EVAL_BATCH) {
        let batch = host_batch(samples, chunk).upload(net, &device);
        let logits = net
            .forward(params, batch.x, batch.context.as_ref(), false)?
            .logits;
        if let Some(matrix) = matrix.as_deref_mut() {
            matrix.count(samples, chunk, logits.clone()).await?;
        }
        let at_label = (logits.clone() * batch.one_hot.clone()).sum_dim(1);
        let best = logits.clone().max_dim(1);
        let hits = at_label.greater_equal(best).float().sum();
        let batch_loss = cross_entropy(logits, batch.one_hot) * chunk.len() as f64;
        correct = Some(match correct {
            Some(c) => c + hits,
            None => hits,
        });
        loss = Some(match loss {
            Some(l) => l + batch_loss,
            None => batch_loss,
        });
    }
    let total = samples.indices.len();
    let (Some(correct), Some(loss)) = (correct, loss) else {
        return Err(TrainError::NoSamples("evaluate"));
    };
    let correct = download_scalar(correct).await?.round() as usize;
    let loss = f64::from(download_scalar(loss).await?) / total as f64;
    Ok(Evaluation {
        correct,
        total,
        loss,
    })
}
