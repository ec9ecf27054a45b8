//! Small wrappers over browser APIs the app uses: time, yielding to the event loop, local
//! storage, fetching files and reading uploads, and the clipboard. Each failure comes back
//! as words for the page, never as a panic. Time, sleeping and fetching work in the page
//! and in the engine's worker alike (a `Window` or a `WorkerGlobalScope`).

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A browser call that failed, in words: an `Error`'s message (or any thrown object's
/// `message`), a thrown string, else the value as JSON.
pub(crate) fn js_error(value: JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    if let Some(message) = js_sys::Reflect::get(&value, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
    {
        return message;
    }
    value
        .as_string()
        .or_else(|| {
            js_sys::JSON::stringify(&value)
                .ok()
                .and_then(|s| s.as_string())
        })
        .unwrap_or_else(|| format!("{value:?}"))
}

/// The global scope outside a page: the engine's worker.
fn worker_scope() -> Option<web_sys::WorkerGlobalScope> {
    js_sys::global().dyn_into().ok()
}

/// Milliseconds since the page (or worker) started (monotonic).
pub(crate) fn now_ms() -> f64 {
    let performance = match web_sys::window() {
        Some(w) => w.performance(),
        None => worker_scope().and_then(|s| s.performance()),
    };
    performance.map(|p| p.now()).unwrap_or_default()
}

/// Milliseconds since the Unix epoch.
pub(crate) fn epoch_ms() -> f64 {
    js_sys::Date::now()
}

/// Resolves after `ms` milliseconds (0: on the next turn of the event loop, after input
/// and rendering had their chance).
pub async fn sleep(ms: i32) {
    let window = web_sys::window();
    let worker = worker_scope();
    if window.is_none() && worker.is_none() {
        return;
    }
    let promise = Promise::new(&mut |resolve, _| {
        let _ = match (&window, &worker) {
            (Some(w), _) => w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms),
            (None, Some(s)) => {
                s.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            }
            (None, None) => Ok(0),
        };
    });
    let _ = JsFuture::from(promise).await;
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A stored string.
pub(crate) fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Stores a string; the error says why it could not be kept (full, disabled).
pub(crate) fn save(key: &str, value: &str) -> Result<(), String> {
    let storage = storage().ok_or("this browser does not allow local storage here")?;
    storage.set_item(key, value).map_err(js_error)
}

/// Removes a stored string.
pub(crate) fn forget(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// Fetches a file relative to the page (or the worker's script, next to it).
pub(crate) async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let request = match (web_sys::window(), worker_scope()) {
        (Some(w), _) => w.fetch_with_str(url),
        (None, Some(s)) => s.fetch_with_str(url),
        (None, None) => return Err("no window or worker to fetch with".into()),
    };
    let response: web_sys::Response = JsFuture::from(request)
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The contents of a file the user chose.
pub(crate) async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(js_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The first file chosen in a file input's change event.
pub(crate) fn chosen_file(event: &web_sys::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = event.target()?.dyn_into().ok()?;
    input.files()?.get(0)
}

/// Clears a file input so choosing the same file again fires a change.
pub(crate) fn reset_file_input(event: &web_sys::Event) {
    if let Some(input) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.set_value("");
    }
}

/// Copies text to the clipboard, if the browser lets the page.
pub(crate) async fn copy_text(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.map(|_| ()).map_err(js_error)
}

/// The page's address with `hash` as its hash, replacing the current entry (no reload,
/// no hashchange event).
pub(crate) fn replace_hash(hash: &str) -> String {
    let Some(window) = web_sys::window() else {
        return String::new();
    };
    let location = window.location();
    let base = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    let url = format!("{base}{hash}");
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
    location.href().unwrap_or(url)
}

/// PNG bytes as a data URL.
pub(crate) fn png_data_url(png: &[u8]) -> String {
    use base64::Engine;
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}
