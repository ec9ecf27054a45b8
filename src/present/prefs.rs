//! The user's backend preference: where it comes from and what it means.
//!
//! A preference is `auto` (WebGPU when the browser can, else the CPU), `webgpu` or `cpu`.
//! It can arrive from a URL (`?backend=cpu`, so a shared link reproduces a set-up) or from
//! what the user picked last time (local storage). Both are untrusted text: parsing gives a
//! typed error that the shell shows inline, and the app carries on with `auto`.

use std::fmt;
use std::str::FromStr;

use bioplay_engine::device::BackendKind;

/// The URL query parameter that selects a backend.
pub const QUERY_KEY: &str = "backend";
/// The local-storage key under which the user's last choice is kept.
pub const STORAGE_KEY: &str = "bioplay.backend";

/// Which backend the user wants.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum BackendPreference {
    /// WebGPU when it starts, the CPU otherwise.
    #[default]
    Auto,
    /// This backend; if it cannot start, the CPU with the reason shown.
    Only(BackendKind),
}

impl BackendPreference {
    /// Every preference, in the order the switch shows them.
    pub const ALL: [BackendPreference; 3] = [
        BackendPreference::Auto,
        BackendPreference::Only(BackendKind::WebGpu),
        BackendPreference::Only(BackendKind::Cpu),
    ];

    /// The identifier used in URLs and storage.
    pub fn id(self) -> &'static str {
        match self {
            BackendPreference::Auto => "auto",
            BackendPreference::Only(kind) => kind.id(),
        }
    }

    /// What the backend switch shows for this choice.
    pub fn label(self) -> &'static str {
        match self {
            BackendPreference::Auto => "Auto (WebGPU if available)",
            BackendPreference::Only(BackendKind::WebGpu) => "WebGPU",
            BackendPreference::Only(BackendKind::Cpu) => "CPU",
        }
    }

    /// Whether starting this preference should try WebGPU first.
    pub fn wants_webgpu(self) -> bool {
        !matches!(self, BackendPreference::Only(BackendKind::Cpu))
    }
}

impl fmt::Display for BackendPreference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A backend preference that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend {given:?} (expected auto, webgpu or cpu); using auto")]
pub struct BadPreference {
    /// The text as given, shortened to 40 characters so a hostile URL cannot flood the page.
    pub given: String,
}

impl FromStr for BackendPreference {
    type Err = BadPreference;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if trimmed.eq_ignore_ascii_case("auto") || trimmed.is_empty() {
            return Ok(BackendPreference::Auto);
        }
        trimmed
            .parse::<BackendKind>()
            .map(BackendPreference::Only)
            .map_err(|_| BadPreference {
                given: s.chars().take(40).collect(),
            })
    }
}

/// Where the starting preference came from, with any problem found on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialPreference {
    /// The preference to start with.
    pub preference: BackendPreference,
    /// A URL or stored value that was rejected; the shell shows it.
    pub problem: Option<BadPreference>,
}

/// Chooses the starting preference: the URL wins over storage; a bad URL value is reported
/// and ignored (falling back to storage); a bad stored value is dropped silently-but-safely
/// as `auto` with the problem reported too.
pub fn initial(from_url: Option<&str>, from_storage: Option<&str>) -> InitialPreference {
    let stored = from_storage.map(str::parse::<BackendPreference>);
    match from_url.map(str::parse::<BackendPreference>) {
        Some(Ok(preference)) => InitialPreference {
            preference,
            problem: None,
        },
        Some(Err(problem)) => InitialPreference {
            preference: stored.and_then(Result::ok).unwrap_or_default(),
            problem: Some(problem),
        },
        None => match stored {
            Some(Ok(preference)) => InitialPreference {
                preference,
                problem: None,
            },
            Some(Err(problem)) => InitialPreference {
                preference: BackendPreference::Auto,
                problem: Some(problem),
            },
            None => InitialPreference {
                preference: BackendPreference::Auto,
                problem: None,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for pref in BackendPreference::ALL {
            assert_eq!(pref.id().parse::<BackendPreference>(), Ok(pref));
        }
    }

    #[test]
    fn parsing_is_forgiving_about_case_and_space() {
        assert_eq!(
            " WebGPU ".parse::<BackendPreference>(),
            Ok(BackendPreference::Only(BackendKind::WebGpu))
        );
        assert_eq!("".parse::<BackendPreference>(), Ok(BackendPreference::Auto));
    }

    #[test]
    fn a_bad_value_is_a_typed_error_and_is_truncated() {
        let long = "x".repeat(500);
        let err = long.parse::<BackendPreference>().unwrap_err();
        assert_eq!(err.given.len(), 40);
        assert!(err.to_string().contains("expected auto, webgpu or cpu"));
    }

    #[test]
    fn url_wins_over_storage() {
        let got = initial(Some("cpu"), Some("webgpu"));
        assert_eq!(got.preference, BackendPreference::Only(BackendKind::Cpu));
        assert_eq!(got.problem, None);
    }

    #[test]
    fn a_bad_url_value_is_reported_and_storage_is_used() {
        let got = initial(Some("tpu"), Some("cpu"));
        assert_eq!(got.preference, BackendPreference::Only(BackendKind::Cpu));
        assert_eq!(got.problem.map(|p| p.given), Some("tpu".to_owned()));
    }

    #[test]
    fn nothing_given_means_auto() {
        assert_eq!(initial(None, None).preference, BackendPreference::Auto);
        let bad_store = initial(None, Some("??"));
        assert_eq!(bad_store.preference, BackendPreference::Auto);
        assert!(bad_store.problem.is_some());
    }

    #[test]
    fn only_cpu_skips_webgpu() {
        assert!(BackendPreference::Auto.wants_webgpu());
        assert!(!BackendPreference::Only(BackendKind::Cpu).wants_webgpu());
    }
}
