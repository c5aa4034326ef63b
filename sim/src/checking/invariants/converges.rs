//! `converges` (liveness): after faults stop and the planner goes quiet, every endpoint
//! serves the newest plan, with addresses, within a bound derived from the scenario.
//!
//! Checked in a second phase, as TigerBeetle's simulator does: faults stop at the end of the
//! fault phase, the system settles, the planner writes one last plan and goes quiet, and the
//! run goes on for the scenario's `converge_within_ms`. The claim is that every endpoint
//! serves that last plan no later than [`converge_bound_ms`] after it was written, and still
//! does when the run ends. Failing it means the automation could not repair itself: step 6
//! of the incident, where every batch was rejected for a missing rollback target.
//!
//! The bound is what a fault-free pass needs at worst, from the scenario's own knobs:
//!
//! - one idle poll to notice the plan: `enactor_poll_ms * 1.5` (the poll's largest jitter);
//! - then, for each of `endpoints` endpoints in turn: a read and a batch at the slowest API
//!   latency (`2 * api_latency_ms.max`), one wait for another enactor's lock to expire
//!   (`lock_ttl_ms`) and one back-off at its cap (`backoff_cap_ms`).
//!
//! For the `incident` scenario: 1500 + 5 * (2 * 80 + 500 + 8000) = 44,800 ms, where the run
//! itself lasts 120,000 ms after the last plan. A looser bound would hide a slow repair; the
//! outage measures (`repair_ms`) say how long repair really took.

use std::time::Duration;

use dnsim_model::SystemConfig;

use super::{End, Invariant, InvariantId};

/// The `converges` bound for a system configured as `config`, in simulated ms.
pub fn converge_bound_ms(config: &SystemConfig) -> u64 {
    let notice = config.enactor_poll_ms + config.enactor_poll_ms / 2;
    let per_endpoint = 2 * config.api_latency_ms.1 + config.lock_ttl_ms + config.backoff_cap_ms;
    notice + u64::from(config.endpoints) * per_endpoint
}

pub struct Converges {
    /// When the last plan is written, and by when every endpoint must serve it.
    last_plan_at: Duration,
    deadline: Duration,
}

impl Converges {
    pub fn new(config: &SystemConfig) -> Converges {
        let last_plan_at = Duration::from_millis(config.planner_quiet_at_ms);
        Converges {
            last_plan_at,
            deadline: last_plan_at + Duration::from_millis(converge_bound_ms(config)),
        }
    }
}

impl Invariant for Converges {
    fn id(&self) -> InvariantId {
        InvariantId::Converges
    }

    fn at_end(&mut self, end: &End<'_>) -> Option<String> {
        let newest = end.world.store.newest_published();
        let bound_ms = (self.deadline - self.last_plan_at).as_millis();
        match end.watch.converged_since() {
            Some(since) if since <= self.deadline => None,
            Some(since) => Some(format!(
                "every endpoint serves the last plan {newest} only {}ms after it was written (bound {bound_ms}ms)",
                (since - self.last_plan_at).as_millis()
            )),
            None => {
                // The run is over: one scan of every endpoint to say which are behind.
                let behind: Vec<String> = end
                    .world
                    .endpoints()
                    .map(|(endpoint, _)| (endpoint, end.reference.zone(endpoint)))
                    .filter(|(_, zone)| zone.root != Some(newest) || zone.resolve().is_empty())
                    .map(|(endpoint, zone)| match zone.root {
                        Some(root) if zone.resolve().is_empty() => {
                            format!("{endpoint} at {root} (tree deleted)")
                        }
                        Some(root) => format!("{endpoint} at {root}"),
                        None => format!("{endpoint} never applied"),
                    })
                    .collect();
                Some(format!("the last plan is {newest}, but {}", behind.join(", ")))
            }
        }
    }
}
