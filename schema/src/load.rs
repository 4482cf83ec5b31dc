//! Loading: files and directories -> YAML trees -> one merged document, with every structural
//! problem reported and the span of every value indexed.

use crate::diag::{Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap, Span};
use crate::types::{
    Alert, Clone_, ClusterDoc, Colocation, Constraints, FenceDevice, Fencing, FencingTarget, Group,
    Location, NodeSpec, Order, Primitive,
};
use crate::walk::{pointer_segment, SpanIndex, Walker};
use crate::yaml;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Largest YAML file read, in bytes: a cluster's desired state is far smaller.
pub const FILE_BYTES_MAX: u64 = 16 * 1024 * 1024;

/// The result of loading: the merged document plus everything needed to report on it.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every file read.
    pub sources: SourceMap,
    /// The merged document; items that failed to load are left out of it.
    pub doc: ClusterDoc,
    /// Span of every value by JSON pointer into the merged document.
    pub spans: SpanIndex,
    /// Ids of items that exist but failed to load: references to them are not reported again.
    pub broken_ids: BTreeSet<String>,
    /// Structural diagnostics.
    pub diags: Diagnostics,
}

impl Loaded {
    /// A document built in memory (by an importer), with no source files and no spans.
    pub fn from_doc(doc: ClusterDoc) -> Loaded {
        Loaded {
            doc,
            ..Loaded::default()
        }
    }
}

/// The JSON Schema of the document, as `quorate schema` prints it.
pub fn json_schema() -> Value {
    schema_ref().clone()
}

/// The schema, generated once per process: loading walks every file against it.
pub(crate) fn schema_ref() -> &'static Value {
    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(generate_schema)
}

fn generate_schema() -> Value {
    let schema = schemars::schema_for!(ClusterDoc);
    let mut v = serde_json::to_value(schema).expect("schema serializes");
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "$id".into(),
            Value::String("https://quorate.dev/schema/cluster-v1.json".into()),
        );
    }
    v
}

/// Reads `paths` (files, or directories whose `*.yaml` / `*.yml` files are read in name order,
/// recursively) and loads them as one document.
pub fn load_paths(paths: &[PathBuf]) -> Loaded {
    let mut files = Vec::new();
    let mut diags = Diagnostics::default();
    for p in paths {
        collect(p, &mut files, &mut diags, true);
    }
    let mut loaded = load_sources(files);
    diags.extend(std::mem::take(&mut loaded.diags));
    loaded.diags = diags;
    loaded
}

fn collect(
    path: &Path,
    files: &mut Vec<(String, String)>,
    diags: &mut Diagnostics,
    explicit: bool,
) {
    let display = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            diags.push(
                Diagnostic::new(
                    crate::Severity::Error,
                    "io",
                    None,
                    format!("cannot read {display}: {e}"),
                )
                .with_hint("give a YAML file or a directory of YAML files"),
            );
            return;
        }
    };
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                diags.push(Diagnostic::new(
                    crate::Severity::Error,
                    "io",
                    None,
                    format!("cannot list {display}: {e}"),
                ));
                return;
            }
        };
        entries.sort();
        let before = files.len();
        for e in entries {
            let name = e.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            if e.is_dir() || name.ends_with(".yaml") || name.ends_with(".yml") {
                collect(&e, files, diags, false);
            }
        }
        if explicit && files.len() == before {
            diags.push(Diagnostic::new(
                crate::Severity::Error,
                "io",
                None,
                format!("{display} holds no .yaml or .yml file"),
            ));
        }
        return;
    }
    if meta.len() > FILE_BYTES_MAX {
        diags.push(Diagnostic::new(
            crate::Severity::Error,
            "io",
            None,
            format!("{display} is larger than {FILE_BYTES_MAX} bytes"),
        ));
        return;
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => files.push((display, text)),
            Err(_) => diags.push(Diagnostic::new(
                crate::Severity::Error,
                "io",
                None,
                format!("{display} is not UTF-8 text"),
            )),
        },
        Err(e) => diags.push(Diagnostic::new(
            crate::Severity::Error,
            "io",
            None,
            format!("cannot read {display}: {e}"),
        )),
    }
}

