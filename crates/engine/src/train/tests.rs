//! Tests of training and evaluation: determinism, optimiser and mask behaviour, noise,
//! contexts and the error paths.

use super::*;
use crate::model::{DendriteSpec, KwtaSpec, MlpSpec, ModelSpec, SegmentSelection};
use crate::oja::OjaForm;
use crate::prune::{PruneScope, PruneSpec, prune_round};
use pollster::block_on;

fn setup(spec: ModelSpec, train: TrainSpec, seed: u64) -> (Dataset, Trainer) {
    let data = Dataset::synthetic(200, 8, 4, 11);
    let device = crate::device::cpu();
    let net = Network::new(&spec, 8, 8, 4).expect("builds");
    let params = net.init(&mut Rng::stream(seed, Stream::Init), &device);
    let masks = Masks::dense(net.params());
    let trainer = Trainer::new(net, params, masks, train, &device, seed).expect("fits");
    (data, trainer)
}

/// One 3x3 convolution with pooling and a hidden layer of 10.
fn small_cnn() -> ModelSpec {
    ModelSpec::Cnn(crate::model::CnnSpec {
        convs: vec![crate::model::ConvSpec {
            channels: 3,
            kernel: 3,
            padding: 1,
            pool: true,
        }],
        hidden: vec![10],
        conv_kwta: None,
        kwta: None,
        dendrites: None,
        init: Default::default(),
    })
}

fn all(data: &Dataset) -> Vec<usize> {
    (0..data.len()).collect()
}

fn adam() -> TrainSpec {
    TrainSpec {
        optimizer: OptimizerSpec::adam(0.01),
        batch_size: 16,
        epochs: 1,
        oja: None,
    }
}

#[test]
fn training_learns_the_synthetic_task() {
    let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![32])), adam(), 1);
    let indices = all(&data);
    let samples = Samples::new(&data, &indices);
    let before = block_on(trainer.evaluate(&samples)).expect("evaluates");
    let first = block_on(trainer.train(&samples, 5)).expect("trains");
    let last = block_on(trainer.train(&samples, 60)).expect("trains");
    let after = block_on(trainer.evaluate(&samples)).expect("evaluates");
    assert!(last.mean_loss < first.mean_loss, "{first:?} -> {last:?}");
    assert!(
        after.accuracy() > 0.9,
        "accuracy {} (was {})",
        after.accuracy(),
        before.accuracy()
    );
    assert_eq!(trainer.steps(), 65);
}

#[test]
fn same_seed_same_results() {
    let run = |seed| {
        let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![16])), adam(), seed);
        let indices = all(&data);
        let samples = Samples::new(&data, &indices);
        let report = block_on(trainer.train(&samples, 20)).expect("trains");
        (
            report.mean_loss,
            block_on(trainer.read_params()).expect("reads"),
        )
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3).0, run(4).0);
}

fn assert_masked_weights_stay_zero(train: TrainSpec, spec: ModelSpec) {
    let (data, mut trainer) = setup(spec, train, 2);
    let indices = all(&data);
    let samples = Samples::new(&data, &indices);
    let params = trainer.network().params().to_vec();
    let values = block_on(trainer.read_params()).expect("reads");
    let mut masks = Masks::dense(&params);
    let prune = PruneSpec {
        rate: 0.6,
        output_rate: 0.3,
        conv_rate: 0.3,
        scope: PruneScope::LayerWise,
    };
    prune_round(&params, &values, &mut masks, &prune);
    trainer.set_masks(masks.clone()).expect("fits");
    for steps in [1, 7, 30] {
        block_on(trainer.train(&samples, steps)).expect("trains");
        let values = block_on(trainer.read_params()).expect("reads");
        let mut pruned = 0;
        let mut moved = 0;
        for (v, m) in values.iter().zip(&masks.0) {
            let Some(keep) = m else { continue };
            for (w, k) in v.iter().zip(keep) {
                if !k {
                    assert_eq!(*w, 0.0, "a pruned weight changed after {steps} steps");
                    pruned += 1;
                } else if *w != 0.0 {
                    moved += 1;
                }
            }
        }
        assert!(pruned > 0 && moved > 0);
    }
}

