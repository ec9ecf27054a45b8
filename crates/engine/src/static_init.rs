//! Runs the module's static constructors once, on WebAssembly.
//!
//! Burn's GPU compiler (cubecl, through `pliron` and `inventory`) registers its operations
//! with static constructors. On `wasm32` the linker collects those into a synthesised
//! `__wasm_call_ctors`. When nothing in the module calls that function itself, the linker
//! treats the module as a "command" and inserts a call to it at the top of *every*
//! exported function, so every call from JavaScript into the module (each promise
//! resolution, each `externref` table slot wasm-bindgen allocates for a JS object) re-ran
//! thousands of constructors. Profiling the benchmark page showed that this cost each
//! WebGPU training step hundreds of milliseconds of page-thread time.
//!
//! Calling `__wasm_call_ctors` explicitly makes the linker see a "reactor" and leave the
//! exports alone; [`ensure`] does so exactly once, before the first device exists. Every
//! device the engine hands out ([`crate::device`]) goes through it. On native targets the
//! platform runs constructors at load time and this does nothing.

// The one place in the workspace with `unsafe` (the workspace denies it elsewhere).
#[cfg(target_family = "wasm")]
#[allow(unsafe_code)]
mod wasm {
    use std::sync::Once;
    use std::sync::atomic::{AtomicUsize, Ordering};

    unsafe extern "C" {
        fn __wasm_call_ctors();
    }

    static ONCE: Once = Once::new();
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    /// A constructor of our own, so tests can count how often constructors run.
    extern "C" fn count_run() {
        RUNS.fetch_add(1, Ordering::Relaxed);
    }

    #[used]
    #[unsafe(link_section = ".init_array")]
    static COUNT_RUN: extern "C" fn() = count_run;

    pub(super) fn ensure() {
        // SAFETY: the linker-synthesised function only runs the static constructors of the
        // crates linked in (registrations into `inventory` lists, which tolerate a repeat);
        // `Once` makes sure that this call is the only one.
        ONCE.call_once(|| unsafe { __wasm_call_ctors() });
    }

    pub(super) fn runs() -> usize {
        RUNS.load(Ordering::Relaxed)
    }
}

/// Runs the static constructors if they have not run yet.
#[cfg(target_family = "wasm")]
pub fn ensure() {
    wasm::ensure();
}

/// Nothing to do natively: the platform runs constructors at load time.
#[cfg(not(target_family = "wasm"))]
pub fn ensure() {}

/// How many times the static constructors have run: 1 once [`ensure`] has run, however many
/// calls JavaScript has made into the module since.
#[cfg(target_family = "wasm")]
pub fn constructor_runs() -> Option<usize> {
    Some(wasm::runs())
}

/// `None` natively, where the platform runs the constructors and nothing counts them.
#[cfg(not(target_family = "wasm"))]
pub fn constructor_runs() -> Option<usize> {
    None
}
