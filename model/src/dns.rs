//! A Route 53-like DNS service: one hosted zone per endpoint.
//!
//! Each [`Zone`] holds what the incident describes:
//!
//! - a **lock record** (TXT: holder and expiry). Every change batch begins by DELETE-ing the
//!   lock exactly as the writer believes it to be, then CREATE-ing it with a fresh expiry.
//!   Batches are all-or-nothing and a DELETE must match every value, so a stale belief about
//!   the lock aborts the whole batch: a compare-and-set validated at commit;
//! - a **record tree per plan** (leaf records under a weighted set named for the plan). A
//!   tree larger than one change batch may carry is built in parts, in order, over several
//!   batches ([`Change::UpsertTreePart`]); until its last part lands it is *partial*, and
//!   resolves to the records built so far;
//! - the **root alias**, the name clients resolve, pointing at the active plan's tree;
//! - the **rollback record**, pointing at the previously active plan's tree;
//! - a **fence record** holding the applied generation, used only by fencing designs.
//!
//! Like Route 53, an alias (root or rollback) may only be written to point at a tree that
//! exists, and a DELETE of a record that is not there fails the batch. Nothing stops a batch
//! from deleting a tree an alias already points at: the alias then resolves to nothing.

use std::fmt;
use std::rc::Rc;

pub use crate::generation_table::GenerationTable;
pub use crate::ids::EndpointId;
use crate::ids::{Actor, Generation};
use crate::plan::{LoadBalancer, Targets};
pub use crate::tree::{Tree, Trees};

/// The lock record's value: who wrote it last and until when it is theirs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LockRecord {
    /// The actor that wrote the record last.
    pub holder: Actor,
    /// Simulated time (ms since the run began) after which others may take the lock.
    pub expires_ms: u64,
}

impl LockRecord {
    /// Whether `who` must keep off this lock at time `now_ms`.
    pub fn bars(&self, who: Actor, now_ms: u64) -> bool {
        self.holder != who && now_ms < self.expires_ms
    }
}

impl fmt::Display for LockRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} until {}.{:03}s",
            self.holder,
            self.expires_ms / 1000,
            self.expires_ms % 1000
        )
    }
}

/// One change in a batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    /// DELETE the lock record; fails unless it is exactly this value (or both are absent).
    DeleteLock(Option<LockRecord>),
    /// CREATE the lock record; fails if one exists.
    CreateLock(LockRecord),
    /// UPSERT a plan's record tree.
    UpsertTree(Generation, Targets),
    /// UPSERT records `from..to` of a plan's tree (`targets` is the whole tree's list,
    /// shared, not copied). Fails unless the records before `from` are there: parts are built
    /// in order, and a part whose earlier parts were deleted since is refused (the writer
    /// reads again and starts over), so a tree is always a prefix of its plan's list.
    UpsertTreePart {
        /// The plan whose tree this is.
        generation: Generation,
        /// The whole tree's records (shared).
        targets: Targets,
        /// The first record of this part.
        from: usize,
        /// One past the last record of this part.
        to: usize,
    },
    /// DELETE a plan's record tree: every record of it, as the writer read them. Like any
    /// DELETE it must match what is there: it fails unless the tree has exactly `records`
    /// records (so a tree built further, or deleted in part, since the read is not deleted;
    /// and a batch's size, which Route 53 limits, is what its writer read).
    DeleteTree {
        /// The plan whose tree it is.
        generation: Generation,
        /// How many records the tree has (all of them go).
        records: usize,
    },
    /// DELETE records `from..to` of a plan's tree, its last records: clean-up deleting a
    /// tree too big for one batch, from its end, leaving the first `from` (at least one; the
    /// last batch deletes the rest with [`Change::DeleteTree`]). Like any DELETE it must match
    /// what is there: it fails unless the tree has exactly `to` records. A tree is still a
    /// prefix of its plan's list.
    DeleteTreePart {
        /// The plan whose tree it is.
        generation: Generation,
        /// The first record deleted (records before it stay).
        from: usize,
        /// The tree's length now: the DELETE matches only a tree of exactly `to` records.
        to: usize,
    },
    /// UPSERT the root alias; fails unless the target tree exists.
    UpsertRoot(Generation),
    /// UPSERT the rollback record; fails unless the target tree exists.
    UpsertRollback(Generation),
    /// DELETE the fence record; fails unless it holds exactly this value (or both are absent).
    DeleteFence(Option<Generation>),
    /// CREATE the fence record; fails if one exists.
    CreateFence(Generation),
}

