//! The invariants: named, documented claims checked after every event of a run.
//!
//! Each invariant lives in its own file with a `//!` essay saying what it claims and which
//! step of the incident breaks it. The [`Checker`] runs them all: the safety invariants after
//! every event (every DNS change, every plan deletion), the liveness one when the run ends.
//! Only the first violation of each invariant in a run is reported.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use dnsim_model::{Event, World};
use serde::{Deserialize, Serialize};

mod active_plan_exists;
mod converges;
mod endpoint_resolves;
mod no_stale_overwrite;

/// The stable id of an invariant, used in output and files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvariantId {
    NoStaleOverwrite,
    ActivePlanExists,
    EndpointResolves,
    Converges,
}

impl InvariantId {
    pub const ALL: [InvariantId; 4] = [
        InvariantId::NoStaleOverwrite,
        InvariantId::ActivePlanExists,
        InvariantId::EndpointResolves,
        InvariantId::Converges,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvariantId::NoStaleOverwrite => "no_stale_overwrite",
            InvariantId::ActivePlanExists => "active_plan_exists",
            InvariantId::EndpointResolves => "endpoint_resolves",
            InvariantId::Converges => "converges",
        }
    }

    /// One line saying what the invariant claims.
    pub fn claim(self) -> &'static str {
        match self {
            InvariantId::NoStaleOverwrite => "an endpoint's applied generation never goes backwards",
            InvariantId::ActivePlanExists => "no root alias or rollback record points at a deleted plan tree",
            InvariantId::EndpointResolves => "once first applied, every endpoint resolves to at least one address",
            InvariantId::Converges => {
                "after faults stop and the planner goes quiet, every endpoint serves the newest plan in bounded time"
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

/// One invariant's state and checks.
pub trait Invariant {
    fn id(&self) -> InvariantId;

    /// Checked after every event, with the world just after it. `Some(what)` is a violation.
    fn after_event(&mut self, _event: &Event, _world: &World) -> Option<String> {
        None
    }

    /// Checked once, when the run ends.
    fn at_end(&mut self, _world: &World) -> Option<String> {
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
    /// Every invariant, for a system with `endpoints` endpoints.
    pub fn new(endpoints: usize) -> Checker {
        Checker {
            invariants: vec![
                Box::new(no_stale_overwrite::NoStaleOverwrite::new(endpoints)),
                Box::new(active_plan_exists::ActivePlanExists),
                Box::new(endpoint_resolves::EndpointResolves),
                Box::new(converges::Converges),
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
    /// reported, and a check that finds one formats its message.
    pub fn after_event(&mut self, at: Duration, event: &Event, world: &World) -> Vec<Violation> {
        let mut new = Vec::new();
        for i in 0..self.invariants.len() {
            let id = self.invariants[i].id();
            if self.violations.iter().any(|v| v.invariant == id) {
                continue;
            }
            let message = self.invariants[i].after_event(event, world);
            new.extend(self.record(at, id, message));
        }
        new
    }

    /// Checks every invariant when the run ends at `at`.
    pub fn at_end(&mut self, at: Duration, world: &World) -> Vec<Violation> {
        let mut new = Vec::new();
        for i in 0..self.invariants.len() {
            let id = self.invariants[i].id();
            let message = self.invariants[i].at_end(world);
            new.extend(self.record(at, id, message));
        }
        new
    }

    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}
