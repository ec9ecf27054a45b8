//! What the shell knows about the backend it started: the adapter and, when WebGPU could
//! not be used, why not.
//!
//! These are plain data with their user-facing wording, so they are tested natively; the
//! browser-side detection and start-up live in `webgpu` and `runtime` (wasm32 only).

use std::fmt;

/// The WebGPU adapter as the browser describes it (`GPUAdapter.info`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdapterInfo {
    /// Vendor, e.g. `nvidia`, `apple`, `google`.
    pub vendor: String,
    /// Architecture, e.g. `ampere`, `swiftshader`.
    pub architecture: String,
    /// Device name, often empty for privacy.
    pub device: String,
    /// A human-readable description, often empty for privacy.
    pub description: String,
}

impl AdapterInfo {
    /// The best name the browser gave: the description, else vendor, architecture and
    /// device joined, else a generic name.
    pub fn name(&self) -> String {
        if !self.description.trim().is_empty() {
            return self.description.trim().to_owned();
        }
        let parts: Vec<&str> = [&self.vendor, &self.architecture, &self.device]
            .into_iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            "unnamed adapter".to_owned()
        } else {
            parts.join(" ")
        }
    }

    /// Whether this is a software rasteriser (SwiftShader, llvmpipe, WARP): WebGPU works but
    /// is usually slower than the CPU backend for small networks.
    pub fn is_software(&self) -> bool {
        let all = format!(
            "{} {} {} {}",
            self.vendor, self.architecture, self.device, self.description
        )
        .to_ascii_lowercase();
        ["swiftshader", "llvmpipe", "lavapipe", "warp", "software"]
            .iter()
            .any(|s| all.contains(s))
    }
}

impl fmt::Display for AdapterInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Why the playground is not running on WebGPU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum Fallback {
    /// The user chose the CPU.
    #[error("running on the CPU, as chosen")]
    Chosen,
    /// `navigator.gpu` does not exist.
    #[error(
        "this browser does not offer WebGPU, so the playground runs on the CPU (slower). \
         Recent Chrome, Edge and Safari have WebGPU; in Firefox and on Linux it may need \
         to be enabled"
    )]
    NoWebGpu,
    /// `navigator.gpu.requestAdapter()` gave no adapter.
    #[error(
        "WebGPU is present but found no usable GPU adapter (it may be blocked or disabled \
         for this GPU or driver), so the playground runs on the CPU"
    )]
    NoAdapter,
    /// Asking for an adapter threw.
    #[error(
        "asking the browser for a WebGPU adapter failed ({0}), so the playground runs on the CPU"
    )]
    AdapterRequestFailed(String),
    /// Burn's WebGPU runtime did not start (device creation failed).
    #[error("WebGPU failed to start ({0}), so the playground runs on the CPU")]
    StartFailed(String),
    /// WebGPU started but the check computation failed on it.
    #[error("WebGPU started but could not compute ({0}), so the playground runs on the CPU")]
    ComputeFailed(String),
}

impl Fallback {
    /// The stable identifier tests and logs use.
    pub fn id(&self) -> &'static str {
        match self {
            Fallback::Chosen => "chosen",
            Fallback::NoWebGpu => "no-webgpu",
            Fallback::NoAdapter => "no-adapter",
            Fallback::AdapterRequestFailed(_) => "adapter-request-failed",
            Fallback::StartFailed(_) => "start-failed",
            Fallback::ComputeFailed(_) => "compute-failed",
        }
    }

    /// Whether this is a problem to show as a warning (anything but the user's own choice).
    pub fn is_problem(&self) -> bool {
        !matches!(self, Fallback::Chosen)
    }
}

/// Formats a duration in milliseconds for the status line: `850 ms`, `3.2 s`.
pub fn format_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        "?".to_owned()
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapter_name_prefers_the_description() {
        let info = AdapterInfo {
            vendor: "nvidia".into(),
            architecture: "ampere".into(),
            device: "".into(),
            description: " NVIDIA GeForce RTX 3060 ".into(),
        };
        assert_eq!(info.name(), "NVIDIA GeForce RTX 3060");
    }

    #[test]
    fn adapter_name_joins_the_parts_when_there_is_no_description() {
        let info = AdapterInfo {
            vendor: "google".into(),
            architecture: "swiftshader".into(),
            ..Default::default()
        };
        assert_eq!(info.name(), "google swiftshader");
        assert!(info.is_software());
        assert_eq!(AdapterInfo::default().name(), "unnamed adapter");
        assert!(!AdapterInfo::default().is_software());
    }

    #[test]
    fn fallback_messages_say_what_happens_next() {
        for reason in [
            Fallback::NoWebGpu,
            Fallback::NoAdapter,
            Fallback::AdapterRequestFailed("x".into()),
            Fallback::StartFailed("x".into()),
            Fallback::ComputeFailed("x".into()),
        ] {
            assert!(reason.is_problem());
            assert!(reason.to_string().contains("CPU"), "{reason}");
        }
        assert!(!Fallback::Chosen.is_problem());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(format_ms(12.4), "12 ms");
        assert_eq!(format_ms(3210.0), "3.2 s");
        assert_eq!(format_ms(f64::NAN), "?");
    }
}
