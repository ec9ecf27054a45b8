//! Experiments: a versioned, validated config (JSON) and the drivers that run it.
//!
//! The same [`ExperimentConfig`] runs in the app and in the native runner. A driver is an
//! async function that trains in bounded chunks ([`ExperimentConfig::steps_per_call`]) and
//! after each chunk reports [`Progress`] to its [`Host`] and awaits [`Host::pause`]: the
//! browser yields to the event loop there (so the page stays responsive) and can cancel;
//! the runner updates a progress bar.

pub mod claims;
pub mod continual;
pub mod export;
pub mod imp;
pub mod noise;
pub mod plasticity;
pub mod presets;
pub mod stats;
pub mod training;

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, check_count, check_range};
use crate::data::{Dataset, Normalization, Shipped, Split};
use crate::model::{ModelError, ModelSpec};
use crate::tensor_io::ReadError;
use crate::train::{TrainError, TrainSpec};

/// The config format this engine writes. Older versions keep loading, with the meaning
/// they had (see [`ExperimentConfig::from_json`]).
///
/// Version 2 changed defaults so that an option left out means what the papers' code
/// does: inputs normalised (`data.normalize`), sparse-aware initialisation
/// (`model.init.scheme`), absolute-max dendrite gating (`model.dendrites.selection`), and
/// in continual learning a sparse output layer and an optimiser reset per task.
pub const CONFIG_VERSION: u32 = 2;

/// Which data an experiment reads and how it is split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// A shipped dataset, or `custom` for IDX files the user loads.
    pub dataset: DatasetChoice,
    /// Fraction of the samples held out for testing.
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// At most this many training samples (0 = all).
    #[serde(default)]
    pub train_samples: usize,
    /// At most this many test samples (0 = all).
    #[serde(default)]
    pub test_samples: usize,
    /// The seed of the train/test split (default: the experiment's seed). Multi-seed
    /// experiments fix it so every seed trains and tests on the same samples.
    #[serde(default)]
    pub split_seed: Option<u64>,
    /// Standardise inputs by the training split's pixel mean and standard deviation (as
    /// the papers' code does); noise is added before, in pixel space. Version-1 configs,
    /// written before this option, did not normalise.
    #[serde(default = "crate::config::default_true")]
    pub normalize: bool,
}

fn default_test_fraction() -> f64 {
    1.0 / 6.0
}

/// The dataset an experiment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetChoice {
    /// Shipped MNIST.
    Mnist,
    /// Shipped Fashion-MNIST.
    FashionMnist,
    /// IDX files the user provides.
    Custom,
}

impl DatasetChoice {
    /// The shipped dataset, if it is one.
    pub fn shipped(self) -> Option<Shipped> {
        match self {
            DatasetChoice::Mnist => Some(Shipped::Mnist),
            DatasetChoice::FashionMnist => Some(Shipped::FashionMnist),
            DatasetChoice::Custom => None,
        }
    }
}

impl DataSpec {
    /// The seeded split of `dataset`, truncated to the configured sizes.
    pub fn split(&self, dataset: &Dataset, seed: u64) -> Split {
        let mut split = dataset.split(self.test_fraction, self.split_seed.unwrap_or(seed));
        if self.train_samples > 0 {
            split.train.truncate(self.train_samples);
        }
        if self.test_samples > 0 {
            split.test.truncate(self.test_samples);
        }
        split
    }

    /// The input standardisation of this data, from the training samples of `split`
    /// (`None` when [`DataSpec::normalize`] is off).
    pub fn normalization(&self, dataset: &Dataset, split: &Split) -> Option<Normalization> {
        self.normalize.then(|| dataset.pixel_stats(&split.train))
    }

