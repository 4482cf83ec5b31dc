//! Checks a YAML tree against the JSON Schema generated from our types, reporting *every*
//! structural problem with its exact place, and produces the JSON value serde then reads.
//!
//! serde stops at the first error, so it cannot report every problem at once. The JSON Schema that
//! `schemars` derives from the same types can: this walker understands the subset of JSON Schema
//! that our types generate (a test checks that no other keyword appears), so the editor schema,
//! the walker and serde agree by construction. While walking it records the span of every value
//! under its JSON pointer, which the semantic checks use to point at what they reject.

use crate::diag::Diagnostic;
use crate::source::Span;
use crate::suggest::did_you_mean;
use crate::yaml::{Node, NodeKind, ScalarType};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Keywords the walker understands; a test asserts the generated schema uses no others.
pub const KNOWN_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "format",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    SCALAR_TEXT,
];

/// Extension keyword: any scalar is accepted and kept as its source text (agent parameters,
/// where `24` and `"24"` mean the same and `1.10` must not become `1.1`).
pub const SCALAR_TEXT: &str = "x-quorate-scalar-text";

/// Where a value and its key are, by JSON pointer (`/resources/WebServer/agent`).
///
/// A hash map: a large document has tens of thousands of pointers sharing long prefixes, which
/// a sorted map pays for in string comparisons on every insert; nothing needs them in order.
#[derive(Clone, Debug, Default)]
pub struct SpanIndex {
    map: HashMap<String, Spans, BuildHasherDefault<PointerHasher>>,
}

/// FNV-1a for the span index: tens of thousands of short pointers per document, hashed several
/// times faster than with SipHash, whose protection against chosen keys buys nothing for the
/// operator's own files.
#[derive(Clone, Copy, Debug)]
pub struct PointerHasher(u64);

impl Default for PointerHasher {
    fn default() -> Self {
        PointerHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for PointerHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The spans of one value and of the key that names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spans {
    /// The mapping key, when the value is a mapping entry.
    pub key: Option<Span>,
    /// The value.
    pub value: Span,
}

impl SpanIndex {
    /// Spans of the value at `pointer`.
    pub fn get(&self, pointer: &str) -> Option<Spans> {
        self.map.get(pointer).copied()
    }

    /// Span of the value at `pointer`, falling back to the nearest enclosing value that has one.
    pub fn value(&self, pointer: &str) -> Option<Span> {
        let mut p = pointer;
        loop {
            if let Some(s) = self.map.get(p) {
                return Some(s.value);
            }
            p = &p[..p.rfind('/')?];
        }
    }

    /// Span of the key naming `pointer` (or of its value when it has no key).
    pub fn key(&self, pointer: &str) -> Option<Span> {
        self.map
            .get(pointer)
            .map(|s| s.key.unwrap_or(s.value))
            .or_else(|| self.value(pointer))
    }

    /// True when no span is recorded.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Records a span (used when merging files).
    pub fn insert(&mut self, pointer: String, spans: Spans) {
        self.map.insert(pointer, spans);
    }

    /// Every entry, in no particular order (for merging files).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Spans)> {
        self.map.iter()
    }
}

/// Escapes one JSON pointer segment.
pub fn pointer_segment(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['~', '/']) {
        s.replace('~', "~0").replace('/', "~1").into()
    } else {
        s.into()
    }
}

/// The compiled form of a schema pattern, compiled once per process. Shared, not cloned: a
/// cloned `Regex` starts with an empty match cache, and building one costs more than the match.
fn cached_regex(pattern: &str) -> Option<std::sync::Arc<regex::Regex>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Cache = HashMap<String, Option<Arc<regex::Regex>>>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(re) = map.get(pattern) {
        return re.clone();
    }
    let re = regex::Regex::new(pattern).ok().map(Arc::new);
    map.insert(pattern.to_string(), re.clone());
    re
}

