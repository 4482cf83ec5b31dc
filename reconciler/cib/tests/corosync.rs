//! corosync.conf end to end: golden renders of every example, the round trip render -> import,
//! golden imports of real and realistic files, a never-panic property test of the parser, the
//! parser against the real Corosync parser on the same inputs, and the real `corosync -t`
//! accepting every rendered example. `QUORATE_BLESS=1` rewrites the golden files.

use quorate_cib::corosync::{
    import_corosync, parse, render_corosync, CorosyncError, CorosyncImport, Entry, Section,
    LINE_BYTES_MAX,
};
use quorate_cib::NoteLevel;
use quorate_schema::{lower_unvalidated, Loaded, Model, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

const COROSYNC: &str = "/usr/sbin/corosync";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bless() -> bool {
    std::env::var_os("QUORATE_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the golden file, or rewrites it under `QUORATE_BLESS=1`.
fn golden(path: &Path, actual: &str) -> Result<(), String> {
    if bless() {
        std::fs::write(path, actual).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e} (run with QUORATE_BLESS=1 to create it)",
            path.display()
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    let first = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.lines().count().min(actual.lines().count()));
    Err(format!(
        "{} differs from the output at line {} (QUORATE_BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display(),
        first + 1
    ))
}

fn examples() -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no examples found");
    v
}

fn example_model(dir: &Path) -> Model {
    let loaded = quorate_schema::load_paths(&[dir.to_path_buf()]);
    let (model, diags) = quorate_schema::validate(&loaded, &Options::default());
    match model {
        Some(m) => m,
        None => panic!("{} does not validate: {diags:?}", dir.display()),
    }
}

/// The corosync-level part of a model, for comparisons.
fn corosync_part(m: &Model) -> String {
    let nodes: Vec<_> = m
        .nodes
        .iter()
        .map(|n| (&n.name, n.id, &n.addrs, n.votes))
        .collect();
    format!(
        "cluster {:?}\nnodes {nodes:?}\ntotem {:?}\nquorum {:?}",
        m.name, m.totem, m.quorum
    )
}

fn model_of_import(imp: &CorosyncImport) -> Model {
    lower_unvalidated(&Loaded::from_doc(imp.to_doc())).0
}

fn fixtures() -> Vec<(String, PathBuf)> {
    let dir = root().join("tests/data/corosync");
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("tests/data/corosync/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .map(|p| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (stem, p)
        })
        .collect();
    v.sort();
    assert!(v.len() >= 6, "fixtures missing in {}", dir.display());
    v
}

