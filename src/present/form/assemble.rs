//! From checked form values to experiment configs: one [`Planned`] run per config (the
//! Continual panel plans one per method compared), and engine errors mapped back to the
//! field that caused them.

use super::*;

/// The form key for a config path from the engine's validation, "" if none fits.
pub(super) fn field_for(path: &str) -> &'static str {
    const MAP: &[(&str, &str)] = &[
        ("model.hidden", "hidden"),
        ("model.kwta", "kwta"),
        ("model.dendrites", "dendrites"),
        ("model.init", "init_scale"),
        ("train.batch_size", "batch"),
        ("train.epochs", "epochs"),
        ("train.optimizer", "lr"),
        ("train.oja", "eta"),
        ("data.train_samples", "train_samples"),
        ("data.test_samples", "test_samples"),
        ("experiment.prune.output_rate", "output_rate"),
        ("experiment.prune", "rate"),
        ("experiment.rounds", "rounds"),
        ("experiment.target_remaining", "target"),
        ("experiment.levels", "sigma_max"),
        ("experiment.seeds", "seeds"),
        ("experiment.sequence", "tasks"),
        ("experiment.weight_sparsity", "sparsity"),
        ("experiment.oja", "eta"),
    ];
    MAP.iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or("", |(_, key)| key)
}

pub(super) fn data(r: &Reader<'_>) -> DataSpec {
    DataSpec {
        dataset: DatasetChoice::from_id(r.choice("dataset")).unwrap_or(DatasetChoice::Mnist),
        test_fraction: 1.0 / 6.0,
        train_samples: r.n("train_samples"),
        test_samples: r.n("test_samples"),
        split_seed: None,
        normalize: r.flag("normalize"),
    }
}

pub(super) fn kwta(fraction: Option<f64>) -> Option<KwtaSpec> {
    fraction.map(|fraction| KwtaSpec { fraction })
}

pub(super) fn model(r: &mut Reader<'_>, features: usize) -> ModelSpec {
    let hidden = r.list("hidden");
    let kwta = kwta(r.number("kwta"));
    let dendrites = r.number("dendrites").map(|s| DendriteSpec {
        segments: s as usize,
        context: features,
        selection: SegmentSelection::AbsMax,
    });
    let init = InitSpec {
        scheme: InitScheme::SparseAware,
        scale: r.number("init_scale").unwrap_or(1.0),
    };
    match r.choice("model") {
        "mlp" | "" => ModelSpec::Mlp(MlpSpec {
            hidden,
            kwta,
            dendrites,
            init,
            ..MlpSpec::new(Vec::new())
        }),
        name => {
            let base = match name {
                "lenet5" => ModelSpec::lenet5(),
                "conv4" => ModelSpec::conv4(CNN_CHANNELS),
                _ => ModelSpec::conv2(CNN_CHANNELS),
            };
            let ModelSpec::Cnn(c) = base else {
                return base;
            };
            ModelSpec::Cnn(CnnSpec {
                hidden,
                kwta,
                dendrites,
                init,
                ..c
            })
        }
    }
}

/// Channels of the Conv-2 and Conv-4 networks the forms build.
pub const CNN_CHANNELS: usize = 16;

pub(super) fn optimizer(r: &Reader<'_>) -> OptimizerSpec {
    let lr = r.f("lr");
    match r.choice("optimizer") {
        "sgd" => OptimizerSpec::sgd(lr),
        "momentum" => OptimizerSpec::Sgd {
            lr,
            momentum: 0.9,
            weight_decay: 0.0,
        },
        _ => OptimizerSpec::adam(lr),
    }
}

pub(super) fn train(r: &Reader<'_>) -> TrainSpec {
    TrainSpec {
        optimizer: optimizer(r),
        batch_size: r.n("batch"),
        epochs: r.n("epochs"),
        oja: None,
    }
}

pub(super) fn base(tab: Tab, r: &mut Reader<'_>, experiment: ExperimentKind) -> ExperimentConfig {
    let data = data(r);
    let model = model(r, FEATURES);
    let batch = r.n("batch");
    ExperimentConfig {
        version: CONFIG_VERSION,
        name: tab.label().to_owned(),
        seed: r.u64("seed"),
        data,
        model,
        train: train(r),
        experiment,
        // Batch 1 steps are tiny: report and yield less often.
        steps_per_call: if batch <= 4 { 50 } else { 10 },
    }
}

/// Input size of the images the forms configure dendrites for (28 x 28).
pub const FEATURES: usize = 784;

pub(super) fn prune_spec(r: &Reader<'_>, output_key: Option<&str>) -> PruneSpec {
    let rate = r.f("rate");
    PruneSpec {
        rate,
        output_rate: output_key.map_or(rate / 2.0, |k| r.f(k)),
        conv_rate: rate / 2.0,
        scope: if r.choice("scope") == "global" {
            PruneScope::Global
        } else {
            PruneScope::LayerWise
        },
    }
}

