//! `bounded-delay`: at most `depth` long stalls at chosen points, light faults elsewhere.
//!
//! In the spirit of PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
//! Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs",
//! ASPLOS 2010). PCT observes that most concurrency bugs have a small *depth* d: the number
//! of ordering constraints between events that must all hold for the bug to show (an
//! order violation has depth 1 or 2; the incident needs "the stale enactor writes after
//! the fresh one" and "clean-up runs after the stale write"). PCT runs the program under a
//! priority scheduler: each of the n threads gets a random distinct priority, d - 1 *change
//! points* are chosen uniformly among the k steps of the run, and when the run reaches a
//! change point the running thread's priority drops below every other. Its theorem: every
//! run finds a given bug of depth d with probability at least 1 / (n k^(d-1)), however
//! rare the bug is under a uniform random scheduler, because the random choices are spent
//! only on the few places where ordering matters.
//!
//! We cannot pick priorities in madsim's scheduler, but a long stall does what a priority
//! drop does: the stalled actor stops while every other one runs ahead. So each seed
//! chooses `depth` points (default [`DEFAULT_DEPTH`]) uniformly among the *candidate
//! points* of the run, each with a stall length drawn from the scenario's stall range, and
//! stalls the enactor there; duplicates collapse, so a run stalls at most `depth` points.
//! A candidate point is "enactor k's n-th plan" (the n-th pick-up whose one-time check
//! passed) at one of two places, each chosen half the time:
//!
//! - *before its first write to endpoint e* (e uniform): the enactor has made its one-time
//!   check and, for e past the first, written the plan to the endpoints before e. A stall
//!   here is the incident's delayed enactor, whose check goes stale while it waits;
//! - *before its clean-up* (the first clean-up attempt of that plan): held here, the fresh
//!   enactor's clean-up comes after the stale writes instead of before them.
//!
//! k is the enactor's number (uniform in 1..=enactors) and n is uniform in
//! 1..=`faults_ms / planner_interval_ms` (the planner's ticks in the fault phase: roughly,
//! and at most, the plans an enactor picks up while faults are on). Everything else runs
//! with *light* faults: the scenario's API delay, API error, lock contention and crash
//! probabilities scaled by [`LIGHT_FACTOR`] (1/10), and no stalls but the chosen ones.
//! Planner bursts keep the scenario's rate: a burst is the planner's normal workload
//! rather than a fault of the enactors, and without it too few generations pass during a
//! stall for clean-up to reach the stale plan.
//!
//! How this differs from PCT's guarantee, honestly: PCT's bound rests on choosing among
//! *every* step of the run and on a scheduler that never runs a lower-priority thread while
//! a higher one can run. Ours has neither. The candidate points are a hand-picked subset
//! (the places this race needs), so the bound covers only bugs whose orderings can be
//! forced by stalls at those points; a stall is finite and ends with the fault phase, so
//! whether it reorders two events also depends on time (the planner's cadence, back-offs,
//! the stall's drawn length), not only on steps; and n's range is an estimate, so a point
//! past the enactor's last plan is never reached. What survives is the shape of the
//! argument: if a bug needs the right stalls at d' <= depth particular points among C
//! candidates, and a drawn length works with probability w, a seed finds it with
//! probability about (w / C)^d', independent of how rare the scenario's own stalls are.
//! With 3 enactors, 12 plans and 6 places per plan, C is 216 here, and most bugs accept
//! many points (any enactor, any early plan), so the measured rates are far higher. (Our
//! `depth` counts stall points; PCT's d counts ordering constraints, which it meets with
//! d - 1 change points and the initial priorities.)

use std::collections::BTreeMap;
use std::fmt;

use dnsim_model::{Actor, EndpointId, Fault, FaultKind, Site, Step};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::draw::{between, chance, draw_at_rates, probability_mut};
use super::{Chooser, StrategyChoices};
use crate::running::scenario::{FaultRates, Scenario};

/// `bounded-delay`'s number of stall points per seed unless told otherwise.
pub const DEFAULT_DEPTH: u32 = 3;

/// `bounded-delay`'s light faults: the scenario's probabilities times this (and no stalls).
pub const LIGHT_FACTOR: f64 = 0.1;

/// Where in an enactor's plan a bounded-delay stall strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "before", rename_all = "kebab-case")]
pub enum DelayAt {
    /// Before the first attempt at this endpoint (by index: 0 is `regional`), after the
    /// one-time check and after the writes to the endpoints before it.
    Write {
        /// The endpoint's index.
        endpoint: u16,
    },
    /// Before the plan's clean-up, after it has been applied everywhere.
    Cleanup,
}

