//! `examples/downstream`, a user's crate outside the workspace, built and tested as its user
//! would (`cargo test` in it), with the backends this build has compiled in and in this
//! workspace's target directory. A long test: the first run compiles the crate and modnas's own
//! crates in the user's profile, and Burn as well where one of Burn's dependencies resolves other
//! features here than in the workspace's test build (it does: a fresh clone builds Burn twice).

use std::path::Path;
use std::process::Command;

/// The `downstream` features that turn on the backends modnas was built with here.
fn features() -> Vec<&'static str> {
    let devices = modnas::config::compiled_devices();
    let mut features = vec![];
    if devices.contains(&"wgpu") {
        features.push("wgpu");
    }
    if devices.contains(&"libtorch") {
        features.push("tch");
    }
    features
}

#[test]
fn the_user_crate_builds_and_its_own_tests_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory holds tmp/")
        .to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    // The variables cargo sets for this test (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME` …) would
    // reach build scripts that watch them (ring's does) and rebuild Burn's dependencies; the
    // caller's own settings (`CARGO_HOME`, `CARGO_INCREMENTAL`) stay.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("CARGO_") && key != "CARGO_HOME" && key != "CARGO_INCREMENTAL" {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .arg("test")
        .arg("--locked")
        .arg("--manifest-path")
        .arg(root.join("examples/downstream/Cargo.toml"))
        .args(["--features", &features().join(",")])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo starts");
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "cargo test in examples/downstream failed:\n{log}"
    );
    assert!(log.contains("test result: ok. 9 passed"), "{log}");
}
