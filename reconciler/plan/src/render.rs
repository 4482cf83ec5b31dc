//! The plan for people: text for terminals (colour optional, readable without) and Markdown for
//! a pull-request comment (long diffs folded in `<details>`).

use crate::{Action, CorosyncAction, Plan};
use serde_json::Value;
use std::fmt::Write as _;

fn show(v: &Value) -> String {
    match v {
        Value::Null => "(absent)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn sign(a: Action) -> (&'static str, &'static str) {
    match a {
        Action::Add => ("+", "32"),
        Action::Change => ("~", "33"),
        Action::Remove => ("-", "31"),
    }
}

fn corosync_line(p: &Plan) -> Option<String> {
    let c = &p.corosync;
    let what = match c.action {
        Some(CorosyncAction::Reload) => "corosync reload (`corosync-cfgtool -R` on every node)",
        Some(CorosyncAction::Restart) => "corosync restart on every node together",
        None if c.expected_votes.0 == c.expected_votes.1 => return None,
        None => "no corosync action",
    };
    let mut s = format!(
        "{what}: {}",
        if c.reasons.is_empty() {
            "-".into()
        } else {
            c.reasons.join("; ")
        }
    );
    if c.expected_votes.0 != c.expected_votes.1 || c.quorum.0 != c.quorum.1 {
        let _ = write!(
            s,
            "; expected votes {} -> {}, quorum {} -> {}",
            c.expected_votes.0, c.expected_votes.1, c.quorum.0, c.quorum.1
        );
    }
    Some(s)
}

/// The plan as terminal text.
pub fn render_text(p: &Plan, color: bool) -> String {
    let mut out = String::new();
    if p.objects.is_empty() {
        out.push_str("No changes: the desired state matches.\n");
    } else {
        out.push_str("Configuration changes:\n\n");
    }
    for o in &p.objects {
        let (s, code) = sign(o.action);
        let _ = writeln!(
            out,
            "  {} {} {}",
            paint(color, code, s),
            o.kind,
            paint(color, "1", &o.id)
        );
        for f in &o.changes {
            let _ = writeln!(
                out,
                "      {}: {} -> {}",
                f.field.trim_start_matches('/'),
                show(&f.before),
                show(&f.after)
            );
        }
        for line in o.diff.lines().skip(2) {
            let code = match line.chars().next() {
                Some('+') => "32",
                Some('-') => "31",
                Some('@') => "36",
                _ => "0",
            };
            let _ = writeln!(out, "      {}", paint(color && code != "0", code, line));
        }
        out.push('\n');
    }
    if let Some(line) = corosync_line(p) {
        let _ = writeln!(out, "Corosync: {line}\n");
    }
    if let Some(t) = &p.transition {
        out.push_str("Transition:\n");
        if t.actions.is_empty() {
            out.push_str("  nothing to do\n");
        }
        for m in &t.moves {
            let _ = writeln!(out, "  move {} {} -> {}", m.resource, m.from, m.to);
        }
        for (node, acts) in &t.by_node {
            let _ = writeln!(out, "  on {node}:");
            for a in acts {
                let _ = writeln!(out, "    {a}");
            }
        }
        for r in &t.stopped {
            let _ = writeln!(out, "  {} {r} ends up stopped", paint(color, "31", "!"));
        }
        for u in &t.unsupported {
            let _ = writeln!(out, "  {} not planned: {u}", paint(color, "33", "?"));
        }
        out.push('\n');
    }
    if !p.what_if.is_empty() {
        out.push_str("If a node fails right after this change:\n");
        for w in &p.what_if {
            let _ = writeln!(out, "  {}", what_if_line(w));
        }
        out.push('\n');
    }
    for f in &p.findings {
        let _ = writeln!(out, "{} {f}", paint(color, "33", "policy:"));
    }
    if !p.findings.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "Plan: {}.", p.summary_line());
    out
}

fn what_if_line(w: &crate::WhatIf) -> String {
    let mut s = format!(
        "{}: survivors {} quorum ({} of {} votes)",
        w.node,
        if w.quorate { "keep" } else { "lose" },
        w.votes.0,
        w.votes.1
    );
    if w.fenced {
        s.push_str(", fenced first");
    }
    if !w.moves.is_empty() {
        let m: Vec<String> = w
            .moves
            .iter()
            .map(|m| format!("{} -> {}", m.resource, m.to))
            .collect();
        s.push_str(&format!("; {}", m.join(", ")));
    }
    if !w.stopped.is_empty() {
        s.push_str(&format!("; stopped: {}", w.stopped.join(", ")));
    }
    s
}

/// The plan as a Markdown pull-request comment.
pub fn render_markdown(p: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### quorate plan: {}\n", p.summary_line());
    if p.objects.is_empty() {
        out.push_str("No changes: the desired state matches.\n");
    } else {
        out.push_str("| | kind | id | changed fields |\n|---|---|---|---|\n");
        for o in &p.objects {
            let fields: Vec<String> = o
                .changes
                .iter()
                .map(|f| {
                    format!(
                        "`{}`: {} → {}",
                        f.field.trim_start_matches('/'),
                        show(&f.before),
                        show(&f.after)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} |",
                sign(o.action).0,
                o.kind,
                o.id,
                fields.join("<br>").replace('|', "\\|")
            );
        }
        out.push('\n');
        for o in &p.objects {
            let lines = o.diff.lines().count();
            let _ = writeln!(
                out,
                "<details{}><summary>{} {} <code>{}</code> ({} lines)</summary>\n\n```diff\n{}```\n</details>\n",
                if lines <= 12 { " open" } else { "" },
                sign(o.action).0,
                o.kind,
                o.id,
                lines,
                o.diff
            );
        }
    }
    if let Some(line) = corosync_line(p) {
        let _ = writeln!(out, "**Corosync:** {line}\n");
    }
    if let Some(t) = &p.transition {
        out.push_str("**Transition**\n\n");
        if t.actions.is_empty() {
            out.push_str("Nothing to do.\n\n");
        } else {
            out.push_str("| node | actions |\n|---|---|\n");
            for (node, acts) in &t.by_node {
                let _ = writeln!(out, "| `{node}` | {} |", acts.join("<br>"));
            }
            out.push('\n');
        }
        for m in &t.moves {
            let _ = writeln!(out, "- move `{}`: `{}` → `{}`", m.resource, m.from, m.to);
        }
        for r in &t.stopped {
            let _ = writeln!(out, "- ⚠️ `{r}` ends up **stopped**");
        }
        for u in &t.unsupported {
            let _ = writeln!(out, "- ❔ not planned: {u}");
        }
        if !t.moves.is_empty() || !t.stopped.is_empty() || !t.unsupported.is_empty() {
            out.push('\n');
        }
    }
    if !p.what_if.is_empty() {
        out.push_str("<details><summary>If a node fails right after this change</summary>\n\n");
        for w in &p.what_if {
            let _ = writeln!(out, "- {}", what_if_line(w));
        }
        out.push_str("\n</details>\n\n");
    }
    if !p.findings.is_empty() {
        out.push_str("**Policy findings:**\n\n");
        for f in &p.findings {
            let _ = writeln!(out, "- {f}");
        }
        out.push('\n');
    }
    out
}
