//! Ready-made configs that follow the papers' settings at browser scale: the reference
//! suite the runner measures (`bioplay reference`) and the defaults the app offers.
//! `quick` variants train less, so the whole suite fits in minutes on a laptop CPU.

use super::continual::{ContextMode, ContinualSpec, Sequence};
use super::imp::{Control, ImpSpec, ResetMode};
use super::noise::NoiseSpec;
use super::plasticity::PlasticitySpec;
use super::{CONFIG_VERSION, DataSpec, DatasetChoice, ExperimentConfig, ExperimentKind};
use crate::model::{
    DendriteSpec, InitScheme, InitSpec, KwtaSpec, MlpSpec, ModelSpec, SegmentSelection,
};
use crate::oja::{OjaForm, OjaSignal, OjaSpec};
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
    }
}

/// Frankle & Carbin's LeNet-300-100 schedule: Adam 1.2e-3, batch 60, hidden layers pruned
/// 20% per round and the output layer 10%.
fn lenet_training(epochs: usize) -> TrainSpec {
    TrainSpec {
        optimizer: OptimizerSpec::adam(1.2e-3),
        batch_size: 60,
        epochs,
        oja: None,
    }
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
            sigmas: (0..=10).map(|i| f64::from(i) / 10.0).collect(),
            seeds: if quick { 5 } else { 8 },
            noise_seed: 2022,
            prune: frankle_carbin_rates(),
            // 0.8^10 = 10.7% of the hidden weights: well sparse, still at dense accuracy.
            rounds: 10,
        }),
        steps_per_call: 20,
    }
}

/// The continual-learning methods of the reference suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContinualMethod {
    /// A plain ReLU MLP.
    Dense,
    /// k-WTA hidden layers.
    Kwta,
    /// k-WTA and 50% fixed weight sparsity.
    KwtaSparse,
    /// Active dendrites, k-WTA and 50% weight sparsity.
    DendritesKwtaSparse,
}

impl ContinualMethod {
    /// Every method, in the order the suite reports them.
    pub const ALL: [ContinualMethod; 4] = [
        ContinualMethod::Dense,
        ContinualMethod::Kwta,
        ContinualMethod::KwtaSparse,
        ContinualMethod::DendritesKwtaSparse,
    ];

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            ContinualMethod::Dense => "dense",
            ContinualMethod::Kwta => "k-WTA",
            ContinualMethod::KwtaSparse => "k-WTA + sparsity",
            ContinualMethod::DendritesKwtaSparse => "dendrites + k-WTA + sparsity",
        }
    }
}

/// Permuted MNIST with `tasks` tasks for one method. Iyer et al. used 2048-unit layers,
/// 5% of units active, 50% weight sparsity, Adam, 3 epochs per task, batch 256; this is
/// the same recipe (the quick variant with 1024-unit layers) on the shipped 10k digits.
pub fn continual_permuted(method: ContinualMethod, tasks: usize, quick: bool) -> ExperimentConfig {
    let width = if quick { 1024 } else { 2048 };
    let kwta = (method != ContinualMethod::Dense).then_some(KwtaSpec { fraction: 0.05 });
    let dendrites =
        matches!(method, ContinualMethod::DendritesKwtaSparse).then_some(DendriteSpec {
            segments: tasks,
            context: 784,
            selection: SegmentSelection::Max,
        });
    let sparsity = match method {
        ContinualMethod::KwtaSparse | ContinualMethod::DendritesKwtaSparse => 0.5,
        _ => 0.0,
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
            init: InitSpec::default(),
        }),
        train: TrainSpec {
            optimizer: OptimizerSpec::adam(5e-4),
            batch_size: 256,
            epochs: 3,
            oja: None,
        },
        experiment: ExperimentKind::Continual(ContinualSpec {
            sequence: Sequence::Permuted { tasks },
            weight_sparsity: sparsity,
            context: ContextMode::TrueTask,
        }),
        steps_per_call: 10,
    }
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

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            OjaSetting::Online => "online (batch 1)",
            OjaSetting::Deep => "deep (20 hidden layers)",
            OjaSetting::BadInit => "bad init (weights x0.1)",
        }
    }
}

/// BP against BP + Oja in one of the paper's settings: plain SGD, no momentum, no
/// normalisation.
pub fn plasticity(setting: OjaSetting, quick: bool) -> ExperimentConfig {
    let (hidden, batch_size, scale, lr) = match setting {
        OjaSetting::Online => (vec![100], 1, 1.0, 0.01),
        OjaSetting::Deep => (vec![64; 20], 16, 1.0, 0.05),
        OjaSetting::BadInit => (vec![100, 100], 16, 0.1, 0.05),
    };
    ExperimentConfig {
        version: CONFIG_VERSION,
        name: format!("Plasticity: BP vs BP+Oja, {}", setting.label()),
        seed: 5,
        data: mnist(0),
        model: ModelSpec::Mlp(MlpSpec {
            hidden,
            kwta: None,
            dendrites: None,
            init: InitSpec {
                scheme: InitScheme::Uniform,
                scale,
            },
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
            },
            eval_every: 0,
        }),
        steps_per_call: if batch_size == 1 { 100 } else { 20 },
    }
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
            for m in ContinualMethod::ALL {
                all.push(continual_permuted(m, 5, quick));
            }
            for s in OjaSetting::ALL {
                all.push(plasticity(s, quick));
            }
        }
        for c in all {
            c.validate().unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(ExperimentConfig::from_json(&c.to_json()).as_ref(), Ok(&c));
        }
    }
}
