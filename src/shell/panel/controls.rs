//! Run controls and progress: Run, Cancel and Reset, the backend in use, and the progress
//! bar with the estimate of time left.

use super::*;

/// Run, share and reset.
#[component]
pub(super) fn RunControls(tab: Tab, startup: ReadSignal<Option<EngineStart>>) -> impl IntoView {
    let store = use_store();
    let ready = move || {
        if store.device_lost.with(Option::is_some) {
            return None;
        }
        startup
            .get()
            .and_then(Result::ok)
            .filter(|s| s.probe.is_ok())
            .map(|s| s.kind)
    };
    let busy = move || store.running.with(Option::is_some);
    let checked = store.checked(tab);
    let valid = move || checked.with(Result::is_ok);
    let (link, set_link) = signal(None::<String>);
    let start = move |_| {
        let Some(kind) = ready() else {
            return;
        };
        let Ok(planned) = checked.get_untracked() else {
            return;
        };
        store.notify(tab, None);
        spawn_local(job::run(store, Launch { tab, planned, kind }));
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
        } else if store.device_lost.with(Option::is_some) {
            Some("The WebGPU device was lost: start WebGPU again or use the CPU (top of the page).")
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

pub(super) fn format_seconds(s: f64) -> String {
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
///
/// Built once when a run starts (or is shown elsewhere) and updated in place: a progress
/// report (up to ten a second) changes a few texts and attributes, not the elements, and
/// a panel that only says the run is elsewhere does not change at all.
#[component]
pub(super) fn ProgressView(tab: Tab) -> impl IntoView {
    let store = use_store();
    move || match store.running.get() {
        None => ().into_any(),
        Some(other) if other != tab => view! {
            <p class="notice info" data-testid="busy-elsewhere">
                {format!("A {} run is in progress; its panel shows it.", other.label())}
            </p>
        }
        .into_any(),
        Some(_) => progress_bar(store).into_any(),
    }
}

/// The bar, its texts and the pause and cancel buttons of the run in progress.
fn progress_bar(store: Store) -> impl IntoView {
    let read = move |f: fn(&JobState) -> String| {
        move || store.job.with(|j| j.as_ref().map(f).unwrap_or_default())
    };
    let fraction = move || store.job.with(|j| j.as_ref().map_or(0.0, |j| j.fraction));
    let paused = move || store.job.with(|j| j.as_ref().is_some_and(|j| j.paused));
    let title = read(|j| {
        let of = if j.count > 1 {
            format!("Run {} of {}: ", j.index, j.count)
        } else {
            String::new()
        };
        format!("{of}{}", j.phase)
    });
    let detail = read(|j| {
        let left = j.seconds_left.map_or("estimating time left".into(), |s| {
            format!("about {} left", format_seconds(s))
        });
        let loss = j.loss.map_or(String::new(), |l| format!(" · loss {l:.4}"));
        format!(
            "{:.0}% · {:.1} steps/s · {left}{loss}",
            100.0 * j.fraction,
            j.rate
        )
    });
    view! {
        <div class="progress" data-testid="progress" data-fraction=move || format!("{:.4}", fraction())>
            <div class="progress-head">
                <strong>{title}</strong>
                <span>{detail}</span>
            </div>
            <progress max="1" prop:value=fraction></progress>
            <div class="actions">
                <button data-testid="pause" on:click=move |_| {
                    let now = store.job.with_untracked(|j| j.as_ref().is_some_and(|j| j.paused));
                    job::set_paused(!now, store);
                }>
                    {move || if paused() { "Resume" } else { "Pause" }}
                </button>
                <button data-testid="cancel" on:click=move |_| job::cancel()>"Cancel"</button>
            </div>
        </div>
    }
}
