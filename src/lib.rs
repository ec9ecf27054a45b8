//! The bioplay web app: a Leptos shell over the experiment engine.
//!
//! Pure logic (backend preferences, places, status wording) is in plain modules that build
//! and test natively. Browser code (WebGPU detection, device start-up, components) is
//! compiled for wasm32 only. `start` is the entry point `main` calls in the browser.
//!
//! Architecture invariant: experiment logic lives in `bioplay-engine`; this crate only
//! chooses a device, shows state and forwards user input.

pub mod backend;
pub mod chart;
pub mod form;
pub mod history;
pub mod prefs;
pub mod routes;
pub mod share;
pub mod views;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(all(target_arch = "wasm32", feature = "bench"))]
pub mod bench_page;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod datasets;
#[cfg(target_arch = "wasm32")]
pub mod job;
#[cfg(target_arch = "wasm32")]
pub mod panel;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
#[cfg(target_arch = "wasm32")]
pub mod store;
#[cfg(target_arch = "wasm32")]
pub mod webgpu;

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
        leptos::mount::mount_to_body(bench_page::BenchPage);
        return;
    }
    leptos::mount::mount_to_body(app::App);
}
