//! Axes: tick positions (1-2-5 steps, powers of ten), domains fitted to the data and the
//! mapping from values to pixels.

use super::*;

/// About `target` evenly spaced ticks inside `[lo, hi]`, spaced by 1, 2 or 5 times a power
/// of ten. Empty for non-finite bounds; just `[lo]` when `lo == hi`.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !lo.is_finite() || !hi.is_finite() {
        return Vec::new();
    }
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if lo == hi {
        return vec![lo];
    }
    // Halved before subtracting so that even -MAX..MAX has a finite span.
    let raw = (hi / 2.0 - lo / 2.0) / target.max(1) as f64 * 2.0;
    let step = nice_step(raw);
    let first = (lo / step).ceil();
    let last = (hi / step).floor();
    if !step.is_finite() || step <= 0.0 || !first.is_finite() || !last.is_finite() {
        return vec![lo, hi];
    }
    let count = ((last - first).max(0.0) as usize).min(1000);
    (0..=count)
        .map(|k| (first + k as f64) * step)
        .map(|t| if t.abs() < step * 1e-9 { 0.0 } else { t })
        .filter(|t| t.is_finite())
        .collect()
}

/// Like [`nice_ticks`], for an axis of counts: never a step below 1, so every tick is a
/// whole number (`1, 2, 3` rather than `1, 1.5, 2`).
pub fn integer_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let ticks = nice_ticks(lo, hi, target);
    match ticks.as_slice() {
        [a, b, ..] if b - a < 1.0 => {
            let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
            // The step was below 1, so the span is about `target` or less: few values.
            let (first, last) = (lo.ceil(), hi.floor());
            let count = ((last - first).max(-1.0) + 1.0) as usize;
            (0..count.min(1000)).map(|k| first + k as f64).collect()
        }
        [single] if single.fract() != 0.0 => Vec::new(),
        _ => ticks,
    }
}

/// 1, 2, 5 or 10 times a power of ten, close to `raw`.
pub(super) fn nice_step(raw: f64) -> f64 {
    let exp = raw.log10().floor();
    let mag = 10f64.powf(exp);
    let f = raw / mag;
    let nice = if f >= 7.07 {
        10.0
    } else if f >= 3.16 {
        5.0
    } else if f >= 1.41 {
        2.0
    } else {
        1.0
    };
    nice * mag
}

/// The powers of ten inside `[lo, hi]`. Empty unless `0 < lo <= hi`, both finite.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi >= lo && hi.is_finite()) {
        return Vec::new();
    }
    let first = (lo.log10() - 1e-9).ceil().max(-323.0) as i32;
    let last = (hi.log10() + 1e-9).floor().min(308.0) as i32;
    (first..=last).map(|e| 10f64.powi(e)).collect()
}

/// One axis: its scale, domain (`lo < hi`, both finite, `> 0` when log) and formatting.
#[derive(Debug, Clone, Copy)]
pub(super) struct Axis {
    pub(super) scale: Scale,
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) reversed: bool,
    pub(super) percent: bool,
    /// Ticks only at whole numbers (a linear axis of counts).
    pub(super) integer: bool,
}

impl Axis {
    pub(super) fn accepts(&self, v: f64) -> bool {
        v.is_finite() && (self.scale == Scale::Linear || v > 0.0)
    }

    /// Position of `v` along the axis, 0 at the start and 1 at the end (clamped to a
    /// band around that so that far-away values still give finite pixels).
    pub(super) fn frac(&self, v: f64) -> Option<f64> {
        if !self.accepts(v) {
            return None;
        }
        let f = match self.scale {
            Scale::Linear => (v / 2.0 - self.lo / 2.0) / (self.hi / 2.0 - self.lo / 2.0),
            Scale::Log => (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10()),
        };
        let f = if self.reversed { 1.0 - f } else { f };
        f.is_finite().then_some(f.clamp(-10.0, 11.0))
    }

    /// Tick values with their labels, about `target` of them.
    pub(super) fn ticks(&self, target: usize) -> Vec<(f64, String)> {
        match self.scale {
            Scale::Linear => {
                let ticks = if self.integer {
                    integer_ticks(self.lo, self.hi, target)
                } else {
                    nice_ticks(self.lo, self.hi, target)
                };
                let step = match ticks.as_slice() {
                    [a, b, ..] => b - a,
                    _ => 1.0,
                };
                ticks
                    .into_iter()
                    .map(|t| (t, linear_tick_label(t, step, self.percent)))
                    .collect()
            }
            Scale::Log => log_axis_ticks(self.lo, self.hi, target)
                .into_iter()
                .map(|t| (t, log_tick_label(t, self.percent)))
                .collect(),
        }
    }
}

