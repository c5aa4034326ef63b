//! Tests of the sweep: shards, seed order, crashes, hangs, stops and the window.

use super::*;

#[test]
fn shards_partition_the_range() {
    let range: SeedRange = "10..27".parse().unwrap();
    let mut all: Vec<u64> = (1..=4)
        .flat_map(|index| {
            Seeds {
                range,
                shard: Some(Shard { index, count: 4 }),
            }
            .iter()
            .collect::<Vec<_>>()
        })
        .collect();
    all.sort();
    assert_eq!(all, (10..27).collect::<Vec<_>>());
    // However many shards, shard 1 holds the first seed; the last of many holds none.
    let huge = |index| Seeds {
        range: "0..3".parse().unwrap(),
        shard: Some(Shard {
            index,
            count: u64::MAX,
        }),
    };
    assert_eq!(huge(1).iter().collect::<Vec<_>>(), [0]);
    assert!(huge(u64::MAX).is_empty());
    assert!("0/3".parse::<Shard>().is_err());
    assert!("4/3".parse::<Shard>().is_err());
    assert!("x".parse::<Shard>().is_err());
}

#[test]
fn results_come_in_seed_order_whatever_the_jobs() {
    let range: SeedRange = "0..200".parse().unwrap();
    let one = run_seeds(range, 1, |seed| seed * 7 % 13);
    let four = run_seeds(range, 4, |seed| seed * 7 % 13);
    assert_eq!(one, four);
    assert_eq!(one.len(), 200);
}

#[test]
fn a_panicking_seed_is_a_crash_and_the_sweep_goes_on() {
    let mut crashed = Vec::new();
    let mut done = 0;
    let end = sweep(
        Seeds::all("0..20".parse().unwrap()),
        &SweepOptions::new(2),
        Arc::new(|seed| {
            assert!(seed != 7, "model bug at seed {seed}");
            seed
        }),
        |seed, result| match result {
            SeedResult::Done(_) => done += 1,
            SeedResult::Crashed { message } => crashed.push((seed, message)),
            SeedResult::Hung { .. } => panic!("no hangs here"),
        },
        || {},
    );
    assert_eq!(end, SweepEnd::Completed);
    assert_eq!(done, 19);
    assert_eq!(crashed.len(), 1);
    assert_eq!(crashed[0].0, 7);
    assert!(
        crashed[0].1.contains("model bug at seed 7"),
        "{}",
        crashed[0].1
    );
    assert!(
        crashed[0].1.contains("sweep/tests.rs"),
        "the location is kept: {}",
        crashed[0].1
    );
}

use crate::exploring::clock::ManualClock;
use std::sync::mpsc::{channel, Receiver, Sender};

const HOUR: Duration = Duration::from_secs(3600);

fn seeds(end: u64) -> Seeds {
    Seeds::all(SeedRange { start: 0, end })
}

fn manual(jobs: usize, watchdog: Duration) -> (SweepOptions, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let mut options = SweepOptions::new(jobs);
    options.watchdog = watchdog;
    options.clock = clock.clone();
    (options, clock)
}

/// A channel end that seed closures (`Fn + Sync`) can share.
fn shared<T>(value: T) -> Arc<Mutex<T>> {
    Arc::new(Mutex::new(value))
}