    fn validate(&self, field: &str) -> Result<(), ConfigError> {
        check_range(
            &format!("{field}.test_fraction"),
            self.test_fraction,
            0.01,
            0.99,
        )?;
        check_count(
            &format!("{field}.train_samples"),
            self.train_samples,
            0,
            10_000_000,
        )?;
        check_count(
            &format!("{field}.test_samples"),
            self.test_samples,
            0,
            10_000_000,
        )
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExperimentKind {
    /// Train one network and watch its curves.
    Train(training::TrainingSpec),
    /// Iterative magnitude pruning.
    Imp(imp::ImpSpec),
    /// Accuracy under input noise, dense against pruned, over several seeds.
    Noise(noise::NoiseSpec),
    /// A sequence of tasks trained one after another.
    Continual(continual::ContinualSpec),
    /// Backprop against backprop + Oja's rule.
    Plasticity(plasticity::PlasticitySpec),
}

/// A complete experiment: data, model, training and what to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Config format version ([`CONFIG_VERSION`]).
    pub version: u32,
    /// A name for the run.
    #[serde(default)]
    pub name: String,
    /// The seed everything random derives from.
    pub seed: u64,
    /// Data.
    pub data: DataSpec,
    /// The network.
    pub model: ModelSpec,
    /// How it is trained.
    pub train: TrainSpec,
    /// What to run.
    pub experiment: ExperimentKind,
    /// Optimiser steps between progress reports (and yields, in the browser).
    #[serde(default = "default_steps_per_call")]
    pub steps_per_call: usize,
}

fn default_steps_per_call() -> usize {
    20
}

/// A config that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigLoadError {
    /// Not valid JSON, or not the right structure.
    #[error("not a valid experiment config: {0}")]
    Syntax(String),
    /// Written by a newer version of the playground.
    #[error("this config is version {found}; this playground reads versions up to {supported}")]
    Version {
        /// The config's version.
        found: u32,
        /// The newest version understood.
        supported: u32,
    },
    /// A field is out of range.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
}

impl ExperimentConfig {
    /// Parses and validates a config from JSON. Versions up to [`CONFIG_VERSION`] load;
    /// an older one is upgraded first, keeping its meaning (see [`CONFIG_VERSION`]).
    pub fn from_json(text: &str) -> Result<Self, ConfigLoadError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ConfigLoadError::Syntax(e.to_string()))?;
        let config = Self::from_value_unchecked(value)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads a config from a JSON value, upgrading an older version, without validating
    /// it (saved runs keep the config they ran with, even one a later version rejects).
    pub fn from_value_unchecked(mut value: serde_json::Value) -> Result<Self, ConfigLoadError> {
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        match version {
            Some(v) if v > u64::from(CONFIG_VERSION) => {
                return Err(ConfigLoadError::Version {
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                    supported: CONFIG_VERSION,
                });
            }
            Some(0) | None => {
                return Err(ConfigLoadError::Invalid(ConfigError::invalid(
                    "version",
                    format!("missing; this playground writes version {CONFIG_VERSION}"),
                )));
            }
            Some(1) => upgrade_v1(&mut value),
            Some(_) => {}
        }
        serde_json::from_value(value).map_err(|e| ConfigLoadError::Syntax(e.to_string()))
    }

    /// The config as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.data.validate("data")?;
        self.model.validate("model")?;
        self.train.validate("train")?;
        check_count("steps_per_call", self.steps_per_call, 1, 100_000)?;
        match &self.experiment {
            ExperimentKind::Train(s) => s.validate("experiment"),
            ExperimentKind::Imp(s) => s.validate("experiment"),
            ExperimentKind::Noise(s) => s.validate("experiment"),
            ExperimentKind::Continual(s) => s.validate("experiment"),
            ExperimentKind::Plasticity(s) => s.validate("experiment"),
        }
    }
}

/// Writes out, in a version-1 config, the defaults that version 2 changed, so it keeps
/// its meaning; then marks it version 2. Anything not an object is left for serde to
/// reject.
fn upgrade_v1(config: &mut serde_json::Value) {
    use serde_json::{Value, json};
    fn set_if_absent(object: Option<&mut Value>, key: &str, value: Value) {
        if let Some(Value::Object(map)) = object {
            map.entry(key).or_insert(value);
        }
    }
    set_if_absent(config.get_mut("data"), "normalize", json!(false));
    if let Some(Value::Object(model)) = config.get_mut("model") {
        let init = model.entry("init").or_insert_with(|| json!({}));
        set_if_absent(Some(init), "scheme", json!("uniform"));
        if let Some(d @ Value::Object(_)) = model.get_mut("dendrites") {
            set_if_absent(Some(d), "selection", json!("max"));
        }
    }
    if let Some(experiment) = config.get_mut("experiment")
        && experiment.get("kind").and_then(Value::as_str) == Some("continual")
    {
        set_if_absent(Some(&mut *experiment), "sparse_output", json!(false));
        set_if_absent(Some(experiment), "reset_optimizer", json!(false));
    }
    if let Value::Object(map) = config {
        map.insert("version".into(), json!(CONFIG_VERSION));
    }
}

