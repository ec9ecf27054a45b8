//! Line charts: the layout (plot frame, legend rows, axes) shared by [`render_svg`] and
//! [`nearest`], so the tooltip always matches the drawing.

use std::fmt::Write as _;

use super::*;

/// Renders a line chart as a standalone SVG document of the given size in pixels, legend
/// included.
pub fn render_svg(spec: &ChartSpec, width: f64, height: f64) -> String {
    render(
        spec,
        &Size {
            width,
            height,
            legend: true,
        },
    )
}

/// Renders a line chart as a standalone SVG document at `size`.
pub fn render(spec: &ChartSpec, size: &Size) -> String {
    let layout = Layout::new(spec, size);
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
        if !series.hidden {
            drawn += layout.draw_series(&mut out, series, series_color(i), series_dash(i, series));
        }
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
/// `width` x `height` with its legend. See [`nearest_in`].
pub fn nearest(spec: &ChartSpec, width: f64, height: f64, px: f64, py: f64) -> Option<Hover> {
    nearest_in(
        spec,
        &Size {
            width,
            height,
            legend: true,
        },
        px,
        py,
    )
}

/// The point nearest to the mouse at `(px, py)` SVG pixels of a chart rendered at `size`.
/// Horizontal distance counts four times as much as vertical, so the tooltip follows the
/// x position. `None` when the mouse is outside the plot area or no point is visible
/// (hidden series are not).
pub fn nearest_in(spec: &ChartSpec, size: &Size, px: f64, py: f64) -> Option<Hover> {
    let layout = Layout::new(spec, size);
    if !px.is_finite() || !py.is_finite() || !layout.near_plot(px, py, 8.0) {
        return None;
    }
    // Horizontal distance weighs 4x: the tooltip tracks x, then picks among the series.
    let distance = |(sx, sy): (f64, f64)| (sx - px).powi(2) + ((sy - py) / 4.0).powi(2);
    let (i, (x, y), (sx, sy)) = spec
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.hidden)
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

/// One entry of a chart's legend, for a legend drawn outside the SVG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendEntry {
    /// The series' index in [`ChartSpec::series`].
    pub index: usize,
    /// Its name.
    pub name: String,
    /// Its colour (`#rrggbb`).
    pub color: &'static str,
    /// Its SVG dash array (empty: solid).
    pub dash: &'static str,
    /// Whether it is hidden.
    pub hidden: bool,
}

/// The legend of `spec`: every named series, in order.
pub fn legend_entries(spec: &ChartSpec) -> Vec<LegendEntry> {
    spec.series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.name.is_empty())
        .map(|(index, s)| LegendEntry {
            index,
            name: s.name.clone(),
            color: series_color(index),
            dash: series_dash(index, s),
            hidden: s.hidden,
        })
        .collect()
}

