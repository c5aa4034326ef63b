//! Every design of the enactor's apply step and clean-up, one file each.
//!
//! To add a design: write one file here implementing [`Design`] (start from `original.rs`),
//! declare its module below, and add it to [`ALL`]. Nothing else: the CLI, the matrix and
//! the tests pick it up from this list.

use crate::design::Design;

pub mod fenced_and_protected;
pub mod generation_fencing;
pub mod original;
pub mod protect_active_cleanup;
pub mod recheck_before_write;
pub mod tolerate_missing_rollback;

/// Every design, in the order reports list them.
pub const ALL: &[&dyn Design] = &[
    &original::Original,
    &recheck_before_write::RecheckBeforeWrite,
    &protect_active_cleanup::ProtectActiveCleanup,
    &generation_fencing::GenerationFencing,
    &tolerate_missing_rollback::TolerateMissingRollback,
    &fenced_and_protected::FencedAndProtected,
];

/// The design named `name`, if there is one.
pub fn by_name(name: &str) -> Option<&'static dyn Design> {
    ALL.iter().copied().find(|design| design.name() == name)
}

/// The names of every design, for error messages and help.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|design| design.name()).collect()
}
