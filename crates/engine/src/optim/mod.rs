//! Optimisers: SGD (with or without momentum) and Adam over a network's flat parameters,
//! so that masks and Oja's term compose with any of them. On WebGPU an update is a chain
//! of tensor operations; on the CPU backend it is one pass over the host buffers instead
//! of about a dozen, with the same formulas (the dendrite segments of a continual run are
//! millions of weights, and each pass reads and writes all of them).
//!
//! Conventions follow PyTorch, which the papers used: weight decay is an L2 term added to
//! the gradient; SGD momentum keeps `buf = mu * buf + g` and steps by `lr * buf`; Adam uses
//! bias-corrected moments and `eps` outside the square root.

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, check_range};
use crate::params::{Moments, ParamStore, Slot};
use crate::tensor_io::upload_flat;

/// An optimiser and its hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerSpec {
    /// Stochastic gradient descent.
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum coefficient (0 = plain SGD).
        #[serde(default)]
        momentum: f64,
        /// L2 weight decay.
        #[serde(default)]
        weight_decay: f64,
    },
    /// Adam (Kingma & Ba).
    Adam {
        /// Learning rate.
        lr: f64,
        /// First-moment decay.
        #[serde(default = "beta1")]
        beta1: f64,
        /// Second-moment decay.
        #[serde(default = "beta2")]
        beta2: f64,
        /// Added to the denominator.
        #[serde(default = "eps")]
        eps: f64,
        /// L2 weight decay.
        #[serde(default)]
        weight_decay: f64,
    },
}

fn beta1() -> f64 {
    0.9
}
fn beta2() -> f64 {
    0.999
}
fn eps() -> f64 {
    1e-8
}

impl OptimizerSpec {
    /// Adam with PyTorch's defaults and learning rate `lr`.
    pub fn adam(lr: f64) -> Self {
        OptimizerSpec::Adam {
            lr,
            beta1: beta1(),
            beta2: beta2(),
            eps: eps(),
            weight_decay: 0.0,
        }
    }

    /// Plain SGD with learning rate `lr`.
    pub fn sgd(lr: f64) -> Self {
        OptimizerSpec::Sgd {
            lr,
            momentum: 0.0,
            weight_decay: 0.0,
        }
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match *self {
            OptimizerSpec::Sgd { lr, .. } | OptimizerSpec::Adam { lr, .. } => lr,
        }
    }

    /// Whether the optimiser keeps a per-weight first moment (Adam) or momentum buffer.
    fn keeps_first_moment(&self) -> bool {
        match *self {
            OptimizerSpec::Sgd { momentum, .. } => momentum > 0.0,
            OptimizerSpec::Adam { .. } => true,
        }
    }

    /// The L2 weight decay.
    pub fn weight_decay(&self) -> f64 {
        match *self {
            OptimizerSpec::Sgd { weight_decay, .. } | OptimizerSpec::Adam { weight_decay, .. } => {
                weight_decay
            }
        }
    }

    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        match *self {
            OptimizerSpec::Sgd {
                lr,
                momentum,
                weight_decay,
            } => {
                check_range(&format!("{field}.lr"), lr, 0.0, 100.0)?;
                check_range(&format!("{field}.momentum"), momentum, 0.0, 0.9999)?;
                check_range(&format!("{field}.weight_decay"), weight_decay, 0.0, 1.0)
            }
            OptimizerSpec::Adam {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
            } => {
                check_range(&format!("{field}.lr"), lr, 0.0, 100.0)?;
                check_range(&format!("{field}.beta1"), beta1, 0.0, 0.9999)?;
                check_range(&format!("{field}.beta2"), beta2, 0.0, 0.999999)?;
                check_range(&format!("{field}.eps"), eps, 1e-12, 1.0)?;
                check_range(&format!("{field}.weight_decay"), weight_decay, 0.0, 1.0)
            }
        }
    }
}

/// An optimiser: its hyper-parameters and step count. The per-parameter moments live
/// with the parameters, in the [`ParamStore`].
#[derive(Debug, Clone)]
pub struct Optimizer {
    spec: OptimizerSpec,
    steps: i32,
}

impl Optimizer {
    /// A fresh optimiser (its moments start empty in any store it steps).
    pub fn new(spec: OptimizerSpec) -> Self {
        Optimizer { spec, steps: 0 }
    }

    /// The hyper-parameters.
    pub fn spec(&self) -> &OptimizerSpec {
        &self.spec
    }

    /// Whether any step has been taken since this state was made.
    pub fn has_state(&self) -> bool {
        self.steps > 0
    }

    /// One update of every parameter of `store` that has a gradient (`grads` in parameter
    /// order). A parameter's mask, when it has one, zeroes the gradient of pruned weights
    /// (so they gather no momentum) and the weights themselves after the step. All tensors
    /// are without autodiff.
    ///
    /// On the CPU backend, where a tensor's buffer is host memory, each parameter is
    /// updated in one pass over its buffers ([`fused`]); elsewhere (WebGPU) as a chain of
    /// tensor operations. Both compute the same formulas in the same order (the host takes
    /// the hyper-parameters as `f32`, so results agree to rounding, not bit for bit).
    pub fn step(&mut self, store: &mut ParamStore, grads: Vec<Option<Tensor<1>>>) {
        self.step_via(store, grads, |device| *device == Device::flex());
    }

