//! The messages between the page and the engine's Web Worker.
//!
//! The page keeps the UI, the history and the charts; a dedicated worker starts the
//! compute backend, checks it and runs every experiment, so training never takes the
//! page's thread. They talk through [`Command`]s (page to worker) and [`Event`]s (worker
//! to page), each a JSON string in the `message` of a plain object (`shell::envelope`);
//! the bytes of a user's own dataset travel beside it as typed arrays, not as JSON. Plain data, so the
//! protocol is tested natively (`cargo test`); `shell::engine` (page) and `shell::worker`
//! (worker) move it.

use bioplay_engine::bench::{BenchResult, Workload};
use bioplay_engine::data::Shipped;
use bioplay_engine::device::{BackendKind, DeviceLost};
use bioplay_engine::experiment::noise::NoiseSpec;
use bioplay_engine::experiment::{ExperimentConfig, ExperimentResult, LivePoint, Progress};
use bioplay_engine::probe::ProbeReport;
use serde::{Deserialize, Serialize};

use crate::present::backend::{AdapterInfo, Fallback, OneThread, Threads};
use crate::present::history::RunImage;
use crate::present::prefs::BackendPreference;

/// The page's requests to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Start the backend `preference` asks for (again, when the user switches), check it
    /// and answer with [`Event::Started`].
    Start {
        /// WebGPU, the CPU, or WebGPU when it starts.
        preference: BackendPreference,
    },
    /// The user's own IDX files (the bytes ride in the envelope), for runs on
    /// [`DataSource::Custom`].
    SetCustomData,
    /// Fetch a shipped dataset now, so a run on it starts at once.
    Preload {
        /// Which.
        data: Shipped,
    },
    /// Run one experiment on the started backend; answered by events for `run`.
    Run {
        /// The page's number for this run (events carry it back).
        run: u64,
        /// What to run.
        config: Box<ExperimentConfig>,
        /// Its data.
        data: DataSource,
    },
    /// Test a saved network (the file's bytes ride in the envelope as `model`) on its
    /// dataset's test split, clean and at each level of `noise`; answered by
    /// [`Event::ModelTested`].
    TestModel {
        /// The page's number for this request.
        request: u64,
        /// The noise levels to test at (the Noise panel's), if any.
        noise: Option<NoiseSpec>,
    },
    /// Hold the run at its next chunk.
    Pause,
    /// Go on after a pause.
    Resume,
    /// Stop the run at its next chunk.
    Cancel,
    /// Time one benchmark workload on the started backend (`make bench`); answered by
    /// [`Event::Bench`].
    Bench {
        /// Which.
        workload: Workload,
        /// Timed steps.
        steps: usize,
    },
}

/// Where a run's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// A dataset shipped with the app, which the worker fetches itself.
    Shipped(Shipped),
    /// The files of the last [`Command::SetCustomData`].
    Custom,
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The worker's module is loaded and listening.
    Ready,
    /// The backend a [`Command::Start`] asked for started (or fell back).
    Started(EngineStatus),
    /// How far a run has got (at most about ten a second).
    Progress {
        /// The run.
        run: u64,
        /// Its progress.
        progress: Progress,
    },
    /// New measurements of a run, for its live charts.
    Live {
        /// The run.
        run: u64,
        /// The points, oldest first.
        points: Vec<LivePoint>,
    },
    /// A run finished.
    Finished {
        /// The run.
        run: u64,
        /// Its result, slimmed as the history keeps it (`present::history::slim`).
        result: ExperimentResult,
        /// Images kept with it (first-layer weights and masks of a pruned MLP).
        images: Vec<RunImage>,
    },
    /// The trained network of a Train run, sent before its [`Event::Finished`]; the file's
    /// bytes (`experiment::model_file`) ride in the envelope as `model`.
    Model {
        /// The run.
        run: u64,
    },
    /// What a [`Command::TestModel`] measured, or why the file was refused.
    ModelTested {
        /// The request.
        request: u64,
        /// The measurement.
        outcome: Result<ModelTest, String>,
    },
    /// A run stopped before the end.
    Stopped {
        /// The run.
        run: u64,
        /// Why.
        reason: StopReason,
    },
    /// What a [`Command::Bench`] measured, or why it could not.
    Bench {
        /// The measurement.
        result: Result<BenchResult, String>,
        /// The engine's linear memory afterwards (bytes; its high-water mark).
        wasm_memory_bytes: f64,
    },
    /// The started WebGPU device was lost (told once, as it happens). A run in progress
    /// stops with [`StopReason::Failed`] naming the loss; the worker can still start the
    /// CPU, and the page starts a new worker for WebGPU.
    DeviceLost {
        /// How, in the browser's words.
        lost: DeviceLost,
    },
    /// A bug stopped the worker (a panic): its message. The page fails the run in progress
    /// and starts a new worker for the next one.
    Crashed {
        /// What went wrong.
        message: String,
    },
}