/// Why Route 53 rejected a batch (nothing of it was applied).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BatchError {
    /// The lock record is not what the writer believed: someone else wrote in between.
    LockMismatch {
        /// The lock record the writer read (and its batch DELETEs).
        believed: Option<LockRecord>,
        /// The lock record in the zone at commit.
        actual: Option<LockRecord>,
    },
    /// The fence record is not what the writer believed: a newer plan committed in between.
    FenceMismatch {
        /// The fence the writer read (and its batch DELETEs).
        believed: Option<Generation>,
        /// The fence in the zone at commit.
        actual: Option<Generation>,
    },
    /// CREATE of a record that exists.
    AlreadyExists(&'static str),
    /// A change to a tree that is not there: a DELETE, or a part built past the records
    /// there (the tree was deleted since the writer read it).
    TreeNotFound(Generation),
    /// An alias written to point at a tree that is not there.
    AliasTargetMissing {
        /// The alias: `root` or `rollback`.
        alias: &'static str,
        /// The generation whose tree is missing.
        target: Generation,
    },
    /// A transient failure of the API itself (throttling, 5xx).
    Transient,
    /// A guard in the write path refused the batch (some designs only).
    Refused(&'static str),
    /// A change to a tree that is there, but not with the records its writer read: a
    /// DELETE of the whole tree or of its last records, or a part built past its records.
    /// Route 53 refuses a DELETE that does not match the record set exactly.
    TreeRecordsDiffer {
        /// The tree.
        generation: Generation,
        /// How many records the writer's batch assumes.
        read: usize,
        /// How many the tree has (after the batch's earlier changes).
        found: usize,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lock = |l: &Option<LockRecord>| l.map_or("none".to_string(), |l| l.to_string());
        let fence = |g: &Option<Generation>| g.map_or("none".to_string(), |g| g.to_string());
        match self {
            BatchError::LockMismatch { believed, actual } => write!(
                f,
                "lock mismatch (believed {}, actual {})",
                lock(believed),
                lock(actual)
            ),
            BatchError::FenceMismatch { believed, actual } => write!(
                f,
                "fence mismatch (believed {}, actual {})",
                fence(believed),
                fence(actual)
            ),
            BatchError::AlreadyExists(what) => write!(f, "{what} already exists"),
            BatchError::TreeNotFound(g) => write!(f, "tree {g} not found"),
            BatchError::AliasTargetMissing { alias, target } => {
                write!(f, "{alias} alias target {target} does not exist")
            }
            BatchError::Transient => f.write_str("transient API error"),
            BatchError::Refused(reason) => write!(f, "refused by the write guard: {reason}"),
            BatchError::TreeRecordsDiffer {
                generation,
                read,
                found,
            } => write!(
                f,
                "tree {generation} has {found} records, not the {read} the batch was built on"
            ),
        }
    }
}

/// Why Route 53 refuses a change to `generation`'s tree built on a read of `read` records
/// when it has `found`: the tree is gone, or it has other records.
fn tree_differs(generation: Generation, exists: bool, read: usize, found: usize) -> BatchError {
    if exists {
        BatchError::TreeRecordsDiffer {
            generation,
            read,
            found,
        }
    } else {
        BatchError::TreeNotFound(generation)
    }
}

/// What a committed batch changed, for the trace and the invariants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Commit {
    /// The root alias before the batch.
    pub root_before: Option<Generation>,
    /// The root alias after the batch.
    pub root_after: Option<Generation>,
    /// The rollback record after the batch.
    pub rollback_after: Option<Generation>,
    /// The trees the batch deleted.
    pub trees_deleted: Vec<Generation>,
}

