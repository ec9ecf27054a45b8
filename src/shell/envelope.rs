//! The envelope every message between the page and the engine's worker travels in: a plain
//! object whose `message` is the [`crate::protocol`] JSON, with the bytes of a user's own
//! dataset beside it under their own keys (structured-cloned, never JSON). Both sides read
//! and write it through these three functions.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// An envelope holding `json`, with `extra` values beside it.
pub(crate) fn wrap(json: String, extra: &[(&str, JsValue)]) -> Object {
    let envelope = Object::new();
    let _ = Reflect::set(&envelope, &"message".into(), &json.into());
    for (key, value) in extra {
        let _ = Reflect::set(&envelope, &(*key).into(), value);
    }
    envelope
}

/// The JSON an envelope holds (empty if it holds none, which the protocol then refuses).
pub(crate) fn message(envelope: &JsValue) -> String {
    Reflect::get(envelope, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default()
}

/// The bytes beside the message under `key` (empty if there are none).
pub(crate) fn bytes(envelope: &JsValue, key: &str) -> Vec<u8> {
    Reflect::get(envelope, &key.into())
        .ok()
        .and_then(|v| v.dyn_into::<Uint8Array>().ok())
        .map(|a| a.to_vec())
        .unwrap_or_default()
}
