//! `generation-fencing`: a compare-and-set of the applied generation inside the batch.
//!
//! Each zone gets a fence record holding the generation applied to it. Every apply batch
//! DELETEs the fence exactly as the enactor read it and CREATEs it with the plan's
//! generation, in the same all-or-nothing batch as the root flip. An enactor that reads a
//! fence at or above its plan skips the endpoint.
//!
//! Why it holds:
//!
//! 1. Enactor A, delayed, holds g10; regional's fence says g30. A skips regional.
//! 2. If A read the fence before B committed g30, A's DELETE of the fence as read no longer
//!    matches at commit: Route 53 rejects the whole batch. The check and the write are one
//!    atomic step: **no stale overwrite can commit**.
//! 3. Clean-up, run after an enactor has applied its plan g30 to every endpoint, deletes
//!    trees older than g15; every root is at g30 or newer (fences only rise), so no live tree
//!    is deleted and no batch gets stuck on a missing rollback target.
//!
//! What it leaves as it was: clean-up still goes by age alone, so a rollback record that
//! points at a plan more than the threshold older (an endpoint that jumped many generations
//! at once) can still be deleted under it. See the README's findings.

use crate::design::{build_tree_and_flip, fenced, Design};
use crate::dns::{Change, EndpointId, ZoneSnapshot};
use crate::plan::Plan;

/// The `generation-fencing` design (see the module's essay).
pub struct GenerationFencing;

impl Design for GenerationFencing {
    fn name(&self) -> &'static str {
        "generation-fencing"
    }

    fn summary(&self) -> &'static str {
        "a fence record in every batch: DELETE as read, CREATE with the plan"
    }

    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        fenced(plan, zone, build_tree_and_flip(plan, endpoint, zone))
    }
}
