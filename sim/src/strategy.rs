//! Fault strategies: how a seeded run chooses its faults.
//!
//! A race like this one hides in a thin slice of the space of runs: one enactor must be
//! held between its one-time check and its writes for long enough that the planner moves
//! more than `cleanup_age_generations` ahead, and another enactor's clean-up must come
//! after the stale write. A seed that injects faults at the scenario's rates, the same
//! everywhere, spends almost all its effort on faults that do not matter (a slow call here,
//! a throttled read there) and reaches the race only when, by luck, a rare long stall or a
//! run of back-offs lands in the right place. The strategies below spend the same seeds differently. Whatever a
//! strategy chooses, it chooses from the run's own fault RNG (a `ChaCha8Rng` seeded from
//! madsim's), and every fault it injects is a named decision recorded in the run's
//! [`FaultSchedule`](crate::faults::FaultSchedule): a run found by any strategy replays
//! exactly from its seed and strategy, and exactly from its schedule alone
//! ([`FaultSource::Scripted`](crate::faults::FaultSource::Scripted)), so it can be shrunk
//! later like any other.
//!
//! ## `uniform`
//!
//! Every decision is drawn at the scenario's rates, the same for every seed: what the
//! injector always did. Its runs are byte-identical to the runs of the harness before
//! strategies existed, so saved seeds and pinned verdicts keep their trace hashes.
//!
//! ## `swarm`
//!
//! Swarm testing (Groce, Zhang, Eide, Chen, Regehr, "Swarm Testing", ISSTA 2012; used by
//! FoundationDB's simulator and TigerBeetle's VOPR) gives each seed its own configuration
//! instead of one configuration for all. Here, at the start of the run and before any
//! decision, the seed draws for each fault kind whether it is on (probability 1/2) and, if
//! it is, a factor, log-uniform in [`SWARM_FACTOR`], that scales the scenario's probability
//! for that kind (capped at 1). Magnitudes (how long a stall, how many plans in a burst)
//! stay the scenario's. "Off" covers the quieter worlds; "on" ranges from the scenario's own
//! rate (a normal day) to a hundred times it (a very bad one).
//!
//! Why this finds more than `uniform`: a race needs some faults much more often than a
//! realistic scenario has them, and is hidden by others. Measured on the `realistic`
//! scenario (3,000 swarm seeds of the `original` design, violating seeds with the kind on
//! against off):
//!
//! - bursts are necessary: `active_plan_exists` in 28.5% of seeds with bursts on, in none
//!   with them off (without a burst too few generations pass for clean-up to reach a stale
//!   plan);
//! - API errors are a second source of delay, besides stalls: every failed call costs an
//!   exponential back-off, the incident's own "unusually high delays" (18.3% against 9.6%;
//!   `endpoint_resolves` 4.7% against 1.0%); lock contention likewise (17.2% against 10.9%);
//! - stalls help (18.6% against 9.7%), and crashes hide the race a little (13.1% against
//!   15.0%): a crash throws away the stale plan an enactor holds.
//!
//! The mix is recorded in the outcome ([`StrategyChoices::Swarm`]) and printed as the
//! first line of a traced replay.
//!
//! ## `bounded-delay`
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
//!
//! ## Which is best
//!
//! Measured by [`compare_strategies`](crate::compare::compare_strategies) (see
//! [`Strategy::default`] for the numbers): on the `realistic` scenario both `swarm` and
//! `bounded-delay` meet `active_plan_exists` 18 to 30 times sooner than `uniform`;
//! `bounded-delay` is a little quicker there, but `swarm` deletes a live tree
//! (`endpoint_resolves`, `converges`) six times sooner than `bounded-delay`, whose light
//! faults give up the back-offs that swarm's API errors and lock contention bring. So a
//! hunt uses `swarm`; `bounded-delay` earns its place where stalls themselves are the rare
//! ingredient: its rate does not depend on how rare the scenario's stalls are at all.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use dnsim_model::{Actor, EndpointId, Fault, FaultKind, Site, Step};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::scenario::{FaultRates, Scenario};

/// `bounded-delay`'s number of stall points per seed unless told otherwise.
pub const DEFAULT_DEPTH: u32 = 3;

/// `swarm`'s range of factors on a fault kind's probability, drawn log-uniformly.
///
/// From the scenario's own rate to a hundred times it; "off" already covers the quieter
/// worlds. A range centred on 1 mostly reproduces `uniform`: on a draft of the realistic
/// scenario with stalls twice as likely (20 trials of up to 400 seeds), the median seeds
/// to the first `active_plan_exists` were 53 with [0.1, 10], 11 with [0.25, 32], 6 with
/// [1, 30] and 4 with [1, 100], against 45 for `uniform`.
pub const SWARM_FACTOR: [f64; 2] = [1.0, 100.0];

