//! Labelled image datasets (MNIST, Fashion-MNIST, or any IDX pair a user loads) and their
//! seeded train/test splits.
//!
//! Images are kept as `u8` pixels (a quarter of the memory of `f32`) and scaled to `[0, 1]`
//! only when a batch is made. Loading validates everything a file claims: shapes, counts,
//! label range; each problem is a [`DatasetError`] naming the file and what is wrong.

pub mod idx;
pub mod noise;
pub mod shipped;

use crate::rng::Rng;
pub use idx::IdxError;
pub use noise::{InputNoise, NoiseKind};
pub use shipped::Shipped;

/// Which of a dataset's two files a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The images file.
    Images,
    /// The labels file.
    Labels,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::Images => "images file",
            Part::Labels => "labels file",
        })
    }
}

/// Why a pair of files is not a usable dataset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// A file is not valid IDX.
    #[error("{part}: {source}")]
    Idx {
        /// Which file.
        part: Part,
        /// What is wrong with it.
        source: IdxError,
    },
    /// The images file is not `[N, rows, cols]`.
    #[error("images file: expected 3 dimensions [count, rows, cols], found {dims:?}")]
    ImageShape {
        /// Its dimensions.
        dims: Vec<usize>,
    },
    /// The labels file is not `[N]`.
    #[error("labels file: expected 1 dimension [count], found {dims:?}")]
    LabelShape {
        /// Its dimensions.
        dims: Vec<usize>,
    },
    /// Different numbers of images and labels (files from different sets?).
    #[error("{images} images but {labels} labels: are these files from the same set?")]
    CountMismatch {
        /// Images in the images file.
        images: usize,
        /// Labels in the labels file.
        labels: usize,
    },
    /// Images over [`MAX_IMAGE_PIXELS`].
    #[error(
        "images of {rows} x {cols} pixels are too large: at most {MAX_IMAGE_PIXELS} pixels (128 x 128) are accepted"
    )]
    ImageTooLarge {
        /// Rows per image.
        rows: usize,
        /// Columns per image.
        cols: usize,
    },
    /// A file could not be read (native loading from disk).
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A label at or above the class count.
    #[error("label {label} of sample {index} is out of range: expected 0 to {}", classes - 1)]
    LabelOutOfRange {
        /// Which sample.
        index: usize,
        /// Its label.
        label: u8,
        /// The number of classes.
        classes: usize,
    },
}

/// The most pixels per image a dataset may have (128 x 128; MNIST's are 28 x 28): a
/// network's first layer grows with it.
pub const MAX_IMAGE_PIXELS: usize = 128 * 128;

/// A labelled image dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    name: String,
    rows: usize,
    cols: usize,
    classes: usize,
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

/// Input standardisation: `x' = (x - mean) / std` on pixels scaled to `[0, 1]`, with one
/// mean and standard deviation over all pixels of a dataset's training split (MNIST:
/// about 0.1307 and 0.3081, the values the papers' code uses). See docs/science.md,
/// "Input normalisation".
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Normalization {
    /// Mean pixel value, in `[0, 1]`.
    pub mean: f32,
    /// Standard deviation of the pixel values (never below [`Normalization::MIN_STD`]).
    pub std: f32,
}

impl Normalization {
    /// The smallest standard deviation used, so a constant image set does not divide by 0.
    pub const MIN_STD: f32 = 1e-6;

    /// Standardises one pixel value.
    pub fn apply(&self, x: f32) -> f32 {
        (x - self.mean) / self.std
    }
}

/// Indices of a dataset's training and test samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Training sample indices.
    pub train: Vec<usize>,
    /// Test sample indices.
    pub test: Vec<usize>,
}

impl Dataset {
    /// Builds a dataset from an IDX images file (`[N, rows, cols]`, u8) and an IDX labels
    /// file (`[N]`, u8, each below `classes`), each gzipped or not.
    pub fn from_idx(
        name: impl Into<String>,
        images: &[u8],
        labels: &[u8],
        classes: usize,
    ) -> Result<Self, DatasetError> {
        let images = idx::parse_u8(images).map_err(|source| DatasetError::Idx {
            part: Part::Images,
            source,
        })?;
        let labels = idx::parse_u8(labels).map_err(|source| DatasetError::Idx {
            part: Part::Labels,
            source,
        })?;
        let [count, rows, cols] = images.dims[..] else {
            return Err(DatasetError::ImageShape { dims: images.dims });
        };
        if rows * cols > MAX_IMAGE_PIXELS {
            return Err(DatasetError::ImageTooLarge { rows, cols });
        }
        let [label_count] = labels.dims[..] else {
            return Err(DatasetError::LabelShape { dims: labels.dims });
        };
        if count != label_count {
            return Err(DatasetError::CountMismatch {
                images: count,
                labels: label_count,
            });
        }
        if let Some((index, &label)) = labels
            .data
            .iter()
            .enumerate()
            .find(|(_, l)| usize::from(**l) >= classes)
        {
            return Err(DatasetError::LabelOutOfRange {
                index,
                label,
                classes,
            });
        }
        Ok(Dataset {
            name: name.into(),
            rows,
            cols,
            classes,
            pixels: images.data,
            labels: labels.data,
        })
    }

