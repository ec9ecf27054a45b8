//! The experiment config: what to run (data, model, training, experiment kind), its
//! validation with a message per field, and loading any config version this engine wrote.

use serde::{Deserialize, Serialize};

use super::*;

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

pub(super) fn default_test_fraction() -> f64 {
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
    /// Every choice, in the order forms list them.
    pub const ALL: [DatasetChoice; 3] = [
        DatasetChoice::Mnist,
        DatasetChoice::FashionMnist,
        DatasetChoice::Custom,
    ];

    /// The id configs and forms use (`fashion-mnist`), the same as its serde name.
    pub fn id(self) -> &'static str {
        match self {
            DatasetChoice::Mnist => "mnist",
            DatasetChoice::FashionMnist => "fashion-mnist",
            DatasetChoice::Custom => "custom",
        }
    }

    /// The choice an id names ([`DatasetChoice::id`]), if any.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }

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

    pub(super) fn validate(&self, field: &str) -> Result<(), ConfigError> {
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

pub(super) fn default_steps_per_call() -> usize {
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
pub(super) fn upgrade_v1(config: &mut serde_json::Value) {
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
