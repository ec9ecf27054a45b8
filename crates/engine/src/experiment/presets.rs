//! Ready-made configs that follow the papers' settings at browser scale: the reference
//! suite the runner measures (`bioplay reference`) and the defaults the app offers.
//! `quick` variants train less, so the whole suite fits in minutes on a laptop CPU.

use super::continual::{ContextMode, ContinualSpec, Sequence};
use super::imp::{Control, ImpSpec, ResetMode};
use super::noise::NoiseSpec;
use super::plasticity::PlasticitySpec;
use super::{CONFIG_VERSION, DataSpec, DatasetChoice, ExperimentConfig, ExperimentKind};
use crate::data::NoiseKind;
use crate::model::{
    Activation, CnnSpec, DendriteSpec, InitScheme, InitSpec, KwtaSpec, MlpSpec, ModelSpec,
    SegmentSelection,
};
use crate::oja::{OjaForm, OjaOutput, OjaSignal, OjaSpec};
use crate::optim::OptimizerSpec;
use crate::prune::{PruneScope, PruneSpec};
use crate::train::TrainSpec;

fn mnist(train_samples: usize) -> DataSpec {
    DataSpec {
        dataset: DatasetChoice::Mnist,
        test_fraction: 0.2,
        train_samples,
        test_samples: 0,
        split_seed: None,
        normalize: true,
    }
}

/// Adam at `lr` with the given batch size and epochs, no Oja term.
fn adam_training(lr: f64, batch_size: usize, epochs: usize) -> TrainSpec {
    TrainSpec {
        optimizer: OptimizerSpec::adam(lr),
        batch_size,
        epochs,
        oja: None,
    }
}

/// Frankle & Carbin's LeNet-300-100 schedule: Adam 1.2e-3, batch 60, hidden layers pruned
/// 20% per round and the output layer 10%.
fn lenet_training(epochs: usize) -> TrainSpec {
    adam_training(1.2e-3, 60, epochs)
}

fn frankle_carbin_rates() -> PruneSpec {
    PruneSpec {
        rate: 0.2,
        output_rate: 0.1,
        conv_rate: 0.0,
        scope: PruneScope::LayerWise,
    }
}

/// IMP on LeNet-300-100 down to at most 5% of the weights, with the random re-init control.
pub fn imp_lenet(quick: bool) -> ExperimentConfig {
    ExperimentConfig {
        version: CONFIG_VERSION,
        name: "IMP: LeNet-300-100 on MNIST, rewind to init vs random re-init".into(),
        seed: 1,
        data: mnist(0),
        model: ModelSpec::lenet_300_100(),
        train: lenet_training(if quick { 5 } else { 10 }),
        experiment: ExperimentKind::Imp(ImpSpec {
            prune: frankle_carbin_rates(),
            rounds: 30,
            target_remaining: Some(0.05),
            reset: ResetMode::RewindInit,
            controls: vec![Control::RandomReinit],
            eval_every: 0,
        }),
        steps_per_call: 20,
    }
}

/// Dense against IMP-sparse LeNet-300-100 under Gaussian noise, paired over seeds.
pub fn noise_lenet(quick: bool) -> ExperimentConfig {
    ExperimentConfig {
        version: CONFIG_VERSION,
        name: "Noise: dense vs IMP-sparse LeNet-300-100 on MNIST".into(),
        seed: 11,
        data: mnist(0),
        model: ModelSpec::lenet_300_100(),
        train: lenet_training(if quick { 3 } else { 5 }),
        experiment: ExperimentKind::Noise(NoiseSpec {
            noise: NoiseKind::Gaussian,
            levels: (0..=10).map(|i| f64::from(i) / 10.0).collect(),
            seeds: if quick { 5 } else { 8 },
            noise_seed: 2022,
            prune: frankle_carbin_rates(),
            // 0.8^10 = 10.7% of the hidden weights: well sparse, still at dense accuracy.
            rounds: 10,
        }),
        steps_per_call: 20,
    }
}

