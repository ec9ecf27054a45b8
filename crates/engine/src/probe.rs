//! A small, fixed autodiff computation that proves a device works.
//!
//! The shell runs it once a backend has started and shows the result: if the loss and
//! gradients come back, and agree with the closed form computed here in `f64`, the device
//! can train. The browser tests run it on WebGPU and on the CPU and compare the two.
//!
//! The computation is one dense layer with a tanh and a mean-square loss:
//! `loss = mean(tanh(x W + b)^2)` with `x: [8, 16]`, `W: [16, 4]`, `b: [4]`, all fixed
//! (no random numbers), so every device must give the same numbers up to rounding.

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use web_time::Instant;

/// Rows of the probe's input batch.
pub const BATCH: usize = 8;
/// Input features.
pub const INPUTS: usize = 16;
/// Output units.
pub const OUTPUTS: usize = 4;

/// How closely two conforming f32 devices must agree on the probe (absolute, over the loss
/// and every gradient entry). The values are of order 0.01 to 0.3; f32 rounding and GPU
/// `tanh` implementations differ by a few 1e-7 here, so 1e-4 leaves a wide margin while
/// still catching any real error (a wrong kernel is off by 1e-2 or more).
pub const AGREEMENT_TOLERANCE: f64 = 1e-4;

/// What the probe computed on a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// The loss, `mean(tanh(x W + b)^2)`.
    pub loss: f64,
    /// `dL/dW`, row-major `[INPUTS, OUTPUTS]`.
    pub grad_w: Vec<f64>,
    /// `dL/db`, `[OUTPUTS]`.
    pub grad_b: Vec<f64>,
    /// Wall-clock time of the whole probe (upload, forward, backward, read-back), in ms.
    pub elapsed_ms: f64,
}

impl ProbeReport {
    /// Sum of every gradient entry: one number to show and compare.
    pub fn grad_sum(&self) -> f64 {
        self.grad_w.iter().chain(&self.grad_b).sum()
    }

    /// Largest absolute difference to `other` over the loss and every gradient entry.
    pub fn max_abs_diff(&self, other: &ProbeReport) -> f64 {
        let pairs = self
            .grad_w
            .iter()
            .zip(&other.grad_w)
            .chain(self.grad_b.iter().zip(&other.grad_b));
        pairs
            .map(|(a, b)| (a - b).abs())
            .fold((self.loss - other.loss).abs(), f64::max)
    }
}

/// Why the probe could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    /// The device must have autodiff enabled (`device.autodiff()`).
    #[error("the probe needs a device with autodiff enabled")]
    NoAutodiff,
    /// A gradient the probe asked for was not produced.
    #[error("no gradient was produced for {0}")]
    MissingGradient(&'static str),
    /// Reading results back from the device failed.
    #[error("reading results from the device failed: {0}")]
    ReadBack(String),
    /// The device produced a result of the wrong size.
    #[error("{what} has {got} values, expected {expected}")]
    WrongSize {
        /// Which result.
        what: &'static str,
        /// How many values came back.
        got: usize,
        /// How many were expected.
        expected: usize,
    },
}

fn input(n: usize, i: usize) -> f64 {
    ((n * INPUTS + i) * 37 % 23) as f64 / 23.0 - 0.5
}

fn weight(i: usize, o: usize) -> f64 {
    (((i * OUTPUTS + o) * 17 % 13) as f64 / 13.0 - 0.5) * 0.5
}

fn bias(o: usize) -> f64 {
    0.1 * o as f64 - 0.15
}

fn table(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64) -> Vec<f32> {
    (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (r, c)))
        .map(|(r, c)| f(r, c) as f32)
        .collect()
}

