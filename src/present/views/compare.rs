//! The compare view: two or more runs of a panel side by side (each one's headline, main
//! chart and summary table) and the settings in which they differ.

use serde_json::Value;

use super::*;
use crate::present::form::{self, Kind};

/// Runs laid side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// One column per run, in the order given.
    pub columns: Vec<CompareColumn>,
    /// The settings that differ: a row per setting (its label, then each run's value).
    pub differences: Table,
    /// How many of the panel's settings are the same in every run.
    pub same: usize,
    /// Every value of the runs' full configs that differs (dotted path, then each run's
    /// value), including what the form does not show.
    pub config_differences: Table,
}

/// One run's column.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareColumn {
    /// The run's id in the history.
    pub run: String,
    /// "Run A", "Run B", ...
    pub name: String,
    /// The run's label.
    pub label: String,
    /// Status, time, backend.
    pub meta: String,
    /// The result in a sentence, when it finished.
    pub headline: Option<String>,
    /// The panel's main chart of this run (its id made unique on the page).
    pub chart: Option<ChartSpec>,
    /// The run's first table (its summary; its id made unique on the page).
    pub table: Option<Table>,
}

/// The name of the `i`-th compared run: "Run A" to "Run Z", then "Run 27", ...
pub fn compare_name(i: usize) -> String {
    match u8::try_from(i).ok().filter(|&i| i < 26) {
        Some(i) => format!("Run {}", char::from(b'A' + i)),
        None => format!("Run {}", i + 1),
    }
}

/// Lays `runs` (of panel `tab`) side by side.
pub fn compare(tab: Tab, runs: &[&RunRecord]) -> Comparison {
    let names: Vec<String> = (0..runs.len()).map(compare_name).collect();
    let columns = runs
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(i, (run, name))| column(tab, run, name, i))
        .collect();
    let mut headers = vec!["setting".to_owned()];
    headers.extend(names.iter().cloned());
    let mut rows = Vec::new();
    let methods: Vec<String> = runs
        .iter()
        .map(|r| r.method.clone().unwrap_or_else(|| "–".into()))
        .collect();
    if differ(&methods) {
        rows.push(row("method", methods));
    }
    let values: Vec<form::Values> = runs
        .iter()
        .map(|r| form::values_from_config(tab, &r.config))
        .collect();
    let mut same = 0;
    for field in form::fields(tab) {
        let shown: Vec<String> = values
            .iter()
            .map(|v| show_value(&field.kind, v.get(field.key).map_or("", String::as_str)))
            .collect();
        if differ(&shown) {
            rows.push(row(field.label, shown));
        } else {
            same += 1;
        }
    }
    let backends: Vec<String> = runs.iter().map(|r| r.backend.clone()).collect();
    if differ(&backends) {
        rows.push(row("compute backend", backends));
    }
    Comparison {
        columns,
        differences: Table {
            id: "compare-settings".into(),
            title: "Settings that differ".into(),
            headers: headers.clone(),
            rows,
        },
        same,
        config_differences: Table {
            id: "compare-config".into(),
            title: "Every config value that differs".into(),
            headers: {
                let mut h = headers;
                h[0] = "config value".into();
                h
            },
            rows: config_differences(runs),
        },
    }
}

fn column(tab: Tab, run: &RunRecord, name: &str, index: usize) -> CompareColumn {
    let main = main_chart(tab);
    let chart = result_charts(run, &[])
        .into_iter()
        .find(|c| c.id == main)
        .map(|c| ChartSpec {
            id: format!("compare-{index}-{}", c.id),
            ..c
        });
    CompareColumn {
        run: run.id.clone(),
        name: name.to_owned(),
        label: run.label.clone(),
        meta: format!(
            "{} · {:.1} s · {}",
            run.status.label(),
            run.seconds,
            run.backend
        ),
        headline: headline(run),
        chart,
        table: tables(run, &[]).into_iter().next().map(|t| Table {
            id: format!("compare-{index}-{}", t.id),
            ..t
        }),
    }
}

fn row(label: &str, values: Vec<String>) -> Vec<String> {
    std::iter::once(label.to_owned()).chain(values).collect()
}

fn differ(values: &[String]) -> bool {
    values.windows(2).any(|w| w[0] != w[1])
}

/// A form value as the form shows it: a choice's label, a flag as on or off.
fn show_value(kind: &Kind, raw: &str) -> String {
    match kind {
        Kind::Choice(options) => options
            .iter()
            .find(|(value, _)| *value == raw)
            .map_or(raw, |(_, label)| *label)
            .to_owned(),
        Kind::Flag => if raw == "true" { "on" } else { "off" }.to_owned(),
        _ if raw.trim().is_empty() => "–".to_owned(),
        _ => raw.to_owned(),
    }
}

/// The rows of every leaf of the runs' configs (as JSON) whose values differ.
fn config_differences(runs: &[&RunRecord]) -> Vec<Vec<String>> {
    let flat: Vec<BTreeMap<String, String>> = runs
        .iter()
        .map(|r| {
            let mut out = BTreeMap::new();
            if let Ok(value) = serde_json::to_value(&r.config) {
                flatten(&value, String::new(), &mut out);
            }
            out
        })
        .collect();
    let paths: std::collections::BTreeSet<&String> = flat.iter().flat_map(|f| f.keys()).collect();
    paths
        .into_iter()
        .filter_map(|path| {
            let values: Vec<String> = flat
                .iter()
                .map(|f| f.get(path).cloned().unwrap_or_else(|| "–".into()))
                .collect();
            differ(&values).then(|| row(path, values))
        })
        .collect()
}

/// Every leaf of `value` under its dotted path (list items by index).
fn flatten(value: &Value, path: String, out: &mut BTreeMap<String, String>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                flatten(v, join(key), out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(v, join(&i.to_string()), out);
            }
        }
        Value::String(s) => {
            out.insert(path, s.clone());
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}
