//! End-to-end runs of every experiment on a small synthetic dataset: shapes of the results,
//! work accounting, cancellation, and the config format.

use super::continual::{ContextMode, ContinualSpec, Sequence};
use super::imp::{Control, ImpSpec, ResetMode};
use super::noise::NoiseSpec;
use super::plasticity::PlasticitySpec;
use super::*;
use crate::model::{DendriteSpec, KwtaSpec, MlpSpec, SegmentSelection};
use crate::oja::{OjaForm, OjaSignal, OjaSpec};
use crate::optim::OptimizerSpec;
use crate::prune::{PruneScope, PruneSpec};
use pollster::block_on;

fn config(experiment: ExperimentKind) -> ExperimentConfig {
    ExperimentConfig {
        version: CONFIG_VERSION,
        name: "test".into(),
        seed: 4,
        data: DataSpec {
            dataset: DatasetChoice::Custom,
            test_fraction: 0.25,
            train_samples: 0,
            test_samples: 0,
            split_seed: None,
        },
        model: ModelSpec::Mlp(MlpSpec::new(vec![16, 8])),
        train: TrainSpec {
            optimizer: OptimizerSpec::adam(0.01),
            batch_size: 16,
            epochs: 2,
            oja: None,
        },
        experiment,
        steps_per_call: 3,
    }
}

fn prune() -> PruneSpec {
    PruneSpec {
        rate: 0.5,
        output_rate: 0.25,
        conv_rate: 0.0,
        scope: PruneScope::LayerWise,
    }
}

/// Records every report and checks that progress only grows and ends at the total.
#[derive(Default)]
struct Recorder {
    reports: Vec<Progress>,
    cancel_after: Option<usize>,
}

impl Host for Recorder {
    fn report(&mut self, progress: &Progress) -> Flow {
        if let Some(last) = self.reports.last() {
            assert!(progress.done >= last.done);
            assert_eq!(progress.total, last.total);
        }
        self.reports.push(progress.clone());
        match self.cancel_after {
            Some(n) if self.reports.len() >= n => Flow::Cancel,
            _ => Flow::Continue,
        }
    }
    async fn pause(&mut self) {}
}

fn run_recorded(config: &ExperimentConfig) -> (ExperimentResult, Recorder) {
    let data = Dataset::synthetic(160, 8, 4, 2);
    let device = crate::device::cpu();
    let mut recorder = Recorder::default();
    let result = block_on(run(config, &data, &device, &mut recorder)).expect("runs");
    let last = recorder.reports.last().expect("reports progress");
    assert_eq!(last.done, last.total, "the work planned is the work done");
    (result, recorder)
}

#[test]
fn imp_runs_every_round_with_controls_and_the_planned_sparsity() {
    let spec = ImpSpec {
        prune: prune(),
        rounds: 3,
        target_remaining: None,
        reset: ResetMode::RewindInit,
        controls: vec![Control::RandomReinit, Control::RandomMask],
        eval_every: 0,
    };
    let (result, _) = run_recorded(&config(ExperimentKind::Imp(spec)));
    let ExperimentResult::Imp(imp) = result else {
        panic!("wrong kind")
    };
    assert_eq!(imp.rounds.len(), 4);
    for (n, round) in imp.rounds.iter().enumerate() {
        assert_eq!(round.series.len(), 3);
        let fc1 = &round.layers[0];
        assert!(
            (fc1.remaining() - 0.5f64.powi(n as i32)).abs() < 0.01,
            "{fc1:?}"
        );
        for s in &round.series {
            assert!((0.0..=1.0).contains(&s.fit.final_accuracy));
            assert!(s.fit.best_accuracy >= s.fit.final_accuracy);
        }
    }
    assert!(imp.rounds[3].remaining < imp.rounds[1].remaining);
}

#[test]
fn imp_late_rewinding_and_target_sparsity() {
    let spec = ImpSpec {
        prune: prune(),
        rounds: 10,
        target_remaining: Some(0.3),
        reset: ResetMode::RewindStep { step: 4 },
        controls: vec![],
        eval_every: 5,
    };
    assert_eq!(spec.planned_rounds(), 3);
    let (result, _) = run_recorded(&config(ExperimentKind::Imp(spec)));
    let ExperimentResult::Imp(imp) = result else {
        panic!("wrong kind")
    };
    assert_eq!(imp.rounds.len(), 3);
    let curve = &imp.rounds[0].series[0].fit.curve;
    assert!(curve.windows(2).all(|w| w[1].0 > w[0].0), "{curve:?}");
}

#[test]
fn noise_compares_dense_and_sparse_over_seeds() {
    let spec = NoiseSpec {
        sigmas: vec![0.0, 0.5, 1.0],
        seeds: 3,
        noise_seed: 1,
        prune: prune(),
        rounds: 2,
    };
    let (result, _) = run_recorded(&config(ExperimentKind::Noise(spec)));
    let ExperimentResult::Noise(noise) = result else {
        panic!("wrong kind")
    };
    assert_eq!(noise.seeds.len(), 3);
    assert_eq!(noise.auc_test.n, 3);
    for s in &noise.seeds {
        assert_eq!(s.dense.accuracy.len(), 3);
        assert!(s.sparse.remaining < s.dense.remaining);
        assert_eq!(s.dense.remaining, 1.0);
    }
    assert!(!noise.verdict.is_empty());
    // Heavy noise hurts: the mean accuracy at sigma 1 is below the clean one.
    assert!(
        noise.dense.mean[2] < noise.dense.mean[0],
        "{:?}",
        noise.dense
    );
}

