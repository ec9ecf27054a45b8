//! The panels' forms as data: which fields each panel has, how each value is checked (with
//! a message for the field), and how a filled form becomes experiment configs and back.
//!
//! Values are kept as the text the user typed, so a wrong number stays on screen next to
//! its message instead of being lost. The same values travel in share links
//! ([`crate::share`]). Everything here is plain Rust, tested natively.

use std::collections::BTreeMap;

use bioplay_engine::data::NoiseKind;
use bioplay_engine::experiment::continual::{ContextMode, ContinualSpec, Sequence};
use bioplay_engine::experiment::imp::{Control, ImpSpec, ResetMode};
use bioplay_engine::experiment::noise::NoiseSpec;
use bioplay_engine::experiment::plasticity::PlasticitySpec;
use bioplay_engine::experiment::presets::OjaFormulation;
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

use crate::routes::Tab;

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

const DATASETS: &[(&str, &str)] = &[
    ("mnist", "MNIST digits (10,000 shipped)"),
    ("fashion-mnist", "Fashion-MNIST (70,000 shipped)"),
    ("custom", "My own IDX files"),
];
const MODELS: &[(&str, &str)] = &[
    ("mlp", "MLP (hidden widths below)"),
    ("lenet5", "LeNet-5 CNN"),
    ("conv2", "Conv-2 CNN"),
    ("conv4", "Conv-4 CNN"),
];
const OPTIMIZERS: &[(&str, &str)] = &[
    ("adam", "Adam"),
    ("sgd", "SGD"),
    ("momentum", "SGD with momentum 0.9"),
];
const SCOPES: &[(&str, &str)] = &[
    ("layer", "Layer by layer"),
    ("global", "Globally across layers"),
];
const RESETS: &[(&str, &str)] = &[
    (
        "rewind_init",
        "Rewind to the initial weights (lottery ticket)",
    ),
    ("rewind_step", "Rewind to an early training step"),
    ("fine_tune", "Keep training (fine-tune)"),
];
const SEQUENCES: &[(&str, &str)] = &[
    ("permuted", "Permuted pixels (all classes per task)"),
    ("split", "Split: two classes per task (5 tasks)"),
];
const CONTEXTS: &[(&str, &str)] = &[
    ("true_task", "True task prototype"),
    ("inferred", "Inferred from the input"),
];
const FORMULATIONS: &[(&str, &str)] = &[
    ("playground", "ReLU, biases, Oja on logits"),
    (
        "authors",
        "As the authors' code (Softplus, no biases, Xavier, softmax)",
    ),
];
const NOISES: &[(&str, &str)] = &[
    ("gaussian", "Gaussian (add N(0, sigma^2))"),
    ("impulse", "Impulse (Bain: pixels set to 2 x std)"),
];
const GATINGS: &[(&str, &str)] = &[("abs_max", "Absolute max (Numenta)"), ("max", "Max")];
const CONTINUAL_MODELS: &[(&str, &str)] = &[("mlp", "MLP"), ("conv2", "Conv-2 CNN")];

const fn num(min: f64, max: f64) -> Kind {
    Kind::Number {
        min,
        max,
        integer: false,
        optional: false,
    }
}

const fn int(min: f64, max: f64) -> Kind {
    Kind::Number {
        min,
        max,
        integer: true,
        optional: false,
    }
}

const fn optional(min: f64, max: f64, integer: bool) -> Kind {
    Kind::Number {
        min,
        max,
        integer,
        optional: true,
    }
}

const fn field(
    group: &'static str,
    key: &'static str,
    label: &'static str,
    kind: Kind,
    default: &'static str,
    help: &'static str,
) -> Field {
    Field {
        key,
        label,
        help,
        kind,
        default,
        group,
    }
}

const DATA: &str = "Data";
const MODEL: &str = "Model";
const TRAINING: &str = "Training";

/// The data fields, with `train_default` training samples and normalisation on or off
/// (`"true"`, `"false"`) by default.
fn data_fields(train_default: &'static str, normalize: &'static str) -> Vec<Field> {
    vec![
        field(
            DATA,
            "dataset",
            "Dataset",
            Kind::Choice(DATASETS),
            "mnist",
            "Shipped with the app, or your own IDX image and label files.",
        ),
        field(
            DATA,
            "train_samples",
            "Training samples",
            int(0.0, 1_000_000.0),
            train_default,
            "At most this many (0 = all). Fewer trains faster.",
        ),
        field(
            DATA,
            "test_samples",
            "Test samples",
            int(0.0, 1_000_000.0),
            "1000",
            "Held-out images for accuracy (0 = all of the held-out sixth).",
        ),
        field(
            DATA,
            "normalize",
            "Normalise inputs",
            Kind::Flag,
            normalize,
            "Standardise pixels by the training images' mean and spread, as the papers' code does.",
        ),
    ]
}

