//! Sweeps on an existing distributed engine: the `deploy/` files parse and hold a command
//! dnsim accepts, and shards run as separate processes, with the environment set exactly
//! as a Kubernetes Indexed Job and a GitHub Actions matrix set it, merge to the unsharded
//! report. A retried shard finds the same again; `merge` takes an identical duplicate and
//! refuses a differing one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dnsim::merge::findings;
use dnsim::HuntReport;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

fn yaml(path: &str) -> serde_yaml::Value {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The dnsim command in a shell line: the words from the `dnsim` program to the redirect.
fn dnsim_words(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let start = words
        .iter()
        .position(|w| w.ends_with("dnsim"))
        .unwrap_or_else(|| panic!("no dnsim command in {line:?}"));
    words[start..]
        .iter()
        .take_while(|w| !w.starts_with('>'))
        .map(|w| w.to_string())
        .collect()
}

fn kubernetes_command() -> (Vec<String>, u64) {
    let job = yaml("deploy/k8s-indexed-job.yaml");
    assert_eq!(job["kind"], "Job");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let completions = job["spec"]["completions"].as_u64().unwrap();
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let env = container["env"].as_sequence().unwrap();
    let count = env
        .iter()
        .find(|var| var["name"] == "DNSIM_SHARD_COUNT")
        .expect("the manifest sets DNSIM_SHARD_COUNT");
    assert_eq!(
        count["value"],
        completions.to_string(),
        "count = completions"
    );
    let line = container["args"][0].as_str().unwrap();
    (dnsim_words(line), completions)
}

fn github_command() -> Vec<String> {
    let workflow = yaml("deploy/github/dnsim-sharded-hunt.yml");
    let shard = &workflow["jobs"]["shard"];
    assert_eq!(
        shard["env"]["DNSIM_SHARD_INDEX"],
        "${{ strategy.job-index }}"
    );
    assert_eq!(
        shard["env"]["DNSIM_SHARD_COUNT"],
        "${{ strategy.job-total }}"
    );
    let steps = shard["steps"].as_sequence().unwrap();
    let line = steps
        .iter()
        .filter_map(|step| step["run"].as_str())
        .find(|run| run.contains("dnsim hunt"))
        .expect("a hunt step");
    dnsim_words(line)
}

#[test]
fn the_deploy_files_hold_commands_the_cli_accepts() {
    let (k8s, _) = kubernetes_command();
    let gha = github_command();
    for words in [&k8s, &gha] {
        assert!(
            words.windows(2).any(|w| w == ["--shard", "env"]),
            "{words:?}"
        );
        dnsim::cli::accepts(words).unwrap_or_else(|e| panic!("{words:?}: {e}"));
    }
    // The check can fail: a command the CLI does not take is caught.
    let mut wrong = k8s.clone();
    wrong.push("--shards".into());
    assert!(dnsim::cli::accepts(&wrong).is_err());
    // Every dnsim command of the merge job (the JSON report, then its table).
    let merge = yaml("deploy/github/dnsim-sharded-hunt.yml");
    let steps = merge["jobs"]["merge"]["steps"].as_sequence().unwrap();
    let lines: Vec<&str> = steps
        .iter()
        .filter_map(|step| step["run"].as_str())
        .flat_map(str::lines)
        .filter(|line| line.contains("dnsim merge"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in lines {
        let mut words = dnsim_words(line);
        words.retain(|w| !w.contains('*'));
        words.push("report.json".into());
        dnsim::cli::accepts(&words).unwrap_or_else(|e| panic!("{words:?}: {e}"));
    }
}

/// The deploy file's command with a small, fast hunt: the default scenario, 60 seeds.
fn small(words: &[String]) -> Vec<String> {
    let mut words = words[1..].to_vec();
    for (flag, value) in [("--scenario", "incident"), ("--seeds", "0..60")] {
        let at = words.iter().position(|w| w == flag).unwrap();
        words[at + 1] = value.into();
    }
    words
}

/// Runs dnsim with exactly `vars` of the shard variables set (the others removed).
fn run(args: &[String], vars: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dnsim"));
    command.args(args).current_dir(repo());
    for name in [
        "JOB_COMPLETION_INDEX",
        "DNSIM_SHARD_INDEX",
        "DNSIM_SHARD_COUNT",
    ] {
        command.env_remove(name);
    }
    command.envs(vars.iter().map(|(k, v)| (k, v)));
    command.output().unwrap()
}

fn report(out: &Output) -> HuntReport {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dnsim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn merge(paths: &[PathBuf]) -> Output {
    let mut args = vec!["merge".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    run(&args, &[])
}

#[test]
fn shards_run_as_each_engine_runs_them_merge_to_the_unsharded_report() {
    let (k8s, _) = kubernetes_command();
    let args = small(&k8s);
    let whole_args: Vec<String> = args
        .iter()
        .filter(|w| *w != "--shard" && *w != "env")
        .cloned()
        .collect();
    let whole = findings(&report(&run(&whole_args, &[])));
    let shards = 3;
    // Each engine's index variable (0-based); both take the count from DNSIM_SHARD_COUNT.
    let engines = [
        ("kubernetes", "JOB_COMPLETION_INDEX"),
        ("github", "DNSIM_SHARD_INDEX"),
    ];
    for (engine, index_name) in engines {
        let index_var = |i: u64| (index_name, i.to_string());
        let dir = temp_dir(engine);
        let mut paths = Vec::new();
        for i in 0..shards {
            let vars = [index_var(i), ("DNSIM_SHARD_COUNT", shards.to_string())];
            let out = run(&args, &vars);
            let shard = report(&out);
            assert_eq!(shard.summary.shard.unwrap().index, i + 1, "{engine}");
            let path = dir.join(format!("shard-{i}.json"));
            std::fs::write(&path, &out.stdout).unwrap();
            paths.push(path);
        }
        let merged = findings(&report(&merge(&paths)));
        assert_eq!(
            merged, whole,
            "{engine}: merged shards equal the unsharded hunt"
        );
        let counted = report(&merge(&paths)).summary.trace_entries;
        assert!(counted.is_some_and(|n| n > 0), "{engine}: {counted:?}");
        // The summary `hunt` prints, from the shards; Markdown is a matrix's only.
        let mut table = vec!["merge".to_string(), "--table".into()];
        table.extend(paths.iter().map(|p| p.display().to_string()));
        let summary = String::from_utf8_lossy(&run(&table, &[]).stdout).into_owned();
        assert!(
            summary.contains("  no_stale_overwrite "),
            "{engine}: {summary}"
        );
        // It says what it is the summary of, as `hunt`'s first line does: the shards, each
        // once, however many reports (a retried shard given twice counts once).
        assert!(
            summary.starts_with(&format!("merged {} shards of hunt: scenario=", paths.len())),
            "{engine}: {summary}"
        );
        table.push(paths[0].display().to_string());
        let retried = String::from_utf8_lossy(&run(&table, &[]).stdout).into_owned();
        assert!(
            retried.starts_with(&format!(
                "merged {} shards ({} reports: a retried shard counts once) of hunt: scenario=",
                paths.len(),
                paths.len() + 1
            )),
            "{engine}: {retried}"
        );
        let mut markdown = vec!["merge".to_string(), "--markdown".into(), "x.md".into()];
        markdown.extend(paths.iter().map(|p| p.display().to_string()));
        let refused = run(&markdown, &[]);
        assert_eq!(refused.status.code(), Some(2), "{engine}");
        assert!(!repo().join("x.md").exists());

        // A shard from a dnsim that did not count trace entries nor the seeds reaching each
        // mark: the merge does not know them either (rather than add up the others and
        // undercount).
        let mut older: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&paths[0]).unwrap()).unwrap();
        older
            .as_object_mut()
            .unwrap()
            .remove("trace_entries")
            .unwrap();
        for tally in older["tallies"].as_array_mut().unwrap() {
            tally.as_object_mut().unwrap().remove("reached").unwrap();
        }
        let older_path = dir.join("shard-0-older.json");
        std::fs::write(&older_path, older.to_string()).unwrap();
        let mixed = report(&merge(&[
            older_path.clone(),
            paths[1].clone(),
            paths[2].clone(),
        ]));
        assert_eq!(mixed.summary.trace_entries, None, "{engine}");
        let mut unknown = whole.clone();
        unknown.summary.trace_entries = None;
        for tally in &mut unknown.summary.tallies {
            assert!(
                tally.reached.is_some(),
                "{engine}: counted in every new report"
            );
            tally.reached = None;
        }
        assert_eq!(
            findings(&mixed),
            unknown,
            "{engine}: all else merges as before"
        );
        std::fs::remove_file(&older_path).unwrap();

        // A retried shard (the pod restarted): the same findings, and merge takes both.
        let vars = [index_var(0), ("DNSIM_SHARD_COUNT", shards.to_string())];
        let retried = run(&args, &vars);
        let first = report(&run(&args, &vars));
        assert_eq!(findings(&report(&retried)), findings(&first));
        let retry = dir.join("shard-0-retry.json");
        std::fs::write(&retry, &retried.stdout).unwrap();
        let mut with_retry = paths.clone();
        with_retry.push(retry.clone());
        assert_eq!(findings(&report(&merge(&with_retry))), whole, "{engine}");

        // A duplicate that differs is refused, naming the file.
        let mut differing: serde_json::Value = serde_json::from_slice(&retried.stdout).unwrap();
        differing["events"] = (differing["events"].as_u64().unwrap() + 1).into();
        std::fs::write(&retry, differing.to_string()).unwrap();
        let refused = merge(&with_retry);
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("appears twice with different results"),
            "{stderr}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A matrix report without its wall-clock time.
fn matrix_findings(out: &Output) -> serde_json::Value {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["wall_ms"] = 0.into();
    report
}

#[test]
fn matrix_shards_run_as_each_engine_runs_them_merge_to_the_unsharded_matrix() {
    // The scenario as a file, so that the merged Markdown's replay lines must name the file.
    let args: Vec<String> = [
        "matrix",
        "--scenario",
        "scenarios/incident.toml",
        "--seeds",
        "0..24",
        "--variants",
        "generation-fencing,check-under-lock",
        "--json",
        "--quiet",
    ]
    .map(String::from)
    .to_vec();
    let whole = matrix_findings(&run(&args, &[]));
    assert!(whole.get("shard").is_none(), "the whole matrix is no shard");
    let sharded: Vec<String> = args
        .iter()
        .cloned()
        .chain(["--shard".into(), "env".into()])
        .collect();
    let shards = 3;
    let engines = [
        ("matrix-kubernetes", "JOB_COMPLETION_INDEX"),
        ("matrix-github", "DNSIM_SHARD_INDEX"),
    ];
    for (engine, index_name) in engines {
        let dir = temp_dir(engine);
        let vars = |i: u64| {
            [
                (index_name, i.to_string()),
                ("DNSIM_SHARD_COUNT", shards.to_string()),
            ]
        };
        let mut paths = Vec::new();
        for i in 0..shards {
            let out = run(&sharded, &vars(i));
            let shard = matrix_findings(&out);
            assert_eq!(shard["shard"]["index"], i + 1, "{engine}");
            let path = dir.join(format!("shard-{i}.json"));
            std::fs::write(&path, &out.stdout).unwrap();
            paths.push(path);
        }
        assert_eq!(
            matrix_findings(&merge(&paths)),
            whole,
            "{engine}: merged shards equal the unsharded matrix"
        );

        // The review's tables from the shards: as `matrix` prints and writes them.
        let markdown = dir.join("review.md");
        let mut table_args = vec!["merge".to_string(), "--table".into(), "--markdown".into()];
        table_args.push(markdown.display().to_string());
        table_args.extend(paths.iter().map(|p| p.display().to_string()));
        let tables = run(&table_args, &[]);
        let stdout = String::from_utf8_lossy(&tables.stdout);
        let (header, tables) = stdout.split_once('\n').unwrap();
        assert!(
            header.starts_with(&format!(
                "merged {} shards of matrix: scenario=",
                paths.len()
            )),
            "{engine}: {stdout}"
        );
        assert!(tables.starts_with("design "), "{engine}: {stdout}");
        assert!(
            stdout.contains("\ngeneration-fencing "),
            "{engine}: {stdout}"
        );
        assert!(
            stdout.contains("24 seeds (0..24) per design"),
            "{engine}: {stdout}"
        );
        assert!(
            stdout.contains(&format!("wrote {}", markdown.display())),
            "{engine}: {stdout}"
        );
        let written = std::fs::read_to_string(&markdown).unwrap();
        assert!(
            written.starts_with("## Verdict matrix: scenario `incident`"),
            "{engine}: {written}"
        );
        assert!(
            written.contains("dnsim replay --scenario scenarios/incident.toml --variant "),
            "{engine}: {written}"
        );

        // Shard 2 retried: the same findings, and merge takes both.
        let retried = run(&sharded, &vars(1));
        let retry = dir.join("shard-1-retry.json");
        std::fs::write(&retry, &retried.stdout).unwrap();
        let mut with_retry = paths.clone();
        with_retry.push(retry.clone());
        assert_eq!(matrix_findings(&merge(&with_retry)), whole, "{engine}");

        // A duplicate that differs is refused, naming the file.
        let mut differing: serde_json::Value = serde_json::from_slice(&retried.stdout).unwrap();
        differing["runs"] = (differing["runs"].as_u64().unwrap() + 1).into();
        std::fs::write(&retry, differing.to_string()).unwrap();
        let refused = merge(&with_retry);
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("shard-1-retry.json")
                && stderr.contains("appears twice with different results"),
            "{stderr}"
        );

        // A shard missing, or a cell that its records do not bear out, is refused.
        let refused = merge(&paths[..2]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("missing shards: 3/3"));
        let mut forged: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&paths[0]).unwrap()).unwrap();
        let cell = &mut forged["designs"][0]["cells"][0];
        cell["violating_seeds"] = (cell["violating_seeds"].as_u64().unwrap() + 1).into();
        std::fs::write(&paths[0], forged.to_string()).unwrap();
        let refused = merge(&paths);
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("shard-0.json") && stderr.contains("do not match its seed records"),
            "{stderr}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn merge_refuses_a_hunt_and_a_matrix_together() {
    let dir = temp_dir("mixed");
    let hunt = run(
        &["hunt", "--seeds", "0..4", "--json", "-q", "--shard", "1/2"].map(String::from),
        &[],
    );
    let matrix = run(
        &[
            "matrix",
            "--seeds",
            "0..4",
            "--variants",
            "original",
            "--json",
            "-q",
            "--shard",
            "2/2",
        ]
        .map(String::from),
        &[],
    );
    let paths = [dir.join("hunt.json"), dir.join("matrix.json")];
    std::fs::write(&paths[0], &hunt.stdout).unwrap();
    std::fs::write(&paths[1], &matrix.stdout).unwrap();
    let refused = merge(&paths);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("a matrix report, but") && stderr.contains("is a hunt report"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A shard that stopped part-way ran a prefix of its own seeds, not of the whole range: the
/// merged table names that shard's seeds and the command that runs it again whole, once
/// even when the stopped shard is given twice (a retried shard with the same findings).
#[test]
fn merge_table_names_the_seeds_a_stopped_shard_ran() {
    let dir = temp_dir("stopped-shard");
    let mut paths = Vec::new();
    for k in 1..=2 {
        let args = [
            "hunt",
            "--variant",
            "fenced-and-protected",
            "--seeds",
            "100..120",
            "--json",
            "-q",
            "--shard",
            &format!("{k}/2"),
        ]
        .map(String::from);
        let mut json: serde_json::Value = serde_json::from_slice(&run(&args, &[]).stdout).unwrap();
        if k == 2 {
            // As a run stopped by its time budget after 3 of its 10 seeds writes it (no
            // test can stop a real run there without a clock it controls).
            json["end"] = "time_budget".into();
            json["seeds_run"] = 3.into();
            for tally in json["tallies"].as_array_mut().unwrap() {
                let reached = tally["reached"].as_u64().unwrap();
                tally["reached"] = reached.min(3).into();
            }
        }
        let path = dir.join(format!("shard-{k}.json"));
        std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
        paths.push(path.display().to_string());
    }
    let mut args = vec!["merge".to_string(), "--table".to_string()];
    args.extend(paths.clone());
    args.push(paths[1].clone());
    let out = run(&args, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for line in [
        "stopped part-way after 13 of the seeds in 100..120, in all",
        "  stopped at the time budget after 3 of the 10 seeds of shard 2/2 of 100..120: its first 3 ran, 101 to 105; --seeds 100..120 --shard 2/2 runs it again whole, for a report merge takes",
    ] {
        let times = stdout.lines().filter(|l| *l == line).count();
        assert_eq!(times, 1, "{line:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("seeds 100..113 ran"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}
