//! Convolution on the CPU backend as a gather and one matrix product (im2col + GEMM), so
//! that training a CNN on the CPU spends its time in gemm's vectorised (and, with threads,
//! parallel) kernel instead of per-pixel loops.
//!
//! Burn's CPU backend picks a direct loop for convolutions with few input channels (all of
//! LeNet-5's) and computes the backward pass with transposed convolutions, which are
//! loops too; in the browser those were most of a CNN step (docs/benchmarks.md). Here:
//!
//! - forward: the input, transposed to `[pixels, batch]` and zero-padded, is gathered into
//!   patches `[c * k * k, oh * ow * batch]` with one `select` of whole rows over an index
//!   list computed once per layer ([`Im2col`]), then multiplied from the left by the kernel
//!   `[out_channels, c * k * k]`;
//! - backward (by autodiff): two matrix products, and the gather's adjoint, a scatter-add
//!   of the patch gradients' rows back onto the pixels.
//!
//! The results equal Burn's `conv2d` up to rounding (the tests compare values and all three
//! gradients). Measured on LeNet-5, batch 64, in headless Chromium (docs/benchmarks.md):
//! 1.2-1.4x the samples per second of Burn's convolution.
//!
//! A layer ([`conv_block`]) is the convolution, an optional 2x2 max pool, then the ReLU
//! (pooling first: the ReLU is monotone, so the two commute, and it then runs on a quarter
//! of the values). On the GEMM path the layer reads and writes one sample per column
//! (`[features, batch]`, [`Activations::Columns`]), the layout the gather wants, and pools
//! by gathering each position of the pooling window separately ([`conv2d_gemm_columns`]).
//! Burn's `max_pool2d` on `[batch, channels, h, w]`, with a transpose before and after
//! each layer, was a fifth of a CNN step in wasm (docs/benchmarks.md). On WebGPU the
//! backend's own kernels are used.

use std::sync::Arc;

use burn::tensor::activation::relu;
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::layout::Activations;

/// How a convolution layer is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvPath {
    /// The backend's `conv2d`.
    Backend,
    /// Gather + matrix product ([`conv2d_gemm`]).
    Gemm,
}

impl ConvPath {
    /// The faster path on `device`: GEMM on the CPU backend, the backend's kernels elsewhere.
    pub fn for_device(device: &Device) -> Self {
        if device.clone().inner() == Device::flex() {
            ConvPath::Gemm
        } else {
            ConvPath::Backend
        }
    }
}

/// The shape of one convolution (stride 1, square kernel, equal padding on every side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvShape {
    /// Input channels.
    pub channels: usize,
    /// Input height and width.
    pub height: usize,
    /// Input width.
    pub width: usize,
    /// Kernel size.
    pub kernel: usize,
    /// Zero padding on each side.
    pub padding: usize,
}

impl ConvShape {
    /// Output height and width.
    pub fn out(&self) -> (usize, usize) {
        (
            self.height + 2 * self.padding + 1 - self.kernel,
            self.width + 2 * self.padding + 1 - self.kernel,
        )
    }

    /// Length of one patch: `channels * kernel * kernel`.
    pub fn patch(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }

    /// For each output position (row-major) and each patch entry (channel, then kernel row,
    /// then kernel column, the order of a `[out, in, k, k]` kernel), the index of the input
    /// pixel it reads in a flattened `[channels, height, width]` image, or `None` where it
    /// falls on the padding.
    fn sources(&self) -> Vec<Option<usize>> {
        let (oh, ow) = self.out();
        let k = self.kernel;
        let p = self.padding as isize;
        let mut out = Vec::with_capacity(oh * ow * self.patch());
        for y in 0..oh {
            for x in 0..ow {
                for c in 0..self.channels {
                    for dy in 0..k {
                        for dx in 0..k {
                            let (iy, ix) =
                                (y as isize + dy as isize - p, x as isize + dx as isize - p);
                            let inside = (0..self.height as isize).contains(&iy)
                                && (0..self.width as isize).contains(&ix);
                            out.push(inside.then(|| {
                                (c * self.height + iy as usize) * self.width + ix as usize
                            }));
                        }
                    }
                }
            }
        }
        out
    }
}