/// [`noise_lenet`] with Bain's impulse noise: a fraction f = 0, 0.1, ..., 0.5 of each test
/// image's pixels set to twice the training pixels' std (0.616 on MNIST), before
/// normalisation.
pub fn noise_impulse(quick: bool) -> ExperimentConfig {
    let mut config = noise_lenet(quick);
    config.name = "Noise: dense vs IMP-sparse LeNet-300-100 on MNIST, impulse noise".into();
    if let ExperimentKind::Noise(spec) = &mut config.experiment {
        spec.noise = NoiseKind::Impulse;
        spec.levels = (0..=5).map(|i| f64::from(i) / 10.0).collect();
    }
    config
}

/// The continual-learning methods: the one source of their names and of what each adds
/// to a plain network, for the reference suite, the claims and the Continual panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContinualMethod {
    /// A plain ReLU MLP.
    Dense,
    /// 50% fixed weight sparsity, ReLU units (the panel offers it; the suite does not run it).
    WeightSparsity,
    /// k-WTA hidden layers.
    Kwta,
    /// k-WTA and 50% fixed weight sparsity.
    KwtaSparse,
    /// Active dendrites, k-WTA and 50% weight sparsity.
    DendritesKwtaSparse,
}

impl ContinualMethod {
    /// Every method, in the order the panel lists them.
    pub const ALL: [ContinualMethod; 5] = [
        ContinualMethod::Dense,
        ContinualMethod::WeightSparsity,
        ContinualMethod::Kwta,
        ContinualMethod::KwtaSparse,
        ContinualMethod::DendritesKwtaSparse,
    ];

    /// The methods of the reference suite, in the order it reports them.
    pub const SUITE: [ContinualMethod; 4] = [
        ContinualMethod::Dense,
        ContinualMethod::Kwta,
        ContinualMethod::KwtaSparse,
        ContinualMethod::DendritesKwtaSparse,
    ];

    /// Whether the hidden layers are k-winners-take-all.
    pub fn has_kwta(self) -> bool {
        !matches!(
            self,
            ContinualMethod::Dense | ContinualMethod::WeightSparsity
        )
    }

    /// Whether hidden weights are fixed sparse.
    pub fn has_weight_sparsity(self) -> bool {
        matches!(
            self,
            ContinualMethod::WeightSparsity
                | ContinualMethod::KwtaSparse
                | ContinualMethod::DendritesKwtaSparse
        )
    }

    /// Whether the hidden layers have active dendrites.
    pub fn has_dendrites(self) -> bool {
        self == ContinualMethod::DendritesKwtaSparse
    }

    /// The method of a network with these parts, if it is one of [`ContinualMethod::ALL`].
    pub fn of_parts(kwta: bool, weight_sparsity: bool, dendrites: bool) -> Option<Self> {
        Self::ALL.into_iter().find(|m| {
            m.has_kwta() == kwta
                && m.has_weight_sparsity() == weight_sparsity
                && m.has_dendrites() == dendrites
        })
    }

    /// The method a label names ([`ContinualMethod::label`]), if any.
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.label() == label)
    }

    /// Learning rate and epochs per task of [`continual_tuned`]; `None` where the method
    /// keeps the shared recipe of [`continual_permuted`] (not swept).
    pub fn tuned_recipe(self) -> Option<(f64, usize)> {
        match self {
            ContinualMethod::Dense => Some((1e-4, 3)),
            ContinualMethod::KwtaSparse => Some((5e-4, 6)),
            ContinualMethod::WeightSparsity
            | ContinualMethod::Kwta
            | ContinualMethod::DendritesKwtaSparse => None,
        }
    }

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            ContinualMethod::Dense => "dense",
            ContinualMethod::WeightSparsity => "weight sparsity",
            ContinualMethod::Kwta => "k-WTA",
            ContinualMethod::KwtaSparse => "k-WTA + sparsity",
            ContinualMethod::DendritesKwtaSparse => "dendrites + k-WTA + sparsity",
        }
    }
}

