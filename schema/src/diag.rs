//! Diagnostics: every problem found in a desired state, with its place, a snippet and a hint.

use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::fmt::Write as _;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The desired state cannot be applied.
    Error,
    /// Legal, but risky for an HA cluster; an error under `--strict`.
    Warning,
    /// Information, such as an agent whose metadata could not be checked.
    Note,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One problem. `code` is a stable kebab-case identifier that tests and CI filters can match on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// Stable identifier such as `unknown-key` or `dangling-reference`.
    pub code: &'static str,
    /// One sentence saying what is wrong.
    pub message: String,
    /// Where; `None` only for problems without a place (no input files at all).
    pub span: Option<Span>,
    /// What to do about it.
    pub hint: Option<String>,
    /// Other places that take part (the first definition of a duplicate, the rest of a cycle).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// A new error at `span`.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, Some(span), message)
    }

    /// A new warning at `span`.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, Some(span), message)
    }

    /// A new diagnostic.
    pub fn new(
        severity: Severity,
        code: &'static str,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            span,
            hint: None,
            related: Vec::new(),
        }
    }

    /// Adds the hint line.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a related place.
    #[must_use]
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push((span, message.into()));
        self
    }
}

/// The diagnostics of one validation, in source order.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Every diagnostic.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of diagnostics of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// True when any error was reported (or any warning, when `strict`).
    pub fn fails(&self, strict: bool) -> bool {
        self.items
            .iter()
            .any(|d| d.severity == Severity::Error || (strict && d.severity == Severity::Warning))
    }

    /// Appends all of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Sorts by file, position, then severity and message, and drops exact repeats, so output is
    /// stable whatever order the checks ran in.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (a.span, a.severity, &a.message).cmp(&(b.span, b.severity, &b.message))
        });
        self.items.dedup();
    }

    /// Turns warnings into errors (`--strict`).
    pub fn make_warnings_errors(&mut self) {
        for d in &mut self.items {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
    }

    /// Renders every diagnostic for a terminal, rustc style, followed by a count line.
    pub fn render_text(&self, sources: &SourceMap, color: bool) -> String {
        let mut out = String::new();
        for d in &self.items {
            render_one(&mut out, d, sources, color);
        }
        out
    }

    /// Renders every diagnostic as a JSON array for CI annotations.
    pub fn render_json(&self, sources: &SourceMap) -> String {
        let items: Vec<JsonDiagnostic<'_>> = self
            .items
            .iter()
            .map(|d| JsonDiagnostic::new(d, sources))
            .collect();
        serde_json::to_string_pretty(&items).expect("diagnostics serialize")
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn render_one(out: &mut String, d: &Diagnostic, sources: &SourceMap, color: bool) {
    let p = Paint { on: color };
    let (label, code) = match d.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
        Severity::Note => ("note", "1;36"),
    };
    let _ = writeln!(
        out,
        "{}: {}",
        p.wrap(code, &format!("{label}[{}]", d.code)),
        p.wrap("1", &d.message)
    );
    if let Some(span) = d.span {
        render_snippet(out, span, sources, &p);
    }
    for (span, msg) in &d.related {
        let _ = writeln!(
            out,
            "  {} {}: {msg}",
            p.wrap("34", "="),
            sources.location(*span)
        );
    }
    if let Some(h) = &d.hint {
        let _ = writeln!(out, "{} {h}", p.wrap("1;32", "hint:"));
    }
    out.push('\n');
}

fn render_snippet(out: &mut String, span: Span, sources: &SourceMap, p: &Paint) {
    let _ = writeln!(out, "  {} {}", p.wrap("34", "-->"), sources.location(span));
    let file = sources.get(span.file);
    let Some(line) = file.line_text(span.start.line) else {
        return;
    };
    let num = span.start.line.to_string();
    let pad = " ".repeat(num.len());
    let start = span.start.col.saturating_sub(1) as usize;
    let width = if span.end.line == span.start.line && span.end.col > span.start.col {
        (span.end.col - span.start.col) as usize
    } else {
        line.chars().count().saturating_sub(start).max(1)
    };
    let _ = writeln!(out, "{pad} {}", p.wrap("34", "|"));
    let _ = writeln!(out, "{} {} {line}", p.wrap("34", &num), p.wrap("34", "|"));
    let _ = writeln!(
        out,
        "{pad} {} {}{}",
        p.wrap("34", "|"),
        " ".repeat(start),
        p.wrap("1;31", &"^".repeat(width))
    );
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    hint: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

impl<'a> JsonDiagnostic<'a> {
    fn new(d: &'a Diagnostic, sources: &'a SourceMap) -> Self {
        JsonDiagnostic {
            severity: d.severity,
            code: d.code,
            message: &d.message,
            file: d.span.map(|s| sources.get(s.file).path.as_str()),
            line: d.span.map(|s| s.start.line),
            column: d.span.map(|s| s.start.col),
            end_line: d.span.map(|s| s.end.line),
            end_column: d.span.map(|s| s.end.col),
            hint: d.hint.as_deref(),
            related: d
                .related
                .iter()
                .map(|(s, m)| JsonRelated {
                    file: &sources.get(s.file).path,
                    line: s.start.line,
                    column: s.start.col,
                    message: m,
                })
                .collect(),
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}
