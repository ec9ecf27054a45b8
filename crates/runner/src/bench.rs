//! `bioplay bench`: the engine's benchmark workloads on a native backend (the CPU, or the GPU
//! in a `--features gpu` build), as a table
//! (and JSON for the `make bench` driver, which puts them beside the browser's figures).

use bioplay_engine::bench::{self, BenchResult, Workload};
use bioplay_engine::data::Dataset;
use bioplay_engine::device::BackendKind;

use crate::RunnerError;

/// Runs each workload once on `device`.
pub(crate) fn run_all(
    workloads: &[Workload],
    steps: Option<usize>,
    steps_per_read: usize,
    warm_up_ms: f64,
    data: &Dataset,
    device: &bioplay_engine::Device,
) -> Result<Vec<BenchResult>, RunnerError> {
    workloads
        .iter()
        .map(|&w| {
            let steps = steps.unwrap_or_else(|| w.default_steps());
            let result = pollster::block_on(bench::run(
                w,
                steps,
                steps_per_read,
                warm_up_ms,
                data,
                device,
            ))?;
            Ok(result)
        })
        .collect()
}

/// Writes `<dir>/plan-<workload>.json` for each workload.
pub(crate) fn export(
    dir: &std::path::Path,
    workloads: &[Workload],
    steps: Option<usize>,
    data: &Dataset,
) -> Result<(), RunnerError> {
    std::fs::create_dir_all(dir).map_err(|e| crate::output::OutputError::Write {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    for &w in workloads {
        let plan = bench::plan(w, steps.unwrap_or_else(|| w.default_steps()), data)?;
        let path = dir.join(format!("plan-{}.json", w.id()));
        crate::output::write(&path, serde_json::to_string(&plan)?.as_bytes())?;
    }
    Ok(())
}

/// The results as a Markdown table.
pub(crate) fn table(backend: BackendKind, results: &[BenchResult]) -> String {
    let mut out = String::from(
        "| workload | backend | steps | first step | samples/s | guard loss |\n\
         |---|---|---|---|---|---|\n",
    );
    for r in results {
        out.push_str(&format!(
            "| {} | native {} | {} | {:.0} ms | {:.0} | {:.4} |\n",
            r.workload.label(),
            backend.label(),
            r.steps,
            r.first_step_ms,
            r.samples_per_s,
            r.guard_loss
        ));
    }
    out
}
