//! Prototype for an architecture decision: can Burn 0.22's own idioms (a `Module` of
//! `burn::nn::Linear`s, a fixed pruning mask attached as a `Reparameterization`, Burn's
//! `Adam` through `ModuleOptimizer`) train a masked LeNet-300-100 as fast as the bioplay
//! engine's `Trainer` (flat `Vec<Tensor<1>>` parameters, masks applied by its own fused
//! host-side Adam)?
//!
//! Every variant starts from the same initial weights (the engine's seeded init, with the
//! pruned half of every weight zeroed), uses the same masks (50 % of each of the three
//! weight matrices, drawn by the engine's `Masks::random_with`), visits the same samples
//! in the same order (the engine's `bench::plan`), and computes the same loss (mean
//! cross-entropy of `log_softmax` against one-hot targets) on Burn's autodiff CPU backend
//! (`Device::flex().autodiff()`). The masked variants therefore do exactly the same work
//! and their training losses agree to rounding: that is printed as a guard.
//!
//! Variants:
//! - `burn-reparam`: Burn Module + `FixedMask: Reparameterization` (`w_eff = base * mask` in
//!   every forward through `Param::val`) + Burn Adam.
//! - `burn-remask`: Burn Module without reparameterisation + Burn Adam, then a
//!   `ModuleMapper` that multiplies each weight by its mask after every step.
//! - `burn-dense`: Burn Module + Burn Adam, no mask (the cost of Burn's own path).
//! - `engine`: the engine's `Trainer` with the same masks and Adam.
//! - `engine-dense`: the engine's `Trainer`, no mask.
//!
//! Usage: `burn-mask-proto [repeats] [random|synthetic] [ftz]` (default 5, random). `ftz`
//! sets the x86 FTZ/DAZ bits (subnormals flushed to zero) on the main thread and on every
//! thread of rayon's global pool, to show how much of the time is subnormal arithmetic.

use std::collections::HashMap;
use std::time::Instant;

use bioplay_engine::bench::{self, Workload};
use bioplay_engine::data::Dataset;
use bioplay_engine::data::idx::encode_u8;
use bioplay_engine::model::{ModelSpec, Network};
use bioplay_engine::optim::OptimizerSpec;
use bioplay_engine::prune::{MaskScope, Masks};
use bioplay_engine::rng::{Rng, Stream};
use bioplay_engine::tensor_io::upload_params;
use bioplay_engine::train::{Samples, TrainSpec, Trainer};

use burn::module::{Module, ModuleMapper, Param, Reparameterization, Reparameterizer};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Tensor, TensorData};

/// Seed of weights, masks, split and batch order (the engine's benchmark seed).
const SEED: u64 = bench::SEED;
/// Adam's learning rate (PyTorch's betas; eps 1e-8 on both sides).
const LR: f64 = 1e-3;
const EPS: f64 = 1e-8;
/// Fraction of every weight matrix pruned.
const SPARSITY: f64 = 0.5;
/// Images in the dataset (28x28, 10 classes); 5/6 of them are the training split.
const SAMPLES: usize = 12_000;

/// Uniformly random pixels and labels, built through the engine's public IDX loader. The
/// network cannot fit them within a few thousand steps, so the loss stays near ln 10 and
/// gradients keep a normal magnitude. (On the engine's easy `Dataset::synthetic` the loss
/// reaches 1e-4 and Adam's moments go subnormal, which slows every variant about tenfold:
/// see RESULTS.md; pass `synthetic` as the second argument to see it.)
fn random_dataset(count: usize, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let pixels: Vec<u8> = (0..count * 28 * 28).map(|_| rng.below(256) as u8).collect();
    let labels: Vec<u8> = (0..count).map(|_| rng.below(10) as u8).collect();
    Dataset::from_idx(
        "random",
        &encode_u8(&[count, 28, 28], &pixels),
        &encode_u8(&[count], &labels),
        10,
    )
    .expect("well-formed IDX")
}

// ---------------------------------------------------------------------------------------
// The Burn side: a plain Burn module, a mask reparameterisation, a re-masking mapper.
// ---------------------------------------------------------------------------------------

/// LeNet-300-100 as an ordinary Burn module. Parameter paths are `fc1.weight`,
/// `fc1.bias`, ... exactly the engine's parameter names.
#[derive(Module, Debug)]
struct LeNet {
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
}

