//! The world every actor shares: the DNS zones, the plan history and what the automation
//! records about itself.

use std::collections::{BTreeMap, BTreeSet};

use crate::dns::Zone;
use crate::ids::{Actor, EndpointId, Generation};
use crate::lock_service::LockService;
use crate::plan::PlanStore;

/// Everything the actors share: the DNS zones, the plan history and what the automation
/// records about itself.
#[derive(Debug, Default)]
pub struct World {
    /// One zone per endpoint, indexed by [`EndpointId`]. Changed only through
    /// [`Ctx::change`](crate::ctx::Ctx::change) (and the lock alone by injected contention), which keeps `roots`.
    pub zones: Vec<Zone>,
    /// How many endpoints' roots point at each generation (`g0`: no root yet), so that the
    /// oldest live generation is one lookup, not a scan of every zone.
    roots: BTreeMap<Generation, usize>,
    /// Every plan the planner has published and clean-up has not deleted.
    pub store: PlanStore,
    /// The plan each enactor has picked up and not finished (a registry any actor may read).
    pub in_flight: BTreeMap<Actor, Generation>,
    /// Endpoints frozen after an alarm: no enactor touches them again.
    pub frozen: BTreeSet<EndpointId>,
    /// The lock service outside Route 53 (used only by lease designs).
    pub lock_service: LockService,
}

impl World {
    /// The zone of `endpoint`.
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
    pub(crate) fn root_moved(&mut self, from: Option<Generation>, to: Option<Generation>) {
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

    /// Every endpoint with its zone, in order.
    pub fn endpoints(&self) -> impl Iterator<Item = (EndpointId, &Zone)> {
        self.zones
            .iter()
            .enumerate()
            .map(|(i, zone)| (EndpointId(i as u16), zone))
    }
}
