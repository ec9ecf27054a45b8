//! Charts as plain data, rendered to standalone SVG.
//!
//! A [`ChartSpec`] describes a line chart (series, axis scales, markers); [`render_svg`]
//! turns it into an SVG document that carries all of its styling in presentation
//! attributes, so the same string shows in the page, downloads as a `.svg` and rasterises
//! to a PNG unchanged. [`nearest`] answers "which point is under the mouse" with the very
//! same layout code (the private `Layout`), so the tooltip always matches the drawing.
//! [`Heatmap`] and [`render_heatmap_svg`] do the same for a grid of values in `[0, 1]`.
//!
//! Robustness rules: non-finite values are skipped, values `<= 0` are skipped on a log
//! axis, an empty chart shows its axes and "No data yet", and no input makes the output
//! contain `NaN` or `inf`. The module has no browser dependency and is tested natively.

use std::fmt::Write as _;

/// Logical width of a chart in SVG pixels; the page scales it to its container.
pub const WIDTH: f64 = 640.0;
/// Logical height of a chart in SVG pixels.
pub const HEIGHT: f64 = 360.0;

/// Okabe-Ito colours (yellow left out: too faint on white), in series order.
const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];
/// Sequential light-to-dark stops (ColorBrewer GnBu) for heatmap cells.
const HEAT_STOPS: [(u8, u8, u8); 5] = [
    (247, 252, 240),
    (204, 235, 197),
    (123, 204, 196),
    (43, 140, 190),
    (8, 64, 129),
];
const BG: &str = "#ffffff";
const INK: &str = "#1c2321";
const MUTED: &str = "#5b6661";
const GRID: &str = "#e4e8e5";
const AXIS: &str = "#9aa39e";
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
/// Series with at most this many points also get a dot at each point.
const MAX_DOTTED_POINTS: usize = 60;
/// Rough width of one character of 11 px text, for layout without a font engine.
const CHAR_W: f64 = 6.4;
/// Log axes keep to 10^-300..10^300 so that every power of ten is a normal float.
const LOG_MIN_EXP: f64 = -300.0;
const LOG_MAX_EXP: f64 = 300.0;

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Equal distances for equal differences.
    #[default]
    Linear,
    /// Equal distances for equal ratios; values `<= 0` cannot be shown.
    Log,
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Name shown in the legend and the tooltip.
    pub name: String,
    /// `(x, y)` points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Draw the line dashed (e.g. a control or a baseline).
    pub dashed: bool,
}

impl Series {
    /// A solid series.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            dashed: false,
        }
    }

    /// The same series drawn dashed.
    #[must_use]
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// A labelled vertical line, e.g. a task switch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VLine {
    /// Where the line stands on the x axis.
    pub x: f64,
    /// Short text drawn next to the top of the line.
    pub label: String,
}

impl VLine {
    /// A marker at `x`.
    pub fn new(x: f64, label: impl Into<String>) -> Self {
        Self {
            x,
            label: label.into(),
        }
    }
}

/// Everything needed to draw a line chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChartSpec {
    /// Stable id: used in test ids (`data-testid="chart-{id}"`) and download file names.
    pub id: String,
    /// Heading drawn at the top.
    pub title: String,
    /// Label under the x axis; also prefixes the x value in the tooltip.
    pub x_label: String,
    /// Label beside the y axis.
    pub y_label: String,
    /// Scale of the x axis.
    pub x_scale: Scale,
    /// Scale of the y axis.
    pub y_scale: Scale,
    /// Largest x on the left (e.g. "weights remaining" going 100% -> 1%).
    pub x_reversed: bool,
    /// Fixed y domain (e.g. accuracy `0..1`); `None` fits the data with some padding.
    pub y_range: Option<(f64, f64)>,
    /// Format x ticks and tooltip values as percentages (value * 100 %).
    pub percent_x: bool,
    /// Format y ticks and tooltip values as percentages (value * 100 %).
    pub percent_y: bool,
    /// The lines, coloured in palette order.
    pub series: Vec<Series>,
    /// Vertical marker lines; those outside the x domain are not drawn.
    pub markers: Vec<VLine>,
}

impl ChartSpec {
    /// An empty linear chart.
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Self::default()
        }
    }

    /// Number of points with a finite x and y, over all series.
    pub fn point_count(&self) -> usize {
        self.finite_points().count()
    }

    /// Whether a log x axis would show every point (all finite x values are `> 0`).
    pub fn log_allowed_x(&self) -> bool {
        self.finite_points().all(|(x, _)| x > 0.0)
    }

    /// Whether a log y axis would show every point (all finite y values are `> 0`).
    pub fn log_allowed_y(&self) -> bool {
        self.finite_points().all(|(_, y)| y > 0.0)
    }

    fn finite_points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    }
}

/// The point nearest to the mouse, as [`nearest`] finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hover {
    /// Name of the point's series.
    pub series: String,
    /// Colour of the point's series (`#rrggbb`).
    pub color: String,
    /// The point's data coordinates.
    pub x: f64,
    /// See `x`.
    pub y: f64,
    /// The point's position in SVG pixels (same frame as the mouse position given).
    pub px: f64,
    /// See `px`.
    pub py: f64,
    /// Tooltip text, e.g. `"ticket: step 120, 93.1%"`.
    pub text: String,
}

/// A grid of values in `[0, 1]` (e.g. accuracy on task j after training task i).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Heatmap {
    /// Stable id: used in test ids (`data-testid="heatmap-{id}"`) and download file names.
    pub id: String,
    /// Heading drawn at the top.
    pub title: String,
    /// Label under the columns.
    pub x_label: String,
    /// Label beside the rows.
    pub y_label: String,
    /// One label per row, top to bottom.
    pub row_labels: Vec<String>,
    /// One label per column, left to right.
    pub col_labels: Vec<String>,
    /// `cells[row][col]`; `None` (or a non-finite value) is an empty cell.
    pub cells: Vec<Vec<Option<f64>>>,
}

impl Heatmap {
    /// Number of cells holding a finite value.
    pub fn point_count(&self) -> usize {
        self.cells
            .iter()
            .flatten()
            .filter(|c| c.is_some_and(f64::is_finite))
            .count()
    }

