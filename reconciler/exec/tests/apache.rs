//! `ocf:heartbeat:apache` with Debian's apache2, its own config file and pid file in a temporary
//! directory, listening on an address that exists only inside a network namespace this test
//! creates.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::path::Path;
use std::time::Duration;

use common::NetNs;
use quorate_exec::{
    run_resource_action, ActionRequest, AgentRef, AgentRoots, OcfResult, ResourceAction,
};

/// A plain HTTP/1.0 GET from a thread that has entered the namespace's network stack.
fn http_get_in(ns: &NetNs, addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let netns = std::fs::File::open(format!("/run/netns/{}", ns.name))?;
    let path = path.to_owned();
    std::thread::spawn(move || {
        rustix::thread::move_into_link_name_space(
            netns.as_fd(),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )?;
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: quorate-test\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    })
    .join()
    .expect("the http thread does not panic")
}

fn write_site(dir: &Path, listen: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    // apache's children run as www-data and must read the document root.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir(dir.join("htdocs")).unwrap();
    std::fs::write(
        dir.join("htdocs/index.html"),
        "<html><body>served by quorate-exec</body></html>\n",
    )
    .unwrap();
    let d = dir.display();
    let config = format!(
        r#"ServerRoot "{d}"
ServerName quorate-test
Listen {listen}
PidFile {d}/httpd.pid
DefaultRuntimeDir {d}
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
User www-data
Group www-data
ErrorLog {d}/error.log
CustomLog {d}/access.log "%r %>s"
DocumentRoot {d}/htdocs
<Location /server-status>
    SetHandler server-status
    Require all granted
</Location>
"#
    );
    let path = dir.join("httpd.conf");
    std::fs::write(&path, config).unwrap();
    path
}

#[test]
fn apache_starts_serves_monitors_through_the_status_url_and_stops() {
    let ns = NetNs::new("web");
    ns.veth_with("10.213.2.1/24");
    let dir = tempfile::tempdir().unwrap();
    let conf = write_site(dir.path(), "10.213.2.1:8080");
    let config = ns.config(AgentRoots::default());
    let web = ActionRequest::new(
        "web",
        AgentRef::ocf("heartbeat", "apache"),
        ResourceAction::Monitor,
    )
    .param("configfile", conf.to_str().unwrap())
    .param("httpd", "/usr/sbin/apache2")
    .param("statusurl", "http://10.213.2.1:8080/server-status")
    .timeout_ms(60_000);
    let run = |action| run_resource_action(&config, &web.with_action(action)).unwrap();
    let addr: SocketAddr = "10.213.2.1:8080".parse().unwrap();

    // Phase 1: probe: not running.
    assert_eq!(run(ResourceAction::Monitor).result, OcfResult::NotRunning);

    // Phase 2: start; the page is served on the namespace address; the pid file is ours.
    let start = run(ResourceAction::Start);
    assert_eq!(start.result, OcfResult::Success, "{start:?}");
    let pid: i32 = std::fs::read_to_string(dir.path().join("httpd.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(ns.pids().contains(&pid), "apache runs inside the namespace");
    let page = http_get_in(&ns, addr, "/index.html").unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("served by quorate-exec"), "{page}");

    // Phase 3: monitor succeeds, and did so by fetching the status URL.
    let monitor = run(ResourceAction::Monitor);
    assert_eq!(monitor.result, OcfResult::Success, "{monitor:?}");
    let access = std::fs::read_to_string(dir.path().join("access.log")).unwrap();
    assert!(
        access
            .lines()
            .any(|l| l == "GET /server-status HTTP/1.1 200"),
        "{access}"
    );

    // Phase 4: stop; nothing listens any more; monitor says not running.
    let stop = run(ResourceAction::Stop);
    assert_eq!(stop.result, OcfResult::Success, "{stop:?}");
    assert!(!common::alive(pid), "apache {pid} survived its stop");
    assert!(http_get_in(&ns, addr, "/index.html").is_err());
    assert_eq!(run(ResourceAction::Monitor).result, OcfResult::NotRunning);
}
