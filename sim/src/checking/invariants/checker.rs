//! The checker: every invariant of a run, asked after every event and at the end; the first
//! violation of each is kept.

use std::time::Duration;

use dnsim_model::SystemConfig;

use super::{
    active_plan_exists, converges, endpoint_resolves, no_stale_overwrite, rollback_target_exists,
    End, Invariant, Seen, Violation,
};

/// Runs every invariant; remembers which have been violated.
pub struct Checker {
    invariants: Vec<Box<dyn Invariant>>,
    /// Whether each invariant (the same order) has been violated: a flag per invariant,
    /// asked at every event, rather than a search of `violations`.
    violated: Vec<bool>,
    violations: Vec<Violation>,
}

impl Checker {
    /// Every invariant, for a system configured as `config`.
    pub fn new(config: &SystemConfig) -> Checker {
        let invariants: Vec<Box<dyn Invariant>> = vec![
            Box::new(no_stale_overwrite::NoStaleOverwrite::new(
                config.endpoints as usize,
            )),
            Box::new(active_plan_exists::ActivePlanExists),
            Box::new(rollback_target_exists::RollbackTargetExists),
            Box::new(endpoint_resolves::EndpointResolves),
            Box::new(converges::Converges::new(config)),
        ];
        Checker {
            violated: vec![false; invariants.len()],
            invariants,
            violations: Vec::new(),
        }
    }

    /// Records the first violation of invariant `i`, if `message` says there is one.
    fn record(&mut self, i: usize, at: Duration, message: Option<String>) -> Option<Violation> {
        let message = message?;
        if self.violated[i] {
            return None;
        }
        self.violated[i] = true;
        let violation = Violation {
            invariant: self.invariants[i].id(),
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
            if self.violated[i] {
                continue;
            }
            if let Some(message) = self.invariants[i].after_event(seen) {
                new.extend(self.record(i, at, Some(message)));
            }
        }
        new
    }

    /// Checks every invariant when the run ends at `at`.
    pub fn at_end(&mut self, at: Duration, end: &End<'_>) -> Vec<Violation> {
        let mut new = Vec::new();
        for i in 0..self.invariants.len() {
            let message = self.invariants[i].at_end(end);
            new.extend(self.record(i, at, message));
        }
        new
    }

    /// Every violation found, in the order found.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}
