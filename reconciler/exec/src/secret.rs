//! Parameter values, and secrets resolved from their references at run time.
//!
//! A secret's value exists only while an agent runs: read from a file on the node, an environment
//! variable of the executor, or a script's output, handed to the agent, and replaced by
//! `(sensitive)` in anything we keep of the agent's output. No `Debug` or `Display` shows it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::ExecConfig;
use crate::error::ExecError;
use crate::process::{run_process, Exit, ProcessSpec};
use crate::result::Captured;

/// What is shown in place of a secret.
pub const REDACTED: &str = "(sensitive)";

/// Where a secret parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretSource {
    /// The contents of a file on the node (one trailing newline removed).
    File(PathBuf),
    /// An environment variable of the executor's process.
    Env(String),
    /// The first line printed by an executable (run without arguments, 30 s timeout).
    Script(PathBuf),
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::File(path) => write!(f, "file {}", path.display()),
            SecretSource::Env(name) => write!(f, "env {name}"),
            SecretSource::Script(path) => write!(f, "script {}", path.display()),
        }
    }
}

/// A parameter's value: literal, or a reference to a secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum ParamValue {
    /// A literal value.
    Plain(String),
    /// Resolved only when the agent runs.
    Secret(SecretSource),
}

impl fmt::Debug for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Plain(value) => write!(f, "{value:?}"),
            ParamValue::Secret(source) => write!(f, "{REDACTED} from {source}"),
        }
    }
}

impl From<&str> for ParamValue {
    fn from(value: &str) -> Self {
        ParamValue::Plain(value.to_owned())
    }
}

impl From<String> for ParamValue {
    fn from(value: String) -> Self {
        ParamValue::Plain(value)
    }
}

impl From<SecretSource> for ParamValue {
    fn from(source: SecretSource) -> Self {
        ParamValue::Secret(source)
    }
}

/// Whether a parameter name says it holds a secret even when given literally (`password`,
/// `passwd`, `secret`, `token`...): such values are redacted in `Debug` output as well.
pub fn is_sensitive_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["passw", "secret", "token", "private_key"]
        .iter()
        .any(|word| name.contains(word))
}

/// A resolved secret value. Its `Debug` is `(sensitive)`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SecretValue(pub String);

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Resolves `source` for parameter `param`. Errors never carry the value.
pub(crate) fn resolve(
    config: &ExecConfig,
    param: &str,
    source: &SecretSource,
) -> Result<SecretValue, ExecError> {
    let fail = |reason: String| ExecError::Secret {
        param: param.to_owned(),
        reason,
    };
    let value = match source {
        SecretSource::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| fail(format!("reading {}: {e}", path.display())))?;
            text.strip_suffix('\n').unwrap_or(&text).to_owned()
        }
        SecretSource::Env(name) => {
            std::env::var(name).map_err(|e| fail(format!("environment variable {name}: {e}")))?
        }
        SecretSource::Script(path) => {
            let outcome = run_process(
                config,
                ProcessSpec {
                    program: path.clone(),
                    args: Vec::new(),
                    env: Vec::new(),
                    stdin: None,
                    timeout: Duration::from_secs(30),
                },
            )
            .map_err(|e| fail(format!("running {}: {e}", path.display())))?;
            if outcome.exit != Exit::Code(0) {
                return Err(fail(format!(
                    "{} ended with {:?}",
                    path.display(),
                    outcome.exit
                )));
            }
            let text = outcome.stdout.text();
            text.lines().next().unwrap_or_default().to_owned()
        }
    };
    let value = value.strip_suffix('\r').map(str::to_owned).unwrap_or(value);
    if value.is_empty() {
        return Err(fail(format!("{source} gave an empty value")));
    }
    Ok(SecretValue(value))
}

/// Parameter values in name order, and the secrets among them.
pub(crate) type ResolvedParams = (Vec<(String, String)>, Vec<SecretValue>);

/// Resolves every parameter: literal values as they are, secrets from their sources. Returns the
/// values in name order and the secrets (for redaction of the agent's output).
pub(crate) fn resolve_params(
    config: &ExecConfig,
    params: &BTreeMap<String, ParamValue>,
) -> Result<ResolvedParams, ExecError> {
    let mut values = Vec::with_capacity(params.len());
    let mut secrets = Vec::new();
    for (name, value) in params {
        match value {
            ParamValue::Plain(value) => {
                if is_sensitive_name(name) && !value.is_empty() {
                    secrets.push(SecretValue(value.clone()));
                }
                values.push((name.clone(), value.clone()));
            }
            ParamValue::Secret(source) => {
                let secret = resolve(config, name, source)?;
                values.push((name.clone(), secret.0.clone()));
                secrets.push(secret);
            }
        }
    }
    Ok((values, secrets))
}

