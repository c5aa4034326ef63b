//! `leased-and-fenced`: the lease of `leased-enactor` plus the generation fence in the batch.
//!
//! The fix, step by step:
//!
//! 1. One active enactor at a time, chosen by a lease from the lock service, renewed before
//!    each attempt (as in `leased-enactor`).
//! 2. Every apply batch DELETEs the zone's fence record exactly as read and CREATEs it with
//!    the plan's generation, with the tree and the root flip (as in `generation-fencing`).
//!    An enactor that reads a fence at or above its plan skips the endpoint.
//!
//! Why it should hold: the lease only makes overlapping writers rare; the fence makes a
//! stale write impossible. A holder paused past its lease whose batch reaches Route 53
//! after the next holder's commit carries a DELETE of a fence value that is gone: the
//! whole batch is rejected. The plan's generation is the fencing token Kleppmann's "How to
//! do distributed locking" (2016) asks for, checked by the storage itself.
//!
//! Clean-up is unchanged (by age), so like `generation-fencing` it can still delete a
//! rollback target after an endpoint jumped many generations at once.
//!
//! Parameter: `lease_ttl_ms` (default: the scenario's `lock_ttl_ms`).

use crate::design::{build_tree_and_flip, fenced, only_number_parameter, Design, LockChoice, View};
use crate::dns::{Change, EndpointId, ZoneSnapshot};
use crate::plan::Plan;

#[derive(Default)]
/// The `leased-and-fenced` design (see the module's essay).
pub struct LeasedAndFenced {
    /// The lease's TTL; `None`: the scenario's `lock_ttl_ms`.
    pub lease_ttl_ms: Option<u64>,
}

impl Design for LeasedAndFenced {
    fn name(&self) -> &'static str {
        "leased-and-fenced"
    }

    fn summary(&self) -> &'static str {
        "one active enactor by lease, plus the generation fence validated by Route 53"
    }

    fn parameters(&self) -> Vec<(&'static str, String)> {
        let ttl = self.lease_ttl_ms.map(|ms| ("lease_ttl_ms", ms.to_string()));
        ttl.into_iter().collect()
    }

    fn with_parameters(&self, parameters: &[(String, String)]) -> Result<Box<dyn Design>, String> {
        let lease_ttl_ms = only_number_parameter(self.name(), "lease_ttl_ms", parameters)?;
        Ok(Box::new(LeasedAndFenced { lease_ttl_ms }))
    }

    fn lock(&self, view: &View) -> LockChoice {
        let ttl_ms = self.lease_ttl_ms.unwrap_or(view.config.lock_ttl_ms);
        LockChoice::Lease { ttl_ms }
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