    fn rows(&self) -> usize {
        self.row_labels.len().max(self.cells.len())
    }

    fn cols(&self) -> usize {
        let widest = self.cells.iter().map(Vec::len).max().unwrap_or(0);
        self.col_labels.len().max(widest)
    }

    fn cell(&self, row: usize, col: usize) -> Option<f64> {
        self.cells
            .get(row)
            .and_then(|r| r.get(col))
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    }
}

/// The colour of series number `index` (palette order, cycling).
pub fn series_color(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// The heatmap colour of `value` (clamped to `[0, 1]`; light for 0, dark for 1).
pub fn heat_color(value: f64) -> String {
    let v = if value.is_finite() {
        value.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = v * (HEAT_STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(HEAT_STOPS.len() - 2);
    let t = pos - i as f64;
    let (a, b) = (HEAT_STOPS[i], HEAT_STOPS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Escapes text for SVG/XML content and attribute values, dropping control characters
/// that XML does not allow.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

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

/// 1, 2, 5 or 10 times a power of ten, close to `raw`.
fn nice_step(raw: f64) -> f64 {
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

/// Renders a line chart as a standalone SVG document of the given size in pixels.
pub fn render_svg(spec: &ChartSpec, width: f64, height: f64) -> String {
    let layout = Layout::new(spec, width, height);
    let mut out = String::with_capacity(8192);
    open_svg(&mut out, &layout.frame, &spec.title, spec.point_count());
    let clip = format!("clip-{}", css_id(&spec.id));
    let _ = write!(
        out,
        r#"<defs><clipPath id="{clip}"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath></defs>"#,
        num(layout.left - 4.0),
        num(layout.top - 4.0),
        num(layout.plot_w + 8.0),
        num(layout.plot_h + 8.0),
    );
    layout.draw_grid(&mut out);
    layout.draw_markers(&mut out, &spec.markers);
    let _ = write!(out, r#"<g clip-path="url(#{clip})">"#);
    let mut drawn = 0;
    for (i, series) in spec.series.iter().enumerate() {
        drawn += layout.draw_series(&mut out, series, series_color(i));
    }
    out.push_str("</g>");
    layout.draw_legend(&mut out, spec);
    draw_title(&mut out, &spec.title);
    layout.draw_axis_labels(&mut out, spec);
    if drawn == 0 {
        centred_text(
            &mut out,
            layout.left + layout.plot_w / 2.0,
            layout.top + layout.plot_h / 2.0,
            "No data yet",
        );
    }
    out.push_str("</svg>");
    out
}

/// The point nearest to the mouse at `(px, py)` SVG pixels of a chart rendered at
/// `width` x `height`. Horizontal distance counts four times as much as vertical, so the
/// tooltip follows the x position. `None` when the mouse is outside the plot area or no
/// point is visible.
pub fn nearest(spec: &ChartSpec, width: f64, height: f64, px: f64, py: f64) -> Option<Hover> {
    let layout = Layout::new(spec, width, height);
    if !px.is_finite() || !py.is_finite() || !layout.near_plot(px, py, 8.0) {
        return None;
    }
    // Horizontal distance weighs 4x: the tooltip tracks x, then picks among the series.
    let distance = |(sx, sy): (f64, f64)| (sx - px).powi(2) + ((sy - py) / 4.0).powi(2);
    let (i, (x, y), (sx, sy)) = spec
        .series
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.points.iter().map(move |&p| (i, p)))
        .filter_map(|(i, (x, y))| {
            let screen = layout.position(x, y)?;
            layout
                .near_plot(screen.0, screen.1, 0.5)
                .then_some((i, (x, y), screen))
        })
        .min_by(|a, b| distance(a.2).total_cmp(&distance(b.2)))?;
    let name = &spec.series[i].name;
    Some(Hover {
        series: name.clone(),
        color: series_color(i).to_owned(),
        x,
        y,
        px: sx,
        py: sy,
        text: hover_text(spec, name, x, y),
    })
}

fn hover_text(spec: &ChartSpec, name: &str, x: f64, y: f64) -> String {
    let mut text = String::new();
    if !name.is_empty() {
        let _ = write!(text, "{name}: ");
    }
    if !spec.x_label.is_empty() {
        let _ = write!(text, "{} ", lower_first(&spec.x_label));
    }
    let _ = write!(
        text,
        "{}, {}",
        format_value(x, spec.percent_x),
        format_value(y, spec.percent_y)
    );
    text
}

/// Lower-cases the first letter unless the first word is an acronym ("LR", "MNIST").
fn lower_first(s: &str) -> String {
    let first_word = s.split_whitespace().next().unwrap_or("");
    let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
        && !first_word.chars().any(char::is_lowercase);
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if !acronym => c.to_lowercase().chain(chars).collect(),
        _ => s.to_owned(),
    }
}

/// Formats a data value for a tooltip: 4 significant digits, or a percentage.
pub fn format_value(v: f64, percent: bool) -> String {
    if !v.is_finite() {
        return "–".to_owned();
    }
    if percent {
        let p = v * 100.0;
        return if p.abs() >= 1e6 {
            format!("{}%", exp_form(p, 3))
        } else if p.abs() >= 1.0 || p == 0.0 {
            format!("{p:.1}%")
        } else {
            format!("{}%", format_sig(p, 2))
        };
    }
    format_sig(v, 4)
}

/// `sig` significant digits, trailing zeros dropped; exponent form when very large or small.
fn format_sig(v: f64, sig: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".to_owned();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return exp_form(v, sig);
    }
    let mag = a.log10().floor() as i64;
    let decimals = (sig as i64 - 1 - mag).max(0) as usize;
    trim_zeros(format!("{v:.decimals$}"))
}

/// Exponent form with at most `sig` significant digits, e.g. `2.5e-7`.
fn exp_form(v: f64, sig: usize) -> String {
    let s = format!("{:.*e}", sig.saturating_sub(1), v);
    match s.split_once('e') {
        Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa.to_owned())),
        None => s,
    }
}

fn trim_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".to_owned()
    } else {
        t.to_owned()
    }
}

