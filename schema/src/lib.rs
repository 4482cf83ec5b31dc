//! quorate-schema: the desired state of a cluster as YAML, loaded with exact source positions,
//! checked all at once, and lowered to the validated [`Model`] the rest of quorate works on.
//!
//! The path of data: files -> [`yaml`] trees with spans -> [`walk`] checks every node against the
//! JSON Schema generated from [`types`] (unknown keys, types, enums, patterns, all reported with
//! `file:line:col`) and yields JSON values -> serde builds the [`types::ClusterDoc`] item by item ->
//! [`validate`] runs the semantic and HA-policy checks and lowers it to a [`Model`].
//!
//! ```
//! let loaded = quorate_schema::load_sources(vec![(
//!     "cluster.yaml".into(),
//!     "cluster: demo\nnodes:\n  - { name: n1, id: 1, addrs: [10.0.0.1] }\nproperties: { stonith-enabled: false }\n".into(),
//! )]);
//! let (model, diags) = quorate_schema::validate(&loaded, &quorate_schema::Options::default());
//! assert!(!diags.fails(false));
//! assert_eq!(model.expect("valid").name, "demo");
//! ```

pub mod catalog;
mod check;
pub mod cib_params;
pub mod diag;
pub mod emit;
mod load;
pub mod model;
pub mod source;
pub mod suggest;
pub mod types;
pub mod walk;
pub mod yaml;

pub use catalog::{AgentCatalog, AgentInfo, NoCatalog, ParamInfo};
pub use check::{lower_only, lower_unvalidated, validate, Options};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use load::{json_schema, load_paths, load_sources, Loaded, FILE_BYTES_MAX};
pub use model::Model;
pub use source::{FileId, Pos, SourceMap, Span};
