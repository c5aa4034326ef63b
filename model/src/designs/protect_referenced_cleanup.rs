//! `protect-referenced-cleanup`: clean-up never deletes a tree any alias points at.
//!
//! Clean-up reads the live zone (under the lock, like every batch) and leaves alone the tree
//! the root alias points at *and* the tree the rollback record points at, however old: every
//! tree an alias references, not only the active one. (It was first published as
//! `protect-active-cleanup`, a name that told half of it; the old name still parses.)
//!
//! What it fixes and what it does not:
//!
//! 1. Enactor A, delayed, still writes its old plan g10 over g30 at regional: nothing here
//!    orders writes. **`no_stale_overwrite` is still violated.**
//! 2. Enactor B's clean-up reads regional: the root points at g10, so g10 is kept. If the root
//!    flips between B's read and B's delete, the lock record has changed too and B's batch
//!    is rejected. So no alias ever points at a deleted tree: `active_plan_exists` and
//!    `endpoint_resolves` hold, and with them the rollback target always exists, so the
//!    enactors never get stuck.
//!
//! Customers may still be served an older plan for a while; the next pass repairs it.

use crate::design::{unreferenced_and_significantly_older, Design, Victims};
use crate::dns::ZoneSnapshot;
use crate::plan::Generation;

/// The `protect-referenced-cleanup` design (see the module's essay).
pub struct ProtectReferencedCleanup;

impl Design for ProtectReferencedCleanup {
    fn name(&self) -> &'static str {
        "protect-referenced-cleanup"
    }

    fn summary(&self) -> &'static str {
        "clean-up spares the trees the root and rollback records point at"
    }

    fn cleanup_victims<'z>(
        &self,
        applied: Generation,
        age: u64,
        zone: &'z ZoneSnapshot,
    ) -> Victims<'z> {
        Box::new(unreferenced_and_significantly_older(applied, age, zone))
    }
}