fn model_fields(
    models: &'static [(&'static str, &'static str)],
    hidden: &'static str,
) -> Vec<Field> {
    vec![
        field(
            MODEL,
            "model",
            "Network",
            Kind::Choice(models),
            "mlp",
            "An MLP, or a small CNN with the hidden widths below after its convolutions.",
        ),
        field(
            MODEL,
            "hidden",
            "Hidden widths",
            Kind::List {
                min: 1.0,
                max: 4096.0,
                len: 30,
            },
            hidden,
            "Comma-separated units per hidden layer, e.g. 300, 100.",
        ),
        field(
            MODEL,
            "kwta",
            "k-WTA: fraction active",
            optional(0.01, 1.0, false),
            "",
            "Keep only this fraction of each hidden layer's units active (empty = ReLU).",
        ),
        field(
            MODEL,
            "dendrites",
            "Dendritic segments",
            optional(1.0, 64.0, true),
            "",
            "Active dendrites with this many segments per unit (empty = none).",
        ),
        field(
            MODEL,
            "init_scale",
            "Initial weight scale",
            num(0.0001, 100.0),
            "1",
            "A factor on the standard initialisation (1 = as published).",
        ),
    ]
}

fn training_fields(lr: &'static str, batch: &'static str, epochs: &'static str) -> Vec<Field> {
    vec![
        field(
            TRAINING,
            "optimizer",
            "Optimiser",
            Kind::Choice(OPTIMIZERS),
            "adam",
            "",
        ),
        field(TRAINING, "lr", "Learning rate", num(1e-6, 10.0), lr, ""),
        field(
            TRAINING,
            "batch",
            "Batch size",
            int(1.0, 1024.0),
            batch,
            "Samples per optimiser step (1 = online learning).",
        ),
        field(
            TRAINING,
            "epochs",
            "Epochs",
            int(1.0, 100.0),
            epochs,
            "Passes over the training samples (per round or task).",
        ),
        field(
            TRAINING,
            "seed",
            "Seed",
            int(0.0, 4_294_967_295.0),
            "1",
            "Same seed, same run: initial weights, data order and split.",
        ),
    ]
}

/// Data, model and training fields with LeNet-300-100 and Frankle & Carbin's Adam
/// settings as defaults, on `train_samples` training digits for `epochs` epochs.
fn lenet_fields(train_samples: &'static str, epochs: &'static str) -> Vec<Field> {
    let mut out = data_fields(train_samples, "true");
    out.extend(model_fields(MODELS, "300, 100"));
    out.extend(training_fields("0.0012", "60", epochs));
    out
}

