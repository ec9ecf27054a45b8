//! Iterative magnitude pruning (lottery tickets), docs/science.md, "Iterative magnitude pruning".
//!
//! Round 0 trains the dense network. Each later round prunes the trained weights by
//! magnitude ([`crate::prune::prune_round`]), resets the survivors by the chosen
//! [`ResetMode`] and trains again. Controls train, at each round's sparsity, a network with
//! the ticket's mask and a fresh random initialisation, or a random mask of the same
//! sparsity on the original initialisation.

use serde::{Deserialize, Serialize};

use super::{
    ExperimentConfig, Fit, FitResult, Host, LivePlot, RunError, Tracker, eval_cost, schedule,
};
use crate::config::{ConfigError, check_count, check_range};
use crate::data::Dataset;
use crate::model::{ModelSpec, Network};
use crate::prune::{
    GrayImage, LayerSparsity, Masks, PruneSpec, first_layer_mask_image, first_layer_weight_image,
    prune_round,
};
use crate::rng::{Rng, Stream};
use crate::tensor_io::upload_params;
use crate::train::{Samples, Trainer};

/// How the surviving weights start each round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ResetMode {
    /// Back to the original initialisation (the lottery ticket).
    RewindInit,
    /// Back to the weights after `step` steps of round 0 ("late rewinding").
    RewindStep {
        /// The step rewound to.
        step: u64,
    },
    /// Keep the trained weights and train on (fine-tuning).
    FineTune,
}

impl ResetMode {
    /// A short label for charts and tables.
    pub fn label(&self) -> String {
        match self {
            ResetMode::RewindInit => "rewind to init".into(),
            ResetMode::RewindStep { step } => format!("rewind to step {step}"),
            ResetMode::FineTune => "fine-tune".into(),
        }
    }
}

/// A control trained beside the ticket at each round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// The ticket's mask with a fresh random initialisation (Frankle & Carbin's control).
    RandomReinit,
    /// A random mask of the same per-layer sparsity on the original initialisation (Bain's
    /// random tickets).
    RandomMask,
}

impl Control {
    /// A short label for charts and tables.
    pub fn label(self) -> &'static str {
        match self {
            Control::RandomReinit => "random re-init",
            Control::RandomMask => "random mask",
        }
    }
}

/// An IMP schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpSpec {
    /// The rates of each pruning round.
    pub prune: PruneSpec,
    /// Pruning rounds after the dense round 0.
    pub rounds: usize,
    /// Stop once at most this fraction of the weights remains (optional).
    #[serde(default)]
    pub target_remaining: Option<f64>,
    /// How survivors are reset.
    pub reset: ResetMode,
    /// Controls trained at each round.
    #[serde(default)]
    pub controls: Vec<Control>,
    /// Evaluate on the test set every this many steps (0 = once per epoch).
    #[serde(default)]
    pub eval_every: u64,
}

impl ImpSpec {
    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        self.prune.validate(&format!("{field}.prune"))?;
        check_count(&format!("{field}.rounds"), self.rounds, 0, 100)?;
        if let Some(t) = self.target_remaining {
            check_range(&format!("{field}.target_remaining"), t, 0.0001, 1.0)?;
        }
        Ok(())
    }

    /// The rounds that will run (including round 0), given the target.
    pub fn planned_rounds(&self) -> usize {
        let Some(target) = self.target_remaining else {
            return self.rounds + 1;
        };
        let rate = self.prune.rate;
        let mut n = 0;
        while n < self.rounds && crate::prune::remaining_after(rate, n) > target {
            n += 1;
        }
        n + 1
    }
}

/// One trained model at one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Which series (the reset mode's or a control's label).
    pub series: String,
    /// How it trained.
    pub fit: FitResult,
}

/// Everything measured at one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundResult {
    /// Round number (0 = dense).
    pub round: usize,
    /// Fraction of all weights remaining.
    pub remaining: f64,
    /// Weights remaining per layer.
    pub layers: Vec<LayerSparsity>,
    /// The ticket first, then each control.
    pub series: Vec<SeriesPoint>,
}

/// The result of an IMP run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpResult {
    /// One entry per round.
    pub rounds: Vec<RoundResult>,
    /// The final masks.
    #[serde(skip)]
    pub masks: Masks,
    /// The trained parameters of the last round's ticket, on the host.
    #[serde(skip)]
    pub final_values: Vec<Vec<f32>>,
    /// The trained parameters of the dense round 0, on the host.
    #[serde(skip)]
    pub dense_values: Vec<Vec<f32>>,
}

/// A picture of a pruned network, for people: the app keeps it with the run, the runner
/// writes it as `<stem>-<slug>.png`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpImage {
    /// Short file-name part (`fc1-mask`).
    pub slug: &'static str,
    /// What the picture shows, as a caption.
    pub title: &'static str,
    /// The picture.
    pub image: GrayImage,
}

/// The first layer's mask and trained weights of `result` as images, one tile per unit
/// (see [`first_layer_mask_image`]); empty when the model has no dense first layer over
/// the images (a CNN) or `model` does not build.
pub fn first_layer_images(
    model: &ModelSpec,
    dataset: &Dataset,
    result: &ImpResult,
) -> Vec<ImpImage> {
    let (rows, cols) = dataset.image_shape();
    let Ok(net) = Network::new(model, rows, cols, dataset.classes()) else {
        return Vec::new();
    };
    [
        (
            "fc1-mask",
            "First layer: weights kept (white) and pruned (black), one tile per unit",
            first_layer_mask_image(net.params(), &result.masks, rows, cols),
        ),
        (
            "fc1-weights",
            "First layer: trained weights (white positive, black negative, gray zero)",
            first_layer_weight_image(net.params(), &result.final_values, rows, cols),
        ),
    ]
    .into_iter()
    .filter_map(|(slug, title, image)| {
        Some(ImpImage {
            slug,
            title,
            image: image?,
        })
    })
    .collect()
}