    /// A small synthetic dataset for tests and demos: `count` images of `side x side`
    /// pixels in `classes` classes; class `c` lights a horizontal band whose position
    /// depends on `c`, over uniform noise, so a network can learn it in a few steps.
    pub fn synthetic(count: usize, side: usize, classes: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let classes = classes.clamp(1, 256);
        let mut pixels = Vec::with_capacity(count * side * side);
        let mut labels = Vec::with_capacity(count);
        for _ in 0..count {
            let label = rng.below(classes);
            let band = label * side / classes;
            for row in 0..side {
                for _ in 0..side {
                    let noise = rng.below(96) as u8;
                    let on = row == band || row == (band + 1).min(side - 1);
                    pixels.push(if on { 160 + noise } else { noise });
                }
            }
            labels.push(label as u8);
        }
        Dataset {
            name: "synthetic".into(),
            rows: side,
            cols: side,
            classes,
            pixels,
            labels,
        }
    }

    /// The dataset's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples (never true for a loaded dataset).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image height and width.
    pub fn image_shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Pixels per image.
    pub fn features(&self) -> usize {
        self.rows * self.cols
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The pixels of sample `index`, row-major.
    pub fn image(&self, index: usize) -> &[u8] {
        let n = self.features();
        &self.pixels[index * n..(index + 1) * n]
    }

    /// The pixels of sample `index` as `f32` in `[0, 1]`, row-major.
    pub fn scaled_image(&self, index: usize) -> Vec<f32> {
        self.image(index)
            .iter()
            .map(|&p| f32::from(p) / 255.0)
            .collect()
    }

    /// The mean and standard deviation of every pixel (scaled to `[0, 1]`) of the samples
    /// at `indices`; the identity normalisation when there are none.
    pub fn pixel_stats(&self, indices: &[usize]) -> Normalization {
        let mut counts = [0u64; 256];
        for &i in indices {
            for &p in self.image(i) {
                counts[usize::from(p)] += 1;
            }
        }
        let n: u64 = counts.iter().sum();
        if n == 0 {
            return Normalization {
                mean: 0.0,
                std: 1.0,
            };
        }
        let value = |p: usize| p as f64 / 255.0;
        let mean = counts
            .iter()
            .enumerate()
            .map(|(p, &c)| c as f64 * value(p))
            .sum::<f64>()
            / n as f64;
        let variance = counts
            .iter()
            .enumerate()
            .map(|(p, &c)| c as f64 * (value(p) - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        Normalization {
            mean: mean as f32,
            std: (variance.sqrt() as f32).max(Normalization::MIN_STD),
        }
    }

    /// The label of sample `index`.
    pub fn label(&self, index: usize) -> u8 {
        self.labels[index]
    }

    /// A seeded split: `test_fraction` of the samples (at least one, and leaving at least
    /// one for training) go to the test set. Same seed, same split.
    pub fn split(&self, test_fraction: f64, seed: u64) -> Split {
        let mut order: Vec<usize> = (0..self.len()).collect();
        Rng::new(seed).shuffle(&mut order);
        let fraction = if test_fraction.is_finite() {
            test_fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let wanted = (self.len() as f64 * fraction).round() as usize;
        let test_len = wanted.clamp(1.min(self.len()), self.len().saturating_sub(1));
        let train = order.split_off(test_len);
        Split { train, test: order }
    }

    /// The images at `indices` as `f32` in `[0, 1]`, row-major `[indices.len(), features]`,
    /// and their labels.
    pub fn batch(&self, indices: &[usize]) -> (Vec<f32>, Vec<u8>) {
        let mut x = Vec::with_capacity(indices.len() * self.features());
        let mut y = Vec::with_capacity(indices.len());
        for &i in indices {
            x.extend(self.scaled_image(i));
            y.push(self.labels[i]);
        }
        (x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(n: usize, labels: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let pixels: Vec<u8> = (0..n * 4).map(|i| (i * 7 % 256) as u8).collect();
        (
            idx::encode_u8(&[n, 2, 2], &pixels),
            idx::encode_u8(&[labels.len()], labels),
        )
    }

    #[test]
    fn loads_a_valid_pair() {
        let (images, labels) = files(3, &[0, 9, 4]);
        let d = Dataset::from_idx("tiny", &images, &labels, 10).unwrap();
        assert_eq!((d.len(), d.image_shape(), d.classes()), (3, (2, 2), 10));
        assert_eq!(d.image(1), &[28, 35, 42, 49]);
        assert_eq!(d.label(1), 9);
        let (x, y) = d.batch(&[2, 0]);
        assert_eq!(y, vec![4, 0]);
        assert_eq!(x.len(), 8);
        assert!((x[4] - 0.0).abs() < 1e-7 && (x[0] - 56.0 / 255.0).abs() < 1e-7);
    }

    #[test]
    fn pixel_statistics_match_hand_computed_values() {
        let (images, labels) = files(3, &[0, 9, 4]);
        let d = Dataset::from_idx("tiny", &images, &labels, 10).unwrap();
        // Sample 1 is [28, 35, 42, 49]: mean 38.5, deviations +-10.5 and +-3.5, so the
        // variance is (2 * 110.25 + 2 * 12.25) / 4 = 61.25 (in pixel units squared).
        let stats = d.pixel_stats(&[1]);
        assert!((stats.mean - 38.5 / 255.0).abs() < 1e-7, "{stats:?}");
        assert!(
            (stats.std - 61.25f32.sqrt() / 255.0).abs() < 1e-7,
            "{stats:?}"
        );
        assert!((stats.apply(49.0 / 255.0) - 10.5 / 61.25f32.sqrt()).abs() < 1e-5);
        // Samples 1 and 2: [28, 35, 42, 49, 56, 63, 70, 77], mean 52.5, variance (12.25 + 110.25 + 306.25 + 600.25) / 4 = 257.25.
        let both = d.pixel_stats(&[2, 1]);
        assert!((both.mean - 52.5 / 255.0).abs() < 1e-7);
        assert!((both.std - 257.25f32.sqrt() / 255.0).abs() < 1e-7);
        // Nothing to measure, or a constant image: no division by zero.
        assert_eq!(
            d.pixel_stats(&[]),
            Normalization {
                mean: 0.0,
                std: 1.0
            }
        );
        let flat = Dataset::from_idx(
            "flat",
            &idx::encode_u8(&[1, 2, 2], &[9, 9, 9, 9]),
            &idx::encode_u8(&[1], &[0]),
            10,
        )
        .unwrap();
        assert_eq!(flat.pixel_stats(&[0]).std, Normalization::MIN_STD);
    }

    #[test]
    fn mismatched_or_invalid_pairs_are_named_errors() {
        let (images, labels) = files(3, &[0, 1]);
        assert_eq!(
            Dataset::from_idx("x", &images, &labels, 10),
            Err(DatasetError::CountMismatch {
                images: 3,
                labels: 2
            })
        );
        let (images, labels) = files(2, &[0, 10]);
        let err = Dataset::from_idx("x", &images, &labels, 10).unwrap_err();
        assert_eq!(
            err.to_string(),
            "label 10 of sample 1 is out of range: expected 0 to 9"
        );
        // Images larger than any network here takes, refused before anything is built.
        let big = Dataset::from_idx(
            "x",
            &idx::encode_u8(&[1, 129, 128], &[0; 129 * 128]),
            &idx::encode_u8(&[1], &[0]),
            10,
        );
        assert_eq!(
            big.map(|_| ()).map_err(|e| e.to_string()),
            Err("images of 129 x 128 pixels are too large: at most 16384 pixels (128 x 128) are accepted".into())
        );
        // Images and labels swapped.
        let (images, labels) = files(2, &[0, 1]);
        assert!(matches!(
            Dataset::from_idx("x", &labels, &images, 10),
            Err(DatasetError::ImageShape { .. })
        ));
        let err = Dataset::from_idx("x", b"junk", &labels, 10).unwrap_err();
        assert!(
            err.to_string().starts_with("images file: not an IDX file"),
            "{err}"
        );
    }

    #[test]
    fn splits_are_seeded_disjoint_and_complete() {
        let labels: Vec<u8> = (0..100).map(|i| (i % 10) as u8).collect();
        let (images, labels) = files(100, &labels);
        let d = Dataset::from_idx("x", &images, &labels, 10).unwrap();
        let a = d.split(0.2, 42);
        assert_eq!(a, d.split(0.2, 42));
        assert_ne!(a, d.split(0.2, 43));
        assert_eq!((a.train.len(), a.test.len()), (80, 20));
        let mut all: Vec<usize> = a.train.iter().chain(&a.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        // Degenerate fractions still leave both sides non-empty.
        assert_eq!(d.split(0.0, 1).test.len(), 1);
        assert_eq!(d.split(f64::NAN, 1).test.len(), 1);
        assert_eq!(d.split(1.0, 1).train.len(), 1);
    }
}