pub(super) fn hover_text(spec: &ChartSpec, name: &str, x: f64, y: f64) -> String {
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

/// Width and height of a whole SVG document, in pixels.
pub(super) struct Frame {
    pub(super) width: f64,
    pub(super) height: f64,
}

/// Where everything of a line chart goes; shared by `render_svg` and `nearest`.
pub(super) struct Layout {
    pub(super) frame: Frame,
    pub(super) left: f64,
    pub(super) top: f64,
    pub(super) plot_w: f64,
    pub(super) plot_h: f64,
    pub(super) x: Axis,
    pub(super) y: Axis,
    pub(super) x_ticks: Vec<(f64, String)>,
    pub(super) y_ticks: Vec<(f64, String)>,
    /// Legend entries: series index and top-left position of its swatch.
    pub(super) legend: Vec<(usize, f64, f64)>,
}

pub(super) const TITLE_H: f64 = 32.0;
pub(super) const LEGEND_ROW_H: f64 = 18.0;
pub(super) const SWATCH_W: f64 = 24.0;

impl Layout {
    pub(super) fn new(spec: &ChartSpec, size: &Size) -> Self {
        let width = if size.width.is_finite() {
            size.width.max(1.0)
        } else {
            WIDTH
        };
        let height = if size.height.is_finite() {
            size.height.max(1.0)
        } else {
            HEIGHT
        };
        let (x, y) = axes(spec);
        let (legend, legend_rows) = if size.legend {
            legend_layout(spec, width)
        } else {
            (Vec::new(), 0)
        };
        let top = TITLE_H + legend_rows as f64 * LEGEND_ROW_H + 8.0;
        let bottom = 50.0;
        let right = 18.0;
        let y_ticks = y.ticks(((height - top - bottom) / 48.0).max(2.0) as usize);
        let widest = y_ticks
            .iter()
            .map(|(_, l)| text_width(l))
            .fold(0.0, f64::max);
        let left = (widest + 30.0).clamp(44.0, 140.0);
        let plot_w = (width - left - right).max(1.0);
        let plot_h = (height - top - bottom).max(1.0);
        let x_ticks = x.ticks((plot_w / 80.0).max(2.0) as usize);
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
    pub(super) fn position(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let fx = self.x.frac(x)?;
        let fy = self.y.frac(y)?;
        Some((
            self.left + fx * self.plot_w,
            self.top + (1.0 - fy) * self.plot_h,
        ))
    }

    pub(super) fn near_plot(&self, px: f64, py: f64, margin: f64) -> bool {
        px >= self.left - margin
            && px <= self.left + self.plot_w + margin
            && py >= self.top - margin
            && py <= self.top + self.plot_h + margin
    }

    pub(super) fn bottom(&self) -> f64 {
        self.top + self.plot_h
    }

    pub(super) fn draw_grid(&self, out: &mut String) {
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
                num(bottom + 18.0),
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

    pub(super) fn draw_markers(&self, out: &mut String, markers: &[VLine]) {
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
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{MUTED}" stroke-width="1" stroke-dasharray="4 3"/><text x="{}" y="{}" text-anchor="{anchor}" fill="{MUTED}">{}</text>"#,
                num(self.top),
                num(self.bottom()),
                num(tx),
                num(self.top + 12.0),
                escape_xml(&marker.label),
                x = num(x),
            );
        }
    }

    /// Draws one series; returns how many of its points are drawn.
    pub(super) fn draw_series(
        &self,
        out: &mut String,
        series: &Series,
        color: &str,
        dash: &str,
    ) -> usize {
        let pts: Vec<(f64, f64)> = series
            .points
            .iter()
            .filter_map(|&(x, y)| self.position(x, y))
            .collect();
        if pts.is_empty() {
            return 0;
        }
        let dash = dash_attribute(dash);
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

    pub(super) fn draw_legend(&self, out: &mut String, spec: &ChartSpec) {
        for &(i, x, y) in &self.legend {
            let series = &spec.series[i];
            let color = series_color(i);
            let dash = dash_attribute(series_dash(i, series));
            let mid = num(y + LEGEND_ROW_H / 2.0);
            let faded = if series.hidden {
                r#" opacity="0.35""#
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"<g{faded}><line x1="{}" y1="{mid}" x2="{}" y2="{mid}" stroke="{color}" stroke-width="2.5"{dash}/><text x="{}" y="{mid}" dy="0.32em" fill="{INK}">{}</text></g>"#,
                num(x),
                num(x + SWATCH_W),
                num(x + SWATCH_W + 5.0),
                escape_xml(&series.name),
            );
        }
    }

    pub(super) fn draw_axis_labels(&self, out: &mut String, spec: &ChartSpec) {
        let cx = num(self.left + self.plot_w / 2.0);
        let _ = write!(
            out,
            r#"<text x="{cx}" y="{}" text-anchor="middle" font-size="{LABEL_PX}" fill="{INK}">{}</text>"#,
            num(self.frame.height - 8.0),
            escape_xml(&spec.x_label),
        );
        let _ = write!(
            out,
            r#"<text transform="translate(16 {}) rotate(-90)" text-anchor="middle" font-size="{LABEL_PX}" fill="{INK}">{}</text>"#,
            num(self.top + self.plot_h / 2.0),
            escape_xml(&spec.y_label),
        );
    }
}

/// Places legend entries left to right under the title, wrapping into rows.
pub(super) fn legend_layout(spec: &ChartSpec, width: f64) -> (Vec<(usize, f64, f64)>, usize) {
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

pub(super) fn open_svg(out: &mut String, frame: &Frame, title: &str, points: usize) {
    let (w, h) = (num(frame.width), num(frame.height));
    let title = escape_xml(title);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="{TEXT_PX}" role="img" aria-label="{title}" data-points="{points}"><title>{title}</title><rect width="{w}" height="{h}" fill="{BG}"/>"#,
    );
}

pub(super) fn draw_title(out: &mut String, title: &str) {
    let _ = write!(
        out,
        r#"<text x="12" y="22" font-size="{TITLE_PX}" font-weight="600" fill="{INK}">{}</text>"#,
        escape_xml(title),
    );
}

/// ` stroke-dasharray="…"`, or nothing for a solid line.
fn dash_attribute(dash: &str) -> String {
    if dash.is_empty() {
        String::new()
    } else {
        format!(r#" stroke-dasharray="{dash}""#)
    }
}

pub(super) fn centred_text(out: &mut String, x: f64, y: f64, text: &str) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" dy="0.32em" font-size="13" fill="{MUTED}">{}</text>"#,
        num(x),
        num(y),
        escape_xml(text),
    );
}
