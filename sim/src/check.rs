//! Assertions for a user's own `#[test]`: run a design over seeds with the CLI's defaults
//! and assert that it holds every invariant, or that it violates one. A failing assertion
//! names the seed, the invariant and the exact command that replays it.
//!
//! ```
//! use dnsim::check::check;
//! use dnsim::InvariantId;
//! use dnsim_model::designs;
//!
//! // The October 2025 design overwrites a newer plan within the default 200 seeds...
//! let seed = check(designs::by_name("original").unwrap())
//!     .assert_violates(InvariantId::NoStaleOverwrite);
//! assert_eq!(seed, 0);
//! // ...and the fenced, protected design holds every invariant on these seeds.
//! check(designs::by_name("fenced-and-protected").unwrap())
//!     .seeds("0..20")
//!     .assert_holds();
//! ```

use std::sync::Arc;

use dnsim_model::Design;

use crate::checking::invariants::InvariantId;
use crate::cli::{replay_command, DEFAULT_SEEDS};
use crate::exploring::hunt::SeedRange;
use crate::exploring::strategy::Strategy;
use crate::exploring::sweep::{default_jobs, run_seeds};
use crate::running::run::{run, Outcome, RunSpec};
use crate::running::scenario::{self, Scenario};

/// A check of one design, built up and then asserted; see [`check`].
#[derive(Clone)]
pub struct Check {
    design: &'static dyn Design,
    scenario: String,
    seeds: String,
    strategy: Strategy,
    program: String,
    invariants: Vec<InvariantId>,
}

/// A check of `design` with the CLI's defaults: the `incident` scenario, seeds `0..200`,
/// the `swarm` strategy (as `dnsim hunt` runs).
pub fn check(design: &'static dyn Design) -> Check {
    Check {
        design,
        scenario: scenario::DEFAULT.to_string(),
        seeds: DEFAULT_SEEDS.to_string(),
        strategy: Strategy::default(),
        program: "dnsim".to_string(),
        invariants: InvariantId::ALL.to_vec(),
    }
}

impl Check {
    /// A built-in scenario name or a scenario `.toml` file (default `incident`).
    pub fn scenario(mut self, name_or_path: &str) -> Check {
        self.scenario = name_or_path.to_string();
        self
    }

    /// The seeds, `A..B` (B excluded) or `N` (default `0..200`).
    pub fn seeds(mut self, seeds: &str) -> Check {
        self.seeds = seeds.to_string();
        self
    }

    /// How each seed chooses its faults (default `swarm`).
    pub fn strategy(mut self, strategy: Strategy) -> Check {
        self.strategy = strategy;
        self
    }

    /// The invariants [`Check::assert_holds`] asserts (default: every one).
    pub fn invariants(mut self, invariants: &[InvariantId]) -> Check {
        self.invariants = invariants.to_vec();
        self
    }

    /// The program named in replay commands (default `dnsim`): the user's own binary that
    /// calls [`crate::cli::main_with`], such as `cargo run -p my-design --`.
    pub fn program(mut self, program: &str) -> Check {
        self.program = program.to_string();
        self
    }

    /// Runs every seed; panics, naming the seed and its replay command, at the first seed
    /// that violates one of the invariants asserted (see [`Check::invariants`]).
    pub fn assert_holds(self) {
        let outcomes = self.run_all();
        let broken = outcomes.iter().find_map(|outcome| {
            let violation = outcome
                .violations
                .iter()
                .find(|v| self.invariants.contains(&v.invariant))?;
            Some((outcome, violation))
        });
        if let Some((outcome, violation)) = broken {
            panic!(
                "design {} violates {} at seed {} ({:.3}s): {}\n  replay: {}",
                outcome.variant,
                violation.invariant,
                outcome.seed,
                violation.sim_time_ms as f64 / 1e3,
                violation.message,
                self.replay(outcome.seed)
            );
        }
    }

    /// Runs every seed; returns the first seed that violates `invariant`, and panics if none
    /// does.
    pub fn assert_violates(self, invariant: InvariantId) -> u64 {
        let outcomes = self.run_all();
        match outcomes.iter().find(|o| o.violated(invariant)) {
            Some(outcome) => outcome.seed,
            None => panic!(
                "design {} never violates {invariant} in seeds {} of scenario {} (strategy {})",
                dnsim_model::designs::label(self.design),
                self.seeds,
                self.scenario,
                self.strategy
            ),
        }
    }

    /// The command that replays `seed` of this check.
    pub fn replay(&self, seed: u64) -> String {
        let command = replay_command(
            &self.scenario,
            &dnsim_model::designs::label(self.design),
            self.strategy,
            seed,
        );
        command.replacen("dnsim", &self.program, 1)
    }

    fn run_all(&self) -> Vec<Outcome> {
        let scenario = Arc::new(
            Scenario::load(&self.scenario)
                .unwrap_or_else(|e| panic!("scenario {}: {e}", self.scenario)),
        );
        let seeds: SeedRange = self
            .seeds
            .parse()
            .unwrap_or_else(|e| panic!("seeds {}: {e}", self.seeds));
        let (design, strategy) = (self.design, self.strategy);
        run_seeds(seeds, default_jobs(), move |seed| {
            run(&RunSpec::seeded(&scenario, design, seed).with_strategy(strategy))
        })
    }
}
