//! Browser tests with WebGPU available (Chromium with `--enable-unsafe-webgpu`, SwiftShader
//! when there is no GPU; see webdriver.json): Burn autodiff on WebGPU agrees with the CPU
//! backend and with the exact answer, the runtime starts on WebGPU, and the app shell
//! mounts and says so when its engine worker cannot load (this test page has no worker
//! script; the end-to-end tests run the app with its worker on `dist/`).
//!
//! These tests require WebGPU and fail, not skip, when the browser does not offer it.
#![cfg(target_arch = "wasm32")]

mod common;

use bioplay::present::prefs::BackendPreference;
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
    assert_eq!(
        started.fallback,
        Some(bioplay::present::backend::Fallback::Chosen)
    );
    assert!(started.probe.is_ok());
}

#[wasm_bindgen_test]
async fn the_app_mounts_and_says_when_its_engine_cannot_load() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(bioplay::present::prefs::STORAGE_KEY);
    }
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    std::mem::forget(leptos::mount::mount_to(host, bioplay::App));

    let status = common::wait_for(
        "[data-testid=probe-status]:not([data-state=starting])",
        120_000,
    )
    .await
    .expect("the status line leaves 'starting' within 2 minutes");
    let text = status.text_content().unwrap_or_default();
    assert_eq!(
        status.get_attribute("data-state").as_deref(),
        Some("error"),
        "status: {text}"
    );
    assert!(text.contains("could not be loaded"), "status: {text}");
    for tab in bioplay::present::routes::Tab::ALL {
        assert!(
            common::query(&format!("[data-testid=tab-{}]", tab.id())).is_some(),
            "tab {tab:?} missing"
        );
    }
    assert!(common::query("[data-testid=panel-train]").is_some());
}

/// Trains `spec` for a few steps on `device` from fixed initial weights, with half of the
/// hidden weights masked; returns the per-call losses, the final test accuracy and whether
/// every masked weight is still exactly zero.
async fn train_a_few_steps(
    spec: &bioplay_engine::model::ModelSpec,
    device: &bioplay_engine::Device,
) -> (Vec<f64>, f64, bool) {
    use bioplay_engine::data::Dataset;
    use bioplay_engine::model::Network;
    use bioplay_engine::optim::OptimizerSpec;
    use bioplay_engine::prune::Masks;
    use bioplay_engine::rng::Rng;
    use bioplay_engine::train::{Samples, TrainSpec, Trainer};

    let data = Dataset::synthetic(96, 8, 4, 7);
    let indices: Vec<usize> = (0..data.len()).collect();
    let samples = Samples::new(&data, &indices);
    let net = Network::new(spec, 8, 8, 4).expect("builds");
    let masks = Masks::random(net.params(), 0.5, &mut Rng::new(3));
    let params = net.init(&mut Rng::new(1), device);
    let train = TrainSpec {
        optimizer: OptimizerSpec::adam(0.01),
        batch_size: 16,
        epochs: 1,
        oja: None,
    };
    let mut trainer = Trainer::new(net, params, masks.clone(), train, device, 5).expect("fits");
    let mut losses = Vec::new();
    for _ in 0..4 {
        let report = trainer.train(&samples, 5).await.expect("trains");
        losses.push(report.mean_loss);
    }
    let accuracy = trainer
        .evaluate(&samples)
        .await
        .expect("evaluates")
        .accuracy();
    let values = trainer.read_params().await.expect("reads");
    let zero = values.iter().zip(&masks.0).all(|(v, m)| match m {
        Some(keep) => v.iter().zip(keep).all(|(w, k)| *k || *w == 0.0),
        None => true,
    });
    (losses, accuracy, zero)
}

#[wasm_bindgen_test]
async fn the_engine_trains_on_webgpu_like_on_the_cpu() {
    use bioplay_engine::model::{CnnSpec, ConvSpec, KwtaSpec, MlpSpec, ModelSpec};
    let (gpu, _) = runtime::webgpu_device()
        .await
        .unwrap_or_else(|reason| panic!("WebGPU did not start: {reason}"));
    let mut kwta_mlp = MlpSpec::new(vec![32, 16]);
    kwta_mlp.kwta = Some(KwtaSpec { fraction: 0.25 });
    let cnn = ModelSpec::Cnn(CnnSpec {
        convs: vec![ConvSpec {
            channels: 4,
            kernel: 3,
            padding: 1,
            pool: true,
        }],
        hidden: vec![16],
        conv_kwta: None,
        kwta: None,
        dendrites: None,
        init: Default::default(),
    });
    // A plain ReLU MLP takes the engine's hand-written backward pass (model/backprop.rs),
    // the other two Burn's autodiff.
    let plain_mlp = ModelSpec::Mlp(MlpSpec::new(vec![32, 16]));
    for spec in [plain_mlp, ModelSpec::Mlp(kwta_mlp), cnn] {
        let (gpu_losses, gpu_acc, gpu_zero) = train_a_few_steps(&spec, &gpu).await;
        let (cpu_losses, cpu_acc, cpu_zero) = train_a_few_steps(&spec, &device::cpu()).await;
        web_sys::console::log_1(
            &format!("{spec:?}\n  WebGPU losses {gpu_losses:?} acc {gpu_acc}\n  CPU losses {cpu_losses:?} acc {cpu_acc}").into(),
        );
        assert!(gpu_zero && cpu_zero, "masked weights must stay zero");
        assert!(
            gpu_losses.last() < gpu_losses.first(),
            "WebGPU training must lower the loss: {gpu_losses:?}"
        );
        // Same initial weights, data order and masks: the two devices follow the same path
        // up to f32 rounding (top-k ties could differ, so compare loosely).
        for (g, c) in gpu_losses.iter().zip(&cpu_losses) {
            assert!(
                (g - c).abs() < 0.02,
                "WebGPU {gpu_losses:?} vs CPU {cpu_losses:?}"
            );
        }
        assert!(gpu_acc > 0.5, "WebGPU accuracy {gpu_acc}");
    }
}

#[wasm_bindgen_test]
async fn static_constructors_run_once_however_often_javascript_calls_in() {
    // A short WebGPU run makes thousands of calls from JavaScript into the module (bind
    // groups, buffers, promise callbacks). If the linker wrapped every export with the
    // static constructors again, the count would grow with each of them.
    let (gpu, _) = runtime::webgpu_device()
        .await
        .unwrap_or_else(|reason| panic!("WebGPU did not start: {reason}"));
    probe::run(&gpu).await.expect("probe runs on WebGPU");
    for _ in 0..20 {
        bioplay::sleep(0).await;
    }
    assert_eq!(
        bioplay_engine::static_init::constructor_runs(),
        Some(1),
        "static constructors must run exactly once (see bioplay_engine::static_init)"
    );
}
