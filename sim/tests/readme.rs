//! The README's examples are tests: every `console` block in README.md is run by `trycmd`
//! and its output compared (timings masked with `[..]`), and the picture in the README is the
//! one the command beside it draws. A command too slow for the suite is an `sh` block, checked
//! to be one dnsim accepts; only the "Benchmark" section quotes commands it does not run.
//! Drift fails `cargo test`.
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

/// The fenced blocks of README.md: (the heading above, the info string, the lines inside).
fn readme_blocks() -> Vec<(String, String, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut heading = String::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in readme.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => open = Some((info.to_string(), Vec::new())),
            (Some(_), Some("")) => {
                let (info, lines) = open.take().unwrap();
                blocks.push((heading.clone(), info, lines));
            }
            (Some((_, lines)), _) => lines.push(line.to_string()),
            (None, None) if line.starts_with('#') => heading = line.to_string(),
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "README.md ends inside a fenced block");
    blocks
}

/// Only the "Benchmark" section quotes commands it does not run (`console,ignore`: their
/// timings are the machine's); every other command block is a trycmd case (above) or, for a
/// command too slow for the suite (`sh`), is checked here to be a command dnsim accepts.
#[test]
fn every_command_block_in_the_readme_is_run_or_checked() {
    let blocks = readme_blocks();
    let mut checked = 0;
    for (heading, info, lines) in &blocks {
        match info.as_str() {
            "console" | "text" | "rust" | "toml" => {}
            "console,ignore" => assert_eq!(
                heading, "### Benchmark",
                "an unchecked command block outside the Benchmark section: make it a trycmd case, or quote its output as `text`"
            ),
            "sh" => {
                for line in lines {
                    let command = line.split('#').next().unwrap().trim();
                    let args: Vec<&str> = if let Some(rest) = command.strip_prefix("dnsim ") {
                        rest.split_whitespace().collect()
                    } else if let Some(rest) = command.strip_prefix("cargo run --release -p dnsim -- ") {
                        rest.split_whitespace().collect()
                    } else {
                        assert_eq!(command, "cargo test", "{heading}: a command not checked: {line}");
                        continue;
                    };
                    let parsed = dnsim::cli::accepts(std::iter::once("dnsim").chain(args));
                    assert!(parsed.is_ok(), "{heading}: {line}: {}", parsed.unwrap_err());
                    checked += 1;
                }
            }
            other => panic!("{heading}: a block of kind {other:?}: is it a command?"),
        }
    }
    assert!(
        checked >= 5,
        "only {checked} sh commands found: has the README moved?"
    );
}
