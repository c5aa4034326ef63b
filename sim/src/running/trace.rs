//! The trace of a run: every event, injected fault and violation, in simulated time.
//!
//! Every entry is folded into a 64-bit hash as it happens (the *trace hash*: equal hashes
//! mean identical runs). Entries are kept only when asked for (a replay), and printed
//! through `tracing` as they happen when asked for (`replay --trace`).
//!
//! # The trace hash, byte for byte
//!
//! The trace hash is 64-bit FNV-1a (offset basis `0xcbf29ce484222325`, prime
//! `0x100000001b3`) over the bytes of every entry, in order, each in the binary encoding of
//! [`crate::running::trace_bytes`]: its simulated time in nanoseconds, then the entry's
//! fields as fixed-width little-endian numbers, with no formatting. An entry is rendered as
//! text (`{:<12} {}` of actor and event, as `replay --trace` prints it) only when the trace
//! is printed or kept. The hash depends only on what the trace says, never on Rust's derived
//! `Hash` (whose bytes Rust does not promise across platforms or compiler versions), so a
//! seed file's `trace_hash` holds on any machine. A change to the encoding, or to what an
//! entry holds, changes the hash: re-save `seeds/` (see README); a change to how an entry is
//! displayed does not.

use std::hash::Hasher;
use std::time::Duration;

use dnsim_model::Event;

use crate::checking::invariants::Violation;
pub use crate::running::entry::{format_time, TraceEntry};
pub use crate::running::hash::{format_hash, Fnv64};
use crate::running::trace_bytes::Encode;

/// What to do with trace entries beyond hashing them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceMode {
    /// Keep every entry in the outcome.
    pub keep: bool,
    /// Emit every entry as a `tracing` event as it happens (see [`crate::trace_filter`]).
    pub print: bool,
}

/// The trace being recorded.
#[derive(Debug, Default)]
pub struct Trace {
    mode: TraceMode,
    hasher: Fnv64,
    /// The bytes of the entry being hashed (kept to reuse its allocation).
    bytes: Vec<u8>,
    entries: Vec<(Duration, TraceEntry)>,
    count: u64,
}

impl Trace {
    /// An empty trace that keeps or prints as `mode` says.
    pub fn new(mode: TraceMode) -> Trace {
        Trace {
            mode,
            ..Trace::default()
        }
    }

    /// Records an entry at simulated time `at`.
    pub fn push(&mut self, at: Duration, entry: TraceEntry) {
        self.hash_entry(at, &entry);
        if self.mode.print {
            crate::running::trace_filter::emit(&entry);
        }
        if self.mode.keep {
            self.entries.push((at, entry));
        }
    }

    /// Records a model event, copying it only if the trace is kept or printed: hashing it
    /// needs only a look (an entry `TraceEntry::Event(e)` encodes as `e`).
    pub fn push_event(&mut self, at: Duration, event: &Event) {
        if self.mode.keep || self.mode.print {
            return self.push(at, TraceEntry::Event(event.clone()));
        }
        self.hash_entry(at, event);
    }

    /// Folds one entry's bytes (its time, then the entry: see the module's documentation)
    /// into the trace hash and counts it. Nothing is formatted.
    fn hash_entry(&mut self, at: Duration, entry: &dyn Encode) {
        let nanos = u64::try_from(at.as_nanos()).expect("a run lasts less than 584 years");
        self.bytes.clear();
        nanos.encode(&mut self.bytes);
        entry.encode(&mut self.bytes);
        self.hasher.write(&self.bytes);
        self.count += 1;
    }

    /// Records the violations found at `at`.
    pub fn extend_violations(&mut self, at: Duration, violations: Vec<Violation>) {
        for violation in violations {
            self.push(at, TraceEntry::Violation(violation));
        }
    }

    /// The trace hash (see the module's documentation for its exact bytes).
    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    /// How many entries were recorded (kept or not).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The entries kept, with their times.
    pub fn into_entries(self) -> Vec<(Duration, TraceEntry)> {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_published_test_vectors() {
        let hash = |bytes: &[u8]| {
            let mut fnv = Fnv64::default();
            fnv.write(bytes);
            fnv.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
