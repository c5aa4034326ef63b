//! `my-design`'s tests, written against dnsim's documented API: the assertion helpers for a
//! design, and the crate's own binary running dnsim's commands on it.

use std::path::PathBuf;
use std::process::{Command, Output};

use dnsim::check::check;
use dnsim::InvariantId::{
    ActivePlanExists, Converges, EndpointResolves, NoStaleOverwrite, RollbackTargetExists,
};
use my_design::MyDesign;

#[test]
fn my_design_never_writes_an_old_plan_over_a_newer_one() {
    check(&MyDesign)
        .invariants(&[
            NoStaleOverwrite,
            ActivePlanExists,
            EndpointResolves,
            Converges,
        ])
        .assert_holds();
}

#[test]
fn my_design_still_lets_clean_up_delete_the_rollback_target() {
    assert_eq!(check(&MyDesign).assert_violates(RollbackTargetExists), 5);
}

#[test]
fn a_failing_assertion_carries_the_exact_replay_command() {
    let failure = std::panic::catch_unwind(|| check(&MyDesign).assert_holds())
        .expect_err("my-design violates rollback_target_exists");
    let message = failure
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(
        message.contains(
            "MADSIM_TEST_SEED=5 dnsim replay --scenario incident --variant my-design --strategy swarm --trace"
        ),
        "{message}"
    );
}

fn my_dnsim(env_seed: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_my-design"));
    command
        .args(args)
        .env_remove("MADSIM_TEST_SEED")
        .env_remove("RUST_LOG");
    if let Some(seed) = env_seed {
        command.env("MADSIM_TEST_SEED", seed);
    }
    command.output().expect("my-design runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_one_line_main_runs_dnsim_commands_on_my_design() {
    let list = text(&my_dnsim(None, &["list"]));
    assert!(list.contains("my-design "), "{list}");
    let hunt = my_dnsim(
        None,
        &["hunt", "--variant", "my-design", "--seeds", "0..10"],
    );
    assert_eq!(hunt.status.code(), Some(1));
    let hunt = text(&hunt);
    assert!(
        hunt.contains("seed 5: rollback_target_exists\n    MADSIM_TEST_SEED=5 dnsim replay --scenario incident --variant my-design --strategy swarm --trace"),
        "{hunt}"
    );
    // The replay line, as printed, replays the seed.
    let replay = text(&my_dnsim(
        Some("5"),
        &[
            "replay",
            "--scenario",
            "incident",
            "--variant",
            "my-design",
            "--strategy",
            "swarm",
        ],
    ));
    assert!(replay.contains("rollback_target_exists"), "{replay}");
    let explain = text(&my_dnsim(
        None,
        &["explain", "--variant", "my-design", "--seed", "5"],
    ));
    assert!(
        explain.contains("rollback_target_exists violated"),
        "{explain}"
    );
}

#[test]
fn a_seed_file_of_my_design_saves_and_replays() {
    let dir = std::env::temp_dir().join(format!("my-design-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file: PathBuf = dir.join("my-design-rollback_target_exists-5.toml");
    let _ = std::fs::remove_file(&file);
    let path = file.to_str().unwrap();
    let save = my_dnsim(
        None,
        &[
            "replay",
            "--variant",
            "my-design",
            "--seed",
            "5",
            "--save",
            path,
            "--invariant",
            "rollback_target_exists",
        ],
    );
    assert_eq!(save.status.code(), Some(1), "{}", text(&save));
    let replay = my_dnsim(None, &["replay", "--file", path]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay));
    assert!(text(&replay).contains("reproduced: rollback_target_exists"));
    std::fs::remove_dir_all(&dir).unwrap();
}
