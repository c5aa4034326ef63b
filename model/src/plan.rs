//! Plans and the plan history.
//!
//! The planner writes one *plan* for the whole region: for every DNS endpoint, the load
//! balancers and their weights. Plans carry a monotonically increasing [`Generation`] and
//! are kept as a history (S3 in the real system) until clean-up deletes old ones.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::ids::EndpointId;
pub use crate::ids::Generation;

/// One leaf record: a load balancer's address and its weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoadBalancer {
    /// The address, IPv4.
    pub ip: [u8; 4],
    /// The weight of the record.
    pub weight: u8,
}

/// The load balancers of one endpoint in one plan (shared, never mutated).
pub type Targets = Rc<[LoadBalancer]>;

/// One plan: a generation and, for every endpoint, its load balancers.
#[derive(Debug)]
pub struct Plan {
    /// The plan's generation: newer plans have larger ones.
    pub generation: Generation,
    /// Every endpoint's list (never empty), by [`EndpointId`], in chunks of about
    /// sqrt(endpoints) endpoints each (at least 16): a plan that changes one endpoint shares
    /// every other chunk with the plan before it, so making or dropping a plan touches
    /// O(sqrt(endpoints)) reference counts, not one per endpoint (each a cache miss in a
    /// world of thousands).
    chunks: Vec<Rc<[Targets]>>,
    /// Endpoints per chunk (the last chunk may hold fewer).
    chunk_len: usize,
}

impl Plan {
    /// The plan the planner writes for `generation`, 2 to 4 load balancers per endpoint.
    /// Its content is a pure function of the generation (it only needs to differ between
    /// plans and never be empty): the race is about *which* plan is live, not what is in it.
    pub fn new(generation: Generation, endpoint_count: usize) -> Plan {
        assert!(endpoint_count > 0, "a plan covers at least one endpoint");
        let targets = (0..endpoint_count)
            .map(|endpoint| {
                let count = 2 + (generation.0 as usize + endpoint) % 3;
                (0..count)
                    .map(|i| LoadBalancer {
                        ip: [10, endpoint as u8, (generation.0 % 250) as u8, i as u8 + 1],
                        weight: 1 + ((generation.0 as usize + i) % 4) as u8,
                    })
                    .collect::<Targets>()
            })
            .collect();
        Plan::chunked(generation, targets)
    }

    /// A plan of these lists, one per endpoint, in chunks.
    fn chunked(generation: Generation, targets: Vec<Targets>) -> Plan {
        let chunk_len = Plan::chunk_len(targets.len());
        Plan {
            generation,
            chunks: targets.chunks(chunk_len).map(Rc::from).collect(),
            chunk_len,
        }
    }

    /// Endpoints per chunk for `endpoint_count` endpoints: about the square root, and at
    /// least 16. A small plan (the incident's five endpoints) is then one chunk: one
    /// allocation, as a plain list would be; with the square root alone it was five chunks
    /// of one, and `incident-long`, a plan every 10 s, paid for them.
    fn chunk_len(endpoint_count: usize) -> usize {
        endpoint_count.isqrt().max(16)
    }

    /// A plan at real size: `load_balancers` per endpoint. Like a real planner's, it changes
    /// little from one plan to the next: only endpoint `generation % endpoint_count` gets new
    /// weights, and every other endpoint shares `previous`'s list (the same allocation, not
    /// a copy), so a plan costs one list plus O(sqrt(endpoints)) pointers, and the memory of a
    /// run grows with the plans and trees alive, not with records times copies.
    pub fn sized(
        generation: Generation,
        endpoint_count: usize,
        load_balancers: u16,
        previous: Option<&Plan>,
    ) -> Plan {
        assert!(endpoint_count > 0, "a plan covers at least one endpoint");
        assert!(
            load_balancers > 0,
            "an endpoint has at least one load balancer"
        );
        let changed = generation.0 as usize % endpoint_count;
        let fresh = |endpoint: usize| -> Targets {
            (0..usize::from(load_balancers))
                .map(|i| LoadBalancer {
                    ip: [
                        10 + (endpoint >> 8) as u8,
                        endpoint as u8,
                        (i >> 8) as u8,
                        i as u8,
                    ],
                    weight: 1 + ((generation.0 as usize + i) % 4) as u8,
                })
                .collect()
        };
        let Some(previous) = previous else {
            return Plan::chunked(generation, (0..endpoint_count).map(fresh).collect());
        };
        assert_eq!(
            previous.endpoint_count(),
            endpoint_count,
            "a plan covers the endpoints the plan before it covers"
        );
        // Every chunk shared but the changed endpoint's, which is copied with its new list.
        let mut chunks = previous.chunks.clone();
        let chunk_len = previous.chunk_len;
        let (chunk, at) = (changed / chunk_len, changed % chunk_len);
        let mut copy = chunks[chunk].to_vec();
        copy[at] = fresh(changed);
        chunks[chunk] = Rc::from(copy);
        Plan {
            generation,
            chunks,
            chunk_len,
        }
    }

