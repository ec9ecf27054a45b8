//! The browser shell (wasm32 only): Leptos components and panels, browser storage,
//! device start-up and the training job loop.
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
pub(crate) mod job;
#[allow(unreachable_pub)]
pub(crate) mod panel;
pub mod runtime;
pub(crate) mod store;
pub(crate) mod webgpu;
