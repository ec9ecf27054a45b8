//! The engine worker's thread pool, in the threaded build (`--features threads`, built by
//! `scripts/build-engine-threads.sh` with a standard library compiled for atomics).
//!
//! Burn's CPU backend splits matrix products and large element-wise passes over a rayon
//! pool. In a browser a thread is a Web Worker: the engine's own worker is the pool's
//! first thread, and [`start`] starts one helper worker (`engine-thread.js`) per further
//! thread, hands each the compiled module and the engine's shared memory, and waits until
//! each has instantiated it and calls [`bioplay_pool_thread`], which blocks until the pool
//! gives it a rayon thread to run. Only then is the pool built, because the pool waits for
//! its threads to start and a worker cannot start while its parent blocks.
//!
//! Shared memory needs a cross-origin isolated page; the page starts this build only then
//! (`shell::engine`). Blocking is allowed in workers, never on the page's thread, which
//! does not load this module.

use std::cell::RefCell;
use std::sync::{Condvar, Mutex};

use futures::channel::oneshot;
use js_sys::{Array, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::shell::browser::js_error;

/// The helper workers' script, beside the engine's (in the site's root).
const THREAD_SCRIPT: &str = "./engine-thread.js";
/// The threaded engine's wasm-bindgen glue, which each helper loads.
const GLUE: &str = "./bioplay-worker-mt.js";
/// At most this many threads, whatever the machine reports (each holds a copy of the
/// module's code and a stack; beyond this the networks here gain nothing).
pub(crate) const MAX_THREADS: usize = 8;

/// Rayon threads handed out by the pool, waiting for a helper to run them.
static WAITING: Mutex<Vec<rayon::ThreadBuilder>> = Mutex::new(Vec::new());
static HANDED_OUT: Condvar = Condvar::new();

thread_local! {
    /// The helper workers, kept so the browser does not collect them.
    static HELPERS: RefCell<Vec<Worker>> = const { RefCell::new(Vec::new()) };
}

/// Called by each helper once it has instantiated the module: runs the next rayon thread
/// the pool hands out, which lasts as long as the page.
#[wasm_bindgen]
#[allow(
    unreachable_pub,
    reason = "exported to JavaScript (engine-thread.js), not to Rust"
)]
pub fn bioplay_pool_thread() {
    let builder = {
        let mut waiting = WAITING.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(builder) = waiting.pop() {
                break builder;
            }
            waiting = HANDED_OUT.wait(waiting).unwrap_or_else(|e| e.into_inner());
        }
    };
    builder.run();
}

/// Starts one helper and resolves when it is ready to take a rayon thread.
async fn helper(module: &JsValue, memory: &JsValue) -> Result<Worker, String> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Classic);
    options.set_name("bioplay engine thread");
    let worker = Worker::new_with_options(THREAD_SCRIPT, &options)
        .map_err(|e| format!("a thread could not be started ({})", js_error(e)))?;
    let (done, ready) = oneshot::channel::<Result<(), String>>();
    let done = RefCell::new(Some(done));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let outcome = if data.as_string().as_deref() == Some("ready") {
            Ok(())
        } else {
            let message = Reflect::get(&data, &"error".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "an unexpected message".into());
            Err(format!("a thread failed to start: {message}"))
        };
        if let Some(done) = done.borrow_mut().take() {
            let _ = done.send(outcome);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let init = Array::of3(&GLUE.into(), module, memory);
    worker
        .post_message(&init)
        .map_err(|e| format!("a thread could not be started ({})", js_error(e)))?;
    let outcome = ready
        .await
        .unwrap_or_else(|_| Err("a thread stopped while starting".into()));
    worker.set_onmessage(None);
    drop(on_message);
    outcome.map(|()| worker)
}

/// Makes a rayon pool of `threads` threads for Burn: the engine's own worker (the calling
/// thread, index 0) and `threads - 1` helper workers; returns the number of threads the
/// pool has.
///
/// The engine's worker is one of the pool's threads, so a parallel operation it starts runs
/// its first part at once on this thread instead of waking a helper, and a pool of one is
/// this thread alone. Measured in the bench page against a pool of helpers only
/// (docs/benchmarks.md, 2026-12-06): the CNN about 10% faster on one thread,
/// LeNet-300-100 at batch 256 2-5% faster on two. The thread works for the pool only
/// while it is inside a parallel operation, which is when the engine has work for it.
pub(crate) async fn start(threads: usize) -> Result<usize, String> {
    let threads = threads.clamp(1, MAX_THREADS);
    let (module, memory) = (wasm_bindgen::module(), wasm_bindgen::memory());
    for _ in 1..threads {
        let worker = helper(&module, &memory).await?;
        HELPERS.with(|h| h.borrow_mut().push(worker));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .use_current_thread()
        .thread_name(|i| format!("bioplay-engine-{i}"))
        .spawn_handler(|thread| {
            WAITING
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(thread);
            HANDED_OUT.notify_one();
            Ok(())
        })
        .build_global()
        .map_err(|e| format!("the thread pool could not be built: {e}"))?;
    Ok(rayon::current_num_threads())
}
