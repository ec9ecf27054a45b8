//! What each panel shows, as data: the charts and tables of a run, of the live points of
//! a run in progress, and of other runs overlaid from the history. Plain Rust, tested
//! natively; the components only draw what this returns.

use std::collections::BTreeMap;

use bioplay_engine::data::{Dataset, InputNoise, NoiseKind};
use bioplay_engine::experiment::claims;
use bioplay_engine::experiment::continual::{ContinualResult, Sequence};
use bioplay_engine::experiment::noise::NoiseSpec;
use bioplay_engine::experiment::presets::{CnnMethod, ContinualMethod};
use bioplay_engine::experiment::{
    ExperimentConfig, ExperimentKind, ExperimentResult, FitResult, LivePlot, LivePoint,
};
use bioplay_engine::model::ModelSpec;
use bioplay_engine::optim::OptimizerSpec;
use bioplay_engine::prune::GrayImage;

use crate::chart::{ChartSpec, Heatmap, Scale, Series, VLine};
use crate::history::RunRecord;
use crate::routes::Tab;

/// A table of text cells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Stable id for tests (`data-testid="table-{id}"`).
    pub id: String,
    /// Caption.
    pub title: String,
    /// Column headings.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// The id of the chart that gains points as a panel's run goes on (the e2e tests watch
/// it).
pub fn main_chart(tab: Tab) -> &'static str {
    match tab {
        Tab::Train | Tab::Plasticity => "accuracy",
        Tab::Prune => "accuracy-vs-weights",
        Tab::Noise => "accuracy-vs-sigma",
        Tab::Continual => "forgetting",
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", 100.0 * v)
    } else {
        "–".into()
    }
}

fn accuracy_chart(id: &str, title: &str, x_label: &str) -> ChartSpec {
    ChartSpec {
        y_range: Some((0.0, 1.0)),
        percent_y: true,
        ..ChartSpec::new(id, title, x_label, "test accuracy")
    }
}

fn loss_chart() -> ChartSpec {
    ChartSpec::new(
        "loss",
        "Loss: training chunks and test set",
        "step",
        "mean cross-entropy",
    )
}

fn weights_chart() -> ChartSpec {
    ChartSpec {
        x_scale: Scale::Log,
        x_reversed: true,
        percent_x: true,
        ..accuracy_chart(
            "accuracy-vs-weights",
            "Accuracy against weights remaining",
            "weights remaining",
        )
    }
}

/// The accuracy-against-noise chart; its x axis names the level when the kind is known
/// (a live run's points do not carry it).
fn sigma_chart(kind: Option<NoiseKind>) -> ChartSpec {
    accuracy_chart(
        "accuracy-vs-sigma",
        "Accuracy against input noise",
        kind.map_or("noise level", NoiseKind::level_name),
    )
}