/// "at the top level" or "in `resources.web`", for messages.
pub fn where_(pointer: &str) -> String {
    if pointer.is_empty() {
        "at the top level".into()
    } else {
        format!("in `{}`", display_path(pointer))
    }
}

/// Turns `/resources/WebServer/ops` into `resources.WebServer.ops` for messages.
pub fn display_path(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the top level".into();
    }
    pointer[1..]
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(Default)]
struct Out {
    diags: Vec<Diagnostic>,
    spans: Vec<(String, Spans)>,
}

/// Walks YAML trees against one root schema.
#[derive(Debug)]
pub struct Walker<'s> {
    root: &'s Value,
}

impl<'s> Walker<'s> {
    /// A walker for the schema `root` (with its `$defs`).
    pub fn new(root: &'s Value) -> Self {
        Walker { root }
    }

    /// Checks `node` against the root schema. Returns the JSON value (meaningful only when no
    /// diagnostic was reported), the diagnostics, and the span of every value.
    pub fn check(&self, node: &Node) -> (Value, Vec<Diagnostic>, SpanIndex) {
        let mut out = Out::default();
        let v = self.walk(node, self.root, "", None, &mut out);
        // A pointer recorded twice (a value walked again for each branch of an `anyOf`) has
        // the same spans each time.
        let index = SpanIndex {
            map: out.spans.into_iter().collect(),
        };
        (v, out.diags, index)
    }

