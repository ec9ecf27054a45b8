//! What the shell knows about the backend it started: the adapter and, when WebGPU could
//! not be used, why not.
//!
//! These are plain data with their user-facing wording, so they are tested natively; the
//! browser-side detection and start-up live in `webgpu` and `runtime` (wasm32 only).

use std::fmt;

use bioplay_engine::device::DeviceLost;

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

/// What a run lost with the WebGPU device says (its failure, in the history).
pub fn device_lost_run(lost: &DeviceLost) -> String {
    format!(
        "the WebGPU device was lost during the run ({lost}); the curves up to that point are \
         kept. Start WebGPU again or use the CPU (top of the page) to run again"
    )
}

/// What the status line says once the WebGPU device is lost.
pub fn device_lost_status(lost: &DeviceLost) -> String {
    let why = if lost.destroyed {
        "it was destroyed"
    } else {
        "the browser or the GPU driver stopped it; this happens after a driver reset, a \
         GPU process crash or a long stall"
    };
    format!(
        "WebGPU stopped working: the device was lost ({why}; the browser says: “{}”). A run \
         in progress has stopped and keeps what it measured; your runs are safe. Start \
         WebGPU again or continue on the CPU.",
        lost.message.trim()
    )
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

/// How many threads the engine's CPU backend computes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Threads {
    /// The threaded engine, with a pool of this many threads.
    Pool(usize),
    /// One thread, and why.
    One(OneThread),
}

/// Why the engine computes on one thread.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum OneThread {
    /// The page is not cross-origin isolated: no shared memory, so no threads.
    #[error(
        "the CPU backend runs on one thread: this page is not cross-origin isolated, so the \
         browser gives it no shared memory for threads (the server sends no COOP/COEP \
         headers, and the service worker that adds them is not active)"
    )]
    NotIsolated,
    /// The threaded engine could not be loaded, or its threads not started.
    #[error("the CPU backend runs on one thread: the threaded engine could not be used ({0})")]
    Unavailable(String),
}

impl OneThread {
    /// A stable id (`not-isolated`, `unavailable`), for tests and styling.
    pub fn id(&self) -> &'static str {
        match self {
            OneThread::NotIsolated => "not-isolated",
            OneThread::Unavailable(_) => "unavailable",
        }
    }
}

impl Threads {
    /// What the page and the worker found: `pool` is what the worker reported (`None` from
    /// the single-threaded engine; the pool's size, or why it failed, from the threaded
    /// one), `single` why the page started the single-threaded engine.
    pub fn of(pool: Option<&Result<usize, String>>, single: Option<&OneThread>) -> Threads {
        match (pool, single) {
            (Some(Ok(n)), _) => Threads::Pool(*n),
            (Some(Err(e)), _) => Threads::One(OneThread::Unavailable(e.clone())),
            (None, Some(why)) => Threads::One(why.clone()),
            (None, None) => Threads::One(OneThread::NotIsolated),
        }
    }

    /// How many threads compute.
    pub fn count(&self) -> usize {
        match self {
            Threads::Pool(n) => *n,
            Threads::One(_) => 1,
        }
    }

    /// Why only one thread; `None` for a pool.
    pub fn reason(&self) -> Option<&OneThread> {
        match self {
            Threads::Pool(_) => None,
            Threads::One(why) => Some(why),
        }
    }

    /// The status line's words: `2 threads`, `1 thread`.
    pub fn label(&self) -> String {
        match self.count() {
            1 => "1 thread".to_owned(),
            n => format!("{n} threads"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_device_is_explained_with_the_way_out() {
        let destroyed = DeviceLost {
            destroyed: true,
            message: "Device was destroyed. ".into(),
        };
        let status = device_lost_status(&destroyed);
        assert!(status.contains("it was destroyed"), "{status}");
        assert!(status.contains("“Device was destroyed.”"), "{status}");
        assert!(status.contains("continue on the CPU"), "{status}");
        let lost = DeviceLost {
            destroyed: false,
            message: "GPU process exited".into(),
        };
        assert!(device_lost_status(&lost).contains("driver reset"));
        let run = device_lost_run(&lost);
        assert!(
            run.starts_with("the WebGPU device was lost during the run (the device was lost: GPU process exited)"),
            "{run}"
        );
        assert!(run.contains("curves up to that point are kept"), "{run}");
    }

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

    #[test]
    fn threads_come_from_the_pool_else_from_why_the_page_chose_one() {
        let pool = |r: Result<usize, String>| Some(r);
        assert_eq!(Threads::of(pool(Ok(4)).as_ref(), None), Threads::Pool(4));
        assert_eq!(Threads::of(pool(Ok(4)).as_ref(), None).label(), "4 threads");
        // A pool that failed to start: one thread, with its reason.
        let failed = Threads::of(pool(Err("no Worker".into())).as_ref(), None);
        assert_eq!(
            failed,
            Threads::One(OneThread::Unavailable("no Worker".into()))
        );
        assert!(
            failed
                .reason()
                .is_some_and(|r| r.to_string().contains("no Worker"))
        );
        // The single-threaded engine: the page's reason, or "not isolated" by default.
        let why = OneThread::Unavailable("404".into());
        assert_eq!(Threads::of(None, Some(&why)), Threads::One(why));
        let plain = Threads::of(None, None);
        assert_eq!(plain, Threads::One(OneThread::NotIsolated));
        assert_eq!((plain.count(), plain.label()), (1, "1 thread".to_owned()));
        assert!(
            plain
                .reason()
                .is_some_and(|r| r.to_string().contains("cross-origin isolated"))
        );
        assert_eq!(Threads::Pool(2).reason(), None);
    }
}
