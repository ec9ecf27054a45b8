//! The engine's side of the Web Worker: starts and checks the compute backend, runs one
//! experiment at a time, and reports back to the page ([`crate::protocol`]).
//!
//! Nothing here draws: the page's thread only receives events. Training still runs in
//! bounded chunks (about [`CHUNK_TARGET_MS`]) with a turn of the worker's event loop
//! between them, so pause, resume and cancel from the page take effect within a chunk.
//! A panic becomes an [`Event::Crashed`] for the page before the worker stops. A lost
//! WebGPU device becomes an [`Event::DeviceLost`], and the run it stops fails naming it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use bioplay_engine::bench::{BenchResult, WARM_UP_MS, Workload};
use bioplay_engine::data::{Dataset, Shipped};
use bioplay_engine::device::BackendKind;
use bioplay_engine::experiment::model_file::SavedModel;
use bioplay_engine::experiment::noise::NoiseSpec;
use bioplay_engine::experiment::{
    self, ExperimentConfig, ExperimentResult, Flow, Host, LivePoint, Progress, RunError, imp,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::present::backend::device_lost_run;
use crate::present::history::{RunImage, slim};
use crate::present::views::describe;
use crate::protocol::{Command, DataSource, Event, ModelTest, StopReason};
use crate::shell::runtime::{self, Startup};
#[cfg(feature = "threads")]
use crate::shell::threads;
use crate::shell::{browser, datasets, envelope};

/// How long a chunk of training runs before the worker looks at its messages (ms).
const CHUNK_TARGET_MS: f64 = 100.0;
/// Minimum time between two progress events (ms).
const PROGRESS_EVERY_MS: f64 = 100.0;

/// The page's requests to the run in progress.
#[derive(Default)]
struct Control {
    cancel: Cell<bool>,
    paused: Cell<bool>,
}

thread_local! {
    static STARTED: RefCell<Option<Startup>> = const { RefCell::new(None) };
    /// Held while a backend starts: a run or benchmark that arrives meanwhile (the page
    /// may send one right after the start, to a worker that replaced a dead one) waits.
    static STARTING: Rc<futures::lock::Mutex<()>> = Rc::new(futures::lock::Mutex::new(()));
    static CONTROL: Rc<Control> = Rc::new(Control::default());
    /// Why the last custom dataset could not be used, if it could not.
    static CUSTOM_PROBLEM: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends `event` to the page.
fn post(event: &Event) {
    let _ = scope().post_message(&envelope::wrap(event.to_json(), &[]));
}

/// Posts `event` with `bytes` beside it under `key`.
fn post_bytes(event: &Event, key: &str, bytes: &[u8]) {
    let array = js_sys::Uint8Array::from(bytes);
    let _ = scope().post_message(&envelope::wrap(event.to_json(), &[(key, array.into())]));
}

/// The worker's entry point: listens for commands.
pub(crate) fn start_worker() {
    bioplay_engine::static_init::ensure();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&Event::Crashed {
            message: info.to_string(),
        });
    }));
    runtime::on_device_lost(|lost| post(&Event::DeviceLost { lost: lost.clone() }));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        handle(&event.data());
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&Event::Ready);
}

fn handle(data: &JsValue) {
    let command = match Command::from_json(&envelope::message(data)) {
        Ok(c) => c,
        Err(e) => {
            post(&Event::Crashed {
                message: e.to_string(),
            });
            return;
        }
    };
    let control = CONTROL.with(Rc::clone);
    match command {
        Command::Start { preference } => spawn_local(async move {
            let starting = STARTING.with(Rc::clone);
            let _starting = starting.lock().await;
            let pool = pool().await;
            let startup = runtime::start(preference).await;
            let mut status = startup.status();
            status.pool = pool;
            STARTED.with(|s| *s.borrow_mut() = Some(startup));
            post(&Event::Started(status));
        }),
        Command::Bench { workload, steps } => spawn_local(async move {
            let result = bench(workload, steps).await;
            post(&Event::Bench {
                result,
                wasm_memory_bytes: wasm_memory_bytes(),
            });
        }),
        Command::SetCustomData => {
            let images = envelope::bytes(data, "images");
            let labels = envelope::bytes(data, "labels");
            let problem = datasets::set_custom(&images, &labels).err();
            CUSTOM_PROBLEM.with(|p| *p.borrow_mut() = problem);
        }
        Command::Preload { data } => spawn_local(async move {
            // A failure is reported by the run that needs the data.
            let _ = datasets::shipped(data).await;
        }),
        Command::Run { run, config, data } => spawn_local(run_one(run, *config, data)),
        Command::TestModel { request, noise } => {
            let bytes = envelope::bytes(data, "model");
            spawn_local(async move {
                let outcome = test_model(&bytes, noise.as_ref()).await;
                post(&Event::ModelTested { request, outcome });
            });
        }
        Command::Pause => control.paused.set(true),
        Command::Resume => control.paused.set(false),
        Command::Cancel => control.cancel.set(true),
    }
}

