//! `recheck-before-write`: re-check freshness before each attempt, in a separate read.
//!
//! The obvious patch for a one-time check made long ago: make it again, just before
//! writing. Before every attempt at an endpoint the enactor reads the endpoint's zone in a
//! call of its own and skips the endpoint if its root already serves this plan or a newer
//! one. Then, as in the original, it reads the zone *again* for the lock preamble and builds
//! its batch from that second read, without comparing that read's root with its plan.
//!
//! 1. Enactor A re-reads regional (the `recheck` call): it serves g10, A holds g12. Fresh
//!    enough: go on.
//! 2. A's next call, the read of the lock record, is slow (an overloaded API).
//! 3. Meanwhile enactor B applies g20 to regional, and B's lock record expires.
//! 4. A's read returns root g20 and the lock free; A does not look at the root. Its batch
//!    (lock preamble as read, g12's tree, root flip) commits: the lock record is exactly as
//!    A read it. **`no_stale_overwrite` is still violated**, only more rarely.
//!
//! Why it does not hold: the check sits on a read that the batch does not cover. Any commit
//! between the re-check and the lock read goes unseen. The same comparison made on the lock
//! read itself (`check-under-lock`) closes the window, because the batch DELETEs the lock
//! record exactly as that read saw it: with the lock in the zone, a commit after the read
//! aborts the batch. So the stale overwrites left here come from *where* the check sits,
//! not from re-checking as such.
//!
//! Clean-up and the rollback record are unchanged, so when a stale write does land, the
//! rest of the incident (deleted live tree, stuck batches) can still follow.

use crate::design::{Design, SeparateCheck};
use crate::dns::ZoneSnapshot;
use crate::plan::Plan;

/// The `recheck-before-write` design (see the module's essay).
pub struct RecheckBeforeWrite;

/// Go on only if the endpoint serves an older plan than the one in hand (or none).
fn serves_older(plan: &Plan, zone: &ZoneSnapshot) -> bool {
    zone.root < Some(plan.generation)
}

impl Design for RecheckBeforeWrite {
    fn name(&self) -> &'static str {
        "recheck-before-write"
    }

    fn summary(&self) -> &'static str {
        "re-checks the live generation in a separate read before each attempt"
    }

    fn check_before_attempt(&self) -> Option<SeparateCheck> {
        Some(serves_older)
    }
}
