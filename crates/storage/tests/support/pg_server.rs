//! A throwaway PostgreSQL server for tests: `initdb` into a temporary directory, a server
//! listening on a Unix socket only, stopped and removed on drop. `MODNAS_TEST_POSTGRES=URL`
//! uses an existing server instead. As root, the server runs as `nobody` (PostgreSQL refuses
//! root).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running server, or the address of an external one.
pub struct PgServer {
    /// The connection string.
    pub url: String,
    managed: Option<(PathBuf, PathBuf)>,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Where the PostgreSQL programs are: `pg_ctl` on the PATH, or Debian's versioned directories.
fn bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("pg_ctl").is_file() && p.join("initdb").is_file())
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("pg_ctl").is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a PostgreSQL program, as `nobody` when we are root.
fn pg(bin: &Path, program: &str, args: &[&str], root: bool) -> Result<(), String> {
    let exe = bin.join(program);
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd
        .args(args)
        .output()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl PgServer {
    /// Starts a server (or takes `MODNAS_TEST_POSTGRES`); `Err` says why none is available.
    pub fn start() -> Result<Self, String> {
        if let Ok(url) = std::env::var("MODNAS_TEST_POSTGRES") {
            return Ok(Self { url, managed: None });
        }
        let bin = bin_dir().ok_or("no PostgreSQL programs (initdb, pg_ctl) found")?;
        let root = is_root();
        let dir = std::env::temp_dir().join(format!(
            "modnas-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if root {
            std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).map_err(|e| e.to_string())?;
        }
        let data = dir.join("data");
        let (d, s) = (
            data.to_string_lossy().to_string(),
            dir.to_string_lossy().to_string(),
        );
        pg(
            &bin,
            "initdb",
            &[
                "-D",
                &d,
                "-U",
                "modnas",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            root,
        )?;
        let opts = format!("-k {s} -c listen_addresses= -p 5432 -F");
        let log = dir.join("server.log").to_string_lossy().to_string();
        pg(
            &bin,
            "pg_ctl",
            &["-D", &d, "-o", &opts, "-l", &log, "-w", "-t", "60", "start"],
            root,
        )?;
        Ok(Self {
            url: format!("postgresql://modnas@/postgres?host={s}&port=5432"),
            managed: Some((bin, dir)),
        })
    }

    /// A server, or `None` after printing why the PostgreSQL half of a test is skipped.
    pub fn start_or_skip(test: &str) -> Option<Self> {
        match Self::start() {
            Ok(s) => Some(s),
            Err(why) => {
                eprintln!("{test}: PostgreSQL part skipped: {why}");
                None
            }
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some((bin, dir)) = &self.managed {
            let d = dir.join("data").to_string_lossy().to_string();
            let _ = pg(
                bin,
                "pg_ctl",
                &["-D", &d, "-m", "immediate", "stop"],
                is_root(),
            );
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
