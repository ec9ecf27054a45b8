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
pub mod model_file;
pub mod noise;
pub mod plasticity;
pub mod presets;
pub mod shape;
pub mod stats;
pub mod training;

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, check_count, check_range};
use crate::data::{Dataset, Normalization, Shipped, Split};
use crate::model::{ModelError, ModelSpec};
use crate::tensor_io::ReadError;
use crate::train::{TrainError, TrainSpec};

mod spec;

pub use spec::{
    CONFIG_VERSION, ConfigLoadError, DataSpec, DatasetChoice, ExperimentConfig, ExperimentKind,
};

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
    /// Whether the host keeps trained networks ([`Host::trained`]); reading one back
    /// costs a copy of its parameters, so only then is it made (default: no).
    fn wants_model(&self) -> bool {
        false
    }
    /// Receives the Train experiment's final network, when [`Host::wants_model`] says so.
    fn trained(&mut self, model: model_file::SavedModel) {
        let _ = model;
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

    /// Whether the host keeps trained networks.
    pub(crate) fn wants_model(&self) -> bool {
        self.host.wants_model()
    }

    /// Hands a trained network to the host.
    pub(crate) fn trained(&mut self, model: model_file::SavedModel) {
        self.host.trained(model);
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

    /// Starts `phase` and reports it at once: for work that reports nothing until it is
    /// done, so the page does not go on naming the phase before it.
    pub(crate) async fn enter(&mut self, phase: impl Into<String>) -> Result<(), RunError> {
        self.phase(phase);
        self.advance(0, None).await
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
        Ok(self.run_counting(trainer, steps, tracker, false).await?.0)
    }

    /// [`Fit::run`], and the confusion matrix of the final network on the test samples,
    /// counted in the evaluation that ends the training (`None` when there were no steps).
    pub(crate) async fn run_with_confusion<H: Host>(
        &self,
        trainer: &mut crate::train::Trainer,
        steps: u64,
        tracker: &mut Tracker<'_, H>,
    ) -> Result<(FitResult, Option<crate::train::Confusion>), RunError> {
        self.run_counting(trainer, steps, tracker, true).await
    }

    async fn run_counting<H: Host>(
        &self,
        trainer: &mut crate::train::Trainer,
        steps: u64,
        tracker: &mut Tracker<'_, H>,
        with_confusion: bool,
    ) -> Result<(FitResult, Option<crate::train::Confusion>), RunError> {
        let mut confusion = None;
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
                let eval = if with_confusion && done == steps {
                    let (eval, matrix) = trainer.evaluate_with_confusion(&self.test).await?;
                    confusion = Some(matrix);
                    eval
                } else {
                    trainer.evaluate(&self.test).await?
                };
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
        let fit = FitResult {
            final_accuracy: curve.last().map_or(0.0, |p| p.1),
            best_accuracy: best_accuracy.max(0.0),
            best_step,
            final_loss,
            curve,
            losses,
            test_losses,
        };
        Ok((fit, confusion))
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
