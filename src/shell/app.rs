//! The Leptos application: header with the backend switch and status line, navigation, and
//! one panel per experiment family (each built on its first visit and kept, hidden, after).
//!
//! Components stay small and hold no domain logic: backend choice lives in `prefs` and
//! `runtime`, places in `routes`, wording of failures in `backend`.

use std::time::Duration;

use bioplay_engine::device::BackendKind;
use bioplay_engine::experiment::DatasetChoice;
use leptos::prelude::*;
use web_sys::UrlSearchParams;

use crate::present::backend::{Fallback, device_lost_status, format_ms};
use crate::present::capitalise;
use crate::present::form;
use crate::present::prefs::{self, BackendPreference};
use crate::present::routes::Tab;
use crate::present::share;
use crate::protocol::EngineStatus;
use crate::shell::engine::{self, EngineStart};
use crate::shell::panel::ExperimentPanel;
use crate::shell::store::{Notice, Store, use_store};

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn url_params() -> Option<UrlSearchParams> {
    let search = web_sys::window()?.location().search().ok()?;
    UrlSearchParams::new_with_str(&search).ok()
}

fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Opens the panel the location hash names and, for a share link, restores its settings.
/// A link that cannot be used changes nothing and says why.
fn follow_link(store: Store, hash: &str) -> Tab {
    match share::parse_hash(hash) {
        Ok(None) => Tab::default(),
        Ok(Some(shared)) => {
            let tab = shared.tab;
            if let Some(values) = shared.values {
                let problems = form::problems(tab, &values);
                if problems.is_empty() {
                    store.set_values(tab, values);
                    store.notify(
                        tab,
                        Some(Notice::info(
                            "link-restored",
                            "Settings restored from the link.",
                        )),
                    );
                } else {
                    let list: Vec<String> = problems
                        .iter()
                        .map(|(k, p)| {
                            if k.is_empty() {
                                p.clone()
                            } else {
                                format!("{k}: {p}")
                            }
                        })
                        .collect();
                    store.notify(
                        tab,
                        Some(Notice::error(
                            "link-error",
                            format!(
                                "This link's settings cannot be used ({}). Your settings and runs are unchanged.",
                                list.join(" ")
                            ),
                        )),
                    );
                }
            }
            tab
        }
        Err(e) => {
            let tab = Tab::from_hash(hash).unwrap_or_default();
            store.notify(
                tab,
                Some(Notice::error(
                    "link-error",
                    format!("This link cannot be used: {e}. Your settings and runs are unchanged."),
                )),
            );
            tab
        }
    }
}

