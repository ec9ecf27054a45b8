//! Networks with prunable weights: MLPs and small CNNs, optionally with k-winners-take-all
//! and active dendrites.
//!
//! A [`Network`] is the architecture only; its parameters are a plain list of flat tensors
//! ([`Params`], kept with their masks and optimiser moments in a
//! [`ParamStore`](crate::params::ParamStore)) that the trainer, the optimiser, the pruner
//! and Oja's rule all work on directly. Keeping parameters as data rather than inside Burn
//! modules is what lets a mask stay applied through any optimiser, a round of pruning
//! rewind to the initial weights, and Oja's term be added to the backprop update, without
//! a mapper for each.
//!
//! Layouts: a dense weight is `[inputs, outputs]` (`y = x W + b`); a convolution weight is
//! `[out_channels, in_channels, k, k]`; dendrite segments are `[context, units * segments]`
//! (column `i * segments + s` is segment `s` of unit `i`).

mod backprop;
pub mod conv;
mod error;
mod layout;
pub mod ops;
pub mod spec;

use burn::tensor::activation::{relu, softplus};
use burn::tensor::{Device, Tensor};

use crate::params::{ParamId, check_values};
use crate::prune::Masks;
use crate::rng::Rng;
use crate::tensor_io::upload_params;
use conv::{ConvPath, ConvShape, Im2col};
pub use error::ModelError;
use layout::Activations;
pub use spec::{
    Activation, CnnSpec, ConvSpec, DendriteSpec, InitScheme, InitSpec, KwtaSpec, MlpSpec,
    ModelSpec, SegmentSelection,
};

/// What a parameter is, which decides how it is initialised and whether it can be pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamRole {
    /// A fully connected hidden layer's weight.
    HiddenWeight,
    /// The output layer's weight.
    OutputWeight,
    /// A convolution kernel.
    ConvWeight,
    /// A bias (never pruned).
    Bias,
    /// Dendrite segments (never pruned).
    Segments,
}

impl ParamRole {
    /// Whether magnitude pruning may touch this parameter.
    pub fn is_weight(self) -> bool {
        matches!(
            self,
            ParamRole::HiddenWeight | ParamRole::OutputWeight | ParamRole::ConvWeight
        )
    }
}

/// One parameter tensor of a network.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    /// A short name such as `fc1.weight` or `conv2.bias`.
    pub name: String,
    /// The logical shape (the tensor itself is stored flat).
    pub shape: Vec<usize>,
    /// What it is.
    pub role: ParamRole,
    /// Inputs feeding each unit, for initialisation.
    pub fan_in: usize,
    /// The expected fraction of those inputs that are non-zero: the k-WTA fraction of the
    /// layer below, 1 after ReLU or for pixels (for [`InitScheme::SparseAware`]).
    pub input_density: f64,
}