impl LeNet {
    /// A network whose parameters hold `values` (by engine name; Burn's `Linear` weight
    /// layout `[d_input, d_output]` is the engine's dense layout, so no transpose).
    fn from_values(values: &HashMap<String, Vec<f32>>, device: &Device) -> Self {
        let layer = |name: &str, inputs: usize, outputs: usize| {
            let mut linear = LinearConfig::new(inputs, outputs).init(device);
            let w = values[&format!("{name}.weight")].clone();
            let b = values[&format!("{name}.bias")].clone();
            linear.weight = Param::from_data(TensorData::new(w, [inputs, outputs]), device);
            linear.bias = Some(Param::from_data(TensorData::new(b, [outputs]), device));
            linear
        };
        LeNet {
            fc1: layer("fc1", 784, 300),
            fc2: layer("fc2", 300, 100),
            fc3: layer("fc3", 100, 10),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let x = relu(self.fc1.forward(x));
        let x = relu(self.fc2.forward(x));
        self.fc3.forward(x)
    }
}

/// A fixed 0/1 mask as a Burn reparameterisation: `Param::val()` (which `Linear::forward`
/// calls) returns `base * keep`. `keep` is a plain `Tensor` field, which Burn treats as a
/// module constant: no `Param`, so the optimiser never sees it and records do not save it.
/// Its gradient rule comes free from autodiff: d(loss)/d(base) = g_eff * keep, so pruned
/// weights get an exactly-zero gradient and Adam's moments for them stay zero.
#[derive(Module, Debug)]
struct FixedMask {
    keep: Tensor<2>,
}

impl Reparameterization for FixedMask {
    const NAME: &'static str = "fixed_mask";

    fn apply<const D: usize>(&self, base: Tensor<D>) -> Tensor<D> {
        let shape = base.shape();
        base * self.keep.clone().reshape(shape)
    }
}

/// Attaches a [`FixedMask`] to every parameter whose path has a mask (the three weights).
struct MaskReparameterizer {
    /// Path (`fc1.weight`) -> the mask as a 0/1 `[inputs, outputs]` tensor, no autodiff.
    masks: HashMap<String, Tensor<2>>,
}

impl Reparameterizer for MaskReparameterizer {
    type Reparam = FixedMask;

    fn reparameterize<const D: usize>(
        &mut self,
        path: &str,
        param: Param<Tensor<D>>,
    ) -> (Param<Tensor<D>>, Option<FixedMask>) {
        let mask = self.masks.get(path).cloned();
        (param, mask.map(|keep| FixedMask { keep }))
    }
}

/// The other idiom: a `ModuleMapper` run after each optimiser step that multiplies every
/// masked weight by its mask (what `ModuleOptimizer::step` itself does to a module, one
/// `map_float` per parameter). Pruned weights still get gradients and Adam moments; they
/// are zeroed again after every step.
struct ReMask<'a> {
    masks: &'a HashMap<String, Tensor<2>>,
    path: Vec<String>,
}

impl ModuleMapper for ReMask<'_> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(mask) = self.masks.get(&self.path.join(".")) else {
            return param;
        };
        param.map(|w| {
            // Update off the graph, then make it a fresh leaf again (as the optimiser does).
            let keep = mask.clone().reshape(w.shape());
            Tensor::from_inner(w.inner() * keep).require_grad()
        })
    }
}

/// How a Burn variant keeps its masks applied.
enum Masking {
    None,
    Reparam,
    ReMask(HashMap<String, Tensor<2>>),
}

/// One Burn-idiom trainer: module, `ModuleOptimizer` (Burn's Adam), batch cursor.
struct BurnVariant<'a> {
    model: LeNet,
    optim: ModuleOptimizer,
    masking: Masking,
    setup: &'a Setup,
    cursor: usize,
    device: Device,
}

