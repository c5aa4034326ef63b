//! Every saved failing run in `seeds/` still fails the same way, and seed files round-trip.
//!
//! Any file in `seeds/` that replays as recorded (its invariant violated, its trace hash and
//! its fault schedule the same, from its seed and from its schedule alone) is accepted.
//! When a deliberate model change alters traces, these tests name each stale file; re-save
//! it with `dnsim replay --scenario S --variant V --seed N --save seeds/FILE --invariant I`
//! (after deleting the old file) and review the new postmortem.

use std::path::{Path, PathBuf};

use dnsim::seedfile::FaultsSource;
use dnsim::strategy::Strategy;
use dnsim::{FaultSource, RunSpec, Scenario, SeedFile};
use dnsim_tests::{design, incident, repo_root};

fn saved_seed_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("seeds"))
        .expect("seeds/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_invariant_has_a_saved_failing_run_of_the_original_design() {
    let files: Vec<SeedFile> = saved_seed_files()
        .iter()
        .map(|path| SeedFile::load(path).unwrap())
        .collect();
    for invariant in dnsim::InvariantId::ALL {
        assert!(
            files
                .iter()
                .any(|f| f.variant == "original" && f.invariant == invariant),
            "no saved run of the original design violates {invariant}"
        );
    }
}

/// Why the seed file at `path` does not replay as recorded (empty when it does): its
/// invariant must still fail, with the same trace hash and fault schedule, from its own
/// fault source and from its schedule alone. This is the whole rule for `seeds/`.
fn replay_problems(path: &Path) -> Vec<String> {
    let saved = SeedFile::load(path).unwrap();
    let scenario = Scenario::load(&saved.scenario).unwrap();
    let name = path.display();
    let mut spec = saved.spec(&scenario).unwrap();
    let replayed = dnsim::run(&spec);
    let mut problems = Vec::new();
    if !replayed.violated(saved.invariant) {
        problems.push(format!("{name}: no longer violates {}", saved.invariant));
    }
    if format!("{:016x}", replayed.trace_hash) != saved.trace_hash {
        problems.push(format!("{name}: trace hash changed"));
    }
    if replayed.faults != saved.faults {
        problems.push(format!("{name}: fault schedule changed"));
    }
    // The saved schedule alone (no seeded faults) replays the identical run.
    spec.faults = FaultSource::Scripted(saved.faults.clone());
    let scripted = dnsim::run(&spec);
    if format!("{:016x}", scripted.trace_hash) != saved.trace_hash {
        problems.push(format!("{name}: scripted replay differs"));
    }
    problems
}

#[test]
fn every_saved_seed_replays_with_the_same_violation_and_trace_hash() {
    let files = saved_seed_files();
    assert!(!files.is_empty(), "seeds/ holds no seed files");
    let problems: Vec<String> = files.iter().flat_map(|p| replay_problems(p)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A run replayed from its schedule is accepted whatever its size (the corpus once refused
/// minimal runs of more than 8 faults, and a legitimately shrunk 36-fault run failed).
#[test]
fn a_long_scheduled_run_that_replays_as_recorded_is_accepted() {
    let scenario = incident();
    let spec = RunSpec::seeded(&scenario, design("original"), 49).with_strategy(Strategy::Uniform);
    let outcome = dnsim::run(&spec);
    let mut file = SeedFile::from_outcome(&outcome, "incident", dnsim::InvariantId::Converges);
    file.faults_source = FaultsSource::Schedule;
    assert!(file.faults.len() > 8, "{} faults", file.faults.len());
    let dir = std::env::temp_dir().join(format!("dnsim-long-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = file.save_new(&dir.join(file.file_name())).unwrap();
    assert_eq!(replay_problems(&path), Vec::<String>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A minimal run is whatever `shrink` left: its size is not a rule (a narrow window can
/// need dozens of faults), only that it replays from its schedule, which the test above
/// checks like any other file.
#[test]
fn a_shrunk_run_of_the_whole_incident_is_saved() {
    let minimal: Vec<SeedFile> = saved_seed_files()
        .iter()
        .map(|path| SeedFile::load(path).unwrap())
        .filter(|file| file.faults_source == FaultsSource::Schedule)
        .collect();
    assert!(
        minimal
            .iter()
            .any(|f| f.invariant == dnsim::InvariantId::Converges),
        "a shrunk run of the whole incident (converges) is saved"
    );
}

#[test]
fn a_seed_file_round_trips_through_save_load_and_replay() {
    let scenario = incident();
    // A swarm run: replaying it needs the strategy the file records, not the default.
    let spec = RunSpec::seeded(&scenario, design("original"), 1).with_strategy(Strategy::Swarm);
    let outcome = dnsim::run(&spec);
    let invariant = outcome.violations[0].invariant;
    let file = SeedFile::from_outcome(&outcome, "incident", invariant);
    let dir = std::env::temp_dir().join(format!("dnsim-round-trip-{}", std::process::id()));
    let path = dir.join(file.file_name());
    let _ = std::fs::remove_dir_all(&dir);
    file.save_new(&path).unwrap();
    assert!(
        file.save_new(&path).is_err(),
        "saving over an existing seed file must fail"
    );
    let loaded = SeedFile::load(&path).unwrap();
    assert_eq!(loaded, file);
    assert_eq!(loaded.strategy, Strategy::Swarm);
    let replayed = dnsim::run(&loaded.spec(&scenario).unwrap());
    assert_eq!(format!("{:016x}", replayed.trace_hash), loaded.trace_hash);
    assert_eq!(replayed.violations, outcome.violations);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A run whose faults were scripted is saved as its schedule, whoever saves it: its seed
/// alone would draw other faults. (`SeedFile::from_outcome` once always wrote "seed", and
/// each caller had to correct it; `replay --save` after a scripted replay forgot, and saved
/// a file that did not replay.) A seeded run is saved as its seed.
#[test]
fn a_scripted_runs_seed_file_carries_its_schedule() {
    let scenario = incident();
    let seeded =
        || RunSpec::seeded(&scenario, design("original"), 49).with_strategy(Strategy::Uniform);
    let outcome = dnsim::run(&seeded());
    let invariant = outcome.violations[0].invariant;
    let file = SeedFile::from_outcome(&outcome, "incident", invariant);
    assert_eq!(file.faults_source, FaultsSource::Seed);

    // The same faults but the last, scripted: another run, which the seed does not draw.
    let mut fewer = outcome.faults.clone();
    fewer.0.pop();
    let mut scripted = seeded();
    scripted.faults = FaultSource::Scripted(fewer);
    let outcome = dnsim::run(&scripted);
    let invariant = outcome.violations[0].invariant;
    let file = SeedFile::from_outcome(&outcome, "incident", invariant);
    assert_eq!(file.faults_source, FaultsSource::Schedule);
    let dir = std::env::temp_dir().join(format!("dnsim-scripted-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = file.save_new(&dir.join(file.file_name())).unwrap();
    assert_eq!(replay_problems(&path), Vec::<String>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}
