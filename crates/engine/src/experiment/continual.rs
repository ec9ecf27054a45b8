//! Continual learning: tasks trained one after another with no replay, and how much of each
//! earlier task is forgotten (docs/science.md, "Continual learning").
//!
//! The method is the model and its masks: a dense network, fixed weight sparsity
//! (`weight_sparsity`), k-WTA (`model.kwta`), active dendrites (`model.dendrites`, whose
//! context is the task's prototype: the mean of its training inputs), or combinations.
//! After each task every task seen so far is evaluated: `R[i][j]` is the accuracy on task
//! `j` after training task `i`.

use serde::{Deserialize, Serialize};

use super::{ExperimentConfig, Fit, FitResult, Host, LivePlot, RunError, Tracker, eval_cost};
use crate::config::{ConfigError, check_count, check_range};
use crate::data::{Dataset, Normalization};
use crate::model::Network;
use crate::prune::{MaskScope, Masks};
use crate::rng::{Rng, Stream};
use crate::train::{Confusion, ContextSource, Samples, Trainer, mean_input};

/// How the tasks are made from one dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sequence {
    /// Task `t` applies a fixed random pixel permutation to every image (task 0: none);
    /// all ten classes in every task.
    Permuted {
        /// Number of tasks.
        tasks: usize,
    },
    /// Task `t` holds classes `2t` and `2t + 1` (5 tasks of 2 classes); one shared output
    /// layer for all classes (class-incremental, the hardest setting).
    Split,
}

impl Sequence {
    /// Number of tasks.
    pub fn tasks(self) -> usize {
        match self {
            Sequence::Permuted { tasks } => tasks,
            Sequence::Split => 5,
        }
    }
}

/// Where a dendritic network's context comes from at test time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextMode {
    /// The true task's prototype (Bain).
    #[default]
    TrueTask,
    /// The nearest prototype to each input among the tasks seen (Iyer et al.).
    Inferred,
}

/// A continual-learning run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinualSpec {
    /// The task sequence.
    pub sequence: Sequence,
    /// Fraction of hidden (and convolution) weights fixed at zero by a random mask.
    #[serde(default)]
    pub weight_sparsity: f64,
    /// The weight sparsity covers the convolution kernels too (the default); Bain's sparse
    /// CNN masks only its fully connected layers.
    #[serde(default = "crate::config::default_true")]
    pub sparse_conv: bool,
    /// Context at test time, for dendritic networks.
    #[serde(default)]
    pub context: ContextMode,
    /// The weight sparsity covers the output layer too (Numenta's `DendriticMLP`; the
    /// default from config version 2 on).
    #[serde(default = "crate::config::default_true")]
    pub sparse_output: bool,
    /// Recreate the optimiser (Adam's moments, momentum) at the start of every task, as
    /// Numenta's experiments do (`reset_optimizer_after_task`; the default from version 2
    /// on).
    #[serde(default = "crate::config::default_true")]
    pub reset_optimizer: bool,
}

impl ContinualSpec {
    /// Checks every field; `field` is this value's path in the config.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        if let Sequence::Permuted { tasks } = self.sequence {
            check_count(&format!("{field}.sequence.tasks"), tasks, 1, 100)?;
        }
        check_range(
            &format!("{field}.weight_sparsity"),
            self.weight_sparsity,
            0.0,
            0.99,
        )?;
        Ok(())
    }
}

/// The result of a continual-learning run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinualResult {
    /// Number of tasks.
    pub tasks: usize,
    /// `accuracy[i][j]`: accuracy on task `j` after training task `i` (`None` for tasks not
    /// yet seen).
    pub accuracy: Vec<Vec<Option<f64>>>,
    /// Mean accuracy over all tasks after the last one.
    pub average_accuracy: f64,
    /// Mean over earlier tasks of (best accuracy before the end - final accuracy).
    pub forgetting: f64,
    /// Mean over earlier tasks of (final accuracy - accuracy right after learning it).
    pub backward_transfer: f64,
    /// Training of each task.
    pub training: Vec<FitResult>,
    /// The final network's confusion matrix on each task's test samples (tested as the
    /// accuracy matrix's last row tests them), absent from runs saved before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confusion: Option<Vec<Confusion>>,
}

impl ContinualResult {
    /// The summary metrics of an accuracy matrix (rows: after task i; columns: task j).
    pub fn metrics(accuracy: &[Vec<Option<f64>>]) -> (f64, f64, f64) {
        let t = accuracy.len();
        if t == 0 {
            return (f64::NAN, f64::NAN, f64::NAN);
        }
        let last = &accuracy[t - 1];
        let finals: Vec<f64> = last.iter().flatten().copied().collect();
        let average = finals.iter().sum::<f64>() / finals.len().max(1) as f64;
        if t < 2 {
            return (average, 0.0, 0.0);
        }
        let mut forgetting = 0.0;
        let mut transfer = 0.0;
        for j in 0..t - 1 {
            let final_j = last[j].unwrap_or(0.0);
            let best = (j..t - 1)
                .filter_map(|i| accuracy[i][j])
                .fold(f64::NEG_INFINITY, f64::max);
            forgetting += best - final_j;
            transfer += final_j - accuracy[j][j].unwrap_or(0.0);
        }
        let n = (t - 1) as f64;
        (average, forgetting / n, transfer / n)
    }
}