/// What a writer reads of a zone before building a batch. The trees are the zone's own,
/// shared: a read costs the same however many trees the zone holds, and a batch that commits
/// while a read still holds them copies them first (`Rc::make_mut`), so a read never sees a
/// later write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneSnapshot {
    /// The lock record as read.
    pub lock: Option<LockRecord>,
    /// The root alias as read.
    pub root: Option<Generation>,
    /// The rollback record as read.
    pub rollback: Option<Generation>,
    /// The fence record as read (fencing designs only).
    pub fence: Option<Generation>,
    /// The trees as read (shared with the zone until its next write to them).
    pub trees: Rc<Trees>,
}

impl ZoneSnapshot {
    /// Whether `generation`'s tree exists (whole or partial).
    pub fn has_tree(&self, generation: Generation) -> bool {
        self.trees.contains(generation)
    }

    /// How many records of `generation`'s tree are built: 0 if absent.
    pub fn records_built(&self, generation: Generation) -> usize {
        self.trees.get(generation).map_or(0, |tree| tree.built)
    }
}

/// A design's guard in the write path (see `Design::write_guard`): given the zone as it is at
/// commit and a batch Route 53 would accept, `Err(reason)` refuses the batch (nothing of it
/// is applied). It runs on every batch, so it must cost O(the batch): read the records the
/// batch touches, never walk or copy the zone.
pub type WriteGuard = fn(zone: &Zone, changes: &[Change]) -> Result<(), &'static str>;

/// One hosted zone.
#[derive(Clone, Debug, Default)]
pub struct Zone {
    /// The lock record, if any writer holds or held it.
    pub lock: Option<LockRecord>,
    /// The root alias: the generation whose tree the endpoint resolves to.
    pub root: Option<Generation>,
    /// The rollback record: the generation to fall back to.
    pub rollback: Option<Generation>,
    /// The fence record: the newest generation applied (fencing designs only).
    pub fence: Option<Generation>,
    /// Every tree, whole or partial (shared with reads; written only by [`Zone::set_tree`]).
    trees: Rc<Trees>,
    /// How many of `trees` are partial.
    partial_trees: usize,
}

impl Zone {
    /// The addresses a client resolving the endpoint gets: the leaves of the tree the root
    /// alias points at, or nothing (NOERROR, empty answer) if there is no such tree.
    pub fn resolve(&self) -> &[LoadBalancer] {
        self.root.map_or(&[], |root| self.records(root))
    }

    /// The records of `generation`'s tree that are built (none if it is absent).
    pub fn records(&self, generation: Generation) -> &[LoadBalancer] {
        self.trees.get(generation).map_or(&[], Tree::records)
    }

    /// Every tree, whole or partial.
    pub fn trees(&self) -> &Trees {
        &self.trees
    }

    /// How many trees are partial.
    pub fn partial_trees(&self) -> usize {
        self.partial_trees
    }

    /// How many records of `generation`'s tree are built (0 if absent).
    fn built(&self, generation: Generation) -> usize {
        self.records(generation).len()
    }

    /// What a writer reads of this zone: O(1), the trees shared.
    pub fn snapshot(&self) -> ZoneSnapshot {
        ZoneSnapshot {
            lock: self.lock,
            root: self.root,
            rollback: self.rollback,
            fence: self.fence,
            trees: Rc::clone(&self.trees),
        }
    }

