//! Starts the compute backend the user asked for and proves it works (in the engine's
//! worker; the browser tests call it in their page).
//!
//! `start` tries WebGPU (unless the user chose the CPU), falls back to Burn's CPU backend
//! with the reason when WebGPU is missing, fails to start or computes wrongly, and runs the
//! engine's autodiff probe on whatever it chose. Burn's wgpu runtime starts at most once per
//! page: the started device is cached and cloned; a failed start is not cached, so a later
//! switch back to WebGPU tries again. A started WebGPU device that is lost later (a driver
//! reset, the GPU process restarting, `GPUDevice.destroy()`) is recorded ([`device_lost`])
//! and told to the listener [`on_device_lost`] sets; it cannot be restarted in the same
//! worker, so the page starts a new worker for WebGPU again.

use std::rc::Rc;

use bioplay_engine::Device;
use bioplay_engine::device::{self, BackendKind, DeviceLost};
use bioplay_engine::probe::{self, ProbeError};
use futures::lock::Mutex;

use crate::present::backend::{AdapterInfo, Fallback};
use crate::present::prefs::BackendPreference;
use crate::protocol::EngineStatus;
pub use crate::protocol::ProbeCheck;
use crate::shell::browser::now_ms;
#[cfg(not(target_feature = "atomics"))]
use crate::shell::webgpu;

/// Largest difference from the closed form the shell accepts before it distrusts a device.
///
/// Generous on purpose (f32 `tanh` differs between GPUs by far less than this); the browser
/// tests hold WebGPU to the much tighter [`probe::AGREEMENT_TOLERANCE`].
pub const SANITY_TOLERANCE: f64 = 1e-3;

/// A backend that is running.
#[derive(Debug, Clone)]
pub struct ActiveBackend {
    /// Which backend.
    pub kind: BackendKind,
    /// The device, with autodiff enabled.
    pub device: Device,
    /// The WebGPU adapter, when on WebGPU.
    pub adapter: Option<AdapterInfo>,
}

/// What `start` did.
#[derive(Debug, Clone)]
pub struct Startup {
    /// The backend in use.
    pub backend: ActiveBackend,
    /// Why this is not WebGPU, if it is not.
    pub fallback: Option<Fallback>,
    /// The probe on the backend in use.
    pub probe: Result<ProbeCheck, ProbeError>,
    /// Time from the call to a checked device, in ms (includes WebGPU start-up and shader
    /// compilation the first time).
    pub elapsed_ms: f64,
}

impl Startup {
    /// What the page's status line shows of it.
    pub fn status(&self) -> EngineStatus {
        EngineStatus {
            kind: self.backend.kind,
            adapter: self.backend.adapter.clone(),
            fallback: self.fallback.clone(),
            probe: self.probe.clone().map_err(|e| e.to_string()),
            elapsed_ms: self.elapsed_ms,
            pool: None,
            single: None,
        }
    }
}

thread_local! {
    static GPU: Rc<Mutex<Option<(Device, AdapterInfo)>>> = Rc::new(Mutex::new(None));
    /// The started WebGPU device's loss, once it happened.
    static LOST: std::cell::RefCell<Option<DeviceLost>> = const { std::cell::RefCell::new(None) };
    /// Told of a loss as it happens.
    static LOST_LISTENER: std::cell::RefCell<Option<LostListener>> =
        const { std::cell::RefCell::new(None) };
}

/// Who hears of a lost device.
type LostListener = Box<dyn Fn(&DeviceLost)>;

/// Whether the started WebGPU device has been lost, and how.
pub fn device_lost() -> Option<DeviceLost> {
    LOST.with(|l| l.borrow().clone())
}

/// Calls `listener` when the started WebGPU device is lost (the worker tells the page).
pub fn on_device_lost(listener: impl Fn(&DeviceLost) + 'static) {
    LOST_LISTENER.with(|l| *l.borrow_mut() = Some(Box::new(listener)));
}

/// Records a loss and tells the listener. wgpu calls this from the device's `lost`
/// promise, on this thread (WebGPU objects never leave it).
#[cfg(not(target_feature = "atomics"))]
fn record_loss(lost: DeviceLost) {
    LOST.with(|l| *l.borrow_mut() = Some(lost.clone()));
    LOST_LISTENER.with(|l| {
        if let Some(listener) = l.borrow().as_ref() {
            listener(&lost);
        }
    });
}

/// The WebGPU device, started on first use and cached for the page's lifetime.
#[cfg(not(target_feature = "atomics"))]
pub async fn webgpu_device() -> Result<(Device, AdapterInfo), Fallback> {
    if let Some(lost) = device_lost() {
        // Burn registers its wgpu runtime once per worker: a new worker starts WebGPU again.
        return Err(Fallback::StartFailed(format!(
            "{lost}; a new engine is needed to start it again"
        )));
    }
    let cell = GPU.with(Rc::clone);
    let mut cached = cell.lock().await;
    if let Some(started) = cached.as_ref() {
        return Ok(started.clone());
    }
    let adapter = webgpu::detect().await?;
    let device = device::init_webgpu_watched(record_loss)
        .await
        .map_err(|e| Fallback::StartFailed(e.message))?
        .autodiff();
    *cached = Some((device.clone(), adapter.clone()));
    Ok((device, adapter))
}

/// The threaded engine (built with atomics) has no WebGPU: wgpu's WebGPU types cannot be
/// shared between threads. The page starts it for the CPU only (`shell::engine`).
#[cfg(target_feature = "atomics")]
pub async fn webgpu_device() -> Result<(Device, AdapterInfo), Fallback> {
    Err(Fallback::StartFailed(
        "the threaded engine computes on the CPU only".into(),
    ))
}

/// Runs the probe on `device` and compares it with the closed form.
pub async fn check(device: &Device) -> Result<ProbeCheck, ProbeError> {
    let report = probe::run(device).await?;
    let max_error = report.max_abs_diff(&probe::expected());
    Ok(ProbeCheck { report, max_error })
}

/// Starts the backend `preference` asks for, falling back to the CPU with the reason.
pub async fn start(preference: BackendPreference) -> Startup {
    let begin = now_ms();
    let fallback = if preference.wants_webgpu() {
        match webgpu_device().await {
            Ok((device, adapter)) => match check(&device).await {
                Ok(probe) if probe.max_error <= SANITY_TOLERANCE => {
                    return Startup {
                        backend: ActiveBackend {
                            kind: BackendKind::WebGpu,
                            device,
                            adapter: Some(adapter),
                        },
                        fallback: None,
                        probe: Ok(probe),
                        elapsed_ms: now_ms() - begin,
                    };
                }
                Ok(probe) => Fallback::ComputeFailed(format!(
                    "its gradients are off by {:.1e}",
                    probe.max_error
                )),
                Err(e) => Fallback::ComputeFailed(e.to_string()),
            },
            Err(reason) => reason,
        }
    } else {
        Fallback::Chosen
    };
    let device = device::cpu().autodiff();
    let probe = check(&device).await;
    Startup {
        backend: ActiveBackend {
            kind: BackendKind::Cpu,
            device,
            adapter: None,
        },
        fallback: Some(fallback),
        probe,
        elapsed_ms: now_ms() - begin,
    }
}
