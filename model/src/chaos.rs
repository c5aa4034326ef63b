//! The fault seam: named points where the world can misbehave, and what may happen there.
//!
//! The model asks [`Chaos::decide`] at every [`Site`] where the real system could be hurt:
//! before and inside every DNS API call, when an enactor picks up a plan, before each
//! attempt at an endpoint, and at each planner tick. A site's name says exactly where it is,
//! for example `enactor-2/g17.1/apply/regional/attempt-3/change`, so a decision recorded
//! in one run can be replayed, dropped or weakened in another (even on another design).
//!
//! Benign randomness (jitter in latencies and back-offs) is not a fault: the model derives it
//! from the site and a key drawn from madsim's seeded RNG (see `Ctx::noise`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::ids::Actor;
use crate::ids::EndpointId;

/// What the actor is doing at a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The planner's tick number `plan`.
    Tick,
    /// An idle enactor looking for work: the `attempt`-th look while `plan` is the newest.
    Poll,
    /// An enactor, having made its one-time staleness check, picking up plan `plan`.
    Pickup,
    /// An enactor applying plan `plan` to one endpoint.
    Apply(EndpointId),
    /// An enactor's clean-up of one endpoint, after applying plan `plan` everywhere.
    Cleanup(EndpointId),
}

/// Which DNS API call, if the site is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Call {
    /// Not an API call: a point in the actor's own code.
    None = 0,
    /// Reading which generation every endpoint serves (the one-time check).
    LiveCheck = 1,
    /// Re-reading one endpoint's generation just before writing (some designs only).
    Recheck = 2,
    /// Reading one zone: the lock record, root, rollback and plan trees.
    Read = 3,
    /// Submitting a change batch.
    Change = 4,
    /// Asking the lock service for the lease, or renewing it (some designs only).
    Lease = 5,
}

/// A named point in a run, unique within it.
///
/// Enactor sites are named by what the enactor is working on, not by how often it polled:
/// the plan's generation and the pass (the k-th time this enactor takes up that plan, which
/// survives crashes), then the step and the attempt. So a site keeps its name when a fault
/// elsewhere shifts the timing, and a fault recorded in one run strikes the same step of
/// the same plan when replayed with other faults dropped, or on another design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Site {
    /// Who is at this step.
    pub actor: Actor,
    /// The generation of the plan the enactor works on (or the newest, when polling); the
    /// tick number for the planner.
    pub plan: u64,
    /// The k-th time (from 1) this enactor takes up `plan`; 0 for polls and the planner.
    pub pass: u32,
    /// The step of the plan's work (poll, apply, clean-up, ...).
    pub step: Step,
    /// 1-based for `Apply` and `Cleanup` attempts and `Poll` looks; 0 otherwise.
    pub attempt: u32,
    /// Which API call of the step (read, change batch, ...).
    pub call: Call,
}

impl Site {
    /// The same site at another API call of its step.
    pub fn with_call(self, call: Call) -> Site {
        Site { call, ..self }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (actor, plan, pass, attempt) = (self.actor, self.plan, self.pass, self.attempt);
        match self.step {
            Step::Tick => write!(f, "{actor}/tick-{plan}")?,
            Step::Poll => write!(f, "{actor}/g{plan}/poll-{attempt}")?,
            Step::Pickup => write!(f, "{actor}/g{plan}.{pass}/pickup")?,
            Step::Apply(endpoint) => write!(
                f,
                "{actor}/g{plan}.{pass}/apply/{endpoint}/attempt-{attempt}"
            )?,
            Step::Cleanup(endpoint) => write!(
                f,
                "{actor}/g{plan}.{pass}/clean-up/{endpoint}/attempt-{attempt}"
            )?,
        }
        match self.call {
            Call::None => Ok(()),
            Call::LiveCheck => f.write_str("/live-check"),
            Call::Recheck => f.write_str("/recheck"),
            Call::Read => f.write_str("/read"),
            Call::Change => f.write_str("/change"),
            Call::Lease => f.write_str("/lease"),
        }
    }
}

impl FromStr for Site {
    type Err = String;

