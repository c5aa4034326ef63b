//! `my-design`: a design written outside dnsim, as a user writes one.
//!
//! The enactor re-checks, on the read whose lock record its batch deletes, that the endpoint
//! does not already serve this plan or a newer one (the check `check-under-lock` makes),
//! so a delayed enactor can no longer write an old plan over a newer one; clean-up is left
//! as it was, so it can still delete the tree a rollback record points at.

use dnsim_model::design::View;
use dnsim_model::dns::ZoneSnapshot;
use dnsim_model::{Design, Plan};

/// Re-check the endpoint's generation under the lock; clean-up unchanged.
pub struct MyDesign;

impl Design for MyDesign {
    fn name(&self) -> &'static str {
        "my-design"
    }

    fn summary(&self) -> &'static str {
        "an example from outside dnsim: re-check the root under the in-zone lock"
    }

    fn check_under_lock(&self, _view: &View, plan: &Plan, zone: &ZoneSnapshot) -> bool {
        zone.root < Some(plan.generation)
    }
}

/// The designs this crate adds to dnsim's.
pub const DESIGNS: &[&dyn Design] = &[&MyDesign];
