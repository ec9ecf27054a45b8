//! The charts of a panel: live curves while a run trains, the finished run's charts with
//! other runs overlaid from the history, and the continual-learning heatmap.

use super::*;

/// An accuracy chart over a count (training steps, or tasks): whole-number x ticks.
pub(super) fn accuracy_chart(id: &str, title: &str, x_label: &str) -> ChartSpec {
    ChartSpec {
        y_range: Some((0.0, 1.0)),
        percent_y: true,
        integer_x: true,
        ..ChartSpec::new(id, title, x_label, "test accuracy")
    }
}

pub(super) fn loss_chart() -> ChartSpec {
    ChartSpec {
        integer_x: true,
        ..ChartSpec::new(
            "loss",
            "Loss: training chunks and test set",
            "step",
            "mean cross-entropy",
        )
    }
}

pub(super) fn weights_chart() -> ChartSpec {
    ChartSpec {
        x_scale: Scale::Log,
        x_reversed: true,
        percent_x: true,
        integer_x: false,
        ..accuracy_chart(
            "accuracy-vs-weights",
            "Accuracy against weights remaining",
            "weights remaining",
        )
    }
}

/// The accuracy-against-noise chart; its x axis names the level when the kind is known
/// (a live run's points do not carry it).
pub(super) fn sigma_chart(kind: Option<NoiseKind>) -> ChartSpec {
    ChartSpec {
        integer_x: false,
        ..accuracy_chart(
            "accuracy-vs-sigma",
            "Accuracy against input noise",
            kind.map_or("noise level", NoiseKind::level_name),
        )
    }
}

pub(super) fn forgetting_chart(tasks: usize) -> ChartSpec {
    ChartSpec {
        markers: (1..tasks)
            .map(|i| VLine::new(i as f64 + 0.5, format!("task {}", i + 1)))
            .collect(),
        ..accuracy_chart(
            "forgetting",
            "Accuracy on each task as the sequence goes on",
            "after training task",
        )
    }
}

/// The charts of a run in progress, from its live points (in the order they came).
pub fn live_charts(tab: Tab, points: &[LivePoint]) -> Vec<ChartSpec> {
    let mut by_plot: BTreeMap<(u8, String), Vec<(f64, f64)>> = BTreeMap::new();
    let mut order: Vec<(u8, String)> = Vec::new();
    let mut tasks = 0usize;
    for p in points {
        let plot = p.plot as u8;
        let key = (plot, p.series.clone());
        if !by_plot.contains_key(&key) {
            order.push(key.clone());
        }
        by_plot.entry(key).or_default().push((p.x, p.y));
        if p.plot == LivePlot::TaskAccuracy {
            tasks = tasks.max(p.x as usize);
        }
    }
    let series_of = |plot: LivePlot, last: usize| -> Vec<Series> {
        let keys: Vec<&(u8, String)> = order.iter().filter(|k| k.0 == plot as u8).collect();
        let skip = keys.len().saturating_sub(last);
        keys.into_iter()
            .skip(skip)
            .map(|k| Series::new(k.1.clone(), by_plot[k].clone()))
            .collect()
    };
    // Learning curves of the models trained last (IMP trains one per round and control).
    let curves = match tab {
        Tab::Prune | Tab::Noise => 3,
        _ => 12,
    };
    let mut accuracy = accuracy_chart("accuracy", "Test accuracy while training", "step");
    accuracy.series = series_of(LivePlot::TestAccuracy, curves);
    let mut loss = loss_chart();
    let suffixed = |plot: LivePlot, suffix: &'static str| {
        series_of(plot, curves).into_iter().map(move |mut s| {
            s.name = format!("{} ({suffix})", s.name);
            s
        })
    };
    loss.series = suffixed(LivePlot::TrainLoss, "train")
        .chain(suffixed(LivePlot::TestLoss, "test"))
        .collect();
    let mut charts = Vec::new();
    match tab {
        Tab::Train | Tab::Plasticity => {}
        Tab::Prune => {
            let mut c = weights_chart();
            c.series = series_of(LivePlot::AccuracyVsRemaining, 8);
            charts.push(c);
            accuracy.id = "live-accuracy".into();
        }
        Tab::Noise => {
            let mut c = sigma_chart(None);
            c.series = series_of(LivePlot::AccuracyVsNoise, 40);
            charts.push(c);
            accuracy.id = "live-accuracy".into();
        }
        Tab::Continual => {
            let mut c = forgetting_chart(tasks);
            c.series = series_of(LivePlot::TaskAccuracy, 100);
            charts.push(c);
            accuracy.id = "live-accuracy".into();
        }
    }
    charts.push(accuracy);
    charts.push(loss);
    charts
}

