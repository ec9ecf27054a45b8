//! One line per paper claim next to a result: the headline number, what the paper found
//! and whether this run agrees, from the engine's claim definitions
//! (`bioplay_engine::experiment::claims`, the ones `bioplay reference` prints).

use super::*;

/// A verdict or headline in words, if the run has one.
pub fn headline(run: &RunRecord) -> Option<String> {
    match run.result.as_ref()? {
        ExperimentResult::Noise(r) => Some(format!("Verdict: {}.", r.verdict)),
        ExperimentResult::Imp(r) => {
            let dense = r.rounds.first()?.series.first()?.fit.final_accuracy;
            let last = r.rounds.last()?;
            let ticket = last.series.first()?.fit.final_accuracy;
            Some(format!(
                "Dense: {}. After {} rounds, {} of the weights remain and the ticket reaches {}.",
                pct(dense),
                last.round,
                pct(last.remaining),
                pct(ticket)
            ))
        }
        ExperimentResult::Plasticity(r) => Some(format!(
            "BP reaches {}, BP+Oja {} (final test accuracy).",
            pct(r.backprop.fit.final_accuracy),
            pct(r.oja.fit.final_accuracy)
        )),
        ExperimentResult::Continual(r) => Some(format!(
            "Average accuracy over {} tasks after the last one: {}; forgetting {}.",
            r.tasks,
            pct(r.average_accuracy),
            pct(r.forgetting)
        )),
        ExperimentResult::Train(r) => Some(format!(
            "Final test accuracy {} after {} steps.",
            pct(r.fit.final_accuracy),
            r.fit.curve.last().map_or(0, |p| p.0)
        )),
    }
}

/// What the paper found and whether this run agrees, one line per claim, from the
/// engine's claim definitions (the same ones `bioplay reference` prints). A continual run
/// is judged together with the other methods of its comparison (`others` of its batch).
pub fn paper_lines(run: &RunRecord, others: &[&RunRecord]) -> Vec<String> {
    let Some(result) = run.result.as_ref() else {
        return Vec::new();
    };
    let found = match result {
        ExperimentResult::Imp(r) => claims::imp(r),
        ExperimentResult::Noise(r) => claims::noise(r),
        ExperimentResult::Plasticity(r) => vec![claims::oja(None, r)],
        ExperimentResult::Continual(_) => continual_claims(run, others),
        ExperimentResult::Train(_) => Vec::new(),
    };
    found.iter().map(claims::Claim::line).collect()
}

/// The continual-learning claims that apply to a run's setting, judged with the other
/// methods of its comparison: the permuted-MNIST claims (Iyer et al.) for MLPs on
/// permuted tasks, Bain's CNN claim for CNNs on split tasks (the panel's dense, k-WTA +
/// sparsity and dendrites runs standing for his CNN, sparse CNN and dendritic CNN), none
/// for the other combinations, which no paper measured.
pub(super) fn continual_claims(run: &RunRecord, others: &[&RunRecord]) -> Vec<claims::Claim> {
    let ExperimentKind::Continual(spec) = &run.config.experiment else {
        return Vec::new();
    };
    let batch: Vec<(ContinualMethod, &ContinualResult)> = std::iter::once(run)
        .chain(
            others
                .iter()
                .copied()
                .filter(|o| run.batch.is_some() && o.batch == run.batch && o.id != run.id),
        )
        .filter_map(|r| {
            let method = ContinualMethod::from_label(r.method.as_deref()?)?;
            match r.result.as_ref()? {
                ExperimentResult::Continual(c) => Some((method, c)),
                _ => None,
            }
        })
        .collect();
    match (&run.config.model, spec.sequence) {
        (ModelSpec::Mlp(_), Sequence::Permuted { .. }) => claims::continual(&batch),
        (ModelSpec::Cnn(_), Sequence::Split) => {
            let cnn: Vec<(CnnMethod, &ContinualResult)> = batch
                .iter()
                .filter_map(|&(method, result)| {
                    let as_cnn = match method {
                        ContinualMethod::Dense => CnnMethod::Cnn,
                        ContinualMethod::KwtaSparse => CnnMethod::SparseCnn,
                        ContinualMethod::DendritesKwtaSparse => CnnMethod::DendriticCnn,
                        ContinualMethod::Kwta | ContinualMethod::WeightSparsity => return None,
                    };
                    Some((as_cnn, result))
                })
                .collect();
            claims::continual_cnn(&cnn).into_iter().collect()
        }
        _ => Vec::new(),
    }
}
