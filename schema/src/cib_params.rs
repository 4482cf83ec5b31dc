//! How a primitive's instance attributes appear in a Pacemaker CIB, secrets included: the one
//! rule both the CIB renderer (`quorate-cib`) and the scheduler's parameter digests
//! (`quorate-scheduler`, which must hash exactly what the controller saw) follow.
//!
//! A secret never appears as its value: a fence agent's password becomes `password_script`
//! (`/bin/cat FILE` or `/usr/bin/printenv VAR`, which the fence agents run on each node); any
//! other secret becomes cibsecret's `lrm://` marker, its value kept on each node at
//! [`cibsecret_path`].

use crate::model::{Param, Primitive};
use crate::types::SecretRef;
use std::collections::BTreeMap;

/// Where cibsecret keeps a resource's secret parameter on every node.
pub fn cibsecret_path(rsc: &str, param: &str) -> String {
    format!("/var/lib/pacemaker/lrm/secrets/{rsc}/{param}")
}

/// The `password_script` form of a fence agent's secret parameter, when there is one.
fn script_param(name: &str) -> Option<String> {
    match name {
        "password" | "passwd" => Some("password_script".into()),
        n if n.ends_with("passwd") || n.ends_with("password") => Some(format!("{n}_script")),
        _ => None,
    }
}

/// The instance attributes of `p` as the CIB holds them (`fence`: `p` is a fencing device).
pub fn cib_params(p: &Primitive, fence: bool) -> BTreeMap<String, String> {
    p.params
        .iter()
        .map(|(k, v)| match v {
            Param::Text(t) => (k.clone(), t.clone()),
            Param::Secret(SecretRef::File(path)) if *path == cibsecret_path(&p.id, k) => {
                (k.clone(), "lrm://".to_string())
            }
            Param::Secret(s) => match (fence, script_param(k)) {
                (true, Some(script)) => (
                    script,
                    match s {
                        SecretRef::File(path) => format!("/bin/cat {path}"),
                        SecretRef::Env(var) => format!("/usr/bin/printenv {var}"),
                    },
                ),
                _ => (k.clone(), "lrm://".to_string()),
            },
        })
        .collect()
}
