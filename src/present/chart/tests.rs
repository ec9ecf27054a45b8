//! Tests of the chart renderer: tick rules, formats, robustness against non-finite and
//! extreme inputs, and that hover and drawing agree.

use super::heatmap::short_percent;
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
fn integer_ticks_are_whole_numbers() {
    assert_eq!(integer_ticks(1.0, 5.0, 8), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(integer_ticks(0.8, 3.2, 6), vec![1.0, 2.0, 3.0]);
    // Wide ranges keep their 1-2-5 steps.
    assert_eq!(integer_ticks(0.0, 1000.0, 5), nice_ticks(0.0, 1000.0, 5));
    assert_eq!(integer_ticks(5.0, 1.0, 8), integer_ticks(1.0, 5.0, 8));
    assert_eq!(integer_ticks(3.0, 3.0, 5), vec![3.0]);
    assert!(integer_ticks(1.2, 1.8, 5).is_empty());
    assert!(integer_ticks(f64::NAN, 1.0, 5).is_empty());
}

#[test]
fn an_axis_of_counts_labels_only_whole_numbers() {
    // Five tasks: a plain axis puts ticks at 1, 1.5, 2, ...; an axis of counts does not.
    let points: Vec<(f64, f64)> = (1..=5).map(|t| (t as f64, 0.5)).collect();
    let x_labels = |spec: &ChartSpec| -> Vec<String> {
        let svg = render_svg(spec, WIDTH, HEIGHT);
        svg.split(r#"text-anchor="middle" fill=""#)
            .skip(1)
            .filter_map(|rest| Some(rest.split_once('>')?.1.split_once('<')?.0.to_owned()))
            .collect()
    };
    let plain = spec_with(points.clone());
    assert!(
        x_labels(&plain).iter().any(|l| l.contains('.')),
        "{:?}",
        x_labels(&plain)
    );
    let counts = ChartSpec {
        integer_x: true,
        ..spec_with(points)
    };
    assert_eq!(x_labels(&counts), ["1", "2", "3", "4", "5"]);
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
    let layout = Layout::new(&spec, &Size::default());
    let (big, _) = layout.position(1.0, 0.5).unwrap();
    let (small, _) = layout.position(0.01, 0.9).unwrap();
    assert!(big < small);
    assert!((big - layout.left).abs() < 1e-9);
    assert!((small - (layout.left + layout.plot_w)).abs() < 1e-9);
    spec.x_reversed = false;
    let layout = Layout::new(&spec, &Size::default());
    assert!(layout.position(1.0, 0.5).unwrap().0 > layout.position(0.01, 0.9).unwrap().0);
}

#[test]
fn log_axis_skips_non_positive_points() {
    let mut spec = spec_with(vec![(0.0, 1.0), (-1.0, 2.0), (10.0, 3.0), (100.0, 4.0)]);
    assert!(!spec.log_allowed_x());
    assert!(spec.log_allowed_y());
    spec.x_scale = Scale::Log;
    let layout = Layout::new(&spec, &Size::default());
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
    let layout = Layout::new(&spec, &Size::default());
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
    let layout = Layout::new(&spec, &Size::default());
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

/// Every `font-size` in `svg`, the root's included.
fn font_sizes(svg: &str) -> Vec<f64> {
    svg.split("font-size=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

#[test]
fn chart_text_is_at_least_12_px_at_every_width() {
    let mut spec = spec_with(vec![(0.0, 0.5), (1.0, 0.7), (2.0, 0.9)]);
    spec.markers.push(VLine::new(1.0, "task 2"));
    for width in [200.0, 350.0, 640.0, 1200.0] {
        let svg = render(&spec, &Size::for_width(width, true));
        let sizes = font_sizes(&svg);
        assert!(sizes.len() >= 3, "{sizes:?}");
        assert!(sizes.iter().all(|&s| s >= 12.0), "{width}: {sizes:?}");
        // Drawn at the size it is shown: the viewBox is the width and height themselves.
        let size = Size::for_width(width, true);
        assert!(svg.contains(&format!(
            r#"viewBox="0 0 {} {}""#,
            num(size.width),
            num(size.height)
        )));
    }
    let mut heat = Heatmap {
        id: "m".into(),
        title: "R".into(),
        x_label: "task j".into(),
        y_label: "task i".into(),
        row_labels: vec!["1".into(), "2".into()],
        col_labels: vec!["1".into(), "2".into()],
        cells: vec![vec![Some(0.9), None], vec![Some(0.5), Some(0.8)]],
    };
    for width in [300.0, 640.0] {
        let (w, h) = heatmap_size_for(&heat, width);
        let sizes = font_sizes(&render_heatmap_svg(&heat, w, h));
        assert!(sizes.iter().all(|&s| s >= 12.0), "{width}: {sizes:?}");
    }
    heat.cells.clear();
    assert!(
        font_sizes(&render_heatmap_svg(&heat, 300.0, 200.0))
            .iter()
            .all(|&s| s >= 12.0)
    );
}

#[test]
fn chart_sizes_follow_the_width_within_bounds() {
    let narrow = Size::for_width(100.0, false);
    assert_eq!(narrow.width, MIN_WIDTH);
    assert_eq!(narrow.height, 260.0);
    let wide = Size::for_width(2000.0, true);
    assert_eq!((wide.width, wide.height), (2000.0, 400.0));
    assert_eq!(Size::for_width(f64::NAN, true).width, WIDTH);
    assert_eq!(chart_height(500.0), 300.0);
}

#[test]
fn series_differ_in_colour_or_line_style_and_dashed_ones_stay_dashed() {
    let plain = Series::new("a", vec![]);
    let mut seen = std::collections::HashSet::new();
    for i in 0..35 {
        assert!(
            seen.insert((series_color(i), series_dash(i, &plain))),
            "{i}"
        );
    }
    assert_eq!(series_dash(0, &plain), "");
    assert_eq!(series_dash(0, &plain.clone().dashed()), DASHED);
}

#[test]
fn a_hidden_series_is_not_drawn_hovered_or_fitted_but_keeps_its_legend_entry() {
    let mut spec = spec_with(vec![(0.0, 0.5), (10.0, 0.6)]);
    spec.y_range = None;
    spec.series
        .push(Series::new("big", vec![(0.0, 100.0), (10.0, 200.0)]));
    let size = Size::default();
    let shown = render(&spec, &size);
    assert_eq!(shown.matches("<polyline").count(), 2);
    spec.series[1].hidden = true;
    let hidden = render(&spec, &size);
    assert_eq!(hidden.matches("<polyline").count(), 1);
    // The y axis now fits the shown series: no tick near 200.
    assert!(!hidden.contains(">200<"), "{hidden}");
    assert!(hidden.contains(r#"opacity="0.35""#));
    let legend = legend_entries(&spec);
    assert_eq!(legend.len(), 2);
    assert!(legend[1].hidden && !legend[0].hidden);
    // Hover never lands on the hidden series.
    for px in [100.0, 300.0, 500.0] {
        for py in [60.0, 200.0, 330.0] {
            if let Some(h) = nearest_in(&spec, &size, px, py) {
                assert_eq!(h.series, "ticket");
            }
        }
    }
    // Without the legend the plot starts higher.
    let top = |legend| Layout::new(&spec, &Size { legend, ..size }).top;
    assert!(top(false) < top(true));
    // All hidden: the axes still fit the data, and nothing is drawn.
    spec.series[0].hidden = true;
    let none = render(&spec, &size);
    assert!(none.contains("No data yet"));
}
