//! What `modnas list --detail` prints: a one-line description of every registered component
//! and its configuration keys with their defaults, taken from the component's argument type
//! (its doc comments and serde defaults) so that the list cannot drift from the code.
//!
//! ```
//! use modnas_core::{component_docs, nas_config, registry_entry, submit_component};
//! /// Arguments of the greeter.
//! #[nas_config]
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct GreeterArgs {
//!     /// Whom to greet.
//!     #[config(default = "world".to_string())]
//!     name: String,
//! }
//! registry_entry!(
//!     /// A registered greeter.
//!     GreeterEntry, "greeter", fn() -> String
//! );
//! submit_component!(GreeterEntry, "Hello", [" Says hello."], GreeterArgs, || "hi".into());
//! let doc = component_docs("greeter").into_iter().next().unwrap();
//! assert_eq!(doc.about(), "Says hello.");
//! let keys = doc.keys();
//! assert_eq!((keys[0].key.as_str(), keys[0].default.as_deref()), ("name", Some("\"world\"")));
//! assert_eq!((keys[0].ty.as_str(), keys[0].about.as_str()), ("string", "Whom to greet."));
//! ```

use schemars::Schema;
use serde_json::Value;

/// The description of one registered component.
pub struct ComponentDoc {
    /// The component kind, as in its registry ("optimizer", "candidate"...).
    pub kind: &'static str,
    /// Its registry id.
    pub name: &'static str,
    /// What it is: its doc comment's lines joined (see [`ComponentDoc::about`]).
    pub about: &'static str,
    /// The JSON schema of its `args` table, when it takes any.
    pub args: Option<fn() -> Schema>,
}

inventory::collect!(ComponentDoc);

/// One configuration key of a component.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyDoc {
    /// The key as written in the component's `args` table.
    pub key: String,
    /// Its type in TOML terms (`integer`, `number`, `string`, `boolean`, `list of string`,
    /// `"max" | "min"` for a choice, `table`); empty when the schema does not say.
    pub ty: String,
    /// Its default as TOML-like text; `None` when the key is required or has no default.
    pub default: Option<String>,
    /// True when the key must be given.
    pub required: bool,
    /// Its doc comment (empty when it has none).
    pub about: String,
}

impl ComponentDoc {
    /// What it is, in one line.
    pub fn about(&self) -> &'static str {
        self.about.trim()
    }

    /// The keys of its `args` table, in the schema's order.
    pub fn keys(&self) -> Vec<KeyDoc> {
        let Some(schema) = self.args.map(|f| f()) else {
            return vec![];
        };
        let value = schema.as_value();
        let required: Vec<&str> = value
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(props) = value.get("properties").and_then(Value::as_object) else {
            return vec![];
        };
        props
            .iter()
            .map(|(key, p)| KeyDoc {
                key: key.clone(),
                ty: type_of(p, value),
                default: p.get("default").filter(|v| !v.is_null()).map(render),
                required: required.contains(&key.as_str()),
                about: p
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .replace('\n', " "),
            })
            .collect()
    }
}

/// The TOML type of the property schema `p`, with `root`'s definitions for references: a
/// nullable type is the type (the key may be left out), a choice lists its values.
fn type_of(p: &Value, root: &Value) -> String {
    if let Some(reference) = p.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        let defs = root.get("$defs").or_else(|| root.get("definitions"));
        return defs
            .and_then(|d| d.get(name))
            .map_or_else(String::new, |d| type_of(d, root));
    }
    if let Some(values) = p.get("enum").and_then(Value::as_array) {
        return values.iter().map(render).collect::<Vec<_>>().join(" | ");
    }
    if let Some(one) = p.get("const") {
        return render(one);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = p.get(key).and_then(Value::as_array) {
            let types: Vec<String> = (alts.iter())
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .map(|a| type_of(a, root))
                .filter(|t| !t.is_empty())
                .collect();
            return types.join(" | ");
        }
    }
    let single = match p.get("type") {
        Some(Value::String(t)) => t.as_str(),
        // `["integer", "null"]`: an `Option`, left out when absent.
        Some(Value::Array(ts)) => (ts.iter().filter_map(Value::as_str))
            .find(|t| *t != "null")
            .unwrap_or_default(),
        _ => "",
    };
    match single {
        "array" => match p.get("items").map(|i| type_of(i, root)) {
            Some(item) if !item.is_empty() => format!("list of {item}"),
            _ => "list".into(),
        },
        "object" => "table".into(),
        other => other.into(),
    }
}

/// A default value as JSON text, which reads as TOML for numbers, strings, booleans and
/// arrays.
fn render(v: &Value) -> String {
    v.to_string()
}

/// The descriptions of the components of `kind`, sorted by name.
pub fn component_docs(kind: &str) -> Vec<&'static ComponentDoc> {
    let mut docs: Vec<_> = inventory::iter::<ComponentDoc>
        .into_iter()
        .filter(|d| d.kind == kind)
        .collect();
    docs.sort_by_key(|d| d.name);
    docs
}
