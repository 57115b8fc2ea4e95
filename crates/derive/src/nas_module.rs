//! `#[derive(NasModule)]`: forward by the inherent method, cost from the fields in order.

use quote::quote;
use syn::{Data, DeriveInput, Fields, Type};

pub(crate) fn expand(ast: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let StructAttrs {
        input,
        output,
        construct,
    } = struct_attrs(ast)?;
    let Data::Struct(data) = &ast.data else {
        return Err(syn::Error::new_spanned(
            &ast.ident,
            "#[derive(NasModule)] needs a struct: its fields run in declaration order",
        ));
    };
    if matches!(data.fields, Fields::Unit) {
        return Err(syn::Error::new_spanned(
            &ast.ident,
            "#[derive(NasModule)] needs a struct with fields",
        ));
    }
    let mut steps = vec![];
    let mut in_branch = false;
    for (i, field) in data.fields.iter().enumerate() {
        let role = role(field)?;
        if role == Role::Skip {
            continue;
        }
        let member = match &field.ident {
            Some(name) => quote!(#name),
            None => {
                let index = syn::Index::from(i);
                quote!(#index)
            }
        };
        let branch = role == Role::Branch;
        if branch && !in_branch {
            steps.push(quote! { let side = #construct::Cost::new(0, cost.output.clone()); });
        }
        if !branch && in_branch {
            steps.push(close_branch(&construct));
        }
        in_branch = branch;
        let acc = if branch { quote!(side) } else { quote!(cost) };
        let field_name = member.to_string();
        steps.push(quote! {
            let #acc = {
                // Traced, so that `try_cost` names this field when its shape cannot be followed.
                let next = #construct::traced_layer_cost(
                    ::std::any::type_name::<Self>(),
                    #field_name,
                    &self.#member,
                    &#acc.output,
                );
                #acc.then(next)
            };
        });
    }
    if in_branch {
        steps.push(close_branch(&construct));
    }
    let name = &ast.ident;
    let (impl_generics, ty_generics, where_clause) = ast.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #construct::NasModule for #name #ty_generics #where_clause {
            type Input = #input;
            type Output = #output;
            fn forward(&self, x: Self::Input) -> Self::Output {
                // Without an inherent `forward`, the call below would be this very method and
                // recurse for ever. A second trait with a `forward` makes that case ambiguous,
                // a compile error that names this trait; an inherent method wins over both.
                #[allow(dead_code)]
                trait DeriveNasModuleNeedsAnInherentForward {
                    fn forward(&self) {}
                }
                impl #impl_generics DeriveNasModuleNeedsAnInherentForward
                    for #name #ty_generics #where_clause {}
                #name::forward(self, x)
            }
            fn cost(&self, input: &[usize]) -> #construct::Cost {
                let cost = #construct::Cost::new(0, input.to_vec());
                #(#steps)*
                cost
            }
        }
    })
}

/// The `input` and `output` types of `#[nas_module(...)]` on the struct.
/// What `#[nas_module(...)]` on the struct says.
struct StructAttrs {
    /// The inherent `forward`'s input type.
    input: Type,
    /// Its output type.
    output: Type,
    /// How the compiling crate names `modnas-construct`.
    construct: proc_macro2::TokenStream,
}

/// Reads `#[nas_module(input = T, output = U)]` (both required) and the optional
/// `crate = path`: the path of `modnas-construct` in the compiling crate, `::modnas::construct`
/// (through the facade) unless given, as modnas's own crates below the facade give it
/// (`crate = modnas_construct`; serde's `#[serde(crate = ...)]` works the same way).
fn struct_attrs(ast: &DeriveInput) -> syn::Result<StructAttrs> {
    let (mut input, mut output, mut construct) = (None, None, None);
    for attr in ast.attrs.iter().filter(|a| a.path().is_ident("nas_module")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("input") {
                input = Some(meta.value()?.parse::<Type>()?);
            } else if meta.path.is_ident("output") {
                output = Some(meta.value()?.parse::<Type>()?);
            } else if meta.path.is_ident("crate") {
                let path = meta.value()?.parse::<syn::Path>()?;
                construct = Some(quote!(#path));
            } else {
                return Err(meta.error(
                    "expected `input = Type`, `output = Type` or `crate = path_of_modnas_construct`",
                ));
            }
            Ok(())
        })?;
    }
    match (input, output) {
        (Some(input), Some(output)) => Ok(StructAttrs {
            input,
            output,
            construct: construct.unwrap_or_else(|| quote!(::modnas::construct)),
        }),
        _ => Err(syn::Error::new_spanned(
            &ast.ident,
            "#[derive(NasModule)] needs #[nas_module(input = Tensor<4>, output = Tensor<2>)] \
             (the types of the inherent `forward`)",
        )),
    }
}

/// A side branch's cost joins the main path's; the main path's output shape goes on.
fn close_branch(construct: &proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    quote! {
        let cost = {
            let output = cost.output.clone();
            #construct::Cost::merge([cost, side], output)
        };
    }
}

/// How a field's cost is counted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// On the main path, after the fields before it.
    Main,
    /// On a side branch that reads the main path's current output.
    Branch,
    /// Not counted.
    Skip,
}

/// A field's role: `#[nas_module(skip)]` or Burn's `#[module(skip)]` (a field that is not a
/// module) leave it out, `#[nas_module(branch)]` puts it on a side branch.
fn role(field: &syn::Field) -> syn::Result<Role> {
    let mut role = Role::Main;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("module")) {
        // Burn checks its own attribute; only `skip` matters here.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") {
                role = Role::Skip;
            }
            Ok(())
        });
    }
    for attr in field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("nas_module"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") {
                role = Role::Skip;
                Ok(())
            } else if meta.path.is_ident("branch") {
                role = Role::Branch;
                Ok(())
            } else {
                Err(meta.error("expected `skip` or `branch`"))
            }
        })?;
    }
    Ok(role)
}
