//! Magnitude pruning: the masks of a network's weights and how a round of iterative
//! magnitude pruning (IMP) shrinks them (docs/science.md, "Iterative magnitude pruning").
//!
//! Masks live on the host (one `bool` per weight, `true` = kept) because pruning ranks
//! weights, which is cheap and exact on the host and needs one read-back per round; the
//! trainer uploads them as 0/1 tensors. Ranking is by `|w|`, ties broken by position, so a
//! round is deterministic and removes exactly the number of weights it reports.

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, check_range};
use crate::model::{ParamInfo, ParamRole};
use crate::rng::Rng;
use crate::tensor_io::upload_flat;

/// Per-parameter masks, aligned with a network's parameters; `None` = not masked
/// (biases, segments, and weights never pruned).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Masks(pub Vec<Option<Vec<bool>>>);

/// How many weights of one parameter remain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSparsity {
    /// Parameter name, e.g. `fc1.weight`.
    pub name: String,
    /// Weights kept.
    pub kept: usize,
    /// All weights.
    pub total: usize,
}

impl LayerSparsity {
    /// Fraction of weights kept, in [0, 1].
    pub fn remaining(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.kept as f64 / self.total as f64
        }
    }
}

impl Masks {
    /// No mask on any parameter: a dense network.
    pub fn dense(params: &[ParamInfo]) -> Self {
        Masks(vec![None; params.len()])
    }

    /// Weights kept, per weight parameter (biases and segments are not listed).
    pub fn sparsity(&self, params: &[ParamInfo]) -> Vec<LayerSparsity> {
        params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.role.is_weight())
            .map(|(i, p)| LayerSparsity {
                name: p.name.clone(),
                kept: match self.0.get(i).and_then(Option::as_ref) {
                    Some(m) => m.iter().filter(|k| **k).count(),
                    None => p.len(),
                },
                total: p.len(),
            })
            .collect()
    }

    /// Fraction of all weights (not biases) kept, in [0, 1].
    pub fn remaining(&self, params: &[ParamInfo]) -> f64 {
        let layers = self.sparsity(params);
        let total: usize = layers.iter().map(|l| l.total).sum();
        let kept: usize = layers.iter().map(|l| l.kept).sum();
        if total == 0 {
            1.0
        } else {
            kept as f64 / total as f64
        }
    }

    /// The masks as 0/1 tensors on `device` (without autodiff).
    pub fn to_device(&self, device: &Device) -> Vec<Option<Tensor<1>>> {
        let device = device.clone().inner();
        self.0
            .iter()
            .map(|m| {
                m.as_ref().map(|keep| {
                    upload_flat(
                        keep.iter().map(|k| f32::from(u8::from(*k))).collect(),
                        &device,
                    )
                })
            })
            .collect()
    }

    /// Zeroes the pruned entries of host weight values.
    pub fn apply(&self, values: &mut [Vec<f32>]) {
        for (v, m) in values.iter_mut().zip(&self.0) {
            if let Some(keep) = m {
                for (x, k) in v.iter_mut().zip(keep) {
                    if !k {
                        *x = 0.0;
                    }
                }
            }
        }
    }

    /// A random mask per weight parameter with the same number of kept weights as `self`
    /// (the random-ticket control), drawn from `rng`.
    pub fn shuffled(&self, params: &[ParamInfo], rng: &mut Rng) -> Masks {
        Masks(
            params
                .iter()
                .zip(&self.0)
                .map(|(p, m)| {
                    let keep = m.as_ref().filter(|_| p.role.is_weight())?;
                    let kept = keep.iter().filter(|k| **k).count();
                    Some(random_mask(p.len(), kept, rng))
                })
                .collect(),
        )
    }

    /// A fixed random mask keeping `1 - sparsity` of every hidden and convolution weight
    /// (the output layer stays dense).
    pub fn random(params: &[ParamInfo], sparsity: f64, rng: &mut Rng) -> Masks {
        Masks::random_with(params, sparsity, MaskScope::HIDDEN_AND_CONV, rng)
    }

    /// A fixed random mask keeping `1 - sparsity` of every hidden weight, and of the
    /// convolution and output weights as `scope` says.
    pub fn random_with(
        params: &[ParamInfo],
        sparsity: f64,
        scope: MaskScope,
        rng: &mut Rng,
    ) -> Masks {
        Masks(
            params
                .iter()
                .map(|p| {
                    let masked = match p.role {
                        ParamRole::HiddenWeight => true,
                        ParamRole::ConvWeight => scope.conv,
                        ParamRole::OutputWeight => scope.output,
                        ParamRole::Bias | ParamRole::Segments => false,
                    };
                    masked.then(|| {
                        let kept = ((1.0 - sparsity) * p.len() as f64).round() as usize;
                        random_mask(p.len(), kept.clamp(1, p.len()), rng)
                    })
                })
                .collect(),
        )
    }
}

