//! `modnas dashboard [DIR…] [--storage URL…]`: serves the live view of runs, of `compare` and
//! `pipeline` directories and of trial storages until interrupted; and
//! `modnas search --dashboard`, the same view of the run it starts, for as long as it runs.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `modnas dashboard`.
#[derive(clap::Args)]
pub(crate) struct DashboardArgs {
    /// The directories to show: run directories (with a `config.toml`) and `compare` or
    /// `pipeline` directories, whose runs are all shown as they start.
    #[arg(required_unless_present = "storage")]
    run_dirs: Vec<PathBuf>,
    /// A trial storage of distributed runs (`sqlite://FILE`, `postgres://…`): its runs, their
    /// workers and the trials they hold. Repeatable.
    #[arg(long, value_name = "URL")]
    storage: Vec<String>,
    /// The address to listen on; only this machine can connect unless it is changed.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The port (0: any free one; the URL is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

/// Serves the dashboard; prints its URL once it listens.
pub(crate) fn dashboard(args: DashboardArgs) -> ExitCode {
    crate::init_logging(None);
    let opened = modnas_dashboard::Dashboard::open_with_storage(&args.run_dirs, &args.storage);
    let result = opened.and_then(|d| {
        let addr = format!("{}:{}", args.host, args.port);
        modnas_dashboard::serve(d, &addr, |url| {
            use std::io::Write;
            println!("dashboard: {url}");
            let _ = std::io::stdout().flush();
        })
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_input_error() { 2 } else { 1 })
        }
    }
}

/// Serves the dashboard of the run in `dir` on a thread of its own once the run has written
/// its config, for as long as the process lives. A dashboard that cannot start says why on
/// stderr and leaves the search alone.
pub(crate) fn serve_beside(dir: PathBuf, port: u16) {
    std::thread::spawn(move || {
        let config = dir.join(modnas::run::CONFIG_FILE);
        let start = std::time::Instant::now();
        while !config.exists() {
            if start.elapsed() > std::time::Duration::from_secs(600) {
                eprintln!("warning: no dashboard: the run wrote no config in 10 minutes");
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let served = modnas_dashboard::Dashboard::open(&[dir]).and_then(|d| {
            modnas_dashboard::serve(d, &format!("127.0.0.1:{port}"), |url| {
                eprintln!("dashboard: {url}")
            })
        });
        if let Err(e) = served {
            eprintln!("warning: no dashboard: {e}");
        }
    });
}
