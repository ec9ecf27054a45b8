//! The data pipeline of training and evaluation: which samples (and how each is
//! permuted, noised and normalised), the dendrites' context per sample, and batches
//! moved to the device.

use super::*;

/// Where a dendritic network's context vector comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextSource {
    /// The same vector for every sample (the true task's context).
    Fixed(Vec<f32>),
    /// Per sample, the nearest (Euclidean) of these prototypes to the sample's input, so no
    /// task label is needed.
    NearestPrototype(Vec<Vec<f32>>),
}

impl ContextSource {
    /// The context shared by every sample, if there is one (then a batch carries it once
    /// and the dendrites compute their activations once per batch, not once per sample).
    pub(super) fn shared(&self) -> Option<&[f32]> {
        match self {
            ContextSource::Fixed(c) => Some(c),
            ContextSource::NearestPrototype(_) => None,
        }
    }

    pub(super) fn for_input(&self, x: &[f32]) -> &[f32] {
        match self {
            ContextSource::Fixed(c) => c,
            ContextSource::NearestPrototype(prototypes) => prototypes
                .iter()
                .map(|p| {
                    let d: f32 = p.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum();
                    (d, p)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map_or(&[][..], |(_, p)| &p[..]),
        }
    }
}

/// The samples a trainer or an evaluation reads, and how they are transformed.
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a> {
    /// The dataset.
    pub dataset: &'a Dataset,
    /// Which of its samples.
    pub indices: &'a [usize],
    /// A fixed pixel permutation (permuted-MNIST tasks): pixel `j` of the input is pixel
    /// `permutation[j]` of the image.
    pub permutation: Option<&'a [usize]>,
    /// Noise added to every input (in pixel space, before normalisation).
    pub noise: Option<InputNoise>,
    /// Standardisation applied after the noise (see [`Normalization`]).
    pub normalization: Option<Normalization>,
    /// The context for dendritic networks.
    pub context: Option<&'a ContextSource>,
}

impl<'a> Samples<'a> {
    /// Plain samples: no permutation, noise, normalisation or context.
    pub fn new(dataset: &'a Dataset, indices: &'a [usize]) -> Self {
        Samples {
            dataset,
            indices,
            permutation: None,
            noise: None,
            normalization: None,
            context: None,
        }
    }

    /// The same samples standardised with `normalization` (none: unchanged).
    pub fn normalized(self, normalization: Option<Normalization>) -> Self {
        Samples {
            normalization,
            ..self
        }
    }

    /// The input vector of dataset sample `index`: pixels in `[0, 1]`, then noise, then
    /// normalisation, then the permutation.
    pub fn input(&self, index: usize) -> Vec<f32> {
        let mut x = self.dataset.scaled_image(index);
        if let Some(noise) = &self.noise {
            noise.apply(index, &mut x);
        }
        if let Some(norm) = &self.normalization {
            x.iter_mut().for_each(|v| *v = norm.apply(*v));
        }
        match self.permutation {
            Some(perm) => perm.iter().map(|&j| x[j]).collect(),
            None => x,
        }
    }
}

/// The mean input vector of `samples` (a task's prototype, a dendritic context).
pub fn mean_input(samples: &Samples<'_>) -> Vec<f32> {
    let mut mean = vec![0.0f32; samples.dataset.features()];
    for &i in samples.indices {
        for (m, x) in mean.iter_mut().zip(samples.input(i)) {
            *m += x;
        }
    }
    let n = samples.indices.len().max(1) as f32;
    mean.iter_mut().for_each(|m| *m /= n);
    mean
}

pub(super) struct HostBatch {
    pub(super) x: Vec<f32>,
    pub(super) one_hot: Vec<f32>,
    pub(super) context: Option<Vec<f32>>,
    pub(super) len: usize,
}

/// A batch on the device: inputs, one-hot targets and the dendrites' context, if any.
pub(super) struct DeviceBatch {
    pub(super) x: Tensor<2>,
    pub(super) one_hot: Tensor<2>,
    pub(super) context: Option<Tensor<2>>,
}

impl HostBatch {
    pub(super) fn upload(self, net: &Network, device: &Device) -> DeviceBatch {
        let len = self.len;
        DeviceBatch {
            x: upload(self.x, [len, net.input_size()], device),
            one_hot: upload(self.one_hot, [len, net.classes()], device),
            // One row when the context is shared, else one per sample.
            context: self.context.map(|c| {
                let n = net.context_size().unwrap_or(c.len()).max(1);
                let rows = c.len() / n;
                upload(c, [rows, n], device)
            }),
        }
    }
}

pub(super) fn host_batch(samples: &Samples<'_>, positions: &[usize]) -> HostBatch {
    let classes = samples.dataset.classes();
    let mut x = Vec::with_capacity(positions.len() * samples.dataset.features());
    let mut one_hot = vec![0.0; positions.len() * classes];
    let shared = samples.context.and_then(ContextSource::shared);
    let mut context = samples
        .context
        .map(|_| shared.map_or_else(Vec::new, <[f32]>::to_vec));
    for (row, &pos) in positions.iter().enumerate() {
        let index = samples.indices[pos];
        let input = samples.input(index);
        if let (Some(ctx), Some(source), None) = (context.as_mut(), samples.context, shared) {
            ctx.extend_from_slice(source.for_input(&input));
        }
        x.extend_from_slice(&input);
        one_hot[row * classes + usize::from(samples.dataset.label(index))] = 1.0;
    }
    HostBatch {
        x,
        one_hot,
        context,
        len: positions.len(),
    }
}
