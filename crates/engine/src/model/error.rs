//! What can go wrong when a network is run: inputs, contexts, parameters or masks that
//! do not fit it.

/// A forward pass that cannot run with the inputs given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The input batch has the wrong number of features.
    #[error("the network expects {expected} input values per sample, got {got}")]
    InputSize {
        /// Values per sample the network takes.
        expected: usize,
        /// Values per sample given.
        got: usize,
    },
    /// A dendritic network was run without a context.
    #[error("this network has active dendrites and needs a context vector")]
    MissingContext,
    /// The context has the wrong shape.
    #[error("the context must be [{batch}, {size}] (or [1, {size}], shared), got {got:?}")]
    ContextShape {
        /// Batch size.
        batch: usize,
        /// Context length the dendrites read.
        size: usize,
        /// Shape given.
        got: [usize; 2],
    },
    /// The parameters are not this network's: too many or too few.
    #[error("the network has {expected} parameter tensors, got {got}")]
    ParamCount {
        /// Parameters of the network.
        expected: usize,
        /// Parameters given.
        got: usize,
    },
    /// A parameter has the wrong number of values.
    #[error("parameter {name} should have {expected} values, got {got}")]
    ParamSize {
        /// The parameter, e.g. `fc1.weight`.
        name: String,
        /// Values of the parameter.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// More masks than parameters.
    #[error("the network has {expected} parameters, got {got} masks")]
    MaskCount {
        /// Parameters of the network.
        expected: usize,
        /// Masks given.
        got: usize,
    },
    /// A mask does not fit its parameter.
    #[error("the mask of {name} should have {expected} entries, got {got}")]
    MaskSize {
        /// The parameter, e.g. `fc1.weight`.
        name: String,
        /// Values of the parameter.
        expected: usize,
        /// Entries of the mask.
        got: usize,
    },
    /// The image does not survive the convolutions and pools.
    #[error("a {height}x{width} input is too small for this CNN ({what})")]
    InputTooSmall {
        /// Input height.
        height: usize,
        /// Input width.
        width: usize,
        /// Where it ran out.
        what: String,
    },
}
