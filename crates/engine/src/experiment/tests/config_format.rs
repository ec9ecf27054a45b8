//! The config format: round trips, named errors for bad configs, version upgrades, and
//! dataset ids.

use super::*;

#[test]
fn configs_round_trip_and_bad_ones_name_the_problem() {
    let c = config(ExperimentKind::Imp(ImpSpec {
        prune: prune(),
        rounds: 2,
        target_remaining: None,
        reset: ResetMode::RewindInit,
        controls: vec![Control::RandomReinit],
        eval_every: 0,
    }));
    let json = c.to_json();
    assert_eq!(ExperimentConfig::from_json(&json).expect("loads"), c);

    let newer = json.replacen(
        &format!("\"version\": {CONFIG_VERSION}"),
        "\"version\": 99",
        1,
    );
    assert!(matches!(
        ExperimentConfig::from_json(&newer),
        Err(ConfigLoadError::Version { found: 99, .. })
    ));
    let bad_rate = json.replacen("\"rate\": 0.5", "\"rate\": 1.5", 1);
    let error = ExperimentConfig::from_json(&bad_rate).expect_err("invalid");
    assert_eq!(
        error.to_string(),
        "experiment.prune.rate: must be between 0 and 0.99, got 1.5"
    );
    let zero_batch = json.replacen("\"batch_size\": 16", "\"batch_size\": 0", 1);
    assert!(
        ExperimentConfig::from_json(&zero_batch)
            .expect_err("invalid")
            .to_string()
            .starts_with("train.batch_size:")
    );
    let unknown = json.replacen("\"seed\": 4", "\"seed\": 4, \"sede\": 5", 1);
    assert!(matches!(
        ExperimentConfig::from_json(&unknown),
        Err(ConfigLoadError::Syntax(_))
    ));
    for garbage in [
        "",
        "{",
        "[]",
        "{\"version\": \"one\"}",
        "null",
        "{\"version\": -1}",
    ] {
        assert!(ExperimentConfig::from_json(garbage).is_err(), "{garbage:?}");
    }
}

#[test]
fn a_version_1_config_keeps_its_meaning_and_version_2_defaults_follow_the_papers() {
    // A continual-learning config as version 1 wrote it: none of the options added since.
    let v1 = r#"{
        "version": 1, "seed": 3,
        "data": {"dataset": "mnist"},
        "model": {"kind": "mlp", "hidden": [64], "kwta": {"fraction": 0.1},
                  "dendrites": {"segments": 2, "context": 784}},
        "train": {"optimizer": {"kind": "adam", "lr": 0.001}, "batch_size": 8, "epochs": 1},
        "experiment": {"kind": "continual", "sequence": {"kind": "permuted", "tasks": 2},
                       "weight_sparsity": 0.5}
    }"#;
    let old = ExperimentConfig::from_json(v1).expect("loads");
    assert_eq!(old.version, CONFIG_VERSION);
    assert!(!old.data.normalize);
    assert_eq!(old.model.init().scheme, crate::model::InitScheme::Uniform);
    let selection = old.model.dendrites().map(|d| d.selection);
    assert_eq!(selection, Some(SegmentSelection::Max));
    let ExperimentKind::Continual(spec) = &old.experiment else {
        panic!("continual")
    };
    assert!(!spec.sparse_output && !spec.reset_optimizer);
    // The same text as version 2: the defaults are the papers' choices.
    let v2 = v1.replacen("\"version\": 1", "\"version\": 2", 1);
    let new = ExperimentConfig::from_json(&v2).expect("loads");
    assert!(new.data.normalize);
    assert_eq!(
        new.model.init().scheme,
        crate::model::InitScheme::SparseAware
    );
    let selection = new.model.dendrites().map(|d| d.selection);
    assert_eq!(selection, Some(SegmentSelection::AbsMax));
    let ExperimentKind::Continual(spec) = &new.experiment else {
        panic!("continual")
    };
    assert!(spec.sparse_output && spec.reset_optimizer);
    // An upgraded config written out again is a version-2 config with the same meaning.
    assert_eq!(
        ExperimentConfig::from_json(&old.to_json()).expect("loads"),
        old
    );
}

#[test]
fn dataset_ids_are_their_serde_names() {
    for choice in DatasetChoice::ALL {
        assert_eq!(
            serde_json::to_value(choice).expect("serialises"),
            serde_json::Value::from(choice.id())
        );
        assert_eq!(DatasetChoice::from_id(choice.id()), Some(choice));
    }
    assert_eq!(DatasetChoice::from_id("cifar"), None);
}
