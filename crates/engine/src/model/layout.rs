//! How a layer's output is held on its way to the next layer: one sample per row, or one
//! sample per column.
//!
//! Dense layers, k-WTA and the logits read and write rows (`[batch, features]`). The CPU
//! path's convolutions ([`conv`](super::conv)) gather whole rows of one pixel across the
//! batch, so they read and write columns (`[features, batch]`); a stack of them passes its
//! columns from one to the next and the layout changes (one transpose) only where a layer
//! of the other kind follows.

use burn::tensor::Tensor;

/// A layer's output, in the layout the layer wrote it in.
#[derive(Debug, Clone)]
pub(super) enum Activations {
    /// `[batch, features]`.
    Rows(Tensor<2>),
    /// `[features, batch]`.
    Columns(Tensor<2>),
}

impl Activations {
    /// The values as `[batch, features]`.
    pub(super) fn rows(self) -> Tensor<2> {
        match self {
            Activations::Rows(t) => t,
            Activations::Columns(t) => t.transpose(),
        }
    }

    /// The values as `[features, batch]`.
    pub(super) fn columns(self) -> Tensor<2> {
        match self {
            Activations::Rows(t) => t.transpose(),
            Activations::Columns(t) => t,
        }
    }

    /// Values per sample.
    pub(super) fn features(&self) -> usize {
        match self {
            Activations::Rows(t) => t.dims()[1],
            Activations::Columns(t) => t.dims()[0],
        }
    }

    /// Samples held.
    pub(super) fn batch(&self) -> usize {
        match self {
            Activations::Rows(t) => t.dims()[0],
            Activations::Columns(t) => t.dims()[1],
        }
    }
}
