//! What happens in a run, as the model reports it to its [`Observer`].
//!
//! Every state change of the world (a committed batch, a deleted plan, a seized lock) is
//! reported as an [`Event`] *immediately after* it happens and before any other task runs,
//! together with a view of the whole [`World`]: an observer can check invariants at every
//! change, not only at the end.

use std::fmt;
use std::time::Duration;

use crate::chaos::Site;
use crate::dns::{BatchError, Change, Commit, LockRecord};
use crate::ids::{Actor, EndpointId, Generation};
use crate::lock_service::Lease;
use crate::world::World;

/// One thing that happened, and who did it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// Who did it.
    pub actor: Actor,
    /// What happened.
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
/// What happened, with the details the trace, the invariants and the oracle need.
pub enum EventKind {
    /// The planner wrote a plan (`burst`: as part of a burst).
    PlanPublished {
        /// The plan's generation.
        generation: Generation,
        /// Whether it was written as part of a burst.
        burst: bool,
    },
    /// The planner wrote its last plan and went quiet.
    PlannerQuiet {
        /// The last plan's generation.
        generation: Generation,
    },
    /// An enactor picked up a plan after its one-time check: the plan is newer than the
    /// oldest generation live on any endpoint (`g0`: some endpoint has none yet).
    PlanPickedUp {
        /// The plan picked up.
        generation: Generation,
        /// The oldest generation live on any endpoint when it was checked.
        oldest_live: Generation,
    },
    /// The actor stopped for a while at `site` (an injected stall).
    Stalled {
        /// Where the actor stopped.
        site: Site,
        /// For how long, in ms.
        ms: u64,
    },
    /// The enactor process died at `site`, losing its plan.
    Crashed {
        /// Where the process died.
        site: Site,
        /// How long until it restarts, in ms.
        restart_ms: u64,
    },
    /// The enactor process started again, with no plan in hand.
    Restarted,
    /// Another writer took an endpoint's lock (injected lock contention).
    LockSeized {
        /// The endpoint whose lock was taken.
        endpoint: EndpointId,
        /// The lock record the other writer wrote.
        lock: LockRecord,
    },
    /// The endpoint's lock is someone else's: backing off before the next attempt.
    LockBusy {
        /// The endpoint the enactor is applying to.
        endpoint: EndpointId,
        /// The lock record it found.
        lock: LockRecord,
        /// The attempt that found it busy (from 1).
        attempt: u32,
        /// How long it backs off, in ms.
        backoff_ms: u64,
    },
    /// A read of the zone failed: backing off.
    ReadFailed {
        /// The endpoint whose zone could not be read.
        endpoint: EndpointId,
        /// The attempt that failed (from 1).
        attempt: u32,
        /// How long it backs off, in ms.
        backoff_ms: u64,
    },
    /// Route 53 rejected a change batch: backing off.
    BatchRejected {
        /// The endpoint the batch was for.
        endpoint: EndpointId,
        /// The plan the batch applied.
        generation: Generation,
        /// Why Route 53 rejected it.
        error: BatchError,
        /// The attempt that was rejected (from 1).
        attempt: u32,
        /// How long it backs off, in ms.
        backoff_ms: u64,
    },
    /// A change batch applying `generation` to the endpoint committed.
    Applied {
        /// The endpoint written.
        endpoint: EndpointId,
        /// The plan applied.
        generation: Generation,
        /// What the batch changed.
        commit: Commit,
    },
    /// The design chose not to write `generation` to the endpoint: it already serves `live`.
    EndpointSkipped {
        /// The endpoint skipped.
        endpoint: EndpointId,
        /// The plan not written.
        generation: Generation,
        /// The generation the endpoint already serves.
        live: Option<Generation>,
    },
    /// A part of `generation`'s tree too big for one batch was built: `built` of `of`
    /// records are there now. The root flips with the last part.
    TreePartBuilt {
        /// The endpoint written.
        endpoint: EndpointId,
        /// The plan whose tree is being built.
        generation: Generation,
        /// Records built so far.
        built: usize,
        /// Records in the whole tree.
        of: usize,
    },
    /// Clean-up deleted the last records of `generation`'s tree, too big for one batch:
    /// `left` of its `of` records remain (a half-deleted tree resolves to them).
    TreePartDeleted {
        /// The endpoint whose zone it is.
        endpoint: EndpointId,
        /// The plan whose tree it is.
        generation: Generation,
        /// Records left.
        left: usize,
        /// Records in the whole tree.
        of: usize,
    },
    /// The enactor has been through every endpoint with `generation`.
    PlanApplied {
        /// The plan applied everywhere.
        generation: Generation,
    },
    /// Clean-up deleted plan trees from an endpoint's zone.
    TreesDeleted {
        /// The endpoint cleaned up.
        endpoint: EndpointId,
        /// The generations whose trees were deleted.
        generations: Vec<Generation>,
        /// What the batch changed.
        commit: Commit,
    },
    /// Clean-up gave up on an endpoint after its last failed attempt: an enactor's runs
    /// again after its next plan, the janitor's at its next pass.
    CleanupGaveUp {
        /// The endpoint left as it was.
        endpoint: EndpointId,
    },
    /// Clean-up deleted plans from the plan history.
    PlansDeleted {
        /// The plans deleted.
        generations: Vec<Generation>,
    },
    /// The lock service granted the lease (`expired`: the previous holder's, taken over).
    LeaseGranted {
        /// The lease granted.
        lease: Lease,
        /// The previous holder's lease, if it expired unreleased.
        expired: Option<Lease>,
    },
    /// The enactor's lease was taken by another actor: it drops `generation`.
    LeaseLost {
        /// The plan dropped.
        generation: Generation,
        /// The lease now, if any.
        now: Option<Lease>,
    },
    /// The design dropped the plan in hand before finishing it.
    PlanAbandoned {
        /// The plan dropped.
        generation: Generation,
    },
    /// An endpoint was frozen instead of retried: an alarm for an operator.
    Alarm {
        /// The endpoint frozen.
        endpoint: EndpointId,
        /// The plan that could not be applied.
        generation: Generation,
        /// The rejection that froze it.
        error: BatchError,
    },
    /// The endpoint is frozen: the enactor leaves it alone.
    FrozenSkipped {
        /// The endpoint left alone.
        endpoint: EndpointId,
        /// The plan not applied there.
        generation: Generation,
    },
    /// A monitor found the endpoint resolving to nothing and re-applied `generation`.
    Repaired {
        /// The endpoint repaired.
        endpoint: EndpointId,
        /// The plan re-applied.
        generation: Generation,
        /// What the batch changed.
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

impl<'a> Generations<'a> {
    /// The list after its noun, in the singular for one: `tree g5`, `trees g1..g3`.
    pub fn after(self, noun: &'static str) -> Named<'a> {
        Named {
            noun,
            generations: self,
        }
    }
}

/// A noun and its [`Generations`] (see [`Generations::after`]).
pub struct Named<'a> {
    noun: &'static str,
    generations: Generations<'a>,
}

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.generations.0.len() == 1 {
            ""
        } else {
            "s"
        };
        write!(f, "{}{plural} {}", self.noun, self.generations)
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
                // "trees" even for one: violation messages quote this line and are part of
                // the trace hash, so new wording would change every saved seed's hash.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_generations_reads_after_its_noun_in_the_singular_for_one() {
        let named = |all: &[u64]| {
            let all: Vec<Generation> = all.iter().map(|&g| Generation(g)).collect();
            Generations(&all).after("tree").to_string()
        };
        assert_eq!(named(&[5]), "tree g5");
        assert_eq!(named(&[1, 2, 3]), "trees g1..g3");
        assert_eq!(named(&[13, 22]), "trees g13, g22");
    }
}
