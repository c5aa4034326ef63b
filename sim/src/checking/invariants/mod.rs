//! The invariants: named, documented claims checked after every event of a run.
//!
//! Each invariant lives in its own file with a `//!` essay saying what it claims and which
//! step of the incident breaks it. The [`Checker`] (in `checker.rs`) runs them all: the safety invariants after
//! every event (every DNS change, every plan deletion), the liveness one when the run ends.
//! Only the first violation of each invariant in a run is reported.
//!
//! Invariants read zones from the harness's reference copy ([`crate::oracle`]), never from
//! the model, and only the zone the event changed: a zone no event touched cannot have newly
//! broken a claim, so per-event work stays flat however many endpoints there are.

use std::fmt;
use std::str::FromStr;

use dnsim_model::{EndpointId, Event, World};
use serde::{Deserialize, Serialize};

mod active_plan_exists;
mod checker;
mod converges;
mod endpoint_resolves;
mod no_stale_overwrite;
mod rollback_target_exists;

pub use checker::Checker;
pub use converges::converge_bound_ms;

use crate::checking::measures::Watch;
use crate::checking::oracle::Reference;

/// The stable id of an invariant, used in output and files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvariantId {
    /// An endpoint's applied generation never goes backwards.
    NoStaleOverwrite,
    /// Every endpoint's root alias points at an existing plan tree.
    ActivePlanExists,
    /// Every endpoint's rollback record points at an existing plan tree.
    RollbackTargetExists,
    /// Once first applied, every endpoint resolves to at least one address.
    EndpointResolves,
    /// After faults stop and the planner goes quiet, every endpoint serves the newest plan
    /// within a bound derived from the scenario.
    Converges,
}

impl InvariantId {
    /// Every invariant, in the order output lists them.
    pub const ALL: [InvariantId; 5] = [
        InvariantId::NoStaleOverwrite,
        InvariantId::ActivePlanExists,
        InvariantId::RollbackTargetExists,
        InvariantId::EndpointResolves,
        InvariantId::Converges,
    ];

    /// The invariant's stable name, as in output, JSON and seed files.
    pub fn as_str(self) -> &'static str {
        match self {
            InvariantId::NoStaleOverwrite => "no_stale_overwrite",
            InvariantId::ActivePlanExists => "active_plan_exists",
            InvariantId::RollbackTargetExists => "rollback_target_exists",
            InvariantId::EndpointResolves => "endpoint_resolves",
            InvariantId::Converges => "converges",
        }
    }

    /// One line saying what the invariant claims.
    pub fn claim(self) -> &'static str {
        match self {
            InvariantId::NoStaleOverwrite => "an endpoint's applied generation never goes backwards",
            InvariantId::ActivePlanExists => "every endpoint's root alias points at an existing plan tree",
            InvariantId::RollbackTargetExists => "every endpoint's rollback record points at an existing plan tree",
            InvariantId::EndpointResolves => "once first applied, every endpoint resolves to at least one address",
            InvariantId::Converges => {
                "after faults stop and the planner goes quiet, every endpoint serves the newest plan within a bound derived from the scenario"
            }
        }
    }
}

impl fmt::Display for InvariantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InvariantId {
    type Err = String;

    fn from_str(name: &str) -> Result<InvariantId, String> {
        InvariantId::ALL
            .into_iter()
            .find(|id| id.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<_> = InvariantId::ALL.iter().map(|id| id.as_str()).collect();
                format!(
                    "unknown invariant {name:?}: invariants are {}",
                    names.join(", ")
                )
            })
    }
}

/// What an invariant sees after one event.
pub struct Seen<'a> {
    /// The event just reported.
    pub event: &'a Event,
    /// The model's world just after the event (its plan history; zones come from `reference`).
    pub world: &'a World,
    /// The harness's own copy of every zone, with the event's batch committed.
    pub reference: &'a Reference,
    /// The endpoint whose zone the event changed, if any.
    pub touched: Option<EndpointId>,
}

/// What an invariant sees when the run ends.
pub struct End<'a> {
    /// The model's world when the run ended.
    pub world: &'a World,
    /// The harness's own copy of every zone at the end.
    pub reference: &'a Reference,
    /// The outage measures, which know whether and when the system converged.
    pub watch: &'a Watch,
}

/// One invariant's state and checks.
pub trait Invariant {
    /// Which invariant this is.
    fn id(&self) -> InvariantId;

    /// Checked after every event. `Some(what)` is a violation.
    fn after_event(&mut self, _seen: &Seen<'_>) -> Option<String> {
        None
    }

    /// Checked once, when the run ends.
    fn at_end(&mut self, _end: &End<'_>) -> Option<String> {
        None
    }
}

/// A broken invariant: which, when (simulated ms since the run began), and what was seen.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Violation {
    /// The invariant broken.
    pub invariant: InvariantId,
    /// When, in simulated ms since the run began.
    pub sim_time_ms: u64,
    /// What was seen, in one line.
    pub message: String,
}
