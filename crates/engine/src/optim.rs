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

/// The optimisers' element-wise updates as single passes over host buffers: the same
/// formulas, in the same order, as the tensor chain of [`Optimizer::step`], except that a
/// moment that decays below `f32::MIN_POSITIVE` is stored as 0 ([`flush`]).
mod fused {
    /// `x`, or 0 when it is subnormal. A weight whose gradient stays 0 (a unit k-WTA keeps
    /// switching off, a dead ReLU) has a momentum that decays geometrically into subnormal
    /// floats after some 800 steps, and x86 arithmetic on subnormals (in wasm too, which
    /// keeps IEEE subnormals) is about ten times slower: a long run slowed down tenfold.
    /// The values dropped are below 1.2e-38, so the update they stood for is nil; a block of
    /// zero moments is then skipped whole.
    #[inline(always)]
    pub(super) fn flush(x: f32) -> f32 {
        if x.abs() < f32::MIN_POSITIVE { 0.0 } else { x }
    }

    /// Plain or momentum SGD.
    pub(super) struct Sgd {
        pub(super) lr: f32,
        pub(super) momentum: f32,
        pub(super) weight_decay: f32,
    }

    impl Sgd {
        pub(super) fn apply(
            &self,
            w: &mut [f32],
            g: &[f32],
            buf: &mut [f32],
            mask: Option<&[f32]>,
        ) {
            for j in 0..w.len() {
                let keep = mask.map_or(1.0, |m| m[j]);
                let mut grad = g[j] * keep + self.weight_decay * w[j];
                if self.momentum > 0.0 {
                    grad += buf[j] * self.momentum;
                    buf[j] = flush(grad);
                }
                w[j] = (w[j] - grad * self.lr) * keep;
            }
        }
    }

    /// Adam with bias-corrected moments and `eps` outside the square root.
    pub(super) struct Adam {
        pub(super) lr: f32,
        pub(super) beta1: f32,
        pub(super) beta2: f32,
        pub(super) eps: f32,
        /// `1 - beta1^t`.
        pub(super) c1: f32,
        /// `1 - beta2^t`.
        pub(super) c2: f32,
        pub(super) weight_decay: f32,
    }

    /// Elements per block of [`Adam::apply`]: a block with no gradient and no moments is
    /// skipped whole, the others run as straight-line code the compiler vectorises.
    const BLOCK: usize = 64;

    impl Adam {
        pub(super) fn apply(
            &self,
            w: &mut [f32],
            g: &[f32],
            m: &mut [f32],
            v: &mut [f32],
            mask: Option<&[f32]>,
        ) {
            let n = w.len();
            let mut start = 0;
            while start < n {
                let end = (start + BLOCK).min(n);
                let r = start..end;
                start = end;
                // No gradient, no moments and no weight decay: the update is exactly zero
                // (a dendrite segment not selected since the optimiser started).
                if self.weight_decay == 0.0
                    && g[r.clone()].iter().all(|x| *x == 0.0)
                    && m[r.clone()].iter().all(|x| *x == 0.0)
                    && v[r.clone()].iter().all(|x| *x == 0.0)
                {
                    continue;
                }
                let (w, g, m, v) = (
                    &mut w[r.clone()],
                    &g[r.clone()],
                    &mut m[r.clone()],
                    &mut v[r.clone()],
                );
                match mask {
                    Some(mask) => {
                        let keep = &mask[r];
                        for ((((w, g), m), v), keep) in w
                            .iter_mut()
                            .zip(g)
                            .zip(m.iter_mut())
                            .zip(v.iter_mut())
                            .zip(keep)
                        {
                            self.one(w, *g, m, v, *keep);
                        }
                    }
                    None => {
                        for (((w, g), m), v) in
                            w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut())
                        {
                            self.one(w, *g, m, v, 1.0);
                        }
                    }
                }
            }
        }

        /// One weight's update: the formulas of the tensor path, in its order.
        #[inline(always)]
        fn one(&self, w: &mut f32, g: f32, m: &mut f32, v: &mut f32, keep: f32) {
            let grad = g * keep + self.weight_decay * *w;
            *m = flush(*m * self.beta1 + grad * (1.0 - self.beta1));
            *v = flush(*v * self.beta2 + grad * grad * (1.0 - self.beta2));
            let step = (*m / self.c1) / ((*v / self.c2).sqrt() + self.eps);
            *w = (*w - step * self.lr) * keep;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ParamInfo, ParamRole};
    use crate::prune::Masks;
    use crate::tensor_io::upload_flat;
    use pollster::block_on;

