//! `#[nas_config]`: a Burn-style config (`new` with the required fields, `with_*` for the
//! rest) whose serde form fills every defaulted field, so TOML args may leave them out.
//!
//! Burn's own `#[derive(Config)]` deserializes every field as required and accepts unknown
//! keys, which would turn a typo in `[model.args]` into a silently ignored setting; this
//! attribute keeps the builder and leaves the serde derives to the struct, adding a
//! `#[serde(default = ...)]` per defaulted field and, on a struct that derives `Deserialize`
//! without a flattened field, `#[serde(deny_unknown_fields)]` when it lacks it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_quote, Expr, Fields, ItemStruct};

pub(crate) fn expand(mut item: ItemStruct) -> syn::Result<TokenStream> {
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            "#[nas_config] needs a struct without generics",
        ));
    }
    let name = item.ident.clone();
    let Fields::Named(fields) = &mut item.fields else {
        return Err(syn::Error::new_spanned(
            &item.ident,
            "#[nas_config] needs a struct with named fields",
        ));
    };
    let refuses_unknown = derives_deserialize(&item.attrs)
        && !has_serde_word(&item.attrs, "deny_unknown_fields")
        && !fields
            .named
            .iter()
            .any(|f| has_serde_word(&f.attrs, "flatten"));
    let (mut params, mut inits, mut builders, mut default_fns) = (vec![], vec![], vec![], vec![]);
    for field in fields.named.iter_mut() {
        let ident = field.ident.clone().expect("named fields have names");
        let ty = field.ty.clone();
        let default = match take_default(&mut field.attrs)? {
            Some(expr) => Some((expr, true)),
            // A bare `#[serde(default)]` already fills the field: a builder, no `new` argument.
            None if has_bare_serde_default(&field.attrs) => {
                Some((parse_quote!(::core::default::Default::default()), false))
            }
            None => None,
        };
        match default {
            None => {
                params.push(quote!(#ident: #ty));
                inits.push(quote!(#ident));
            }
            Some((expr, literal)) => {
                if literal {
                    let default_fn = format_ident!("__{}_default_{}", name, ident);
                    let path = default_fn.to_string();
                    field.attrs.push(parse_quote!(#[serde(default = #path)]));
                    default_fns.push(quote! {
                        #[doc(hidden)]
                        #[allow(non_snake_case)]
                        fn #default_fn() -> #ty { #expr }
                    });
                    inits.push(quote!(#ident: #default_fn()));
                } else {
                    inits.push(quote!(#ident: #expr));
                }
                let with = format_ident!("with_{}", ident);
                let doc = format!("Sets `{ident}` (default `{}`).", quote!(#expr));
                builders.push(quote! {
                    #[doc = #doc]
                    pub fn #with(mut self, #ident: #ty) -> Self {
                        self.#ident = #ident;
                        self
                    }
                });
            }
        }
    }
    if refuses_unknown {
        // A typo in a TOML table is an error that names the key, not a silently kept default.
        item.attrs.push(parse_quote!(#[serde(deny_unknown_fields)]));
    }
    let new_doc =
        format!("A `{name}` with the required fields given and the others at their defaults.");
    Ok(quote! {
        #item
        #(#default_fns)*
        // The builder is API for callers that build the config in code; a crate's private
        // argument type may use none of it.
        #[allow(dead_code)]
        impl #name {
            #[doc = #new_doc]
            #[allow(clippy::too_many_arguments)]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #(#builders)*
        }
    })
}

/// True when the struct derives `Deserialize` (by that name or a path ending in it).
fn derives_deserialize(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                found |= meta
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Deserialize");
                Ok(())
            });
            found
        })
}

/// The items of the `#[serde(...)]` attributes: each word (`default`, `flatten`,
/// `deny_unknown_fields`) and whether it carries a value (`default = "f"`).
fn serde_items(attrs: &[syn::Attribute]) -> Vec<(String, bool)> {
    let mut items = vec![];
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let valued = meta.input.peek(syn::Token![=]);
            if let Some(word) = meta.path.get_ident() {
                items.push((word.to_string(), valued));
            }
            if valued {
                let _: Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    items
}

/// True when a `#[serde(...)]` attribute holds `word` (`flatten`, `deny_unknown_fields`).
fn has_serde_word(attrs: &[syn::Attribute], word: &str) -> bool {
    serde_items(attrs).iter().any(|(w, _)| w == word)
}

/// True when the field has a `#[serde(default)]` without a function.
fn has_bare_serde_default(attrs: &[syn::Attribute]) -> bool {
    serde_items(attrs)
        .iter()
        .any(|(w, valued)| w == "default" && !valued)
}

/// Removes the field's `#[config(...)]` attributes and returns its `default = expr`.
fn take_default(attrs: &mut Vec<syn::Attribute>) -> syn::Result<Option<Expr>> {
    let mut default = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("config")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                default = Some(meta.value()?.parse::<Expr>()?);
                Ok(())
            } else {
                Err(meta.error("expected `default = <expression>`"))
            }
        })?;
    }
    attrs.retain(|a| !a.path().is_ident("config"));
    Ok(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(item: ItemStruct) -> String {
        expand(item).unwrap_err().to_string()
    }

    #[test]
    fn structs_it_cannot_serve_are_refused_by_name() {
        assert!(error_of(parse_quote!(
            struct A<T> {
                t: T,
            }
        ))
        .contains("without generics"));
        assert!(error_of(parse_quote!(
            struct B(usize);
        ))
        .contains("named fields"));
        let bad_attr = parse_quote!(
            struct C {
                #[config(defualt = 1)]
                x: usize,
            }
        );
        assert!(error_of(bad_attr).contains("default = <expression>"));
    }

    #[test]
    fn a_deserialized_struct_refuses_unknown_keys_unless_it_flattens() {
        let out = |item: ItemStruct| expand(item).unwrap().to_string();
        let plain = out(parse_quote!(
            #[derive(serde::Deserialize)]
            struct A {
                a: usize,
            }
        ));
        assert!(plain.contains("deny_unknown_fields"), "{plain}");
        let flattened = out(parse_quote!(
            #[derive(Deserialize)]
            struct B {
                #[serde(flatten)]
                a: Inner,
            }
        ));
        assert!(!flattened.contains("deny_unknown_fields"), "{flattened}");
        let not_serde = out(parse_quote!(
            #[derive(Debug)]
            struct C {
                a: usize,
            }
        ));
        assert!(!not_serde.contains("serde"), "{not_serde}");
        let already = out(parse_quote!(
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct D {
                a: usize,
            }
        ));
        assert_eq!(
            already.matches("deny_unknown_fields").count(),
            1,
            "{already}"
        );
    }

    #[test]
    fn a_bare_serde_default_is_a_default_without_another_serde_attribute() {
        let out = expand(parse_quote!(
            struct Cfg {
                #[serde(default, rename = "x")]
                a: Option<usize>,
                b: usize,
            }
        ))
        .unwrap()
        .to_string();
        assert!(out.contains("pub fn new (b : usize)"), "{out}");
        assert!(out.contains("pub fn with_a"), "{out}");
        assert!(!out.contains("__Cfg_default_a"), "{out}");
    }

    #[test]
    fn defaulted_fields_get_a_serde_default_and_a_builder_required_ones_a_new_argument() {
        let out = expand(parse_quote!(
            struct Cfg {
                a: usize,
                #[config(default = 3)]
                b: usize,
            }
        ))
        .unwrap()
        .to_string();
        assert!(
            out.contains("serde (default = \"__Cfg_default_b\")"),
            "{out}"
        );
        assert!(out.contains("pub fn new (a : usize)"), "{out}");
        assert!(
            out.contains("pub fn with_b (mut self , b : usize)"),
            "{out}"
        );
        assert!(
            !out.contains("config ("),
            "the config attribute is removed: {out}"
        );
    }
}