    fn resolve(&self, schema: &'s Value) -> &'s Value {
        resolve_in(self.root, schema)
    }

    fn walk(
        &self,
        node: &Node,
        schema: &'s Value,
        path: &str,
        key: Option<Span>,
        out: &mut Out,
    ) -> Value {
        let schema = self.resolve(schema);
        out.spans.push((
            path.to_string(),
            Spans {
                key,
                value: node.span,
            },
        ));
        let obj = match schema {
            Value::Bool(true) => return natural(node),
            Value::Object(o) => o,
            _ => {
                out.diags.push(
                    Diagnostic::error(
                        "not-allowed",
                        node.span,
                        format!("no value is allowed at `{}`", display_path(path)),
                    )
                    .with_hint("remove this value"),
                );
                return Value::Null;
            }
        };
        if let Some(branches) = obj
            .get("anyOf")
            .or_else(|| obj.get("oneOf"))
            .and_then(Value::as_array)
        {
            return self.walk_branches(node, branches, path, key, out);
        }
        if obj.get(SCALAR_TEXT).and_then(Value::as_bool) == Some(true) {
            return match (&node.kind, node.scalar_type()) {
                (NodeKind::Scalar { text, .. }, Some(t)) if t != ScalarType::Null => {
                    Value::String(text.clone())
                }
                _ => {
                    out.diags
                        .push(type_error(node, path, "a single value (text or number)"));
                    Value::Null
                }
            };
        }
        let types: Vec<&str> = match obj.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let value = match &node.kind {
            NodeKind::Map(entries) => {
                if !types.is_empty() && !types.contains(&"object") {
                    out.diags
                        .push(type_error(node, path, &expects(self, schema)));
                    return Value::Null;
                }
                self.walk_map(node, entries, obj, path, key, out)
            }
            NodeKind::Seq(items) => {
                if !types.is_empty() && !types.contains(&"array") {
                    out.diags
                        .push(type_error(node, path, &expects(self, schema)));
                    return Value::Null;
                }
                self.walk_seq(node, items, obj, path, out)
            }
            NodeKind::Scalar { text, .. } => {
                let st = node.scalar_type().unwrap_or(ScalarType::Str);
                match coerce(text, &st, &types, obj) {
                    Some(v) => {
                        if check_scalar(node, &v, obj, path, out) {
                            v
                        } else {
                            Value::Null
                        }
                    }
                    None => {
                        let mut d = type_error(node, path, &expects(self, schema));
                        if types.contains(&"boolean")
                            && matches!(text.as_str(), "yes" | "no" | "on" | "off" | "y" | "n")
                        {
                            d = d.with_hint(
                                "YAML 1.2 reads yes/no/on/off as text: write true or false",
                            );
                        } else if types.contains(&"integer") && st == ScalarType::Str {
                            d = d.with_hint("write a whole number without quotes or units");
                        }
                        out.diags.push(d);
                        return Value::Null;
                    }
                }
            }
        };
        value
    }

    fn walk_branches(
        &self,
        node: &Node,
        branches: &'s [Value],
        path: &str,
        key: Option<Span>,
        out: &mut Out,
    ) -> Value {
        // An enum whose variants are documented comes out as `oneOf` of `const`s: check it as
        // one enum so that a typo gets one message listing the choices.
        let all_consts = branches
            .iter()
            .all(|b| self.resolve(b).get("const").is_some());
        let consts: Option<Vec<Value>> = all_consts.then(|| {
            branches
                .iter()
                .filter_map(|b| self.resolve(b).get("const").cloned())
                .collect()
        });
        if let Some(consts) = consts {
            let mut obj = Map::new();
            obj.insert("enum".into(), Value::Array(consts));
            let synthetic = Value::Object(obj);
            let mut o = Out::default();
            if let NodeKind::Scalar { text, .. } = &node.kind {
                let st = node.scalar_type().unwrap_or(ScalarType::Str);
                if let Some(v) = coerce(text, &st, &[], synthetic.as_object().expect("object")) {
                    let ok = check_scalar(
                        node,
                        &v,
                        synthetic.as_object().expect("object"),
                        path,
                        &mut o,
                    );
                    out.spans.push((
                        path.to_string(),
                        Spans {
                            key,
                            value: node.span,
                        },
                    ));
                    out.diags.extend(o.diags);
                    return if ok { v } else { Value::Null };
                }
            }
            out.diags
                .push(type_error(node, path, &expects(self, &synthetic)));
            return Value::Null;
        }
        // Usually only one branch can match the node's kind (`X` or null for an `Option`, a
        // number or a text for a duration): walk it directly, with no scratch output to copy.
        let mut matching = branches.iter().filter(|b| self.kind_matches(node, b));
        if let (Some(only), None) = (matching.next(), matching.next()) {
            return self.walk(node, only, path, key, out);
        }
        let mut best: Option<(usize, Value, Out)> = None;
        for b in branches {
            if !self.kind_matches(node, b) {
                continue;
            }
            let mut o = Out::default();
            let v = self.walk(node, b, path, key, &mut o);
            if o.diags.is_empty() {
                out.diags.extend(o.diags);
                out.spans.extend(o.spans);
                return v;
            }
            let n = o.diags.len();
            if best.as_ref().is_none_or(|(bn, _, _)| n < *bn) {
                best = Some((n, v, o));
            }
        }
        match best {
            Some((_, v, o)) => {
                out.diags.extend(o.diags);
                out.spans.extend(o.spans);
                v
            }
            None => {
                let wanted: Vec<String> = branches.iter().map(|b| expects(self, b)).collect();
                out.diags
                    .push(type_error(node, path, &wanted.join(", or ")));
                Value::Null
            }
        }
    }

    fn kind_matches(&self, node: &Node, schema: &'s Value) -> bool {
        let schema = self.resolve(schema);
        let Value::Object(obj) = schema else {
            return schema == &Value::Bool(true);
        };
        if let Some(bs) = obj
            .get("anyOf")
            .or_else(|| obj.get("oneOf"))
            .and_then(Value::as_array)
        {
            return bs.iter().any(|b| self.kind_matches(node, b));
        }
        if obj.get(SCALAR_TEXT).is_some() {
            return matches!(node.kind, NodeKind::Scalar { .. });
        }
        let types: Vec<&str> = match obj.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ if obj.contains_key("properties") => vec!["object"],
            _ => return true,
        };
        match &node.kind {
            NodeKind::Map(entries) => {
                if !types.contains(&"object") {
                    return false;
                }
                // A tagged variant (`{ file: ... }`) matches only when its tag key is present.
                match obj.get("required").and_then(Value::as_array) {
                    Some(req) if obj.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        req.iter()
                            .filter_map(Value::as_str)
                            .all(|r| entries.iter().any(|(k, _)| k.as_str() == Some(r)))
                            || entries.is_empty()
                    }
                    _ => true,
                }
            }
            NodeKind::Seq(_) => types.contains(&"array"),
            NodeKind::Scalar { text, .. } => {
                let st = node.scalar_type().unwrap_or(ScalarType::Str);
                coerce(text, &st, &types, obj).is_some()
            }
        }
    }

    fn walk_map(
        &self,
        node: &Node,
        entries: &[(Node, Node)],
        obj: &'s Map<String, Value>,
        path: &str,
        key: Option<Span>,
        out: &mut Out,
    ) -> Value {
        let props = obj.get("properties").and_then(Value::as_object);
        let additional = obj.get("additionalProperties");
        let mut result = Map::new();
        for (k, v) in entries {
            let Some(name) = k.as_str() else { continue };
            let child = format!("{path}/{}", pointer_segment(name));
            let sub = props.and_then(|p| p.get(name)).or(match additional {
                Some(Value::Bool(false)) => None,
                Some(s) => Some(s),
                None => Some(&Value::Bool(true)),
            });
            match sub {
                Some(s) => {
                    let before = out.diags.len();
                    let val = self.walk(v, s, &child, Some(k.span), out);
                    // A value with errors is left out, so that serde still builds the item (an
                    // optional field is then absent) and the semantic checks still see it.
                    if !(val.is_null() && out.diags.len() > before) {
                        result.insert(name.to_string(), val);
                    }
                }
                None => {
                    let known: Vec<&str> = props
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let mut d = Diagnostic::error(
                        "unknown-key",
                        k.span,
                        format!("unknown key `{name}` {}", where_(path)),
                    );
                    d = match did_you_mean(name, known.iter().copied()) {
                        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                        None if known.len() <= 12 => {
                            d.with_hint(format!("expected one of: {}", known.join(", ")))
                        }
                        None => d.with_hint(
                            "see `quorate schema` for the keys allowed here".to_string(),
                        ),
                    };
                    out.diags.push(d);
                }
            }
        }
        if let Some(req) = obj.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !entries.iter().any(|(k, _)| k.as_str() == Some(r)) {
                    let at = key.unwrap_or(node.span);
                    out.diags.push(
                        Diagnostic::error(
                            "missing-key",
                            at,
                            format!("`{}` is missing the required key `{r}`", display_path(path)),
                        )
                        .with_hint(format!("add `{r}:`")),
                    );
                }
            }
        }
        Value::Object(result)
    }

    fn walk_seq(
        &self,
        node: &Node,
        items: &[Node],
        obj: &'s Map<String, Value>,
        path: &str,
        out: &mut Out,
    ) -> Value {
        let item_schema = obj.get("items").unwrap_or(&Value::Bool(true));
        let vals: Vec<Value> = items
            .iter()
            .enumerate()
            .map(|(i, it)| self.walk(it, item_schema, &format!("{path}/{i}"), None, out))
            .collect();
        if let Some(min) = obj.get("minItems").and_then(Value::as_u64) {
            if (items.len() as u64) < min {
                out.diags.push(
                    Diagnostic::error(
                        "too-few",
                        node.span,
                        format!(
                            "`{}` needs at least {min} item{}",
                            display_path(path),
                            if min == 1 { "" } else { "s" }
                        ),
                    )
                    .with_hint("add the missing items"),
                );
            }
        }
        if let Some(max) = obj.get("maxItems").and_then(Value::as_u64) {
            if (items.len() as u64) > max {
                out.diags.push(
                    Diagnostic::error(
                        "too-many",
                        node.span,
                        format!("`{}` allows at most {max} items", display_path(path)),
                    )
                    .with_hint("remove the extra items"),
                );
            }
        }
        if obj.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, v) in vals.iter().enumerate() {
                if let Some(j) = vals[..i].iter().position(|w| w == v) {
                    out.diags.push(
                        Diagnostic::error(
                            "duplicate-item",
                            items[i].span,
                            format!("`{}` lists this item twice", display_path(path)),
                        )
                        .with_hint("list each item once")
                        .with_related(items[j].span, "first listed here"),
                    );
                }
            }
        }
        Value::Array(vals)
    }
}

