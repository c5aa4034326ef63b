//! `check-under-lock`: compare the plan with the live generation on the lock-covered read.
//!
//! The fix, step by step:
//!
//! 1. Before each attempt at an endpoint the enactor reads the zone, as every design does:
//!    the lock record, the root alias, the rollback record.
//! 2. On that very read it compares its plan with the root's generation, and skips the
//!    endpoint if the root already serves this plan or a newer one.
//! 3. Otherwise it submits the usual batch, whose preamble DELETEs the lock record exactly
//!    as that read saw it.
//!
//! Why it holds **with the lock in the zone**: any batch that commits between the read and
//! this batch rewrites the lock record (every batch DELETEs and re-CREATEs it), so this
//! batch's DELETE no longer matches and Route 53 rejects it whole. The check and the write
//! are one compare-and-set, exactly as with `generation-fencing`'s fence record: the fence
//! adds nothing here, and the two designs give identical traces on every seed. (Unlike
//! `recheck-before-write`, whose check sits on a separate read the batch does not cover.)
//!
//! Why it does **not** hold with a lock outside Route 53 (`leased-enactor`): there the
//! batch validates nothing, so a holder paused between its read and its commit writes over
//! whatever the next holder committed meanwhile. Then a fence in the batch is needed
//! (`leased-and-fenced`).
//!
//! Clean-up is unchanged (by age), so like `generation-fencing` it can still delete a
//! rollback target after an endpoint jumped many generations at once.

use crate::design::{Design, View};
use crate::dns::ZoneSnapshot;
use crate::plan::Plan;

/// The `check-under-lock` design (see the module's essay).
pub struct CheckUnderLock;

impl Design for CheckUnderLock {
    fn name(&self) -> &'static str {
        "check-under-lock"
    }

    fn summary(&self) -> &'static str {
        "compares the plan with the root on the read whose lock record the batch deletes"
    }

    fn check_under_lock(&self, _view: &View, plan: &Plan, zone: &ZoneSnapshot) -> bool {
        zone.root < Some(plan.generation)
    }
}
