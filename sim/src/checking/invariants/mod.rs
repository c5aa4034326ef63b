//! The invariants: named, documented claims checked after every event of a run.
//!
//! Each invariant lives in its own file with a `//!` essay saying what it claims and which
//! step of the incident breaks it. The [`Checker`] runs them all: the safety invariants after
//! every event (every DNS change, every plan deletion), the liveness one when the run ends.
//! Only the first violation of each invariant in a run is reported.
//!
//! Invariants read zones from the harness's reference copy ([`crate::oracle`]), never from
//! the model, and only the zone the event changed: a zone no event touched cannot have newly
//! broken a claim, so per-event work stays flat however many endpoints there are.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use dnsim_model::{EndpointId, Event, SystemConfig, World};
use serde::{Deserialize, Serialize};

mod active_plan_exists;
mod converges;
mod endpoint_resolves;
mod no_stale_overwrite;
mod rollback_target_exists;

pub use converges::converge_bound_ms;

use crate::checking::measures::Watch;
use crate::checking::oracle::Reference;

/// The stable id of an invariant, used in output and files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvariantId {
    NoStaleOverwrite,
    ActivePlanExists,
    RollbackTargetExists,
    EndpointResolves,
    Converges,
}

impl InvariantId {
    pub const ALL: [InvariantId; 5] = [
        InvariantId::NoStaleOverwrite,
        InvariantId::ActivePlanExists,
        InvariantId::RollbackTargetExists,
        InvariantId::EndpointResolves,
        InvariantId::Converges,
    ];

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
    pub event: &'a Event,
    /// The model's world just after the event (its plan history; zones come from `reference`).
    pub world: &'a World,
    pub reference: &'a Reference,
    /// The endpoint whose zone the event changed, if any.
    pub touched: Option<EndpointId>,
}

/// What an invariant sees when the run ends.
pub struct End<'a> {
    pub world: &'a World,
    pub reference: &'a Reference,
    pub watch: &'a Watch,
}

/// One invariant's state and checks.
pub trait Invariant {
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
    pub invariant: InvariantId,
    pub sim_time_ms: u64,
    pub message: String,
}

/// Runs every invariant; remembers which have been violated.
pub struct Checker {
    invariants: Vec<Box<dyn Invariant>>,
    violations: Vec<Violation>,
}

impl Checker {
    /// Every invariant, for a system configured as `config`.
    pub fn new(config: &SystemConfig) -> Checker {
        Checker {
            invariants: vec![
                Box::new(no_stale_overwrite::NoStaleOverwrite::new(
                    config.endpoints as usize,
                )),
                Box::new(active_plan_exists::ActivePlanExists),
                Box::new(rollback_target_exists::RollbackTargetExists),
                Box::new(endpoint_resolves::EndpointResolves),
                Box::new(converges::Converges::new(config)),
            ],
            violations: Vec::new(),
        }
    }

    fn record(
        &mut self,
        at: Duration,
        id: InvariantId,
        message: Option<String>,
    ) -> Option<Violation> {
        let message = message?;
        if self.violations.iter().any(|v| v.invariant == id) {
            return None;
        }
        let violation = Violation {
            invariant: id,
            sim_time_ms: at.as_millis() as u64,
            message,
        };
        self.violations.push(violation.clone());
        Some(violation)
    }

    /// Checks every invariant after `event`; returns the invariants newly violated. An
    /// invariant already violated is not checked again: only its first violation is
    /// reported, and a check that finds one formats its message (a run whose stale writes
    /// go on would otherwise format one at every later one).
    pub fn after_event(&mut self, at: Duration, seen: &Seen<'_>) -> Vec<Violation> {
        let mut new = Vec::new();
        for i in 0..self.invariants.len() {
            let id = self.invariants[i].id();
            if self.violations.iter().any(|v| v.invariant == id) {
                continue;
            }
            let message = self.invariants[i].after_event(seen);
            new.extend(self.record(at, id, message));
        }
        new
    }

    /// Checks every invariant when the run ends at `at`.
    pub fn at_end(&mut self, at: Duration, end: &End<'_>) -> Vec<Violation> {
        let mut new = Vec::new();
        for i in 0..self.invariants.len() {
            let id = self.invariants[i].id();
            let message = self.invariants[i].at_end(end);
            new.extend(self.record(at, id, message));
        }
        new
    }

    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}
