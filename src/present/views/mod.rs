//! What each panel shows, as data: the charts and tables of a run, of the live points of
//! a run in progress, of other runs overlaid from the history, and of runs compared side
//! by side. Plain Rust, tested natively; the components only draw what this returns.

use std::collections::BTreeMap;

use bioplay_engine::data::{Dataset, InputNoise, NoiseKind};
use bioplay_engine::experiment::DatasetChoice;
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

use crate::present::chart::{ChartSpec, Heatmap, Scale, Series, VLine};
use crate::present::history::RunRecord;
use crate::present::routes::Tab;

mod charts;
mod compare;
mod tables;
// The tests run the engine with pollster, a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
mod verdicts;

pub use charts::{class_names, confusion_heatmaps, continual_heatmap, live_charts, result_charts};
pub use compare::{CompareColumn, Comparison, compare, compare_name};
pub use tables::tables;
pub use verdicts::{headline, paper_lines};

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

/// A name for a run in legends: its method, or its label and short id.
fn run_name(run: &RunRecord) -> String {
    run.method.clone().unwrap_or_else(|| run.label.clone())
}

fn named(prefix: Option<&str>, name: &str) -> String {
    match prefix {
        Some(p) => format!("{p}: {name}"),
        None => name.to_owned(),
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
