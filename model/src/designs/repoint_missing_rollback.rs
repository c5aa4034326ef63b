//! `repoint-missing-rollback`: point the rollback record elsewhere when its target is gone.
//!
//! In the incident every later batch had to point the rollback record at the previously
//! active plan, which clean-up had deleted; Route 53 rejected each one and no enactor could
//! make progress. Here, when the previously active plan's tree is gone, the enactor points
//! the rollback record at the newest tree that still exists (or at the new plan itself).
//! The batch does not tolerate a missing target (Route 53 would still reject one); it
//! re-points the record at a surviving tree, so the rollback record may then name a plan
//! that was never active at this endpoint. (It was first published as
//! `tolerate-missing-rollback`, a name that hid that; the old name still parses.)
//!
//! What it fixes and what it does not:
//!
//! 1. The stale overwrite still happens: **`no_stale_overwrite` is violated**.
//! 2. Clean-up still deletes the live tree: **`active_plan_exists` and `endpoint_resolves`
//!    are violated**; the endpoint answers with nothing until the next apply.
//! 3. But the next apply succeeds, so the automation repairs itself: `converges` holds.

use crate::design::{build_tree_and_flip, Design};
use crate::dns::{Change, EndpointId, ZoneSnapshot};
use crate::plan::Plan;

/// The `repoint-missing-rollback` design (see the module's essay).
pub struct RepointMissingRollback;

impl Design for RepointMissingRollback {
    fn name(&self) -> &'static str {
        "repoint-missing-rollback"
    }

    fn summary(&self) -> &'static str {
        "points the rollback record at a surviving tree when its target is gone"
    }

    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        let mut changes = build_tree_and_flip(plan, endpoint, zone);
        for change in &mut changes {
            if let Change::UpsertRollback(target) = change {
                if !zone.has_tree(*target) {
                    let newest_surviving = (zone.trees.generations())
                        .rev()
                        .find(|&tree| tree != plan.generation);
                    *target = newest_surviving.unwrap_or(plan.generation);
                }
            }
        }
        Some(changes)
    }
}