/// The natural JSON value of a node, with no schema to guide it.
fn natural(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), natural(v))))
                .collect(),
        ),
        NodeKind::Seq(items) => Value::Array(items.iter().map(natural).collect()),
        NodeKind::Scalar { text, .. } => match node.scalar_type().unwrap_or(ScalarType::Str) {
            ScalarType::Null => Value::Null,
            ScalarType::Bool(b) => Value::Bool(b),
            ScalarType::Int(i) => Value::from(i),
            ScalarType::Float(f) => {
                serde_json::Number::from_f64(f).map_or(Value::String(text.clone()), Value::Number)
            }
            ScalarType::Str => Value::String(text.clone()),
        },
    }
}

/// Converts a scalar to the JSON value the schema's types accept, or `None` when none does.
fn coerce(text: &str, st: &ScalarType, types: &[&str], obj: &Map<String, Value>) -> Option<Value> {
    let has = |t: &str| types.contains(&t);
    if types.is_empty() {
        // No `type`: `enum` / `const` decide; compare both the native value and the text.
        let native = match st {
            ScalarType::Null => Value::Null,
            ScalarType::Bool(b) => Value::Bool(*b),
            ScalarType::Int(i) => Value::from(*i),
            ScalarType::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::String(text.into()), Value::Number)
            }
            ScalarType::Str => Value::String(text.into()),
        };
        let allowed: Vec<&Value> = match (obj.get("enum"), obj.get("const")) {
            (Some(Value::Array(e)), _) => e.iter().collect(),
            (_, Some(c)) => vec![c],
            _ => return Some(native),
        };
        if allowed.iter().any(|a| **a == native) {
            return Some(native);
        }
        let as_text = Value::String(text.into());
        if *st != ScalarType::Null && allowed.iter().any(|a| a.is_string()) {
            return Some(as_text);
        }
        return Some(native);
    }
    match st {
        ScalarType::Null => has("null").then_some(Value::Null),
        ScalarType::Bool(b) if has("boolean") => Some(Value::Bool(*b)),
        ScalarType::Int(i) if has("integer") || has("number") => Some(Value::from(*i)),
        ScalarType::Float(f) if has("number") => {
            serde_json::Number::from_f64(*f).map(Value::Number)
        }
        ScalarType::Str if has("string") => Some(Value::String(text.into())),
        _ if has("string") => Some(Value::String(text.into())),
        _ => None,
    }
}