/// How far a run has got. `done` and `total` count optimiser steps (plus evaluation work
/// in the same units), so `done / total` is the fraction of the work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// What is running, in words ("round 3 of 10: training").
    pub phase: String,
    /// Work done.
    pub done: u64,
    /// All the work planned.
    pub total: u64,
    /// The latest mean training loss.
    pub loss: Option<f64>,
}

impl Progress {
    /// Fraction done, in [0, 1].
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).min(1.0)
        }
    }

    /// Estimated seconds left, from the seconds spent so far.
    pub fn seconds_left(&self, elapsed: f64) -> Option<f64> {
        let f = self.fraction();
        (f > 0.0).then(|| elapsed * (1.0 - f) / f)
    }
}

/// Whether to go on after a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// Stop as soon as possible.
    Cancel,
}

/// What a driver needs from whoever runs it.
pub trait Host {
    /// Receives progress; returns whether to go on.
    fn report(&mut self, progress: &Progress) -> Flow;
    /// Awaited after every report: the browser yields to the event loop here.
    fn pause(&mut self) -> impl std::future::Future<Output = ()>;
    /// Receives each measurement as it is made, for live charts (default: ignored).
    fn observe(&mut self, point: LivePoint) {
        let _ = point;
    }
    /// Optimiser steps to run before the next report, at most `configured` (the config's
    /// `steps_per_call`). The browser shrinks it so no chunk blocks the page for long
    /// (default: `configured`).
    fn steps_per_call(&mut self, configured: usize) -> usize {
        configured
    }
}

/// Which live chart a [`LivePoint`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LivePlot {
    /// Mean training loss against step.
    TrainLoss,
    /// Test accuracy against step.
    TestAccuracy,
    /// Mean test loss against step.
    TestLoss,
    /// Final test accuracy against the fraction of weights remaining (one point per IMP
    /// round and series).
    AccuracyVsRemaining,
    /// Test accuracy against the noise level (sigma, or fraction of pixels).
    AccuracyVsNoise,
    /// Accuracy on one task (the series) after training task x (1-based).
    TaskAccuracy,
}

/// A point a running experiment adds to a live chart, as soon as it is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LivePoint {
    /// The chart.
    pub plot: LivePlot,
    /// The curve within the chart ("BP+Oja", "round 3: rewind to init", "task 2").
    pub series: String,
    /// Horizontal position.
    pub x: f64,
    /// Vertical position.
    pub y: f64,
}

/// A host that never cancels and never waits (tests, scripts).
#[derive(Debug, Default)]
pub struct Quiet;

impl Host for Quiet {
    fn report(&mut self, _: &Progress) -> Flow {
        Flow::Continue
    }
    async fn pause(&mut self) {}
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The config does not fit this experiment or the data.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The model could not be built.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Reading from the device failed.
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Counts work and talks to the host.
pub(crate) struct Tracker<'h, H: Host> {
    host: &'h mut H,
    pub(crate) progress: Progress,
    /// The series the model being trained feeds in the live loss and accuracy charts.
    series: String,
    /// Added to the step of those points (a model trained in parts).
    offset: u64,
}

impl<'h, H: Host> Tracker<'h, H> {
    pub(crate) fn new(host: &'h mut H, total: u64) -> Self {
        Tracker {
            host,
            progress: Progress {
                phase: String::new(),
                done: 0,
                total,
                loss: None,
            },
            series: String::new(),
            offset: 0,
        }
    }

