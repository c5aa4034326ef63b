//! One line of a run's trace ([`TraceEntry`]: an event, an injected fault or a violation)
//! and how its simulated time is shown.

use std::fmt;
use std::time::Duration;

use dnsim_model::Event;

use crate::checking::invariants::Violation;
use crate::running::schedule::ScheduledFault;

/// One line of the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEntry {
    /// A model event.
    Event(Event),
    /// An injected fault.
    Fault(ScheduledFault),
    /// A broken invariant.
    Violation(Violation),
}

impl fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceEntry::Event(event) => write!(f, "{event}"),
            TraceEntry::Fault(scheduled) => {
                write!(f, "{:<12} {}: {}", "fault", scheduled.at, scheduled.fault)
            }
            TraceEntry::Violation(violation) => write!(
                f,
                "{:<12} !!! {} violated: {}",
                "VIOLATION", violation.invariant, violation.message
            ),
        }
    }
}

/// Renders simulated time as `123.456s`.
pub fn format_time(at: Duration) -> String {
    format!("{:>8}.{:03}s", at.as_secs(), at.subsec_millis())
}
