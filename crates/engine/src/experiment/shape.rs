//! Whether a result read from outside (a run file, stored history) has the shape its config
//! gives it: as many noise levels, seeds, tasks and rounds as the config names, and no curve
//! longer than any run makes. A file that passes can be drawn without surprises; a file
//! that claims a 3000 x 3000 accuracy matrix for a 5-task config is refused before anything
//! grows with it.

use super::{ExperimentConfig, ExperimentKind, ExperimentResult, FitResult};
use crate::train::Confusion;

/// The most points one curve of a result may hold. A run records a point per evaluation or
/// per chunk of steps; the longest default run makes a few thousand.
pub const MAX_CURVE_POINTS: usize = 50_000;

/// The most entries of a list with no count in the config (layers, example predictions).
pub const MAX_LIST: usize = 1_000;
/// Most classes a confusion matrix may have (IDX labels are bytes).
pub const MAX_CLASSES: usize = 256;

/// How a result does not fit its config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// A list of the wrong length.
    #[error("{what} has {found} entries where {expected}")]
    Count {
        /// The part of the result, in words ("the accuracy matrix's row 3").
        what: String,
        /// The entries found.
        found: usize,
        /// What was expected, in words ("the config gives 5").
        expected: String,
    },
    /// A result of one experiment with the config of another.
    #[error("its result is of another experiment than its config")]
    OtherExperiment,
}

fn exactly(what: impl Into<String>, found: usize, expected: usize) -> Result<(), ShapeError> {
    if found == expected {
        Ok(())
    } else {
        Err(ShapeError::Count {
            what: what.into(),
            found,
            expected: format!("the config gives {expected}"),
        })
    }
}

fn at_most(what: impl Into<String>, found: usize, limit: usize) -> Result<(), ShapeError> {
    if found <= limit {
        Ok(())
    } else {
        Err(ShapeError::Count {
            what: what.into(),
            found,
            expected: format!("at most {limit} are possible"),
        })
    }
}

fn fit(what: &str, fit: &FitResult) -> Result<(), ShapeError> {
    at_most(
        format!("{what}'s accuracy curve"),
        fit.curve.len(),
        MAX_CURVE_POINTS,
    )?;
    at_most(
        format!("{what}'s loss curve"),
        fit.losses.len(),
        MAX_CURVE_POINTS,
    )?;
    at_most(
        format!("{what}'s test-loss curve"),
        fit.test_losses.len(),
        MAX_CURVE_POINTS,
    )
}

/// A confusion matrix: square, with at most [`MAX_CLASSES`] classes.
fn matrix(what: &str, confusion: &Confusion) -> Result<(), ShapeError> {
    let classes = confusion.classes();
    at_most(format!("{what}'s classes"), classes, MAX_CLASSES)?;
    for (i, row) in confusion.counts.iter().enumerate() {
        exactly(format!("{what}'s row {i}"), row.len(), classes)?;
    }
    Ok(())
}

impl ExperimentResult {
    /// Checks that this result has the shape `config` gives it (see the module doc). The
    /// config is assumed valid ([`ExperimentConfig::validate`]).
    pub fn check_fits(&self, config: &ExperimentConfig) -> Result<(), ShapeError> {
        match (&config.experiment, self) {
            (ExperimentKind::Train(spec), ExperimentResult::Train(r)) => {
                fit("the run", &r.fit)?;
                if let Some(confusion) = &r.confusion {
                    matrix("the confusion matrix", confusion)?;
                }
                at_most(
                    "the example predictions",
                    r.predictions.len(),
                    spec.predictions,
                )
            }
            (ExperimentKind::Imp(spec), ExperimentResult::Imp(r)) => {
                at_most("the rounds", r.rounds.len(), spec.rounds + 1)?;
                for (i, round) in r.rounds.iter().enumerate() {
                    at_most(
                        format!("round {i}'s series"),
                        round.series.len(),
                        1 + spec.controls.len(),
                    )?;
                    at_most(format!("round {i}'s layers"), round.layers.len(), MAX_LIST)?;
                    for s in &round.series {
                        fit(&format!("round {i}"), &s.fit)?;
                    }
                }
                Ok(())
            }
            (ExperimentKind::Noise(spec), ExperimentResult::Noise(r)) => {
                let levels = spec.levels.len();
                exactly("the noise levels", r.levels.len(), levels)?;
                exactly("the seeds", r.seeds.len(), spec.seeds)?;
                for (i, seed) in r.seeds.iter().enumerate() {
                    exactly(
                        format!("seed {i}'s dense curve"),
                        seed.dense.accuracy.len(),
                        levels,
                    )?;
                    exactly(
                        format!("seed {i}'s sparse curve"),
                        seed.sparse.accuracy.len(),
                        levels,
                    )?;
                }
                for (name, summary) in [("dense", &r.dense), ("sparse", &r.sparse)] {
                    exactly(format!("the {name} means"), summary.mean.len(), levels)?;
                    exactly(format!("the {name} deviations"), summary.sd.len(), levels)?;
                }
                Ok(())
            }
            (ExperimentKind::Continual(spec), ExperimentResult::Continual(r)) => {
                let tasks = spec.sequence.tasks();
                exactly("the task count", r.tasks, tasks)?;
                exactly("the accuracy matrix", r.accuracy.len(), tasks)?;
                for (i, row) in r.accuracy.iter().enumerate() {
                    exactly(
                        format!("the accuracy matrix's row {}", i + 1),
                        row.len(),
                        tasks,
                    )?;
                }
                if let Some(confusion) = &r.confusion {
                    exactly("the per-task confusion matrices", confusion.len(), tasks)?;
                    for (i, c) in confusion.iter().enumerate() {
                        matrix(&format!("task {}'s confusion matrix", i + 1), c)?;
                    }
                }
                at_most("the tasks' training", r.training.len(), tasks)?;
                for (i, f) in r.training.iter().enumerate() {
                    fit(&format!("task {}", i + 1), f)?;
                }
                Ok(())
            }
            (ExperimentKind::Plasticity(_), ExperimentResult::Plasticity(r)) => {
                for run in [&r.backprop, &r.oja] {
                    fit(&run.label, &run.fit)?;
                    at_most(
                        format!("{}'s weight norms", run.label),
                        run.row_norms.len(),
                        MAX_CURVE_POINTS,
                    )?;
                    for (_, norms) in &run.row_norms {
                        at_most(format!("{}'s layers", run.label), norms.len(), MAX_LIST)?;
                    }
                }
                Ok(())
            }
            _ => Err(ShapeError::OtherExperiment),
        }
    }
}
