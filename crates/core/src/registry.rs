//! Name lookup shared by every component registry (candidates, models, optimizers,
//! estimators, metrics): each kind is its own `inventory` collection of `'static` entries.

use std::fmt;

/// An entry of a registry collected with `inventory`.
pub trait Registered: inventory::Collect + Sync {
    /// The component kind, singular ("candidate", "optimizer"...), for messages.
    const KIND: &'static str;
    /// The registry id of this entry.
    fn id(&self) -> &'static str;
}

/// A name that is not registered, or registered twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// The component kind.
    pub kind: &'static str,
    /// The requested name.
    pub name: String,
    /// All registered names, sorted.
    pub known: Vec<&'static str>,
    /// True when the name is registered more than once.
    pub duplicate: bool,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.duplicate {
            write!(
                f,
                "{} `{}` is registered more than once",
                self.kind, self.name
            )
        } else {
            write!(
                f,
                "unknown {} `{}`; known: [{}]",
                self.kind,
                self.name,
                self.known.join(", ")
            )
        }
    }
}

impl std::error::Error for UnknownName {}

/// Registered names of kind `T`, sorted and deduplicated.
pub fn registered_names<T: Registered>() -> Vec<&'static str> {
    let mut names: Vec<_> = inventory::iter::<T>.into_iter().map(|e| e.id()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The entry registered as `name`.
pub fn lookup<T: Registered>(name: &str) -> Result<&'static T, UnknownName> {
    let mut found = inventory::iter::<T>.into_iter().filter(|e| e.id() == name);
    match (found.next(), found.next()) {
        (Some(entry), None) => Ok(entry),
        (first, _) => Err(UnknownName {
            kind: T::KIND,
            name: name.to_string(),
            known: registered_names::<T>(),
            duplicate: first.is_some(),
        }),
    }
}

/// The argument type of a component that takes none: an empty `args` table (a key is refused).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Deserializes a component's TOML `args` table into its typed arguments; the message of the
/// error names the offending key and what is allowed.
pub fn deserialize_args<T: serde::de::DeserializeOwned>(args: &toml::Table) -> Result<T, String> {
    serde_path_to_error::deserialize(toml::Value::Table(args.clone())).map_err(|e| {
        let message = e.inner().message().to_string();
        match e.path().to_string().as_str() {
            "." | "" => message,
            key => format!("`{key}`: {message}"),
        }
    })
}