    /// The load balancers of `endpoint` in this plan.
    pub fn targets(&self, endpoint: EndpointId) -> &Targets {
        let index = endpoint.index();
        &self.chunks[index / self.chunk_len][index % self.chunk_len]
    }

    /// How many endpoints the plan covers.
    pub fn endpoint_count(&self) -> usize {
        self.chunks.iter().map(|chunk| chunk.len()).sum()
    }
}

/// The plan history: every plan not yet deleted by clean-up, by generation.
#[derive(Debug, Default)]
pub struct PlanStore {
    plans: BTreeMap<Generation, Rc<Plan>>,
    /// When each plan in the history was published (simulated ms since the run began).
    published_ms: BTreeMap<Generation, u64>,
    /// The newest generation ever published (survives deletion of the plan itself).
    newest_published: Generation,
}

impl PlanStore {
    /// Adds `plan` (newer than every plan published before), published at `now_ms`.
    pub fn publish(&mut self, plan: Plan, now_ms: u64) {
        assert!(
            plan.generation > self.newest_published,
            "generations increase monotonically: {} after {}",
            plan.generation,
            self.newest_published
        );
        self.newest_published = plan.generation;
        self.published_ms.insert(plan.generation, now_ms);
        self.plans.insert(plan.generation, Rc::new(plan));
        assert_eq!(self.plans.len(), self.published_ms.len());
    }

    /// When `generation` was published, if it is still in the history.
    pub fn published_ms(&self, generation: Generation) -> Option<u64> {
        self.published_ms.get(&generation).copied()
    }

    /// The newest plan in the history, if any.
    pub fn newest(&self) -> Option<Rc<Plan>> {
        self.plans.values().next_back().cloned()
    }

    /// The newest generation ever published, even if since deleted.
    pub fn newest_published(&self) -> Generation {
        self.newest_published
    }

    /// Whether `generation` is in the history (published and not deleted).
    pub fn contains(&self, generation: Generation) -> bool {
        self.plans.contains_key(&generation)
    }

    /// Deletes every plan older than `keep_from`; returns the generations deleted, oldest first.
    pub fn delete_older_than(&mut self, keep_from: Generation) -> Vec<Generation> {
        let kept = self.plans.split_off(&keep_from);
        let deleted = std::mem::replace(&mut self.plans, kept);
        self.published_ms = self.published_ms.split_off(&keep_from);
        assert_eq!(self.plans.len(), self.published_ms.len());
        deleted.into_keys().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sized plan gives every endpoint the list a plan of one list per endpoint would: the
    /// previous plan's (the same allocation) except the changed endpoint's, which is new. And
    /// it shares all but one chunk with the plan before it.
    #[test]
    fn a_sized_plan_shares_all_but_the_changed_endpoint() {
        for endpoints in [1, 2, 3, 10, 17, 1000] {
            let mut previous = Plan::sized(Generation(1), endpoints, 3, None);
            for g in 2..(2 * endpoints as u64 + 3) {
                let plan = Plan::sized(Generation(g), endpoints, 3, Some(&previous));
                let changed = g as usize % endpoints;
                assert_eq!(plan.endpoint_count(), endpoints);
                for endpoint in EndpointId::all(endpoints) {
                    let (now, before) = (plan.targets(endpoint), previous.targets(endpoint));
                    assert_eq!(now.len(), 3);
                    assert_eq!(Rc::ptr_eq(now, before), endpoint.index() != changed);
                }
                let shared = (plan.chunks.iter().zip(&previous.chunks))
                    .filter(|(a, b)| Rc::ptr_eq(a, b))
                    .count();
                assert_eq!(shared, plan.chunks.len() - 1, "{endpoints} endpoints, g{g}");
                assert!(plan.chunks.len() <= endpoints.isqrt() + 2);
                assert_eq!(
                    plan.chunks.len(),
                    endpoints.div_ceil(Plan::chunk_len(endpoints))
                );
                previous = plan;
            }
        }
    }
}
