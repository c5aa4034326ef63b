//! What happens in a run, as the model reports it to its [`Observer`].
//!
//! Every state change of the world (a committed batch, a deleted plan, a seized lock) is
//! reported as an [`Event`] *immediately after* it happens and before any other task runs,
//! together with a view of the whole [`World`]: an observer can check invariants at every
//! change, not only at the end.

use std::fmt;
use std::time::Duration;

use crate::chaos::{Actor, Site};
use crate::dns::{BatchError, Change, Commit, EndpointId, LockRecord};
use crate::lock_service::Lease;
use crate::plan::Generation;
use crate::system::World;

/// One thing that happened, and who did it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    pub actor: Actor,
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The planner wrote a plan (`burst`: as part of a burst).
    PlanPublished { generation: Generation, burst: bool },
    /// The planner wrote its last plan and went quiet.
    PlannerQuiet { generation: Generation },
    /// An enactor picked up a plan after its one-time check: the plan is newer than the
    /// oldest generation live on any endpoint (`g0`: some endpoint has none yet).
    PlanPickedUp {
        generation: Generation,
        oldest_live: Generation,
    },
    /// The actor stopped for a while at `site` (an injected stall).
    Stalled { site: Site, ms: u64 },
    /// The enactor process died at `site`, losing its plan.
    Crashed { site: Site, restart_ms: u64 },
    /// The enactor process started again, with no plan in hand.
    Restarted,
    /// Another writer took an endpoint's lock (injected lock contention).
    LockSeized {
        endpoint: EndpointId,
        lock: LockRecord,
    },
    /// The endpoint's lock is someone else's: backing off before the next attempt.
    LockBusy {
        endpoint: EndpointId,
        lock: LockRecord,
        attempt: u32,
        backoff_ms: u64,
    },
    /// A read of the zone failed: backing off.
    ReadFailed {
        endpoint: EndpointId,
        attempt: u32,
        backoff_ms: u64,
    },
    /// Route 53 rejected a change batch: backing off.
    BatchRejected {
        endpoint: EndpointId,
        generation: Generation,
        error: BatchError,
        attempt: u32,
        backoff_ms: u64,
    },
    /// A change batch applying `generation` to the endpoint committed.
    Applied {
        endpoint: EndpointId,
        generation: Generation,
        commit: Commit,
    },
    /// The design chose not to write `generation` to the endpoint: it already serves `live`.
    EndpointSkipped {
        endpoint: EndpointId,
        generation: Generation,
        live: Option<Generation>,
    },
    /// A part of `generation`'s tree too big for one batch was built: `built` of `of`
    /// records are there now. The root flips with the last part.
    TreePartBuilt {
        endpoint: EndpointId,
        generation: Generation,
        built: usize,
        of: usize,
    },
    /// Clean-up deleted the last records of `generation`'s tree, too big for one batch:
    /// `left` of its `of` records remain (a half-deleted tree resolves to them).
    TreePartDeleted {
        endpoint: EndpointId,
        generation: Generation,
        left: usize,
        of: usize,
    },
    /// The enactor has been through every endpoint with `generation`.
    PlanApplied { generation: Generation },
    /// Clean-up deleted plan trees from an endpoint's zone.
    TreesDeleted {
        endpoint: EndpointId,
        generations: Vec<Generation>,
        commit: Commit,
    },
    /// Clean-up gave up on an endpoint after its last attempt (it runs again next plan).
    CleanupGaveUp { endpoint: EndpointId },
    /// Clean-up deleted plans from the plan history.
    PlansDeleted { generations: Vec<Generation> },
    /// The lock service granted the lease (`expired`: the previous holder's, taken over).
    LeaseGranted {
        lease: Lease,
        expired: Option<Lease>,
    },
    /// The enactor's lease was taken by another actor: it drops `generation`.
    LeaseLost {
        generation: Generation,
        now: Option<Lease>,
    },
    /// The design dropped the plan in hand before finishing it.
    PlanAbandoned { generation: Generation },
    /// An endpoint was frozen instead of retried: an alarm for an operator.
    Alarm {
        endpoint: EndpointId,
        generation: Generation,
        error: BatchError,
    },
    /// The endpoint is frozen: the enactor leaves it alone.
    FrozenSkipped {
        endpoint: EndpointId,
        generation: Generation,
    },
    /// A monitor found the endpoint resolving to nothing and re-applied `generation`.
    Repaired {
        endpoint: EndpointId,
        generation: Generation,
        commit: Commit,
    },
}

