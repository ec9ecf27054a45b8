//! The browser shell (wasm32 only): Leptos components and panels, browser storage and the
//! job loop in the page; device start-up and training in the engine's Web Worker
//! (`worker`, reached from the page through `engine`).
//!
//! Each module renders values from [`crate::present`] or moves data between the page, the
//! engine and browser APIs; none holds experiment logic.

// Leptos's `#[component]` expands to `pub` items (the props struct), which
// `unreachable_pub` would report in every module that defines components.
#[allow(unreachable_pub)]
pub(crate) mod app;
#[cfg(feature = "bench")]
#[allow(unreachable_pub)]
pub(crate) mod bench_page;
pub(crate) mod browser;
#[allow(unreachable_pub)]
pub(crate) mod components;
pub(crate) mod datasets;
pub(crate) mod engine;
pub(crate) mod envelope;
pub(crate) mod idb;
pub(crate) mod job;
#[allow(unreachable_pub)]
pub(crate) mod panel;
pub(crate) mod run_storage;
pub mod runtime;
pub(crate) mod store;
#[cfg(feature = "threads")]
pub(crate) mod threads;
pub(crate) mod webgpu;
pub(crate) mod worker;
