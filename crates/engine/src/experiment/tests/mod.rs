//! End-to-end runs of every experiment on a small synthetic dataset: shapes of the results,
//! work accounting, cancellation; the config format in `config_format.rs`.

use super::continual::{ContextMode, ContinualSpec, Sequence};
use super::imp::{Control, ImpSpec, ResetMode};
use super::noise::NoiseSpec;
use super::plasticity::PlasticitySpec;
use super::*;
use crate::data::NoiseKind;
use crate::model::{DendriteSpec, KwtaSpec, MlpSpec, SegmentSelection};
use crate::oja::{OjaForm, OjaOutput, OjaSignal, OjaSpec};
use crate::optim::OptimizerSpec;
use crate::prune::{PruneScope, PruneSpec};
use pollster::block_on;

mod config_format;

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
            normalize: true,
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
    points: Vec<LivePoint>,
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
    fn observe(&mut self, point: LivePoint) {
        assert!(point.x.is_finite() && point.y.is_finite(), "{point:?}");
        self.points.push(point);
    }
}

impl Recorder {
    /// The live points of one chart, as (series, x, y).
    fn plot(&self, plot: LivePlot) -> Vec<(String, f64, f64)> {
        self.points
            .iter()
            .filter(|p| p.plot == plot)
            .map(|p| (p.series.clone(), p.x, p.y))
            .collect()
    }
}

