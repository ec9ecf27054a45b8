//! Reusable Leptos components shared by the panels.

pub(crate) mod chart;
