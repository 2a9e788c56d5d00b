//! The `ttrpg` binary: everything lives in the library; see `ttrpg_host::cli`.

fn main() -> std::process::ExitCode {
    ttrpg_host::cli::main()
}