/// Permuted MNIST with `tasks` tasks for one method. Iyer et al. used 2048-unit layers,
/// 5% of units active, 50% weight sparsity, Adam, 3 epochs per task, batch 256; this is
/// the same recipe on the shipped 10k digits. The quick variant halves the layers to 1024
/// units and keeps as many units active as the paper (10%, 102 units): with 5% of 1024
/// (51 units) k-WTA + sparsity stayed 4.3 points above dense, with 10% 5.3 (seeds 3, 4, 5;
/// docs/science.md).
pub fn continual_permuted(method: ContinualMethod, tasks: usize, quick: bool) -> ExperimentConfig {
    let width = if quick { 1024 } else { 2048 };
    let kwta = method.has_kwta().then_some(KwtaSpec {
        fraction: active_fraction(width),
    });
    let dendrites = method.has_dendrites().then_some(DendriteSpec {
        segments: tasks,
        context: 784,
        selection: SegmentSelection::AbsMax,
    });
    let sparsity = if method.has_weight_sparsity() {
        0.5
    } else {
        0.0
    };
    ExperimentConfig {
        version: CONFIG_VERSION,
        name: format!(
            "Continual: permuted MNIST, {tasks} tasks, {}",
            method.label()
        ),
        seed: 3,
        data: mnist(0),
        model: ModelSpec::Mlp(MlpSpec {
            hidden: vec![width, width],
            kwta,
            dendrites,
            init: InitSpec {
                scheme: InitScheme::SparseAware,
                scale: 1.0,
            },
            ..MlpSpec::new(Vec::new())
        }),
        train: adam_training(5e-4, 256, 3),
        experiment: ExperimentKind::Continual(ContinualSpec {
            sequence: Sequence::Permuted { tasks },
            weight_sparsity: sparsity,
            sparse_conv: true,
            context: ContextMode::TrueTask,
            sparse_output: true,
            reset_optimizer: true,
        }),
        steps_per_call: 10,
    }
}

/// The k-WTA fraction that keeps as many units active in a `width`-unit layer as Iyer et
/// al.'s 5% of 2048 (about 102).
fn active_fraction(width: usize) -> f64 {
    (0.05 * 2048.0 / width as f64).min(1.0)
}

/// [`continual_permuted`] with each method's own learning rate and epochs, the best of a
/// small sweep on seeds 3, 4 and 5 at 5 tasks (docs/science.md, "Per-method recipes"), as
/// Numenta tuned each method separately: the dense network learns at 1e-4 (a slower
/// learner forgets less), k-WTA + sparsity trains 6 epochs (its sparse layers learn each
/// task more slowly), dendrites (and k-WTA alone, not swept) keep the shared recipe.
pub fn continual_tuned(method: ContinualMethod, tasks: usize, quick: bool) -> ExperimentConfig {
    let mut config = continual_permuted(method, tasks, quick);
    if let Some((lr, epochs)) = method.tuned_recipe() {
        config.train.optimizer = OptimizerSpec::adam(lr);
        config.train.epochs = epochs;
        config.name = format!("{}, tuned recipe", config.name);
    }
    config
}

/// The methods of Bain's CNN extension of the continual-learning study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CnnMethod {
    /// A plain Conv-2 CNN.
    Cnn,
    /// k-WTA (20% in the convolutions, 10% in the fully connected layers) and 50% fixed
    /// sparsity of the fully connected weights.
    SparseCnn,
    /// The sparse CNN with active dendrites in its fully connected layers.
    DendriticCnn,
}

impl CnnMethod {
    /// Every method, in the order the suite reports them.
    pub const ALL: [CnnMethod; 3] = [
        CnnMethod::Cnn,
        CnnMethod::SparseCnn,
        CnnMethod::DendriticCnn,
    ];

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            CnnMethod::Cnn => "CNN",
            CnnMethod::SparseCnn => "sparse CNN",
            CnnMethod::DendriticCnn => "dendritic CNN",
        }
    }
}