/// Sends on its channel when the thread that holds it ends.
struct SignalsThreadEnd(Sender<&'static str>);

impl Drop for SignalsThreadEnd {
    fn drop(&mut self) {
        let _ = self.0.send("thread ended");
    }
}

thread_local! {
    static ON_THREAD_END: std::cell::RefCell<Option<SignalsThreadEnd>> =
        const { std::cell::RefCell::new(None) };
}

#[test]
fn a_seed_still_running_past_the_watchdog_is_a_hang_and_the_sweep_goes_on() {
    // One job, so that only seed 3 is running when the clock jumps: it moves the clock
    // an hour on and waits, as a task that never sleeps would.
    let (options, clock) = manual(1, Duration::from_secs(10));
    let (release, released) = channel::<()>();
    let released = shared(released);
    let (mut reported, mut hung) = (Vec::new(), Vec::new());
    let end = sweep(
        seeds(10),
        &options,
        Arc::new(move |seed| {
            if seed == 3 {
                clock.advance(HOUR);
                let _ = released.lock().unwrap().recv();
            }
            seed
        }),
        |seed, result| {
            reported.push(seed);
            if matches!(result, SeedResult::Hung { .. }) {
                hung.push(seed);
            }
        },
        || {},
    );
    let _ = release.send(());
    assert_eq!(end, SweepEnd::Completed);
    assert_eq!(
        reported,
        (0..10).collect::<Vec<_>>(),
        "every seed once, in order"
    );
    assert_eq!(hung, vec![3]);
}

#[test]
fn a_seeds_start_is_stamped_by_its_worker_not_when_the_caller_reads_it() {
    // The caller is busy with seed 0's result (a slow reader) while seed 1 starts, moves
    // the clock past the watchdog and hangs. Stamped by the caller once it is free
    // again, seed 1 would look fresh and never be found hung.
    let (options, clock) = manual(1, Duration::from_secs(10));
    let (hanging, hangs) = channel::<()>();
    let (release, released) = channel::<()>();
    let (hanging, released) = (shared(hanging), shared(released));
    let mut hung = Vec::new();
    let end = sweep(
        seeds(3),
        &options,
        Arc::new(move |seed| {
            if seed == 1 {
                clock.advance(HOUR);
                hanging.lock().unwrap().send(()).unwrap();
                // Only a broken watchdog lets this time out (and the test then fails).
                let _ = released
                    .lock()
                    .unwrap()
                    .recv_timeout(Duration::from_secs(120));
            }
            seed
        }),
        |seed, result| {
            if seed == 0 {
                hangs.recv().unwrap();
            }
            if let SeedResult::Hung { .. } = result {
                hung.push(seed);
                let _ = release.send(());
            }
        },
        || {},
    );
    assert_eq!(end, SweepEnd::Completed);
    assert_eq!(hung, vec![1]);
}

#[test]
fn time_the_caller_spends_on_a_result_is_never_blamed_on_a_seed() {
    // The caller takes an hour over seed 0's result, and only starts it once the worker
    // has run every other seed and ended: those seeds' results wait in the queue, but
    // no seed is running, so none is hung.
    let (options, clock) = manual(1, Duration::from_secs(10));
    let (ended, thread_ends) = channel();
    let ended = shared(ended);
    let mut reported = Vec::new();
    let end = sweep(
        seeds(3),
        &options,
        Arc::new(move |seed| {
            let signal = SignalsThreadEnd(ended.lock().unwrap().clone());
            ON_THREAD_END.with(|slot| *slot.borrow_mut() = Some(signal));
            seed
        }),
        |seed, result| {
            if seed == 0 {
                assert_eq!(thread_ends.recv().unwrap(), "thread ended");
                clock.advance(HOUR);
            }
            assert!(
                matches!(result, SeedResult::Done(_)),
                "seed {seed}: {result:?}"
            );
            reported.push(seed);
        },
        || {},
    );
    assert_eq!(end, SweepEnd::Completed);
    assert_eq!(reported, vec![0, 1, 2]);
}

#[test]
fn a_worker_clears_its_stamp_before_it_hands_its_result_over() {
    // What the test above relies on, at the level where a single slip shows: a worker that
    // kept its stamp while it waits to hand a result over would have the watchdog time the
    // caller's reading as the seed's running. (The test above cannot see that slip alone: by
    // the time it looks, the worker has ended and its slot is gone.) The channel is a
    // rendezvous, so once seed 0's result is received the worker has done everything it does
    // before sending, and nothing after: its next step is to send `Exited` (its only seed is
    // done), which waits for the next receive.
    let (options, _clock) = manual(1, Duration::from_secs(10));
    let shared = Arc::new(Shared {
        seeds: seeds(1),
        next: AtomicU64::new(0),
        window: 1,
        progress: Progress {
            reported: Mutex::new(0),
            advanced: Condvar::new(),
        },
        stop: options.stop.clone(),
        clock: options.clock.clone(),
        run_one: Arc::new(|seed| seed),
    });
    let slot = Arc::new(Mutex::new(Slot::default()));
    let (sender, receiver) = mpsc::sync_channel(0);
    let worker = {
        let (shared, slot) = (shared.clone(), slot.clone());
        std::thread::spawn(move || work(0, &shared, &slot, &sender))
    };
    let finished = receiver.recv().unwrap();
    assert!(matches!(finished, Message::Finished { seed_index: 0, .. }));
    assert_eq!(
        slot.lock().unwrap().running,
        None,
        "the worker still shows seed 0 running while it hands its result over"
    );
    assert!(matches!(
        receiver.recv().unwrap(),
        Message::Exited { worker: 0 }
    ));
    worker.join().unwrap();
}

#[test]
fn a_hung_worker_that_wakes_up_takes_no_more_seeds_and_loses_none() {
    // Seed 5 hangs (it moves the clock past the watchdog and waits); a new worker goes
    // on. Seed 60 then wakes seed 5 up and waits to see what its thread does next: end
    // (right), or take another seed (wrong).
    let (options, clock) = manual(1, Duration::from_secs(10));
    let (release, released) = channel::<()>();
    let (news, what_it_did): (Sender<&'static str>, Receiver<&'static str>) = channel();
    let (released, news, what_it_did) = (shared(released), shared(news), shared(what_it_did));
    let stuck_thread = shared(None);
    let verdict = shared(None);
    let (mut reported, mut hung) = (Vec::new(), Vec::new());
    let watched = verdict.clone();
    let end = sweep(
        seeds(120),
        &options,
        Arc::new(move |seed| {
            let me = std::thread::current().id();
            if *stuck_thread.lock().unwrap() == Some(me) {
                news.lock().unwrap().send("took another seed").unwrap();
            }
            if seed == 5 {
                *stuck_thread.lock().unwrap() = Some(me);
                let signal = SignalsThreadEnd(news.lock().unwrap().clone());
                ON_THREAD_END.with(|slot| *slot.borrow_mut() = Some(signal));
                clock.advance(HOUR);
                released.lock().unwrap().recv().unwrap();
            }
            if seed == 60 {
                release.send(()).unwrap();
                *watched.lock().unwrap() = Some(what_it_did.lock().unwrap().recv().unwrap());
            }
            seed
        }),
        |seed, result| {
            reported.push(seed);
            if matches!(result, SeedResult::Hung { .. }) {
                hung.push(seed);
            }
        },
        || {},
    );
    assert_eq!(*verdict.lock().unwrap(), Some("thread ended"));
    assert_eq!(end, SweepEnd::Completed);
    assert_eq!(reported, (0..120).collect::<Vec<_>>());
    assert_eq!(hung, vec![5]);
}

#[test]
fn a_stop_request_leaves_a_prefix_of_the_seeds_done() {
    let options = SweepOptions::new(2);
    let stop = options.stop.clone();
    let mut seen = Vec::new();
    let end = sweep(
        seeds(1_000_000),
        &options,
        Arc::new(|seed| seed),
        |seed, _| {
            seen.push(seed);
            if seed == 50 {
                stop.store(true, Ordering::SeqCst);
            }
        },
        || {},
    );
    assert_eq!(end, SweepEnd::Interrupted);
    // Workers never run ahead of the caller by more than their window.
    let window = WINDOW_PER_JOB * 2;
    assert!(seen.len() as u64 <= 51 + 2 * window, "{}", seen.len());
    assert_eq!(
        seen,
        (0..seen.len() as u64).collect::<Vec<_>>(),
        "a prefix, in order"
    );
}

#[test]
fn the_time_budget_stops_the_sweep_by_the_clock() {
    // Each result takes the caller a second on the clock; the budget is ten.
    let (mut options, clock) = manual(2, HOUR);
    options.time_budget = Some(Duration::from_secs(10));
    let mut seen = Vec::new();
    let end = sweep(
        seeds(1_000_000),
        &options,
        Arc::new(|seed| seed),
        |seed, _| {
            seen.push(seed);
            clock.advance(Duration::from_secs(1));
        },
        || {},
    );
    assert_eq!(end, SweepEnd::TimeBudget);
    let window = WINDOW_PER_JOB * 2;
    assert!(
        seen.len() >= 10 && seen.len() as u64 <= 11 + 2 * window,
        "{}",
        seen.len()
    );
    assert_eq!(
        seen,
        (0..seen.len() as u64).collect::<Vec<_>>(),
        "a prefix, in order"
    );
}

#[test]
fn a_stopped_sweep_gives_up_on_a_seed_still_running_after_the_grace() {
    // Seed 5 never returns (until the test ends); the watchdog is an hour away. Once
    // stopped, the sweep waits the grace (each tick moves the clock 100 ms), not the
    // watchdog, and does not call seed 5 hung.
    let (options, clock) = manual(1, HOUR);
    let stop = options.stop.clone();
    let (release, released) = channel::<()>();
    let (started, starts) = channel::<()>();
    let (released, started) = (shared(released), shared(started));
    let (mut reported, mut hung) = (Vec::new(), Vec::new());
    let end = sweep(
        seeds(1000),
        &options,
        Arc::new(move |seed| {
            if seed == 5 {
                started.lock().unwrap().send(()).unwrap();
                let _ = released.lock().unwrap().recv();
            }
            seed
        }),
        |seed, result| {
            reported.push(seed);
            if matches!(result, SeedResult::Hung { .. }) {
                hung.push(seed);
            }
            if seed == 4 {
                starts.recv().unwrap();
                stop.store(true, Ordering::SeqCst);
            }
        },
        || clock.advance(Duration::from_millis(100)),
    );
    let _ = release.send(());
    assert_eq!(end, SweepEnd::Interrupted);
    assert_eq!(reported, vec![0, 1, 2, 3, 4]);
    assert!(hung.is_empty());
}

#[test]
fn workers_wait_for_a_slow_caller_instead_of_piling_up_results() {
    // While seed 0 is stuck, the other worker may run the rest of the window, and no
    // further. Seed 0 waits until the window is full, then a little longer, to give a
    // broken window the chance to show.
    let options = SweepOptions::new(2);
    let window = WINDOW_PER_JOB * 2;
    let highest = Arc::new(AtomicU64::new(0));
    let seen = highest.clone();
    let end = sweep(
        seeds(10_000),
        &options,
        Arc::new(move |seed| {
            seen.fetch_max(seed, Ordering::SeqCst);
            if seed == 0 {
                while seen.load(Ordering::SeqCst) < window - 1 {
                    std::thread::yield_now();
                }
                std::thread::sleep(Duration::from_millis(200));
                let beyond = seen.load(Ordering::SeqCst);
                assert!(
                    beyond < window,
                    "seed {beyond} ran while seed 0 was unreported"
                );
            }
            seed
        }),
        |seed, result| {
            if let SeedResult::Crashed { message } = result {
                panic!("seed {seed}: {message}");
            }
        },
        || {},
    );
    assert_eq!(end, SweepEnd::Completed);
}
