fn main() {
    let code = dnsim::cli::main(
        std::env::args_os(),
        &mut dnsim::cli::PipeSafeStdout,
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
