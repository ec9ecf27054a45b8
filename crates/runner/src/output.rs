//! Writing results: the whole result as JSON, and the numbers as a long-format CSV
//! (`series,x,metric,value`) that any spreadsheet or plotting tool reads.

use std::path::{Path, PathBuf};

use bioplay_engine::experiment::{ExperimentConfig, ExperimentResult};
use serde::Serialize;

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file could not be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
}

#[derive(Serialize)]
struct Saved<'a> {
    config: &'a ExperimentConfig,
    result: &'a ExperimentResult,
}

/// One row of the CSV.
pub type Row = (String, f64, String, f64);

/// The result's numbers as rows of `(series, x, metric, value)`.
pub fn rows(result: &ExperimentResult) -> Vec<Row> {
    let mut rows = Vec::new();
    match result {
        ExperimentResult::Imp(r) => {
            for round in &r.rounds {
                for s in &round.series {
                    let x = round.remaining;
                    rows.push((
                        s.series.clone(),
                        x,
                        "final_accuracy".into(),
                        s.fit.final_accuracy,
                    ));
                    rows.push((
                        s.series.clone(),
                        x,
                        "best_accuracy".into(),
                        s.fit.best_accuracy,
                    ));
                    rows.push((
                        s.series.clone(),
                        x,
                        "best_step".into(),
                        s.fit.best_step as f64,
                    ));
                    rows.push((s.series.clone(), x, "round".into(), round.round as f64));
                }
                for layer in &round.layers {
                    rows.push((
                        layer.name.clone(),
                        round.round as f64,
                        "remaining".into(),
                        layer.remaining(),
                    ));
                }
            }
        }
        ExperimentResult::Noise(r) => {
            for seed in &r.seeds {
                for (name, curve) in [("dense", &seed.dense), ("sparse", &seed.sparse)] {
                    let series = format!("{name} seed {}", seed.seed);
                    for (sigma, acc) in r.sigmas.iter().zip(&curve.accuracy) {
                        rows.push((series.clone(), *sigma, "accuracy".into(), *acc));
                    }
                    rows.push((series, f64::NAN, "auc".into(), curve.auc));
                }
            }
            for (name, s) in [("dense mean", &r.dense), ("sparse mean", &r.sparse)] {
                for (i, sigma) in r.sigmas.iter().enumerate() {
                    rows.push((name.into(), *sigma, "accuracy".into(), s.mean[i]));
                    rows.push((name.into(), *sigma, "sd".into(), s.sd[i]));
                }
            }
            rows.push((
                "sparse - dense".into(),
                f64::NAN,
                "p_value".into(),
                r.auc_test.p_value,
            ));
        }
        ExperimentResult::Continual(r) => {
            for (i, row) in r.accuracy.iter().enumerate() {
                for (j, cell) in row.iter().enumerate() {
                    if let Some(acc) = cell {
                        rows.push((
                            format!("task {}", j + 1),
                            (i + 1) as f64,
                            "accuracy".into(),
                            *acc,
                        ));
                    }
                }
            }
            rows.push((
                "all".into(),
                r.tasks as f64,
                "average_accuracy".into(),
                r.average_accuracy,
            ));
            rows.push((
                "all".into(),
                r.tasks as f64,
                "forgetting".into(),
                r.forgetting,
            ));
            rows.push((
                "all".into(),
                r.tasks as f64,
                "backward_transfer".into(),
                r.backward_transfer,
            ));
        }
        ExperimentResult::Plasticity(r) => {
            for run in [&r.backprop, &r.oja] {
                for (step, acc) in &run.fit.curve {
                    rows.push((
                        run.label.clone(),
                        *step as f64,
                        "test_accuracy".into(),
                        *acc,
                    ));
                }
                for (step, loss) in &run.fit.losses {
                    rows.push((run.label.clone(), *step as f64, "train_loss".into(), *loss));
                }
                for (step, norms) in &run.row_norms {
                    for (layer, n) in norms.iter().enumerate() {
                        rows.push((
                            run.label.clone(),
                            *step as f64,
                            format!("row_norm_fc{}", layer + 1),
                            *n,
                        ));
                    }
                }
            }
        }
    }
    rows
}

/// Writes `bytes` to `path`, naming the file if it fails.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    std::fs::write(path, bytes).map_err(|e| OutputError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Writes `<stem>.json` and `<stem>.csv` into `dir`; returns their paths.
pub fn save(
    dir: &Path,
    stem: &str,
    config: &ExperimentConfig,
    result: &ExperimentResult,
) -> Result<(PathBuf, PathBuf), OutputError> {
    std::fs::create_dir_all(dir).map_err(|e| OutputError::Write {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let json_path = dir.join(format!("{stem}.json"));
    let json = serde_json::to_string_pretty(&Saved { config, result }).map_err(|e| {
        OutputError::Write {
            path: json_path.display().to_string(),
            message: e.to_string(),
        }
    })?;
    write(&json_path, json.as_bytes())?;
    let csv_path = dir.join(format!("{stem}.csv"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut put = |r: [&str; 4]| writer.write_record(r).map_err(|e| e.to_string());
    let result_rows = rows(result);
    let mut outcome = put(["series", "x", "metric", "value"]);
    for (series, x, metric, value) in &result_rows {
        if outcome.is_err() {
            break;
        }
        let x = if x.is_nan() {
            String::new()
        } else {
            x.to_string()
        };
        outcome = put([series, &x, metric, &value.to_string()]);
    }
    let bytes = outcome
        .and_then(|()| writer.into_inner().map_err(|e| e.to_string()))
        .map_err(|message| OutputError::Write {
            path: csv_path.display().to_string(),
            message,
        })?;
    write(&csv_path, &bytes)?;
    Ok((json_path, csv_path))
}

/// Writes a grayscale image as PNG.
pub fn save_png(path: &Path, image: &bioplay_engine::prune::GrayImage) -> Result<(), OutputError> {
    let fail = |message: String| OutputError::Write {
        path: path.display().to_string(),
        message,
    };
    let mut bytes = Vec::new();
    {
        let (Ok(width), Ok(height)) = (u32::try_from(image.width), u32::try_from(image.height))
        else {
            return Err(fail("image too large".into()));
        };
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
        writer
            .write_image_data(&image.pixels)
            .map_err(|e| fail(e.to_string()))?;
    }
    write(path, &bytes)
}
