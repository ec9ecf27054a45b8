//! A trained network as a file: safetensors, versioned, checked on load like every file
//! from outside.
//!
//! The Train panel's network can be downloaded and loaded back (in the page, to re-test it
//! under noise; in the runner, `bioplay eval`). The file is a standard
//! [safetensors](https://huggingface.co/docs/safetensors) file, readable by any of its
//! libraries: one `F32` tensor per parameter under its name (`fc1.weight`, shaped as the
//! network uses it) and one `U8` tensor of 0/1 per pruning mask (`fc1.weight.mask`), with
//! string metadata: `format` ([`FORMAT`]), `version` ([`VERSION`]), `config` (the run's
//! experiment config, JSON), `input` (`28x28`), `classes`, `normalization` (JSON: the
//! input standardisation the network was trained with, or `null`) and `test_accuracy` (as
//! measured when it was saved).
//!
//! [`SavedModel::from_bytes`] refuses, with a [`ModelFileError`] that says what is wrong,
//! anything over [`MAX_BYTES`], anything safetensors cannot parse, another format or
//! version, a config that does not validate, a network the config cannot build for the
//! stated input, and any missing, extra, mis-shaped, mis-typed or non-finite tensor.

use std::collections::HashMap;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::noise::NoiseSpec;
use super::{ExperimentConfig, RunError};
use crate::config::ConfigError;
use crate::data::{Dataset, InputNoise, Normalization};
use crate::model::{ModelError, Network};
use crate::prune::Masks;
use crate::tensor_io::upload_params;
use crate::train::{ContextSource, Evaluation, Samples, evaluate, mean_input};

/// The `format` metadata value of a bioplay model file.
pub const FORMAT: &str = "bioplay-model";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;
/// The largest file read (a LeNet-300-100 is about 1.3 MB).
pub const MAX_BYTES: usize = 64 << 20;

/// A trained network with what is needed to use it again.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedModel {
    /// The experiment config it was trained with (its model, data and seed).
    pub config: ExperimentConfig,
    /// Image height and width the network takes.
    pub input: (usize, usize),
    /// Number of classes.
    pub classes: usize,
    /// The input standardisation it was trained with.
    pub normalization: Option<Normalization>,
    /// Parameter values, aligned with [`Network::params`].
    pub params: Vec<Vec<f32>>,
    /// Pruning masks, aligned likewise.
    pub masks: Masks,
    /// Test accuracy measured when it was saved.
    pub test_accuracy: Option<f64>,
}