/// Replaces every occurrence of each secret in captured output with `(sensitive)`. When the
/// capture was cut at its limit, a secret's first bytes may end it: those are dropped as well.
pub(crate) fn redact(captured: &mut Captured, secrets: &[SecretValue]) {
    for secret in secrets {
        let needle = secret.0.as_bytes();
        if needle.is_empty() {
            continue;
        }
        let bytes = &captured.bytes;
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..].starts_with(needle) {
                out.extend_from_slice(REDACTED.as_bytes());
                i += needle.len();
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        if captured.truncated() {
            if let Some(cut) = (1..needle.len())
                .rev()
                .find(|n| out.ends_with(&needle[..*n]))
            {
                out.truncate(out.len() - cut);
            }
        }
        captured.bytes = out;
    }
}

/// Debug helper for parameter maps: secret references are shown as references, and literal
/// values of sensitive-looking names as `(sensitive)`.
pub(crate) struct ParamsDebug<'a>(pub &'a BTreeMap<String, ParamValue>);

impl fmt::Debug for ParamsDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            match value {
                ParamValue::Plain(_) if is_sensitive_name(name) => {
                    map.entry(name, &format_args!("{REDACTED}"))
                }
                _ => map.entry(name, value),
            };
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn resolves_file_env_and_script_sources() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret-file\n").unwrap();
        let config = ExecConfig::default();
        assert_eq!(
            resolve(&config, "password", &SecretSource::File(file))
                .unwrap()
                .0,
            "s3cret-file"
        );

        // PATH is always set in the test process.
        let path = std::env::var("PATH").unwrap();
        assert_eq!(
            resolve(&config, "password", &SecretSource::Env("PATH".into()))
                .unwrap()
                .0,
            path
        );

        let script = dir.path().join("pw.sh");
        std::fs::write(&script, "#!/bin/sh\necho s3cret-script\necho ignored\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            resolve(&config, "password", &SecretSource::Script(script))
                .unwrap()
                .0,
            "s3cret-script"
        );
    }

    #[test]
    fn unresolvable_sources_are_errors_naming_the_param() {
        let config = ExecConfig::default();
        let unset = SecretSource::Env("QUORATE_TEST_UNSET_VARIABLE".into());
        let err = resolve(&config, "password", &unset).unwrap_err();
        assert!(err.to_string().contains("password"), "{err}");
        let missing = SecretSource::File("/nonexistent/pw".into());
        let err = resolve(&config, "password", &missing).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/pw"), "{err}");
        let failing = SecretSource::Script("/bin/false".into());
        let err = resolve(&config, "password", &failing).unwrap_err();
        assert!(matches!(err, ExecError::Secret { .. }), "{err}");
    }

    #[test]
    fn redaction_replaces_every_occurrence() {
        let mut captured = Captured {
            bytes: b"login admin pw hunter2 retry hunter2!".to_vec(),
            total_bytes: 37,
        };
        redact(&mut captured, &[SecretValue("hunter2".into())]);
        assert_eq!(
            captured.bytes,
            b"login admin pw (sensitive) retry (sensitive)!"
        );
    }

    #[test]
    fn redaction_drops_a_secret_cut_by_the_capture_limit() {
        let mut captured = Captured {
            bytes: b"pw hunter2 again hunt".to_vec(),
            total_bytes: 1000,
        };
        redact(&mut captured, &[SecretValue("hunter2".into())]);
        assert_eq!(captured.bytes, b"pw (sensitive) again ");
    }

    #[test]
    fn debug_never_shows_secret_values() {
        let mut params = BTreeMap::new();
        params.insert("ip".to_owned(), ParamValue::from("10.0.0.1"));
        params.insert("password".to_owned(), ParamValue::from("hunter2"));
        params.insert(
            "passwd".to_owned(),
            ParamValue::Secret(SecretSource::Env("IPMI_PW".into())),
        );
        let shown = format!("{:?}", ParamsDebug(&params));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("10.0.0.1") && shown.contains("env IPMI_PW"),
            "{shown}"
        );
        assert_eq!(format!("{:?}", SecretValue("hunter2".into())), REDACTED);
    }
}
