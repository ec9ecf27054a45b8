//! Browser tests of the CPU fallback: with WebGPU hidden, without an adapter, and with
//! device creation failing, the shell runs on Burn's CPU backend and says why.
//!
//! Each test simulates the broken browser by patching `navigator.gpu` (or
//! `GPUAdapter.prototype.requestDevice`) and restores it afterwards. None of them starts
//! WebGPU successfully, so their order does not matter (Burn's runtime starts once per page).
#![cfg(target_arch = "wasm32")]

mod common;

use bioplay::present::backend::Fallback;
use bioplay::present::prefs::BackendPreference;
use bioplay::runtime::{self, Startup};
use bioplay_engine::device::BackendKind;
use bioplay_engine::probe;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn assert_cpu_fallback(started: &Startup, reason_id: &str) {
    assert_eq!(started.backend.kind, BackendKind::Cpu);
    assert!(started.backend.adapter.is_none());
    let reason = started.fallback.as_ref().expect("a fallback reason");
    assert_eq!(reason.id(), reason_id, "reason: {reason}");
    assert!(reason.is_problem());
    let check = started.probe.as_ref().expect("the probe passes on the CPU");
    assert!(check.max_error <= probe::AGREEMENT_TOLERANCE);
}

#[wasm_bindgen_test]
async fn no_navigator_gpu_falls_back_to_the_cpu() {
    common::hide_webgpu();
    let started = runtime::start(BackendPreference::Auto).await;
    common::restore_webgpu();
    assert_cpu_fallback(&started, "no-webgpu");
    assert_eq!(started.fallback, Some(Fallback::NoWebGpu));
}

#[wasm_bindgen_test]
async fn asking_for_webgpu_without_it_still_runs_on_the_cpu() {
    common::hide_webgpu();
    let started = runtime::start(BackendPreference::Only(BackendKind::WebGpu)).await;
    common::restore_webgpu();
    assert_cpu_fallback(&started, "no-webgpu");
}

#[wasm_bindgen_test]
async fn no_adapter_falls_back_to_the_cpu() {
    common::fake_webgpu_without_adapter();
    let started = runtime::start(BackendPreference::Auto).await;
    common::restore_webgpu();
    assert_cpu_fallback(&started, "no-adapter");
}

#[wasm_bindgen_test]
async fn failing_device_creation_falls_back_to_the_cpu() {
    assert!(
        common::break_device_creation(),
        "this test needs WebGPU (GPUAdapter) to break: run Chromium with --enable-unsafe-webgpu"
    );
    let started = runtime::start(BackendPreference::Auto).await;
    common::restore_device_creation();
    assert_cpu_fallback(&started, "start-failed");
    let message = started.fallback.map(|f| f.to_string()).unwrap_or_default();
    assert!(message.contains("WebGPU failed to start"), "{message}");
}