/// Sections whose entries are ids, merged across files by key.
const MAP_SECTIONS: &[&str] = &[
    "/resources",
    "/groups",
    "/clones",
    "/alerts",
    "/fencing/devices",
];
/// Sections that are lists, concatenated across files in file order.
const LIST_SECTIONS: &[&str] = &[
    "/nodes",
    "/constraints/location",
    "/constraints/colocation",
    "/constraints/order",
    "/fencing/topology",
];
/// Sections that must be written in one file only.
const SINGLE_SECTIONS: &[&str] = &[
    "/version",
    "/cluster",
    "/totem",
    "/quorum",
    "/properties",
    "/rsc_defaults",
    "/op_defaults",
];

/// Loads already-read files `(display path, text)` as one document. Pure: no I/O.
pub fn load_sources(files: Vec<(String, String)>) -> Loaded {
    let walker = Walker::new(schema_ref());
    let mut loaded = Loaded::default();
    let mut merged = Map::new();
    for (path, text) in files {
        let id = loaded.sources.add(path, text);
        let text = loaded.sources.get(id).text.clone();
        let (tree, ydiags) = yaml::parse(id, &text);
        for d in ydiags {
            loaded.diags.push(d);
        }
        let Some(tree) = tree else { continue };
        let (value, sdiags, spans) = walker.check(&tree);
        for d in sdiags {
            loaded.diags.push(d);
        }
        // The first file's spans are taken whole; later files' are copied item by item, with
        // list indexes renumbered, as their items are merged.
        let first = merged.is_empty() && loaded.spans.is_empty();
        merge_file(id, value, &spans, !first, &mut merged, &mut loaded);
        if first {
            loaded.spans = spans;
        }
    }
    if loaded.sources.files().next().is_none() && loaded.diags.is_empty() {
        loaded.diags.push(Diagnostic::new(
            crate::Severity::Error,
            "io",
            None,
            "no input files",
        ));
    }
    loaded.doc = typed(Value::Object(merged), &mut loaded);
    loaded
}

fn get_path<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    root.pointer(pointer)
}

fn merge_file(
    id: FileId,
    mut value: Value,
    spans: &SpanIndex,
    copy_spans: bool,
    merged: &mut Map<String, Value>,
    loaded: &mut Loaded,
) {
    let Value::Object(_) = &value else {
        return;
    };
    // What of this file is merged, so that its spans can be copied in one pass at the end.
    let mut copied = CopiedSpans::default();
    let mut merged_v = Value::Object(std::mem::take(merged));
    // Values are moved out of `value`, not cloned: the document can be large.
    for &sec in SINGLE_SECTIONS {
        if let Some(v) = value.pointer_mut(sec) {
            if let Some(prev) = get_path(&merged_v, sec) {
                let same_version = sec == "/version" && prev == &*v;
                if !same_version {
                    let here = spans.key(sec).unwrap_or(Span::file_start(id));
                    let mut d = Diagnostic::error(
                        "duplicate-section",
                        here,
                        format!("`{}` is already set in another file", &sec[1..]),
                    )
                    .with_hint("write each of version, cluster, totem, quorum, properties and the defaults in one file only");
                    if let Some(first) = loaded.spans.key(sec) {
                        d = d.with_related(first, "first set here");
                    }
                    loaded.diags.push(d);
                }
                continue;
            }
            set_path(&mut merged_v, sec, v.take());
            copied.sections.push(sec);
        }
    }
    for &sec in MAP_SECTIONS {
        let Some(Value::Object(entries)) = value.pointer_mut(sec).map(Value::take) else {
            continue;
        };
        if entries.is_empty() {
            continue;
        }
        ensure_object(&mut merged_v, sec);
        let Some(Value::Object(target)) = merged_v.pointer_mut(sec) else {
            continue;
        };
        for (name, v) in entries {
            let ptr = format!("{sec}/{}", pointer_segment(&name));
            if target.contains_key(&name) {
                let mut d = Diagnostic::error(
                    "duplicate-id",
                    spans.key(&ptr).unwrap_or(Span::file_start(id)),
                    format!("`{name}` is defined twice in `{}`", &sec[1..]),
                )
                .with_hint("every id is defined once across all files; rename or remove one");
                if let Some(first) = loaded.spans.key(&ptr) {
                    d = d.with_related(first, "first defined here");
                }
                loaded.diags.push(d);
                continue;
            }
            target.insert(name, v);
            if copy_spans {
                copied.items.insert(ptr);
            }
        }
    }
    for &sec in LIST_SECTIONS {
        let Some(Value::Array(items)) = value.pointer_mut(sec).map(Value::take) else {
            continue;
        };
        let count = items.len();
        let offset = match get_path(&merged_v, sec) {
            Some(Value::Array(a)) => a.len(),
            _ => 0,
        };
        if offset == 0 {
            set_path(&mut merged_v, sec, Value::Array(Vec::new()));
        }
        if let Some(Value::Array(a)) = merged_v.pointer_mut(sec) {
            a.extend(items);
        }
        if count > 0 {
            copied.lists.push((sec, offset));
        }
    }
    if let Value::Object(m) = merged_v {
        *merged = m;
    }
    if copy_spans {
        copied.copy(spans, &mut loaded.spans);
    }
}

