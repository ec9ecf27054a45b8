//! The confusion matrix of a network on a set of samples: how often each true class was
//! given each predicted class, and the per-class accuracy it implies.

use serde::{Deserialize, Serialize};

use super::*;

/// `counts[true class][predicted class]` over a set of samples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// One row per true class, one column per predicted class; every row has one entry
    /// per class.
    pub counts: Vec<Vec<u32>>,
}

impl Confusion {
    /// An all-zero matrix for `classes` classes.
    pub fn new(classes: usize) -> Self {
        Confusion {
            counts: vec![vec![0; classes]; classes],
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.counts.len()
    }

    /// Samples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().map(|&c| u64::from(c)).sum()
    }

    /// Samples on the diagonal (predicted right).
    pub fn correct(&self) -> u64 {
        self.counts
            .iter()
            .enumerate()
            .map(|(i, row)| u64::from(row.get(i).copied().unwrap_or(0)))
            .sum()
    }

    /// Per true class: the fraction of its samples predicted right (`None` for a class
    /// with no samples).
    pub fn per_class_accuracy(&self) -> Vec<Option<f64>> {
        self.counts
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let n: u64 = row.iter().map(|&c| u64::from(c)).sum();
                (n > 0).then(|| f64::from(row.get(i).copied().unwrap_or(0)) / n as f64)
            })
            .collect()
    }

    /// Each row divided by its sum (what fraction of a true class went to each
    /// prediction); `None` in the rows of classes with no samples.
    pub fn row_fractions(&self) -> Vec<Vec<Option<f64>>> {
        self.counts
            .iter()
            .map(|row| {
                let n: u64 = row.iter().map(|&c| u64::from(c)).sum();
                row.iter()
                    .map(|&c| (n > 0).then(|| f64::from(c) / n as f64))
                    .collect()
            })
            .collect()
    }
}

/// The confusion matrix of `params` on `samples`: one forward pass per [`EVAL_BATCH`]
/// samples and one read-back of the predicted classes per batch. A prediction is the
/// first class with the largest score.
pub async fn confusion(
    net: &Network,
    params: &[Tensor<1>],
    samples: &Samples<'_>,
    device: &Device,
) -> Result<Confusion, TrainError> {
    check_fit(net, samples, "evaluate")?;
    let device = device.clone().inner();
    let mut matrix = Confusion::new(net.classes());
    let positions: Vec<usize> = (0..samples.indices.len()).collect();
    for chunk in positions.chunks(EVAL_BATCH) {
        let batch = host_batch(samples, chunk).upload(net, &device);
        let logits = net
            .forward(params, batch.x, batch.context.as_ref(), false)?
            .logits;
        matrix.count(samples, chunk, logits).await?;
    }
    Ok(matrix)
}

impl Confusion {
    /// Counts the predictions of `logits`, the scores of the samples at `positions` (into
    /// `samples.indices`): one read-back of the predicted classes.
    pub(super) async fn count(
        &mut self,
        samples: &Samples<'_>,
        positions: &[usize],
        logits: Tensor<2>,
    ) -> Result<(), TrainError> {
        let predicted = download(logits.argmax(1).float().reshape([positions.len()])).await?;
        for (&position, &class) in positions.iter().zip(&predicted) {
            let label = usize::from(samples.dataset.label(samples.indices[position]));
            let class = class as usize;
            if let Some(cell) = self.counts.get_mut(label).and_then(|r| r.get_mut(class)) {
                *cell += 1;
            }
        }
        Ok(())
    }
}
