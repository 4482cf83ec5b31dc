//! Validation: semantic checks and HA policy over the loaded document, and lowering to the
//! [`Model`]. Every check reports into one list; nothing stops at the first problem.

mod graph;
mod lower;
mod rules;

use crate::catalog::{AgentCatalog, NoCatalog};
use crate::diag::{Diagnostic, Diagnostics};
use crate::load::Loaded;
use crate::model::Model;
use crate::source::Span;

/// How to validate.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Warnings are errors.
    pub strict: bool,
    /// Installed agents' metadata, for parameter checks.
    pub catalog: &'a dyn AgentCatalog,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("strict", &self.strict)
            .finish_non_exhaustive()
    }
}

impl Default for Options<'static> {
    fn default() -> Self {
        Options {
            strict: false,
            catalog: &NoCatalog,
        }
    }
}

/// Validates a loaded desired state. Returns the model when there is no error (warnings allowed
/// unless `strict`), and every diagnostic, structural ones included, sorted by place.
pub fn validate(loaded: &Loaded, opts: &Options<'_>) -> (Option<Model>, Diagnostics) {
    let (model, mut diags) = lower_and_check(loaded, opts);
    if opts.strict {
        diags.make_warnings_errors();
    }
    diags.sort();
    let ok = !diags.fails(opts.strict);
    (ok.then_some(model), diags)
}

/// Lowers the document and runs every check, without judging the result.
fn lower_and_check(loaded: &Loaded, opts: &Options<'_>) -> (Model, Diagnostics) {
    let mut cx = Cx {
        l: loaded,
        diags: Diagnostics::default(),
        ptrs: std::collections::BTreeMap::new(),
    };
    for d in loaded.diags.iter() {
        cx.diags.push(d.clone());
    }
    let model = lower::lower(&mut cx);
    rules::check(&mut cx, &model, opts);
    graph::check(&mut cx, &model);
    (model, cx.diags)
}

/// Lowers a document to a [`Model`] even when it has errors, with every diagnostic.
///
/// For foreign inputs quorate must still reason about, such as a CIB imported from a running
/// Pacemaker cluster (which may enable fencing without devices, or have no ring addresses):
/// the scheduler's conformance harness and `quorate simulate` use it. The model of an invalid
/// document may hold dangling references; callers must tolerate them. Everything that applies
/// a desired state uses [`validate`] instead.
pub fn lower_unvalidated(loaded: &Loaded) -> (Model, Diagnostics) {
    let (model, mut diags) = lower_and_check(loaded, &Options::default());
    diags.sort();
    (model, diags)
}

/// Lowers a document to a [`Model`] without running the semantic and policy checks, for a
/// state whose diagnostics nobody reads: the base revision of a plan, which only needs its
/// model. As with [`lower_unvalidated`], the model of an invalid document may hold dangling
/// references.
pub fn lower_only(loaded: &Loaded) -> Model {
    let mut cx = Cx {
        l: loaded,
        diags: Diagnostics::default(),
        ptrs: std::collections::BTreeMap::new(),
    };
    lower::lower(&mut cx)
}

/// Shared state of one validation run.
pub(crate) struct Cx<'a> {
    pub l: &'a Loaded,
    pub diags: Diagnostics,
    /// JSON pointer of each constraint and fencing level, by its (possibly derived) id.
    pub ptrs: std::collections::BTreeMap<String, String>,
}

impl Cx<'_> {
    /// Span of the value at `pointer`, or the start of the first file.
    pub fn at(&self, pointer: &str) -> Span {
        self.l.spans.value(pointer).unwrap_or_else(|| self.first())
    }

    /// Span of the key naming `pointer`.
    pub fn key(&self, pointer: &str) -> Span {
        self.l.spans.key(pointer).unwrap_or_else(|| self.first())
    }

    /// Span where the constraint or fencing level `id` was written.
    pub fn at_id(&self, id: &str) -> Span {
        match self.ptrs.get(id) {
            Some(p) => self.at(p),
            None => self.first(),
        }
    }

    fn first(&self) -> Span {
        self.l
            .sources
            .files()
            .next()
            .map(|(id, _)| Span::file_start(id))
            .unwrap_or_default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// True when `id` failed to load: references to it are not reported as dangling.
    pub fn broken(&self, id: &str) -> bool {
        self.l.broken_ids.contains(id)
    }
}
