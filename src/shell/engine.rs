//! The page's side of the engine's Web Worker: starts the worker, asks it to start a
//! backend and run experiments, and hands its events to whoever waits for them
//! ([`crate::protocol`]).
//!
//! The page never trains: it posts a [`Command`] and reads [`Event`]s. If the worker dies
//! (a crash, or the browser stopping it), the run in progress gets a
//! [`StopReason::Failed`] with the reason, and a new worker is started with the same
//! backend preference, so the next run works without a reload. The end-to-end tests kill
//! the worker through `window.__bioplayEngine.terminate()`, the same path.
//!
//! If the worker's WebGPU device is lost ([`Event::DeviceLost`]), the worker fails the run
//! in progress itself (its curves so far are kept) and the page is told through
//! [`on_device_lost`]; the worker stays for the CPU, and the next start that wants WebGPU
//! replaces it with a new worker, since Burn's wgpu runtime starts once per worker.

use std::cell::RefCell;

use bioplay_engine::bench::BenchResult;
#[cfg(feature = "bench")]
use bioplay_engine::bench::Workload;
use bioplay_engine::device::{BackendKind, DeviceLost};
use bioplay_engine::experiment::noise::NoiseSpec;
use futures::channel::{mpsc, oneshot};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use crate::present::backend::{Fallback, OneThread};
use crate::present::prefs::BackendPreference;
use crate::protocol::{Command, EngineStatus, Event, ModelTest, StopReason};
use crate::shell::browser::js_error;
use crate::shell::envelope;

/// What starting the engine gave: the backend it runs on, or why it could not start.
pub(crate) type EngineStart = Result<EngineStatus, String>;

/// A benchmark's measurement (or why it failed) and the engine's linear memory after it,
/// in bytes.
pub(crate) type BenchAnswer = (Result<BenchResult, String>, f64);

/// The single-threaded engine's script, next to the page (trunk's loader shim for the
/// worker module).
const SINGLE_THREADED: &str = "./bioplay-worker_loader.js";
/// The threaded engine's script (`scripts/build-engine-threads.sh`), started when the page
/// is cross-origin isolated; `?threads=N` on the page's address is passed on to it.
const THREADED: &str = "./bioplay-worker-mt_loader.js";

/// The live worker and who waits for what from it.
struct Engine {
    /// Which worker this is (events of a replaced one are ignored).
    generation: u32,
    worker: WorkerHandle,
    /// Whether the worker's module has loaded and listens ([`Event::Ready`]): messages
    /// posted before that would be lost, so they wait in `queue`.
    ready: bool,
    queue: Vec<Object>,
    /// Answers awaited from [`start`].
    starts: Vec<oneshot::Sender<Result<EngineStatus, String>>>,
    /// The run in progress and where its events go.
    run: Option<(u64, mpsc::UnboundedSender<Event>)>,
    /// A benchmark in progress and who waits for its answer (what [`Event::Bench`]
    /// carries).
    bench: Option<oneshot::Sender<BenchAnswer>>,
    /// A saved network being tested and who waits for the answer
    /// ([`Event::ModelTested`]).
    model_test: Option<(u64, oneshot::Sender<Result<ModelTest, String>>)>,
    /// The preference last asked for, to start a replacement worker with.
    preference: Option<BackendPreference>,
    /// Whether this is the threaded engine.
    threaded: bool,
    /// Whether it has answered a start ([`Event::Started`]): a threaded engine that dies
    /// before that is given up for this page, and the single-threaded one takes over.
    started: bool,
    /// Whether its WebGPU device was lost: it can still compute on the CPU, not on WebGPU.
    device_lost: bool,
}

