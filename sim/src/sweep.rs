//! Running many seeds on every core.
//!
//! Each worker thread runs whole seeds, one fresh madsim runtime per seed (runtimes are
//! thread-local). Workers take the next seed from a shared counter; results are returned in
//! seed order, so what a sweep reports does not depend on the number of jobs.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::hunt::SeedRange;

/// The default number of jobs: every core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `run_one` for every seed of `seeds` on `jobs` threads; results in seed order.
pub fn run_seeds<T: Send>(
    seeds: SeedRange,
    jobs: usize,
    run_one: impl Fn(u64) -> T + Sync,
) -> Vec<T> {
    assert!(jobs >= 1, "at least one job");
    let next = AtomicU64::new(seeds.start);
    let mut results: Vec<(u64, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(seeds.len() as usize).max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let seed = next.fetch_add(1, Ordering::Relaxed);
                        if seed >= seeds.end {
                            return done;
                        }
                        done.push((seed, run_one(seed)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    results.sort_by_key(|(seed, _)| *seed);
    results.into_iter().map(|(_, result)| result).collect()
}