/// `bounded-delay`'s light faults: the scenario's probabilities times this (and no stalls).
pub const LIGHT_FACTOR: f64 = 0.1;

/// How a seeded run chooses its faults. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// The scenario's rates, the same for every seed.
    Uniform,
    /// A fault mix drawn per seed.
    Swarm,
    /// At most `depth` long stalls at chosen points, light faults elsewhere.
    BoundedDelay { depth: u32 },
}

impl Strategy {
    /// Every strategy, with `bounded-delay` at its default depth: what
    /// [`compare_strategies`](crate::compare::compare_strategies) measures.
    pub const ALL: [Strategy; 3] = [
        Strategy::Uniform,
        Strategy::Swarm,
        Strategy::BoundedDelay {
            depth: DEFAULT_DEPTH,
        },
    ];
}

/// The strategy a hunt should use: `swarm`, because it measured best.
///
/// Measured with `compare_strategies(realistic, original, 30 trials, at most 500 seeds
/// each, 1 job)`, on this 2-core machine shared with other work:
///
/// | strategy | invariant | median seeds to first | p90 | violating seeds |
/// |---|---|---|---|---|
/// | uniform | `active_plan_exists` | 90 | 231 | 0.6% |
/// | uniform | `endpoint_resolves`, `converges` | > 500 | > 500 | 1 of 14,587 |
/// | swarm | `active_plan_exists` | 5 | 15 | 14.1% |
/// | swarm | `endpoint_resolves`, `converges` | 26 | 112 | 2.6% |
/// | bounded-delay | `active_plan_exists` | 3 | 9 | 19.9% |
/// | bounded-delay | `endpoint_resolves`, `converges` | 162 | 377 | 0.6% |
///
/// `swarm` finds every invariant of the original design (the median trial has all four
/// within 26 seeds, about 30 ms on one core at about 1.1 ms per seed); `bounded-delay`
/// is quicker to `active_plan_exists` by two seeds but six times slower to the deleted
/// live tree. On the generous `incident` scenario (20 trials of up to 300 seeds) the
/// medians to `endpoint_resolves` were 8 (swarm), 10 (uniform) and 73 (bounded-delay).
///
/// [`RunSpec::seeded`](crate::run::RunSpec::seeded) does *not* use this default: it runs
/// `uniform`, so that saved seeds and the pinned verdicts (all found with `uniform`)
/// replay byte-identically. Ask for a strategy with
/// [`RunSpec::with_strategy`](crate::run::RunSpec::with_strategy).
impl Default for Strategy {
    fn default() -> Strategy {
        Strategy::Swarm
    }
}

impl fmt::Display for Strategy {
    /// The kebab-case name (`bounded-delay:D` for a depth other than the default); honours
    /// width and alignment, so that it lines up in tables.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Uniform => f.pad("uniform"),
            Strategy::Swarm => f.pad("swarm"),
            Strategy::BoundedDelay {
                depth: DEFAULT_DEPTH,
            } => f.pad("bounded-delay"),
            Strategy::BoundedDelay { depth } => f.pad(&format!("bounded-delay:{depth}")),
        }
    }
}

impl FromStr for Strategy {
    type Err = String;

    fn from_str(name: &str) -> Result<Strategy, String> {
        let bad = || {
            format!("unknown strategy {name:?}: strategies are uniform, swarm, bounded-delay (or bounded-delay:D for depth D, 1 to 16)")
        };
        match name {
            "uniform" => Ok(Strategy::Uniform),
            "swarm" => Ok(Strategy::Swarm),
            "bounded-delay" => Ok(Strategy::BoundedDelay {
                depth: DEFAULT_DEPTH,
            }),
            _ => {
                let depth: u32 = name
                    .strip_prefix("bounded-delay:")
                    .and_then(|d| d.parse().ok())
                    .filter(|d| (1..=16).contains(d))
                    .ok_or_else(bad)?;
                Ok(Strategy::BoundedDelay { depth })
            }
        }
    }
}

impl Serialize for Strategy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Strategy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Strategy, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One fault kind in a swarm mix.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SwarmKind {
    pub kind: FaultKind,
    /// The factor on the scenario's probability; `None` when the kind is off.
    pub factor: Option<f64>,
    /// The probability the run draws this kind at (0 when off, at most 1).
    pub probability: f64,
}

/// Where in an enactor's plan a bounded-delay stall strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "before", rename_all = "kebab-case")]
pub enum DelayAt {
    /// Before the first attempt at this endpoint (by index: 0 is `regional`), after the
    /// one-time check and after the writes to the endpoints before it.
    Write { endpoint: u16 },
    /// Before the plan's clean-up, after it has been applied everywhere.
    Cleanup,
}