#[test]
fn masked_weights_stay_zero_under_every_optimiser_and_oja() {
    let mlp = || ModelSpec::Mlp(MlpSpec::new(vec![24, 12]));
    let oja = Some(OjaSpec {
        eta: 0.01,
        form: OjaForm::Subspace,
        signal: OjaSignal::Activation,
        output: OjaOutput::Logits,
    });
    for (optimizer, oja) in [
        (OptimizerSpec::sgd(0.1), None),
        (
            OptimizerSpec::Sgd {
                lr: 0.05,
                momentum: 0.9,
                weight_decay: 1e-3,
            },
            None,
        ),
        (OptimizerSpec::adam(0.01), None),
        (
            OptimizerSpec::Adam {
                lr: 1.2e-3,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 1e-4,
            },
            None,
        ),
        (OptimizerSpec::sgd(0.05), oja),
    ] {
        let train = TrainSpec {
            optimizer,
            batch_size: 8,
            epochs: 1,
            oja,
        };
        assert_masked_weights_stay_zero(train, mlp());
    }
    let cnn = small_cnn();
    assert_masked_weights_stay_zero(adam(), cnn);
}

#[test]
fn batch_size_one_and_a_partial_last_batch_work() {
    let mut online = adam();
    online.batch_size = 1;
    let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![8])), online, 5);
    let indices: Vec<usize> = (0..10).collect();
    let samples = Samples::new(&data, &indices);
    let report = block_on(trainer.train(&samples, 25)).expect("trains");
    assert_eq!(report.steps, 25);
    let mut big = adam();
    big.batch_size = 7;
    let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![8])), big, 5);
    let samples = Samples::new(&data, &indices);
    assert_eq!(big.steps_per_epoch(indices.len()), 2);
    block_on(trainer.train(&samples, 4)).expect("trains");
}

#[test]
fn divergence_stops_with_a_clear_reason() {
    let mut wild = adam();
    wild.optimizer = OptimizerSpec::sgd(1e30);
    let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![16])), wild, 1);
    let indices = all(&data);
    let samples = Samples::new(&data, &indices);
    let error = block_on(trainer.train(&samples, 10)).expect_err("diverges");
    assert!(matches!(error, TrainError::NonFinite { .. }), "{error}");
    assert!(error.to_string().contains("learning rate"));
}

#[test]
fn mismatched_or_empty_data_is_a_typed_error() {
    let (_, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![8])), adam(), 1);
    let other = Dataset::synthetic(10, 6, 4, 1);
    let indices: Vec<usize> = (0..10).collect();
    let error = block_on(trainer.train(&Samples::new(&other, &indices), 1)).expect_err("mismatch");
    assert!(matches!(error, TrainError::Mismatch { .. }));
    let data = Dataset::synthetic(10, 8, 4, 1);
    let error = block_on(trainer.train(&Samples::new(&data, &[]), 1)).expect_err("empty");
    assert_eq!(error, TrainError::NoSamples("train on"));
}

#[test]
fn dendritic_kwta_network_trains_with_fixed_and_inferred_contexts() {
    let mut spec = MlpSpec::new(vec![32]);
    spec.kwta = Some(KwtaSpec { fraction: 0.25 });
    spec.dendrites = Some(DendriteSpec {
        segments: 2,
        context: 64,
        selection: SegmentSelection::Max,
    });
    let (data, mut trainer) = setup(ModelSpec::Mlp(spec), adam(), 1);
    let indices = all(&data);
    let prototype: Vec<f32> = (0..64).map(|i| (i % 7) as f32 / 7.0).collect();
    let fixed = ContextSource::Fixed(prototype.clone());
    let samples = Samples {
        context: Some(&fixed),
        ..Samples::new(&data, &indices)
    };
    block_on(trainer.train(&samples, 40)).expect("trains");
    let fixed_eval = block_on(trainer.evaluate(&samples)).expect("evaluates");
    let inferred = ContextSource::NearestPrototype(vec![prototype, vec![0.0; 64]]);
    let inferred_samples = Samples {
        context: Some(&inferred),
        ..samples
    };
    let inferred_eval = block_on(trainer.evaluate(&inferred_samples)).expect("evaluates");
    assert!(fixed_eval.accuracy() > 0.5, "{fixed_eval:?}");
    assert_eq!(inferred_eval.total, fixed_eval.total);
}

