//! Tests of the oracle: it keeps in step with reported commits, catches unreported ones,
//! takes back refused and rejected batches, and fails a batch beyond Route 53's limits.

use dnsim_model::dns::Tree;
use dnsim_model::{Actor, Plan};

use super::*;

fn world() -> World {
    World::new(1)
}

fn first_plan() -> Vec<Change> {
    let plan = Plan::new(Generation(1), 1);
    vec![
        Change::DeleteLock(None),
        Change::UpsertTree(plan.generation, plan.targets(EndpointId(0)).clone()),
        Change::UpsertRoot(plan.generation),
    ]
}

fn event(kind: EventKind) -> Event {
    Event {
        actor: Actor::Enactor(1),
        kind,
    }
}

/// A world and its reference after the first plan's batch reached Route 53 and committed,
/// and the event its writer reports it with (not yet told to the reference).
fn first_plan_committed() -> (World, Reference, EventKind) {
    let (mut world, mut reference) = (world(), Reference::new(1, None));
    let commit = world.zones[0].apply(&first_plan());
    reference.on_batch(EndpointId(0), &first_plan(), &commit, &world);
    let applied = EventKind::Applied {
        endpoint: EndpointId(0),
        generation: Generation(1),
        commit: commit.unwrap(),
    };
    (world, reference, applied)
}

#[test]
fn a_reported_commit_keeps_the_reference_in_step() {
    let (world, mut reference, applied) = first_plan_committed();
    assert_eq!(
        reference.on_event(&event(applied), &world),
        Some(EndpointId(0))
    );
    assert!(!reference.zone(EndpointId(0)).resolve().is_empty());
    reference.at_end(&world);
}

#[test]
#[should_panic(expected = "oracle: regional: a committed batch went unreported")]
fn a_commit_never_reported_is_caught_at_the_next_event() {
    let (mut world, mut reference) = (world(), Reference::new(1, None));
    let commit = world.zones[0].apply(&first_plan());
    reference.on_batch(EndpointId(0), &first_plan(), &commit, &world);
    reference.on_event(&event(EventKind::Restarted), &world);
}

/// Route 53 refuses a batch beyond its limits and the model's Route 53 does not check,
/// so the oracle catches a writer that forgot to split one. A tree's DELETE counts the
/// records it names: here two trees, each upserted in a batch at the limit (allowed), then
/// deleted together in a batch over it.
#[test]
#[should_panic(expected = "oracle: regional: a batch beyond Route 53's limits reached Route 53")]
fn a_batch_beyond_route53s_limits_is_caught() {
    let mut world = world();
    let plans = [Plan::new(Generation(1), 1), Plan::new(Generation(2), 1)];
    let leaves = plans
        .each_ref()
        .map(|plan| plan.targets(EndpointId(0)).len());
    let limits = BatchLimits {
        max_changes: (leaves[0].max(leaves[1]) + 2) as u32,
        max_records: 1000,
    };
    let mut reference = Reference::new(1, Some(limits));
    for plan in &plans {
        let upsert = vec![
            Change::DeleteLock(None),
            Change::UpsertTree(plan.generation, plan.targets(EndpointId(0)).clone()),
            Change::UpsertRoot(plan.generation),
        ];
        let commit = world.zones[0].apply(&upsert);
        reference.on_batch(EndpointId(0), &upsert, &commit, &world);
        let kind = EventKind::Applied {
            endpoint: EndpointId(0),
            generation: plan.generation,
            commit: commit.unwrap(),
        };
        reference.on_event(&event(kind), &world);
    }
    let delete_both = [
        Change::DeleteLock(None),
        Change::DeleteTree {
            generation: Generation(1),
            records: leaves[0],
        },
        Change::DeleteTree {
            generation: Generation(2),
            records: leaves[1],
        },
    ];
    assert_eq!(
        batch_size(&delete_both),
        (1 + leaves[0] + leaves[1], 1 + leaves[0] + leaves[1])
    );
    let commit = world.zones[0].apply(&delete_both);
    reference.on_batch(EndpointId(0), &delete_both, &commit, &world);
}

/// A batch Route 53 accepts but the design's write guard refused: nothing is applied on
/// either side, so the reference takes back what it judged (no difference, no panic).
#[test]
fn a_batch_the_write_guard_refused_is_taken_back() {
    let (world, mut reference) = (world(), Reference::new(1, None));
    let refused = Err(BatchError::Refused("test guard"));
    reference.on_batch(EndpointId(0), &first_plan(), &refused, &world);
    assert_eq!(reference.zone(EndpointId(0)), &ReferenceZone::default());
    reference.on_event(&event(EventKind::Restarted), &world);
    reference.at_end(&world);
}

/// A batch the reference judges invalid halfway leaves its zone as it was.
#[test]
fn a_rejected_batch_leaves_the_reference_as_it_was() {
    let (mut world, mut reference) = (world(), Reference::new(1, None));
    let mut changes = first_plan();
    changes.push(Change::DeleteTree {
        generation: Generation(9),
        records: 1,
    });
    let rejected = world.zones[0].apply(&changes);
    assert!(rejected.is_err());
    reference.on_batch(EndpointId(0), &changes, &rejected, &world);
    assert_eq!(reference.zone(EndpointId(0)), &ReferenceZone::default());
}

/// A DELETE must match what is there: one naming a record more than the tree has is
/// refused by the reference as by the model (were it not, the oracle would report that the
/// model rejected a valid batch), and the tree stays.
#[test]
fn a_delete_naming_other_records_than_the_tree_has_is_refused() {
    let (mut world, mut reference, applied) = first_plan_committed();
    reference.on_event(&event(applied), &world);
    let records = reference.zone(EndpointId(0)).resolve().len();
    let changes = [
        Change::DeleteLock(None),
        Change::DeleteTree {
            generation: Generation(1),
            records: records + 1,
        },
    ];
    let rejected = world.zones[0].apply(&changes);
    assert!(rejected.is_err());
    reference.on_batch(EndpointId(0), &changes, &rejected, &world);
    assert_eq!(reference.zone(EndpointId(0)).resolve().len(), records);
    reference.at_end(&world);
}

/// A tree the batch named that the model built from another list is caught at once, though
/// only the trees a batch names are compared record by record.
#[test]
#[should_panic(expected = "oracle: regional: the model's zone differs from the reference: trees")]
fn a_named_tree_built_from_another_list_is_caught() {
    let (mut world, mut reference) = (world(), Reference::new(1, None));
    let changes = first_plan();
    let commit = world.zones[0].apply(&changes);
    let other = Plan::new(Generation(2), 1);
    let targets = other.targets(EndpointId(0)).clone();
    let built = targets.len();
    world.zones[0].set_tree(Generation(1), Some(Tree { targets, built }));
    reference.on_batch(EndpointId(0), &changes, &commit, &world);
}

#[test]
#[should_panic(
    expected = "oracle: regional: the model's zone differs from the reference: root alias"
)]
fn a_zone_changed_behind_the_harness_is_caught() {
    let (mut world, reference) = (world(), Reference::new(1, None));
    world.zones[0].root = Some(Generation(7));
    reference.at_end(&world);
}
