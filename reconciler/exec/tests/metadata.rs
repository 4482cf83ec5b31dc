//! `installed_metadata`, the contract `quorate validate` uses: real agents' metadata, not
//! installed agents, broken agents, and the per-agent cache.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use quorate_exec::{
    installed_metadata, AgentRef, AgentRoots, ExecConfig, ExecError, MetadataCache, ParamProblem,
};

#[test]
fn ipaddr2_metadata_has_its_parameters_and_action_defaults() {
    let agent = AgentRef::parse("ocf:heartbeat:IPaddr2").unwrap();
    let meta = installed_metadata(&agent, &AgentRoots::default())
        .unwrap()
        .expect("resource-agents is installed");
    assert_eq!(meta.name, "IPaddr2");
    let ip = meta.parameter("ip").unwrap();
    assert!(ip.required && ip.unique);
    assert_eq!(ip.content_type, "string");
    assert!(!meta.parameter("cidr_netmask").unwrap().required);
    let start = meta.action("start").unwrap();
    assert_eq!(start.timeout_ms, Some(20_000));
    let monitor = meta.action("monitor").unwrap();
    assert_eq!(
        (monitor.timeout_ms, monitor.interval_ms, monitor.depth),
        (Some(20_000), Some(10_000), Some(0))
    );

    assert_eq!(
        meta.check_params("ocf", ["ip", "cidr_netmask", "netmask"]),
        [ParamProblem::Unknown("netmask".into())]
    );
    assert_eq!(
        meta.check_params("ocf", ["cidr_netmask"]),
        [ParamProblem::MissingRequired("ip".into())]
    );
}

#[test]
fn both_dummies_and_apache_have_metadata() {
    let roots = AgentRoots::default();
    let hb = installed_metadata(&"ocf:heartbeat:Dummy".parse().unwrap(), &roots)
        .unwrap()
        .unwrap();
    assert!(hb.parameter("state").unwrap().unique);
    let pcmk = installed_metadata(&"ocf:pacemaker:Dummy".parse().unwrap(), &roots)
        .unwrap()
        .unwrap();
    assert!(pcmk.parameter("op_sleep").is_some());
    let apache = installed_metadata(&"ocf:heartbeat:apache".parse().unwrap(), &roots)
        .unwrap()
        .unwrap();
    assert!(apache.parameter("statusurl").is_some() && apache.parameter("configfile").is_some());
}

#[test]
fn agents_that_are_not_installed_are_none() {
    let roots = AgentRoots::default();
    for spec in [
        "ocf:heartbeat:NoSuchAgent",
        "ocf:nosuchprovider:Dummy",
        "stonith:fence_no_such_agent",
        "lsb:no-such-script",
        "systemd:no-such-unit",
        "service:no-such-service",
    ] {
        let agent = AgentRef::parse(spec).unwrap();
        assert_eq!(installed_metadata(&agent, &roots).unwrap(), None, "{spec}");
    }
}

#[test]
fn an_invalid_spec_is_an_error_not_a_missing_agent() {
    let agent = AgentRef {
        class: "ocf".into(),
        provider: None,
        kind: "Dummy".into(),
    };
    assert!(matches!(
        installed_metadata(&agent, &AgentRoots::default()),
        Err(ExecError::InvalidAgent { .. })
    ));
}

fn write_agent(root: &Path, body: &str) {
    let dir = root.join("resource.d/test");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Agent");
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn agent_printing(version: &str) -> String {
    format!(
        "#!/bin/sh\n[ \"$1\" = meta-data ] || exit 3\necho \"$1\" >> \"$(dirname \"$0\")/calls\"\ncat <<'XML'\n<resource-agent name=\"Agent\" version=\"{version}\"><parameters><parameter name=\"p\"><content type=\"string\"/></parameter></parameters><actions><action name=\"start\" timeout=\"10s\"/></actions></resource-agent>\nXML\n"
    )
}

#[test]
fn the_cache_runs_an_agent_once_until_its_file_changes() {
    let root = tempfile::tempdir().unwrap();
    write_agent(root.path(), &agent_printing("1"));
    let config = ExecConfig::with_roots(AgentRoots {
        ocf_root: root.path().to_owned(),
        ..AgentRoots::default()
    });
    let agent = AgentRef::ocf("test", "Agent");
    let cache = MetadataCache::new();
    let calls = || {
        std::fs::read_to_string(root.path().join("resource.d/test/calls"))
            .unwrap()
            .lines()
            .count()
    };

    let first = cache.get(&config, &agent).unwrap().unwrap();
    let second = cache.get(&config, &agent).unwrap().unwrap();
    assert_eq!(first.version.as_deref(), Some("1"));
    assert!(std::sync::Arc::ptr_eq(&first, &second));
    assert_eq!(calls(), 1);

    // An upgrade replaces the file: a new modification time means a new fetch.
    write_agent(root.path(), &agent_printing("2"));
    {
        let file = std::fs::File::options()
            .write(true)
            .open(root.path().join("resource.d/test/Agent"))
            .unwrap();
        file.set_modified(SystemTime::now() + Duration::from_secs(10))
            .unwrap();
    } // Closed before the agent runs: an executable open for writing cannot be run (ETXTBSY).
    let third = cache.get(&config, &agent).unwrap().unwrap();
    assert_eq!(third.version.as_deref(), Some("2"));
    assert_eq!(calls(), 2);
}

#[test]
fn broken_metadata_is_an_error() {
    let root = tempfile::tempdir().unwrap();
    let roots = AgentRoots {
        ocf_root: root.path().to_owned(),
        ..AgentRoots::default()
    };
    let agent = AgentRef::ocf("test", "Agent");

    write_agent(root.path(), "#!/bin/sh\necho 'this is not xml'\n");
    let err = installed_metadata(&agent, &roots).unwrap_err();
    assert!(matches!(err, ExecError::Metadata { .. }), "{err}");

    // A different roots value is a different cache entry, so this runs the new agent.
    let root2 = tempfile::tempdir().unwrap();
    write_agent(
        root2.path(),
        "#!/bin/sh\necho 'meta-data failed' >&2\nexit 1\n",
    );
    let roots2 = AgentRoots {
        ocf_root: root2.path().to_owned(),
        ..AgentRoots::default()
    };
    let err = installed_metadata(&agent, &roots2).unwrap_err();
    assert!(err.to_string().contains("meta-data failed"), "{err}");
}

#[test]
fn lsb_scripts_get_synthesized_metadata_without_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("myservice");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let roots = AgentRoots {
        lsb_dir: dir.path().to_owned(),
        ..AgentRoots::default()
    };
    for spec in ["lsb:myservice", "service:myservice"] {
        let meta = installed_metadata(&spec.parse().unwrap(), &roots)
            .unwrap()
            .expect("installed");
        assert!(meta.parameters.is_empty());
        assert_eq!(
            meta.check_params("lsb", ["anything"]),
            [ParamProblem::Unknown("anything".into())]
        );
        assert!(meta.action("monitor").is_some());
    }
}

#[test]
fn systemd_units_are_found_by_their_unit_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("web.service"),
        "[Service]\nExecStart=/bin/true\n",
    )
    .unwrap();
    let roots = AgentRoots {
        systemd_unit_dirs: vec![dir.path().to_owned()],
        ..AgentRoots::default()
    };
    let meta = installed_metadata(&"systemd:web".parse().unwrap(), &roots)
        .unwrap()
        .expect("installed");
    assert_eq!(meta.name, "web.service");
    assert!(meta.parameters.is_empty());
    assert_eq!(
        installed_metadata(&"systemd:other".parse().unwrap(), &roots).unwrap(),
        None
    );
}
