//! The catalogue of registered components that `modnas list` prints: per kind, every
//! registry id, and with `detail` its one-line description and configuration keys with their
//! defaults (from [`ComponentDoc`]).

use modnas_core::{component_docs, ComponentDoc};
use std::fmt::Write;

/// The registered components of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct KindCatalog {
    /// Plural heading ("optimizers").
    pub heading: &'static str,
    /// The kind as its descriptions name it ("optimizer").
    pub kind: &'static str,
    /// Registry ids, sorted.
    pub names: Vec<&'static str>,
}

/// Every kind of component, with its registered ids.
pub fn catalog() -> Vec<KindCatalog> {
    let kinds: [(&str, &str, Vec<&'static str>); 12] = [
        (
            "candidates",
            "candidate",
            modnas_construct::candidate_names(),
        ),
        ("mixed ops", "mixed op", modnas_construct::mixed_op_names()),
        ("models", "model", modnas_construct::model_names()),
        ("optimizers", "optimizer", modnas_optim::optim_names()),
        ("estimators", "estimator", modnas_estim::estim_names()),
        ("metrics", "metric", modnas_metrics::metric_names()),
        ("criteria", "criterion", modnas_estim::criterion_names()),
        ("data", "data", modnas_estim::data::data_names()),
        ("trainers", "trainer", modnas_estim::trainer_names()),
        ("tasks", "task", modnas_estim::task_names()),
        ("callbacks", "callback", modnas_estim::callback_names()),
        ("pruners", "pruner", modnas_estim::pruner_names()),
    ];
    kinds
        .into_iter()
        .map(|(heading, kind, mut names)| {
            names.sort_unstable();
            KindCatalog {
                heading,
                kind,
                names,
            }
        })
        .collect()
}

/// The description of component `name` of `kind`, if it has one.
pub fn describe(kind: &str, name: &str) -> Option<&'static ComponentDoc> {
    component_docs(kind).into_iter().find(|d| d.name == name)
}

/// The catalogue as text: one line per kind, or with `detail` one block per component.
pub fn render_catalog(detail: bool) -> String {
    let mut s = String::new();
    for k in catalog() {
        if !detail {
            let _ = writeln!(s, "{}: {}", k.heading, k.names.join(", "));
            continue;
        }
        let _ = writeln!(s, "{}:", k.heading);
        for name in &k.names {
            let Some(doc) = describe(k.kind, name) else {
                let _ = writeln!(s, "  {name}");
                continue;
            };
            let _ = writeln!(s, "  {name}: {}", doc.about());
            if k.kind == "candidate" {
                let serves: Vec<&str> = modnas_construct::candidate_serves(name)
                    .iter()
                    .map(|sig| sig.name())
                    .collect();
                let _ = writeln!(s, "      serves {} slots", serves.join(", "));
            }
            for key in doc.keys() {
                let value = match (&key.default, key.required) {
                    (_, true) => "(required)".to_string(),
                    (Some(d), false) => format!("= {d}"),
                    (None, false) => "(optional)".to_string(),
                };
                let ty = if key.ty.is_empty() {
                    String::new()
                } else {
                    format!(": {}", key.ty)
                };
                let _ = writeln!(s, "      {}{ty} {value}  {}", key.key, key.about);
            }
        }
        if k.kind == "data" {
            let _ = writeln!(
                s,
                "  (every data type also takes `valid_ratio`, default 0.2: the share held out for \
                 validation; `limit`: use at most this many samples; `normalize`, default false: \
                 per-channel normalisation with the training part's statistics; `test_ratio`, \
                 default 0: a share held out as a test part)"
            );
        }
    }
    s
}
