//! Share links: a panel's form values in the location hash (`#/prune?rate=0.2&rounds=8`),
//! so a copied link opens the same experiment. Links are untrusted input: they are
//! decoded here and checked by [`crate::present::form`] like typed values, never trusted.

use crate::present::form::{self, Values};
use crate::present::routes::Tab;

/// Longest link query accepted; anything longer is not a form of this app.
pub const MAX_QUERY: usize = 8192;

/// What a location hash asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// The panel.
    pub tab: Tab,
    /// The form values in the link (none: just the panel).
    pub values: Option<Values>,
}

/// A link that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Far longer than any form.
    #[error("the link's settings are {0} characters long; at most {MAX_QUERY} are accepted")]
    TooLong(usize),
    /// A setting the panel does not have.
    #[error("the link names settings this panel does not have: {0}")]
    Unknown(String),
}

/// The hash that opens `tab` with `values` (only the values that differ from the
/// defaults, so links stay short).
pub fn link_hash(tab: Tab, values: &Values) -> String {
    let defaults = form::defaults(tab);
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in values {
        if defaults.get(key) != Some(value) {
            query.append_pair(key, value);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        tab.hash()
    } else {
        format!("{}?{query}", tab.hash())
    }
}

/// Reads a location hash; `Ok(None)` when it names no panel.
pub fn parse_hash(hash: &str) -> Result<Option<Shared>, LinkError> {
    let Some(tab) = Tab::from_hash(hash) else {
        return Ok(None);
    };
    let Some((_, query)) = hash.split_once('?') else {
        return Ok(Some(Shared { tab, values: None }));
    };
    if query.len() > MAX_QUERY {
        return Err(LinkError::TooLong(query.len()));
    }
    let known = form::fields(tab);
    let mut values = form::defaults(tab);
    let mut unknown = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if known.iter().any(|f| f.key == key) {
            values.insert(key.into_owned(), value.into_owned());
        } else {
            unknown.push(key.chars().take(40).collect::<String>());
        }
    }
    if !unknown.is_empty() {
        return Err(LinkError::Unknown(unknown.join(", ")));
    }
    Ok(Some(Shared {
        tab,
        values: Some(values),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_round_trip_and_stay_short() {
        let mut values = form::defaults(Tab::Prune);
        values.insert("rate".into(), "0.3".into());
        values.insert("hidden".into(), "200, 50".into());
        let hash = link_hash(Tab::Prune, &values);
        assert!(hash.starts_with("#/prune?"), "{hash}");
        assert!(!hash.contains("dataset"), "defaults are left out: {hash}");
        let shared = parse_hash(&hash).expect("parses").expect("a panel");
        assert_eq!(shared.tab, Tab::Prune);
        assert_eq!(shared.values, Some(values));
        assert_eq!(
            link_hash(Tab::Train, &form::defaults(Tab::Train)),
            "#/train"
        );
    }

    #[test]
    fn plain_hashes_and_bad_links() {
        assert_eq!(
            parse_hash("#/noise"),
            Ok(Some(Shared {
                tab: Tab::Noise,
                values: None
            }))
        );
        assert_eq!(parse_hash("#/elsewhere?x=1"), Ok(None));
        assert_eq!(
            parse_hash("#/noise?sigma=2&seeds=3"),
            Err(LinkError::Unknown("sigma".into()))
        );
        let long = format!("#/train?seed={}", "9".repeat(MAX_QUERY));
        assert!(matches!(parse_hash(&long), Err(LinkError::TooLong(_))));
        // Broken escapes and wrong values still parse; the form then flags the values.
        let shared = parse_hash("#/train?lr=%ZZ&batch=-4")
            .expect("parses")
            .expect("panel");
        let values = shared.values.expect("values");
        let problems = form::problems(Tab::Train, &values);
        assert!(
            problems.contains_key("lr") && problems.contains_key("batch"),
            "{problems:?}"
        );
    }
}