impl<'a> BurnVariant<'a> {
    fn new(setup: &'a Setup, masked: bool, masking: &str) -> Self {
        let device = Device::flex().autodiff();
        let values = if masked { &setup.masked_values } else { &setup.dense_values };
        let mut model = LeNet::from_values(values, &device);
        let masking = match (masked, masking) {
            (false, _) => Masking::None,
            (true, "reparam") => {
                model = model.apply_reparameterization(MaskReparameterizer {
                    masks: setup.mask_tensors.clone(),
                });
                Masking::Reparam
            }
            (true, _) => Masking::ReMask(setup.mask_tensors.clone()),
        };
        let optim = AdamConfig::new()
            .with_beta_1(0.9)
            .with_beta_2(0.999)
            .with_epsilon(EPS as f32)
            .init();
        BurnVariant {
            model,
            optim,
            masking,
            setup,
            cursor: 0,
            device,
        }
    }

    /// `steps` optimiser steps; returns the mean training loss (one read-back at the end).
    fn train(&mut self, steps: usize) -> f64 {
        let mut loss_sum: Option<Tensor<1>> = None;
        for _ in 0..steps {
            let (x, one_hot) = self.setup.batch(self.cursor, &self.device);
            self.cursor += 1;
            let logits = self.model.forward(x);
            let loss = (log_softmax(logits, 1) * one_hot).sum_dim(1).mean().neg();
            let grads = GradientsParams::from_grads(loss.backward(), &self.model);
            let model = self.optim.step(LR, self.model.clone(), grads);
            self.model = match &self.masking {
                Masking::ReMask(masks) => model.map(&mut ReMask {
                    masks,
                    path: Vec::new(),
                }),
                _ => model,
            };
            let loss = loss.inner();
            loss_sum = Some(match loss_sum {
                Some(s) => s + loss,
                None => loss,
            });
        }
        let sum = loss_sum.expect("at least one step").into_data().try_to_vec::<f32>().unwrap()[0];
        f64::from(sum) / steps as f64
    }

    /// (stored base, effective value) of each weight, for the exact-zero check.
    fn weights(&self) -> Vec<(String, Vec<f32>, Vec<f32>)> {
        let read = |t: Tensor<2>| t.into_data().try_to_vec::<f32>().unwrap();
        [("fc1", &self.model.fc1), ("fc2", &self.model.fc2), ("fc3", &self.model.fc3)]
            .into_iter()
            .map(|(n, l)| (format!("{n}.weight"), read(l.weight.base()), read(l.weight.val())))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// The engine side: its public API only.
// ---------------------------------------------------------------------------------------

struct EngineVariant<'a> {
    trainer: Trainer,
    setup: &'a Setup,
}

impl<'a> EngineVariant<'a> {
    fn new(setup: &'a Setup, masked: bool, batch_size: usize) -> Self {
        let device = bioplay_engine::device::cpu();
        // Dense initial values; `Trainer::new` applies the masks itself.
        let params = upload_params(setup.engine_init.clone(), &device);
        let masks = if masked {
            setup.masks.clone()
        } else {
            Masks::dense(setup.net.params())
        };
        let spec = TrainSpec {
            optimizer: OptimizerSpec::Adam {
                lr: LR,
                beta1: 0.9,
                beta2: 0.999,
                eps: EPS,
                weight_decay: 0.0,
            },
            batch_size,
            epochs: 1,
            oja: None,
        };
        // Seed SEED over split.train: the batch order `bench::plan` reported.
        let trainer =
            Trainer::new(setup.net.clone(), params, masks, spec, &device, SEED).expect("fits");
        EngineVariant { trainer, setup }
    }

