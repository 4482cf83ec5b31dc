//! `corosync.conf`: parse (as Corosync reads it) and render (from the Model).
//!
//! - [`parse`] reads the text into a generic [`ConfTree`] exactly as Corosync 3.1's
//!   `exec/coroparse.c` does (same accepted lines, same errors with line numbers).
//! - [`import_corosync`] reads the tree into quorate's YAML types (`cluster`, `nodes`, `totem`,
//!   `quorum`), and reports every key and section it does not model as a [`CorosyncNote`], so
//!   nothing is lost silently.
//! - [`render_corosync`] writes the [`quorate_schema::Model`]'s corosync part in the layout pcs
//!   writes, byte-stable.
//!
//! Pure: strings in, strings out.

mod import;
mod render;
mod tree;

pub use import::{
    import_corosync, import_corosync_bytes, import_tree, CorosyncError, CorosyncImport,
    CorosyncNote, ValueError,
};
pub use render::{
    corosync_tree, render_corosync, render_corosync_with, CorosyncRenderOptions, LOGFILE_DEFAULT,
};
pub use tree::{
    parse, parse_bytes, ConfTree, Entry, Item, Section, SyntaxError, KEY_PATH_BYTES_MAX,
    KEY_PATH_BYTES_MIN, LINE_BYTES_MAX,
};
