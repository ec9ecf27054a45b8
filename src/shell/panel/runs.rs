//! The panel's run history: one row per run with overlay, rename, export, share and
//! delete, import of a saved run, and the button that compares the ticked runs.

use super::*;

/// The panel's runs: show, overlay, export, load settings, delete; import and clear.
#[component]
pub(super) fn HistoryList(tab: Tab, comparing: RwSignal<Vec<String>>) -> impl IntoView {
    let store = use_store();
    let runs = Memo::new_with_compare(
        move |_| {
            store
                .history
                .with(|h| h.of(tab).into_iter().cloned().collect::<Vec<_>>())
        },
        runs_changed,
    );
    let running = move || store.running.with(Option::is_some);
    // How many runs a press would compare: worked out once per change of the history,
    // the overlays or the run shown (the button's state and its label both read it).
    let to_compare = Memo::new(move |_| runs_to_compare(store, tab).len());
    let compare = move |_| {
        comparing.set(runs_to_compare(store, tab));
        // Brought into view once drawn.
        request_animation_frame(move || {
            let selector = format!(
                "[data-testid=\"panel-{}\"] [data-testid=\"compare\"]",
                tab.id()
            );
            if let Some(section) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(&selector).ok().flatten())
            {
                section.scroll_into_view();
            }
        });
    };
    let import = move |ev: web_sys::Event| {
        let Some(file) = browser::chosen_file(&ev) else {
            return;
        };
        browser::reset_file_input(&ev);
        spawn_local(async move {
            // The cap is checked on the file's size, before a byte of it is read.
            let text = match history::check_run_file_size(file.size() as usize) {
                Err(e) => Err(e.to_string()),
                Ok(()) => match browser::read_file(&file).await {
                    Ok(bytes) => String::from_utf8(bytes).map_err(|_| "it is not text".to_owned()),
                    Err(e) => Err(e),
                },
            };
            let outcome = text.and_then(|t| history::import_run(&t).map_err(|e| e.to_string()));
            match outcome {
                Ok(mut run) => {
                    let run_tab = run.tab;
                    run.id = store.history.with_untracked(|h| {
                        if h.get(&run.id).is_some() {
                            h.fresh_id(browser::epoch_ms())
                        } else {
                            run.id.clone()
                        }
                    });
                    let id = run.id.clone();
                    store.keep_run(run);
                    store.select(run_tab, &id);
                    store.notify(
                        tab,
                        Some(Notice::info(
                            "import-ok",
                            format!("Imported the run into the {} panel.", run_tab.label()),
                        )),
                    );
                }
                Err(e) => store.notify(
                    tab,
                    Some(Notice::error(
                        "import-error",
                        format!(
                            "Could not import {}: {e}. Nothing was changed.",
                            file.name()
                        ),
                    )),
                ),
            }
        });
    };
    let clear = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message("Delete every saved run of every panel?")
                    .ok()
            })
            .unwrap_or(false);
        if confirmed {
            store.clear_history();
            crate::shell::store::forget_forms();
        }
    };
    view! {
        <section class="history" data-testid="history" data-loaded=move || store.history_loaded.get().to_string()>
            <div class="history-head">
                <h3>{format!("{} runs", tab.label())}</h3>
                <label class="button-like">
                    "Import a run (JSON)"
                    <input type="file" accept=".json,application/json" data-testid="import-run" on:change=import />
                </label>
                <button
                    data-testid="compare-runs"
                    disabled=move || to_compare.get() < 2
                    title="The run shown and the ticked runs, side by side"
                    on:click=compare
                >
                    {move || match to_compare.get() {
                        n if n >= 2 => format!("Compare {n} runs side by side"),
                        _ => "Compare side by side (tick a run)".to_owned(),
                    }}
                </button>
                <button class="link" data-testid="clear-history" disabled=running on:click=clear>
                    "Clear all runs"
                </button>
            </div>
            {move || {
                store
                    .storage_problem
                    .get()
                    .map(|p| view! { <p class="notice warn" data-testid="storage-problem">{p}</p> })
            }}
            <Show when=move || !store.history_loaded.get()>
                <p class="muted">"Reading the saved runs…"</p>
            </Show>
            <p class="muted">
                "Runs are kept in this browser. Tick runs to overlay their curves on the charts above, \
                 or to compare them with the run shown side by side. "
                {format!(
                    "Run files of up to {} MB can be imported.",
                    history::MAX_RUN_FILE_BYTES / 1_000_000
                )}
            </p>
            <ul class="runs">
                <For each=move || runs.get() key=|r| (r.id.clone(), r.status.label().to_owned(), r.result.is_some()) let:run>
                    <RunRow tab run />
                </For>
            </ul>
        </section>
    }
}