/// One bounded-delay stall point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayPoint {
    pub enactor: u8,
    /// 1-based: the enactor's n-th plan (a pick-up whose one-time check passed).
    pub plan: u32,
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

/// What a strategy chose for one run, recorded in its [`Outcome`](crate::run::Outcome).
///
/// For display only: the faults themselves are in the run's fault schedule, which is all
/// a scripted replay needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "kebab-case")]
pub enum StrategyChoices {
    /// Nothing to choose: the scenario's rates.
    Uniform,
    /// The fault mix of this seed, one entry per fault kind.
    Swarm { mix: Vec<SwarmKind> },
    /// The stall points of this seed (at most `depth`).
    BoundedDelay { depth: u32, points: Vec<DelayPoint> },
    /// A scripted replay: the faults came from a schedule; no strategy chose anything.
    Scripted,
}

impl fmt::Display for StrategyChoices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrategyChoices::Uniform => f.write_str("uniform: the scenario's fault rates"),
            StrategyChoices::Scripted => f.write_str("scripted: the faults of a recorded schedule"),
            StrategyChoices::Swarm { mix } => {
                f.write_str("swarm mix:")?;
                for (i, entry) in mix.iter().enumerate() {
                    let separator = if i == 0 { " " } else { ", " };
                    match entry.factor {
                        Some(factor) => write!(
                            f,
                            "{separator}{} x{factor:.2} (p={:.5})",
                            kind_name(entry.kind),
                            entry.probability
                        )?,
                        None => write!(f, "{separator}{} off", kind_name(entry.kind))?,
                    }
                }
                Ok(())
            }
            StrategyChoices::BoundedDelay { depth, points } => {
                write!(f, "bounded-delay, depth {depth}:")?;
                for (i, point) in points.iter().enumerate() {
                    let separator = if i == 0 { " " } else { "; " };
                    write!(f, "{separator}{point}")?;
                    match &point.struck_at {
                        Some(site) => write!(f, " (struck at {site})")?,
                        None => f.write_str(" (not reached)")?,
                    }
                }
                Ok(())
            }
        }
    }
}

fn kind_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::Delay => "api-delay",
        FaultKind::ApiError => "api-error",
        FaultKind::LockHeld => "lock-held",
        FaultKind::Stall => "stall",
        FaultKind::Crash => "crash",
        FaultKind::Burst => "burst",
    }
}

/// The fault kinds in the order a swarm mix is drawn (and shown).
const KINDS: [FaultKind; 6] = [
    FaultKind::Delay,
    FaultKind::ApiError,
    FaultKind::LockHeld,
    FaultKind::Stall,
    FaultKind::Crash,
    FaultKind::Burst,
];

/// The probability of `kind` in `rates`.
fn probability_mut(rates: &mut FaultRates, kind: FaultKind) -> &mut f64 {
    match kind {
        FaultKind::Delay => &mut rates.api_delay.probability,
        FaultKind::ApiError => &mut rates.api_error.probability,
        FaultKind::LockHeld => &mut rates.lock_held.probability,
        FaultKind::Stall => &mut rates.stall.probability,
        FaultKind::Crash => &mut rates.crash.probability,
        FaultKind::Burst => &mut rates.burst.probability,
    }
}

/// A uniform draw in `[0, 1)`: true with `probability`. Always exactly one draw, so that
/// the stream stays aligned whatever the probability.
fn chance(rng: &mut ChaCha8Rng, probability: f64) -> bool {
    rng.gen::<f64>() < probability
}

fn between(rng: &mut ChaCha8Rng, [min, max]: [u64; 2]) -> u64 {
    rng.gen_range(min..=max)
}

