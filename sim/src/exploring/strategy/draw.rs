//! The draws every strategy makes from a run's fault RNG: one decision at given rates, and
//! the small helpers that keep the RNG stream aligned.

use dnsim_model::{Fault, FaultKind};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::running::scenario::FaultRates;

pub(super) fn kind_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::Delay => "api-delay",
        FaultKind::ApiError => "api-error",
        FaultKind::LockHeld => "lock-held",
        FaultKind::Stall => "stall",
        FaultKind::Crash => "crash",
        FaultKind::Burst => "burst",
    }
}

/// The probability of `kind` in `rates`.
pub(super) fn probability_mut(rates: &mut FaultRates, kind: FaultKind) -> &mut f64 {
    match kind {
        FaultKind::Delay => &mut rates.api_delay.probability,
        FaultKind::ApiError => &mut rates.api_error.probability,
        FaultKind::LockHeld => &mut rates.lock_held.probability,
        FaultKind::Stall => &mut rates.stall.probability,
        FaultKind::Crash => &mut rates.crash.probability,
        FaultKind::Burst => &mut rates.burst.probability,
    }
}

/// A uniform draw in `[0, 1)`: true with `probability`. Always exactly one draw, so that
/// the stream stays aligned whatever the probability.
pub(super) fn chance(rng: &mut ChaCha8Rng, probability: f64) -> bool {
    rng.gen::<f64>() < probability
}

pub(super) fn between(rng: &mut ChaCha8Rng, [min, max]: [u64; 2]) -> u64 {
    rng.gen_range(min..=max)
}

/// One decision at `rates`: what `uniform` does at every site (and `swarm`, at its mix).
pub(super) fn draw_at_rates(
    rng: &mut ChaCha8Rng,
    rates: &FaultRates,
    kind: FaultKind,
) -> Option<Fault> {
    match kind {
        FaultKind::Delay => chance(rng, rates.api_delay.probability).then(|| Fault::Delay {
            ms: between(rng, rates.api_delay.ms),
        }),
        FaultKind::ApiError => chance(rng, rates.api_error.probability).then_some(Fault::ApiError),
        FaultKind::LockHeld => chance(rng, rates.lock_held.probability).then(|| Fault::LockHeld {
            ms: between(rng, rates.lock_held.ms),
        }),
        FaultKind::Stall => chance(rng, rates.stall.probability).then(|| Fault::Stall {
            ms: between(rng, rates.stall.ms),
        }),
        FaultKind::Crash => chance(rng, rates.crash.probability).then(|| Fault::Crash {
            restart_ms: between(rng, rates.crash.restart_ms),
        }),
        FaultKind::Burst => chance(rng, rates.burst.probability).then(|| Fault::Burst {
            plans: between(rng, rates.burst.plans.map(u64::from)) as u32,
        }),
    }
}
