//! `EventLog`: writes every event of the run as a JSON line (`events.jsonl` in the run
//! directory, or `file`), for tools that follow a run from outside.

use super::run_callback::{RunCallback, RunEvent};
use crate::{register_callback, EstimError};
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of [`EventLog`].
#[modnas_core::nas_config]
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventLogArgs {
    /// The file, relative to the run directory.
    #[config(default = "events.jsonl".into())]
    pub file: PathBuf,
}

/// Appends each event to a JSON-lines file, flushed per event.
pub struct EventLog {
    args: EventLogArgs,
    path: Option<PathBuf>,
}

impl RunCallback for EventLog {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), EstimError> {
        if let RunEvent::RunStarted { dir, .. } = event {
            self.path = Some(dir.join(&self.args.file));
        }
        let Some(path) = &self.path else {
            return Ok(());
        };
        let line = serde_json::to_string(event).map_err(|e| EstimError::Record(e.to_string()))?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| writeln!(f, "{line}"))
            .map_err(|e| EstimError::Record(format!("{}: {e}", path.display())))
    }
}

register_callback!(
    /// every event of the run as a JSON line in the run directory (`events.jsonl`)
    "EventLog", |args: EventLogArgs| {
        Ok(Box::new(EventLog { args, path: None }))
    }
);
