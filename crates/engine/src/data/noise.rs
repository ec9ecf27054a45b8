//! Noise on input images, in pixel space (values in `[0, 1]`, before any normalisation),
//! as the noise-robustness experiments add it to test inputs (docs/science.md, "Noise
//! robustness").
//!
//! Two kinds: additive Gaussian noise, the product's default, and Bain's impulse noise, a
//! fraction of the pixels set to one grey level. The noise of sample `i` depends only on
//! `(seed, i)`, so every model compared sees the same draw.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// Which noise a sweep adds; its levels mean a standard deviation or a fraction of pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseKind {
    /// `x' = clip(x + N(0, sigma^2), 0, 1)`; the level is sigma.
    #[default]
    Gaussian,
    /// A fraction `f` of the pixels, chosen at random, set to twice the training pixels'
    /// standard deviation (Bain's protocol: 0.616 on MNIST); the level is `f`.
    Impulse,
}

impl NoiseKind {
    /// Both kinds, Gaussian first.
    pub const ALL: [NoiseKind; 2] = [NoiseKind::Gaussian, NoiseKind::Impulse];

    /// The name configs and forms use (`gaussian`, `impulse`).
    pub fn id(self) -> &'static str {
        match self {
            NoiseKind::Gaussian => "gaussian",
            NoiseKind::Impulse => "impulse",
        }
    }

    /// The kind named `id` (see [`NoiseKind::id`]).
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// The largest level a sweep may use: sigma up to 10, or every pixel.
    pub fn max_level(self) -> f64 {
        match self {
            NoiseKind::Gaussian => 10.0,
            NoiseKind::Impulse => 1.0,
        }
    }

    /// What a level is, for axis titles and captions.
    pub fn level_name(self) -> &'static str {
        match self {
            NoiseKind::Gaussian => "noise sigma",
            NoiseKind::Impulse => "fraction of pixels hit",
        }
    }

    /// A short name.
    pub fn label(self) -> &'static str {
        match self {
            NoiseKind::Gaussian => "Gaussian",
            NoiseKind::Impulse => "impulse",
        }
    }
}

/// One level of one kind of noise, ready to apply to images.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputNoise {
    /// Additive Gaussian noise of standard deviation `sigma`, clipped to `[0, 1]`.
    Gaussian {
        /// Standard deviation, in pixel units.
        sigma: f64,
        /// Seed of the draw.
        seed: u64,
    },
    /// `round(fraction * pixels)` distinct pixels set to `value`.
    Impulse {
        /// Fraction of the pixels hit, in `[0, 1]`.
        fraction: f64,
        /// The value they are set to, in pixel units.
        value: f32,
        /// Seed of the draw.
        seed: u64,
    },
}

impl InputNoise {
    /// The noise of `kind` at `level`; `pixel_std` (of the training split, in `[0, 1]`
    /// units) sets the impulse value, `2 * pixel_std`.
    pub fn new(kind: NoiseKind, level: f64, seed: u64, pixel_std: f32) -> Self {
        match kind {
            NoiseKind::Gaussian => InputNoise::Gaussian { sigma: level, seed },
            NoiseKind::Impulse => InputNoise::Impulse {
                fraction: level.clamp(0.0, 1.0),
                value: (2.0 * pixel_std).clamp(0.0, 1.0),
                seed,
            },
        }
    }

    /// Adds this noise to the pixels of dataset sample `index`.
    pub fn apply(&self, index: usize, pixels: &mut [f32]) {
        match *self {
            InputNoise::Gaussian { sigma, seed } => {
                if sigma <= 0.0 {
                    return;
                }
                let mut rng = Rng::derive(seed, index as u64);
                for p in pixels {
                    *p = (f64::from(*p) + sigma * rng.normal()).clamp(0.0, 1.0) as f32;
                }
            }
            InputNoise::Impulse {
                fraction,
                value,
                seed,
            } => {
                let hit = ((fraction * pixels.len() as f64).round() as usize).min(pixels.len());
                if hit == 0 {
                    return;
                }
                // The first `hit` positions of a partial Fisher-Yates shuffle: `hit`
                // distinct pixels, uniformly.
                let mut rng = Rng::derive(seed, index as u64);
                let mut order: Vec<usize> = (0..pixels.len()).collect();
                for i in 0..hit {
                    let j = i + rng.below(order.len() - i);
                    order.swap(i, j);
                    pixels[order[i]] = value;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Vec<f32> {
        (0..100).map(|i| i as f32 / 200.0).collect()
    }

    #[test]
    fn kind_ids_are_the_config_names() {
        for kind in NoiseKind::ALL {
            let json = serde_json::to_string(&kind).expect("serialises");
            assert_eq!(json, format!("\"{}\"", kind.id()));
            assert_eq!(NoiseKind::from_id(kind.id()), Some(kind));
        }
        assert_eq!(NoiseKind::from_id("salt"), None);
    }

    #[test]
    fn gaussian_noise_is_one_draw_per_seed_and_clipped() {
        let noise = InputNoise::new(NoiseKind::Gaussian, 0.5, 9, 0.3);
        let (mut a, mut b) = (image(), image());
        noise.apply(3, &mut a);
        noise.apply(3, &mut b);
        assert_eq!(a, b);
        assert_ne!(a, image());
        assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
        let mut other = image();
        noise.apply(4, &mut other);
        assert_ne!(a, other, "each sample has its own draw");
    }

    #[test]
    fn impulse_noise_sets_exactly_the_fraction_to_twice_the_std() {
        let noise = InputNoise::new(NoiseKind::Impulse, 0.3, 5, 0.3081);
        let value = 2.0 * 0.3081f32;
        let mut x = vec![0.0f32; 100];
        noise.apply(7, &mut x);
        assert_eq!(x.iter().filter(|&&v| v == value).count(), 30);
        assert_eq!(x.iter().filter(|&&v| v == 0.0).count(), 70);
        let mut again = vec![0.0f32; 100];
        noise.apply(7, &mut again);
        assert_eq!(x, again, "same seed and sample, same pixels");
        let mut none = image();
        InputNoise::new(NoiseKind::Impulse, 0.0, 5, 0.3).apply(7, &mut none);
        assert_eq!(none, image());
        let mut all = image();
        InputNoise::new(NoiseKind::Impulse, 1.0, 5, 0.3).apply(7, &mut all);
        assert!(all.iter().all(|&v| (v - 0.6).abs() < 1e-6));
    }
}