/// Which weights besides the fully connected hidden ones a fixed random mask covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskScope {
    /// The convolution kernels (Bain's sparse CNN leaves them dense).
    pub conv: bool,
    /// The output layer (Numenta's `DendriticMLP` makes it `SparseWeights` too).
    pub output: bool,
}

impl MaskScope {
    /// Hidden and convolution weights; the output layer dense.
    pub const HIDDEN_AND_CONV: MaskScope = MaskScope {
        conv: true,
        output: false,
    };
}

/// A grayscale image, row-major, one byte per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` pixels.
    pub pixels: Vec<u8>,
}

impl GrayImage {
    /// The image as PNG bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, ImageError> {
        let (Ok(width), Ok(height)) = (u32::try_from(self.width), u32::try_from(self.height))
        else {
            return Err(ImageError("image too large".into()));
        };
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| ImageError(e.to_string()))?;
        writer
            .write_image_data(&self.pixels)
            .map_err(|e| ImageError(e.to_string()))?;
        writer.finish().map_err(|e| ImageError(e.to_string()))?;
        Ok(bytes)
    }

    /// Images of equal size side by side in rows of `across`, with a one-pixel gray gap.
    pub fn grid(images: &[GrayImage], across: usize) -> Option<GrayImage> {
        let first = images.first()?;
        let (w, h) = (first.width, first.height);
        if images.iter().any(|i| i.width != w || i.height != h) {
            return None;
        }
        let across = across.clamp(1, images.len());
        let down = images.len().div_ceil(across);
        let width = across * (w + 1) + 1;
        let height = down * (h + 1) + 1;
        let mut pixels = vec![GAP; width * height];
        for (n, image) in images.iter().enumerate() {
            let (gx, gy) = (n % across, n / across);
            for r in 0..h {
                let y = 1 + gy * (h + 1) + r;
                let x = 1 + gx * (w + 1);
                pixels[y * width + x..y * width + x + w]
                    .copy_from_slice(&image.pixels[r * w..(r + 1) * w]);
            }
        }
        Some(GrayImage {
            width,
            height,
            pixels,
        })
    }
}

/// An image could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode the image: {0}")]
pub struct ImageError(String);

/// The gray of the gaps between tiles.
const GAP: u8 = 96;

/// The first dense layer over `rows * cols` inputs: its index and number of units.
fn first_dense(params: &[ParamInfo], rows: usize, cols: usize) -> Option<(usize, usize)> {
    let (index, info) = params
        .iter()
        .enumerate()
        .find(|(_, p)| p.role.is_weight())?;
    if info.role == ParamRole::ConvWeight || info.shape.len() != 2 || info.shape[0] != rows * cols {
        return None;
    }
    Some((index, info.shape[1]))
}

/// One `rows x cols` tile per unit of the first layer, shaded by `shade(input, unit)`, in
/// a square-ish grid.
fn unit_tiles(
    units: usize,
    rows: usize,
    cols: usize,
    shade: impl Fn(usize, usize) -> u8,
) -> Option<GrayImage> {
    let tiles: Vec<GrayImage> = (0..units)
        .map(|unit| GrayImage {
            width: cols,
            height: rows,
            pixels: (0..rows * cols).map(|input| shade(input, unit)).collect(),
        })
        .collect();
    let across = (units as f64).sqrt().ceil().max(1.0) as usize;
    GrayImage::grid(&tiles, across)
}

/// The first layer's mask as a grid of tiles, one per unit: tile `u` shows which input
/// pixels still feed unit `u` (white = kept, black = pruned), reshaped to the input's
/// `rows x cols`. Tiles are laid out in a square-ish grid with a one-pixel gray gap. `None`
/// when the first weight is not a dense layer over `rows * cols` inputs.
pub fn first_layer_mask_image(
    params: &[ParamInfo],
    masks: &Masks,
    rows: usize,
    cols: usize,
) -> Option<GrayImage> {
    let (index, units) = first_dense(params, rows, cols)?;
    let keep = masks.0.get(index).and_then(Option::as_ref);
    unit_tiles(units, rows, cols, |input, unit| {
        if keep.is_none_or(|k| k[input * units + unit]) {
            255
        } else {
            0
        }
    })
}

/// The first layer's weights as tiles like [`first_layer_mask_image`]: mid-gray is zero
/// (and pruned), white the largest positive weight, black the most negative.
pub fn first_layer_weight_image(
    params: &[ParamInfo],
    values: &[Vec<f32>],
    rows: usize,
    cols: usize,
) -> Option<GrayImage> {
    let (index, units) = first_dense(params, rows, cols)?;
    let w = values.get(index)?;
    if w.len() != rows * cols * units {
        return None;
    }
    let scale = w
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(f32::MIN_POSITIVE);
    unit_tiles(units, rows, cols, |input, unit| {
        let v = w[input * units + unit] / scale;
        (127.5 + 127.5 * v).round().clamp(0.0, 255.0) as u8
    })
}

