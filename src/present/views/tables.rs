//! The tables under a finished run: per-round, per-level and per-task numbers, with the
//! runs compared beside it.

use super::*;

/// The summary tables of a run; `compared` are other runs of the panel to line up with it
/// (the continual panel compares methods).
pub fn tables(run: &RunRecord, compared: &[&RunRecord]) -> Vec<Table> {
    let Some(result) = &run.result else {
        return Vec::new();
    };
    match result {
        ExperimentResult::Train(r) => {
            let mut tables = vec![Table {
                id: "summary".into(),
                title: "Result".into(),
                headers: vec![
                    "final test accuracy".into(),
                    "train accuracy".into(),
                    "best test accuracy".into(),
                    "at step".into(),
                    "final loss".into(),
                    "train / test samples".into(),
                ],
                rows: vec![vec![
                    pct(r.fit.final_accuracy),
                    r.train_accuracy.map_or("–".into(), pct),
                    pct(r.fit.best_accuracy),
                    r.fit.best_step.to_string(),
                    format!("{:.4}", r.fit.final_loss),
                    format!("{} / {}", r.train_samples, r.test_samples),
                ]],
            }];
            if let Some(confusion) = &r.confusion {
                let names = class_names(&run.config, confusion.classes());
                let accuracy = confusion.per_class_accuracy();
                let rows = confusion
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let n: u64 = row.iter().map(|&c| u64::from(c)).sum();
                        // The class this one was most often taken for.
                        let mistaken = row
                            .iter()
                            .enumerate()
                            .filter(|&(j, &c)| j != i && c > 0)
                            .max_by_key(|&(j, &c)| (c, std::cmp::Reverse(j)))
                            .map_or("–".into(), |(j, &c)| {
                                format!("{} ({c})", names.get(j).map_or("?", String::as_str))
                            });
                        vec![
                            names.get(i).cloned().unwrap_or_default(),
                            n.to_string(),
                            accuracy.get(i).copied().flatten().map_or("–".into(), pct),
                            mistaken,
                        ]
                    })
                    .collect();
                tables.push(Table {
                    id: "per-class".into(),
                    title: "Per-class test accuracy".into(),
                    headers: vec![
                        "class".into(),
                        "test samples".into(),
                        "accuracy".into(),
                        "most often taken for (samples)".into(),
                    ],
                    rows,
                });
            }
            tables
        }
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