    /// Bias-like parameters of these lengths, for a store without a network.
    fn infos(lengths: &[usize]) -> Vec<ParamInfo> {
        lengths
            .iter()
            .enumerate()
            .map(|(i, n)| ParamInfo {
                name: format!("p{i}"),
                shape: vec![*n],
                role: ParamRole::Bias,
                fan_in: 1,
                input_density: 1.0,
            })
            .collect()
    }

    fn run(spec: OptimizerSpec, steps: usize) -> Vec<f32> {
        let device = crate::device::cpu();
        let values = vec![upload_flat(vec![1.0, -2.0], &device)];
        let mut store =
            ParamStore::new(&infos(&[2]), values, Masks::default(), &device).expect("fits");
        let mut opt = Optimizer::new(spec);
        for _ in 0..steps {
            let g = upload_flat(vec![0.5, 0.25], &device);
            opt.step(&mut store, vec![Some(g)]);
        }
        block_on(store.read()).expect("read").remove(0)
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

    /// Runs `steps` steps of `spec` on three parameters (one masked, one never given a
    /// gradient after the first step) through the host or the tensor path.
    fn run_path(spec: OptimizerSpec, steps: usize, on_host: bool) -> Vec<Vec<f32>> {
        let device = crate::device::cpu();
        let mut rng = crate::rng::Rng::new(11);
        let mut draw = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
        let keep: Vec<bool> = (0..40).map(|i| i % 3 != 0).collect();
        let values = vec![
            upload_flat(draw(40), &device),
            upload_flat(draw(25), &device),
            upload_flat(draw(7), &device),
        ];
        let masks = Masks(vec![Some(keep), None, None]);
        let mut store =
            ParamStore::new(&infos(&[40, 25, 7]), values, masks, &device).expect("fits");
        let mut opt = Optimizer::new(spec);
        let path: fn(&Device) -> bool = if on_host { |_| true } else { |_| false };
        for step in 0..steps {
            let grads = vec![
                Some(upload_flat(draw(40), &device)),
                Some(upload_flat(draw(25), &device)),
                (step == 0).then(|| upload_flat(draw(7), &device)),
            ];
            opt.step_via(&mut store, grads, path);
        }
        block_on(store.read()).expect("read")
    }

    #[test]
    fn the_host_and_tensor_paths_compute_the_same_updates() {
        let specs = [
            OptimizerSpec::sgd(0.1),
            OptimizerSpec::Sgd {
                lr: 0.05,
                momentum: 0.9,
                weight_decay: 1e-3,
            },
            OptimizerSpec::adam(0.01),
            OptimizerSpec::Adam {
                lr: 0.003,
                beta1: 0.8,
                beta2: 0.99,
                eps: 1e-6,
                weight_decay: 1e-2,
            },
        ];
        for spec in specs {
            let host = run_path(spec, 6, true);
            let tensors = run_path(spec, 6, false);
            for (h, t) in host.iter().zip(&tensors) {
                for (a, b) in h.iter().zip(t) {
                    assert!(
                        (a - b).abs() <= 1e-6 * (1.0 + b.abs()),
                        "{spec:?}: {a} vs {b}"
                    );
                }
            }
            // Pruned weights stay exactly zero on both paths.
            for p in [&host, &tensors] {
                assert!(p[0].iter().step_by(3).all(|w| *w == 0.0), "{spec:?}");
            }
        }
    }

    #[test]
    fn decayed_moments_flush_to_zero_instead_of_going_subnormal() {
        let adam = fused::Adam {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            c1: 1.0,
            c2: 1.0,
            weight_decay: 0.0,
        };
        let (mut w, mut m, mut v) = (vec![0.5_f32], vec![0.0_f32], vec![0.0_f32]);
        adam.apply(&mut w, &[1.0], &mut m, &mut v, None);
        let mut subnormal = false;
        for _ in 0..2000 {
            adam.apply(&mut w, &[0.0], &mut m, &mut v, None);
            subnormal |= m[0] != 0.0 && !m[0].is_normal();
        }
        // 0.1 * 0.9^2000 is far below f32's smallest normal: stored as 0, never subnormal.
        assert!(!subnormal);
        assert_eq!(m[0], 0.0);
        // 0.001 * 0.999^2000 is still a normal number and stays.
        assert!(v[0].is_normal(), "{}", v[0]);
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