/// Bain's CNN sequence at browser scale: split Fashion-MNIST (5 tasks of 2 classes, one
/// shared output layer) with a Conv-2 CNN (two 3x3 convolutions of 16 channels, a 2x2
/// pool, FC 256-256), 10,000 training images (2,000 per task), Adam 1e-3, batch 64, 3
/// epochs per task. Bain ran split CIFAR-100, which is not shipped.
pub fn continual_split_cnn(method: CnnMethod, quick: bool) -> ExperimentConfig {
    let ModelSpec::Cnn(base) = ModelSpec::conv2(16) else {
        unreachable!("conv2 is a CNN")
    };
    let sparse = method != CnnMethod::Cnn;
    let model = CnnSpec {
        conv_kwta: sparse.then_some(KwtaSpec { fraction: 0.2 }),
        kwta: sparse.then_some(KwtaSpec { fraction: 0.1 }),
        dendrites: (method == CnnMethod::DendriticCnn).then_some(DendriteSpec {
            segments: 5,
            context: 784,
            selection: SegmentSelection::AbsMax,
        }),
        init: InitSpec {
            scheme: InitScheme::SparseAware,
            scale: 1.0,
        },
        ..base
    };
    ExperimentConfig {
        version: CONFIG_VERSION,
        name: format!("Continual: split Fashion-MNIST, {}", method.label()),
        seed: 3,
        data: DataSpec {
            dataset: DatasetChoice::FashionMnist,
            // About 94 Adam steps per task at 10,000 images (5 tasks, 3 epochs, batch 64):
            // with half as many the dense CNN does not learn the later tasks at all
            // (docs/science.md, "Reference results").
            train_samples: if quick { 10000 } else { 20000 },
            test_samples: 2000,
            ..mnist(0)
        },
        model: ModelSpec::Cnn(model),
        train: adam_training(1e-3, 64, 3),
        experiment: ExperimentKind::Continual(ContinualSpec {
            sequence: Sequence::Split,
            weight_sparsity: if sparse { 0.5 } else { 0.0 },
            sparse_conv: false,
            context: ContextMode::TrueTask,
            sparse_output: false,
            reset_optimizer: true,
        }),
        steps_per_call: 5,
    }
}

/// The seeds the reference suite runs each continual-learning method with: the claims
/// judge seed means, since one seed's dense network can forget 10 points more or less
/// than another's (docs/science.md, "Reference results").
pub fn continual_seeds(quick: bool) -> Vec<u64> {
    if quick {
        vec![3, 4, 5]
    } else {
        vec![3, 4, 5, 6, 7]
    }
}

/// The methods the reference suite compares: the three its claims name, and k-WTA alone
/// in the full suite.
pub fn continual_reference_methods(quick: bool) -> Vec<ContinualMethod> {
    ContinualMethod::SUITE
        .into_iter()
        .filter(|m| !quick || *m != ContinualMethod::Kwta)
        .collect()
}

/// The three settings of the Oja paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OjaSetting {
    /// Batch size 1.
    Online,
    /// A deep MLP without normalisation.
    Deep,
    /// Initial weights scaled far too small.
    BadInit,
}

impl OjaSetting {
    /// Every setting.
    pub const ALL: [OjaSetting; 3] = [OjaSetting::Online, OjaSetting::Deep, OjaSetting::BadInit];

    /// The Oja coefficient that did best for BP + Oja in this setting in our sweep of
    /// 0.01, 0.001 and 0.0001 with the authors' formulation.
    pub fn best_eta(self) -> f64 {
        match self {
            OjaSetting::Online => 1e-4,
            OjaSetting::Deep | OjaSetting::BadInit => 0.01,
        }
    }

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            OjaSetting::Online => "online (batch 1)",
            OjaSetting::Deep => "deep (20 hidden layers)",
            OjaSetting::BadInit => "bad init (weights x0.1)",
        }
    }
}

/// How the network of a plasticity experiment and its Oja term are built
/// (docs/science.md, "Oja's rule").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OjaFormulation {
    /// ReLU units with biases, PyTorch's uniform initialisation, Oja's term on the raw
    /// logits of the output layer: this playground's first formulation.
    #[default]
    Playground,
    /// As the authors' earlier public code: Softplus(beta = 10) units without biases,
    /// Xavier-uniform initialisation, `softmax(logits)` as the output layer's signal.
    Authors,
}

impl OjaFormulation {
    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            OjaFormulation::Playground => "ReLU, biases, Oja on logits",
            OjaFormulation::Authors => "authors' code: Softplus, no biases, Xavier, Oja on softmax",
        }
    }

    /// Rebuilds `config`'s MLP and Oja term this way; depth, widths, the initial scale and
    /// everything else stay.
    pub fn apply(self, config: &mut ExperimentConfig) {
        let authors = self == OjaFormulation::Authors;
        if let ModelSpec::Mlp(m) = &mut config.model {
            m.activation = if authors {
                Activation::Softplus { beta: 10.0 }
            } else {
                Activation::Relu
            };
            m.bias = !authors;
            m.init.scheme = if authors {
                InitScheme::XavierUniform
            } else {
                InitScheme::Uniform
            };
        }
        if let ExperimentKind::Plasticity(p) = &mut config.experiment {
            p.oja.output = if authors {
                OjaOutput::Softmax
            } else {
                OjaOutput::Logits
            };
        }
    }
}