struct Task {
    train: Vec<usize>,
    test: Vec<usize>,
    permutation: Option<Vec<usize>>,
    prototype: Vec<f32>,
}

fn tasks(
    spec: &ContinualSpec,
    dataset: &Dataset,
    train: &[usize],
    test: &[usize],
    norm: Option<Normalization>,
    seed: u64,
) -> Vec<Task> {
    let features = dataset.features();
    let mut out = Vec::new();
    for t in 0..spec.sequence.tasks() {
        let (train_t, test_t, permutation) = match spec.sequence {
            Sequence::Permuted { .. } => {
                let permutation = (t > 0).then(|| {
                    let mut p: Vec<usize> = (0..features).collect();
                    Rng::stream(seed, Stream::Permutation { task: t }).shuffle(&mut p);
                    p
                });
                (train.to_vec(), test.to_vec(), permutation)
            }
            Sequence::Split => {
                let classes = [2 * t as u8, 2 * t as u8 + 1];
                let pick = |idx: &[usize]| -> Vec<usize> {
                    idx.iter()
                        .copied()
                        .filter(|&i| classes.contains(&dataset.label(i)))
                        .collect()
                };
                (pick(train), pick(test), None)
            }
        };
        let prototype = mean_input(&Samples {
            permutation: permutation.as_deref(),
            ..Samples::new(dataset, &train_t).normalized(norm)
        });
        out.push(Task {
            train: train_t,
            test: test_t,
            permutation,
            prototype,
        });
    }
    out
}