/// A saved network tested again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelTest {
    /// What it is ("MLP 300-100, Adam 0.001, batch 64, 2 ep").
    pub model: String,
    /// The dataset it was tested on.
    pub dataset: String,
    /// Test accuracy, clean.
    pub accuracy: f64,
    /// Correct and all test samples.
    pub correct: usize,
    /// See `correct`.
    pub total: usize,
    /// The accuracy recorded in the file when it was saved.
    pub saved_accuracy: Option<f64>,
    /// The noise's name ("Gaussian sigma"), if levels were tested.
    pub noise: Option<String>,
    /// Accuracy at each noise level: `(level, accuracy)`.
    pub levels: Vec<(f64, f64)>,
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", content = "message", rename_all = "snake_case")]
pub enum StopReason {
    /// The user cancelled it.
    Cancelled,
    /// It failed, with the reason in words.
    Failed(String),
}

/// The autodiff probe's result on a device, checked against the closed form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeCheck {
    /// What the device computed.
    pub report: ProbeReport,
    /// Largest difference from the exact answer.
    pub max_error: f64,
}

/// The backend the worker runs on, as the status line shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineStatus {
    /// Which backend.
    pub kind: BackendKind,
    /// The WebGPU adapter, when on WebGPU.
    pub adapter: Option<AdapterInfo>,
    /// Why this is not WebGPU, if it is not.
    pub fallback: Option<Fallback>,
    /// The probe on the backend in use, or why it failed.
    pub probe: Result<ProbeCheck, String>,
    /// The threaded engine's pool: its size, or why it could not start; `None` from the
    /// single-threaded engine.
    #[serde(default)]
    pub pool: Option<Result<usize, String>>,
    /// Why the page started the single-threaded engine (the page fills this in).
    #[serde(default)]
    pub single: Option<OneThread>,
    /// Time from the request to a checked device, in ms (includes WebGPU start-up and
    /// shader compilation the first time).
    pub elapsed_ms: f64,
}

impl EngineStatus {
    /// How many threads the CPU backend computes on, and why one when one.
    pub fn threads(&self) -> Threads {
        Threads::of(self.pool.as_ref(), self.single.as_ref())
    }
}

/// A message that could not be read: a bug on one side, never user input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable message between the page and the engine: {0}")]
pub struct ProtocolError(pub String);

impl Command {
    /// As sent.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// As received.
    pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
        serde_json::from_str(text).map_err(|e| ProtocolError(e.to_string()))
    }
}

