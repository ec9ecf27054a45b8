//! Training-throughput workloads, the same natively and in the browser: a fixed model, batch
//! size and number of plain-SGD steps from seeded initial weights, timed.
//!
//! What a run reports: the time to the first step (start-up, shader compilation and
//! allocation included), samples per second over the timed steps, and the test loss on a
//! fixed set of samples afterwards. The loss is the correctness guard: two implementations
//! (or devices) that do the same work from the same weights on the same batches agree on
//! it, so nobody wins by doing less.
//!
//! A run first warms up: a throwaway trainer does the workload's steps for
//! [`WARM_UP_MS`] (its first step gives the time to the first step), and only then does the
//! measured trainer start from the seeded weights. The timed steps thus measure the steady
//! rate a long training run has, not the browser still compiling the code: V8 first runs a
//! wasm module's functions as quickly compiled baseline code and recompiles the hot ones
//! with its optimising compiler, in the background, as they run. Without a warm-up the
//! first 150 steps of LeNet-300-100 at batch 256 on two threads took 8.6-9.7 ms each and the
//! later ones 4.0-5.0; after 3 s of warm-up one thread still sped up from 8.6 to 7.7 ms a
//! step some 1,000 steps in; after 10 s both ran at their later rate from the first timed
//! step, as they do with V8's baseline compiler turned off (docs/benchmarks.md,
//! 2026-12-07).

use serde::{Deserialize, Serialize};
use web_time::Instant;

use crate::data::Dataset;
use crate::experiment::RunError;
use crate::model::{ModelSpec, Network};
use crate::optim::OptimizerSpec;
use crate::prune::Masks;
use crate::rng::{Rng, Stream};
use crate::tensor_io::download_scalar;
use crate::train::{Samples, TrainSpec, Trainer};

/// The learning rate of every workload (plain SGD, no momentum, so other frameworks can do
/// exactly the same update).
pub const LEARNING_RATE: f64 = 0.05;
/// Test samples the guard loss is measured on.
pub const GUARD_SAMPLES: usize = 512;
/// Seed of the initial weights and the batch order.
pub const SEED: u64 = 42;
/// Milliseconds of warm-up before the timed steps (see the module's documentation); TF.js's
/// runs in `make bench` take the same, from the plan ([`BenchPlan::warm_up_ms`]).
pub const WARM_UP_MS: f64 = 10_000.0;

/// A model and a batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Workload {
    /// LeNet-300-100, batch 1 (online learning).
    #[serde(rename = "mlp-1")]
    Mlp1,
    /// LeNet-300-100, batch 64.
    #[serde(rename = "mlp-64")]
    Mlp64,
    /// LeNet-300-100, batch 256.
    #[serde(rename = "mlp-256")]
    Mlp256,
    /// The LeNet-5-like CNN, batch 64.
    #[serde(rename = "cnn-64")]
    Cnn64,
}

impl Workload {
    /// Every workload, in table order.
    pub const ALL: [Workload; 4] = [
        Workload::Mlp1,
        Workload::Mlp64,
        Workload::Mlp256,
        Workload::Cnn64,
    ];

    /// The identifier used on command lines and in result files.
    pub fn id(self) -> &'static str {
        match self {
            Workload::Mlp1 => "mlp-1",
            Workload::Mlp64 => "mlp-64",
            Workload::Mlp256 => "mlp-256",
            Workload::Cnn64 => "cnn-64",
        }
    }

    /// A label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Workload::Mlp1 => "LeNet-300-100, batch 1",
            Workload::Mlp64 => "LeNet-300-100, batch 64",
            Workload::Mlp256 => "LeNet-300-100, batch 256",
            Workload::Cnn64 => "LeNet-5 CNN, batch 64",
        }
    }

    /// The workload an identifier names.
    pub fn from_id(id: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.id() == id)
    }

    /// The network.
    pub fn model(self) -> ModelSpec {
        match self {
            Workload::Cnn64 => ModelSpec::lenet5(),
            _ => ModelSpec::lenet_300_100(),
        }
    }

    /// Samples per step.
    pub fn batch_size(self) -> usize {
        match self {
            Workload::Mlp1 => 1,
            Workload::Mlp64 | Workload::Cnn64 => 64,
            Workload::Mlp256 => 256,
        }
    }

    /// Timed steps by default: enough for a steady rate, few enough for a quick table.
    ///
    /// The CNN takes 150: in 30 steps (under half a second) our wasm engine ran at 3,500-3,800
    /// samples/s and at 5,500-6,600 in 150, because V8 was still optimising the code as it
    /// ran (docs/benchmarks.md, 2026-12-06). The warm-up ([`WARM_UP_MS`]) covers that now;
    /// the counts stay, so that figures compare with earlier runs.
    pub fn default_steps(self) -> usize {
        match self {
            Workload::Mlp1 => 200,
            Workload::Mlp64 => 100,
            Workload::Mlp256 => 50,
            Workload::Cnn64 => 150,
        }
    }
}

