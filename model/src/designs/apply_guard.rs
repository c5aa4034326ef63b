//! `apply-guard`: the write path refuses a batch that would leave an endpoint empty.
//!
//! AWS's summary promises "protections to prevent the application of incorrect DNS plans".
//! Here the protection sits in the write path itself, checked atomically at commit against
//! the zone as it is then (not as the writer read it):
//!
//! 1. A batch that would delete the tree the root alias points at is refused.
//! 2. A batch that would leave the endpoint resolving to no addresses is refused.
//! 3. A refused batch changes nothing; its writer backs off and retries (clean-up gives up
//!    after its attempts, as for any rejection).
//!
//! Why it should hold for empty answers: the guard sees every batch against the live zone,
//! so no interleaving can slip a deletion of the live tree past it: `endpoint_resolves`
//! holds. And since the root's tree always exists, every later batch can point the
//! rollback record at it: no batch gets stuck, `converges` holds.
//!
//! What it does not stop: the stale overwrite (**`no_stale_overwrite` is still violated**;
//! the old plan has addresses, so the guard lets it through), and clean-up deleting the
//! tree the *rollback* record points at (**`rollback_target_exists` is still violated**; a
//! rollback would find nothing, though no client is served from it).

use crate::design::{Design, WriteGuard};
use crate::dns::Zone;

/// The `apply-guard` design (see the module's essay).
pub struct ApplyGuard;

/// Refuses a batch that deletes the live tree or leaves the endpoint with no addresses.
fn never_empty(before: &Zone, after: &Zone) -> Result<(), &'static str> {
    let live_tree_deleted = before
        .root
        .is_some_and(|root| before.trees.contains_key(&root) && !after.trees.contains_key(&root));
    if live_tree_deleted {
        return Err("deletes the tree the root alias points at");
    }
    if !before.resolve().is_empty() && after.resolve().is_empty() {
        return Err("leaves the endpoint resolving to no addresses");
    }
    Ok(())
}

impl Design for ApplyGuard {
    fn name(&self) -> &'static str {
        "apply-guard"
    }

    fn summary(&self) -> &'static str {
        "the write path refuses batches that delete the live tree or empty the endpoint"
    }

    fn write_guard(&self) -> Option<WriteGuard> {
        Some(never_empty)
    }
}
