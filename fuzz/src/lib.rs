//! Fuzz targets: every parser of untrusted input, driven through the same functions the
//! app and the runner use, with the invariants that must hold for any input.
//!
//! Each target takes arbitrary bytes and must neither panic nor hang; where a parser
//! accepts its input, what it made must also be usable (an IDX array re-encodes to the same
//! bytes, a config survives a round trip and becomes form values, an imported run draws
//! its charts and tables). `make fuzz` (scripts/fuzz.sh) runs each target under libFuzzer
//! from the seeds in `fuzz/corpus/<target>/`; every input that ever failed is kept in
//! `fuzz/regressions/<target>/` and replayed by `cargo test` (tests/regressions.rs).

use bioplay::present::chart::{render_heatmap_svg, render_svg};
use bioplay::present::form;
use bioplay::present::history::{self, History};
use bioplay::present::routes::Tab;
use bioplay::present::share;
use bioplay::present::views;
use bioplay_engine::data::{Dataset, idx};
use bioplay_engine::experiment::ExperimentConfig;

/// A fuzz target: bytes in, a panic if an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target by name (the name of its `fuzz/corpus/` folder and its `fuzz-<name>`
/// binary, with `_` written `-`).
pub const TARGETS: [(&str, Target); 4] = [
    ("idx", idx),
    ("config", config),
    ("share_link", share_link),
    ("run_file", run_file),
];

/// IDX files, plain or gzipped, alone and as an images/labels pair (the upload path).
/// A pair is written as a little-endian `u16` length of the images file, then both files.
pub fn idx(data: &[u8]) {
    if let Ok(array) = idx::parse_u8(data) {
        let gzipped = data.starts_with(&[0x1f, 0x8b]);
        if !gzipped {
            assert_eq!(
                idx::encode_u8(&array.dims, &array.data),
                data,
                "a parsed file re-encodes to itself"
            );
        }
        assert_eq!(array.dims.iter().product::<usize>(), array.data.len());
    }
    // As a pair: a little-endian u16 length of the images file, then images and labels.
    if let [a, b, rest @ ..] = data {
        let cut = usize::from(u16::from_le_bytes([*a, *b])).min(rest.len());
        let (images, labels) = rest.split_at(cut);
        if let Ok(set) = Dataset::from_idx("fuzz", images, labels, 10) {
            let (rows, cols) = set.image_shape();
            assert!(rows * cols <= bioplay_engine::data::MAX_IMAGE_PIXELS);
            assert!(!set.is_empty());
            assert_eq!(set.image(set.len() - 1).len(), set.features());
        }
    }
}

/// An experiment config as JSON (a config file given to the runner, a stored form).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = ExperimentConfig::from_json(text) else {
        return;
    };
    let json = serde_json::to_string(&config).expect("a config serialises");
    let back = ExperimentConfig::from_json(&json).expect("a valid config reads back");
    assert_eq!(back, config, "a config survives a round trip");
    // The page shows a loaded config as form values and builds it back.
    let tab = Tab::of_experiment(&config.experiment);
    let values = form::values_from_config(tab, &config);
    let _ = form::build(tab, &values);
    let _ = views::describe(&config);
}

/// A share link's location hash, followed as the page follows it.
pub fn share_link(data: &[u8]) {
    let Ok(hash) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Some(shared)) = share::parse_hash(hash)
        && let Some(values) = shared.values
        && form::problems(shared.tab, &values).is_empty()
    {
        let full = form::with_defaults(shared.tab, &values);
        let planned = form::build(shared.tab, &full);
        assert!(planned.is_ok(), "values without problems build");
        // A link made from accepted values opens the same values.
        let again = share::link_hash(shared.tab, &full);
        let reread = share::parse_hash(&again)
            .expect("our own link reads")
            .expect("names a panel");
        assert_eq!(
            form::with_defaults(shared.tab, &reread.values.unwrap_or_default()),
            full
        );
    }
}

/// A run file (import) and a stored history (reload), drawn as the panel draws them.
pub fn run_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(run) = history::import_run(text) {
        for chart in views::result_charts(&run, &[&run]) {
            let _ = render_svg(&chart, 640.0, 360.0);
        }
        for heatmap in views::continual_heatmap(&run)
            .into_iter()
            .chain(views::confusion_heatmaps(&run))
        {
            let _ = render_heatmap_svg(&heatmap, 640.0, 360.0);
        }
        let _ = views::tables(&run, &[&run]);
        let _ = views::compare(run.tab, &[&run, &run]);
        let _ = views::headline(&run);
        let _ = views::paper_lines(&run, &[]);
        let back = history::import_run(&history::export_run(&run)).expect("an export reads");
        assert_eq!(back, run, "a run survives export and import");
    }
    if let Ok(stored) = History::from_json(text) {
        for run in &stored.runs {
            let _ = views::result_charts(run, &[]);
        }
    }
}
