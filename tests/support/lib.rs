//! Helpers shared by the end-to-end tests in `tests/`.

use std::path::PathBuf;

use dnsim::{InvariantId, Outcome, RunSpec, Scenario, Strategy};
use dnsim_model::{designs, Design};

/// The repository root (where `seeds/` and `scenarios/` are).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The default scenario.
pub fn incident() -> Scenario {
    Scenario::load(dnsim::scenario::DEFAULT).expect("the default scenario loads")
}

/// The scenario with realistic (rare) faults, on which the fault strategies are measured.
pub fn realistic() -> Scenario {
    Scenario::load("realistic").expect("the realistic scenario loads")
}

pub fn design(name: &str) -> &'static dyn Design {
    designs::by_name(name).unwrap_or_else(|| panic!("no design {name:?}"))
}

/// One seeded run that keeps its trace.
pub fn run_kept(scenario: &Scenario, design: &'static dyn Design, seed: u64) -> Outcome {
    let mut spec = RunSpec::seeded(scenario, design, seed).with_strategy(Strategy::Uniform);
    spec.trace.keep = true;
    dnsim::run(&spec)
}

/// The invariants an outcome violated, in the canonical order.
pub fn violated(outcome: &Outcome) -> Vec<InvariantId> {
    InvariantId::ALL
        .into_iter()
        .filter(|id| outcome.violated(*id))
        .collect()
}
