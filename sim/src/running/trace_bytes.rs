//! The bytes of a trace entry that the trace hash is taken over: a fixed binary encoding,
//! written without formatting anything (an entry is rendered as text only when a trace is
//! printed or kept). Hashing text cost a quarter of a run: every entry was formatted, number
//! by number and name by name, and a scenario with 1,000 endpoints and 30 enactors writes
//! more and longer lines per event.
//!
//! # The encoding, byte for byte
//!
//! An entry is its simulated time, then a tag byte, then its fields:
//!
//! | entry | bytes |
//! | --- | --- |
//! | every entry | time in nanoseconds (`u64`), then `0` event, `1` fault, `2` violation |
//! | event | actor, then the kind's tag (a `u8`: its position in `EventKind` when this encoding was written, from 0, `PlanPublished` 0 .. `Repaired` 22; `TreePartDeleted`, added since, 23), then the kind's fields in declaration order |
//! | fault | the site, then the fault |
//! | violation | the invariant (its position in `InvariantId::ALL`, a `u8`), `sim_time_ms` (`u64`), the message (a string) |
//!
//! and its parts:
//!
//! | value | bytes |
//! | --- | --- |
//! | `u8`, `u16`, `u32`, `u64` | little-endian, fixed width; a `usize` as a `u64`; a `bool` as one byte, 0 or 1 |
//! | `Generation` | `u64`; `EndpointId`: `u16` |
//! | `Option` | `0`, or `1` then the value |
//! | a list | its length (`u32`), then each element |
//! | a string | its length in bytes (`u32`), then its UTF-8 bytes |
//! | `Actor` | two bytes: `0` planner, `1` enactor, `2` other writer, `3` janitor, `4` monitor; then the enactor's number (0 for the others) |
//! | `Site` | actor, `plan` (`u64`), `pass` (`u32`), step (`0` tick, `1` poll, `2` pick-up, `3` apply, `4` clean-up, then the endpoint, `u16`, 0 for the first three), `attempt` (`u32`), call (`u8`, its discriminant) |
//! | `LockRecord` | holder (actor), `expires_ms` (`u64`) |
//! | `Lease` | holder (actor), `token` (`u64`), `expires_ms` (`u64`) |
//! | `Commit` | `root_before`, `root_after`, `rollback_after` (options), `trees_deleted` (a list) |
//! | `BatchError` | tag (position in `BatchError`, from 0), then its fields: `LockMismatch` two lock options, `FenceMismatch` two generation options, `AlreadyExists` a string, `TreeNotFound` a generation, `AliasTargetMissing` a string and a generation, `Transient` nothing, `Refused` a string, `TreeRecordsDiffer` a generation and two `usize` (read, found) |
//! | `Fault` | tag (position in `Fault`, from 0: `Delay` .. `Burst`), then its one number (`u64` ms, `u32` plans) if it has one |
//!
//! The hash depends only on this encoding, never on Rust's derived `Hash` (whose bytes Rust
//! does not promise across platforms or compiler versions). A change to it, or to what an
//! entry holds, changes every trace hash: re-save `seeds/` (see README).

use dnsim_model::dns::{BatchError, Commit, LockRecord};
use dnsim_model::event::EventKind;
use dnsim_model::lock_service::Lease;
use dnsim_model::{Actor, EndpointId, Event, Fault, Generation, Site, Step};

use crate::checking::invariants::{InvariantId, Violation};
use crate::running::entry::TraceEntry;
use crate::running::schedule::ScheduledFault;

/// A value's bytes in the trace encoding (see the module's documentation).
pub trait Encode {
    /// Appends this value's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>);
}

macro_rules! little_endian {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
little_endian!(u8, u16, u32, u64);

impl Encode for usize {
    fn encode(&self, out: &mut Vec<u8>) {
        (*self as u64).encode(out);
    }
}

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl Encode for str {
    fn encode(&self, out: &mut Vec<u8>) {
        length(self.len(), out);
        out.extend_from_slice(self.as_bytes());
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                value.encode(out);
            }
        }
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, out: &mut Vec<u8>) {
        length(self.len(), out);
        for value in self {
            value.encode(out);
        }
    }
}

/// A list's or a string's length, as a `u32`.
fn length(len: usize, out: &mut Vec<u8>) {
    u32::try_from(len)
        .expect("a trace list or string is shorter than 4 GiB")
        .encode(out);
}

impl Encode for Generation {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }
}

impl Encode for EndpointId {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }
}

impl Encode for Actor {
    fn encode(&self, out: &mut Vec<u8>) {
        let (tag, number) = match self {
            Actor::Planner => (0, 0),
            Actor::Enactor(n) => (1, *n),
            Actor::OtherWriter => (2, 0),
            Actor::Janitor => (3, 0),
            Actor::Monitor => (4, 0),
        };
        out.extend_from_slice(&[tag, number]);
    }
}