/// Checks enum, const, pattern, length and range; true when the value passes them all.
fn check_scalar(
    node: &Node,
    v: &Value,
    obj: &Map<String, Value>,
    path: &str,
    out: &mut Out,
) -> bool {
    let before = out.diags.len();
    check_scalar_inner(node, v, obj, path, out);
    out.diags.len() == before
}

fn check_scalar_inner(node: &Node, v: &Value, obj: &Map<String, Value>, path: &str, out: &mut Out) {
    // Only messages need the path in display form: build it only for them.
    let p = DisplayPath(path);
    if let Some(Value::Array(allowed)) = obj.get("enum") {
        if !allowed.contains(v) {
            let names: Vec<String> = allowed
                .iter()
                .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
                .collect();
            let text = node.as_str().unwrap_or_default();
            let mut d = Diagnostic::error(
                "bad-value",
                node.span,
                format!("`{text}` is not a valid value for `{p}`"),
            );
            d = match did_you_mean(text, names.iter().map(String::as_str)) {
                Some(s) => d.with_hint(format!(
                    "did you mean `{s}`? (one of: {})",
                    names.join(", ")
                )),
                None => d.with_hint(format!("expected one of: {}", names.join(", "))),
            };
            out.diags.push(d);
            return;
        }
    }
    if let Some(c) = obj.get("const") {
        if c != v {
            out.diags.push(
                Diagnostic::error("bad-value", node.span, format!("`{p}` must be {c}"))
                    .with_hint(format!("write {c}")),
            );
            return;
        }
    }
    if let Value::String(s) = v {
        if let Some(pat) = obj.get("pattern").and_then(Value::as_str) {
            if let Some(re) = cached_regex(pat) {
                if !re.is_match(s) {
                    let d = Diagnostic::error(
                        "bad-format",
                        node.span,
                        format!("`{s}` is not a valid value for `{p}`"),
                    )
                    .with_hint(hint_range(obj));
                    out.diags.push(d);
                }
            }
        }
        let n = s.chars().count() as u64;
        if obj
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            out.diags.push(
                Diagnostic::error("bad-value", node.span, format!("`{p}` must not be empty"))
                    .with_hint("write a non-empty value"),
            );
        }
        if let Some(m) = obj.get("maxLength").and_then(Value::as_u64) {
            if n > m {
                out.diags.push(
                    Diagnostic::error(
                        "bad-value",
                        node.span,
                        format!("`{p}` is longer than {m} characters"),
                    )
                    .with_hint("shorten it"),
                );
            }
        }
    }
    if let Some(x) = v.as_f64() {
        if let Some(min) = obj.get("minimum").and_then(Value::as_f64) {
            if x < min {
                out.diags.push(
                    Diagnostic::error(
                        "out-of-range",
                        node.span,
                        format!("`{p}` must be at least {min}, not {x}"),
                    )
                    .with_hint(hint_range(obj)),
                );
            }
        }
        if let Some(max) = obj.get("maximum").and_then(Value::as_f64) {
            if x > max {
                out.diags.push(
                    Diagnostic::error(
                        "out-of-range",
                        node.span,
                        format!("`{p}` must be at most {max}, not {x}"),
                    )
                    .with_hint(hint_range(obj)),
                );
            }
        }
    }
}

