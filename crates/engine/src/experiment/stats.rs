//! Summary statistics for comparing models: mean and spread, area under a curve, and a
//! paired t-test over seeds (statrs provides Student's t distribution).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean and sample standard deviation (0 for fewer than two values).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

/// Area under `ys` over `xs` by the trapezoid rule, divided by the range of `xs`: the
/// curve's mean height (for accuracy against noise, the mean accuracy over the sweep).
pub fn normalized_auc(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len().min(ys.len());
    if n == 0 {
        return f64::NAN;
    }
    if n == 1 {
        return ys[0];
    }
    let area: f64 = (1..n)
        .map(|i| (xs[i] - xs[i - 1]) * (ys[i] + ys[i - 1]) / 2.0)
        .sum();
    let range = xs[n - 1] - xs[0];
    if range == 0.0 { ys[0] } else { area / range }
}

/// A paired comparison of `b - a` over matched samples (e.g. seeds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedTest {
    /// Number of pairs.
    pub n: usize,
    /// Mean of `b - a`.
    pub mean_difference: f64,
    /// Sample standard deviation of `b - a`.
    pub sd_difference: f64,
    /// The t statistic (`mean / (sd / sqrt(n))`); infinite when every difference is equal
    /// and non-zero.
    pub t: f64,
    /// Two-sided p-value of Student's t test with `n - 1` degrees of freedom (1 when it
    /// cannot be computed, e.g. one pair).
    pub p_value: f64,
}

impl PairedTest {
    /// The paired t test of `b[i] - a[i]`.
    pub fn new(a: &[f64], b: &[f64]) -> Self {
        let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
        let n = diffs.len();
        let (mean, sd) = mean_sd(&diffs);
        let (t, p) = if n < 2 {
            (f64::NAN, 1.0)
        } else if sd == 0.0 {
            if mean == 0.0 {
                (0.0, 1.0)
            } else {
                (mean.signum() * f64::INFINITY, 0.0)
            }
        } else {
            let t = mean / (sd / (n as f64).sqrt());
            let p = match StudentsT::new(0.0, 1.0, (n - 1) as f64) {
                Ok(dist) => 2.0 * (1.0 - dist.cdf(t.abs())),
                Err(_) => 1.0,
            };
            (t, p.clamp(0.0, 1.0))
        };
        PairedTest {
            n,
            mean_difference: mean,
            sd_difference: sd,
            t,
            p_value: p,
        }
    }

    /// Whether the difference is significant at level `alpha`.
    pub fn significant(&self, alpha: f64) -> bool {
        self.p_value < alpha
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_a_line_is_its_mean_height() {
        let xs = [0.0, 0.5, 1.0];
        assert!((normalized_auc(&xs, &[1.0, 0.5, 0.0]) - 0.5).abs() < 1e-12);
        assert!((normalized_auc(&xs, &[0.8, 0.8, 0.8]) - 0.8).abs() < 1e-12);
    }

    #[test]
    fn paired_t_test_matches_a_textbook_value() {
        // Differences 1, 2, 3: mean 2, sd 1, t = 2 / (1 / sqrt 3) = 3.4641, df 2,
        // two-sided p = 0.0742 (tables: t_{0.05, 2} = 4.303 > 3.46 > t_{0.10, 2} = 2.920).
        let t = PairedTest::new(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0]);
        assert!((t.t - 3.464_101_6).abs() < 1e-6, "{t:?}");
        assert!((t.p_value - 0.0742).abs() < 5e-4, "{t:?}");
        assert!(!t.significant(0.05) && t.significant(0.1));
        let none = PairedTest::new(&[1.0, 2.0], &[1.0, 2.0]);
        assert_eq!(none.p_value, 1.0);
        assert_eq!(PairedTest::new(&[1.0], &[2.0]).p_value, 1.0);
    }

    #[test]
    fn mean_and_sd() {
        let (m, s) = mean_sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert!((m - 5.0).abs() < 1e-12);
        assert!((s - 2.138_089_9).abs() < 1e-6);
    }
}
