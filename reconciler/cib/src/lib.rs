//! quorate-cib: the ClusterLabs formats. Renders the validated [`quorate_schema::Model`] as
//! Pacemaker CIB XML and `corosync.conf`, and imports both back into quorate's YAML document.
//! Pure: strings in, strings out; no files, no processes.

pub mod apply;
pub mod canon;
pub mod corosync;
pub mod import;
pub mod render;
mod xml;

pub use apply::{cib_version, desired_cib, ApplyError, CibVersion};
pub use canon::canonical_configuration;
pub use import::{import_cib, ImportError, ImportNote, Imported, NoteLevel};
pub use render::{render_cib, CibSchema, RenderError, RenderOptions};