/// What one timed run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// The workload.
    pub workload: Workload,
    /// The timed steps (after the first).
    pub steps: usize,
    /// Milliseconds to the end of the first step, from building the network (the warm-up's
    /// first step, so nothing was compiled or allocated before it).
    pub first_step_ms: f64,
    /// Steps of the warm-up (its first included), with a throwaway trainer.
    pub warm_up_steps: usize,
    /// Milliseconds the warm-up took.
    pub warm_up_ms: f64,
    /// Samples per second over the timed steps.
    pub samples_per_s: f64,
    /// Mean test loss on [`GUARD_SAMPLES`] fixed samples after all the steps.
    pub guard_loss: f64,
}

/// Warms up for `warm_up_ms` (at least one step), then trains `workload` on `dataset` from
/// the seeded weights for one step and then `steps` timed steps, reading the loss back once
/// per `steps_per_read` steps (as the app does per chunk).
pub async fn run(
    workload: Workload,
    steps: usize,
    steps_per_read: usize,
    warm_up_ms: f64,
    dataset: &Dataset,
    device: &burn::tensor::Device,
) -> Result<BenchResult, RunError> {
    let split = dataset.split(1.0 / 6.0, SEED);
    let train = Samples::new(dataset, &split.train);

    let begin = Instant::now();
    let mut warm = seeded_trainer(workload, dataset, device)?;
    warm.train(&train, 1).await?;
    let first_step_ms = begin.elapsed().as_secs_f64() * 1000.0;
    let mut warm_up_steps = 1;
    // One step per call, so the warm-up ends at most one step late on a slow device.
    while begin.elapsed().as_secs_f64() * 1000.0 < warm_up_ms {
        warm.train(&train, 1).await?;
        warm_up_steps += 1;
    }
    drop(warm);
    let warmed_ms = begin.elapsed().as_secs_f64() * 1000.0;

    let mut trainer = seeded_trainer(workload, dataset, device)?;
    trainer.train(&train, 1).await?;
    let timed = Instant::now();
    let mut done = 0;
    while done < steps {
        let n = steps_per_read.max(1).min(steps - done);
        trainer.train(&train, n).await?;
        done += n;
    }
    // The last step's update may still be queued (lazy backends): wait for every weight.
    let total = trainer
        .params()
        .iter()
        .map(|p| p.clone().sum())
        .reduce(|a, b| a + b);
    if let Some(total) = total {
        download_scalar(total).await?;
    }
    let seconds = timed.elapsed().as_secs_f64().max(1e-9);
    let guard = &split.test[..GUARD_SAMPLES.min(split.test.len())];
    let guard_loss = trainer.evaluate(&Samples::new(dataset, guard)).await?.loss;
    Ok(BenchResult {
        workload,
        steps,
        first_step_ms,
        warm_up_steps,
        warm_up_ms: warmed_ms,
        samples_per_s: (steps * workload.batch_size()) as f64 / seconds,
        guard_loss,
    })
}

/// A trainer for `workload` at the seeded initial weights, as every run starts.
fn seeded_trainer(
    workload: Workload,
    dataset: &Dataset,
    device: &burn::tensor::Device,
) -> Result<Trainer, RunError> {
    let (rows, cols) = dataset.image_shape();
    let net = Network::new(&workload.model(), rows, cols, dataset.classes())?;
    let params = net.init(&mut Rng::stream(SEED, Stream::Init), device);
    let masks = Masks::dense(net.params());
    Ok(Trainer::new(
        net,
        params,
        masks,
        train_spec(workload),
        device,
        SEED,
    )?)
}

/// Everything another implementation needs to do exactly the work [`run`] does: the
/// initial parameters (Burn's layouts: dense `[inputs, outputs]`, convolution
/// `[out, in, k, k]`), the dataset indices of every batch in order, and the guard samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchPlan {
    /// The workload.
    pub workload: Workload,
    /// Learning rate of plain SGD.
    pub learning_rate: f64,
    /// Batch size.
    pub batch_size: usize,
    /// The parameters: name, shape and initial values.
    pub params: Vec<(String, Vec<usize>, Vec<f32>)>,
    /// Dataset indices of the samples of step 0, step 1, ... (`batch_size` each, except
    /// the last batch of an epoch, which has what is left).
    pub batches: Vec<Vec<usize>>,
    /// Dataset indices of the guard samples.
    pub guard: Vec<usize>,
    /// Milliseconds to warm up for before the timed run, with throwaway weights (as
    /// [`run`] does).
    pub warm_up_ms: f64,
}

