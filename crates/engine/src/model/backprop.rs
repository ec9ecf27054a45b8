//! A hand-written backward pass for plain fully connected networks, on tensors without
//! autodiff.
//!
//! Burn's autodiff records every operation in a graph that it finds and merges under one
//! global mutex (`burn-autodiff` 0.22, `runtime/graph.rs`). When the threaded engine runs
//! a batch's parts on two threads at once, that bookkeeping is the part of a step that
//! scales worst (docs/benchmarks.md). A network of dense layers with ReLU or softplus
//! needs none of it: its gradients are a few matrix products, written out here.
//!
//! For a layer `pre = x W + b`, `y = f(pre)` and the gradient `dy` of the loss with
//! respect to `y`: `dpre = dy * f'(pre)`, `dW = xᵀ dpre`, `db = Σ_batch dpre` and
//! `dx = dpre Wᵀ`. The activations' derivatives are taken from their outputs, so the tape
//! keeps one tensor per layer: ReLU's is the sign of `y` (0 where `y = 0`, as Burn's own
//! ReLU gradient), and softplus's `sigmoid(beta pre)` is `1 - exp(-beta y)`. Networks with
//! convolutions, k-winners-take-all or dendrites go through autodiff
//! ([`Network::has_plain_backward`]).

use burn::tensor::Tensor;
use burn::tensor::activation::{relu, softplus};

use super::{Activation, DenseRecord, Layer, ModelError, Network};
use crate::params::ParamId;

/// What a forward pass without autodiff kept for [`Network::plain_backward`].
#[derive(Debug, Clone)]
pub(crate) struct Tape {
    /// Class scores, `[batch, classes]`.
    pub(crate) logits: Tensor<2>,
    /// Per dense layer, input side first: its input (the layer below's output).
    inputs: Vec<Tensor<2>>,
    /// Per dense layer, `x W + b`, kept only for [`Network::plain_records`].
    pre_activations: Vec<Tensor<2>>,
}

/// What the plain passes need of one dense layer.
#[derive(Debug, Clone, Copy)]
struct Dense {
    weight: ParamId,
    bias: Option<ParamId>,
    activation: Activation,
    inputs: usize,
    outputs: usize,
    hidden: bool,
}

impl Network {
    /// The dense layers, input side first (all layers when [`Network::has_plain_backward`]).
    fn dense_layers(&self) -> impl Iterator<Item = Dense> + '_ {
        self.layers.iter().filter_map(|layer| match layer {
            Layer::Dense {
                weight,
                bias,
                activation,
                inputs,
                outputs,
                hidden,
                ..
            } => Some(Dense {
                weight: *weight,
                bias: *bias,
                activation: *activation,
                inputs: *inputs,
                outputs: *outputs,
                hidden: *hidden,
            }),
            Layer::Conv { .. } => None,
        })
    }

    /// Whether [`Network::plain_forward`] and [`Network::plain_backward`] can run this
    /// network: dense layers only, ReLU or softplus, no k-WTA and no dendrites.
    pub(crate) fn has_plain_backward(&self) -> bool {
        self.layers.iter().all(|layer| match layer {
            Layer::Conv { .. } => false,
            Layer::Dense {
                kwta, dendrites, ..
            } => kwta.is_none() && dendrites.is_none(),
        })
    }

    /// The forward pass on plain tensors, keeping what the backward pass needs. `None`
    /// when the network has no plain backward pass; errors as [`Network::forward`]. With
    /// `record` the tape also keeps each layer's `x W + b`, for [`Network::plain_records`].
    pub(crate) fn plain_forward(
        &self,
        params: &[Tensor<1>],
        x: Tensor<2>,
        record: bool,
    ) -> Result<Option<Tape>, ModelError> {
        if !self.has_plain_backward() {
            return Ok(None);
        }
        self.check_input(params, &x)?;
        let mut flow = x;
        let mut layer_inputs = Vec::with_capacity(self.layers.len());
        let mut pre_activations = Vec::new();
        for layer in self.dense_layers() {
            let w = params[layer.weight.index()]
                .clone()
                .reshape([layer.inputs, layer.outputs]);
            let mut pre = flow.clone().matmul(w);
            if let Some(bias) = layer.bias {
                pre = pre + params[bias.index()].clone().reshape([1, layer.outputs]);
            }
            if record {
                pre_activations.push(pre.clone());
            }
            // Without a record, `pre` has no other owner here, so the CPU backend applies
            // the activation in place.
            let y = match (layer.hidden, layer.activation) {
                (false, _) => pre,
                (true, Activation::Relu) => relu(pre),
                (true, Activation::Softplus { beta }) => softplus(pre, beta),
            };
            layer_inputs.push(flow);
            flow = y;
        }
        Ok(Some(Tape {
            logits: flow,
            inputs: layer_inputs,
            pre_activations,
        }))
    }

    /// Each dense layer's input, `x W + b` and output in `tape` (for Oja's rule), as
    /// [`Network::forward`] records them; empty unless the tape was made with `record`.
    pub(crate) fn plain_records(&self, tape: &Tape) -> Vec<DenseRecord> {
        let weights = self.dense_layers().map(|layer| layer.weight);
        let outputs = tape.inputs.iter().skip(1).chain([&tape.logits]);
        weights
            .zip(tape.inputs.iter().zip(&tape.pre_activations))
            .zip(outputs)
            .map(|((weight, (input, pre)), activation)| DenseRecord {
                weight,
                input: input.clone(),
                pre_activation: pre.clone(),
                activation: activation.clone(),
            })
            .collect()
    }

    /// The gradients of a loss with respect to every parameter, given the tape of the
    /// forward pass at `params` and the loss's gradient `dlogits` with respect to the
    /// logits. One per parameter, aligned with [`Network::params`].
    pub(crate) fn plain_backward(
        &self,
        params: &[Tensor<1>],
        tape: Tape,
        dlogits: Tensor<2>,
    ) -> Vec<Option<Tensor<1>>> {
        let mut grads: Vec<Option<Tensor<1>>> = vec![None; self.params.len()];
        // Walk the layers output side first; `upstream` is the loss's gradient with respect
        // to the current layer's output `y`, which is the next layer's input (the
        // activations' derivatives are taken from it).
        let steps: Vec<_> = self.dense_layers().zip(tape.inputs).collect();
        let mut upstream = Some(dlogits);
        let mut output: Option<Tensor<2>> = None;
        for (depth, (layer, x)) in steps.into_iter().enumerate().rev() {
            let (weight, shape) = (layer.weight, [layer.inputs, layer.outputs]);
            let Some(dy) = upstream.take() else { break };
            let dpre = match (layer.hidden, layer.activation, output.take()) {
                // `y >= 0`, so its sign is ReLU's derivative (two passes that the CPU
                // backend vectorises; a mask fill took 0.3 ms a step at batch 256).
                (true, Activation::Relu, Some(y)) => dy * y.sign(),
                (true, Activation::Softplus { beta }, Some(y)) => {
                    dy * (y * -beta).exp().neg().add_scalar(1.0)
                }
                _ => dy,
            };
            if let Some(bias) = layer.bias {
                grads[bias.index()] = Some(dpre.clone().sum_dim(0).reshape([layer.outputs]));
            }
            let dw = x.clone().transpose().matmul(dpre.clone());
            grads[weight.index()] = Some(dw.reshape([layer.inputs * layer.outputs]));
            if depth > 0 {
                let w = params[weight.index()].clone().reshape(shape);
                upstream = Some(dpre.matmul(w.transpose()));
                output = Some(x);
            }
        }
        grads
    }
}