    fn from_str(text: &str) -> Result<Site, String> {
        let bad = || {
            format!("not a site name: {text:?} (expected e.g. enactor-2/g17.1/apply/regional/attempt-3/change)")
        };
        let number = |part: &str, prefix: &str| -> Result<u64, String> {
            part.strip_prefix(prefix)
                .and_then(|n| n.parse().ok())
                .ok_or_else(bad)
        };
        let small = |n: u64| u32::try_from(n).map_err(|_| bad());
        // `g17.1` is plan 17, pass 1.
        let plan_pass = |part: &str| -> Result<(u64, u32), String> {
            let (plan, pass) = part.split_once('.').ok_or_else(bad)?;
            Ok((number(plan, "g")?, small(pass.parse().map_err(|_| bad())?)?))
        };
        let mut parts: Vec<&str> = text.split('/').collect();
        let call = match parts.last().copied() {
            Some("live-check") => Call::LiveCheck,
            Some("recheck") => Call::Recheck,
            Some("read") => Call::Read,
            Some("change") => Call::Change,
            Some("lease") => Call::Lease,
            _ => Call::None,
        };
        if call != Call::None {
            parts.pop();
        }
        let actor = match parts.first().copied() {
            Some("planner") => Actor::Planner,
            Some("other-writer") => Actor::OtherWriter,
            Some("janitor") => Actor::Janitor,
            Some("monitor") => Actor::Monitor,
            Some(name) => Actor::Enactor(
                name.strip_prefix("enactor-")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(bad)?,
            ),
            None => return Err(bad()),
        };
        let site = |plan, pass, step, attempt| Site {
            actor,
            plan,
            pass,
            step,
            attempt,
            call,
        };
        match parts.as_slice() {
            [_, tick] if tick.starts_with("tick-") => {
                Ok(site(number(tick, "tick-")?, 0, Step::Tick, 0))
            }
            [_, plan, poll] if poll.starts_with("poll-") => Ok(site(
                number(plan, "g")?,
                0,
                Step::Poll,
                small(number(poll, "poll-")?)?,
            )),
            [_, plan, "pickup"] => {
                let (plan, pass) = plan_pass(plan)?;
                Ok(site(plan, pass, Step::Pickup, 0))
            }
            [_, plan, kind @ ("apply" | "clean-up"), endpoint, attempt] => {
                let (plan, pass) = plan_pass(plan)?;
                let endpoint: EndpointId = endpoint.parse()?;
                let step = if *kind == "apply" {
                    Step::Apply(endpoint)
                } else {
                    Step::Cleanup(endpoint)
                };
                Ok(site(plan, pass, step, small(number(attempt, "attempt-")?)?))
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
    /// A slow API call (see [`Fault::Delay`]).
    Delay,
    /// A failed API call (see [`Fault::ApiError`]).
    ApiError,
    /// Another writer holding the lock (see [`Fault::LockHeld`]).
    LockHeld,
    /// A paused actor (see [`Fault::Stall`]).
    Stall,
    /// A dead enactor process (see [`Fault::Crash`]).
    Crash,
    /// Extra plans in a burst (see [`Fault::Burst`]).
    Burst,
}

/// What happens at a site when a fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fault {
    /// The API call takes `ms` longer before it commits (a slow or overloaded service).
    Delay {
        /// How much longer the call takes, in ms.
        ms: u64,
    },
    /// The API call fails with a transient error (throttling, 5xx) and commits nothing.
    ApiError,
    /// Another writer takes the endpoint's lock for `ms` just before this read (contention).
    LockHeld {
        /// How long the other writer holds the lock, in ms.
        ms: u64,
    },
    /// The actor stops for `ms` (slow machine, GC-like pause) before going on.
    Stall {
        /// How long the actor stops, in ms.
        ms: u64,
    },
    /// The enactor process dies here, losing its in-memory plan; restarted after `restart_ms`.
    Crash {
        /// How long until the process is restarted, in ms.
        restart_ms: u64,
    },
    /// The planner writes `plans` extra plans in quick succession.
    Burst {
        /// How many extra plans the planner writes.
        plans: u32,
    },
}

impl Fault {
    /// The kind of this fault, without its magnitude.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names_round_trip() {
        for name in [
            "planner/tick-12",
            "enactor-2/g17/poll-3/live-check",
            "enactor-3/g2.1/pickup",
            "enactor-1/g40.2/apply/account-1/attempt-7/change",
            "enactor-1/g40.1/clean-up/regional/attempt-1",
            "enactor-3/g9.1/apply/ipv6/attempt-2/recheck",
            "enactor-2/g17/poll-3/lease",
            "janitor/g12.3/clean-up/fips/attempt-1/read",
            "monitor/g12.1/apply/regional/attempt-2/change",
        ] {
            let site: Site = name.parse().unwrap();
            assert_eq!(site.to_string(), name);
        }
        for bad in [
            "",
            "enactor-x/g1.1/pickup",
            "enactor-1/g1/pickup",
            "enactor-1/g1.1/apply/nowhere/attempt-1",
        ] {
            assert!(bad.parse::<Site>().is_err(), "{bad}");
        }
    }
}
