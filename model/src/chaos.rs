//! The fault seam: named points where the world can misbehave, and what may happen there.
//!
//! The model asks [`Chaos::decide`] at every [`Site`] where the real system could be hurt:
//! before and inside every DNS API call, when an enactor picks up a plan, before each
//! attempt at an endpoint, and at each planner tick. A site's name says exactly where it is,
//! for example `enactor-2/g17.1/apply/regional/attempt-3/change`, so a decision recorded
//! in one run can be replayed, dropped or weakened in another (even on another design).
//! The model only writes that name (`Display`); reading it back, from seed files and
//! reports, is the harness's business.
//!
//! Benign randomness (jitter in latencies and back-offs) is not a fault: the model derives it
//! from the site and a key drawn from madsim's seeded RNG (see `Ctx::noise`).

use std::fmt;

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
