//! The app's state shared by every panel: the run history, each panel's form values,
//! which run each panel shows, the run in progress and its live points, and messages.
//! History (IndexedDB, `shell::run_storage`) and forms (local storage) survive a reload.
//!
//! Granularity: each panel's form is its own signal with one memo that checks and builds
//! it, so a keystroke validates that one form once, and everything that needs the
//! outcome (field messages, the Run button, previews) reads the memo. The history's runs
//! are shared (`Arc`), so what a panel shows holds them without copying.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bioplay_engine::device::DeviceLost;
use bioplay_engine::experiment::LivePoint;
use leptos::prelude::*;

use crate::present::form::{self, Planned, Problems, Values};
use crate::present::history::{History, RunRecord};
use crate::present::routes::Tab;
use crate::shell::browser;
use crate::shell::run_storage::{self, Write};

const FORMS_KEY: &str = "bioplay.forms.v1";

/// Whether a notice reports a problem or news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoticeKind {
    /// Something failed.
    Error,
    /// Something happened.
    Info,
}

impl NoticeKind {
    /// The CSS class that styles it.
    pub(crate) fn css_class(self) -> &'static str {
        match self {
            NoticeKind::Error => "error",
            NoticeKind::Info => "info",
        }
    }
}

/// A message shown in a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    /// Problem or news.
    pub kind: NoticeKind,
    /// What happened.
    pub text: String,
    /// The test id.
    pub testid: &'static str,
}

impl Notice {
    /// A problem.
    pub(crate) fn error(testid: &'static str, text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Error,
            text: text.into(),
            testid,
        }
    }

    /// News.
    pub(crate) fn info(testid: &'static str, text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Info,
            text: text.into(),
            testid,
        }
    }
}

/// The run in progress, as shown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobState {
    /// The panel running it.
    pub tab: Tab,
    /// Which of the planned runs (1-based) and how many.
    pub index: usize,
    /// Runs planned.
    pub count: usize,
    /// What is running, in words.
    pub phase: String,
    /// Fraction done, in [0, 1].
    pub fraction: f64,
    /// Work units done per second so far.
    pub rate: f64,
    /// Seconds left, estimated.
    pub seconds_left: Option<f64>,
    /// The latest training loss.
    pub loss: Option<f64>,
    /// Paused by the user.
    pub paused: bool,
}

/// The shared state (cheap to copy: signals).
#[derive(Clone, Copy)]
pub(crate) struct Store {
    /// Every run kept (empty until the saved runs are read: [`Store::history_loaded`]).
    pub history: RwSignal<History>,
    /// Whether the saved runs have been read into [`Store::history`].
    pub history_loaded: RwSignal<bool>,
    /// Each panel's form values (defaults filled in), by [`Tab::index`].
    forms: [RwSignal<Values>; 5],
    /// Each panel's form, checked and built once per change, by [`Tab::index`].
    checked: [Memo<Result<Vec<Planned>, Problems>>; 5],
    /// The run each panel shows, by tab id.
    pub selected: RwSignal<BTreeMap<String, String>>,
    /// Runs overlaid on the charts of their panel.
    pub overlays: RwSignal<BTreeSet<String>>,
    /// The run in progress (changes with every progress report).
    pub job: RwSignal<Option<JobState>>,
    /// The panel whose run is in progress, if any: changes only when a run starts or
    /// ends, so what depends only on that does not redo its work ten times a second.
    pub running: Memo<Option<Tab>>,
    /// Its live points.
    pub live: RwSignal<Vec<LivePoint>>,
    /// A message per panel, by tab id.
    pub notices: RwSignal<BTreeMap<String, Notice>>,
    /// Why runs or forms could not be kept, if they could not.
    pub storage_problem: RwSignal<Option<String>>,
    /// The WebGPU device the engine ran on was lost, and the user has not yet chosen to
    /// start WebGPU again or to use the CPU (no run starts meanwhile).
    pub device_lost: RwSignal<Option<DeviceLost>>,
    /// The trained networks of this session's Train runs (model files), by run id: kept in
    /// memory only, for download.
    pub models: RwSignal<BTreeMap<String, Arc<[u8]>>>,
}

