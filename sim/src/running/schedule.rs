//! A run's fault schedule: every injected fault, where it struck and what it was, in order.
//! Its own file because both the injector ([`crate::faults`]) and the trace
//! ([`crate::trace`]) speak of it.

use dnsim_model::{Fault, Site};
use serde::{Deserialize, Serialize};

/// One injected fault: where, and what.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScheduledFault {
    /// The decision at which it struck.
    #[serde(with = "crate::running::site_name")]
    pub at: Site,
    #[serde(flatten)]
    /// The fault, with its magnitude.
    pub fault: Fault,
}

/// Every fault of a run, in the order they struck.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultSchedule(pub Vec<ScheduledFault>);

impl FaultSchedule {
    /// How many faults.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no fault struck.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
