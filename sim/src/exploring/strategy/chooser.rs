//! What every strategy shares: the small [`Chooser`] trait a strategy implements for one
//! seeded run, and what a strategy chose ([`StrategyChoices`]), with the pieces of it that
//! the swarm and bounded-delay strategies record.

use std::fmt;

use dnsim_model::{EndpointId, Fault, FaultKind, Site};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::draw::kind_name;

/// A strategy at work in one seeded run: its choices, drawn at the start, and every
/// decision after that. All randomness comes from the run's fault RNG.
pub(crate) trait Chooser {
    /// One decision: what fault of `kind`, if any, strikes at `site`.
    fn decide(&mut self, rng: &mut ChaCha8Rng, site: &Site, kind: FaultKind) -> Option<Fault>;

    /// What the strategy chose, so far (stall points record where they struck).
    fn choices(&self) -> StrategyChoices;

    /// What the strategy chose, as the first line of a traced replay (before any stall
    /// point can have been reached).
    fn announce(&self) -> String {
        self.choices().to_string()
    }
}

/// What a strategy chose for one run, recorded in its [`Outcome`](crate::running::run::Outcome).
///
/// For display, and to tell a scripted run from a seeded one (`Scripted`:
/// `SeedFile::from_outcome` saves such a run as its schedule): the faults themselves are in
/// the run's fault schedule, which is all a scripted replay needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "kebab-case")]
pub enum StrategyChoices {
    /// Nothing to choose: the scenario's rates.
    Uniform,
    /// The fault mix of this seed, one entry per fault kind.
    Swarm {
        /// One entry per fault kind.
        mix: Vec<SwarmKind>,
    },
    /// The stall points of this seed (at most `depth`).
    BoundedDelay {
        /// The most stall points a seed could pick.
        depth: u32,
        /// The points this seed picked.
        points: Vec<DelayPoint>,
    },
    /// A scripted replay: the faults came from a schedule; no strategy chose anything.
    Scripted,
}

impl fmt::Display for StrategyChoices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrategyChoices::Uniform => f.write_str("uniform: the scenario's fault rates"),
            StrategyChoices::Scripted => f.write_str("scripted: the faults of a recorded schedule"),
            StrategyChoices::Swarm { mix } => {
                f.write_str("swarm mix:")?;
                for (i, entry) in mix.iter().enumerate() {
                    let separator = if i == 0 { " " } else { ", " };
                    match entry.factor {
                        Some(factor) => write!(
                            f,
                            "{separator}{} x{factor:.2} (p={:.5})",
                            kind_name(entry.kind),
                            entry.probability
                        )?,
                        None => write!(f, "{separator}{} off", kind_name(entry.kind))?,
                    }
                }
                Ok(())
            }
            StrategyChoices::BoundedDelay { depth, points } => {
                write!(f, "bounded-delay, depth {depth}:")?;
                for (i, point) in points.iter().enumerate() {
                    let separator = if i == 0 { " " } else { "; " };
                    write!(f, "{separator}{point}")?;
                    match &point.struck_at {
                        Some(site) => write!(f, " (struck at {site})")?,
                        None => f.write_str(" (not reached)")?,
                    }
                }
                Ok(())
            }
        }
    }
}

/// One fault kind in a swarm mix.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SwarmKind {
    /// The fault kind.
    pub kind: FaultKind,
    /// The factor on the scenario's probability; `None` when the kind is off.
    pub factor: Option<f64>,
    /// The probability the run draws this kind at (0 when off, at most 1).
    pub probability: f64,
}

/// Where in an enactor's plan a bounded-delay stall strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "before", rename_all = "kebab-case")]
pub enum DelayAt {
    /// Before the first attempt at this endpoint (by index: 0 is `regional`), after the
    /// one-time check and after the writes to the endpoints before it.
    Write {
        /// The endpoint's index.
        endpoint: u16,
    },
    /// Before the plan's clean-up, after it has been applied everywhere.
    Cleanup,
}

/// One bounded-delay stall point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayPoint {
    /// The enactor's number (from 1).
    pub enactor: u8,
    /// 1-based: the enactor's n-th plan (a pick-up whose one-time check passed).
    pub plan: u32,
    /// Where in that plan.
    pub at: DelayAt,
    /// How long the stall lasts (cut short, as every stall is, when the fault phase ends).
    pub ms: u64,
    /// The site where it struck, if the run reached the point while faults were on.
    #[serde(default, with = "crate::running::site_name::option")]
    pub struck_at: Option<Site>,
}

impl fmt::Display for DelayPoint {
    /// Where and how long; not whether it struck (see [`StrategyChoices`]'s display).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stall enactor-{} {}ms at its plan #{} ",
            self.enactor, self.ms, self.plan
        )?;
        match self.at {
            DelayAt::Write { endpoint } => {
                write!(f, "before its first write to {}", EndpointId(endpoint))
            }
            DelayAt::Cleanup => f.write_str("before its clean-up"),
        }
    }
}
