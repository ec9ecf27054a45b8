//! What a network looks like, as a serde value: the part of an experiment config that
//! describes the model, with presets for the papers' architectures and validation that
//! names the field and the allowed range.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, check_count, check_range};

/// A network architecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSpec {
    /// A fully connected network.
    Mlp(MlpSpec),
    /// A convolutional network.
    Cnn(CnnSpec),
}

/// A fully connected network: inputs, `hidden` layers, the class outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpSpec {
    /// Widths of the hidden layers, input side first.
    pub hidden: Vec<usize>,
    /// k-winners-take-all in the hidden layers instead of ReLU.
    #[serde(default)]
    pub kwta: Option<KwtaSpec>,
    /// Active dendrites in the hidden layers.
    #[serde(default)]
    pub dendrites: Option<DendriteSpec>,
    /// How weights are initialised.
    #[serde(default)]
    pub init: InitSpec,
    /// The hidden units' nonlinearity when there is no k-WTA.
    #[serde(default)]
    pub activation: Activation,
    /// Whether the layers have biases (the Oja authors' networks have none).
    #[serde(default = "crate::config::default_true")]
    pub bias: bool,
}

/// A hidden unit's nonlinearity.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Activation {
    /// `max(0, x)`.
    #[default]
    Relu,
    /// `log(1 + exp(beta x)) / beta`, a smooth ReLU (the Oja authors' code: beta = 10).
    Softplus {
        /// Sharpness; larger is closer to ReLU.
        beta: f64,
    },
}

/// A convolutional network: convolution blocks, then fully connected layers, then the
/// class outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CnnSpec {
    /// Convolution layers, input side first.
    pub convs: Vec<ConvSpec>,
    /// Widths of the fully connected hidden layers after the convolutions.
    pub hidden: Vec<usize>,
    /// k-winners-take-all in the convolution layers (over each sample's whole feature map).
    #[serde(default)]
    pub conv_kwta: Option<KwtaSpec>,
    /// k-winners-take-all in the fully connected hidden layers.
    #[serde(default)]
    pub kwta: Option<KwtaSpec>,
    /// Active dendrites in the fully connected hidden layers.
    #[serde(default)]
    pub dendrites: Option<DendriteSpec>,
    /// How weights are initialised.
    #[serde(default)]
    pub init: InitSpec,
}

/// One convolution layer: square kernel, stride 1, ReLU (or k-WTA), optional 2x2 max-pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvSpec {
    /// Output channels.
    pub channels: usize,
    /// Kernel width and height.
    pub kernel: usize,
    /// Zero padding on each side.
    #[serde(default)]
    pub padding: usize,
    /// A 2x2 max-pool after the activation.
    #[serde(default)]
    pub pool: bool,
}

/// k-winners-take-all: keep the `fraction` largest activations of each sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KwtaSpec {
    /// Fraction of units kept active, in (0, 1].
    pub fraction: f64,
}

impl KwtaSpec {
    /// Checks the fraction; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        check_range(&format!("{field}.fraction"), self.fraction, 0.0, 1.0)?;
        if self.fraction == 0.0 {
            return Err(ConfigError::invalid(
                format!("{field}.fraction"),
                "must be above 0",
            ));
        }
        Ok(())
    }

    /// How many of `units` stay active: `round(fraction * units)`, at least 1.
    pub fn k(&self, units: usize) -> usize {
        ((self.fraction * units as f64).round() as usize).clamp(1, units.max(1))
    }
}

/// Active dendrites: each hidden unit has `segments` dendritic segments that read a context
/// vector and gate the unit's output (docs/science.md, "Continual learning").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DendriteSpec {
    /// Segments per unit (typically the number of tasks).
    pub segments: usize,
    /// Length of the context vector.
    pub context: usize,
    /// How the gating segment is chosen.
    #[serde(default)]
    pub selection: SegmentSelection,
}

/// Which segment gates a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentSelection {
    /// The segment with the largest activation `u . c` (the default of version-1 configs).
    Max,
    /// The segment with the largest `|u . c|`, keeping its sign, as in Numenta's
    /// `AbsoluteMaxGatingDendriticLayer`: a segment can also switch its unit off. The
    /// default from config version 2 on.
    #[default]
    AbsMax,
}

/// Weight initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitSpec {
    /// The distribution.
    #[serde(default)]
    pub scheme: InitScheme,
    /// A factor on every initial weight (1 = the scheme as published; the plasticity
    /// experiments use values far from 1 for a poor initialisation).
    #[serde(default = "one")]
    pub scale: f64,
}

fn one() -> f64 {
    1.0
}

impl Default for InitSpec {
    fn default() -> Self {
        InitSpec {
            scheme: InitScheme::default(),
            scale: 1.0,
        }
    }
}

/// Initial weight distributions (docs/science.md, "Initialisation").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitScheme {
    /// Numenta's sparse-aware uniform initialisation: weights uniform in
    /// `+-1/sqrt(input_density * weight_density * fan_in)`, where `input_density` is the
    /// k-WTA fraction of the layer below (1 for pixels and after ReLU) and
    /// `weight_density` the fraction of the layer's weights a fixed mask keeps; biases and
    /// dendrite segments as [`InitScheme::Uniform`]. For a dense ReLU network it is
    /// exactly [`InitScheme::Uniform`]. The default from config version 2 on.
    #[default]
    SparseAware,
    /// PyTorch's default for linear and conv layers: weights and biases uniform in
    /// `+-1/sqrt(fan_in)` (the default of version-1 configs).
    Uniform,
    /// Glorot/Xavier uniform: weights uniform in `+-sqrt(6 / (fan_in + fan_out))`, biases
    /// zero (the Oja authors' code).
    XavierUniform,
    /// He/Kaiming normal: weights `N(0, 2/fan_in)`, biases zero.
    KaimingNormal,
}

