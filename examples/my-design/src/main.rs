//! Every `dnsim` command, on dnsim's designs and on `my-design`.

fn main() {
    dnsim::cli::main_with(my_design::DESIGNS);
}