/// One run in the list.
#[component]
pub(super) fn RunRow(tab: Tab, run: Arc<RunRecord>) -> impl IntoView {
    let store = use_store();
    let id = run.id.clone();
    let shown = {
        let id = id.clone();
        move || shown_run(store, tab).is_some_and(|r| r.id == id)
    };
    let overlaid = {
        let id = id.clone();
        move || store.overlays.with(|o| o.contains(&id))
    };
    let toggle = {
        let id = id.clone();
        move |ev| {
            let on = event_target_checked(&ev);
            store.overlays.update(|o| {
                if on {
                    o.insert(id.clone());
                } else {
                    o.remove(&id);
                }
            });
        }
    };
    let show = {
        let id = id.clone();
        move |_| store.select(tab, &id)
    };
    let file_stem = format!("bioplay-{}-{}", tab.id(), run.id);
    let json = {
        let run = run.clone();
        let stem = file_stem.clone();
        move |_| {
            report(
                store,
                tab,
                download_text(
                    &format!("{stem}.json"),
                    "application/json",
                    &history::export_run(&run),
                ),
            )
        }
    };
    let csv = {
        let run = run.clone();
        let stem = file_stem.clone();
        move |_| {
            let outcome = match &run.result {
                Some(result) => export::to_csv(result)
                    .map_err(|e| e.to_string())
                    .and_then(|text| download_text(&format!("{stem}.csv"), "text/csv", &text)),
                None => Err("this run has no result to export".into()),
            };
            report(store, tab, outcome);
        }
    };
    let load_settings = {
        let config = run.config.clone();
        move |_| store.set_values(tab, form::values_from_config(tab, &config))
    };
    let delete = {
        let id = id.clone();
        move |_| store.forget_run(&id)
    };
    let busy = {
        let id = id.clone();
        move || run_is_live(store, &id)
    };
    let summary = views::headline(&run).unwrap_or_default();
    let status = if run_is_live(store, &id) {
        "running".to_owned()
    } else {
        run.status.label().to_owned()
    };
    view! {
        <li class="run" class:shown=shown data-testid="run-row" data-run=id.clone() data-status=status.clone()>
            <label class="overlay" title="Overlay on the charts">
                <input type="checkbox" data-testid="overlay" prop:checked=overlaid on:change=toggle />
            </label>
            <button class="link run-label" data-testid="show-run" on:click=show>{run.label.clone()}</button>
            <span class=format!("status {status}")>{status.clone()}</span>
            <span class="muted run-meta">
                {format!("{} · {}", run.backend, format_seconds(run.seconds))}
            </span>
            <span class="run-headline">{summary}</span>
            <span class="run-actions">
                <button class="link" data-testid="load-settings" on:click=load_settings>"Settings"</button>
                <button class="link" data-testid="export-json" on:click=json>"JSON"</button>
                <button class="link" data-testid="export-csv" disabled=run.result.is_none() on:click=csv>"CSV"</button>
                <button class="link danger" data-testid="delete-run" disabled=busy on:click=delete>"Delete"</button>
            </span>
        </li>
    }
}
