//! `original`: the design that failed in us-east-1 in October 2025.
//!
//! Each enactor loops: pick up the newest plan, check *once* that it is newer than what is
//! live, then for each endpoint take the lock and, in one all-or-nothing batch, build the
//! plan's tree, flip the root alias to it and point the rollback record at the previously
//! active plan. After every endpoint, clean up trees "significantly older" than the plan
//! just applied.
//!
//! The race, step by step:
//!
//! 1. Enactor A picks up plan g10; its one-time check passes (g10 is newest).
//! 2. A fails to get the regional lock a few times (or stalls); its back-off grows.
//! 3. The planner writes g11..g30; enactor B picks up g30 and applies it everywhere.
//! 4. A finally gets the lock (legitimately: the lock serialises writes, it does not order
//!    them) and flips regional's root from g30 back to g10. Its check was made long ago.
//!    **`no_stale_overwrite` is violated.**
//! 5. B, done with g30, cleans up: g10 is more than the threshold older than g30, so its
//!    tree is deleted while regional's root points at it. Regional resolves to nothing.
//!    **`active_plan_exists` and `endpoint_resolves` are violated.**
//! 6. Every later batch must point the rollback record at the previously active plan, g10,
//!    whose tree is gone: Route 53 rejects the batch, every enactor retries it forever.
//!    **`converges` is violated**: the automation cannot repair itself.
//!
//! The lock is a compare-and-set on the lock record only: it says nothing about which plan
//! is newer, so nothing in this design stops step 4, 5 or 6.
//!
//! Every hook of [`Design`] defaults to this behaviour, so this file overrides none.

use crate::design::Design;

/// The `original` design: the October 2025 system (see the module's essay).
pub struct Original;

impl Design for Original {
    fn name(&self) -> &'static str {
        "original"
    }

    fn summary(&self) -> &'static str {
        "the October 2025 system: one-time check, in-zone lock, clean-up by age"
    }
}