/// A worker with its message and error handlers, which must live as long as it does.
struct WorkerHandle {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl WorkerHandle {
    /// Stops the worker. This may run inside one of its handlers, so they are dropped
    /// after it returns. They are unset first: a message the worker posted before it was
    /// stopped can still arrive, and must not call a dropped handler (it would throw
    /// "closure invoked recursively or after being dropped" on the page).
    fn terminate(self) {
        self.worker.terminate();
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        wasm_bindgen_futures::spawn_local(async move {
            drop(self);
        });
    }
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    static GENERATION: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Why the threaded engine is not used on this page, once it failed.
    static THREADED_PROBLEM: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether the next worker started should be the threaded engine.
    static WANT_THREADED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The user's own IDX files, given again to every new worker.
    static CUSTOM_DATA: RefCell<Option<(Vec<u8>, Vec<u8>)>> = const { RefCell::new(None) };
    /// Told when the worker's WebGPU device is lost (the app's status line).
    static DEVICE_LOST_LISTENER: RefCell<Option<LostListener>> = const { RefCell::new(None) };
    /// The trained network's file of the last run that sent one ([`Event::Model`]).
    static MODEL: RefCell<Option<(u64, Vec<u8>)>> = const { RefCell::new(None) };
    /// The number of the last [`Command::TestModel`].
    static NEXT_REQUEST: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Who hears of a lost WebGPU device.
type LostListener = Box<dyn Fn(DeviceLost)>;

/// How long a run may go on after its WebGPU device was lost before the page stops the
/// worker itself (the worker fails it at its next read-back, within a chunk).
const LOST_RUN_GRACE_MS: i32 = 10_000;

/// Calls `listener` whenever the worker's WebGPU device is lost.
pub(crate) fn on_device_lost(listener: impl Fn(DeviceLost) + 'static) {
    DEVICE_LOST_LISTENER.with(|l| *l.borrow_mut() = Some(Box::new(listener)));
}

/// Whether the page is cross-origin isolated, which shared memory, and so threads, need.
fn isolated() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &"crossOriginIsolated".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Whether the threaded engine can run here: the page is isolated and it has not failed.
fn threads_possible() -> bool {
    isolated() && THREADED_PROBLEM.with(|p| p.borrow().is_none())
}

/// Which engine to start, and its script's address.
fn choose() -> (bool, String) {
    if !WANT_THREADED.get() || !threads_possible() {
        return (false, SINGLE_THREADED.to_owned());
    }
    let asked = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
        .and_then(|p| p.get("threads"));
    let script = match asked {
        Some(n) => format!("{THREADED}?threads={}", js_sys::encode_uri_component(&n)),
        None => THREADED.to_owned(),
    };
    (true, script)
}

/// Why the page runs the single-threaded engine, for the status line.
fn why_single() -> OneThread {
    match THREADED_PROBLEM.with(|p| p.borrow().clone()) {
        Some(problem) => OneThread::Unavailable(problem),
        None => OneThread::NotIsolated,
    }
}

/// Whether `generation` is the live worker.
fn is_current(generation: u32) -> bool {
    ENGINE.with(|e| {
        e.borrow()
            .as_ref()
            .is_some_and(|e| e.generation == generation)
    })
}

/// Starts the worker if none is running.
fn ensure() -> Result<(), String> {
    if ENGINE.with(|e| e.borrow().is_some()) {
        return Ok(());
    }
    let (threaded, script) = choose();
    let worker = match Worker::new(&script) {
        Ok(w) => w,
        Err(e) if threaded => {
            THREADED_PROBLEM.with(|p| *p.borrow_mut() = Some(js_error(e)));
            return ensure();
        }
        Err(e) => {
            return Err(format!(
                "the compute engine could not be started ({})",
                js_error(e)
            ));
        }
    };
    let generation = GENERATION.with(|g| {
        g.set(g.get().wrapping_add(1));
        g.get()
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if !is_current(generation) {
            return;
        }
        match Event::from_json(&envelope::message(&event.data())) {
            Ok(Event::Model { run }) => {
                let bytes = envelope::bytes(&event.data(), "model");
                MODEL.with(|m| *m.borrow_mut() = Some((run, bytes)));
                dispatch(Event::Model { run });
            }
            Ok(event) => dispatch(event),
            Err(e) => lost(e.to_string()),
        }
    });
    // A script that fails to load fires a plain `Event`, an exception an `ErrorEvent`.
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        event.prevent_default();
        if !is_current(generation) {
            return;
        }
        let message = Reflect::get(&event, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        let loaded = ENGINE.with(|e| e.borrow().as_ref().is_some_and(|e| e.ready));
        lost(match (loaded, message.is_empty()) {
            (false, true) => {
                "the compute engine could not be loaded (its script or module is missing or broken)"
                    .to_owned()
            }
            (false, false) => format!("the compute engine could not be loaded ({message})"),
            (true, _) => format!("the compute engine stopped: {message}"),
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    install_test_hook();
    ENGINE.with(|e| {
        *e.borrow_mut() = Some(Engine {
            generation,
            worker: WorkerHandle {
                worker,
                _on_message: on_message,
                _on_error: on_error,
            },
            ready: false,
            queue: Vec::new(),
            starts: Vec::new(),
            run: None,
            bench: None,
            model_test: None,
            preference: None,
            threaded,
            started: false,
            device_lost: false,
        });
    });
    // A new worker (a replacement, or the other engine) gets the user's files again.
    if let Some((images, labels)) = CUSTOM_DATA.with(|c| c.borrow().clone()) {
        post_custom_data(&images, &labels)?;
    }
    Ok(())
}

/// Makes the running worker the threaded engine or the single-threaded one, replacing
/// it if it is the other (never during a run: the backend switch waits for runs to end).
fn use_engine(threaded: bool) -> Result<(), String> {
    WANT_THREADED.set(threaded);
    let other = ENGINE.with(|e| {
        let mut engine = e.borrow_mut();
        match engine.as_ref() {
            Some(e) if e.threaded != (threaded && threads_possible()) && e.run.is_none() => {
                engine.take()
            }
            _ => None,
        }
    });
    if let Some(old) = other {
        retire(old);
    }
    ensure()
}

/// Stops a worker that is no longer wanted.
fn retire(engine: Engine) {
    engine.worker.terminate();
}

/// `window.__bioplayEngine.terminate()`: stops the worker as a crash would (for the
/// end-to-end test of a dying engine).
fn install_test_hook() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = Object::new();
    let terminate = Closure::<dyn Fn()>::new(|| {
        lost("the compute engine was stopped".to_owned());
    });
    let _ = Reflect::set(&hook, &"terminate".into(), terminate.as_ref());
    terminate.forget();
    let _ = Reflect::set(&window, &"__bioplayEngine".into(), &hook);
}

fn dispatch(event: Event) {
    match event {
        Event::Ready => ENGINE.with(|e| {
            if let Some(e) = e.borrow_mut().as_mut() {
                e.ready = true;
                for message in std::mem::take(&mut e.queue) {
                    let _ = e.worker.worker.post_message(&message);
                }
            }
        }),
        Event::Started(mut status) => {
            let (waiting, threaded) = ENGINE.with(|e| {
                e.borrow_mut()
                    .as_mut()
                    .map(|e| {
                        e.started = true;
                        (std::mem::take(&mut e.starts), e.threaded)
                    })
                    .unwrap_or_default()
            });
            if !threaded {
                status.single = Some(why_single());
            }
            for tx in waiting {
                let _ = tx.send(Ok(status.clone()));
            }
        }
        Event::Bench {
            result,
            wasm_memory_bytes,
        } => {
            let waiting = ENGINE.with(|e| e.borrow_mut().as_mut().and_then(|e| e.bench.take()));
            if let Some(tx) = waiting {
                let _ = tx.send((result, wasm_memory_bytes));
            }
        }
        Event::ModelTested { request, outcome } => {
            let waiting = ENGINE.with(|e| {
                let mut engine = e.borrow_mut();
                let engine = engine.as_mut()?;
                match &engine.model_test {
                    Some((asked, _)) if *asked == request => engine.model_test.take(),
                    _ => None,
                }
            });
            if let Some((_, tx)) = waiting {
                let _ = tx.send(outcome);
            }
        }
        Event::DeviceLost { lost } => device_lost(lost),
        Event::Crashed { message } => lost(format!(
            "the compute engine stopped because of a bug: {message}"
        )),
        event => {
            let Some(run) = event.run() else { return };
            let finished = matches!(event, Event::Finished { .. } | Event::Stopped { .. });
            ENGINE.with(|e| {
                let mut engine = e.borrow_mut();
                let Some(engine) = engine.as_mut() else {
                    return;
                };
                if let Some((current, tx)) = &engine.run
                    && *current == run
                {
                    let _ = tx.unbounded_send(event);
                    if finished {
                        engine.run = None;
                    }
                }
            });
        }
    }
}

/// The worker's WebGPU device is gone: the listener hears it, and a run still going after
/// [`LOST_RUN_GRACE_MS`] is stopped with the worker.
fn device_lost(what: DeviceLost) {
    let watch = ENGINE.with(|e| {
        let mut engine = e.borrow_mut();
        let engine = engine.as_mut()?;
        engine.device_lost = true;
        engine
            .run
            .as_ref()
            .map(|(run, _)| (engine.generation, *run))
    });
    if let Some((generation, run)) = watch {
        let reason = crate::present::backend::device_lost_run(&what);
        wasm_bindgen_futures::spawn_local(async move {
            crate::shell::browser::sleep(LOST_RUN_GRACE_MS).await;
            let stuck = ENGINE.with(|e| {
                e.borrow().as_ref().is_some_and(|e| {
                    e.generation == generation && e.run.as_ref().is_some_and(|(r, _)| *r == run)
                })
            });
            if stuck {
                lost(reason);
            }
        });
    }
    DEVICE_LOST_LISTENER.with(|l| {
        if let Some(listener) = l.borrow().as_ref() {
            listener(what);
        }
    });
}

/// Stops a worker whose WebGPU device was lost, unless it is running something, so that
/// the next start gets a new one.
fn replace_if_device_lost() {
    let old = ENGINE.with(|e| {
        let mut engine = e.borrow_mut();
        match engine.as_ref() {
            Some(e) if e.device_lost && e.run.is_none() && e.bench.is_none() => engine.take(),
            _ => None,
        }
    });
    if let Some(old) = old {
        retire(old);
    }
}

/// The worker is gone: everyone waiting hears why, and a new one starts with the same
/// preference. A threaded engine that never started is given up for the page instead,
/// and the single-threaded one takes over what was waiting for it.
fn lost(reason: String) {
    let gave_up = ENGINE.with(|e| {
        let mut engine = e.borrow_mut();
        match engine.as_ref() {
            Some(e) if e.threaded && !e.started => engine.take(),
            _ => None,
        }
    });
    if let Some(engine) = gave_up {
        single_threaded_instead(engine, reason);
        return;
    }
    let Some(engine) = ENGINE.with(|e| e.borrow_mut().take()) else {
        return;
    };
    let Engine {
        worker,
        starts,
        run,
        preference,
        ..
    } = engine;
    worker.terminate();
    for tx in starts {
        let _ = tx.send(Err(reason.clone()));
    }
    if let Some((run, tx)) = run {
        let _ = tx.unbounded_send(Event::Stopped {
            run,
            reason: StopReason::Failed(reason.clone()),
        });
    }
    if let Some(preference) = preference
        && ensure().is_ok()
    {
        ENGINE.with(|e| {
            if let Some(e) = e.borrow_mut().as_mut() {
                e.preference = Some(preference);
            }
        });
        let _ = post(&Command::Start { preference }, &[]);
    }
}

/// Replaces a threaded `engine` that could not start with the single-threaded one, which
/// gets everything that waited for the first; `problem` is said in the status line.
fn single_threaded_instead(engine: Engine, problem: String) {
    THREADED_PROBLEM.with(|p| *p.borrow_mut() = Some(problem.clone()));
    let Engine {
        worker,
        ready,
        queue,
        starts,
        run,
        preference,
        ..
    } = engine;
    worker.terminate();
    if let Err(e) = ensure() {
        for tx in starts {
            let _ = tx.send(Err(e.clone()));
        }
        return;
    }
    ENGINE.with(|e| {
        if let Some(e) = e.borrow_mut().as_mut() {
            e.queue.extend(queue);
            e.starts.extend(starts);
            e.run = run;
            e.preference = preference;
        }
    });
    // A start already sent to the worker that died must be sent again.
    if let Some(preference) = preference.filter(|_| ready) {
        let _ = post(&Command::Start { preference }, &[]);
    }
}

/// Posts `command` with `extra` values beside it in the envelope.
fn post(command: &Command, extra: &[(&str, JsValue)]) -> Result<(), String> {
    let message = envelope::wrap(command.to_json(), extra);
    ENGINE.with(|e| match e.borrow_mut().as_mut() {
        Some(engine) if engine.ready => engine
            .worker
            .worker
            .post_message(&message)
            .map_err(js_error),
        Some(engine) => {
            engine.queue.push(message);
            Ok(())
        }
        None => Err("the compute engine is not running".into()),
    })
}

/// Starts the backend `preference` asks for and checks it.
///
/// The CPU runs in the threaded engine whenever the page can have threads; WebGPU in the
/// single-threaded one (wgpu's WebGPU types cannot be shared between threads). So the page
/// looks for a WebGPU adapter itself first: with none (or with the CPU chosen) it starts
/// the threaded engine on the CPU, with the reason; and if WebGPU fails later, in the
/// single-threaded engine's own start, the threaded engine takes over the CPU.
pub(crate) async fn start(preference: BackendPreference) -> Result<EngineStatus, String> {
    let cpu = BackendPreference::Only(BackendKind::Cpu);
    if preference.wants_webgpu() {
        replace_if_device_lost();
    }
    let page_fallback = if !threads_possible() {
        None
    } else if preference.wants_webgpu() {
        crate::shell::webgpu::detect().await.err()
    } else {
        Some(Fallback::Chosen)
    };
    if let Some(fallback) = page_fallback {
        use_engine(true)?;
        let mut status = start_here(cpu).await?;
        status.fallback = Some(fallback);
        return Ok(status);
    }
    use_engine(false)?;
    let status = start_here(preference).await?;
    if status.kind == BackendKind::Cpu && threads_possible() {
        let fallback = status.fallback.clone();
        use_engine(true)?;
        let mut threaded = start_here(cpu).await?;
        threaded.fallback = fallback;
        return Ok(threaded);
    }
    Ok(status)
}

/// Asks the running worker to start the backend `preference` asks for.
async fn start_here(preference: BackendPreference) -> Result<EngineStatus, String> {
    ensure()?;
    let (tx, rx) = oneshot::channel();
    ENGINE.with(|e| {
        if let Some(e) = e.borrow_mut().as_mut() {
            e.starts.push(tx);
            e.preference = Some(preference);
        }
    });
    post(&Command::Start { preference }, &[])?;
    rx.await
        .unwrap_or_else(|_| Err("the compute engine stopped while starting".into()))
}

/// Starts run `run` (a [`Command::Run`]); its events arrive on the returned channel, the
/// last one [`Event::Finished`] or [`Event::Stopped`].
pub(crate) fn run(command: Command) -> Result<mpsc::UnboundedReceiver<Event>, String> {
    let Command::Run { run, .. } = &command else {
        return Err("not a run".into());
    };
    ensure()?;
    let (tx, rx) = mpsc::unbounded();
    ENGINE.with(|e| {
        if let Some(e) = e.borrow_mut().as_mut() {
            e.run = Some((*run, tx));
        }
    });
    post(&command, &[])?;
    Ok(rx)
}

/// Times one benchmark workload in the worker (`make bench`'s page): the worker's
/// [`Event::Bench`] answer.
#[cfg(feature = "bench")]
pub(crate) async fn bench(workload: Workload, steps: usize) -> Result<BenchAnswer, String> {
    ensure()?;
    let (tx, rx) = oneshot::channel();
    ENGINE.with(|e| {
        if let Some(e) = e.borrow_mut().as_mut() {
            e.bench = Some(tx);
        }
    });
    post(&Command::Bench { workload, steps }, &[])?;
    rx.await
        .map_err(|_| "the compute engine stopped during the benchmark".to_owned())
}

/// The trained network's file the worker sent for run `run` (an [`Event::Model`] just
/// received), taken.
pub(crate) fn take_model(run: u64) -> Option<Vec<u8>> {
    MODEL.with(|m| {
        let mut kept = m.borrow_mut();
        match kept.as_ref() {
            Some((of, _)) if *of == run => kept.take().map(|(_, bytes)| bytes),
            _ => None,
        }
    })
}

/// Tests a saved network in the worker, clean and at the levels of `noise`: the worker's
/// [`Event::ModelTested`] answer (a refused file's reason as the error).
pub(crate) async fn test_model(
    bytes: &[u8],
    noise: Option<NoiseSpec>,
) -> Result<ModelTest, String> {
    ensure()?;
    let request = NEXT_REQUEST.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let (tx, rx) = oneshot::channel();
    ENGINE.with(|e| {
        if let Some(e) = e.borrow_mut().as_mut() {
            e.model_test = Some((request, tx));
        }
    });
    post(
        &Command::TestModel { request, noise },
        &[("model", Uint8Array::from(bytes).into())],
    )?;
    rx.await
        .map_err(|_| "the compute engine stopped while testing the network".to_owned())?
}

/// Pauses, resumes or cancels the run in progress.
pub(crate) fn control(command: Command) {
    let _ = post(&command, &[]);
}

/// Asks the worker to fetch a shipped dataset now.
pub(crate) fn preload(data: bioplay_engine::data::Shipped) {
    if ensure().is_ok() {
        let _ = post(&Command::Preload { data }, &[]);
    }
}

/// Gives the worker the user's own IDX files.
pub(crate) fn set_custom_data(images: &[u8], labels: &[u8]) -> Result<(), String> {
    CUSTOM_DATA.with(|c| *c.borrow_mut() = Some((images.to_vec(), labels.to_vec())));
    if ENGINE.with(|e| e.borrow().is_some()) {
        post_custom_data(images, labels)
    } else {
        // A worker started now is given the kept files as it starts.
        ensure()
    }
}

/// Posts the user's files to the running worker.
fn post_custom_data(images: &[u8], labels: &[u8]) -> Result<(), String> {
    post(
        &Command::SetCustomData,
        &[
            ("images", Uint8Array::from(images).into()),
            ("labels", Uint8Array::from(labels).into()),
        ],
    )
}
