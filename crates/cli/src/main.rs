//! The `modnas` command-line tool; [`modnas_cli::main`] holds all of it, so that a user's crate
//! gets the same tool, with its own components, from the same one line.

fn main() -> std::process::ExitCode {
    modnas_cli::main()
}