    fn train(&mut self, steps: usize) -> f64 {
        let samples = Samples::new(&self.setup.dataset, &self.setup.train);
        pollster::block_on(self.trainer.train(&samples, steps))
            .expect("trains")
            .mean_loss
    }
}

// ---------------------------------------------------------------------------------------
// Shared set-up and the timing loop.
// ---------------------------------------------------------------------------------------

/// Everything the variants share: data, batches, initial weights, masks.
struct Setup {
    dataset: Dataset,
    train: Vec<usize>,
    net: Network,
    masks: Masks,
    /// Engine init values in parameter order (dense).
    engine_init: Vec<Vec<f32>>,
    dense_values: HashMap<String, Vec<f32>>,
    /// The same values with pruned weights zeroed (what `Trainer::new` starts from).
    masked_values: HashMap<String, Vec<f32>>,
    /// Masks as 0/1 `[inputs, outputs]` tensors (no autodiff) by parameter path.
    mask_tensors: HashMap<String, Tensor<2>>,
    /// Dataset indices of every batch, in the engine trainer's order.
    batches: Vec<Vec<usize>>,
}

impl Setup {
    fn new(workload: Workload, total_steps: usize, synthetic: bool) -> Self {
        let dataset = if synthetic {
            Dataset::synthetic(SAMPLES, 28, 10, SEED)
        } else {
            random_dataset(SAMPLES, SEED)
        };
        let net = Network::new(&ModelSpec::lenet_300_100(), 28, 28, 10).expect("valid");
        // The engine's own benchmark plan: dense seeded init values and, per step, the
        // dataset indices a trainer with seed SEED visits on split(1/6, SEED).train.
        let plan = bench::plan(workload, total_steps, &dataset).expect("plans");
        let engine_init: Vec<Vec<f32>> = plan.params.iter().map(|(_, _, v)| v.clone()).collect();
        // 50 % of each weight matrix, output layer included.
        let scope = MaskScope {
            conv: true,
            output: true,
        };
        let masks = Masks::random_with(
            net.params(),
            SPARSITY,
            scope,
            &mut Rng::stream(SEED, Stream::Masks),
        );
        let mut zeroed = engine_init.clone();
        masks.apply(&mut zeroed);
        let by_name = |values: &[Vec<f32>]| -> HashMap<String, Vec<f32>> {
            net.params()
                .iter()
                .zip(values)
                .map(|(p, v)| (p.name.clone(), v.clone()))
                .collect()
        };
        let cpu = Device::flex();
        let mask_tensors = net
            .params()
            .iter()
            .zip(&masks.0)
            .filter_map(|(p, m)| {
                let keep: Vec<f32> = m.as_ref()?.iter().map(|k| f32::from(u8::from(*k))).collect();
                let t = Tensor::<2>::from_data(TensorData::new(keep, [p.shape[0], p.shape[1]]), &cpu);
                Some((p.name.clone(), t))
            })
            .collect();
        let split = dataset.split(1.0 / 6.0, SEED);
        Setup {
            dense_values: by_name(&engine_init),
            masked_values: by_name(&zeroed),
            engine_init,
            train: split.train,
            dataset,
            net,
            masks,
            mask_tensors,
            batches: plan.batches,
        }
    }

