//! The one-click paper settings the Continual and Plasticity panels offer: each a list of
//! form values, checked by the form tests to build what the engine's presets build.

use super::*;

/// The one-click settings a panel offers (none for most).
pub fn presets(tab: Tab) -> &'static [Preset] {
    match tab {
        Tab::Continual => CONTINUAL_PRESETS,
        Tab::Plasticity => PLASTICITY_PRESETS,
        _ => &[],
    }
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

/// The paper settings the Continual panel offers: the default permuted-MNIST comparison
/// of MLPs (Iyer et al., at browser scale), and split Fashion-MNIST with CNNs, the browser
/// form of `presets::continual_split_cnn(_, true)` (Bain's CNN extension; the form test
/// checks they build the same networks and recipe).
pub const CONTINUAL_PRESETS: &[Preset] = &[
    (
        "permuted_mlp",
        "Permuted MNIST, MLPs (Iyer et al.)",
        &[
            ("dataset", "mnist"),
            ("train_samples", "2000"),
            ("test_samples", "1000"),
            ("normalize", "true"),
            ("model", "mlp"),
            ("hidden", "512, 512"),
            ("optimizer", "adam"),
            ("lr", "0.001"),
            ("batch", "64"),
            ("epochs", "2"),
            ("sequence", "permuted"),
            ("tasks", "5"),
            ("context", "true_task"),
            ("m_dense", "true"),
            ("m_sparse", "false"),
            ("m_kwta", "false"),
            ("m_kwta_sparse", "true"),
            ("m_dendrites", "true"),
            ("kwta", "0.1"),
            ("conv_kwta", ""),
            ("sparsity", "0.5"),
            ("sparse_conv", "true"),
            ("sparse_output", "true"),
            ("reset_optimizer", "true"),
            ("gating", "abs_max"),
        ],
    ),
    (
        "split_cnn",
        "Split Fashion-MNIST, CNNs (Bain)",
        &[
            ("dataset", "fashion-mnist"),
            ("train_samples", "10000"),
            ("test_samples", "2000"),
            ("normalize", "true"),
            ("model", "conv2"),
            ("hidden", "256, 256"),
            ("optimizer", "adam"),
            ("lr", "0.001"),
            ("batch", "64"),
            ("epochs", "3"),
            ("sequence", "split"),
            ("context", "true_task"),
            ("m_dense", "true"),
            ("m_sparse", "false"),
            ("m_kwta", "false"),
            ("m_kwta_sparse", "true"),
            ("m_dendrites", "true"),
            ("kwta", "0.1"),
            ("conv_kwta", "0.2"),
            ("sparsity", "0.5"),
            ("sparse_conv", "false"),
            ("sparse_output", "false"),
            ("reset_optimizer", "true"),
            ("gating", "abs_max"),
        ],
    ),
];
