//! The tensor operations the papers add to an ordinary network: k-winners-take-all and
//! active-dendrite gating. Plain functions on Burn tensors, so each can be checked on its
//! own against a hand-computed example.

use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, IndexingUpdateOp, Tensor, TensorData};

use super::spec::SegmentSelection;

/// k-winners-take-all over the last dimension of `x` (`[batch, units]`): keeps each row's
/// `k` largest values and sets the rest to zero. The winners are chosen on values without
/// autodiff, and the result is `x * mask`, so gradient flows only through the winners.
/// Exactly `k` entries per row are kept, ties broken by the backend's top-k order.
pub fn kwta(x: Tensor<2>, k: usize) -> Tensor<2> {
    let on_host = x.device() == Device::flex();
    kwta_via(x, k, on_host)
}

/// [`kwta`], choosing the winners on the host or with the backend's top-k.
fn kwta_via(x: Tensor<2>, k: usize, on_host: bool) -> Tensor<2> {
    let [batch, units] = x.dims();
    if k >= units {
        return x;
    }
    let values = x.clone().inner();
    let device = values.device();
    let mask = if on_host {
        // On the CPU a partial selection per row on the host does less work than the
        // backend's top-k, which sorts each row completely.
        kwta_mask_on_host(values, batch, units, k)
    } else {
        let (_, winners) = values.topk_with_indices(k, 1);
        Tensor::<2>::zeros([batch, units], &device).scatter(
            1,
            winners,
            Tensor::<2>::ones([batch, k], &device),
            IndexingUpdateOp::Add,
        )
    };
    x * mask
}

/// The k-WTA mask of `values` (`[batch, units]`, a CPU tensor): 1 at each row's `k`
/// largest entries, 0 elsewhere; exactly `min(k, units)` ones per row.
fn kwta_mask_on_host(values: Tensor<2>, batch: usize, units: usize, k: usize) -> Tensor<2> {
    let device = values.device();
    let values = values
        .into_data()
        .try_into_vec::<f32>()
        .expect("the engine's activations are f32");
    let mut mask = vec![0.0f32; batch * units];
    let mut order: Vec<usize> = Vec::with_capacity(units);
    let k = k.min(units);
    for (row, out) in values.chunks_exact(units).zip(mask.chunks_exact_mut(units)) {
        order.clear();
        order.extend(0..units);
        // Descending, NaN first (as `total_cmp` orders it), so a NaN wins and spreads
        // to the loss, where training detects it.
        if k == 0 {
            break;
        }
        order.select_nth_unstable_by(k - 1, |&a, &b| row[b].total_cmp(&row[a]));
        for &unit in &order[..k] {
            out[unit] = 1.0;
        }
    }
    Tensor::from_data(TensorData::new(mask, [batch, units]), &device)
}

