//! The panels' forms as data: which fields each panel has, how each value is checked (with
//! a message for the field), and how a filled form becomes experiment configs and back.
//!
//! Values are kept as the text the user typed, so a wrong number stays on screen next to
//! its message instead of being lost. The same values travel in share links
//! ([`crate::present::share`]). Everything here is plain Rust, tested natively.

use std::collections::BTreeMap;

use bioplay_engine::data::NoiseKind;
use bioplay_engine::experiment::continual::{ContextMode, ContinualSpec, Sequence};
use bioplay_engine::experiment::imp::{Control, ImpSpec, ResetMode};
use bioplay_engine::experiment::noise::NoiseSpec;
use bioplay_engine::experiment::plasticity::PlasticitySpec;
use bioplay_engine::experiment::presets::{ContinualMethod, OjaFormulation};
use bioplay_engine::experiment::training::TrainingSpec;
use bioplay_engine::experiment::{
    CONFIG_VERSION, DataSpec, DatasetChoice, ExperimentConfig, ExperimentKind,
};
use bioplay_engine::model::{
    CnnSpec, DendriteSpec, InitScheme, InitSpec, KwtaSpec, MlpSpec, ModelSpec, SegmentSelection,
};
use bioplay_engine::oja::{OjaForm, OjaOutput, OjaSignal, OjaSpec};
use bioplay_engine::optim::OptimizerSpec;
use bioplay_engine::prune::{PruneScope, PruneSpec};
use bioplay_engine::train::TrainSpec;

use crate::present::capitalise;
use crate::present::routes::Tab;

mod assemble;
mod fields;
mod presets;
mod restore;
#[cfg(test)]
mod tests;

use assemble::*;

pub use assemble::{CNN_CHANNELS, CONTINUAL_METHODS, FEATURES};
pub use fields::fields;
pub use presets::{CONTINUAL_PRESETS, PLASTICITY_PRESETS, Preset, presets};
pub use restore::{prune_preview, prune_preview_of, values_from_config};

/// What a field accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A number in `[min, max]`; whole numbers only if `integer`; empty allowed (meaning
    /// "off") if `optional`.
    Number {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
        /// Whole numbers only.
        integer: bool,
        /// Empty means off.
        optional: bool,
    },
    /// Comma-separated whole numbers, each in `[min, max]`, at most `len` of them.
    List {
        /// Smallest entry.
        min: f64,
        /// Largest entry.
        max: f64,
        /// Most entries.
        len: usize,
    },
    /// One of these `(value, label)` options.
    Choice(&'static [(&'static str, &'static str)]),
    /// On (`"true"`) or off (`"false"`).
    Flag,
}

/// One field of a form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The key in values and share links.
    pub key: &'static str,
    /// The label shown.
    pub label: &'static str,
    /// One line of help under the field.
    pub help: &'static str,
    /// What it accepts.
    pub kind: Kind,
    /// The default value, as text.
    pub default: &'static str,
    /// The section heading it appears under.
    pub group: &'static str,
}

/// A form's values, as typed, by key.
pub type Values = BTreeMap<String, String>;

/// Problems with a form, by key (an empty key is a problem of the whole form).
pub type Problems = BTreeMap<String, String>;

/// The default values of a panel's form.
pub fn defaults(tab: Tab) -> Values {
    fields(tab)
        .into_iter()
        .map(|f| (f.key.to_owned(), f.default.to_owned()))
        .collect()
}

