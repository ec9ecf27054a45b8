//! Heatmaps: a grid of values in `[0, 1]` (accuracy on task j after task i), with row
//! and column labels and a colour legend, rendered to standalone SVG.

use std::fmt::Write as _;

use super::*;

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

    pub(super) fn rows(&self) -> usize {
        self.row_labels.len().max(self.cells.len())
    }

    pub(super) fn cols(&self) -> usize {
        let widest = self.cells.iter().map(Vec::len).max().unwrap_or(0);
        self.col_labels.len().max(widest)
    }

    pub(super) fn cell(&self, row: usize, col: usize) -> Option<f64> {
        self.cells
            .get(row)
            .and_then(|r| r.get(col))
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    }
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

/// A good size for a heatmap at the default chart width. See [`heatmap_size_for`].
pub fn heatmap_size(h: &Heatmap) -> (f64, f64) {
    heatmap_size_for(h, WIDTH)
}

/// A good size for a heatmap `width` pixels wide ([`MIN_WIDTH`] at least): that width,
/// and a height that gives each row about 28 pixels.
pub fn heatmap_size_for(h: &Heatmap, width: f64) -> (f64, f64) {
    let rows = h.rows().max(1) as f64;
    let width = if width.is_finite() {
        width.max(MIN_WIDTH)
    } else {
        WIDTH
    };
    (
        width,
        (HEAT_TOP + rows * 28.0 + HEAT_BOTTOM).clamp(160.0, 720.0),
    )
}

pub(super) const HEAT_TOP: f64 = 40.0;
pub(super) const HEAT_BOTTOM: f64 = 48.0;
pub(super) const HEAT_LEGEND_W: f64 = 64.0;

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
        r#"<text x="{}" y="{}" text-anchor="middle" font-size="{LABEL_PX}" fill="{INK}">{}</text><text transform="translate(16 {}) rotate(-90)" text-anchor="middle" font-size="{LABEL_PX}" fill="{INK}">{}</text></svg>"#,
        num(left + plot_w / 2.0),
        num(frame.height - 8.0),
        escape_xml(&h.x_label),
        num(HEAT_TOP + plot_h / 2.0),
        escape_xml(&h.y_label),
    );
    out
}

pub(super) fn label_at(labels: &[String], i: usize) -> &str {
    labels.get(i).map_or("", String::as_str)
}

pub(super) fn draw_cells(out: &mut String, h: &Heatmap, origin: (f64, f64), cell: (f64, f64)) {
    let (cw, ch) = cell;
    // Values are written in cells wide and tall enough for 12 px text ("100%").
    let show_text = cw >= 34.0 && ch >= 18.0;
    let font = TEXT_PX;
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
pub(super) fn short_percent(v: f64) -> String {
    format!("{:.0}%", (v * 100.0).clamp(-1e6, 1e6))
}

/// Cuts `s` to about `max_w` pixels, ending with "…" when cut.
pub(super) fn fit_text(s: &str, max_w: f64) -> String {
    let max_chars = (max_w / CHAR_W).floor().max(1.0) as usize;
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut cut: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

pub(super) fn draw_heat_labels(
    out: &mut String,
    h: &Heatmap,
    origin: (f64, f64),
    cell: (f64, f64),
) {
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
            num(bottom + 18.0),
            escape_xml(&fit_text(label_at(&h.col_labels, col), cw - 4.0)),
        );
    }
}

/// A vertical colour bar from 0% (bottom) to 100% (top).
pub(super) fn draw_heat_legend(out: &mut String, x: f64, top: f64, height: f64) {
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
