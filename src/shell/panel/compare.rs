//! The compare view: the runs picked from the panel's history side by side, each with its
//! headline, main chart and summary table, under the settings in which they differ (what
//! to show comes from [`views::compare`]).

use super::*;

/// The runs a "Compare" press picked: the run shown and the runs ticked in the history
/// (the same runs the charts overlay), shown first to last.
pub(super) fn runs_to_compare(store: Store, tab: Tab) -> Vec<String> {
    let shown = shown_run(store, tab).map(|r| r.id.clone());
    let ticked: Vec<String> = store.overlays.with(|o| {
        store.history.with(|h| {
            h.of(tab)
                .into_iter()
                .filter(|r| o.contains(&r.id))
                .map(|r| r.id.clone())
                .collect()
        })
    });
    let mut ids: Vec<String> = shown.into_iter().collect();
    for id in ticked {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The compare view of `comparing` (ids of this panel's runs); nothing while fewer than
/// two of them are in the history.
#[component]
pub(super) fn CompareView(tab: Tab, comparing: RwSignal<Vec<String>>) -> impl IntoView {
    let store = use_store();
    let runs = Memo::new_with_compare(
        move |_| {
            let ids = comparing.get();
            store.history.with(|h| {
                ids.iter()
                    .filter_map(|id| h.get(id).cloned())
                    .filter(|r| r.tab == tab)
                    .collect::<Vec<_>>()
            })
        },
        runs_changed,
    );
    let comparison = Memo::new(move |_| {
        runs.with(|runs| {
            (runs.len() >= 2).then(|| {
                let refs: Vec<&RunRecord> = runs.iter().map(|r| &**r).collect();
                views::compare(tab, &refs)
            })
        })
    });
    move || {
        let c = comparison.get()?;
        let count = c.columns.len();
        let same = c.same;
        let differences = if c.differences.rows.is_empty() {
            view! {
                <p class="notice info" data-testid="compare-same">
                    "These runs were made with the same settings (as the form shows them): \
                     differences in their results come from the run itself (the backend, \
                     the machine) or from settings the form does not show (below)."
                </p>
            }
            .into_any()
        } else {
            view! { <TableView table=c.differences /> }.into_any()
        };
        let config_count = c.config_differences.rows.len();
        Some(view! {
            <section class="compare" data-testid="compare" data-runs=count>
                <div class="compare-head">
                    <h3>{format!("{count} runs side by side")}</h3>
                    <button class="link" data-testid="close-compare" on:click=move |_| comparing.set(Vec::new())>
                        "Close"
                    </button>
                </div>
                <p class="muted">
                    {format!(
                        "{same} of the panel's settings are the same in every run; the ones that differ:"
                    )}
                </p>
                {differences}
                <details class="compare-config">
                    <summary>{format!("Every value of the full configs that differs ({config_count})")}</summary>
                    <TableView table=c.config_differences />
                </details>
                <div class="compare-columns">
                    {c.columns.into_iter().map(|col| view! { <CompareColumnView tab col /> }).collect_view()}
                </div>
            </section>
        })
    }
}

/// One run's column.
#[component]
fn CompareColumnView(tab: Tab, col: views::CompareColumn) -> impl IntoView {
    let store = use_store();
    let id = col.run.clone();
    let show = move |_| store.select(tab, &id);
    view! {
        <article class="compare-column" data-testid="compare-column" data-run=col.run.clone()>
            <h4>
                <span class="compare-name">{col.name}</span>
                " "
                {col.label}
            </h4>
            <p class="muted">{col.meta}</p>
            {col.headline.map(|h| view! { <p class="headline" data-testid="compare-headline">{h}</p> })}
            {col.chart.map(|spec| view! { <Chart spec=Signal::stored(spec) /> })}
            {col.table.map(|table| view! { <TableView table /> })}
            <button class="link" data-testid="compare-show" on:click=show>"Show this run above"</button>
        </article>
    }
}