impl ParamInfo {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether it has no values (never, for a built network).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A network's parameters, each stored flat (see [`ParamInfo::shape`]), without autodiff.
pub type Params = Vec<Tensor<1>>;

#[derive(Debug, Clone)]
enum Layer {
    Conv {
        weight: ParamId,
        bias: ParamId,
        /// The input's shape, the kernel's size and padding, and the gather list of the
        /// CPU path, computed once here rather than at every forward pass.
        im2col: Im2col,
        out_channels: usize,
        pool: bool,
        kwta: Option<usize>,
        /// Output (channels, height, width) after the optional pool.
        out: (usize, usize, usize),
    },
    Dense {
        weight: ParamId,
        bias: Option<ParamId>,
        activation: Activation,
        inputs: usize,
        outputs: usize,
        /// Hidden layers have an activation; the output layer gives logits.
        hidden: bool,
        kwta: Option<usize>,
        dendrites: Option<(ParamId, DendriteSpec)>,
    },
}

/// The values one dense layer saw in a forward pass, for Oja's rule and statistics.
/// All are without autodiff.
#[derive(Debug, Clone)]
pub struct DenseRecord {
    /// The layer's weight.
    pub weight: ParamId,
    /// The layer's input, `[batch, inputs]`.
    pub input: Tensor<2>,
    /// `x W + b`, `[batch, outputs]`.
    pub pre_activation: Tensor<2>,
    /// The layer's output after gating and activation (equal to `pre_activation` for the
    /// output layer).
    pub activation: Tensor<2>,
}

/// The result of a forward pass.
#[derive(Debug, Clone)]
pub struct Forward {
    /// Class scores, `[batch, classes]`.
    pub logits: Tensor<2>,
    /// One record per dense layer, input side first (empty unless asked for).
    pub dense: Vec<DenseRecord>,
}

/// A network architecture for inputs of a given size.
#[derive(Debug, Clone)]
pub struct Network {
    spec: ModelSpec,
    layers: Vec<Layer>,
    params: Vec<ParamInfo>,
    height: usize,
    width: usize,
    classes: usize,
    /// How convolutions are computed; `None`: the faster one for the device.
    conv_path: Option<ConvPath>,
}

impl Network {
    /// The network `spec` describes, for single-channel `height x width` images and
    /// `classes` outputs. The spec should have been validated ([`ModelSpec::validate`]).
    pub fn new(
        spec: &ModelSpec,
        height: usize,
        width: usize,
        classes: usize,
    ) -> Result<Self, ModelError> {
        let mut params = Vec::new();
        let mut layers = Vec::new();
        // The fraction of the next layer's inputs that are active (k-WTA below it).
        let mut density = 1.0;
        let mut add = |name: String,
                       shape: Vec<usize>,
                       role: ParamRole,
                       fan_in: usize,
                       input_density: f64| {
            params.push(ParamInfo {
                name,
                shape,
                role,
                fan_in,
                input_density,
            });
            ParamId::new(params.len() - 1)
        };
        let mut features = height * width;
        let (hidden_kwta, dendrites) = match spec {
            ModelSpec::Mlp(m) => (m.kwta, m.dendrites),
            ModelSpec::Cnn(c) => {
                let (mut ch, mut h, mut w) = (1, height, width);
                for (i, conv) in c.convs.iter().enumerate() {
                    let too_small = |what: String| ModelError::InputTooSmall {
                        height,
                        width,
                        what,
                    };
                    let input = (ch, h, w);
                    let (ph, pw) = (h + 2 * conv.padding, w + 2 * conv.padding);
                    if ph < conv.kernel || pw < conv.kernel {
                        return Err(too_small(format!("conv{}", i + 1)));
                    }
                    h = ph - conv.kernel + 1;
                    w = pw - conv.kernel + 1;
                    if conv.pool {
                        if h < 2 || w < 2 {
                            return Err(too_small(format!("pool after conv{}", i + 1)));
                        }
                        h /= 2;
                        w /= 2;
                    }
                    let fan_in = ch * conv.kernel * conv.kernel;
                    let weight = add(
                        format!("conv{}.weight", i + 1),
                        vec![conv.channels, ch, conv.kernel, conv.kernel],
                        ParamRole::ConvWeight,
                        fan_in,
                        density,
                    );
                    let bias = add(
                        format!("conv{}.bias", i + 1),
                        vec![conv.channels],
                        ParamRole::Bias,
                        fan_in,
                        1.0,
                    );
                    let units = conv.channels * h * w;
                    let kwta = c.conv_kwta.map(|k| k.k(units));
                    density = kwta.map_or(1.0, |k| k as f64 / units as f64);
                    layers.push(Layer::Conv {
                        weight,
                        bias,
                        im2col: Im2col::new(ConvShape {
                            channels: input.0,
                            height: input.1,
                            width: input.2,
                            kernel: conv.kernel,
                            padding: conv.padding,
                        }),
                        out_channels: conv.channels,
                        pool: conv.pool,
                        kwta,
                        out: (conv.channels, h, w),
                    });
                    ch = conv.channels;
                }
                features = ch * h * w;
                (c.kwta, c.dendrites)
            }
        };
        let (activation, with_bias) = match spec {
            ModelSpec::Mlp(m) => (m.activation, m.bias),
            ModelSpec::Cnn(_) => (Activation::Relu, true),
        };
        let hidden = spec.hidden();
        for (i, &units) in hidden.iter().chain(std::iter::once(&classes)).enumerate() {
            let is_hidden = i < hidden.len();
            let weight = add(
                format!("fc{}.weight", i + 1),
                vec![features, units],
                if is_hidden {
                    ParamRole::HiddenWeight
                } else {
                    ParamRole::OutputWeight
                },
                features,
                density,
            );
            let bias = with_bias.then(|| {
                add(
                    format!("fc{}.bias", i + 1),
                    vec![units],
                    ParamRole::Bias,
                    features,
                    1.0,
                )
            });
            let dendrites = match dendrites {
                Some(d) if is_hidden => Some((
                    add(
                        format!("fc{}.segments", i + 1),
                        // Context-major, so the gating's matrix product needs no transpose
                        // and neither does its gradient.
                        vec![d.context, units * d.segments],
                        ParamRole::Segments,
                        d.context,
                        1.0,
                    ),
                    d,
                )),
                _ => None,
            };
            let kwta = hidden_kwta.filter(|_| is_hidden).map(|k| k.k(units));
            density = kwta.map_or(1.0, |k| k as f64 / units as f64);
            layers.push(Layer::Dense {
                weight,
                bias,
                activation,
                inputs: features,
                outputs: units,
                hidden: is_hidden,
                kwta,
                dendrites,
            });
            features = units;
        }
        Ok(Network {
            spec: spec.clone(),
            layers,
            params,
            height,
            width,
            classes,
            conv_path: None,
        })
    }

