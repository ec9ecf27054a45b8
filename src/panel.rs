//! One experiment panel: its settings form (checked as you type), run controls and
//! progress, the charts and tables of the run shown (live while it runs), images, and the
//! panel's run history with overlays, export, import and share links.
//!
//! The same components serve all five panels; what differs (fields, charts, tables) comes
//! from [`crate::form`] and [`crate::views`], which hold no UI code.

use bioplay_engine::data::{NoiseKind, Shipped};
use bioplay_engine::experiment::{ExperimentKind, ExperimentResult, export};
use bioplay_engine::prune::GrayImage;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::chart::ChartSpec;
use crate::components::chart::{Chart, HeatmapView, download_text};
use crate::form::{self, Field, Kind};
use crate::history::{self, RunRecord, RunStatus};
use crate::job::{self, Launch};
use crate::routes::Tab;
use crate::runtime::Startup;
use crate::share;
use crate::store::{Notice, Store, use_store};
use crate::views::{self, Table};

/// A whole panel.
#[component]
pub fn ExperimentPanel(tab: Tab, startup: LocalResource<Startup>) -> impl IntoView {
    let store = use_store();
    let notice = move || store.notices.with(|n| n.get(tab.id()).cloned());
    // Fetch the chosen shipped dataset now, so Run starts training at once.
    Effect::new(move |_| {
        let choice = store
            .values(tab)
            .get("dataset")
            .cloned()
            .unwrap_or_default();
        let shipped = match choice.as_str() {
            "mnist" => Some(Shipped::Mnist),
            "fashion-mnist" => Some(Shipped::FashionMnist),
            _ => None,
        };
        if let Some(which) = shipped {
            spawn_local(async move {
                let _ = crate::datasets::shipped(which).await;
            });
        }
    });
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
                            <div class=format!("notice {}", n.kind) role="alert" data-testid=n.testid>
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
            <HistoryList tab />
        </section>
    }
}