/// The parts of a file that a merge took: whole single sections, id-keyed items (by pointer)
/// and lists (with the offset their items moved by).
#[derive(Default)]
struct CopiedSpans {
    sections: Vec<&'static str>,
    items: BTreeSet<String>,
    lists: Vec<(&'static str, usize)>,
}

impl CopiedSpans {
    /// Copies the spans of what was taken into `into`, list indexes renumbered; the section
    /// keys themselves (depth 1 and 2) are copied only when no earlier file set them, so the
    /// first file to use one keeps its span.
    fn copy(&self, from: &SpanIndex, into: &mut SpanIndex) {
        let under = |p: &str, prefix: &str| {
            p.strip_prefix(prefix)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                .is_some()
        };
        for (p, s) in from.iter() {
            if self.sections.iter().any(|sec| under(p, sec)) {
                into.insert(p.clone(), *s);
                continue;
            }
            let item = MAP_SECTIONS.iter().find_map(|sec| {
                let rest = p.strip_prefix(sec)?.strip_prefix('/')?;
                let name = rest.split('/').next()?;
                Some(&p[..sec.len() + 1 + name.len()])
            });
            if item.is_some_and(|ptr| self.items.contains(ptr)) {
                into.insert(p.clone(), *s);
                continue;
            }
            let renumbered = self.lists.iter().find_map(|(sec, offset)| {
                let rest = p.strip_prefix(sec)?.strip_prefix('/')?;
                let (index, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                let i: usize = index.parse().ok()?;
                Some(format!("{sec}/{}{tail}", i + offset))
            });
            if let Some(to) = renumbered {
                into.insert(to, *s);
                continue;
            }
            if p.matches('/').count() <= 2 && into.get(p).is_none() {
                into.insert(p.clone(), *s);
            }
        }
    }
}

fn ensure_object(root: &mut Value, pointer: &str) {
    if root.pointer(pointer).is_none() {
        set_path(root, pointer, Value::Object(Map::new()));
    }
}

fn set_path(root: &mut Value, pointer: &str, v: Value) {
    let mut cur = root;
    let segs: Vec<&str> = pointer[1..].split('/').collect();
    for (i, seg) in segs.iter().enumerate() {
        let key = seg.replace("~1", "/").replace("~0", "~");
        let Value::Object(m) = cur else { return };
        if i + 1 == segs.len() {
            m.insert(key, v);
            return;
        }
        cur = m.entry(key).or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Builds the typed document item by item, so that one broken item does not hide the rest.
fn typed(mut v: Value, loaded: &mut Loaded) -> ClusterDoc {
    let mut doc = ClusterDoc {
        version: take(&mut v, "version", loaded),
        cluster: take(&mut v, "cluster", loaded),
        totem: take(&mut v, "totem", loaded),
        quorum: take(&mut v, "quorum", loaded),
        properties: take(&mut v, "properties", loaded),
        rsc_defaults: take(&mut v, "rsc_defaults", loaded),
        op_defaults: take(&mut v, "op_defaults", loaded),
        ..ClusterDoc::default()
    };
    doc.resources = map_items::<Primitive>(&mut v, "resources", loaded);
    doc.groups = map_items::<Group>(&mut v, "groups", loaded);
    doc.clones = map_items::<Clone_>(&mut v, "clones", loaded);
    doc.alerts = map_items::<Alert>(&mut v, "alerts", loaded);
    doc.nodes = list_items::<NodeSpec>(v.get_mut("nodes"), loaded, |x| {
        x.get("name").and_then(Value::as_str).map(str::to_string)
    });
    if let Some(c) = v.get_mut("constraints") {
        doc.constraints = Some(Constraints {
            location: list_items::<Location>(c.get_mut("location"), loaded, |_| None),
            colocation: list_items::<Colocation>(c.get_mut("colocation"), loaded, |_| None),
            order: list_items::<Order>(c.get_mut("order"), loaded, |_| None),
        });
    }
    if let Some(f) = v.get_mut("fencing") {
        doc.fencing = Some(Fencing {
            devices: map_items::<FenceDevice>(f, "devices", loaded),
            topology: list_items::<FencingTarget>(f.get_mut("topology"), loaded, |_| None),
        });
    }
    doc
}

fn take<T: DeserializeOwned>(v: &mut Value, key: &str, loaded: &mut Loaded) -> Option<T> {
    let item = v.get_mut(key)?.take();
    match serde_json::from_value(item) {
        Ok(t) => Some(t),
        Err(e) => {
            note_serde_error(loaded, &format!("/{key}"), &e);
            None
        }
    }
}

fn map_items<T: DeserializeOwned>(
    v: &mut Value,
    key: &str,
    loaded: &mut Loaded,
) -> BTreeMap<String, T> {
    let Some(Value::Object(m)) = v.get_mut(key) else {
        return BTreeMap::new();
    };
    // Collected, then built in one go: inserting thousands of large items one by one moves
    // them around as the tree's nodes split.
    let mut out = Vec::with_capacity(m.len());
    for (name, item) in std::mem::take(m) {
        match serde_json::from_value(item) {
            Ok(t) => out.push((name, t)),
            Err(_) => {
                loaded.broken_ids.insert(name);
            }
        }
    }
    out.into_iter().collect()
}

fn list_items<T: DeserializeOwned>(
    v: Option<&mut Value>,
    loaded: &mut Loaded,
    name_of: impl Fn(&Value) -> Option<String>,
) -> Vec<T> {
    let mut out = Vec::new();
    let Some(Value::Array(items)) = v else {
        return out;
    };
    for item in std::mem::take(items) {
        let name = name_of(&item);
        match serde_json::from_value(item) {
            Ok(t) => out.push(t),
            Err(_) => {
                if let Some(n) = name {
                    loaded.broken_ids.insert(n);
                }
            }
        }
    }
    out
}

/// A serde failure after a clean structural walk means the walker and serde disagree: report it
/// (it would be a bug in quorate) rather than lose the item silently.
fn note_serde_error(loaded: &mut Loaded, pointer: &str, e: &serde_json::Error) {
    if loaded.diags.fails(false) {
        return;
    }
    if let Some(span) = loaded.spans.value(pointer) {
        loaded.diags.push(
            Diagnostic::error(
                "invalid",
                span,
                format!("`{}` could not be read: {e}", &pointer[1..]),
            )
            .with_hint("this is a bug in quorate: please report it with the input"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> Loaded {
        load_sources(
            files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        )
    }

    #[test]
    fn merges_maps_and_lists_and_keeps_spans_per_file() {
        let l = load(&[
            ("a.yaml", "cluster: c\nnodes:\n  - { name: n1, id: 1, addrs: [a] }\nresources:\n  r1: { agent: 'ocf:pacemaker:Dummy' }\n"),
            ("b.yaml", "nodes:\n  - { name: n2, id: 2, addrs: [b] }\nresources:\n  r2: { agent: 'ocf:pacemaker:Dummy' }\n"),
        ]);
        assert!(l.diags.is_empty(), "{:?}", l.diags);
        assert_eq!(l.doc.nodes.len(), 2);
        assert_eq!(l.doc.resources.len(), 2);
        let s = l.spans.key("/nodes/1").expect("span of second node");
        assert_eq!(l.sources.get(s.file).path, "b.yaml");
        let s = l.spans.value("/resources/r2/agent").expect("span");
        assert_eq!((s.start.line, s.start.col), (4, 16));
    }

    #[test]
    fn duplicate_across_files_names_both_places() {
        let l = load(&[
            (
                "a.yaml",
                "resources:\n  r1: { agent: 'ocf:pacemaker:Dummy' }\n",
            ),
            (
                "b.yaml",
                "resources:\n  r1: { agent: 'ocf:pacemaker:Stateful' }\n",
            ),
        ]);
        let d: Vec<_> = l.diags.iter().collect();
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "duplicate-id");
        assert_eq!(l.sources.get(d[0].span.expect("span").file).path, "b.yaml");
        assert_eq!(l.sources.get(d[0].related[0].0.file).path, "a.yaml");
    }
}
