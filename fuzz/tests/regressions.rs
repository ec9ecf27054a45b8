//! Replays every seed of the fuzz corpus (`fuzz/corpus/<target>/`) and every input a fuzz
//! run ever failed on (`fuzz/regressions/<target>/`) through its target: none may panic.
//! `make fuzz` explores from the seeds; this keeps what it found fixed.

use std::path::Path;

#[test]
fn every_seed_and_every_past_failure_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut replayed = 0;
    for (name, target) in bioplay_fuzz::TARGETS {
        let mut seeds = 0;
        for folder in ["corpus", "regressions"] {
            let dir = root.join(folder).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                assert_eq!(folder, "regressions", "{} is missing", dir.display());
                continue;
            };
            for entry in entries {
                let path = entry.expect("a readable folder").path();
                let bytes = std::fs::read(&path).expect("a readable file");
                let outcome = std::panic::catch_unwind(|| target(&bytes));
                assert!(outcome.is_ok(), "{name}: {} fails", path.display());
                seeds += 1;
            }
        }
        assert!(
            seeds >= 3,
            "{name} has {seeds} seeds; a corpus needs a few real files"
        );
        replayed += seeds;
    }
    println!("replayed {replayed} inputs");
}

#[test]
fn the_seeds_are_real_inputs_the_app_accepts() {
    // Mutations of valid inputs reach deep into a parser; junk seeds would not.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let read = |target: &str| {
        let mut files: Vec<_> = std::fs::read_dir(root.join(target))
            .expect("a corpus folder")
            .map(|e| e.expect("an entry").path())
            .collect();
        files.sort();
        files
    };
    for path in read("config") {
        let text = std::fs::read_to_string(&path).expect("text");
        let parsed = bioplay_engine::experiment::ExperimentConfig::from_json(&text);
        assert!(parsed.is_ok(), "{}: {parsed:?}", path.display());
    }
    for path in read("run_file") {
        let text = std::fs::read_to_string(&path).expect("text");
        let run = bioplay::present::history::import_run(&text);
        assert!(run.is_ok(), "{}: {run:?}", path.display());
        assert!(
            run.is_ok_and(|r| r.result.is_some()),
            "{} has a result",
            path.display()
        );
    }
    for path in read("share_link") {
        let text = std::fs::read_to_string(&path).expect("text");
        let shared = bioplay::present::share::parse_hash(&text);
        assert!(
            matches!(shared, Ok(Some(_))),
            "{}: {shared:?}",
            path.display()
        );
    }
    let plain = std::fs::read(root.join("idx/images-3.idx")).expect("a seed");
    assert!(bioplay_engine::data::idx::parse_u8(&plain).is_ok());
}
