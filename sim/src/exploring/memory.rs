//! How much memory this process has used: its peak resident set, read from `/proc` (Linux).

/// Peak resident memory of this process in KiB (Linux's VmHWM), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