    /// Names the model trained next in the live charts; its steps start at `offset`.
    pub(crate) fn focus(&mut self, series: impl Into<String>, offset: u64) {
        self.series = series.into();
        self.offset = offset;
    }

    /// The steps the host wants in the next chunk, between 1 and `configured`.
    pub(crate) fn steps_per_call(&mut self, configured: usize) -> usize {
        self.host
            .steps_per_call(configured)
            .clamp(1, configured.max(1))
    }

    /// Sends a live point to the host.
    pub(crate) fn point(&mut self, plot: LivePlot, series: impl Into<String>, x: f64, y: f64) {
        self.host.observe(LivePoint {
            plot,
            series: series.into(),
            x,
            y,
        });
    }

    /// A point of the focused model's curves at `step` steps into the current part.
    fn curve_point(&mut self, plot: LivePlot, step: u64, y: f64) {
        let series = self.series.clone();
        let x = (self.offset + step) as f64;
        self.point(plot, series, x, y);
    }

    pub(crate) fn phase(&mut self, phase: impl Into<String>) {
        self.progress.phase = phase.into();
    }

    /// Records `work` units done and reports; `Err(Cancelled)` if the host says stop.
    pub(crate) async fn advance(&mut self, work: u64, loss: Option<f64>) -> Result<(), RunError> {
        self.progress.done += work;
        if loss.is_some() {
            self.progress.loss = loss;
        }
        let flow = self.host.report(&self.progress);
        self.host.pause().await;
        match flow {
            Flow::Continue => Ok(()),
            Flow::Cancel => Err(RunError::Cancelled),
        }
    }
}

/// The result of any experiment, as it is saved and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExperimentResult {
    /// One network trained.
    Train(training::TrainingResult),
    /// Iterative magnitude pruning.
    Imp(imp::ImpResult),
    /// Noise robustness.
    Noise(noise::NoiseResult),
    /// Continual learning.
    Continual(continual::ContinualResult),
    /// Plasticity.
    Plasticity(plasticity::PlasticityResult),
}

/// Runs `config` on `dataset` (the one its `data.dataset` names) on `device`.
pub async fn run<H: Host>(
    config: &ExperimentConfig,
    dataset: &Dataset,
    device: &burn::tensor::Device,
    host: &mut H,
) -> Result<ExperimentResult, RunError> {
    config.validate()?;
    Ok(match &config.experiment {
        ExperimentKind::Train(spec) => {
            ExperimentResult::Train(training::run(config, spec, dataset, device, host).await?)
        }
        ExperimentKind::Imp(spec) => {
            ExperimentResult::Imp(imp::run(config, spec, dataset, device, host).await?)
        }
        ExperimentKind::Noise(spec) => {
            ExperimentResult::Noise(noise::run(config, spec, dataset, device, host).await?)
        }
        ExperimentKind::Continual(spec) => {
            ExperimentResult::Continual(continual::run(config, spec, dataset, device, host).await?)
        }
        ExperimentKind::Plasticity(spec) => ExperimentResult::Plasticity(
            plasticity::run(config, spec, dataset, device, host).await?,
        ),
    })
}

/// The outcome of training one model in an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitResult {
    /// Test accuracy at the end of training.
    pub final_accuracy: f64,
    /// Best test accuracy seen at an evaluation.
    pub best_accuracy: f64,
    /// The step of the best accuracy.
    pub best_step: u64,
    /// Mean training loss of the last chunk.
    pub final_loss: f64,
    /// (step, test accuracy) at each evaluation.
    pub curve: Vec<(u64, f64)>,
    /// (step, mean training loss of the chunk ending there).
    pub losses: Vec<(u64, f64)>,
    /// (step, mean test loss) at each evaluation.
    #[serde(default)]
    pub test_losses: Vec<(u64, f64)>,
}

impl FitResult {
    /// No training yet.
    pub(crate) fn empty() -> Self {
        FitResult {
            final_accuracy: 0.0,
            best_accuracy: 0.0,
            best_step: 0,
            final_loss: f64::NAN,
            curve: Vec::new(),
            losses: Vec::new(),
            test_losses: Vec::new(),
        }
    }