/// A mask of `len` entries with exactly `kept` of them `true`, chosen uniformly.
pub fn random_mask(len: usize, kept: usize, rng: &mut Rng) -> Vec<bool> {
    let mut mask: Vec<bool> = (0..len).map(|i| i < kept).collect();
    rng.shuffle(&mut mask);
    mask
}

/// Whether a round ranks each layer on its own or all layers together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PruneScope {
    /// Each layer loses `rate` of its remaining weights.
    #[default]
    LayerWise,
    /// The layers pruned at the main `rate` are ranked together and lose `rate` of their
    /// combined remaining weights; layers with their own rate (output, convolutions) are
    /// pruned layer-wise at it.
    Global,
}

/// The rates of one pruning round.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PruneSpec {
    /// Fraction of the remaining hidden-layer weights removed per round.
    pub rate: f64,
    /// Fraction of the remaining output-layer weights removed per round (Bain: the same as
    /// `rate`; Frankle & Carbin: half; OpenLTH: 0).
    pub output_rate: f64,
    /// Fraction of the remaining convolution weights removed per round (Bain: 0).
    #[serde(default)]
    pub conv_rate: f64,
    /// Layer-wise or global ranking.
    #[serde(default)]
    pub scope: PruneScope,
}

impl PruneSpec {
    /// The rate for a parameter of this role (0 for biases and segments).
    pub fn rate_for(&self, role: ParamRole) -> f64 {
        match role {
            ParamRole::HiddenWeight => self.rate,
            ParamRole::OutputWeight => self.output_rate,
            ParamRole::ConvWeight => self.conv_rate,
            ParamRole::Bias | ParamRole::Segments => 0.0,
        }
    }

    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        check_range(&format!("{field}.rate"), self.rate, 0.0, 0.99)?;
        check_range(&format!("{field}.output_rate"), self.output_rate, 0.0, 0.99)?;
        check_range(&format!("{field}.conv_rate"), self.conv_rate, 0.0, 0.99)
    }
}

/// How many of `remaining` weights a round at `rate` removes: `round(rate * remaining)`.
pub fn removal_count(remaining: usize, rate: f64) -> usize {
    ((rate * remaining as f64).round() as usize).min(remaining)
}

/// Prunes one round: for each group of weights (see [`PruneScope`]), removes the
/// [`removal_count`] kept weights of smallest magnitude. `values` are the current values
/// of every parameter (host copies, aligned with `params`). Returns the number removed per
/// parameter.
pub fn prune_round(
    params: &[ParamInfo],
    values: &[Vec<f32>],
    masks: &mut Masks,
    spec: &PruneSpec,
) -> Vec<usize> {
    let mut removed = vec![0; params.len()];
    if masks.0.len() != params.len() {
        masks.0.resize(params.len(), None);
    }
    // Groups of parameter indices ranked together.
    let mut groups: Vec<(Vec<usize>, f64)> = Vec::new();
    let mut global = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let rate = spec.rate_for(p.role);
        if rate <= 0.0 || values.get(i).is_none_or(|v| v.len() != p.len()) {
            continue;
        }
        if spec.scope == PruneScope::Global && p.role == ParamRole::HiddenWeight {
            global.push(i);
        } else {
            groups.push((vec![i], rate));
        }
    }
    if !global.is_empty() {
        groups.push((global, spec.rate));
    }
    for (members, rate) in groups {
        // (magnitude, parameter, position) of every kept weight in the group.
        let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
        for &i in &members {
            let keep = masks.0[i].get_or_insert_with(|| vec![true; params[i].len()]);
            candidates.extend(
                values[i]
                    .iter()
                    .zip(keep.iter())
                    .enumerate()
                    .filter(|(_, (_, k))| **k)
                    .map(|(j, (w, _))| (w.abs(), i, j)),
            );
        }
        let count = removal_count(candidates.len(), rate);
        if count == 0 {
            continue;
        }
        candidates.select_nth_unstable_by(count - 1, |a, b| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
        });
        for &(_, i, j) in &candidates[..count] {
            if let Some(keep) = masks.0[i].as_mut() {
                keep[j] = false;
                removed[i] += 1;
            }
        }
    }
    removed
}

/// The fraction of weights left after `rounds` rounds at `rate`: `(1 - rate)^rounds`.
pub fn remaining_after(rate: f64, rounds: usize) -> f64 {
    (1.0 - rate).powi(rounds.min(i32::MAX as usize) as i32)
}

#[cfg(test)]
mod tests;
