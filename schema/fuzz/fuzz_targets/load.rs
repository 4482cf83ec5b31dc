//! Fuzzes the whole loader: any bytes, as one or two files, must give diagnostics or a model,
//! never a panic, and rendering the diagnostics must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quorate_schema::{load_sources, validate, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Split at the first NUL into two files, to exercise merging too.
    let files = match text.split_once('\0') {
        Some((a, b)) => vec![("a.yaml".to_string(), a.to_string()), ("b.yaml".to_string(), b.to_string())],
        None => vec![("a.yaml".to_string(), text.to_string())],
    };
    let loaded = load_sources(files);
    let (model, diags) = validate(&loaded, &Options::default());
    let _ = diags.render_text(&loaded.sources, false);
    let _ = diags.render_json(&loaded.sources);
    // A model exists exactly when there is no error.
    assert_eq!(model.is_some(), !diags.fails(false));
});
