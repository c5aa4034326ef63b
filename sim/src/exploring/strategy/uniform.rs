//! `uniform`: every decision at the scenario's rates.
//!
//! Every decision is drawn at the scenario's rates, the same for every seed: what the
//! injector always did. Its runs are byte-identical to the runs of the harness before
//! strategies existed, so saved seeds and pinned verdicts keep their trace hashes.

use dnsim_model::{Fault, FaultKind, Site};
use rand_chacha::ChaCha8Rng;

use super::chooser::{Chooser, StrategyChoices};
use super::draw::draw_at_rates;
use crate::running::scenario::{FaultRates, Scenario};

/// `uniform` at work in one run: the scenario's rates, nothing drawn up front.
pub(super) struct Uniform {
    rates: FaultRates,
}

impl Uniform {
    pub(super) fn new(scenario: &Scenario) -> Uniform {
        Uniform {
            rates: scenario.faults.clone(),
        }
    }
}

impl Chooser for Uniform {
    fn decide(&mut self, rng: &mut ChaCha8Rng, _site: &Site, kind: FaultKind) -> Option<Fault> {
        draw_at_rates(rng, &self.rates, kind)
    }

    fn choices(&self) -> StrategyChoices {
        StrategyChoices::Uniform
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::exploring::strategy::Strategy;

    #[test]
    fn uniform_draws_nothing_before_the_run() {
        // What keeps `uniform` runs byte-identical to the runs before strategies existed.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut untouched = rng.clone();
        let chooser = Strategy::Uniform.chooser(&Scenario::load("realistic").unwrap(), &mut rng);
        assert_eq!(rng.gen::<u64>(), untouched.gen::<u64>());
        assert_eq!(chooser.choices(), StrategyChoices::Uniform);
    }
}