/// The thread pool of the threaded engine: its size, or why it could not start; `None`
/// in the single-threaded engine. Started once per worker, on the first
/// [`Command::Start`], with as many threads as the machine has (at most
/// [`threads::MAX_THREADS`]) or as `?threads=N` on the worker's address asks.
async fn pool() -> Option<Result<usize, String>> {
    #[cfg(feature = "threads")]
    {
        thread_local! {
            static POOL: Rc<futures::lock::Mutex<Option<Result<usize, String>>>> =
                Rc::new(futures::lock::Mutex::new(None));
        }
        let cell = POOL.with(Rc::clone);
        let mut pool = cell.lock().await;
        if pool.is_none() {
            let location = scope().location();
            let asked = web_sys::UrlSearchParams::new_with_str(&location.search())
                .ok()
                .and_then(|p| p.get("threads"))
                .and_then(|n| n.parse::<usize>().ok());
            let cores = scope().navigator().hardware_concurrency() as usize;
            *pool = Some(threads::start(asked.unwrap_or(cores)).await);
        }
        pool.clone()
    }
    #[cfg(not(feature = "threads"))]
    None
}

/// The started backend's device, once a start in progress has finished.
async fn started_device() -> Option<bioplay_engine::Device> {
    let starting = STARTING.with(Rc::clone);
    drop(starting.lock().await);
    STARTED.with(|s| s.borrow().as_ref().map(|s| s.backend.device.clone()))
}

/// One benchmark workload on the started backend (`make bench`'s page asks for these).
async fn bench(workload: Workload, steps: usize) -> Result<BenchResult, String> {
    let Some(device) = started_device().await else {
        return Err("the compute backend has not started".into());
    };
    let data = datasets::shipped(Shipped::Mnist).await?;
    bioplay_engine::bench::run(workload, steps, 10, WARM_UP_MS, &data, &device)
        .await
        .map_err(|e| format!("{}: {e}", workload.id()))
}

/// The engine's linear memory in bytes: wasm memory only grows, so this is its high-water
/// mark.
fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            f64::from(
                m.buffer()
                    .unchecked_into::<js_sys::ArrayBuffer>()
                    .byte_length(),
            )
        })
        .unwrap_or(0.0)
}

/// The dataset a run reads.
async fn dataset(source: DataSource) -> Result<Rc<Dataset>, String> {
    match source {
        DataSource::Shipped(which) => datasets::shipped(which).await,
        DataSource::Custom => datasets::custom().ok_or_else(|| {
            CUSTOM_PROBLEM
                .with(|p| p.borrow().clone())
                .unwrap_or_else(|| {
                    "load your IDX image and label files first (Data section)".into()
                })
        }),
    }
}

async fn run_one(run: u64, config: ExperimentConfig, source: DataSource) {
    let control = CONTROL.with(Rc::clone);
    control.cancel.set(false);
    control.paused.set(false);
    let stop = |reason| post(&Event::Stopped { run, reason });
    let Some(device) = started_device().await else {
        stop(StopReason::Failed(
            "the compute backend has not started".into(),
        ));
        return;
    };
    let data = match dataset(source).await {
        Ok(d) => d,
        Err(e) => {
            stop(StopReason::Failed(format!("cannot run: {e}")));
            return;
        }
    };
    let mut host = WorkerHost {
        run,
        control,
        sent: f64::NEG_INFINITY,
        phase: String::new(),
        points: Vec::new(),
        ms_per_step: None,
        chunk: None,
        model: None,
    };
    let outcome = experiment::run(&config, &data, &device, &mut host).await;
    host.flush_points();
    let failed = matches!(&outcome, Err(e) if !matches!(e, RunError::Cancelled));
    if failed && let Some(lost) = loss_behind_failure().await {
        stop(StopReason::Failed(device_lost_run(&lost)));
        return;
    }
    match outcome {
        Ok(result) => {
            if let Some(bytes) = host.model.take() {
                post_bytes(&Event::Model { run }, "model", &bytes);
            }
            let images = images(&config, &data, &result);
            post(&Event::Finished {
                run,
                result: slim(result),
                images,
            });
        }
        Err(RunError::Cancelled) => stop(StopReason::Cancelled),
        Err(e) => stop(StopReason::Failed(e.to_string())),
    }
}

