//! Every design of the system, one file each.
//!
//! To add a design: write one file here implementing [`Design`] (start from `original.rs`;
//! override only the hooks your fix changes, see [`crate::design`]), declare its module
//! below, and add it to [`ALL`]. Nothing else: the CLI, the matrix and the tests pick it up
//! from this list.

use crate::design::Design;

pub mod apply_guard;
pub mod check_under_lock;
pub mod fenced_and_protected;
pub mod freeze_on_missing_target;
pub mod generation_fencing;
pub mod janitor_cleanup;
pub mod leased_and_fenced;
pub mod leased_enactor;
pub mod original;
pub mod protect_referenced_cleanup;
pub mod recheck_before_write;
pub mod repair_monitor;
pub mod repoint_missing_rollback;

/// Every design, in the order reports list them.
pub const ALL: &[&dyn Design] = &[
    &original::Original,
    &recheck_before_write::RecheckBeforeWrite,
    &protect_referenced_cleanup::ProtectReferencedCleanup,
    &generation_fencing::GenerationFencing,
    &repoint_missing_rollback::RepointMissingRollback,
    &fenced_and_protected::FencedAndProtected,
    &check_under_lock::CheckUnderLock,
    &leased_enactor::LeasedEnactor { lease_ttl_ms: None },
    &leased_and_fenced::LeasedAndFenced { lease_ttl_ms: None },
    &janitor_cleanup::JanitorCleanup { interval_ms: None },
    &freeze_on_missing_target::FreezeOnMissingTarget,
    &apply_guard::ApplyGuard,
    &repair_monitor::RepairMonitor { interval_ms: None },
];

/// The design named `name` with its default parameters, if there is one.
pub fn by_name(name: &str) -> Option<&'static dyn Design> {
    ALL.iter().copied().find(|design| design.name() == name)
}

/// Designs renamed since they were first published, as (old name, new name): the names
/// said less than the code did. An old name still parses, as the renamed design, so a
/// user's command line or seed file keeps working; the CLI says so on stderr.
pub const RENAMED: &[(&str, &str)] = &[
    // It spares the rollback record's tree too, not only the active one.
    ("protect-active-cleanup", "protect-referenced-cleanup"),
    // It does not tolerate a missing rollback target: it points the record elsewhere.
    ("tolerate-missing-rollback", "repoint-missing-rollback"),
];

/// The new name of a renamed design, if `name` is an old one.
pub fn renamed(name: &str) -> Option<&'static str> {
    RENAMED
        .iter()
        .find(|(old, _)| *old == name)
        .map(|(_, new)| *new)
}

/// The names of every design, for error messages and help.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|design| design.name()).collect()
}

/// The design a `--variant` names: `NAME` or `NAME:key=value[,key=value]`.
///
/// A design with parameters is built once per command line and lives as long as the process
/// (it is leaked): runs hold designs as `&'static dyn Design`.
pub fn parse(variant: &str) -> Result<&'static dyn Design, String> {
    parse_among(variant, ALL)
}

/// [`parse`] among `designs` (a user's own designs beside the built-in ones, say).
pub fn parse_among(
    variant: &str,
    designs: &[&'static dyn Design],
) -> Result<&'static dyn Design, String> {
    let (name, parameters) = match variant.split_once(':') {
        Some((name, parameters)) => (name, Some(parameters)),
        None => (variant, None),
    };
    let find = |name: &str| designs.iter().copied().find(|design| design.name() == name);
    let design = find(name)
        .or_else(|| renamed(name).and_then(find))
        .ok_or_else(|| {
            let names: Vec<&str> = designs.iter().map(|design| design.name()).collect();
            format!("unknown variant {name:?}: designs are {}", names.join(", "))
        })?;
    let Some(parameters) = parameters else {
        return Ok(design);
    };
    let pairs = parameters
        .split(',')
        .map(|pair| {
            pair.split_once('=')
                .filter(|(key, value)| !key.is_empty() && !value.is_empty())
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .ok_or_else(|| format!("variant {variant:?}: expected key=value, got {pair:?}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let built = design.with_parameters(&pairs)?;
    assert_eq!(built.name(), design.name(), "parameters keep the design");
    Ok(Box::leak(built))
}

/// The variant's label for reports and seed files: its name, then `:key=value,...` for the
/// parameters given explicitly. [`parse`] reads it back.
pub fn label(design: &dyn Design) -> String {
    let parameters = design.parameters();
    if parameters.is_empty() {
        return design.name().to_string();
    }
    let pairs: Vec<String> = parameters
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    format!("{}:{}", design.name(), pairs.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_design_has_a_unique_name_and_a_one_line_summary() {
        let mut names = names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "names are unique");
        for design in ALL {
            let summary = design.summary();
            assert!(!summary.is_empty(), "{} has no summary", design.name());
            assert!(!summary.contains('\n'), "{}: one line", design.name());
        }
    }

    #[test]
    fn a_variant_without_parameters_is_the_registered_design() {
        let design = parse("original").unwrap();
        assert_eq!(label(design), "original");
        let error = |variant: &str| parse(variant).err().expect("an error");
        assert!(error("nowhere").contains("unknown variant"));
        assert!(error("original:x=1").contains("takes no parameters"));
        assert!(error("original:x").contains("key=value"));
    }

    #[test]
    fn an_old_name_parses_as_the_renamed_design() {
        for (old, new) in RENAMED {
            assert!(by_name(old).is_none(), "{old} is no design's name now");
            assert_eq!(parse(old).unwrap().name(), *new);
            assert_eq!(label(parse(old).unwrap()), *new);
        }
    }
}