    /// This network computing its convolutions on `path` whatever the device (for tests
    /// and benchmarks that compare the two).
    pub fn with_conv_path(mut self, path: ConvPath) -> Self {
        self.conv_path = Some(path);
        self
    }

    /// The spec this network was built from.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Every parameter, in the order of [`Params`].
    pub fn params(&self) -> &[ParamInfo] {
        &self.params
    }

    /// One parameter.
    pub fn param(&self, id: ParamId) -> &ParamInfo {
        &self.params[id.index()]
    }

    /// Every parameter's id, in order.
    pub fn param_ids(&self) -> impl Iterator<Item = ParamId> + use<> {
        (0..self.params.len()).map(ParamId::new)
    }

    /// Values per input sample.
    pub fn input_size(&self) -> usize {
        self.height * self.width
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The context length the dendrites read, if the network has them.
    pub fn context_size(&self) -> Option<usize> {
        self.spec.dendrites().map(|d| d.context)
    }

    /// Initial parameter values on the host for a dense network, drawn from `rng` (see
    /// [`InitScheme`]).
    pub fn init_values(&self, rng: &mut Rng) -> Vec<Vec<f32>> {
        self.init_values_masked(rng, None)
    }

    /// Initial parameter values for a network whose weights `masks` keeps (the fraction
    /// kept is the weight density [`InitScheme::SparseAware`] scales by; masked entries
    /// are drawn too, so the random stream does not depend on the mask, and are zeroed by
    /// the trainer).
    pub fn init_values_masked(&self, rng: &mut Rng, masks: Option<&Masks>) -> Vec<Vec<f32>> {
        let init = self.spec.init();
        self.params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let fan_in = p.fan_in.max(1) as f64;
                let mut bound = 1.0 / fan_in.sqrt();
                if init.scheme == InitScheme::SparseAware && p.role.is_weight() {
                    let weight_density = masks
                        .and_then(|m| m.0.get(i))
                        .and_then(Option::as_ref)
                        .map_or(1.0, |keep| {
                            keep.iter().filter(|k| **k).count() as f64 / keep.len().max(1) as f64
                        });
                    let effective = (p.input_density * weight_density * fan_in).max(1.0);
                    bound = 1.0 / effective.sqrt();
                }
                // Glorot's fan-out: the outputs each input feeds ([inputs, outputs] for a
                // dense weight, [out, in, k, k] for a kernel).
                let fan_out = match p.shape.as_slice() {
                    [_, outputs] => *outputs,
                    [out, _, k, _] => out * k * k,
                    _ => p.fan_in,
                };
                let xavier = (6.0 / (fan_in + fan_out as f64)).sqrt();
                let draw = |rng: &mut Rng| -> f64 {
                    match (init.scheme, p.role) {
                        (InitScheme::XavierUniform, ParamRole::Bias) => 0.0,
                        (InitScheme::XavierUniform, ParamRole::Segments) => {
                            rng.uniform(-bound, bound)
                        }
                        (InitScheme::XavierUniform, _) => rng.uniform(-xavier, xavier),
                        (InitScheme::KaimingNormal, ParamRole::Bias) => 0.0,
                        (InitScheme::KaimingNormal, ParamRole::Segments) => {
                            rng.uniform(-bound, bound)
                        }
                        (InitScheme::KaimingNormal, _) => {
                            rng.normal() * (2.0 / p.fan_in.max(1) as f64).sqrt()
                        }
                        (InitScheme::Uniform | InitScheme::SparseAware, _) => {
                            rng.uniform(-bound, bound)
                        }
                    }
                };
                let values: Vec<f32> = (0..p.len())
                    .map(|_| (draw(rng) * init.scale) as f32)
                    .collect();
                match (p.role, p.shape.as_slice()) {
                    // Drawn segment by segment (row-major `[units * segments, context]`, the
                    // order of earlier releases, so a seed gives the same network), stored
                    // context-major.
                    (ParamRole::Segments, &[context, rows]) => transpose(&values, rows, context),
                    _ => values,
                }
            })
            .collect()
    }

    /// Initial parameters on `device` (without autodiff).
    pub fn init(&self, rng: &mut Rng, device: &Device) -> Params {
        upload_params(self.init_values(rng), device)
    }