/// One convolution layer's shape with its gather lists, built once with the network: for
/// each patch entry and output position (entry-major), the input pixel it reads, or one
/// past the last pixel (a row of zeros appended to the image) where it falls on the padding.
/// The same for a layer followed by a 2x2 pool, one list per position in the pooling
/// window, over the pooled positions.
#[derive(Debug, Clone)]
pub struct Im2col {
    shape: ConvShape,
    indices: Arc<[i64]>,
    windows: [Arc<[i64]>; 4],
}

impl Im2col {
    /// The gather lists of `shape`.
    pub fn new(shape: ConvShape) -> Self {
        let pixels = shape.channels * shape.height * shape.width;
        let (oh, ow) = shape.out();
        let patch = shape.patch();
        let sources = shape.sources();
        let list = |positions: &[usize]| -> Arc<[i64]> {
            (0..patch)
                .flat_map(|entry| positions.iter().map(move |&position| (position, entry)))
                .map(|(position, entry)| sources[position * patch + entry].unwrap_or(pixels) as i64)
                .collect()
        };
        let all: Vec<usize> = (0..oh * ow).collect();
        let (ph, pw) = (oh / 2, ow / 2);
        let window = |dy: usize, dx: usize| -> Arc<[i64]> {
            let positions: Vec<usize> = (0..ph)
                .flat_map(|py| (0..pw).map(move |px| (2 * py + dy) * ow + 2 * px + dx))
                .collect();
            list(&positions)
        };
        Self {
            shape,
            indices: list(&all),
            windows: [window(0, 0), window(0, 1), window(1, 0), window(1, 1)],
        }
    }

    /// The convolution's shape.
    pub fn shape(&self) -> ConvShape {
        self.shape
    }
}

/// A stride-1 convolution as im2col + GEMM, with the batch as the innermost dimension.
///
/// The image is transposed to `[pixels, batch]`, so the gather copies whole rows of `batch`
/// values (and its adjoint adds whole rows), instead of single values with a bounds check
/// each: that gather and its scatter were a quarter of a CNN step on the CPU when the batch
/// came first (`perf`, 2026-12-06, docs/benchmarks.md). The result is transposed back.
///
/// # Shapes
/// - `x`: `[batch, channels, height, width]` (those of `im2col`'s shape)
/// - `weight`: `[out_channels, channels, kernel, kernel]`
/// - `bias`: `[out_channels]`
/// - output: `[batch, out_channels, out_h, out_w]`
pub fn conv2d_gemm(x: Tensor<4>, weight: Tensor<4>, bias: Tensor<1>, im2col: &Im2col) -> Tensor<4> {
    let [batch, channels, height, width] = x.dims();
    let [out_channels, ..] = weight.dims();
    let (oh, ow) = im2col.shape.out();
    let columns = x.reshape([batch, channels * height * width]).transpose();
    conv2d_gemm_columns(columns, weight, bias, im2col, false)
        .reshape([out_channels, oh * ow, batch])
        .permute([2, 0, 1])
        .reshape([batch, out_channels, oh, ow])
}

