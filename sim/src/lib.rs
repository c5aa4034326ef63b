//! # dnsim: a deterministic simulation harness for the October 2025 DynamoDB DNS race
//!
//! The harness drives the model (`dnsim-model`) in a seeded madsim runtime, one runtime per
//! run, and decides the verdict:
//!
//! The source is laid out by role, one folder each:
//!
//! - [`running`]: one seed. [`scenario`]: the knobs of a run, from a TOML file;
//!   [`faults`]: every fault is a named decision drawn from the seed (or replayed from a
//!   recorded [`schedule`]); [`run`](mod@run): one seed, one [`run::Outcome`]; [`trace`]: what
//!   happened ([`entry`]: one line of it), hashed as it happens ([`hash`]), printed in simulated time, filtered by
//!   [`trace_filter`]; [`seedfile`]: saved failing runs; [`watched`]: one run under the
//!   wall-clock watchdog.
//! - [`checking`]: the verdict of a run. [`invariants`]: one file per invariant, checked
//!   after every event by their checker; [`oracle`]: the harness's own copy of every zone, rebuilt from
//!   committed batches; [`coverage`]: whether a run put each invariant to the test;
//!   [`measures`]: how long a run hurt; [`verdict`]: violated, holds or vacuous.
//! - [`exploring`]: many seeds. [`sweep`]: every core, with a watchdog and a [`clock`] tests
//!   control; [`hunt`](mod@hunt): one design over a seed range; [`merge`] and [`shard_env`]:
//!   shards; [`strategy`]: how a seed chooses its faults (a file per strategy), [`compare`]d;
//!   [`shrink`]: a failing run cut to its essential faults; [`exhaust`]: every schedule of at
//!   most K faults; [`matrix`]: every design against every invariant; [`sensitivity`]: the
//!   matrix at each value of one knob; [`memory`]: peak memory from `/proc`.
//! - [`reporting`]: telling a run. [`episodes`]: the episodes of its trace, derived once;
//!   [`narrative`]: its story; [`diagram`]: its space-time diagram; [`chart`]: sensitivity
//!   curves as SVG.
//!
//! Beside them: [`cli`], the `dnsim` command; [`registry`], the designs it knows, yours too
//! ([`cli::main_with`]); [`check`], assertions for your own `#[test]`; [`output`], files
//! written whole or not at all. The modules are re-exported at the crate root, so
//! `dnsim::sweep` is `dnsim::exploring::sweep`.
//!
//! # Using dnsim from your own crate
//!
//! Your crate needs `--cfg madsim`, as this one does: put `[build] rustflags = ["--cfg",
//! "madsim"]` and `rustdocflags = ["--cfg", "madsim"]` in the `.cargo/config.toml` at the
//! root of your workspace. Then one run is a [`RunSpec`] and an [`Outcome`]:
//!
//! ```
//! use dnsim::{run, InvariantId, RunSpec, Scenario};
//! use dnsim_model::designs;
//!
//! let scenario = Scenario::load("incident").unwrap();
//! let original = designs::by_name("original").unwrap();
//! // Seed 47 with the CLI's default strategy (swarm), as `dnsim replay --seed 47` runs it.
//! let outcome = run(&RunSpec::seeded(&scenario, original, 47));
//! assert!(outcome.violated(InvariantId::EndpointResolves));
//! ```
//!
//! and [`check::check`] asserts a verdict over many seeds. `examples/my-design/` in the
//! repository is a crate with a design of its own, a one-line `main` that runs every
//! `dnsim` command on it, and tests.

#![warn(missing_docs)]

pub mod check;
pub mod checking;
pub mod cli;
pub mod exploring;
pub mod output;
pub mod registry;
pub mod reporting;
pub mod running;

// The public API keeps flat paths (`dnsim::sweep`, `dnsim::scenario`, ...): one `use` per role.
pub use checking::{coverage, invariants, measures, oracle, verdict};
pub use exploring::{
    clock, compare, exhaust, hunt, matrix, memory, merge, sensitivity, shard_env, shrink, strategy,
    sweep,
};
pub use reporting::{chart, diagram, episodes, narrative};
pub use running::{
    entry, faults, hash, run, scenario, schedule, seedfile, trace, trace_filter, watched,
};

pub use faults::{FaultSchedule, FaultSource, ScheduledFault};
pub use hunt::{hunt, HuntReport, SeedRange};
pub use invariants::{InvariantId, Violation};
pub use run::{run, Outcome, RunSpec};
pub use scenario::Scenario;
pub use seedfile::SeedFile;
pub use strategy::{Strategy, StrategyChoices};
pub use trace::TraceMode;