    /// Batch `step` as (inputs `[b, 784]`, one-hot `[b, 10]`) on `device`, built on the host
    /// from the dataset as the engine's trainer does.
    fn batch(&self, step: usize, device: &Device) -> (Tensor<2>, Tensor<2>) {
        let indices = &self.batches[step];
        let (x, labels) = self.dataset.batch(indices);
        let mut one_hot = vec![0.0f32; labels.len() * 10];
        for (i, l) in labels.iter().enumerate() {
            one_hot[i * 10 + usize::from(*l)] = 1.0;
        }
        let b = labels.len();
        let x = Tensor::from_data(TensorData::new(x, [b, 784]), device);
        let y = Tensor::from_data(TensorData::new(one_hot, [b, 10]), device);
        (x, y)
    }
}

/// Anything that trains for a number of steps and returns its mean loss.
enum Variant<'a> {
    Burn(BurnVariant<'a>),
    Engine(EngineVariant<'a>),
}

impl Variant<'_> {
    fn train(&mut self, steps: usize) -> f64 {
        match self {
            Variant::Burn(v) => v.train(steps),
            Variant::Engine(v) => v.train(steps),
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Counts the pruned positions (mask false) whose value is not exactly 0.0.
fn nonzero_pruned(values: &[f32], keep: &[bool]) -> usize {
    values.iter().zip(keep).filter(|(v, k)| !**k && **v != 0.0).count()
}

fn bench(workload: Workload, warmup: usize, steps: usize, repeats: usize, synthetic: bool) {
    let batch = workload.batch_size();
    let total = warmup + steps * repeats;
    let setup = Setup::new(workload, total, synthetic);
    let names = ["burn-reparam", "burn-remask", "burn-dense", "engine", "engine-dense"];
    let mut variants = vec![
        Variant::Burn(BurnVariant::new(&setup, true, "reparam")),
        Variant::Burn(BurnVariant::new(&setup, true, "remask")),
        Variant::Burn(BurnVariant::new(&setup, false, "")),
        Variant::Engine(EngineVariant::new(&setup, true, batch)),
        Variant::Engine(EngineVariant::new(&setup, false, batch)),
    ];
    println!("\n## batch {batch}: warm-up {warmup} steps, then {repeats} x {steps} timed steps");
    for v in &mut variants {
        v.train(warmup);
    }
    // Repeats interleave the variants, so background load hits them alike.
    let mut rates = vec![Vec::new(); variants.len()];
    let mut losses = vec![Vec::new(); variants.len()];
    for _ in 0..repeats {
        for (i, v) in variants.iter_mut().enumerate() {
            let t = Instant::now();
            let loss = v.train(steps);
            rates[i].push(steps as f64 / t.elapsed().as_secs_f64());
            losses[i].push(loss);
        }
    }
    println!("| variant | median steps/s | min | max | samples/s (median) | mean loss of last repeat |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (i, name) in names.iter().enumerate() {
        let r = &rates[i];
        let med = median(r.clone());
        let lo = r.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = r.iter().copied().fold(0.0, f64::max);
        println!(
            "| {name} | {med:.1} | {lo:.1} | {hi:.1} | {:.0} | {:.6} |",
            med * batch as f64,
            losses[i].last().unwrap()
        );
    }
    println!("steps/s per repeat:");
    for (i, name) in names.iter().enumerate() {
        let r: Vec<String> = rates[i].iter().map(|x| format!("{x:.1}")).collect();
        println!("  {name:13} {}", r.join(" "));
    }
    println!("losses per repeat (guard: masked variants agree, dense ones agree):");
    for (i, name) in names.iter().enumerate() {
        let l: Vec<String> = losses[i].iter().map(|x| format!("{x:.6}")).collect();
        println!("  {name:13} {}", l.join(" "));
    }
    // Exact zeros: stored and effective weights at pruned positions.
    let keep: HashMap<String, &Vec<bool>> = setup
        .net
        .params()
        .iter()
        .zip(&setup.masks.0)
        .filter_map(|(p, m)| Some((p.name.clone(), m.as_ref()?)))
        .collect();
    for (i, name) in names.iter().enumerate().take(2) {
        let Variant::Burn(v) = &variants[i] else { unreachable!() };
        let (mut base_nz, mut eff_nz) = (0, 0);
        for (n, base, eff) in v.weights() {
            base_nz += nonzero_pruned(&base, keep[&n]);
            eff_nz += nonzero_pruned(&eff, keep[&n]);
        }
        println!("  {name}: pruned weights not exactly 0: stored {base_nz}, effective {eff_nz}");
    }
    if let Variant::Engine(v) = &variants[3] {
        let values = pollster::block_on(v.trainer.read_params()).expect("reads");
        let nz: usize = setup
            .net
            .params()
            .iter()
            .zip(&values)
            .filter_map(|(p, vals)| Some(nonzero_pruned(vals, keep.get(&p.name)?)))
            .sum();
        println!("  engine: pruned weights not exactly 0: {nz}");
    }
}

/// Sets MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6) on this thread.
#[cfg(target_arch = "x86_64")]
#[allow(deprecated)]
fn flush_subnormals() {
    use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
    // SAFETY: only changes how this thread's SSE unit rounds subnormal floats.
    unsafe { _mm_setcsr(_mm_getcsr() | 0x8040) };
}

#[cfg(not(target_arch = "x86_64"))]
fn flush_subnormals() {}

fn main() {
    if std::env::args().any(|a| a == "ftz") {
        flush_subnormals();
        rayon::ThreadPoolBuilder::new()
            .start_handler(|_| flush_subnormals())
            .build_global()
            .expect("the global pool is not built yet");
        println!("FTZ/DAZ on: subnormals flushed to zero");
    }
    let repeats: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("repeats is a number"))
        .unwrap_or(5);
    let synthetic = std::env::args().nth(2).is_some_and(|s| s == "synthetic");
    println!(
        "LeNet-300-100, Adam lr {LR}, {:.0}% of each weight masked, seed {SEED}, {} data, {} cores",
        SPARSITY * 100.0,
        if synthetic { "synthetic (easy)" } else { "random" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    bench(Workload::Mlp64, 20, 200, repeats, synthetic);
    bench(Workload::Mlp1, 50, 500, repeats, synthetic);
}
