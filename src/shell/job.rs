//! Running experiments from the page: one run at a time, trained by the engine's Web
//! Worker ([`crate::shell::engine`]), so the page's thread only draws. Progress, live
//! points and the record in the history are updated from the worker's events as the run
//! goes; pause, resume and cancel are sent to the worker, which acts on them within a
//! chunk of training.

use std::cell::Cell;
use std::sync::Arc;

use bioplay_engine::device::BackendKind;
use bioplay_engine::experiment::ExperimentConfig;
use futures::StreamExt;
use leptos::prelude::*;

use crate::present::form::Planned;
use crate::present::history::{RunRecord, RunStatus};
use crate::present::routes::Tab;
use crate::protocol::{Command, DataSource, Event, StopReason};
use crate::shell::store::{JobState, Notice, Store};
use crate::shell::{browser, engine};

thread_local! {
    /// Whether the user paused the run in progress (the worker holds it; the page shows it
    /// and holds the next run of a comparison too).
    static PAUSED: Cell<bool> = const { Cell::new(false) };
    static NEXT_RUN: Cell<u64> = const { Cell::new(1) };
}

fn paused() -> bool {
    PAUSED.with(Cell::get)
}

/// Asks the run in progress to stop at its next chunk.
pub(crate) fn cancel() {
    engine::control(Command::Cancel);
}

/// Pauses or resumes the run in progress.
pub(crate) fn set_paused(paused: bool, store: Store) {
    PAUSED.with(|p| p.set(paused));
    engine::control(if paused {
        Command::Pause
    } else {
        Command::Resume
    });
    store.job.update(|j| {
        if let Some(j) = j {
            j.paused = paused;
        }
    });
}

/// Minimum time between two saves of an unfinished run (ms).
const SAVE_EVERY_MS: f64 = 3000.0;

/// What a run needs from the page.
pub(crate) struct Launch {
    /// The panel.
    pub tab: Tab,
    /// The runs, in order.
    pub planned: Vec<Planned>,
    /// Which backend the worker runs on.
    pub kind: BackendKind,
}

/// Runs `launch.planned` one after another, keeping each in the history. Returns when all
/// are done, one failed, or the user cancelled.
pub(crate) async fn run(store: Store, launch: Launch) {
    PAUSED.with(|p| p.set(false));
    let count = launch.planned.len();
    let mut batch: Option<String> = None;
    for (i, planned) in launch.planned.into_iter().enumerate() {
        let tab = launch.tab;
        let data = match planned.config.data.dataset.shipped() {
            Some(which) => DataSource::Shipped(which),
            None => DataSource::Custom,
        };
        let mut record = new_record(store, tab, &planned, launch.kind.label(), &planned.config);
        if count > 1 {
            record.batch = Some(batch.get_or_insert_with(|| record.id.clone()).clone());
        }
        store.keep_run(record.clone());
        store.select(tab, &record.id);
        store.live.set(Vec::new());
        let mut state = JobState {
            tab,
            index: i + 1,
            count,
            phase: "starting".into(),
            fraction: 0.0,
            rate: 0.0,
            seconds_left: None,
            loss: None,
            paused: paused(),
        };
        store.job.set(Some(state.clone()));
        let started = browser::now_ms();
        let mut saved = started;
        let run = NEXT_RUN.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let command = Command::Run {
            run,
            config: Box::new(planned.config.clone()),
            data,
        };
        let mut outcome = Err(StopReason::Failed(
            "the compute engine stopped without a word".into(),
        ));
        match engine::run(command) {
            Err(e) => outcome = Err(StopReason::Failed(e)),
            Ok(mut events) => {
                // A pause asked for between two runs of a comparison holds the next one.
                if paused() {
                    engine::control(Command::Pause);
                }
                while let Some(event) = events.next().await {
                    let now = browser::now_ms();
                    match event {
                        Event::Progress { progress, .. } => {
                            let seconds = (now - started) / 1000.0;
                            state.phase = progress.phase.clone();
                            state.fraction = progress.fraction();
                            state.rate = if seconds > 0.0 {
                                progress.done as f64 / seconds
                            } else {
                                0.0
                            };
                            state.seconds_left = progress.seconds_left(seconds);
                            state.loss = progress.loss;
                            state.paused = paused();
                            store.job.set(Some(state.clone()));
                        }
                        Event::Live { points, .. } => {
                            record.live.extend(points.iter().cloned());
                            store.live.update(|l| l.extend(points));
                        }
                        Event::Finished { result, images, .. } => {
                            record.result = Some(result);
                            record.images = images;
                            outcome = Ok(());
                            break;
                        }
                        Event::Stopped { reason, .. } => {
                            outcome = Err(reason);
                            break;
                        }
                        Event::Model { run } => {
                            if let Some(bytes) = engine::take_model(run) {
                                let id = record.id.clone();
                                store.models.update(|m| {
                                    m.insert(id, Arc::from(bytes));
                                });
                            }
                        }
                        Event::Ready
                        | Event::Started(_)
                        | Event::Bench { .. }
                        | Event::ModelTested { .. }
                        | Event::DeviceLost { .. }
                        | Event::Crashed { .. } => {}
                    }
                    if now - saved >= SAVE_EVERY_MS {
                        saved = now;
                        record.seconds = (now - started) / 1000.0;
                        store.keep_run(record.clone());
                    }
                }
            }
        }
        record.seconds = (browser::now_ms() - started) / 1000.0;
        let stop = match outcome {
            Ok(()) => {
                record.live = Vec::new();
                record.status = RunStatus::Finished;
                false
            }
            Err(StopReason::Cancelled) => {
                record.status = RunStatus::Cancelled;
                true
            }
            Err(StopReason::Failed(message)) => {
                store.notify(
                    tab,
                    Some(Notice::error(
                        "run-error",
                        format!("The run failed: {message}."),
                    )),
                );
                record.status = RunStatus::Failed { message };
                true
            }
        };
        store.keep_run(record);
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