#[test]
fn noise_is_the_same_draw_for_every_model_and_clipped() {
    let data = Dataset::synthetic(5, 8, 4, 1);
    let indices = all(&data);
    let noise = InputNoise::Gaussian {
        sigma: 0.5,
        seed: 9,
    };
    let noisy = Samples {
        noise: Some(noise),
        ..Samples::new(&data, &indices)
    };
    let a = noisy.input(3);
    let b = noisy.input(3);
    assert_eq!(a, b);
    assert_ne!(a, Samples::new(&data, &indices).input(3));
    assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
    let perm: Vec<usize> = (0..64).rev().collect();
    let permuted = Samples {
        permutation: Some(&perm),
        ..Samples::new(&data, &indices)
    };
    let plain = Samples::new(&data, &indices).input(2);
    let p = permuted.input(2);
    assert_eq!(p[0], plain[63]);
    assert_eq!(p[63], plain[0]);
}

#[test]
fn an_optimizer_reset_forgets_the_state_and_keeps_the_weights() {
    let (data, mut trainer) = setup(ModelSpec::Mlp(MlpSpec::new(vec![16])), adam(), 1);
    let indices = all(&data);
    let samples = Samples::new(&data, &indices);
    assert!(!trainer.optimizer_has_state());
    block_on(trainer.train(&samples, 3)).expect("trains");
    assert!(trainer.optimizer_has_state());
    let before = block_on(trainer.read_params()).expect("reads");
    trainer.reset_optimizer();
    assert!(!trainer.optimizer_has_state());
    assert_eq!(block_on(trainer.read_params()).expect("reads"), before);
    // The first step after a reset is Adam's first step: the same as a fresh trainer
    // from the same weights takes.
    let mut fresh = trainer.clone();
    let a = block_on(trainer.train(&samples, 1)).expect("trains");
    let b = block_on(fresh.train(&samples, 1)).expect("trains");
    assert_eq!(a.mean_loss, b.mean_loss);
    assert_eq!(
        block_on(trainer.read_params()).expect("reads"),
        block_on(fresh.read_params()).expect("reads")
    );
}

/// The threaded build splits a batch across threads (`shards.rs`): the parts' gradients
/// must add up to the whole batch's, for every kind of network.
#[test]
fn a_batch_split_in_parts_gives_the_whole_batch_gradient() {
    let mut dendritic = MlpSpec::new(vec![32]);
    dendritic.kwta = Some(KwtaSpec { fraction: 0.25 });
    dendritic.dendrites = Some(DendriteSpec {
        segments: 2,
        context: 64,
        selection: SegmentSelection::Max,
    });
    let cnn = small_cnn();
    let context = ContextSource::NearestPrototype(vec![vec![0.5; 64], vec![0.0; 64]]);
    for spec in [
        ModelSpec::Mlp(MlpSpec::new(vec![16])),
        ModelSpec::Mlp(dendritic),
        cnn,
    ] {
        let (data, trainer) = setup(spec, adam(), 3);
        let indices = all(&data);
        let samples = Samples {
            context: trainer.network().context_size().map(|_| &context),
            ..Samples::new(&data, &indices)
        };
        // 101 samples: the parts are 34, 34 and 33.
        let positions: Vec<usize> = (0..101).collect();
        let device = crate::device::cpu();
        let gradients = |shards| {
            let step = shards::batch_gradients(
                trainer.network(),
                trainer.params(),
                &samples,
                &positions,
                shards,
                &device,
                false,
            )
            .expect("computes");
            let grads: Vec<Vec<f32>> = step
                .grads
                .into_iter()
                .map(|g| {
                    block_on(download(g.expect("every parameter has a gradient"))).expect("reads")
                })
                .collect();
            (block_on(download_scalar(step.loss)).expect("reads"), grads)
        };
        let (whole_loss, whole) = gradients(1);
        let (split_loss, split) = gradients(3);
        assert!(
            (whole_loss - split_loss).abs() < 1e-5,
            "{whole_loss} vs {split_loss}"
        );
        assert_eq!(whole.len(), split.len());
        for (a, b) in whole.iter().zip(&split) {
            let scale = a.iter().fold(1e-3_f32, |m, v| m.max(v.abs()));
            for (x, y) in a.iter().zip(b) {
                assert!(
                    (x - y).abs() <= 1e-4 * scale,
                    "{x} vs {y} (largest {scale})"
                );
            }
        }
    }
}