#[test]
fn continual_fills_the_lower_triangle_of_the_accuracy_matrix() {
    for (sequence, model, sparsity, context) in [
        (
            Sequence::Permuted { tasks: 3 },
            ModelSpec::Mlp(MlpSpec::new(vec![16])),
            0.0,
            ContextMode::TrueTask,
        ),
        (
            Sequence::Split,
            ModelSpec::Mlp(MlpSpec::new(vec![16])),
            0.5,
            ContextMode::TrueTask,
        ),
        (
            Sequence::Permuted { tasks: 2 },
            ModelSpec::Mlp(MlpSpec {
                hidden: vec![32],
                kwta: Some(KwtaSpec { fraction: 0.25 }),
                dendrites: Some(DendriteSpec {
                    segments: 2,
                    context: 64,
                    selection: SegmentSelection::Max,
                }),
                init: Default::default(),
            }),
            0.5,
            ContextMode::Inferred,
        ),
    ] {
        let mut c = config(ExperimentKind::Continual(ContinualSpec {
            sequence,
            weight_sparsity: sparsity,
            context,
        }));
        c.model = model;
        // The synthetic data has only 4 classes; the split sequence needs 10.
        let data = Dataset::synthetic(200, 8, 10, 3);
        let device = crate::device::cpu();
        let result = block_on(run(&c, &data, &device, &mut Quiet)).expect("runs");
        let ExperimentResult::Continual(r) = result else {
            panic!("wrong kind")
        };
        let t = sequence.tasks();
        assert_eq!(r.accuracy.len(), t);
        for (i, row) in r.accuracy.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                assert_eq!(cell.is_some(), j <= i, "R[{i}][{j}]");
            }
        }
        assert!((0.0..=1.0).contains(&r.average_accuracy));
        // The best accuracy before the end is at least the accuracy right after learning.
        assert!(r.forgetting >= -r.backward_transfer - 1e-12, "{r:?}");
    }
}

#[test]
fn dendrite_context_must_match_the_prototype_size() {
    let mut c = config(ExperimentKind::Continual(ContinualSpec {
        sequence: Sequence::Permuted { tasks: 2 },
        weight_sparsity: 0.0,
        context: ContextMode::TrueTask,
    }));
    c.model = ModelSpec::Mlp(MlpSpec {
        hidden: vec![8],
        kwta: None,
        dendrites: Some(DendriteSpec {
            segments: 2,
            context: 10,
            selection: SegmentSelection::Max,
        }),
        init: Default::default(),
    });
    let data = Dataset::synthetic(40, 8, 4, 3);
    let error = block_on(run(&c, &data, &crate::device::cpu(), &mut Quiet)).expect_err("refused");
    assert!(
        error.to_string().contains("model.dendrites.context"),
        "{error}"
    );
}

#[test]
fn plasticity_runs_backprop_and_oja_from_the_same_start() {
    let mut c = config(ExperimentKind::Plasticity(PlasticitySpec {
        oja: OjaSpec {
            eta: 0.01,
            form: OjaForm::Subspace,
            signal: OjaSignal::Activation,
        },
        eval_every: 10,
    }));
    c.train.optimizer = OptimizerSpec::sgd(0.05);
    c.train.batch_size = 1;
    c.data.train_samples = 40;
    let (result, _) = run_recorded(&c);
    let ExperimentResult::Plasticity(p) = result else {
        panic!("wrong kind")
    };
    assert_eq!(
        p.backprop.row_norms[0], p.oja.row_norms[0],
        "same initial weights"
    );
    assert_eq!(p.backprop.row_norms.len(), p.oja.row_norms.len());
    assert_eq!(
        p.backprop.row_norms[0].1.len(),
        3,
        "one norm per dense layer"
    );
    assert_ne!(
        p.backprop.fit.losses, p.oja.fit.losses,
        "Oja's term changes training"
    );
}

#[test]
fn a_host_can_cancel() {
    let spec = ImpSpec {
        prune: prune(),
        rounds: 3,
        target_remaining: None,
        reset: ResetMode::FineTune,
        controls: vec![],
        eval_every: 0,
    };
    let data = Dataset::synthetic(160, 8, 4, 2);
    let mut host = Recorder {
        cancel_after: Some(2),
        ..Recorder::default()
    };
    let error = block_on(run(
        &config(ExperimentKind::Imp(spec)),
        &data,
        &crate::device::cpu(),
        &mut host,
    ))
    .expect_err("cancelled");
    assert_eq!(error, RunError::Cancelled);
    assert_eq!(host.reports.len(), 2);
}

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

    let newer = json.replacen("\"version\": 1", "\"version\": 99", 1);
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
