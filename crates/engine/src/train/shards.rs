//! One optimiser step's gradients, with the batch split across threads on the CPU.
//!
//! Burn's CPU backend spreads only large matrix products over its thread pool; the rest of
//! a step (element-wise passes, batch assembly, the backward graph's bookkeeping) runs on
//! one thread, so two threads trained LeNet-300-100 at batch 256 only 1.25x faster than
//! one (docs/benchmarks.md). Here a batch is cut into one part per thread, each part runs
//! its own forward and backward pass, and the gradients are summed: every part's loss is
//! weighted by its share of the batch, so the sum is the gradient of the whole batch's
//! mean loss, as without the split (up to rounding).
//!
//! A part's backward pass is the hand-written one of `model/backprop.rs` for plain fully
//! connected networks (whether split or not), and Burn's autodiff, with a graph per part,
//! for the rest.
//!
//! The split is made only on the CPU device, in the threaded build (feature `threads`),
//! with at least [`MIN_SHARD`] samples per part, and not with Oja's rule (its term needs
//! the whole batch's activations). The number of parts depends on the thread pool, so
//! runs with different thread counts differ in their last bits, as matrix products with
//! different kernels already do.

use super::*;
use crate::model::DenseRecord;

/// Fewest samples per part; smaller batches are not split.
pub(crate) const MIN_SHARD: usize = 32;

/// The gradients of one step.
pub(super) struct StepGradients {
    /// One per parameter (`None` where a parameter took no part).
    pub(super) grads: Vec<Option<Tensor<1>>>,
    /// The batch's mean loss (without autodiff).
    pub(super) loss: Tensor<1>,
    /// The dense layers' records (only when asked for; the batch is then not split).
    pub(super) dense: Vec<DenseRecord>,
}

/// How many parts a batch of `len` samples is split into on `device`.
pub(super) fn shard_count(len: usize, device: &Device, record: bool) -> usize {
    if record || *device != Device::flex() {
        return 1;
    }
    threads().min(len / MIN_SHARD).max(1)
}

#[cfg(feature = "threads")]
fn threads() -> usize {
    rayon::current_num_threads()
}

#[cfg(not(feature = "threads"))]
fn threads() -> usize {
    1
}

/// The gradients of the mean loss over `positions` (into `samples.indices`) at `values`,
/// computed in `shards` parts (run in parallel in the threaded build).
pub(super) fn batch_gradients(
    net: &Network,
    values: &[Tensor<1>],
    samples: &Samples<'_>,
    positions: &[usize],
    shards: usize,
    device: &Device,
    record: bool,
) -> Result<StepGradients, ModelError> {
    let total = positions.len();
    if shards <= 1 || record {
        return part_gradients(net, values, samples, positions, total, device, record);
    }
    let parts: Vec<&[usize]> = positions.chunks(total.div_ceil(shards)).collect();
    let run = |part: &&[usize]| part_gradients(net, values, samples, part, total, device, false);
    #[cfg(feature = "threads")]
    let results: Vec<Result<StepGradients, ModelError>> = {
        use rayon::prelude::*;
        parts.par_iter().map(run).collect()
    };
    #[cfg(not(feature = "threads"))]
    let results: Vec<Result<StepGradients, ModelError>> = parts.iter().map(run).collect();
    let parts = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    // `shards > 1` makes at least two parts, so `reduce` has something to return.
    let sum = parts.into_iter().reduce(|acc, part| StepGradients {
        grads: acc
            .grads
            .into_iter()
            .zip(part.grads)
            .map(|(a, b)| match (a, b) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            })
            .collect(),
        loss: acc.loss + part.loss,
        dense: Vec::new(),
    });
    match sum {
        Some(sum) => Ok(sum),
        None => part_gradients(net, values, samples, positions, total, device, false),
    }
}

/// Forward and backward over one part of a batch of `total` samples: its loss weighted by
/// its share, so the parts' gradients add up to the batch's. Plain fully connected
/// networks take the hand-written backward pass (`model/backprop.rs`), the rest Burn's
/// autodiff.
pub(super) fn part_gradients(
    net: &Network,
    values: &[Tensor<1>],
    samples: &Samples<'_>,
    positions: &[usize],
    total: usize,
    device: &Device,
    record: bool,
) -> Result<StepGradients, ModelError> {
    let batch = host_batch(samples, positions).upload(net, device);
    let share = positions.len() as f64 / total as f64;
    if let Some(tape) = net.plain_forward(values, batch.x.clone(), record)? {
        let dense = if record {
            net.plain_records(&tape)
        } else {
            Vec::new()
        };
        // The loss is the part's mean cross-entropy times its share, that is the sum over
        // the part divided by `total`; its gradient with respect to the logits is
        // `(softmax - one_hot) / total`.
        let log_p = log_softmax(tape.logits.clone(), 1);
        let loss = mean_nll(log_p.clone(), batch.one_hot.clone()) * share;
        let dlogits = (log_p.exp() - batch.one_hot) / total as f64;
        let grads = net.plain_backward(values, tape, dlogits);
        return Ok(StepGradients { grads, loss, dense });
    }
    autodiff_gradients(net, values, batch, share, record)
}

/// [`part_gradients`] through Burn's autodiff, for any network.
pub(super) fn autodiff_gradients(
    net: &Network,
    values: &[Tensor<1>],
    batch: DeviceBatch,
    share: f64,
    record: bool,
) -> Result<StepGradients, ModelError> {
    let leaves: Vec<Tensor<1>> = values
        .iter()
        .map(|p| p.clone().autodiff().require_grad())
        .collect();
    let forward = net.forward(&leaves, batch.x.autodiff(), batch.context.as_ref(), record)?;
    let mut loss = cross_entropy(forward.logits, batch.one_hot.autodiff());
    if share != 1.0 {
        loss = loss * share;
    }
    let mut grads = loss.backward();
    let grads = leaves
        .iter()
        .map(|leaf| leaf.grad_remove(&mut grads))
        .collect();
    // The leaves share the parameters' buffers; without them the CPU optimiser updates
    // each buffer in place instead of copying it.
    drop(leaves);
    Ok(StepGradients {
        grads,
        loss: loss.inner(),
        dense: forward.dense,
    })
}
