//! Route 53's limits on one change batch, and building a tree too big for one batch.
//!
//! A `ChangeResourceRecordSets` request is limited (Amazon Route 53 Developer Guide,
//! "Quotas", <https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html>,
//! "Number of elements and characters in ChangeResourceRecordSets requests"; and the
//! ChangeResourceRecordSets API reference, API version 2013-04-01):
//!
//! - at most 1,000 `ResourceRecord` elements, each counted twice in an UPSERT;
//! - at most 32,000 characters in all `Value` elements, each counted twice in an UPSERT
//!   (an IPv4 address is at most 15 characters: 30 per upserted leaf, so 1,066 leaves; the
//!   record count binds first, and dnsim does not model characters);
//! - at most 100 `Change` elements (the API reference's older limit).
//!
//! In the model a leaf (one load balancer) is one weighted record set: one `Change` holding
//! one `ResourceRecord`. The lock and fence records are TXT records: one `Change` and one
//! `ResourceRecord` each. The root alias and rollback record are alias records: one
//! `Change`, no `ResourceRecord`. Deleting a tree deletes each of its leaves: one `Change`
//! and one `ResourceRecord` each (a DELETE's are counted once).
//!
//! When a plan's tree for an endpoint does not fit beside the rest of its batch, the enactor
//! first writes it in parts, in order, each in its own batch carrying the lock preamble (so
//! each is validated against the lock at commit, like any write), and the last part rides in
//! the batch that flips the root. Each part is decided on a fresh read of the zone: an
//! enactor resumes from the records already there, and starts over if the tree was deleted.
//!
//! Clean-up deletes trees the same way ([`next_cleanup`]): as many whole trees as fit beside
//! the lock preamble in one batch; a tree too big for one batch loses its last records
//! first, a batch at a time, each decided on a fresh read, until what is left fits. Until
//! then the tree is half deleted: its first records remain, and an alias pointing at it
//! resolves to them.

use crate::dns::{Change, ZoneSnapshot};
use crate::ids::Generation;

/// The limits on one change batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLimits {
    /// `Change` elements per batch (Route 53's API reference: 100).
    pub max_changes: u32,
    /// `ResourceRecord` elements per batch, an UPSERT's counted twice (Route 53: 1,000).
    pub max_records: u32,
}

impl BatchLimits {
    /// `(Change elements, ResourceRecord elements as counted)` of one change.
    fn cost(change: &Change) -> (usize, usize) {
        match change {
            Change::DeleteLock(_)
            | Change::CreateLock(_)
            | Change::DeleteFence(_)
            | Change::CreateFence(_) => (1, 1),
            Change::UpsertRoot(_) | Change::UpsertRollback(_) => (1, 0),
            // A DELETE's records are counted once.
            Change::DeleteTree { records, .. } => (*records, *records),
            Change::DeleteTreePart { from, to, .. } => (to - from, to - from),
            Change::UpsertTree(_, targets) => (targets.len(), 2 * targets.len()),
            Change::UpsertTreePart { from, to, .. } => (to - from, 2 * (to - from)),
        }
    }

    /// How many leaves of a tree can be UPSERTed in one batch beside `others` (each counted
    /// as one `Change` and two records).
    pub fn leaves_beside<'a>(&self, others: impl IntoIterator<Item = &'a Change>) -> usize {
        let (changes, records) = self.room_beside(others);
        changes.min(records / 2)
    }

    /// How many leaves of trees can be DELETEd in one batch beside `others` (each counted as
    /// one `Change` and one record: Route 53 counts twice only an UPSERT's records).
    pub fn leaves_deleted_beside<'a>(&self, others: impl IntoIterator<Item = &'a Change>) -> usize {
        let (changes, records) = self.room_beside(others);
        changes.min(records)
    }

    /// `(Change elements, ResourceRecord elements)` left in one batch beside `others`.
    fn room_beside<'a>(&self, others: impl IntoIterator<Item = &'a Change>) -> (usize, usize) {
        let (changes, records) = others
            .into_iter()
            .map(Self::cost)
            .fold((0, 0), |(c, r), (dc, dr)| (c + dc, r + dr));
        (
            (self.max_changes as usize).saturating_sub(changes),
            (self.max_records as usize).saturating_sub(records),
        )
    }

    /// Whether a batch is within the limits.
    pub fn admits(&self, batch: &[Change]) -> bool {
        let (changes, records) = batch
            .iter()
            .map(Self::cost)
            .fold((0, 0), |(c, r), (dc, dr)| (c + dc, r + dr));
        changes <= self.max_changes as usize && records <= self.max_records as usize
    }
}