/// The test-accuracy curve of a fit, and its training and test loss curves.
pub(super) fn fit_series(name: &str, fit: &FitResult) -> (Series, [Series; 2]) {
    let points = |v: &[(u64, f64)]| v.iter().map(|&(s, y)| (s as f64, y)).collect();
    (
        Series::new(name, points(&fit.curve)),
        [
            Series::new(format!("{name} (train)"), points(&fit.losses)),
            Series::new(format!("{name} (test)"), points(&fit.test_losses)),
        ],
    )
}

/// The charts of a finished run, with `overlays` (other runs of the same panel) drawn in
/// the same charts, named by their labels.
pub fn result_charts(run: &RunRecord, overlays: &[&RunRecord]) -> Vec<ChartSpec> {
    let Some(result) = &run.result else {
        return live_charts(run.tab, &run.live);
    };
    let mut charts = charts_of(result, None);
    for other in overlays {
        let Some(r) = &other.result else { continue };
        let prefix = run_name(other);
        for extra in charts_of(r, Some(&prefix)) {
            if let Some(chart) = charts.iter_mut().find(|c| c.id == extra.id) {
                chart
                    .series
                    .extend(extra.series.into_iter().map(Series::dashed));
            }
        }
    }
    charts
}

pub(super) fn charts_of(result: &ExperimentResult, prefix: Option<&str>) -> Vec<ChartSpec> {
    match result {
        ExperimentResult::Train(r) => {
            let (acc, loss) = fit_series(&named(prefix, "model"), &r.fit);
            let mut a = accuracy_chart("accuracy", "Test accuracy", "step");
            a.series.push(acc);
            let mut l = loss_chart();
            l.series.extend(loss);
            vec![a, l]
        }
        ExperimentResult::Imp(r) => {
            let mut names: Vec<String> = Vec::new();
            let mut points: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for round in &r.rounds {
                for s in &round.series {
                    if !names.contains(&s.series) {
                        names.push(s.series.clone());
                    }
                    points
                        .entry(s.series.clone())
                        .or_default()
                        .push((round.remaining, s.fit.final_accuracy));
                }
            }
            let mut c = weights_chart();
            c.series = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let s = Series::new(named(prefix, n), points[n].clone());
                    if i == 0 { s } else { s.dashed() }
                })
                .collect();
            let mut rounds =
                accuracy_chart("rounds", "Test accuracy while training, each round", "step");
            for round in &r.rounds {
                if let Some(ticket) = round.series.first() {
                    let (acc, _) = fit_series(
                        &named(
                            prefix,
                            &format!("{} ({})", round.round, pct(round.remaining)),
                        ),
                        &ticket.fit,
                    );
                    rounds.series.push(acc);
                }
            }
            vec![c, rounds]
        }
        ExperimentResult::Noise(r) => {
            let mut c = sigma_chart(Some(r.noise));
            for (name, summary) in [("dense", &r.dense), ("sparse", &r.sparse)] {
                let points = r.levels.iter().copied().zip(summary.mean.clone()).collect();
                c.series.push(Series::new(
                    named(prefix, &format!("{name} (mean)")),
                    points,
                ));
            }
            vec![c]
        }
        ExperimentResult::Continual(r) => {
            let mut c = forgetting_chart(r.tasks);
            for j in 0..r.tasks {
                let points = (j..r.tasks)
                    .filter_map(|i| cell(&r.accuracy, i, j).map(|a| ((i + 1) as f64, a)))
                    .collect();
                c.series.push(Series::new(
                    named(prefix, &format!("task {}", j + 1)),
                    points,
                ));
            }
            let mut seen = accuracy_chart(
                "seen-tasks",
                "Mean accuracy on the tasks seen so far",
                "after training task",
            );
            let points = r
                .accuracy
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let seen: Vec<f64> = row.iter().flatten().copied().collect();
                    (
                        (i + 1) as f64,
                        seen.iter().sum::<f64>() / seen.len().max(1) as f64,
                    )
                })
                .collect();
            seen.series
                .push(Series::new(prefix.unwrap_or("this run"), points));
            if prefix.is_some() {
                // Other runs' per-task curves would crowd the chart: compare the means.
                c.series.clear();
            }
            vec![c, seen]
        }
        ExperimentResult::Plasticity(r) => {
            let mut a = accuracy_chart("accuracy", "Test accuracy: BP against BP+Oja", "step");
            let mut l = loss_chart();
            let mut norms = ChartSpec {
                integer_x: true,
                ..ChartSpec::new(
                    "row-norms",
                    "Mean norm of each unit's incoming weights",
                    "step",
                    "row norm",
                )
            };
            for run in [&r.backprop, &r.oja] {
                let (acc, loss) = fit_series(&named(prefix, &run.label), &run.fit);
                a.series.push(acc);
                l.series.extend(loss);
                let layers = run.row_norms.first().map_or(0, |n| n.1.len());
                for layer in 0..layers {
                    let points = run
                        .row_norms
                        .iter()
                        .filter_map(|(s, n)| n.get(layer).map(|v| (*s as f64, *v)))
                        .collect();
                    let s = Series::new(
                        named(prefix, &format!("{} fc{}", run.label, layer + 1)),
                        points,
                    );
                    norms
                        .series
                        .push(if run.label == "BP" { s.dashed() } else { s });
                }
            }
            if norms.log_allowed_y() {
                norms.y_scale = Scale::Log;
            }
            vec![a, l, norms]
        }
    }
}

