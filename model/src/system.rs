//! Wiring: the world's shared state, the services every actor calls, and a run's lifetime.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

use madsim::time::{sleep, sleep_until, Instant, TimeHandle};

use crate::batches::BatchLimits;
use crate::chaos::{Actor, Chaos, Fault, FaultKind, Site, Step};
use crate::design::{Design, View};
use crate::dns::{BatchError, Change, Commit, EndpointId, LockRecord, Zone, ZoneSnapshot};
use crate::event::{Event, EventKind, Observer};
use crate::lock_service::{Grant, LockService};
use crate::plan::{Generation, PlanStore};
use crate::{enactor, planner};

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

/// What a draw of benign noise is for (part of its key, so that two draws at one site differ).
#[derive(Clone, Copy, Debug)]
pub enum Noise {
    /// An enactor's start-up delay.
    Start = 1,
    /// An idle enactor's wait before looking for a newer plan.
    Poll = 2,
    /// A DNS API call's fault-free latency.
    Latency = 3,
    /// The back-off after a failed attempt.
    Backoff = 4,
}

/// An endpoint's bits in a noise key: its low byte where the key always held it (so runs
/// of up to 256 endpoints draw the noise they always drew), the rest above the step's tag.
fn wide(endpoint: EndpointId) -> u64 {
    u64::from(endpoint.0 & 0xff) | u64::from(endpoint.0 >> 8) << 32
}

/// SplitMix64's finaliser: a fast, well-mixed 64-bit hash step.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Everything the actors share: the DNS zones, the plan history and what the automation
/// records about itself.
#[derive(Debug, Default)]
pub struct World {
    /// One zone per endpoint, indexed by [`EndpointId`]. Changed only through
    /// [`Ctx::change`] (and the lock alone by injected contention), which keeps `roots`.
    pub zones: Vec<Zone>,
    /// How many endpoints' roots point at each generation (`g0`: no root yet), so that the
    /// oldest live generation is one lookup, not a scan of every zone.
    roots: BTreeMap<Generation, usize>,
    pub store: PlanStore,
    /// The plan each enactor has picked up and not finished (a registry any actor may read).
    pub in_flight: BTreeMap<Actor, Generation>,
    /// Endpoints frozen after an alarm: no enactor touches them again.
    pub frozen: BTreeSet<EndpointId>,
    /// The lock service outside Route 53 (used only by lease designs).
    pub lock_service: LockService,
}

impl World {
    pub fn zone(&self, endpoint: EndpointId) -> &Zone {
        &self.zones[endpoint.index()]
    }

    /// A world of `endpoints` empty zones and nothing else.
    pub fn new(endpoints: usize) -> World {
        World {
            zones: vec![Zone::default(); endpoints],
            roots: BTreeMap::from([(Generation(0), endpoints)]),
            ..World::default()
        }
    }

    /// The oldest generation live on any endpoint (`g0` if some endpoint has none yet).
    pub fn oldest_root(&self) -> Generation {
        let oldest = self.roots.keys().next().copied().unwrap_or_default();
        debug_assert_eq!(
            oldest,
            self.zones
                .iter()
                .map(|zone| zone.root.unwrap_or_default())
                .min()
                .unwrap_or_default(),
            "the root count is kept with every commit"
        );
        oldest
    }

    /// Moves one endpoint's root in the count of roots.
    fn root_moved(&mut self, from: Option<Generation>, to: Option<Generation>) {
        if from == to {
            return;
        }
        let from = from.unwrap_or_default();
        let count = self.roots.get_mut(&from).expect("the old root is counted");
        *count -= 1;
        if *count == 0 {
            self.roots.remove(&from);
        }
        *self.roots.entry(to.unwrap_or_default()).or_insert(0) += 1;
    }

    pub fn endpoints(&self) -> impl Iterator<Item = (EndpointId, &Zone)> {
        self.zones
            .iter()
            .enumerate()
            .map(|(i, zone)| (EndpointId(i as u16), zone))
    }
}

/// What every actor holds: the configuration, the world, the design and the two seams.
/// Extra actors of a design (see [`Design::extra_actors`]) hold it too.
pub struct Ctx {
    pub config: SystemConfig,
    pub design: &'static dyn Design,
    pub world: RefCell<World>,
    chaos: Rc<dyn Chaos>,
    observer: Rc<dyn Observer>,
    /// The simulated clock, held rather than looked up: `now` is read several times an
    /// event, and a held handle reads it without the thread-local lookup of `Instant::now`.
    time: TimeHandle,
    /// The clock's reading when the run began.
    start: Duration,
    /// Keys every draw of benign noise in this run (see [`Ctx::noise`]).
    noise_key: u64,
    /// Timer wake-ups so far: every sleep of every actor (the simulator's unit of work).
    simulated_events: Cell<u64>,
}

