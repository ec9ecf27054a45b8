//! Run history: every run with its config, result and status, as it is kept in the
//! browser's storage, exported to a file and imported back.
//!
//! Storage and files are untrusted: [`History::from_json`] and [`import_run`] check what
//! they read and say what is wrong instead of failing silently or panicking. What is kept
//! is slimmed ([`slim`]): weight values and masks of pruned networks stay out (they are
//! megabytes); the first layer's images are kept as small PNGs instead.

use std::sync::Arc;

use bioplay_engine::experiment::shape::MAX_CURVE_POINTS;
use bioplay_engine::experiment::{ExperimentConfig, ExperimentResult, LivePoint};
use serde::{Deserialize, Serialize};

use crate::present::routes::Tab;

/// The format of stored and exported runs.
pub const FORMAT: u32 = 1;

/// The largest run file the app imports: 16 MB. The largest run the app makes (an IMP run
/// with images, or a Continual run of 100 tasks) is well under 1 MiB; the cap is checked
/// before the file is read, so a huge file is refused at once.
pub const MAX_RUN_FILE_BYTES: usize = 16_000_000;

/// The most images kept with one run (IMP keeps two).
const MAX_IMAGES: usize = 16;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RunStatus {
    /// Still running (when read back after a reload: the page closed during the run).
    Running,
    /// Finished with a result.
    Finished,
    /// Stopped by the user.
    Cancelled,
    /// Failed, with the reason.
    Failed {
        /// What went wrong.
        message: String,
    },
}

impl RunStatus {
    /// A short word for lists.
    pub fn label(&self) -> &str {
        match self {
            RunStatus::Running => "interrupted",
            RunStatus::Finished => "finished",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Failed { .. } => "failed",
        }
    }
}

/// An image kept with a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunImage {
    /// What it shows.
    pub title: String,
    /// A `data:image/png;base64,...` URL.
    pub data_url: String,
}

/// One run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unique within a history.
    pub id: String,
    /// The panel that ran it (stored as `train`, `prune`, ...).
    pub tab: Tab,
    /// A short description for lists and legends.
    pub label: String,
    /// The method it stands for in a comparison ("k-WTA"), if any.
    #[serde(default)]
    pub method: Option<String>,
    /// The id of the first run of the comparison it belongs to, if any.
    #[serde(default)]
    pub batch: Option<String>,
    /// When it started (ms since the Unix epoch).
    pub started_ms: f64,
    /// Seconds it ran.
    pub seconds: f64,
    /// The compute backend ("WebGPU" or "CPU").
    pub backend: String,
    /// How it ended.
    pub status: RunStatus,
    /// What ran (a config saved by an older version is upgraded as it loads, keeping its
    /// meaning).
    #[serde(deserialize_with = "upgraded_config")]
    pub config: ExperimentConfig,
    /// The result (slimmed), when it finished.
    #[serde(default)]
    pub result: Option<ExperimentResult>,
    /// The live points measured so far (kept for runs that did not finish).
    #[serde(default)]
    pub live: Vec<LivePoint>,
    /// Images (weights, masks).
    #[serde(default)]
    pub images: Vec<RunImage>,
}

/// Reads a saved run's config through the engine's upgrade of older config versions.
fn upgraded_config<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<ExperimentConfig, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
    ExperimentConfig::from_value_unchecked(value).map_err(serde::de::Error::custom)
}

/// Drops what is too large to keep: IMP's weight values and masks.
pub fn slim(result: ExperimentResult) -> ExperimentResult {
    match result {
        ExperimentResult::Imp(mut r) => {
            r.masks = Default::default();
            r.final_values = Vec::new();
            r.dense_values = Vec::new();
            ExperimentResult::Imp(r)
        }
        other => other,
    }
}

/// A history or run file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// Not JSON, or not a run.
    #[error("this is not a bioplay run file ({0})")]
    Syntax(String),
    /// From a newer version of the app.
    #[error("this file is format {found}; this version of the app reads format {FORMAT}")]
    Format {
        /// The file's format.
        found: u32,
    },
    /// The run's parts do not fit together.
    #[error("the run is inconsistent: {0}")]
    Invalid(String),
    /// Over [`MAX_RUN_FILE_BYTES`].
    #[error("the file is {} MB; run files of at most {} MB are accepted", mb(*.bytes), mb(*.limit))]
    TooLarge {
        /// The file's size in bytes.
        bytes: usize,
        /// The cap.
        limit: usize,
    },
}

