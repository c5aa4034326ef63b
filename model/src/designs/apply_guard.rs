//! `apply-guard`: the write path refuses a batch that would leave an endpoint empty.
//!
//! AWS's summary promises "protections to prevent the application of incorrect DNS plans".
//! Here the protection sits in the write path itself, checked atomically at commit against
//! the zone as it is then (not as the writer read it):
//!
//! 1. A batch that would delete the tree the root alias points at is refused.
//! 2. A batch that would leave the endpoint resolving to no addresses is refused.
//! 3. A refused batch changes nothing; its writer backs off and retries (clean-up gives up
//!    after its attempts, as for any rejection).
//!
//! Why it should hold for empty answers: the guard sees every batch against the live zone,
//! so no interleaving can slip a deletion of the live tree past it: `endpoint_resolves`
//! holds. And since the root's tree always exists, every later batch can point the
//! rollback record at it: no batch gets stuck, `converges` holds.
//!
//! What it does not stop: the stale overwrite (**`no_stale_overwrite` is still violated**;
//! the old plan has addresses, so the guard lets it through), and clean-up deleting the
//! tree the *rollback* record points at (**`rollback_target_exists` is still violated**; a
//! rollback would find nothing, though no client is served from it).

use crate::design::{Design, WriteGuard};
use crate::dns::{Change, Zone};
use crate::plan::Generation;

/// The `apply-guard` design (see the module's essay).
pub struct ApplyGuard;

/// Refuses a batch that deletes the live tree or leaves the endpoint with no addresses.
/// It follows only the trees the root alias points at before and after the batch, through
/// the batch's changes: O(the batch), whatever the size of the zone.
fn never_empty(zone: &Zone, changes: &[Change]) -> Result<(), &'static str> {
    let live_tree_deleted = zone.root.is_some_and(|root| {
        zone.trees().contains(root) && records_after(zone, changes, root).is_none()
    });
    if live_tree_deleted {
        return Err("deletes the tree the root alias points at");
    }
    let root_after = changes
        .iter()
        .rev()
        .find_map(|change| match change {
            Change::UpsertRoot(generation) => Some(*generation),
            _ => None,
        })
        .or(zone.root);
    let resolves_after = root_after
        .and_then(|root| records_after(zone, changes, root))
        .is_some_and(|records| records > 0);
    if !zone.resolve().is_empty() && !resolves_after {
        return Err("leaves the endpoint resolving to no addresses");
    }
    Ok(())
}

/// How many records `generation`'s tree has once `changes` are applied (`None`: no tree),
/// counted as [`Zone::apply`] builds them.
fn records_after(zone: &Zone, changes: &[Change], generation: Generation) -> Option<usize> {
    let mut records = (zone.trees().get(generation)).map(|tree| tree.built);
    for change in changes {
        match change {
            Change::UpsertTree(tree, targets) if *tree == generation => {
                records = Some(targets.len());
            }
            Change::UpsertTreePart {
                generation: tree,
                targets,
                to,
                ..
            } if *tree == generation => {
                records = Some(records.unwrap_or(0).max(*to).min(targets.len()));
            }
            Change::DeleteTree {
                generation: tree, ..
            } if *tree == generation => records = None,
            _ => {}
        }
    }
    records
}

impl Design for ApplyGuard {
    fn name(&self) -> &'static str {
        "apply-guard"
    }

    fn summary(&self) -> &'static str {
        "the write path refuses batches that delete the live tree or empty the endpoint"
    }

    fn write_guard(&self) -> Option<WriteGuard> {
        Some(never_empty)
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::dns::Tree;
    use crate::plan::{LoadBalancer, Targets};

    fn targets(len: u8) -> Targets {
        (0..len)
            .map(|i| LoadBalancer {
                ip: [10, 0, 0, i],
                weight: 1,
            })
            .collect::<Vec<_>>()
            .into()
    }

    /// The guard's definition: apply the batch to a copy, compare before and after.
    fn by_copy(before: &Zone, changes: &[Change]) -> Result<(), &'static str> {
        let mut after = before.clone();
        after.apply(changes).expect("only batches Route 53 accepts");
        let live_tree_deleted = before
            .root
            .is_some_and(|root| before.trees().contains(root) && !after.trees().contains(root));
        if live_tree_deleted {
            return Err("deletes the tree the root alias points at");
        }
        if !before.resolve().is_empty() && after.resolve().is_empty() {
            return Err("leaves the endpoint resolving to no addresses");
        }
        Ok(())
    }

    #[test]
    fn the_guard_without_a_copy_decides_as_the_copy_does() {
        let (g1, g2) = (Generation(1), Generation(2));
        let three = targets(3);
        let mut alphabet = Vec::new();
        for g in [g1, g2] {
            alphabet.push(Change::UpsertTree(g, targets(1)));
            alphabet.push(Change::UpsertTree(g, targets(2)));
            for (from, to) in [(0, 1), (1, 2), (2, 3)] {
                alphabet.push(Change::UpsertTreePart {
                    generation: g,
                    targets: Rc::clone(&three),
                    from,
                    to,
                });
            }
            for records in [1, 3] {
                alphabet.push(Change::DeleteTree {
                    generation: g,
                    records,
                });
            }
            alphabet.push(Change::UpsertRoot(g));
        }
        let mut batches: Vec<Vec<Change>> = vec![Vec::new()];
        for _ in 0..3 {
            let longer: Vec<Vec<Change>> = batches
                .iter()
                .filter(|batch| batch.len() == batches.last().unwrap().len())
                .flat_map(|batch| {
                    alphabet.iter().map(move |change| {
                        let mut batch = batch.clone();
                        batch.push(change.clone());
                        batch
                    })
                })
                .collect();
            batches.extend(longer);
        }
        // Each tree absent, whole (two records) or partial (one of three); any root.
        let mut zones = Vec::new();
        for states in 0..9 {
            for root in [None, Some(g1), Some(g2)] {
                let mut zone = Zone::default();
                zone.root = root;
                for (g, state) in [(g1, states % 3), (g2, states / 3)] {
                    match state {
                        1 => {
                            let tree = Tree {
                                targets: targets(2),
                                built: 2,
                            };
                            zone.set_tree(g, Some(tree));
                        }
                        2 => {
                            let tree = Tree {
                                targets: Rc::clone(&three),
                                built: 1,
                            };
                            zone.set_tree(g, Some(tree));
                        }
                        _ => {}
                    }
                }
                zones.push(zone);
            }
        }
        let mut compared = 0;
        let mut refused = 0;
        for zone in &zones {
            for batch in &batches {
                if zone.validate(batch).is_err() {
                    continue;
                }
                let expected = by_copy(zone, batch);
                assert_eq!(never_empty(zone, batch), expected, "{zone:?} {batch:?}");
                compared += 1;
                refused += usize::from(expected.is_err());
            }
        }
        assert!(compared > 10_000 && refused > 1_000, "{compared} {refused}");
    }
}
