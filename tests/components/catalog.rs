//! `modnas list --detail`: every registered component of every kind has a description, every
//! description names a registered component, and every configuration key says what it is
//! and of which type.

use modnas::core::component_docs;
use modnas::{catalog::catalog, catalog::describe, catalog::render_catalog};

#[test]
fn every_component_is_described_with_its_keys() {
    for kind in catalog() {
        for name in &kind.names {
            let doc = describe(kind.kind, name).unwrap_or_else(|| {
                panic!("{} `{name}` is registered without a description", kind.kind)
            });
            assert!(
                !doc.about().is_empty(),
                "{name}: no doc comment on its registration"
            );
            for key in doc.keys() {
                assert!(
                    !key.about.is_empty(),
                    "{name}: key `{}` has no doc comment",
                    key.key
                );
                assert!(!key.ty.is_empty(), "{name}: key `{}` has no type", key.key);
            }
        }
        for doc in component_docs(kind.kind) {
            assert!(
                kind.names.contains(&doc.name),
                "{} `{}` is described but not registered",
                kind.kind,
                doc.name
            );
        }
    }
}

#[test]
fn the_detailed_list_shows_defaults_and_required_keys() {
    let text = render_catalog(true);
    assert!(text.contains("  RegularizedEvolutionOptim: regularized (aging) evolution"));
    // Each candidate says which slots it serves.
    for (line, serves) in [
        ("  NC3:", "      serves image slots"),
        ("  LIN:", "      serves dense, sequence slots"),
        ("  TEL_H2F2:", "      serves sequence slots"),
        ("  IDT:", "      serves image, dense, sequence slots"),
    ] {
        let next = text.lines().skip_while(|l| !l.starts_with(line)).nth(1);
        assert_eq!(next, Some(serves), "{line}");
    }
    assert!(
        text.contains("      population: integer = 20  Population size."),
        "{text}"
    );
    assert!(
        text.contains("      path: string (required)  The CSV file."),
        "{text}"
    );
    assert!(
        text.contains("      arch: string (optional)  An architecture TOML"),
        "{text}"
    );
    // A choice lists its values, a list its items' type.
    assert!(
        text.contains("      mode: \"max\" | \"min\" = \"max\""),
        "{text}"
    );
    assert!(
        text.contains("      channels: list of integer = [16,32,32]"),
        "{text}"
    );
    // The shared search keys appear with every searching estimator.
    let subnet: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("  SubNetEstim:"))
        .skip(1)
        .take_while(|l| l.starts_with("      "))
        .collect();
    let keys: Vec<&str> = subnet
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .map(|k| k.trim_end_matches(':'))
        .collect();
    assert_eq!(
        keys,
        [
            "epochs",
            "max_epochs",
            "max_seconds",
            "mode",
            "objective",
            "revisit",
            "trials"
        ]
    );
    // The short list has one line per kind.
    let short = render_catalog(false);
    assert!(short
        .lines()
        .any(|l| l.starts_with("models: ") && l.contains("HierarchicalNet")));
}