/// A tick label on a linear axis whose ticks are `step` apart.
fn linear_tick_label(v: f64, step: f64, percent: bool) -> String {
    let (v, step, suffix) = if percent {
        (v * 100.0, step * 100.0, "%")
    } else {
        (v, step, "")
    };
    if v == 0.0 {
        return format!("0{suffix}");
    }
    if !(1e-4..1e6).contains(&v.abs()) {
        return format!("{}{suffix}", exp_form(v, 3));
    }
    let decimals = if step >= 1.0 || step <= 0.0 || !step.is_finite() {
        0
    } else {
        ((-step.log10() - 1e-6).ceil().max(0.0) as usize).min(12)
    };
    format!("{v:.decimals$}{suffix}")
}

/// A tick label on a log axis: plain for 10^-3..10^6 ("0.002", "50000"), else in
/// exponent form ("1e7").
fn log_tick_label(v: f64, percent: bool) -> String {
    let (v, suffix) = if percent { (v * 100.0, "%") } else { (v, "") };
    if (1e-3 * (1.0 - 1e-9)..1e6).contains(&v) {
        format!("{}{suffix}", format_sig(v, 3))
    } else {
        format!("{}{suffix}", exp_form(v, 3))
    }
}

/// Formats a coordinate for SVG: at most 2 decimals, never `NaN` or `inf`.
fn num(v: f64) -> String {
    if v.is_finite() {
        trim_zeros(format!("{v:.2}"))
    } else {
        "0".to_owned()
    }
}

/// Keeps only characters that are safe in an XML id and a CSS `url(#...)`.
fn css_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Estimated pixel width of `text` at 11 px.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_W
}

/// One axis: its scale, domain (`lo < hi`, both finite, `> 0` when log) and formatting.
#[derive(Debug, Clone, Copy)]
struct Axis {
    scale: Scale,
    lo: f64,
    hi: f64,
    reversed: bool,
    percent: bool,
}

impl Axis {
    fn accepts(&self, v: f64) -> bool {
        v.is_finite() && (self.scale == Scale::Linear || v > 0.0)
    }

