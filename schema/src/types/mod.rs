//! The YAML document types (serde + schemars). These are the boundary: the validated
//! [`crate::Model`] is built from them and carries no serde.

mod cluster;
mod constraints;
mod fencing;
mod props;
mod resources;
mod values;

pub use cluster::*;
pub use constraints::*;
pub use fencing::*;
pub use props::*;
pub use resources::{Clone_, Group, GroupSpec, Primitive};
pub use values::*;