/// Runs the task sequence as `config` and `spec` say.
pub async fn run<H: Host>(
    config: &ExperimentConfig,
    spec: &ContinualSpec,
    dataset: &Dataset,
    device: &burn::tensor::Device,
    host: &mut H,
) -> Result<ContinualResult, RunError> {
    let split = config.data.split(dataset, config.seed);
    let (rows, cols) = dataset.image_shape();
    let net = Network::new(&config.model, rows, cols, dataset.classes())?;
    if let Some(size) = net.context_size()
        && size != dataset.features()
    {
        return Err(ConfigError::invalid(
            "model.dendrites.context",
            format!(
                "the context is a task prototype of {} values here, so this must be {}",
                dataset.features(),
                dataset.features()
            ),
        )
        .into());
    }
    let norm = config.data.normalization(dataset, &split);
    let tasks = tasks(spec, dataset, &split.train, &split.test, norm, config.seed);
    let steps: Vec<u64> = tasks
        .iter()
        .map(|t| (config.train.epochs * config.train.steps_per_epoch(t.train.len())) as u64)
        .collect();
    let per_eval: Vec<u64> = tasks
        .iter()
        .map(|t| eval_cost(t.test.len(), config.train.batch_size))
        .collect();
    let n = tasks.len();
    let has_context = net.context_size().is_some();
    // The evaluation that ends each task's training is R[i][i] whenever the matrix would
    // test task i the same way (same samples, same context): then it is not run twice.
    let reuse_last = spec.context == ContextMode::TrueTask || !has_context;
    let tested = |i: usize| if reuse_last { i } else { i + 1 };
    let matrix_work = |i: usize| -> u64 { per_eval[..tested(i)].iter().sum() };
    let eval_work: u64 = (0..n).map(matrix_work).sum();
    // The final network's confusion matrix on each task is counted in the passes that test
    // it anyway: the matrix's last row, and the last task's own final evaluation where
    // that row reuses it.
    let total = steps.iter().sum::<u64>() + per_eval.iter().sum::<u64>() + eval_work;
    let mut tracker = Tracker::new(host, total);

    let masks = if spec.weight_sparsity > 0.0 {
        Masks::random_with(
            net.params(),
            spec.weight_sparsity,
            MaskScope {
                conv: spec.sparse_conv,
                output: spec.sparse_output,
            },
            &mut Rng::stream(config.seed, Stream::Masks),
        )
    } else {
        Masks::dense(net.params())
    };
    let params = net.init_masked(&mut Rng::stream(config.seed, Stream::Init), &masks, device);
    let mut trainer = Trainer::new(
        net.clone(),
        params,
        masks,
        config.train,
        device,
        config.seed,
    )?;
    let contexts: Vec<ContextSource> = tasks
        .iter()
        .map(|t| ContextSource::Fixed(t.prototype.clone()))
        .collect();
    let mut accuracy = vec![vec![None; n]; n];
    let mut confusion: Vec<Option<Confusion>> = vec![None; n];
    let mut training = Vec::new();
    let mut offset = 0;
    for (i, task) in tasks.iter().enumerate() {
        tracker.phase(format!("task {} of {n}: training", i + 1));
        if spec.reset_optimizer {
            trainer.reset_optimizer();
        }
        tracker.focus(format!("task {}", i + 1), offset);
        offset += steps[i];
        let train = Samples {
            permutation: task.permutation.as_deref(),
            context: has_context.then_some(&contexts[i]),
            ..Samples::new(dataset, &task.train).normalized(norm)
        };
        let test = Samples {
            indices: &task.test,
            ..train
        };
        // Evaluate once, at the end of the task.
        let plan = Fit {
            train,
            test,
            eval_every: steps[i],
            chunk: config.steps_per_call,
        };
        let last = i + 1 == n;
        let result = if last && reuse_last {
            let (result, matrix) = plan
                .run_with_confusion(&mut trainer, steps[i], &mut tracker)
                .await?;
            confusion[i] = matrix;
            result
        } else {
            plan.run(&mut trainer, steps[i], &mut tracker).await?
        };
        if reuse_last {
            accuracy[i][i] = Some(result.final_accuracy);
        }
        training.push(result);
        tracker.phase(format!(
            "task {} of {n}: testing tasks 1 to {}",
            i + 1,
            i + 1
        ));
        let inferred = ContextSource::NearestPrototype(
            tasks[..=i].iter().map(|t| t.prototype.clone()).collect(),
        );
        for (j, seen) in tasks[..tested(i)].iter().enumerate() {
            let context = test_context(spec.context, &contexts[j], &inferred);
            let samples = test_samples(dataset, seen, has_context.then_some(context), norm);
            let evaluation = if last {
                let (evaluation, matrix) = trainer.evaluate_with_confusion(&samples).await?;
                confusion[j] = Some(matrix);
                evaluation
            } else {
                trainer.evaluate(&samples).await?
            };
            accuracy[i][j] = Some(evaluation.accuracy());
        }
        for (j, acc) in accuracy[i].iter().enumerate() {
            if let Some(acc) = acc {
                tracker.point(
                    LivePlot::TaskAccuracy,
                    format!("task {}", j + 1),
                    (i + 1) as f64,
                    *acc,
                );
            }
        }
        tracker.advance(matrix_work(i), None).await?;
    }
    // A task whose final test was not run (a task of no training steps, where the last
    // row reuses that test) is tested now, as the last row tests it.
    let mut matrices = Vec::with_capacity(n);
    for (j, (task, matrix)) in tasks.iter().zip(confusion).enumerate() {
        let matrix = match matrix {
            Some(matrix) => matrix,
            None => {
                let inferred = ContextSource::NearestPrototype(
                    tasks.iter().map(|t| t.prototype.clone()).collect(),
                );
                let context = test_context(spec.context, &contexts[j], &inferred);
                let samples = test_samples(dataset, task, has_context.then_some(context), norm);
                trainer.confusion(&samples).await?
            }
        };
        matrices.push(matrix);
    }
    let (average_accuracy, forgetting, backward_transfer) = ContinualResult::metrics(&accuracy);
    Ok(ContinualResult {
        tasks: n,
        accuracy,
        average_accuracy,
        forgetting,
        backward_transfer,
        training,
        confusion: Some(matrices),
    })
}

/// The context task `j` is tested with: its own (`contexts_j`), or the one inferred from
/// the prototypes of the tasks seen.
fn test_context<'a>(
    mode: ContextMode,
    contexts_j: &'a ContextSource,
    inferred: &'a ContextSource,
) -> &'a ContextSource {
    match mode {
        ContextMode::TrueTask => contexts_j,
        ContextMode::Inferred => inferred,
    }
}

/// `task`'s test samples, with `context` when the network takes one.
fn test_samples<'a>(
    dataset: &'a Dataset,
    task: &'a Task,
    context: Option<&'a ContextSource>,
    norm: Option<Normalization>,
) -> Samples<'a> {
    Samples {
        permutation: task.permutation.as_deref(),
        context,
        ..Samples::new(dataset, &task.test).normalized(norm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_the_definitions() {
        // After task 0: 0.9; after task 1: task 0 at 0.6, task 1 at 0.95;
        // after task 2: 0.5, 0.8, 0.9.
        let r = vec![
            vec![Some(0.9), None, None],
            vec![Some(0.6), Some(0.95), None],
            vec![Some(0.5), Some(0.8), Some(0.9)],
        ];
        let (avg, forgetting, bwt) = ContinualResult::metrics(&r);
        assert!((avg - (0.5 + 0.8 + 0.9) / 3.0).abs() < 1e-12);
        // F_0 = 0.9 - 0.5, F_1 = 0.95 - 0.8
        assert!((forgetting - (0.4 + 0.15) / 2.0).abs() < 1e-12);
        assert!((bwt - (-0.4 - 0.15) / 2.0).abs() < 1e-12);
    }
}