    /// Position of `v` along the axis, 0 at the start and 1 at the end (clamped to a
    /// band around that so that far-away values still give finite pixels).
    fn frac(&self, v: f64) -> Option<f64> {
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
    fn ticks(&self, target: usize) -> Vec<(f64, String)> {
        match self.scale {
            Scale::Linear => {
                let ticks = nice_ticks(self.lo, self.hi, target);
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
fn log_axis_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
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
fn fit_domain(scale: Scale, values: &[f64], pad: f64) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match scale {
        Scale::Linear => fit_linear(min, max, pad),
        Scale::Log => fit_log(min, max, pad),
    }
}

fn fit_linear(min: f64, max: f64, pad: f64) -> (f64, f64) {
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
fn fit_log(min: f64, max: f64, pad: f64) -> (f64, f64) {
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
fn y_domain(spec: &ChartSpec, values: &[f64]) -> (f64, f64) {
    let fixed = spec.y_range.filter(|&(lo, hi)| {
        lo.is_finite() && hi.is_finite() && lo < hi && (spec.y_scale == Scale::Linear || lo > 0.0)
    });
    fixed.unwrap_or_else(|| fit_domain(spec.y_scale, values, 0.05))
}

/// Width and height of a whole SVG document, in pixels.
struct Frame {
    width: f64,
    height: f64,
}

/// Where everything of a line chart goes; shared by `render_svg` and `nearest`.
struct Layout {
    frame: Frame,
    left: f64,
    top: f64,
    plot_w: f64,
    plot_h: f64,
    x: Axis,
    y: Axis,
    x_ticks: Vec<(f64, String)>,
    y_ticks: Vec<(f64, String)>,
    /// Legend entries: series index and top-left position of its swatch.
    legend: Vec<(usize, f64, f64)>,
}

const TITLE_H: f64 = 30.0;
const LEGEND_ROW_H: f64 = 16.0;
const SWATCH_W: f64 = 20.0;

impl Layout {
    fn new(spec: &ChartSpec, width: f64, height: f64) -> Self {
        let width = if width.is_finite() {
            width.max(1.0)
        } else {
            WIDTH
        };
        let height = if height.is_finite() {
            height.max(1.0)
        } else {
            HEIGHT
        };
        let (x, y) = axes(spec);
        let (legend, legend_rows) = legend_layout(spec, width);
        let top = TITLE_H + legend_rows as f64 * LEGEND_ROW_H + 8.0;
        let bottom = 46.0;
        let right = 18.0;
        let y_ticks = y.ticks(((height - top - bottom) / 48.0).max(2.0) as usize);
        let widest = y_ticks
            .iter()
            .map(|(_, l)| text_width(l))
            .fold(0.0, f64::max);
        let left = (widest + 30.0).clamp(44.0, 140.0);
        let plot_w = (width - left - right).max(1.0);
        let plot_h = (height - top - bottom).max(1.0);
        let x_ticks = x.ticks((plot_w / 90.0).max(2.0) as usize);
        Self {
            frame: Frame { width, height },
            left,
            top,
            plot_w,
            plot_h,
            x,
            y,
            x_ticks,
            y_ticks,
            legend,
        }
    }

    /// Pixel position of a data point, `None` when it cannot be shown on these scales.
    fn position(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let fx = self.x.frac(x)?;
        let fy = self.y.frac(y)?;
        Some((
            self.left + fx * self.plot_w,
            self.top + (1.0 - fy) * self.plot_h,
        ))
    }

    fn near_plot(&self, px: f64, py: f64, margin: f64) -> bool {
        px >= self.left - margin
            && px <= self.left + self.plot_w + margin
            && py >= self.top - margin
            && py <= self.top + self.plot_h + margin
    }

    fn bottom(&self) -> f64 {
        self.top + self.plot_h
    }

    fn draw_grid(&self, out: &mut String) {
        let (left, right, top, bottom) =
            (self.left, self.left + self.plot_w, self.top, self.bottom());
        for (v, label) in &self.y_ticks {
            let Some(f) = self.y.frac(*v) else { continue };
            let y = num(top + (1.0 - f) * self.plot_h);
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{GRID}" stroke-width="1"/><text x="{}" y="{y}" dy="0.32em" text-anchor="end" fill="{MUTED}">{}</text>"#,
                num(left),
                num(right),
                num(left - 6.0),
                escape_xml(label),
            );
        }
        for (v, label) in &self.x_ticks {
            let Some(f) = self.x.frac(*v) else { continue };
            let x = num(left + f * self.plot_w);
            let _ = write!(
                out,
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{GRID}" stroke-width="1"/><text x="{x}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
                num(top),
                num(bottom),
                num(bottom + 16.0),
                escape_xml(label),
            );
        }
        let _ = write!(
            out,
            r#"<path d="M{} {}V{}H{}" fill="none" stroke="{AXIS}" stroke-width="1"/>"#,
            num(left),
            num(top),
            num(bottom),
            num(right),
        );
    }

    fn draw_markers(&self, out: &mut String, markers: &[VLine]) {
        for marker in markers {
            let Some(f) = self.x.frac(marker.x).filter(|f| (0.0..=1.0).contains(f)) else {
                continue;
            };
            let x = self.left + f * self.plot_w;
            let (tx, anchor) = if f > 0.85 {
                (x - 4.0, "end")
            } else {
                (x + 4.0, "start")
            };
            let _ = write!(
                out,
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{MUTED}" stroke-width="1" stroke-dasharray="4 3"/><text x="{}" y="{}" text-anchor="{anchor}" font-size="10" fill="{MUTED}">{}</text>"#,
                num(self.top),
                num(self.bottom()),
                num(tx),
                num(self.top + 10.0),
                escape_xml(&marker.label),
                x = num(x),
            );
        }
    }

    /// Draws one series; returns how many of its points are drawn.
    fn draw_series(&self, out: &mut String, series: &Series, color: &str) -> usize {
        let pts: Vec<(f64, f64)> = series
            .points
            .iter()
            .filter_map(|&(x, y)| self.position(x, y))
            .collect();
        if pts.is_empty() {
            return 0;
        }
        let dash = if series.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        if pts.len() > 1 {
            let coords: Vec<String> = pts
                .iter()
                .map(|&(x, y)| format!("{},{}", num(x), num(y)))
                .collect();
            let _ = write!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"{dash}/>"#,
                coords.join(" "),
            );
        }
        if pts.len() <= MAX_DOTTED_POINTS {
            for &(x, y) in &pts {
                let _ = write!(
                    out,
                    r#"<circle cx="{}" cy="{}" r="2.5" fill="{color}" stroke="{BG}" stroke-width="0.8"/>"#,
                    num(x),
                    num(y),
                );
            }
        }
        pts.len()
    }

    fn draw_legend(&self, out: &mut String, spec: &ChartSpec) {
        for &(i, x, y) in &self.legend {
            let series = &spec.series[i];
            let color = series_color(i);
            let dash = if series.dashed {
                r#" stroke-dasharray="5 3""#
            } else {
                ""
            };
            let mid = num(y + LEGEND_ROW_H / 2.0);
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{mid}" x2="{}" y2="{mid}" stroke="{color}" stroke-width="2.5"{dash}/><text x="{}" y="{mid}" dy="0.32em" fill="{INK}">{}</text>"#,
                num(x),
                num(x + SWATCH_W),
                num(x + SWATCH_W + 5.0),
                escape_xml(&series.name),
            );
        }
    }

    fn draw_axis_labels(&self, out: &mut String, spec: &ChartSpec) {
        let cx = num(self.left + self.plot_w / 2.0);
        let _ = write!(
            out,
            r#"<text x="{cx}" y="{}" text-anchor="middle" font-size="12" fill="{INK}">{}</text>"#,
            num(self.frame.height - 8.0),
            escape_xml(&spec.x_label),
        );
        let _ = write!(
            out,
            r#"<text transform="translate(14 {}) rotate(-90)" text-anchor="middle" font-size="12" fill="{INK}">{}</text>"#,
            num(self.top + self.plot_h / 2.0),
            escape_xml(&spec.y_label),
        );
    }
}

/// The x and y axes of a chart, fitted to the points each scale can show.
fn axes(spec: &ChartSpec) -> (Axis, Axis) {
    let mut x = Axis {
        scale: spec.x_scale,
        lo: 0.0,
        hi: 1.0,
        reversed: spec.x_reversed,
        percent: spec.percent_x,
    };
    let mut y = Axis {
        scale: spec.y_scale,
        lo: 0.0,
        hi: 1.0,
        reversed: false,
        percent: spec.percent_y,
    };
    let visible: Vec<(f64, f64)> = spec
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .filter(|&(px, py)| x.accepts(px) && y.accepts(py))
        .collect();
    let xs: Vec<f64> = visible.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = visible.iter().map(|p| p.1).collect();
    (x.lo, x.hi) = fit_domain(spec.x_scale, &xs, 0.0);
    (y.lo, y.hi) = y_domain(spec, &ys);
    (x, y)
}

/// Places legend entries left to right under the title, wrapping into rows.
fn legend_layout(spec: &ChartSpec, width: f64) -> (Vec<(usize, f64, f64)>, usize) {
    let mut items = Vec::new();
    let (start, end) = (12.0, width - 12.0);
    let (mut x, mut row) = (start, 0usize);
    for (i, series) in spec.series.iter().enumerate() {
        if series.name.is_empty() {
            continue;
        }
        let w = SWATCH_W + 5.0 + text_width(&series.name) + 16.0;
        if x > start && x + w > end {
            x = start;
            row += 1;
        }
        items.push((i, x, TITLE_H + row as f64 * LEGEND_ROW_H));
        x += w;
    }
    let rows = if items.is_empty() { 0 } else { row + 1 };
    (items, rows)
}

fn open_svg(out: &mut String, frame: &Frame, title: &str, points: usize) {
    let (w, h) = (num(frame.width), num(frame.height));
    let title = escape_xml(title);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="11" role="img" aria-label="{title}" data-points="{points}"><title>{title}</title><rect width="{w}" height="{h}" fill="{BG}"/>"#,
    );
}

fn draw_title(out: &mut String, title: &str) {
    let _ = write!(
        out,
        r#"<text x="12" y="20" font-size="14" font-weight="600" fill="{INK}">{}</text>"#,
        escape_xml(title),
    );
}

fn centred_text(out: &mut String, x: f64, y: f64, text: &str) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" dy="0.32em" font-size="13" fill="{MUTED}">{}</text>"#,
        num(x),
        num(y),
        escape_xml(text),
    );
}

