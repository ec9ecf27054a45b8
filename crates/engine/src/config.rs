//! Validation of experiment configs: every check names the field (as a path such as
//! `model.hidden[1]`) and what it accepts, so the app can show the message next to the
//! field and the runner can print it.

/// A config value that is out of range or inconsistent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ConfigError {
    /// Path of the field, e.g. `train.batch_size`.
    pub field: String,
    /// What is wrong, in words.
    pub problem: String,
}

impl ConfigError {
    /// A problem with `field`.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// `true`, for `#[serde(default = "crate::config::default_true")]` on options that are on
/// unless a config says otherwise.
pub(crate) fn default_true() -> bool {
    true
}

/// `value` must be finite and within `[low, high]`.
pub fn check_range(field: &str, value: f64, low: f64, high: f64) -> Result<(), ConfigError> {
    if !value.is_finite() {
        return Err(ConfigError::invalid(field, "must be a finite number"));
    }
    if value < low || value > high {
        return Err(ConfigError::invalid(
            field,
            format!("must be between {low} and {high}, got {value}"),
        ));
    }
    Ok(())
}

/// `value` must be within `[low, high]`.
pub fn check_count(field: &str, value: usize, low: usize, high: usize) -> Result<(), ConfigError> {
    if value < low || value > high {
        return Err(ConfigError::invalid(
            field,
            format!("must be between {low} and {high}, got {value}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_and_the_range() {
        let e = check_range("train.lr", 2.0, 0.0, 1.0).unwrap_err();
        assert_eq!(e.to_string(), "train.lr: must be between 0 and 1, got 2");
        let e = check_range("train.lr", f64::NAN, 0.0, 1.0).unwrap_err();
        assert_eq!(e.to_string(), "train.lr: must be a finite number");
        assert!(check_count("model.hidden[0]", 0, 1, 10).is_err());
        assert!(check_count("model.hidden[0]", 10, 1, 10).is_ok());
    }
}