/// Megabytes, to one decimal.
fn mb(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

/// Refuses a run file of `bytes` bytes before it is read, if it is over the cap.
pub fn check_run_file_size(bytes: usize) -> Result<(), HistoryError> {
    if bytes > MAX_RUN_FILE_BYTES {
        return Err(HistoryError::TooLarge {
            bytes,
            limit: MAX_RUN_FILE_BYTES,
        });
    }
    Ok(())
}

/// The runs kept, newest last. Each run is shared (`Arc`): what the page shows holds the
/// same record rather than a copy, and replacing one run leaves the others' pointers
/// unchanged, so a view can tell what changed without comparing whole results
/// ([`same_runs`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The format.
    pub format: u32,
    /// The runs.
    pub runs: Vec<Arc<RunRecord>>,
}

/// Whether two lists hold the very same runs (the same shared records, in order): what a
/// view compares to decide whether to redraw.
pub fn same_runs(a: &[Arc<RunRecord>], b: &[Arc<RunRecord>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| Arc::ptr_eq(x, y))
}

/// A run as exported to a file.
#[derive(Serialize, Deserialize)]
struct RunFile {
    format: u32,
    run: RunRecord,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        History {
            format: FORMAT,
            runs: Vec::new(),
        }
    }

    /// Reads a stored history, checking every run.
    pub fn from_json(text: &str) -> Result<Self, HistoryError> {
        let history: History =
            serde_json::from_str(text).map_err(|e| HistoryError::Syntax(e.to_string()))?;
        if history.format > FORMAT {
            return Err(HistoryError::Format {
                found: history.format,
            });
        }
        for run in &history.runs {
            check(run)?;
        }
        Ok(history)
    }

    /// The history as stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Adds or replaces (same id) a run (a record, or one already shared).
    pub fn put(&mut self, run: impl Into<Arc<RunRecord>>) {
        let run = run.into();
        match self.runs.iter_mut().find(|r| r.id == run.id) {
            Some(existing) => *existing = run,
            None => self.runs.push(run),
        }
    }

    /// Removes a run.
    pub fn remove(&mut self, id: &str) {
        self.runs.retain(|r| r.id != id);
    }

    /// A run by id.
    pub fn get(&self, id: &str) -> Option<&Arc<RunRecord>> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// The runs of one panel, newest first.
    pub fn of(&self, tab: Tab) -> Vec<&Arc<RunRecord>> {
        self.runs.iter().rev().filter(|r| r.tab == tab).collect()
    }

    /// An id not used yet, from a time stamp.
    pub fn fresh_id(&self, now_ms: f64) -> String {
        let mut n = now_ms.max(0.0) as u64;
        loop {
            let id = format!("run-{n}");
            if self.get(&id).is_none() {
                return id;
            }
            n += 1;
        }
    }
}

/// One run as it is kept in the browser's database (one record per run).
pub fn run_to_json(run: &RunRecord) -> String {
    serde_json::to_string(run).unwrap_or_default()
}

/// Reads one kept run, checking it like an imported file.
pub fn run_from_json(text: &str) -> Result<RunRecord, HistoryError> {
    let run: RunRecord =
        serde_json::from_str(text).map_err(|e| HistoryError::Syntax(e.to_string()))?;
    check(&run)?;
    Ok(run)
}

/// A run as a file's JSON.
pub fn export_run(run: &RunRecord) -> String {
    serde_json::to_string_pretty(&RunFile {
        format: FORMAT,
        run: run.clone(),
    })
    .unwrap_or_default()
}