/// Active-dendrite gating (Iyer et al. 2022): for each unit `i` with segments `u_{i,s}`
/// and the context `c`, the dendritic activation is `d_i = u_{i,j*} . c` for the selected
/// segment `j*`, and the unit's output is `y_i * sigmoid(d_i)`.
///
/// Shapes: `y: [batch, units]`, `segments: [context, units * count]` (column `i * count +
/// s` is segment `s` of unit `i`), `context: [batch, context]`, or
/// `[1, context]` for one context shared by the batch (computed once, then broadcast).
pub fn dendrite_gate(
    y: Tensor<2>,
    segments: Tensor<2>,
    context: Tensor<2>,
    count: usize,
    selection: SegmentSelection,
) -> Tensor<2> {
    let [_, units] = y.dims();
    let [rows, _] = context.dims();
    // [rows, units * count] -> [rows, units, count]
    let activations = context.matmul(segments).reshape([rows, units, count]);
    let chosen = match selection {
        SegmentSelection::Max => activations.max_dim(2),
        SegmentSelection::AbsMax => {
            let index = activations.clone().inner().abs().argmax(2);
            activations.gather(2, index)
        }
    };
    y * sigmoid(chosen.reshape([rows, units]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor_io::{download, upload};
    use pollster::block_on;

    fn cpu() -> burn::tensor::Device {
        crate::device::cpu()
    }

    #[test]
    fn kwta_keeps_exactly_k_per_row_and_passes_gradient_only_through_them() {
        let device = cpu().autodiff();
        let mut rng = crate::rng::Rng::new(5);
        let (batch, units, k) = (7, 50, 6);
        let values: Vec<f32> = (0..batch * units).map(|_| rng.normal() as f32).collect();
        let x = upload(values.clone(), [batch, units], &device).require_grad();
        let y = kwta(x.clone(), k);
        // Weighted sum so each gradient entry is distinguishable.
        let weights: Vec<f32> = (0..batch * units).map(|i| 1.0 + i as f32).collect();
        let loss = (y.clone() * upload(weights.clone(), [batch, units], &device)).sum();
        let grads = loss.backward();
        let grad = block_on(download(x.grad(&grads).expect("gradient"))).expect("read");
        let out = block_on(download(y)).expect("read");
        for row in 0..batch {
            let r = row * units..(row + 1) * units;
            let mut sorted: Vec<f32> = values[r.clone()].to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let threshold = sorted[k - 1];
            let kept = out[r.clone()].iter().filter(|v| **v != 0.0).count();
            assert_eq!(kept, k, "row {row}");
            for i in r {
                if values[i] >= threshold {
                    assert_eq!(out[i], values[i]);
                    assert_eq!(grad[i], weights[i]);
                } else {
                    assert_eq!(out[i], 0.0);
                    assert_eq!(grad[i], 0.0);
                }
            }
        }
    }

    #[test]
    fn kwta_chooses_the_same_winners_on_the_host_and_with_top_k() {
        let device = cpu();
        let mut rng = crate::rng::Rng::new(9);
        let (batch, units) = (9, 64);
        let values: Vec<f32> = (0..batch * units).map(|_| rng.normal() as f32).collect();
        for k in [1, 5, 32, 63] {
            let x = upload(values.clone(), [batch, units], &device);
            let host = block_on(download(kwta_via(x.clone(), k, true))).expect("read");
            let topk = block_on(download(kwta_via(x, k, false))).expect("read");
            assert_eq!(host, topk, "k = {k}");
        }
    }

    #[test]
    fn kwta_with_k_at_least_units_is_the_identity() {
        let device = cpu();
        let x = upload(vec![1.0, -2.0, 3.0], [1, 3], &device);
        assert_eq!(
            block_on(download(kwta(x, 3))).expect("read"),
            vec![1.0, -2.0, 3.0]
        );
    }

    fn sig(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    #[test]
    fn dendrite_gate_matches_a_hand_computed_example() {
        let device = cpu();
        // 1 sample, 2 units, 2 segments each, context of 2.
        let y = upload(vec![2.0, -1.0], [1, 2], &device);
        let context = upload(vec![1.0, 2.0], [1, 2], &device);
        // unit 0: segments (0.5, 0.25) -> 1.0 and (-1, -1) -> -3
        // unit 1: segments (0.1, 0.0) -> 0.1 and (-2, 0.5) -> -1.0
        // Stored context-major: column j is segment j.
        let segments = upload(
            vec![0.5, -1.0, 0.1, -2.0, 0.25, -1.0, 0.0, 0.5],
            [2, 4],
            &device,
        );
        let max = block_on(download(dendrite_gate(
            y.clone(),
            segments.clone(),
            context.clone(),
            2,
            SegmentSelection::Max,
        )))
        .expect("read");
        let want_max = [2.0 * sig(1.0), -sig(0.1)];
        let abs = block_on(download(dendrite_gate(
            y,
            segments,
            context,
            2,
            SegmentSelection::AbsMax,
        )))
        .expect("read");
        let want_abs = [2.0 * sig(-3.0), -sig(-1.0)];
        for i in 0..2 {
            assert!((f64::from(max[i]) - want_max[i]).abs() < 1e-6, "{max:?}");
            assert!((f64::from(abs[i]) - want_abs[i]).abs() < 1e-6, "{abs:?}");
        }
    }

    #[test]
    fn a_shared_context_row_gives_the_same_outputs_and_gradients_as_one_per_sample() {
        let device = cpu().autodiff();
        let mut rng = crate::rng::Rng::new(9);
        let (batch, units, count, size) = (4, 3, 2, 5);
        let mut draw = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
        let y = draw(batch * units);
        let segments = draw(units * count * size);
        let context = draw(size);
        let repeated: Vec<f32> = context.iter().copied().cycle().take(batch * size).collect();
        for selection in [SegmentSelection::Max, SegmentSelection::AbsMax] {
            let run = |ctx: Vec<f32>, rows: usize| {
                let u = upload(segments.clone(), [size, units * count], &device).require_grad();
                let out = dendrite_gate(
                    upload(y.clone(), [batch, units], &device),
                    u.clone(),
                    upload(ctx, [rows, size], &device),
                    count,
                    selection,
                );
                let grads = (out.clone() * out.clone()).sum().backward();
                let grad = block_on(download(u.grad(&grads).expect("gradient"))).expect("read");
                (block_on(download(out)).expect("read"), grad)
            };
            let (shared_out, shared_grad) = run(context.clone(), 1);
            let (full_out, full_grad) = run(repeated.clone(), batch);
            assert_eq!(shared_out.len(), batch * units);
            for (a, b) in shared_out
                .iter()
                .zip(&full_out)
                .chain(shared_grad.iter().zip(&full_grad))
            {
                assert!((a - b).abs() < 1e-5, "{selection:?}: {a} vs {b}");
            }
        }
    }
}