    /// Sets `generation`'s tree (`None`: absent), keeping the count of partial trees; copies
    /// the trees first if a read still holds them. Batches write trees only through this.
    /// Public for tests that build a zone by hand, and hidden from the docs: it checks no
    /// rule of Route 53, so nothing else should call it.
    #[doc(hidden)]
    pub fn set_tree(&mut self, generation: Generation, tree: Option<Tree>) {
        assert!(
            tree.as_ref()
                .is_none_or(|tree| tree.built <= tree.targets.len()),
            "a tree has at most its plan's records"
        );
        let trees = Rc::make_mut(&mut self.trees);
        let partial = tree.as_ref().is_some_and(Tree::is_partial);
        let old = match tree {
            Some(tree) => trees.insert(generation, tree),
            None => trees.remove(generation),
        };
        self.partial_trees += usize::from(partial);
        self.partial_trees -= usize::from(old.is_some_and(|old| old.is_partial()));
    }

    /// Applies a change batch all-or-nothing: validates every change in order against the
    /// zone as earlier changes in the batch would leave it, and only then applies them.
    pub fn apply(&mut self, changes: &[Change]) -> Result<Commit, BatchError> {
        self.validate(changes)?;
        let mut commit = Commit {
            root_before: self.root,
            ..Commit::default()
        };
        for change in changes {
            match change {
                Change::DeleteLock(_) => self.lock = None,
                Change::CreateLock(lock) => self.lock = Some(*lock),
                Change::UpsertTree(generation, targets) => {
                    let tree = Tree {
                        targets: targets.clone(),
                        built: targets.len(),
                    };
                    self.set_tree(*generation, Some(tree));
                }
                Change::UpsertTreePart {
                    generation,
                    targets,
                    to,
                    ..
                } => {
                    let tree = Tree {
                        targets: targets.clone(),
                        built: self.built(*generation).max(*to),
                    };
                    self.set_tree(*generation, Some(tree));
                }
                Change::DeleteTree { generation, .. } => {
                    self.set_tree(*generation, None);
                    commit.trees_deleted.push(*generation);
                }
                Change::DeleteTreePart {
                    generation, from, ..
                } => {
                    let targets = self
                        .trees
                        .get(*generation)
                        .expect("validated")
                        .targets
                        .clone();
                    let tree = Tree {
                        targets,
                        built: *from,
                    };
                    self.set_tree(*generation, Some(tree));
                }
                Change::UpsertRoot(generation) => self.root = Some(*generation),
                Change::UpsertRollback(generation) => self.rollback = Some(*generation),
                Change::DeleteFence(_) => self.fence = None,
                Change::CreateFence(generation) => self.fence = Some(*generation),
            }
        }
        commit.root_after = self.root;
        commit.rollback_after = self.rollback;
        Ok(commit)
    }