/// One bounded-delay stall point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayPoint {
    /// The enactor's number (from 1).
    pub enactor: u8,
    /// 1-based: the enactor's n-th plan (a pick-up whose one-time check passed).
    pub plan: u32,
    /// Where in that plan.
    pub at: DelayAt,
    /// How long the stall lasts (cut short, as every stall is, when the fault phase ends).
    pub ms: u64,
    /// The site where it struck, if the run reached the point while faults were on.
    pub struck_at: Option<Site>,
}

impl DelayPoint {
    fn same_place(&self, other: &DelayPoint) -> bool {
        (self.enactor, self.plan, self.at) == (other.enactor, other.plan, other.at)
    }
}

impl fmt::Display for DelayPoint {
    /// Where and how long; not whether it struck (see [`StrategyChoices`]'s display).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stall enactor-{} {}ms at its plan #{} ",
            self.enactor, self.ms, self.plan
        )?;
        match self.at {
            DelayAt::Write { endpoint } => {
                write!(f, "before its first write to {}", EndpointId(endpoint))
            }
            DelayAt::Cleanup => f.write_str("before its clean-up"),
        }
    }
}

/// The bounded-delay state of one run: the chosen points, and how far each enactor has got.
struct DelayPlan {
    depth: u32,
    points: Vec<DelayPoint>,
    /// Per enactor: plans picked up so far (pick-ups whose one-time check passed).
    plans_seen: BTreeMap<u8, u32>,
    /// Per enactor: the (generation, pass) of the plan in hand, and that plan's number
    /// among the plans this enactor has taken up.
    current: BTreeMap<u8, ((u64, u32), u32)>,
}

impl DelayPlan {
    fn draw(depth: u32, scenario: &Scenario, rng: &mut ChaCha8Rng) -> DelayPlan {
        let enactors = scenario.system.enactors.max(1);
        let endpoints = scenario.system.endpoints.max(1);
        let plans = (scenario.phases.faults_ms / scenario.system.planner_interval_ms).max(1);
        let mut points: Vec<DelayPoint> = Vec::new();
        for _ in 0..depth {
            let enactor = rng.gen_range(1..=enactors);
            let plan = rng.gen_range(1..=plans) as u32;
            // Half the points hold an enactor between its check and its writes, half hold
            // one before its clean-up: the two places the incident's interleaving needs.
            let at = if chance(rng, 0.5) {
                DelayAt::Write {
                    endpoint: rng.gen_range(0..endpoints),
                }
            } else {
                DelayAt::Cleanup
            };
            let ms = between(rng, scenario.faults.stall.ms);
            let point = DelayPoint {
                enactor,
                plan,
                at,
                ms,
                struck_at: None,
            };
            // The same place drawn twice is one point: a run never stalls more than `depth`.
            if !points.iter().any(|p| p.same_place(&point)) {
                points.push(point);
            }
        }
        DelayPlan {
            depth,
            points,
            plans_seen: BTreeMap::new(),
            current: BTreeMap::new(),
        }
    }

    /// At a stall site: the stall of the point this site is, if it is one.
    fn stall_at(&mut self, site: &Site) -> Option<Fault> {
        let Actor::Enactor(enactor) = site.actor else {
            return None;
        };
        let at = match site.step {
            // A pick-up site is asked about stalls only once the one-time check passed:
            // the enactor's next plan starts here.
            Step::Pickup => {
                let seen = self.plans_seen.entry(enactor).or_insert(0);
                *seen += 1;
                self.current
                    .insert(enactor, ((site.plan, site.pass), *seen));
                return None;
            }
            Step::Apply(endpoint) if site.attempt == 1 => DelayAt::Write {
                endpoint: endpoint.0,
            },
            Step::Cleanup(EndpointId::REGIONAL) if site.attempt == 1 => DelayAt::Cleanup,
            _ => return None,
        };
        let &(work, plan) = self.current.get(&enactor)?;
        if work != (site.plan, site.pass) {
            return None;
        }
        let point = self.points.iter_mut().find(|p| {
            p.enactor == enactor && p.plan == plan && p.at == at && p.struck_at.is_none()
        })?;
        point.struck_at = Some(*site);
        Some(Fault::Stall { ms: point.ms })
    }
}

/// `bounded-delay` at work in one run: light rates, and stalls only at the chosen points.
pub(super) struct BoundedDelay {
    rates: FaultRates,
    plan: DelayPlan,
}