/// Work units (training steps plus evaluation) an IMP run plans.
pub(crate) fn planned_work(
    config: &ExperimentConfig,
    spec: &ImpSpec,
    train: usize,
    test: usize,
) -> u64 {
    let (steps, eval_every) = schedule(config, train, spec.eval_every);
    let evals = steps.div_ceil(eval_every.max(1));
    let per_model = steps + evals * eval_cost(test, config.train.batch_size);
    spec.planned_rounds() as u64 * (1 + spec.controls.len() as u64) * per_model
}

/// Runs IMP as `config` and `spec` say.
pub async fn run<H: Host>(
    config: &ExperimentConfig,
    spec: &ImpSpec,
    dataset: &Dataset,
    device: &burn::tensor::Device,
    host: &mut H,
) -> Result<ImpResult, RunError> {
    let split = config.data.split(dataset, config.seed);
    let total = planned_work(config, spec, split.train.len(), split.test.len());
    let mut tracker = Tracker::new(host, total);
    run_in(config, spec, dataset, device, &mut tracker).await
}

/// Runs IMP, reporting to an existing tracker (for experiments built on IMP).
pub(crate) async fn run_in<H: Host>(
    config: &ExperimentConfig,
    spec: &ImpSpec,
    dataset: &Dataset,
    device: &burn::tensor::Device,
    tracker: &mut Tracker<'_, H>,
) -> Result<ImpResult, RunError> {
    let split = config.data.split(dataset, config.seed);
    let (rows, cols) = dataset.image_shape();
    let net = Network::new(&config.model, rows, cols, dataset.classes())?;
    let (steps_per_round, eval_every) = schedule(config, split.train.len(), spec.eval_every);
    let norm = config.data.normalization(dataset, &split);
    let plan = Fit {
        train: Samples::new(dataset, &split.train).normalized(norm),
        test: Samples::new(dataset, &split.test).normalized(norm),
        eval_every,
        chunk: config.steps_per_call,
    };
    let rounds = spec.planned_rounds();

    let init_values = net.init_values(&mut Rng::stream(config.seed, Stream::Init));
    let mut masks = Masks::dense(net.params());
    let mut rewind_values: Option<Vec<Vec<f32>>> = None;
    let mut current_values = init_values.clone();
    let mut dense_values = Vec::new();
    let mut results = Vec::new();

    for round in 0..rounds {
        // The ticket.
        let start = if round == 0 {
            init_values.clone()
        } else {
            match spec.reset {
                ResetMode::RewindInit => init_values.clone(),
                ResetMode::RewindStep { .. } => {
                    rewind_values.clone().unwrap_or_else(|| init_values.clone())
                }
                ResetMode::FineTune => current_values.clone(),
            }
        };
        let mut trainer = Trainer::new(
            net.clone(),
            upload_params(start, device),
            masks.clone(),
            config.train,
            device,
            config.seed.wrapping_add(round as u64),
        )?;
        tracker.phase(format!(
            "round {round} of {}: {}",
            rounds - 1,
            spec.reset.label()
        ));
        let remaining = masks.remaining(net.params());
        tracker.focus(format!("round {round}: {}", spec.reset.label()), 0);
        let ticket = if let (0, ResetMode::RewindStep { step }) = (round, spec.reset) {
            // Train to the rewind step, keep those weights, then train on.
            let k = step.min(steps_per_round);
            let mut ticket = plan.run(&mut trainer, k, tracker).await?;
            rewind_values = Some(trainer.read_params().await?);
            let rest = plan.run(&mut trainer, steps_per_round - k, tracker).await?;
            ticket.append(rest, k);
            ticket
        } else {
            plan.run(&mut trainer, steps_per_round, tracker).await?
        };
        current_values = trainer.read_params().await?;
        if round == 0 {
            dense_values = current_values.clone();
        }
        tracker.point(
            LivePlot::AccuracyVsRemaining,
            spec.reset.label(),
            remaining,
            ticket.final_accuracy,
        );
        let mut series = vec![SeriesPoint {
            series: spec.reset.label(),
            fit: ticket,
        }];
        for (c, control) in spec.controls.iter().enumerate() {
            let stream = Stream::Control { round, index: c };
            let (values, control_masks) = match control {
                Control::RandomReinit => (
                    net.init_values(&mut Rng::stream(config.seed, stream)),
                    masks.clone(),
                ),
                Control::RandomMask => (
                    init_values.clone(),
                    masks.shuffled(net.params(), &mut Rng::stream(config.seed, stream)),
                ),
            };
            let mut trainer = Trainer::new(
                net.clone(),
                upload_params(values, device),
                control_masks,
                config.train,
                device,
                config.seed.wrapping_add(round as u64),
            )?;
            tracker.phase(format!(
                "round {round} of {}: {}",
                rounds - 1,
                control.label()
            ));
            tracker.focus(format!("round {round}: {}", control.label()), 0);
            let result = plan.run(&mut trainer, steps_per_round, tracker).await?;
            tracker.point(
                LivePlot::AccuracyVsRemaining,
                control.label(),
                remaining,
                result.final_accuracy,
            );
            series.push(SeriesPoint {
                series: control.label().into(),
                fit: result,
            });
        }
        results.push(RoundResult {
            round,
            remaining,
            layers: masks.sparsity(net.params()),
            series,
        });
        if round + 1 < rounds {
            prune_round(net.params(), &current_values, &mut masks, &spec.prune);
        }
    }
    Ok(ImpResult {
        rounds: results,
        masks,
        final_values: current_values,
        dense_values,
    })
}
