//! One experiment panel: its settings form (checked as you type), run controls and
//! progress, the charts and tables of the run shown (live while it runs), images, and the
//! panel's run history with overlays, export, import and share links, and the compare view
//! of runs side by side.
//!
//! The same components serve all five panels; what differs (fields, charts, tables) comes
//! from [`crate::present::form`] and [`crate::present::views`], which hold no UI code.

use std::sync::Arc;

use bioplay_engine::data::{NoiseKind, idx};
use bioplay_engine::experiment::DatasetChoice;
use bioplay_engine::experiment::{ExperimentKind, ExperimentResult, export};
use bioplay_engine::prune::GrayImage;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::present::capitalise;
use crate::present::chart::ChartSpec;
use crate::present::form::{self, Field, Kind};
use crate::present::history::{self, RunRecord, RunStatus};
use crate::present::routes::Tab;
use crate::present::share;
use crate::present::views::{self, Table};
use crate::shell::browser;
use crate::shell::components::chart::{Chart, HeatmapView, download_text};
use crate::shell::engine::EngineStart;
use crate::shell::job::{self, Launch};
use crate::shell::store::{JobState, Notice, Store, use_store};

mod compare;
mod controls;
mod model;
mod results;
mod runs;
mod settings;

use compare::*;
use controls::*;
use model::*;
use results::*;
use runs::*;
use settings::*;

/// A whole panel.
#[component]
pub(crate) fn ExperimentPanel(tab: Tab, startup: ReadSignal<Option<EngineStart>>) -> impl IntoView {
    let store = use_store();
    let notice = move || store.notices.with(|n| n.get(tab.id()).cloned());
    // The runs of the compare view (none: closed).
    let comparing = RwSignal::new(Vec::<String>::new());
    view! {
        <section class="panel" data-testid=format!("panel-{}", tab.id())>
            <h2>{tab.title()}</h2>
            <p class="lead">{tab.summary()}</p>
            <p class="papers">
                "Read: "
                {tab
                    .papers()
                    .iter()
                    .map(|p| view! { <a href=p.url target="_blank" rel="noopener">{p.citation}</a> })
                    .collect_view()}
            </p>
            {move || {
                notice()
                    .map(|n| {
                        view! {
                            <div class=format!("notice {}", n.kind.css_class()) role="alert" data-testid=n.testid>
                                <span>{n.text}</span>
                                <button class="link" on:click=move |_| store.notify(tab, None)>"Dismiss"</button>
                            </div>
                        }
                    })
            }}
            <div class="workspace">
                <div class="settings">
                    <SettingsForm tab />
                    <RunControls tab startup />
                </div>
                <div class="results">
                    <ProgressView tab />
                    <RunView tab />
                </div>
            </div>
            <CompareView tab comparing />
            <HistoryList tab comparing />
        </section>
    }
}

/// The run the panel shows: the one running, else the selected one, else the newest.
fn shown_run(store: Store, tab: Tab) -> Option<Arc<RunRecord>> {
    let selected = store.selected.with(|s| s.get(tab.id()).cloned());
    store.history.with(|h| {
        selected
            .and_then(|id| h.get(&id).cloned())
            .filter(|r| r.tab == tab)
            .or_else(|| h.of(tab).first().map(|r| Arc::clone(r)))
    })
}

/// A memo's comparison for shared runs: changed unless the very same records
/// ([`history::same_runs`]), so a memo of runs never compares or copies whole results.
fn runs_changed(old: Option<&Vec<Arc<RunRecord>>>, new: Option<&Vec<Arc<RunRecord>>>) -> bool {
    match (old, new) {
        (Some(old), Some(new)) => !history::same_runs(old, new),
        _ => true,
    }
}

/// [`runs_changed`] for at most one run.
fn run_changed(old: Option<&Option<Arc<RunRecord>>>, new: Option<&Option<Arc<RunRecord>>>) -> bool {
    match (old, new) {
        (Some(Some(old)), Some(Some(new))) => !Arc::ptr_eq(old, new),
        (Some(None), Some(None)) => false,
        _ => true,
    }
}

fn run_is_live(store: Store, id: &str) -> bool {
    store.running.with(Option::is_some)
        && store
            .history
            .with(|h| h.get(id).is_some_and(|r| r.status == RunStatus::Running))
}

fn report(store: Store, tab: Tab, outcome: Result<(), String>) {
    if let Err(e) = outcome {
        store.notify(
            tab,
            Some(Notice::error(
                "export-error",
                format!("Could not export: {e}."),
            )),
        );
    }
}
