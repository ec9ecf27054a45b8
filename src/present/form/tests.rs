//! Tests of the forms: parsing and messages, building configs, and the round trip
//! config -> values -> config.

use super::*;

#[test]
fn every_panel_builds_from_its_defaults() {
    for tab in Tab::ALL {
        let planned = build(tab, &defaults(tab))
            .unwrap_or_else(|p| panic!("{tab:?} defaults do not build: {p:?}"));
        assert!(!planned.is_empty());
        for p in planned {
            p.config.validate().expect("valid");
        }
    }
}

#[test]
fn defaults_follow_the_papers() {
    let planned = build(Tab::Prune, &defaults(Tab::Prune)).expect("builds");
    let c = &planned[0].config;
    assert_eq!(c.model, ModelSpec::lenet_300_100());
    assert_eq!(c.train.optimizer, OptimizerSpec::adam(0.0012));
    assert_eq!(c.train.batch_size, 60);
    let ExperimentKind::Imp(spec) = &c.experiment else {
        panic!("not IMP")
    };
    assert_eq!((spec.prune.rate, spec.prune.output_rate), (0.2, 0.1));
    assert_eq!(spec.controls, [Control::RandomReinit]);
}

#[test]
fn bad_values_get_a_message_on_their_field() {
    let mut v = defaults(Tab::Train);
    v.insert("batch".into(), "0".into());
    v.insert("lr".into(), "fast".into());
    v.insert("hidden".into(), "300, x".into());
    v.insert("epochs".into(), "1.5".into());
    let p = build(Tab::Train, &v).expect_err("invalid");
    assert_eq!(p["batch"], "Must be between 1 and 1024.");
    assert!(p["lr"].contains("not a number"), "{}", p["lr"]);
    assert!(p["hidden"].contains("\u{201c}x\u{201d}"), "{}", p["hidden"]);
    assert_eq!(p["epochs"], "Enter a whole number.");
    assert_eq!(p.len(), 4, "{p:?}");
    // The typed text is kept: building does not change the values.
    assert_eq!(v["lr"], "fast");
}

#[test]
fn engine_checks_land_on_the_right_field() {
    // Dendrites need a hidden layer: the engine says so, on the dendrites field.
    let mut v = defaults(Tab::Train);
    v.insert("hidden".into(), "".into());
    v.insert("dendrites".into(), "3".into());
    let p = build(Tab::Train, &v).expect_err("invalid");
    assert!(p["dendrites"].contains("hidden layer"), "{p:?}");
}

#[test]
fn unknown_keys_and_no_methods_are_form_problems() {
    let mut v = defaults(Tab::Noise);
    v.insert("sigma".into(), "2".into());
    assert!(build(Tab::Noise, &v).expect_err("unknown")[""].contains("sigma"));
    let mut v = defaults(Tab::Continual);
    for (key, _) in CONTINUAL_METHODS {
        v.insert(key.into(), "false".into());
    }
    assert!(build(Tab::Continual, &v).expect_err("none")[""].contains("method"));
}

#[test]
fn the_plasticity_presets_match_the_engines_reference_settings() {
    use bioplay_engine::experiment::presets::{self, OjaSetting};
    for (id, setting) in [
        ("online", OjaSetting::Online),
        ("deep", OjaSetting::Deep),
        ("bad_init", OjaSetting::BadInit),
    ] {
        let (_, _, values) = PLASTICITY_PRESETS
            .iter()
            .find(|p| p.0 == id)
            .expect("preset");
        let mut v = defaults(Tab::Plasticity);
        for (key, value) in *values {
            v.insert((*key).into(), (*value).into());
        }
        let built = build(Tab::Plasticity, &v).expect("builds").remove(0).config;
        let reference = presets::plasticity(setting, true);
        assert_eq!(built.model, reference.model, "{id}");
        assert_eq!(built.train.batch_size, reference.train.batch_size, "{id}");
        assert_eq!(built.train.optimizer, reference.train.optimizer, "{id}");
        assert_eq!(built.data.normalize, reference.data.normalize, "{id}");
        let (ExperimentKind::Plasticity(a), ExperimentKind::Plasticity(b)) =
            (&built.experiment, &reference.experiment)
        else {
            panic!("plasticity")
        };
        assert_eq!(a.oja, b.oja, "{id}");
    }
}

/// `tab`'s defaults with preset `id` applied.
fn with_preset(tab: Tab, id: &str) -> Values {
    let (_, _, pairs) = presets(tab)
        .iter()
        .find(|p| p.0 == id)
        .expect("preset exists");
    let mut v = defaults(tab);
    for (key, value) in *pairs {
        assert!(v.contains_key(*key), "{id}: {key} is not a field");
        v.insert((*key).into(), (*value).into());
    }
    v
}