/// The exact answer, computed on the host in `f64` from the closed-form gradient:
/// `dL/dz = 2 y (1 - y^2) / (B O)`, `dL/dW = x^T dL/dz`, `dL/db = sum_n dL/dz`.
pub fn expected() -> ProbeReport {
    // Use the f32-rounded inputs the device sees, so only arithmetic differs.
    let x = |n, i| input(n, i) as f32 as f64;
    let w = |i, o| weight(i, o) as f32 as f64;
    let b = |o| bias(o) as f32 as f64;
    let scale = 1.0 / (BATCH * OUTPUTS) as f64;
    let mut loss = 0.0;
    let mut grad_w = vec![0.0; INPUTS * OUTPUTS];
    let mut grad_b = vec![0.0; OUTPUTS];
    for n in 0..BATCH {
        for o in 0..OUTPUTS {
            let z: f64 = b(o) + (0..INPUTS).map(|i| x(n, i) * w(i, o)).sum::<f64>();
            let y = z.tanh();
            loss += y * y * scale;
            let dz = 2.0 * y * (1.0 - y * y) * scale;
            grad_b[o] += dz;
            for i in 0..INPUTS {
                grad_w[i * OUTPUTS + o] += x(n, i) * dz;
            }
        }
    }
    ProbeReport {
        loss,
        grad_w,
        grad_b,
        elapsed_ms: 0.0,
    }
}

async fn read(
    tensor: Tensor<2>,
    what: &'static str,
    expected: usize,
) -> Result<Vec<f64>, ProbeError> {
    let values = crate::tensor_io::download(tensor)
        .await
        .map_err(|e| ProbeError::ReadBack(e.0))?;
    if values.len() != expected {
        return Err(ProbeError::WrongSize {
            what,
            got: values.len(),
            expected,
        });
    }
    Ok(values.into_iter().map(f64::from).collect())
}

/// Runs the probe on `device`, which must have autodiff enabled.
///
/// Reads results back asynchronously, so it works on WebGPU in a browser, where
/// synchronous reads are not allowed.
pub async fn run(device: &Device) -> Result<ProbeReport, ProbeError> {
    if !device.is_autodiff() {
        return Err(ProbeError::NoAutodiff);
    }
    let start = Instant::now();
    let x = Tensor::<2>::from_data(
        TensorData::new(table(BATCH, INPUTS, input), [BATCH, INPUTS]),
        device,
    );
    let w = Tensor::<2>::from_data(
        TensorData::new(table(INPUTS, OUTPUTS, weight), [INPUTS, OUTPUTS]),
        device,
    )
    .require_grad();
    let b = Tensor::<2>::from_data(
        TensorData::new(table(1, OUTPUTS, |_, o| bias(o)), [1, OUTPUTS]),
        device,
    )
    .require_grad();

    let y = (x.matmul(w.clone()) + b.clone()).tanh();
    let loss = y.clone().mul(y).mean();
    let grads = loss.backward();
    let grad_w = w.grad(&grads).ok_or(ProbeError::MissingGradient("W"))?;
    let grad_b = b.grad(&grads).ok_or(ProbeError::MissingGradient("b"))?;

    let loss = read(loss.reshape([1, 1]), "loss", 1).await?[0];
    let grad_w = read(grad_w, "dL/dW", INPUTS * OUTPUTS).await?;
    let grad_b = read(grad_b, "dL/db", OUTPUTS).await?;
    Ok(ProbeReport {
        loss,
        grad_w,
        grad_b,
        elapsed_ms: start.elapsed().as_secs_f64() * 1e3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f32 arithmetic against the f64 closed form: a few ulps of the largest values.
    const TOLERANCE: f64 = 1e-6;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        pollster::block_on(f)
    }

    #[test]
    fn cpu_gradients_match_the_closed_form() {
        let device = crate::device::cpu().autodiff();
        let got = block_on(run(&device)).expect("probe runs on the CPU");
        let want = expected();
        let diff = got.max_abs_diff(&want);
        assert!(diff < TOLERANCE, "max |cpu - closed form| = {diff:e}");
        assert!(
            want.grad_sum().abs() > 1e-3,
            "the probe must have non-trivial gradients"
        );
    }

    #[test]
    fn a_device_without_autodiff_is_refused() {
        let device = crate::device::cpu();
        assert_eq!(block_on(run(&device)), Err(ProbeError::NoAutodiff));
    }

    #[test]
    fn max_abs_diff_sees_a_changed_gradient() {
        let a = expected();
        let mut b = a.clone();
        b.grad_b[3] += 0.5;
        assert!((a.max_abs_diff(&b) - 0.5).abs() < 1e-12);
    }
}
