//! `bioplay`: the native command-line runner over the experiment engine.
//!
//! The same engine code and the same JSON configs as the web app, run outside the browser
//! so results can be reproduced and compared: `bioplay run <config.json>` writes the result
//! as JSON and CSV; `bioplay reference --quick` measures the papers' claims and prints one
//! table; `bioplay preset <name>` prints a ready-made config to start from; `bioplay bench`
//! times training throughput; `bioplay probe` checks a device.

/// Prints to stdout; a closed pipe (`bioplay ... | head`) ends output quietly instead of
/// panicking, as ripgrep does.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut text = format!($($arg)*);
        text.push('\n');
        if let Err(e) = std::io::stdout().write_all(text.as_bytes()) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod bench;
mod output;
mod progress;
mod reference;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bioplay_engine::bench::Workload;
use bioplay_engine::data::{Dataset, DatasetError, Shipped, shipped};
use bioplay_engine::device::{self, BackendKind};
use bioplay_engine::experiment::model_file::{ModelFileError, SavedModel};
use bioplay_engine::experiment::presets::{self, CnnMethod, ContinualMethod, OjaSetting};
use bioplay_engine::experiment::{self, ConfigLoadError, ExperimentConfig, ExperimentResult};
use bioplay_engine::probe;
use clap::{Parser, Subcommand, ValueEnum};