fn run_recorded(config: &ExperimentConfig) -> (ExperimentResult, Recorder) {
    let data = Dataset::synthetic(160, 8, 4, 2);
    let device = crate::device::cpu();
    let mut recorder = Recorder::default();
    let result = block_on(run(config, &data, &device, &mut recorder)).expect("runs");
    // What a run makes is what a run file of it must look like to be read back.
    assert_eq!(
        result.check_fits(config),
        Ok(()),
        "the result fits its config"
    );
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
    let (result, recorder) = run_recorded(&config(ExperimentKind::Imp(spec)));
    let ExperimentResult::Imp(imp) = result else {
        panic!("wrong kind")
    };
    assert_eq!(imp.rounds.len(), 4);
    // The accuracy-vs-weights chart gains each round's points as the round ends.
    let live = recorder.plot(LivePlot::AccuracyVsRemaining);
    let expected: Vec<(String, f64, f64)> = imp
        .rounds
        .iter()
        .flat_map(|r| {
            r.series
                .iter()
                .map(|s| (s.series.clone(), r.remaining, s.fit.final_accuracy))
        })
        .collect();
    assert_eq!(live, expected);
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
fn training_reports_live_curves_and_predicts_test_images() {
    let c = config(ExperimentKind::Train(training::TrainingSpec {
        eval_every: 5,
        predictions: 6,
    }));
    let (result, recorder) = run_recorded(&c);
    let ExperimentResult::Train(r) = result else {
        panic!("wrong kind")
    };
    // 120 training samples, batch 16: 8 steps per epoch, 2 epochs; evaluations at 5, 10,
    // 15 and the end.
    assert_eq!((r.train_samples, r.test_samples), (120, 40));
    let steps: Vec<u64> = r.fit.curve.iter().map(|p| p.0).collect();
    assert_eq!(steps, [5, 10, 15, 16]);
    let live: Vec<(f64, f64)> = recorder
        .plot(LivePlot::TestAccuracy)
        .iter()
        .map(|p| (p.1, p.2))
        .collect();
    let curve: Vec<(f64, f64)> = r.fit.curve.iter().map(|p| (p.0 as f64, p.1)).collect();
    assert_eq!(live, curve);
    assert_eq!(recorder.plot(LivePlot::TrainLoss).len(), r.fit.losses.len());
    assert_eq!(r.predictions.len(), 6);
    let data = Dataset::synthetic(160, 8, 4, 2);
    for p in &r.predictions {
        assert_eq!(p.label, data.label(p.index));
        assert_eq!(p.pixels, data.image(p.index));
        assert!(
            p.predicted < 4 && p.confidence > 0.25 && p.confidence <= 1.0,
            "{p:?}"
        );
    }
    // The predictions agree with the accuracy measured on the same images, roughly: a
    // trained network gets most of the synthetic data right.
    let hits = r
        .predictions
        .iter()
        .filter(|p| p.predicted == p.label)
        .count();
    assert!(r.fit.final_accuracy > 0.5 && hits >= 3, "{hits}/6, {r:?}");
    // The confusion matrix counts every test sample once, and its diagonal is the final
    // accuracy (ties between classes aside: none with these float scores).
    let confusion = r.confusion.as_ref().expect("measured");
    assert_eq!(confusion.classes(), 4);
    assert_eq!(confusion.total(), 40);
    let diagonal = confusion.correct() as f64 / 40.0;
    assert!(
        (diagonal - r.fit.final_accuracy).abs() < 1e-9,
        "{confusion:?} vs {}",
        r.fit.final_accuracy
    );
    let per_class = confusion.per_class_accuracy();
    assert_eq!(per_class.len(), 4);
    assert!(per_class.iter().flatten().all(|a| (0.0..=1.0).contains(a)));
    let train = r.train_accuracy.expect("measured");
    assert!(train > 0.5 && train <= 1.0, "{train}");
    assert_eq!(ExperimentResult::Train(r.clone()).check_fits(&c), Ok(()));
    // A ragged matrix read from a file does not fit.
    let mut ragged = r.clone();
    if let Some(m) = ragged.confusion.as_mut() {
        m.counts[2].pop();
    }
    assert!(ExperimentResult::Train(ragged).check_fits(&c).is_err());
}

#[test]
fn the_host_sizes_the_chunks() {
    /// Asks for one step per chunk.
    struct OneStep(usize);
    impl Host for OneStep {
        fn report(&mut self, _: &Progress) -> Flow {
            self.0 += 1;
            Flow::Continue
        }
        async fn pause(&mut self) {}
        fn steps_per_call(&mut self, configured: usize) -> usize {
            assert_eq!(configured, 3, "the config's steps_per_call is the ceiling");
            1
        }
    }
    let c = config(ExperimentKind::Train(training::TrainingSpec::default()));
    let data = Dataset::synthetic(160, 8, 4, 2);
    let mut host = OneStep(0);
    let result = block_on(run(&c, &data, &crate::device::cpu(), &mut host)).expect("runs");
    let ExperimentResult::Train(r) = result else {
        panic!("wrong kind")
    };
    // 16 steps, one per chunk: a loss point and a report for each, and two reports for
    // the final measurements (their phase named as they begin, and their end).
    assert_eq!(r.fit.losses.len(), 16);
    assert_eq!(host.0, 18);
    // The same training as with the config's chunks: chunking changes when the host is
    // told, not what is computed.
    let (again, _) = run_recorded(&c);
    let ExperimentResult::Train(again) = again else {
        panic!("wrong kind")
    };
    assert_eq!(again.fit.curve, r.fit.curve);
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
        noise: NoiseKind::Gaussian,
        levels: vec![0.0, 0.5, 1.0],
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
fn impulse_noise_sweeps_fractions_and_hurts_at_half_the_pixels() {
    let spec = NoiseSpec {
        noise: NoiseKind::Impulse,
        levels: vec![0.0, 0.5],
        seeds: 2,
        noise_seed: 1,
        prune: prune(),
        rounds: 1,
    };
    let (result, _) = run_recorded(&config(ExperimentKind::Noise(spec)));
    let ExperimentResult::Noise(noise) = result else {
        panic!("wrong kind")
    };
    assert_eq!(noise.noise, NoiseKind::Impulse);
    assert_eq!(noise.levels, vec![0.0, 0.5]);
    assert!(
        noise.dense.mean[1] < noise.dense.mean[0],
        "{:?}",
        noise.dense
    );
    // A fraction above 1 is refused with the field named.
    let mut bad = config(ExperimentKind::Noise(NoiseSpec {
        noise: NoiseKind::Impulse,
        levels: vec![0.0, 1.5],
        seeds: 1,
        noise_seed: 1,
        prune: prune(),
        rounds: 1,
    }));
    bad.name = "bad".into();
    let err = bad.validate().expect_err("fraction above 1");
    assert!(err.to_string().contains("levels[1]"), "{err}");
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
                ..MlpSpec::new(Vec::new())
            }),
            0.5,
            ContextMode::Inferred,
        ),
    ] {
        let mut c = config(ExperimentKind::Continual(ContinualSpec {
            sequence,
            weight_sparsity: sparsity,
            sparse_conv: true,
            context,
            sparse_output: true,
            reset_optimizer: true,
        }));
        c.model = model;
        // The synthetic data has only 4 classes; the split sequence needs 10.
        let data = Dataset::synthetic(200, 8, 10, 3);
        let device = crate::device::cpu();
        let mut recorder = Recorder::default();
        let result = block_on(run(&c, &data, &device, &mut recorder)).expect("runs");
        assert_eq!(result.check_fits(&c), Ok(()), "the result fits its config");
        let last = recorder.reports.last().expect("reports progress");
        assert_eq!(last.done, last.total, "the work planned is the work done");
        let ExperimentResult::Continual(r) = result else {
            panic!("wrong kind")
        };
        let t = sequence.tasks();
        // Every cell of the matrix reaches the forgetting chart when it is measured.
        let live = recorder.plot(LivePlot::TaskAccuracy);
        assert_eq!(live.len(), t * (t + 1) / 2);
        for (series, x, y) in live {
            let j: usize = series["task ".len()..].parse().expect("task n");
            assert_eq!(r.accuracy[x as usize - 1][j - 1], Some(y));
        }
        // Training steps continue across tasks in the loss chart.
        let loss_steps: Vec<f64> = recorder
            .plot(LivePlot::TrainLoss)
            .iter()
            .map(|p| p.1)
            .collect();
        assert!(loss_steps.windows(2).all(|w| w[1] > w[0]), "{loss_steps:?}");
        assert_eq!(r.accuracy.len(), t);
        for (i, row) in r.accuracy.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                assert_eq!(cell.is_some(), j <= i, "R[{i}][{j}]");
            }
        }
        assert!((0.0..=1.0).contains(&r.average_accuracy));
        // The best accuracy before the end is at least the accuracy right after learning.
        assert!(r.forgetting >= -r.backward_transfer - 1e-12, "{r:?}");
        // The final network's confusion matrix per task, tested as the last row is: its
        // diagonal share is the last row's accuracy (no tied scores on this data).
        let matrices = r.confusion.as_ref().expect("kept");
        assert_eq!(matrices.len(), t);
        for (j, m) in matrices.iter().enumerate() {
            assert_eq!(m.classes(), 10);
            let share = m.correct() as f64 / m.total() as f64;
            assert_eq!(r.accuracy[t - 1][j], Some(share), "task {}", j + 1);
        }
        let mut short = r.clone();
        short.confusion.as_mut().map(Vec::pop);
        assert!(ExperimentResult::Continual(short).check_fits(&c).is_err());
        let mut ragged = r.clone();
        if let Some(m) = ragged.confusion.as_mut() {
            m[0].counts[1].pop();
        }
        assert!(ExperimentResult::Continual(ragged).check_fits(&c).is_err());
    }
}

