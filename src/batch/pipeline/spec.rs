//! The pipeline file: named processes, each a modnas config or a nested pipeline, with the
//! processes it depends on and overrides that may name their run directories.

use crate::{Config, ModnasError};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One process of a pipeline (`[process.<name>]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessSpec {
    /// A modnas config (a search, an augment step, a tuning run), relative to the pipeline
    /// file.
    #[serde(default)]
    pub config: Option<PathBuf>,
    /// A nested pipeline file, relative to this one.
    #[serde(default)]
    pub pipeline: Option<PathBuf>,
    /// Processes that must finish first.
    #[serde(default)]
    pub depends: Vec<String>,
    /// Config overrides (`key.path=value`); `{name}` is the run directory of the dependency
    /// `name`: `estim.search.args.arch="{search}/best.toml"`.
    #[serde(default)]
    pub overrides: Vec<String>,
}

/// A parsed pipeline file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// The processes by name, in file order.
    pub process: IndexMap<String, ProcessSpec>,
}

/// What a process runs, with paths resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum ProcessKind {
    /// A modnas config, parsed with the process's overrides.
    Config(Box<Config>),
    /// A nested pipeline file.
    Pipeline(PathBuf),
}

/// A process ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    /// Its name, which is also its directory inside the pipeline's.
    pub name: String,
    /// What it runs.
    pub kind: ProcessKind,
}

fn key_error(name: &str, key: &str, message: impl std::fmt::Display) -> ModnasError {
    ModnasError::config(&format!("process.{name}.{key}"), message)
}

/// `{dep}` in `text` replaced by the run directory of `dep`; a placeholder of a process
/// `name` does not depend on is an error (its directory would not exist yet).
fn substitute(
    text: &str,
    name: &str,
    spec: &ProcessSpec,
    out: &Path,
) -> Result<String, ModnasError> {
    let deps = modnas_estim::placeholders(text);
    if let Some(dep) = deps
        .iter()
        .find(|d| valid_name(d) && !spec.depends.iter().any(|x| x == *d))
    {
        return Err(key_error(
            name,
            "overrides",
            format!(
                "`{text}` names `{{{dep}}}`, which is not in `depends` [{}]",
                spec.depends.join(", ")
            ),
        ));
    }
    Ok(modnas_estim::fill_placeholders(text, |dep| {
        valid_name(dep).then(|| out.join(dep).display().to_string())
    }))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The processes in an order where each comes after those it depends on (file order where
/// free); a cycle is an error that names its processes.
fn order(spec: &PipelineSpec) -> Result<Vec<&str>, ModnasError> {
    let names: Vec<&str> = spec.process.keys().map(String::as_str).collect();
    let mut done: Vec<&str> = Vec::new();
    while done.len() < names.len() {
        let ready = names.iter().find(|n| {
            !done.contains(n)
                && spec.process[**n]
                    .depends
                    .iter()
                    .all(|d| done.contains(&d.as_str()))
        });
        match ready {
            Some(n) => done.push(n),
            None => {
                let stuck: Vec<&str> = names
                    .iter()
                    .filter(|n| !done.contains(n))
                    .copied()
                    .collect();
                return Err(ModnasError::config(
                    "process",
                    format!("the dependencies form a cycle among [{}]", stuck.join(", ")),
                ));
            }
        }
    }
    Ok(done)
}

impl PipelineSpec {
    /// Reads a pipeline file.
    pub fn from_file(path: &Path) -> Result<Self, ModnasError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ModnasError::config(&path.display().to_string(), e))?;
        Self::from_toml(&text)
    }

    /// Parses pipeline TOML.
    pub fn from_toml(text: &str) -> Result<Self, ModnasError> {
        let value: toml::Value = toml::from_str(text).map_err(|e| {
            ModnasError::config("<file>", crate::config::base::syntax_error(text, &e))
        })?;
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            ModnasError::config(&path, e.into_inner().message())
        })
    }

    /// Checks every process (names, one of `config`/`pipeline`, dependencies, overrides,
    /// and that each config parses) and returns them in run order. `base` is the directory
    /// relative paths start from; `out` the pipeline's run directory.
    pub fn resolve(&self, base: &Path, out: &Path) -> Result<Vec<Process>, ModnasError> {
        if self.process.is_empty() {
            return Err(ModnasError::config(
                "process",
                "the pipeline has no processes: add `[process.<name>]` tables",
            ));
        }
        self.check_names()?;
        order(self)?
            .into_iter()
            .map(|name| {
                Ok(Process {
                    name: name.to_string(),
                    kind: self.process_kind(name, base, out)?,
                })
            })
            .collect()
    }

    /// Process names are directory names, and `depends` names other processes.
    fn check_names(&self) -> Result<(), ModnasError> {
        for (name, p) in &self.process {
            if !valid_name(name) {
                return Err(ModnasError::config(
                    &format!("process.{name}"),
                    "a process name is its directory: use letters, digits, `_` and `-`",
                ));
            }
            for dep in &p.depends {
                if dep == name || !self.process.contains_key(dep) {
                    let others: Vec<&str> = self
                        .process
                        .keys()
                        .map(String::as_str)
                        .filter(|n| n != name)
                        .collect();
                    return Err(key_error(
                        name,
                        "depends",
                        format!(
                            "`{dep}` is not another process; known: [{}]",
                            others.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// What process `name` runs: its config with the overrides substituted, or its nested
    /// pipeline (resolved once here, so that its errors surface before anything runs).
    fn process_kind(
        &self,
        name: &str,
        base: &Path,
        out: &Path,
    ) -> Result<ProcessKind, ModnasError> {
        let spec = &self.process[name];
        let overrides = spec
            .overrides
            .iter()
            .map(|o| substitute(o, name, spec, out))
            .collect::<Result<Vec<_>, _>>()?;
        let kind = match (&spec.config, &spec.pipeline) {
                    (Some(config), None) => {
                        let cfg = Config::from_file(base.join(config), &overrides)
                            .and_then(|c| c.validate().map(|()| c))
                            .map_err(|e| {
                                key_error(name, "config", format!("{}: {e}", config.display()))
                            })?;
                        ProcessKind::Config(Box::new(cfg))
                    }
                    (None, Some(pipeline)) if overrides.is_empty() => {
                        let path = base.join(pipeline);
                        let nested = Self::from_file(&path).map_err(|e| {
                            key_error(name, "pipeline", format!("{}: {e}", pipeline.display()))
                        })?;
                        let nested_base = path.parent().unwrap_or(Path::new("."));
                        nested.resolve(nested_base, &out.join(name)).map_err(|e| {
                            key_error(name, "pipeline", format!("{}: {e}", pipeline.display()))
                        })?;
                        ProcessKind::Pipeline(path)
                    }
                    (None, Some(_)) => {
                        return Err(key_error(
                            name,
                            "overrides",
                            "a nested pipeline takes no overrides; set them in its processes",
                        ))
                    }
                    _ => {
                        return Err(ModnasError::config(
                            &format!("process.{name}"),
                            "give exactly one of `config` (a modnas config) and `pipeline` (a nested pipeline file)",
                        ))
                    }
                };
        Ok(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> PipelineSpec {
        PipelineSpec::from_toml(text).unwrap()
    }

    #[test]
    fn processes_run_after_their_dependencies() {
        let s = spec("[process.c]\ndepends = [\"b\"]\n[process.a]\n[process.b]\ndepends = [\"a\"]");
        assert_eq!(order(&s).unwrap(), ["a", "b", "c"]);
        let cyclic =
            spec("[process.a]\ndepends = [\"b\"]\n[process.b]\ndepends = [\"a\"]\n[process.c]");
        let e = order(&cyclic).unwrap_err().to_string();
        assert!(e.contains("cycle among [a, b]"), "{e}");
    }

    #[test]
    fn placeholders_must_name_dependencies() {
        let s = spec("[process.a]\ndepends = [\"s\"]\n[process.s]");
        let p = &s.process["a"];
        let out = Path::new("/runs/p");
        assert_eq!(
            substitute("x=\"{s}/best.toml\"", "a", p, out).unwrap(),
            "x=\"/runs/p/s/best.toml\""
        );
        // Braces that are no process name (an inline table) are left alone.
        assert_eq!(
            substitute("t={ a = 1 }", "a", p, out).unwrap(),
            "t={ a = 1 }"
        );
        let e = substitute("x=\"{other}\"", "a", p, out)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("process.a.overrides") && e.contains("not in `depends` [s]"),
            "{e}"
        );
    }

    #[test]
    fn malformed_pipelines_name_the_key() {
        let err = |text: &str| {
            PipelineSpec::from_toml(text)
                .and_then(|s| s.resolve(Path::new("."), Path::new("out")))
                .unwrap_err()
                .to_string()
        };
        assert!(err("").contains("`process`"));
        assert!(err("[process]").contains("no processes"));
        assert!(err("[process.a]\nconfg = \"x\"").contains("confg"));
        assert!(err("[process.a]").contains("exactly one of `config`"));
        assert!(err("[process.\"a b\"]\nconfig = \"x\"").contains("letters, digits"));
        assert!(err("[process.a]\nconfig = \"x\"\ndepends = [\"a\"]").contains("known: []"));
        assert!(err("[process.a]\nconfig = \"/no/such.toml\"").contains("process.a.config"));
    }
}
