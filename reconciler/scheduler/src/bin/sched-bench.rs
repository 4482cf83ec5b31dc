//! Scheduler benchmark (placeholder until the generator lands): times one run on a small model.

fn main() {
    let m = quorate_scheduler::testkit::model(&["n1", "n2"], &["a"]);
    let st = quorate_scheduler::testkit::online(&["n1", "n2"]);
    let t = std::time::Instant::now();
    let s = quorate_scheduler::schedule(&m, &st);
    println!(
        "{} actions in {:?}",
        s.transition.actions.len(),
        t.elapsed()
    );
}
