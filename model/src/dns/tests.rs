//! Tests of the model's Route 53: a batch is all-or-nothing, a DELETE must match what is
//! there, an alias needs its tree.

use super::*;
use crate::plan::Plan;

fn lock(holder: u8, expires_ms: u64) -> LockRecord {
    LockRecord {
        holder: Actor::Enactor(holder),
        expires_ms,
    }
}

fn apply_plan(zone: &mut Zone, believed: Option<LockRecord>, g: u64) -> Result<Commit, BatchError> {
    let plan = Plan::new(Generation(g), 1);
    let mut changes = vec![
        Change::DeleteLock(believed),
        Change::CreateLock(lock(1, 100)),
        Change::UpsertTree(plan.generation, plan.targets(EndpointId(0)).clone()),
        Change::UpsertRoot(plan.generation),
    ];
    if let Some(previous) = zone.root {
        changes.push(Change::UpsertRollback(previous));
    }
    zone.apply(&changes)
}

#[test]
fn a_stale_lock_belief_aborts_the_whole_batch() {
    let mut zone = Zone::default();
    apply_plan(&mut zone, None, 1).unwrap();
    let before = zone.clone();
    let error = apply_plan(&mut zone, Some(lock(2, 5)), 2).unwrap_err();
    assert!(matches!(error, BatchError::LockMismatch { .. }), "{error}");
    assert_eq!(
        zone.root, before.root,
        "nothing of a rejected batch is applied"
    );
    assert_eq!(zone.trees().len(), before.trees().len());
    assert_eq!(zone.lock, before.lock);
}

#[test]
fn deleting_the_live_tree_leaves_an_empty_answer() {
    let mut zone = Zone::default();
    apply_plan(&mut zone, None, 1).unwrap();
    assert!(!zone.resolve().is_empty());
    let records = zone.records(Generation(1)).len();
    let delete = |records| Change::DeleteTree {
        generation: Generation(1),
        records,
    };
    // A DELETE must match what is there: one record more or fewer is refused, and the
    // error says how the tree differs from what the writer read.
    for wrong in [records - 1, records + 1] {
        let batch = [Change::DeleteLock(zone.lock), delete(wrong)];
        let refused = zone.apply(&batch).unwrap_err();
        assert_eq!(
            refused,
            BatchError::TreeRecordsDiffer {
                generation: Generation(1),
                read: wrong,
                found: records
            }
        );
        assert_eq!(
            refused.to_string(),
            format!("tree g1 has {records} records, not the {wrong} the batch was built on")
        );
    }
    // A DELETE of a tree that is not there at all still says so.
    let missing = Change::DeleteTree {
        generation: Generation(9),
        records: 1,
    };
    assert_eq!(
        zone.apply(&[missing]),
        Err(BatchError::TreeNotFound(Generation(9)))
    );
    let commit = zone
        .apply(&[
            Change::DeleteLock(zone.lock),
            Change::CreateLock(lock(2, 200)),
            delete(records),
        ])
        .unwrap();
    assert_eq!(commit.trees_deleted, vec![Generation(1)]);
    assert_eq!(zone.root, Some(Generation(1)));
    assert!(zone.resolve().is_empty());
}

#[test]
fn an_alias_cannot_be_pointed_at_a_missing_tree() {
    let mut zone = Zone::default();
    apply_plan(&mut zone, None, 1).unwrap();
    zone.set_tree(Generation(1), None); // the live tree was deleted by clean-up
    let believed = zone.lock;
    let error = apply_plan(&mut zone, believed, 2).unwrap_err();
    assert_eq!(
        error,
        BatchError::AliasTargetMissing {
            alias: "rollback",
            target: Generation(1)
        }
    );
}

#[test]
fn the_fence_is_a_compare_and_set() {
    let mut zone = Zone::default();
    zone.apply(&[
        Change::DeleteFence(None),
        Change::CreateFence(Generation(5)),
    ])
    .unwrap();
    let error = zone
        .apply(&[
            Change::DeleteFence(Some(Generation(4))),
            Change::CreateFence(Generation(6)),
        ])
        .unwrap_err();
    assert!(matches!(error, BatchError::FenceMismatch { .. }));
    assert_eq!(zone.fence, Some(Generation(5)));
}
