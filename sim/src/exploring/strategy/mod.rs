//! Fault strategies: how a seeded run chooses its faults.
//!
//! A race like this one hides in a thin slice of the space of runs: one enactor must be
//! held between its one-time check and its writes for long enough that the planner moves
//! more than `cleanup_age_generations` ahead, and another enactor's clean-up must come
//! after the stale write. A seed that injects faults at the scenario's rates, the same
//! everywhere, spends almost all its effort on faults that do not matter (a slow call here,
//! a throttled read there) and reaches the race only when, by luck, a rare long stall or a
//! run of back-offs lands in the right place. The strategies below spend the same seeds differently. Whatever a
//! strategy chooses, it chooses from the run's own fault RNG (a `ChaCha8Rng` seeded from
//! madsim's), and every fault it injects is a named decision recorded in the run's
//! [`FaultSchedule`](crate::running::faults::FaultSchedule): a run found by any strategy replays
//! exactly from its seed and strategy, and exactly from its schedule alone
//! ([`FaultSource::Scripted`](crate::running::faults::FaultSource::Scripted)), so it can be shrunk
//! later like any other.
//!
//! Each strategy is one file behind the small `Chooser` trait (the shape of shuttle's
//! schedulers): `uniform`, `swarm` and `bounded_delay`, each opening with why it
//! exists. This file holds the [`Strategy`] names the CLI and seed files use, and picks a
//! strategy's chooser; `chooser.rs` holds what they share: the trait and what a strategy
//! chose ([`StrategyChoices`]).
//!
//! ## Which is best
//!
//! Measured by [`compare_strategies`](crate::exploring::compare::compare_strategies) (see
//! [`Strategy::default`] for the numbers): on the `realistic` scenario both `swarm` and
//! `bounded-delay` meet `active_plan_exists` 18 to 30 times sooner than `uniform`;
//! `bounded-delay` is a little quicker there, but `swarm` deletes a live tree
//! (`endpoint_resolves`, `converges`) six times sooner than `bounded-delay`, whose light
//! faults give up the back-offs that swarm's API errors and lock contention bring. So a
//! hunt uses `swarm`; `bounded-delay` earns its place where stalls themselves are the rare
//! ingredient: its rate does not depend on how rare the scenario's stalls are at all.

mod bounded_delay;
mod chooser;
mod draw;
mod swarm;
mod uniform;

use std::fmt;
use std::str::FromStr;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use bounded_delay::{DEFAULT_DEPTH, LIGHT_FACTOR};
pub(crate) use chooser::Chooser;
pub use chooser::{DelayAt, DelayPoint, StrategyChoices, SwarmKind};
pub use swarm::SWARM_FACTOR;

use crate::running::scenario::Scenario;

/// How a seeded run chooses its faults. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// The scenario's rates, the same for every seed.
    Uniform,
    /// A fault mix drawn per seed.
    Swarm,
    /// At most `depth` long stalls at chosen points, light faults elsewhere.
    BoundedDelay {
        /// The most stall points a seed picks.
        depth: u32,
    },
}

impl Strategy {
    /// Every strategy, with `bounded-delay` at its default depth: what
    /// [`compare_strategies`](crate::exploring::compare::compare_strategies) measures.
    pub const ALL: [Strategy; 3] = [
        Strategy::Uniform,
        Strategy::Swarm,
        Strategy::BoundedDelay {
            depth: DEFAULT_DEPTH,
        },
    ];
}