/// BP against BP + Oja in one of the paper's settings with the best setting our sweep
/// found for BP + Oja (docs/science.md, "Oja's rule: the sweep"): the authors'
/// formulation, eta 0.01 for the deep network and the poor initialisation, 1e-4 online
/// (where no setting we tried beat backprop; 1e-4 loses least). Plain SGD, no momentum,
/// no normalisation layers, raw pixels.
pub fn plasticity(setting: OjaSetting, quick: bool) -> ExperimentConfig {
    let mut config = plasticity_with(setting, OjaFormulation::Authors, quick);
    if let ExperimentKind::Plasticity(p) = &mut config.experiment {
        p.oja.eta = setting.best_eta();
    }
    config
}

/// BP against BP + Oja in one of the paper's settings, built as `formulation` says.
pub fn plasticity_with(
    setting: OjaSetting,
    formulation: OjaFormulation,
    quick: bool,
) -> ExperimentConfig {
    let (hidden, batch_size, scale, lr) = match setting {
        OjaSetting::Online => (vec![100], 1, 1.0, 0.01),
        OjaSetting::Deep => (vec![64; 20], 16, 1.0, 0.05),
        OjaSetting::BadInit => (vec![100, 100], 16, 0.1, 0.05),
    };
    let mut config = ExperimentConfig {
        version: CONFIG_VERSION,
        name: format!(
            "Plasticity: BP vs BP+Oja, {} ({})",
            setting.label(),
            formulation.label()
        ),
        seed: 5,
        // Raw pixels in [0, 1], as the authors' code (`transforms.ToTensor()` only): with
        // standardised inputs Oja's term diverges at eta 0.01 (docs/science.md).
        data: DataSpec {
            normalize: false,
            ..mnist(0)
        },
        model: ModelSpec::Mlp(MlpSpec {
            hidden,
            kwta: None,
            dendrites: None,
            init: InitSpec {
                scheme: InitScheme::Uniform,
                scale,
            },
            ..MlpSpec::new(Vec::new())
        }),
        train: TrainSpec {
            optimizer: OptimizerSpec::sgd(lr),
            batch_size,
            epochs: if quick { 2 } else { 5 },
            oja: None,
        },
        experiment: ExperimentKind::Plasticity(PlasticitySpec {
            oja: OjaSpec {
                eta: 0.01,
                form: OjaForm::Subspace,
                signal: OjaSignal::Activation,
                output: OjaOutput::Logits,
            },
            eval_every: 0,
        }),
        steps_per_call: if batch_size == 1 { 100 } else { 20 },
    };
    formulation.apply(&mut config);
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_round_trips() {
        let mut all = Vec::new();
        for quick in [true, false] {
            all.push(imp_lenet(quick));
            all.push(noise_lenet(quick));
            all.push(noise_impulse(quick));
            for m in ContinualMethod::ALL {
                all.push(continual_permuted(m, 5, quick));
                all.push(continual_tuned(m, 5, quick));
            }
            for m in CnnMethod::ALL {
                all.push(continual_split_cnn(m, quick));
            }
            for s in OjaSetting::ALL {
                all.push(plasticity(s, quick));
                all.push(plasticity_with(s, OjaFormulation::Authors, quick));
            }
        }
        for c in all {
            c.validate().unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(ExperimentConfig::from_json(&c.to_json()).as_ref(), Ok(&c));
        }
    }

    #[test]
    fn noise_configs_written_before_impulse_noise_still_load() {
        // Then the levels were `sigmas` and there was no `noise` field: Gaussian.
        let c = noise_lenet(true);
        let mut value: serde_json::Value = serde_json::from_str(&c.to_json()).expect("json");
        let experiment = value["experiment"].as_object_mut().expect("object");
        assert_eq!(experiment.remove("noise"), Some("gaussian".into()));
        let levels = experiment.remove("levels").expect("levels");
        experiment.insert("sigmas".into(), levels);
        assert_eq!(ExperimentConfig::from_json(&value.to_string()), Ok(c));
    }
}