impl Ctx {
    pub fn now(&self) -> Duration {
        self.time.elapsed() - self.start
    }

    pub fn now_ms(&self) -> u64 {
        self.now().as_millis() as u64
    }

    /// Asks the design a question, showing it the world as `me` sees it now.
    pub fn ask<R>(&self, me: Actor, question: impl FnOnce(&dyn Design, &View) -> R) -> R {
        let world = self.world.borrow();
        let view = View {
            me,
            now_ms: self.now_ms(),
            config: &self.config,
            world: &world,
        };
        question(self.design, &view)
    }

    /// The in-zone lock if it bars `me` now.
    pub fn lock_barring(&self, me: Actor, zone: &ZoneSnapshot) -> Option<LockRecord> {
        zone.lock.filter(|lock| lock.bars(me, self.now_ms()))
    }

    /// The in-zone lock preamble: DELETE the lock exactly as read, CREATE it as `me`'s with a
    /// fresh expiry.
    /// Room is left for the rest of a batch (a tree, the aliases, a fence), so that
    /// appending them does not reallocate.
    pub fn lock_preamble(&self, me: Actor, zone: &ZoneSnapshot) -> Vec<Change> {
        let mut preamble = Vec::with_capacity(8);
        preamble.push(Change::DeleteLock(zone.lock));
        preamble.push(Change::CreateLock(LockRecord {
            holder: me,
            expires_ms: self.now_ms() + self.config.lock_ttl_ms,
        }));
        preamble
    }

    /// Reports an event with the world as it is now.
    pub fn emit(&self, actor: Actor, kind: EventKind) {
        let world = self.world.borrow();
        self.observer
            .on_event(self.now(), &Event { actor, kind }, &world);
    }

    pub fn decide(&self, site: &Site, kind: FaultKind) -> Option<Fault> {
        let fault = self.chaos.decide(site, kind);
        if let Some(fault) = fault {
            assert_eq!(
                fault.kind(),
                kind,
                "chaos answered {kind:?} at {site} with {fault}"
            );
        }
        fault
    }

    /// Benign noise (never a fault): a pseudo-random value in `[low, high]` for `purpose`
    /// at `site`. It depends only on the run's noise key (drawn from madsim's RNG when the
    /// run starts), the site and the purpose, never on what happened before, so dropping a
    /// fault elsewhere in the run leaves every other latency and back-off as it was: runs
    /// stay comparable when faults are shrunk or replayed on another design.
    pub fn noise(&self, site: &Site, purpose: Noise, low: u64, high: u64) -> u64 {
        assert!(low <= high, "an empty noise range");
        let step = match site.step {
            Step::Tick => 1,
            Step::Poll => 2,
            Step::Pickup => 3,
            Step::Apply(endpoint) => 4 << 8 | wide(endpoint),
            Step::Cleanup(endpoint) => 5 << 8 | wide(endpoint),
        };
        let actor = match site.actor {
            Actor::Planner => 1,
            Actor::Enactor(n) => 2 << 8 | u64::from(n),
            Actor::OtherWriter => 3,
            Actor::Janitor => 4,
            Actor::Monitor => 5,
        };
        let fields = [
            actor,
            site.plan,
            u64::from(site.pass),
            step,
            u64::from(site.attempt),
            site.call as u64,
            purpose as u64,
        ];
        let hash = fields
            .iter()
            .fold(self.noise_key, |hash, &field| mix(hash ^ field));
        low + hash % (high - low + 1)
    }

    /// The back-off after a failed attempt at `site`, in microseconds:
    /// `base * 2^(attempt-1)`, capped, times a jitter in [0.5, 1].
    pub fn backoff_us(&self, site: &Site) -> u64 {
        let exponential = self
            .config
            .backoff_base_ms
            .saturating_mul(1u64 << site.attempt.saturating_sub(1).min(30));
        let capped_us = exponential.min(self.config.backoff_cap_ms) * 1000;
        self.noise(site, Noise::Backoff, capped_us / 2, capped_us)
            .max(1)
    }

    pub async fn sleep_ms(&self, ms: u64) {
        self.sleep_us(ms.saturating_mul(1000)).await;
    }

    pub async fn sleep_us(&self, us: u64) {
        sleep(Duration::from_micros(us)).await;
        self.simulated_events.set(self.simulated_events.get() + 1);
    }

    /// The latency, injected delay and injected error of one API call.
    async fn api_call(&self, site: &Site) -> Result<(), BatchError> {
        let (min, max) = self.config.api_latency_ms;
        let mut us = self.noise(site, Noise::Latency, min * 1000, max * 1000);
        if let Some(Fault::Delay { ms: extra }) = self.decide(site, FaultKind::Delay) {
            us += extra * 1000;
        }
        self.sleep_us(us).await;
        match self.decide(site, FaultKind::ApiError) {
            Some(_) => Err(BatchError::Transient),
            None => Ok(()),
        }
    }