/// The fields of a panel's form, in order.
pub fn fields(tab: Tab) -> Vec<Field> {
    let mut out = Vec::new();
    match tab {
        Tab::Train => {
            // All 8,333 training digits for 8 epochs: about 96% (docs/reference-results.md).
            out.extend(lenet_fields("0", "8"));
            out.push(field(
                TRAINING,
                "eval_every",
                "Evaluate every",
                int(0.0, 100_000.0),
                "10",
                "Steps between test-accuracy points (0 = once per epoch).",
            ));
        }
        Tab::Prune => {
            const P: &str = "Pruning schedule";
            out.extend(lenet_fields("2000", "2"));
            out.extend([
                field(P, "rate", "Prune rate per round", num(0.01, 0.95), "0.2",
                    "Fraction of each layer's remaining weights removed per round."),
                field(P, "output_rate", "Output-layer rate", num(0.0, 0.95), "0.1",
                    "The output layer is pruned more gently (Frankle & Carbin: half the rate)."),
                field(P, "rounds", "Rounds", int(0.0, 60.0), "20",
                    "Pruning rounds after the dense round 0."),
                field(P, "target", "Stop at weights remaining", optional(0.0001, 1.0, false), "0.05",
                    "Stop early once at most this fraction remains, e.g. 0.05 (empty = run every round)."),
                field(P, "scope", "Ranking", Kind::Choice(SCOPES), "layer", ""),
                field(P, "reset", "Survivors start from", Kind::Choice(RESETS), "rewind_init", ""),
                field(P, "rewind_step", "Rewind step", int(0.0, 1_000_000.0), "20",
                    "For rewinding to a step: the step of round 0 to rewind to."),
                field(P, "control_reinit", "Compare: same masks, random weights", Kind::Flag, "true",
                    "Frankle & Carbin's control: tickets should beat it."),
                field(P, "control_mask", "Compare: random masks, same weights", Kind::Flag, "false",
                    "Bain's random tickets."),
            ]);
        }
        Tab::Noise => {
            const N: &str = "Noise sweep";
            out.extend(lenet_fields("2000", "2"));
            out.extend([
                field(N, "noise", "Noise", Kind::Choice(NOISES), "gaussian",
                    "Gaussian: noise of standard deviation sigma added to test pixels in [0, 1]. \
                     Impulse (Bain's protocol): a fraction of each test image's pixels set to \
                     twice the training pixels' std."),
                field(N, "sigma_max", "Largest noise level", num(0.0, 5.0), "1",
                    "Gaussian: the largest sigma. Impulse: the largest fraction of pixels hit (at most 1; Bain used 0.5)."),
                field(N, "sigma_steps", "Noise steps", int(1.0, 40.0), "10",
                    "The sweep has this many steps after the clean level 0."),
                field(N, "seeds", "Seeds", int(1.0, 20.0), "3",
                    "Dense and sparse networks trained per seed; 3 or more give a paired test."),
                field(N, "rate", "Prune rate per round", num(0.01, 0.95), "0.2", ""),
                field(N, "rounds", "Pruning rounds", int(1.0, 60.0), "6",
                    "The sparse network: this many IMP rounds (0.8^6 = 26% of the weights)."),
                field(N, "noise_seed", "Noise seed", int(0.0, 4_294_967_295.0), "2022",
                    "The same noise for every network, so the comparison is paired."),
            ]);
        }
        Tab::Continual => {
            const C: &str = "Task sequence";
            const M: &str = "Methods compared";
            out.extend(data_fields("2000", "true"));
            out.push(field(
                MODEL,
                "model",
                "Network",
                Kind::Choice(CONTINUAL_MODELS),
                "mlp",
                "",
            ));
            out.push(field(
                MODEL,
                "hidden",
                "Hidden widths",
                Kind::List {
                    min: 1.0,
                    max: 4096.0,
                    len: 10,
                },
                "512, 512",
                "Comma-separated units per hidden layer.",
            ));
            // Adam's default rate, 3 epochs of 2,000 digits per task: at this browser
            // scale the ranking of the papers shows (docs/reference-results.md).
            out.extend(training_fields("0.001", "64", "3"));
            out.extend([
                field(
                    C,
                    "sequence",
                    "Tasks",
                    Kind::Choice(SEQUENCES),
                    "permuted",
                    "",
                ),
                field(
                    C,
                    "tasks",
                    "Number of permuted tasks",
                    int(2.0, 20.0),
                    "5",
                    "",
                ),
                field(
                    C,
                    "context",
                    "Dendrites' context at test time",
                    Kind::Choice(CONTEXTS),
                    "true_task",
                    "",
                ),
                field(M, "m_dense", "Dense ReLU network", Kind::Flag, "true", ""),
                field(M, "m_sparse", "Weight sparsity", Kind::Flag, "false", ""),
                field(M, "m_kwta", "k-WTA", Kind::Flag, "false", ""),
                field(
                    M,
                    "m_kwta_sparse",
                    "k-WTA + weight sparsity",
                    Kind::Flag,
                    "true",
                    "",
                ),
                field(
                    M,
                    "m_dendrites",
                    "Dendrites + k-WTA + weight sparsity",
                    Kind::Flag,
                    "false",
                    "About 5 times the training time of the others here: one segment per task and unit, each as long as an image.",
                ),
                field(
                    M,
                    "kwta",
                    "k-WTA: fraction active",
                    num(0.01, 1.0),
                    "0.1",
                    "Iyer et al. kept 5% of 2,048 units active; 10% of 512 keeps about as many.",
                ),
                field(
                    M,
                    "sparsity",
                    "Weight sparsity",
                    num(0.0, 0.99),
                    "0.5",
                    "Fraction of hidden weights fixed at zero (Iyer et al.: 50%).",
                ),
                field(
                    M,
                    "sparse_conv",
                    "Sparse convolutions too",
                    Kind::Flag,
                    "true",
                    "For CNNs: the weight sparsity covers the convolution kernels (Bain's sparse CNN masks only the fully connected layers).",
                ),
                field(
                    M,
                    "sparse_output",
                    "Sparse output layer too",
                    Kind::Flag,
                    "true",
                    "The weight sparsity covers the output layer as well (Numenta's code).",
                ),
                field(
                    M,
                    "reset_optimizer",
                    "Fresh optimiser for each task",
                    Kind::Flag,
                    "true",
                    "Forget Adam's moments when a new task starts (Numenta's code).",
                ),
                field(
                    M,
                    "gating",
                    "Dendrite gating",
                    Kind::Choice(GATINGS),
                    "abs_max",
                    "Which segment gates a unit: the largest |activation| (can also switch it off), or the largest.",
                ),
            ]);
        }
        Tab::Plasticity => {
            const O: &str = "Oja's rule";
            // Raw pixels in [0, 1], as the Oja authors' code: with standardised inputs
            // Oja's Hebbian term diverges at these rates (docs/science.md).
            out.extend(data_fields("2000", "false"));
            out.extend([
                field(MODEL, "depth", "Hidden layers", int(1.0, 64.0), "2", ""),
                field(
                    MODEL,
                    "width",
                    "Units per hidden layer",
                    int(1.0, 4096.0),
                    "100",
                    "",
                ),
                field(
                    MODEL,
                    "init_scale",
                    "Initial weight scale",
                    num(0.0001, 100.0),
                    "0.1",
                    "0.1 is the paper's poor initialisation; 1 is the standard one.",
                ),
                field(
                    TRAINING,
                    "lr",
                    "SGD learning rate",
                    num(1e-6, 10.0),
                    "0.05",
                    "Plain SGD, no momentum, no normalisation.",
                ),
                field(
                    TRAINING,
                    "batch",
                    "Batch size",
                    int(1.0, 1024.0),
                    "16",
                    "1 = online learning.",
                ),
                field(TRAINING, "epochs", "Epochs", int(1.0, 100.0), "2", ""),
                field(TRAINING, "seed", "Seed", int(0.0, 4_294_967_295.0), "5", ""),
                field(
                    TRAINING,
                    "eval_every",
                    "Evaluate every",
                    int(0.0, 100_000.0),
                    "20",
                    "Steps between points of the curves (0 = once per epoch).",
                ),
                field(
                    O,
                    "eta",
                    "Oja coefficient eta",
                    num(0.0, 1.0),
                    "0.01",
                    "Strength of the Hebbian term added to every update.",
                ),
                field(
                    O,
                    "formulation",
                    "Network and Oja signal",
                    Kind::Choice(FORMULATIONS),
                    "playground",
                    "The authors' code uses Softplus units without biases, Xavier init and softmax(logits) as the output layer's signal.",
                ),
            ]);
        }
    }
    out
}

