//! Parameter digests against the ones Pacemaker's controllers recorded: every `op-digest` of a
//! one-off start, probe, promote or migration in Pacemaker's scheduler regression inputs
//! (`tests/data/pacemaker-scheduler/xml/`; these are the records whose digest decides a
//! restart or reload), recomputed from the imported configuration by
//! `quorate_scheduler::digest`, counting a record as matching when its full digest matches or,
//! as in `crm_simulate`'s sanitized mode, its secure digest does. Most resources there did not
//! change since their operations ran, so their digests must match exactly; the inputs where
//! some differ are exactly those in `DIFFERENT`, with the reason. Recurring monitors are counted
//! and printed, not gated: controllers before 2.1 digested their timeouts differently, and a
//! changed recurring digest only reschedules the monitor.
//! `QUORATE_DIGEST_VERBOSE=1` prints every record that differs.

use quorate_scheduler::{digest, ClusterStatus, Digest};
use std::path::{Path, PathBuf};

/// Inputs whose one-off operations' digests differ from the configuration, and why.
const DIFFERENT: &[(&str, &str)] = &[
    (
        "bug-1718",
        "a `target_role` instance attribute was added after the probes ran",
    ),
    ("bug-5025-1", "tests a definition change (reload)"),
    ("bug-5025-3", "tests a definition change (restart)"),
    (
        "bug-5025-4",
        "tests a definition change of a failed start (fail count cleared)",
    ),
    (
        "group-anticolocation",
        "the fencing device's probe was recorded for another definition",
    ),
    (
        "group-colocation-failure",
        "the fencing device's probe was recorded for another definition",
    ),
    (
        "params-2",
        "tests a definition change (a deliberately wrong digest)",
    ),
    (
        "restart-with-extra-op-params",
        "tests a changed operation parameter (restart)",
    ),
];

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/pacemaker-scheduler")
}

/// Digest comparison counts of one input.
#[derive(Default)]
struct Counts {
    one_off: usize,
    one_off_matched: usize,
    recurring: usize,
    recurring_matched: usize,
    /// One-off records that differ, described.
    diffs: Vec<String>,
}

fn check_case(xml: &str) -> Counts {
    let imported = quorate_cib::import_cib(xml).expect("import");
    let model =
        quorate_schema::lower_unvalidated(&quorate_schema::Loaded::from_doc(imported.doc)).0;
    let status = ClusterStatus::from_cib_xml(xml).expect("status");
    let mut c = Counts::default();
    for h in &status.history {
        let def = model
            .primitive(&h.resource)
            .or_else(|| model.fence_devices.get(&h.resource));
        let Some(def) = def else { continue };
        for op in &h.ops {
            let Some(Digest::Md5(recorded)) = op.digests.as_ref().and_then(|d| d.all.clone())
            else {
                continue;
            };
            let (params, _) = digest::operation_params(&model, def, &op.operation, op.interval_ms);
            let recurring = op.interval_ms > 0;
            if !recurring
                && !matches!(
                    op.operation.as_str(),
                    "start" | "monitor" | "promote" | "migrate_from"
                )
            {
                continue;
            }
            let secure_matches = op.digests.as_deref().is_some_and(|rec| {
                rec.secure.as_ref().is_some_and(|s| {
                    s.digest
                        == Digest::Md5(digest::digest(&digest::secure_params(&model, def, op, rec)))
                })
            });
            let ok = digest::digest(&params) == recorded || secure_matches;
            if recurring {
                c.recurring += 1;
                c.recurring_matched += usize::from(ok);
            } else {
                c.one_off += 1;
                c.one_off_matched += usize::from(ok);
                if !ok {
                    c.diffs.push(format!(
                        "{} on {}: {} recorded {}, computed over {}",
                        op.id,
                        h.node,
                        op.operation,
                        digest::to_hex(&recorded),
                        digest::canonical_text(&params).trim()
                    ));
                }
            }
        }
    }
    c
}

#[test]
fn recorded_digests_match_the_unchanged_definitions() {
    let mut names: Vec<String> = std::fs::read_dir(data().join("xml"))
        .expect("xml/")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".xml").map(str::to_string)
        })
        .collect();
    names.sort();
    let verbose = std::env::var("QUORATE_DIGEST_VERBOSE").is_ok();
    let mut total = Counts::default();
    let mut differing = Vec::new();
    for name in &names {
        let xml =
            std::fs::read_to_string(data().join("xml").join(format!("{name}.xml"))).expect("read");
        let c = check_case(&xml);
        total.one_off += c.one_off;
        total.one_off_matched += c.one_off_matched;
        total.recurring += c.recurring;
        total.recurring_matched += c.recurring_matched;
        if !c.diffs.is_empty() {
            differing.push(name.clone());
            if verbose {
                println!("{name}:\n  {}", c.diffs.join("\n  "));
            }
        }
    }
    println!(
        "recorded op-digests matching: one-off {}/{}, recurring {}/{}",
        total.one_off_matched, total.one_off, total.recurring_matched, total.recurring
    );
    assert!(total.one_off > 500, "the corpus has hundreds of digests");
    let expected: Vec<String> = DIFFERENT.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(differing, expected, "inputs whose one-off digests differ");
}