/// Why a model file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelFileError {
    /// Over [`MAX_BYTES`].
    #[error("the file is {bytes} bytes, more than the {MAX_BYTES} a model file may have")]
    TooLarge {
        /// Its size.
        bytes: usize,
    },
    /// Not a safetensors file (or a damaged one).
    #[error("this is not a readable safetensors file ({0})")]
    NotSafetensors(String),
    /// A safetensors file, but not one of ours.
    #[error(
        "this safetensors file is not a bioplay model (its metadata has no `format: {FORMAT}`)"
    )]
    NotOurs,
    /// A version this build does not read.
    #[error("this model file is version {found}; this version of bioplay reads version {VERSION}")]
    Version {
        /// The version in the file.
        found: String,
    },
    /// A metadata entry is missing or unreadable.
    #[error("the model file's `{key}` entry is {problem}")]
    Metadata {
        /// The entry.
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The config in the file does not validate.
    #[error("the model file's config is invalid: {0}")]
    Config(#[from] ConfigError),
    /// The config cannot build a network for the stated input.
    #[error("the model file describes a network that cannot be built: {0}")]
    Model(#[from] ModelError),
    /// A parameter is not in the file.
    #[error("the model file has no tensor `{0}`")]
    Missing(String),
    /// A tensor the network does not have.
    #[error("the model file has a tensor `{0}` the network does not have")]
    Unexpected(String),
    /// A tensor of the wrong shape or type.
    #[error("the model file's tensor `{name}` is {found}, the network needs {expected}")]
    Tensor {
        /// Its name.
        name: String,
        /// What the network needs, e.g. `F32 [784, 300]`.
        expected: String,
        /// What the file has.
        found: String,
    },
    /// NaN or infinity in a parameter.
    #[error("the model file's tensor `{0}` holds a value that is not a finite number")]
    NonFinite(String),
    /// A mask value other than 0 and 1.
    #[error("the model file's mask `{0}` holds a value other than 0 and 1")]
    BadMask(String),
}

impl SavedModel {
    /// The network this model's config builds.
    pub fn network(&self) -> Result<Network, ModelError> {
        Network::new(&self.config.model, self.input.0, self.input.1, self.classes)
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelFileError> {
        let net = self.network()?;
        let mut views: Vec<(String, TensorView<'_>)> = Vec::new();
        let masks: Vec<(String, Vec<usize>, Vec<u8>)> = net
            .params()
            .iter()
            .zip(&self.masks.0)
            .filter_map(|(info, mask)| {
                let mask = mask.as_ref()?;
                let bytes = mask.iter().map(|&k| u8::from(k)).collect();
                Some((format!("{}.mask", info.name), info.shape.clone(), bytes))
            })
            .collect();
        let values: Vec<Vec<u8>> = self
            .params
            .iter()
            .map(|p| p.iter().flat_map(|v| v.to_le_bytes()).collect())
            .collect();
        let broken =
            |e: safetensors::SafeTensorError| ModelFileError::NotSafetensors(e.to_string());
        for ((info, bytes), given) in net.params().iter().zip(&values).zip(&self.params) {
            if given.len() != info.len() {
                return Err(ModelError::ParamSize {
                    name: info.name.clone(),
                    expected: info.len(),
                    got: given.len(),
                }
                .into());
            }
            views.push((
                info.name.clone(),
                TensorView::new(Dtype::F32, info.shape.clone(), bytes).map_err(broken)?,
            ));
        }
        for (name, shape, bytes) in &masks {
            views.push((
                name.clone(),
                TensorView::new(Dtype::U8, shape.clone(), bytes).map_err(broken)?,
            ));
        }
        let config = serde_json::to_string(&self.config).map_err(|e| ModelFileError::Metadata {
            key: "config",
            problem: e.to_string(),
        })?;
        let normalization =
            serde_json::to_string(&self.normalization).map_err(|e| ModelFileError::Metadata {
                key: "normalization",
                problem: e.to_string(),
            })?;
        let mut metadata = HashMap::from([
            ("format".to_owned(), FORMAT.to_owned()),
            ("version".to_owned(), VERSION.to_string()),
            ("config".to_owned(), config),
            (
                "input".to_owned(),
                format!("{}x{}", self.input.0, self.input.1),
            ),
            ("classes".to_owned(), self.classes.to_string()),
            ("normalization".to_owned(), normalization),
        ]);
        if let Some(a) = self.test_accuracy {
            metadata.insert("test_accuracy".to_owned(), a.to_string());
        }
        safetensors::serialize(views, Some(metadata)).map_err(broken)
    }

    /// Reads and checks a model file (see the module doc).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelFileError> {
        if bytes.len() > MAX_BYTES {
            return Err(ModelFileError::TooLarge { bytes: bytes.len() });
        }
        let broken =
            |e: safetensors::SafeTensorError| ModelFileError::NotSafetensors(e.to_string());
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(broken)?;
        let file = SafeTensors::deserialize(bytes).map_err(broken)?;
        let empty = HashMap::new();
        let meta = header.metadata().as_ref().unwrap_or(&empty);
        if meta.get("format").map(String::as_str) != Some(FORMAT) {
            return Err(ModelFileError::NotOurs);
        }
        let version = meta.get("version").cloned().unwrap_or_default();
        if version != VERSION.to_string() {
            return Err(ModelFileError::Version { found: version });
        }
        let entry = |key: &'static str| {
            meta.get(key).ok_or(ModelFileError::Metadata {
                key,
                problem: "missing".into(),
            })
        };
        let config: ExperimentConfig =
            serde_json::from_str(entry("config")?).map_err(|e| ModelFileError::Metadata {
                key: "config",
                problem: format!("not a config ({e})"),
            })?;
        config.validate()?;
        let input = entry("input")?
            .split_once('x')
            .and_then(|(r, c)| Some((r.parse().ok()?, c.parse().ok()?)))
            .filter(|&(r, c): &(usize, usize)| (1..=4096).contains(&r) && (1..=4096).contains(&c))
            .ok_or(ModelFileError::Metadata {
                key: "input",
                problem: "not HEIGHTxWIDTH with sides from 1 to 4096".into(),
            })?;
        let classes = entry("classes")?
            .parse::<usize>()
            .ok()
            .filter(|c| (2..=256).contains(c))
            .ok_or(ModelFileError::Metadata {
                key: "classes",
                problem: "not a number from 2 to 256".into(),
            })?;
        let normalization: Option<Normalization> = serde_json::from_str(entry("normalization")?)
            .ok()
            .filter(|n: &Option<Normalization>| {
                n.is_none_or(|n| n.mean.is_finite() && n.std.is_finite() && n.std > 0.0)
            })
            .ok_or(ModelFileError::Metadata {
                key: "normalization",
                problem: "not null or a mean and a positive std".into(),
            })?;
        let test_accuracy = meta
            .get("test_accuracy")
            .and_then(|a| a.parse::<f64>().ok())
            .filter(|a| (0.0..=1.0).contains(a));
        let net = Network::new(&config.model, input.0, input.1, classes)?;
        let mut params = Vec::with_capacity(net.params().len());
        let mut masks = Vec::with_capacity(net.params().len());
        let mut known = 0;
        for info in net.params() {
            let view = file
                .tensor(&info.name)
                .map_err(|_| ModelFileError::Missing(info.name.clone()))?;
            check_tensor(&info.name, &view, Dtype::F32, &info.shape)?;
            let values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if values.iter().any(|v| !v.is_finite()) {
                return Err(ModelFileError::NonFinite(info.name.clone()));
            }
            params.push(values);
            known += 1;
            let mask_name = format!("{}.mask", info.name);
            masks.push(match file.tensor(&mask_name) {
                Err(_) => None,
                Ok(view) => {
                    check_tensor(&mask_name, &view, Dtype::U8, &info.shape)?;
                    if view.data().iter().any(|&b| b > 1) {
                        return Err(ModelFileError::BadMask(mask_name));
                    }
                    known += 1;
                    Some(view.data().iter().map(|&b| b == 1).collect())
                }
            });
        }
        if file.len() != known {
            let names = net
                .params()
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>();
            let extra = file
                .names()
                .into_iter()
                .find(|n| !names.contains(&n.trim_end_matches(".mask")))
                .unwrap_or("?");
            return Err(ModelFileError::Unexpected(extra.to_owned()));
        }
        Ok(SavedModel {
            config,
            input,
            classes,
            normalization,
            params,
            masks: Masks(masks),
            test_accuracy,
        })
    }

    /// Accuracy and loss on the test split its config makes of `dataset` (the same
    /// samples the run that saved it was tested on, for the same dataset).
    pub async fn evaluate(
        &self,
        dataset: &Dataset,
        device: &burn::tensor::Device,
    ) -> Result<Evaluation, RunError> {
        self.evaluate_with(dataset, device, None).await
    }

    /// Test accuracy with no noise and at each level of `spec` (its kind and seed; the
    /// impulse value is twice the training pixels' std, as in the Noise experiment).
    pub async fn noise_sweep(
        &self,
        dataset: &Dataset,
        device: &burn::tensor::Device,
        spec: &NoiseSpec,
    ) -> Result<(Evaluation, Vec<(f64, Evaluation)>), RunError> {
        let clean = self.evaluate(dataset, device).await?;
        let split = self.config.data.split(dataset, self.config.seed);
        let pixel_std = self
            .normalization
            .unwrap_or_else(|| dataset.pixel_stats(&split.train))
            .std;
        let mut levels = Vec::with_capacity(spec.levels.len());
        for &level in &spec.levels {
            let noise = InputNoise::new(spec.noise, level, spec.noise_seed, pixel_std);
            levels.push((
                level,
                self.evaluate_with(dataset, device, Some(noise)).await?,
            ));
        }
        Ok((clean, levels))
    }

    /// Like [`SavedModel::evaluate`], with `noise` added to every test input.
    pub async fn evaluate_with(
        &self,
        dataset: &Dataset,
        device: &burn::tensor::Device,
        noise: Option<InputNoise>,
    ) -> Result<Evaluation, RunError> {
        let net = self.network()?;
        if dataset.image_shape() != self.input || dataset.classes() != self.classes {
            return Err(ConfigError::invalid(
                "data",
                format!(
                    "the model takes {}x{} images in {} classes; this dataset has {}x{} in {}",
                    self.input.0,
                    self.input.1,
                    self.classes,
                    dataset.image_shape().0,
                    dataset.image_shape().1,
                    dataset.classes()
                ),
            )
            .into());
        }
        let split = self.config.data.split(dataset, self.config.seed);
        let train = Samples::new(dataset, &split.train).normalized(self.normalization);
        // A dendritic network's context is the mean training image, as in training.
        let context = net
            .context_size()
            .map(|_| ContextSource::Fixed(mean_input(&train)));
        let test = Samples {
            indices: &split.test,
            context: context.as_ref(),
            noise,
            ..train
        };
        let params = upload_params(self.params.clone(), device);
        Ok(evaluate(&net, &params, &test, device).await?)
    }
}

fn check_tensor(
    name: &str,
    view: &TensorView<'_>,
    dtype: Dtype,
    shape: &[usize],
) -> Result<(), ModelFileError> {
    if view.dtype() != dtype || view.shape() != shape {
        return Err(ModelFileError::Tensor {
            name: name.to_owned(),
            expected: format!("{dtype:?} {shape:?}"),
            found: format!("{:?} {:?}", view.dtype(), view.shape()),
        });
    }
    Ok(())
}
