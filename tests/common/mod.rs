//! Helpers shared by the browser tests: waiting, DOM queries and switches that simulate a
//! browser without (working) WebGPU by patching `navigator.gpu` in the test page.
#![allow(dead_code)]

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
export function hide_webgpu() {
  Object.defineProperty(navigator, "gpu", { value: undefined, configurable: true });
}
export function fake_webgpu_without_adapter() {
  const gpu = { requestAdapter: async () => null, getPreferredCanvasFormat: () => "bgra8unorm" };
  Object.defineProperty(navigator, "gpu", { value: gpu, configurable: true });
}
export function restore_webgpu() { delete navigator.gpu; }
export function break_device_creation() {
  const proto = globalThis.GPUAdapter && GPUAdapter.prototype;
  if (!proto) return false;
  proto.__bioplayRequestDevice = proto.requestDevice;
  proto.requestDevice = function () {
    return Promise.reject(new Error("simulated device creation failure"));
  };
  return true;
}
export function restore_device_creation() {
  const proto = GPUAdapter.prototype;
  if (proto.__bioplayRequestDevice) proto.requestDevice = proto.__bioplayRequestDevice;
}
export function has_webgpu() { return !!navigator.gpu; }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = sleep)]
    fn sleep_promise(ms: u32) -> js_sys::Promise;
    pub fn hide_webgpu();
    pub fn fake_webgpu_without_adapter();
    pub fn restore_webgpu();
    pub fn break_device_creation() -> bool;
    pub fn restore_device_creation();
    pub fn has_webgpu() -> bool;
}

/// Waits `ms` milliseconds, letting the page's event loop run.
pub(crate) async fn sleep(ms: u32) {
    let _ = wasm_bindgen_futures::JsFuture::from(sleep_promise(ms)).await;
}

/// The first element matching `selector`, if any.
pub(crate) fn query(selector: &str) -> Option<web_sys::Element> {
    web_sys::window()?
        .document()?
        .query_selector(selector)
        .ok()
        .flatten()
}

/// Polls until an element matches `selector` or `timeout_ms` passes.
pub(crate) async fn wait_for(selector: &str, timeout_ms: u32) -> Option<web_sys::Element> {
    let mut waited = 0;
    loop {
        if let Some(found) = query(selector) {
            return Some(found);
        }
        if waited >= timeout_ms {
            return None;
        }
        sleep(100).await;
        waited += 100;
    }
}
