//! Oja's plasticity rule, added to the backprop update (Shervani-Tabar et al. 2024).
//!
//! For a layer `y = W x` with rows `w_i`, Oja's subspace rule is
//! `dW = y x^T - (y y^T) W` and the per-neuron rule `dW = y x^T - diag(y^2) W`. This
//! engine stores a dense weight as `[inputs, outputs]` (the transpose), where the same
//! rules, averaged over a batch `X: [B, in]`, `Y: [B, out]`, read
//! `dW = (X^T Y - W (Y^T Y)) / B` and `dW = (X^T Y - W * colsum(Y^2)) / B`.
//! The trainer adds `eta_oja * dW` after the optimiser's step and re-applies the mask.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, check_range};

/// Oja's rule as part of training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OjaSpec {
    /// The coefficient `eta_oja` (0 = pure backprop).
    pub eta: f64,
    /// Which form of the rule.
    #[serde(default)]
    pub form: OjaForm,
    /// Which of the layer's outputs is `y` (hidden layers).
    #[serde(default)]
    pub signal: OjaSignal,
    /// What the output layer contributes.
    #[serde(default)]
    pub output: OjaOutput,
}

/// The output layer's `y` in Oja's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OjaOutput {
    /// The raw logits (this playground's first formulation).
    #[default]
    Logits,
    /// `softmax(logits)`, as the authors' earlier public code (MetaLearning-Plasticity,
    /// `plasticity_rule`) uses for the last layer.
    Softmax,
    /// No Oja term on the output layer: hidden layers only.
    Skip,
}

/// The two forms of Oja's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OjaForm {
    /// `y x^T - (y y^T) W`: the form in the authors' earlier public code.
    #[default]
    Subspace,
    /// `y x^T - diag(y^2) W`: each unit on its own.
    PerNeuron,
}

/// Which output of a layer plays `y` in Oja's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OjaSignal {
    /// The layer's activation (after the nonlinearity).
    #[default]
    Activation,
    /// `W x + b`, before the nonlinearity.
    PreActivation,
}

impl OjaSpec {
    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        check_range(&format!("{field}.eta"), self.eta, 0.0, 10.0)
    }
}

/// Oja's update direction for a dense weight `w: [inputs, outputs]`, from the layer's input
/// `x: [batch, inputs]` and output `y: [batch, outputs]`, averaged over the batch.
pub fn delta(w: Tensor<2>, x: Tensor<2>, y: Tensor<2>, form: OjaForm) -> Tensor<2> {
    let [batch, _] = x.dims();
    let hebbian = x.transpose().matmul(y.clone());
    let decay = match form {
        OjaForm::Subspace => w.matmul(y.clone().transpose().matmul(y)),
        OjaForm::PerNeuron => w * (y.clone() * y).sum_dim(0),
    };
    (hebbian - decay) / batch as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor_io::{download, upload};
    use pollster::block_on;

    /// The rule written out entry by entry in the row form `W_row: [out, in]`, for one
    /// sample, then transposed to the engine's layout.
    fn closed_form(w_io: &[[f64; 2]; 3], x: [f64; 3], form: OjaForm) -> [[f64; 2]; 3] {
        let y: Vec<f64> = (0..2)
            .map(|o| (0..3).map(|i| w_io[i][o] * x[i]).sum())
            .collect();
        let mut d = [[0.0; 2]; 3];
        for o in 0..2 {
            for i in 0..3 {
                let decay: f64 = match form {
                    OjaForm::Subspace => (0..2).map(|k| y[o] * y[k] * w_io[i][k]).sum(),
                    OjaForm::PerNeuron => y[o] * y[o] * w_io[i][o],
                };
                d[i][o] = y[o] * x[i] - decay;
            }
        }
        d
    }

    #[test]
    fn delta_matches_the_closed_form_on_a_hand_example() {
        let device = crate::device::cpu();
        let w = [[0.5, -0.25], [0.1, 0.3], [-0.2, 0.4]];
        let x = [1.0, 2.0, -1.0];
        // y = x W = (0.5 + 0.2 + 0.2, -0.25 + 0.6 - 0.4) = (0.9, -0.05)
        for form in [OjaForm::Subspace, OjaForm::PerNeuron] {
            let want = closed_form(&w, x, form);
            let wt = upload(
                w.iter().flatten().map(|v| *v as f32).collect(),
                [3, 2],
                &device,
            );
            let xt = upload(x.iter().map(|v| *v as f32).collect(), [1, 3], &device);
            let yt = xt.clone().matmul(wt.clone());
            let got = block_on(download(delta(wt, xt, yt, form))).expect("read");
            for i in 0..3 {
                for o in 0..2 {
                    let g = f64::from(got[i * 2 + o]);
                    assert!(
                        (g - want[i][o]).abs() < 1e-6,
                        "{form:?} [{i}][{o}] {g} vs {}",
                        want[i][o]
                    );
                }
            }
        }
        // One value by hand, subspace form, entry [0][0]:
        // y0 x0 - (y0 y0 w00 + y0 y1 w01) = 0.9 - (0.81 * 0.5 + 0.9 * -0.05 * -0.25) = 0.48375
        let d = closed_form(&w, x, OjaForm::Subspace);
        assert!((d[0][0] - 0.48375).abs() < 1e-12);
    }

    #[test]
    fn delta_averages_over_the_batch() {
        let device = crate::device::cpu();
        let w = upload(vec![0.3, -0.1], [2, 1], &device);
        let one = upload(vec![1.0, 0.5], [1, 2], &device);
        let two = upload(vec![1.0, 0.5, 1.0, 0.5], [2, 2], &device);
        let d1 = block_on(download(delta(
            w.clone(),
            one.clone(),
            one.matmul(w.clone()),
            OjaForm::Subspace,
        )))
        .expect("read");
        let d2 = block_on(download(delta(
            w.clone(),
            two.clone(),
            two.matmul(w),
            OjaForm::Subspace,
        )))
        .expect("read");
        assert_eq!(d1, d2);
    }
}
