//! Running experiments in the page: one run at a time, in bounded chunks that yield to the
//! event loop between them (the engine's [`Host::pause`]), so clicks, scrolling and
//! rendering stay immediate. Progress, live points and the record in the history are
//! updated as the run goes; pause, resume and cancel take effect at the next chunk.

use std::cell::Cell;
use std::rc::Rc;

use bioplay_engine::Device;
use bioplay_engine::data::Dataset;
use bioplay_engine::device::BackendKind;
use bioplay_engine::experiment::{
    self, ExperimentConfig, ExperimentResult, Flow, Host, LivePoint, Progress, RunError, imp,
};
use leptos::prelude::*;

use crate::present::form::Planned;
use crate::present::history::{RunImage, RunRecord, RunStatus, slim};
use crate::present::routes::Tab;
use crate::shell::browser;
use crate::shell::store::{JobState, Notice, Store};

/// The user's requests to the run in progress.
#[derive(Default)]
struct Control {
    cancel: Cell<bool>,
    paused: Cell<bool>,
}

thread_local! {
    static CONTROL: Rc<Control> = Rc::new(Control::default());
}

fn control() -> Rc<Control> {
    CONTROL.with(Rc::clone)
}

/// Asks the run in progress to stop at its next chunk.
pub(crate) fn cancel() {
    control().cancel.set(true);
}

/// Pauses or resumes the run in progress.
pub(crate) fn set_paused(paused: bool, store: Store) {
    control().paused.set(paused);
    store.job.update(|j| {
        if let Some(j) = j {
            j.paused = paused;
        }
    });
}

/// The longest a chunk of training should keep the page busy (ms): chunks are sized from
/// the time the last ones took.
const CHUNK_TARGET_MS: f64 = 40.0;

/// Minimum time between two updates of the progress display (ms).
const SHOW_EVERY_MS: f64 = 100.0;
/// Minimum time between two saves of an unfinished run (ms).
const SAVE_EVERY_MS: f64 = 3000.0;

/// The engine's host in the page.
struct PageHost {
    store: Store,
    control: Rc<Control>,
    record: RunRecord,
    started: f64,
    shown: f64,
    saved: f64,
    state: JobState,
    /// Milliseconds per step, smoothed over the chunks so far.
    ms_per_step: Option<f64>,
    /// When the current chunk began, and how many steps it has.
    chunk: Option<(f64, usize)>,
}

