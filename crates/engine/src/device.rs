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

/// The GPU device went away after it started (a driver reset, the GPU process restarting,
/// or `GPUDevice.destroy()`), as wgpu reports it once. Every later operation on it fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{}: {message}", if *.destroyed { "the device was destroyed" } else { "the device was lost" })]
pub struct DeviceLost {
    /// Whether the device was destroyed on purpose (`destroy()`), rather than lost.
    pub destroyed: bool,
    /// The browser's or driver's own description.
    pub message: String,
}

/// Starts Burn's wgpu runtime on the default adapter (in a browser: WebGPU).
///
/// Burn's runtime can be initialised once per page or process; callers keep the returned
/// device and clone it rather than calling this again.
#[cfg(feature = "webgpu")]
pub async fn init_webgpu() -> Result<Device, GpuInitError> {
    init_webgpu_watched(|_| {}).await
}

/// [`init_webgpu`], and `on_lost` is called once if the device is lost later.
///
/// A lost device cannot be restarted in the same runtime (Burn registers its runtime once
/// per process): the browser shell starts a new worker instead.
#[cfg(feature = "webgpu")]
pub async fn init_webgpu_watched(
    on_lost: impl Fn(DeviceLost) + Send + 'static,
) -> Result<Device, GpuInitError> {
    use burn::tensor::wgpu::wgpu::DeviceLostReason;
    crate::static_init::ensure();
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| GpuInitError {
            message: e.to_string(),
        })?;
    setup
        .device
        .set_device_lost_callback(move |reason, message| {
            on_lost(DeviceLost {
                destroyed: reason == DeviceLostReason::Destroyed,
                message,
            })
        });
    Ok(device)
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

    #[test]
    fn device_loss_says_which_kind() {
        let lost = DeviceLost {
            destroyed: true,
            message: "Device was destroyed.".into(),
        };
        assert_eq!(
            lost.to_string(),
            "the device was destroyed: Device was destroyed."
        );
        let lost = DeviceLost {
            destroyed: false,
            message: "GPU process exited".into(),
        };
        assert_eq!(lost.to_string(), "the device was lost: GPU process exited");
    }
}
