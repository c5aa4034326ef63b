//! What every actor holds: the configuration, the world, the clock, and the calls every
//! actor makes through the two seams (faults asked of [`Chaos`], events told to the
//! [`Observer`]): DNS API calls with their latency and injected faults, benign noise,
//! back-off and sleep.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use madsim::time::{sleep, TimeHandle};

use crate::chaos::{Chaos, Fault, FaultKind, Site, Step};
use crate::config::SystemConfig;
use crate::dns::{BatchError, Change, Commit, LockRecord, WriteGuard, Zone, ZoneSnapshot};
use crate::event::{Event, EventKind, Observer};
use crate::ids::{Actor, EndpointId, Generation};
use crate::lock_service::Grant;
use crate::world::World;

/// The write path's postconditions, TigerBeetle-style: checked after every committed batch
/// against the zone it left, in O(the batch), never O(the zone or the endpoints).
fn assert_committed(site: &Site, zone: &Zone, changes: &[Change], commit: &Commit) {
    let mut fence = None;
    let mut root = None;
    let mut deleted = 0;
    for change in changes {
        match change {
            Change::CreateLock(lock) => {
                assert_eq!(
                    lock.holder, site.actor,
                    "a batch takes the lock for its own writer, at {site}"
                );
                assert_eq!(
                    zone.lock,
                    Some(*lock),
                    "a committed batch leaves the lock held by its writer, at {site}"
                );
            }
            Change::DeleteTree { generation, .. } => {
                deleted += 1;
                assert!(
                    !zone.trees().contains(*generation),
                    "a tree a batch deleted is gone after it commits: {generation} at {site}"
                );
            }
            Change::CreateFence(generation) => fence = Some(*generation),
            Change::UpsertRoot(generation) => root = Some(*generation),
            _ => {}
        }
    }
    assert_eq!(
        commit.trees_deleted.len(),
        deleted,
        "the commit reports every tree the batch deleted, at {site}"
    );
    if let Some(fence) = fence {
        assert_eq!(
            zone.fence,
            Some(fence),
            "a fence a batch wrote holds after it commits, at {site}"
        );
        if root.is_some() {
            assert_eq!(
                zone.fence, zone.root,
                "a fenced design's fence equals its root after commit, at {site}"
            );
        }
    }
    if let Some(root) = root {
        assert_eq!(
            zone.root,
            Some(root),
            "the root is where the batch flipped it, at {site}"
        );
        assert!(
            zone.trees().get(root).is_none_or(|tree| !tree.is_partial()),
            "a tree built in parts is complete before the root flips to it: {root} at {site}"
        );
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

/// What every actor holds: the configuration, the world and the two seams. Extra actors
/// of a design (see `Design::extra_actors`) hold it too. The design itself is not here:
/// the enactors that ask it hold it, and the design's write guard is all the write path
/// needs of it.
pub struct Ctx {
    /// The system's configuration.
    pub config: SystemConfig,
    /// The world every actor reads and writes (one simulated thread, so a `RefCell`).
    pub world: RefCell<World>,
    /// The design's guard in the write path, checked at commit (see [`Ctx::change`]).
    write_guard: Option<WriteGuard>,
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
    /// The context of a run that starts now, its noise key drawn from madsim's RNG.
    pub(crate) fn new(
        config: SystemConfig,
        write_guard: Option<WriteGuard>,
        chaos: Rc<dyn Chaos>,
        observer: Rc<dyn Observer>,
    ) -> Ctx {
        let time = TimeHandle::current();
        let world = World::new(config.endpoints.into());
        Ctx {
            config,
            world: RefCell::new(world),
            write_guard,
            chaos,
            observer,
            start: time.elapsed(),
            time,
            noise_key: madsim::rand::random(),
            simulated_events: Cell::new(0),
        }
    }

    /// Timer wake-ups so far: every sleep of every actor.
    pub(crate) fn simulated_events(&self) -> u64 {
        self.simulated_events.get()
    }

    /// Simulated time since the run began.
    pub fn now(&self) -> Duration {
        self.time.elapsed() - self.start
    }

    /// Simulated time since the run began, in ms.
    pub fn now_ms(&self) -> u64 {
        self.now().as_millis() as u64
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

    /// Asks the chaos seam whether a fault of `kind` strikes at `site`.
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

    /// Sleeps `ms` of simulated time (one simulated event).
    pub async fn sleep_ms(&self, ms: u64) {
        self.sleep_us(ms.saturating_mul(1000)).await;
    }

    /// Sleeps `us` of simulated time (one simulated event).
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
    /// The design's write guard, if any, sees the zone and the batch, at commit.
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
            let result = match self.write_guard {
                None => zone.apply(changes),
                // The guard sees only batches Route 53 would accept; both checks read the
                // batch, not the whole zone.
                Some(guard) => zone
                    .validate(changes)
                    .and_then(|()| guard(zone, changes).map_err(BatchError::Refused))
                    .and_then(|()| zone.apply(changes)),
            };
            if let Ok(commit) = &result {
                assert_committed(site, &world.zones[endpoint.index()], changes, commit);
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
