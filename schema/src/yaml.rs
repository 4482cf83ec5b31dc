//! A YAML document as a tree of nodes that each know their exact place in the source.
//!
//! Built from `saphyr-parser` events. Unlike a plain YAML loader it keeps the span of every key
//! and value, rejects duplicate keys (YAML says they are an error; most loaders keep the last),
//! and keeps the original text of every scalar so that `1.10` stays `1.10`.

use crate::diag::Diagnostic;
use crate::source::{FileId, Pos, Span};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::BTreeMap;

/// Limits that keep a hostile or broken file from exhausting memory or the stack.
pub const NESTING_DEPTH_MAX: usize = 64;
/// Largest number of nodes (after alias expansion) one file may produce.
pub const NODES_MAX: usize = 1_000_000;

/// One node of a YAML tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the node's text is.
    pub span: Span,
    /// What it is.
    pub kind: NodeKind,
}

/// The three YAML node kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A scalar with its source text. `plain` is false for quoted and block scalars and for
    /// scalars tagged `!!str`: those are always strings.
    Scalar {
        /// The scalar's value after YAML unescaping.
        text: String,
        /// True for an untagged plain scalar, whose type follows YAML 1.2's core schema.
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order; keys are unique (duplicates are reported while loading).
    Map(Vec<(Node, Node)>),
}

/// The type a scalar has under YAML 1.2's core schema.
#[derive(Clone, Debug, PartialEq)]
pub enum ScalarType {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// A float.
    Float(f64),
    /// Anything else, and every quoted scalar.
    Str,
}

impl Node {
    /// The core-schema type of a scalar node; `None` for collections.
    pub fn scalar_type(&self) -> Option<ScalarType> {
        match &self.kind {
            NodeKind::Scalar { text, plain } => Some(if *plain {
                resolve_plain(text)
            } else {
                ScalarType::Str
            }),
            _ => None,
        }
    }

    /// The text of a scalar node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A short name of the node's kind and type, for messages ("a mapping", "the integer 3").
    pub fn describe(&self) -> String {
        match &self.kind {
            NodeKind::Seq(_) => "a list".into(),
            NodeKind::Map(_) => "a mapping".into(),
            NodeKind::Scalar { text, .. } => match self.scalar_type() {
                Some(ScalarType::Null) => "nothing (null)".into(),
                Some(ScalarType::Bool(b)) => format!("the boolean {b}"),
                Some(ScalarType::Int(i)) => format!("the integer {i}"),
                Some(ScalarType::Float(_)) => format!("the number {text}"),
                _ => format!("the string \"{text}\""),
            },
        }
    }
}

/// Resolves a plain scalar under YAML 1.2's core schema.
pub fn resolve_plain(text: &str) -> ScalarType {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "true" | "True" | "TRUE" => return ScalarType::Bool(true),
        "false" | "False" | "FALSE" => return ScalarType::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return ScalarType::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return ScalarType::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return ScalarType::Float(f64::NAN),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return ScalarType::Int(i);
        }
        return ScalarType::Float(text.parse().unwrap_or(f64::NAN));
    }
    if let Some(h) = text.strip_prefix("0x") {
        if !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()) {
            if let Ok(i) = i64::from_str_radix(h, 16) {
                return ScalarType::Int(i);
            }
        }
    }
    if let Some(o) = text.strip_prefix("0o") {
        if !o.is_empty() && o.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            if let Ok(i) = i64::from_str_radix(o, 8) {
                return ScalarType::Int(i);
            }
        }
    }
    if is_core_float(digits) {
        if let Ok(f) = text.parse::<f64>() {
            return ScalarType::Float(f);
        }
    }
    ScalarType::Str
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

fn pos(m: &Marker) -> Pos {
    Pos {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    }
}

enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        /// Set after a duplicate key: its value is reported with the key and then dropped.
        skip_value: bool,
        /// The keys seen so far with their spans, so duplicates are found in O(log n).
        keys: BTreeMap<String, Span>,
    },
}

