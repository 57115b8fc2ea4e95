//! `modnas pipeline` and `modnas compare`: many searches from one file, with progress per
//! run.

use crate::progress::Progress;
use crate::{default_out, init_logging};
use modnas::{run::read_journal, ModnasError, RunMode};
use std::path::PathBuf;

/// The arguments of commands that run many searches from one file (pipelines, comparisons).
#[derive(clap::Args)]
pub struct BatchArgs {
    /// The pipeline or comparison file.
    #[arg(short, long)]
    config: PathBuf,
    /// Output directory. Default: `runs/<file name>-<unix time>`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue in `--out`: finished runs are skipped and the interrupted one resumes.
    #[arg(long, requires = "out", conflicts_with = "overwrite")]
    resume: bool,
    /// Replace what `--out` holds instead of refusing.
    #[arg(long, requires = "out")]
    overwrite: bool,
    /// No progress output.
    #[arg(short, long)]
    quiet: bool,
}

impl BatchArgs {
    pub fn mode(&self) -> RunMode {
        match (self.resume, self.overwrite) {
            (true, _) => RunMode::Resume,
            (false, true) => RunMode::Overwrite,
            (false, false) => RunMode::New,
        }
    }
}

pub fn pipeline(args: &BatchArgs) -> Result<(), ModnasError> {
    let (file, mode, quiet) = (args.config.as_path(), args.mode(), args.quiet);
    use modnas::batch::pipeline::PipelineEvent;
    let dir = args.out.clone().unwrap_or_else(|| default_out(file));
    init_logging(Some(&dir));
    let mut progress: Option<Progress> = None;
    let outcomes =
        modnas::batch::pipeline::run_pipeline(file, &dir, mode, &mut |event| match event {
            PipelineEvent::Start {
                process,
                dir,
                config,
            } => {
                if !quiet {
                    eprintln!("process {process} → {}", dir.display());
                }
                progress = config.map(|cfg| {
                    let mut p = Progress::new(cfg, quiet);
                    p.resume_from(&read_journal(dir).unwrap_or_default());
                    p
                });
            }
            PipelineEvent::Trial { trial, .. } => {
                if let Some(p) = progress.as_mut() {
                    p.on_trial(trial);
                }
            }
            PipelineEvent::Done { process, skipped } => {
                if let Some(p) = progress.take() {
                    p.finish();
                }
                if !quiet {
                    let how = if skipped { "finished earlier" } else { "done" };
                    eprintln!("process {process}: {how}");
                }
            }
        });
    if let Some(p) = progress.take() {
        p.finish();
    }
    let outcomes = outcomes?;
    println!("pipeline directory: {}", dir.display());
    for o in outcomes {
        let best = match (&o.best, o.skipped) {
            (_, true) => "finished earlier".to_string(),
            (Some(b), false) => b
                .metrics
                .iter()
                .map(|(k, v)| format!("{k}={v:.4}"))
                .collect::<Vec<_>>()
                .join(", "),
            (None, false) => "-".to_string(),
        };
        println!("{:<16} {:<40} {best}", o.name, o.dir.display().to_string());
    }
    Ok(())
}

pub fn compare(args: &BatchArgs) -> Result<(), ModnasError> {
    let (file, mode, quiet) = (args.config.as_path(), args.mode(), args.quiet);
    use modnas::batch::compare::CompareEvent;
    let dir = args.out.clone().unwrap_or_else(|| default_out(file));
    init_logging(Some(&dir));
    let mut progress: Option<Progress> = None;
    let records = modnas::batch::compare::run_compare(file, &dir, mode, &mut |event| match event {
        CompareEvent::Start { name, config } => {
            if !quiet {
                eprintln!("run {name}");
            }
            progress = Some(Progress::new(config, quiet));
        }
        CompareEvent::Trial(t) => {
            if let Some(p) = progress.as_mut() {
                p.on_trial(t);
            }
        }
        CompareEvent::Done { name, skipped } => {
            if let Some(p) = progress.take() {
                p.finish();
            }
            if skipped && !quiet {
                eprintln!("run {name}: finished earlier");
            }
        }
    });
    if let Some(p) = progress.take() {
        p.finish();
    }
    let records = records?;
    let objective = records.first().map_or("acc", |r| r.objective.as_str());
    print!(
        "{}",
        modnas::batch::compare::render_compare(
            &modnas::batch::compare::compare_rows(&records),
            objective
        )
    );
    println!("comparison directory: {}", dir.display());
    Ok(())
}
