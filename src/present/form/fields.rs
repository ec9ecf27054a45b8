//! Which fields each panel's form has: labels, kinds, bounds, defaults and help text,
//! grouped into sections (the one-click presets are in `presets.rs`).

use super::*;

/// The dataset choices, ids from [`DatasetChoice::id`].
pub(super) const DATASETS: &[(&str, &str)] = &[
    ("mnist", "MNIST digits (10,000 shipped)"),
    ("fashion-mnist", "Fashion-MNIST (70,000 shipped)"),
    ("custom", "My own IDX files"),
];
pub(super) const MODELS: &[(&str, &str)] = &[
    ("mlp", "MLP (hidden widths below)"),
    ("lenet5", "LeNet-5 CNN"),
    ("conv2", "Conv-2 CNN"),
    ("conv4", "Conv-4 CNN"),
];
pub(super) const OPTIMIZERS: &[(&str, &str)] = &[
    ("adam", "Adam"),
    ("sgd", "SGD"),
    ("momentum", "SGD with momentum 0.9"),
];
pub(super) const SCOPES: &[(&str, &str)] = &[
    ("layer", "Layer by layer"),
    ("global", "Globally across layers"),
];
pub(super) const RESETS: &[(&str, &str)] = &[
    (
        "rewind_init",
        "Rewind to the initial weights (lottery ticket)",
    ),
    ("rewind_step", "Rewind to an early training step"),
    ("fine_tune", "Keep training (fine-tune)"),
];
pub(super) const SEQUENCES: &[(&str, &str)] = &[
    ("permuted", "Permuted pixels (all classes per task)"),
    ("split", "Split: two classes per task (5 tasks)"),
];
pub(super) const CONTEXTS: &[(&str, &str)] = &[
    ("true_task", "True task prototype"),
    ("inferred", "Inferred from the input"),
];
pub(super) const FORMULATIONS: &[(&str, &str)] = &[
    ("playground", "ReLU, biases, Oja on logits"),
    (
        "authors",
        "As the authors' code (Softplus, no biases, Xavier, softmax)",
    ),
];
pub(super) const NOISES: &[(&str, &str)] = &[
    ("gaussian", "Gaussian (add N(0, sigma^2))"),
    ("impulse", "Impulse (Bain: pixels set to 2 x std)"),
];
pub(super) const GATINGS: &[(&str, &str)] =
    &[("abs_max", "Absolute max (Numenta)"), ("max", "Max")];
pub(super) const CONTINUAL_MODELS: &[(&str, &str)] = &[("mlp", "MLP"), ("conv2", "Conv-2 CNN")];

pub(super) const fn num(min: f64, max: f64) -> Kind {
    Kind::Number {
        min,
        max,
        integer: false,
        optional: false,
    }
}

pub(super) const fn int(min: f64, max: f64) -> Kind {
    Kind::Number {
        min,
        max,
        integer: true,
        optional: false,
    }
}

pub(super) const fn optional(min: f64, max: f64, integer: bool) -> Kind {
    Kind::Number {
        min,
        max,
        integer,
        optional: true,
    }
}

pub(super) const fn field(
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

pub(super) const DATA: &str = "Data";
pub(super) const MODEL: &str = "Model";
pub(super) const TRAINING: &str = "Training";

/// The data fields, with `train_default` training samples and normalisation on or off
/// (`"true"`, `"false"`) by default.
pub(super) fn data_fields(train_default: &'static str, normalize: &'static str) -> Vec<Field> {
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

pub(super) fn model_fields(
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

pub(super) fn training_fields(
    lr: &'static str,
    batch: &'static str,
    epochs: &'static str,
) -> Vec<Field> {
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
pub(super) fn lenet_fields(train_samples: &'static str, epochs: &'static str) -> Vec<Field> {
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
            // Adam's default rate, 2 epochs of 2,000 digits per task: at this browser
            // scale the papers' ranking shows in the seed means (dendrites, then k-WTA +
            // sparsity, then dense) and the three methods train in under a minute
            // (docs/reference-results.md, "In the browser").
            out.extend(training_fields("0.001", "64", "2"));
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
                    "true",
                    "About three times the training time of the others here: one segment per task and unit, each as long as an image.",
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
                    "conv_kwta",
                    "k-WTA in convolutions: fraction active",
                    optional(0.01, 1.0, false),
                    "",
                    "For CNNs: k-WTA over each convolution's feature map too (Bain: 20%); empty = none.",
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
