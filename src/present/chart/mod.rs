//! Charts as plain data, rendered to standalone SVG.
//!
//! A [`ChartSpec`] describes a line chart (series, axis scales, markers); [`render_svg`]
//! turns it into an SVG document that carries all of its styling in presentation
//! attributes, so the same string shows in the page, downloads as a `.svg` and rasterises
//! to a PNG unchanged. [`nearest`] answers "which point is under the mouse" with the very
//! same layout code (the private `Layout`), so the tooltip always matches the drawing.
//! [`Heatmap`] and [`render_heatmap_svg`] do the same for a grid of values in `[0, 1]`.
//!
//! A chart is drawn at the size it is shown (the page passes its container's width, and
//! [`chart_height`] picks the height), so text is the size the constants below say on
//! screen: at least 12 px. Series are told apart by colour (Okabe-Ito, safe for the common
//! colour-vision deficiencies) and by line style ([`series_dash`]). The page shows its own
//! legend (buttons that hide and show series, [`Size::legend`] off); downloads draw the
//! legend into the SVG.
//!
//! Robustness rules: non-finite values are skipped, values `<= 0` are skipped on a log
//! axis, an empty chart shows its axes and "No data yet", and no input makes the output
//! contain `NaN` or `inf`. The module has no browser dependency and is tested natively.

mod axis;
mod heatmap;
mod line;
#[cfg(test)]
mod tests;
mod text;

use axis::*;
use line::*;
use text::*;

pub use axis::{integer_ticks, log_ticks, nice_ticks};
pub use heatmap::{Heatmap, heat_color, heatmap_size, heatmap_size_for, render_heatmap_svg};
pub use line::{LegendEntry, legend_entries, nearest, nearest_in, render, render_svg};
pub use text::{escape_xml, format_value};

/// Default width of a chart in pixels (downloads before the page has measured one).
pub const WIDTH: f64 = 640.0;
/// Default height of a chart in pixels.
pub const HEIGHT: f64 = 360.0;
/// Narrowest width a chart is drawn at; a narrower container scales it down.
pub const MIN_WIDTH: f64 = 280.0;

/// Size of tick labels, legend entries and other small text, in pixels.
const TEXT_PX: f64 = 12.0;
/// Size of axis labels.
const LABEL_PX: f64 = 13.0;
/// Size of the title.
const TITLE_PX: f64 = 15.0;

/// The size to draw a chart at, and whether its legend is part of the drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
    /// Draw the legend into the SVG (downloads); off where the page shows its own.
    pub legend: bool,
}

impl Size {
    /// A chart `width` pixels wide ([`MIN_WIDTH`] at least), [`chart_height`] high.
    pub fn for_width(width: f64, legend: bool) -> Self {
        let width = if width.is_finite() {
            width.max(MIN_WIDTH)
        } else {
            WIDTH
        };
        Size {
            width,
            height: chart_height(width),
            legend,
        }
    }
}

impl Default for Size {
    fn default() -> Self {
        Size {
            width: WIDTH,
            height: HEIGHT,
            legend: true,
        }
    }
}

/// The height that suits a chart `width` pixels wide: about 3 : 5, within 260..=400.
pub fn chart_height(width: f64) -> f64 {
    if width.is_finite() {
        (width * 0.6).clamp(260.0, 400.0)
    } else {
        HEIGHT
    }
}

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
/// Rough width of one character of 12 px text, for layout without a font engine.
const CHAR_W: f64 = 7.0;
/// Line styles, the second cue beside colour, in series order (SVG dash arrays; the first
/// is solid). A series marked [`Series::dashed`] (a control, a baseline) uses [`DASHED`].
const DASHES: [&str; 5] = ["", "2 3", "10 3 2 3", "1 4", "12 3 2 3 2 3"];
/// The dash of a series marked dashed.
const DASHED: &str = "7 4";
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
    /// Left out of the plot (the reader hid it); its legend entry stays, greyed.
    pub hidden: bool,
}

impl Series {
    /// A solid series.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            dashed: false,
            hidden: false,
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
    /// The x values count something (tasks, rounds): ticks only at whole numbers.
    pub integer_x: bool,
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

/// The colour of series number `index` (palette order, cycling).
pub fn series_color(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// The SVG dash array of series number `index` (empty: solid): [`DASHED`] for a series
/// marked dashed, else the line styles in order, so that two series never share both
/// colour and style within the first 35.
pub fn series_dash(index: usize, series: &Series) -> &'static str {
    if series.dashed {
        DASHED
    } else {
        DASHES[(index / PALETTE.len() + index) % DASHES.len()]
    }
}