impl Encode for Site {
    fn encode(&self, out: &mut Vec<u8>) {
        self.actor.encode(out);
        self.plan.encode(out);
        self.pass.encode(out);
        let (step, endpoint) = match self.step {
            Step::Tick => (0u8, EndpointId(0)),
            Step::Poll => (1, EndpointId(0)),
            Step::Pickup => (2, EndpointId(0)),
            Step::Apply(endpoint) => (3, endpoint),
            Step::Cleanup(endpoint) => (4, endpoint),
        };
        step.encode(out);
        endpoint.encode(out);
        self.attempt.encode(out);
        (self.call as u8).encode(out);
    }
}

impl Encode for LockRecord {
    fn encode(&self, out: &mut Vec<u8>) {
        self.holder.encode(out);
        self.expires_ms.encode(out);
    }
}

impl Encode for Lease {
    fn encode(&self, out: &mut Vec<u8>) {
        self.holder.encode(out);
        self.token.encode(out);
        self.expires_ms.encode(out);
    }
}

impl Encode for Commit {
    fn encode(&self, out: &mut Vec<u8>) {
        self.root_before.encode(out);
        self.root_after.encode(out);
        self.rollback_after.encode(out);
        self.trees_deleted.encode(out);
    }
}

impl Encode for BatchError {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            BatchError::LockMismatch { believed, actual } => {
                out.push(0);
                believed.encode(out);
                actual.encode(out);
            }
            BatchError::FenceMismatch { believed, actual } => {
                out.push(1);
                believed.encode(out);
                actual.encode(out);
            }
            BatchError::AlreadyExists(what) => {
                out.push(2);
                what.encode(out);
            }
            BatchError::TreeNotFound(generation) => {
                out.push(3);
                generation.encode(out);
            }
            BatchError::AliasTargetMissing { alias, target } => {
                out.push(4);
                alias.encode(out);
                target.encode(out);
            }
            BatchError::Transient => out.push(5),
            BatchError::Refused(reason) => {
                out.push(6);
                reason.encode(out);
            }
            BatchError::TreeRecordsDiffer {
                generation,
                read,
                found,
            } => {
                out.push(7);
                generation.encode(out);
                read.encode(out);
                found.encode(out);
            }
        }
    }
}

impl Encode for Fault {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Fault::Delay { ms } => {
                out.push(0);
                ms.encode(out);
            }
            Fault::ApiError => out.push(1),
            Fault::LockHeld { ms } => {
                out.push(2);
                ms.encode(out);
            }
            Fault::Stall { ms } => {
                out.push(3);
                ms.encode(out);
            }
            Fault::Crash { restart_ms } => {
                out.push(4);
                restart_ms.encode(out);
            }
            Fault::Burst { plans } => {
                out.push(5);
                plans.encode(out);
            }
        }
    }
}

