//! `corosync.conf` -> quorate's YAML types: `cluster`, `nodes`, `totem` and `quorum`.
//!
//! Keys quorate models are read into [`quorate_schema::types`]; a value Corosync itself would
//! refuse, or quorate cannot represent, is an error with its line. Every other key and section
//! (`logging`, `system`, `resources`, `quorum.device`, `totem.secauth`, ...) becomes a
//! [`CorosyncNote`] with its line and its cmap path (`nodelist.node.1.ring0_addr`, the names
//! `corosync-cmapctl` shows), so nothing is dropped silently. Repeated sections merge and a
//! repeated key's later value wins, as in Corosync (each repetition is noted).

use super::render::LOGFILE_DEFAULT;
use super::tree::{parse, parse_bytes, ConfTree, Entry, Item, Section, SyntaxError};
use crate::NoteLevel;
use quorate_schema::types::{
    ClusterDoc, Crypto, Interface, NodeSpec, Quorum, TieBreaker, TieBreakerNamed, Totem, Transport,
};
use std::collections::BTreeMap;
use std::fmt;

/// What `corosync.conf` says, as quorate's YAML types, and what it says that quorate does not
/// keep.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CorosyncImport {
    /// `totem.cluster_name`.
    pub cluster: Option<String>,
    /// `nodelist.node` sections in order.
    pub nodes: Vec<NodeSpec>,
    /// The modelled `totem` settings, `None` when there are none.
    pub totem: Option<Totem>,
    /// The modelled `quorum` settings, `None` when there are none.
    pub quorum: Option<Quorum>,
    /// Everything not modelled, and everything else the operator should know, in line order.
    pub notes: Vec<CorosyncNote>,
}

/// One thing the operator should know about an imported `corosync.conf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorosyncNote {
    /// `Info`: quorate writes the same itself; `Warning`: read, but changed or guessed;
    /// `Unsupported`: present but not modelled, so rendering from quorate drops it.
    pub level: NoteLevel,
    /// 1-based line (0 when the note is about something missing).
    pub line: usize,
    /// The cmap path (`totem.secauth`, `nodelist.node.0.name`, `logging`).
    pub path: String,
    /// What happened.
    pub message: String,
}

impl fmt::Display for CorosyncNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = match self.level {
            NoteLevel::Info => "info",
            NoteLevel::Warning => "warning",
            NoteLevel::Unsupported => "unsupported",
        };
        write!(
            f,
            "{l}: line {}: {}: {}",
            self.line, self.path, self.message
        )
    }
}

/// A value quorate models but cannot read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    /// 1-based line.
    pub line: usize,
    /// The cmap path of the key.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.path, self.message)
    }
}

/// Why a `corosync.conf` could not be imported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CorosyncError {
    /// Corosync would refuse the file's syntax (the first error, as Corosync stops there).
    #[error("corosync.conf: {0}")]
    Syntax(#[from] SyntaxError),
    /// Values of keys quorate models that it cannot read: every one of them.
    #[error("corosync.conf: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Values(Vec<ValueError>),
}

impl CorosyncImport {
    /// Puts what was read into `doc`: `cluster`, `totem` and `quorum` replace the document's
    /// when present; nodes are matched by name, taking `id`, `addrs` and `quorum_votes` from
    /// `corosync.conf` and keeping the document's attributes, utilization and description; nodes
    /// only in `corosync.conf` are appended in nodelist order.
    pub fn apply_to(&self, doc: &mut ClusterDoc) {
        if self.cluster.is_some() {
            doc.cluster.clone_from(&self.cluster);
        }
        if self.totem.is_some() {
            doc.totem.clone_from(&self.totem);
        }
        if self.quorum.is_some() {
            doc.quorum.clone_from(&self.quorum);
        }
        for n in &self.nodes {
            match doc.nodes.iter_mut().find(|d| d.name == n.name) {
                Some(d) => {
                    d.id = n.id;
                    d.addrs.clone_from(&n.addrs);
                    d.quorum_votes = n.quorum_votes;
                }
                None => doc.nodes.push(n.clone()),
            }
        }
    }

