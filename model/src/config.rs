//! The system's own knobs (not its faults), and what makes a set of them valid.

use crate::batches::BatchLimits;
use crate::ids::EndpointId;

/// The system's own knobs (not its faults). Every duration is in simulated milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct SystemConfig {
    /// Number of enactors, one per Availability Zone.
    pub enactors: u8,
    /// Number of DNS endpoints (hosted zones): regional, fips, ipv6, then account-N.
    pub endpoints: u16,
    /// Load balancers (leaf records) per endpoint in every plan; `None`: 2 to 4, varying
    /// with the plan and the endpoint (see [`crate::plan::Plan::new`]).
    pub load_balancers: Option<u16>,
    /// Route 53's limits on one change batch; `None`: unlimited (every tree fits one batch).
    pub batch_limits: Option<BatchLimits>,
    /// Clean-up deletes trees and plans more than this many generations older than the
    /// plan just applied ("significantly older").
    pub cleanup_age_generations: u64,
    /// How long a lock record bars other writers after it is written.
    pub lock_ttl_ms: u64,
    /// Fault-free latency of every DNS API call: uniform in `[min, max]`.
    pub api_latency_ms: (u64, u64),
    /// Back-off after a failed attempt: `base * 2^(attempt-1)`, capped, times a jitter in [0.5, 1].
    pub backoff_base_ms: u64,
    /// The cap on that back-off, in ms.
    pub backoff_cap_ms: u64,
    /// Clean-up's attempts per endpoint before it gives up until the next plan.
    pub cleanup_attempts: u32,
    /// How often an idle enactor looks for a newer plan (times a jitter in [0.5, 1.5]).
    pub enactor_poll_ms: u64,
    /// How often the planner writes a plan.
    pub planner_interval_ms: u64,
    /// Spacing between the plans of a burst.
    pub burst_spacing_ms: u64,
    /// When the planner writes its last plan and goes quiet.
    pub planner_quiet_at_ms: u64,
    /// When the run ends.
    pub run_until_ms: u64,
}

impl SystemConfig {
    /// Every problem with these settings, as `field: problem` lines (empty when valid).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, problem: &str| {
            if !ok {
                problems.push(problem.to_string());
            }
        };
        check(self.enactors >= 1, "enactors: must be at least 1");
        check(self.endpoints >= 1, "endpoints: must be at least 1");
        check(
            usize::from(self.endpoints) <= EndpointId::MAX_COUNT,
            "endpoints: too many for an endpoint id",
        );
        check(
            self.load_balancers.is_none_or(|n| n >= 1),
            "load_balancers: must be at least 1",
        );
        check(
            self.batch_limits
                .is_none_or(|limits| limits.leaves_beside(&[]) >= 1 && limits.max_changes >= 8),
            "batch limits: must leave room for the lock, fence, aliases and a leaf",
        );
        check(self.lock_ttl_ms >= 1, "lock_ttl_ms: must be at least 1");
        check(
            self.api_latency_ms.0 <= self.api_latency_ms.1,
            "api_latency_ms: min must not exceed max",
        );
        check(
            self.backoff_base_ms >= 1,
            "backoff_base_ms: must be at least 1",
        );
        check(
            self.backoff_base_ms <= self.backoff_cap_ms,
            "backoff_cap_ms: must be at least backoff_base_ms",
        );
        check(
            self.cleanup_attempts >= 1,
            "cleanup_attempts: must be at least 1",
        );
        check(
            self.enactor_poll_ms >= 1,
            "enactor_poll_ms: must be at least 1",
        );
        check(
            self.planner_interval_ms >= 1,
            "planner_interval_ms: must be at least 1",
        );
        check(
            self.burst_spacing_ms >= 1,
            "burst_spacing_ms: must be at least 1",
        );
        check(
            self.planner_quiet_at_ms < self.run_until_ms,
            "the planner must go quiet before the run ends",
        );
        problems
    }
}
