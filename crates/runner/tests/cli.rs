//! The runner as a user calls it: exit codes and messages.

use std::process::Command;

fn bioplay(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bioplay"))
        .args(args)
        .output()
        .expect("the runner starts")
}

#[test]
fn probe_on_the_cpu_passes_and_reports_its_error() {
    let out = bioplay(&["probe", "--backend", "cpu"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("max error vs exact"), "{stdout}");
}

#[test]
fn probe_json_is_valid_json_with_gradients() {
    let out = bioplay(&["probe", "--json"]);
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["grad_w"].as_array().map(Vec::len), Some(64));
}

#[test]
fn an_unknown_backend_is_a_clear_error_not_a_panic() {
    let out = bioplay(&["probe", "--backend", "tpu"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("expected \"webgpu\" or \"cpu\""),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[cfg(not(feature = "gpu"))]
#[test]
fn the_gpu_backend_in_a_cpu_only_build_says_how_to_get_it() {
    for command in ["probe", "bench"] {
        let out = bioplay(&[command, "--backend", "webgpu"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        assert!(stderr.contains("--features gpu"), "{command}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bioplay-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A small custom dataset as IDX files, and an IMP config that uses it.
fn tiny_setup(dir: &std::path::Path) -> (String, String, String) {
    use bioplay_engine::data::{Dataset, idx};
    let data = Dataset::synthetic(120, 8, 10, 1);
    let pixels: Vec<u8> = (0..data.len())
        .flat_map(|i| data.image(i).to_vec())
        .collect();
    let labels: Vec<u8> = (0..data.len()).map(|i| data.label(i)).collect();
    let images_path = dir.join("images.idx");
    let labels_path = dir.join("labels.idx");
    std::fs::write(&images_path, idx::encode_u8(&[120, 8, 8], &pixels)).expect("write");
    std::fs::write(&labels_path, idx::encode_u8(&[120], &labels)).expect("write");
    let mut config = bioplay_engine::experiment::presets::imp_lenet(true);
    config.data.dataset = bioplay_engine::experiment::DatasetChoice::Custom;
    config.model =
        bioplay_engine::model::ModelSpec::Mlp(bioplay_engine::model::MlpSpec::new(vec![16]));
    config.train.epochs = 1;
    if let bioplay_engine::experiment::ExperimentKind::Imp(spec) = &mut config.experiment {
        spec.rounds = 2;
        spec.target_remaining = None;
    }
    let config_path = dir.join("tiny.json");
    std::fs::write(&config_path, config.to_json()).expect("write");
    (
        config_path.display().to_string(),
        images_path.display().to_string(),
        labels_path.display().to_string(),
    )
}

#[test]
fn run_writes_json_and_csv_results() {
    let dir = scratch("run");
    let (config, images, labels) = tiny_setup(&dir);
    let out_dir = dir.join("out");
    let out = bioplay(&[
        "run",
        &config,
        "--images",
        &images,
        "--labels",
        &labels,
        "--quiet",
        "--out",
        &out_dir.display().to_string(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("round  2"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("tiny.json")).expect("json written"))
            .expect("valid JSON");
    assert_eq!(json["result"]["rounds"].as_array().map(Vec::len), Some(3));
    let csv = std::fs::read_to_string(out_dir.join("tiny.csv")).expect("csv written");
    assert!(csv.starts_with("series,x,metric,value\n"), "{csv}");
    assert!(csv.lines().count() > 10);
    let png = std::fs::read(out_dir.join("tiny-fc1-mask.png")).expect("mask image written");
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn bad_configs_and_files_are_clear_errors_not_panics() {
    let dir = scratch("bad");
    let (config, images, labels) = tiny_setup(&dir);
    let text = std::fs::read_to_string(&config).expect("read");
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        (
            "train.batch_size: must be between 1 and 4096, got 0",
            text.replacen("\"batch_size\": 60", "\"batch_size\": 0", 1),
            vec![
                "--images".into(),
                images.clone(),
                "--labels".into(),
                labels.clone(),
            ],
        ),
        ("not a valid experiment config", "{ not json".into(), vec![]),
        ("give the IDX files with --images", text.clone(), vec![]),
        (
            "labels file",
            text.clone(),
            vec![
                "--images".into(),
                images.clone(),
                "--labels".into(),
                images.clone(),
            ],
        ),
    ];
    for (i, (want, body, extra)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("case{i}.json"));
        std::fs::write(&path, body).expect("write");
        let mut args = vec![
            "run".to_string(),
            path.display().to_string(),
            "--quiet".into(),
        ];
        args.extend(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = bioplay(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "case {i}: {stderr}");
        assert!(stderr.contains(want), "case {i}: {stderr}");
        assert!(!stderr.contains("panicked"), "case {i}: {stderr}");
    }
    let out = bioplay(&["run", "/nonexistent/config.json"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/config.json"));
}

#[test]
fn presets_print_valid_configs() {
    for name in ["imp", "noise", "continual-dendrites", "oja-online"] {
        let out = bioplay(&["preset", name, "--quick"]);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        bioplay_engine::experiment::ExperimentConfig::from_json(&text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn bench_prints_a_table_and_writes_json() {
    let dir = scratch("bench");
    let json = dir.join("bench.json");
    let json_arg = json.to_string_lossy().into_owned();
    let out = bioplay(&[
        "bench",
        "--workload",
        "mlp-64",
        "--steps",
        "3",
        "--warm-up-ms",
        "50",
        "--json",
        &json_arg,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("| LeNet-300-100, batch 64 | native CPU | 3 |"),
        "{stdout}"
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("valid");
    assert_eq!(results[0]["workload"], "mlp-64");
    assert!(
        results[0]["warm_up_ms"]
            .as_f64()
            .is_some_and(|ms| ms >= 50.0),
        "{results}"
    );
    assert!(
        results[0]["samples_per_s"]
            .as_f64()
            .is_some_and(|v| v > 0.0)
    );
    let out = bioplay(&["bench", "--workload", "gpt-5"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("one of: mlp-1, mlp-64, mlp-256, cnn-64"),
        "{stderr}"
    );
}

/// Keeps the trained network, as the page's worker does.
struct Keeper(Option<bioplay_engine::experiment::model_file::SavedModel>);
impl bioplay_engine::experiment::Host for Keeper {
    fn report(
        &mut self,
        _: &bioplay_engine::experiment::Progress,
    ) -> bioplay_engine::experiment::Flow {
        bioplay_engine::experiment::Flow::Continue
    }
    async fn pause(&mut self) {}
    fn wants_model(&self) -> bool {
        true
    }
    fn trained(&mut self, model: bioplay_engine::experiment::model_file::SavedModel) {
        self.0 = Some(model);
    }
}

#[test]
fn eval_tests_a_saved_network_like_the_run_that_saved_it_and_refuses_a_damaged_file() {
    use bioplay_engine::experiment::{ExperimentKind, ExperimentResult, training::TrainingSpec};
    let mut config = bioplay_engine::experiment::presets::imp_lenet(true);
    config.experiment = ExperimentKind::Train(TrainingSpec::default());
    config.data.train_samples = 300;
    config.train.epochs = 1;
    let data = bioplay_engine::data::Shipped::Mnist
        .load(&bioplay_engine::data::shipped::repo_data_dir())
        .expect("MNIST is in the repository");
    let mut host = Keeper(None);
    let result = pollster::block_on(bioplay_engine::experiment::run(
        &config,
        &data,
        &bioplay_engine::device::cpu(),
        &mut host,
    ))
    .expect("trains");
    let ExperimentResult::Train(result) = result else {
        panic!("a train result")
    };
    let dir = scratch("eval");
    let path = dir.join("model.safetensors");
    let bytes = host.0.expect("kept").to_bytes().expect("writes");
    std::fs::write(&path, &bytes).expect("writes");
    let out = bioplay(&["eval", path.to_str().expect("utf-8"), "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let accuracy = report["accuracy"].as_f64().expect("a number");
    assert!(
        (accuracy - result.fit.final_accuracy).abs() < 1e-6,
        "{accuracy} vs {}",
        result.fit.final_accuracy
    );
    assert_eq!(report["total"].as_u64(), Some(result.test_samples as u64));

    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("writes");
    let out = bioplay(&["eval", path.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not a readable safetensors file"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
