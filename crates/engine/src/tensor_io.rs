//! Moving numbers between the host and a device.
//!
//! Everything the engine reads back goes through [`download`], which reads asynchronously:
//! on WebGPU in a browser a synchronous read is not allowed.

use burn::tensor::{Device, Tensor, TensorData};

/// Reading a tensor back from the device failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("reading results from the device failed: {0}")]
pub struct ReadError(pub String);

/// A float tensor of `shape` on `device` holding `values` (row-major).
pub fn upload<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// A 1-D float tensor on `device`.
pub fn upload_flat(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let n = values.len();
    upload(values, [n], device)
}

/// Host values of a network's parameters as flat tensors on `device`, without autodiff.
pub fn upload_params(values: Vec<Vec<f32>>, device: &Device) -> Vec<Tensor<1>> {
    let device = device.clone().inner();
    values
        .into_iter()
        .map(|v| upload_flat(v, &device))
        .collect()
}

/// The values of `tensor`, row-major, as `f32`.
pub async fn download<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ReadError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| ReadError(format!("{e:?}")))?;
    data.convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(|e| ReadError(format!("{e:?}")))
}

/// The single value of a one-element tensor.
pub async fn download_scalar<const D: usize>(tensor: Tensor<D>) -> Result<f32, ReadError> {
    let values = download(tensor).await?;
    match values[..] {
        [v] => Ok(v),
        _ => Err(ReadError(format!(
            "expected one value, got {}",
            values.len()
        ))),
    }
}
