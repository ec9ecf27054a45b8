//! Browser tests with WebGPU available (Chromium with `--enable-unsafe-webgpu`, SwiftShader
//! when there is no GPU; see webdriver.json): Burn autodiff on WebGPU agrees with the CPU
//! backend and with the exact answer, and the app shell starts on WebGPU.
//!
//! These tests require WebGPU and fail, not skip, when the browser does not offer it.
#![cfg(target_arch = "wasm32")]

mod common;

use bioplay::prefs::BackendPreference;
use bioplay::runtime;
use bioplay_engine::device::{self, BackendKind};
use bioplay_engine::probe;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn webgpu_autodiff_matches_the_cpu_backend() {
    assert!(
        common::has_webgpu(),
        "this test needs WebGPU: run Chromium with --enable-unsafe-webgpu (webdriver.json)"
    );
    let (gpu, adapter) = runtime::webgpu_device()
        .await
        .unwrap_or_else(|reason| panic!("WebGPU did not start: {reason}"));
    let on_gpu = probe::run(&gpu).await.expect("probe runs on WebGPU");
    let on_cpu = probe::run(&device::cpu().autodiff())
        .await
        .expect("probe runs on the CPU");
    let exact = probe::expected();

    let gpu_vs_cpu = on_gpu.max_abs_diff(&on_cpu);
    web_sys::console::log_1(
        &format!(
            "WebGPU ({adapter}) vs CPU: max |diff| = {gpu_vs_cpu:.2e}; gpu vs exact {:.2e}; \
             gpu {:.1} ms, cpu {:.1} ms",
            on_gpu.max_abs_diff(&exact),
            on_gpu.elapsed_ms,
            on_cpu.elapsed_ms
        )
        .into(),
    );
    assert!(
        gpu_vs_cpu <= probe::AGREEMENT_TOLERANCE,
        "WebGPU and CPU gradients differ by {gpu_vs_cpu:e} (> {:e})",
        probe::AGREEMENT_TOLERANCE
    );
    assert!(on_gpu.max_abs_diff(&exact) <= probe::AGREEMENT_TOLERANCE);
    assert!(
        exact.grad_sum().abs() > 1e-3,
        "gradients must be non-trivial"
    );
}

#[wasm_bindgen_test]
async fn auto_preference_starts_on_webgpu() {
    let started = runtime::start(BackendPreference::Auto).await;
    assert_eq!(
        started.backend.kind,
        BackendKind::WebGpu,
        "fell back: {:?}",
        started.fallback
    );
    assert!(started.fallback.is_none());
    let adapter = started.backend.adapter.expect("WebGPU reports its adapter");
    assert!(!adapter.name().is_empty());
    let check = started.probe.expect("the probe passes on WebGPU");
    assert!(check.max_error <= probe::AGREEMENT_TOLERANCE);
}

#[wasm_bindgen_test]
async fn choosing_the_cpu_uses_the_cpu_even_with_webgpu() {
    let started = runtime::start(BackendPreference::Only(BackendKind::Cpu)).await;
    assert_eq!(started.backend.kind, BackendKind::Cpu);
    assert_eq!(started.fallback, Some(bioplay::backend::Fallback::Chosen));
    assert!(started.probe.is_ok());
}

#[wasm_bindgen_test]
async fn the_app_mounts_and_reports_webgpu() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(bioplay::prefs::STORAGE_KEY);
    }
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    std::mem::forget(leptos::mount::mount_to(host, bioplay::app::App));

    let status = common::wait_for(
        "[data-testid=probe-status]:not([data-state=starting])",
        120_000,
    )
    .await
    .expect("the status line leaves 'starting' within 2 minutes");
    assert_eq!(
        status.get_attribute("data-state").as_deref(),
        Some("ok"),
        "status: {}",
        status.text_content().unwrap_or_default()
    );
    let kind = common::query("[data-testid=backend-kind]").expect("backend kind shown");
    assert_eq!(kind.text_content().as_deref(), Some("WebGPU"));
    assert!(common::query("[data-testid=fallback-notice]").is_none());
    for tab in bioplay::routes::Tab::ALL {
        assert!(
            common::query(&format!("[data-testid=tab-{}]", tab.id())).is_some(),
            "tab {tab:?} missing"
        );
    }
    assert!(common::query("[data-testid=panel-train]").is_some());
}