    /// Whether Route 53 would accept `changes` on this zone as it is (nothing applied):
    /// every DELETE must match what is there, every CREATE must not exist yet.
    pub fn validate(&self, changes: &[Change]) -> Result<(), BatchError> {
        let mut lock = self.lock;
        let mut fence = self.fence;
        // Whether a tree exists after the changes before it in this batch (all accepted, or
        // validation would have stopped): the latest of them that creates or deletes it
        // says, else the zone. The batch itself is the log of its edits: nothing allocated.
        let tree_exists = |earlier: &[Change], generation: Generation| {
            earlier
                .iter()
                .rev()
                .find_map(|change| match change {
                    Change::UpsertTree(g, _) | Change::UpsertTreePart { generation: g, .. }
                        if *g == generation =>
                    {
                        Some(true)
                    }
                    Change::DeleteTree { generation: g, .. } if *g == generation => Some(false),
                    _ => None,
                })
                .unwrap_or_else(|| self.trees.contains(generation))
        };
        // How many records a tree has after the changes before it in this batch, counted as
        // `apply` builds them (0: no tree).
        let records_after = |earlier: &[Change], generation: Generation| {
            earlier
                .iter()
                .fold(self.built(generation), |records, change| match change {
                    Change::UpsertTree(g, targets) if *g == generation => targets.len(),
                    Change::UpsertTreePart {
                        generation: g, to, ..
                    } if *g == generation => records.max(*to),
                    Change::DeleteTree { generation: g, .. } if *g == generation => 0,
                    Change::DeleteTreePart {
                        generation: g,
                        from,
                        ..
                    } if *g == generation => *from,
                    _ => records,
                })
        };
        for (at, change) in changes.iter().enumerate() {
            let earlier = &changes[..at];
            match change {
                Change::DeleteLock(believed) => {
                    if *believed != lock {
                        return Err(BatchError::LockMismatch {
                            believed: *believed,
                            actual: lock,
                        });
                    }
                    lock = None;
                }
                Change::CreateLock(new) => {
                    if lock.is_some() {
                        return Err(BatchError::AlreadyExists("lock record"));
                    }
                    lock = Some(*new);
                }
                Change::UpsertTree(_, targets) => {
                    assert!(!targets.is_empty(), "a plan tree has at least one leaf");
                }
                Change::UpsertTreePart {
                    generation,
                    targets,
                    from,
                    to,
                } => {
                    assert!(from < to && *to <= targets.len(), "a part of the tree");
                    // A batch holds at most one part of a tree, and a part never follows a
                    // delete of its tree in the same batch: only the zone's records count.
                    let exists = tree_exists(earlier, *generation);
                    let built = if exists { self.built(*generation) } else { 0 };
                    if *from > built {
                        return Err(tree_differs(*generation, exists, *from, built));
                    }
                }
                Change::DeleteTree {
                    generation,
                    records,
                } => {
                    let exists = tree_exists(earlier, *generation);
                    let found = records_after(earlier, *generation);
                    if !exists || found != *records {
                        return Err(tree_differs(*generation, exists, *records, found));
                    }
                }
                Change::DeleteTreePart {
                    generation,
                    from,
                    to,
                } => {
                    assert!(0 < *from && from < to, "a tail of the tree, not all of it");
                    // Like a part built, a part deleted is the batch's only change to its
                    // tree: only the zone's records count.
                    let found = self.built(*generation);
                    if found != *to {
                        let exists = self.trees.contains(*generation);
                        return Err(tree_differs(*generation, exists, *to, found));
                    }
                }
                Change::UpsertRoot(target) | Change::UpsertRollback(target) => {
                    if !tree_exists(earlier, *target) && !planted_bug::skips_alias_check() {
                        let alias = match change {
                            Change::UpsertRoot(_) => "root",
                            _ => "rollback",
                        };
                        return Err(BatchError::AliasTargetMissing {
                            alias,
                            target: *target,
                        });
                    }
                }
                Change::DeleteFence(believed) => {
                    if *believed != fence {
                        return Err(BatchError::FenceMismatch {
                            believed: *believed,
                            actual: fence,
                        });
                    }
                    fence = None;
                }
                Change::CreateFence(generation) => {
                    if fence.is_some() {
                        return Err(BatchError::AlreadyExists("fence record"));
                    }
                    fence = Some(*generation);
                }
            }
        }
        Ok(())
    }
}

/// A deliberate bug in Route 53's batch validation, planted only by tests that prove the
/// harness's oracle notices a model that breaks Route 53's rules. Never planted otherwise.
#[doc(hidden)]
pub mod planted_bug {
    use std::cell::Cell;

    thread_local! {
        static SKIP_ALIAS_CHECK: Cell<bool> = const { Cell::new(false) };
    }

    /// Runs `f` with alias targets unchecked on this thread: a batch may point the root alias
    /// or the rollback record at a missing tree (as if validation forgot the rule).
    pub fn with_alias_check_skipped<R>(f: impl FnOnce() -> R) -> R {
        SKIP_ALIAS_CHECK.with(|skip| skip.set(true));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        SKIP_ALIAS_CHECK.with(|skip| skip.set(false));
        result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    pub(crate) fn skips_alias_check() -> bool {
        SKIP_ALIAS_CHECK.with(Cell::get)
    }
}

#[cfg(test)]
mod tests;
