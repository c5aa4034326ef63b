//! The design seam: every decision the system makes that a fix might change.
//!
//! A design is one file in [`crate::designs`] implementing [`Design`]. Every hook has a
//! default, the shared behaviour of the October 2025 system, so a design overrides only what
//! its fix changes. The hooks, in the order an enactor meets them:
//!
//! | hook | decides | default |
//! |---|---|---|
//! | [`Design::lock`] | which lock serialises writers | the lock record in the zone |
//! | [`Design::picks_up`] | the one-time pick-up check | newer than the oldest live plan |
//! | [`Design::abandons`] | when to drop the plan in hand | never |
//! | [`Design::check_before_attempt`] | a check in a separate read, before each attempt | none |
//! | [`Design::check_under_lock`] | a check on the read the lock preamble covers | none |
//! | [`Design::batch`] / [`Design::apply_changes`] | what one batch contains | lock preamble, tree, root flip, rollback |
//! | [`Design::on_missing_target`] | what to do when an alias target is missing | retry |
//! | [`Design::write_guard`] | what the write path refuses | nothing |
//! | [`Design::enactors_clean_up`] | whether enactors clean up at all | yes |
//! | [`Design::cleanup_victims`] | which trees clean-up deletes from a zone | "significantly older" |
//! | [`Design::plans_kept_from`] | which plans clean-up deletes from the history | "significantly older" |
//! | [`Design::extra_actors`] | extra processes (janitor, monitor, ...) | none |
//!
//! A hook sees a [`View`]: the simulated clock, the configuration, and the world (plan
//! history with publication times, plans in flight, frozen endpoints, the lock service).
//! Parameters come from the command line as `--variant NAME:key=value[,key=value]`, through
//! [`Design::with_parameters`], and are recorded in the variant's label (see
//! [`crate::designs::label`]).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::config::SystemConfig;
use crate::ctx::Ctx;
pub use crate::dns::WriteGuard;
use crate::dns::{BatchError, Change, ZoneSnapshot};
use crate::ids::{Actor, EndpointId, Generation};
use crate::plan::Plan;
use crate::world::World;

/// What a hook may look at: the clock, the configuration and the whole world, read-only.
pub struct View<'a> {
    /// The actor asking.
    pub me: Actor,
    /// Simulated time since the run began.
    pub now_ms: u64,
    /// The system's configuration.
    pub config: &'a SystemConfig,
    /// The whole world: zones, plan history, plans in flight, frozen endpoints, the lease.
    pub world: &'a World,
}

/// Which lock serialises the writers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockChoice {
    /// The lock record inside each zone: every batch DELETEs it exactly as read, so Route 53
    /// validates it at commit (the October 2025 system).
    InZone,
    /// One lease from the lock service outside Route 53, held for a whole plan and renewed
    /// before each attempt; not validated by the DNS write. See [`crate::lock_service`].
    Lease {
        /// How long a lease lasts unless renewed, in ms.
        ttl_ms: u64,
    },
}

/// What an enactor does when Route 53 rejects its batch because an alias target is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnMissingTarget {
    /// Back off and try again (the October 2025 system: for ever).
    Retry,
    /// Stop touching the endpoint for good and raise an alarm for an operator.
    Freeze,
}

/// A check made on a separate read of the zone, outside any batch: `true` to go on.
pub type SeparateCheck = fn(plan: &Plan, zone: &ZoneSnapshot) -> bool;

/// An extra process the design runs beside the planner and enactors, for the whole run.
pub struct ExtraActor {
    /// Who it is, as its trace lines name it (so a harness can tell which actors a design
    /// has without running it).
    pub actor: Actor,
    /// The process, started with the run's shared context.
    pub run: ActorProcess,
}

/// An extra actor's process: given the run's shared context, the future it runs.
pub type ActorProcess = Box<dyn FnOnce(Rc<Ctx>) -> Pin<Box<dyn Future<Output = ()>>>>;

/// A design of the DNS automation: one hook per decision the system makes, each defaulting to
/// the October 2025 behaviour, so a design overrides only what its fix changes.
pub trait Design: Sync {
    /// The stable name used on the command line and in seed files (kebab-case).
    fn name(&self) -> &'static str;

