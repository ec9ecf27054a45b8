//! Reusable Leptos components shared by the panels.

pub mod chart;
