//! Pacemaker's own scheduler regression inputs (`tests/data/pacemaker-scheduler/xml/`) run
//! through `quorate_cib::import` and `quorate_scheduler`, compared with what Pacemaker 2.1.5's
//! `crm_simulate` decides (`expected/NAME.json`, made by `pcmk-oracle.sh`): the final placement
//! of every primitive and the set of actions. Prints both counts; fails when either drops below
//! `scheduler-floors.txt`, or when a case differs that `scheduler-known.txt` does not list.
//!
//! `QUORATE_CONFORMANCE_CASE=name` runs one case and prints both sides in full. A second set,
//! `tests/data/pacemaker-scheduler-clones/`, holds the inputs with clones and promotable clones
//! of primitives, with its own floors and known differences.
//!
//! The differential test generates `QUORATE_DIFF_CASES` (default 25) seeded random clusters
//! (`quorate_scheduler::testkit::GenCluster`), runs the installed `crm_simulate` on each CIB and
//! compares placements and actions; a mismatch prints its seed and the CIB
//! (`sched-bench --emit-cib SEED` prints it again). Without `crm_simulate` it says so and passes.

use quorate_scheduler::{schedule, ClusterStatus, Placement};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// "Now" for inputs without `execution-date`: when `expected/` was generated (2026-11-22).
const NOW_EPOCH_S: i64 = 1_795_305_600;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/pacemaker-scheduler")
}

/// The clone and promotable-clone inputs (`tests/data/pacemaker-scheduler-clones`).
fn clone_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/pacemaker-scheduler-clones")
}

struct Outcome {
    placements_ok: bool,
    actions_ok: bool,
    /// The "Transition Summary" lines equal crm_simulate's byte for byte (reported, not gated).
    summary_ok: bool,
    detail: String,
}