// ---------------------------------------------------------------------------------------------
// A scratch directory and the real corosync.

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("quorate-corosync-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("scratch dir");
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fixed 256-byte test key (the size `corosync-keygen` makes).
fn write_authkey(dir: &Path) -> PathBuf {
    let key: Vec<u8> = (0u32..256).map(|i| (i * 37 + 11) as u8).collect();
    let p = dir.join("authkey");
    std::fs::write(&p, key).expect("authkey");
    p
}

/// Makes a config testable on this host: every node's ringK_addr becomes 127.0.K.(node number),
/// so node 1 is this host on loopback; the log file and key file move into `dir`.
fn loopback(text: &str, dir: &Path) -> String {
    let mut tree = parse(text).expect("the config parses");
    let key = write_authkey(dir);
    let log = dir.join("corosync.log");
    let mut has_logging = false;
    for s in tree.sections_mut() {
        match s.name.as_str() {
            "nodelist" => {
                for (n, node) in s.sections_mut().filter(|n| n.name == "node").enumerate() {
                    for i in node.items_mut() {
                        if let Some(k) = i
                            .key
                            .strip_prefix("ring")
                            .and_then(|r| r.strip_suffix("_addr"))
                        {
                            i.value = format!("127.0.{k}.{}", n + 1);
                        }
                    }
                }
            }
            "logging" => {
                has_logging = true;
                for i in s.items_mut().filter(|i| i.key == "logfile") {
                    i.value = log.display().to_string();
                }
            }
            "totem" => {
                s.entries
                    .retain(|e| !matches!(e, Entry::Item(i) if i.key == "keyfile"));
                s.item("keyfile", key.display().to_string());
            }
            _ => {}
        }
    }
    if !has_logging {
        let mut l = Section::new("logging");
        l.item("to_logfile", "yes");
        l.item("logfile", log.display().to_string());
        tree.entries.push(Entry::Section(l));
    }
    tree.to_text()
}

/// Runs `corosync -t -c FILE`; Ok or the reason with corosync's stderr and log.
fn corosync_test(text: &str, dir: &Path, name: &str) -> Result<(), String> {
    let file = dir.join(format!("{name}.conf"));
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    let out = Command::new(COROSYNC)
        .arg("-t")
        .arg("-c")
        .arg(&file)
        .output()
        .map_err(|e| {
            format!("cannot run {COROSYNC}: {e} (install Debian's `corosync`; .ci/run does)")
        })?;
    if out.status.success() {
        return Ok(());
    }
    let log = std::fs::read_to_string(dir.join("corosync.log")).unwrap_or_default();
    Err(format!(
        "corosync -t refused {name} ({}):\n{}\n{log}\n--- config\n{text}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    ))
}

// ---------------------------------------------------------------------------------------------
// Render.

#[test]
fn every_example_renders_its_golden_corosync_conf() {
    let mut failures = Vec::new();
    for (name, dir) in examples() {
        let model = example_model(&dir);
        let text = render_corosync(&model);
        assert_eq!(text, render_corosync(&model), "{name}: not byte-stable");
        assert!(text.ends_with("}\n"), "{name}: no final newline");
        let path = root().join(format!("tests/golden/corosync/{name}.conf"));
        if let Err(e) = golden(&path, &text) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn render_then_import_gives_back_every_examples_cluster_nodes_totem_and_quorum() {
    for (name, dir) in examples() {
        let model = example_model(&dir);
        let text = render_corosync(&model);
        let imp = import_corosync(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Everything quorate renders, it reads back: the only notes are about what it writes
        // itself (version, logging).
        let loud: Vec<String> = imp
            .notes
            .iter()
            .filter(|n| n.level != NoteLevel::Info)
            .map(|n| n.to_string())
            .collect();
        assert!(loud.is_empty(), "{name}: {loud:#?}");
        let back = model_of_import(&imp);
        assert_eq!(corosync_part(&back), corosync_part(&model), "{name}");
        // And rendering the import gives the same bytes.
        assert_eq!(render_corosync(&back), text, "{name}");
    }
}

#[test]
fn every_rendered_example_is_accepted_by_corosync_t() {
    let scratch = Scratch::new("examples");
    let mut failures = Vec::new();
    for (name, dir) in examples() {
        let text = render_corosync(&example_model(&dir));
        let testable = loopback(&text, &scratch.0);
        if let Err(e) = corosync_test(&testable, &scratch.0, &name) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn corosync_t_is_a_real_oracle_it_refuses_a_broken_render() {
    // The rendered example is accepted; the same with a node that is not this host, or with a
    // key Corosync cannot read, is refused. Without this the test above could pass vacuously.
    let scratch = Scratch::new("negative");
    let (_, dir) = examples().remove(0);
    let text = loopback(&render_corosync(&example_model(&dir)), &scratch.0);
    assert_eq!(corosync_test(&text, &scratch.0, "good"), Ok(()));
    let not_here = text.replace("ring0_addr: 127.0.0.1", "ring0_addr: 192.0.2.1");
    assert!(corosync_test(&not_here, &scratch.0, "not-here").is_err());
    let bad_value = text.replace("version: 2", "version: 2\n    token: soon");
    assert!(corosync_test(&bad_value, &scratch.0, "bad-value").is_err());
}

#[test]
fn a_pcs_written_config_renders_back_byte_for_byte() {
    // pcs's own layout, read and rendered, comes back unchanged except the cluster_uuid that
    // quorate does not keep.
    let path = root().join("tests/data/corosync/pcs-two-node-knet.conf");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let imp = import_corosync(&text).expect("imports");
    let out = render_corosync(&model_of_import(&imp));
    let expected: String = text
        .lines()
        .filter(|l| !l.contains("cluster_uuid"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(out, expected);
}

// ---------------------------------------------------------------------------------------------
// Import.

fn import_report(text: &str) -> String {
    match import_corosync(text) {
        Ok(imp) => {
            let mut s = quorate_schema::emit::to_yaml(&imp.to_doc(), None);
            s.push_str("# notes\n");
            for n in &imp.notes {
                s.push_str(&format!("# {n}\n"));
            }
            s
        }
        Err(e) => format!("# error\n# {e}\n"),
    }
}

#[test]
fn every_fixture_imports_as_its_golden_and_corosync_accepts_it() {
    let scratch = Scratch::new("fixtures");
    let mut failures = Vec::new();
    for (name, path) in fixtures() {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let report = import_report(&text);
        let golden_path = path.with_extension("import");
        if let Err(e) = golden(&golden_path, &report) {
            failures.push(e);
        }
        if let Err(e) = corosync_test(&loopback(&text, &scratch.0), &scratch.0, &name) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_captures_read_as_the_two_node_lab_cluster() {
    let text = std::fs::read_to_string(root().join("tests/data/corosync/capture-knetc.conf"))
        .expect("fixture");
    let imp = import_corosync(&text).expect("imports");
    assert_eq!(imp.cluster.as_deref(), Some("labclu"));
    let nodes: Vec<_> = imp
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.id, n.addrs.join(",")))
        .collect();
    assert_eq!(
        nodes,
        [
            ("n1", 1, "10.77.0.1".to_string()),
            ("n2", 2, "10.77.0.2".into())
        ]
    );
    let crypto = imp
        .totem
        .as_ref()
        .and_then(|t| t.crypto.clone())
        .expect("crypto");
    assert_eq!(crypto.cipher.as_deref(), Some("aes256"));
    assert_eq!(crypto.hash.as_deref(), Some("sha256"));
    assert_eq!(crypto.model.as_deref(), Some("nss"));
    assert_eq!(imp.quorum.as_ref().and_then(|q| q.two_node), Some(true));
    // The logging lines differ from what quorate writes: each is reported, none dropped.
    let logging: Vec<_> = imp
        .notes
        .iter()
        .filter(|n| n.path.starts_with("logging."))
        .map(|n| (n.line, n.level))
        .collect();
    assert_eq!(logging.len(), 6, "{:#?}", imp.notes);
    assert!(logging.contains(&(12, NoteLevel::Unsupported)));
    assert!(logging.contains(&(16, NoteLevel::Info)));
}

#[test]
fn unmodelled_keys_and_sections_are_reported_with_line_and_path() {
    let text =
        std::fs::read_to_string(root().join("tests/data/corosync/qdevice.conf")).expect("fixture");
    let imp = import_corosync(&text).expect("imports");
    let find = |path: &str| {
        imp.notes
            .iter()
            .find(|n| n.path == path)
            .unwrap_or_else(|| panic!("no note for {path}: {:#?}", imp.notes))
    };
    assert_eq!(find("quorum.device").level, NoteLevel::Unsupported);
    assert_eq!(find("quorum.device.net.host").line, 49);
    assert_eq!(find("quorum.device.heuristics.exec_ping").line, 54);
    let t = imp.totem.as_ref().expect("totem");
    assert_eq!(t.interfaces.len(), 2);
    assert_eq!(t.interfaces[1].knet_transport.as_deref(), Some("sctp"));
    assert_eq!(t.interfaces[0].knet_ping_interval, Some(500));

    let legacy = std::fs::read_to_string(root().join("tests/data/corosync/udpu-interface.conf"))
        .expect("fixture");
    let imp = import_corosync(&legacy).expect("imports");
    let unsupported: Vec<&str> = imp
        .notes
        .iter()
        .filter(|n| n.level == NoteLevel::Unsupported)
        .map(|n| n.path.as_str())
        .collect();
    for p in [
        "totem.secauth",
        "totem.interface.0.ringnumber",
        "logging.logger_subsys.subsys",
        "system.allow_knet_handle_fallback",
    ] {
        assert!(
            unsupported.contains(&p),
            "{p} not reported: {unsupported:?}"
        );
    }
    let gamma = imp.nodes.iter().find(|n| n.id == 3).expect("node 3");
    assert_eq!(
        gamma.name, "10.0.0.13",
        "a node without a name takes ring0_addr"
    );
    assert!(imp
        .notes
        .iter()
        .any(|n| n.path == "nodelist.node.2.name" && n.level == NoteLevel::Warning));
}

#[test]
fn bad_values_of_modelled_keys_are_all_errors_with_lines() {
    let text = "\
totem {
    cluster_name: c
    transport: tcp
    token: soon
    crypto_cipher: rot13

    interface {
        linknumber: 9
        mcastport: 70000
    }
}
nodelist {
    node {
        ring0_addr: 10.0.0.1
        ring2_addr: 10.2.0.1
        name: a
        nodeid: 1
    }
    node {
        ring0_addr: 10.0.0.2
        name: b
    }
}
quorum {
    provider: corosync_qdevice
    two_node: yes
    auto_tie_breaker_node: first
}
";
    let errors = match import_corosync(text) {
        Err(CorosyncError::Values(v)) => v,
        other => panic!("expected value errors, got {other:?}"),
    };
    let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.path.as_str())).collect();
    assert_eq!(
        got,
        [
            (3, "totem.transport"),
            (4, "totem.token"),
            (5, "totem.crypto_cipher"),
            (8, "totem.interface.linknumber"),
            (9, "totem.interface.0.mcastport"),
            (15, "nodelist.node.0.ring2_addr"),
            (19, "nodelist.node.1.nodeid"),
            (25, "quorum.provider"),
            (26, "quorum.two_node"),
            (27, "quorum.auto_tie_breaker_node"),
        ]
    );
    assert!(errors[1].message.contains("(0..4294967295)"));
}

#[test]
fn syntax_errors_carry_corosyncs_line_and_message() {
    match import_corosync("totem {\n    version: 2\n\nquorum {\n}\n") {
        Err(CorosyncError::Syntax(e)) => {
            assert_eq!((e.line, e.message.as_str()), (5, "Missing closing brace"));
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn import_merges_into_a_cib_imported_document_by_node_name() {
    let text = std::fs::read_to_string(root().join("tests/data/corosync/pcs-two-node-knet.conf"))
        .expect("fixture");
    let imp = import_corosync(&text).expect("imports");
    let yaml = "cluster: webcluster\nnodes:\n  - { name: node2, id: 7, addrs: [x], attributes: { site: b } }\n";
    let loaded = quorate_schema::load_sources(vec![("c.yaml".into(), yaml.into())]);
    let mut doc = loaded.doc.clone();
    imp.apply_to(&mut doc);
    let nodes: Vec<_> = doc
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.id, n.addrs.join(","), n.attributes.len()))
        .collect();
    assert_eq!(
        nodes,
        [
            ("node2", 2, "192.168.122.102".to_string(), 1),
            ("node1", 1, "192.168.122.101".to_string(), 0)
        ]
    );
    assert_eq!(doc.quorum.and_then(|q| q.two_node), Some(true));
}

// ---------------------------------------------------------------------------------------------
// The parser on arbitrary input.

/// xorshift64*: a seeded generator, so a failing case replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Lines that exercise every branch of Corosync's line reader. Section names avoid the ones
/// Corosync gives meaning to (totem, quorum, nodelist, logging, uidgid, system, resources).
const FRAGMENTS: &[&str] = &[
    "alpha {",
    "beta{",
    "  gamma  {  ",
    "}",
    "  }",
    "\t}",
    "key: value",
    "k_1:v",
    "key : v:w",
    "long.key-name/x: 1",
    "# comment",
    "   # c {",
    "",
    "   ",
    "\t",
    ": v",
    ":v",
    "x y",
    "a { b",
    "}}",
    "{",
    "key: va{l",
    "ab: 1",
    "abc: 1",
    "bad key: x",
    "key: }",
    "} x",
    "key:",
    "key:: v",
    "a:{",
    "x}y",
    "key: #v",
    "  :",
    "ké: 1",
    "delta {{",
];

fn random_config(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(14) {
        match rng.below(40) {
            0 => s.push_str(&"v".repeat(LINE_BYTES_MAX - 5 + rng.below(10))),
            _ => s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]),
        }
        s.push_str(if rng.below(6) == 0 { "\r\n" } else { "\n" });
    }
    if rng.below(4) == 0 {
        s.pop();
    }
    s
}

/// Arbitrary text: fragments cut at random places, random ASCII and a few non-ASCII characters.
fn random_text(rng: &mut Rng) -> String {
    const CHARS: &[char] = &[
        '{', '}', ':', '#', ' ', '\t', '\n', '\r', '\0', 'a', 'z', '.', '-', '\u{a0}', 'é',
    ];
    let mut s = String::new();
    for _ in 0..rng.below(200) {
        if rng.below(3) == 0 {
            let f = FRAGMENTS[rng.below(FRAGMENTS.len())];
            s.push_str(f);
        } else {
            s.push(CHARS[rng.below(CHARS.len())]);
        }
    }
    s
}

/// A tree with line numbers cleared and each section's items before its subsections (the
/// order the writer uses).
fn normalized(entries: &[Entry]) -> Vec<Entry> {
    let mut items = Vec::new();
    let mut sections = Vec::new();
    for e in entries {
        match e {
            Entry::Item(i) => {
                let mut i = i.clone();
                i.line = 0;
                items.push(Entry::Item(i));
            }
            Entry::Section(s) => {
                let mut s = s.clone();
                s.line = 0;
                s.entries = normalized(&s.entries);
                sections.push(Entry::Section(s));
            }
        }
    }
    items.extend(sections);
    items
}

fn cases() -> u64 {
    std::env::var("QUORATE_COROSYNC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn the_parser_never_panics_and_what_it_writes_reads_back_the_same() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    for case in 0..cases() {
        let text = if case % 2 == 0 {
            random_config(&mut rng)
        } else {
            random_text(&mut rng)
        };
        let Ok(tree) = parse(&text) else { continue };
        accepted += 1;
        let written = tree.to_text();
        let again = parse(&written)
            .unwrap_or_else(|e| panic!("case {case}: rewritten text fails: {e}\n{written:?}"));
        assert_eq!(
            normalized(&again.entries),
            normalized(&tree.entries),
            "case {case}: {text:?}"
        );
        // The typed reader never panics either.
        let _ = quorate_cib::corosync::import_tree(&tree);
    }
    assert!(
        accepted > 100,
        "too few accepted inputs ({accepted}) to mean anything"
    );
}

/// Corosync's verdict on the syntax: `None` if its parser accepted the file (later checks may
/// still fail), else the line it reported.
fn corosync_parser_verdict(text: &str, dir: &Path, case: usize) -> Option<usize> {
    let file = dir.join(format!("case{case}.conf"));
    std::fs::write(&file, text).expect("write case");
    let out = Command::new(COROSYNC)
        .arg("-t")
        .arg("-c")
        .arg(&file)
        .output()
        .expect("run corosync -t (install Debian's `corosync`)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let prefix = format!("parser error: {}:", file.display());
    let rest = stderr
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))?;
    rest.split(':').next().and_then(|n| n.parse().ok())
}

#[test]
fn the_parser_agrees_with_corosyncs_parser_line_for_line() {
    let scratch = Scratch::new("differential");
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let mut inputs: Vec<String> = FRAGMENTS.iter().map(|f| format!("{f}\n")).collect();
    let n = std::env::var("QUORATE_COROSYNC_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    inputs.extend((0..n).map(|_| random_config(&mut rng)));
    inputs.extend((0..n / 2).map(|_| random_text(&mut rng)));
    // fgets corners: NUL bytes, lines at and past the 511-byte read, a last line without `\n`.
    let v = |n: usize| "v".repeat(n);
    inputs.extend([
        "\0abc\nkey: 1\n".to_string(),
        "alpha {\nkey: a\0b\n}\n".to_string(),
        "alpha {\n}\nkey: a\0b".to_string(),
        format!("\0{}\nkey: 1\n", v(700)),
        format!("key: {}\n", v(LINE_BYTES_MAX - 5)),
        format!("key: {}\n", v(LINE_BYTES_MAX - 4)),
        format!("key: {}", v(LINE_BYTES_MAX - 5)),
        format!("key: {}", v(LINE_BYTES_MAX - 4)),
        format!("key: {}\r\n", v(LINE_BYTES_MAX - 6)),
        format!("key: {}\r\n", v(LINE_BYTES_MAX - 5)),
    ]);
    let mut disagreements = Vec::new();
    let mut refused = 0;
    for (case, text) in inputs.iter().enumerate() {
        let ours = parse(text).err().map(|e| e.line);
        let theirs = corosync_parser_verdict(text, &scratch.0, case);
        refused += usize::from(theirs.is_some());
        if ours != theirs {
            disagreements.push(format!(
                "case {case}: quorate {ours:?}, corosync {theirs:?}: {text:?}"
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} inputs differ:\n{}",
        disagreements.len(),
        inputs.len(),
        disagreements.join("\n")
    );
    assert!(
        refused > 10 && refused < inputs.len() - 10,
        "{refused} refused"
    );
}

// ---------------------------------------------------------------------------------------------
// Every setting quorate models, rendered, read back, and accepted by Corosync.

const EVERY_SETTING_KNET: &str = "\
cluster: everything
nodes:
  - { name: n1, id: 1, addrs: [10.0.0.1, 10.1.0.1], quorum_votes: 2 }
  - { name: n2, id: 2, addrs: [10.0.0.2, 10.1.0.2] }
  - { name: n3, id: 3, addrs: [10.0.0.3, 10.1.0.3] }
  - { name: n4, id: 4, addrs: [10.0.0.4, 10.1.0.4] }
totem:
  transport: knet
  token: 1000
  token_coefficient: 300
  token_retransmits_before_loss_const: 5
  consensus: 2400
  join: 60
  merge: 250
  downcheck: 1500
  fail_recv_const: 2000
  seqno_unchanged_const: 40
  send_join: 10
  max_messages: 20
  window_size: 60
  max_network_delay: 60
  ip_version: ipv4
  crypto: { cipher: aes128, hash: sha512, model: openssl }
  interfaces:
    - { linknumber: 1, knet_link_priority: 1, knet_transport: udp, mcastport: 5407 }
    - linknumber: 0
      knet_link_priority: 5
      knet_ping_interval: 250
      knet_ping_timeout: 1000
      knet_ping_precision: 64
      knet_pong_count: 3
quorum:
  expected_votes: 5
  wait_for_all: true
  last_man_standing: true
  last_man_standing_window: 15000
  auto_tie_breaker: true
  auto_tie_breaker_node: [3, 1]
properties: { stonith-enabled: false }
";

const EVERY_SETTING_UDPU: &str = "\
cluster: legacy_udpu
nodes:
  - { name: a, id: 10, addrs: [10.0.0.1] }
  - { name: b, id: 20, addrs: [10.0.0.2] }
totem:
  transport: udpu
  token: 5000
  interfaces:
    - { linknumber: 0, mcastport: 5500, bindnetaddr: 10.0.0.0 }
quorum:
  two_node: true
  wait_for_all: false
  auto_tie_breaker_node: highest
properties: { stonith-enabled: false }
";

// Multicast: `ttl` and `mcastaddr` (Corosync refuses `ttl` on udpu and knet).
const EVERY_SETTING_UDP: &str = "\
cluster: multicast
nodes:
  - { name: m1, id: 1, addrs: [10.0.0.1] }
  - { name: m2, id: 2, addrs: [10.0.0.2] }
  - { name: m3, id: 3, addrs: [10.0.0.3] }
totem:
  transport: udp
  interfaces:
    - { linknumber: 0, mcastaddr: 239.192.0.1, mcastport: 5405, ttl: 1 }
quorum:
  allow_downscale: true
properties: { stonith-enabled: false }
";

fn yaml_model(name: &str, yaml: &str) -> Model {
    let loaded = quorate_schema::load_sources(vec![(format!("{name}.yaml"), yaml.into())]);
    let (model, diags) = quorate_schema::validate(&loaded, &Options::default());
    model.unwrap_or_else(|| panic!("{name} does not validate: {diags:?}"))
}

#[test]
fn every_modelled_setting_round_trips_and_corosync_accepts_it() {
    let scratch = Scratch::new("every-setting");
    for (name, yaml) in [
        ("every-setting-knet", EVERY_SETTING_KNET),
        ("every-setting-udpu", EVERY_SETTING_UDPU),
        ("every-setting-udp", EVERY_SETTING_UDP),
    ] {
        let model = yaml_model(name, yaml);
        let text = render_corosync(&model);
        let imp = import_corosync(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            imp.notes.iter().all(|n| n.level == NoteLevel::Info),
            "{name}: {:#?}",
            imp.notes
        );
        let back = model_of_import(&imp);
        assert_eq!(corosync_part(&back), corosync_part(&model), "{name}");
        if let Err(e) = corosync_test(&loopback(&text, &scratch.0), &scratch.0, name) {
            panic!("{e}");
        }
    }
    // The pcs order: totem options sorted, then ip_version, then crypto; interfaces by link
    // with linknumber sorted among their options; two_node first in quorum.
    let knet = render_corosync(&yaml_model("k", EVERY_SETTING_KNET));
    let keys: Vec<&str> = knet
        .lines()
        .take_while(|l| !l.contains("interface"))
        .filter_map(|l| l.trim().split(':').next())
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(
        keys.join(" "),
        "totem { version cluster_name transport consensus downcheck fail_recv_const join \
         max_messages max_network_delay merge send_join seqno_unchanged_const token \
         token_coefficient token_retransmits_before_loss_const window_size ip_version \
         crypto_cipher crypto_hash crypto_model"
    );
    assert!(knet.contains(
        "    interface {\n        knet_link_priority: 1\n        knet_transport: udp\n        linknumber: 1\n        mcastport: 5407\n    }\n"
    ));
    assert!(knet.contains("auto_tie_breaker_node: 3 1\n"));
    assert!(knet.contains("        nodeid: 1\n        quorum_votes: 2\n"));
    let udpu = render_corosync(&yaml_model("u", EVERY_SETTING_UDPU));
    assert!(udpu.contains(
        "quorum {\n    provider: corosync_votequorum\n    two_node: 1\n    auto_tie_breaker_node: highest\n    wait_for_all: 0\n}\n"
    ));
}

#[test]
fn repeated_sections_merge_and_repeated_keys_take_the_later_value_as_in_corosync() {
    let text = "\
totem {
    cluster_name: first
    token: 1000
    interface {
        knet_link_priority: 1
    }
}
totem {
    cluster_name: second
    interface {
        linknumber: 0
        knet_pong_count: 2
        knet_pong_count: 3
    }
}
nodelist {
    node {
        ring0_addr: 10.0.0.1
        nodeid: 1
    }
}
nodelist {
    node {
        name: one
    }
}
quorum {
    provider: corosync_votequorum
}
";
    let imp = import_corosync(text).expect("imports");
    assert_eq!(imp.cluster.as_deref(), Some("second"));
    let t = imp.totem.as_ref().expect("totem");
    assert_eq!(t.token, Some(1000));
    assert_eq!(t.interfaces.len(), 1);
    assert_eq!(t.interfaces[0].knet_link_priority, Some(1));
    assert_eq!(t.interfaces[0].knet_pong_count, Some(3));
    assert_eq!(imp.nodes.len(), 1);
    assert_eq!(
        (imp.nodes[0].name.as_str(), imp.nodes[0].id),
        ("one", 1),
        "the second nodelist's node 0 merges into the first's"
    );
    let warned: Vec<(usize, &str)> = imp
        .notes
        .iter()
        .filter(|n| n.level == NoteLevel::Warning)
        .map(|n| (n.line, n.path.as_str()))
        .collect();
    assert_eq!(
        warned,
        [
            (9, "totem.cluster_name"),
            (10, "totem.interface.0"),
            (13, "totem.interface.0.knet_pong_count"),
            (23, "nodelist.node.0"),
        ]
    );
}

#[test]
fn raw_bytes_that_are_not_utf8_are_read_like_corosync_reads_them() {
    // A Latin-1 value (0xE9) is kept, with U+FFFD in place of the byte; the file still imports.
    let mut bytes = b"totem {\n    cluster_name: caf".to_vec();
    bytes.push(0xE9);
    bytes.extend_from_slice(b"\n    transport: knet\n}\n");
    let imp = quorate_cib::corosync::import_corosync_bytes(&bytes).expect("imports");
    assert_eq!(imp.cluster.as_deref(), Some("caf\u{fffd}"));
    // The line limit counts bytes, not characters.
    let long = [b"key: ".as_slice(), &[0xE9; LINE_BYTES_MAX - 4], b"\n"].concat();
    let e = quorate_cib::corosync::parse_bytes(&long).expect_err("too long");
    assert_eq!((e.line, e.message.as_str()), (1, "Line too long"));
}