impl BoundedDelay {
    /// Draws the seed's stall points, before any decision.
    pub(super) fn draw(depth: u32, scenario: &Scenario, rng: &mut ChaCha8Rng) -> BoundedDelay {
        let mut rates = scenario.faults.clone();
        for kind in [
            FaultKind::Delay,
            FaultKind::ApiError,
            FaultKind::LockHeld,
            FaultKind::Crash,
        ] {
            *probability_mut(&mut rates, kind) *= LIGHT_FACTOR;
        }
        // Stalls strike only at the chosen points; bursts keep the scenario's rate.
        rates.stall.probability = 0.0;
        BoundedDelay {
            rates,
            plan: DelayPlan::draw(depth, scenario, rng),
        }
    }
}

impl Chooser for BoundedDelay {
    fn decide(&mut self, rng: &mut ChaCha8Rng, site: &Site, kind: FaultKind) -> Option<Fault> {
        match kind {
            FaultKind::Stall => self.plan.stall_at(site),
            _ => draw_at_rates(rng, &self.rates, kind),
        }
    }

    fn choices(&self) -> StrategyChoices {
        StrategyChoices::BoundedDelay {
            depth: self.plan.depth,
            points: self.plan.points.clone(),
        }
    }

    fn announce(&self) -> String {
        let points: Vec<String> = self.plan.points.iter().map(|p| p.to_string()).collect();
        format!(
            "bounded-delay, depth {}: {}",
            self.plan.depth,
            points.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use dnsim_model::Call;
    use rand::SeedableRng;

    use super::*;

    fn realistic() -> Scenario {
        Scenario::load("realistic").unwrap()
    }

    #[test]
    fn bounded_delay_points_are_distinct_and_within_the_run() {
        let scenario = realistic();
        for seed in 0..200 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let plan = DelayPlan::draw(8, &scenario, &mut rng);
            assert!(!plan.points.is_empty() && plan.points.len() <= 8);
            for (i, point) in plan.points.iter().enumerate() {
                assert!((1..=scenario.system.enactors).contains(&point.enactor));
                assert!((1..=12).contains(&point.plan), "{point}");
                if let DelayAt::Write { endpoint } = point.at {
                    assert!(endpoint < scenario.system.endpoints);
                }
                let [min, max] = scenario.faults.stall.ms;
                assert!((min..=max).contains(&point.ms));
                assert!(!plan.points[..i].iter().any(|p| p.same_place(point)));
            }
        }
    }

    #[test]
    fn a_stall_point_strikes_once_at_the_place_it_names() {
        let point = |plan, at| DelayPoint {
            enactor: 2,
            plan,
            at,
            ms: 30_000,
            struck_at: None,
        };
        let mut plan = DelayPlan {
            depth: 2,
            points: vec![
                point(2, DelayAt::Write { endpoint: 1 }),
                point(1, DelayAt::Cleanup),
            ],
            plans_seen: BTreeMap::new(),
            current: BTreeMap::new(),
        };
        let site = |generation, step, attempt| Site {
            actor: Actor::Enactor(2),
            plan: generation,
            pass: 1,
            step,
            attempt,
            call: Call::None,
        };
        let fips = Step::Apply(EndpointId(1));
        let cleanup = Step::Cleanup(EndpointId::REGIONAL);
        // Plan #1 (g4): no write point; its clean-up is one.
        assert_eq!(plan.stall_at(&site(4, Step::Pickup, 0)), None);
        assert_eq!(plan.stall_at(&site(4, fips, 1)), None);
        let stall = Some(Fault::Stall { ms: 30_000 });
        assert_eq!(plan.stall_at(&site(4, cleanup, 1)), stall);
        assert_eq!(plan.stall_at(&site(4, cleanup, 1)), None, "once only");
        // Plan #2 (g9): the write to fips, first attempt only.
        assert_eq!(plan.stall_at(&site(9, Step::Pickup, 0)), None);
        assert_eq!(plan.stall_at(&site(9, Step::Apply(EndpointId(0)), 1)), None);
        assert_eq!(plan.stall_at(&site(9, fips, 2)), None);
        assert_eq!(plan.stall_at(&site(9, fips, 1)), stall);
        // Another enactor never matches.
        let other = Site {
            actor: Actor::Enactor(1),
            ..site(9, fips, 1)
        };
        assert_eq!(plan.stall_at(&other), None);
        assert!(plan.points.iter().all(|p| p.struck_at.is_some()));
    }
}
