//! The fault seam: named points where the world can misbehave, and what may happen there.
//!
//! The model asks [`Chaos::decide`] at every [`Site`] where the real system could be hurt:
//! before and inside every DNS API call, when an enactor picks up a plan, before each
//! attempt at an endpoint, and at each planner tick. A site's name says exactly where it is,
//! for example `enactor-2/round-4/apply/regional/attempt-3/change`, so a decision recorded
//! in one run can be replayed, dropped or weakened in another (even on another design).
//!
//! Benign randomness (jitter in latencies and back-offs) is not a fault: the model draws it
//! from madsim's seeded RNG directly.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::dns::EndpointId;

/// Who acts: the planner, an enactor (numbered from 1), or a writer outside the automation
/// that holds an endpoint's lock (injected lock contention).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Actor {
    Planner,
    Enactor(u8),
    OtherWriter,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Planner => f.write_str("planner"),
            Actor::Enactor(n) => write!(f, "enactor-{n}"),
            Actor::OtherWriter => f.write_str("other-writer"),
        }
    }
}

/// What the actor is doing at a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The planner's `round`-th tick.
    Tick,
    /// An enactor picking up a plan and making its one-time staleness check.
    Pickup,
    /// An enactor applying its plan to one endpoint.
    Apply(EndpointId),
    /// An enactor's clean-up of one endpoint, after applying a plan everywhere.
    Cleanup(EndpointId),
}

/// Which DNS API call, if the site is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Call {
    /// Not an API call: a point in the actor's own code.
    None,
    /// Reading which generation every endpoint serves (the one-time check at pickup).
    LiveCheck,
    /// Re-reading one endpoint's generation just before writing (some designs only).
    Recheck,
    /// Reading one zone: the lock record, root, rollback and plan trees.
    Read,
    /// Submitting a change batch.
    Change,
}

/// A named point in a run. Unique within a run: the round counts an actor's plans (or the
/// planner's ticks) and the attempt counts retries at one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Site {
    pub actor: Actor,
    pub round: u32,
    pub step: Step,
    /// 1-based for `Apply` and `Cleanup`; 0 otherwise.
    pub attempt: u32,
    pub call: Call,
}

impl Site {
    pub fn with_call(self, call: Call) -> Site {
        Site { call, ..self }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Step::Tick => write!(f, "{}/tick-{}", self.actor, self.round)?,
            Step::Pickup => write!(f, "{}/round-{}/pickup", self.actor, self.round)?,
            Step::Apply(endpoint) => write!(
                f,
                "{}/round-{}/apply/{endpoint}/attempt-{}",
                self.actor, self.round, self.attempt
            )?,
            Step::Cleanup(endpoint) => write!(
                f,
                "{}/round-{}/clean-up/{endpoint}/attempt-{}",
                self.actor, self.round, self.attempt
            )?,
        }
        match self.call {
            Call::None => Ok(()),
            Call::LiveCheck => f.write_str("/live-check"),
            Call::Recheck => f.write_str("/recheck"),
            Call::Read => f.write_str("/read"),
            Call::Change => f.write_str("/change"),
        }
    }
}

impl FromStr for Site {
    type Err = String;

    fn from_str(text: &str) -> Result<Site, String> {
        let bad = || {
            format!("not a site name: {text:?} (expected e.g. enactor-2/round-4/apply/regional/attempt-3/change)")
        };
        let number = |part: &str, prefix: &str| -> Result<u32, String> {
            part.strip_prefix(prefix)
                .and_then(|n| n.parse().ok())
                .ok_or_else(bad)
        };
        let mut parts: Vec<&str> = text.split('/').collect();
        let call = match parts.last().copied() {
            Some("live-check") => Call::LiveCheck,
            Some("recheck") => Call::Recheck,
            Some("read") => Call::Read,
            Some("change") => Call::Change,
            _ => Call::None,
        };
        if call != Call::None {
            parts.pop();
        }
        let actor = match parts.first().copied() {
            Some("planner") => Actor::Planner,
            Some("other-writer") => Actor::OtherWriter,
            Some(name) => Actor::Enactor(
                name.strip_prefix("enactor-")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(bad)?,
            ),
            None => return Err(bad()),
        };
        let site = |round, step, attempt| Site {
            actor,
            round,
            step,
            attempt,
            call,
        };
        match parts.as_slice() {
            [_, tick] if tick.starts_with("tick-") => {
                Ok(site(number(tick, "tick-")?, Step::Tick, 0))
            }
            [_, round, "pickup"] => Ok(site(number(round, "round-")?, Step::Pickup, 0)),
            [_, round, kind @ ("apply" | "clean-up"), endpoint, attempt] => {
                let endpoint: EndpointId = endpoint.parse()?;
                let step = if *kind == "apply" {
                    Step::Apply(endpoint)
                } else {
                    Step::Cleanup(endpoint)
                };
                Ok(site(
                    number(round, "round-")?,
                    step,
                    number(attempt, "attempt-")?,
                ))
            }
            _ => Err(bad()),
        }
    }
}

impl Serialize for Site {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Site {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Site, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The kinds of fault the model asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    Delay,
    ApiError,
    LockHeld,
    Stall,
    Crash,
    Burst,
}

/// What happens at a site when a fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fault {
    /// The API call takes `ms` longer before it commits (a slow or overloaded service).
    Delay { ms: u64 },
    /// The API call fails with a transient error (throttling, 5xx) and commits nothing.
    ApiError,
    /// Another writer takes the endpoint's lock for `ms` just before this read (contention).
    LockHeld { ms: u64 },
    /// The actor stops for `ms` (slow machine, GC-like pause) before going on.
    Stall { ms: u64 },
    /// The enactor process dies here, losing its in-memory plan; restarted after `restart_ms`.
    Crash { restart_ms: u64 },
    /// The planner writes `plans` extra plans in quick succession.
    Burst { plans: u32 },
}

impl Fault {
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Delay { .. } => FaultKind::Delay,
            Fault::ApiError => FaultKind::ApiError,
            Fault::LockHeld { .. } => FaultKind::LockHeld,
            Fault::Stall { .. } => FaultKind::Stall,
            Fault::Crash { .. } => FaultKind::Crash,
            Fault::Burst { .. } => FaultKind::Burst,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Delay { ms } => write!(f, "delay {ms}ms"),
            Fault::ApiError => f.write_str("API error"),
            Fault::LockHeld { ms } => write!(f, "lock held by another writer for {ms}ms"),
            Fault::Stall { ms } => write!(f, "stall {ms}ms"),
            Fault::Crash { restart_ms } => write!(f, "crash, restart after {restart_ms}ms"),
            Fault::Burst { plans } => write!(f, "burst of {plans} plans"),
        }
    }
}

/// Decides the faults of a run. Implemented by the harness.
pub trait Chaos {
    /// What fault of `kind`, if any, strikes at `site`. Must return a fault of that kind.
    fn decide(&self, site: &Site, kind: FaultKind) -> Option<Fault>;
}

/// A world without faults.
pub struct NoChaos;

impl Chaos for NoChaos {
    fn decide(&self, _site: &Site, _kind: FaultKind) -> Option<Fault> {
        None
    }
}
