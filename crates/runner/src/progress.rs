//! A terminal progress bar as the engine's [`Host`]: shows the phase, the work done, the
//! rate and the time left, and the latest loss.

use bioplay_engine::experiment::{Flow, Host, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// Reports progress on stderr (hidden when stderr is not a terminal or `quiet`).
pub(crate) struct BarHost {
    bar: ProgressBar,
}

impl BarHost {
    /// A bar titled `title`.
    pub(crate) fn new(title: &str, quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(1)
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:.bold} [{bar:30}] {percent:>3}% {elapsed_precise} (eta {eta}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(title.to_string());
        BarHost { bar }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Host for BarHost {
    fn report(&mut self, progress: &Progress) -> Flow {
        self.bar.set_length(progress.total.max(1));
        self.bar.set_position(progress.done);
        let loss = progress
            .loss
            .map(|l| format!(", loss {l:.4}"))
            .unwrap_or_default();
        self.bar.set_message(format!("{}{loss}", progress.phase));
        Flow::Continue
    }

    async fn pause(&mut self) {}
}