    /// One line for `dnsim list`: what the design does. Every registered design has one
    /// (a test checks); the default is only for designs made up by tests.
    fn summary(&self) -> &'static str {
        ""
    }

    /// The parameters given explicitly, as `(key, value)`; empty for the defaults.
    fn parameters(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// This design with `parameters` (`key=value` pairs from the command line).
    fn with_parameters(&self, parameters: &[(String, String)]) -> Result<Box<dyn Design>, String> {
        assert!(!parameters.is_empty(), "called only with parameters");
        Err(format!("design {} takes no parameters", self.name()))
    }

    /// Which lock serialises writers.
    fn lock(&self, view: &View) -> LockChoice {
        let _ = view;
        LockChoice::InZone
    }

    /// The one-time pick-up check: whether to take up `plan`, given the oldest generation
    /// live on any endpoint (`g0`: some endpoint serves nothing yet).
    fn picks_up(&self, view: &View, plan: &Plan, oldest_live: Generation) -> bool {
        let _ = view;
        plan.generation > oldest_live
    }

    /// Whether to drop the plan in hand before `attempt` at an endpoint.
    fn abandons(&self, view: &View, plan: &Plan, attempt: u32) -> bool {
        let _ = (view, plan, attempt);
        false
    }

    /// A check made on a separate read just before each attempt, outside the batch. `None`
    /// makes no such read.
    fn check_before_attempt(&self) -> Option<SeparateCheck> {
        None
    }

    /// A check on the read whose lock record the batch's preamble DELETEs: `false` skips the
    /// endpoint.
    fn check_under_lock(&self, view: &View, plan: &Plan, zone: &ZoneSnapshot) -> bool {
        let _ = (view, plan, zone);
        true
    }

    /// The changes after the lock preamble that apply `plan` to `endpoint`, given the zone
    /// as read just before; `None` to skip the endpoint.
    fn apply_changes(
        &self,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
    ) -> Option<Vec<Change>> {
        Some(build_tree_and_flip(plan, endpoint, zone))
    }

    /// The whole batch: `preamble` (the in-zone lock's DELETE-as-read and CREATE, empty
    /// under a lease) followed by [`Design::apply_changes`]; `None` to skip the endpoint.
    fn batch(
        &self,
        view: &View,
        plan: &Plan,
        endpoint: EndpointId,
        zone: &ZoneSnapshot,
        preamble: Vec<Change>,
    ) -> Option<Vec<Change>> {
        let _ = view;
        let changes = self.apply_changes(plan, endpoint, zone)?;
        // No preamble (a lease design's): the changes are the batch, not copied into it.
        if preamble.is_empty() {
            return Some(changes);
        }
        let mut batch = preamble;
        batch.extend(changes);
        Some(batch)
    }

    /// What to do when a batch is rejected because an alias target is missing.
    fn on_missing_target(
        &self,
        view: &View,
        endpoint: EndpointId,
        error: &BatchError,
    ) -> OnMissingTarget {
        let _ = (view, endpoint, error);
        OnMissingTarget::Retry
    }

    /// A guard in the write path, checked atomically at commit; `None` for none.
    fn write_guard(&self) -> Option<WriteGuard> {
        None
    }

    /// Whether each enactor cleans up after applying a plan everywhere.
    fn enactors_clean_up(&self) -> bool {
        true
    }

    /// The trees an enactor's clean-up deletes from a zone after it applied `applied` to
    /// every endpoint, oldest first, each a tree `zone` holds (see [`Victims`]). `age` is the
    /// scenario's "significantly older" threshold in generations.
    fn cleanup_victims<'z>(
        &self,
        applied: Generation,
        age: u64,
        zone: &'z ZoneSnapshot,
    ) -> Victims<'z> {
        Box::new(significantly_older(applied, age, zone))
    }

    /// After an enactor's clean-up, every plan older than this is deleted from the history.
    fn plans_kept_from(&self, view: &View, applied: Generation) -> Generation {
        Generation(
            applied
                .0
                .saturating_sub(view.config.cleanup_age_generations),
        )
    }

    /// Extra processes to run for the whole run.
    fn extra_actors(&self) -> Vec<ExtraActor> {
        Vec::new()
    }
}

/// The original apply step: build the plan's tree, flip the root alias to it, and point the
/// rollback record at the previously active plan (whatever the root pointed at before).
pub fn build_tree_and_flip(plan: &Plan, endpoint: EndpointId, zone: &ZoneSnapshot) -> Vec<Change> {
    let generation = plan.generation;
    let mut changes = Vec::with_capacity(3);
    changes.push(Change::UpsertTree(
        generation,
        plan.targets(endpoint).clone(),
    ));
    changes.push(Change::UpsertRoot(generation));
    if let Some(previous) = zone.root.filter(|&previous| previous != generation) {
        changes.push(Change::UpsertRollback(previous));
    }
    changes
}

