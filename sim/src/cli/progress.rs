//! What every long command shares: a progress bar on a terminal (nothing otherwise), a
//! `--time-budget`, and a clean stop on Ctrl-C, all through the sweep's own stop flag and
//! clock ([`crate::exploring::sweep::SweepOptions`]).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::BadInput;
use crate::exploring::sweep::SweepOptions;

/// `--time-budget` and `--quiet` of a command that runs many seeds.
#[derive(Args, Debug)]
pub(super) struct StopArgs {
    /// Stop cleanly after this much wall time (more than zero), e.g. `90s`, `10m`, `2h`,
    /// and print the summary of what finished.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    time_budget: Option<Duration>,
    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long, short)]
    pub quiet: bool,
}

impl StopArgs {
    /// Sweep options on `jobs` threads with this budget; Ctrl-C sets their stop flag.
    pub fn options(&self, jobs: usize) -> Result<SweepOptions, BadInput> {
        if self.time_budget.is_some_and(|budget| budget.is_zero()) {
            return Err(BadInput("--time-budget must be longer than zero".into()));
        }
        let mut options = SweepOptions::new(jobs);
        options.time_budget = self.time_budget;
        stop_on_ctrl_c(options.stop.clone());
        Ok(options)
    }
}

/// The stop flag of the sweep in progress, for the Ctrl-C handler.
static CURRENT_STOP: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);

/// First Ctrl-C: stop the sweep cleanly (seeds in flight finish, the summary is printed).
/// Second Ctrl-C: exit at once.
pub(super) fn stop_on_ctrl_c(stop: Arc<AtomicBool>) {
    *CURRENT_STOP.lock().expect("not poisoned") = Some(stop);
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let handler = || {
            let current = CURRENT_STOP.lock().expect("not poisoned").clone();
            match current {
                Some(stop) if !stop.swap(true, Ordering::Relaxed) => {
                    eprintln!(
                        "\ninterrupted: finishing the runs in flight (Ctrl-C again to quit now)"
                    );
                }
                _ => std::process::exit(130),
            }
        };
        // Without a handler (some sandboxes refuse one), Ctrl-C just ends the process.
        let _ = ctrlc::set_handler(handler);
    });
}

pub(super) fn progress_bar(len: u64, quiet: bool, unit: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            &format!("{{elapsed_precise}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit}, {{rate}} {unit}/s, {{msg}}"),
        )
        .expect("a valid template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}", state.per_sec());
            },
        )
        .progress_chars("=> "),
    );
    bar
}
