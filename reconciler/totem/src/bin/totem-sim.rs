//! totem-sim: runs the deterministic simulator from the command line.
//!
//! `totem-sim --seed N` replays one seed exactly (as printed by a failure); `totem-sim --seeds
//! COUNT [--from N]` runs many; `--nodes K` overrides the node count the seed implies. Exit code
//! 1 when any seed fails; each failure prints its seed and the replay command.

use quorate_totem::sim::{self, SimOptions};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| -> Option<u64> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    if args.iter().any(|a| a == "--help" || a == "-h") {
        eprintln!("usage: totem-sim [--seed N | --seeds COUNT [--from N]] [--nodes K]");
        return ExitCode::SUCCESS;
    }
    let nodes = value("--nodes");
    let (from, count) = match value("--seed") {
        Some(seed) => (seed, 1),
        None => (
            value("--from").unwrap_or(0),
            value("--seeds").unwrap_or(100),
        ),
    };
    let mut failed = 0u64;
    for seed in from..from + count {
        let options = match nodes {
            Some(n) => SimOptions::for_seed_with_nodes(seed, n as usize),
            None => SimOptions::for_seed(seed),
        };
        let n = options.nodes;
        match sim::run(options) {
            Ok(report) if count == 1 => println!("seed {seed} ({n} nodes): ok {report:?}"),
            Ok(_) => {}
            Err(f) => {
                failed += 1;
                println!("FAILED {f}");
                println!(
                    "  or: cargo run --release -p quorate-totem --bin totem-sim -- --seed {seed}{}",
                    nodes.map(|k| format!(" --nodes {k}")).unwrap_or_default()
                );
            }
        }
    }
    println!(
        "{count} seeds from {from}: {} passed, {failed} failed",
        count - failed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
