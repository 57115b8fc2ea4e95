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

# Benchmarks: Slot-built vs hand-written train step, transform cost, tabular proposals/s,
# search quality of every discrete optimizer (about 10 minutes).
bench:
    cargo run --release --example bench_overhead
    cargo run --release --example bench_tabular
    cargo run --release --example bench_search_quality

# The GPU-path tests on wgpu (on the CPU through Mesa's lavapipe where there is no GPU).
test-wgpu:
    XDG_RUNTIME_DIR=/tmp CUBECL_AUTOTUNE_LEVEL=minimal cargo test -p modnas --features wgpu --test backends

# The LibTorch-backend tests, built against the PyTorch that `python3` imports (torch 2.9.0).
test-libtorch:
    LIBTORCH_USE_PYTORCH=1 LD_LIBRARY_PATH="$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')" cargo test -p modnas --features tch --test backends

# What CI runs: every test in one build with the wgpu and LibTorch backends compiled in
# (installs PostgreSQL, Mesa's lavapipe and PyTorch first where it can).
ci:
    bash .ci/run