    /// A document holding only what was read.
    pub fn to_doc(&self) -> ClusterDoc {
        let mut doc = ClusterDoc {
            version: Some(quorate_schema::types::FORMAT_VERSION),
            ..ClusterDoc::default()
        };
        self.apply_to(&mut doc);
        doc
    }
}

/// Parses `corosync.conf` and reads it into quorate's types. Syntax errors are Corosync's;
/// value errors are all reported at once.
pub fn import_corosync(text: &str) -> Result<CorosyncImport, CorosyncError> {
    let tree = parse(text)?;
    import_tree(&tree)
}

/// [`import_corosync`] for a file's raw bytes (see [`parse_bytes`]).
pub fn import_corosync_bytes(bytes: &[u8]) -> Result<CorosyncImport, CorosyncError> {
    let tree = parse_bytes(bytes)?;
    import_tree(&tree)
}

/// Reads an already parsed tree (see [`import_corosync`]).
pub fn import_tree(tree: &ConfTree) -> Result<CorosyncImport, CorosyncError> {
    let mut r = Reader::default();
    for e in &tree.entries {
        match e {
            Entry::Item(i) => r.unsupported(
                i.line,
                &i.key,
                format!(
                    "`{}: {}` outside any section is not modelled by quorate",
                    i.key, i.value
                ),
            ),
            Entry::Section(s) => match s.name.as_str() {
                "totem" => r.totem(s),
                "nodelist" => r.nodelist(s),
                "quorum" => r.quorum(s),
                "logging" => r.logging(s),
                _ => r.unsupported_section(s, &s.name),
            },
        }
    }
    r.finish()
}

/// A node as read, before the checks that need the whole node.
#[derive(Default)]
struct RawNode {
    line: usize,
    name: Option<String>,
    id: Option<u32>,
    votes: Option<u32>,
    rings: BTreeMap<u8, (usize, String)>,
}

#[derive(Default)]
struct Reader {
    out: CorosyncImport,
    totem: Totem,
    quorum: Quorum,
    interfaces: BTreeMap<u8, Interface>,
    nodes: Vec<RawNode>,
    errors: Vec<ValueError>,
    /// Where each modelled key was last set, to note repetitions.
    seen: BTreeMap<String, usize>,
    saw_totem: bool,
    saw_provider: bool,
}

/// The totem setting `key` that holds milliseconds or a count (a uint32 in Corosync).
fn totem_u32<'a>(t: &'a mut Totem, key: &str) -> Option<&'a mut Option<u32>> {
    Some(match key {
        "token" => &mut t.token,
        "token_coefficient" => &mut t.token_coefficient,
        "token_retransmits_before_loss_const" => &mut t.token_retransmits_before_loss_const,
        "consensus" => &mut t.consensus,
        "join" => &mut t.join,
        "merge" => &mut t.merge,
        "downcheck" => &mut t.downcheck,
        "fail_recv_const" => &mut t.fail_recv_const,
        "seqno_unchanged_const" => &mut t.seqno_unchanged_const,
        "send_join" => &mut t.send_join,
        "max_messages" => &mut t.max_messages,
        "window_size" => &mut t.window_size,
        "max_network_delay" => &mut t.max_network_delay,
        _ => return None,
    })
}

/// Corosync's `safe_atoq`: base-10 `strtoll` with an optional sign, the whole value consumed.
fn c_int(value: &str) -> Option<i64> {
    let digits = value
        .strip_prefix('+')
        .or_else(|| value.strip_prefix('-'))
        .unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<i64>().ok()
}

impl Reader {
    fn note(&mut self, level: NoteLevel, line: usize, path: &str, message: impl Into<String>) {
        self.out.notes.push(CorosyncNote {
            level,
            line,
            path: path.to_string(),
            message: message.into(),
        });
    }

