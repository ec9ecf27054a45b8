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
