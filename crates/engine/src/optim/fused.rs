//! The optimisers' element-wise updates as single passes over host buffers: the same
//! formulas, in the same order, as the tensor chain of
//! [`Optimizer::step`](super::Optimizer::step), except that a
//! moment that decays below `f32::MIN_POSITIVE` is stored as 0 ([`flush`]).

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
    pub(super) fn apply(&self, w: &mut [f32], g: &[f32], buf: &mut [f32], mask: Option<&[f32]>) {
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
                    for (((w, g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut())
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