/// The plan of a run of `workload` with `steps` timed steps (plus the first one).
pub fn plan(workload: Workload, steps: usize, dataset: &Dataset) -> Result<BenchPlan, RunError> {
    let (rows, cols) = dataset.image_shape();
    let net = Network::new(&workload.model(), rows, cols, dataset.classes())?;
    let values = net.init_values(&mut Rng::stream(SEED, Stream::Init));
    let spec = train_spec(workload);
    let split = dataset.split(1.0 / 6.0, SEED);
    // A trainer on the CPU visits the samples in the same order as [`run`]'s.
    let cpu = crate::device::cpu();
    let params = crate::tensor_io::upload_params(values.clone(), &cpu);
    let masks = Masks::dense(net.params());
    let mut trainer = Trainer::new(net.clone(), params, masks, spec, &cpu, SEED)?;
    let batches = (0..=steps)
        .map(|_| {
            let positions = trainer.next_positions(split.train.len());
            positions.into_iter().map(|p| split.train[p]).collect()
        })
        .collect();
    Ok(BenchPlan {
        workload,
        learning_rate: LEARNING_RATE,
        batch_size: spec.batch_size,
        params: net
            .params()
            .iter()
            .zip(values)
            .map(|(info, v)| (info.name.clone(), info.shape.clone(), v))
            .collect(),
        batches,
        guard: split.test[..GUARD_SAMPLES.min(split.test.len())].to_vec(),
        warm_up_ms: WARM_UP_MS,
    })
}

fn train_spec(workload: Workload) -> TrainSpec {
    TrainSpec {
        optimizer: OptimizerSpec::sgd(LEARNING_RATE),
        batch_size: workload.batch_size(),
        epochs: 1,
        oja: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollster::block_on;

    #[test]
    fn a_run_is_reproducible_and_its_loss_depends_on_the_work_done() {
        let data = Dataset::synthetic(600, 28, 10, 3);
        let device = crate::device::cpu();
        let a = block_on(run(Workload::Mlp64, 4, 2, 0.0, &data, &device)).expect("runs");
        let b = block_on(run(Workload::Mlp64, 4, 4, 0.0, &data, &device)).expect("runs");
        // Reading the loss more or less often changes nothing computed.
        assert!((a.guard_loss - b.guard_loss).abs() < 1e-6, "{a:?} {b:?}");
        assert!(a.samples_per_s > 0.0 && a.first_step_ms > 0.0);
        assert_eq!(
            a.warm_up_steps, 1,
            "no warm-up asked for: its first step only"
        );
        // A warm-up trains throwaway weights: the measured run's work is the same.
        let warm = block_on(run(Workload::Mlp64, 4, 2, 30.0, &data, &device)).expect("runs");
        assert!(
            warm.warm_up_steps > 1 && warm.warm_up_ms >= 30.0,
            "{warm:?}"
        );
        assert!(
            (a.guard_loss - warm.guard_loss).abs() < 1e-6,
            "{a:?} {warm:?}"
        );
        // Fewer steps, another loss: the guard notices skipped work.
        let c = block_on(run(Workload::Mlp64, 2, 2, 0.0, &data, &device)).expect("runs");
        assert!((a.guard_loss - c.guard_loss).abs() > 1e-4, "{a:?} {c:?}");
        // The plan names the batches run() trains on: the same indices, batch by batch.
        let plan = plan(Workload::Mlp64, 4, &data).expect("plans");
        assert_eq!(plan.batches.len(), 5);
        assert!(plan.batches.iter().all(|b| b.len() == 64));
        assert_eq!(plan.params.len(), 6);
        assert_eq!(plan.params[0].1, [784, 300]);
        assert_eq!(plan.guard.len(), 100);
        assert_eq!(plan.warm_up_ms, WARM_UP_MS);
        for w in Workload::ALL {
            assert_eq!(Workload::from_id(w.id()), Some(w));
            let json = serde_json::to_string(&w).expect("serialises");
            assert_eq!(json, format!("\"{}\"", w.id()), "file names match the CLI");
        }
    }
}