/// Reads an exported run file.
pub fn import_run(text: &str) -> Result<RunRecord, HistoryError> {
    check_run_file_size(text.len())?;
    #[derive(Deserialize)]
    struct Header {
        format: Option<u32>,
    }
    let header: Header =
        serde_json::from_str(text).map_err(|e| HistoryError::Syntax(e.to_string()))?;
    match header.format {
        None => return Err(HistoryError::Syntax("it has no format number".into())),
        Some(found) if found > FORMAT => return Err(HistoryError::Format { found }),
        Some(_) => {}
    }
    let file: RunFile =
        serde_json::from_str(text).map_err(|e| HistoryError::Syntax(e.to_string()))?;
    check(&file.run)?;
    Ok(file.run)
}

/// The checks every run read from outside passes.
fn check(run: &RunRecord) -> Result<(), HistoryError> {
    let tab = run.tab;
    run.config
        .validate()
        .map_err(|e| HistoryError::Invalid(format!("its config: {e}")))?;
    let expected = Tab::of_experiment(&run.config.experiment);
    if expected != tab {
        return Err(HistoryError::Invalid(format!(
            "a {} experiment filed under {}",
            expected.label(),
            tab.label()
        )));
    }
    if let Some(result) = &run.result {
        result
            .check_fits(&run.config)
            .map_err(|e| HistoryError::Invalid(e.to_string()))?;
    }
    if run.live.len() > MAX_CURVE_POINTS {
        return Err(HistoryError::Invalid(format!(
            "it has {} live points; runs make at most {MAX_CURVE_POINTS}",
            run.live.len()
        )));
    }
    if run.images.len() > MAX_IMAGES {
        return Err(HistoryError::Invalid(format!(
            "it has {} images; runs keep at most {MAX_IMAGES}",
            run.images.len()
        )));
    }
    if run
        .images
        .iter()
        .any(|i| !i.data_url.starts_with("data:image/png;base64,"))
    {
        return Err(HistoryError::Invalid(
            "an image is not a PNG data URL".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::form;
    use bioplay_engine::experiment::ExperimentKind;

    fn record(tab: Tab, id: &str) -> RunRecord {
        let planned = form::build(tab, &form::defaults(tab)).expect("defaults build");
        RunRecord {
            id: id.into(),
            tab,
            label: "test".into(),
            method: None,
            batch: None,
            started_ms: 1.0,
            seconds: 2.0,
            backend: "CPU".into(),
            status: RunStatus::Cancelled,
            config: planned[0].config.clone(),
            result: None,
            live: Vec::new(),
            images: Vec::new(),
        }
    }

    #[test]
    fn runs_round_trip_through_storage_and_files() {
        let mut history = History::new();
        history.put(record(Tab::Train, "a"));
        history.put(record(Tab::Prune, "b"));
        let mut changed = record(Tab::Train, "a");
        changed.label = "renamed".into();
        history.put(changed);
        assert_eq!(history.runs.len(), 2);
        let back = History::from_json(&history.to_json()).expect("reads");
        assert_eq!(back, history);
        assert_eq!(back.of(Tab::Train)[0].label, "renamed");
        let kept = run_to_json(&history.runs[0]);
        assert_eq!(run_from_json(&kept), Ok((*history.runs[0]).clone()));
        assert!(run_from_json(&kept.replace(r#""tab":"train""#, r#""tab":"noise""#)).is_err());
        assert!(run_from_json(&kept[..kept.len() / 2]).is_err());
        let file = export_run(&history.runs[1]);
        assert_eq!(import_run(&file), Ok((*history.runs[1]).clone()));
        assert_eq!(history.fresh_id(5.0), "run-5");
    }

    #[test]
    fn replacing_a_run_keeps_the_others_shared() {
        let mut history = History::new();
        history.put(record(Tab::Train, "a"));
        history.put(record(Tab::Train, "b"));
        let before = history.runs.clone();
        assert!(same_runs(&before, &history.runs));
        let mut changed = record(Tab::Train, "b");
        changed.seconds = 3.0;
        history.put(changed);
        assert!(!same_runs(&before, &history.runs), "the changed run is new");
        assert!(
            Arc::ptr_eq(&before[0], &history.runs[0]),
            "the other is untouched"
        );
        assert!(!same_runs(&before[..1], &history.runs));
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        assert!(matches!(
            import_run("{not json"),
            Err(HistoryError::Syntax(_))
        ));
        assert!(matches!(import_run("[1, 2]"), Err(HistoryError::Syntax(_))));
        assert!(matches!(
            import_run(r#"{"format": 9, "run": {}}"#),
            Err(HistoryError::Format { found: 9 })
        ));
        let mut wrong_tab = record(Tab::Train, "x");
        wrong_tab.tab = Tab::Noise;
        let error = import_run(&export_run(&wrong_tab)).expect_err("inconsistent");
        assert!(error.to_string().contains("filed under Noise"), "{error}");
        let unknown =
            export_run(&record(Tab::Train, "u")).replace(r#""tab": "train""#, r#""tab": "paint""#);
        let error = import_run(&unknown).expect_err("unknown panel");
        assert!(
            error
                .to_string()
                .contains("unknown panel \u{201c}paint\u{201d}"),
            "{error}"
        );
        let mut bad_config = record(Tab::Train, "y");
        bad_config.config.train.batch_size = 0;
        let error = import_run(&export_run(&bad_config)).expect_err("invalid");
        assert!(error.to_string().contains("batch_size"), "{error}");
        // A truncated file is a syntax error, never a panic.
        let file = export_run(&record(Tab::Noise, "z"));
        for cut in (0..file.len()).step_by(97) {
            assert!(import_run(&file[..cut]).is_err(), "cut at {cut}");
        }
        assert!(History::from_json("garbage").is_err());
    }

    #[test]
    fn oversized_files_and_results_that_do_not_fit_their_config_are_refused() {
        use bioplay_engine::experiment::continual::ContinualResult;
        let error = check_run_file_size(36_000_000).expect_err("over the cap");
        assert_eq!(
            error.to_string(),
            "the file is 36.0 MB; run files of at most 16.0 MB are accepted"
        );
        assert!(check_run_file_size(MAX_RUN_FILE_BYTES).is_ok());
        let padded = format!(
            "{}{}",
            export_run(&record(Tab::Train, "p")),
            " ".repeat(MAX_RUN_FILE_BYTES)
        );
        assert!(matches!(
            import_run(&padded),
            Err(HistoryError::TooLarge { .. })
        ));

        // A well-formed result whose accuracy matrix is far larger than the config's tasks.
        let mut run = record(Tab::Continual, "c");
        let ExperimentKind::Continual(spec) = &run.config.experiment else {
            panic!("a continual config");
        };
        let tasks = spec.sequence.tasks();
        let result = |n: usize| {
            ExperimentResult::Continual(ContinualResult {
                tasks: n,
                accuracy: vec![vec![Some(0.5); n]; n],
                average_accuracy: 0.5,
                forgetting: 0.0,
                backward_transfer: 0.0,
                training: Vec::new(),
                confusion: None,
            })
        };
        run.result = Some(result(tasks));
        assert!(
            import_run(&export_run(&run)).is_ok(),
            "the right shape reads"
        );
        run.result = Some(result(300));
        let error = import_run(&export_run(&run)).expect_err("too many tasks");
        assert!(
            error
                .to_string()
                .contains(&format!("has 300 entries where the config gives {tasks}")),
            "{error}"
        );
        if let Some(ExperimentResult::Continual(r)) = &mut run.result {
            r.tasks = tasks;
            r.accuracy = vec![vec![Some(0.5); tasks]; tasks];
            r.accuracy[2].push(None);
        }
        let error = import_run(&export_run(&run)).expect_err("a ragged matrix");
        assert!(error.to_string().contains("row 3 has"), "{error}");

        // A result of another experiment, and too many live points.
        let mut train = record(Tab::Train, "t");
        train.result = run.result.clone();
        let error = import_run(&export_run(&train)).expect_err("other experiment");
        assert!(error.to_string().contains("another experiment"), "{error}");
        let mut live = record(Tab::Train, "l");
        live.live = vec![
            LivePoint {
                plot: bioplay_engine::experiment::LivePlot::TestAccuracy,
                series: "s".into(),
                x: 0.0,
                y: 0.0,
            };
            MAX_CURVE_POINTS + 1
        ];
        let error = import_run(&export_run(&live)).expect_err("too many points");
        assert!(error.to_string().contains("live points"), "{error}");
    }
}