/// A good logical size for a heatmap: the chart width, and a height that gives each row
/// about 28 pixels.
pub fn heatmap_size(h: &Heatmap) -> (f64, f64) {
    let rows = h.rows().max(1) as f64;
    (
        WIDTH,
        (HEAT_TOP + rows * 28.0 + HEAT_BOTTOM).clamp(160.0, 720.0),
    )
}

const HEAT_TOP: f64 = 36.0;
const HEAT_BOTTOM: f64 = 48.0;
const HEAT_LEGEND_W: f64 = 64.0;

/// Renders a heatmap as a standalone SVG document of the given size in pixels.
pub fn render_heatmap_svg(h: &Heatmap, width: f64, height: f64) -> String {
    let frame = Frame {
        width: if width.is_finite() {
            width.max(1.0)
        } else {
            WIDTH
        },
        height: if height.is_finite() {
            height.max(1.0)
        } else {
            HEIGHT
        },
    };
    let mut out = String::with_capacity(8192);
    open_svg(&mut out, &frame, &h.title, h.point_count());
    draw_title(&mut out, &h.title);
    let widest = h
        .row_labels
        .iter()
        .map(|l| text_width(l))
        .fold(0.0, f64::max);
    let left = (widest + 30.0).clamp(44.0, 200.0);
    let plot_w = (frame.width - left - HEAT_LEGEND_W).max(1.0);
    let plot_h = (frame.height - HEAT_TOP - HEAT_BOTTOM).max(1.0);
    let (rows, cols) = (h.rows(), h.cols());
    if rows == 0 || cols == 0 {
        centred_text(
            &mut out,
            left + plot_w / 2.0,
            HEAT_TOP + plot_h / 2.0,
            "No data yet",
        );
    } else {
        let cell = (plot_w / cols as f64, plot_h / rows as f64);
        draw_cells(&mut out, h, (left, HEAT_TOP), cell);
        draw_heat_labels(&mut out, h, (left, HEAT_TOP), cell);
    }
    draw_heat_legend(&mut out, left + plot_w + 16.0, HEAT_TOP, plot_h);
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{INK}">{}</text><text transform="translate(14 {}) rotate(-90)" text-anchor="middle" font-size="12" fill="{INK}">{}</text></svg>"#,
        num(left + plot_w / 2.0),
        num(frame.height - 8.0),
        escape_xml(&h.x_label),
        num(HEAT_TOP + plot_h / 2.0),
        escape_xml(&h.y_label),
    );
    out
}

fn label_at(labels: &[String], i: usize) -> &str {
    labels.get(i).map_or("", String::as_str)
}

fn draw_cells(out: &mut String, h: &Heatmap, origin: (f64, f64), cell: (f64, f64)) {
    let (cw, ch) = cell;
    let show_text = cw >= 26.0 && ch >= 12.0;
    let font = (ch * 0.45).clamp(7.0, 11.0);
    for row in 0..h.rows() {
        for col in 0..h.cols() {
            let x = origin.0 + col as f64 * cw;
            let y = origin.1 + row as f64 * ch;
            let (rx, ry, rw, rh) = (
                num(x + 0.5),
                num(y + 0.5),
                num((cw - 1.0).max(0.5)),
                num((ch - 1.0).max(0.5)),
            );
            let what = format!(
                "{} · {}",
                label_at(&h.row_labels, row),
                label_at(&h.col_labels, col)
            );
            let Some(v) = h.cell(row, col) else {
                let _ = write!(
                    out,
                    r#"<rect x="{rx}" y="{ry}" width="{rw}" height="{rh}" fill="{BG}" stroke="{GRID}" stroke-width="1"><title>{}: no value</title></rect>"#,
                    escape_xml(&what),
                );
                continue;
            };
            let value = format_value(v, true);
            let _ = write!(
                out,
                r#"<rect x="{rx}" y="{ry}" width="{rw}" height="{rh}" fill="{}"><title>{}: {value}</title></rect>"#,
                heat_color(v),
                escape_xml(&what),
            );
            if show_text {
                let ink = if v > 0.5 { BG } else { INK };
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" dy="0.32em" text-anchor="middle" font-size="{}" fill="{ink}" pointer-events="none">{}</text>"#,
                    num(x + cw / 2.0),
                    num(y + ch / 2.0),
                    num(font),
                    escape_xml(&short_percent(v)),
                );
            }
        }
    }
}

/// A cell's printed value: whole percents ("93%").
fn short_percent(v: f64) -> String {
    format!("{:.0}%", (v * 100.0).clamp(-1e6, 1e6))
}

/// Cuts `s` to about `max_w` pixels, ending with "…" when cut.
fn fit_text(s: &str, max_w: f64) -> String {
    let max_chars = (max_w / CHAR_W).floor().max(1.0) as usize;
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut cut: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn draw_heat_labels(out: &mut String, h: &Heatmap, origin: (f64, f64), cell: (f64, f64)) {
    let (cw, ch) = cell;
    for row in 0..h.rows() {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" dy="0.32em" text-anchor="end" fill="{MUTED}">{}</text>"#,
            num(origin.0 - 6.0),
            num(origin.1 + (row as f64 + 0.5) * ch),
            escape_xml(label_at(&h.row_labels, row)),
        );
    }
    let bottom = origin.1 + h.rows() as f64 * ch;
    for col in 0..h.cols() {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            num(origin.0 + (col as f64 + 0.5) * cw),
            num(bottom + 16.0),
            escape_xml(&fit_text(label_at(&h.col_labels, col), cw - 4.0)),
        );
    }
}