/// Parses one YAML file into a tree. A file without a document yields an empty mapping at 1:1.
/// Syntax errors, duplicate keys, non-scalar keys, unsupported tags and several documents in one
/// file are reported; a file with a syntax error yields no tree.
pub fn parse(file: FileId, text: &str) -> (Option<Node>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    let mut docs: Vec<Node> = Vec::new();
    let mut nodes = 0usize;
    let span_of = |s: &saphyr_parser::Span| Span {
        file,
        start: pos(&s.start),
        end: pos(&s.end),
    };
    loop {
        let (event, raw_span) = match parser.next_event() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => {
                let p = pos(e.marker());
                diags.push(
                    Diagnostic::error(
                        "yaml-syntax",
                        Span {
                            file,
                            start: p,
                            end: p,
                        },
                        format!("YAML syntax error: {}", e.info()),
                    )
                    .with_hint("check the indentation and quoting around this place"),
                );
                return (None, diags);
            }
        };
        let span = span_of(&raw_span);
        let is_seq = matches!(event, Event::SequenceStart(..));
        let complete: Option<(Node, usize)> = match event {
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => None,
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    nodes += count_nodes(n);
                    Some((n.clone(), 0))
                }
                None => {
                    diags.push(Diagnostic::error(
                        "yaml-syntax",
                        span,
                        "alias to an unknown anchor",
                    ));
                    return (None, diags);
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                let mut plain = style == ScalarStyle::Plain;
                if let Some(tag) = tag {
                    let t = format!("{}{}", tag.handle, tag.suffix);
                    if t == "tag:yaml.org,2002:str" || t == "!!str" {
                        plain = false;
                    } else {
                        diags.push(
                            Diagnostic::error(
                                "yaml-tag",
                                span,
                                format!("YAML tag `{t}` is not supported"),
                            )
                            .with_hint("remove the tag; use `!!str` or quotes to force a string"),
                        );
                    }
                }
                nodes += 1;
                Some((
                    Node {
                        span,
                        kind: NodeKind::Scalar {
                            text: value.into_owned(),
                            plain,
                        },
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if let Some(tag) = tag {
                    diags.push(
                        Diagnostic::error(
                            "yaml-tag",
                            span,
                            format!("YAML tag `{}{}` is not supported", tag.handle, tag.suffix),
                        )
                        .with_hint("remove the tag"),
                    );
                }
                if stack.len() >= NESTING_DEPTH_MAX {
                    diags.push(
                        Diagnostic::error(
                            "yaml-limit",
                            span,
                            format!("nesting deeper than {NESTING_DEPTH_MAX} levels"),
                        )
                        .with_hint("flatten the document"),
                    );
                    return (None, diags);
                }
                nodes += 1;
                stack.push(if is_seq {
                    Frame::Seq {
                        start: span,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        start: span,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                        skip_value: false,
                        keys: BTreeMap::new(),
                    }
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    start,
                    anchor,
                    items,
                }) => Some((
                    Node {
                        span: start,
                        kind: NodeKind::Seq(items),
                    },
                    anchor,
                )),
                _ => unreachable!("the parser balances sequence events"),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    start,
                    anchor,
                    entries,
                    ..
                }) => Some((
                    Node {
                        span: start,
                        kind: NodeKind::Map(entries),
                    },
                    anchor,
                )),
                _ => unreachable!("the parser balances mapping events"),
            },
        };
        if nodes > NODES_MAX {
            diags.push(
                Diagnostic::error(
                    "yaml-limit",
                    span,
                    format!("more than {NODES_MAX} YAML nodes (aliases included)"),
                )
                .with_hint("split the document, or expand fewer aliases"),
            );
            return (None, diags);
        }
        let Some((node, anchor)) = complete else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        attach(node, &mut stack, &mut docs, &mut diags);
    }
    if docs.len() > 1 {
        diags.push(
            Diagnostic::error(
                "yaml-documents",
                docs[1].span,
                "a file holds one YAML document; this is a second one",
            )
            .with_hint("split the documents into separate files of one directory"),
        );
    }
    let doc = docs.into_iter().next().unwrap_or(Node {
        span: Span::file_start(file),
        kind: NodeKind::Map(Vec::new()),
    });
    (Some(doc), diags)
}

fn count_nodes(n: &Node) -> usize {
    match &n.kind {
        NodeKind::Scalar { .. } => 1,
        NodeKind::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        NodeKind::Map(e) => {
            1 + e
                .iter()
                .map(|(k, v)| count_nodes(k) + count_nodes(v))
                .sum::<usize>()
        }
    }
}

