//! Detects WebGPU in the browser before Burn is asked to start on it.
//!
//! Reads `navigator.gpu`, asks it for an adapter and reads the adapter's description,
//! through `js_sys::Reflect` rather than web-sys's WebGPU bindings (which need the unstable
//! `web_sys_unstable_apis` cfg). Every failure becomes a [`Fallback`] the shell can show.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::present::backend::{AdapterInfo, Fallback};
use crate::shell::browser::js_error;

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn get_string(target: &JsValue, key: &str) -> String {
    get(target, key)
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Finds a WebGPU adapter, or says why there is none.
pub(crate) async fn detect() -> Result<AdapterInfo, Fallback> {
    // `navigator` of the page or of the worker (WebGPU exists in dedicated workers).
    let Some(navigator) = get(&js_sys::global(), "navigator") else {
        return Err(Fallback::NoWebGpu);
    };
    let Some(gpu) = get(&navigator, "gpu") else {
        return Err(Fallback::NoWebGpu);
    };
    let request = get(&gpu, "requestAdapter")
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(Fallback::NoWebGpu)?;
    let options = js_sys::Object::new();
    // Burn asks for the high-performance adapter; describe the same one.
    let _ = Reflect::set(
        &options,
        &"powerPreference".into(),
        &"high-performance".into(),
    );
    let promise = request
        .call1(&gpu, &options)
        .map_err(|e| Fallback::AdapterRequestFailed(js_error(e)))?;
    let promise: Promise = promise.dyn_into().map_err(|_| {
        Fallback::AdapterRequestFailed("requestAdapter did not return a promise".into())
    })?;
    let adapter = JsFuture::from(promise)
        .await
        .map_err(|e| Fallback::AdapterRequestFailed(js_error(e)))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err(Fallback::NoAdapter);
    }
    let info = get(&adapter, "info").unwrap_or(JsValue::UNDEFINED);
    Ok(AdapterInfo {
        vendor: get_string(&info, "vendor"),
        architecture: get_string(&info, "architecture"),
        device: get_string(&info, "device"),
        description: get_string(&info, "description"),
    })
}