/// Defines a registry entry type: `pub struct $entry { name, build }`, its `const fn new`, its
/// `inventory` collection and its [`Registered`] impl. Each component kind calls it once:
///
/// ```
/// pub type GreeterBuildFn = fn() -> String;
/// modnas_core::registry_entry!(
///     /// A registered greeter.
///     GreeterEntry, "greeter", GreeterBuildFn
/// );
/// modnas_core::submit_component!(
///     GreeterEntry, "Hello", [" Says hello."], None, || "hello".to_string()
/// );
/// let entry = modnas_core::lookup::<GreeterEntry>("Hello").unwrap();
/// assert_eq!((entry.build)(), "hello");
/// let doc = &modnas_core::component_docs("greeter")[0];
/// assert_eq!((doc.name, doc.about()), ("Hello", "Says hello."));
/// ```
#[macro_export]
macro_rules! registry_entry {
    ($(#[$meta:meta])* $entry:ident, $kind:literal, $build:ty) => {
        $(#[$meta])*
        pub struct $entry {
            /// Registry id.
            pub name: &'static str,
            /// Constructor.
            pub build: $build,
        }

        impl $entry {
            /// An entry (const, for `inventory::submit!`).
            pub const fn new(name: &'static str, build: $build) -> Self {
                Self { name, build }
            }
        }

        $crate::inventory::collect!($entry);

        impl $crate::Registered for $entry {
            const KIND: &'static str = $kind;
            fn id(&self) -> &'static str {
                self.name
            }
        }
    };
}

/// Defines a component kind whose builder takes its `args` table alone: the build-function
/// type `fn(&toml::Table) -> Result<$out, $err>`, the [`registry_entry!`] and two functions, one
/// that builds the component registered under a name (an unknown name is an error that lists
/// the known ones: `$err` converts from [`UnknownName`]) and one that lists the names:
///
/// ```
/// #[derive(Debug)]
/// pub struct Missing(modnas_core::UnknownName);
/// impl From<modnas_core::UnknownName> for Missing {
///     fn from(e: modnas_core::UnknownName) -> Self { Missing(e) }
/// }
/// modnas_core::table_registry!(
///     /// A registered shouter.
///     ShouterEntry, "shouter", ShouterBuildFn -> String, Missing; build_shouter, shouter_names
/// );
/// modnas_core::submit_component!(
///     ShouterEntry, "Loud", [" Shouts."], None, |_| Ok("HI".to_string())
/// );
/// assert_eq!(build_shouter("Loud", &Default::default()).unwrap(), "HI");
/// assert_eq!(shouter_names(), ["Loud"]);
/// assert!(build_shouter("Quiet", &Default::default()).is_err());
/// ```
#[macro_export]
macro_rules! table_registry {
    (
        $(#[$meta:meta])* $entry:ident, $kind:literal, $build_fn:ident -> $out:ty, $err:ty;
        $build:ident, $names:ident
    ) => {
        #[doc = ::core::concat!("Builds a ", $kind, " from its TOML `args` table.")]
        pub type $build_fn =
            fn(&$crate::toml::Table) -> ::core::result::Result<$out, $err>;

        $crate::registry_entry!($(#[$meta])* $entry, $kind, $build_fn);

        #[doc = ::core::concat!(
            "Builds the ", $kind, " registered as `name` from its `args` table (an unknown name ",
            "lists the known ones)."
        )]
        pub fn $build(
            name: &str,
            args: &$crate::toml::Table,
        ) -> ::core::result::Result<$out, $err> {
            ($crate::lookup::<$entry>(name)?.build)(args)
        }

        #[doc = ::core::concat!("Names of every registered ", $kind, ", sorted.")]
        pub fn $names() -> ::std::vec::Vec<&'static str> {
            $crate::registered_names::<$entry>()
        }
    };
}

/// Submits a component: its registry entry (`$entry::new(name, build)`) and its description
/// for `modnas list --detail`, of the entry's kind, with the sentence `about` (the doc
/// comment's lines, as `register_*!` macros collect them; a component without one is a compile
/// error) and the schema of its argument type (`None` when it takes none). Each kind's
/// `register_*!` macro expands to it, so that the name is written once and the listed keys are
/// those of the type that is deserialized. Without a sentence it does not compile:
///
/// ```compile_fail
/// modnas_core::registry_entry!(
///     /// A registered greeter.
///     GreeterEntry, "greeter", fn() -> String
/// );
/// modnas_core::submit_component!(GreeterEntry, "Hello", [], None, || "hi".to_string());
/// ```
#[macro_export]
macro_rules! submit_component {
    ($entry:ty, $name:literal, [], $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "`", $name, "` needs a doc comment before its name (`/// what it is`): ",
            "`modnas list --detail` prints it"
        ));
    };
    ($entry:ty, $name:literal, [$($about:expr),*], None, $build:expr) => {
        $crate::submit_component!(@both $entry, $name, [$($about),*], None, $build);
    };
    ($entry:ty, $name:literal, [$($about:expr),*], $args:ty, $build:expr) => {
        $crate::submit_component!(
            @both $entry, $name, [$($about),*], Some(|| $crate::schemars::schema_for!($args)), $build
        );
    };
    (@both $entry:ty, $name:literal, [$($about:expr),*], $schema:expr, $build:expr) => {
        $crate::inventory::submit! { <$entry>::new($name, $build) }
        $crate::inventory::submit! {
            $crate::ComponentDoc {
                kind: <$entry as $crate::Registered>::KIND,
                name: $name,
                about: concat!($($about),*),
                args: $schema,
            }
        }
    };
}

/// The body of the `register_*!` macros whose builder takes the component's `args` table
/// alone: the entry, the function that parses the table (naming the component in its errors),
/// then the doc comment, the name and a closure from the argument type, or `|| …` for a
/// component without arguments (any key refused).
#[doc(hidden)]
#[macro_export]
macro_rules! submit_with_args {
    ($entry:ty, $parse:path; $(#[doc = $about:expr])* $name:literal, |$a:tt : $args:ty| $body:expr) => {
        $crate::submit_component!(
            $entry, $name, [$($about),*], $args,
            |table| {
                let $a: $args = $parse($name, table)?;
                $body
            }
        );
    };
    ($entry:ty, $parse:path; $(#[doc = $about:expr])* $name:literal, || $body:expr) => {
        $crate::submit_with_args!(
            $entry, $parse; $(#[doc = $about])* $name, |_: $crate::NoArgs| $body
        );
    };
}
