//! Optimisers: SGD (with or without momentum) and Adam, written as tensor operations over a
//! network's flat parameters so that masks and Oja's term compose with any of them.
//!
//! Conventions follow PyTorch, which the papers used: weight decay is an L2 term added to
//! the gradient; SGD momentum keeps `buf = mu * buf + g` and steps by `lr * buf`; Adam uses
//! bias-corrected moments and `eps` outside the square root.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, check_range};

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

/// An optimiser's state for one network.
#[derive(Debug, Clone)]
pub struct Optimizer {
    spec: OptimizerSpec,
    /// Per parameter: momentum buffer (SGD) or first moment (Adam).
    first: Vec<Option<Tensor<1>>>,
    /// Per parameter: second moment (Adam).
    second: Vec<Option<Tensor<1>>>,
    steps: i32,
}

impl Optimizer {
    /// Fresh state for `params` parameters.
    pub fn new(spec: OptimizerSpec, params: usize) -> Self {
        Optimizer {
            spec,
            first: vec![None; params],
            second: vec![None; params],
            steps: 0,
        }
    }

    /// The hyper-parameters.
    pub fn spec(&self) -> &OptimizerSpec {
        &self.spec
    }

    /// Whether any step has been taken since this state was made.
    pub fn has_state(&self) -> bool {
        self.steps > 0
    }

    /// One update of every parameter that has a gradient. `masks[i]`, when present, zeroes
    /// the gradient of pruned weights (so they gather no momentum) and the weights
    /// themselves after the step. All tensors are without autodiff.
    pub fn step(
        &mut self,
        params: &mut [Tensor<1>],
        grads: Vec<Option<Tensor<1>>>,
        masks: &[Option<Tensor<1>>],
    ) {
        self.steps = self.steps.saturating_add(1);
        for (i, grad) in grads.into_iter().enumerate() {
            let Some(mut g) = grad else { continue };
            let mask = masks.get(i).and_then(Option::as_ref);
            if let Some(mask) = mask {
                g = g * mask.clone();
            }
            let w = params[i].clone();
            let weight_decay = self.spec.weight_decay();
            if weight_decay > 0.0 {
                g = g + w.clone() * weight_decay;
            }
            let updated = match self.spec {
                OptimizerSpec::Sgd { lr, momentum, .. } => {
                    if momentum > 0.0 {
                        let buf = match self.first[i].take() {
                            Some(buf) => buf * momentum + g,
                            None => g,
                        };
                        self.first[i] = Some(buf.clone());
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
                    let m = match self.first[i].take() {
                        Some(m) => m * beta1 + g.clone() * (1.0 - beta1),
                        None => g.clone() * (1.0 - beta1),
                    };
                    let v = match self.second[i].take() {
                        Some(v) => v * beta2 + g.clone() * g * (1.0 - beta2),
                        None => g.clone() * g * (1.0 - beta2),
                    };
                    self.first[i] = Some(m.clone());
                    self.second[i] = Some(v.clone());
                    let c1 = 1.0 - beta1.powi(self.steps);
                    let c2 = 1.0 - beta2.powi(self.steps);
                    let step = (m / c1) / ((v / c2).sqrt() + eps);
                    w - step * lr
                }
            };
            params[i] = match mask {
                Some(mask) => updated * mask.clone(),
                None => updated,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor_io::{download, upload_flat};
    use pollster::block_on;

    fn run(spec: OptimizerSpec, steps: usize) -> Vec<f32> {
        let device = crate::device::cpu();
        let mut params = vec![upload_flat(vec![1.0, -2.0], &device)];
        let mut opt = Optimizer::new(spec, 1);
        for _ in 0..steps {
            let g = upload_flat(vec![0.5, 0.25], &device);
            opt.step(&mut params, vec![Some(g)], &[None]);
        }
        block_on(download(params.remove(0))).expect("read")
    }

    fn close(a: &[f32], b: &[f64]) {
        for (x, y) in a.iter().zip(b) {
            assert!((f64::from(*x) - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn sgd_matches_the_closed_form() {
        close(
            &run(OptimizerSpec::sgd(0.1), 3),
            &[1.0 - 0.15, -2.0 - 0.075],
        );
    }

    #[test]
    fn sgd_momentum_accumulates_like_pytorch() {
        // buf: g, 1.9 g, 2.71 g -> total 5.61 g
        let spec = OptimizerSpec::Sgd {
            lr: 0.1,
            momentum: 0.9,
            weight_decay: 0.0,
        };
        close(
            &run(spec, 3),
            &[1.0 - 0.1 * 5.61 * 0.5, -2.0 - 0.1 * 5.61 * 0.25],
        );
    }

    #[test]
    fn adam_with_a_constant_gradient_steps_by_lr() {
        // With a constant gradient the bias-corrected ratio is 1 (up to eps).
        close(
            &run(OptimizerSpec::adam(0.01), 4),
            &[1.0 - 0.04, -2.0 - 0.04],
        );
    }
}
