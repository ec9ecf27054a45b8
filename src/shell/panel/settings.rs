//! The settings side of a panel: the form (checked as you type, each problem next to its
//! field), the panels' one-click paper settings, the Prune schedule preview, the noise preview and the
//! custom-dataset upload.

use super::*;

/// The form: fields by group, each with its inline message.
#[component]
pub(super) fn SettingsForm(tab: Tab) -> impl IntoView {
    let store = use_store();
    let fields = form::fields(tab);
    let mut groups: Vec<(&'static str, Vec<Field>)> = Vec::new();
    for f in fields {
        match groups.iter_mut().find(|g| g.0 == f.group) {
            Some(g) => g.1.push(f),
            None => groups.push((f.group, vec![f])),
        }
    }
    let checked = store.checked(tab);
    let problems = Memo::new(move |_| checked.with(form::problems_of));
    let form_problem = move || problems.with(|p| p.get("").cloned());
    view! {
        <form class="form" data-testid="settings" on:submit=|ev| ev.prevent_default()>
            {(!form::presets(tab).is_empty()).then(|| view! { <Presets tab /> })}
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
pub(super) fn FieldInput(tab: Tab, field: Field, problems: Memo<form::Problems>) -> impl IntoView {
    let store = use_store();
    let key = field.key;
    let value = move || store.field(tab, key);
    let set = move |text: String| store.set_fields(tab, [(key, text.as_str())]);
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

/// A panel's one-click paper settings ([`form::presets`]).
#[component]
pub(super) fn Presets(tab: Tab) -> impl IntoView {
    let store = use_store();
    view! {
        <div class="presets" data-testid="presets">
            <span>"Paper settings: "</span>
            {form::presets(tab)
                .iter()
                .map(|(id, label, pairs)| {
                    let apply = move |_| store.set_fields(tab, pairs.iter().copied());
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
pub(super) fn PrunePreview() -> impl IntoView {
    let store = use_store();
    let checked = store.checked(Tab::Prune);
    let preview = move || checked.with(|c| form::prune_preview_of(c.as_ref().ok()?));
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
pub(super) fn CustomData(tab: Tab) -> impl IntoView {
    let store = use_store();
    let custom = move || {
        store
            .values(tab)
            .get("dataset")
            .is_some_and(|d| DatasetChoice::from_id(d) == Some(DatasetChoice::Custom))
    };
    let images = StoredValue::new_local(None::<Vec<u8>>);
    let labels = StoredValue::new_local(None::<Vec<u8>>);
    let (status, set_status) =
        signal(crate::shell::datasets::custom().map(|d| format!("Loaded: {} images.", d.len())));
    let try_parse = move || {
        let (Some(i), Some(l)) = (images.get_value(), labels.get_value()) else {
            return;
        };
        match crate::shell::datasets::set_custom(&i, &l)
            .and_then(|d| crate::shell::engine::set_custom_data(&i, &l).map(|()| d))
        {
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
                // The cap is checked on the file's size, before a byte of it is read.
                if let Err(e) = idx::check_file_size(file.size() as usize) {
                    which.set_value(None);
                    set_status.set(None);
                    store.notify(
                        tab,
                        Some(Notice::error(
                            "upload-error",
                            format!("{} cannot be used: {e}.", file.name()),
                        )),
                    );
                    return;
                }
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
                <p class="help">
                    {format!(
                        "Images must be [count, rows, cols] unsigned bytes of at most 128 x 128 pixels, labels [count] in 0-9; files of up to {} MB.",
                        idx::MAX_FILE_BYTES / 1_000_000
                    )}
                </p>
                <p class="help" data-testid="custom-status">
                    {move || status.get().unwrap_or_else(|| "No files loaded yet.".into())}
                </p>
            </div>
        </Show>
    }
}

/// Noisy test images at each sigma of the sweep being edited.
#[component]
pub(super) fn NoisePreview() -> impl IntoView {
    let store = use_store();
    let dataset = LocalResource::new(move || {
        let choice = store
            .values(Tab::Noise)
            .get("dataset")
            .cloned()
            .unwrap_or_default();
        async move {
            match DatasetChoice::from_id(&choice)
                .unwrap_or(DatasetChoice::Mnist)
                .shipped()
            {
                Some(which) => crate::shell::datasets::shipped(which).await.ok(),
                None => crate::shell::datasets::custom(),
            }
        }
    });
    let image = move || {
        let data = dataset.get().flatten()?;
        let planned = store.checked(Tab::Noise).get().ok()?;
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
