//! The README's examples are tests: every `console` block in README.md is run by `trycmd`
//! and its output compared (timings masked with `[..]`), and the picture in the README is the
//! one the command beside it draws. Drift fails `cargo test`.
//!
//! To see what changed after a deliberate change: `TRYCMD=dump cargo test -p dnsim --test
//! readme` writes the actual outputs to `dump/`; `TRYCMD=overwrite` rewrites the README
//! (then read `git diff`, and put the `[..]` masks of timings back).

use std::path::Path;
use std::process::Command;

#[test]
fn every_command_example_in_the_readme_prints_what_it_says() {
    // The README's commands run from the repository root (trycmd runs them in this test's
    // working directory); the other test here names every path it uses.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::env::set_current_dir(root).unwrap();
    trycmd::TestCases::new()
        .register_bin("dnsim", trycmd::cargo::cargo_bin!("dnsim"))
        .env("NO_COLOR", "1")
        .case("README.md");
}

#[test]
fn the_counterexample_diagram_in_docs_is_the_one_its_command_draws() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let drawn = std::env::temp_dir().join(format!("dnsim-readme-{}.svg", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_dnsim"))
        .args([
            "replay",
            "--file",
            "seeds/original-converges-175-minimal.toml",
            "--diagram",
        ])
        .arg(&drawn)
        .current_dir(root)
        .output()
        .expect("dnsim runs")
        .status;
    assert!(status.success());
    let drawn_svg = std::fs::read_to_string(&drawn).unwrap();
    std::fs::remove_file(&drawn).unwrap();
    let saved = std::fs::read_to_string(root.join("docs/counterexample.svg")).unwrap();
    assert!(
        drawn_svg == saved,
        "docs/counterexample.svg is stale: regenerate it with `cargo run --release -p dnsim -- replay --file seeds/original-converges-175-minimal.toml --diagram docs/counterexample.svg`"
    );
}