/// The strategy a hunt should use: `swarm`, because it measured best.
///
/// Measured with `compare_strategies(realistic, original, 30 trials, at most 500 seeds
/// each, 1 job)`, on this 2-core machine shared with other work:
///
/// | strategy | invariant | median seeds to first | p90 | violating seeds |
/// |---|---|---|---|---|
/// | uniform | `active_plan_exists` | 90 | 231 | 0.6% |
/// | uniform | `endpoint_resolves`, `converges` | > 500 | > 500 | 1 of 14,587 |
/// | swarm | `active_plan_exists` | 5 | 15 | 14.1% |
/// | swarm | `endpoint_resolves`, `converges` | 26 | 112 | 2.6% |
/// | bounded-delay | `active_plan_exists` | 3 | 9 | 19.9% |
/// | bounded-delay | `endpoint_resolves`, `converges` | 162 | 377 | 0.6% |
///
/// `swarm` finds every invariant of the original design (the median trial has all four
/// within 26 seeds, about 30 ms on one core at about 1.1 ms per seed); `bounded-delay`
/// is quicker to `active_plan_exists` by two seeds but six times slower to the deleted
/// live tree. On the generous `incident` scenario (20 trials of up to 300 seeds) the
/// medians to `endpoint_resolves` were 8 (swarm), 10 (uniform) and 73 (bounded-delay).
///
/// [`RunSpec::seeded`](crate::running::run::RunSpec::seeded) uses this default too, as the CLI
/// does; ask for another strategy with
/// [`RunSpec::with_strategy`](crate::running::run::RunSpec::with_strategy).
impl Default for Strategy {
    fn default() -> Strategy {
        Strategy::Swarm
    }
}

impl fmt::Display for Strategy {
    /// The kebab-case name (`bounded-delay:D` for a depth other than the default); honours
    /// width and alignment, so that it lines up in tables.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Uniform => f.pad("uniform"),
            Strategy::Swarm => f.pad("swarm"),
            Strategy::BoundedDelay {
                depth: DEFAULT_DEPTH,
            } => f.pad("bounded-delay"),
            Strategy::BoundedDelay { depth } => f.pad(&format!("bounded-delay:{depth}")),
        }
    }
}

impl FromStr for Strategy {
    type Err = String;

    fn from_str(name: &str) -> Result<Strategy, String> {
        let bad = || {
            format!("unknown strategy {name:?}: strategies are uniform, swarm, bounded-delay (or bounded-delay:D for depth D, 1 to 16)")
        };
        match name {
            "uniform" => Ok(Strategy::Uniform),
            "swarm" => Ok(Strategy::Swarm),
            "bounded-delay" => Ok(Strategy::BoundedDelay {
                depth: DEFAULT_DEPTH,
            }),
            _ => {
                let depth = name.strip_prefix("bounded-delay:").ok_or_else(bad)?;
                match depth.parse::<u32>() {
                    Ok(depth) if (1..=16).contains(&depth) => Ok(Strategy::BoundedDelay { depth }),
                    _ => Err(format!(
                        "strategy {name:?}: bounded-delay's depth must be a whole number from 1 to 16, got {depth:?}"
                    )),
                }
            }
        }
    }
}

impl Serialize for Strategy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Strategy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Strategy, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Strategy {
    /// Draws this strategy's choices for one run, before any decision, from the run's
    /// fault RNG. `uniform` draws nothing, so its decision stream is exactly the one the
    /// harness always had.
    pub(crate) fn chooser(self, scenario: &Scenario, rng: &mut ChaCha8Rng) -> Box<dyn Chooser> {
        match self {
            Strategy::Uniform => Box::new(uniform::Uniform::new(scenario)),
            Strategy::Swarm => Box::new(swarm::Swarm::draw(scenario, rng)),
            Strategy::BoundedDelay { depth } => {
                Box::new(bounded_delay::BoundedDelay::draw(depth, scenario, rng))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_serialize_by_name() {
        for strategy in [Strategy::Swarm, Strategy::BoundedDelay { depth: 2 }] {
            let json = serde_json::to_string(&strategy).unwrap();
            assert_eq!(json, format!("\"{strategy}\""));
            assert_eq!(serde_json::from_str::<Strategy>(&json).unwrap(), strategy);
        }
        assert!(serde_json::from_str::<Strategy>("\"pct\"").is_err());
    }
}
