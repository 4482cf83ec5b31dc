//! Benchmark of `quorate plan` end to end, in process: YAML text of two desired states (a base
//! and a change touching 1% of the resources) -> load and validate both -> configuration diff ->
//! transition (converged base, then the change scheduled from it) -> text and JSON output.
//!
//! `cargo run --release -p quorate-plan --bin plan-bench [-- NODES:RESOURCES ...]` prints a table.
//! Sizes default to 3:50 8:500 16:2000 32:5000.
//!
//! `plan-bench --cli PATH_TO_QUORATE [--runs N] [NODES:RESOURCES ...]` times the real command
//! instead: for each size it builds a git repository in a temporary directory (the base commit,
//! then a commit changing 1% of the resources), runs `quorate plan DIR/cluster --base HEAD~1`
//! with `--format json` and `--format text` N times each (default 7), prints the median and
//! minimum wall time, the median CPU time and the peak RSS of the process, and removes the
//! directory.

use quorate_schema::{load_sources, validate, NoCatalog, Options};
use std::fmt::Write as _;
use std::time::Instant;

/// A cluster of `nodes` nodes and `resources` Dummy primitives: groups of four, a location
/// preference for one resource in ten, fencing on; `changed` resources get a new parameter.
fn cluster_yaml(nodes: usize, resources: usize, changed: usize) -> String {
    let mut y = String::from("version: 1\ncluster: bench\nnodes:\n");
    for n in 1..=nodes {
        let _ = writeln!(
            y,
            "  - {{ name: node{n}, id: {n}, addrs: [10.{}.{}.1] }}",
            n / 200,
            n % 200
        );
    }
    y.push_str(
        "properties: { stonith-enabled: true }\nrsc_defaults: { resource-stickiness: 100 }\n",
    );
    y.push_str(
        "fencing:\n  devices:\n    fence-all:\n      agent: stonith:fence_ipmilan\n      hosts: [",
    );
    y.push_str(
        &(1..=nodes)
            .map(|n| format!("node{n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    y.push_str("]\n      params: { ip: 10.255.0.1, username: admin, password: { file: /etc/quorate/secrets/fence } }\n");
    y.push_str("resources:\n");
    for r in 0..resources {
        let state = if r < changed {
            "/run/bench-changed"
        } else {
            "/run/bench"
        };
        let _ = writeln!(
            y,
            "  r{r}:\n    agent: ocf:heartbeat:Dummy\n    params: {{ state: {state}/r{r} }}\n    ops:\n      monitor: {{ interval: 30s }}"
        );
    }
    y.push_str("groups:\n");
    for g in 0..resources / 8 {
        let m: Vec<String> = (0..4).map(|i| format!("r{}", g * 8 + i)).collect();
        let _ = writeln!(y, "  g{g}: [{}]", m.join(", "));
    }
    y.push_str("constraints:\n  location:\n");
    for r in (4..resources).step_by(10) {
        let _ = writeln!(
            y,
            "    - {{ resource: r{r}, node: node{}, score: 50 }}",
            r % nodes + 1
        );
    }
    y
}

/// CPU time of this process (user + system), from /proc/self/stat, in ms (10 ms resolution):
/// robust against other processes competing for the cores, unlike wall time.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks * 10.0
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time (user + system) of this process's waited-for children, in ms (10 ms resolution).
fn children_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(13).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(14).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks * 10.0
}

/// A temporary directory, removed when dropped (also when the benchmark fails).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn git(dir: &std::path::Path, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// One run of the command: wall time in ms, CPU time in ms, peak RSS in MB. The peak is read
/// from `/proc/PID/status` (`VmHWM`, which only grows) by a second thread while it runs.
fn time_once(cmd: &mut std::process::Command) -> Result<(f64, f64, f64), String> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let c0 = children_cpu_ms();
    let t0 = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let status_path = format!("/proc/{}/status", child.id());
    let done = AtomicBool::new(false);
    let (status, hwm_kb) = std::thread::scope(|scope| {
        let poller = scope.spawn(|| {
            let mut hwm_kb = 0.0f64;
            while !done.load(Ordering::Relaxed) {
                let Ok(st) = std::fs::read_to_string(&status_path) else {
                    break;
                };
                if let Some(kb) = st
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                {
                    hwm_kb = hwm_kb.max(kb);
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            hwm_kb
        });
        let output = child.wait_with_output();
        done.store(true, Ordering::Relaxed);
        (output, poller.join().unwrap_or(0.0))
    });
    let wall = t0.elapsed().as_secs_f64() * 1000.0;
    let output = status.map_err(|e| format!("waiting for the command failed: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok((wall, children_cpu_ms() - c0, hwm_kb / 1024.0))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `--cli`: the real `quorate plan` on a git repository per size.
fn bench_cli(quorate: &str, runs: usize, sizes: &[(usize, usize)]) -> Result<(), String> {
    println!("| nodes x resources | format | median wall | min wall | median CPU | peak RSS |");
    println!("|---|---|---|---|---|---|");
    for &(nodes, resources) in sizes {
        let dir = TempDir(std::env::temp_dir().join(format!(
            "quorate-plan-bench-{}-{nodes}x{resources}",
            std::process::id()
        )));
        let cluster = dir.0.join("cluster");
        std::fs::create_dir_all(&cluster).map_err(|e| e.to_string())?;
        let file = cluster.join("cluster.yaml");
        let write = |text: String| std::fs::write(&file, text).map_err(|e| e.to_string());
        git(&dir.0, &["init", "-q"])?;
        write(cluster_yaml(nodes, resources, 0))?;
        git(&dir.0, &["add", "-A"])?;
        git(&dir.0, &["commit", "-q", "-m", "base"])?;
        write(cluster_yaml(nodes, resources, (resources / 100).max(1)))?;
        git(&dir.0, &["commit", "-q", "-a", "-m", "change"])?;
        for format in ["json", "text"] {
            let (mut walls, mut cpus, mut peak) = (Vec::new(), Vec::new(), 0.0f64);
            for _ in 0..runs {
                let mut cmd = std::process::Command::new(quorate);
                cmd.arg("plan")
                    .arg(&cluster)
                    .args(["--base", "HEAD~1", "--format", format]);
                let (wall, cpu, rss) = time_once(&mut cmd)?;
                walls.push(wall);
                cpus.push(cpu);
                peak = peak.max(rss);
            }
            let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "| {nodes} x {resources} | {format} | **{:.0} ms** | {min:.0} ms | {:.0} ms | {peak:.0} MB |",
                median(&mut walls),
                median(&mut cpus)
            );
        }
    }
    Ok(())
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut flag = |name: &str| -> Option<String> {
        let i = args.iter().position(|a| a == name)?;
        let v = args.get(i + 1).cloned();
        args.drain(i..(i + 2).min(args.len()));
        v
    };
    let cli = flag("--cli");
    let runs: usize = flag("--runs")
        .and_then(|r| r.parse().ok())
        .unwrap_or(7)
        .max(1);
    let sizes: Vec<(usize, usize)> = {
        if args.is_empty() {
            vec![(3, 50), (8, 500), (16, 2000), (32, 5000)]
        } else {
            args.iter()
                .filter_map(|a| {
                    let (n, r) = a.split_once(':')?;
                    Some((n.parse().ok()?, r.parse().ok()?))
                })
                .collect()
        }
    };
    if let Some(quorate) = cli {
        if let Err(e) = bench_cli(&quorate, runs, &sizes) {
            eprintln!("plan-bench: {e}");
            std::process::exit(1);
        }
        return;
    }
    println!("| nodes x resources | load+validate both | config diff | transition | render | total (wall) | total (CPU) | changes | actions | peak RSS |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (nodes, resources) in sizes {
        let changed = (resources / 100).max(1);
        let base_text = cluster_yaml(nodes, resources, 0);
        let new_text = cluster_yaml(nodes, resources, changed);
        let c0 = cpu_ms();
        let t0 = Instant::now();
        let base = load_sources(vec![("base.yaml".into(), base_text)]);
        let new = load_sources(vec![("new.yaml".into(), new_text)]);
        let opts = Options {
            strict: false,
            catalog: &NoCatalog,
        };
        let (before, d0) = validate(&base, &opts);
        let (after, d1) = validate(&new, &opts);
        let (before, after) = match (before, after) {
            (Some(b), Some(a)) => (b, a),
            _ => {
                eprintln!(
                    "generated cluster is invalid: {:?} {:?}",
                    d0.iter().next(),
                    d1.iter().next()
                );
                std::process::exit(1);
            }
        };
        let t1 = Instant::now();
        let mut plan =
            quorate_plan::plan_with_models((&base.doc, &before), (&new.doc, &after), Vec::new());
        let t2 = Instant::now();
        plan.transition = Some(quorate_plan::transition_from_base(&before, &after));
        let t3 = Instant::now();
        let text = quorate_plan::render::render_text(&plan, false);
        let json = serde_json::to_string(&plan).expect("plan serializes");
        let t4 = Instant::now();
        let c4 = cpu_ms();
        let ms = |a: Instant, b: Instant| format!("{:.0} ms", (b - a).as_secs_f64() * 1000.0);
        println!(
            "| {nodes} x {resources} | {} | {} | {} | {} | **{}** | {:.0} ms | {} | {} | {:.0} MB |",
            ms(t0, t1),
            ms(t1, t2),
            ms(t2, t3),
            ms(t3, t4),
            ms(t0, t4),
            c4 - c0,
            plan.summary.change,
            plan.transition.as_ref().map_or(0, |t| t.actions.len()),
            peak_rss_mb()
        );
        std::hint::black_box((text, json));
    }
}
