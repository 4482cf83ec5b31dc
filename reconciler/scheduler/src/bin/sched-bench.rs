//! Scheduler benchmark: times `quorate_scheduler::schedule` on generated clusters (fresh:
//! nothing probed; settled: half running, the rest probed) with its memory, and, with
//! `--crm`, `crm_simulate -R` on the same CIB side by side (bounded by `--crm-timeout`).
//!
//! Memory is the heap as a counting global allocator (`peak_alloc`) sees it: what the parsed
//! inputs hold (the `Model` from the YAML, the `ClusterStatus` from the CIB, without the texts
//! they were read from), and the peak extra heap while `schedule()` runs. The process's peak
//! resident set is printed too; it also counts the generator and the CIB text.
//!
//! `sched-bench [--crm] [--crm-timeout SECS] [--sizes 3x50,8x500,16x2000,32x5000]`
//! `sched-bench --emit-cib SEED` prints the differential generator's CIB for SEED;
//! `--emit-clone-cib SEED` the clone differential generator's (`random_with_clones`).

use peak_alloc::PeakAlloc;
use quorate_scheduler::testkit::{model_from_yaml, GenCluster};
use quorate_scheduler::{schedule, ClusterStatus};
use std::process::Command;
use std::time::{Duration, Instant};

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Peak resident set of this process so far, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak resident set (`VmHWM`) to the current one (Linux `clear_refs` value 5).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Runs `crm_simulate -R -x cib` under `timeout`, returning wall time and peak RSS (MiB) from
/// GNU time when available.
fn crm_simulate(cib: &str, timeout: u64) -> Option<(Duration, Option<f64>)> {
    let dir = std::env::temp_dir().join(format!("sched-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("cib.xml");
    std::fs::write(&path, cib).ok()?;
    let time_out = dir.join("time.txt");
    let t = Instant::now();
    let st = Command::new("timeout")
        .arg(timeout.to_string())
        .arg("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&time_out)
        .arg("crm_simulate")
        .arg("-R")
        .arg("-x")
        .arg(&path)
        .env("CIB_shadow_dir", &dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    let wall = t.elapsed();
    let rss = std::fs::read_to_string(&time_out)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse::<f64>().ok()))
        .map(|kb| kb / 1024.0);
    let _ = std::fs::remove_dir_all(&dir);
    if st.success() {
        Some((wall, rss))
    } else {
        None
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--emit-clone-cib") {
        let seed: u64 = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(0);
        print!("{}", GenCluster::random_with_clones(seed, true).to_cib());
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--emit-cib") {
        let seed: u64 = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(0);
        print!("{}", GenCluster::random(seed).to_cib());
        return;
    }
    let crm = args.iter().any(|a| a == "--crm");
    let timeout: u64 = args
        .iter()
        .position(|a| a == "--crm-timeout")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let sizes: Vec<(usize, usize)> = args
        .iter()
        .position(|a| a == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map(|s| {
            s.split(',')
                .filter_map(|p| p.split_once('x'))
                .filter_map(|(n, r)| Some((n.parse().ok()?, r.parse().ok()?)))
                .collect()
        })
        .unwrap_or_else(|| vec![(3, 50), (8, 500), (16, 2000), (32, 5000)]);
    println!(
        "| cluster | state | quorate schedule | actions | Model heap | ClusterStatus heap | schedule() peak extra heap | inputs + schedule heap | process peak RSS | crm_simulate -R | crm_simulate peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (nodes, resources) in sizes {
        for (state, running) in [("fresh", 0usize), ("settled", 50)] {
            // The peak is per case: reset it (Linux clear_refs) before building the inputs.
            let reset = reset_peak();
            let g = GenCluster::bench(nodes, resources, running);
            let h0 = HEAP.current_usage();
            let model = model_from_yaml(&g.to_yaml());
            let model_heap = HEAP.current_usage().saturating_sub(h0);
            let cib = g.to_cib();
            let h1 = HEAP.current_usage();
            let status = ClusterStatus::from_cib_xml(&cib).expect("generated CIB parses");
            let status_heap = HEAP.current_usage().saturating_sub(h1);
            drop(cib);
            // The peak extra heap of one run, the schedule it returns included.
            HEAP.reset_peak_usage();
            let before = HEAP.current_usage();
            let s = schedule(&model, &status);
            let schedule_peak = HEAP.peak_usage().saturating_sub(before);
            // Then the best of three.
            let mut best = Duration::MAX;
            for _ in 0..3 {
                let t = Instant::now();
                let s2 = schedule(&model, &status);
                best = best.min(t.elapsed());
                assert_eq!(s2.transition.actions.len(), s.transition.actions.len());
            }
            let peak = match (reset, peak_rss_mib()) {
                (true, Some(m)) => format!("{m:.0} MiB"),
                _ => "?".into(),
            };
            let (crm_t, crm_rss) = if crm {
                match crm_simulate(&g.to_cib(), timeout) {
                    Some((d, r)) => (
                        format!("{:.2} s", d.as_secs_f64()),
                        r.map(|m| format!("{m:.0} MiB"))
                            .unwrap_or_else(|| "?".into()),
                    ),
                    None => (format!("> {timeout} s (stopped)"), "-".into()),
                }
            } else {
                ("not run".into(), "-".into())
            };
            println!(
                "| {nodes} x {resources} | {state} | {:.3} s | {} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.1} MiB | {peak} | {crm_t} | {crm_rss} |",
                best.as_secs_f64(),
                s.transition.actions.len(),
                mib(model_heap),
                mib(status_heap),
                mib(schedule_peak),
                mib(model_heap + status_heap + schedule_peak),
            );
        }
    }
}