/// A vertical colour bar from 0% (bottom) to 100% (top).
fn draw_heat_legend(out: &mut String, x: f64, top: f64, height: f64) {
    const STEPS: usize = 20;
    let seg = height / STEPS as f64;
    for i in 0..STEPS {
        let v = 1.0 - (i as f64 + 0.5) / STEPS as f64;
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="12" height="{}" fill="{}"/>"#,
            num(x),
            num(top + i as f64 * seg),
            num(seg + 0.5),
            heat_color(v),
        );
    }
    for (v, label) in [(1.0, "100%"), (0.5, "50%"), (0.0, "0%")] {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" dy="0.32em" fill="{MUTED}">{label}</text>"#,
            num(x + 16.0),
            num(top + (1.0 - v) * height),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with(points: Vec<(f64, f64)>) -> ChartSpec {
        let mut spec = ChartSpec::new("t", "Test <chart>", "step", "accuracy");
        spec.series.push(Series::new("ticket", points));
        spec
    }

    fn is_125(step: f64) -> bool {
        let mag = 10f64.powf(step.log10().floor());
        let f = step / mag;
        [1.0, 2.0, 5.0, 10.0].iter().any(|n| (f - n).abs() < 1e-6)
    }

    #[test]
    fn nice_ticks_cover_the_range_with_1_2_5_steps() {
        for &(lo, hi, target) in &[
            (0.0, 1.0, 5),
            (0.0, 1000.0, 6),
            (-3.7, 12.2, 4),
            (0.013, 0.021, 5),
            (17.0, 1234.0, 8),
            (-1e9, 2e9, 5),
        ] {
            let ticks = nice_ticks(lo, hi, target);
            assert!(ticks.len() >= 2, "{lo}..{hi}: {ticks:?}");
            let step = ticks[1] - ticks[0];
            assert!(is_125(step), "{lo}..{hi}: step {step}");
            for pair in ticks.windows(2) {
                assert!(
                    ((pair[1] - pair[0]) - step).abs() <= step * 1e-6,
                    "{ticks:?}"
                );
            }
            let (first, last) = (ticks[0], ticks[ticks.len() - 1]);
            assert!(
                first >= lo - step * 1e-9 && first - lo < step,
                "{lo}..{hi}: {ticks:?}"
            );
            assert!(
                last <= hi + step * 1e-9 && hi - last < step,
                "{lo}..{hi}: {ticks:?}"
            );
            assert!(ticks.len() <= target * 3, "{lo}..{hi}: too many {ticks:?}");
        }
        assert_eq!(
            nice_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
    }

    #[test]
    fn nice_ticks_degenerate_inputs() {
        assert_eq!(nice_ticks(3.0, 3.0, 5), vec![3.0]);
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
        assert!(nice_ticks(0.0, f64::INFINITY, 5).is_empty());
        assert_eq!(nice_ticks(1.0, 0.0, 5), nice_ticks(0.0, 1.0, 5));
        let huge = nice_ticks(-f64::MAX, f64::MAX, 5);
        assert!(!huge.is_empty() && huge.iter().all(|t| t.is_finite()));
    }

    #[test]
    fn log_ticks_are_powers_of_ten() {
        assert_eq!(log_ticks(0.5, 2000.0), vec![1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(log_ticks(0.001, 0.1), vec![0.001, 0.01, 0.1]);
        assert!(log_ticks(0.0, 10.0).is_empty());
        assert!(log_ticks(-1.0, 10.0).is_empty());
        assert!(log_ticks(2.0, 8.0).is_empty());
        for t in log_ticks(1e-30, 1e30) {
            let e = t.log10();
            assert!((e - e.round()).abs() < 1e-9, "{t}");
        }
    }

    #[test]
    fn log_axis_ticks_fall_back_to_1_2_5_multiples() {
        assert_eq!(log_axis_ticks(0.16, 2.3, 5), vec![0.2, 0.5, 1.0, 2.0]);
        let wide = log_axis_ticks(1e-30, 1e30, 5);
        assert!(wide.len() <= 6 && wide.len() >= 3, "{wide:?}");
        assert!(
            wide.iter()
                .all(|t| (t.log10() - t.log10().round()).abs() < 1e-9)
        );
        let narrow = log_axis_ticks(0.5, 0.95, 5);
        assert!(
            narrow.len() >= 2 && narrow.iter().all(|&t| (0.5..=0.95).contains(&t)),
            "{narrow:?}"
        );
        assert_eq!(log_tick_label(0.2, false), "0.2");
        assert_eq!(log_tick_label(50000.0, false), "50000");
    }

    #[test]
    fn log_domain_fits_the_data() {
        let (lo, hi) = fit_log(3.0, 70.0, 0.0);
        assert!(
            (lo - 3.0).abs() < 1e-9 && (hi - 70.0).abs() < 1e-9,
            "{lo} {hi}"
        );
        let (lo, hi) = fit_log(10.0, 10.0, 0.05);
        assert!((lo - 10f64.powf(0.5)).abs() < 1e-9 && (hi - 10f64.powf(1.5)).abs() < 1e-9);
        assert_eq!(fit_log(f64::INFINITY, f64::NEG_INFINITY, 0.0), (1.0, 10.0));
        let (lo, hi) = fit_log(1e-320, f64::MAX, 0.5);
        assert!(lo > 0.0 && hi.is_finite());
    }

    #[test]
    fn reversed_axis_puts_the_largest_x_on_the_left() {
        let mut spec = spec_with(vec![(1.0, 0.5), (0.01, 0.9)]);
        spec.x_reversed = true;
        let layout = Layout::new(&spec, WIDTH, HEIGHT);
        let (big, _) = layout.position(1.0, 0.5).unwrap();
        let (small, _) = layout.position(0.01, 0.9).unwrap();
        assert!(big < small);
        assert!((big - layout.left).abs() < 1e-9);
        assert!((small - (layout.left + layout.plot_w)).abs() < 1e-9);
        spec.x_reversed = false;
        let layout = Layout::new(&spec, WIDTH, HEIGHT);
        assert!(layout.position(1.0, 0.5).unwrap().0 > layout.position(0.01, 0.9).unwrap().0);
    }

    #[test]
    fn log_axis_skips_non_positive_points() {
        let mut spec = spec_with(vec![(0.0, 1.0), (-1.0, 2.0), (10.0, 3.0), (100.0, 4.0)]);
        assert!(!spec.log_allowed_x());
        assert!(spec.log_allowed_y());
        spec.x_scale = Scale::Log;
        let layout = Layout::new(&spec, WIDTH, HEIGHT);
        assert!(layout.position(0.0, 1.0).is_none());
        assert!(layout.position(10.0, 3.0).is_some());
        let svg = render_svg(&spec, WIDTH, HEIGHT);
        assert_eq!(svg.matches("<circle").count(), 2);
    }

    #[test]
    fn nearest_returns_the_point_under_the_cursor() {
        let mut spec = spec_with(
            (0..10)
                .map(|i| (f64::from(i * 10), 0.5 + 0.04 * f64::from(i)))
                .collect(),
        );
        spec.series
            .push(Series::new("dense", vec![(30.0, 0.1), (50.0, 0.2)]).dashed());
        spec.percent_y = true;
        spec.y_range = Some((0.0, 1.0));
        let layout = Layout::new(&spec, WIDTH, HEIGHT);
        let (px, py) = layout.position(40.0, 0.66).unwrap();
        let hover = nearest(&spec, WIDTH, HEIGHT, px + 2.0, py - 3.0).unwrap();
        assert_eq!(hover.series, "ticket");
        assert_eq!((hover.x, hover.y), (40.0, 0.66));
        assert_eq!((hover.px, hover.py), (px, py));
        assert_eq!(hover.text, "ticket: step 40, 66.0%");
        assert_eq!(hover.color, series_color(0));
        let (px, py) = layout.position(50.0, 0.2).unwrap();
        let hover = nearest(&spec, WIDTH, HEIGHT, px, py + 5.0).unwrap();
        assert_eq!(hover.series, "dense");
        assert_eq!(hover.color, series_color(1));
        assert!(
            nearest(&spec, WIDTH, HEIGHT, 1.0, 1.0).is_none(),
            "outside the plot"
        );
        assert!(nearest(&spec_with(vec![]), WIDTH, HEIGHT, 300.0, 200.0).is_none());
    }

    #[test]
    fn nearest_favours_x() {
        let spec = spec_with(vec![(0.0, 0.0), (10.0, 1.0)]);
        let layout = Layout::new(&spec, WIDTH, HEIGHT);
        let (x0, _) = layout.position(0.0, 0.0).unwrap();
        let (x1, y1) = layout.position(10.0, 1.0).unwrap();
        // Level with the second point vertically, but much closer in x to the first.
        let cursor_x = x0 + (x1 - x0) * 0.2;
        let hover = nearest(&spec, WIDTH, HEIGHT, cursor_x, y1).unwrap();
        assert_eq!(hover.x, 0.0);
    }

    #[test]
    fn escape_xml_escapes_markup_and_drops_controls() {
        assert_eq!(
            escape_xml(r#"a<b>&"c"'d'"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
        assert_eq!(escape_xml("x\u{0}\u{1b}y\tz"), "xy\tz");
        let svg = render_svg(&spec_with(vec![(1.0, 1.0)]), WIDTH, HEIGHT);
        assert!(svg.contains("Test &lt;chart&gt;"));
        assert!(!svg.contains("<chart>"));
    }

    #[test]
    fn percent_formatting() {
        assert_eq!(format_value(0.931, true), "93.1%");
        assert_eq!(format_value(1.0, true), "100.0%");
        assert_eq!(format_value(0.0, true), "0.0%");
        assert_eq!(format_value(0.00051, true), "0.051%");
        assert_eq!(format_value(120.0, false), "120");
        assert_eq!(format_value(0.012345, false), "0.01235");
        assert_eq!(format_value(2.5e-7, false), "2.5e-7");
        assert_eq!(format_value(f64::NAN, false), "–");
        assert_eq!(linear_tick_label(0.2, 0.2, true), "20%");
        assert_eq!(linear_tick_label(0.05, 0.05, true), "5%");
        assert_eq!(linear_tick_label(0.005, 0.005, true), "0.5%");
        assert_eq!(linear_tick_label(0.6000000000000001, 0.2, false), "0.6");
        assert_eq!(linear_tick_label(2500.0, 500.0, false), "2500");
        assert_eq!(log_tick_label(0.01, true), "1%");
        assert_eq!(log_tick_label(0.001, false), "0.001");
        assert_eq!(log_tick_label(1e7, false), "1e7");
        assert_eq!(log_tick_label(1e-5, false), "1e-5");
        assert_eq!(short_percent(0.936), "94%");
    }

    #[test]
    fn percent_axis_labels_in_svg() {
        let mut spec = spec_with(vec![(0.0, 0.5), (10.0, 0.9)]);
        spec.percent_y = true;
        spec.y_range = Some((0.0, 1.0));
        let svg = render_svg(&spec, WIDTH, HEIGHT);
        assert!(
            svg.contains(">100%</text>") && svg.contains(">0%</text>"),
            "{svg}"
        );
    }

    #[test]
    fn hover_text_keeps_acronyms_and_handles_empty_labels() {
        assert_eq!(lower_first("Weights remaining"), "weights remaining");
        assert_eq!(lower_first("LR"), "LR");
        let mut spec = spec_with(vec![(5.0, 2.0)]);
        spec.x_label.clear();
        assert_eq!(hover_text(&spec, "", 5.0, 2.0), "5, 2");
    }

    fn assert_clean(svg: &str, what: &str) {
        assert!(!svg.contains("NaN"), "{what}: NaN in {svg}");
        assert!(!svg.contains("inf"), "{what}: inf in {svg}");
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{what}"
        );
        assert!(svg.ends_with("</svg>"), "{what}");
    }

    #[test]
    fn no_nan_for_awkward_inputs() {
        let cases: Vec<(&str, Vec<(f64, f64)>)> = vec![
            ("empty", vec![]),
            ("single point", vec![(3.0, 0.7)]),
            ("constant", vec![(0.0, 0.5), (1.0, 0.5), (2.0, 0.5)]),
            ("constant zero", vec![(0.0, 0.0), (0.0, 0.0)]),
            (
                "huge range",
                vec![(-f64::MAX, -f64::MAX), (f64::MAX, f64::MAX), (0.0, 1e-300)],
            ),
            ("tiny range", vec![(1.0, 1e16), (2.0, 1e16 + 2.0)]),
            (
                "non-finite",
                vec![
                    (f64::NAN, 1.0),
                    (1.0, f64::INFINITY),
                    (f64::NEG_INFINITY, 0.0),
                ],
            ),
            ("subnormal", vec![(5e-324, 5e-324), (1e-320, 1e-310)]),
        ];
        for (what, points) in cases {
            let mut spec = spec_with(points);
            spec.markers.push(VLine::new(1.0, "task 2"));
            spec.markers.push(VLine::new(f64::NAN, "bad"));
            for (xs, ys) in [
                (Scale::Linear, Scale::Linear),
                (Scale::Log, Scale::Log),
                (Scale::Linear, Scale::Log),
            ] {
                spec.x_scale = xs;
                spec.y_scale = ys;
                for reversed in [false, true] {
                    spec.x_reversed = reversed;
                    for size in [(WIDTH, HEIGHT), (50.0, 20.0), (0.0, f64::NAN)] {
                        let svg = render_svg(&spec, size.0, size.1);
                        assert_clean(&svg, what);
                        let _ = nearest(&spec, size.0, size.1, 200.0, 150.0);
                    }
                }
            }
        }
        let mut fixed = spec_with(vec![(1.0, 1e300)]);
        fixed.y_range = Some((f64::NAN, 1.0));
        assert_clean(&render_svg(&fixed, WIDTH, HEIGHT), "bad fixed range");
    }

    #[test]
    fn empty_chart_says_no_data_and_counts_points() {
        let svg = render_svg(&spec_with(vec![]), WIDTH, HEIGHT);
        assert!(svg.contains("No data yet"));
        assert!(svg.contains(r#"data-points="0""#));
        assert!(svg.contains("<line"), "axes and grid are drawn");
        let spec = spec_with(vec![(1.0, 2.0), (f64::NAN, 1.0), (2.0, 3.0)]);
        assert_eq!(spec.point_count(), 2);
        let svg = render_svg(&spec, WIDTH, HEIGHT);
        assert!(svg.contains(r#"data-points="2""#));
        assert!(!svg.contains("No data yet"));
    }

    #[test]
    fn series_get_palette_colours_dots_and_dashes() {
        let mut spec = spec_with((0..61).map(|i| (f64::from(i), f64::from(i))).collect());
        spec.series
            .push(Series::new("control", vec![(0.0, 1.0), (1.0, 2.0)]).dashed());
        let svg = render_svg(&spec, WIDTH, HEIGHT);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "only the short series gets dots"
        );
        assert!(svg.contains(&format!(r#"stroke="{}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round" stroke-dasharray"#, series_color(1))));
        assert!(svg.contains(">control</text>") && svg.contains(">ticket</text>"));
        assert_eq!(series_color(7), series_color(0));
    }

    #[test]
    fn markers_inside_the_domain_are_drawn() {
        let mut spec = spec_with(vec![(0.0, 1.0), (100.0, 2.0)]);
        spec.markers = vec![VLine::new(50.0, "task <2>"), VLine::new(500.0, "later")];
        let svg = render_svg(&spec, WIDTH, HEIGHT);
        assert!(svg.contains("task &lt;2&gt;"));
        assert!(!svg.contains("later"));
    }

    #[test]
    fn clip_id_is_sanitised() {
        let mut spec = spec_with(vec![(0.0, 1.0)]);
        spec.id = "a b\"c".into();
        let svg = render_svg(&spec, WIDTH, HEIGHT);
        assert!(svg.contains(r#"id="clip-a_b_c""#) && svg.contains("url(#clip-a_b_c)"));
    }

    fn heatmap() -> Heatmap {
        Heatmap {
            id: "acc".into(),
            title: "Accuracy & tasks".into(),
            x_label: "evaluated on".into(),
            y_label: "after training".into(),
            row_labels: vec!["task 1".into(), "task 2".into()],
            col_labels: vec!["task 1".into(), "task 2".into()],
            cells: vec![vec![Some(0.981), None], vec![Some(0.42), Some(f64::NAN)]],
        }
    }

    #[test]
    fn heatmap_renders_values_labels_and_empty_cells() {
        let h = heatmap();
        let (w, ht) = heatmap_size(&h);
        let svg = render_heatmap_svg(&h, w, ht);
        assert_clean(&svg, "heatmap");
        assert!(svg.contains(r#"data-points="2""#));
        assert!(svg.contains(">98%</text>") && svg.contains(">42%</text>"));
        assert!(svg.contains("task 1 · task 1: 98.1%"));
        assert_eq!(svg.matches(": no value</title>").count(), 2);
        assert!(svg.contains("Accuracy &amp; tasks"));
        assert!(svg.contains(&heat_color(0.981)));
    }

    #[test]
    fn heatmap_edge_cases_never_panic_or_nan() {
        let empty = Heatmap::default();
        let svg = render_heatmap_svg(&empty, WIDTH, HEIGHT);
        assert_clean(&svg, "empty heatmap");
        assert!(svg.contains("No data yet"));
        let ragged = Heatmap {
            cells: vec![vec![Some(2.0)], vec![Some(-1.0), Some(0.5), None]],
            ..heatmap()
        };
        assert_clean(&render_heatmap_svg(&ragged, 10.0, 10.0), "ragged");
        assert_clean(&render_heatmap_svg(&ragged, f64::NAN, 0.0), "bad size");
    }

    #[test]
    fn heat_colours_run_light_to_dark() {
        let lum = |c: String| {
            let v = u32::from_str_radix(&c[1..], 16).unwrap();
            (v >> 16) + ((v >> 8) & 255) + (v & 255)
        };
        let steps: Vec<u32> = (0..=10)
            .map(|i| lum(heat_color(f64::from(i) / 10.0)))
            .collect();
        assert!(steps.windows(2).all(|w| w[1] < w[0]), "{steps:?}");
        assert_eq!(heat_color(0.0), "#f7fcf0");
        assert_eq!(heat_color(1.0), "#084081");
        assert_eq!(heat_color(f64::NAN), heat_color(0.0));
        assert_eq!(heat_color(7.0), heat_color(1.0));
    }
}