/// One decision at `rates`: what `uniform` does at every site (and `swarm`, at its mix).
fn draw_at_rates(rng: &mut ChaCha8Rng, rates: &FaultRates, kind: FaultKind) -> Option<Fault> {
    match kind {
        FaultKind::Delay => chance(rng, rates.api_delay.probability).then(|| Fault::Delay {
            ms: between(rng, rates.api_delay.ms),
        }),
        FaultKind::ApiError => chance(rng, rates.api_error.probability).then_some(Fault::ApiError),
        FaultKind::LockHeld => chance(rng, rates.lock_held.probability).then(|| Fault::LockHeld {
            ms: between(rng, rates.lock_held.ms),
        }),
        FaultKind::Stall => chance(rng, rates.stall.probability).then(|| Fault::Stall {
            ms: between(rng, rates.stall.ms),
        }),
        FaultKind::Crash => chance(rng, rates.crash.probability).then(|| Fault::Crash {
            restart_ms: between(rng, rates.crash.restart_ms),
        }),
        FaultKind::Burst => chance(rng, rates.burst.probability).then(|| Fault::Burst {
            plans: between(rng, rates.burst.plans.map(u64::from)) as u32,
        }),
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

/// A strategy at work in one seeded run: its choices, drawn at the start, and every
/// decision after that. All randomness comes from the run's fault RNG.
pub(crate) struct Chooser {
    /// The rates decisions are drawn at: the scenario's, the swarm mix's, or the light ones.
    rates: FaultRates,
    /// Bounded-delay only: stalls strike only at these points.
    delay: Option<DelayPlan>,
    /// Swarm only: the mix, for the outcome.
    mix: Option<Vec<SwarmKind>>,
}

impl Chooser {
    /// Draws the strategy's choices for this run, before any decision. `uniform` draws
    /// nothing, so its decision stream is exactly the one the harness always had.
    pub(crate) fn new(strategy: Strategy, scenario: &Scenario, rng: &mut ChaCha8Rng) -> Chooser {
        let mut rates = scenario.faults.clone();
        match strategy {
            Strategy::Uniform => Chooser {
                rates,
                delay: None,
                mix: None,
            },
            Strategy::Swarm => {
                let [low, high] = SWARM_FACTOR.map(f64::ln);
                let mut mix = Vec::new();
                for kind in KINDS {
                    // Both draws always happen, so each kind's draws sit at a fixed place.
                    let on = chance(rng, 0.5);
                    let factor = rng.gen_range(low..high).exp();
                    let probability = probability_mut(&mut rates, kind);
                    // Capped at 1: in a generous scenario a mix can then be degenerate (every
                    // API call fails), a wasted seed; swarm testing accepts a few of those
                    // as the price of variety.
                    *probability = if on {
                        (*probability * factor).min(1.0)
                    } else {
                        0.0
                    };
                    mix.push(SwarmKind {
                        kind,
                        factor: on.then_some(factor),
                        probability: *probability,
                    });
                }
                Chooser {
                    rates,
                    delay: None,
                    mix: Some(mix),
                }
            }
            Strategy::BoundedDelay { depth } => {
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
                Chooser {
                    rates,
                    delay: Some(DelayPlan::draw(depth, scenario, rng)),
                    mix: None,
                }
            }
        }
    }

    /// What the strategy chose, so far (stall points record where they struck).
    pub(crate) fn choices(&self) -> StrategyChoices {
        match (&self.mix, &self.delay) {
            (Some(mix), _) => StrategyChoices::Swarm { mix: mix.clone() },
            (_, Some(delay)) => StrategyChoices::BoundedDelay {
                depth: delay.depth,
                points: delay.points.clone(),
            },
            (None, None) => StrategyChoices::Uniform,
        }
    }

    /// What the strategy chose, as the first line of a traced replay (before any stall
    /// point can have been reached).
    pub(crate) fn announce(&self) -> String {
        match &self.delay {
            Some(delay) => {
                let points: Vec<String> = delay.points.iter().map(|p| p.to_string()).collect();
                format!(
                    "bounded-delay, depth {}: {}",
                    delay.depth,
                    points.join("; ")
                )
            }
            None => self.choices().to_string(),
        }
    }

    /// One decision: what fault of `kind`, if any, strikes at `site`.
    pub(crate) fn decide(
        &mut self,
        rng: &mut ChaCha8Rng,
        site: &Site,
        kind: FaultKind,
    ) -> Option<Fault> {
        match (&mut self.delay, kind) {
            (Some(delay), FaultKind::Stall) => delay.stall_at(site),
            _ => draw_at_rates(rng, &self.rates, kind),
        }
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
    fn uniform_draws_nothing_before_the_run() {
        // What keeps `uniform` runs byte-identical to the runs before strategies existed.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut untouched = rng.clone();
        let chooser = Chooser::new(Strategy::Uniform, &realistic(), &mut rng);
        assert_eq!(rng.gen::<u64>(), untouched.gen::<u64>());
        assert_eq!(chooser.choices(), StrategyChoices::Uniform);
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

    #[test]
    fn strategies_serialize_by_name() {
        for strategy in [Strategy::Swarm, Strategy::BoundedDelay { depth: 2 }] {
            let json = serde_json::to_string(&strategy).unwrap();
            assert_eq!(json, format!("\"{strategy}\""));
            assert_eq!(serde_json::from_str::<Strategy>(&json).unwrap(), strategy);
        }
        assert!(serde_json::from_str::<Strategy>("\"pct\"").is_err());
    }
}