#[test]
fn dendrite_context_must_match_the_prototype_size() {
    let mut c = config(ExperimentKind::Continual(ContinualSpec {
        sequence: Sequence::Permuted { tasks: 2 },
        weight_sparsity: 0.0,
        sparse_conv: true,
        context: ContextMode::TrueTask,
        sparse_output: true,
        reset_optimizer: true,
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
        ..MlpSpec::new(Vec::new())
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
            output: OjaOutput::Logits,
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

/// The effect the Continual panel exists to show, on the shipped digits: over a short
/// permuted sequence, a network with k-WTA and fixed 50% weight sparsity (and a sparse
/// output layer, sparse-aware initialisation, normalised inputs and an optimiser reset per
/// task, as Numenta's code) forgets less than a dense ReLU network trained the same way.
#[test]
fn on_shipped_digits_kwta_with_sparsity_forgets_less_than_dense() {
    use super::presets::{ContinualMethod, continual_permuted};
    let data = crate::data::Shipped::Mnist
        .load(&crate::data::shipped::repo_data_dir())
        .expect("the shipped MNIST digits");
    let sequence = |method: ContinualMethod| {
        // The Continual panel's recipe (Adam 1e-3, 10% k-WTA of 512 units), smaller.
        let mut c = continual_permuted(method, 4, true);
        c.seed = 1;
        c.data.train_samples = 1000;
        c.data.test_samples = 300;
        c.train.batch_size = 32;
        c.train.epochs = 3;
        c.train.optimizer = OptimizerSpec::adam(1e-3);
        if let ModelSpec::Mlp(m) = &mut c.model {
            m.hidden = vec![512, 512];
            m.kwta = m.kwta.map(|_| KwtaSpec { fraction: 0.1 });
        }
        match block_on(run(&c, &data, &crate::device::cpu(), &mut Quiet)).expect("runs") {
            ExperimentResult::Continual(r) => r,
            other => panic!("not a continual result: {other:?}"),
        }
    };
    let dense = sequence(ContinualMethod::Dense);
    let sparse = sequence(ContinualMethod::KwtaSparse);
    assert!(
        sparse.forgetting + 0.01 < dense.forgetting,
        "forgetting: k-WTA + sparsity {:.3}, dense {:.3}",
        sparse.forgetting,
        dense.forgetting
    );
}

/// A host that keeps the trained network.
struct Keeper(Option<super::model_file::SavedModel>);
impl Host for Keeper {
    fn report(&mut self, _: &Progress) -> Flow {
        Flow::Continue
    }
    async fn pause(&mut self) {}
    fn wants_model(&self) -> bool {
        true
    }
    fn trained(&mut self, model: super::model_file::SavedModel) {
        self.0 = Some(model);
    }
}

#[test]
fn a_trained_network_saved_and_loaded_tests_the_same() {
    use super::model_file::{ModelFileError, SavedModel};
    let c = config(ExperimentKind::Train(training::TrainingSpec::default()));
    let data = Dataset::synthetic(160, 8, 4, 2);
    let device = crate::device::cpu();
    let mut host = Keeper(None);
    let result = block_on(run(&c, &data, &device, &mut host)).expect("runs");
    let ExperimentResult::Train(r) = result else {
        panic!("wrong kind")
    };
    let model = host.0.expect("kept");
    assert_eq!(model.test_accuracy, Some(r.fit.final_accuracy));
    let bytes = model.to_bytes().expect("writes");
    let loaded = SavedModel::from_bytes(&bytes).expect("reads");
    assert_eq!(loaded, model);
    let evaluation = block_on(loaded.evaluate(&data, &device)).expect("evaluates");
    assert_eq!(evaluation.total, r.test_samples);
    assert!((evaluation.accuracy() - r.fit.final_accuracy).abs() < 1e-9);

    // Damaged or foreign files are refused, each with its reason.
    let refuse = |b: &[u8]| SavedModel::from_bytes(b).expect_err("refused");
    assert!(matches!(
        refuse(b"not a model"),
        ModelFileError::NotSafetensors(_)
    ));
    assert!(matches!(
        refuse(&bytes[..bytes.len() - 3]),
        ModelFileError::NotSafetensors(_)
    ));
    let foreign = safetensors::serialize(
        [(
            "w",
            safetensors::tensor::TensorView::new(
                safetensors::tensor::Dtype::F32,
                vec![1],
                &[0, 0, 0, 0],
            )
            .expect("view"),
        )],
        None,
    )
    .expect("writes");
    assert_eq!(refuse(&foreign), ModelFileError::NotOurs);
    let mut other = model.clone();
    other.params[0][3] = f32::NAN;
    let error = refuse(&other.to_bytes().expect("writes"));
    assert!(matches!(error, ModelFileError::NonFinite(_)), "{error}");
    let mut wider = model.clone();
    wider.input = (9, 8);
    assert!(matches!(
        wider.to_bytes().map(|b| refuse(&b)),
        Err(ModelFileError::Model(_)) | Ok(ModelFileError::Tensor { .. })
    ));
    // The version is checked: a file from a later version is refused by name.
    let mut later = bytes.clone();
    let at = later
        .windows(13)
        .position(|w| w == br#""version":"1""#)
        .expect("the version is in the header");
    later[at + 11] = b'9';
    let error = refuse(&later);
    assert!(error.to_string().contains("version 9"), "{error}");
    assert!(matches!(
        refuse(&vec![0; super::model_file::MAX_BYTES + 1]),
        ModelFileError::TooLarge { .. }
    ));
}