/// [`display_path`] of a pointer, formatted only when a message is written.
struct DisplayPath<'a>(&'a str);

impl std::fmt::Display for DisplayPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&display_path(self.0))
    }
}

/// A hint from the schema's description, or a pointer to the schema.
fn hint_range(obj: &Map<String, Value>) -> String {
    match obj.get("description").and_then(Value::as_str) {
        Some(desc) => first_sentence(desc),
        None => match obj.get("pattern").and_then(Value::as_str) {
            Some(p) => format!("the value must match {p}"),
            None => "see `quorate schema` for the allowed values".into(),
        },
    }
}

fn first_sentence(s: &str) -> String {
    let s = s.split("\n\n").next().unwrap_or(s).replace('\n', " ");
    s.trim().to_string()
}

fn type_error(node: &Node, path: &str, expected: &str) -> Diagnostic {
    Diagnostic::error(
        "wrong-type",
        node.span,
        format!(
            "`{}` expects {expected}, found {}",
            display_path(path),
            node.describe()
        ),
    )
    .with_hint("see `quorate schema` for what this key takes")
}

/// Follows `$ref`s to `$defs` of `root`.
fn resolve_in<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
            return schema;
        };
        let name = r.rsplit('/').next().unwrap_or_default();
        match root.get("$defs").and_then(|d| d.get(name)) {
            Some(s) => schema = s,
            None => return &Value::Bool(true),
        }
    }
    schema
}

