//! A map keyed by [`Generation`] whose lookups cost O(1), and whose changes cost O(1)
//! amortised while generations arrive in order, however many entries it holds: what a
//! zone keeps its trees in.
//!
//! A zone where clean-up falls behind holds hundreds of trees (in `long`, an enactor that
//! crashes mid-pass never reaches clean-up). In an ordered map or a sorted list every lookup
//! then walks O(log trees) cold cache lines, and a batch makes a dozen lookups. Generations
//! are small consecutive numbers, and a zone's trees are the plans applied to it lately, so
//! the table keeps an index with one 4-byte slot per generation, from the zone's oldest
//! entry to its newest, pointing into a dense list of the entries: a lookup is two array
//! reads; a new entry is pushed at the back; deleting one swaps the last entry into its
//! place; deleting the oldest also pops the empty slots at the front, so that clean-up,
//! which walks the oldest trees, never walks the empty slots of trees it deleted.
//!
//! Empty slots at the back stay until a newer entry fills them. That is on purpose: the
//! oracle judges a batch by applying it and, if Route 53 rejects it, taking it back. A zone
//! whose rollback tree is gone rejects every apply after it adds the new plan's tree, and
//! its enactors retry without end (the incident's step 4); popping the slots between the
//! newest tree and the one before would make every such attempt cost O(plans published
//! since), and it did (`incident-long`, +6% instructions per event).
//!
//! Costs that are not O(1): an entry older than the oldest (a stale enactor rebuilding an
//! old plan's tree, the oracle taking back the deletion of the oldest tree) pushes one slot
//! per generation in between; iteration, oldest first, walks the slots and skips the empty
//! ones, so it costs the span, not the entries (a tree spared by clean-up, say a protected
//! rollback, keeps the span open behind it); a copy (a batch committing while a read holds
//! the zone's trees) copies every slot.
//!
//! Memory is the entries alive plus 4 bytes per generation from the oldest entry to the
//! newest ever added since the table was last empty.

use std::collections::VecDeque;

use crate::ids::Generation;

/// Entries keyed by generation: an index by generation into a dense list.
#[derive(Clone)]
pub struct GenerationTable<V> {
    /// The generation of `slots[0]` (meaningless while the table is empty).
    first: u64,
    /// `slots[i]` is 0 if generation `first + i` has no entry, else 1 + its place in
    /// `entries`. The first slot is never 0 (the last may be).
    slots: VecDeque<u32>,
    /// The entries, in no order.
    entries: Vec<(Generation, V)>,
}

impl<V> Default for GenerationTable<V> {
    fn default() -> Self {
        GenerationTable {
            first: 0,
            slots: VecDeque::new(),
            entries: Vec::new(),
        }
    }
}

/// Shown as the map it is, oldest first (not its slots).
impl<V: std::fmt::Debug> std::fmt::Debug for GenerationTable<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V: PartialEq> PartialEq for GenerationTable<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<V: Eq> Eq for GenerationTable<V> {}

impl<V> GenerationTable<V> {
    /// The slot of `generation`, if the table spans it.
    fn slot(&self, generation: Generation) -> Option<usize> {
        let offset = generation.0.checked_sub(self.first)?;
        usize::try_from(offset)
            .ok()
            .filter(|&at| at < self.slots.len())
    }

    /// Where `generation`'s entry is in `entries`.
    fn place(&self, generation: Generation) -> Option<usize> {
        let slot = self.slots[self.slot(generation)?];
        (slot != 0).then(|| slot as usize - 1)
    }

    /// `generation`'s entry.
    pub fn get(&self, generation: Generation) -> Option<&V> {
        let place = self.place(generation)?;
        let (found, value) = &self.entries[place];
        debug_assert_eq!(*found, generation, "the index points at its generation");
        Some(value)
    }

    /// Whether `generation` has an entry.
    pub fn contains(&self, generation: Generation) -> bool {
        self.place(generation).is_some()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `generation`'s entry; returns the one it replaces.
    pub fn insert(&mut self, generation: Generation, value: V) -> Option<V> {
        if let Some(place) = self.place(generation) {
            return Some(std::mem::replace(&mut self.entries[place].1, value));
        }
        if self.slots.is_empty() {
            self.first = generation.0;
        }
        // Older than the oldest: rare (see the module's essay), one slot per generation.
        while generation.0 < self.first {
            self.slots.push_front(0);
            self.first -= 1;
        }
        let at = usize::try_from(generation.0 - self.first)
            .expect("a span of generations that fits usize");
        if at >= self.slots.len() {
            self.slots.resize(at + 1, 0);
        }
        self.entries.push((generation, value));
        self.slots[at] = u32::try_from(self.entries.len()).expect("fewer than 2^32 entries");
        None
    }

    /// Removes `generation`'s entry, and the empty slots it leaves at the front (all of them,
    /// if it was the last entry).
    pub fn remove(&mut self, generation: Generation) -> Option<V> {
        let place = self.place(generation)?;
        let at = self.slot(generation).expect("placed");
        self.slots[at] = 0;
        let (_, old) = self.entries.swap_remove(place);
        if let Some(&(moved, _)) = self.entries.get(place) {
            let moved_at = self.slot(moved).expect("an entry has a slot");
            self.slots[moved_at] = u32::try_from(place + 1).expect("fewer than 2^32 entries");
        }
        if self.entries.is_empty() {
            self.slots.clear();
        }
        while self.slots.front() == Some(&0) {
            self.slots.pop_front();
            self.first += 1;
        }
        Some(old)
    }

    /// Every entry, oldest generation first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (Generation, &V)> + Clone + '_ {
        self.slots.iter().filter(|&&slot| slot != 0).map(|&slot| {
            let (generation, value) = &self.entries[slot as usize - 1];
            (*generation, value)
        })
    }