/// The batch to send next for a design's `batch`, under `limits`.
#[derive(Debug, PartialEq, Eq)]
pub enum NextBatch {
    /// The design's batch itself (its tree fits, or its remaining part does).
    Final(Vec<Change>),
    /// One part of the tree first: the lock preamble and records `..built` of `of`.
    Part {
        /// The lock preamble and this part's records.
        batch: Vec<Change>,
        /// The plan whose tree this part builds.
        generation: Generation,
        /// How many of the tree's records are built once this part commits.
        built: usize,
        /// How many records the whole tree has.
        of: usize,
    },
}

/// What to send next. The design's `batch` begins with the lock preamble, `preamble_len`
/// changes; `zone` is the read it was built on. A batch whose tree fits is returned unchanged, so a
/// scenario whose trees fit one batch runs exactly as it would without limits.
pub fn next_batch(
    limits: BatchLimits,
    preamble_len: usize,
    mut batch: Vec<Change>,
    zone: &ZoneSnapshot,
) -> NextBatch {
    let Some(at) = batch
        .iter()
        .position(|c| matches!(c, Change::UpsertTree(..)))
    else {
        return NextBatch::Final(batch);
    };
    let Change::UpsertTree(generation, targets) = &batch[at] else {
        unreachable!("found above")
    };
    let (generation, len) = (*generation, targets.len());
    let (before, after) = (&batch[..at], &batch[at + 1..]);
    let fits_beside = limits.leaves_beside(before.iter().chain(after));
    if len <= fits_beside {
        return NextBatch::Final(batch);
    }
    let built = zone.records_built(generation);
    let Change::UpsertTree(_, targets) = batch.remove(at) else {
        unreachable!("found above")
    };
    if len - built <= fits_beside {
        if built < len {
            let rest = Change::UpsertTreePart {
                generation,
                targets,
                from: built,
                to: len,
            };
            batch.insert(at, rest);
        }
        return NextBatch::Final(batch);
    }
    let preamble = &batch[..preamble_len];
    let per_part = limits.leaves_beside(preamble.iter());
    assert!(
        per_part > 0,
        "the limits leave room for a leaf beside the lock"
    );
    let to = (built + per_part).min(len);
    batch.truncate(preamble_len);
    batch.push(Change::UpsertTreePart {
        generation,
        targets,
        from: built,
        to,
    });
    assert!(
        limits.admits(&batch),
        "a part of a tree fits one batch: {} changes",
        batch.len()
    );
    NextBatch::Part {
        batch,
        generation,
        built: to,
        of: len,
    }
}

/// The clean-up batch to send next.
#[derive(Debug, PartialEq, Eq)]
pub enum NextCleanup {
    /// The preamble and a DELETE of each of these trees: every victim left, or as many as
    /// fit (`rest`: victims are left for the next batch).
    Trees {
        /// The batch to send.
        batch: Vec<Change>,
        /// The trees it deletes, oldest first.
        trees: Vec<Generation>,
        /// Victims are left for the next batch.
        rest: bool,
    },
    /// The preamble and a DELETE of the last records of a tree too big for one batch:
    /// `left` of its `of` records remain.
    Part {
        /// The batch to send.
        batch: Vec<Change>,
        /// The tree it deletes part of.
        generation: Generation,
        /// Records of the tree left after the batch.
        left: usize,
        /// Records in the whole tree.
        of: usize,
    },
}