    /// Reads one zone. Injected lock contention strikes here: another writer takes the lock
    /// just before the read.
    pub async fn read_zone(
        &self,
        site: &Site,
        endpoint: EndpointId,
    ) -> Result<ZoneSnapshot, BatchError> {
        if let Some(Fault::LockHeld { ms }) = self.decide(site, FaultKind::LockHeld) {
            let lock = LockRecord {
                holder: Actor::OtherWriter,
                expires_ms: self.now_ms() + ms,
            };
            self.world.borrow_mut().zones[endpoint.index()].lock = Some(lock);
            self.emit(Actor::OtherWriter, EventKind::LockSeized { endpoint, lock });
        }
        self.api_call(site).await?;
        Ok(self.world.borrow().zone(endpoint).snapshot())
    }

    /// The oldest generation live on any endpoint (`g0` if some endpoint has none yet).
    pub async fn oldest_live_generation(&self, site: &Site) -> Result<Generation, BatchError> {
        self.api_call(site).await?;
        Ok(self.world.borrow().oldest_root())
    }

    /// Submits a change batch; it commits (or is rejected) when the call's latency is over.
    /// The design's write guard, if any, sees the zone before and after, at commit.
    pub async fn change(
        &self,
        site: &Site,
        endpoint: EndpointId,
        changes: &[Change],
    ) -> Result<Commit, BatchError> {
        self.api_call(site).await?;
        let result = {
            let world = &mut *self.world.borrow_mut();
            let zone = &mut world.zones[endpoint.index()];
            let result = match self.design.write_guard() {
                None => zone.apply(changes),
                Some(guard) => {
                    let mut after = zone.clone();
                    match after.apply(changes) {
                        Ok(commit) => match guard(zone, &after) {
                            Ok(()) => {
                                *zone = after;
                                Ok(commit)
                            }
                            Err(refusal) => Err(BatchError::Refused(refusal)),
                        },
                        Err(error) => Err(error),
                    }
                }
            };
            if let Ok(commit) = &result {
                world.root_moved(commit.root_before, commit.root_after);
            }
            result
        };
        self.observer
            .on_batch(self.now(), endpoint, changes, &result, &self.world.borrow());
        result
    }

    /// Asks the lock service for the lease (or renews `me`'s own) for `ttl_ms`.
    pub async fn acquire_lease(
        &self,
        site: &Site,
        me: Actor,
        ttl_ms: u64,
    ) -> Result<Grant, BatchError> {
        self.api_call(site).await?;
        let now_ms = self.now_ms();
        let grant = self
            .world
            .borrow_mut()
            .lock_service
            .acquire(me, now_ms, ttl_ms);
        Ok(grant)
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct Ended {
    /// The world when the run ended.
    pub world: World,
    /// Timer wake-ups during the run: every sleep of every actor.
    pub simulated_events: u64,
}

/// Runs the system until `config.run_until_ms` and returns the world as it is then.
///
/// Every task is stopped and awaited before this returns, so nothing is left pending when
/// the madsim runtime is dropped.
pub async fn run(
    config: SystemConfig,
    design: &'static dyn Design,
    chaos: Rc<dyn Chaos>,
    observer: Rc<dyn Observer>,
) -> Ended {
    let problems = config.problems();
    assert!(problems.is_empty(), "invalid system config: {problems:?}");
    let time = TimeHandle::current();
    let start = Instant::now();
    let world = World::new(config.endpoints.into());
    let run_until = start + Duration::from_millis(config.run_until_ms);
    let ctx = Rc::new(Ctx {
        config,
        design,
        world: RefCell::new(world),
        chaos,
        observer,
        time: time.clone(),
        start: time.elapsed(),
        noise_key: madsim::rand::random(),
        simulated_events: Cell::new(0),
    });
    let mut tasks = vec![madsim::task::spawn_local(planner::run(ctx.clone()))];
    for id in 1..=ctx.config.enactors {
        tasks.push(madsim::task::spawn_local(enactor::supervise(
            ctx.clone(),
            id,
        )));
    }
    for actor in design.extra_actors() {
        tasks.push(madsim::task::spawn_local(actor(ctx.clone())));
    }
    sleep_until(run_until).await;
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _cancelled = task.await;
    }
    let ctx = Rc::into_inner(ctx).expect("every task holding the world has been stopped");
    Ended {
        world: ctx.world.into_inner(),
        simulated_events: ctx.simulated_events.get() + 1, // and the run's own end
    }
}
