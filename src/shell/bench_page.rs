//! The benchmark page (`#/bench`, only in builds with the `bench` feature, which `make
//! bench` makes; the demo does not ship it): runs the engine's benchmark workloads on the
//! backend the URL names (`?backend=webgpu|cpu`; optionally `&steps=N` and
//! `&workloads=mlp-64,cnn-64`) and shows the results as a table and as JSON for the driver
//! (`scripts/bench.mjs`).

use bioplay_engine::bench::{self, BenchResult, Workload};
use leptos::prelude::*;
use serde::Serialize;

use crate::present::prefs;
use crate::shell::runtime;

/// What the page reports.
#[derive(Debug, Clone, Serialize)]
struct PageReport {
    backend: String,
    adapter: Option<String>,
    /// Page load to a checked device (ms).
    ready_ms: f64,
    results: Vec<BenchResult>,
    /// The module's linear memory after the runs: wasm memory only grows, so this is its
    /// high-water mark.
    wasm_memory_bytes: f64,
    error: Option<String>,
}

fn wasm_memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            f64::from(
                m.buffer()
                    .unchecked_into::<js_sys::ArrayBuffer>()
                    .byte_length(),
            )
        })
        .unwrap_or(0.0)
}

fn param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

async fn measure() -> PageReport {
    let preference = prefs::initial(param(prefs::QUERY_KEY).as_deref(), None).preference;
    let started = runtime::start(preference).await;
    let ready_ms = crate::shell::browser::now_ms();
    let mut report = PageReport {
        backend: started.backend.kind.label().into(),
        adapter: started.backend.adapter.as_ref().map(|a| a.name()),
        ready_ms,
        results: Vec::new(),
        wasm_memory_bytes: 0.0,
        error: None,
    };
    let data = match crate::shell::datasets::shipped(bioplay_engine::data::Shipped::Mnist).await {
        Ok(d) => d,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let steps: Option<usize> = param("steps").and_then(|s| s.parse().ok());
    // `?workloads=mlp-64,cnn-64` runs only those (for profiling one of them).
    let chosen = match param("workloads") {
        None => Workload::ALL.to_vec(),
        Some(list) => match list
            .split(',')
            .filter(|id| !id.is_empty())
            .map(|id| Workload::from_id(id).ok_or(id))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(chosen) => chosen,
            Err(id) => {
                report.error = Some(format!("unknown workload {id:?}"));
                return report;
            }
        },
    };
    for workload in chosen {
        let steps = steps.unwrap_or_else(|| workload.default_steps());
        match bench::run(workload, steps, 10, &data, &started.backend.device).await {
            Ok(r) => report.results.push(r),
            Err(e) => {
                report.error = Some(format!("{}: {e}", workload.id()));
                break;
            }
        }
        crate::shell::browser::sleep(0).await;
    }
    report.wasm_memory_bytes = wasm_memory_bytes();
    report
}

/// The page.
#[component]
pub(crate) fn BenchPage() -> impl IntoView {
    let report = LocalResource::new(measure);
    view! {
        <main class="panel">
            <h2>"Training throughput"</h2>
            {move || match report.get() {
                None => view! { <p data-testid="bench-running">"Running the workloads…"</p> }.into_any(),
                Some(r) => {
                    let json = serde_json::to_string_pretty(&r).unwrap_or_default();
                    view! {
                        <table>
                            <thead><tr><th>"workload"</th><th>"first step"</th><th>"samples/s"</th><th>"guard loss"</th></tr></thead>
                            <tbody>
                                {r.results.iter().map(|x| view! {
                                    <tr>
                                        <td>{x.workload.label()}</td>
                                        <td>{format!("{:.0} ms", x.first_step_ms)}</td>
                                        <td>{format!("{:.0}", x.samples_per_s)}</td>
                                        <td>{format!("{:.4}", x.guard_loss)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <pre data-testid="bench-json">{json}</pre>
                    }
                    .into_any()
                }
            }}
        </main>
    }
}
