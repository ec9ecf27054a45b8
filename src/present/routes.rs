//! The playground's places (tabs) and how they appear in the URL.
//!
//! Each tab is one experiment family of the papers the playground reproduces. The location
//! hash (`#/prune`) names the tab, so links and the back button work without a server-side
//! router; an unknown hash falls back to the first tab.

/// One place in the playground.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tab {
    /// Train a network and watch its curves.
    #[default]
    Train,
    /// Iterative magnitude pruning (lottery tickets).
    Prune,
    /// Gaussian noise robustness, dense against sparse.
    Noise,
    /// Continual learning and catastrophic forgetting.
    Continual,
    /// Oja's plasticity rule added to backpropagation.
    Plasticity,
}

/// A paper a tab reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paper {
    /// Authors, title and venue, as cited.
    pub citation: &'static str,
    /// Where to read it.
    pub url: &'static str,
}

/// Stored and exported as its id (`"prune"`); an unknown id is an error naming it.
impl serde::Serialize for Tab {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for Tab {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        Tab::ALL
            .into_iter()
            .find(|tab| tab.id() == id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown panel \u{201c}{id}\u{201d}")))
    }
}

impl Tab {
    /// The panel that runs experiments of this kind.
    pub fn of_experiment(kind: &bioplay_engine::experiment::ExperimentKind) -> Tab {
        use bioplay_engine::experiment::ExperimentKind;
        match kind {
            ExperimentKind::Train(_) => Tab::Train,
            ExperimentKind::Imp(_) => Tab::Prune,
            ExperimentKind::Noise(_) => Tab::Noise,
            ExperimentKind::Continual(_) => Tab::Continual,
            ExperimentKind::Plasticity(_) => Tab::Plasticity,
        }
    }

    /// Every tab, in navigation order.
    pub const ALL: [Tab; 5] = [
        Tab::Train,
        Tab::Prune,
        Tab::Noise,
        Tab::Continual,
        Tab::Plasticity,
    ];

    /// Its position in [`Tab::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The identifier used in the location hash and in test ids.
    pub fn id(self) -> &'static str {
        match self {
            Tab::Train => "train",
            Tab::Prune => "prune",
            Tab::Noise => "noise",
            Tab::Continual => "continual",
            Tab::Plasticity => "plasticity",
        }
    }

    /// The navigation label.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Train => "Train",
            Tab::Prune => "Prune",
            Tab::Noise => "Noise",
            Tab::Continual => "Continual",
            Tab::Plasticity => "Plasticity",
        }
    }

    /// The location hash that selects this tab.
    pub fn hash(self) -> String {
        format!("#/{}", self.id())
    }

    /// The tab a location hash names; `None` for anything else.
    pub fn from_hash(hash: &str) -> Option<Tab> {
        let id = hash.trim_start_matches('#').trim_start_matches('/');
        let id = id.split(['?', '/']).next().unwrap_or_default();
        Tab::ALL
            .into_iter()
            .find(|tab| tab.id().eq_ignore_ascii_case(id))
    }

    /// The panel's heading.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Train => "Train a small network",
            Tab::Prune => "Lottery tickets: iterative magnitude pruning",
            Tab::Noise => "Does sparsity make a network robust to noise?",
            Tab::Continual => "Continual learning without catastrophic forgetting",
            Tab::Plasticity => "Oja's plasticity rule alongside backpropagation",
        }
    }

    /// One paragraph on what the experiment is and what the papers claim.
    pub fn summary(self) -> &'static str {
        match self {
            Tab::Train => {
                "Train an MLP (LeNet-300-100 by default) or a small CNN on MNIST or \
                 Fashion-MNIST, right here on your GPU or CPU, and watch loss and accuracy \
                 move step by step. Every other experiment starts from a network trained \
                 like this."
            }
            Tab::Prune => {
                "Train, remove the smallest weights, rewind the survivors to their initial \
                 values and train again. Repeated, this finds sparse 'winning tickets' that \
                 match the dense network's accuracy with about 3% of its weights (roughly \
                 33x fewer), while the same masks with fresh random weights fall behind."
            }
            Tab::Noise => {
                "Add noise of growing strength to the test images (Gaussian, or impulse \
                 noise: a growing fraction of pixels set to one grey level) and compare the \
                 accuracy curves of dense and pruned networks of equal clean accuracy. The \
                 papers found that weight sparsity alone does not make a network more \
                 robust; here the verdict comes from paired runs over several seeds."
            }
            Tab::Continual => {
                "Train on one task after another (permuted or split MNIST and \
                 Fashion-MNIST) without revisiting old data, and watch accuracy on earlier \
                 tasks fall. Weight sparsity, k-winners-take-all activations and active \
                 dendrites with task context reduce this forgetting, for MLPs and CNNs."
            }
            Tab::Plasticity => {
                "Add Oja's Hebbian rule to every backpropagation update with plain SGD. The \
                 paper reports that it rescues training where backpropagation alone \
                 struggles: online learning with batch size 1, deep networks without \
                 normalisation, and badly scaled initial weights."
            }
        }
    }

    /// The papers behind the tab.
    pub fn papers(self) -> &'static [Paper] {
        const BAIN: Paper = Paper {
            citation: "R. Bain, The Role Of Biology In Deep Learning (2022)",
            url: "https://arxiv.org/abs/2209.04425",
        };
        const LTH: Paper = Paper {
            citation: "J. Frankle, M. Carbin, The Lottery Ticket Hypothesis (ICLR 2019)",
            url: "https://arxiv.org/abs/1803.03635",
        };
        const DENDRITES: Paper = Paper {
            citation: "A. Iyer et al., Avoiding Catastrophe: Active Dendrites Enable \
                       Multi-Task Learning in Dynamic Environments (2022)",
            url: "https://arxiv.org/abs/2201.00042",
        };
        const OJA: Paper = Paper {
            citation: "N. Shervani-Tabar, M. A. Mirhoseini, R. Rosenbaum, Oja's plasticity \
                       rule overcomes several challenges of training neural networks under \
                       biological constraints (2024)",
            url: "https://arxiv.org/abs/2408.08408",
        };
        const LECUN: Paper = Paper {
            citation: "Y. LeCun et al., Gradient-based learning applied to document \
                       recognition (1998)",
            url: "https://doi.org/10.1109/5.726791",
        };
        match self {
            Tab::Train => &[LECUN],
            Tab::Prune => &[LTH, BAIN],
            Tab::Noise => &[BAIN],
            Tab::Continual => &[DENDRITES, BAIN],
            Tab::Plasticity => &[OJA],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_round_trip() {
        for tab in Tab::ALL {
            assert_eq!(Tab::from_hash(&tab.hash()), Some(tab));
        }
    }

    #[test]
    fn hash_parsing_accepts_common_shapes() {
        assert_eq!(Tab::from_hash("#prune"), Some(Tab::Prune));
        assert_eq!(Tab::from_hash("#/Noise"), Some(Tab::Noise));
        assert_eq!(Tab::from_hash("#/continual?x=1"), Some(Tab::Continual));
        assert_eq!(Tab::from_hash(""), None);
        assert_eq!(Tab::from_hash("#/nope"), None);
    }

    #[test]
    fn every_tab_cites_a_paper_with_a_link() {
        for tab in Tab::ALL {
            assert!(!tab.papers().is_empty(), "{tab:?} has no paper");
            for paper in tab.papers() {
                assert!(paper.url.starts_with("https://"), "{}", paper.url);
            }
        }
    }
}
