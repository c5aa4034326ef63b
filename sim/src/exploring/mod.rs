//! Exploring many seeds: the sweep on every core, hunts, shards and merging, fault strategies, shrinking, exhaustive enumeration, the matrix, sensitivity and strategy comparison.

pub mod clock;
pub mod compare;
pub mod exhaust;
pub mod hunt;
pub mod matrix;
pub mod memory;
pub mod merge;
pub mod sensitivity;
pub mod shard_env;
pub mod shrink;
pub mod strategy;
pub mod sweep;
