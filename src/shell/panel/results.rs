//! The run shown: its headline, claim lines, charts (live while it runs), tables, images
//! and sample predictions.

use super::*;

/// Charts, tables and images of the shown run (live while this panel's run goes on).
#[component]
pub(super) fn RunView(tab: Tab) -> impl IntoView {
    let store = use_store();
    let running_here = move || store.running.get() == Some(tab);
    let shown = Memo::new_with_compare(move |_| shown_run(store, tab), run_changed);
    let compared = Memo::new_with_compare(
        move |_| {
            let Some(run) = shown.get() else {
                return Vec::new();
            };
            store.overlays.with(|overlays| {
                store.history.with(|h| {
                    h.of(tab)
                        .into_iter()
                        .filter(|r| r.id != run.id)
                        .filter(|r| {
                            overlays.contains(&r.id)
                                || (run.batch.is_some() && r.batch == run.batch)
                        })
                        .cloned()
                        .collect::<Vec<_>>()
                })
            })
        },
        runs_changed,
    );
    let charts = Memo::new(move |_| {
        if running_here() {
            return store.live.with(|points| views::live_charts(tab, points));
        }
        match shown.get() {
            Some(run) => {
                let others = compared.get();
                let refs: Vec<&RunRecord> = others.iter().map(|r| &**r).collect();
                views::result_charts(&run, &refs)
            }
            None => Vec::new(),
        }
    });
    let ids = move || charts.with(|c| c.iter().map(|c| c.id.clone()).collect::<Vec<_>>());
    let chart = move |id: String| {
        Signal::derive(move || {
            charts.with(|c| {
                c.iter()
                    .find(|c| c.id == id)
                    .cloned()
                    .unwrap_or_else(ChartSpec::default)
            })
        })
    };
    let extras = move || {
        if running_here() {
            return ().into_any();
        }
        let Some(run) = shown.get() else {
            return view! {
                <p class="muted empty" data-testid="no-runs">
                    "No runs yet. Adjust the settings and press Run: the curves appear here as training goes."
                </p>
            }
            .into_any();
        };
        let others = compared.get();
        let refs: Vec<&RunRecord> = others.iter().map(|r| &**r).collect();
        let tables = views::tables(&run, &refs);
        let headline = views::headline(&run);
        let paper = views::paper_lines(&run, &refs);
        // A Continual run's confusion matrices (one per task) are folded away under the
        // accuracy matrix, so the methods' table stays in sight.
        let continual = matches!(run.result, Some(ExperimentResult::Continual(_)));
        let (heatmaps, folded): (Vec<_>, Vec<_>) = if continual {
            (
                views::continual_heatmap(&run).into_iter().collect(),
                views::confusion_heatmaps(&run),
            )
        } else {
            (views::confusion_heatmaps(&run), Vec::new())
        };
        let folded = (!folded.is_empty()).then(|| {
            let count = folded.len();
            view! {
                <details class="folded-heatmaps" data-testid="task-confusion">
                    <summary>
                        {format!("The final network's confusion matrix on each task ({count})")}
                    </summary>
                    {folded.into_iter().map(|h| view! { <HeatmapView heatmap=h /> }).collect_view()}
                </details>
            }
        });
        let status = match &run.status {
            RunStatus::Finished => None,
            RunStatus::Running => Some(
                "This run was interrupted (the page closed while it ran): its curves end where it stopped."
                    .to_owned(),
            ),
            RunStatus::Cancelled => Some("This run was cancelled: its curves end where it stopped.".into()),
            RunStatus::Failed { message } => Some(format!("This run failed: {message}")),
        };
        view! {
            <div class="run-summary" data-testid="run-summary" data-run=run.id.clone()>
                <h3>{run.label.clone()}</h3>
                <p class="muted">
                    {format!(
                        "{} · {} · {} on {}",
                        run.status.label(),
                        format_seconds(run.seconds),
                        views::describe(&run.config),
                        run.backend
                    )}
                </p>
                {status.map(|s| view! { <p class="notice warn">{s}</p> })}
                {headline.map(|h| view! { <p class="headline" data-testid="headline">{h}</p> })}
                {paper
                    .into_iter()
                    .map(|line| view! { <p class="paper-claim" data-testid="paper-claim">{line}</p> })
                    .collect_view()}
            </div>
            {heatmaps.into_iter().map(|h| view! { <HeatmapView heatmap=h /> }).collect_view()}
            {folded}
            {tables.into_iter().map(|t| view! { <TableView table=t /> }).collect_view()}
            {matches!(run.result, Some(ExperimentResult::Train(_)))
                .then(|| view! { <ModelDownload run=run.clone() /> })}
            <RunImages run=run.clone() />
            <Predictions run />
        }
        .into_any()
    };
    view! {
        {(tab == Tab::Noise).then(|| view! { <NoisePreview /> })}
        <div class="charts">
            <For each=ids key=|id| id.clone() let:id>
                <Chart spec=chart(id) />
            </For>
        </div>
        {extras}
        {(tab == Tab::Noise).then(|| view! { <ModelTester /> })}
    }
}

/// A table.
#[component]
pub(super) fn TableView(table: Table) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table data-testid=format!("table-{}", table.id)>
                <caption>{table.title}</caption>
                <thead>
                    <tr>{table.headers.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {table
                        .rows
                        .into_iter()
                        .map(|row| {
                            view! { <tr>{row.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Images kept with a run (first-layer masks and weights).
#[component]
pub(super) fn RunImages(run: Arc<RunRecord>) -> impl IntoView {
    (!run.images.is_empty()).then(|| {
        view! {
            <div class="images" data-testid="run-images">
                {run
                    .images
                    .iter()
                    .map(|i| {
                        view! {
                            <figure>
                                <img src=i.data_url.clone() alt=i.title.clone() class="pixelated" />
                                <figcaption>{i.title.clone()}</figcaption>
                            </figure>
                        }
                    })
                    .collect_view()}
            </div>
        }
    })
}

/// The Train panel's predictions on sample test images.
#[component]
pub(super) fn Predictions(run: Arc<RunRecord>) -> impl IntoView {
    let Some(ExperimentResult::Train(result)) = &run.result else {
        return ().into_any();
    };
    view! {
        <div class="predictions" data-testid="predictions">
            <h3>"Predictions on test images"</h3>
            <div class="prediction-grid">
                {result
                    .predictions
                    .iter()
                    .map(|p| {
                        let image = GrayImage { width: p.width, height: p.height, pixels: p.pixels.clone() };
                        let src = image.to_png().map(|png| browser::png_data_url(&png)).unwrap_or_default();
                        let right = p.predicted == p.label;
                        view! {
                            <figure class:wrong=!right>
                                <img src=src alt=format!("test image of class {}", p.label) class="pixelated" />
                                <figcaption>
                                    {format!("{} ({:.0}%)", p.predicted, 100.0 * p.confidence)}
                                    {(!right).then(|| format!(" · true {}", p.label))}
                                </figcaption>
                            </figure>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
    .into_any()
}
