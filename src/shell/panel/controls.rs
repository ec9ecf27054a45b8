//! Run controls and progress: Run, Cancel and Reset, the backend in use, and the progress
//! bar with the estimate of time left.

use super::*;

/// Run, share and reset.
#[component]
pub(super) fn RunControls(tab: Tab, startup: LocalResource<EngineStart>) -> impl IntoView {
    let store = use_store();
    let ready = move || {
        startup
            .get()
            .and_then(Result::ok)
            .filter(|s| s.probe.is_ok())
            .map(|s| s.kind)
    };
    let busy = move || store.job.with(Option::is_some);
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
#[component]
pub(super) fn ProgressView(tab: Tab) -> impl IntoView {
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