impl Store {
    /// Reads what the last visit kept: the forms at once, the saved runs in the background
    /// (they appear in [`Store::history`] a moment later).
    pub(crate) fn load() -> Self {
        let saved = browser::load(FORMS_KEY)
            .and_then(|t| serde_json::from_str::<BTreeMap<String, Values>>(&t).ok())
            .unwrap_or_default();
        let forms = Tab::ALL.map(|tab| {
            let values = saved
                .get(tab.id())
                .map_or_else(|| form::defaults(tab), |v| form::with_defaults(tab, v));
            RwSignal::new(values)
        });
        // A form's outcome is new whenever its values are (they changed), so no comparison.
        let checked = Tab::ALL.map(|tab| {
            let values = forms[tab.index()];
            Memo::new_with_compare(move |_| values.with(|v| form::build(tab, v)), |_, _| true)
        });
        let job = RwSignal::new(None::<JobState>);
        let store = Store {
            history: RwSignal::new(History::new()),
            history_loaded: RwSignal::new(false),
            forms,
            checked,
            selected: RwSignal::new(BTreeMap::new()),
            overlays: RwSignal::new(BTreeSet::new()),
            job,
            running: Memo::new(move |_| job.with(|j| j.as_ref().map(|j| j.tab))),
            live: RwSignal::new(Vec::new()),
            notices: RwSignal::new(BTreeMap::new()),
            storage_problem: RwSignal::new(None),
            device_lost: RwSignal::new(None),
            models: RwSignal::new(BTreeMap::new()),
        };
        run_storage::start(store);
        store
    }

    /// Adds or replaces (same id) a run in the history and saves that run; a failure to
    /// save is shown, the run stays in the page.
    pub(crate) fn keep_run(&self, run: RunRecord) {
        let run = Arc::new(run);
        self.history.update(|h| h.put(run.clone()));
        run_storage::queue(Write::Put(run));
    }

    /// Removes a run from the history, the overlays and storage.
    pub(crate) fn forget_run(&self, id: &str) {
        self.history.update(|h| h.remove(id));
        self.overlays.update(|o| {
            o.remove(id);
        });
        run_storage::queue(Write::Delete(id.to_owned()));
    }

    /// Empties the history, in the page and in storage.
    pub(crate) fn clear_history(&self) {
        self.history.set(History::new());
        self.selected.set(BTreeMap::new());
        self.overlays.set(BTreeSet::new());
        run_storage::queue(Write::Clear);
    }

    /// A panel's form values (a copy; every field has one).
    pub(crate) fn values(&self, tab: Tab) -> Values {
        self.forms[tab.index()].get()
    }

    /// One field's value as typed.
    pub(crate) fn field(&self, tab: Tab, key: &str) -> String {
        self.forms[tab.index()].with(|v| v.get(key).cloned().unwrap_or_default())
    }

    /// A panel's form, checked and built: the runs it asks for, or its problems by field.
    pub(crate) fn checked(&self, tab: Tab) -> Memo<Result<Vec<Planned>, Problems>> {
        self.checked[tab.index()]
    }

    /// Replaces a panel's form values (unknown keys dropped, missing ones defaulted) and
    /// keeps them.
    pub(crate) fn set_values(&self, tab: Tab, values: Values) {
        self.forms[tab.index()].set(form::with_defaults(tab, &values));
        self.keep_forms();
    }

    /// Sets the fields `changes` names in a panel's form and keeps it.
    pub(crate) fn set_fields<'a>(
        &self,
        tab: Tab,
        changes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) {
        self.forms[tab.index()].update(|v| {
            for (key, value) in changes {
                if let Some(slot) = v.get_mut(key) {
                    value.clone_into(slot);
                }
            }
        });
        self.keep_forms();
    }

    /// Writes every panel's form to storage.
    fn keep_forms(&self) {
        let all: BTreeMap<&str, Values> = Tab::ALL
            .iter()
            .map(|tab| (tab.id(), self.forms[tab.index()].get_untracked()))
            .collect();
        let text = serde_json::to_string(&all).unwrap_or_default();
        // Forms are a convenience: a full storage only loses them at the next visit.
        let _ = browser::save(FORMS_KEY, &text);
    }

    /// Shows a message in a panel (`None` clears it).
    pub(crate) fn notify(&self, tab: Tab, notice: Option<Notice>) {
        self.notices.update(|n| match notice {
            Some(notice) => {
                n.insert(tab.id().to_owned(), notice);
            }
            None => {
                n.remove(tab.id());
            }
        });
    }

    /// Shows `run_id` in its panel.
    pub(crate) fn select(&self, tab: Tab, run_id: &str) {
        self.selected.update(|s| {
            s.insert(tab.id().to_owned(), run_id.to_owned());
        });
    }
}

/// The store of the current app (provided by [`crate::shell::app::App`]).
pub(crate) fn use_store() -> Store {
    expect_context::<Store>()
}

/// Clears the saved forms (used with clearing the history).
pub(crate) fn forget_forms() {
    browser::forget(FORMS_KEY);
}
