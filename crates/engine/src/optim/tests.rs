//! The optimisers against closed forms and PyTorch's conventions, and the fused host path
//! against the tensor path.

use super::*;
use crate::model::{ParamInfo, ParamRole};
use crate::prune::Masks;
use crate::tensor_io::upload_flat;
use pollster::block_on;

/// Bias-like parameters of these lengths, for a store without a network.
fn infos(lengths: &[usize]) -> Vec<ParamInfo> {
    lengths
        .iter()
        .enumerate()
        .map(|(i, n)| ParamInfo {
            name: format!("p{i}"),
            shape: vec![*n],
            role: ParamRole::Bias,
            fan_in: 1,
            input_density: 1.0,
        })
        .collect()
}

fn run(spec: OptimizerSpec, steps: usize) -> Vec<f32> {
    let device = crate::device::cpu();
    let values = vec![upload_flat(vec![1.0, -2.0], &device)];
    let mut store = ParamStore::new(&infos(&[2]), values, Masks::default(), &device).expect("fits");
    let mut opt = Optimizer::new(spec);
    for _ in 0..steps {
        let g = upload_flat(vec![0.5, 0.25], &device);
        opt.step(&mut store, vec![Some(g)]);
    }
    block_on(store.read()).expect("read").remove(0)
}

fn close(a: &[f32], b: &[f64]) {
    for (x, y) in a.iter().zip(b) {
        assert!((f64::from(*x) - y).abs() < 1e-6, "{a:?} vs {b:?}");
    }
}

#[test]
fn sgd_matches_the_closed_form() {
    close(
        &run(OptimizerSpec::sgd(0.1), 3),
        &[1.0 - 0.15, -2.0 - 0.075],
    );
}

#[test]
fn sgd_momentum_accumulates_like_pytorch() {
    // buf: g, 1.9 g, 2.71 g -> total 5.61 g
    let spec = OptimizerSpec::Sgd {
        lr: 0.1,
        momentum: 0.9,
        weight_decay: 0.0,
    };
    close(
        &run(spec, 3),
        &[1.0 - 0.1 * 5.61 * 0.5, -2.0 - 0.1 * 5.61 * 0.25],
    );
}

/// Runs `steps` steps of `spec` on three parameters (one masked, one never given a
/// gradient after the first step) through the host or the tensor path.
fn run_path(spec: OptimizerSpec, steps: usize, on_host: bool) -> Vec<Vec<f32>> {
    let device = crate::device::cpu();
    let mut rng = crate::rng::Rng::new(11);
    let mut draw = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
    let keep: Vec<bool> = (0..40).map(|i| i % 3 != 0).collect();
    let values = vec![
        upload_flat(draw(40), &device),
        upload_flat(draw(25), &device),
        upload_flat(draw(7), &device),
    ];
    let masks = Masks(vec![Some(keep), None, None]);
    let mut store = ParamStore::new(&infos(&[40, 25, 7]), values, masks, &device).expect("fits");
    let mut opt = Optimizer::new(spec);
    let path: fn(&Device) -> bool = if on_host { |_| true } else { |_| false };
    for step in 0..steps {
        let grads = vec![
            Some(upload_flat(draw(40), &device)),
            Some(upload_flat(draw(25), &device)),
            (step == 0).then(|| upload_flat(draw(7), &device)),
        ];
        opt.step_via(&mut store, grads, path);
    }
    block_on(store.read()).expect("read")
}

#[test]
fn the_host_and_tensor_paths_compute_the_same_updates() {
    let specs = [
        OptimizerSpec::sgd(0.1),
        OptimizerSpec::Sgd {
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 1e-3,
        },
        OptimizerSpec::adam(0.01),
        OptimizerSpec::Adam {
            lr: 0.003,
            beta1: 0.8,
            beta2: 0.99,
            eps: 1e-6,
            weight_decay: 1e-2,
        },
    ];
    for spec in specs {
        let host = run_path(spec, 6, true);
        let tensors = run_path(spec, 6, false);
        for (h, t) in host.iter().zip(&tensors) {
            for (a, b) in h.iter().zip(t) {
                assert!(
                    (a - b).abs() <= 1e-6 * (1.0 + b.abs()),
                    "{spec:?}: {a} vs {b}"
                );
            }
        }
        // Pruned weights stay exactly zero on both paths.
        for p in [&host, &tensors] {
            assert!(p[0].iter().step_by(3).all(|w| *w == 0.0), "{spec:?}");
        }
    }
}

#[test]
fn decayed_moments_flush_to_zero_instead_of_going_subnormal() {
    let adam = fused::Adam {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        c1: 1.0,
        c2: 1.0,
        weight_decay: 0.0,
    };
    let (mut w, mut m, mut v) = (vec![0.5_f32], vec![0.0_f32], vec![0.0_f32]);
    adam.apply(&mut w, &[1.0], &mut m, &mut v, None);
    let mut subnormal = false;
    for _ in 0..2000 {
        adam.apply(&mut w, &[0.0], &mut m, &mut v, None);
        subnormal |= m[0] != 0.0 && !m[0].is_normal();
    }
    // 0.1 * 0.9^2000 is far below f32's smallest normal: stored as 0, never subnormal.
    assert!(!subnormal);
    assert_eq!(m[0], 0.0);
    // 0.001 * 0.999^2000 is still a normal number and stays.
    assert!(v[0].is_normal(), "{}", v[0]);
}

#[test]
fn adam_with_a_constant_gradient_steps_by_lr() {
    // With a constant gradient the bias-corrected ratio is 1 (up to eps).
    close(
        &run(OptimizerSpec::adam(0.01), 4),
        &[1.0 - 0.04, -2.0 - 0.04],
    );
}
