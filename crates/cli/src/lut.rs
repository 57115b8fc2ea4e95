//! `modnas latency-lut`: a latency table of a config's search space.

use modnas::{Config, ModnasError};
use std::path::PathBuf;

/// `modnas latency-lut`.
pub struct LutCommand {
    pub config: PathBuf,
    pub out: PathBuf,
    pub overrides: Vec<String>,
    pub device: Option<String>,
    pub timing: modnas::metrics::TimingArgs,
}

pub fn latency_lut(c: LutCommand) -> Result<(), ModnasError> {
    let mut overrides = c.overrides;
    if let Some(d) = c.device {
        overrides.push(format!("backend.device=\"{d}\""));
    }
    let cfg = Config::from_file(&c.config, &overrides)?;
    let table = modnas::latency_lut::measure_latency_table(&cfg, &c.timing, &mut |e| {
        eprintln!(
            "{:<8} {:>4} -> {:<4} stride {} at {:?}: {:.4} ms (± {:.4})",
            e.op, e.c_in, e.c_out, e.stride, e.input, e.median_ms, e.std_ms
        );
    })?;
    std::fs::write(&c.out, table.to_toml()).map_err(|e| ModnasError::Io {
        path: c.out.display().to_string(),
        source: e,
    })?;
    println!(
        "{} entries measured on `{}`: {}",
        table.entries.len(),
        table.device,
        c.out.display()
    );
    Ok(())
}
