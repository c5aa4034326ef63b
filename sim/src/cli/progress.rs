//! What every long command shares: a progress bar on a terminal (nothing otherwise), a
//! `--time-budget`, and a clean stop on Ctrl-C, all through the sweep's own stop flag and
//! clock ([`crate::exploring::sweep::SweepOptions`]); and, for a command that measures
//! several things in turn (`bench`), [`Phases`]: one budget over them all, and a summary of
//! what finished when it stops.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::BadInput;
use crate::exploring::sweep::{budget_left, SweepEnd, SweepOptions};

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

/// The phases of a command that measures several things in turn, under one time budget and
/// one Ctrl-C: each phase gets the budget left; once a phase is stopped (or the budget is
/// spent) no further phase starts, and [`Phases::stopped_summary`] tells what finished,
/// what stopped part-way (partial) and what never ran. The bar counts phases.
pub(super) struct Phases {
    options: SweepOptions,
    began: Duration,
    /// Every phase this run means to measure, in order.
    planned: Vec<&'static str>,
    finished: Vec<&'static str>,
    partial: Option<&'static str>,
    end: SweepEnd,
    bar: ProgressBar,
}

impl Phases {
    /// Phases named `planned`, sharing `options`' stop flag, clock and time budget.
    pub fn new(options: SweepOptions, planned: Vec<&'static str>, quiet: bool) -> Phases {
        let bar = progress_bar(planned.len() as u64, quiet, "phases");
        Phases {
            began: options.clock.now(),
            options,
            planned,
            finished: Vec::new(),
            partial: None,
            end: SweepEnd::Completed,
            bar,
        }
    }

    /// The options of phase `name` (the budget left), or `None`: the run has stopped, and
    /// this phase is not to start.
    pub fn start(&mut self, name: &'static str) -> Option<SweepOptions> {
        assert!(self.planned.contains(&name), "phase {name} was not planned");
        if self.end == SweepEnd::Completed && self.options.stop.load(Ordering::SeqCst) {
            self.end = SweepEnd::Interrupted;
        }
        if self.end != SweepEnd::Completed {
            return None;
        }
        let Some(options) = budget_left(&self.options, self.began) else {
            self.end = SweepEnd::TimeBudget;
            return None;
        };
        self.bar.set_message(name);
        Some(options)
    }

    /// Phase `name` ended as `end`: whole (`Completed`), or stopped part-way (partial).
    pub fn finish(&mut self, name: &'static str, end: SweepEnd) {
        self.bar.inc(1);
        if end == SweepEnd::Completed {
            self.finished.push(name);
        } else {
            self.partial = Some(name);
            self.end = end;
        }
    }

    /// The time budget left for phase work that runs in a child process, or `None` with no
    /// budget. A budget already spent is the least one (a nanosecond), never `None`: a child
    /// started then stops at once and says so, instead of running unlimited.
    pub fn budget_left(&self) -> Option<Duration> {
        match budget_left(&self.options, self.began) {
            Some(options) => options.time_budget,
            None => Some(Duration::from_nanos(1)),
        }
    }

    /// Whether the run has stopped since its phase began (Ctrl-C, or the time budget spent),
    /// and how: checked before each child process a phase starts.
    pub fn stop_now(&self) -> Option<SweepEnd> {
        if self.options.stop.load(Ordering::SeqCst) {
            return Some(SweepEnd::Interrupted);
        }
        budget_left(&self.options, self.began)
            .is_none()
            .then_some(SweepEnd::TimeBudget)
    }

    /// Whether the run was stopped: `None` if not, else the summary of what finished (the
    /// phases after the stop never ran).
    pub fn stopped_summary(&self) -> Option<String> {
        self.bar.finish_and_clear();
        let why = self.end.stopped_words()?;
        let list = |names: &[&str]| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        let not_run: Vec<&str> = self
            .planned
            .iter()
            .filter(|name| !self.finished.contains(name) && self.partial != Some(**name))
            .copied()
            .collect();
        Some(format!(
            "{why}: finished: {}; partial: {}; not run: {}",
            list(&self.finished),
            self.partial.unwrap_or("none"),
            list(&not_run)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exploring::clock::ManualClock;

    fn phases(clock: &'static ManualClock, budget: Option<Duration>) -> Phases {
        let mut options = SweepOptions::new(1);
        options.clock = Arc::new(clock);
        options.time_budget = budget;
        Phases::new(options, vec!["one", "two", "three"], true)
    }

    #[test]
    fn phases_share_one_budget_and_none_starts_once_it_is_spent() {
        static CLOCK: ManualClock = ManualClock::new();
        let mut phases = phases(&CLOCK, Some(Duration::from_secs(60)));
        let one = phases.start("one").expect("the budget is whole");
        assert_eq!(one.time_budget, Some(Duration::from_secs(60)));
        CLOCK.advance(Duration::from_secs(20));
        phases.finish("one", SweepEnd::Completed);
        let two = phases.start("two").expect("40 s are left");
        assert_eq!(two.time_budget, Some(Duration::from_secs(40)));
        assert_eq!(phases.budget_left(), Some(Duration::from_secs(40)));
        assert_eq!(phases.stop_now(), None);
        CLOCK.advance(Duration::from_secs(40));
        // Spent while phase two runs: its next child gets the least budget, not none.
        assert_eq!(phases.budget_left(), Some(Duration::from_nanos(1)));
        assert_eq!(phases.stop_now(), Some(SweepEnd::TimeBudget));
        phases.finish("two", SweepEnd::Completed);
        assert!(phases.start("three").is_none(), "the budget is spent");
        assert_eq!(
            phases.stopped_summary().as_deref(),
            Some("stopped at the time budget: finished: one, two; partial: none; not run: three")
        );
    }

    #[test]
    fn a_phase_stopped_part_way_is_partial_and_the_rest_never_start() {
        static CLOCK: ManualClock = ManualClock::new();
        let mut phases = phases(&CLOCK, None);
        let one = phases.start("one").unwrap();
        assert!(phases.stopped_summary().is_none(), "nothing stopped yet");
        one.stop.store(true, Ordering::SeqCst);
        assert_eq!(phases.stop_now(), Some(SweepEnd::Interrupted), "Ctrl-C");
        phases.finish("one", SweepEnd::Interrupted);
        assert!(phases.start("two").is_none());
        assert_eq!(
            phases.stopped_summary().as_deref(),
            Some("interrupted: finished: none; partial: one; not run: two, three")
        );
    }

    #[test]
    fn ctrl_c_between_phases_stops_before_the_next() {
        static CLOCK: ManualClock = ManualClock::new();
        let mut phases = phases(&CLOCK, None);
        let one = phases.start("one").unwrap();
        phases.finish("one", SweepEnd::Completed);
        one.stop.store(true, Ordering::SeqCst);
        assert!(phases.start("two").is_none());
        assert_eq!(
            phases.stopped_summary().as_deref(),
            Some("interrupted: finished: one; partial: none; not run: two, three")
        );
    }
}