/// `R[i][j]`, if the matrix has it (an imported file may be ragged).
pub(super) fn cell(accuracy: &[Vec<Option<f64>>], i: usize, j: usize) -> Option<f64> {
    accuracy
        .get(i)
        .and_then(|row| row.get(j))
        .copied()
        .flatten()
}

/// The accuracy matrix of a continual run, as a heatmap.
pub fn continual_heatmap(run: &RunRecord) -> Option<Heatmap> {
    let Some(ExperimentResult::Continual(r)) = &run.result else {
        return None;
    };
    Some(Heatmap {
        id: "accuracy-matrix".into(),
        title: "Accuracy matrix R[i][j]".into(),
        x_label: "tested on task j".into(),
        y_label: "after training task i".into(),
        row_labels: (1..=r.tasks).map(|i| i.to_string()).collect(),
        col_labels: (1..=r.tasks).map(|j| j.to_string()).collect(),
        cells: r.accuracy.clone(),
    })
}

/// The names of the classes of a run's dataset: Fashion-MNIST's garments, else the label
/// numbers.
pub fn class_names(config: &ExperimentConfig, classes: usize) -> Vec<String> {
    const FASHION: [&str; 10] = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ];
    (0..classes)
        .map(|i| match config.data.dataset {
            DatasetChoice::FashionMnist if classes == FASHION.len() => FASHION[i].to_owned(),
            _ => i.to_string(),
        })
        .collect()
}

/// The confusion matrices of a run's final network, each row as fractions of its true
/// class, as heatmaps: a Train run's on its test samples; a Continual run's on each task's
/// test samples (the rows of the classes the task holds: in a split sequence, where an
/// earlier task's digits went shows what was forgotten). None for other runs, or runs
/// saved before the matrices were kept.
pub fn confusion_heatmaps(run: &RunRecord) -> Vec<Heatmap> {
    match &run.result {
        Some(ExperimentResult::Train(r)) => r
            .confusion
            .iter()
            .map(|confusion| {
                let names = class_names(&run.config, confusion.classes());
                Heatmap {
                    id: "confusion".into(),
                    title: "Confusion matrix (share of each true class)".into(),
                    x_label: "predicted class".into(),
                    y_label: "true class".into(),
                    row_labels: names.clone(),
                    col_labels: names,
                    cells: confusion.row_fractions(),
                }
            })
            .collect(),
        Some(ExperimentResult::Continual(r)) => r
            .confusion
            .iter()
            .flatten()
            .enumerate()
            .map(|(task, confusion)| {
                let names = class_names(&run.config, confusion.classes());
                let (row_labels, cells) = confusion
                    .row_fractions()
                    .into_iter()
                    .zip(&names)
                    .filter(|(row, _)| row.iter().any(Option::is_some))
                    .map(|(row, name)| (name.clone(), row))
                    .unzip();
                Heatmap {
                    id: format!("confusion-task-{}", task + 1),
                    title: format!(
                        "Task {}: confusion after the last task (share of each true class)",
                        task + 1
                    ),
                    x_label: "predicted class".into(),
                    y_label: "true class".into(),
                    row_labels,
                    col_labels: names,
                    cells,
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}