/// Largest layer width, channel count or segment count accepted: a bound that keeps a typo
/// from allocating gigabytes.
pub const MAX_WIDTH: usize = 8192;
/// Most hidden layers accepted (the plasticity experiments go to 20 and beyond).
pub const MAX_DEPTH: usize = 64;

impl ModelSpec {
    /// LeNet-300-100: 784-300-100-10, ReLU (Frankle & Carbin; Bain).
    pub fn lenet_300_100() -> Self {
        ModelSpec::Mlp(MlpSpec::new(vec![300, 100]))
    }

    /// A LeNet-5-like CNN for 28x28 inputs: conv 6@5x5 (pad 2), pool, conv 16@5x5, pool,
    /// FC 120-84.
    pub fn lenet5() -> Self {
        ModelSpec::Cnn(CnnSpec {
            convs: vec![
                ConvSpec {
                    channels: 6,
                    kernel: 5,
                    padding: 2,
                    pool: true,
                },
                ConvSpec {
                    channels: 16,
                    kernel: 5,
                    padding: 0,
                    pool: true,
                },
            ],
            hidden: vec![120, 84],
            conv_kwta: None,
            kwta: None,
            dendrites: None,
            init: InitSpec::default(),
        })
    }

    /// A Conv-2-style net scaled for the browser: two 3x3 convolutions of `channels`, a
    /// 2x2 pool, FC 256-256.
    pub fn conv2(channels: usize) -> Self {
        Self::conv_stack(channels, 1)
    }

    /// A Conv-4-style net: two blocks of two 3x3 convolutions (`channels`, then twice as
    /// many), each block followed by a 2x2 pool, FC 256-256.
    pub fn conv4(channels: usize) -> Self {
        Self::conv_stack(channels, 2)
    }

    fn conv_stack(channels: usize, blocks: usize) -> Self {
        let mut convs = Vec::new();
        for block in 0..blocks {
            for layer in 0..2 {
                convs.push(ConvSpec {
                    channels: channels << block,
                    kernel: 3,
                    padding: 1,
                    pool: layer == 1,
                });
            }
        }
        ModelSpec::Cnn(CnnSpec {
            convs,
            hidden: vec![256, 256],
            conv_kwta: None,
            kwta: None,
            dendrites: None,
            init: InitSpec::default(),
        })
    }

    /// The fully connected hidden widths.
    pub fn hidden(&self) -> &[usize] {
        match self {
            ModelSpec::Mlp(m) => &m.hidden,
            ModelSpec::Cnn(c) => &c.hidden,
        }
    }

    /// The initialisation.
    pub fn init(&self) -> InitSpec {
        match self {
            ModelSpec::Mlp(m) => m.init,
            ModelSpec::Cnn(c) => c.init,
        }
    }

    /// The dendrite settings, if the model has active dendrites.
    pub fn dendrites(&self) -> Option<DendriteSpec> {
        match self {
            ModelSpec::Mlp(m) => m.dendrites,
            ModelSpec::Cnn(c) => c.dendrites,
        }
    }

    /// Checks every field; `field` is the path of this value in the config, for messages.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        let (hidden, kwta, dendrites, init) = match self {
            ModelSpec::Mlp(m) => {
                if let Activation::Softplus { beta } = m.activation {
                    check_range(&format!("{field}.activation.beta"), beta, 0.01, 100.0)?;
                }
                (&m.hidden, m.kwta, m.dendrites, m.init)
            }
            ModelSpec::Cnn(c) => {
                if c.convs.is_empty() {
                    return Err(ConfigError::invalid(
                        format!("{field}.convs"),
                        "a CNN needs at least one convolution layer",
                    ));
                }
                check_count(&format!("{field}.convs"), c.convs.len(), 1, MAX_DEPTH)?;
                for (i, conv) in c.convs.iter().enumerate() {
                    let at = format!("{field}.convs[{i}]");
                    check_count(&format!("{at}.channels"), conv.channels, 1, MAX_WIDTH)?;
                    check_count(&format!("{at}.kernel"), conv.kernel, 1, 11)?;
                    check_count(&format!("{at}.padding"), conv.padding, 0, 5)?;
                }
                if let Some(k) = c.conv_kwta {
                    k.validate(&format!("{field}.conv_kwta"))?;
                }
                (&c.hidden, c.kwta, c.dendrites, c.init)
            }
        };
        check_count(&format!("{field}.hidden"), hidden.len(), 0, MAX_DEPTH)?;
        for (i, &w) in hidden.iter().enumerate() {
            check_count(&format!("{field}.hidden[{i}]"), w, 1, MAX_WIDTH)?;
        }
        if let Some(k) = kwta {
            k.validate(&format!("{field}.kwta"))?;
        }
        if let Some(d) = dendrites {
            check_count(&format!("{field}.dendrites.segments"), d.segments, 1, 256)?;
            check_count(
                &format!("{field}.dendrites.context"),
                d.context,
                1,
                MAX_WIDTH,
            )?;
            if hidden.is_empty() {
                return Err(ConfigError::invalid(
                    format!("{field}.dendrites"),
                    "active dendrites need at least one hidden layer",
                ));
            }
        }
        check_range(&format!("{field}.init.scale"), init.scale, 0.0, 1000.0)?;
        Ok(())
    }
}

impl MlpSpec {
    /// ReLU hidden layers of these widths with biases, default initialisation.
    pub fn new(hidden: Vec<usize>) -> Self {
        MlpSpec {
            hidden,
            kwta: None,
            dendrites: None,
            init: InitSpec::default(),
            activation: Activation::Relu,
            bias: true,
        }
    }
}
