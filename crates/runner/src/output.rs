//! Writing results: the whole result as JSON, and the numbers as a long-format CSV
//! (`series,x,metric,value`) that any spreadsheet or plotting tool reads.

use std::path::{Path, PathBuf};

use bioplay_engine::experiment::{ExperimentConfig, ExperimentResult, export};
use serde::Serialize;

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    /// A file could not be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
}

#[derive(Serialize)]
struct Saved<'a> {
    config: &'a ExperimentConfig,
    result: &'a ExperimentResult,
}

/// Writes `bytes` to `path`, naming the file if it fails.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    std::fs::write(path, bytes).map_err(|e| OutputError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Writes `<stem>.json` and `<stem>.csv` into `dir`; returns their paths.
pub(crate) fn save(
    dir: &Path,
    stem: &str,
    config: &ExperimentConfig,
    result: &ExperimentResult,
) -> Result<(PathBuf, PathBuf), OutputError> {
    std::fs::create_dir_all(dir).map_err(|e| OutputError::Write {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let json_path = dir.join(format!("{stem}.json"));
    let json = serde_json::to_string_pretty(&Saved { config, result }).map_err(|e| {
        OutputError::Write {
            path: json_path.display().to_string(),
            message: e.to_string(),
        }
    })?;
    write(&json_path, json.as_bytes())?;
    let csv_path = dir.join(format!("{stem}.csv"));
    let bytes = export::to_csv(result).map_err(|e| OutputError::Write {
        path: csv_path.display().to_string(),
        message: e.to_string(),
    })?;
    write(&csv_path, bytes.as_bytes())?;
    Ok((json_path, csv_path))
}

/// Writes a grayscale image as PNG.
pub(crate) fn save_png(
    path: &Path,
    image: &bioplay_engine::prune::GrayImage,
) -> Result<(), OutputError> {
    let bytes = image.to_png().map_err(|e| OutputError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    write(path, &bytes)
}
