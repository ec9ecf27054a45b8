//! Training one network: learning curves and predictions on sample test images. The Train
//! panel's experiment, and the baseline every other experiment builds on.

use serde::{Deserialize, Serialize};

use super::model_file::SavedModel;
use super::{ExperimentConfig, Fit, FitResult, Host, RunError, Tracker, eval_cost, schedule};
use crate::config::{ConfigError, check_count};
use crate::data::Dataset;
use crate::model::Network;
use crate::prune::Masks;
use crate::rng::{Rng, Stream};
use crate::train::{Confusion, ContextSource, Samples, Trainer, mean_input};

/// What to measure while training one network.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSpec {
    /// Evaluate on the test set every this many steps (0 = once per epoch).
    #[serde(default)]
    pub eval_every: u64,
    /// Test images whose predictions are kept with the result.
    #[serde(default = "default_predictions")]
    pub predictions: usize,
}

fn default_predictions() -> usize {
    16
}

impl Default for TrainingSpec {
    fn default() -> Self {
        TrainingSpec {
            eval_every: 0,
            predictions: default_predictions(),
        }
    }
}

impl TrainingSpec {
    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        check_count(&format!("{field}.predictions"), self.predictions, 0, 100)
    }
}

/// The network's answer for one test image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The image's index in the dataset.
    pub index: usize,
    /// The true class.
    pub label: u8,
    /// The class the network chose.
    pub predicted: u8,
    /// The probability the network gave its choice.
    pub confidence: f64,
    /// The image, row by row (0 = black).
    pub pixels: Vec<u8>,
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
}

/// The result of training one network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingResult {
    /// Learning curves and final accuracy.
    pub fit: FitResult,
    /// Training samples used.
    pub train_samples: usize,
    /// Test samples used.
    pub test_samples: usize,
    /// Predictions on the first test images.
    pub predictions: Vec<Prediction>,
    /// The final network's confusion matrix on the test samples (absent from runs saved
    /// before it was measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confusion: Option<Confusion>,
    /// The final network's accuracy on the training samples, beside the test accuracy
    /// (absent from runs saved before it was measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_accuracy: Option<f64>,
}

/// Trains the network `config` describes.
pub async fn run<H: Host>(
    config: &ExperimentConfig,
    spec: &TrainingSpec,
    dataset: &Dataset,
    device: &burn::tensor::Device,
    host: &mut H,
) -> Result<TrainingResult, RunError> {
    let split = config.data.split(dataset, config.seed);
    let (rows, cols) = dataset.image_shape();
    let net = Network::new(&config.model, rows, cols, dataset.classes())?;
    let norm = config.data.normalization(dataset, &split);
    // A dendritic network needs a context: here, the mean training image (one task).
    let context = match net.context_size() {
        None => None,
        Some(size) if size == dataset.features() => Some(ContextSource::Fixed(mean_input(
            &Samples::new(dataset, &split.train).normalized(norm),
        ))),
        Some(_) => {
            return Err(ConfigError::invalid(
                "model.dendrites.context",
                format!(
                    "the context is the mean image of {} values here, so this must be {}",
                    dataset.features(),
                    dataset.features()
                ),
            )
            .into());
        }
    };
    let (steps, eval_every) = schedule(config, split.train.len(), spec.eval_every);
    let evals = steps.div_ceil(eval_every);
    let batch = config.train.batch_size;
    // The last measurement: the training accuracy (a pass over the training samples). The
    // confusion matrix is counted in the final test evaluation, except when there were no
    // steps (then it is one more pass over the test samples).
    let confusion_pass = if steps == 0 {
        eval_cost(split.test.len(), batch)
    } else {
        0
    };
    let last = confusion_pass + eval_cost(split.train.len(), batch);
    let total = steps + evals * eval_cost(split.test.len(), batch) + last;
    let mut tracker = Tracker::new(host, total);
    let params = net.init(&mut Rng::stream(config.seed, Stream::Init), device);
    let masks = Masks::dense(net.params());
    let mut trainer = Trainer::new(net, params, masks, config.train, device, config.seed)?;
    let train = Samples {
        context: context.as_ref(),
        ..Samples::new(dataset, &split.train).normalized(norm)
    };
    let test = Samples {
        indices: &split.test,
        ..train
    };
    let plan = Fit {
        train,
        test,
        eval_every,
        chunk: config.steps_per_call,
    };
    tracker.phase("training");
    tracker.focus("model", 0);
    let (fit, confusion) = plan
        .run_with_confusion(&mut trainer, steps, &mut tracker)
        .await?;
    tracker.enter("measuring the final network").await?;
    let confusion = match confusion {
        Some(matrix) => matrix,
        None => trainer.confusion(&test).await?,
    };
    let train_accuracy = trainer.evaluate(&train).await?.accuracy();
    tracker.advance(last, None).await?;
    if tracker.wants_model() {
        let model = SavedModel {
            config: config.clone(),
            input: (rows, cols),
            classes: dataset.classes(),
            normalization: norm,
            params: trainer.read_params().await?,
            masks: trainer.masks().clone(),
            test_accuracy: Some(fit.final_accuracy),
        };
        tracker.trained(model);
    }
    let shown = &split.test[..spec.predictions.min(split.test.len())];
    let predictions = if shown.is_empty() {
        Vec::new()
    } else {
        let probabilities = trainer
            .predict(&Samples {
                indices: shown,
                ..test
            })
            .await?;
        shown
            .iter()
            .zip(probabilities)
            .map(|(&index, p)| {
                let (predicted, confidence) =
                    p.iter()
                        .copied()
                        .enumerate()
                        .fold(
                            (0, f32::NEG_INFINITY),
                            |best, c| {
                                if c.1 > best.1 { c } else { best }
                            },
                        );
                Prediction {
                    index,
                    label: dataset.label(index),
                    predicted: u8::try_from(predicted).unwrap_or(u8::MAX),
                    confidence: f64::from(confidence),
                    pixels: dataset.image(index).to_vec(),
                    width: cols,
                    height: rows,
                }
            })
            .collect()
    };
    Ok(TrainingResult {
        fit,
        train_samples: split.train.len(),
        test_samples: split.test.len(),
        predictions,
        confusion: Some(confusion),
        train_accuracy: Some(train_accuracy),
    })
}
