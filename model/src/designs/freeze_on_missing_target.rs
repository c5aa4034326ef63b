//! `freeze-on-missing-target`: on a missing rollback target, freeze the endpoint and alarm.
//!
//! In the incident, every later batch had to point the rollback record at a plan whose tree
//! clean-up had deleted; Route 53 rejected each one and the enactors retried for ever.
//! AWS's re:Invent 2025 talk DAT453 calls the alternative "converting errors to frozen
//! states".
//!
//! 1. An enactor's batch is rejected because an alias target is missing.
//! 2. Instead of backing off and retrying, the enactor marks the endpoint frozen and raises
//!    an alarm (an `Alarm` event in the trace).
//! 3. No enactor touches a frozen endpoint again; an operator must repair it.
//!
//! What it trades: the enactors no longer spin on an endpoint they cannot fix, and the
//! failure is loud instead of silent. But the endpoint stays as it is until an operator
//! acts, so **`converges` is still violated** (the run has no operator), now with an alarm
//! raised at the moment it became stuck. Nothing here prevents the stale overwrite or the
//! deletion of the live tree that lead to the missing target.

use crate::design::{Design, OnMissingTarget, View};
use crate::dns::{BatchError, EndpointId};

/// The `freeze-on-missing-target` design (see the module's essay).
pub struct FreezeOnMissingTarget;

impl Design for FreezeOnMissingTarget {
    fn name(&self) -> &'static str {
        "freeze-on-missing-target"
    }

    fn summary(&self) -> &'static str {
        "on a missing rollback target, freezes the endpoint and raises an alarm"
    }

    fn on_missing_target(
        &self,
        _view: &View,
        _endpoint: EndpointId,
        error: &BatchError,
    ) -> OnMissingTarget {
        assert!(matches!(error, BatchError::AliasTargetMissing { .. }));
        OnMissingTarget::Freeze
    }
}