    /// [`Optimizer::step`], updating on the host where `on_host` says so (the tests run
    /// both paths on the CPU).
    fn step_via(
        &mut self,
        store: &mut ParamStore,
        grads: Vec<Option<Tensor<1>>>,
        on_host: fn(&Device) -> bool,
    ) {
        self.steps = self.steps.saturating_add(1);
        for (slot, grad) in store.slots_mut().zip(grads) {
            let Some(g) = grad else { continue };
            let Slot {
                value,
                mask,
                moments,
            } = slot;
            *value = if on_host(&value.device()) {
                // Moved out (an empty tensor in its place), so that its buffer has one
                // owner and is updated without a copy.
                let w = std::mem::replace(value, Tensor::empty([0], &g.device()));
                self.update_on_host(moments, w, g, mask)
            } else {
                self.update_with_tensors(moments, value.clone(), g, mask)
            };
        }
    }

    /// The bias corrections `1 - beta^t` of Adam's two moments at this step.
    fn corrections(&self, beta1: f64, beta2: f64) -> (f64, f64) {
        (1.0 - beta1.powi(self.steps), 1.0 - beta2.powi(self.steps))
    }

    fn update_with_tensors(
        &self,
        moments: &mut Moments,
        w: Tensor<1>,
        mut g: Tensor<1>,
        mask: Option<&Tensor<1>>,
    ) -> Tensor<1> {
        if let Some(mask) = mask {
            g = g * mask.clone();
        }
        let weight_decay = self.spec.weight_decay();
        if weight_decay > 0.0 {
            g = g + w.clone() * weight_decay;
        }
        let updated = match self.spec {
            OptimizerSpec::Sgd { lr, momentum, .. } => {
                if momentum > 0.0 {
                    let buf = match moments.first.take() {
                        Some(buf) => buf * momentum + g,
                        None => g,
                    };
                    moments.first = Some(buf.clone());
                    g = buf;
                }
                w - g * lr
            }
            OptimizerSpec::Adam {
                lr,
                beta1,
                beta2,
                eps,
                ..
            } => {
                let m = match moments.first.take() {
                    Some(m) => m * beta1 + g.clone() * (1.0 - beta1),
                    None => g.clone() * (1.0 - beta1),
                };
                let v = match moments.second.take() {
                    Some(v) => v * beta2 + g.clone() * g * (1.0 - beta2),
                    None => g.clone() * g * (1.0 - beta2),
                };
                moments.first = Some(m.clone());
                moments.second = Some(v.clone());
                let (c1, c2) = self.corrections(beta1, beta2);
                let step = (m / c1) / ((v / c2).sqrt() + eps);
                w - step * lr
            }
        };
        match mask {
            Some(mask) => updated * mask.clone(),
            None => updated,
        }
    }

    fn update_on_host(
        &self,
        moments: &mut Moments,
        w: Tensor<1>,
        g: Tensor<1>,
        mask: Option<&Tensor<1>>,
    ) -> Tensor<1> {
        let device = w.device();
        let n = w.dims()[0];
        let mut w = host_values(w);
        let g = host_values(g);
        let mask = mask.map(|m| host_values(m.clone()));
        let weight_decay = self.spec.weight_decay() as f32;
        // Moments start at zero, as PyTorch's do (so the first momentum buffer is `g`).
        let mut first = match moments.first.take() {
            Some(t) => host_values(t),
            None if self.spec.keeps_first_moment() => vec![0.0; n],
            None => Vec::new(),
        };
        match self.spec {
            OptimizerSpec::Sgd { lr, momentum, .. } => {
                let update = fused::Sgd {
                    lr: lr as f32,
                    momentum: momentum as f32,
                    weight_decay,
                };
                update.apply(&mut w, &g, &mut first, mask.as_deref());
                if momentum > 0.0 {
                    moments.first = Some(upload_flat(first, &device));
                }
            }
            OptimizerSpec::Adam {
                lr,
                beta1,
                beta2,
                eps,
                ..
            } => {
                let mut second = moments
                    .second
                    .take()
                    .map_or_else(|| vec![0.0; n], host_values);
                let (c1, c2) = self.corrections(beta1, beta2);
                let update = fused::Adam {
                    lr: lr as f32,
                    beta1: beta1 as f32,
                    beta2: beta2 as f32,
                    eps: eps as f32,
                    c1: c1 as f32,
                    c2: c2 as f32,
                    weight_decay,
                };
                update.apply(&mut w, &g, &mut first, &mut second, mask.as_deref());
                moments.first = Some(upload_flat(first, &device));
                moments.second = Some(upload_flat(second, &device));
            }
        }
        upload_flat(w, &device)
    }
}

/// A CPU tensor's values, without a copy when the tensor is the buffer's only owner.
/// Only called for tensors of the CPU backend, whose reads complete at once (also on
/// wasm32), and the engine's parameters are always `f32`.
fn host_values(t: Tensor<1>) -> Vec<f32> {
    t.into_data()
        .try_into_vec::<f32>()
        .expect("the engine's parameters are f32")
}

mod fused;

#[cfg(test)]
mod tests;