pub(super) fn assemble(tab: Tab, r: &mut Reader<'_>) -> Vec<Planned> {
    let single = |config| {
        vec![Planned {
            config,
            method: None,
        }]
    };
    match tab {
        Tab::Train => {
            let spec = TrainingSpec {
                eval_every: r.u64("eval_every"),
                ..TrainingSpec::default()
            };
            single(base(tab, r, ExperimentKind::Train(spec)))
        }
        Tab::Prune => {
            let mut controls = Vec::new();
            if r.flag("control_reinit") {
                controls.push(Control::RandomReinit);
            }
            if r.flag("control_mask") {
                controls.push(Control::RandomMask);
            }
            let spec = ImpSpec {
                prune: prune_spec(r, Some("output_rate")),
                rounds: r.n("rounds"),
                target_remaining: r.number("target"),
                reset: match r.choice("reset") {
                    "rewind_step" => ResetMode::RewindStep {
                        step: r.u64("rewind_step"),
                    },
                    "fine_tune" => ResetMode::FineTune,
                    _ => ResetMode::RewindInit,
                },
                controls,
                eval_every: 0,
            };
            single(base(tab, r, ExperimentKind::Imp(spec)))
        }
        Tab::Noise => {
            let steps = r.n("sigma_steps").max(1);
            let max = r.f("sigma_max");
            let spec = NoiseSpec {
                noise: NoiseKind::from_id(r.choice("noise")).unwrap_or_default(),
                levels: (0..=steps).map(|i| max * i as f64 / steps as f64).collect(),
                seeds: r.n("seeds"),
                noise_seed: r.u64("noise_seed"),
                prune: prune_spec(r, None),
                rounds: r.n("rounds"),
            };
            single(base(tab, r, ExperimentKind::Noise(spec)))
        }
        Tab::Continual => continual(r),
        Tab::Plasticity => {
            let spec = PlasticitySpec {
                oja: OjaSpec {
                    eta: r.f("eta"),
                    form: OjaForm::Subspace,
                    signal: OjaSignal::Activation,
                    output: OjaOutput::Logits,
                },
                eval_every: r.u64("eval_every"),
            };
            let mut config = base(tab, r, ExperimentKind::Plasticity(spec));
            config.model = ModelSpec::Mlp(MlpSpec {
                hidden: vec![r.n("width"); r.n("depth")],
                kwta: None,
                dendrites: None,
                init: InitSpec {
                    scheme: InitScheme::Uniform,
                    scale: r.f("init_scale"),
                },
                ..MlpSpec::new(Vec::new())
            });
            config.train.optimizer = OptimizerSpec::sgd(r.f("lr"));
            let formulation = if r.choice("formulation") == "authors" {
                OjaFormulation::Authors
            } else {
                OjaFormulation::Playground
            };
            formulation.apply(&mut config);
            single(config)
        }
    }
}

/// The continual-learning methods a form can compare: `(key, label, k-WTA, sparsity,
/// dendrites)`.
pub const CONTINUAL_METHODS: [(&str, ContinualMethod); 5] = [
    ("m_dense", ContinualMethod::Dense),
    ("m_sparse", ContinualMethod::WeightSparsity),
    ("m_kwta", ContinualMethod::Kwta),
    ("m_kwta_sparse", ContinualMethod::KwtaSparse),
    ("m_dendrites", ContinualMethod::DendritesKwtaSparse),
];

pub(super) fn continual(r: &mut Reader<'_>) -> Vec<Planned> {
    let sequence = if r.choice("sequence") == "split" {
        Sequence::Split
    } else {
        Sequence::Permuted {
            tasks: r.n("tasks"),
        }
    };
    let context = if r.choice("context") == "inferred" {
        ContextMode::Inferred
    } else {
        ContextMode::TrueTask
    };
    let mut out = Vec::new();
    for (key, method) in CONTINUAL_METHODS {
        if !r.flag(key) {
            continue;
        }
        let label = method.label();
        let spec = ContinualSpec {
            sequence,
            weight_sparsity: if method.has_weight_sparsity() {
                r.f("sparsity")
            } else {
                0.0
            },
            sparse_conv: r.flag("sparse_conv"),
            context,
            sparse_output: r.flag("sparse_output"),
            reset_optimizer: r.flag("reset_optimizer"),
        };
        let mut config = base(Tab::Continual, r, ExperimentKind::Continual(spec));
        config.name = format!("Continual: {label}");
        let k = method.has_kwta().then(|| KwtaSpec {
            fraction: r.f("kwta"),
        });
        let d = method.has_dendrites().then(|| DendriteSpec {
            segments: sequence.tasks(),
            context: FEATURES,
            selection: if r.choice("gating") == "max" {
                SegmentSelection::Max
            } else {
                SegmentSelection::AbsMax
            },
        });
        match &mut config.model {
            ModelSpec::Mlp(m) => {
                m.kwta = k;
                m.dendrites = d;
            }
            ModelSpec::Cnn(c) => {
                c.kwta = k;
                c.conv_kwta = k
                    .and(r.number("conv_kwta"))
                    .map(|fraction| KwtaSpec { fraction });
                c.dendrites = d;
            }
        }
        out.push(Planned {
            config,
            method: Some(label.to_owned()),
        });
    }
    out
}