    /// Every generation with an entry, oldest first.
    pub fn generations(&self) -> impl DoubleEndedIterator<Item = Generation> + Clone + '_ {
        self.iter().map(|(generation, _)| generation)
    }

    /// The oldest generation with an entry.
    pub fn oldest(&self) -> Option<Generation> {
        (!self.is_empty()).then_some(Generation(self.first))
    }
}

impl<V> FromIterator<(Generation, V)> for GenerationTable<V> {
    fn from_iter<I: IntoIterator<Item = (Generation, V)>>(entries: I) -> Self {
        let mut table = GenerationTable::default();
        for (generation, value) in entries {
            table.insert(generation, value);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// After any inserts and removes, the table answers as an ordered map does, and its
        /// slots begin at its oldest entry and end at or after its newest.
        #[test]
        fn answers_as_an_ordered_map(
            steps in prop::collection::vec((0u64..40, any::<bool>(), 0u8..255), 0..200)
        ) {
            let mut table = GenerationTable::default();
            let mut map = BTreeMap::new();
            for (g, insert, value) in steps {
                let g = Generation(g);
                if insert {
                    prop_assert_eq!(table.insert(g, value), map.insert(g, value));
                } else {
                    prop_assert_eq!(table.remove(g), map.remove(&g));
                }
                prop_assert_eq!(table.len(), map.len());
                let entries = map.iter().map(|(g, v)| (*g, *v));
                prop_assert!(table.iter().map(|(g, v)| (g, *v)).eq(entries));
                let newest_first = map.keys().rev().copied();
                prop_assert!(table.iter().rev().map(|(g, _)| g).eq(newest_first));
                for probe in 0..42 {
                    prop_assert_eq!(table.get(Generation(probe)), map.get(&Generation(probe)));
                }
                prop_assert_eq!(table.oldest(), map.keys().next().copied());
                let ends = map.keys().next().zip(map.keys().next_back());
                let span = ends.map_or(0, |(oldest, newest)| newest.0 - oldest.0 + 1);
                prop_assert!(table.slots.len() as u64 >= span);
                prop_assert_eq!(table.slots.is_empty(), map.is_empty());
                if let Some(oldest) = map.keys().next() {
                    prop_assert_eq!(table.first, oldest.0);
                }
            }
        }
    }

    /// Deleting the oldest entry, as clean-up does, frees its slot and any empty ones after.
    #[test]
    fn removing_the_oldest_frees_the_slots_before_the_next() {
        let mut table: GenerationTable<u8> = [(3, 0), (4, 1), (7, 2)]
            .into_iter()
            .map(|(g, v)| (Generation(g), v))
            .collect();
        assert_eq!(table.slots.len(), 5);
        table.remove(Generation(4));
        assert_eq!(table.slots.len(), 5, "a hole in the middle stays");
        table.remove(Generation(3));
        assert_eq!((table.first, table.slots.len()), (7, 1));
        assert_eq!(
            table.get(Generation(7)),
            Some(&2),
            "the entry moved keeps its slot"
        );
        assert_eq!(table.oldest(), Some(Generation(7)));
    }

    /// Taking back the newest entry (the oracle's undo of a rejected batch) leaves its slot,
    /// and those before it, for the next attempt: no attempt costs O(the gap).
    #[test]
    fn removing_the_newest_keeps_the_slots_for_the_next_insert() {
        let mut table = GenerationTable::default();
        table.insert(Generation(1), 'a');
        for _attempt in 0..3 {
            table.insert(Generation(1000), 'b');
            assert_eq!(table.slots.len(), 1000);
            table.remove(Generation(1000));
            assert_eq!(table.slots.len(), 1000, "the empty slots at the back stay");
            assert_eq!(table.generations().collect::<Vec<_>>(), [Generation(1)]);
        }
        table.remove(Generation(1));
        assert!(table.slots.is_empty(), "an empty table keeps no slots");
    }
}