    fn unsupported(&mut self, line: usize, path: &str, message: impl Into<String>) {
        self.note(NoteLevel::Unsupported, line, path, message);
    }

    fn error(&mut self, line: usize, path: &str, message: impl Into<String>) {
        self.errors.push(ValueError {
            line,
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// Notes a key set twice (Corosync keeps the later value).
    fn once(&mut self, line: usize, path: &str) {
        if let Some(first) = self.seen.insert(path.to_string(), line) {
            self.note(
                NoteLevel::Warning,
                line,
                path,
                format!("set again (before at line {first}); the later value wins, as in Corosync"),
            );
        }
    }

    /// Every item of an unmodelled section, recursively; an empty one is noted by itself.
    fn unsupported_section(&mut self, s: &Section, path: &str) {
        if s.entries.is_empty() {
            self.unsupported(
                s.line,
                path,
                format!("empty section `{}` is not modelled by quorate", s.name),
            );
        }
        for e in &s.entries {
            match e {
                Entry::Item(i) => {
                    let p = format!("{path}.{}", i.key);
                    self.unsupported(
                        i.line,
                        &p,
                        format!("`{}: {}` is not modelled by quorate", i.key, i.value),
                    );
                }
                Entry::Section(sub) => {
                    self.unsupported_section(sub, &format!("{path}.{}", sub.name))
                }
            }
        }
    }

    /// An integer in `min..=max`, the way Corosync's `safe_atoq` reads it.
    fn int(&mut self, i: &Item, path: &str, min: i64, max: i64) -> Option<i64> {
        match c_int(&i.value) {
            Some(v) if (min..=max).contains(&v) => Some(v),
            _ => {
                self.error(
                    i.line,
                    path,
                    format!(
                        "expected an integer in range ({min}..{max}), but \"{}\" was given",
                        i.value
                    ),
                );
                None
            }
        }
    }

    fn u32(&mut self, i: &Item, path: &str) -> Option<u32> {
        self.int(i, path, 0, i64::from(u32::MAX))
            .and_then(|v| u32::try_from(v).ok())
    }

    fn u8(&mut self, i: &Item, path: &str) -> Option<u8> {
        self.int(i, path, 0, i64::from(u8::MAX))
            .and_then(|v| u8::try_from(v).ok())
    }

    /// A votequorum flag: Corosync stores a uint8 and treats any non-zero value as set.
    fn flag(&mut self, i: &Item, path: &str) -> Option<bool> {
        let v = self.u8(i, path)?;
        if v > 1 {
            self.note(
                NoteLevel::Warning,
                i.line,
                path,
                format!("{v} read as 1 (set), as votequorum does"),
            );
        }
        Some(v != 0)
    }

    /// A value from a fixed set that both Corosync and quorate's schema accept.
    fn one_of(&mut self, i: &Item, path: &str, allowed: &[&str]) -> Option<String> {
        if allowed.contains(&i.value.as_str()) {
            Some(i.value.clone())
        } else {
            self.error(
                i.line,
                path,
                format!(
                    "\"{}\" is not one of {}",
                    i.value,
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            None
        }
    }

    fn totem(&mut self, s: &Section) {
        self.saw_totem = true;
        for e in &s.entries {
            match e {
                Entry::Item(i) => self.totem_item(i),
                Entry::Section(sub) if sub.name == "interface" => self.interface(sub),
                Entry::Section(sub) => {
                    self.unsupported_section(sub, &format!("totem.{}", sub.name));
                }
            }
        }
    }

    fn totem_item(&mut self, i: &Item) {
        let path = format!("totem.{}", i.key);
        let p = path.as_str();
        if totem_u32(&mut self.totem, &i.key).is_some() {
            self.once(i.line, p);
            if let Some(v) = self.u32(i, p) {
                if let Some(slot) = totem_u32(&mut self.totem, &i.key) {
                    *slot = Some(v);
                }
            }
            return;
        }
        match i.key.as_str() {
            "cluster_name" => {
                self.once(i.line, p);
                self.out.cluster = Some(i.value.clone());
            }
            "version" => {
                self.once(i.line, p);
                if i.value == "2" {
                    self.note(
                        NoteLevel::Info,
                        i.line,
                        p,
                        "quorate always writes `version: 2`",
                    );
                } else {
                    self.error(
                        i.line,
                        p,
                        format!("Corosync 3 reads only version 2, but \"{}\" was given", i.value),
                    );
                }
            }
            "transport" => {
                self.once(i.line, p);
                let t = match i.value.as_str() {
                    "knet" => Some(Transport::Knet),
                    "udpu" => Some(Transport::Udpu),
                    "udp" => Some(Transport::Udp),
                    _ => None,
                };
                match t {
                    Some(t) => self.totem.transport = Some(t),
                    None => self.error(
                        i.line,
                        p,
                        format!(
                            "\"{}\" is not a transport: use `knet`, `udpu` or `udp`",
                            i.value
                        ),
                    ),
                }
            }
            "ip_version" => {
                self.once(i.line, p);
                if let Some(v) = self.one_of(i, p, &["ipv4", "ipv6", "ipv4-6", "ipv6-4"]) {
                    self.totem.ip_version = Some(v);
                }
            }
            "crypto_cipher" => {
                self.once(i.line, p);
                if let Some(v) = self.one_of(i, p, &["none", "aes256", "aes192", "aes128"]) {
                    self.totem.crypto.get_or_insert_with(Crypto::default).cipher = Some(v);
                }
            }
            "crypto_hash" => {
                self.once(i.line, p);
                let allowed = ["none", "md5", "sha1", "sha256", "sha384", "sha512"];
                if let Some(v) = self.one_of(i, p, &allowed) {
                    self.totem.crypto.get_or_insert_with(Crypto::default).hash = Some(v);
                }
            }
            "crypto_model" => {
                self.once(i.line, p);
                if let Some(v) = self.one_of(i, p, &["nss", "openssl"]) {
                    self.totem.crypto.get_or_insert_with(Crypto::default).model = Some(v);
                }
            }
            "keyfile" if i.value == "/etc/corosync/authkey" => self.note(
                NoteLevel::Info,
                i.line,
                p,
                "the default key file; quorate leaves `keyfile` out",
            ),
            "secauth" => self.unsupported(
                i.line,
                p,
                format!(
                    "`secauth: {}` is ignored by Corosync 3 and not modelled; use `crypto: {{ cipher, hash }}`",
                    i.value
                ),
            ),
            k if k.starts_with("crypto") => self.unsupported(
                i.line,
                p,
                format!(
                    "`{k}: {}` is not a Corosync 3 crypto key (crypto_cipher, crypto_hash, crypto_model) and not modelled",
                    i.value
                ),
            ),
            k => self.unsupported(
                i.line,
                p,
                format!("`{k}: {}` is not modelled by quorate", i.value),
            ),
        }
    }

    fn interface(&mut self, s: &Section) {
        // Corosync applies an interface section's keys to its link when the section ends, so
        // `linknumber` may come anywhere in it (pcs sorts it among the others); 0 if absent.
        let mut link = 0u8;
        for i in s.items().filter(|i| i.key == "linknumber") {
            let path = "totem.interface.linknumber";
            if let Some(v) = self.u8(i, path) {
                if v > 7 {
                    self.error(
                        i.line,
                        path,
                        format!("knet links are 0 to 7, but {v} was given"),
                    );
                } else {
                    link = v;
                }
            }
        }
        let existed = self.interfaces.contains_key(&link);
        if existed {
            self.note(
                NoteLevel::Warning,
                s.line,
                &format!("totem.interface.{link}"),
                "a second interface section for this link; its keys are merged, later values win, as in Corosync",
            );
        }
        let mut iface = self.interfaces.remove(&link).unwrap_or(Interface {
            linknumber: link,
            ..Interface::default()
        });
        for e in &s.entries {
            let i = match e {
                Entry::Item(i) => i,
                Entry::Section(sub) => {
                    self.unsupported_section(sub, &format!("totem.interface.{link}.{}", sub.name));
                    continue;
                }
            };
            let path = format!("totem.interface.{link}.{}", i.key);
            let p = path.as_str();
            if i.key != "linknumber" {
                self.once(i.line, p);
            }
            match i.key.as_str() {
                "linknumber" => {}
                "mcastport" => {
                    if let Some(v) = self.int(i, p, 0, i64::from(u16::MAX)) {
                        iface.mcastport = u16::try_from(v).ok();
                    }
                }
                "mcastaddr" => iface.mcastaddr = Some(i.value.clone()),
                "bindnetaddr" => iface.bindnetaddr = Some(i.value.clone()),
                "ttl" => {
                    if let Some(v) = self.u8(i, p) {
                        iface.ttl = Some(v);
                    }
                }
                "knet_link_priority" => {
                    if let Some(v) = self.u8(i, p) {
                        iface.knet_link_priority = Some(v);
                    }
                }
                "knet_ping_interval" => {
                    iface.knet_ping_interval = self.u32(i, p).or(iface.knet_ping_interval)
                }
                "knet_ping_timeout" => {
                    iface.knet_ping_timeout = self.u32(i, p).or(iface.knet_ping_timeout)
                }
                "knet_ping_precision" => {
                    iface.knet_ping_precision = self.u32(i, p).or(iface.knet_ping_precision);
                }
                "knet_pong_count" => {
                    iface.knet_pong_count = self.u32(i, p).or(iface.knet_pong_count)
                }
                "knet_transport" => {
                    if let Some(v) = self.one_of(i, p, &["udp", "sctp"]) {
                        iface.knet_transport = Some(v);
                    }
                }
                k => self.unsupported(
                    i.line,
                    p,
                    format!("`{k}: {}` is not modelled by quorate", i.value),
                ),
            }
        }
        self.interfaces.insert(link, iface);
    }

    fn nodelist(&mut self, s: &Section) {
        // Corosync numbers nodes from 0 in each nodelist section, so a second nodelist section
        // merges into the first one's nodes key by key.
        let mut index = 0usize;
        for e in &s.entries {
            match e {
                Entry::Item(i) => self.unsupported(
                    i.line,
                    &format!("nodelist.{}", i.key),
                    format!(
                        "`{}: {}` outside a node is not modelled by quorate",
                        i.key, i.value
                    ),
                ),
                Entry::Section(n) if n.name == "node" => {
                    if index < self.nodes.len() {
                        self.note(
                            NoteLevel::Warning,
                            n.line,
                            &format!("nodelist.node.{index}"),
                            "a second nodelist section: this node merges into node {index} of the first, as in Corosync",
                        );
                    } else {
                        self.nodes.push(RawNode {
                            line: n.line,
                            ..RawNode::default()
                        });
                    }
                    self.node(n, index);
                    index += 1;
                }
                Entry::Section(sub) => {
                    self.unsupported_section(sub, &format!("nodelist.{}", sub.name))
                }
            }
        }
    }

    fn node(&mut self, s: &Section, index: usize) {
        for e in &s.entries {
            let i = match e {
                Entry::Item(i) => i,
                Entry::Section(sub) => {
                    self.unsupported_section(sub, &format!("nodelist.node.{index}.{}", sub.name));
                    continue;
                }
            };
            let path = format!("nodelist.node.{index}.{}", i.key);
            let p = path.as_str();
            let ring = i
                .key
                .strip_prefix("ring")
                .and_then(|r| r.strip_suffix("_addr"))
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| *n <= 7);
            if let Some(link) = ring {
                self.once(i.line, p);
                if let Some(n) = self.nodes.get_mut(index) {
                    n.rings.insert(link, (i.line, i.value.clone()));
                }
                continue;
            }
            match i.key.as_str() {
                "name" => {
                    self.once(i.line, p);
                    if let Some(n) = self.nodes.get_mut(index) {
                        n.name = Some(i.value.clone());
                    }
                }
                "nodeid" => {
                    self.once(i.line, p);
                    let v = self.u32(i, p);
                    if v == Some(0) {
                        self.error(i.line, p, "nodeid 0 is reserved; node ids start at 1");
                    } else if let (Some(v), Some(n)) = (v, self.nodes.get_mut(index)) {
                        n.id = Some(v);
                    }
                }
                "quorum_votes" => {
                    self.once(i.line, p);
                    let v = self.u32(i, p);
                    if let (Some(v), Some(n)) = (v, self.nodes.get_mut(index)) {
                        n.votes = Some(v);
                    }
                }
                k => self.unsupported(
                    i.line,
                    p,
                    format!("`{k}: {}` is not modelled by quorate", i.value),
                ),
            }
        }
    }

    fn quorum(&mut self, s: &Section) {
        for e in &s.entries {
            let i = match e {
                Entry::Item(i) => i,
                Entry::Section(sub) if sub.name == "device" => {
                    self.unsupported(
                        sub.line,
                        "quorum.device",
                        "a quorum device (qdevice) is not modelled by quorate; its settings follow",
                    );
                    self.unsupported_section(sub, "quorum.device");
                    continue;
                }
                Entry::Section(sub) => {
                    self.unsupported_section(sub, &format!("quorum.{}", sub.name));
                    continue;
                }
            };
            let path = format!("quorum.{}", i.key);
            let p = path.as_str();
            match i.key.as_str() {
                "provider" => {
                    self.once(i.line, p);
                    if i.value == "corosync_votequorum" {
                        self.saw_provider = true;
                    } else {
                        self.error(
                            i.line,
                            p,
                            format!(
                                "quorate uses `corosync_votequorum`, but \"{}\" was given",
                                i.value
                            ),
                        );
                    }
                }
                "expected_votes" => {
                    self.once(i.line, p);
                    if let Some(v) = self.u32(i, p) {
                        self.quorum.expected_votes = Some(v);
                    }
                }
                "last_man_standing_window" => {
                    self.once(i.line, p);
                    if let Some(v) = self.u32(i, p) {
                        self.quorum.last_man_standing_window = Some(v);
                    }
                }
                "two_node" | "wait_for_all" | "last_man_standing" | "auto_tie_breaker"
                | "allow_downscale" => {
                    self.once(i.line, p);
                    if let Some(v) = self.flag(i, p) {
                        let q = &mut self.quorum;
                        let slot = match i.key.as_str() {
                            "two_node" => &mut q.two_node,
                            "wait_for_all" => &mut q.wait_for_all,
                            "last_man_standing" => &mut q.last_man_standing,
                            "auto_tie_breaker" => &mut q.auto_tie_breaker,
                            _ => &mut q.allow_downscale,
                        };
                        *slot = Some(v);
                    }
                }
                "auto_tie_breaker_node" => {
                    self.once(i.line, p);
                    let v = i.value.as_str();
                    let tb = match v {
                        "lowest" => Some(TieBreaker::Named(TieBreakerNamed::Lowest)),
                        "highest" => Some(TieBreaker::Named(TieBreakerNamed::Highest)),
                        _ => v
                            .split_ascii_whitespace()
                            .map(|n| n.parse::<u32>().ok().filter(|n| *n > 0))
                            .collect::<Option<Vec<u32>>>()
                            .filter(|l| !l.is_empty())
                            .map(TieBreaker::Nodes),
                    };
                    match tb {
                        Some(tb) => self.quorum.auto_tie_breaker_node = Some(tb),
                        None => self.error(
                            i.line,
                            p,
                            format!(
                                "\"{v}\" is not `lowest`, `highest` or a space-separated list of node ids"
                            ),
                        ),
                    }
                }
                k => self.unsupported(
                    i.line,
                    p,
                    format!("`{k}: {}` is not modelled by quorate", i.value),
                ),
            }
        }
    }

    fn logging(&mut self, s: &Section) {
        const WRITTEN: &[(&str, &str)] = &[
            ("to_logfile", "yes"),
            ("logfile", LOGFILE_DEFAULT),
            ("to_syslog", "yes"),
            ("timestamp", "on"),
        ];
        for e in &s.entries {
            match e {
                Entry::Item(i) => {
                    let p = format!("logging.{}", i.key);
                    if WRITTEN.contains(&(i.key.as_str(), i.value.as_str())) {
                        self.note(
                            NoteLevel::Info,
                            i.line,
                            &p,
                            "quorate writes the same in pcs's logging section",
                        );
                    } else {
                        self.unsupported(
                            i.line,
                            &p,
                            format!(
                                "`{}: {}` is not kept: quorate writes pcs's fixed logging section",
                                i.key, i.value
                            ),
                        );
                    }
                }
                Entry::Section(sub) => {
                    self.unsupported_section(sub, &format!("logging.{}", sub.name));
                }
            }
        }
    }

    fn finish(mut self) -> Result<CorosyncImport, CorosyncError> {
        if !self.saw_totem {
            self.note(NoteLevel::Warning, 0, "totem", "no totem section");
        }
        if self.out.cluster.is_none() {
            self.note(
                NoteLevel::Warning,
                0,
                "totem.cluster_name",
                "no cluster name; the desired state needs `cluster:`",
            );
        }
        if !self.saw_provider {
            self.note(
                NoteLevel::Warning,
                0,
                "quorum.provider",
                "no quorum provider: Corosync runs without quorum; quorate always writes `provider: corosync_votequorum`",
            );
        }
        let raw = std::mem::take(&mut self.nodes);
        for (index, n) in raw.into_iter().enumerate() {
            let base = format!("nodelist.node.{index}");
            let mut addrs = Vec::new();
            for (expect, (link, (line, addr))) in n.rings.iter().enumerate() {
                if usize::from(*link) != expect {
                    self.error(
                        *line,
                        &format!("{base}.ring{link}_addr"),
                        format!(
                            "ring{link}_addr without ring{expect}_addr: quorate keeps a node's addresses as links 0, 1, ... without gaps"
                        ),
                    );
                    break;
                }
                addrs.push(addr.clone());
            }
            if n.rings.is_empty() {
                self.error(n.line, &base, "a node without any ringX_addr");
            }
            let name = match n.name {
                Some(name) => name,
                None => match addrs.first() {
                    Some(a) => {
                        self.note(
                            NoteLevel::Warning,
                            n.line,
                            &format!("{base}.name"),
                            format!("no `name`: Pacemaker would ask the host for its name; quorate uses ring0_addr `{a}`"),
                        );
                        a.clone()
                    }
                    None => String::new(),
                },
            };
            let id = match n.id {
                Some(id) => id,
                None => {
                    self.error(
                        n.line,
                        &format!("{base}.nodeid"),
                        "no nodeid: quorate needs every node's id (Corosync derives one from ring0_addr only for udp and udpu)",
                    );
                    0
                }
            };
            self.out.nodes.push(NodeSpec {
                name,
                id,
                addrs,
                quorum_votes: n.votes,
                attributes: BTreeMap::new(),
                utilization: BTreeMap::new(),
                description: None,
            });
        }
        if !self.errors.is_empty() {
            self.errors
                .sort_by(|a, b| (a.line, &a.path).cmp(&(b.line, &b.path)));
            return Err(CorosyncError::Values(self.errors));
        }
        self.totem.interfaces = std::mem::take(&mut self.interfaces).into_values().collect();
        if self.totem != Totem::default() {
            self.out.totem = Some(self.totem);
        }
        if self.quorum != Quorum::default() {
            self.out.quorum = Some(self.quorum);
        }
        self.out
            .notes
            .sort_by(|a, b| (a.line, &a.path).cmp(&(b.line, &b.path)));
        Ok(self.out)
    }
}
