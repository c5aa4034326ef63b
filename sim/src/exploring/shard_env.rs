//! A shard's index and count from the environment a distributed engine sets.
//!
//! `--shard env` takes the shard from environment variables instead of `--shard K/N`:
//!
//! | variable | meaning | set by |
//! |---|---|---|
//! | `JOB_COMPLETION_INDEX` | this shard's index, **0-based** | Kubernetes, in every pod of an Indexed Job (`completionMode: Indexed`), from 0 to `completions - 1` |
//! | `DNSIM_SHARD_INDEX` | this shard's index, **0-based** | a GitHub Actions matrix job: `DNSIM_SHARD_INDEX: ${{ strategy.job-index }}` |
//! | `DNSIM_SHARD_COUNT` | how many shards | the Job manifest (equal to `spec.completions`), or `${{ strategy.job-total }}` |
//!
//! Kubernetes sets only the index; neither engine exports the count by itself, so the
//! manifest or workflow sets `DNSIM_SHARD_COUNT` next to the command (see `deploy/`). If
//! both index variables are set they must agree. Index `i` of `n` is shard `i+1/n` of
//! `--shard K/N`, so a report says the same shard whichever way it was chosen.

use crate::exploring::sweep::Shard;

/// The variables an index is read from, in order.
pub const INDEX_VARS: [&str; 2] = ["JOB_COMPLETION_INDEX", "DNSIM_SHARD_INDEX"];
/// The variable the shard count is read from.
pub const COUNT_VAR: &str = "DNSIM_SHARD_COUNT";

/// The shard the environment names; `var` reads one variable. An error is one line.
pub fn shard_from_env(var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let number = |name: &str| -> Result<Option<u64>, String> {
        var(name)
            .map(|text| {
                text.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("--shard env: {name}={text:?} is not a whole number"))
            })
            .transpose()
    };
    let indexes: Vec<(&str, u64)> = INDEX_VARS
        .iter()
        .filter_map(|name| number(name).map(|n| n.map(|n| (*name, n))).transpose())
        .collect::<Result<_, _>>()?;
    let index = match indexes[..] {
        [] => {
            return Err(format!(
                "--shard env: no shard index: set {} (0-based)",
                INDEX_VARS.join(" or ")
            ))
        }
        [(_, index)] => index,
        [(a, i), (b, j), ..] if i != j => {
            return Err(format!("--shard env: {a}={i} and {b}={j} disagree"))
        }
        [(_, index), ..] => index,
    };
    let count = number(COUNT_VAR)?
        .ok_or_else(|| format!("--shard env: no shard count: set {COUNT_VAR}"))?;
    if index >= count {
        return Err(format!(
            "--shard env: index {index} (0-based) is not below {COUNT_VAR}={count}"
        ));
    }
    Ok(Shard {
        index: index + 1,
        count,
    })
}

/// `--shard`: `K/N`, or `env` to read it from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardArg {
    /// `K/N`, as given.
    Given(Shard),
    /// `env`: read from the environment when the command runs.
    Env,
}

impl std::str::FromStr for ShardArg {
    type Err = String;

    fn from_str(text: &str) -> Result<ShardArg, String> {
        match text {
            "env" => Ok(ShardArg::Env),
            _ => text
                .parse()
                .map(ShardArg::Given)
                .map_err(|e| format!("{e}, or `env` (the engine's environment)")),
        }
    }
}

impl ShardArg {
    /// The shard, reading the process's environment for `env`.
    pub fn resolve(self) -> Result<Shard, String> {
        match self {
            ShardArg::Given(shard) => Ok(shard),
            ShardArg::Env => shard_from_env(|name| std::env::var(name).ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn kubernetes_and_github_indexes_are_zero_based() {
        let k8s = [("JOB_COMPLETION_INDEX", "0"), ("DNSIM_SHARD_COUNT", "4")];
        assert_eq!(shard_from_env(env(&k8s)), Ok(Shard { index: 1, count: 4 }));
        let gha = [("DNSIM_SHARD_INDEX", "3"), ("DNSIM_SHARD_COUNT", "4")];
        assert_eq!(shard_from_env(env(&gha)), Ok(Shard { index: 4, count: 4 }));
    }

    #[test]
    fn a_missing_bad_or_conflicting_variable_is_one_line() {
        let cases: [&[(&str, &str)]; 5] = [
            &[("DNSIM_SHARD_COUNT", "4")],
            &[("JOB_COMPLETION_INDEX", "1")],
            &[("JOB_COMPLETION_INDEX", "4"), ("DNSIM_SHARD_COUNT", "4")],
            &[("JOB_COMPLETION_INDEX", "x"), ("DNSIM_SHARD_COUNT", "4")],
            &[
                ("JOB_COMPLETION_INDEX", "1"),
                ("DNSIM_SHARD_INDEX", "2"),
                ("DNSIM_SHARD_COUNT", "4"),
            ],
        ];
        for vars in cases {
            let error = shard_from_env(env(vars)).unwrap_err();
            assert!(error.starts_with("--shard env: "), "{error}");
            assert!(!error.contains('\n'));
        }
    }
}
