//! Tests of the networks: shapes, initialisation scales, forward passes with k-WTA and
//! dendrites, and the error paths.

use super::*;
use crate::tensor_io::{download, upload};
use pollster::block_on;

#[test]
fn lenet_300_100_has_the_published_shape() {
    let net = Network::new(&ModelSpec::lenet_300_100(), 28, 28, 10).expect("builds");
    let weights: Vec<usize> = net
        .params()
        .iter()
        .filter(|p| p.role.is_weight())
        .map(ParamInfo::len)
        .collect();
    assert_eq!(weights, vec![784 * 300, 300 * 100, 100 * 10]);
    assert_eq!(net.params().len(), 6);
}

#[test]
fn every_architecture_runs_forward_with_the_right_output_shape() {
    let device = crate::device::cpu();
    let mut with_everything = MlpSpec::new(vec![20, 10]);
    with_everything.kwta = Some(KwtaSpec { fraction: 0.2 });
    with_everything.dendrites = Some(DendriteSpec {
        segments: 3,
        context: 5,
        selection: SegmentSelection::Max,
    });
    let mut sparse_cnn = match ModelSpec::conv2(4) {
        ModelSpec::Cnn(c) => c,
        ModelSpec::Mlp(_) => unreachable!(),
    };
    sparse_cnn.conv_kwta = Some(KwtaSpec { fraction: 0.2 });
    sparse_cnn.kwta = Some(KwtaSpec { fraction: 0.1 });
    for spec in [
        ModelSpec::lenet_300_100(),
        ModelSpec::Mlp(with_everything),
        ModelSpec::lenet5(),
        ModelSpec::conv2(4),
        ModelSpec::conv4(4),
        ModelSpec::Cnn(sparse_cnn),
    ] {
        spec.validate("model").expect("valid");
        let net = Network::new(&spec, 28, 28, 10).expect("builds");
        let params = net.init(&mut Rng::new(1), &device);
        let x = upload(vec![0.5; 3 * 784], [3, 784], &device);
        let context = net
            .context_size()
            .map(|c| upload(vec![0.1; 3 * c], [3, c], &device));
        let out = net
            .forward(&params, x, context.as_ref(), true)
            .expect("forward");
        assert_eq!(out.logits.dims(), [3, 10], "{spec:?}");
        let values = block_on(download(out.logits)).expect("read");
        assert!(values.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let device = crate::device::cpu();
    let mut spec = MlpSpec::new(vec![4]);
    spec.dendrites = Some(DendriteSpec {
        segments: 2,
        context: 3,
        selection: SegmentSelection::Max,
    });
    let net = Network::new(&ModelSpec::Mlp(spec), 2, 2, 3).expect("builds");
    let params = net.init(&mut Rng::new(1), &device);
    let x = upload(vec![0.0; 4], [1, 4], &device);
    assert_eq!(
        net.forward(&params, x.clone(), None, false).err(),
        Some(ModelError::MissingContext)
    );
    let bad = upload(vec![0.0; 2], [1, 2], &device);
    assert!(matches!(
        net.forward(&params, x, Some(&bad), false).err(),
        Some(ModelError::ContextShape { .. })
    ));
    let wrong = upload(vec![0.0; 5], [1, 5], &device);
    assert!(matches!(
        net.forward(&params, wrong, None, false).err(),
        Some(ModelError::InputSize {
            expected: 4,
            got: 5
        })
    ));
    assert!(matches!(
        Network::new(&ModelSpec::lenet5(), 4, 4, 10).err(),
        Some(ModelError::InputTooSmall { .. })
    ));
    // Parameters of another network: a typed error, not an index out of bounds.
    let context = upload(vec![0.0; 3], [1, 3], &device);
    let x = upload(vec![0.0; 4], [1, 4], &device);
    let other = Network::new(&ModelSpec::Mlp(MlpSpec::new(vec![4])), 2, 2, 3).expect("builds");
    let fewer = other.init(&mut Rng::new(1), &device);
    assert_eq!(
        net.forward(&fewer, x.clone(), Some(&context), false).err(),
        Some(ModelError::ParamCount {
            expected: 5,
            got: 4
        })
    );
    let wider = Network::new(&ModelSpec::Mlp(MlpSpec::new(vec![5])), 2, 2, 3).expect("builds");
    let mut resized = wider.init(&mut Rng::new(1), &device);
    resized.insert(2, params[2].clone());
    assert!(matches!(
        net.forward(&resized, x, Some(&context), false).err(),
        Some(ModelError::ParamSize {
            expected: 16,
            got: 20,
            ..
        })
    ));
}

#[test]
fn same_seed_same_initial_weights() {
    let net = Network::new(&ModelSpec::lenet_300_100(), 28, 28, 10).expect("builds");
    let a = net.init_values(&mut Rng::new(7));
    let b = net.init_values(&mut Rng::new(7));
    let c = net.init_values(&mut Rng::new(8));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let bound = 1.0 / 784f32.sqrt();
    assert!(a[0].iter().all(|w| w.abs() <= bound));
}

#[test]
fn sparse_aware_and_xavier_bounds_match_hand_computed_values() {
    // 784 -> 100 (k-WTA 5%: 5 winners) -> 40 (k-WTA: 2 winners) -> 10, half of every
    // weight masked.
    let mut spec = MlpSpec::new(vec![100, 40]);
    spec.kwta = Some(KwtaSpec { fraction: 0.05 });
    let net = Network::new(&ModelSpec::Mlp(spec.clone()), 28, 28, 10).expect("builds");
    let scope = crate::prune::MaskScope {
        conv: true,
        output: true,
    };
    let masks = Masks::random_with(net.params(), 0.5, scope, &mut Rng::new(2));
    let values = net.init_values_masked(&mut Rng::new(3), Some(&masks));
    let max_abs = |v: &[f32]| v.iter().fold(0.0f64, |m, x| m.max(f64::from(x.abs())));
    // (parameter, bound): weights 1/sqrt(d_in * d_w * fan_in), biases 1/sqrt(fan_in).
    let expected = [
        (0, 1.0 / (1.0 * 0.5 * 784.0f64).sqrt()),
        (1, 1.0 / 784.0f64.sqrt()),
        (2, 1.0 / (0.05 * 0.5 * 100.0f64).sqrt()),
        (3, 1.0 / 100.0f64.sqrt()),
        (4, 1.0 / (0.05 * 0.5 * 40.0f64).sqrt()),
        (5, 1.0 / 40.0f64.sqrt()),
    ];
    for (i, bound) in expected {
        let m = max_abs(&values[i]);
        assert!(
            m <= bound + 1e-6 && m > 0.9 * bound,
            "{}: max {m}, bound {bound}",
            net.params()[i].name
        );
    }
    // Dense: exactly PyTorch's uniform scheme, the same draws.
    let dense = Network::new(&ModelSpec::lenet_300_100(), 28, 28, 10).expect("builds");
    let mut uniform = MlpSpec::new(vec![300, 100]);
    uniform.init.scheme = InitScheme::Uniform;
    let plain = Network::new(&ModelSpec::Mlp(uniform), 28, 28, 10).expect("builds");
    assert_eq!(
        dense.init_values(&mut Rng::new(4)),
        plain.init_values(&mut Rng::new(4))
    );
    // Xavier: weights within sqrt(6 / (fan_in + fan_out)), biases zero.
    spec.init.scheme = InitScheme::XavierUniform;
    spec.kwta = None;
    let net = Network::new(&ModelSpec::Mlp(spec), 28, 28, 10).expect("builds");
    let values = net.init_values(&mut Rng::new(5));
    let bound = (6.0 / (784.0 + 100.0f64)).sqrt();
    assert!(max_abs(&values[0]) <= bound && max_abs(&values[0]) > 0.9 * bound);
    assert!(values[1].iter().all(|b| *b == 0.0));
}

#[test]
fn without_biases_and_with_softplus_the_network_has_no_bias_parameters() {
    let mut spec = MlpSpec::new(vec![8, 8]);
    spec.bias = false;
    spec.activation = Activation::Softplus { beta: 10.0 };
    let net = Network::new(&ModelSpec::Mlp(spec), 2, 2, 3).expect("builds");
    assert!(net.params().iter().all(|p| p.role != ParamRole::Bias));
    assert_eq!(net.params().len(), 3);
    let device = crate::device::cpu();
    let params = net.init(&mut Rng::new(1), &device);
    // It runs forward without a bias tensor and gives finite logits.
    let x = upload(vec![0.0; 4], [1, 4], &device);
    let out = net.forward(&params, x, None, false).expect("forward");
    let logits = block_on(download(out.logits)).expect("read");
    assert!(logits.iter().all(|v| v.is_finite()));
}

#[test]
fn a_cnn_gives_the_same_logits_with_gemm_and_backend_convolutions() {
    let device = crate::device::cpu();
    let net = Network::new(&ModelSpec::lenet5(), 28, 28, 10).expect("builds");
    let params = net.init(&mut Rng::new(3), &device);
    let mut rng = Rng::new(4);
    let pixels: Vec<f32> = (0..2 * 784).map(|_| rng.uniform(0.0, 1.0) as f32).collect();
    let logits = |path| {
        let x = upload(pixels.clone(), [2, 784], &device);
        let net = net.clone().with_conv_path(path);
        let out = net.forward(&params, x, None, false).expect("forward");
        block_on(download(out.logits)).expect("read")
    };
    let (gemm, backend) = (
        logits(conv::ConvPath::Gemm),
        logits(conv::ConvPath::Backend),
    );
    assert_eq!(gemm.len(), 20);
    for (a, b) in gemm.iter().zip(&backend) {
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
    // On the CPU backend the network picks the GEMM path by itself.
    assert_eq!(conv::ConvPath::for_device(&device), conv::ConvPath::Gemm);
}
