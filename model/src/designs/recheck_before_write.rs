//! `recheck-before-write`: re-check freshness just before each endpoint's batch, outside it.
//!
//! The obvious patch for a one-time check made long ago: make it again, just before
//! writing. Before every attempt at an endpoint the enactor re-reads the endpoint's live
//! generation and skips the endpoint if it already serves this plan or a newer one.
//!
//! Why it narrows the race but does not close it:
//!
//! 1. Enactor A re-reads regional: it serves g10, A holds g12. Fresh enough: go on.
//! 2. A's next call, the read of the lock record, is slow (an overloaded API) for longer than
//!    a lock's expiry.
//! 3. Meanwhile enactor B applies g20 to regional, and B's lock record expires.
//! 4. A's read returns the lock free, and A's batch (lock preamble as read, g12's tree, root
//!    flip) commits: the lock record is exactly as A read it, and nothing in the batch says
//!    which plan is newer. **`no_stale_overwrite` is still violated**, only more rarely: the
//!    window is now the few calls between the re-check and the commit, not the whole plan.
//!
//! Clean-up and the rollback record are unchanged, so when a stale write does land, the
//! rest of the incident (deleted live tree, stuck batches) can still follow.

use crate::design::{build_tree_and_flip, significantly_older, Design};
use crate::dns::{Change, EndpointId, ZoneSnapshot};
use crate::plan::{Generation, Plan};

pub struct RecheckBeforeWrite;

impl Design for RecheckBeforeWrite {
    fn name(&self) -> &'static str {
        "recheck-before-write"
    }

    fn rechecks_before_write(&self) -> bool {
        true
    }

    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        Some(build_tree_and_flip(plan, endpoint, zone))
    }

    fn cleanup_victims(
        &self,
        applied: Generation,
        age: u64,
        zone: &ZoneSnapshot,
    ) -> Vec<Generation> {
        significantly_older(applied, age, zone)
    }
}
