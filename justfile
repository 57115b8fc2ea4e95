# modnas developer tasks (https://github.com/casey/just)

# Formatting, lints and all tests (what CI runs, plus fmt and clippy).
check:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo test --workspace

# The quickstart search on the embedded digits data.
example:
    cargo run --release --example quickstart

# The same search from its TOML config, through the CLI.
search config="examples/configs/quickstart.toml":
    cargo run --release -p modnas-cli -- search -c {{config}}

# Benchmarks: Slot-built vs hand-written train step, transform cost, tabular proposals/s.
bench:
    cargo run --release --example bench_overhead
    cargo run --release --example bench_tabular
