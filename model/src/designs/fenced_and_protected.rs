//! `fenced-and-protected`: generation fencing and protected clean-up together.
//!
//! Fencing makes the freshness check and the write one atomic step, so no older plan ever
//! commits over a newer one (see `generation_fencing.rs`). Protected clean-up never deletes
//! the tree a root alias or rollback record points at (see `protect_referenced_cleanup.rs`),
//! which also covers what fencing alone leaves open: a rollback record pointing at a plan
//! more than the age threshold older, after an endpoint jumped many generations at once.
//!
//! 1. A delayed enactor's stale batch is skipped or rejected: `no_stale_overwrite` holds.
//! 2. No alias ever points at a deleted tree: `active_plan_exists`, `endpoint_resolves` hold.
//! 3. Every batch's rollback target exists, so every batch can commit: `converges` holds.

use crate::design::{
    build_tree_and_flip, fenced, unreferenced_and_significantly_older, Design, Victims,
};
use crate::dns::{Change, EndpointId, ZoneSnapshot};
use crate::plan::{Generation, Plan};

/// The `fenced-and-protected` design (see the module's essay).
pub struct FencedAndProtected;

impl Design for FencedAndProtected {
    fn name(&self) -> &'static str {
        "fenced-and-protected"
    }

    fn summary(&self) -> &'static str {
        "generation fencing plus clean-up that spares referenced trees"
    }

    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        fenced(plan, zone, build_tree_and_flip(plan, endpoint, zone))
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
