//! The benchmark page (`#/bench`, only in builds with the `bench` feature, which `make
//! bench` makes; the demo does not ship it): runs the engine's benchmark workloads in the
//! engine's worker, as the app trains, on the backend the URL names
//! (`?backend=webgpu|cpu`; optionally `&steps=N`, `&workloads=mlp-64,cnn-64` and
//! `&threads=N` for the threaded engine, which runs when the page is cross-origin
//! isolated) and shows the results as a table and as JSON for the driver
//! (`scripts/bench.mjs`).

use bioplay_engine::bench::{BenchResult, Workload};
use leptos::prelude::*;
use serde::Serialize;

use crate::present::prefs;
use crate::shell::engine;

/// What the page reports.
#[derive(Debug, Clone, Serialize)]
struct PageReport {
    backend: String,
    adapter: Option<String>,
    /// Threads the CPU backend computes on (1 in the single-threaded engine).
    threads: usize,
    /// Page load to a checked device (ms).
    ready_ms: f64,
    results: Vec<BenchResult>,
    /// The engine's linear memory after the runs: wasm memory only grows, so this is its
    /// high-water mark.
    wasm_memory_bytes: f64,
    error: Option<String>,
}

fn param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

async fn measure() -> PageReport {
    let preference = prefs::initial(param(prefs::QUERY_KEY).as_deref(), None).preference;
    let mut report = PageReport {
        backend: String::new(),
        adapter: None,
        threads: 1,
        ready_ms: 0.0,
        results: Vec::new(),
        wasm_memory_bytes: 0.0,
        error: None,
    };
    let started = match engine::start(preference).await {
        Ok(s) => s,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    report.ready_ms = crate::shell::browser::now_ms();
    report.backend = started.kind.label().into();
    report.adapter = started.adapter.as_ref().map(|a| a.name());
    report.threads = started.threads().count();
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
        let measured = engine::bench(workload, steps)
            .await
            .and_then(|(result, memory)| {
                report.wasm_memory_bytes = memory;
                result
            });
        match measured {
            Ok(r) => report.results.push(r),
            Err(e) => {
                report.error = Some(e);
                break;
            }
        }
    }
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
