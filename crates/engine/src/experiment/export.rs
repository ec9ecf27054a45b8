//! Results as rows of numbers: the long-format CSV (`series,x,metric,value`) that the app
//! and the runner export and any spreadsheet or plotting tool reads.

use super::ExperimentResult;

/// One row of the CSV: `(series, x, metric, value)`; `x` is NaN where it has no meaning.
pub type Row = (String, f64, String, f64);

/// The result's numbers as rows of `(series, x, metric, value)`.
pub fn rows(result: &ExperimentResult) -> Vec<Row> {
    let mut rows = Vec::new();
    match result {
        ExperimentResult::Train(r) => {
            for (step, acc) in &r.fit.curve {
                rows.push(("model".into(), *step as f64, "test_accuracy".into(), *acc));
            }
            for (step, loss) in &r.fit.losses {
                rows.push(("model".into(), *step as f64, "train_loss".into(), *loss));
            }
            for (step, loss) in &r.fit.test_losses {
                rows.push(("model".into(), *step as f64, "test_loss".into(), *loss));
            }
        }
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
                    for (level, acc) in r.levels.iter().zip(&curve.accuracy) {
                        rows.push((series.clone(), *level, "accuracy".into(), *acc));
                    }
                    rows.push((series, f64::NAN, "auc".into(), curve.auc));
                }
            }
            for (name, s) in [("dense mean", &r.dense), ("sparse mean", &r.sparse)] {
                for (i, level) in r.levels.iter().enumerate() {
                    // An imported result may be inconsistent: missing numbers are NaN.
                    let at = |v: &[f64]| v.get(i).copied().unwrap_or(f64::NAN);
                    rows.push((name.into(), *level, "accuracy".into(), at(&s.mean)));
                    rows.push((name.into(), *level, "sd".into(), at(&s.sd)));
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
                for (step, loss) in &run.fit.test_losses {
                    rows.push((run.label.clone(), *step as f64, "test_loss".into(), *loss));
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

/// A CSV file could not be formed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the CSV: {0}")]
pub struct CsvError(String);

/// The result's numbers as CSV text with a header row.
pub fn to_csv(result: &ExperimentResult) -> Result<String, CsvError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| CsvError(e.to_string());
    writer
        .write_record(["series", "x", "metric", "value"])
        .map_err(fail)?;
    for (series, x, metric, value) in rows(result) {
        let x = if x.is_nan() {
            String::new()
        } else {
            x.to_string()
        };
        writer
            .write_record([series.as_str(), &x, &metric, &value.to_string()])
            .map_err(fail)?;
    }
    let bytes = writer.into_inner().map_err(|e| CsvError(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| CsvError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::FitResult;
    use crate::experiment::training::TrainingResult;

    #[test]
    fn csv_has_a_header_and_one_row_per_number() {
        let fit = FitResult {
            final_accuracy: 0.5,
            best_accuracy: 0.5,
            best_step: 4,
            final_loss: 1.25,
            curve: vec![(2, 0.25), (4, 0.5)],
            losses: vec![(4, 1.25)],
            test_losses: vec![(4, 1.5)],
        };
        let result = ExperimentResult::Train(TrainingResult {
            fit,
            train_samples: 10,
            test_samples: 5,
            predictions: Vec::new(),
            confusion: None,
            train_accuracy: None,
        });
        let csv = to_csv(&result).expect("writes");
        assert_eq!(
            csv,
            "series,x,metric,value\n\
             model,2,test_accuracy,0.25\n\
             model,4,test_accuracy,0.5\n\
             model,4,train_loss,1.25\n\
             model,4,test_loss,1.5\n"
        );
    }
}
