//! Where the run history is kept: IndexedDB, one record per run (`shell::idb`), so saving a
//! running run writes only that run and the page never waits on storage.
//!
//! One task per page owns the database: it first moves a history the app kept in local
//! storage before (format 1, one key) into the database, once; then reads every saved run,
//! checking each like an imported file, and merges them into the page's history; then
//! performs the writes the page queued ([`queue`]) in order. A write that fails leaves the
//! run in the page and says so (a full disk by name), and earlier runs are never touched.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use futures::StreamExt;
use futures::channel::mpsc;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::present::history::{self, History, RunRecord};
use crate::shell::browser;
use crate::shell::idb::{self, DbError};
use crate::shell::store::Store;

/// Where the app kept its history before it moved to IndexedDB.
const LEGACY_KEY: &str = "bioplay.history.v1";
/// Where an unreadable legacy history is set aside.
const LEGACY_BACKUP_KEY: &str = "bioplay.history.unreadable";

/// A change to the saved history.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    /// Adds or replaces one run.
    Put(Arc<RunRecord>),
    /// Removes one run.
    Delete(String),
    /// Removes every run.
    Clear,
}

thread_local! {
    static QUEUE: RefCell<Option<mpsc::UnboundedSender<Write>>> = const { RefCell::new(None) };
    /// Whether the storage problem shown comes from a failed write (a later write that
    /// succeeds clears it).
    static WRITE_FAILED: Cell<bool> = const { Cell::new(false) };
}

/// Queues a change; it is written after the saved runs are loaded, in order.
pub(crate) fn queue(write: Write) {
    QUEUE.with(|q| {
        if let Some(sender) = q.borrow().as_ref() {
            let _ = sender.unbounded_send(write);
        }
    });
}

/// Starts the task that loads the saved runs into `store` and then writes its changes.
pub(crate) fn start(store: Store) {
    let (sender, mut writes) = mpsc::unbounded();
    QUEUE.with(|q| *q.borrow_mut() = Some(sender));
    spawn_local(async move {
        load(store).await;
        store.history_loaded.set(true);
        while let Some(write) = writes.next().await {
            let label = match &write {
                Write::Put(run) => Some(run.label.clone()),
                Write::Delete(_) | Write::Clear => None,
            };
            match perform(write).await {
                Ok(()) => {
                    if WRITE_FAILED.with(|f| f.replace(false)) {
                        store.storage_problem.set(None);
                    }
                }
                Err(e) => {
                    WRITE_FAILED.with(|f| f.set(true));
                    store
                        .storage_problem
                        .set(Some(write_problem(&e, label.as_deref())));
                }
            }
        }
    });
}

async fn perform(write: Write) -> Result<(), DbError> {
    match write {
        Write::Put(run) => idb::put_all(&[(run.id.clone(), history::run_to_json(&run))]).await,
        Write::Delete(id) => idb::delete(&id).await,
        Write::Clear => idb::clear().await,
    }
}

/// What the page says when a write failed.
fn write_problem(error: &DbError, label: Option<&str>) -> String {
    let what = match label {
        Some(label) => format!("the run \u{201c}{label}\u{201d} is not saved"),
        None => "a change to the runs is not saved".into(),
    };
    match error {
        DbError::QuotaExceeded => format!(
            "This browser's storage for this site is full, so {what}: it stays in this page \
             until the page closes. Export it (JSON) to keep it, or delete old runs to make \
             room. Runs saved before are untouched."
        ),
        other => format!(
            "Runs cannot be saved in this browser ({other}), so {what}: it stays in this page \
             until the page closes. Export what you want to keep."
        ),
    }
}

/// Moves the legacy history, reads the saved runs and merges them into the page's.
async fn load(store: Store) {
    let mut problems = Vec::new();
    let mut kept_in_page = Vec::new();
    if let Some(text) = browser::load(LEGACY_KEY) {
        match History::from_json(&text) {
            Ok(legacy) => {
                let entries: Vec<(String, String)> = legacy
                    .runs
                    .iter()
                    .map(|r| (r.id.clone(), history::run_to_json(r)))
                    .collect();
                match idb::put_all(&entries).await {
                    Ok(()) => browser::forget(LEGACY_KEY),
                    Err(e) => {
                        problems.push(format!(
                            "The runs saved by an earlier version could not be moved to this \
                             browser's database ({e}); they are shown, and kept where they were."
                        ));
                        kept_in_page = legacy.runs;
                    }
                }
            }
            Err(e) => {
                // Set the unreadable text aside rather than lose it.
                let _ = browser::save(LEGACY_BACKUP_KEY, &text);
                browser::forget(LEGACY_KEY);
                problems.push(format!(
                    "The runs saved by an earlier version could not be read ({e}). They were set \
                     aside under \u{201c}{LEGACY_BACKUP_KEY}\u{201d} in this site's storage."
                ));
            }
        }
    }
    let mut loaded: Vec<RunRecord> = Vec::new();
    match idb::read_all().await {
        Ok(texts) => {
            let mut unreadable = Vec::new();
            for text in texts {
                match history::run_from_json(&text) {
                    Ok(run) => loaded.push(run),
                    Err(e) => unreadable.push(e.to_string()),
                }
            }
            if let Some(first) = unreadable.first() {
                problems.push(format!(
                    "{} saved run(s) could not be read ({first}); they are left as they are.",
                    unreadable.len()
                ));
            }
        }
        Err(e) => problems.push(format!(
            "Runs cannot be kept in this browser ({e}): new runs stay in this page until it \
             closes. Export what you want to keep."
        )),
    }
    loaded.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
    store.history.update(|h| {
        let mut merged = History::new();
        for run in loaded {
            merged.put(run);
        }
        for run in kept_in_page {
            merged.runs.push(run);
        }
        // Runs the page made while the saved ones were being read win over their copies.
        for run in std::mem::take(&mut h.runs) {
            merged.put(run);
        }
        *h = merged;
    });
    if !problems.is_empty() {
        store.storage_problem.set(Some(problems.join(" ")));
    }
}
