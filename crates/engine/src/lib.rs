//! The experiment engine of the bioplay playground.
//!
//! Everything that trains, prunes, perturbs or measures a network lives here, free of UI
//! code, so that the web app (WebGPU or CPU in a browser tab) and the native command-line
//! runner run exactly the same experiments. Code in this crate takes a Burn [`Device`]
//! chosen at run time; it never names a backend type.
//!
//! Architecture invariant: this crate never depends on `leptos`, `web-sys` or any other
//! browser API, and builds for both `wasm32-unknown-unknown` and native targets.

pub mod bench;
pub mod config;
pub mod data;
pub mod device;
pub mod experiment;
pub mod model;
pub mod oja;
pub mod optim;
pub mod params;
pub mod probe;
pub mod prune;
pub mod rng;
pub mod static_init;
pub mod tensor_io;
pub mod train;

pub use burn::tensor::Device;