/// The "Transition Summary" lines of a stored `crm_simulate -S` summary, without the `  * `.
fn stored_summary(dir: &Path, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("summary").join(format!("{name}.summary")))
        .unwrap_or_default();
    text.lines()
        .skip_while(|l| !l.starts_with("Transition Summary:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim_start().trim_start_matches("* ").to_string())
        .collect()
}

fn run_case(dir: &Path, name: &str) -> Result<Outcome, String> {
    let xml = std::fs::read_to_string(dir.join("xml").join(format!("{name}.xml")))
        .map_err(|e| e.to_string())?;
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected").join(format!("{name}.json")))
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let imported = quorate_cib::import_cib(&xml).map_err(|e| format!("import: {e}"))?;
    let model =
        quorate_schema::lower_unvalidated(&quorate_schema::Loaded::from_doc(imported.doc)).0;
    let mut status = ClusterStatus::from_cib_xml(&xml).map_err(|e| format!("status: {e}"))?;
    status.now_epoch_s = status.now_epoch_s.or(Some(NOW_EPOCH_S));
    let sched = schedule(&model, &status);
    let got = sched.to_json();
    let want_pl: BTreeMap<String, Value> = expected["placements"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let got_pl: BTreeMap<String, Value> = got["placements"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let strs = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let want_act = strs(&expected["actions"]);
    let got_act = strs(&got["actions"]);
    let mut detail = String::new();
    for (k, v) in &want_pl {
        let g = got_pl
            .get(k)
            .cloned()
            .unwrap_or(Value::String("<missing>".into()));
        if &g != v {
            detail.push_str(&format!("  placement {k}: want {v}, got {g}\n"));
        }
    }
    for (k, g) in &got_pl {
        if !want_pl.contains_key(k) {
            detail.push_str(&format!("  placement {k}: not expected, got {g}\n"));
        }
    }
    for a in want_act.difference(&got_act) {
        detail.push_str(&format!("  missing action: {a}\n"));
    }
    for a in got_act.difference(&want_act) {
        detail.push_str(&format!("  extra action:   {a}\n"));
    }
    if std::env::var("QUORATE_CONFORMANCE_CASE").is_ok() {
        detail.push_str(&format!(
            "  summary:\n    {}\n",
            sched.summary.join("\n    ")
        ));
    }
    let _ = Placement::Stopped;
    Ok(Outcome {
        summary_ok: stored_summary(dir, name) == sched.summary,
        placements_ok: want_pl == got_pl,
        actions_ok: want_act == got_act,
        detail,
    })
}

fn read_floors(dir: &Path) -> (usize, usize) {
    let text =
        std::fs::read_to_string(dir.join("scheduler-floors.txt")).expect("scheduler-floors.txt");
    let mut pl = 0;
    let mut ac = 0;
    for line in text.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("placements") {
            pl = v
                .trim_start_matches([' ', '=', ':'])
                .trim()
                .parse()
                .expect("placements floor");
        } else if let Some(v) = line.strip_prefix("actions") {
            ac = v
                .trim_start_matches([' ', '=', ':'])
                .trim()
                .parse()
                .expect("actions floor");
        }
    }
    (pl, ac)
}

fn read_known(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("scheduler-known.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(':')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        })
        .collect()
}

#[test]
fn pacemaker_regression_inputs() {
    conformance(&data(), 159, "pacemaker scheduler conformance");
}

/// Pacemaker's regression inputs with anonymous and promotable clones of primitives (no
/// interleave, notify, unique or ordered clones, no groups in clones).
#[test]
fn pacemaker_clone_regression_inputs() {
    conformance(&clone_data(), 27, "pacemaker clone conformance");
}

/// Runs every input of `dir`: counts, floors, and differences that `scheduler-known.txt` must
/// list. `QUORATE_CONFORMANCE_CASE=name` runs one case (of whichever set has it) in full.
fn conformance(dir: &Path, count: usize, what: &str) {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("xml"))
        .expect("the inputs' xml directory")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".xml"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), count, "the corpus has {count} inputs");
    if let Ok(one) = std::env::var("QUORATE_CONFORMANCE_CASE") {
        if names.contains(&one) {
            let o = run_case(dir, &one).expect("case runs");
            eprintln!(
                "{one}: placements {} actions {}\n{}",
                o.placements_ok, o.actions_ok, o.detail
            );
        }
        return;
    }
    let known = read_known(dir);
    let (mut pl, mut ac, mut su) = (0, 0, 0);
    let mut unlisted = Vec::new();
    let mut fixed = Vec::new();
    for n in &names {
        let o = match run_case(dir, n) {
            Ok(o) => o,
            Err(e) => Outcome {
                summary_ok: false,
                placements_ok: false,
                actions_ok: false,
                detail: format!("  error: {e}\n"),
            },
        };
        pl += usize::from(o.placements_ok);
        ac += usize::from(o.actions_ok);
        su += usize::from(o.summary_ok);
        let ok = o.placements_ok && o.actions_ok;
        if !ok {
            eprintln!(
                "{n}: placements {} actions {}\n{}",
                o.placements_ok, o.actions_ok, o.detail
            );
            if !known.contains_key(n) {
                unlisted.push(n.clone());
            }
        } else if known.contains_key(n) {
            fixed.push(n.clone());
        }
    }
    println!("{what}: placements {pl}/{count}, actions {ac}/{count} (transition summary text identical: {su}/{count})");
    eprintln!("{what}: placements {pl}/{count}, actions {ac}/{count} (transition summary text identical: {su}/{count})");
    if !fixed.is_empty() {
        eprintln!(
            "now passing, remove from scheduler-known.txt: {}",
            fixed.join(" ")
        );
    }
    let (fp, fa) = read_floors(dir);
    assert!(
        pl >= fp,
        "placements {pl}/{count} dropped below the floor {fp}"
    );
    assert!(
        ac >= fa,
        "actions {ac}/{count} dropped below the floor {fa}"
    );
    assert!(
        unlisted.is_empty(),
        "cases that differ from crm_simulate and are not in scheduler-known.txt: {}",
        unlisted.join(" ")
    );
}

/// Placements and actions, as `pcmk-oracle.sh` prints them.
type Decided = (BTreeMap<String, Value>, BTreeSet<String>);