impl Host for PageHost {
    fn report(&mut self, progress: &Progress) -> Flow {
        let now = browser::now_ms();
        if let Some((began, steps)) = self.chunk.take() {
            let per_step = (now - began) / steps.max(1) as f64;
            self.ms_per_step = Some(match self.ms_per_step {
                Some(old) => 0.5 * old + 0.5 * per_step,
                None => per_step,
            });
        }
        if now - self.shown >= SHOW_EVERY_MS || progress.done >= progress.total {
            self.shown = now;
            let seconds = (now - self.started) / 1000.0;
            self.state.phase = progress.phase.clone();
            self.state.fraction = progress.fraction();
            self.state.rate = if seconds > 0.0 {
                progress.done as f64 / seconds
            } else {
                0.0
            };
            self.state.seconds_left = progress.seconds_left(seconds);
            self.state.loss = progress.loss;
            self.state.paused = self.control.paused.get();
            self.store.job.set(Some(self.state.clone()));
        }
        if now - self.saved >= SAVE_EVERY_MS {
            self.saved = now;
            self.record.seconds = (now - self.started) / 1000.0;
            self.store.history.update(|h| h.put(self.record.clone()));
            self.store.save_history();
        }
        if self.control.cancel.get() {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    }

    async fn pause(&mut self) {
        browser::sleep(0).await;
        while self.control.paused.get() && !self.control.cancel.get() {
            browser::sleep(100).await;
        }
    }

    fn steps_per_call(&mut self, configured: usize) -> usize {
        // Start with one step, then size chunks to the time a step takes.
        let steps = match self.ms_per_step {
            None => 1,
            Some(ms) => (CHUNK_TARGET_MS / ms.max(1e-3)).floor() as usize,
        }
        .clamp(1, configured.max(1));
        self.chunk = Some((browser::now_ms(), steps));
        steps
    }

    fn observe(&mut self, point: LivePoint) {
        self.record.live.push(point.clone());
        self.store.live.update(|l| l.push(point));
    }
}

/// What a run needs from the page.
pub(crate) struct Launch {
    /// The panel.
    pub tab: Tab,
    /// The runs, in order.
    pub planned: Vec<Planned>,
    /// The device.
    pub device: Device,
    /// Which backend it is.
    pub kind: BackendKind,
}

/// Runs `launch.planned` one after another, keeping each in the history. Returns when all
/// are done, one failed, or the user cancelled.
pub(crate) async fn run(store: Store, launch: Launch) {
    let control = control();
    control.cancel.set(false);
    control.paused.set(false);
    let count = launch.planned.len();
    let mut batch: Option<String> = None;
    for (i, planned) in launch.planned.into_iter().enumerate() {
        let tab = launch.tab;

        let dataset = match crate::shell::datasets::for_choice(planned.config.data.dataset).await {
            Ok(d) => d,
            Err(e) => {
                store.notify(
                    tab,
                    Some(Notice::error("run-error", format!("Cannot run: {e}."))),
                );
                break;
            }
        };
        let mut record = new_record(store, tab, &planned, launch.kind.label(), &planned.config);
        if count > 1 {
            record.batch = Some(batch.get_or_insert_with(|| record.id.clone()).clone());
        }
        store.history.update(|h| h.put(record.clone()));
        store.select(tab, &record.id);
        store.save_history();
        store.live.set(Vec::new());
        let state = JobState {
            tab,
            index: i + 1,
            count,
            phase: "starting".into(),
            fraction: 0.0,
            rate: 0.0,
            seconds_left: None,
            loss: None,
            paused: false,
        };
        store.job.set(Some(state.clone()));
        let started = browser::now_ms();
        let mut host = PageHost {
            store,
            control: control.clone(),
            record,
            started,
            shown: started,
            saved: started,
            state,
            ms_per_step: None,
            chunk: None,
        };
        let outcome = experiment::run(&planned.config, &dataset, &launch.device, &mut host).await;
        let mut record = host.record;
        record.seconds = (browser::now_ms() - started) / 1000.0;
        let stop = match outcome {
            Ok(result) => {
                record.images = images(&planned.config, &dataset, &result);
                record.result = Some(slim(result));
                record.live = Vec::new();
                record.status = RunStatus::Finished;
                false
            }
            Err(RunError::Cancelled) => {
                record.status = RunStatus::Cancelled;
                true
            }
            Err(e) => {
                store.notify(
                    tab,
                    Some(Notice::error("run-error", format!("The run failed: {e}."))),
                );
                record.status = RunStatus::Failed {
                    message: e.to_string(),
                };
                true
            }
        };
        store.history.update(|h| h.put(record));
        store.save_history();
        if stop {
            break;
        }
    }
    store.job.set(None);
}

fn new_record(
    store: Store,
    tab: Tab,
    planned: &Planned,
    backend: &str,
    config: &ExperimentConfig,
) -> RunRecord {
    let started_ms = browser::epoch_ms();
    let id = store.history.with_untracked(|h| h.fresh_id(started_ms));
    let number = store.history.with_untracked(|h| h.of(tab).len()) + 1;
    let label = match &planned.method {
        Some(m) => format!("#{number} {m}"),
        None => format!("#{number} {}", crate::present::views::describe(config)),
    };
    RunRecord {
        id,
        tab,
        label,
        method: planned.method.clone(),
        batch: None,
        started_ms,
        seconds: 0.0,
        backend: backend.into(),
        status: RunStatus::Running,
        config: config.clone(),
        result: None,
        live: Vec::new(),
        images: Vec::new(),
    }
}

/// The first layer's masks and weights of a pruned MLP, as PNGs to keep with the run.
fn images(
    config: &ExperimentConfig,
    dataset: &Dataset,
    result: &ExperimentResult,
) -> Vec<RunImage> {
    let ExperimentResult::Imp(imp) = result else {
        return Vec::new();
    };
    imp::first_layer_images(&config.model, dataset, imp)
        .into_iter()
        .filter_map(|picture| {
            let png = picture.image.to_png().ok()?;
            Some(RunImage {
                title: picture.title.into(),
                data_url: browser::png_data_url(&png),
            })
        })
        .collect()
}
