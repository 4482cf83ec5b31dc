//! Writes a [`ClusterDoc`] as YAML that reads well and loads back to the same document:
//! block style for sections, flow style (`{ interval: 30s }`, `[a, b]`) for short leaves, and
//! quotes only where a plain scalar would change meaning (`"true"` as text, `"24"` where text is
//! meant, `": "` inside a value).

use crate::types::ClusterDoc;
use crate::yaml::{resolve_plain, ScalarType};
use serde_json::Value;
use std::fmt::Write as _;

/// Longest line a flow collection may make before block style is used.
const FLOW_WIDTH_MAX: usize = 96;

/// The document as YAML, opening with the schema comment editors use.
pub fn to_yaml(doc: &ClusterDoc, schema_comment: Option<&str>) -> String {
    let v = serde_json::to_value(doc).expect("the document serializes");
    let mut out = String::new();
    if let Some(path) = schema_comment {
        let _ = writeln!(out, "# yaml-language-server: $schema={path}");
    }
    if let Value::Object(m) = &v {
        for (k, val) in m {
            block_entry(&mut out, 0, k, val);
        }
    }
    out
}

/// One mapping entry `key: value` as YAML, block style, for showing one object of a document.
pub fn entry_to_yaml(key: &str, value: &Value) -> String {
    let mut out = String::new();
    block_entry(&mut out, 0, key, value);
    out
}

/// A scalar as YAML text.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "~".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        other => flow(other),
    }
}

fn string(s: &str) -> String {
    if is_plain_safe(s) && resolve_plain(s) == ScalarType::Str {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings serialize")
    }
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        && s.trim() == s
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.chars().any(|c| c.is_control() || ",[]{}".contains(c))
}

fn key(k: &str) -> String {
    string(k)
}

/// A flow collection, or `None` when it holds nested collections or would be too wide.
fn flow_fit(v: &Value) -> Option<String> {
    let f = match v {
        Value::Array(a)
            if a.iter()
                .all(|x| !x.is_object() && !x.is_array() || flow_fit(x).is_some()) =>
        {
            flow(v)
        }
        Value::Object(m) if m.values().all(|x| !x.is_object() && !x.is_array()) => flow(v),
        _ => return None,
    };
    (f.len() <= FLOW_WIDTH_MAX).then_some(f)
}

fn flow(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, x)| format!("{}: {}", key(k), flow(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => scalar(other),
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

fn block_entry(out: &mut String, indent: usize, k: &str, v: &Value) {
    pad(out, indent);
    match v {
        Value::Object(m) if !m.is_empty() => match flow_fit(v)
            .filter(|f| indent + k.len() + f.len() < FLOW_WIDTH_MAX && indent > 0)
        {
            Some(f) => {
                let _ = writeln!(out, "{}: {f}", key(k));
            }
            None => {
                let _ = writeln!(out, "{}:", key(k));
                for (k2, v2) in m {
                    block_entry(out, indent + 2, k2, v2);
                }
            }
        },
        Value::Array(a) if !a.is_empty() => {
            match flow_fit(v).filter(|f| indent + k.len() + f.len() < FLOW_WIDTH_MAX) {
                Some(f) => {
                    let _ = writeln!(out, "{}: {f}", key(k));
                }
                None => {
                    let _ = writeln!(out, "{}:", key(k));
                    for item in a {
                        block_item(out, indent + 2, item);
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{}: {}", key(k), flow(other));
        }
    }
}

fn block_item(out: &mut String, indent: usize, v: &Value) {
    pad(out, indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            if let Some(f) = flow_fit(v).filter(|f| indent + f.len() + 2 < FLOW_WIDTH_MAX) {
                let _ = writeln!(out, "- {f}");
                return;
            }
            // `- first: ...` then the other keys aligned under it.
            let mut first = true;
            for (k, x) in m {
                if first {
                    out.push_str("- ");
                    let mut line = String::new();
                    block_entry(&mut line, indent + 2, k, x);
                    out.push_str(line.trim_start());
                    first = false;
                } else {
                    block_entry(out, indent + 2, k, x);
                }
            }
        }
        Value::Array(_) => {
            let _ = writeln!(out, "- {}", flow(v));
        }
        other => {
            let _ = writeln!(out, "- {}", flow(other));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_would_change_meaning() {
        assert_eq!(string("ocf:heartbeat:IPaddr2"), "ocf:heartbeat:IPaddr2");
        assert_eq!(string("true"), "\"true\"");
        assert_eq!(string("24"), "\"24\"");
        assert_eq!(string("a: b"), "\"a: b\"");
        assert_eq!(string(""), "\"\"");
        assert_eq!(string("-INFINITY"), "\"-INFINITY\"");
        assert_eq!(
            string("http://localhost/server-status"),
            "http://localhost/server-status"
        );
    }

    #[test]
    fn every_example_survives_emit_and_reload() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        dirs.sort();
        assert!(!dirs.is_empty());
        for d in dirs {
            let loaded = crate::load_paths(std::slice::from_ref(&d));
            assert!(!loaded.diags.fails(false), "{}", d.display());
            let text = to_yaml(&loaded.doc, None);
            let again = crate::load_sources(vec![("emitted.yaml".into(), text.clone())]);
            assert!(
                again.diags.is_empty(),
                "{}:\n{text}\n{:?}",
                d.display(),
                again.diags
            );
            assert_eq!(again.doc, loaded.doc, "{}:\n{text}", d.display());
        }
    }
}