/// What `crm_simulate -S` decides for a CIB: placements from the revised status and actions
/// from the transition graph, shaped as `pcmk-oracle.sh` shapes them. `None` when
/// `crm_simulate` is not installed.
fn crm_simulate(cib: &str, tag: &str) -> Option<Result<Decided, String>> {
    let dir = std::env::temp_dir().join(format!("quorate-diff-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let input = dir.join("cib.xml");
    let graph = dir.join("graph.xml");
    std::fs::write(&input, cib).ok()?;
    let out = match std::process::Command::new("crm_simulate")
        .arg("-x")
        .arg(&input)
        .arg("-S")
        .arg("--output-as=xml")
        .arg("-G")
        .arg(&graph)
        .env("CIB_shadow_dir", &dir)
        .env("LC_ALL", "C")
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            let _ = std::fs::remove_dir_all(&dir);
            return None;
        }
    };
    let result = (|| {
        if !out.status.success() {
            return Err(format!(
                "crm_simulate failed: {}{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let doc = roxmltree::Document::parse(&text).map_err(|e| e.to_string())?;
        let mut place: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // Clone instances share their primitive's id and always map to a list of nodes.
        let mut cloned: BTreeSet<String> = BTreeSet::new();
        if let Some(rs) = doc
            .descendants()
            .find(|n| n.has_tag_name("revised_cluster_status"))
        {
            if let Some(res) = rs.children().find(|n| n.has_tag_name("resources")) {
                for r in res.descendants().filter(|n| n.has_tag_name("resource")) {
                    let id = r.attribute("id").unwrap_or_default().to_string();
                    if r.ancestors().any(|a| a.has_tag_name("clone")) {
                        cloned.insert(id.clone());
                    }
                    let nodes: Vec<String> = if r.attribute("active") == Some("true") {
                        r.children()
                            .filter(|c| c.has_tag_name("node"))
                            .filter_map(|c| c.attribute("name").map(str::to_string))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    place.entry(id).or_default().extend(nodes);
                }
            }
        }
        let placements = place
            .into_iter()
            .map(|(k, mut v)| {
                v.sort();
                v.dedup();
                let val = match v.len() {
                    0 => Value::Null,
                    1 if !cloned.contains(&k) => Value::String(v.remove(0)),
                    _ => Value::Array(v.into_iter().map(Value::String).collect()),
                };
                (k, val)
            })
            .collect();
        let gtext = std::fs::read_to_string(&graph).map_err(|e| e.to_string())?;
        let g = roxmltree::Document::parse(&gtext).map_err(|e| e.to_string())?;
        let mut actions = BTreeSet::new();
        for a in g
            .descendants()
            .filter(|n| n.has_tag_name("rsc_op") || n.has_tag_name("crm_event"))
        {
            let op = a.attribute("operation").unwrap_or_default();
            let node = a.attribute("on_node").unwrap_or_default();
            if a.has_tag_name("crm_event") {
                if op == "stonith" {
                    actions.insert(format!("fence {node}"));
                } else if op == "do_shutdown" {
                    actions.insert(format!("shutdown {node}"));
                }
                continue;
            }
            let Some(prim) = a.children().find(|c| c.has_tag_name("primitive")) else {
                continue;
            };
            if matches!(op, "monitor" | "cancel" | "delete") {
                continue;
            }
            actions.insert(format!(
                "{op} {} on {node}",
                prim.attribute("id").unwrap_or_default()
            ));
        }
        Ok((placements, actions))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    Some(result)
}

/// Runs generated clusters through `crm_simulate` and the scheduler; returns the seeds whose
/// placements differ and are not known differences.
fn differential(
    what: &str,
    cases_var: &str,
    default_cases: u64,
    regression_seeds: &[u64],
    known_file: &str,
    generate: impl Fn(u64) -> quorate_scheduler::testkit::GenCluster,
) -> Option<Vec<u64>> {
    let cases: u64 = std::env::var(cases_var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    let first: u64 = std::env::var("QUORATE_DIFF_FIRST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let known: BTreeSet<u64> = std::fs::read_to_string(data().join(known_file))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(':').next().and_then(|s| s.trim().parse().ok()))
        .collect();
    let (mut pl_ok, mut ac_ok, mut ran) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    let seeds: Vec<u64> = (first..first + cases)
        .chain(
            regression_seeds
                .iter()
                .copied()
                .filter(|s| !(first..first + cases).contains(s)),
        )
        .collect();
    for seed in seeds {
        let g = generate(seed);
        let cib = g.to_cib();
        let Some(want) = crm_simulate(&cib, &format!("{cases_var}-{seed}")) else {
            eprintln!("crm_simulate is not installed: differential test skipped");
            return None;
        };
        let (want_pl, want_ac) = match want {
            Ok(w) => w,
            // Pacemaker itself rejects some generated clusters (its transition graph has a
            // loop); there is nothing to compare with.
            Err(e) if e.contains("invalid transition") => {
                eprintln!("seed {seed}: skipped, crm_simulate produced no valid transition");
                continue;
            }
            Err(e) => panic!("seed {seed}: {e}\n{cib}"),
        };
        let imported = quorate_cib::import_cib(&cib).expect("generated CIB imports");
        let model =
            quorate_schema::lower_unvalidated(&quorate_schema::Loaded::from_doc(imported.doc)).0;
        let status = ClusterStatus::from_cib_xml(&cib).expect("generated status");
        let sched = schedule(&model, &status);
        let got = sched.to_json();
        let got_pl: BTreeMap<String, Value> = got["placements"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let got_ac: BTreeSet<String> = sched.action_strings(false).into_iter().collect();
        ran += 1;
        let p = got_pl == want_pl;
        let a = got_ac == want_ac;
        pl_ok += u64::from(p);
        ac_ok += u64::from(a);
        if !(p && a) {
            eprintln!(
                "seed {seed}: placements {p} actions {a}\n  want {want_pl:?}\n  got  {got_pl:?}\n  missing actions {:?}\n  extra actions {:?}\n{cib}",
                want_ac.difference(&got_ac).collect::<Vec<_>>(),
                got_ac.difference(&want_ac).collect::<Vec<_>>()
            );
            if !p && !known.contains(&seed) {
                failures.push(seed);
            }
        }
    }
    println!("{what} against crm_simulate: placements {pl_ok}/{ran}, actions {ac_ok}/{ran}");
    eprintln!("{what} against crm_simulate: placements {pl_ok}/{ran}, actions {ac_ok}/{ran}");
    Some(failures)
}

#[test]
fn differential_against_crm_simulate() {
    use quorate_scheduler::testkit::GenCluster;
    // Seeds that once differed, kept in every run as regression cases.
    const REGRESSION_SEEDS: &[u64] = &[1262, 2063];
    let Some(failures) = differential(
        "differential",
        "QUORATE_DIFF_CASES",
        25,
        REGRESSION_SEEDS,
        "differential-known.txt",
        GenCluster::random,
    ) else {
        return;
    };
    assert!(failures.is_empty(), "placements differ from crm_simulate for seeds {failures:?} (not in differential-known.txt)");
}

/// The same with an anonymous and a promotable clone added to each generated cluster
/// (`GenCluster::random_with_clones`); `QUORATE_DIFF_CLONE_CASES` (default 25) seeds.
#[test]
fn differential_with_clones_against_crm_simulate() {
    use quorate_scheduler::testkit::GenCluster;
    const REGRESSION_SEEDS: &[u64] = &[];
    let Some(failures) = differential(
        "differential with clones",
        "QUORATE_DIFF_CLONE_CASES",
        25,
        REGRESSION_SEEDS,
        "differential-clones-known.txt",
        |seed| GenCluster::random_with_clones(seed, true),
    ) else {
        return;
    };
    assert!(failures.is_empty(), "placements differ from crm_simulate for seeds {failures:?} (not in differential-clones-known.txt)");
}
