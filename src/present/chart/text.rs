//! Text for charts: number formats for ticks and tooltips, XML escaping, CSS ids and a
//! font-free estimate of text width for layout.

use super::*;

/// Escapes text for SVG/XML content and attribute values, dropping control characters
/// that XML does not allow.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Lower-cases the first letter unless the first word is an acronym ("LR", "MNIST").
pub(super) fn lower_first(s: &str) -> String {
    let first_word = s.split_whitespace().next().unwrap_or("");
    let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
        && !first_word.chars().any(char::is_lowercase);
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if !acronym => c.to_lowercase().chain(chars).collect(),
        _ => s.to_owned(),
    }
}

/// Formats a data value for a tooltip: 4 significant digits, or a percentage.
pub fn format_value(v: f64, percent: bool) -> String {
    if !v.is_finite() {
        return "–".to_owned();
    }
    if percent {
        let p = v * 100.0;
        return if p.abs() >= 1e6 {
            format!("{}%", exp_form(p, 3))
        } else if p.abs() >= 1.0 || p == 0.0 {
            format!("{p:.1}%")
        } else {
            format!("{}%", format_sig(p, 2))
        };
    }
    format_sig(v, 4)
}

/// `sig` significant digits, trailing zeros dropped; exponent form when very large or small.
pub(super) fn format_sig(v: f64, sig: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".to_owned();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return exp_form(v, sig);
    }
    let mag = a.log10().floor() as i64;
    let decimals = (sig as i64 - 1 - mag).max(0) as usize;
    trim_zeros(format!("{v:.decimals$}"))
}

/// Exponent form with at most `sig` significant digits, e.g. `2.5e-7`.
pub(super) fn exp_form(v: f64, sig: usize) -> String {
    let s = format!("{:.*e}", sig.saturating_sub(1), v);
    match s.split_once('e') {
        Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa.to_owned())),
        None => s,
    }
}

pub(super) fn trim_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".to_owned()
    } else {
        t.to_owned()
    }
}

/// A tick label on a linear axis whose ticks are `step` apart.
pub(super) fn linear_tick_label(v: f64, step: f64, percent: bool) -> String {
    let (v, step, suffix) = if percent {
        (v * 100.0, step * 100.0, "%")
    } else {
        (v, step, "")
    };
    if v == 0.0 {
        return format!("0{suffix}");
    }
    if !(1e-4..1e6).contains(&v.abs()) {
        return format!("{}{suffix}", exp_form(v, 3));
    }
    let decimals = if step >= 1.0 || step <= 0.0 || !step.is_finite() {
        0
    } else {
        ((-step.log10() - 1e-6).ceil().max(0.0) as usize).min(12)
    };
    format!("{v:.decimals$}{suffix}")
}

/// A tick label on a log axis: plain for 10^-3..10^6 ("0.002", "50000"), else in
/// exponent form ("1e7").
pub(super) fn log_tick_label(v: f64, percent: bool) -> String {
    let (v, suffix) = if percent { (v * 100.0, "%") } else { (v, "") };
    if (1e-3 * (1.0 - 1e-9)..1e6).contains(&v) {
        format!("{}{suffix}", format_sig(v, 3))
    } else {
        format!("{}{suffix}", exp_form(v, 3))
    }
}

/// Formats a coordinate for SVG: at most 2 decimals, never `NaN` or `inf`.
pub(super) fn num(v: f64) -> String {
    if v.is_finite() {
        trim_zeros(format!("{v:.2}"))
    } else {
        "0".to_owned()
    }
}

/// Keeps only characters that are safe in an XML id and a CSS `url(#...)`.
pub(super) fn css_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Estimated pixel width of `text` at 12 px.
pub(super) fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_W
}