/// The WebGPU device's loss, if that is why a run failed. A lost device fails the run's
/// next read-back at once, while the loss itself is told by a promise that settles a moment
/// later: wait for it briefly, on WebGPU only.
async fn loss_behind_failure() -> Option<bioplay_engine::device::DeviceLost> {
    let on_webgpu = STARTED.with(|s| {
        s.borrow()
            .as_ref()
            .is_some_and(|s| s.backend.kind == BackendKind::WebGpu)
    });
    if !on_webgpu {
        return None;
    }
    for _ in 0..20 {
        if let Some(lost) = runtime::device_lost() {
            return Some(lost);
        }
        browser::sleep(25).await;
    }
    None
}

/// The engine's host in the worker: forwards progress and live points to the page.
struct WorkerHost {
    run: u64,
    control: Rc<Control>,
    /// When progress was last sent.
    sent: f64,
    /// The phase last sent: a new one is sent at once.
    phase: String,
    /// Live points not sent yet.
    points: Vec<LivePoint>,
    /// Milliseconds per step, smoothed over the chunks so far.
    ms_per_step: Option<f64>,
    /// When the current chunk began, and how many steps it has.
    chunk: Option<(f64, usize)>,
    /// The trained network's file, for the page to offer as a download.
    model: Option<Vec<u8>>,
}

impl WorkerHost {
    fn flush_points(&mut self) {
        if !self.points.is_empty() {
            post(&Event::Live {
                run: self.run,
                points: std::mem::take(&mut self.points),
            });
        }
    }
}

/// Tests a saved network on its dataset's test split (the shipped one its config names,
/// or the user's own files), clean and at each level of `noise`.
async fn test_model(bytes: &[u8], noise: Option<&NoiseSpec>) -> Result<ModelTest, String> {
    let model = SavedModel::from_bytes(bytes).map_err(|e| e.to_string())?;
    let Some(device) = started_device().await else {
        return Err("the compute backend has not started".into());
    };
    let source = match model.config.data.dataset.shipped() {
        Some(which) => DataSource::Shipped(which),
        None => DataSource::Custom,
    };
    let data = dataset(source).await?;
    let (clean, levels) = match noise {
        Some(spec) => model.noise_sweep(&data, &device, spec).await,
        None => model
            .evaluate(&data, &device)
            .await
            .map(|e| (e, Vec::new())),
    }
    .map_err(|e| e.to_string())?;
    Ok(ModelTest {
        model: describe(&model.config),
        dataset: data.name().to_owned(),
        accuracy: clean.accuracy(),
        correct: clean.correct,
        total: clean.total,
        saved_accuracy: model.test_accuracy,
        noise: noise.map(|n| n.noise.level_name().to_owned()),
        levels: levels.into_iter().map(|(l, e)| (l, e.accuracy())).collect(),
    })
}

impl Host for WorkerHost {
    fn wants_model(&self) -> bool {
        true
    }

    fn trained(&mut self, model: SavedModel) {
        // A network that cannot be written is simply not offered for download.
        self.model = model.to_bytes().ok();
    }

    fn report(&mut self, progress: &Progress) -> Flow {
        let now = browser::now_ms();
        if let Some((began, steps)) = self.chunk.take() {
            let per_step = (now - began) / steps.max(1) as f64;
            self.ms_per_step = Some(match self.ms_per_step {
                Some(old) => 0.5 * old + 0.5 * per_step,
                None => per_step,
            });
        }
        if now - self.sent >= PROGRESS_EVERY_MS
            || progress.done >= progress.total
            || progress.phase != self.phase
        {
            self.sent = now;
            self.phase.clone_from(&progress.phase);
            self.flush_points();
            post(&Event::Progress {
                run: self.run,
                progress: progress.clone(),
            });
        }
        if self.control.cancel.get() {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    }

    async fn pause(&mut self) {
        // A turn of the event loop, so the page's messages are read.
        browser::sleep(0).await;
        while self.control.paused.get() && !self.control.cancel.get() {
            browser::sleep(50).await;
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
        self.points.push(point);
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