impl Event {
    /// As sent.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// As received.
    pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
        serde_json::from_str(text).map_err(|e| ProtocolError(e.to_string()))
    }

    /// The run it is about, if any.
    pub fn run(&self) -> Option<u64> {
        match self {
            Event::Progress { run, .. }
            | Event::Live { run, .. }
            | Event::Finished { run, .. }
            | Event::Model { run }
            | Event::Stopped { run, .. } => Some(*run),
            Event::Ready
            | Event::Started(_)
            | Event::Bench { .. }
            | Event::ModelTested { .. }
            | Event::DeviceLost { .. }
            | Event::Crashed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bioplay_engine::experiment::{LivePlot, presets};

    #[test]
    fn every_message_survives_the_trip() {
        let commands = [
            Command::Start {
                preference: BackendPreference::Only(BackendKind::Cpu),
            },
            Command::SetCustomData,
            Command::Preload {
                data: Shipped::Mnist,
            },
            Command::Run {
                run: 7,
                config: Box::new(presets::imp_lenet(true)),
                data: DataSource::Shipped(Shipped::FashionMnist),
            },
            Command::Run {
                run: 8,
                config: Box::new(presets::plasticity(presets::OjaSetting::Online, true)),
                data: DataSource::Custom,
            },
            Command::Pause,
            Command::Resume,
            Command::Cancel,
            Command::Bench {
                workload: Workload::Cnn64,
                steps: 30,
            },
        ];
        for c in commands {
            assert_eq!(Command::from_json(&c.to_json()), Ok(c.clone()), "{c:?}");
        }
        let status = EngineStatus {
            kind: BackendKind::WebGpu,
            adapter: Some(AdapterInfo {
                vendor: "google".into(),
                architecture: "swiftshader".into(),
                ..AdapterInfo::default()
            }),
            fallback: Some(Fallback::StartFailed("lost".into())),
            probe: Ok(ProbeCheck {
                report: bioplay_engine::probe::expected(),
                max_error: 1e-7,
            }),
            elapsed_ms: 12.5,
            pool: Some(Ok(2)),
            single: None,
        };
        let events = [
            Event::Ready,
            Event::Started(status.clone()),
            Event::Started(EngineStatus {
                probe: Err("no gradient".into()),
                pool: None,
                single: Some(OneThread::Unavailable("no module".into())),
                ..status.clone()
            }),
            Event::Bench {
                result: Ok(BenchResult {
                    workload: Workload::Mlp64,
                    steps: 100,
                    first_step_ms: 40.5,
                    warm_up_steps: 310,
                    warm_up_ms: 3004.5,
                    samples_per_s: 12_000.0,
                    guard_loss: 1.7188,
                }),
                wasm_memory_bytes: 23.0 * 1048576.0,
            },
            Event::Bench {
                result: Err("cnn-64: diverged".into()),
                wasm_memory_bytes: 0.0,
            },
            Event::Progress {
                run: 1,
                progress: Progress {
                    phase: "training".into(),
                    done: 3,
                    total: 9,
                    loss: Some(0.25),
                },
            },
            Event::Live {
                run: 1,
                points: vec![LivePoint {
                    plot: LivePlot::TrainLoss,
                    series: "dense".into(),
                    x: 1.0,
                    y: 0.5,
                }],
            },
            Event::Stopped {
                run: 1,
                reason: StopReason::Failed("diverged".into()),
            },
            Event::Stopped {
                run: 2,
                reason: StopReason::Cancelled,
            },
            Event::DeviceLost {
                lost: DeviceLost {
                    destroyed: true,
                    message: "Device was destroyed.".into(),
                },
            },
            Event::Crashed {
                message: "bug".into(),
            },
        ];
        for e in events {
            assert_eq!(Event::from_json(&e.to_json()), Ok(e.clone()), "{e:?}");
        }
    }

    #[test]
    fn events_name_their_run_and_garbage_is_an_error() {
        let stopped = Event::Stopped {
            run: 4,
            reason: StopReason::Cancelled,
        };
        assert_eq!(stopped.run(), Some(4));
        assert_eq!(Event::Ready.run(), None);
        assert!(Event::from_json("{\"event\":\"party\"}").is_err());
        assert!(Command::from_json("").is_err());
    }
}
