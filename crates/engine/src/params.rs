//! A network's trainable state in one place: each parameter's value, its pruning mask (on
//! the host, and as a 0/1 tensor on the device) and its optimiser moments.
//!
//! The engine keeps parameters as plain flat tensors rather than inside Burn modules
//! (ARCHITECTURE.md, "Parameters as data"), so something must keep the values, masks and
//! moments of a parameter together: a [`ParamStore`] is built against a network's
//! [`ParamInfo`] list and checks every length once, and from then on the only way to reach
//! a parameter's parts is through the store (by [`ParamId`], or one slot at a time for the
//! optimiser), so they cannot drift apart. Masks stay applied: [`ParamStore::new`] and
//! [`ParamStore::set_masks`] zero the pruned weights, the optimiser and Oja's rule re-mask
//! what they write.

use burn::tensor::{Device, Tensor};

use crate::model::{ModelError, ParamInfo};
use crate::prune::Masks;
use crate::tensor_io::{ReadError, download};

/// A parameter of a network: its position in [`Network::params`](crate::model::Network::params)
/// and in every [`ParamStore`] built for that network. Only a network makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(usize);

impl ParamId {
    /// The id of the `index`-th parameter (only the network that lists the parameters
    /// hands these out).
    pub(crate) fn new(index: usize) -> Self {
        ParamId(index)
    }

    /// Its position in the network's parameter list.
    pub fn index(self) -> usize {
        self.0
    }
}

/// An optimiser's running state for one parameter: the momentum buffer (SGD) or first
/// moment (Adam), and Adam's second moment. Empty until the first step.
#[derive(Debug, Clone, Default)]
pub(crate) struct Moments {
    pub(crate) first: Option<Tensor<1>>,
    pub(crate) second: Option<Tensor<1>>,
}

/// One parameter's parts, for the optimiser's step.
pub(crate) struct Slot<'a> {
    pub(crate) value: &'a mut Tensor<1>,
    pub(crate) mask: Option<&'a Tensor<1>>,
    pub(crate) moments: &'a mut Moments,
}

/// The values, masks and optimiser moments of a network's parameters, aligned with its
/// [`ParamInfo`] list (all tensors without autodiff).
#[derive(Debug, Clone)]
pub struct ParamStore {
    names: Vec<String>,
    values: Vec<Tensor<1>>,
    masks: Masks,
    device_masks: Vec<Option<Tensor<1>>>,
    moments: Vec<Moments>,
    device: Device,
}

impl ParamStore {
    /// The store for parameters `infos` with `values` (one flat tensor each, of the
    /// length its info gives) and `masks` (fewer entries than parameters: the rest are not
    /// masked), on `device`. Pruned weights are zeroed now.
    pub fn new(
        infos: &[ParamInfo],
        values: Vec<Tensor<1>>,
        masks: Masks,
        device: &Device,
    ) -> Result<Self, ModelError> {
        check_values(infos, &values)?;
        let n = infos.len();
        let mut store = ParamStore {
            names: infos.iter().map(|p| p.name.clone()).collect(),
            values,
            masks: Masks(vec![None; n]),
            device_masks: vec![None; n],
            moments: vec![Moments::default(); n],
            device: device.clone().inner(),
        };
        store.set_masks(masks)?;
        Ok(store)
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every value, in parameter order (what [`Network::forward`](crate::model::Network::forward) takes).
    pub fn values(&self) -> &[Tensor<1>] {
        &self.values
    }

    /// One parameter's value.
    pub fn value(&self, id: ParamId) -> &Tensor<1> {
        &self.values[id.0]
    }

    /// The masks.
    pub fn masks(&self) -> &Masks {
        &self.masks
    }

    /// Replaces the masks and zeroes the weights they prune.
    pub fn set_masks(&mut self, masks: Masks) -> Result<(), ModelError> {
        let mut masks = masks;
        if masks.0.len() > self.values.len() {
            return Err(ModelError::MaskCount {
                expected: self.values.len(),
                got: masks.0.len(),
            });
        }
        masks.0.resize(self.values.len(), None);
        for ((keep, value), name) in masks.0.iter().zip(&self.values).zip(&self.names) {
            let expected = value.dims()[0];
            if let Some(keep) = keep
                && keep.len() != expected
            {
                return Err(ModelError::MaskSize {
                    name: name.clone(),
                    expected,
                    got: keep.len(),
                });
            }
        }
        self.device_masks = masks.to_device(&self.device);
        for (value, mask) in self.values.iter_mut().zip(&self.device_masks) {
            if let Some(mask) = mask {
                *value = value.clone() * mask.clone();
            }
        }
        self.masks = masks;
        Ok(())
    }

    /// Sets one parameter to `value` (same length), re-applying its mask (for updates made
    /// outside the optimiser, such as Oja's term).
    pub(crate) fn set(&mut self, id: ParamId, value: Tensor<1>) {
        self.values[id.0] = match &self.device_masks[id.0] {
            Some(mask) => value * mask.clone(),
            None => value,
        };
    }

    /// Forgets every optimiser moment.
    pub(crate) fn reset_moments(&mut self) {
        for m in &mut self.moments {
            *m = Moments::default();
        }
    }

    /// Each parameter's parts, in order, for one optimiser step.
    pub(crate) fn slots_mut(&mut self) -> impl Iterator<Item = Slot<'_>> {
        self.values
            .iter_mut()
            .zip(&self.device_masks)
            .zip(&mut self.moments)
            .map(|((value, mask), moments)| Slot {
                value,
                mask: mask.as_ref(),
                moments,
            })
    }