/// Runs bioplay experiments natively.
#[derive(Debug, Parser)]
#[command(name = "bioplay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs an experiment config (JSON) and writes its result as JSON and CSV.
    Run {
        /// The config file (see `bioplay preset` for examples).
        config: PathBuf,
        /// Directory for the results.
        #[arg(long, default_value = "results")]
        out: PathBuf,
        /// Directory with the shipped datasets.
        #[arg(long, default_value_os_t = shipped::repo_data_dir())]
        data_dir: PathBuf,
        /// IDX images file (gzipped or not), for `"dataset": "custom"`.
        #[arg(long, requires = "labels")]
        images: Option<PathBuf>,
        /// IDX labels file (gzipped or not), for `"dataset": "custom"`.
        #[arg(long, requires = "images")]
        labels: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Runs the reference suite and prints each claim, our number, the paper's and whether
    /// it held.
    Reference {
        /// Shorter training (the suite then takes minutes on a laptop CPU).
        #[arg(long)]
        quick: bool,
        /// Directory for every experiment's results and the table (`reference.md`).
        #[arg(long, default_value = "results/reference")]
        out: PathBuf,
        /// Directory with the shipped datasets.
        #[arg(long, default_value_os_t = shipped::repo_data_dir())]
        data_dir: PathBuf,
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
    },
    /// Prints a ready-made config as JSON.
    Preset {
        /// Which one.
        name: PresetName,
        /// The quick variant the reference suite uses.
        #[arg(long)]
        quick: bool,
    },
    /// Times training throughput on the benchmark workloads (plain SGD from seeded weights)
    /// and prints samples per second, time to the first step and the guard loss.
    Bench {
        /// Workloads to run (default: all): mlp-1, mlp-64, mlp-256, cnn-64.
        #[arg(long = "workload", value_parser = parse_workload)]
        workloads: Vec<Workload>,
        /// Timed steps per workload (default: each workload's own).
        #[arg(long)]
        steps: Option<usize>,
        /// Steps between loss read-backs (as the app's chunks).
        #[arg(long, default_value_t = 10)]
        steps_per_read: usize,
        /// Milliseconds of warm-up before each workload's timed steps, with throwaway
        /// weights (the browser's bench takes the same).
        #[arg(long, default_value_t = bioplay_engine::bench::WARM_UP_MS as u64)]
        warm_up_ms: u64,
        /// Also write the results as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also write each workload's plan (initial weights, batch order, guard samples) to
        /// `<dir>/plan-<workload>.json`, for other implementations (`make bench`'s TF.js).
        #[arg(long)]
        export: Option<PathBuf>,
        /// Directory with the shipped datasets.
        #[arg(long, default_value_os_t = shipped::repo_data_dir())]
        data_dir: PathBuf,
        /// Backend: `cpu`, or `webgpu` (the GPU, in a runner built with `--features gpu`).
        #[arg(long, default_value = "cpu")]
        backend: BackendKind,
    },
    /// Tests a trained network saved from the page (`.safetensors`, the Train panel's
    /// "Download the network") on the test split its config names, and prints the test
    /// accuracy.
    Eval {
        /// The model file.
        model: PathBuf,
        /// Directory with the shipped datasets.
        #[arg(long, default_value_os_t = shipped::repo_data_dir())]
        data_dir: PathBuf,
        /// IDX images file, for a network trained on `"dataset": "custom"`.
        #[arg(long, requires = "labels")]
        images: Option<PathBuf>,
        /// IDX labels file, for a network trained on `"dataset": "custom"`.
        #[arg(long, requires = "images")]
        labels: Option<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Checks a compute backend with a small autodiff computation against its exact answer.
    Probe {
        /// Backend to check: `cpu` (Burn's flex backend), or `webgpu` (the GPU, in a runner
        /// built with `--features gpu`).
        #[arg(long, default_value = "cpu")]
        backend: BackendKind,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn parse_workload(id: &str) -> Result<Workload, String> {
    Workload::from_id(id).ok_or_else(|| {
        let known: Vec<&str> = Workload::ALL.iter().map(|w| w.id()).collect();
        format!("unknown workload {id:?}; one of: {}", known.join(", "))
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PresetName {
    Imp,
    Noise,
    NoiseImpulse,
    ContinualDense,
    ContinualKwta,
    ContinualKwtaSparse,
    ContinualDendrites,
    ContinualDenseTuned,
    ContinualKwtaSparseTuned,
    ContinualCnn,
    ContinualSparseCnn,
    ContinualDendriticCnn,
    OjaOnline,
    OjaDeep,
    OjaBadInit,
}

impl PresetName {
    fn config(self, quick: bool) -> ExperimentConfig {
        match self {
            PresetName::Imp => presets::imp_lenet(quick),
            PresetName::Noise => presets::noise_lenet(quick),
            PresetName::NoiseImpulse => presets::noise_impulse(quick),
            PresetName::ContinualDense => {
                presets::continual_permuted(ContinualMethod::Dense, 5, quick)
            }
            PresetName::ContinualKwta => {
                presets::continual_permuted(ContinualMethod::Kwta, 5, quick)
            }
            PresetName::ContinualKwtaSparse => {
                presets::continual_permuted(ContinualMethod::KwtaSparse, 5, quick)
            }
            PresetName::ContinualDendrites => {
                presets::continual_permuted(ContinualMethod::DendritesKwtaSparse, 5, quick)
            }
            PresetName::ContinualDenseTuned => {
                presets::continual_tuned(ContinualMethod::Dense, 5, quick)
            }
            PresetName::ContinualKwtaSparseTuned => {
                presets::continual_tuned(ContinualMethod::KwtaSparse, 5, quick)
            }
            PresetName::ContinualCnn => presets::continual_split_cnn(CnnMethod::Cnn, quick),
            PresetName::ContinualSparseCnn => {
                presets::continual_split_cnn(CnnMethod::SparseCnn, quick)
            }
            PresetName::ContinualDendriticCnn => {
                presets::continual_split_cnn(CnnMethod::DendriticCnn, quick)
            }
            PresetName::OjaOnline => presets::plasticity(OjaSetting::Online, quick),
            PresetName::OjaDeep => presets::plasticity(OjaSetting::Deep, quick),
            PresetName::OjaBadInit => presets::plasticity(OjaSetting::BadInit, quick),
        }
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunnerError {
    #[error(
        "backend {0} is not in this build of the runner: build it with `--features gpu` \
         (cargo run --release -p bioplay-runner --features gpu -- ...), or use cpu"
    )]
    #[cfg(not(feature = "gpu"))]
    Unsupported(BackendKind),
    #[error(transparent)]
    Gpu(#[from] device::GpuInitError),
    #[error(transparent)]
    Probe(#[from] probe::ProbeError),
    #[error("could not write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the probe is off by {0:.1e}, more than the allowed {1:.0e}")]
    Mismatch(f64, f64),
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path}: {source}")]
    Config {
        path: String,
        source: ConfigLoadError,
    },
    #[error("dataset: {0}")]
    Dataset(#[from] DatasetError),
    #[error(
        "the config's dataset is \"custom\": give the IDX files with --images FILE --labels FILE"
    )]
    NeedsFiles,
    #[error("experiment failed: {0}")]
    Experiment(#[from] experiment::RunError),
    #[error(transparent)]
    Output(#[from] output::OutputError),
    #[error("{path}: {source}")]
    Model {
        path: String,
        source: ModelFileError,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, RunnerError> {
    std::fs::read(path).map_err(|e| RunnerError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Loads the dataset `config` names.
fn dataset(
    config: &ExperimentConfig,
    data_dir: &Path,
    files: Option<(&Path, &Path)>,
) -> Result<Dataset, RunnerError> {
    if let Some((images, labels)) = files {
        let name = images
            .file_name()
            .map_or("custom".into(), |n| n.to_string_lossy().into_owned());
        return Ok(Dataset::from_idx(name, &read(images)?, &read(labels)?, 10)?);
    }
    match config.data.dataset.shipped() {
        Some(shipped) => Ok(shipped.load(data_dir)?),
        None => Err(RunnerError::NeedsFiles),
    }
}

/// Runs `config` on the CPU and saves its result as `<out>/<stem>.{json,csv}`.
pub(crate) fn execute(
    config: &ExperimentConfig,
    data_dir: &Path,
    files: Option<(&Path, &Path)>,
    out: &Path,
    stem: &str,
    quiet: bool,
) -> Result<ExperimentResult, RunnerError> {
    let data = dataset(config, data_dir, files)?;
    let device = device::cpu();
    let mut host = progress::BarHost::new(stem, quiet);
    let result = pollster::block_on(experiment::run(config, &data, &device, &mut host));
    host.finish();
    let result = result?;
    output::save(out, stem, config, &result)?;
    if let ExperimentResult::Imp(imp) = &result {
        for picture in experiment::imp::first_layer_images(&config.model, &data, imp) {
            let path = out.join(format!("{stem}-{}.png", picture.slug));
            output::save_png(&path, &picture.image)?;
        }
    }
    Ok(result)
}

fn summary(result: &ExperimentResult) -> String {
    match result {
        ExperimentResult::Train(r) => format!(
            "final test accuracy {:.2}% (best {:.2}% at step {}), final training loss {:.4}",
            100.0 * r.fit.final_accuracy,
            100.0 * r.fit.best_accuracy,
            r.fit.best_step,
            r.fit.final_loss
        ),
        ExperimentResult::Imp(r) => r
            .rounds
            .iter()
            .map(|round| {
                let series: Vec<String> = round
                    .series
                    .iter()
                    .map(|s| format!("{} {:.2}%", s.series, 100.0 * s.fit.final_accuracy))
                    .collect();
                format!(
                    "round {:>2}: {:>6.2}% weights left, {}",
                    round.round,
                    100.0 * round.remaining,
                    series.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        ExperimentResult::Noise(r) => r.verdict.clone(),
        ExperimentResult::Continual(r) => format!(
            "average accuracy {:.2}%, forgetting {:.2}%, backward transfer {:+.2}%",
            100.0 * r.average_accuracy,
            100.0 * r.forgetting,
            100.0 * r.backward_transfer
        ),
        ExperimentResult::Plasticity(r) => format!(
            "BP {:.2}%, BP+Oja {:.2}% final test accuracy",
            100.0 * r.backprop.fit.final_accuracy,
            100.0 * r.oja.fit.final_accuracy
        ),
    }
}

fn run(cli: Cli) -> Result<(), RunnerError> {
    match cli.command {
        Command::Run {
            config,
            out,
            data_dir,
            images,
            labels,
            quiet,
        } => {
            let text = std::fs::read_to_string(&config).map_err(|e| RunnerError::Read {
                path: config.display().to_string(),
                message: e.to_string(),
            })?;
            let parsed =
                ExperimentConfig::from_json(&text).map_err(|source| RunnerError::Config {
                    path: config.display().to_string(),
                    source,
                })?;
            let stem = config
                .file_stem()
                .map_or("result".into(), |s| s.to_string_lossy().into_owned());
            let files = images.as_deref().zip(labels.as_deref());
            let result = execute(&parsed, &data_dir, files, &out, &stem, quiet)?;
            say!("{}", summary(&result));
            say!(
                "wrote {} and {}",
                out.join(format!("{stem}.json")).display(),
                out.join(format!("{stem}.csv")).display()
            );
            Ok(())
        }
        Command::Reference {
            quick,
            out,
            data_dir,
            quiet,
        } => {
            let claims = reference::run_suite(quick, &data_dir, &out, quiet)?;
            let table = reference::table(&claims);
            say!("{}", table.trim_end());
            output::write(&out.join("reference.md"), table.as_bytes())?;
            Ok(())
        }
        Command::Preset { name, quick } => {
            say!("{}", name.config(quick).to_json());
            Ok(())
        }
        Command::Bench {
            workloads,
            steps,
            steps_per_read,
            warm_up_ms,
            json,
            export,
            data_dir,
            backend,
        } => {
            let device = start_device(backend)?;
            let workloads = if workloads.is_empty() {
                Workload::ALL.to_vec()
            } else {
                workloads
            };
            let data = Shipped::Mnist.load(&data_dir)?;
            let results = bench::run_all(
                &workloads,
                steps,
                steps_per_read,
                warm_up_ms as f64,
                &data,
                &device,
            )?;
            say!("{}", bench::table(backend, &results).trim_end());
            if let Some(path) = json {
                output::write(&path, serde_json::to_string_pretty(&results)?.as_bytes())?;
            }
            if let Some(dir) = export {
                bench::export(&dir, &workloads, steps, &data)?;
            }
            Ok(())
        }
        Command::Eval {
            model,
            data_dir,
            images,
            labels,
            json,
        } => {
            let saved =
                SavedModel::from_bytes(&read(&model)?).map_err(|source| RunnerError::Model {
                    path: model.display().to_string(),
                    source,
                })?;
            let files = images.as_deref().zip(labels.as_deref());
            let data = dataset(&saved.config, &data_dir, files)?;
            let evaluation = pollster::block_on(saved.evaluate(&data, &device::cpu()))?;
            if json {
                let report = serde_json::json!({
                    "accuracy": evaluation.accuracy(),
                    "correct": evaluation.correct,
                    "total": evaluation.total,
                    "loss": evaluation.loss,
                    "saved_accuracy": saved.test_accuracy,
                });
                say!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                say!(
                    "test accuracy {:.6} ({} of {} test samples), mean loss {:.6}{}",
                    evaluation.accuracy(),
                    evaluation.correct,
                    evaluation.total,
                    evaluation.loss,
                    saved
                        .test_accuracy
                        .map(|a| format!("; saved with {a:.6}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Probe { backend, json } => {
            let device = start_device(backend)?.autodiff();
            let report = pollster::block_on(probe::run(&device))?;
            let error = report.max_abs_diff(&probe::expected());
            if json {
                say!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                say!(
                    "{backend}: loss {:.6}, gradient sum {:.6}, max error vs exact {error:.1e}, {:.1} ms",
                    report.loss,
                    report.grad_sum(),
                    report.elapsed_ms
                );
            }
            if error > probe::AGREEMENT_TOLERANCE {
                return Err(RunnerError::Mismatch(error, probe::AGREEMENT_TOLERANCE));
            }
            Ok(())
        }
    }
}

/// Starts the device of `backend`: the CPU always, the GPU in a `--features gpu` build.
fn start_device(backend: BackendKind) -> Result<bioplay_engine::Device, RunnerError> {
    match backend {
        BackendKind::Cpu => Ok(device::cpu()),
        #[cfg(feature = "gpu")]
        BackendKind::WebGpu => Ok(pollster::block_on(device::init_webgpu())?),
        #[cfg(not(feature = "gpu"))]
        BackendKind::WebGpu => Err(RunnerError::Unsupported(backend)),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