/// Ticks for a log axis: the powers of ten in view (thinned to about `target`); when
/// fewer than three are in view, 1-2-5 multiples of powers of ten; failing that, linear
/// 1-2-5 ticks.
pub(super) fn log_axis_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let powers = log_ticks(lo, hi);
    if powers.len() >= 3 {
        let every = powers.len().div_ceil(target.max(2)).max(1);
        return powers.into_iter().step_by(every).collect();
    }
    let multiples: Vec<f64> = log_ticks(lo / 10.0, hi)
        .into_iter()
        .flat_map(|p| [p, 2.0 * p, 5.0 * p])
        .filter(|t| (lo * (1.0 - 1e-9)..=hi * (1.0 + 1e-9)).contains(t))
        .collect();
    if multiples.len() >= 2 {
        return multiples;
    }
    nice_ticks(lo, hi, target)
        .into_iter()
        .filter(|&t| t > 0.0)
        .collect()
}

/// The domain of an axis from the values it must show (already filtered by `accepts`).
pub(super) fn fit_domain(scale: Scale, values: &[f64], pad: f64) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match scale {
        Scale::Linear => fit_linear(min, max, pad),
        Scale::Log => fit_log(min, max, pad),
    }
}

pub(super) fn fit_linear(min: f64, max: f64, pad: f64) -> (f64, f64) {
    if !min.is_finite() || !max.is_finite() {
        return (0.0, 1.0);
    }
    let half_span = max / 2.0 - min / 2.0;
    let size = min.abs().max(max.abs());
    if half_span * 2.0 <= size * 1e-9 {
        // Constant (or nearly): centre it in a band of its own size.
        let d = if size == 0.0 { 1.0 } else { size * 0.5 };
        return ((min - d).max(-f64::MAX), (max + d).min(f64::MAX));
    }
    let p = half_span * 2.0 * pad;
    ((min - p).max(-f64::MAX), (max + p).min(f64::MAX))
}

/// A log domain around `min..max`, padded by `pad` of its width in decades; a single
/// value gets half a decade on each side. Exponents stay within 10^-300..10^300.
pub(super) fn fit_log(min: f64, max: f64, pad: f64) -> (f64, f64) {
    if !(min > 0.0 && max.is_finite() && min <= max) {
        return (1.0, 10.0);
    }
    let (lo, hi) = (min.log10(), max.log10());
    let p = if hi - lo < 1e-9 { 0.5 } else { (hi - lo) * pad };
    let lo = (lo - p).clamp(LOG_MIN_EXP, LOG_MAX_EXP - 1.0);
    let hi = (hi + p).clamp(lo + 1e-3, LOG_MAX_EXP);
    (10f64.powf(lo), 10f64.powf(hi))
}

/// The y domain: the fixed range when it is usable on this scale, else fitted.
pub(super) fn y_domain(spec: &ChartSpec, values: &[f64]) -> (f64, f64) {
    let fixed = spec.y_range.filter(|&(lo, hi)| {
        lo.is_finite() && hi.is_finite() && lo < hi && (spec.y_scale == Scale::Linear || lo > 0.0)
    });
    fixed.unwrap_or_else(|| fit_domain(spec.y_scale, values, 0.05))
}

/// The x and y axes of a chart, fitted to the points each scale can show.
pub(super) fn axes(spec: &ChartSpec) -> (Axis, Axis) {
    let mut x = Axis {
        scale: spec.x_scale,
        lo: 0.0,
        hi: 1.0,
        reversed: spec.x_reversed,
        percent: spec.percent_x,
        integer: spec.integer_x,
    };
    let mut y = Axis {
        scale: spec.y_scale,
        lo: 0.0,
        hi: 1.0,
        reversed: false,
        percent: spec.percent_y,
        integer: false,
    };
    // The domains fit the series shown (all of them when every one is hidden).
    let any_shown = spec.series.iter().any(|s| !s.hidden);
    let visible: Vec<(f64, f64)> = spec
        .series
        .iter()
        .filter(|s| !s.hidden || !any_shown)
        .flat_map(|s| s.points.iter().copied())
        .filter(|&(px, py)| x.accepts(px) && y.accepts(py))
        .collect();
    let xs: Vec<f64> = visible.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = visible.iter().map(|p| p.1).collect();
    (x.lo, x.hi) = fit_domain(spec.x_scale, &xs, 0.0);
    (y.lo, y.hi) = y_domain(spec, &ys);
    (x, y)
}