/// Remembers the choice, and keeps a `?backend=` in the address bar in step with it so a
/// copied link shows what the user sees.
fn persist_preference(preference: BackendPreference) {
    if let Some(storage) = local_storage() {
        // Storage can be full or disabled; the choice then lasts for this page only.
        let _ = storage.set_item(prefs::STORAGE_KEY, preference.id());
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(params) = url_params() else { return };
    if params.get(prefs::QUERY_KEY).is_none() {
        return;
    }
    params.set(prefs::QUERY_KEY, preference.id());
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let query = params.to_string().as_string().unwrap_or_default();
    if let Ok(history) = window.history() {
        let url = format!("{path}?{query}{hash}");
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let from_url = url_params().and_then(|p| p.get(prefs::QUERY_KEY));
    let from_storage = local_storage().and_then(|s| s.get_item(prefs::STORAGE_KEY).ok().flatten());
    let initial = prefs::initial(from_url.as_deref(), from_storage.as_deref());
    let (preference, set_preference) = signal(initial.preference);
    let (pref_problem, set_pref_problem) = signal(initial.problem);

    // The started engine, or `None` while one starts: at first, after a switch and after a
    // restart, so that nothing shows or uses the previous backend meanwhile (a resource
    // would keep its old value until the new one is in). A start that a newer one
    // overtook is dropped.
    let startup = RwSignal::new(None::<EngineStart>);
    let starts = StoredValue::new(0u32);
    let start = move |preference: BackendPreference| {
        startup.set(None);
        let this = starts.get_value().wrapping_add(1);
        starts.set_value(this);
        leptos::task::spawn_local(async move {
            let started = engine::start(preference).await;
            if starts.get_value() == this {
                startup.set(Some(started));
            }
        });
    };
    Effect::new(move |_| start(preference.get()));
    let startup = startup.read_only();

    let store = Store::load();
    provide_context(store);
    let (tab, set_tab) = signal(follow_link(store, &current_hash()));
    let hash_listener = window_event_listener(leptos::ev::hashchange, move |_| {
        set_tab.set(follow_link(store, &current_hash()));
    });
    on_cleanup(move || hash_listener.remove());
    // A panel is built on its first visit and then kept, hidden while another is shown:
    // switching back is a change of one attribute, not a rebuild of its form, charts and
    // history, and it keeps what the panel showed (scroll position, open details). A hidden
    // panel keeps its layout too (`content-visibility` in static/style.css), so showing it
    // redraws only what changed meanwhile.
    let mounted = RwSignal::new(Tab::ALL.map(|t| t == tab.get_untracked()));
    Effect::new(move |_| {
        let shown = tab.get();
        if !mounted.with(|m| m[shown.index()]) {
            mounted.update(|m| m[shown.index()] = true);
        }
    });
    premount(store, mounted);
    // The worker fetches the shown panel's shipped dataset now, so Run starts at once.
    let dataset = Memo::new(move |_| store.field(tab.get(), "dataset"));
    Effect::new(move |_| {
        let shipped = DatasetChoice::from_id(&dataset.get()).and_then(DatasetChoice::shipped);
        if let Some(which) = shipped {
            engine::preload(which);
        }
    });

    let choose = move |choice: BackendPreference| {
        set_pref_problem.set(None);
        store.device_lost.set(None);
        persist_preference(choice);
        set_preference.set(choice);
    };
    engine::on_device_lost(move |lost| store.device_lost.set(Some(lost)));
    // After a lost device: the same preference, in a new worker (`engine::start`).
    let restart = move || {
        store.device_lost.set(None);
        start(preference.get_untracked());
    };
    let use_cpu = move || choose(BackendPreference::Only(BackendKind::Cpu));

    view! {
        <header class="topbar">
            <div class="brand">
                <img src="favicon.svg" alt="" width="28" height="28" />
                <div>
                    <h1>"bioplay"</h1>
                    <p class="tagline">"Biology-inspired deep learning, trained in your browser"</p>
                </div>
            </div>
            <BackendSwitch preference choose />
        </header>
        <Show when=move || pref_problem.get().is_some()>
            <div class="notice error" role="alert" data-testid="pref-error">
                {move || pref_problem.get().map(|p| p.to_string())}
            </div>
        </Show>
        <StatusLine startup restart use_cpu />
        <nav class="tabs" aria-label="Experiments">
            {Tab::ALL
                .into_iter()
                .map(|t| {
                    view! {
                        <a
                            href=t.hash()
                            class="tab"
                            class:active=move || tab.get() == t
                            aria-current=move || (tab.get() == t).then_some("page")
                            data-testid=format!("tab-{}", t.id())
                        >
                            {t.label()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <main data-panels-built=move || mounted.with(|m| m.iter().filter(|b| **b).count())>
            {Tab::ALL
                .into_iter()
                .map(|t| {
                    view! {
                        <Show when=move || mounted.with(|m| m[t.index()])>
                            <div class="panel-slot" hidden=move || tab.get() != t>
                                <ExperimentPanel tab=t startup />
                            </div>
                        </Show>
                    }
                })
                .collect_view()}
        </main>
        <footer class="footer">
            "Everything runs in this tab: your data and models never leave your computer."
        </footer>
    }
}

/// Builds the panels not visited yet, one per idle moment of the page and only while no
/// run is going (building one takes tens of milliseconds, which must not land between a
/// run's progress reports), so that a first visit is as quick as any other switch.
fn premount(store: Store, mounted: RwSignal<[bool; Tab::ALL.len()]>) {
    request_idle_callback(move || {
        let Some(next) = mounted.with_untracked(|m| m.iter().position(|built| !built)) else {
            return;
        };
        if store.running.get_untracked().is_some() {
            set_timeout(move || premount(store, mounted), Duration::from_secs(1));
            return;
        }
        mounted.update(|m| m[next] = true);
        premount(store, mounted);
    });
}

/// The backend chooser.
#[component]
fn BackendSwitch(
    preference: ReadSignal<BackendPreference>,
    choose: impl Fn(BackendPreference) + 'static,
) -> impl IntoView {
    // The engine is not switched under a run.
    let running = use_store().running;
    view! {
        <label class="switch">
            <span>"Compute"</span>
            <select
                data-testid="backend-select"
                disabled=move || running.get().is_some()
                title=move || {
                    if running.get().is_some() {
                        "Finish or cancel the run to switch"
                    } else {
                        "Where the networks train"
                    }
                }
                on:change=move |ev| {
                    if let Ok(choice) = event_target_value(&ev).parse::<BackendPreference>() {
                        choose(choice);
                    }
                }
            >
                {BackendPreference::ALL
                    .into_iter()
                    .map(|p| {
                        view! {
                            <option value=p.id() selected=move || preference.get() == p>
                                {p.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Which backend runs, on what adapter, and the autodiff check's result; or, once the
/// WebGPU device is lost, what happened and the two ways on.
#[component]
fn StatusLine(
    startup: ReadSignal<Option<EngineStart>>,
    restart: impl Fn() + Copy + Send + Sync + 'static,
    use_cpu: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let device_lost = use_store().device_lost;
    move || {
        if let Some(lost) = device_lost.get() {
            return view! {
                <section class="status" data-testid="probe-status" data-state="lost" role="alert">
                    <span class="dot error"></span>
                    <span class="detail" data-testid="device-lost">{device_lost_status(&lost)}</span>
                    <span class="status-actions">
                        <button data-testid="restart-webgpu" on:click=move |_| restart()>
                            "Start WebGPU again"
                        </button>
                        <button data-testid="use-cpu" on:click=move |_| use_cpu()>
                            "Use the CPU"
                        </button>
                    </span>
                </section>
            }
            .into_any();
        }
        match startup.get() {
        Some(Err(problem)) => view! {
            <section class="status" data-testid="probe-status" data-state="error" role="alert">
                <span class="dot error"></span>
                {format!("{}. Reload the page to try again.", capitalise(&problem))}
            </section>
        }
        .into_any(),
        None => view! {
            <section class="status" data-testid="probe-status" data-state="starting" aria-live="polite">
                <span class="dot busy"></span>
                "Starting the compute backend and checking it with a small autodiff computation…"
            </section>
        }
        .into_any(),
        Some(Ok(started)) => started_view(started).into_any(),
    }
    }
}

fn started_view(started: EngineStatus) -> impl IntoView {
    let kind = started.kind;
    let adapter = started.adapter.clone();
    let software = adapter.as_ref().is_some_and(|a| a.is_software());
    let adapter_name = match (&adapter, kind) {
        (Some(a), _) => a.name(),
        (None, BackendKind::Cpu) => "Burn flex backend, WebAssembly".to_owned(),
        (None, BackendKind::WebGpu) => String::new(),
    };
    let (state, detail) = match &started.probe {
        Ok(check) => (
            "ok",
            format!(
                "Autodiff check passed: loss {:.5}, gradient sum {:.5}, max error vs exact {:.1e}, {} ({} incl. start-up).",
                check.report.loss,
                check.report.grad_sum(),
                check.max_error,
                format_ms(check.report.elapsed_ms),
                format_ms(started.elapsed_ms),
            ),
        ),
        Err(e) => (
            "error",
            format!("The autodiff check failed: {e}. Try another backend."),
        ),
    };
    let fallback = started.fallback.clone().filter(Fallback::is_problem);
    // Threads matter to the CPU backend only.
    let threads = (kind == BackendKind::Cpu).then(|| started.threads());
    let one_thread = threads
        .as_ref()
        .and_then(|t| t.reason().map(|why| (why.id(), why.to_string())));
    view! {
        <section class="status" data-testid="probe-status" data-state=state aria-live="polite">
            <span class=format!("dot {state}")></span>
            <strong data-testid="backend-kind" data-kind=kind.id()>{kind.label()}</strong>
            <span class="adapter" data-testid="adapter-name">{adapter_name}</span>
            {threads
                .map(|t| {
                    view! {
                        <span class="threads" data-testid="threads" data-threads=t.count()>
                            {t.label()}
                        </span>
                    }
                })}
            <span class="detail">{detail}</span>
        </section>
        {fallback
            .map(|f| {
                view! {
                    <div class="notice warn" role="status" data-testid="fallback-notice" data-reason=f.id()>
                        {f.to_string()}
                    </div>
                }
            })}
        {one_thread
            .map(|(id, text)| {
                view! {
                    <div class="notice info" role="status" data-testid="threads-notice" data-reason=id>
                        {capitalise(&text)}"."
                    </div>
                }
            })}
        {software
            .then(|| {
                view! {
                    <div class="notice info" data-testid="software-notice">
                        "This WebGPU adapter is a software renderer (no GPU); the CPU backend may be faster for small networks."
                    </div>
                }
            })}
    }
}
