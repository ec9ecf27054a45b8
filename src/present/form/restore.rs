//! From an experiment config back to form values (a run restored from the history, a
//! file or a share link), and the Prune panel's schedule preview.

use super::*;

/// The form values that produce `config` (for a run restored from history or a file).
/// Keys the config does not determine keep their defaults.
pub fn values_from_config(tab: Tab, config: &ExperimentConfig) -> Values {
    let mut v = defaults(tab);
    let mut set = |key: &str, value: String| {
        if v.contains_key(key) {
            v.insert(key.to_owned(), value);
        }
    };
    set("dataset", config.data.dataset.id().into());
    set("train_samples", config.data.train_samples.to_string());
    set("normalize", config.data.normalize.to_string());
    set("test_samples", config.data.test_samples.to_string());
    set("seed", config.seed.to_string());
    let hidden = config.model.hidden();
    set(
        "hidden",
        hidden
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    set("depth", hidden.len().to_string());
    set("width", hidden.first().copied().unwrap_or(1).to_string());
    set("init_scale", fmt(config.model.init().scale));
    let model_kwta = match &config.model {
        ModelSpec::Mlp(m) => m.kwta,
        ModelSpec::Cnn(c) => c.kwta,
    };
    if tab != Tab::Continual {
        set(
            "kwta",
            model_kwta.map_or(String::new(), |k| fmt(k.fraction)),
        );
    }
    if let Some(d) = config.model.dendrites() {
        set("dendrites", d.segments.to_string());
    }
    set("model", model_id(&config.model).into());
    let (optimizer, lr) = match config.train.optimizer {
        OptimizerSpec::Adam { lr, .. } => ("adam", lr),
        OptimizerSpec::Sgd { lr, momentum, .. } if momentum > 0.0 => ("momentum", lr),
        OptimizerSpec::Sgd { lr, .. } => ("sgd", lr),
    };
    set("optimizer", optimizer.into());
    set("lr", fmt(lr));
    set("batch", config.train.batch_size.to_string());
    set("epochs", config.train.epochs.to_string());
    match &config.experiment {
        ExperimentKind::Train(s) => set("eval_every", s.eval_every.to_string()),
        ExperimentKind::Imp(s) => {
            set("rate", fmt(s.prune.rate));
            set("output_rate", fmt(s.prune.output_rate));
            set("rounds", s.rounds.to_string());
            set("target", s.target_remaining.map_or(String::new(), fmt));
            let scope = if s.prune.scope == PruneScope::Global {
                "global"
            } else {
                "layer"
            };
            set("scope", scope.into());
            let reset = match s.reset {
                ResetMode::RewindInit => "rewind_init",
                ResetMode::RewindStep { step } => {
                    set("rewind_step", step.to_string());
                    "rewind_step"
                }
                ResetMode::FineTune => "fine_tune",
            };
            set("reset", reset.into());
            set(
                "control_reinit",
                s.controls.contains(&Control::RandomReinit).to_string(),
            );
            set(
                "control_mask",
                s.controls.contains(&Control::RandomMask).to_string(),
            );
        }
        ExperimentKind::Noise(s) => {
            let max = s.levels.iter().copied().fold(0.0, f64::max);
            set("noise", s.noise.id().into());
            set("sigma_max", fmt(max));
            set(
                "sigma_steps",
                s.levels.len().saturating_sub(1).max(1).to_string(),
            );
            set("seeds", s.seeds.to_string());
            set("rate", fmt(s.prune.rate));
            set("rounds", s.rounds.to_string());
            set("noise_seed", s.noise_seed.to_string());
        }
        ExperimentKind::Continual(s) => {
            match s.sequence {
                Sequence::Permuted { tasks } => {
                    set("sequence", "permuted".into());
                    set("tasks", tasks.to_string());
                }
                Sequence::Split => set("sequence", "split".into()),
            }
            let context = if s.context == ContextMode::Inferred {
                "inferred"
            } else {
                "true_task"
            };
            set("context", context.into());
            let method = ContinualMethod::of_parts(
                model_kwta.is_some(),
                s.weight_sparsity > 0.0,
                config.model.dendrites().is_some(),
            );
            for (key, m) in CONTINUAL_METHODS {
                set(key, (Some(m) == method).to_string());
            }
            if let Some(k) = model_kwta {
                set("kwta", fmt(k.fraction));
            }
            if let ModelSpec::Cnn(c) = &config.model {
                set(
                    "conv_kwta",
                    c.conv_kwta.map_or(String::new(), |k| fmt(k.fraction)),
                );
            }
            if s.weight_sparsity > 0.0 {
                set("sparsity", fmt(s.weight_sparsity));
            }
            set("sparse_output", s.sparse_output.to_string());
            set("sparse_conv", s.sparse_conv.to_string());
            set("reset_optimizer", s.reset_optimizer.to_string());
            if let Some(d) = config.model.dendrites() {
                let gating = match d.selection {
                    SegmentSelection::Max => "max",
                    SegmentSelection::AbsMax => "abs_max",
                };
                set("gating", gating.into());
            }
        }
        ExperimentKind::Plasticity(s) => {
            set("eta", fmt(s.oja.eta));
            let authors = s.oja.output == OjaOutput::Softmax;
            set(
                "formulation",
                if authors { "authors" } else { "playground" }.into(),
            );
            set("eval_every", s.eval_every.to_string());
        }
    }
    v
}

pub(super) fn model_id(model: &ModelSpec) -> &'static str {
    let ModelSpec::Cnn(c) = model else {
        return "mlp";
    };
    for (id, candidate) in [
        ("lenet5", ModelSpec::lenet5()),
        ("conv2", ModelSpec::conv2(CNN_CHANNELS)),
        ("conv4", ModelSpec::conv4(CNN_CHANNELS)),
    ] {
        if let ModelSpec::Cnn(k) = candidate
            && k.convs == c.convs
        {
            return id;
        }
    }
    "conv2"
}

/// The fraction of weights remaining after each round of the schedule in `values` (round
/// 0 first), for the Prune panel's preview; `None` if the schedule fields are invalid.
pub fn prune_preview(values: &Values) -> Option<Vec<f64>> {
    prune_preview_of(&build(Tab::Prune, values).ok()?)
}

/// [`prune_preview`] of an already built Prune form.
pub fn prune_preview_of(planned: &[Planned]) -> Option<Vec<f64>> {
    let ExperimentKind::Imp(spec) = &planned.first()?.config.experiment else {
        return None;
    };
    Some(
        (0..spec.planned_rounds())
            .map(|n| bioplay_engine::prune::remaining_after(spec.prune.rate, n))
            .collect(),
    )
}
