//! Seeded random numbers that give the same values on every platform and in every release.
//!
//! ChaCha8 (`rand_chacha`, whose output is value-stable by contract) drives everything, and
//! the few derived operations the engine needs (an index below `n`, a shuffle) are written
//! here so that their results cannot change with a `rand` upgrade. Same seed, same run.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// The random streams of a run: each part of an experiment draws from its own stream of
/// the run's seed ([`Rng::stream`]), so changing one part (more epochs, another control)
/// leaves the numbers of the others alone. The stream numbers are those of earlier
/// releases, so a seed still gives the same run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Initial weights.
    Init,
    /// Fixed random weight masks (continual learning's weight sparsity).
    Masks,
    /// The order the trainer visits samples in.
    DataOrder,
    /// The pixel permutation of permuted task `task` (counted from 0).
    Permutation {
        /// The task.
        task: usize,
    },
    /// IMP's control `index` (random re-initialisation or random mask; fewer than 16) in
    /// pruning round `round`.
    Control {
        /// The pruning round.
        round: usize,
        /// The control's position in the experiment's list.
        index: usize,
    },
}

impl Stream {
    /// The ChaCha stream number.
    pub fn id(self) -> u64 {
        match self {
            Stream::Init => 1,
            Stream::Masks => 2,
            Stream::DataOrder => 0x0DA7A,
            Stream::Permutation { task } => 5000 + task as u64,
            Stream::Control { round, index } => 1000 + (round * 16 + index) as u64,
        }
    }
}

/// The engine's random number generator.
#[derive(Debug, Clone)]
pub struct Rng(ChaCha8Rng);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform index in `0..n` (`n > 0`), by Lemire's multiply-shift; its bias, at most
    /// `n / 2^64`, is far below anything measurable here.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// A uniform `f64` in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal sample (Box-Muller; one of the pair, so the sequence stays simple).
    pub fn normal(&mut self) -> f64 {
        // 1 - unit() is in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A uniform `f64` in `[low, high)`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// A generator derived from this one's seed and `stream`, independent of how many numbers
    /// this one has produced: for giving each part of an experiment its own reproducible
    /// stream (data order, initialisation, noise) from one user-facing seed.
    pub fn derive(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Rng(rng)
    }

    /// The generator of `stream` for a run with `seed`.
    pub fn stream(seed: u64, stream: Stream) -> Self {
        Rng::derive(seed, stream.id())
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stream_of_a_valid_run_is_distinct_and_keeps_its_number() {
        // The numbers of earlier releases (same seed, same run).
        assert_eq!(Stream::Init.id(), 1);
        assert_eq!(Stream::Masks.id(), 2);
        assert_eq!(Stream::DataOrder.id(), 0x0DA7A);
        assert_eq!(Stream::Permutation { task: 3 }.id(), 5003);
        assert_eq!(Stream::Control { round: 2, index: 1 }.id(), 1033);
        // Distinct over what configs allow: 100 tasks, 100 rounds, fewer than 16 controls.
        let mut all = vec![Stream::Init, Stream::Masks, Stream::DataOrder];
        all.extend((0..100).map(|task| Stream::Permutation { task }));
        for round in 0..=100 {
            all.extend((0..16).map(|index| Stream::Control { round, index }));
        }
        let ids: std::collections::HashSet<u64> = all.iter().map(|s| s.id()).collect();
        assert_eq!(ids.len(), all.len());
    }

    #[test]
    fn normal_has_zero_mean_and_unit_variance() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }

    #[test]
    fn derived_streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4).map(|_| Rng::derive(9, 1).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::derive(9, 1).next_u64(), Rng::derive(9, 2).next_u64());
        assert_ne!(Rng::derive(9, 1).next_u64(), Rng::derive(10, 1).next_u64());
    }

    #[test]
    fn same_seed_same_numbers_and_different_seeds_differ() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let c = Rng::new(8).next_u64();
        assert_eq!(a, b);
        assert_ne!(a[0], c);
    }

    #[test]
    fn shuffle_is_a_permutation_and_deterministic() {
        let mut x: Vec<usize> = (0..100).collect();
        let mut y = x.clone();
        Rng::new(1).shuffle(&mut x);
        Rng::new(1).shuffle(&mut y);
        assert_eq!(x, y);
        assert_ne!(x, (0..100).collect::<Vec<_>>());
        let mut sorted = x.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(3);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let i = r.below(10);
            seen[i] = true;
        }
        assert!(seen.iter().all(|&s| s));
        let u = r.unit();
        assert!((0.0..1.0).contains(&u));
    }
}
