#![warn(missing_docs)]
//! Macros of modnas. `#[derive(NasModule)]` makes a Burn model with an inherent
//! `forward` a `NasModule` whose cost is counted without code: its fields run in the order
//! they are declared, each counted by its `LayerCost` (Burn's standard layers, slots, `Vec`s
//! and `Option`s of them). `#[nas_config]` makes a struct a Burn-style config whose serde
//! form leaves out defaulted fields. Used through `modnas::prelude`; see `docs/own-model.md`.

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

mod nas_config;
mod nas_module;

/// Implements `modnas::construct::NasModule` for a struct:
///
/// - `forward` calls the struct's inherent `forward` (the Burn convention);
/// - `cost` chains the fields' `LayerCost`s in declaration order; `#[nas_module(skip)]` leaves
///   a field out (one that computes nothing, such as a width), as does Burn's
///   `#[module(skip)]`; consecutive fields marked `#[nas_module(branch)]` form a side branch
///   that reads the main path's output at that point and adds its cost, the main path's shape
///   going on unchanged (squeeze-and-excitation gates, attention masks);
/// - `#[nas_module(input = Tensor<4>, output = Tensor<2>)]` on the struct gives the forward
///   types (both required).
///
/// A model whose fields run otherwise (parallel paths that both carry the main output, a field
/// used twice) implements `NasModule` by hand instead.
///
/// The generated code names the trait through `::modnas::construct`, as a crate that depends
/// on `modnas` reaches it; `#[nas_module(crate = path)]` gives another path to
/// `modnas-construct`, as modnas's own crates below the facade do
/// (`crate = modnas_construct`), so built-in candidates derive it as users' models do
/// (`SepConv`, `DilConv`).
#[proc_macro_derive(NasModule, attributes(nas_module))]
pub fn derive_nas_module(input: TokenStream) -> TokenStream {
    let ast = parse_macro_input!(input as DeriveInput);
    nas_module::expand(&ast)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Makes a struct a Burn-style config: `new` takes the fields without a default,
/// `#[config(default = expr)]` gives the others a default and a `with_<field>` builder, and a
/// serde `Deserialize` derived on the struct fills left-out defaulted fields (the TOML args of
/// a built-in model deserialize into its config this way).
///
/// ```
/// use modnas_derive::nas_config;
/// #[nas_config]
/// #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// pub struct WideConfig {
///     /// Input features.
///     pub d_in: usize,
///     /// Hidden width.
///     #[config(default = 64)]
///     pub width: usize,
/// }
/// let config = WideConfig::new(8).with_width(32);
/// assert_eq!((config.d_in, config.width), (8, 32));
/// // Left out of the serde form, `width` takes its default; unknown keys are refused.
/// let parsed: WideConfig = serde_json::from_str(r#"{"d_in": 4}"#).unwrap();
/// assert_eq!(parsed.width, 64);
/// assert!(serde_json::from_str::<WideConfig>(r#"{"d_in": 4, "widht": 1}"#).is_err());
/// ```
#[proc_macro_attribute]
pub fn nas_config(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[nas_config] takes no arguments",
        )
        .into_compile_error()
        .into();
    }
    let item = parse_macro_input!(item as syn::ItemStruct);
    nas_config::expand(item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
