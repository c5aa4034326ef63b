//! The readable trace of every saved minimal counterexample, as an insta snapshot.
//!
//! Any change in the model's behaviour shows up here as a snapshot diff to review (and the
//! seed-file tests fail on the trace hash). Review with `cargo insta review` (install with
//! `cargo install cargo-insta`), or re-run with `INSTA_UPDATE=always` and read `git diff`.

use dnsim::seedfile::FaultsSource;
use dnsim::{Scenario, SeedFile};
use dnsim_tests::repo_root;

fn readable_trace(file: &SeedFile) -> String {
    let scenario = Scenario::load(&file.scenario).unwrap();
    let mut spec = file.spec(&scenario).unwrap();
    spec.trace.keep = true;
    let outcome = dnsim::run(&spec);
    let path = std::path::Path::new("seeds").join(file.file_name());
    let mut text = format!("# {}\n# {}\n", file.replay_command(&path), file.postmortem);
    for (at, entry) in &outcome.trace {
        text.push_str(&format!("{}  {entry}\n", dnsim::trace::format_time(*at)));
    }
    text
}

#[test]
fn every_minimal_counterexample_trace_matches_its_snapshot() {
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join("seeds"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut checked = 0;
    for path in files {
        let file = SeedFile::load(&path).unwrap();
        if file.faults_source != FaultsSource::Schedule {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let snapshot = repo_root()
            .join("tests/snapshots")
            .join(format!("snapshots__{name}.snap"));
        // A new minimal seed file needs its snapshot: say so, and how, unless insta was asked
        // to write it.
        assert!(
            snapshot.exists() || std::env::var_os("INSTA_UPDATE").is_some(),
            "{} is a minimal run (faults_source = \"schedule\") with no trace snapshot {}: \
             every minimal seed file's readable trace is snapshotted. Create it with \
             `INSTA_UPDATE=always cargo test --test snapshots`, read it, and commit it \
             with the seed file",
            path.display(),
            snapshot.display()
        );
        insta::assert_snapshot!(name, readable_trace(&file));
        checked += 1;
    }
    assert!(checked >= 1, "no minimal counterexample in seeds/");
}