/// The form: fields by group, each with its inline message.
#[component]
fn SettingsForm(tab: Tab) -> impl IntoView {
    let store = use_store();
    let fields = form::fields(tab);
    let mut groups: Vec<(&'static str, Vec<Field>)> = Vec::new();
    for f in fields {
        match groups.iter_mut().find(|g| g.0 == f.group) {
            Some(g) => g.1.push(f),
            None => groups.push((f.group, vec![f])),
        }
    }
    let problems = Memo::new(move |_| form::problems(tab, &store.values(tab)));
    let form_problem = move || problems.with(|p| p.get("").cloned());
    view! {
        <form class="form" data-testid="settings" on:submit=|ev| ev.prevent_default()>
            {(tab == Tab::Plasticity).then(|| view! { <PlasticityPresets /> })}
            {groups
                .into_iter()
                .map(|(group, fields)| {
                    view! {
                        <fieldset>
                            <legend>{group}</legend>
                            {fields
                                .into_iter()
                                .map(|f| view! { <FieldInput tab field=f problems /> })
                                .collect_view()}
                            {(group == "Data").then(|| view! { <CustomData tab /> })}
                        </fieldset>
                    }
                })
                .collect_view()}
            {(tab == Tab::Prune).then(|| view! { <PrunePreview /> })}
            {move || {
                form_problem()
                    .map(|p| view! { <p class="field-error" data-testid="form-error">{p}</p> })
            }}
        </form>
    }
}

/// One field.
#[component]
fn FieldInput(tab: Tab, field: Field, problems: Memo<form::Problems>) -> impl IntoView {
    let store = use_store();
    let key = field.key;
    let value = move || store.values(tab).get(key).cloned().unwrap_or_default();
    let set = move |text: String| {
        let mut values = store.values(tab);
        values.insert(key.to_owned(), text);
        store.set_values(tab, values);
    };
    let problem = move || problems.with(|p| p.get(key).cloned());
    let id = format!("{}-{key}", tab.id());
    let input = match field.kind {
        Kind::Choice(options) => view! {
            <select
                id=id.clone()
                data-testid=format!("field-{key}")
                on:change=move |ev| set(event_target_value(&ev))
                prop:value=value
            >
                {options
                    .iter()
                    .map(|(v, label)| view! { <option value=*v>{*label}</option> })
                    .collect_view()}
            </select>
        }
        .into_any(),
        Kind::Flag => view! {
            <input
                id=id.clone()
                type="checkbox"
                data-testid=format!("field-{key}")
                prop:checked=move || value() == "true"
                on:change=move |ev| set(event_target_checked(&ev).to_string())
            />
        }
        .into_any(),
        Kind::Number { .. } | Kind::List { .. } => view! {
            <input
                id=id.clone()
                type="text"
                inputmode=if matches!(field.kind, Kind::List { .. }) { "text" } else { "decimal" }
                spellcheck="false"
                data-testid=format!("field-{key}")
                class:invalid=move || problem().is_some()
                aria-invalid=move || problem().is_some().then_some("true")
                prop:value=value
                on:input=move |ev| set(event_target_value(&ev))
            />
        }
        .into_any(),
    };
    let flag = matches!(field.kind, Kind::Flag);
    view! {
        <div class="field" class:flag=flag>
            <label for=id>{field.label}</label>
            {input}
            {(!field.help.is_empty()).then(|| view! { <p class="help">{field.help}</p> })}
            {move || {
                problem()
                    .map(|p| {
                        view! { <p class="field-error" data-testid=format!("error-{key}")>{p}</p> }
                    })
            }}
        </div>
    }
}

/// The Plasticity panel's one-click paper settings.
#[component]
fn PlasticityPresets() -> impl IntoView {
    let store = use_store();
    view! {
        <div class="presets">
            <span>"Paper settings: "</span>
            {form::PLASTICITY_PRESETS
                .iter()
                .map(|(id, label, pairs)| {
                    let apply = move |_| {
                        let mut values = store.values(Tab::Plasticity);
                        for (k, v) in pairs.iter() {
                            values.insert((*k).to_owned(), (*v).to_owned());
                        }
                        store.set_values(Tab::Plasticity, values);
                    };
                    view! {
                        <button type="button" class="chip" data-testid=format!("preset-{id}") on:click=apply>
                            {*label}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// Weights remaining per round of the schedule being edited.
#[component]
fn PrunePreview() -> impl IntoView {
    let store = use_store();
    let preview = move || form::prune_preview(&store.values(Tab::Prune));
    view! {
        <div class="preview" data-testid="prune-preview">
            <strong>"Weights remaining per round: "</strong>
            {move || match preview() {
                Some(rounds) => rounds
                    .iter()
                    .map(|r| format!("{:.1}%", 100.0 * r))
                    .collect::<Vec<_>>()
                    .join(" → "),
                None => "fix the schedule above to see it".into(),
            }}
        </div>
    }
}

/// IDX upload, shown when the dataset is "custom".
#[component]
fn CustomData(tab: Tab) -> impl IntoView {
    let store = use_store();
    let custom = move || {
        store
            .values(tab)
            .get("dataset")
            .is_some_and(|d| d == "custom")
    };
    let images = StoredValue::new_local(None::<Vec<u8>>);
    let labels = StoredValue::new_local(None::<Vec<u8>>);
    let (status, set_status) =
        signal(crate::datasets::custom().map(|d| format!("Loaded: {} images.", d.len())));
    let try_parse = move || {
        let (Some(i), Some(l)) = (images.get_value(), labels.get_value()) else {
            return;
        };
        match crate::datasets::set_custom(&i, &l) {
            Ok(d) => {
                store.notify(tab, None);
                set_status.set(Some(format!(
                    "Loaded: {} images of {} x {} pixels.",
                    d.len(),
                    d.image_shape().1,
                    d.image_shape().0
                )));
            }
            Err(e) => {
                set_status.set(None);
                store.notify(tab, Some(Notice::error("upload-error", capitalise(&e))));
            }
        }
    };
    let pick = move |which: StoredValue<Option<Vec<u8>>, LocalStorage>| {
        move |ev: web_sys::Event| {
            let Some(file) = browser::chosen_file(&ev) else {
                return;
            };
            spawn_local(async move {
                match browser::read_file(&file).await {
                    Ok(bytes) => {
                        which.set_value(Some(bytes));
                        try_parse();
                    }
                    Err(e) => store.notify(
                        tab,
                        Some(Notice::error(
                            "upload-error",
                            format!("Cannot read the file: {e}"),
                        )),
                    ),
                }
            });
        }
    };
    view! {
        <Show when=custom>
            <div class="upload">
                <label>
                    "Images (IDX, may be gzipped) "
                    <input type="file" data-testid="idx-images" on:change=pick(images) />
                </label>
                <label>
                    "Labels (IDX) "
                    <input type="file" data-testid="idx-labels" on:change=pick(labels) />
                </label>
                <p class="help" data-testid="custom-status">
                    {move || status.get().unwrap_or_else(|| "No files loaded yet.".into())}
                </p>
            </div>
        </Show>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Run, share and reset.
#[component]
fn RunControls(tab: Tab, startup: LocalResource<Startup>) -> impl IntoView {
    let store = use_store();
    let ready = move || {
        startup
            .get()
            .filter(|s| s.probe.is_ok())
            .map(|s| (s.backend.device.clone(), s.backend.kind))
    };
    let busy = move || store.job.with(Option::is_some);
    let valid = move || form::problems(tab, &store.values(tab)).is_empty();
    let (link, set_link) = signal(None::<String>);
    let start = move |_| {
        let Some((device, kind)) = ready() else {
            return;
        };
        let Ok(planned) = form::build(tab, &store.values(tab)) else {
            return;
        };
        store.notify(tab, None);
        spawn_local(job::run(
            store,
            Launch {
                tab,
                planned,
                device,
                kind,
            },
        ));
    };
    let share = move |_| {
        let url = browser::replace_hash(&share::link_hash(tab, &store.values(tab)));
        set_link.set(Some(url.clone()));
        spawn_local(async move {
            let _ = browser::copy_text(&url).await;
        });
    };
    let reset = move |_| store.set_values(tab, form::defaults(tab));
    let why_not = move || {
        if busy() {
            Some("A run is in progress.")
        } else if ready().is_none() {
            Some("Waiting for the compute backend.")
        } else if !valid() {
            Some("Fix the marked settings first.")
        } else {
            None
        }
    };
    view! {
        <div class="actions">
            <button
                class="primary"
                data-testid="run"
                disabled=move || why_not().is_some()
                title=move || why_not().unwrap_or("Train with these settings")
                on:click=start
            >
                {if tab == Tab::Continual { "Run the methods" } else { "Run" }}
            </button>
            <button type="button" data-testid="share" on:click=share>"Copy share link"</button>
            <button type="button" class="link" data-testid="reset-form" on:click=reset>"Defaults"</button>
        </div>
        {move || {
            link.get()
                .map(|url| {
                    view! {
                        <p class="help">
                            "Link (copied if the browser allowed it): "
                            <input class="share-url" readonly data-testid="share-url" prop:value=url />
                        </p>
                    }
                })
        }}
    }
}

fn format_seconds(s: f64) -> String {
    if !s.is_finite() {
        return "–".into();
    }
    let s = s.round() as u64;
    if s >= 3600 {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

/// The progress of the run in progress, with pause and cancel.
#[component]
fn ProgressView(tab: Tab) -> impl IntoView {
    let store = use_store();
    let job = move || store.job.get();
    move || {
        let Some(j) = job() else {
            return ().into_any();
        };
        if j.tab != tab {
            return view! {
                <p class="notice info" data-testid="busy-elsewhere">
                    {format!("A {} run is in progress; its panel shows it.", j.tab.label())}
                </p>
            }
            .into_any();
        }
        let paused = j.paused;
        let left = j.seconds_left.map_or("estimating time left".into(), |s| {
            format!("about {} left", format_seconds(s))
        });
        let loss = j.loss.map_or(String::new(), |l| format!(" · loss {l:.4}"));
        view! {
            <div class="progress" data-testid="progress" data-fraction=format!("{:.4}", j.fraction)>
                <div class="progress-head">
                    <strong>
                        {if j.count > 1 { format!("Run {} of {}: ", j.index, j.count) } else { String::new() }}
                        {j.phase.clone()}
                    </strong>
                    <span>
                        {format!("{:.0}% · {:.1} steps/s · {left}{loss}", 100.0 * j.fraction, j.rate)}
                    </span>
                </div>
                <progress max="1" value=j.fraction></progress>
                <div class="actions">
                    <button
                        data-testid="pause"
                        on:click=move |_| job::set_paused(!paused, store)
                    >
                        {if paused { "Resume" } else { "Pause" }}
                    </button>
                    <button data-testid="cancel" on:click=move |_| job::cancel()>"Cancel"</button>
                </div>
            </div>
        }
        .into_any()
    }
}

/// The run the panel shows: the one running, else the selected one, else the newest.
fn shown_run(store: Store, tab: Tab) -> Option<RunRecord> {
    let selected = store.selected.with(|s| s.get(tab.id()).cloned());
    store.history.with(|h| {
        selected
            .and_then(|id| h.get(&id).cloned())
            .filter(|r| r.panel() == Some(tab))
            .or_else(|| h.of(tab).first().map(|r| (*r).clone()))
    })
}

/// Charts, tables and images of the shown run (live while this panel's run goes on).
#[component]
fn RunView(tab: Tab) -> impl IntoView {
    let store = use_store();
    let running_here = move || store.job.with(|j| j.as_ref().is_some_and(|j| j.tab == tab));
    let shown = Memo::new(move |_| shown_run(store, tab));
    let compared = Memo::new(move |_| {
        let Some(run) = shown.get() else {
            return Vec::new();
        };
        let overlays = store.overlays.get();
        store.history.with(|h| {
            h.of(tab)
                .into_iter()
                .filter(|r| r.id != run.id)
                .filter(|r| {
                    overlays.contains(&r.id) || (run.batch.is_some() && r.batch == run.batch)
                })
                .map(|r| (*r).clone())
                .collect::<Vec<_>>()
        })
    });
    let charts = Memo::new(move |_| {
        if running_here() {
            return store.live.with(|points| views::live_charts(tab, points));
        }
        match shown.get() {
            Some(run) => {
                let others = compared.get();
                let refs: Vec<&RunRecord> = others.iter().collect();
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
        let refs: Vec<&RunRecord> = others.iter().collect();
        let tables = views::tables(&run, &refs);
        let headline = views::headline(&run);
        let paper = views::paper_lines(&run, &refs);
        let heatmap = views::continual_heatmap(&run);
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
            {heatmap.map(|h| view! { <HeatmapView heatmap=h /> })}
            {tables.into_iter().map(|t| view! { <TableView table=t /> }).collect_view()}
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
    }
}

/// A table.
#[component]
fn TableView(table: Table) -> impl IntoView {
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
fn RunImages(run: RunRecord) -> impl IntoView {
    (!run.images.is_empty()).then(|| {
        view! {
            <div class="images" data-testid="run-images">
                {run
                    .images
                    .into_iter()
                    .map(|i| {
                        view! {
                            <figure>
                                <img src=i.data_url alt=i.title.clone() class="pixelated" />
                                <figcaption>{i.title}</figcaption>
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
fn Predictions(run: RunRecord) -> impl IntoView {
    let Some(ExperimentResult::Train(result)) = run.result else {
        return ().into_any();
    };
    view! {
        <div class="predictions" data-testid="predictions">
            <h3>"Predictions on test images"</h3>
            <div class="prediction-grid">
                {result
                    .predictions
                    .into_iter()
                    .map(|p| {
                        let image = GrayImage { width: p.width, height: p.height, pixels: p.pixels };
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

/// Noisy test images at each sigma of the sweep being edited.
#[component]
fn NoisePreview() -> impl IntoView {
    let store = use_store();
    let dataset = LocalResource::new(move || {
        let choice = store
            .values(Tab::Noise)
            .get("dataset")
            .cloned()
            .unwrap_or_default();
        async move {
            match choice.as_str() {
                "fashion-mnist" => crate::datasets::shipped(Shipped::FashionMnist).await.ok(),
                "custom" => crate::datasets::custom(),
                _ => crate::datasets::shipped(Shipped::Mnist).await.ok(),
            }
        }
    });
    let image = move || {
        let data = dataset.get().flatten()?;
        let planned = form::build(Tab::Noise, &store.values(Tab::Noise)).ok()?;
        let ExperimentKind::Noise(spec) = &planned.first()?.config.experiment else {
            return None;
        };
        let shown: Vec<usize> = (0..data.len().min(3)).collect();
        // The impulse value as the run will use it: twice the training split's pixel std.
        // Gaussian noise does not use it, so the pass over the training images (on every
        // edit of the form) is only made for impulse noise.
        let pixel_std = match spec.noise {
            NoiseKind::Gaussian => 0.0,
            NoiseKind::Impulse => {
                let config = &planned.first()?.config;
                let split = config.data.split(&data, config.seed);
                data.pixel_stats(&split.train).std
            }
        };
        let grid = views::noise_preview(&data, &shown, spec, pixel_std)?;
        let png = grid.to_png().ok()?;
        let levels: Vec<String> = spec.levels.iter().map(|s| format!("{s:.2}")).collect();
        let caption = match spec.noise {
            NoiseKind::Gaussian => format!("Left to right, sigma = {}", levels.join(", ")),
            NoiseKind::Impulse => format!(
                "Left to right, fraction of pixels set to {:.2} = {}",
                2.0 * pixel_std,
                levels.join(", ")
            ),
        };
        Some((browser::png_data_url(&png), caption))
    };
    view! {
        <div class="noise-preview" data-testid="noise-preview">
            {move || match image() {
                Some((src, caption)) => view! {
                    <figure>
                        <img src=src alt="test images with growing noise" class="pixelated wide" />
                        <figcaption>{caption}</figcaption>
                    </figure>
                }
                .into_any(),
                None => view! { <p class="muted">"Loading the preview of noisy test images…"</p> }.into_any(),
            }}
        </div>
    }
}

/// The panel's runs: show, overlay, export, load settings, delete; import and clear.
#[component]
fn HistoryList(tab: Tab) -> impl IntoView {
    let store = use_store();
    let runs = Memo::new(move |_| {
        store
            .history
            .with(|h| h.of(tab).into_iter().cloned().collect::<Vec<_>>())
    });
    let running = move || store.job.with(Option::is_some);
    let import = move |ev: web_sys::Event| {
        let Some(file) = browser::chosen_file(&ev) else {
            return;
        };
        browser::reset_file_input(&ev);
        spawn_local(async move {
            let text = match browser::read_file(&file).await {
                Ok(bytes) => String::from_utf8(bytes).map_err(|_| "it is not text".to_owned()),
                Err(e) => Err(e),
            };
            let outcome = text.and_then(|t| history::import_run(&t).map_err(|e| e.to_string()));
            match outcome {
                Ok(mut run) => {
                    let Some(run_tab) = run.panel() else { return };
                    run.id = store.history.with_untracked(|h| {
                        if h.get(&run.id).is_some() {
                            h.fresh_id(browser::epoch_ms())
                        } else {
                            run.id.clone()
                        }
                    });
                    let id = run.id.clone();
                    store.history.update(|h| h.put(run));
                    store.save_history();
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
            crate::store::forget_forms();
        }
    };
    view! {
        <section class="history" data-testid="history">
            <div class="history-head">
                <h3>{format!("{} runs", tab.label())}</h3>
                <label class="button-like">
                    "Import a run (JSON)"
                    <input type="file" accept=".json,application/json" data-testid="import-run" on:change=import />
                </label>
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
            <p class="muted">
                "Runs are kept in this browser. Tick runs to overlay their curves on the charts above."
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
fn RunRow(tab: Tab, run: RunRecord) -> impl IntoView {
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
        move |_| {
            store.history.update(|h| h.remove(&id));
            store.overlays.update(|o| {
                o.remove(&id);
            });
            store.save_history();
        }
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

fn run_is_live(store: Store, id: &str) -> bool {
    store.job.with(Option::is_some)
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
