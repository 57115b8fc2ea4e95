//! The whole modnas command line, with this crate's components registered.

// Links the library, whose registrations would otherwise be left out of the binary.
use modnas_downstream as _;

fn main() -> std::process::ExitCode {
    modnas_cli::main()
}