/// [`conv2d_gemm`] on one sample per column: the patches `[c * k * k, positions * batch]`
/// are multiplied by the kernel `[out_channels, c * k * k]` from the left. With `pool`, a
/// 2x2 max pool with stride 2 follows, as Burn's `max_pool2d` (an odd last row or column
/// is dropped; of equal values the window's first in row-major order gets the gradient).
///
/// The pool gathers and multiplies each of the window's four positions on its own, over
/// the pooled positions only, so the four products are separate dense tensors and the
/// pool is three elementwise maxima of them (slices of one product are strided views, on
/// which Burn's CPU backend takes a slow path). The bias is added after the pool, where it
/// is a quarter of the work and changes no maximum.
///
/// # Shapes
/// - `columns`: `[channels * height * width, batch]`
/// - `weight`: `[out_channels, channels, kernel, kernel]`
/// - `bias`: `[out_channels]`
/// - output: `[out_channels * out_h * out_w, batch]`, or with `pool`
///   `[out_channels * (out_h / 2) * (out_w / 2), batch]`
pub fn conv2d_gemm_columns(
    columns: Tensor<2>,
    weight: Tensor<4>,
    bias: Tensor<1>,
    im2col: &Im2col,
    pool: bool,
) -> Tensor<2> {
    let [_, batch] = columns.dims();
    let [out_channels, ..] = weight.dims();
    let (oh, ow) = im2col.shape.out();
    let bias = bias.reshape([out_channels, 1]);
    if !pool {
        let [y] = products(columns, weight, im2col, [&im2col.indices]);
        return (y + bias).reshape([out_channels * oh * ow, batch]);
    }
    let [a, b, c, d] = &im2col.windows;
    let [top_left, top_right, bottom_left, bottom_right] =
        products(columns, weight, im2col, [a, b, c, d]);
    let top = higher(top_left, top_right);
    let bottom = higher(bottom_left, bottom_right);
    (higher(top, bottom) + bias).reshape([out_channels * (oh / 2) * (ow / 2), batch])
}

/// For each gather list, the kernel `[out_channels, patch]` times the patches it gathers
/// from `columns`: `[out_channels, positions * batch]` each.
fn products<const N: usize>(
    columns: Tensor<2>,
    weight: Tensor<4>,
    im2col: &Im2col,
    lists: [&Arc<[i64]>; N],
) -> [Tensor<2>; N] {
    let shape = im2col.shape;
    let [_, batch] = columns.dims();
    let [out_channels, ..] = weight.dims();
    let patch = shape.patch();
    let device = columns.device();
    // Padding reads a row of zeros appended after the image's last pixel.
    let columns = if shape.padding > 0 {
        Tensor::cat(vec![columns, Tensor::zeros([1, batch], &device)], 0)
    } else {
        columns
    };
    let kernel = weight.reshape([out_channels, patch]);
    lists.map(|list| {
        let count = list.len();
        let indices = Tensor::<1, Int>::from_data(TensorData::new(list.to_vec(), [count]), &device);
        let patches = columns
            .clone()
            .select(0, indices)
            .reshape([patch, count / patch * batch]);
        kernel.clone().matmul(patches)
    })
}

/// The larger of `first` and `second` elementwise, as `first + relu(second - first)`;
/// where they are equal, `first` gets the gradient (the ReLU's slope at 0 is 0).
///
/// Without branches: Burn's `max_pair` (a comparison and `mask_where`) ran a branch per
/// value on a mask that is half true at random, and took a sixth of a CNN step in wasm.
fn higher<const D: usize>(first: Tensor<D>, second: Tensor<D>) -> Tensor<D> {
    first.clone() + relu(second - first)
}

/// A convolution with bias on `path`.
pub(super) fn convolve(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Tensor<1>,
    im2col: &Im2col,
    path: ConvPath,
) -> Tensor<4> {
    let padding = im2col.shape.padding;
    match path {
        ConvPath::Gemm => conv2d_gemm(x, weight, bias, im2col),
        ConvPath::Backend => conv2d(
            x,
            weight,
            Some(bias),
            ConvOptions::new([1, 1], [padding, padding], [1, 1], 1),
        ),
    }
}