fn attach(node: Node, stack: &mut [Frame], docs: &mut Vec<Node>, diags: &mut Vec<Diagnostic>) {
    match stack.last_mut() {
        None => docs.push(node),
        Some(Frame::Seq { items, .. }) => items.push(node),
        Some(Frame::Map {
            entries,
            pending_key,
            skip_value,
            keys,
            ..
        }) => match pending_key.take() {
            None => {
                if !matches!(node.kind, NodeKind::Scalar { .. }) {
                    diags.push(
                        Diagnostic::error(
                            "yaml-key",
                            node.span,
                            format!(
                                "a mapping key must be a plain name, not {}",
                                node.describe()
                            ),
                        )
                        .with_hint("write `name: value`"),
                    );
                }
                let name = node.as_str().unwrap_or_default().to_string();
                if let Some(first) = keys.get(&name) {
                    diags.push(
                        Diagnostic::error(
                            "duplicate-key",
                            node.span,
                            format!("duplicate key `{name}` in this mapping"),
                        )
                        .with_related(*first, "first defined here")
                        .with_hint("YAML keys must be unique; merge the two entries"),
                    );
                    *skip_value = true;
                } else {
                    keys.insert(name, node.span);
                }
                *pending_key = Some(node);
            }
            Some(key) => {
                if !std::mem::take(skip_value) {
                    entries.push((key, node));
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        assert_eq!(resolve_plain("~"), ScalarType::Null);
        assert_eq!(resolve_plain("true"), ScalarType::Bool(true));
        assert_eq!(resolve_plain("yes"), ScalarType::Str);
        assert_eq!(resolve_plain("-12"), ScalarType::Int(-12));
        assert_eq!(resolve_plain("0x1f"), ScalarType::Int(31));
        assert_eq!(resolve_plain("1.5e3"), ScalarType::Float(1500.0));
        assert_eq!(resolve_plain("192.168.1.1"), ScalarType::Str);
        assert_eq!(resolve_plain("30s"), ScalarType::Str);
        assert_eq!(
            resolve_plain("99999999999999999999"),
            ScalarType::Float(1e20)
        );
    }

    #[test]
    fn duplicate_keys_are_errors_that_name_the_first() {
        let (tree, d) = parse(FileId(0), "a: 1\nb: 2\na: 3\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "duplicate-key");
        assert_eq!(d[0].span.map(|s| (s.start.line, s.start.col)), Some((3, 1)));
        assert_eq!(d[0].related[0].0.start.line, 1);
        match tree.expect("tree").kind {
            NodeKind::Map(e) => assert_eq!(e.len(), 2, "the duplicate is dropped"),
            _ => panic!("a mapping"),
        }
    }

    #[test]
    fn syntax_errors_and_extra_documents_are_reported() {
        let (tree, d) = parse(FileId(0), "a: [1, 2\n");
        assert!(tree.is_none());
        assert_eq!(d[0].code, "yaml-syntax");
        let (_, d) = parse(FileId(0), "a: 1\n---\nb: 2\n");
        assert_eq!(d[0].code, "yaml-documents");
    }

    #[test]
    fn aliases_expand_and_deep_nesting_is_bounded() {
        let (tree, d) = parse(FileId(0), "x: &op { interval: 30s }\ny: *op\n");
        assert!(d.is_empty(), "{d:?}");
        let NodeKind::Map(e) = tree.expect("tree").kind else {
            panic!("a mapping")
        };
        assert_eq!(e[0].1.kind, e[1].1.kind);
        let deep = "[".repeat(NESTING_DEPTH_MAX + 5);
        let (tree, d) = parse(FileId(0), &deep);
        assert!(tree.is_none());
        assert!(d
            .iter()
            .any(|d| d.code == "yaml-limit" || d.code == "yaml-syntax"));
    }

    #[test]
    fn empty_file_is_an_empty_mapping() {
        let (tree, d) = parse(FileId(0), "# only a comment\n");
        assert!(d.is_empty());
        assert_eq!(tree.expect("tree").kind, NodeKind::Map(Vec::new()));
    }
}