    /// Continues this result with `later`, which started `offset` steps in.
    pub(crate) fn append(&mut self, later: FitResult, offset: u64) {
        self.curve
            .extend(later.curve.iter().map(|(s, a)| (s + offset, *a)));
        self.losses
            .extend(later.losses.iter().map(|(s, l)| (s + offset, *l)));
        self.test_losses
            .extend(later.test_losses.iter().map(|(s, l)| (s + offset, *l)));
        if later.best_accuracy > self.best_accuracy {
            self.best_accuracy = later.best_accuracy;
            self.best_step = later.best_step + offset;
        }
        if !later.curve.is_empty() {
            self.final_accuracy = later.final_accuracy;
        }
        if !later.losses.is_empty() {
            self.final_loss = later.final_loss;
        }
    }
}

/// What a model trains on and how it is tested and reported, shared by every model an
/// experiment trains.
#[derive(Clone, Copy)]
pub(crate) struct Fit<'a> {
    /// Training samples.
    pub train: crate::train::Samples<'a>,
    /// Test samples.
    pub test: crate::train::Samples<'a>,
    /// Evaluate every this many steps (and at the end).
    pub eval_every: u64,
    /// Steps per call to the trainer (and per progress report).
    pub chunk: usize,
}

impl Fit<'_> {
    /// Trains `trainer` for `steps` steps, evaluating every `eval_every` steps and at the
    /// end, reporting through `tracker`.
    pub(crate) async fn run<H: Host>(
        &self,
        trainer: &mut crate::train::Trainer,
        steps: u64,
        tracker: &mut Tracker<'_, H>,
    ) -> Result<FitResult, RunError> {
        let mut curve = Vec::new();
        let mut losses = Vec::new();
        let mut test_losses = Vec::new();
        let mut done = 0u64;
        let mut next_eval = self.eval_every.max(1);
        let mut final_loss = f64::NAN;
        while done < steps {
            let chunk = tracker.steps_per_call(self.chunk) as u64;
            let n = chunk.min(steps - done).min(next_eval - done);
            let report = trainer.train(&self.train, n as usize).await?;
            done += n;
            final_loss = report.mean_loss;
            losses.push((done, report.mean_loss));
            tracker.curve_point(LivePlot::TrainLoss, done, report.mean_loss);
            let mut work = n;
            if done == next_eval || done == steps {
                let eval = trainer.evaluate(&self.test).await?;
                curve.push((done, eval.accuracy()));
                test_losses.push((done, eval.loss));
                tracker.curve_point(LivePlot::TestAccuracy, done, eval.accuracy());
                tracker.curve_point(LivePlot::TestLoss, done, eval.loss);
                work += eval_cost(self.test.indices.len(), trainer.spec().batch_size);
                next_eval = (done + self.eval_every.max(1)).min(steps);
            }
            tracker.advance(work, Some(report.mean_loss)).await?;
        }
        let (best_step, best_accuracy) = curve.iter().copied().fold(
            (0, f64::NEG_INFINITY),
            |best, p| if p.1 > best.1 { p } else { best },
        );
        Ok(FitResult {
            final_accuracy: curve.last().map_or(0.0, |p| p.1),
            best_accuracy: best_accuracy.max(0.0),
            best_step,
            final_loss,
            curve,
            losses,
            test_losses,
        })
    }
}

/// Training steps for `train` samples over the config's epochs, and the evaluation interval
/// (`eval_every`, or once per epoch when it is 0).
pub(crate) fn schedule(config: &ExperimentConfig, train: usize, eval_every: u64) -> (u64, u64) {
    let per_epoch = config.train.steps_per_epoch(train) as u64;
    let steps = config.train.epochs as u64 * per_epoch;
    let every = if eval_every == 0 {
        per_epoch
    } else {
        eval_every
    };
    (steps, every.max(1))
}

/// An evaluation's work in training-step units: a forward pass over the test set costs
/// about a third of training on as many samples.
pub(crate) fn eval_cost(test_samples: usize, batch_size: usize) -> u64 {
    (test_samples.div_ceil(batch_size.max(1)) as u64).div_ceil(3)
}

#[cfg(test)]
mod tests;
