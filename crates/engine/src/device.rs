//! Which compute backend runs the experiments, and how to start it.
//!
//! The engine knows two backends: Burn's WebGPU runtime (feature `webgpu`) and Burn's
//! pure-Rust CPU backend (`flex`), which works everywhere including wasm32. Deciding which
//! one to use is the shell's job (the browser knows whether WebGPU exists); this module
//! only names them and starts them.

use std::fmt;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// A compute backend the engine can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Burn's wgpu runtime on WebGPU (in a browser) or the native GPU API.
    WebGpu,
    /// Burn's pure-Rust CPU backend (`Device::flex()`).
    Cpu,
}

impl BackendKind {
    /// The short label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            BackendKind::WebGpu => "WebGPU",
            BackendKind::Cpu => "CPU",
        }
    }

    /// The stable identifier used in URLs, storage and configs.
    pub fn id(self) -> &'static str {
        match self {
            BackendKind::WebGpu => "webgpu",
            BackendKind::Cpu => "cpu",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A backend identifier that is not one the engine knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend {given:?}: expected \"webgpu\" or \"cpu\"")]
pub struct UnknownBackend {
    /// What was given, verbatim.
    pub given: String,
}

impl std::str::FromStr for BackendKind {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "webgpu" | "gpu" | "wgpu" => Ok(BackendKind::WebGpu),
            "cpu" | "flex" => Ok(BackendKind::Cpu),
            _ => Err(UnknownBackend {
                given: s.to_owned(),
            }),
        }
    }
}

/// The CPU device: Burn's pure-Rust `flex` backend. Always available.
pub fn cpu() -> Device {
    crate::static_init::ensure();
    Device::flex()
}

/// Why Burn's WebGPU runtime could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("WebGPU failed to start: {message}")]
pub struct GpuInitError {
    /// Burn's own description of the failure.
    pub message: String,
}

/// Starts Burn's wgpu runtime on the default adapter (in a browser: WebGPU).
///
/// Burn's runtime can be initialised once per page or process; callers keep the returned
/// device and clone it rather than calling this again.
#[cfg(feature = "webgpu")]
pub async fn init_webgpu() -> Result<Device, GpuInitError> {
    crate::static_init::ensure();
    Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| GpuInitError {
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_ids_round_trip() {
        for kind in [BackendKind::WebGpu, BackendKind::Cpu] {
            assert_eq!(kind.id().parse::<BackendKind>(), Ok(kind));
        }
    }

    #[test]
    fn unknown_backend_is_a_typed_error() {
        let err = "tpu".parse::<BackendKind>().unwrap_err();
        assert_eq!(err.given, "tpu");
        assert!(err.to_string().contains("\"webgpu\" or \"cpu\""));
    }

    #[test]
    fn serde_uses_the_ids() {
        let json = serde_json::to_string(&BackendKind::WebGpu).unwrap();
        assert_eq!(json, "\"webgpu\"");
    }
}