/// A checked value.
#[derive(Debug, Clone, PartialEq)]
enum Parsed {
    Number(Option<f64>),
    List(Vec<usize>),
    Choice(&'static str),
    Flag(bool),
}

/// Checks one field's text; the error is the message shown next to it.
pub fn check(field: &Field, raw: &str) -> Result<(), String> {
    parse(field, raw).map(|_| ())
}

fn parse(field: &Field, raw: &str) -> Result<Parsed, String> {
    let text = raw.trim();
    match field.kind {
        Kind::Number {
            min,
            max,
            integer,
            optional,
        } => {
            if text.is_empty() {
                return if optional {
                    Ok(Parsed::Number(None))
                } else {
                    Err("Enter a number.".into())
                };
            }
            let value: f64 = text
                .parse()
                .map_err(|_| format!("\u{201c}{text}\u{201d} is not a number."))?;
            if !value.is_finite() {
                return Err("Enter a finite number.".into());
            }
            if integer && value.fract() != 0.0 {
                return Err("Enter a whole number.".into());
            }
            if value < min || value > max {
                return Err(format!("Must be between {} and {}.", fmt(min), fmt(max)));
            }
            Ok(Parsed::Number(Some(value)))
        }
        Kind::List { min, max, len } => {
            if text.is_empty() {
                return Ok(Parsed::List(Vec::new()));
            }
            let mut out = Vec::new();
            for part in text.split(',') {
                let part = part.trim();
                let value: f64 = part
                    .parse()
                    .map_err(|_| format!("\u{201c}{part}\u{201d} is not a whole number."))?;
                if value.fract() != 0.0 || value < min || value > max {
                    return Err(format!(
                        "Each entry must be a whole number from {} to {}.",
                        fmt(min),
                        fmt(max)
                    ));
                }
                out.push(value as usize);
            }
            if out.len() > len {
                return Err(format!("At most {len} layers."));
            }
            Ok(Parsed::List(out))
        }
        Kind::Choice(options) => options
            .iter()
            .find(|(value, _)| *value == text)
            .map(|(value, _)| Parsed::Choice(value))
            .ok_or_else(|| {
                let known: Vec<&str> = options.iter().map(|o| o.0).collect();
                format!(
                    "\u{201c}{text}\u{201d} is not an option (one of: {}).",
                    known.join(", ")
                )
            }),
        Kind::Flag => match text {
            "true" | "on" | "1" => Ok(Parsed::Flag(true)),
            "false" | "off" | "0" | "" => Ok(Parsed::Flag(false)),
            _ => Err(format!("\u{201c}{text}\u{201d} is not on or off.")),
        },
    }
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Reads checked values by key.
struct Reader<'a> {
    values: BTreeMap<&'static str, Parsed>,
    problems: &'a mut Problems,
}

impl Reader<'_> {
    fn number(&self, key: &str) -> Option<f64> {
        match self.values.get(key) {
            Some(Parsed::Number(v)) => *v,
            _ => None,
        }
    }
    fn f(&self, key: &str) -> f64 {
        self.number(key).unwrap_or(0.0)
    }
    fn n(&self, key: &str) -> usize {
        self.number(key).map_or(0, |v| v as usize)
    }
    fn u64(&self, key: &str) -> u64 {
        self.number(key).map_or(0, |v| v as u64)
    }
    fn list(&self, key: &str) -> Vec<usize> {
        match self.values.get(key) {
            Some(Parsed::List(v)) => v.clone(),
            _ => Vec::new(),
        }
    }
    fn choice(&self, key: &str) -> &'static str {
        match self.values.get(key) {
            Some(Parsed::Choice(v)) => v,
            _ => "",
        }
    }
    fn flag(&self, key: &str) -> bool {
        matches!(self.values.get(key), Some(Parsed::Flag(true)))
    }
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.insert(key.to_owned(), message.into());
    }
}

/// Checks every field of `values` (missing ones take their defaults); the problems, by key.
pub fn problems(tab: Tab, values: &Values) -> Problems {
    problems_of(&build(tab, values))
}

/// The problems of a built form (none if it built).
pub fn problems_of(built: &Result<Vec<Planned>, Problems>) -> Problems {
    built.as_ref().err().cloned().unwrap_or_default()
}

/// A panel's saved values `saved` over its defaults: unknown keys are dropped, missing
/// ones take their defaults.
pub fn with_defaults(tab: Tab, saved: &Values) -> Values {
    let mut values = defaults(tab);
    for (k, v) in saved {
        if let Some(slot) = values.get_mut(k) {
            slot.clone_from(v);
        }
    }
    values
}

/// One run the form asks for: a config and, for panels that compare methods, the
/// method's label.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// What to run.
    pub config: ExperimentConfig,
    /// The method it stands for ("k-WTA", ...), if the panel compares several.
    pub method: Option<String>,
}

/// The runs a filled form asks for, or every problem by field.
pub fn build(tab: Tab, values: &Values) -> Result<Vec<Planned>, Problems> {
    let mut problems = Problems::new();
    let mut parsed = BTreeMap::new();
    let fields = fields(tab);
    for f in &fields {
        let raw = values.get(f.key).map_or(f.default, String::as_str);
        match parse(f, raw) {
            Ok(v) => {
                parsed.insert(f.key, v);
            }
            Err(message) => {
                problems.insert(f.key.to_owned(), message);
            }
        }
    }
    for key in values.keys() {
        if !fields.iter().any(|f| f.key == key) {
            problems.insert(
                String::new(),
                format!("Unknown setting \u{201c}{key}\u{201d}."),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut r = Reader {
        values: parsed,
        problems: &mut problems,
    };
    let planned = assemble(tab, &mut r);
    for p in &planned {
        if let Err(e) = p.config.validate() {
            let key = field_for(&e.field);
            r.problem(key, format!("{}.", capitalise(&e.problem)));
        }
    }
    if planned.is_empty() && r.problems.is_empty() {
        r.problem("", "Choose at least one method.");
    }
    if problems.is_empty() {
        Ok(planned)
    } else {
        Err(problems)
    }
}
