//! Presentation logic: what the page shows and accepts, as plain data and functions.
//!
//! Nothing here touches the browser, so all of it builds and is tested natively. The
//! browser shell (`crate::shell`) renders these values and feeds user input back in.

pub mod backend;
pub mod chart;
pub mod form;
pub mod history;
pub mod prefs;
pub mod routes;
pub mod share;
pub mod views;

/// `s` with its first letter in upper case ("k-WTA" stays "K-WTA"; "" stays "").
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