impl NextCleanup {
    /// The batch to send.
    pub fn batch(&self) -> &[Change] {
        let (NextCleanup::Trees { batch, .. } | NextCleanup::Part { batch, .. }) = self;
        batch
    }

    /// The trees the batch deletes, or deletes part of.
    pub fn deleting(&self) -> &[Generation] {
        match self {
            NextCleanup::Trees { trees, .. } => trees,
            NextCleanup::Part { generation, .. } => std::slice::from_ref(generation),
        }
    }
}

/// What clean-up sends next to delete `victims` (oldest first, each in `zone`, the read the
/// batch is built on), beginning with `preamble`. Without limits, every victim in one batch,
/// as before Route 53's limits were modelled. With them, victims are taken only until the
/// batch is full (and one more, to know whether any are left): a zone where clean-up fell
/// behind holds hundreds, and each batch deletes a few, so a step costs what it deletes.
pub fn next_cleanup(
    limits: Option<BatchLimits>,
    mut preamble: Vec<Change>,
    victims: impl IntoIterator<Item = Generation>,
    zone: &ZoneSnapshot,
) -> NextCleanup {
    let mut victims = victims.into_iter().peekable();
    let delete = |generation: Generation| Change::DeleteTree {
        generation,
        records: zone.records_built(generation),
    };
    let Some(limits) = limits else {
        let trees: Vec<Generation> = victims.collect();
        preamble.extend(trees.iter().map(|&tree| delete(tree)));
        return NextCleanup::Trees {
            batch: preamble,
            trees,
            rest: false,
        };
    };
    let room = limits.leaves_deleted_beside(preamble.iter());
    assert!(room > 0, "the limits leave room for a leaf beside the lock");
    let records = |tree: Generation| {
        let tree = zone.trees.get(tree).expect("a victim is in the read");
        tree.built
    };
    let first = *victims.peek().expect("clean-up has a victim to delete");
    let (mut used, mut trees) = (0, Vec::new());
    while let Some(&tree) = victims.peek() {
        let records = records(tree);
        if used + records > room {
            break;
        }
        used += records;
        trees.push(tree);
        victims.next();
    }
    if trees.is_empty() {
        let generation = first;
        let of = records(generation);
        let left = of - room;
        preamble.push(Change::DeleteTreePart {
            generation,
            from: left,
            to: of,
        });
        assert!(limits.admits(&preamble), "a part deleted fits one batch");
        return NextCleanup::Part {
            batch: preamble,
            generation,
            left,
            of,
        };
    }
    preamble.extend(trees.iter().map(|&tree| delete(tree)));
    assert!(limits.admits(&preamble), "a clean-up batch fits one batch");
    NextCleanup::Trees {
        batch: preamble,
        rest: victims.peek().is_some(),
        trees,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::{LockRecord, Zone};
    use crate::ids::Actor;
    use crate::plan::{LoadBalancer, Targets};

    const ROUTE53: BatchLimits = BatchLimits {
        max_changes: 100,
        max_records: 1000,
    };

    fn preamble(zone: &Zone) -> Vec<Change> {
        vec![
            Change::DeleteLock(zone.lock),
            Change::CreateLock(LockRecord {
                holder: Actor::Enactor(1),
                expires_ms: 10,
            }),
        ]
    }

    fn targets(n: usize) -> Targets {
        (0..n)
            .map(|i| LoadBalancer {
                ip: [10, 0, (i / 250) as u8, (i % 250) as u8],
                weight: 1,
            })
            .collect()
    }

    /// A 300-leaf tree under Route 53's limits: parts of 98 leaves (100 changes less the
    /// two of the lock), then the last 6 with the root flip; every batch within the limits
    /// and each carrying the lock preamble; the tree resolves whole only at the flip.
    #[test]
    fn a_tree_too_big_for_one_batch_is_built_in_parts_then_flipped() {
        let mut zone = Zone::default();
        let g = Generation(1);
        let tree = targets(300);
        let mut parts = Vec::new();
        loop {
            let snapshot = zone.snapshot();
            let lock = preamble(&zone);
            let mut batch = lock.clone();
            batch.push(Change::UpsertTree(g, tree.clone()));
            batch.push(Change::UpsertRoot(g));
            let next = next_batch(ROUTE53, lock.len(), batch, &snapshot);
            let (NextBatch::Part { batch, .. } | NextBatch::Final(batch)) = &next;
            assert!(ROUTE53.admits(batch), "{} changes", batch.len());
            assert_eq!(
                batch[..2],
                lock[..],
                "every batch carries the lock preamble"
            );
            zone.apply(batch).unwrap();
            match next {
                NextBatch::Part { built, .. } => {
                    parts.push(built);
                    assert_eq!(zone.root, None, "no flip before the last part");
                }
                NextBatch::Final(_) => break,
            }
        }
        assert_eq!(parts, vec![98, 196, 294]);
        assert_eq!(zone.root, Some(g));
        assert_eq!(zone.resolve().len(), 300);
        assert_eq!(zone.partial_trees(), 0);
    }

    /// A tree that fits is left alone: the batch is exactly the design's.
    #[test]
    fn a_tree_that_fits_is_one_batch_unchanged() {
        let zone = Zone::default();
        let lock = preamble(&zone);
        let mut batch = lock.clone();
        batch.push(Change::UpsertTree(Generation(1), targets(90)));
        batch.push(Change::UpsertRoot(Generation(1)));
        let next = next_batch(ROUTE53, lock.len(), batch.clone(), &zone.snapshot());
        assert_eq!(next, NextBatch::Final(batch));
    }

    /// A 300-leaf tree is deleted in four batches under Route 53's limits, from its end,
    /// each within the limits and carrying the lock preamble; what is left of it goes with
    /// the small trees that fit beside it, and the rest in another batch.
    #[test]
    fn a_tree_too_big_for_one_batch_is_deleted_in_parts() {
        let mut zone = Zone::default();
        let (big, small, tiny, last) = (Generation(1), Generation(2), Generation(3), Generation(4));
        zone.apply(&[
            Change::UpsertTree(big, targets(300)),
            Change::UpsertTree(small, targets(40)),
            Change::UpsertTree(tiny, targets(30)),
            Change::UpsertTree(last, targets(50)),
            Change::UpsertRoot(big),
        ])
        .unwrap();
        let mut left = Vec::new();
        let mut deleted = Vec::new();
        loop {
            let snapshot = zone.snapshot();
            let lock = preamble(&zone);
            let victims: Vec<Generation> = snapshot.trees.generations().collect();
            if victims.is_empty() {
                break;
            }
            let next = next_cleanup(Some(ROUTE53), lock.clone(), victims, &snapshot);
            let (NextCleanup::Trees { batch, .. } | NextCleanup::Part { batch, .. }) = &next;
            let leaves: usize = batch[2..]
                .iter()
                .map(|change| match change {
                    Change::DeleteTree { records, .. } => *records,
                    Change::DeleteTreePart { from, to, .. } => to - from,
                    other => panic!("not a deletion: {other:?}"),
                })
                .sum();
            assert!(2 + leaves <= 100, "{leaves} leaves beside the lock");
            assert_eq!(
                batch[..2],
                lock[..],
                "every batch carries the lock preamble"
            );
            zone.apply(batch).unwrap();
            match next {
                NextCleanup::Part { left: l, .. } => {
                    left.push(l);
                    assert_eq!(zone.resolve().len(), l, "the root resolves to what is left");
                }
                NextCleanup::Trees { trees, .. } => deleted.push(trees),
            }
        }
        assert_eq!(left, vec![202, 104, 6]);
        assert_eq!(deleted, vec![vec![big, small, tiny], vec![last]]);
        assert!(zone.resolve().is_empty());
    }

    /// Where records bind (as many `Change` elements allowed as records), clean-up fills a
    /// batch with DELETEs counted once, as Route 53 counts them: a 900-leaf tree is built in
    /// two parts (UPSERTs count twice) but deleted in one batch.
    #[test]
    fn a_delete_counts_its_records_once() {
        let limits = BatchLimits {
            max_changes: 1000,
            max_records: 1000,
        };
        let mut zone = Zone::default();
        let g = Generation(1);
        zone.apply(&[Change::UpsertTree(g, targets(900))]).unwrap();
        let lock = preamble(&zone);
        assert_eq!(
            limits.leaves_beside(&lock),
            499,
            "an UPSERT's records count twice"
        );
        assert_eq!(
            limits.leaves_deleted_beside(&lock),
            998,
            "a DELETE's count once"
        );
        let snapshot = zone.snapshot();
        let next = next_cleanup(Some(limits), lock, [g], &snapshot);
        let NextCleanup::Trees { batch, trees, rest } = &next else {
            panic!("a 900-leaf tree is deleted whole: {next:?}")
        };
        assert_eq!((&trees[..], *rest), (&[g][..], false));
        assert!(limits.admits(batch));
        zone.apply(batch).unwrap();
        assert!(zone.snapshot().trees.is_empty());
    }

    /// A part deleted on a stale read (the tree grew or shrank since) is refused.
    #[test]
    fn a_part_deleted_on_a_stale_read_is_refused() {
        let mut zone = Zone::default();
        let g = Generation(1);
        zone.apply(&[Change::UpsertTree(g, targets(300))]).unwrap();
        let part = |to| Change::DeleteTreePart {
            generation: g,
            from: 100,
            to,
        };
        assert_eq!(
            zone.apply(&[part(250)]),
            Err(crate::dns::BatchError::TreeRecordsDiffer {
                generation: g,
                read: 250,
                found: 300
            })
        );
        zone.apply(&[part(300)]).unwrap();
        assert_eq!(zone.records(g).len(), 100);
    }

    /// Clean-up deleting a half-built tree: a part built on the old read is refused, and the
    /// next read starts the tree over.
    #[test]
    fn a_part_whose_tree_was_deleted_is_refused_and_the_build_starts_over() {
        let mut zone = Zone::default();
        let g = Generation(1);
        let tree = targets(300);
        let first = Change::UpsertTreePart {
            generation: g,
            targets: tree.clone(),
            from: 0,
            to: 98,
        };
        zone.apply(&[first]).unwrap();
        assert_eq!(zone.snapshot().records_built(g), 98);
        assert_eq!(zone.resolve().len(), 0, "nothing points at it yet");
        let delete = Change::DeleteTree {
            generation: g,
            records: 98,
        };
        zone.apply(&[delete]).unwrap();
        let second = Change::UpsertTreePart {
            generation: g,
            targets: tree,
            from: 98,
            to: 196,
        };
        assert_eq!(
            zone.apply(&[second]),
            Err(crate::dns::BatchError::TreeNotFound(g))
        );
        assert_eq!(zone.snapshot().records_built(g), 0);
    }

    /// Clean-up in a zone with a backlog takes from the design's victims only what one batch
    /// deletes, and one more to know that some are left: a step costs what it deletes.
    #[test]
    fn clean_up_takes_only_the_victims_one_batch_deletes() {
        let mut zone = Zone::default();
        let backlog: Vec<Change> = (1..=500)
            .map(|g| Change::UpsertTree(Generation(g), targets(1)))
            .collect();
        zone.apply(&backlog).unwrap();
        let snapshot = zone.snapshot();
        let taken = std::cell::Cell::new(0);
        let victims = snapshot
            .trees
            .generations()
            .inspect(|_| taken.set(taken.get() + 1));
        let next = next_cleanup(Some(ROUTE53), preamble(&zone), victims, &snapshot);
        let NextCleanup::Trees { trees, rest, .. } = next else {
            panic!("one-record trees are deleted whole: {next:?}")
        };
        assert_eq!((trees.len(), rest), (98, true));
        assert_eq!(
            taken.get(),
            99,
            "the victims deleted, and one to see that more are left"
        );
    }
}
