//! `leased-enactor`: one active enactor at a time, chosen by a lease, with no fence.
//!
//! The lock moves out of Route 53 into a lock service (see `lock_service.rs`), as many real
//! systems do: a lease with a TTL, granted to one enactor at a time.
//!
//! 1. At each look for work an enactor asks for the lease (or renews its own). Without it,
//!    it does nothing until the next poll.
//! 2. With it, it makes the one-time check and picks up the newest plan.
//! 3. Before each attempt at an endpoint it renews the lease; if another enactor has held
//!    the lease since, it abandons the plan.
//! 4. It reads the zone and, on that read, skips the endpoint if the root already serves
//!    this plan or a newer one (the `check-under-lock` comparison).
//! 5. Its batch holds no lock records: the tree, the root flip, the rollback record.
//!
//! Why it should not hold: Route 53 validates nothing about the lease. Enactor A renews,
//! reads regional (g10 < its g12), then its change call is slow past the lease's TTL.
//! Enactor B takes the expired lease, picks up g20 and applies it to regional. A's batch
//! then commits g12 over g20: **`no_stale_overwrite` is violated**. The check in step 4 is
//! not under any lock the write honours. This is the case Kleppmann's "How to do
//! distributed locking" (2016) answers with fencing tokens: see `leased-and-fenced`.
//!
//! Parameter: `lease_ttl_ms` (default: the scenario's `lock_ttl_ms`, so that the lease and
//! the in-zone lock last equally long), e.g. `--variant leased-enactor:lease_ttl_ms=5000`.

use crate::design::{only_number_parameter, Design, LockChoice, View};
use crate::dns::ZoneSnapshot;
use crate::plan::Plan;

#[derive(Default)]
/// The `leased-enactor` design (see the module's essay).
pub struct LeasedEnactor {
    /// The lease's TTL; `None`: the scenario's `lock_ttl_ms`.
    pub lease_ttl_ms: Option<u64>,
}

impl Design for LeasedEnactor {
    fn name(&self) -> &'static str {
        "leased-enactor"
    }

    fn summary(&self) -> &'static str {
        "one active enactor, chosen by a lease outside Route 53; check on the read, no fence"
    }

    fn parameters(&self) -> Vec<(&'static str, String)> {
        let ttl = self.lease_ttl_ms.map(|ms| ("lease_ttl_ms", ms.to_string()));
        ttl.into_iter().collect()
    }

    fn with_parameters(&self, parameters: &[(String, String)]) -> Result<Box<dyn Design>, String> {
        let lease_ttl_ms = only_number_parameter(self.name(), "lease_ttl_ms", parameters)?;
        Ok(Box::new(LeasedEnactor { lease_ttl_ms }))
    }

    fn lock(&self, view: &View) -> LockChoice {
        let ttl_ms = self.lease_ttl_ms.unwrap_or(view.config.lock_ttl_ms);
        LockChoice::Lease { ttl_ms }
    }

    fn check_under_lock(&self, _view: &View, plan: &Plan, zone: &ZoneSnapshot) -> bool {
        zone.root < Some(plan.generation)
    }
}
