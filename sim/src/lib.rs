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
//! - [`trace`]: what happened, hashed as it happens, printed in simulated time;
//! - [`run`]: one seed, one [`run::Outcome`]; [`diagram`]: its trace as a space-time diagram;
//! - [`shrink`]: a failing run cut down to its essential faults; [`narrative`]: its story;
//! - [`oracle`]: the harness's own copy of every zone, rebuilt from committed batches;
//! - [`coverage`]: whether a run put each invariant to the test (its coverage mark);
//! - [`measures`]: how long a run hurt (empty answers, stale plans, repair time);
//! - [`sweep`]: many seeds on every core; [`hunt`]: one design over a seed range;
//!   [`merge`]: shard reports checked and added up; [`matrix`]: every design against every
//!   invariant; [`seedfile`]: saved failing runs;
//! - [`sensitivity`]: the matrix at each value of one knob; [`chart`]: its curves as SVG;
//! - [`output`]: files written whole or not at all;
//! - [`cli`]: the `dnsim` command.

pub mod chart;
pub mod cli;
pub mod clock;
pub mod compare;
pub mod coverage;
pub mod diagram;
pub mod exhaust;
pub mod faults;
pub mod hunt;
pub mod invariants;
pub mod matrix;
pub mod measures;
pub mod merge;
pub mod narrative;
pub mod oracle;
pub mod output;
pub mod run;
pub mod scenario;
pub mod seedfile;
pub mod sensitivity;
pub mod shard_env;
pub mod shrink;
pub mod strategy;
pub mod sweep;
pub mod trace;
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