#[test]
fn the_continual_presets_are_the_default_and_the_engines_cnn_sequence() {
    use bioplay_engine::experiment::presets::{self, CnnMethod};
    assert_eq!(
        with_preset(Tab::Continual, "permuted_mlp"),
        defaults(Tab::Continual),
        "the permuted-MNIST preset brings the defaults back"
    );
    let planned = build(Tab::Continual, &with_preset(Tab::Continual, "split_cnn")).expect("builds");
    assert_eq!(planned.len(), CnnMethod::ALL.len());
    for (p, method) in planned.iter().zip(CnnMethod::ALL) {
        let reference = presets::continual_split_cnn(method, true);
        assert_eq!(p.config.model, reference.model, "{method:?}");
        assert_eq!(p.config.train, reference.train, "{method:?}");
        // The panels hold out a sixth of the images, the engine's presets a fifth.
        let data = DataSpec {
            test_fraction: reference.data.test_fraction,
            ..p.config.data.clone()
        };
        assert_eq!(data, reference.data, "{method:?}");
        assert_eq!(p.config.experiment, reference.experiment, "{method:?}");
    }
}

#[test]
fn continual_builds_one_config_per_method() {
    let mut v = defaults(Tab::Continual);
    for (key, _) in CONTINUAL_METHODS {
        v.insert(key.into(), "true".into());
    }
    let planned = build(Tab::Continual, &v).expect("builds");
    assert_eq!(planned.len(), CONTINUAL_METHODS.len());
    let last = &planned[4].config;
    // One segment per task (5 by default).
    assert_eq!(last.model.dendrites().map(|d| d.segments), Some(5));
    let ExperimentKind::Continual(spec) = &last.experiment else {
        panic!("not continual")
    };
    assert_eq!(spec.weight_sparsity, 0.5);
    assert_eq!(planned[0].method.as_deref(), Some("dense"));
}

#[test]
fn configs_round_trip_through_the_form() {
    for tab in Tab::ALL {
        let mut v = defaults(tab);
        // Change a few values so the round trip is not just defaults.
        for (key, value) in [
            ("seed", "7"),
            ("batch", "32"),
            ("model", "conv2"),
            ("hidden", "64"),
            ("reset", "rewind_step"),
            ("rewind_step", "15"),
            ("target", "0.1"),
            ("control_mask", "true"),
            ("sigma_steps", "4"),
            ("m_dense", "false"),
            ("m_dendrites", "true"),
            ("gating", "max"),
            ("conv_kwta", "0.3"),
            ("normalize", "false"),
            ("formulation", "authors"),
            ("eta", "0.002"),
            ("depth", "3"),
        ] {
            if v.contains_key(key) {
                v.insert(key.into(), value.into());
            }
        }
        let planned = build(tab, &v).expect("builds");
        for p in planned {
            let back = values_from_config(tab, &p.config);
            let again = build(tab, &back).expect("rebuilds");
            assert!(
                again.iter().any(|a| a.config == p.config),
                "{tab:?}: {:?} -> {back:?}",
                p.config
            );
        }
    }
}

#[test]
fn the_prune_preview_follows_the_schedule() {
    let mut v = defaults(Tab::Prune);
    v.insert("rounds".into(), "3".into());
    let preview = prune_preview(&v).expect("valid");
    assert_eq!(preview.len(), 4);
    assert!((preview[3] - 0.512).abs() < 1e-9, "{preview:?}");
    v.insert("target".into(), "0.7".into());
    assert_eq!(prune_preview(&v).expect("valid").len(), 3);
    v.insert("rate".into(), "2".into());
    assert_eq!(prune_preview(&v), None);
}

#[test]
fn every_dataset_choice_of_the_form_is_a_dataset() {
    let ids: Vec<&str> = super::fields::DATASETS.iter().map(|(id, _)| *id).collect();
    let all: Vec<&str> = DatasetChoice::ALL.iter().map(|c| c.id()).collect();
    assert_eq!(ids, all);
}

#[test]
fn saved_values_are_read_over_the_defaults() {
    let mut saved = Values::new();
    saved.insert("lr".into(), "0.5".into());
    saved.insert("no_such_field".into(), "1".into());
    let values = with_defaults(Tab::Train, &saved);
    assert_eq!(values.get("lr").map(String::as_str), Some("0.5"));
    assert!(
        !values.contains_key("no_such_field"),
        "unknown keys dropped"
    );
    let defaults = defaults(Tab::Train);
    assert_eq!(values.len(), defaults.len(), "every field has a value");
    assert_eq!(problems_of(&build(Tab::Train, &values)), Problems::new());
    let mut bad = values.clone();
    bad.insert("lr".into(), "fast".into());
    assert!(problems_of(&build(Tab::Train, &bad)).contains_key("lr"));
}