/// A design's clean-up victims in a zone: oldest first, each a tree the read holds. An
/// iterator, not a list: each clean-up batch takes only as many as it can delete, and a
/// zone where clean-up fell behind holds hundreds, so a list would cost every batch
/// O(victims) (see [`crate::batches::next_cleanup`]).
pub type Victims<'z> = Box<dyn Iterator<Item = Generation> + 'z>;

/// The original clean-up rule: every tree "significantly older" (more than `age`
/// generations) than the plan just applied.
pub fn significantly_older(
    applied: Generation,
    age: u64,
    zone: &ZoneSnapshot,
) -> impl Iterator<Item = Generation> + '_ {
    // The trees are oldest first: the significantly older ones are a prefix.
    (zone.trees.generations()).take_while(move |tree| tree.0 + age < applied.0)
}

/// Generation fencing: the batch also replaces the zone's fence record, DELETE-ing it exactly
/// as read and CREATE-ing it with the plan's generation. Route 53 validates the DELETE at
/// commit, so the batch commits only if no newer plan committed since the read; and the
/// enactor skips the endpoint (`None`) when the fence already holds this plan or a newer one.
pub fn fenced(plan: &Plan, zone: &ZoneSnapshot, changes: Vec<Change>) -> Option<Vec<Change>> {
    if zone.fence >= Some(plan.generation) {
        return None;
    }
    let mut fenced = vec![
        Change::DeleteFence(zone.fence),
        Change::CreateFence(plan.generation),
    ];
    fenced.extend(changes);
    Some(fenced)
}

/// Protected clean-up: the original age rule, except never the tree the root alias or the
/// rollback record points at, as read from the live zone (under the lock, so a flip between
/// the read and the delete aborts the batch).
pub fn unreferenced_and_significantly_older(
    applied: Generation,
    age: u64,
    zone: &ZoneSnapshot,
) -> impl Iterator<Item = Generation> + '_ {
    significantly_older(applied, age, zone)
        .filter(|&tree| Some(tree) != zone.root && Some(tree) != zone.rollback)
}

/// The value of a design's only parameter, `key`, a whole number in
/// [`PARAMETER_RANGE`], from the `parameters` given (`None`: not given); any other key, or
/// `key` given twice, is an error naming `design` and `key`, the one it takes.
pub fn only_number_parameter(
    design: &str,
    key: &str,
    parameters: &[(String, String)],
) -> Result<Option<u64>, String> {
    let mut found = None;
    for (given, value) in parameters {
        if given != key {
            return Err(format!("{design}: unknown parameter {given:?} ({key})"));
        }
        if found.is_some() {
            return Err(format!("{design}: parameter {key} given twice"));
        }
        found = Some(number_parameter(given, value)?);
    }
    Ok(found)
}

/// What a design parameter may be, as a scenario's knobs each have a range: every one is a
/// duration in simulated milliseconds, from 1 ms to 10^9 ms (11.6 days: longer than any
/// run, so that an actor can be kept from ever waking, as a README finding does).
pub const PARAMETER_RANGE: std::ops::RangeInclusive<u64> = 1..=1_000_000_000;

/// Parses `key=value` as a number of milliseconds for a design parameter.
pub fn number_parameter(key: &str, value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| PARAMETER_RANGE.contains(n))
        .ok_or_else(|| {
            format!(
                "parameter {key}: expected a whole number from {} to {} (ms), got {value:?}",
                PARAMETER_RANGE.start(),
                PARAMETER_RANGE.end()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_designs_only_parameter_is_read_and_anything_else_refused() {
        let read = |pairs: &[(&str, &str)]| only_number_parameter("d", "ttl_ms", &given(pairs));
        assert_eq!(read(&[]), Ok(None));
        assert_eq!(read(&[("ttl_ms", "250")]), Ok(Some(250)));
        assert_eq!(
            read(&[("x", "1")]),
            Err("d: unknown parameter \"x\" (ttl_ms)".to_string())
        );
        for out_of_range in ["0", "1000000001", "18446744073709551615", "-1", "1.5"] {
            assert_eq!(
                read(&[("ttl_ms", out_of_range)]),
                Err(format!(
                    "parameter ttl_ms: expected a whole number from 1 to 1000000000 (ms), got {out_of_range:?}"
                ))
            );
        }
        assert_eq!(read(&[("ttl_ms", "1000000000")]), Ok(Some(1_000_000_000)));
        assert_eq!(
            read(&[("ttl_ms", "5000"), ("ttl_ms", "6000")]),
            Err("d: parameter ttl_ms given twice".to_string())
        );
    }
}
