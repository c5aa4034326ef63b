//! The list of a zone's trees as a writer reads it, kept by the zone and shared by its reads.
//!
//! A read of a zone ([`crate::dns::Zone::snapshot`]) once copied the zone's trees into a
//! fresh list: O(trees) per read, and a zone where clean-up falls behind keeps many trees.
//! Now the zone keeps this list up to date as batches commit (a binary search and a shift
//! per tree a batch changes) and a read shares it (an `Rc`, O(1)). A batch that commits
//! while a read still holds the list copies it first (`Rc::make_mut`), so a read never sees
//! a later write.

use std::collections::BTreeMap;

use crate::ids::Generation;

/// A zone's trees, oldest first: which exist, how many records each has, which are partial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeList {
    trees: Vec<Generation>,
    records: Vec<usize>,
    partial: Vec<(Generation, usize)>,
}

impl TreeList {
    /// The list for trees of these lengths, some partial (as `Zone`'s maps hold them).
    pub fn of<T: AsRef<[U]>, U>(
        trees: &BTreeMap<Generation, T>,
        partial: &BTreeMap<Generation, usize>,
    ) -> TreeList {
        let mut list = TreeList::default();
        for (&generation, targets) in trees {
            let built = partial.get(&generation).copied();
            list.set(generation, Some(targets.as_ref().len()), built);
        }
        list
    }

    /// Generations whose trees exist (whole or partial), oldest first.
    pub fn trees(&self) -> &[Generation] {
        &self.trees
    }

    /// How many records each tree of [`TreeList::trees`] has (the same order).
    pub fn records(&self) -> &[usize] {
        &self.records
    }

    /// The partial trees and how many of their records are built, oldest first.
    pub fn partial(&self) -> &[(Generation, usize)] {
        &self.partial
    }

    /// Records `generation`'s tree as it now is: absent (`len` is `None`), or `len` records
    /// long of which the first `built` are there (`built` is `None` for a whole tree).
    pub fn set(&mut self, generation: Generation, len: Option<usize>, built: Option<usize>) {
        match (self.trees.binary_search(&generation), len) {
            (Ok(at), Some(len)) => self.records[at] = built.unwrap_or(len),
            (Err(at), Some(len)) => {
                self.trees.insert(at, generation);
                self.records.insert(at, built.unwrap_or(len));
            }
            (Ok(at), None) => {
                self.trees.remove(at);
                self.records.remove(at);
            }
            (Err(_), None) => {}
        }
        let partial = self.partial.binary_search_by_key(&generation, |&(g, _)| g);
        match (partial, built) {
            (Ok(at), Some(built)) => self.partial[at].1 = built,
            (Err(at), Some(built)) => self.partial.insert(at, (generation, built)),
            (Ok(at), None) => {
                self.partial.remove(at);
            }
            (Err(_), None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set one tree at a time, the list is the one built from the maps at once.
    #[test]
    fn set_keeps_the_list_equal_to_one_built_from_the_maps() {
        let mut trees: BTreeMap<Generation, Vec<u8>> = BTreeMap::new();
        let mut partial = BTreeMap::new();
        let mut list = TreeList::default();
        let steps: [(u64, Option<usize>, Option<usize>); 8] = [
            (3, Some(5), None),
            (1, Some(4), Some(2)),
            (2, Some(6), None),
            (1, Some(4), None),
            (3, Some(5), Some(1)),
            (2, None, None),
            (4, Some(2), None),
            (3, None, None),
        ];
        for (g, len, built) in steps {
            let g = Generation(g);
            match len {
                Some(len) => trees.insert(g, vec![0; len]),
                None => trees.remove(&g),
            };
            match built {
                Some(built) => partial.insert(g, built),
                None => partial.remove(&g),
            };
            list.set(g, len, built);
            assert_eq!(list, TreeList::of(&trees, &partial), "after {g}");
        }
        assert_eq!(list.trees(), &[Generation(1), Generation(4)]);
        assert_eq!(list.records(), &[4, 2]);
        assert!(list.partial().is_empty());
    }
}
