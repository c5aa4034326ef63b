//! The `dnsim` binary: hands its arguments, stdout and stderr to [`dnsim::cli::main`] and exits with its status.

fn main() {
    let code = dnsim::cli::main(
        std::env::args_os(),
        &mut dnsim::cli::PipeSafeStdout,
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