impl Encode for EventKind {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            EventKind::PlanPublished { generation, burst } => {
                out.push(0);
                generation.encode(out);
                burst.encode(out);
            }
            EventKind::PlannerQuiet { generation } => {
                out.push(1);
                generation.encode(out);
            }
            EventKind::PlanPickedUp {
                generation,
                oldest_live,
            } => {
                out.push(2);
                generation.encode(out);
                oldest_live.encode(out);
            }
            EventKind::Stalled { site, ms } => {
                out.push(3);
                site.encode(out);
                ms.encode(out);
            }
            EventKind::Crashed { site, restart_ms } => {
                out.push(4);
                site.encode(out);
                restart_ms.encode(out);
            }
            EventKind::Restarted => out.push(5),
            EventKind::LockSeized { endpoint, lock } => {
                out.push(6);
                endpoint.encode(out);
                lock.encode(out);
            }
            EventKind::LockBusy {
                endpoint,
                lock,
                attempt,
                backoff_ms,
            } => {
                out.push(7);
                endpoint.encode(out);
                lock.encode(out);
                attempt.encode(out);
                backoff_ms.encode(out);
            }
            EventKind::ReadFailed {
                endpoint,
                attempt,
                backoff_ms,
            } => {
                out.push(8);
                endpoint.encode(out);
                attempt.encode(out);
                backoff_ms.encode(out);
            }
            EventKind::BatchRejected {
                endpoint,
                generation,
                error,
                attempt,
                backoff_ms,
            } => {
                out.push(9);
                endpoint.encode(out);
                generation.encode(out);
                error.encode(out);
                attempt.encode(out);
                backoff_ms.encode(out);
            }
            EventKind::Applied {
                endpoint,
                generation,
                commit,
            } => {
                out.push(10);
                endpoint.encode(out);
                generation.encode(out);
                commit.encode(out);
            }
            EventKind::EndpointSkipped {
                endpoint,
                generation,
                live,
            } => {
                out.push(11);
                endpoint.encode(out);
                generation.encode(out);
                live.encode(out);
            }
            EventKind::TreePartBuilt {
                endpoint,
                generation,
                built,
                of,
            } => {
                out.push(12);
                endpoint.encode(out);
                generation.encode(out);
                built.encode(out);
                of.encode(out);
            }
            EventKind::PlanApplied { generation } => {
                out.push(13);
                generation.encode(out);
            }
            EventKind::TreesDeleted {
                endpoint,
                generations,
                commit,
            } => {
                out.push(14);
                endpoint.encode(out);
                generations.encode(out);
                commit.encode(out);
            }
            EventKind::CleanupGaveUp { endpoint } => {
                out.push(15);
                endpoint.encode(out);
            }
            EventKind::PlansDeleted { generations } => {
                out.push(16);
                generations.encode(out);
            }
            EventKind::LeaseGranted { lease, expired } => {
                out.push(17);
                lease.encode(out);
                expired.encode(out);
            }
            EventKind::LeaseLost { generation, now } => {
                out.push(18);
                generation.encode(out);
                now.encode(out);
            }
            EventKind::PlanAbandoned { generation } => {
                out.push(19);
                generation.encode(out);
            }
            EventKind::Alarm {
                endpoint,
                generation,
                error,
            } => {
                out.push(20);
                endpoint.encode(out);
                generation.encode(out);
                error.encode(out);
            }
            EventKind::FrozenSkipped {
                endpoint,
                generation,
            } => {
                out.push(21);
                endpoint.encode(out);
                generation.encode(out);
            }
            EventKind::Repaired {
                endpoint,
                generation,
                commit,
            } => {
                out.push(22);
                endpoint.encode(out);
                generation.encode(out);
                commit.encode(out);
            }
            EventKind::TreePartDeleted {
                endpoint,
                generation,
                left,
                of,
            } => {
                out.push(23);
                endpoint.encode(out);
                generation.encode(out);
                left.encode(out);
                of.encode(out);
            }
        }
    }
}

impl Encode for Event {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(0);
        self.actor.encode(out);
        self.kind.encode(out);
    }
}

impl Encode for ScheduledFault {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(1);
        self.at.encode(out);
        self.fault.encode(out);
    }
}

impl Encode for Violation {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(2);
        let position = InvariantId::ALL
            .iter()
            .position(|id| *id == self.invariant)
            .expect("every invariant is in ALL");
        (position as u8).encode(out);
        self.sim_time_ms.encode(out);
        self.message.encode(out);
    }
}

impl Encode for TraceEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            TraceEntry::Event(event) => event.encode(out),
            TraceEntry::Fault(fault) => fault.encode(out),
            TraceEntry::Violation(violation) => violation.encode(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use dnsim_model::Call;

    use super::*;

    fn bytes<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
        let mut out = Vec::new();
        value.encode(&mut out);
        out
    }

    /// The documented bytes of one event, spelled out: a change to the encoding must be a
    /// change to this test and to the module's table.
    #[test]
    fn an_applied_event_encodes_as_documented() {
        let event = Event {
            actor: Actor::Enactor(3),
            kind: EventKind::Applied {
                endpoint: EndpointId(1000),
                generation: Generation(7),
                commit: Commit {
                    root_before: Some(Generation(5)),
                    root_after: Some(Generation(7)),
                    rollback_after: None,
                    trees_deleted: vec![Generation(2)],
                },
            },
        };
        let mut expected = vec![0, 1, 3, 10];
        expected.extend_from_slice(&1000u16.to_le_bytes());
        expected.extend_from_slice(&7u64.to_le_bytes());
        expected.push(1);
        expected.extend_from_slice(&5u64.to_le_bytes());
        expected.push(1);
        expected.extend_from_slice(&7u64.to_le_bytes());
        expected.push(0);
        expected.extend_from_slice(&1u32.to_le_bytes());
        expected.extend_from_slice(&2u64.to_le_bytes());
        assert_eq!(bytes(&event), expected);
    }

    /// Entries that print alike but differ encode differently: the encoding is not lossy.
    #[test]
    fn distinct_values_have_distinct_bytes() {
        let site = |endpoint| Site {
            actor: Actor::Enactor(1),
            plan: 4,
            pass: 1,
            step: Step::Apply(EndpointId(endpoint)),
            attempt: 2,
            call: Call::Read,
        };
        assert_ne!(bytes(&site(0)), bytes(&site(1)));
        assert_ne!(bytes(&Some(Generation(0))), bytes(&None::<Generation>));
        assert_ne!(bytes("ab"), bytes("a"));
        assert_ne!(
            bytes(&Fault::Delay { ms: 1 }),
            bytes(&Fault::LockHeld { ms: 1 })
        );
    }
}
