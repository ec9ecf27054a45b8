//! The page's side of the engine's Web Worker: starts the worker, asks it to start a
//! backend and run experiments, and hands its events to whoever waits for them
//! ([`crate::protocol`]).
//!
//! The page never trains: it posts a [`Command`] and reads [`Event`]s. If the worker dies
//! (a crash, or the browser stopping it), the run in progress gets a
//! [`StopReason::Failed`] with the reason, and a new worker is started with the same
//! backend preference, so the next run works without a reload. The end-to-end tests kill
//! the worker through `window.__bioplayEngine.terminate()`, the same path.

use std::cell::RefCell;

use futures::channel::{mpsc, oneshot};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use crate::present::prefs::BackendPreference;
use crate::protocol::{Command, EngineStatus, Event, StopReason};
use crate::shell::browser::js_error;
use crate::shell::envelope;

/// What starting the engine gave: the backend it runs on, or why it could not start.
pub(crate) type EngineStart = Result<EngineStatus, String>;

/// The worker's script, next to the page (trunk's loader shim for the worker module).
const WORKER_SCRIPT: &str = "./bioplay-worker_loader.js";

/// The live worker and who waits for what from it.
struct Engine {
    /// Which worker this is (events of a replaced one are ignored).
    generation: u32,
    worker: Worker,
    /// Whether the worker's module has loaded and listens ([`Event::Ready`]): messages
    /// posted before that would be lost, so they wait in `queue`.
    ready: bool,
    queue: Vec<Object>,
    /// Answers awaited from [`start`].
    starts: Vec<oneshot::Sender<Result<EngineStatus, String>>>,
    /// The run in progress and where its events go.
    run: Option<(u64, mpsc::UnboundedSender<Event>)>,
    /// The preference last asked for, to start a replacement worker with.
    preference: Option<BackendPreference>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    static GENERATION: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
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
    let worker = Worker::new(WORKER_SCRIPT)
        .map_err(|e| format!("the compute engine could not be started ({})", js_error(e)))?;
    let generation = GENERATION.with(|g| {
        g.set(g.get().wrapping_add(1));
        g.get()
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if !is_current(generation) {
            return;
        }
        match Event::from_json(&envelope::message(&event.data())) {
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
            worker,
            ready: false,
            queue: Vec::new(),
            starts: Vec::new(),
            run: None,
            preference: None,
            _on_message: on_message,
            _on_error: on_error,
        });
    });
    Ok(())
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
                    let _ = e.worker.post_message(&message);
                }
            }
        }),
        Event::Started(status) => {
            let waiting = ENGINE.with(|e| {
                e.borrow_mut()
                    .as_mut()
                    .map(|e| std::mem::take(&mut e.starts))
                    .unwrap_or_default()
            });
            for tx in waiting {
                let _ = tx.send(Ok(status.clone()));
            }
        }
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

/// The worker is gone: everyone waiting hears why, and a new one starts with the same
/// preference.
fn lost(reason: String) {
    let Some(engine) = ENGINE.with(|e| e.borrow_mut().take()) else {
        return;
    };
    let Engine {
        worker,
        starts,
        run,
        preference,
        _on_message,
        _on_error,
        ..
    } = engine;
    worker.terminate();
    // This may run inside one of these handlers: drop them after it returns.
    wasm_bindgen_futures::spawn_local(async move {
        drop((_on_message, _on_error));
    });
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

/// Posts `command` with `extra` values beside it in the envelope.
fn post(command: &Command, extra: &[(&str, JsValue)]) -> Result<(), String> {
    let message = envelope::wrap(command.to_json(), extra);
    ENGINE.with(|e| match e.borrow_mut().as_mut() {
        Some(engine) if engine.ready => engine.worker.post_message(&message).map_err(js_error),
        Some(engine) => {
            engine.queue.push(message);
            Ok(())
        }
        None => Err("the compute engine is not running".into()),
    })
}

/// Starts the backend `preference` asks for in the worker and checks it.
pub(crate) async fn start(preference: BackendPreference) -> Result<EngineStatus, String> {
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
    ensure()?;
    post(
        &Command::SetCustomData,
        &[
            ("images", Uint8Array::from(images).into()),
            ("labels", Uint8Array::from(labels).into()),
        ],
    )
}
