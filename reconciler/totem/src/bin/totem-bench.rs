//! totem-bench: throughput and failure-detection figures of quorate-totem in the simulator.
//!
//! `cargo run --release -p quorate-totem --bin totem-bench` prints two tables: messages delivered
//! per second and CPU time per delivered message for 1 KiB payloads at 3 and 16 nodes (zero
//! latency, so the protocol's own CPU cost is the limit), and crash-to-configuration time for
//! token 1000 and 3000 at 3 and 8 nodes, with and without quorate's suspicion, next to Corosync's
//! token + consensus. `--quick` runs shorter measurements.

use quorate_totem::sim::{crash_to_configuration_ms, Faults, Sim, SimOptions};
use quorate_totem::TotemConfig;
use std::time::{Duration, Instant};

/// Process CPU time (user + system) from `/proc/self/stat`, if readable.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields after the command: state is index 0, utime 11, stime 12 (in clock ticks, 100 Hz).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

struct Throughput {
    nodes: usize,
    messages: u64,
    deliveries: u64,
    wall: Duration,
    cpu: Option<Duration>,
}

fn throughput(nodes: usize, messages_target: u64) -> Throughput {
    let mut sim = Sim::new(SimOptions {
        nodes,
        seed: 42,
        token_ms: 3000,
        fast_failure_detection: true,
        latency_us: (0, 0),
        faults: Faults::none(),
        safety_ms: 0,
        broadcast_interval_ms: 0,
        payload_len_max: 1024,
        liveness_bound_ms: 60_000,
    });
    sim.track_probes = false;
    sim.check_invariants = false;
    assert!(
        sim.run_until_pred(60_000_000, |s| s.one_ring().is_some()),
        "no ring formed"
    );
    let deliveries_before = sim.report.deliveries;
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let mut sent = 0u64;
    while sent < messages_target {
        for id in 1..=nodes as u32 {
            let backlog = sim.nodes[id as usize - 1]
                .totem
                .as_ref()
                .map_or(0, |t| t.backlog());
            for _ in backlog..64 {
                if sim.broadcast(id, 1024).is_some() {
                    sent += 1;
                }
            }
        }
        for _ in 0..2_000 {
            if !sim.step(u64::MAX / 2) {
                break;
            }
        }
    }
    // Drain what is queued.
    let expected = deliveries_before + sent * nodes as u64;
    while sim.report.deliveries < expected && sim.step(u64::MAX / 2) {}
    let wall = t0.elapsed();
    let cpu = cpu0.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
    Throughput {
        nodes,
        messages: sent,
        deliveries: sim.report.deliveries - deliveries_before,
        wall,
        cpu,
    }
}

fn corosync(nodes: usize, token_ms: u64) -> (u64, u64) {
    let t = TotemConfig {
        token_ms,
        ..TotemConfig::new(1, (1..=nodes as u32).collect())
    }
    .timers();
    (t.token.as_millis() as u64, t.consensus.as_millis() as u64)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let target = if quick { 20_000 } else { 200_000 };

    println!("## Throughput (simulation, zero latency, 1 KiB payloads, one thread)");
    println!();
    println!("| nodes | messages | deliveries | msgs/s | deliveries/s | CPU per delivery | CPU per message |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for nodes in [3, 16] {
        let r = throughput(nodes, target);
        let cpu = r.cpu.filter(|c| !c.is_zero()).unwrap_or(r.wall);
        let secs = cpu.as_secs_f64();
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.2} µs | {:.2} µs |",
            r.nodes,
            r.messages,
            r.deliveries,
            r.messages as f64 / secs,
            r.deliveries as f64 / secs,
            secs * 1e6 / r.deliveries as f64,
            secs * 1e6 / r.messages as f64,
        );
    }
    println!();
    println!("msgs/s = messages ordered and delivered at every node per CPU second of the whole");
    println!("simulated cluster (all nodes run on one thread); CPU from /proc/self/stat.");
    println!();
    println!("## Crash to new configuration (simulation, zero latency)");
    println!();
    println!("| nodes | token | effective token | Corosync token+consensus | quorate, suspicion off (median / max) | quorate, suspicion on (median / max) | goal: token+150 |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let runs = if quick { 5 } else { 20 };
    for (nodes, token_ms) in [(3, 1000), (3, 3000), (8, 1000), (8, 3000)] {
        let (token, consensus) = corosync(nodes, token_ms);
        let mut cols = Vec::new();
        for ffd in [false, true] {
            let mut v: Vec<u64> = (0..runs)
                .map(|seed| {
                    crash_to_configuration_ms(nodes, token_ms, ffd, 3_000 + seed * 131, 0, seed)
                        .unwrap_or_else(|f| panic!("{f}"))
                })
                .collect();
            v.sort_unstable();
            cols.push(format!("{} / {} ms", v[v.len() / 2], v[v.len() - 1]));
        }
        println!(
            "| {nodes} | {token_ms} ms | {token} ms | {} ms | {} | {} | {} ms |",
            token + consensus,
            cols[0],
            cols[1],
            token + 150
        );
    }
}