fn forgetting_chart(tasks: usize) -> ChartSpec {
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

/// A name for a run in legends: its method, or its label and short id.
fn run_name(run: &RunRecord) -> String {
    run.method.clone().unwrap_or_else(|| run.label.clone())
}

/// The test-accuracy curve of a fit, and its training and test loss curves.
fn fit_series(name: &str, fit: &FitResult) -> (Series, [Series; 2]) {
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
        return run
            .panel()
            .map(|tab| live_charts(tab, &run.live))
            .unwrap_or_default();
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

fn named(prefix: Option<&str>, name: &str) -> String {
    match prefix {
        Some(p) => format!("{p}: {name}"),
        None => name.to_owned(),
    }
}

fn charts_of(result: &ExperimentResult, prefix: Option<&str>) -> Vec<ChartSpec> {
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
            let mut norms = ChartSpec::new(
                "row-norms",
                "Mean norm of each unit's incoming weights",
                "step",
                "row norm",
            );
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
fn cell(accuracy: &[Vec<Option<f64>>], i: usize, j: usize) -> Option<f64> {
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

/// The summary tables of a run; `compared` are other runs of the panel to line up with it
/// (the continual panel compares methods).
pub fn tables(run: &RunRecord, compared: &[&RunRecord]) -> Vec<Table> {
    let Some(result) = &run.result else {
        return Vec::new();
    };
    match result {
        ExperimentResult::Train(r) => vec![Table {
            id: "summary".into(),
            title: "Result".into(),
            headers: vec![
                "final accuracy".into(),
                "best accuracy".into(),
                "at step".into(),
                "final loss".into(),
                "train / test samples".into(),
            ],
            rows: vec![vec![
                pct(r.fit.final_accuracy),
                pct(r.fit.best_accuracy),
                r.fit.best_step.to_string(),
                format!("{:.4}", r.fit.final_loss),
                format!("{} / {}", r.train_samples, r.test_samples),
            ]],
        }],
        ExperimentResult::Imp(r) => {
            let mut headers = vec!["layer".to_owned()];
            headers.extend(
                r.rounds
                    .iter()
                    .map(|round| format!("round {}", round.round)),
            );
            let layers = r.rounds.first().map_or(0, |round| round.layers.len());
            let rows = (0..layers)
                .map(|l| {
                    let name = r.rounds[0].layers.get(l).map(|x| x.name.clone());
                    let mut row = vec![name.unwrap_or_default()];
                    row.extend(r.rounds.iter().map(|round| {
                        round
                            .layers
                            .get(l)
                            .map_or("–".into(), |x| pct(x.remaining()))
                    }));
                    row
                })
                .collect();
            let mut accuracy_headers = vec!["series".to_owned()];
            accuracy_headers.extend(r.rounds.iter().map(|round| pct(round.remaining)));
            let names: Vec<String> = r
                .rounds
                .first()
                .map(|round| round.series.iter().map(|s| s.series.clone()).collect())
                .unwrap_or_default();
            let accuracy_rows = names
                .iter()
                .map(|n| {
                    let mut row = vec![n.clone()];
                    row.extend(r.rounds.iter().map(|round| {
                        round
                            .series
                            .iter()
                            .find(|s| &s.series == n)
                            .map_or("–".into(), |s| pct(s.fit.final_accuracy))
                    }));
                    row
                })
                .collect();
            vec![
                Table {
                    id: "accuracy".into(),
                    title: "Final test accuracy by weights remaining".into(),
                    headers: accuracy_headers,
                    rows: accuracy_rows,
                },
                Table {
                    id: "layers".into(),
                    title: "Weights remaining per layer".into(),
                    headers,
                    rows,
                },
            ]
        }
        ExperimentResult::Noise(r) => vec![Table {
            id: "auc".into(),
            title: "Area under the accuracy-noise curve (mean over seeds)".into(),
            headers: vec![
                "dense".into(),
                "sparse".into(),
                "sparse – dense".into(),
                "p (paired t-test)".into(),
                "seeds".into(),
            ],
            rows: vec![vec![
                pct(r.dense.auc_mean),
                pct(r.sparse.auc_mean),
                format!("{:+.2} points", 100.0 * r.auc_test.mean_difference),
                if r.auc_test.p_value.is_finite() {
                    format!("{:.3}", r.auc_test.p_value)
                } else {
                    "–".into()
                },
                r.auc_test.n.to_string(),
            ]],
        }],
        ExperimentResult::Continual(_) => {
            let rows = std::iter::once(run)
                .chain(compared.iter().copied())
                .filter_map(|other| match &other.result {
                    Some(ExperimentResult::Continual(c)) => Some(vec![
                        run_name(other),
                        pct(c.average_accuracy),
                        pct(c.forgetting),
                        format!("{:+.1} points", 100.0 * c.backward_transfer),
                    ]),
                    _ => None,
                })
                .collect();
            vec![Table {
                id: "methods".into(),
                title: "After the last task".into(),
                headers: vec![
                    "method".into(),
                    "average accuracy".into(),
                    "forgetting".into(),
                    "backward transfer".into(),
                ],
                rows,
            }]
        }
        ExperimentResult::Plasticity(r) => vec![Table {
            id: "summary".into(),
            title: "Result".into(),
            headers: vec![
                "run".into(),
                "final accuracy".into(),
                "best accuracy".into(),
                "diverged".into(),
            ],
            rows: [&r.backprop, &r.oja]
                .iter()
                .map(|p| {
                    vec![
                        p.label.clone(),
                        pct(p.fit.final_accuracy),
                        pct(p.fit.best_accuracy),
                        p.diverged_at
                            .map_or("no".into(), |s| format!("at step {s}")),
                    ]
                })
                .collect(),
        }],
    }
}

/// A verdict or headline in words, if the run has one.
pub fn headline(run: &RunRecord) -> Option<String> {
    match run.result.as_ref()? {
        ExperimentResult::Noise(r) => Some(format!("Verdict: {}.", r.verdict)),
        ExperimentResult::Imp(r) => {
            let dense = r.rounds.first()?.series.first()?.fit.final_accuracy;
            let last = r.rounds.last()?;
            let ticket = last.series.first()?.fit.final_accuracy;
            Some(format!(
                "Dense: {}. After {} rounds, {} of the weights remain and the ticket reaches {}.",
                pct(dense),
                last.round,
                pct(last.remaining),
                pct(ticket)
            ))
        }
        ExperimentResult::Plasticity(r) => Some(format!(
            "BP reaches {}, BP+Oja {} (final test accuracy).",
            pct(r.backprop.fit.final_accuracy),
            pct(r.oja.fit.final_accuracy)
        )),
        ExperimentResult::Continual(r) => Some(format!(
            "Average accuracy over {} tasks after the last one: {}; forgetting {}.",
            r.tasks,
            pct(r.average_accuracy),
            pct(r.forgetting)
        )),
        ExperimentResult::Train(r) => Some(format!(
            "Final test accuracy {} after {} steps.",
            pct(r.fit.final_accuracy),
            r.fit.curve.last().map_or(0, |p| p.0)
        )),
    }
}

/// What the paper found and whether this run agrees, one line per claim, from the
/// engine's claim definitions (the same ones `bioplay reference` prints). A continual run
/// is judged together with the other methods of its comparison (`others` of its batch).
pub fn paper_lines(run: &RunRecord, others: &[&RunRecord]) -> Vec<String> {
    let Some(result) = run.result.as_ref() else {
        return Vec::new();
    };
    let found = match result {
        ExperimentResult::Imp(r) => claims::imp(r),
        ExperimentResult::Noise(r) => claims::noise(r),
        ExperimentResult::Plasticity(r) => vec![claims::oja(None, r)],
        ExperimentResult::Continual(_) => continual_claims(run, others),
        ExperimentResult::Train(_) => Vec::new(),
    };
    found.iter().map(claims::Claim::line).collect()
}

/// The continual-learning claims that apply to a run's setting, judged with the other
/// methods of its comparison: the permuted-MNIST claims (Iyer et al.) for MLPs on
/// permuted tasks, Bain's CNN claim for CNNs on split tasks (the panel's dense, k-WTA +
/// sparsity and dendrites runs standing for his CNN, sparse CNN and dendritic CNN), none
/// for the other combinations, which no paper measured.
fn continual_claims(run: &RunRecord, others: &[&RunRecord]) -> Vec<claims::Claim> {
    let ExperimentKind::Continual(spec) = &run.config.experiment else {
        return Vec::new();
    };
    let batch: Vec<(ContinualMethod, &ContinualResult)> = std::iter::once(run)
        .chain(
            others
                .iter()
                .copied()
                .filter(|o| run.batch.is_some() && o.batch == run.batch && o.id != run.id),
        )
        .filter_map(|r| {
            let method = ContinualMethod::from_label(r.method.as_deref()?)?;
            match r.result.as_ref()? {
                ExperimentResult::Continual(c) => Some((method, c)),
                _ => None,
            }
        })
        .collect();
    match (&run.config.model, spec.sequence) {
        (ModelSpec::Mlp(_), Sequence::Permuted { .. }) => claims::continual(&batch),
        (ModelSpec::Cnn(_), Sequence::Split) => {
            let cnn: Vec<(CnnMethod, &ContinualResult)> = batch
                .iter()
                .filter_map(|&(method, result)| {
                    let as_cnn = match method {
                        ContinualMethod::Dense => CnnMethod::Cnn,
                        ContinualMethod::KwtaSparse => CnnMethod::SparseCnn,
                        ContinualMethod::DendritesKwtaSparse => CnnMethod::DendriticCnn,
                        ContinualMethod::Kwta => return None,
                    };
                    Some((as_cnn, result))
                })
                .collect();
            claims::continual_cnn(&cnn).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// A short description of a config for run lists ("MLP 300-100, Adam, bs 60, 2 ep").
pub fn describe(config: &ExperimentConfig) -> String {
    let hidden: Vec<String> = config
        .model
        .hidden()
        .iter()
        .map(ToString::to_string)
        .collect();
    let model = match &config.model {
        ModelSpec::Mlp(_) => format!("MLP {}", hidden.join("-")),
        ModelSpec::Cnn(c) => format!("CNN {} conv, FC {}", c.convs.len(), hidden.join("-")),
    };
    let optimizer = match config.train.optimizer {
        OptimizerSpec::Adam { lr, .. } => format!("Adam {lr}"),
        OptimizerSpec::Sgd { lr, .. } => format!("SGD {lr}"),
    };
    let extra = match &config.experiment {
        ExperimentKind::Imp(s) => format!(", prune {}", s.prune.rate),
        ExperimentKind::Noise(s) => format!(", {} seeds", s.seeds),
        ExperimentKind::Plasticity(s) => format!(", eta {}", s.oja.eta),
        _ => String::new(),
    };
    format!(
        "{model}, {optimizer}, batch {}, {} ep{extra}",
        config.train.batch_size, config.train.epochs
    )
}

/// Test images with the noise of each level of `spec`: one row per image, one column per
/// level; `pixel_std` sets the impulse value as in the engine (the training split's std).
pub fn noise_preview(
    dataset: &Dataset,
    indices: &[usize],
    spec: &NoiseSpec,
    pixel_std: f32,
) -> Option<GrayImage> {
    let (rows, cols) = dataset.image_shape();
    let mut tiles = Vec::new();
    for &index in indices {
        for &level in &spec.levels {
            let mut x = dataset.scaled_image(index);
            InputNoise::new(spec.noise, level, spec.noise_seed, pixel_std).apply(index, &mut x);
            tiles.push(GrayImage {
                width: cols,
                height: rows,
                pixels: x.iter().map(|v| (v * 255.0).round() as u8).collect(),
            });
        }
    }
    GrayImage::grid(&tiles, spec.levels.len())
}

// The tests run the engine with pollster, a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::history::RunStatus;
    use bioplay_engine::data::Dataset;
    use bioplay_engine::experiment::presets;
    use bioplay_engine::experiment::{self, Flow, Host, Progress};

    /// Runs a panel's default form, scaled down, on synthetic data; records live points.
    struct Points(Vec<LivePoint>);
    impl Host for Points {
        fn report(&mut self, _: &Progress) -> Flow {
            Flow::Continue
        }
        async fn pause(&mut self) {}
        fn observe(&mut self, point: LivePoint) {
            self.0.push(point);
        }
    }

    fn run(tab: Tab, changes: &[(&str, &str)]) -> (RunRecord, Vec<LivePoint>) {
        let mut values = crate::form::defaults(tab);
        for (k, v) in changes {
            if values.contains_key(*k) {
                values.insert((*k).into(), (*v).into());
            }
        }
        let planned = crate::form::build(tab, &values).expect("builds");
        let config = planned[0].config.clone();
        let data = Dataset::synthetic(300, 28, 10, 5);
        let device = bioplay_engine::device::cpu();
        let mut host = Points(Vec::new());
        let result =
            pollster::block_on(experiment::run(&config, &data, &device, &mut host)).expect("runs");
        let record = RunRecord {
            id: "r".into(),
            tab: tab.id().into(),
            label: "run".into(),
            method: planned[0].method.clone(),
            batch: None,
            started_ms: 0.0,
            seconds: 0.0,
            backend: "CPU".into(),
            status: RunStatus::Finished,
            config,
            result: Some(result),
            live: Vec::new(),
            images: Vec::new(),
        };
        (record, host.0)
    }

    const SMALL: &[(&str, &str)] = &[
        ("train_samples", "200"),
        ("test_samples", "60"),
        ("hidden", "16"),
        ("width", "16"),
        ("epochs", "1"),
        ("rounds", "2"),
        ("seeds", "2"),
        ("sigma_steps", "2"),
        ("tasks", "2"),
    ];

    #[test]
    fn live_and_final_main_charts_agree() {
        for tab in Tab::ALL {
            let (record, live) = run(tab, SMALL);
            let id = main_chart(tab);
            let live_main = live_charts(tab, &live)
                .into_iter()
                .find(|c| c.id == id)
                .unwrap_or_else(|| panic!("{tab:?}: no live {id}"));
            let final_main = result_charts(&record, &[])
                .into_iter()
                .find(|c| c.id == id)
                .unwrap_or_else(|| panic!("{tab:?}: no final {id}"));
            assert!(live_main.point_count() > 0, "{tab:?}: live chart empty");
            assert!(final_main.point_count() > 0, "{tab:?}: final chart empty");
            if tab != Tab::Noise {
                // Noise's live chart has every seed; the final one the means.
                assert_eq!(live_main.point_count(), final_main.point_count(), "{tab:?}");
            }
            assert!(!tables(&record, &[]).is_empty(), "{tab:?}: no table");
            assert!(headline(&record).is_some());
        }
    }

    #[test]
    fn overlays_add_dashed_series_named_by_run() {
        let (a, _) = run(Tab::Prune, SMALL);
        let (mut b, _) = run(Tab::Prune, &[SMALL, &[("rate", "0.5")]].concat());
        b.label = "rate 0.5".into();
        let charts = result_charts(&a, &[&b]);
        let main = &charts[0];
        assert_eq!(main.series.len(), 4, "ticket + control, twice");
        assert!(main.series[2].name.starts_with("rate 0.5: "));
        assert!(main.series[2].dashed);
        // A run that did not finish shows its live points.
        let (mut c, live) = run(Tab::Train, SMALL);
        c.result = None;
        c.live = live;
        assert!(result_charts(&c, &[])[0].point_count() > 0);
    }

    #[test]
    fn noise_preview_gets_noisier_along_each_row() {
        let data = Dataset::synthetic(10, 8, 2, 1);
        let ExperimentKind::Noise(preset) = presets::noise_lenet(true).experiment else {
            unreachable!("the noise preset is a noise sweep")
        };
        let spec = NoiseSpec {
            noise: NoiseKind::Gaussian,
            levels: vec![0.0, 0.5],
            noise_seed: 3,
            ..preset
        };
        let image = noise_preview(&data, &[0, 1], &spec, 0.3).expect("image");
        // 2 columns and 2 rows of 8 x 8 tiles with 1-pixel gaps.
        assert_eq!((image.width, image.height), (19, 19));
        let tile = |col: usize, row: usize| -> Vec<u8> {
            (0..8)
                .flat_map(|r| {
                    let y = 1 + row * 9 + r;
                    let x = 1 + col * 9;
                    image.pixels[y * 19 + x..y * 19 + x + 8].to_vec()
                })
                .collect()
        };
        assert_eq!(tile(0, 0), data.image(0), "sigma 0 is the clean image");
        assert_ne!(tile(1, 0), data.image(0), "sigma 0.5 changes it");
        // Impulse noise at 0.5: half of each tile's 64 pixels set to 2 x 0.3 = 0.6 (153).
        let impulse = NoiseSpec {
            noise: NoiseKind::Impulse,
            ..spec
        };
        let image = noise_preview(&data, &[0, 1], &impulse, 0.3).expect("image");
        let hit: Vec<usize> = (0..8)
            .flat_map(|r| {
                let y = 1 + r;
                let x = 1 + 9;
                image.pixels[y * 19 + x..y * 19 + x + 8].to_vec()
            })
            .zip(data.image(0))
            .map(|(noisy, &clean)| usize::from(noisy == 153 && clean != 153))
            .collect();
        assert!(hit.iter().sum::<usize>() > 20, "{hit:?}");
        assert!(
            describe(
                &crate::form::build(Tab::Prune, &crate::form::defaults(Tab::Prune)).expect("ok")[0]
                    .config
            )
            .contains("MLP 300-100")
        );
    }

    #[test]
    fn inconsistent_imported_results_draw_without_panicking() {
        let (mut a, _) = run(Tab::Continual, SMALL);
        if let Some(ExperimentResult::Continual(r)) = &mut a.result {
            r.tasks = 7;
            r.accuracy.truncate(1);
            r.accuracy[0].clear();
        }
        assert!(!result_charts(&a, &[]).is_empty());
        let _ = (tables(&a, &[]), continual_heatmap(&a), headline(&a));
        let (mut b, _) = run(Tab::Prune, SMALL);
        if let Some(ExperimentResult::Imp(r)) = &mut b.result {
            r.rounds[1].layers.clear();
        }
        let t = tables(&b, &[]);
        assert!(t[1].rows[0].contains(&"–".to_owned()), "{t:?}");
        let (mut c, _) = run(Tab::Noise, SMALL);
        if let Some(ExperimentResult::Noise(r)) = &mut c.result {
            r.dense.mean.clear();
            r.sparse.sd.clear();
        }
        let _ = (result_charts(&c, &[]), tables(&c, &[]));
        let csv = bioplay_engine::experiment::export::to_csv(c.result.as_ref().expect("result"))
            .expect("writes");
        assert!(csv.starts_with("series,x,metric,value"));
    }

    #[test]
    fn continual_heatmap_and_method_table() {
        let (a, _) = run(Tab::Continual, SMALL);
        let h = continual_heatmap(&a).expect("continual");
        assert_eq!(h.cells.len(), 2);
        assert!(h.cells[0][1].is_none() && h.cells[1][0].is_some());
        let (mut b, _) = run(Tab::Continual, SMALL);
        b.method = Some("other".into());
        let t = tables(&a, &[&b]);
        assert_eq!(t[0].rows.len(), 2);
        assert_eq!(t[0].rows[1][0], "other");
    }

    #[test]
    fn continual_claims_follow_the_runs_setting() {
        let (base, _) = run(Tab::Continual, SMALL);
        let record = |id: &str, method: &str, old_task: f64| {
            let accuracy = vec![vec![Some(0.9), None], vec![Some(old_task), Some(0.9)]];
            let (average_accuracy, forgetting, backward_transfer) =
                ContinualResult::metrics(&accuracy);
            let mut r = base.clone();
            r.id = id.into();
            r.batch = Some("batch".into());
            r.method = Some(method.into());
            r.result = Some(ExperimentResult::Continual(ContinualResult {
                tasks: 2,
                accuracy,
                average_accuracy,
                forgetting,
                backward_transfer,
                training: Vec::new(),
            }));
            r
        };
        let mut runs = vec![
            record("a", "dense", 0.2),
            record("b", "k-WTA + sparsity", 0.7),
            record("c", "dendrites + k-WTA + sparsity", 0.8),
        ];
        let lines = |runs: &[RunRecord]| {
            let others: Vec<&RunRecord> = runs.iter().collect();
            paper_lines(&runs[0], &others)
        };

        // An MLP on permuted tasks: Iyer et al.'s claims, not Bain's CNN one.
        let mlp = lines(&runs);
        assert!(mlp.iter().any(|l| l.contains("permuted MNIST")), "{mlp:?}");
        assert!(!mlp.iter().any(|l| l.contains("CIFAR")), "{mlp:?}");

        // A CNN on split tasks: only Bain's CNN claim; 55% against 85% is not "equal".
        for r in &mut runs {
            r.config.model = ModelSpec::conv2(4);
            if let ExperimentKind::Continual(spec) = &mut r.config.experiment {
                spec.sequence = Sequence::Split;
            }
        }
        let cnn = lines(&runs);
        assert_eq!(cnn.len(), 1, "{cnn:?}");
        assert!(cnn[0].contains("split CIFAR-100"), "{cnn:?}");
        assert!(cnn[0].contains("does not agree"), "{cnn:?}");

        // A CNN on permuted tasks: no paper measured it, so no claim.
        for r in &mut runs {
            if let ExperimentKind::Continual(spec) = &mut r.config.experiment {
                spec.sequence = Sequence::Permuted { tasks: 2 };
            }
        }
        assert!(lines(&runs).is_empty());
    }
}
