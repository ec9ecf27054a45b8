//! Tests of what the panels show: charts, tables, headlines and claim lines for
//! hand-built results.

use super::*;
use crate::present::history::RunStatus;
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
    let mut values = crate::present::form::defaults(tab);
    for (k, v) in changes {
        if values.contains_key(*k) {
            values.insert((*k).into(), (*v).into());
        }
    }
    let planned = crate::present::form::build(tab, &values).expect("builds");
    let config = planned[0].config.clone();
    let data = Dataset::synthetic(300, 28, 10, 5);
    let device = bioplay_engine::device::cpu();
    let mut host = Points(Vec::new());
    let result =
        pollster::block_on(experiment::run(&config, &data, &device, &mut host)).expect("runs");
    let record = RunRecord {
        id: "r".into(),
        tab,
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
            &crate::present::form::build(Tab::Prune, &crate::present::form::defaults(Tab::Prune))
                .expect("ok")[0]
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
        let (average_accuracy, forgetting, backward_transfer) = ContinualResult::metrics(&accuracy);
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
            confusion: None,
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

#[test]
fn a_train_run_shows_its_confusion_matrix_and_per_class_accuracy() {
    let (a, _) = run(Tab::Train, SMALL);
    let heatmaps = confusion_heatmaps(&a);
    assert_eq!(heatmaps.len(), 1, "a train run has one");
    let h = &heatmaps[0];
    assert_eq!((h.cells.len(), h.row_labels.len()), (10, 10));
    // Each row is a share of its true class: rows with samples sum to 1.
    for row in &h.cells {
        let sum: f64 = row.iter().flatten().sum();
        assert!(
            row.iter().all(Option::is_none) || (sum - 1.0).abs() < 1e-9,
            "{row:?}"
        );
    }
    let t = tables(&a, &[]);
    assert_eq!(t[0].headers[1], "train accuracy");
    assert!(t[0].rows[0][1].ends_with('%'), "{:?}", t[0].rows[0]);
    let per_class = t
        .iter()
        .find(|t| t.id == "per-class")
        .expect("per-class table");
    assert_eq!(per_class.rows.len(), 10);
    let samples: u64 = per_class
        .rows
        .iter()
        .map(|r| r[1].parse::<u64>().expect("a count"))
        .sum();
    let Some(ExperimentResult::Train(r)) = &a.result else {
        panic!("a train result")
    };
    assert_eq!(samples as usize, r.test_samples);
    // Fashion-MNIST's classes are named.
    let mut fashion = a.config.clone();
    fashion.data.dataset = DatasetChoice::FashionMnist;
    assert_eq!(class_names(&fashion, 10)[9], "Ankle boot");
    assert_eq!(class_names(&a.config, 3), ["0", "1", "2"]);
    // A run saved before the matrix was measured shows neither, and fails nothing.
    let mut old = a.clone();
    if let Some(ExperimentResult::Train(r)) = old.result.as_mut() {
        r.confusion = None;
        r.train_accuracy = None;
    }
    assert!(confusion_heatmaps(&old).is_empty());
    assert_eq!(tables(&old, &[])[0].rows[0][1], "–");
}

#[test]
fn compare_lays_runs_side_by_side_and_lists_what_differs() {
    let (mut a, _) = run(Tab::Train, SMALL);
    let (mut b, _) = run(
        Tab::Train,
        &[SMALL, &[("hidden", "24"), ("lr", "0.003")]].concat(),
    );
    a.id = "a".into();
    b.id = "b".into();
    b.backend = "WebGPU".into();
    let c = compare(Tab::Train, &[&a, &b]);
    assert_eq!(c.columns.len(), 2);
    assert_eq!(c.columns[0].name, "Run A");
    assert_eq!(c.columns[1].run, "b");
    for (i, col) in c.columns.iter().enumerate() {
        let chart = col.chart.as_ref().expect("the main chart");
        assert_eq!(
            chart.id,
            format!("compare-{i}-accuracy"),
            "ids unique on the page"
        );
        assert!(chart.point_count() > 0);
        let table = col.table.as_ref().map(|t| t.id.clone());
        assert_eq!(table, Some(format!("compare-{i}-summary")));
        assert!(col.headline.is_some());
    }
    assert_eq!(c.differences.headers, ["setting", "Run A", "Run B"]);
    let rows: Vec<&str> = c.differences.rows.iter().map(|r| r[0].as_str()).collect();
    let hidden = crate::present::form::fields(Tab::Train)
        .into_iter()
        .find(|f| f.key == "hidden")
        .expect("a hidden field")
        .label;
    assert_eq!(rows, [hidden, "Learning rate", "compute backend"]);
    let hidden_row = &c.differences.rows[0];
    assert_eq!(hidden_row[1..], ["16".to_owned(), "24".to_owned()]);
    assert_eq!(
        c.same + 2,
        crate::present::form::fields(Tab::Train).len(),
        "every other setting counted as the same"
    );
    // The full configs' differences name the paths.
    assert!(
        c.config_differences
            .rows
            .iter()
            .any(|r| r[0].contains("hidden") && r[1] == "16" && r[2] == "24"),
        "{:?}",
        c.config_differences.rows
    );
    assert!(
        !c.config_differences
            .rows
            .iter()
            .any(|r| r[0].contains("batch_size"))
    );

    // The same settings: nothing differs.
    let same = compare(Tab::Train, &[&a, &a]);
    assert!(same.differences.rows.is_empty());
    assert!(same.config_differences.rows.is_empty());
    assert_eq!(compare_name(25), "Run Z");
    assert_eq!(compare_name(26), "Run 27");
}

#[test]
fn compare_names_the_method_where_continual_runs_differ_in_it() {
    let (mut a, _) = run(Tab::Continual, SMALL);
    let mut b = a.clone();
    a.method = Some("dense".into());
    b.method = Some("k-WTA".into());
    let c = compare(Tab::Continual, &[&a, &b]);
    assert_eq!(c.differences.rows[0], ["method", "dense", "k-WTA"]);
    assert_eq!(
        c.columns[0].table.as_ref().map(|t| t.id.as_str()),
        Some("compare-0-methods")
    );
    assert_eq!(
        c.columns[1].chart.as_ref().map(|s| s.id.as_str()),
        Some("compare-1-forgetting")
    );
}

#[test]
fn a_continual_run_shows_each_tasks_confusion_after_the_last_task() {
    let (a, _) = run(Tab::Continual, SMALL);
    let Some(ExperimentResult::Continual(r)) = &a.result else {
        panic!("a continual result")
    };
    let matrices = r.confusion.as_ref().expect("kept");
    assert_eq!(matrices.len(), r.tasks);
    // The last row of the accuracy matrix is the matrices' diagonal shares.
    for (j, m) in matrices.iter().enumerate() {
        let share = m.correct() as f64 / m.total() as f64;
        assert_eq!(Some(share), r.accuracy[r.tasks - 1][j], "task {}", j + 1);
    }
    let heatmaps = confusion_heatmaps(&a);
    assert_eq!(heatmaps.len(), r.tasks);
    assert_eq!(heatmaps[1].id, "confusion-task-2");
    for h in &heatmaps {
        // Only the classes with test samples are rows; every class is a column.
        assert!(!h.cells.is_empty() && h.cells.len() <= 10);
        assert_eq!(h.row_labels.len(), h.cells.len());
        assert!(
            h.cells
                .iter()
                .all(|row| row.len() == 10 && row.iter().any(Option::is_some))
        );
    }
    // A run saved before the matrices were kept shows none.
    let mut old = a.clone();
    if let Some(ExperimentResult::Continual(r)) = old.result.as_mut() {
        r.confusion = None;
    }
    assert!(confusion_heatmaps(&old).is_empty());
}