impl EventKind {
    /// The endpoint the event is about, if any. Every change to a zone is reported by an
    /// event naming its endpoint (a commit, a part of a tree, a deletion, a seized lock), so
    /// an observer can check only that zone: per-event work that does not grow with the
    /// number of endpoints.
    pub fn endpoint(&self) -> Option<EndpointId> {
        match self {
            EventKind::LockSeized { endpoint, .. }
            | EventKind::LockBusy { endpoint, .. }
            | EventKind::ReadFailed { endpoint, .. }
            | EventKind::BatchRejected { endpoint, .. }
            | EventKind::Applied { endpoint, .. }
            | EventKind::EndpointSkipped { endpoint, .. }
            | EventKind::TreePartBuilt { endpoint, .. }
            | EventKind::TreePartDeleted { endpoint, .. }
            | EventKind::TreesDeleted { endpoint, .. }
            | EventKind::CleanupGaveUp { endpoint }
            | EventKind::Alarm { endpoint, .. }
            | EventKind::FrozenSkipped { endpoint, .. }
            | EventKind::Repaired { endpoint, .. } => Some(*endpoint),
            EventKind::PlanPublished { .. }
            | EventKind::PlannerQuiet { .. }
            | EventKind::PlanPickedUp { .. }
            | EventKind::Stalled { .. }
            | EventKind::Crashed { .. }
            | EventKind::Restarted
            | EventKind::PlanApplied { .. }
            | EventKind::PlansDeleted { .. }
            | EventKind::LeaseGranted { .. }
            | EventKind::LeaseLost { .. }
            | EventKind::PlanAbandoned { .. } => None,
        }
    }
}

/// Told of every event. Implemented by the harness.
pub trait Observer {
    /// `now` is simulated time since the run began; `world` is the state just after `event`.
    fn on_event(&self, now: Duration, event: &Event, world: &World);

    /// Told of every change batch that reached Route 53 (a transient API error never does),
    /// with Route 53's answer and the world just after it. The harness rebuilds its own copy
    /// of every zone from these (its oracle). Contract: a writer whose batch committed reports
    /// it ([`EventKind::Applied`], [`EventKind::TreesDeleted`] or [`EventKind::Repaired`]) as
    /// the very next event.
    fn on_batch(
        &self,
        _now: Duration,
        _endpoint: EndpointId,
        _changes: &[Change],
        _result: &Result<Commit, BatchError>,
        _world: &World,
    ) {
    }
}

/// A compact list of generations: `g3..g9` for a run, `g3, g5` otherwise.
pub struct Generations<'a>(pub &'a [Generation]);

impl fmt::Display for Generations<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all = self.0;
        let contiguous = all.windows(2).all(|w| w[1].0 == w[0].0 + 1);
        match all {
            [] => f.write_str("none"),
            [one] => write!(f, "{one}"),
            [first, .., last] if contiguous => write!(f, "{first}..{last}"),
            _ => {
                for (i, g) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{g}")?;
                }
                Ok(())
            }
        }
    }
}

/// A generation or `none`, displayed without an allocation.
struct OrNone(Option<Generation>);

impl fmt::Display for OrNone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(g) => write!(f, "{g}"),
            None => f.write_str("none"),
        }
    }
}