/// The hand-written backward pass of plain fully connected networks against Burn's
/// autodiff on the same batch: ReLU with biases and softplus without, a pruned weight, a
/// part of a larger batch (the loss weighted by its share), and the Oja records.
#[test]
fn the_plain_backward_pass_matches_autodiff() {
    use super::shards::{autodiff_gradients, part_gradients};
    let data = Dataset::synthetic(64, 8, 4, 5);
    let device = crate::device::cpu();
    let mut softplus = MlpSpec::new(vec![12, 6]);
    softplus.activation = crate::model::Activation::Softplus { beta: 10.0 };
    softplus.bias = false;
    for spec in [MlpSpec::new(vec![12, 6]), softplus] {
        let net = Network::new(&ModelSpec::Mlp(spec), 8, 8, 4).expect("builds");
        assert!(net.has_plain_backward());
        let mut values = net.init_values(&mut Rng::stream(3, Stream::Init));
        values[0][..20].fill(0.0);
        let params: Vec<Tensor<1>> = values
            .iter()
            .map(|v| upload(v.clone(), [v.len()], &device))
            .collect();
        let indices = all(&data);
        let samples = Samples::new(&data, &indices);
        let positions: Vec<usize> = (5..35).collect();
        let plain =
            part_gradients(&net, &params, &samples, &positions, 50, &device, true).expect("plain");
        // Without a record (as training runs) the tape keeps less and ReLU runs in place.
        let unrecorded =
            part_gradients(&net, &params, &samples, &positions, 50, &device, false).expect("plain");
        assert!(unrecorded.dense.is_empty());
        let batch = host_batch(&samples, &positions).upload(&net, &device);
        let reference =
            autodiff_gradients(&net, &params, batch, 30.0 / 50.0, true).expect("autodiff");
        let close = |a: Vec<f32>, b: Vec<f32>, what: &str| {
            assert_eq!(a.len(), b.len(), "{what}");
            let scale = b.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                assert!((x - y).abs() <= 1e-4 * scale, "{what}[{i}]: {x} vs {y}");
            }
        };
        let read = |t: Tensor<1>| block_on(download(t)).expect("reads");
        let read2 = |t: Tensor<2>| block_on(download(t)).expect("reads");
        close(read(plain.loss), read(reference.loss.clone()), "loss");
        close(read(unrecorded.loss), read(reference.loss), "loss");
        assert_eq!(plain.grads.len(), reference.grads.len());
        let pairs = plain.grads.into_iter().zip(unrecorded.grads);
        for (i, ((a, u), b)) in pairs.zip(reference.grads).enumerate() {
            let name = &net.params()[i].name;
            let b = read(b.expect("autodiff gradient"));
            close(read(a.expect("plain gradient")), b.clone(), name);
            close(read(u.expect("plain gradient")), b, name);
        }
        assert_eq!(plain.dense.len(), 3);
        for (a, b) in plain.dense.into_iter().zip(reference.dense) {
            assert_eq!(a.weight, b.weight);
            close(read2(a.input), read2(b.input), "input");
            close(
                read2(a.pre_activation),
                read2(b.pre_activation),
                "pre-activation",
            );
            close(read2(a.activation), read2(b.activation), "activation");
        }
    }
    let kwta = MlpSpec {
        kwta: Some(KwtaSpec { fraction: 0.5 }),
        ..MlpSpec::new(vec![12])
    };
    let net = Network::new(&ModelSpec::Mlp(kwta), 8, 8, 4).expect("builds");
    assert!(!net.has_plain_backward());
    let cnn = Network::new(&small_cnn(), 8, 8, 4).expect("builds");
    assert!(!cnn.has_plain_backward());
}
