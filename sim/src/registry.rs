//! The designs a command line knows: the built-in ones (`dnsim_model::designs::ALL`), and
//! those a user's own binary adds with [`crate::cli::main_with`].
//!
//! Every command that names a design (`--variant`, `--variants`, a seed file's `variant`,
//! `dnsim list`) looks it up here, so a user's design can be hunted, replayed, shrunk,
//! explained, drawn and saved like a built-in one.

use std::sync::{Mutex, RwLock};

use dnsim_model::{designs, Design};

static ADDED: RwLock<Vec<&'static dyn Design>> = RwLock::new(Vec::new());

/// Adds `designs` to those the command line knows. A name already known is refused: a seed
/// file must name one design only.
pub fn register(added: &[&'static dyn Design]) -> Result<(), String> {
    let mut known = ADDED.write().expect("not poisoned");
    for design in added {
        let taken = designs::by_name(design.name()).is_some()
            || known.iter().any(|other| other.name() == design.name());
        if taken {
            return Err(format!("design {:?} is registered twice", design.name()));
        }
        known.push(*design);
    }
    Ok(())
}

/// Every design known: the built-in ones, then the added ones.
pub fn all() -> Vec<&'static dyn Design> {
    let mut all = designs::ALL.to_vec();
    all.extend(ADDED.read().expect("not poisoned").iter().copied());
    all
}

/// The design a `--variant` names (`NAME` or `NAME:key=value,...`), among [`all`]. An old
/// name of a renamed design (see [`designs::RENAMED`]) gives the renamed design, with a
/// one-line note on stderr.
pub fn parse(variant: &str) -> Result<&'static dyn Design, String> {
    let design = designs::parse_among(variant, &all())?;
    let name = variant.split_once(':').map_or(variant, |(name, _)| name);
    if name != design.name() {
        // Once per old name and process: a seed file's variant is read more than once.
        let mut noted = NOTED.lock().expect("not poisoned");
        if !noted.iter().any(|old| old == name) {
            eprintln!("dnsim: design {name:?} was renamed to {:?}", design.name());
            noted.push(name.to_string());
        }
    }
    Ok(design)
}

/// The old design names already noted on stderr.
static NOTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
