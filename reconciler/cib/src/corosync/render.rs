//! `corosync.conf` from the [`Model`], in the layout `pcs cluster setup` writes.
//!
//! pcs (`pcs/lib/corosync/config_facade.py` and `setup_cluster.py`) creates `totem`, `nodelist`,
//! `quorum` and `logging` in that order; `totem` starts with `version: 2`, `cluster_name` and
//! `transport`, then the totem options sorted by name, then the transport options
//! (`ip_version`, ...), then `crypto_cipher`, `crypto_hash`, `crypto_model`; `interface`
//! sections follow the items, sorted by link number, each with its options (`linknumber`
//! included) sorted by name. A node lists its ring addresses, then `name`, then `nodeid`.
//! `quorum` starts with `provider: corosync_votequorum`, then `two_node` (pcs sets it first),
//! then the other options sorted. `logging` is pcs's fixed block.

use super::tree::{ConfTree, Entry, Section};
use quorate_schema::types::Transport;
use quorate_schema::Model;

/// pcs's `logging.logfile` (`settings.corosync_log_file` on Red Hat systems). Corosync refuses to
/// start when the directory does not exist (Debian's default is `/var/log/corosync/`), so
/// [`CorosyncRenderOptions::logfile`] can change it.
pub const LOGFILE_DEFAULT: &str = "/var/log/cluster/corosync.log";

/// The totem options pcs manages (`TOTEM_OPTIONS` in `pcs/lib/corosync/constants.py`): written
/// first after `transport`, sorted by name. Every other totem setting follows them.
const PCS_TOTEM_OPTIONS: &[&str] = &[
    "block_unlisted_ips",
    "consensus",
    "downcheck",
    "fail_recv_const",
    "heartbeat_failures_allowed",
    "hold",
    "join",
    "max_messages",
    "max_network_delay",
    "merge",
    "miss_count_const",
    "send_join",
    "seqno_unchanged_const",
    "token",
    "token_coefficient",
    "token_retransmit",
    "token_retransmits_before_loss_const",
    "window_size",
];

/// Choices for rendering that are not desired state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorosyncRenderOptions {
    /// `logging.logfile` (default [`LOGFILE_DEFAULT`], as pcs writes it).
    pub logfile: String,
}

impl Default for CorosyncRenderOptions {
    fn default() -> Self {
        CorosyncRenderOptions {
            logfile: LOGFILE_DEFAULT.to_string(),
        }
    }
}

/// The corosync.conf name of a transport.
pub(crate) fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Knet => "knet",
        Transport::Udpu => "udpu",
        Transport::Udp => "udp",
    }
}

/// Renders the model's `corosync.conf` with the default options. Byte-stable.
pub fn render_corosync(model: &Model) -> String {
    render_corosync_with(model, &CorosyncRenderOptions::default())
}

/// Renders the model's `corosync.conf`. Byte-stable: the same model gives the same bytes.
pub fn render_corosync_with(model: &Model, opts: &CorosyncRenderOptions) -> String {
    corosync_tree(model, opts).to_text()
}

/// The model's `corosync.conf` as a tree (what [`render_corosync_with`] writes).
pub fn corosync_tree(model: &Model, opts: &CorosyncRenderOptions) -> ConfTree {
    let t = &model.totem;
    let mut totem = Section::new("totem");
    totem.item("version", "2");
    totem.item("cluster_name", &model.name);
    totem.item("transport", transport_name(t.transport));
    for (k, v) in &t.settings {
        if PCS_TOTEM_OPTIONS.contains(&k.as_str()) {
            totem.item(k, v);
        }
    }
    for (k, v) in &t.settings {
        if !PCS_TOTEM_OPTIONS.contains(&k.as_str()) {
            totem.item(k, v);
        }
    }
    for (k, v) in &t.crypto {
        totem.item(k, v);
    }
    for (link, settings) in &t.interfaces {
        let mut iface = Section::new("interface");
        let link = link.to_string();
        let mut keys: Vec<(&str, &str)> = settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        keys.push(("linknumber", &link));
        keys.sort();
        for (k, v) in keys {
            iface.item(k, v);
        }
        totem.section(iface);
    }

    let mut nodelist = Section::new("nodelist");
    for n in &model.nodes {
        let mut node = Section::new("node");
        for (i, a) in n.addrs.iter().enumerate() {
            node.item(format!("ring{i}_addr"), a);
        }
        node.item("name", &n.name);
        node.item("nodeid", n.id.to_string());
        if n.votes != 1 {
            node.item("quorum_votes", n.votes.to_string());
        }
        nodelist.section(node);
    }

    let mut quorum = Section::new("quorum");
    quorum.item("provider", "corosync_votequorum");
    let q = &model.quorum.settings;
    if let Some(v) = q.get("two_node") {
        quorum.item("two_node", v);
    }
    for (k, v) in q {
        if k != "two_node" {
            quorum.item(k, v);
        }
    }

    let mut logging = Section::new("logging");
    logging.item("to_logfile", "yes");
    logging.item("logfile", &opts.logfile);
    logging.item("to_syslog", "yes");
    logging.item("timestamp", "on");

    ConfTree {
        entries: vec![
            Entry::Section(totem),
            Entry::Section(nodelist),
            Entry::Section(quorum),
            Entry::Section(logging),
        ],
    }
}