    /// Every value on the host, in parameter order.
    pub async fn read(&self) -> Result<Vec<Vec<f32>>, ReadError> {
        let mut values = Vec::with_capacity(self.values.len());
        for p in &self.values {
            values.push(download(p.clone()).await?);
        }
        Ok(values)
    }
}

/// Checks that `values` are one flat tensor per parameter of `infos`, each as long as its
/// shape says.
pub(crate) fn check_values(infos: &[ParamInfo], values: &[Tensor<1>]) -> Result<(), ModelError> {
    if values.len() != infos.len() {
        return Err(ModelError::ParamCount {
            expected: infos.len(),
            got: values.len(),
        });
    }
    for (info, value) in infos.iter().zip(values) {
        let got = value.dims()[0];
        if got != info.len() {
            return Err(ModelError::ParamSize {
                name: info.name.clone(),
                expected: info.len(),
                got,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MlpSpec, ModelSpec, Network};
    use crate::rng::Rng;
    use pollster::block_on;

    fn net() -> Network {
        Network::new(&ModelSpec::Mlp(MlpSpec::new(vec![3])), 2, 2, 2).expect("builds")
    }

    #[test]
    fn a_store_checks_every_length_once() {
        let device = crate::device::cpu();
        let net = net();
        let values = net.init(&mut Rng::new(1), &device);
        let mut short = values.clone();
        short.pop();
        assert_eq!(
            ParamStore::new(net.params(), short, Masks::default(), &device).err(),
            Some(ModelError::ParamCount {
                expected: 4,
                got: 3
            })
        );
        let mut wrong = values.clone();
        wrong[0] = crate::tensor_io::upload_flat(vec![0.0; 5], &device);
        assert_eq!(
            ParamStore::new(net.params(), wrong, Masks::default(), &device).err(),
            Some(ModelError::ParamSize {
                name: "fc1.weight".into(),
                expected: 12,
                got: 5
            })
        );
        let bad_mask = Masks(vec![Some(vec![true; 11])]);
        assert!(matches!(
            ParamStore::new(net.params(), values.clone(), bad_mask, &device),
            Err(ModelError::MaskSize {
                expected: 12,
                got: 11,
                ..
            })
        ));
        let too_many = Masks(vec![None; 5]);
        assert!(matches!(
            ParamStore::new(net.params(), values, too_many, &device),
            Err(ModelError::MaskCount {
                expected: 4,
                got: 5
            })
        ));
    }

    #[test]
    fn masks_are_applied_on_entry_and_after_a_set() {
        let device = crate::device::cpu();
        let net = net();
        let values = net.init(&mut Rng::new(1), &device);
        let keep: Vec<bool> = (0..12).map(|i| i % 2 == 0).collect();
        let mut store = ParamStore::new(
            net.params(),
            values,
            Masks(vec![Some(keep.clone())]),
            &device,
        )
        .expect("fits");
        assert_eq!(store.masks().0.len(), 4, "padded to every parameter");
        let read = block_on(store.read()).expect("reads");
        for (w, k) in read[0].iter().zip(&keep) {
            assert_eq!(*w == 0.0, !k, "{w}");
        }
        let id = ParamId::new(0);
        store.set(id, crate::tensor_io::upload_flat(vec![1.0; 12], &device));
        let after = block_on(download(store.value(id).clone())).expect("reads");
        let expected: Vec<f32> = keep.iter().map(|k| f32::from(u8::from(*k))).collect();
        assert_eq!(after, expected);
    }
}
