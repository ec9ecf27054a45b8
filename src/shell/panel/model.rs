//! Trained networks to take away and bring back: the Train panel's run offers its network
//! as a file ([`ModelDownload`]), and the Noise panel tests a file under its noise levels
//! ([`ModelTester`]). The file format and its checks are the engine's
//! (`experiment::model_file`); testing runs in the engine's worker.

use super::*;
use crate::present::chart::{Series, format_value};
use crate::protocol::ModelTest;
use crate::shell::components::chart::download_bytes;
use crate::shell::engine;

/// "Download the trained network" for a Train run of this session (the worker sends each
/// Train run's network; the page keeps them in memory until it is closed).
#[component]
pub(super) fn ModelDownload(run: Arc<RunRecord>) -> impl IntoView {
    let store = use_store();
    let id = run.id.clone();
    let model = Memo::new(move |_| store.models.with(|m| m.get(&id).cloned()));
    let error = RwSignal::new(None::<String>);
    let file_name = format!("bioplay-train-{}.safetensors", run.id);
    let save = move |_| {
        if let Some(bytes) = model.get_untracked() {
            error.set(download_bytes(&file_name, "application/octet-stream", &bytes).err());
        }
    };
    view! {
        <div class="model-download" data-testid="model-download">
            {move || match model.get() {
                Some(bytes) => view! {
                    <button type="button" class="secondary" data-testid="download-model" on:click=save.clone()>
                        "Download the trained network"
                    </button>
                    <span class="muted">
                        {format!(
                            " safetensors, {:.1} MB: weights, masks and the config; test it again in the Noise panel or with `bioplay eval`",
                            bytes.len() as f64 / 1e6
                        )}
                    </span>
                }
                .into_any(),
                None => view! {
                    <p class="muted" data-testid="no-model">
                        "The trained network is kept for runs made since this page was opened; run again to download it."
                    </p>
                }
                .into_any(),
            }}
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </div>
    }
}

/// Loads a saved network and tests it on its dataset, clean and at the Noise panel's
/// levels. A refused file is named with its reason; the last result stays.
#[component]
pub(super) fn ModelTester() -> impl IntoView {
    let store = use_store();
    let result = RwSignal::new(None::<ModelTest>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(file) = browser::chosen_file(&ev) else {
            return;
        };
        // The noise levels set in the form; none if it has a mistake (then said).
        let noise = store.checked(Tab::Noise).with_untracked(|c| {
            c.as_ref()
                .ok()?
                .first()
                .and_then(|p| match &p.config.experiment {
                    ExperimentKind::Noise(spec) => Some(spec.clone()),
                    _ => None,
                })
        });
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let outcome = match browser::read_file(&file).await {
                Ok(bytes) => engine::test_model(&bytes, noise).await,
                Err(e) => Err(format!("the file could not be read: {e}")),
            };
            let _ = busy.try_set(false);
            match outcome {
                Ok(test) => {
                    let _ = result.try_set(Some(test));
                }
                Err(e) => {
                    let _ = error.try_set(Some(format!("{} was not loaded: {e}", file.name())));
                }
            }
        });
    };
    let chart = Signal::derive(move || {
        result.with(|r| {
            let mut spec = ChartSpec {
                y_range: Some((0.0, 1.0)),
                percent_y: true,
                ..ChartSpec::new(
                    "model-noise",
                    "The loaded network against input noise",
                    r.as_ref().and_then(|t| t.noise.clone()).unwrap_or_default(),
                    "test accuracy",
                )
            };
            if let Some(t) = r {
                spec.series
                    .push(Series::new("loaded network", t.levels.clone()));
            }
            spec
        })
    });
    view! {
        <section class="model-test" data-testid="model-test">
            <h3>"Test a saved network under this noise"</h3>
            <p class="muted">
                "Load a network downloaded from the Train panel (.safetensors). It is tested on the test samples of its own run's dataset, clean and at the noise levels set on the left."
            </p>
            <label class="file">
                "Network file "
                <input type="file" accept=".safetensors" data-testid="model-file" on:change=on_change prop:disabled=move || busy.get() />
            </label>
            {move || busy.get().then(|| view! { <p class="muted" data-testid="model-testing">"Testing…"</p> })}
            {move || error.get().map(|e| view! { <p class="notice error" role="alert" data-testid="model-error">{e}</p> })}
            {move || result.get().map(|t| {
                let saved = t
                    .saved_accuracy
                    .map(|a| format!(" (saved with {})", format_value(a, true)))
                    .unwrap_or_default();
                let has_levels = !t.levels.is_empty();
                view! {
                    <div data-testid="model-result" data-accuracy=t.accuracy.to_string()>
                        <p class="headline">
                            {format!(
                                "{} on {}: test accuracy {} ({} of {}){saved}.",
                                t.model,
                                t.dataset,
                                format_value(t.accuracy, true),
                                t.correct,
                                t.total
                            )}
                        </p>
                        {has_levels.then(|| view! { <Chart spec=chart /> })}
                    </div>
                }
            })}
        </section>
    }
}