fn option(g: Option<Generation>) -> OrNone {
    OrNone(g)
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::PlanPublished { generation, burst } => {
                write!(f, "publishes plan {generation}")?;
                if *burst {
                    f.write_str(" (burst)")?;
                }
                Ok(())
            }
            EventKind::PlannerQuiet { generation } => {
                write!(f, "publishes its last plan {generation} and goes quiet")
            }
            EventKind::PlanPickedUp {
                generation,
                oldest_live,
            } if oldest_live.0 == 0 => write!(
                f,
                "picks up plan {generation}: some endpoint serves nothing yet, will apply it"
            ),
            EventKind::PlanPickedUp {
                generation,
                oldest_live,
            } => write!(
                f,
                "picks up plan {generation}: newer than oldest live {oldest_live}, will apply it"
            ),
            EventKind::Stalled { site, ms } => write!(f, "STALLS {ms}ms at {site}"),
            EventKind::Crashed { site, restart_ms } => {
                write!(f, "CRASHES at {site}; restarts in {restart_ms}ms")
            }
            EventKind::Restarted => f.write_str("restarts with no plan in hand"),
            EventKind::LockSeized { endpoint, lock } => {
                write!(f, "{endpoint}: takes the lock ({lock})")
            }
            EventKind::LockBusy {
                endpoint,
                lock,
                attempt,
                backoff_ms,
            } => write!(
                f,
                "{endpoint}: lock held by {lock} (attempt {attempt}); backs off {backoff_ms}ms"
            ),
            EventKind::ReadFailed {
                endpoint,
                attempt,
                backoff_ms,
            } => write!(
                f,
                "{endpoint}: read failed (attempt {attempt}); backs off {backoff_ms}ms"
            ),
            EventKind::BatchRejected {
                endpoint,
                generation,
                error,
                attempt,
                backoff_ms,
            } => write!(
                f,
                "{endpoint}: batch for {generation} rejected: {error} (attempt {attempt}); backs off {backoff_ms}ms"
            ),
            EventKind::Applied {
                endpoint,
                generation,
                commit,
            } => write!(
                f,
                "{endpoint}: applies {generation}: root {} -> {}, rollback -> {}",
                option(commit.root_before),
                option(commit.root_after),
                option(commit.rollback_after)
            ),
            EventKind::EndpointSkipped {
                endpoint,
                generation,
                live,
            } => write!(
                f,
                "{endpoint}: skips {generation}: endpoint already serves {}",
                option(*live)
            ),
            EventKind::TreePartBuilt {
                endpoint,
                generation,
                built,
                of,
            } => write!(
                f,
                "{endpoint}: builds {generation}'s tree in parts: {built} of {of} records"
            ),
            EventKind::TreePartDeleted {
                endpoint,
                generation,
                left,
                of,
            } => write!(
                f,
                "{endpoint}: clean-up deletes {generation}'s tree in parts: {left} of {of} records left"
            ),
            EventKind::PlanApplied { generation } => {
                write!(f, "has applied {generation} to every endpoint; runs clean-up")
            }
            EventKind::TreesDeleted {
                endpoint,
                generations,
                commit,
            } => {
                write!(
                    f,
                    "{endpoint}: clean-up deletes trees {} (root is {})",
                    Generations(generations),
                    option(commit.root_after)
                )
            }
            EventKind::CleanupGaveUp { endpoint } => {
                write!(f, "{endpoint}: clean-up gives up for now")
            }
            EventKind::PlansDeleted { generations } => {
                write!(f, "clean-up deletes plans {} from the history", Generations(generations))
            }
            EventKind::LeaseGranted {
                lease,
                expired: Some(expired),
            } if expired.holder != lease.holder => {
                write!(f, "takes the lease ({lease}) after {}'s expired", expired.holder)
            }
            EventKind::LeaseGranted { lease, .. } => write!(f, "takes the lease ({lease})"),
            EventKind::LeaseLost { generation, now } => write!(
                f,
                "has lost the lease (now {}); abandons {generation}",
                now.map_or("none".to_string(), |lease| lease.to_string())
            ),
            EventKind::PlanAbandoned { generation } => write!(f, "abandons {generation}"),
            EventKind::Alarm {
                endpoint,
                generation,
                error,
            } => write!(
                f,
                "ALARM {endpoint}: batch for {generation} rejected: {error}; endpoint frozen for an operator"
            ),
            EventKind::FrozenSkipped {
                endpoint,
                generation,
            } => write!(f, "{endpoint}: frozen; leaves it alone with {generation}"),
            EventKind::Repaired {
                endpoint,
                generation,
                commit,
            } => write!(
                f,
                "{endpoint}: resolves to nothing; repairs with {generation}: root {} -> {}",
                option(commit.root_before),
                option(commit.root_after)
            ),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:<12}` of the actor's name, without allocating it: count, write, pad.
        struct Count(usize);
        impl fmt::Write for Count {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 += s.chars().count();
                Ok(())
            }
        }
        let mut width = Count(0);
        fmt::Write::write_fmt(&mut width, format_args!("{}", self.actor))?;
        write!(f, "{}", self.actor)?;
        for _ in width.0..12 {
            f.write_str(" ")?;
        }
        write!(f, " {}", self.kind)
    }
}
