//! The bioplay web app: a Leptos shell over the experiment engine.
//!
//! Two folders show the split:
//! - [`present`]: what the page shows and accepts, as plain data (forms, result views,
//!   charts as SVG, run history, share links, places, preferences). No browser
//!   dependency: it builds and is tested natively with `cargo test`.
//! - `shell` (wasm32 only, private but for what the browser tests drive): the browser side (Leptos components and panels, storage,
//!   device start-up, the training job loop, WebGPU detection).
//!
//! - [`protocol`]: the messages between the page and the engine's Web Worker (plain data).
//!
//! `start` is the entry point the page's `main` calls; `start_worker` the one the
//! worker's calls.
//!
//! Architecture invariant: experiment logic lives in `bioplay-engine`; this crate only
//! chooses a device, shows state and forwards user input.

pub mod present;
pub mod protocol;
#[cfg(target_arch = "wasm32")]
mod shell;

// What the in-browser tests (tests/web_*.rs) drive directly; the rest of the shell is
// private to the crate, so the compiler reports any of it that nothing uses.
#[cfg(target_arch = "wasm32")]
pub use shell::{app::App, browser::sleep, runtime};

/// Shows a fatal error in the page through the loader's `__bioplayFatal` hook (index.html),
/// so a bug never leaves a blank or frozen page without words.
#[cfg(target_arch = "wasm32")]
pub fn show_fatal(message: &str) {
    use wasm_bindgen::{JsCast, JsValue};
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = js_sys::Reflect::get(&window, &JsValue::from_str("__bioplayFatal"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(hook) = hook {
        let _ = hook.call1(&JsValue::NULL, &JsValue::from_str(message));
    }
}

/// The engine worker's entry point (the `bioplay-worker` binary's `main`): listens for the
/// page's commands.
#[cfg(target_arch = "wasm32")]
pub fn start_worker() {
    shell::worker::start_worker();
}

/// Mounts the app into the page, replacing the loading message.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    // Before anything else calls into the module from JavaScript (see static_init).
    bioplay_engine::static_init::ensure();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_fatal(&format!("The app stopped because of a bug: {info}"));
    }));
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    #[cfg(feature = "bench")]
    if web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .is_some_and(|h| h.starts_with("#/bench"))
    {
        leptos::mount::mount_to_body(shell::bench_page::BenchPage);
        return;
    }
    leptos::mount::mount_to_body(shell::app::App);
}
