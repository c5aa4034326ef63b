//! # dnsim: a deterministic simulation harness for the October 2025 DynamoDB DNS race
//!
//! The harness drives the model (`dnsim-model`) in a seeded madsim runtime, one runtime per
//! run, and decides the verdict:
//!
//! - [`scenario`]: the knobs of a run, from a TOML file;
//! - [`faults`]: every fault is a named decision drawn from the seed (or replayed from a
//!   recorded schedule);
//! - [`strategy`]: how a seed chooses its faults (`uniform`, `swarm`, `bounded-delay`);
//!   [`compare`]: which strategy finds each violation in the fewest seeds;
//! - [`invariants`]: one file per invariant, checked after every event;
//! - [`schedule`]: a run's injected faults, in order;
//! - [`trace`]: what happened, hashed as it happens ([`hash`]), printed in simulated time;
//!   [`trace_filter`]: which trace lines `RUST_LOG` and `--only` print;
//! - [`run`](mod@run): one seed, one [`run::Outcome`]; [`episodes`]: the episodes of its
//!   trace (stale writes, deleted live trees, empty answers, stuck batches), derived once;
//!   [`diagram`]: its trace as a space-time diagram;
//! - [`shrink`]: a failing run cut down to its essential faults; [`narrative`]: its story;
//! - [`oracle`]: the harness's own copy of every zone, rebuilt from committed batches;
//! - [`coverage`]: whether a run put each invariant to the test (its coverage mark);
//! - [`measures`]: how long a run hurt (empty answers, stale plans, repair time);
//! - [`sweep`]: many seeds on every core; [`hunt`](mod@hunt): one design over a seed range;
//!   [`merge`]: shard reports checked and added up; [`matrix`]: every design against every
//!   invariant; [`seedfile`]: saved failing runs;
//! - [`sensitivity`]: the matrix at each value of one knob; [`chart`]: its curves as SVG;
//! - [`output`]: files written whole or not at all; [`memory`]: peak memory from `/proc`;
//! - [`cli`]: the `dnsim` command; [`registry`]: the designs it knows, yours too
//!   ([`cli::main_with`]); [`check`]: assertions for your own `#[test]`.
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

pub mod chart;
pub mod check;
pub mod cli;
pub mod clock;
pub mod compare;
pub mod coverage;
pub mod diagram;
pub mod episodes;
pub mod exhaust;
pub mod faults;
pub mod hash;
pub mod hunt;
pub mod invariants;
pub mod matrix;
pub mod measures;
pub mod memory;
pub mod merge;
pub mod narrative;
pub mod oracle;
pub mod output;
pub mod registry;
pub mod run;
pub mod scenario;
pub mod schedule;
pub mod seedfile;
pub mod sensitivity;
pub mod shard_env;
pub mod shrink;
pub mod strategy;
pub mod sweep;
pub mod trace;
pub mod trace_filter;
pub mod verdict;
pub mod watched;

pub use faults::{FaultSchedule, FaultSource, ScheduledFault};
pub use hunt::{hunt, HuntReport, SeedRange};
pub use invariants::{InvariantId, Violation};
pub use run::{run, Outcome, RunSpec};
pub use scenario::Scenario;
pub use seedfile::SeedFile;
pub use strategy::{Strategy, StrategyChoices};
pub use trace::TraceMode;
