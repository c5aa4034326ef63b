//! Which seeds a sweep runs: a range of seeds (`A..B`), one shard of it (`K/N`), and the
//! `i`-th seed of either; and what became of each seed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A half-open range of seeds, written `A..B` (or `N` for the single seed N).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    /// The first seed.
    pub start: u64,
    /// One past the last seed.
    pub end: u64,
}

impl SeedRange {
    /// How many seeds.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether there is no seed.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The seeds, in order.
    pub fn seeds(&self) -> std::ops::Range<u64> {
        self.start..self.end
    }
}

impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl FromStr for SeedRange {
    type Err = String;

    fn from_str(text: &str) -> Result<SeedRange, String> {
        let number = |s: &str| {
            let s = s.trim();
            s.parse::<u64>().map_err(|e| {
                let why = match e.kind() {
                    std::num::IntErrorKind::PosOverflow => "is past the largest seed, 2^64 - 1",
                    _ if s.starts_with('-') => "is negative: seeds are whole numbers from 0",
                    _ => "is not a whole number",
                };
                format!("bad seed range {text:?}: {s:?} {why} (expected A..B, e.g. 0..1000)")
            })
        };
        let range = match text.split_once("..") {
            Some((start, end)) => SeedRange {
                start: number(start)?,
                end: number(end)?,
            },
            None => {
                let seed = number(text)?;
                SeedRange {
                    start: seed,
                    end: seed.checked_add(1).ok_or("seed too large")?,
                }
            }
        };
        if range.start >= range.end {
            return Err(format!(
                "bad seed range {text:?}: it is empty (A..B runs A up to but not including B)"
            ));
        }
        Ok(range)
    }
}

/// One of `count` disjoint parts of a seed range (1-based `index`), written `K/N`: the seeds
/// `start + K-1`, `start + K-1 + N`, ... (round-robin, so every shard gets a fair mix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K, from 1.
    pub index: u64,
    /// N, the number of shards.
    pub count: u64,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("bad shard {text:?}: expected K/N with 1 <= K <= N, e.g. 2/4");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = index.trim().parse().map_err(|_| bad())?;
        let count: u64 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The seeds a sweep runs: a range, or one shard of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    /// The whole range.
    pub range: SeedRange,
    /// The shard of it, if any (`None`: every seed).
    pub shard: Option<Shard>,
}

impl Seeds {
    /// Every seed of `range`.
    pub fn all(range: SeedRange) -> Seeds {
        Seeds { range, shard: None }
    }

    /// How many seeds.
    pub fn len(&self) -> u64 {
        match self.shard {
            None => self.range.len(),
            // Seeds `index - 1`, then every `count`-th: none if the range ends first (no sum
            // that a count near `u64::MAX` could overflow).
            Some(shard) => self
                .range
                .len()
                .checked_sub(shard.index)
                .map_or(0, |after_first| after_first / shard.count + 1),
        }
    }

    /// Whether there is no seed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th seed.
    pub fn nth(&self, i: u64) -> u64 {
        match self.shard {
            None => self.range.start + i,
            Some(shard) => self.range.start + shard.index - 1 + i * shard.count,
        }
    }

    /// The seeds, in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len()).map(|i| self.nth(i))
    }
}

/// What became of one seed.
#[derive(Debug)]
pub enum SeedResult<T> {
    /// The seed ran; its result.
    Done(T),
    /// The seed's run panicked.
    Crashed {
        /// The panic's message and location.
        message: String,
    },
    /// The seed overran its simulated-time limit or the wall-clock watchdog.
    Hung {
        /// Why it was deemed hung.
        reason: String,
    },
}