/// A one-click setting: `(id, label, [(key, value)])`.
pub type Preset = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The paper settings the Plasticity panel offers as one-click presets:
/// `(id, label, [(key, value)])`, each with the best setting for BP + Oja our sweep found
/// (`presets::OjaSetting::best_eta`, the authors' formulation; docs/science.md).
pub const PLASTICITY_PRESETS: &[Preset] = &[
    (
        "online",
        "Online (batch 1)",
        &[
            ("depth", "1"),
            ("width", "100"),
            ("init_scale", "1"),
            ("lr", "0.01"),
            ("batch", "1"),
            ("eval_every", "200"),
            ("formulation", "authors"),
            ("eta", "0.0001"),
        ],
    ),
    (
        "deep",
        "Deep (20 layers)",
        &[
            ("depth", "20"),
            ("width", "64"),
            ("init_scale", "1"),
            ("lr", "0.05"),
            ("batch", "16"),
            ("eval_every", "20"),
            ("formulation", "authors"),
            ("eta", "0.01"),
        ],
    ),
    (
        "bad_init",
        "Bad init (x0.1)",
        &[
            ("depth", "2"),
            ("width", "100"),
            ("init_scale", "0.1"),
            ("lr", "0.05"),
            ("batch", "16"),
            ("eval_every", "20"),
            ("formulation", "authors"),
            ("eta", "0.01"),
        ],
    ),
];

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
    match build(tab, values) {
        Ok(_) => Problems::new(),
        Err(p) => p,
    }
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
    for f in fields(tab) {
        let raw = values.get(f.key).map_or(f.default, String::as_str);
        match parse(&f, raw) {
            Ok(v) => {
                parsed.insert(f.key, v);
            }
            Err(message) => {
                problems.insert(f.key.to_owned(), message);
            }
        }
    }
    for key in values.keys() {
        if !fields(tab).iter().any(|f| f.key == key) {
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

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The form key for a config path from the engine's validation, "" if none fits.
fn field_for(path: &str) -> &'static str {
    const MAP: &[(&str, &str)] = &[
        ("model.hidden", "hidden"),
        ("model.kwta", "kwta"),
        ("model.dendrites", "dendrites"),
        ("model.init", "init_scale"),
        ("train.batch_size", "batch"),
        ("train.epochs", "epochs"),
        ("train.optimizer", "lr"),
        ("train.oja", "eta"),
        ("data.train_samples", "train_samples"),
        ("data.test_samples", "test_samples"),
        ("experiment.prune.output_rate", "output_rate"),
        ("experiment.prune", "rate"),
        ("experiment.rounds", "rounds"),
        ("experiment.target_remaining", "target"),
        ("experiment.levels", "sigma_max"),
        ("experiment.seeds", "seeds"),
        ("experiment.sequence", "tasks"),
        ("experiment.weight_sparsity", "sparsity"),
        ("experiment.oja", "eta"),
    ];
    MAP.iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or("", |(_, key)| key)
}

fn data(r: &Reader<'_>) -> DataSpec {
    DataSpec {
        dataset: match r.choice("dataset") {
            "fashion-mnist" => DatasetChoice::FashionMnist,
            "custom" => DatasetChoice::Custom,
            _ => DatasetChoice::Mnist,
        },
        test_fraction: 1.0 / 6.0,
        train_samples: r.n("train_samples"),
        test_samples: r.n("test_samples"),
        split_seed: None,
        normalize: r.flag("normalize"),
    }
}

fn kwta(fraction: Option<f64>) -> Option<KwtaSpec> {
    fraction.map(|fraction| KwtaSpec { fraction })
}

fn model(r: &mut Reader<'_>, features: usize) -> ModelSpec {
    let hidden = r.list("hidden");
    let kwta = kwta(r.number("kwta"));
    let dendrites = r.number("dendrites").map(|s| DendriteSpec {
        segments: s as usize,
        context: features,
        selection: SegmentSelection::AbsMax,
    });
    let init = InitSpec {
        scheme: InitScheme::SparseAware,
        scale: r.number("init_scale").unwrap_or(1.0),
    };
    match r.choice("model") {
        "mlp" | "" => ModelSpec::Mlp(MlpSpec {
            hidden,
            kwta,
            dendrites,
            init,
            ..MlpSpec::new(Vec::new())
        }),
        name => {
            let base = match name {
                "lenet5" => ModelSpec::lenet5(),
                "conv4" => ModelSpec::conv4(CNN_CHANNELS),
                _ => ModelSpec::conv2(CNN_CHANNELS),
            };
            let ModelSpec::Cnn(c) = base else {
                return base;
            };
            ModelSpec::Cnn(CnnSpec {
                hidden,
                kwta,
                dendrites,
                init,
                ..c
            })
        }
    }
}

/// Channels of the Conv-2 and Conv-4 networks the forms build.
pub const CNN_CHANNELS: usize = 16;

fn optimizer(r: &Reader<'_>) -> OptimizerSpec {
    let lr = r.f("lr");
    match r.choice("optimizer") {
        "sgd" => OptimizerSpec::sgd(lr),
        "momentum" => OptimizerSpec::Sgd {
            lr,
            momentum: 0.9,
            weight_decay: 0.0,
        },
        _ => OptimizerSpec::adam(lr),
    }
}

fn train(r: &Reader<'_>) -> TrainSpec {
    TrainSpec {
        optimizer: optimizer(r),
        batch_size: r.n("batch"),
        epochs: r.n("epochs"),
        oja: None,
    }
}

fn base(tab: Tab, r: &mut Reader<'_>, experiment: ExperimentKind) -> ExperimentConfig {
    let data = data(r);
    let model = model(r, FEATURES);
    let batch = r.n("batch");
    ExperimentConfig {
        version: CONFIG_VERSION,
        name: tab.label().to_owned(),
        seed: r.u64("seed"),
        data,
        model,
        train: train(r),
        experiment,
        // Batch 1 steps are tiny: report and yield less often.
        steps_per_call: if batch <= 4 { 50 } else { 10 },
    }
}

/// Input size of the images the forms configure dendrites for (28 x 28).
pub const FEATURES: usize = 784;

fn prune_spec(r: &Reader<'_>, output_key: Option<&str>) -> PruneSpec {
    let rate = r.f("rate");
    PruneSpec {
        rate,
        output_rate: output_key.map_or(rate / 2.0, |k| r.f(k)),
        conv_rate: rate / 2.0,
        scope: if r.choice("scope") == "global" {
            PruneScope::Global
        } else {
            PruneScope::LayerWise
        },
    }
}

fn assemble(tab: Tab, r: &mut Reader<'_>) -> Vec<Planned> {
    let single = |config| {
        vec![Planned {
            config,
            method: None,
        }]
    };
    match tab {
        Tab::Train => {
            let spec = TrainingSpec {
                eval_every: r.u64("eval_every"),
                ..TrainingSpec::default()
            };
            single(base(tab, r, ExperimentKind::Train(spec)))
        }
        Tab::Prune => {
            let mut controls = Vec::new();
            if r.flag("control_reinit") {
                controls.push(Control::RandomReinit);
            }
            if r.flag("control_mask") {
                controls.push(Control::RandomMask);
            }
            let spec = ImpSpec {
                prune: prune_spec(r, Some("output_rate")),
                rounds: r.n("rounds"),
                target_remaining: r.number("target"),
                reset: match r.choice("reset") {
                    "rewind_step" => ResetMode::RewindStep {
                        step: r.u64("rewind_step"),
                    },
                    "fine_tune" => ResetMode::FineTune,
                    _ => ResetMode::RewindInit,
                },
                controls,
                eval_every: 0,
            };
            single(base(tab, r, ExperimentKind::Imp(spec)))
        }
        Tab::Noise => {
            let steps = r.n("sigma_steps").max(1);
            let max = r.f("sigma_max");
            let spec = NoiseSpec {
                noise: NoiseKind::from_id(r.choice("noise")).unwrap_or_default(),
                levels: (0..=steps).map(|i| max * i as f64 / steps as f64).collect(),
                seeds: r.n("seeds"),
                noise_seed: r.u64("noise_seed"),
                prune: prune_spec(r, None),
                rounds: r.n("rounds"),
            };
            single(base(tab, r, ExperimentKind::Noise(spec)))
        }
        Tab::Continual => continual(r),
        Tab::Plasticity => {
            let spec = PlasticitySpec {
                oja: OjaSpec {
                    eta: r.f("eta"),
                    form: OjaForm::Subspace,
                    signal: OjaSignal::Activation,
                    output: OjaOutput::Logits,
                },
                eval_every: r.u64("eval_every"),
            };
            let mut config = base(tab, r, ExperimentKind::Plasticity(spec));
            config.model = ModelSpec::Mlp(MlpSpec {
                hidden: vec![r.n("width"); r.n("depth")],
                kwta: None,
                dendrites: None,
                init: InitSpec {
                    scheme: InitScheme::Uniform,
                    scale: r.f("init_scale"),
                },
                ..MlpSpec::new(Vec::new())
            });
            config.train.optimizer = OptimizerSpec::sgd(r.f("lr"));
            let formulation = if r.choice("formulation") == "authors" {
                OjaFormulation::Authors
            } else {
                OjaFormulation::Playground
            };
            formulation.apply(&mut config);
            single(config)
        }
    }
}

/// The continual-learning methods a form can compare: `(key, label, k-WTA, sparsity,
/// dendrites)`.
pub const CONTINUAL_METHODS: &[(&str, &str, bool, bool, bool)] = &[
    ("m_dense", "dense", false, false, false),
    ("m_sparse", "weight sparsity", false, true, false),
    ("m_kwta", "k-WTA", true, false, false),
    ("m_kwta_sparse", "k-WTA + sparsity", true, true, false),
    (
        "m_dendrites",
        "dendrites + k-WTA + sparsity",
        true,
        true,
        true,
    ),
];

fn continual(r: &mut Reader<'_>) -> Vec<Planned> {
    let sequence = if r.choice("sequence") == "split" {
        Sequence::Split
    } else {
        Sequence::Permuted {
            tasks: r.n("tasks"),
        }
    };
    let context = if r.choice("context") == "inferred" {
        ContextMode::Inferred
    } else {
        ContextMode::TrueTask
    };
    let mut out = Vec::new();
    for &(key, label, with_kwta, sparse, dendrites) in CONTINUAL_METHODS {
        if !r.flag(key) {
            continue;
        }
        let spec = ContinualSpec {
            sequence,
            weight_sparsity: if sparse { r.f("sparsity") } else { 0.0 },
            sparse_conv: r.flag("sparse_conv"),
            context,
            sparse_output: r.flag("sparse_output"),
            reset_optimizer: r.flag("reset_optimizer"),
        };
        let mut config = base(Tab::Continual, r, ExperimentKind::Continual(spec));
        config.name = format!("Continual: {label}");
        let k = with_kwta.then(|| KwtaSpec {
            fraction: r.f("kwta"),
        });
        let d = dendrites.then(|| DendriteSpec {
            segments: sequence.tasks(),
            context: FEATURES,
            selection: if r.choice("gating") == "max" {
                SegmentSelection::Max
            } else {
                SegmentSelection::AbsMax
            },
        });
        match &mut config.model {
            ModelSpec::Mlp(m) => {
                m.kwta = k;
                m.dendrites = d;
            }
            ModelSpec::Cnn(c) => {
                c.kwta = k;
                c.dendrites = d;
            }
        }
        out.push(Planned {
            config,
            method: Some(label.to_owned()),
        });
    }
    out
}

/// The form values that produce `config` (for a run restored from history or a file).
/// Keys the config does not determine keep their defaults.
pub fn values_from_config(tab: Tab, config: &ExperimentConfig) -> Values {
    let mut v = defaults(tab);
    let mut set = |key: &str, value: String| {
        if v.contains_key(key) {
            v.insert(key.to_owned(), value);
        }
    };
    set(
        "dataset",
        match config.data.dataset {
            DatasetChoice::Mnist => "mnist",
            DatasetChoice::FashionMnist => "fashion-mnist",
            DatasetChoice::Custom => "custom",
        }
        .into(),
    );
    set("train_samples", config.data.train_samples.to_string());
    set("normalize", config.data.normalize.to_string());
    set("test_samples", config.data.test_samples.to_string());
    set("seed", config.seed.to_string());
    let hidden = config.model.hidden();
    set(
        "hidden",
        hidden
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    set("depth", hidden.len().to_string());
    set("width", hidden.first().copied().unwrap_or(1).to_string());
    set("init_scale", fmt(config.model.init().scale));
    let model_kwta = match &config.model {
        ModelSpec::Mlp(m) => m.kwta,
        ModelSpec::Cnn(c) => c.kwta,
    };
    if tab != Tab::Continual {
        set(
            "kwta",
            model_kwta.map_or(String::new(), |k| fmt(k.fraction)),
        );
    }
    if let Some(d) = config.model.dendrites() {
        set("dendrites", d.segments.to_string());
    }
    set("model", model_id(&config.model).into());
    let (optimizer, lr) = match config.train.optimizer {
        OptimizerSpec::Adam { lr, .. } => ("adam", lr),
        OptimizerSpec::Sgd { lr, momentum, .. } if momentum > 0.0 => ("momentum", lr),
        OptimizerSpec::Sgd { lr, .. } => ("sgd", lr),
    };
    set("optimizer", optimizer.into());
    set("lr", fmt(lr));
    set("batch", config.train.batch_size.to_string());
    set("epochs", config.train.epochs.to_string());
    match &config.experiment {
        ExperimentKind::Train(s) => set("eval_every", s.eval_every.to_string()),
        ExperimentKind::Imp(s) => {
            set("rate", fmt(s.prune.rate));
            set("output_rate", fmt(s.prune.output_rate));
            set("rounds", s.rounds.to_string());
            set("target", s.target_remaining.map_or(String::new(), fmt));
            let scope = if s.prune.scope == PruneScope::Global {
                "global"
            } else {
                "layer"
            };
            set("scope", scope.into());
            let reset = match s.reset {
                ResetMode::RewindInit => "rewind_init",
                ResetMode::RewindStep { step } => {
                    set("rewind_step", step.to_string());
                    "rewind_step"
                }
                ResetMode::FineTune => "fine_tune",
            };
            set("reset", reset.into());
            set(
                "control_reinit",
                s.controls.contains(&Control::RandomReinit).to_string(),
            );
            set(
                "control_mask",
                s.controls.contains(&Control::RandomMask).to_string(),
            );
        }
        ExperimentKind::Noise(s) => {
            let max = s.levels.iter().copied().fold(0.0, f64::max);
            set("noise", s.noise.id().into());
            set("sigma_max", fmt(max));
            set(
                "sigma_steps",
                s.levels.len().saturating_sub(1).max(1).to_string(),
            );
            set("seeds", s.seeds.to_string());
            set("rate", fmt(s.prune.rate));
            set("rounds", s.rounds.to_string());
            set("noise_seed", s.noise_seed.to_string());
        }
        ExperimentKind::Continual(s) => {
            match s.sequence {
                Sequence::Permuted { tasks } => {
                    set("sequence", "permuted".into());
                    set("tasks", tasks.to_string());
                }
                Sequence::Split => set("sequence", "split".into()),
            }
            let context = if s.context == ContextMode::Inferred {
                "inferred"
            } else {
                "true_task"
            };
            set("context", context.into());
            let method = CONTINUAL_METHODS.iter().find(|m| {
                m.2 == model_kwta.is_some()
                    && m.3 == (s.weight_sparsity > 0.0)
                    && m.4 == config.model.dendrites().is_some()
            });
            for m in CONTINUAL_METHODS {
                set(m.0, (Some(m) == method).to_string());
            }
            if let Some(k) = model_kwta {
                set("kwta", fmt(k.fraction));
            }
            if s.weight_sparsity > 0.0 {
                set("sparsity", fmt(s.weight_sparsity));
            }
            set("sparse_output", s.sparse_output.to_string());
            set("sparse_conv", s.sparse_conv.to_string());
            set("reset_optimizer", s.reset_optimizer.to_string());
            if let Some(d) = config.model.dendrites() {
                let gating = match d.selection {
                    SegmentSelection::Max => "max",
                    SegmentSelection::AbsMax => "abs_max",
                };
                set("gating", gating.into());
            }
        }
        ExperimentKind::Plasticity(s) => {
            set("eta", fmt(s.oja.eta));
            let authors = s.oja.output == OjaOutput::Softmax;
            set(
                "formulation",
                if authors { "authors" } else { "playground" }.into(),
            );
            set("eval_every", s.eval_every.to_string());
        }
    }
    v
}

fn model_id(model: &ModelSpec) -> &'static str {
    let ModelSpec::Cnn(c) = model else {
        return "mlp";
    };
    for (id, candidate) in [
        ("lenet5", ModelSpec::lenet5()),
        ("conv2", ModelSpec::conv2(CNN_CHANNELS)),
        ("conv4", ModelSpec::conv4(CNN_CHANNELS)),
    ] {
        if let ModelSpec::Cnn(k) = candidate
            && k.convs == c.convs
        {
            return id;
        }
    }
    "conv2"
}

/// The fraction of weights remaining after each round of the schedule in `values` (round
/// 0 first), for the Prune panel's preview; `None` if the schedule fields are invalid.
pub fn prune_preview(values: &Values) -> Option<Vec<f64>> {
    let planned = build(Tab::Prune, values).ok()?;
    let ExperimentKind::Imp(spec) = &planned.first()?.config.experiment else {
        return None;
    };
    Some(
        (0..spec.planned_rounds())
            .map(|n| bioplay_engine::prune::remaining_after(spec.prune.rate, n))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_panel_builds_from_its_defaults() {
        for tab in Tab::ALL {
            let planned = build(tab, &defaults(tab))
                .unwrap_or_else(|p| panic!("{tab:?} defaults do not build: {p:?}"));
            assert!(!planned.is_empty());
            for p in planned {
                p.config.validate().expect("valid");
            }
        }
    }

    #[test]
    fn defaults_follow_the_papers() {
        let planned = build(Tab::Prune, &defaults(Tab::Prune)).expect("builds");
        let c = &planned[0].config;
        assert_eq!(c.model, ModelSpec::lenet_300_100());
        assert_eq!(c.train.optimizer, OptimizerSpec::adam(0.0012));
        assert_eq!(c.train.batch_size, 60);
        let ExperimentKind::Imp(spec) = &c.experiment else {
            panic!("not IMP")
        };
        assert_eq!((spec.prune.rate, spec.prune.output_rate), (0.2, 0.1));
        assert_eq!(spec.controls, [Control::RandomReinit]);
    }

    #[test]
    fn bad_values_get_a_message_on_their_field() {
        let mut v = defaults(Tab::Train);
        v.insert("batch".into(), "0".into());
        v.insert("lr".into(), "fast".into());
        v.insert("hidden".into(), "300, x".into());
        v.insert("epochs".into(), "1.5".into());
        let p = build(Tab::Train, &v).expect_err("invalid");
        assert_eq!(p["batch"], "Must be between 1 and 1024.");
        assert!(p["lr"].contains("not a number"), "{}", p["lr"]);
        assert!(p["hidden"].contains("\u{201c}x\u{201d}"), "{}", p["hidden"]);
        assert_eq!(p["epochs"], "Enter a whole number.");
        assert_eq!(p.len(), 4, "{p:?}");
        // The typed text is kept: building does not change the values.
        assert_eq!(v["lr"], "fast");
    }

    #[test]
    fn engine_checks_land_on_the_right_field() {
        // Dendrites need a hidden layer: the engine says so, on the dendrites field.
        let mut v = defaults(Tab::Train);
        v.insert("hidden".into(), "".into());
        v.insert("dendrites".into(), "3".into());
        let p = build(Tab::Train, &v).expect_err("invalid");
        assert!(p["dendrites"].contains("hidden layer"), "{p:?}");
    }

    #[test]
    fn unknown_keys_and_no_methods_are_form_problems() {
        let mut v = defaults(Tab::Noise);
        v.insert("sigma".into(), "2".into());
        assert!(build(Tab::Noise, &v).expect_err("unknown")[""].contains("sigma"));
        let mut v = defaults(Tab::Continual);
        for m in CONTINUAL_METHODS {
            v.insert(m.0.into(), "false".into());
        }
        assert!(build(Tab::Continual, &v).expect_err("none")[""].contains("method"));
    }

    #[test]
    fn the_plasticity_presets_match_the_engines_reference_settings() {
        use bioplay_engine::experiment::presets::{self, OjaSetting};
        for (id, setting) in [
            ("online", OjaSetting::Online),
            ("deep", OjaSetting::Deep),
            ("bad_init", OjaSetting::BadInit),
        ] {
            let (_, _, values) = PLASTICITY_PRESETS
                .iter()
                .find(|p| p.0 == id)
                .expect("preset");
            let mut v = defaults(Tab::Plasticity);
            for (key, value) in *values {
                v.insert((*key).into(), (*value).into());
            }
            let built = build(Tab::Plasticity, &v).expect("builds").remove(0).config;
            let reference = presets::plasticity(setting, true);
            assert_eq!(built.model, reference.model, "{id}");
            assert_eq!(built.train.batch_size, reference.train.batch_size, "{id}");
            assert_eq!(built.train.optimizer, reference.train.optimizer, "{id}");
            assert_eq!(built.data.normalize, reference.data.normalize, "{id}");
            let (ExperimentKind::Plasticity(a), ExperimentKind::Plasticity(b)) =
                (&built.experiment, &reference.experiment)
            else {
                panic!("plasticity")
            };
            assert_eq!(a.oja, b.oja, "{id}");
        }
    }

    #[test]
    fn continual_builds_one_config_per_method() {
        let mut v = defaults(Tab::Continual);
        for m in CONTINUAL_METHODS {
            v.insert(m.0.into(), "true".into());
        }
        let planned = build(Tab::Continual, &v).expect("builds");
        assert_eq!(planned.len(), CONTINUAL_METHODS.len());
        let last = &planned[4].config;
        // One segment per task (5 by default).
        assert_eq!(last.model.dendrites().map(|d| d.segments), Some(5));
        let ExperimentKind::Continual(spec) = &last.experiment else {
            panic!("not continual")
        };
        assert_eq!(spec.weight_sparsity, 0.5);
        assert_eq!(planned[0].method.as_deref(), Some("dense"));
    }

    #[test]
    fn configs_round_trip_through_the_form() {
        for tab in Tab::ALL {
            let mut v = defaults(tab);
            // Change a few values so the round trip is not just defaults.
            for (key, value) in [
                ("seed", "7"),
                ("batch", "32"),
                ("model", "conv2"),
                ("hidden", "64"),
                ("reset", "rewind_step"),
                ("rewind_step", "15"),
                ("target", "0.1"),
                ("control_mask", "true"),
                ("sigma_steps", "4"),
                ("m_dense", "false"),
                ("m_dendrites", "true"),
                ("gating", "max"),
                ("normalize", "false"),
                ("formulation", "authors"),
                ("eta", "0.002"),
                ("depth", "3"),
            ] {
                if v.contains_key(key) {
                    v.insert(key.into(), value.into());
                }
            }
            let planned = build(tab, &v).expect("builds");
            for p in planned {
                let back = values_from_config(tab, &p.config);
                let again = build(tab, &back).expect("rebuilds");
                assert!(
                    again.iter().any(|a| a.config == p.config),
                    "{tab:?}: {:?} -> {back:?}",
                    p.config
                );
            }
        }
    }

    #[test]
    fn the_prune_preview_follows_the_schedule() {
        let mut v = defaults(Tab::Prune);
        v.insert("rounds".into(), "3".into());
        let preview = prune_preview(&v).expect("valid");
        assert_eq!(preview.len(), 4);
        assert!((preview[3] - 0.512).abs() < 1e-9, "{preview:?}");
        v.insert("target".into(), "0.7".into());
        assert_eq!(prune_preview(&v).expect("valid").len(), 3);
        v.insert("rate".into(), "2".into());
        assert_eq!(prune_preview(&v), None);
    }
}
