//! Running one seed: its scenario, its faults, the run itself, its trace and hash, saved seed files.

pub mod entry;
pub mod faults;
pub mod hash;
pub mod run;
pub mod scenario;
pub mod schedule;
pub mod seedfile;
pub mod site_name;
pub mod toml_errors;
pub mod trace;
pub mod trace_bytes;
pub mod trace_filter;
pub mod watched;