    /// Initial parameters on `device` for the weights `masks` keeps (see
    /// [`Network::init_values_masked`]).
    pub fn init_masked(&self, rng: &mut Rng, masks: &Masks, device: &Device) -> Params {
        upload_params(self.init_values_masked(rng, Some(masks)), device)
    }

    /// Checks `params` and the width of `x` against this network; returns the batch size.
    fn check_input(&self, params: &[Tensor<1>], x: &Tensor<2>) -> Result<usize, ModelError> {
        check_values(&self.params, params)?;
        let [batch, got] = x.dims();
        if got != self.input_size() {
            return Err(ModelError::InputSize {
                expected: self.input_size(),
                got,
            });
        }
        Ok(batch)
    }

    /// Runs the network on `x` (`[batch, input_size]`). `context` (`[batch, context_size]`,
    /// or `[1, context_size]` when every sample has the same one) is needed when the
    /// network has dendrites. With `record`,
    /// the result holds each dense layer's input and outputs (for Oja's rule). `params`
    /// must be this network's ([`ModelError::ParamCount`], [`ModelError::ParamSize`]).
    pub fn forward(
        &self,
        params: &[Tensor<1>],
        x: Tensor<2>,
        context: Option<&Tensor<2>>,
        record: bool,
    ) -> Result<Forward, ModelError> {
        let batch = self.check_input(params, &x)?;
        if let Some(size) = self.context_size() {
            let context = context.ok_or(ModelError::MissingContext)?;
            let [rows, got] = context.dims();
            if got != size || (rows != batch && rows != 1) {
                return Err(ModelError::ContextShape {
                    batch,
                    size,
                    got: context.dims(),
                });
            }
        }
        // Dense layers read and write `[batch, features]`; convolutions on the CPU path
        // `[features, batch]` ([`Activations`]), so the layout changes only between a
        // convolution and a dense layer.
        let conv_path = self
            .conv_path
            .unwrap_or_else(|| ConvPath::for_device(&x.device()));
        let mut flow = Activations::Rows(x);
        let mut records = Vec::new();
        let shape = |id: ParamId| -> &[usize] { &self.param(id).shape };
        let value = |id: ParamId| params[id.index()].clone();
        for layer in &self.layers {
            match layer {
                Layer::Conv {
                    weight,
                    bias,
                    im2col,
                    out_channels,
                    pool,
                    kwta,
                    out: (c, h, w),
                } => {
                    let s = im2col.shape();
                    let w4 =
                        value(*weight).reshape([*out_channels, s.channels, s.kernel, s.kernel]);
                    flow = conv::conv_block(flow, w4, value(*bias), im2col, *pool, conv_path);
                    debug_assert_eq!(flow.features(), c * h * w);
                    if let Some(k) = kwta {
                        flow = Activations::Rows(ops::kwta(flow.rows(), *k));
                    }
                }
                Layer::Dense {
                    weight,
                    bias,
                    activation,
                    inputs,
                    outputs,
                    hidden,
                    kwta,
                    dendrites,
                } => {
                    let w = value(*weight).reshape([*inputs, *outputs]);
                    let input = flow.rows();
                    let mut pre = input.clone().matmul(w);
                    if let Some(bias) = bias {
                        pre = pre + value(*bias).reshape([1, *outputs]);
                    }
                    let mut y = pre.clone();
                    if *hidden {
                        if let (Some((segments, spec)), Some(context)) = (dendrites, context) {
                            let s = shape(*segments);
                            let u = value(*segments).reshape([s[0], s[1]]);
                            y = ops::dendrite_gate(
                                y,
                                u,
                                context.clone(),
                                spec.segments,
                                spec.selection,
                            );
                        }
                        y = match (kwta, activation) {
                            (Some(k), _) => ops::kwta(y, *k),
                            (None, Activation::Relu) => relu(y),
                            (None, Activation::Softplus { beta }) => softplus(y, *beta),
                        };
                    }
                    if record {
                        records.push(DenseRecord {
                            weight: *weight,
                            input: input.inner(),
                            pre_activation: pre.inner(),
                            activation: y.clone().inner(),
                        });
                    }
                    flow = Activations::Rows(y);
                }
            }
        }
        Ok(Forward {
            logits: flow.rows(),
            dense: records,
        })
    }
}

/// `values` (row-major `[rows, cols]`) transposed to row-major `[cols, rows]`.
fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; values.len()];
    for (r, row) in values.chunks_exact(cols.max(1)).enumerate().take(rows) {
        for (c, v) in row.iter().enumerate() {
            out[c * rows + r] = *v;
        }
    }
    out
}

#[cfg(test)]
mod tests;
