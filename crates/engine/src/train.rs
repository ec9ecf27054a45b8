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
use crate::prune::Masks;
use crate::rng::Rng;
use crate::tensor_io::{ReadError, download, download_scalar, upload};

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

/// Where a dendritic network's context vector comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextSource {
    /// The same vector for every sample (the true task's context).
    Fixed(Vec<f32>),
    /// Per sample, the nearest (Euclidean) of these prototypes to the sample's input, so no
    /// task label is needed.
    NearestPrototype(Vec<Vec<f32>>),
}

impl ContextSource {
    /// The context shared by every sample, if there is one (then a batch carries it once
    /// and the dendrites compute their activations once per batch, not once per sample).
    fn shared(&self) -> Option<&[f32]> {
        match self {
            ContextSource::Fixed(c) => Some(c),
            ContextSource::NearestPrototype(_) => None,
        }
    }

    fn for_input(&self, x: &[f32]) -> &[f32] {
        match self {
            ContextSource::Fixed(c) => c,
            ContextSource::NearestPrototype(prototypes) => prototypes
                .iter()
                .map(|p| {
                    let d: f32 = p.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum();
                    (d, p)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map_or(&[][..], |(_, p)| &p[..]),
        }
    }
}

/// The samples a trainer or an evaluation reads, and how they are transformed.
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a> {
    /// The dataset.
    pub dataset: &'a Dataset,
    /// Which of its samples.
    pub indices: &'a [usize],
    /// A fixed pixel permutation (permuted-MNIST tasks): pixel `j` of the input is pixel
    /// `permutation[j]` of the image.
    pub permutation: Option<&'a [usize]>,
    /// Noise added to every input (in pixel space, before normalisation).
    pub noise: Option<InputNoise>,
    /// Standardisation applied after the noise (see [`Normalization`]).
    pub normalization: Option<Normalization>,
    /// The context for dendritic networks.
    pub context: Option<&'a ContextSource>,
}

impl<'a> Samples<'a> {
    /// Plain samples: no permutation, noise, normalisation or context.
    pub fn new(dataset: &'a Dataset, indices: &'a [usize]) -> Self {
        Samples {
            dataset,
            indices,
            permutation: None,
            noise: None,
            normalization: None,
            context: None,
        }
    }

    /// The same samples standardised with `normalization` (none: unchanged).
    pub fn normalized(self, normalization: Option<Normalization>) -> Self {
        Samples {
            normalization,
            ..self
        }
    }

    /// The input vector of dataset sample `index`: pixels in `[0, 1]`, then noise, then
    /// normalisation, then the permutation.
    pub fn input(&self, index: usize) -> Vec<f32> {
        let mut x = self.dataset.scaled_image(index);
        if let Some(noise) = &self.noise {
            noise.apply(index, &mut x);
        }
        if let Some(norm) = &self.normalization {
            x.iter_mut().for_each(|v| *v = norm.apply(*v));
        }
        match self.permutation {
            Some(perm) => perm.iter().map(|&j| x[j]).collect(),
            None => x,
        }
    }
}

/// The mean input vector of `samples` (a task's prototype, a dendritic context).
pub fn mean_input(samples: &Samples<'_>) -> Vec<f32> {
    let mut mean = vec![0.0f32; samples.dataset.features()];
    for &i in samples.indices {
        for (m, x) in mean.iter_mut().zip(samples.input(i)) {
            *m += x;
        }
    }
    let n = samples.indices.len().max(1) as f32;
    mean.iter_mut().for_each(|m| *m /= n);
    mean
}

struct HostBatch {
    x: Vec<f32>,
    one_hot: Vec<f32>,
    context: Option<Vec<f32>>,
    len: usize,
}

/// A batch on the device: inputs, one-hot targets and the dendrites' context, if any.
struct DeviceBatch {
    x: Tensor<2>,
    one_hot: Tensor<2>,
    context: Option<Tensor<2>>,
}

impl HostBatch {
    fn upload(self, net: &Network, device: &Device) -> DeviceBatch {
        let len = self.len;
        DeviceBatch {
            x: upload(self.x, [len, net.input_size()], device),
            one_hot: upload(self.one_hot, [len, net.classes()], device),
            // One row when the context is shared, else one per sample.
            context: self.context.map(|c| {
                let n = net.context_size().unwrap_or(c.len()).max(1);
                let rows = c.len() / n;
                upload(c, [rows, n], device)
            }),
        }
    }
}

fn host_batch(samples: &Samples<'_>, positions: &[usize]) -> HostBatch {
    let classes = samples.dataset.classes();
    let mut x = Vec::with_capacity(positions.len() * samples.dataset.features());
    let mut one_hot = vec![0.0; positions.len() * classes];
    let shared = samples.context.and_then(ContextSource::shared);
    let mut context = samples
        .context
        .map(|_| shared.map_or_else(Vec::new, <[f32]>::to_vec));
    for (row, &pos) in positions.iter().enumerate() {
        let index = samples.indices[pos];
        let input = samples.input(index);
        if let (Some(ctx), Some(source), None) = (context.as_mut(), samples.context, shared) {
            ctx.extend_from_slice(source.for_input(&input));
        }
        x.extend_from_slice(&input);
        one_hot[row * classes + usize::from(samples.dataset.label(index))] = 1.0;
    }
    HostBatch {
        x,
        one_hot,
        context,
        len: positions.len(),
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
    (log_softmax(logits, 1) * one_hot).sum_dim(1).mean().neg()
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
    params: Params,
    masks: Masks,
    device_masks: Vec<Option<Tensor<1>>>,
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
    /// fixes the order in which samples are visited.
    pub fn new(
        net: Network,
        params: Params,
        masks: Masks,
        spec: TrainSpec,
        device: &Device,
        seed: u64,
    ) -> Self {
        let device = device.clone().inner();
        let n = net.params().len();
        let mut trainer = Trainer {
            net,
            params,
            masks: Masks::default(),
            device_masks: vec![None; n],
            optimizer: Optimizer::new(spec.optimizer, n),
            spec,
            device,
            rng: Rng::derive(seed, 0x0DA7A),
            order: Vec::new(),
            cursor: 0,
            steps: 0,
        };
        trainer.set_masks(masks);
        trainer
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The current parameters (without autodiff).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The masks.
    pub fn masks(&self) -> &Masks {
        &self.masks
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
        self.optimizer = Optimizer::new(self.spec.optimizer, self.params.len());
    }

    /// Whether the optimiser holds any state yet (false when new or just reset).
    pub fn optimizer_has_state(&self) -> bool {
        self.optimizer.has_state()
    }

    /// Replaces the masks and applies them to the parameters.
    pub fn set_masks(&mut self, masks: Masks) {
        let mut masks = masks;
        masks.0.resize(self.params.len(), None);
        self.device_masks = masks.to_device(&self.device);
        for (p, m) in self.params.iter_mut().zip(&self.device_masks) {
            if let Some(m) = m {
                *p = p.clone() * m.clone();
            }
        }
        self.masks = masks;
    }

    /// The parameters' values on the host, aligned with [`Network::params`].
    pub async fn read_params(&self) -> Result<Vec<Vec<f32>>, ReadError> {
        let mut values = Vec::with_capacity(self.params.len());
        for p in &self.params {
            values.push(download(p.clone()).await?);
        }
        Ok(values)
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
            let batch = host_batch(samples, &positions).upload(&self.net, &self.device);
            let leaves: Vec<Tensor<1>> = self
                .params
                .iter()
                .map(|p| p.clone().autodiff().require_grad())
                .collect();
            let forward = self.net.forward(
                &leaves,
                batch.x.autodiff(),
                batch.context.as_ref(),
                oja.is_some(),
            )?;
            let loss = cross_entropy(forward.logits, batch.one_hot.autodiff());
            let mut grads = loss.backward();
            let grad: Vec<Option<Tensor<1>>> = leaves
                .iter()
                .map(|leaf| leaf.grad_remove(&mut grads))
                .collect();
            // Oja's term is computed at the weights the forward pass used.
            let before = oja.map(|_| self.params.clone());
            self.optimizer
                .step(&mut self.params, grad, &self.device_masks);
            if let (Some(spec), Some(before)) = (oja, before) {
                for record in forward.dense {
                    let i = record.weight;
                    let info = &self.net.params()[i];
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
                    let w = before[i].clone().reshape([inputs, outputs]);
                    let delta = oja::delta(w, record.input, y, spec.form)
                        .reshape([inputs * outputs])
                        * spec.eta;
                    let updated = self.params[i].clone() + delta;
                    self.params[i] = match &self.device_masks[i] {
                        Some(m) => updated * m.clone(),
                        None => updated,
                    };
                }
            }
            self.steps += 1;
            let loss = loss.inner();
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
        evaluate(&self.net, &self.params, samples, &self.device).await
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
            .forward(&self.params, batch.x, batch.context.as_ref(), false)?
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DendriteSpec, KwtaSpec, MlpSpec, ModelSpec, SegmentSelection};
    use crate::oja::OjaForm;
    use crate::prune::{PruneScope, PruneSpec, prune_round};
    use pollster::block_on;

    fn setup(spec: ModelSpec, train: TrainSpec, seed: u64) -> (Dataset, Trainer) {
        let data = Dataset::synthetic(200, 8, 4, 11);
        let device = crate::device::cpu();
        let net = Network::new(&spec, 8, 8, 4).expect("builds");
        let params = net.init(&mut Rng::derive(seed, 1), &device);
        let masks = Masks::dense(net.params());
        let trainer = Trainer::new(net, params, masks, train, &device, seed);
        (data, trainer)
    }

    fn all(data: &Dataset) -> Vec<usize> {
        (0..data.len()).collect()
    }

    fn adam() -> TrainSpec {
        TrainSpec {
            optimizer: OptimizerSpec::adam(0.01),
            batch_size: 16,
            epochs: 1,
            oja: None,
        }
    }

    #[test]
    fn training_learns_the_synthetic_task() {
        let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![32])), adam(), 1);
        let indices = all(&data);
        let samples = Samples::new(&data, &indices);
        let before = block_on(trainer.evaluate(&samples)).expect("evaluates");
        let first = block_on(trainer.train(&samples, 5)).expect("trains");
        let last = block_on(trainer.train(&samples, 60)).expect("trains");
        let after = block_on(trainer.evaluate(&samples)).expect("evaluates");
        assert!(last.mean_loss < first.mean_loss, "{first:?} -> {last:?}");
        assert!(
            after.accuracy() > 0.9,
            "accuracy {} (was {})",
            after.accuracy(),
            before.accuracy()
        );
        assert_eq!(trainer.steps(), 65);
    }

    #[test]
    fn same_seed_same_results() {
        let run = |seed| {
            let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![16])), adam(), seed);
            let indices = all(&data);
            let samples = Samples::new(&data, &indices);
            let report = block_on(trainer.train(&samples, 20)).expect("trains");
            (
                report.mean_loss,
                block_on(trainer.read_params()).expect("reads"),
            )
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3).0, run(4).0);
    }

    fn assert_masked_weights_stay_zero(train: TrainSpec, spec: ModelSpec) {
        let (data, mut trainer) = setup(spec, train, 2);
        let indices = all(&data);
        let samples = Samples::new(&data, &indices);
        let params = trainer.network().params().to_vec();
        let values = block_on(trainer.read_params()).expect("reads");
        let mut masks = Masks::dense(&params);
        let prune = PruneSpec {
            rate: 0.6,
            output_rate: 0.3,
            conv_rate: 0.3,
            scope: PruneScope::LayerWise,
        };
        prune_round(&params, &values, &mut masks, &prune);
        trainer.set_masks(masks.clone());
        for steps in [1, 7, 30] {
            block_on(trainer.train(&samples, steps)).expect("trains");
            let values = block_on(trainer.read_params()).expect("reads");
            let mut pruned = 0;
            let mut moved = 0;
            for (v, m) in values.iter().zip(&masks.0) {
                let Some(keep) = m else { continue };
                for (w, k) in v.iter().zip(keep) {
                    if !k {
                        assert_eq!(*w, 0.0, "a pruned weight changed after {steps} steps");
                        pruned += 1;
                    } else if *w != 0.0 {
                        moved += 1;
                    }
                }
            }
            assert!(pruned > 0 && moved > 0);
        }
    }

    #[test]
    fn masked_weights_stay_zero_under_every_optimiser_and_oja() {
        let mlp = || ModelSpec::Mlp(MlpSpec::new(vec![24, 12]));
        let oja = Some(OjaSpec {
            eta: 0.01,
            form: OjaForm::Subspace,
            signal: OjaSignal::Activation,
            output: OjaOutput::Logits,
        });
        for (optimizer, oja) in [
            (OptimizerSpec::sgd(0.1), None),
            (
                OptimizerSpec::Sgd {
                    lr: 0.05,
                    momentum: 0.9,
                    weight_decay: 1e-3,
                },
                None,
            ),
            (OptimizerSpec::adam(0.01), None),
            (
                OptimizerSpec::Adam {
                    lr: 1.2e-3,
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                    weight_decay: 1e-4,
                },
                None,
            ),
            (OptimizerSpec::sgd(0.05), oja),
        ] {
            let train = TrainSpec {
                optimizer,
                batch_size: 8,
                epochs: 1,
                oja,
            };
            assert_masked_weights_stay_zero(train, mlp());
        }
        let cnn = ModelSpec::Cnn(crate::model::CnnSpec {
            convs: vec![crate::model::ConvSpec {
                channels: 3,
                kernel: 3,
                padding: 1,
                pool: true,
            }],
            hidden: vec![10],
            conv_kwta: None,
            kwta: None,
            dendrites: None,
            init: Default::default(),
        });
        assert_masked_weights_stay_zero(adam(), cnn);
    }

    #[test]
    fn batch_size_one_and_a_partial_last_batch_work() {
        let mut online = adam();
        online.batch_size = 1;
        let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![8])), online, 5);
        let indices: Vec<usize> = (0..10).collect();
        let samples = Samples::new(&data, &indices);
        let report = block_on(trainer.train(&samples, 25)).expect("trains");
        assert_eq!(report.steps, 25);
        let mut big = adam();
        big.batch_size = 7;
        let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![8])), big, 5);
        let samples = Samples::new(&data, &indices);
        assert_eq!(big.steps_per_epoch(indices.len()), 2);
        block_on(trainer.train(&samples, 4)).expect("trains");
    }

    #[test]
    fn divergence_stops_with_a_clear_reason() {
        let mut wild = adam();
        wild.optimizer = OptimizerSpec::sgd(1e30);
        let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![16])), wild, 1);
        let indices = all(&data);
        let samples = Samples::new(&data, &indices);
        let error = block_on(trainer.train(&samples, 10)).expect_err("diverges");
        assert!(matches!(error, TrainError::NonFinite { .. }), "{error}");
        assert!(error.to_string().contains("learning rate"));
    }

    #[test]
    fn mismatched_or_empty_data_is_a_typed_error() {
        let (_, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![8])), adam(), 1);
        let other = Dataset::synthetic(10, 6, 4, 1);
        let indices: Vec<usize> = (0..10).collect();
        let error =
            block_on(trainer.train(&Samples::new(&other, &indices), 1)).expect_err("mismatch");
        assert!(matches!(error, TrainError::Mismatch { .. }));
        let data = Dataset::synthetic(10, 8, 4, 1);
        let error = block_on(trainer.train(&Samples::new(&data, &[]), 1)).expect_err("empty");
        assert_eq!(error, TrainError::NoSamples("train on"));
    }

    #[test]
    fn dendritic_kwta_network_trains_with_fixed_and_inferred_contexts() {
        let mut spec = MlpSpec::new(vec![32]);
        spec.kwta = Some(KwtaSpec { fraction: 0.25 });
        spec.dendrites = Some(DendriteSpec {
            segments: 2,
            context: 64,
            selection: SegmentSelection::Max,
        });
        let (data, mut trainer) = setup(ModelSpec::Mlp(spec), adam(), 1);
        let indices = all(&data);
        let prototype: Vec<f32> = (0..64).map(|i| (i % 7) as f32 / 7.0).collect();
        let fixed = ContextSource::Fixed(prototype.clone());
        let samples = Samples {
            context: Some(&fixed),
            ..Samples::new(&data, &indices)
        };
        block_on(trainer.train(&samples, 40)).expect("trains");
        let fixed_eval = block_on(trainer.evaluate(&samples)).expect("evaluates");
        let inferred = ContextSource::NearestPrototype(vec![prototype, vec![0.0; 64]]);
        let inferred_samples = Samples {
            context: Some(&inferred),
            ..samples
        };
        let inferred_eval = block_on(trainer.evaluate(&inferred_samples)).expect("evaluates");
        assert!(fixed_eval.accuracy() > 0.5, "{fixed_eval:?}");
        assert_eq!(inferred_eval.total, fixed_eval.total);
    }

    #[test]
    fn noise_is_the_same_draw_for_every_model_and_clipped() {
        let data = Dataset::synthetic(5, 8, 4, 1);
        let indices = all(&data);
        let noise = InputNoise::Gaussian {
            sigma: 0.5,
            seed: 9,
        };
        let noisy = Samples {
            noise: Some(noise),
            ..Samples::new(&data, &indices)
        };
        let a = noisy.input(3);
        let b = noisy.input(3);
        assert_eq!(a, b);
        assert_ne!(a, Samples::new(&data, &indices).input(3));
        assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
        let perm: Vec<usize> = (0..64).rev().collect();
        let permuted = Samples {
            permutation: Some(&perm),
            ..Samples::new(&data, &indices)
        };
        let plain = Samples::new(&data, &indices).input(2);
        let p = permuted.input(2);
        assert_eq!(p[0], plain[63]);
        assert_eq!(p[63], plain[0]);
    }

    #[test]
    fn an_optimizer_reset_forgets_the_state_and_keeps_the_weights() {
        let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![16])), adam(), 1);
        let indices = all(&data);
        let samples = Samples::new(&data, &indices);
        assert!(!trainer.optimizer_has_state());
        block_on(trainer.train(&samples, 3)).expect("trains");
        assert!(trainer.optimizer_has_state());
        let before = block_on(trainer.read_params()).expect("reads");
        trainer.reset_optimizer();
        assert!(!trainer.optimizer_has_state());
        assert_eq!(block_on(trainer.read_params()).expect("reads"), before);
        // The first step after a reset is Adam's first step: the same as a fresh trainer
        // from the same weights takes.
        let mut fresh = trainer.clone();
        let a = block_on(trainer.train(&samples, 1)).expect("trains");
        let b = block_on(fresh.train(&samples, 1)).expect("trains");
        assert_eq!(a.mean_loss, b.mean_loss);
        assert_eq!(
            block_on(trainer.read_params()).expect("reads"),
            block_on(fresh.read_params()).expect("reads")
        );
    }
}