/// A few words saying what a schema accepts, for type errors.
fn expects(w: &Walker<'_>, schema: &Value) -> String {
    let schema = resolve_in(w.root, schema);
    let Value::Object(obj) = schema else {
        return "nothing".into();
    };
    if let Some(bs) = obj
        .get("anyOf")
        .or_else(|| obj.get("oneOf"))
        .and_then(Value::as_array)
    {
        let parts: Vec<String> = bs.iter().map(|b| expects(w, b)).collect();
        return parts.join(", or ");
    }
    if let Some(Value::Array(e)) = obj.get("enum") {
        let names: Vec<String> = e
            .iter()
            .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
            .collect();
        return format!("one of {}", names.join(", "));
    }
    if let Some(c) = obj.get("const") {
        return format!("{c}");
    }
    let types: Vec<&str> = match obj.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let words: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "object" => match obj.get("required").and_then(Value::as_array) {
                Some(r)
                    if r.len() == 1
                        && obj.get("additionalProperties") == Some(&Value::Bool(false)) =>
                {
                    format!("a mapping with `{}`", r[0].as_str().unwrap_or_default())
                }
                _ => "a mapping".to_string(),
            },
            "array" => "a list".to_string(),
            "string" => "a string".to_string(),
            "integer" => "an integer".to_string(),
            "number" => "a number".to_string(),
            "boolean" => "true or false".to_string(),
            other => other.to_string(),
        })
        .collect();
    if words.is_empty() {
        "a value".into()
    } else {
        words.join(" or ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn keywords(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    out.insert(k.clone());
                    if k == "properties" || k == "$defs" {
                        for y in x.as_object().into_iter().flat_map(|o| o.values()) {
                            keywords(y, out);
                        }
                    } else {
                        keywords(x, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| keywords(x, out)),
            _ => {}
        }
    }

    /// The walker must understand every keyword the generated schema uses; otherwise a
    /// constraint would be silently ignored.
    #[test]
    fn generated_schema_uses_only_known_keywords() {
        let mut found = std::collections::BTreeSet::new();
        keywords(&crate::json_schema(), &mut found);
        let unknown: Vec<&String> = found
            .iter()
            .filter(|k| !KNOWN_KEYWORDS.contains(&k.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "unhandled JSON Schema keywords: {unknown:?}"
        );
    }

    fn check(yaml: &str) -> (Value, Vec<Diagnostic>) {
        let schema = crate::json_schema();
        let (node, d) = crate::yaml::parse(FileId(0), yaml);
        assert!(d.is_empty(), "{d:?}");
        let (v, diags, _) = Walker::new(&schema).check(&node.expect("tree"));
        (v, diags)
    }

    #[test]
    fn reports_every_problem_not_just_the_first() {
        let (_, d) = check("clusterr: x\ntotem: { token: fast, join: -1 }\nproperties: { stonith-enabled: maybe }\n");
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["unknown-key", "wrong-type", "out-of-range", "wrong-type"],
            "{d:?}"
        );
    }

    #[test]
    fn params_keep_their_source_text() {
        let (v, d) =
            check("resources:\n  r: { agent: 'ocf:x:y', params: { a: 1.10, b: 24, c: true } }\n");
        assert!(d.is_empty(), "{d:?}");
        let p = &v["resources"]["r"]["params"];
        assert_eq!(p["a"], "1.10");
        assert_eq!(p["b"], "24");
        assert_eq!(p["c"], "true");
    }

    #[test]
    fn spans_point_at_values_and_keys() {
        let schema = crate::json_schema();
        let (node, _) = crate::yaml::parse(
            FileId(0),
            "cluster: c\nresources:\n  web:\n    agent: 'ocf:a:b'\n",
        );
        let (_, _, idx) = Walker::new(&schema).check(&node.expect("tree"));
        let s = idx.get("/resources/web/agent").expect("indexed");
        assert_eq!((s.value.start.line, s.value.start.col), (4, 12));
        let k = s.key.expect("key span");
        assert_eq!((k.start.line, k.start.col), (4, 5));
        assert_eq!(display_path("/resources/a~1b"), "resources.a/b");
    }
}