/// A convolution layer: the convolution with bias, a 2x2 max pool if `pool`, then the
/// ReLU. `weight` is `[out_channels, channels, kernel, kernel]`. The GEMM path returns
/// columns, the backend's path rows.
pub(super) fn conv_block(
    input: Activations,
    weight: Tensor<4>,
    bias: Tensor<1>,
    im2col: &Im2col,
    pool: bool,
    path: ConvPath,
) -> Activations {
    let s = im2col.shape;
    match path {
        ConvPath::Gemm => Activations::Columns(relu(conv2d_gemm_columns(
            input.columns(),
            weight,
            bias,
            im2col,
            pool,
        ))),
        ConvPath::Backend => {
            let batch = input.batch();
            let x = input.rows().reshape([batch, s.channels, s.height, s.width]);
            let mut y = convolve(x, weight, bias, im2col, path);
            if pool {
                y = max_pool2d(y, MaxPoolOptions::new([2, 2]));
            }
            let [_, c, h, w] = y.dims();
            Activations::Rows(relu(y).reshape([batch, c * h * w]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::cpu;
    use crate::rng::Rng;
    use crate::tensor_io::{download, upload};
    use pollster::block_on;

    fn values(rng: &mut Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.uniform(-1.0, 1.0) as f32).collect()
    }

    fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        block_on(download(t)).expect("read")
    }

    fn assert_close(a: &[f32], b: &[f32], what: &str) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
                "{what}[{i}]: {x} vs {y}"
            );
        }
    }

    /// Values and all three gradients of a convolution (with `pooled`, the whole layer as a
    /// network uses it: [`conv_block`] with its pool and ReLU), both ways. `tied`: a zero
    /// kernel and a positive bias, so every pooling window holds equal values and only the
    /// tie rule decides where the gradient goes (the kernel's gradient shows it).
    fn compare(batch: usize, shape: ConvShape, out_channels: usize, pooled: bool, tied: bool) {
        let device = cpu().autodiff();
        let mut rng = Rng::new(7);
        let (c, h, w, k) = (shape.channels, shape.height, shape.width, shape.kernel);
        let x = values(&mut rng, batch * c * h * w);
        let mut weight = values(&mut rng, out_channels * c * k * k);
        let mut bias = values(&mut rng, out_channels);
        if tied {
            weight.fill(0.0);
            bias.fill(0.5);
        }
        let run = |path: ConvPath| {
            let x = upload(x.clone(), [batch, c, h, w], &device).require_grad();
            let wt = upload(weight.clone(), [out_channels, c, k, k], &device).require_grad();
            let b = upload(bias.clone(), [out_channels], &device).require_grad();
            let im2col = Im2col::new(shape);
            let y = if pooled {
                let input = Activations::Rows(x.clone().reshape([batch, c * h * w]));
                let out = conv_block(input, wt.clone(), b.clone(), &im2col, true, path);
                let (oh, ow) = shape.out();
                out.rows().reshape([batch, out_channels, oh / 2, ow / 2])
            } else {
                convolve(x.clone(), wt.clone(), b.clone(), &im2col, path)
            };
            let dims = y.dims();
            // A loss whose gradient differs per output element.
            let weights = upload(
                (0..dims.iter().product::<usize>())
                    .map(|i| (i % 7) as f32 - 3.0)
                    .collect(),
                dims,
                &device,
            );
            let grads = (y.clone() * weights).sum().backward();
            let grad = |t: &Tensor<4>| read(t.grad(&grads).expect("gradient"));
            let grad_b = read(b.grad(&grads).expect("gradient"));
            (dims, read(y.inner()), grad(&x), grad(&wt), grad_b)
        };
        let (dims, y, gx, gw, gb) = run(ConvPath::Gemm);
        let (want_dims, want_y, want_gx, want_gw, want_gb) = run(ConvPath::Backend);
        assert_eq!(dims, want_dims);
        assert_close(&y, &want_y, "output");
        assert_close(&gx, &want_gx, "input gradient");
        assert_close(&gw, &want_gw, "kernel gradient");
        assert_close(&gb, &want_gb, "bias gradient");
    }

    /// A convolution's shape: channels, height, width, kernel, padding.
    fn shape(
        channels: usize,
        height: usize,
        width: usize,
        kernel: usize,
        padding: usize,
    ) -> ConvShape {
        ConvShape {
            channels,
            height,
            width,
            kernel,
            padding,
        }
    }

    #[test]
    fn gemm_convolution_matches_the_backend_with_and_without_padding() {
        // LeNet-5's first layer (one channel, padded) and a second-layer-like one.
        compare(3, shape(1, 12, 12, 5, 2), 6, false, false);
        compare(2, shape(6, 9, 8, 3, 0), 4, false, false);
    }

    #[test]
    fn gemm_convolution_then_pool_match_the_backend_on_odd_sizes() {
        // 11 x 9 -> 9 x 7 after the kernel: pooling drops the odd last row and column.
        compare(2, shape(2, 11, 9, 3, 0), 3, true, false);
        compare(1, shape(3, 6, 6, 3, 1), 2, true, false);
        // LeNet-5's first layer with its pooling.
        compare(3, shape(1, 12, 12, 5, 2), 6, true, false);
    }

    #[test]
    fn gemm_convolution_then_pool_send_the_gradient_of_a_tie_where_the_backend_does() {
        compare(2, shape(2, 8, 7, 3, 1), 3, true, true);
    }

    #[test]
    fn ties_inside_a_pooling_window_send_the_gradient_where_the_backend_does() {
        // A 1x1 kernel of 1 with no bias makes the convolution the identity, so the four
        // windows of this 2 x 8 image hold a tie on the diagonal, in the top row, in the
        // left column, and four equal values. The second sample is the image mirrored.
        let image = [
            0.0, 5.0, 1.0, 1.0, 3.0, 1.0, 4.0, 4.0, //
            5.0, 0.0, 0.0, 0.0, 3.0, 2.0, 4.0, 4.0,
        ];
        let mirrored: Vec<f32> = image
            .chunks(8)
            .flat_map(|row| row.iter().rev())
            .copied()
            .collect();
        let x: Vec<f32> = image.iter().copied().chain(mirrored).collect();
        let device = cpu().autodiff();
        let im2col = Im2col::new(shape(1, 2, 8, 1, 0));
        let run = |path: ConvPath| {
            let x = upload(x.clone(), [2, 16], &device).require_grad();
            let weight = upload(vec![1.0], [1, 1, 1, 1], &device);
            let bias = upload(vec![0.0], [1], &device);
            let y = conv_block(
                Activations::Rows(x.clone()),
                weight,
                bias,
                &im2col,
                true,
                path,
            );
            let y = y.rows();
            let scale = upload((1..=8).map(|i| i as f32).collect(), [2, 4], &device);
            let grads = (y.clone() * scale).sum().backward();
            (read(y.inner()), read(x.grad(&grads).expect("gradient")))
        };
        let (y, gx) = run(ConvPath::Gemm);
        let (want_y, want_gx) = run(ConvPath::Backend);
        assert_eq!(want_y, vec![5.0, 1.0, 3.0, 4.0, 4.0, 3.0, 1.0, 5.0]);
        assert_eq!(y, want_y);
        assert_eq!(gx, want_gx);
        // Each window's gradient lands on one pixel: the first of its maxima.
        assert_eq!(gx.iter().filter(|g| **g != 0.0).count(), 8);
    }

    #[test]
    fn padding_reads_zeros_and_every_patch_entry_has_its_pixel() {
        let shape = shape(2, 3, 4, 3, 1);
        let sources = shape.sources();
        assert_eq!(shape.out(), (3, 4));
        assert_eq!(sources.len(), 3 * 4 * 2 * 9);
        // Output (0, 0), channel 0: the kernel's top row and left column are padding;
        // its centre reads pixel (0, 0).
        assert_eq!(
            &sources[..9],
            &[
                None,
                None,
                None,
                None,
                Some(0),
                Some(1),
                None,
                Some(4),
                Some(5)
            ]
        );
        // Channel 1 of the same position reads the second plane.
        assert_eq!(sources[9 + 4], Some(12));
        // Every pixel is read by some output position.
        let mut seen = [false; 2 * 3 * 4];
        for s in sources.into_iter().flatten() {
            seen[s] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
