//! Every transform handler the construct routine registers, in one place: swapping a slot's
//! candidate when its categorical changes (`slot_swap`), moving the active path of an
//! `IndexMixedOp` (`mixed_index`), setting elastic widths and depths (`elastic`) and the
//! values a model reads (`value`).
//! Handlers fail with a [`ConstructError`](crate::ConstructError), carried typed through the
//! transform routine's error as its source.

mod elastic;
mod mixed_index;
mod slot_swap;
mod value;

pub use elastic::bind_elastic;
pub(crate) use mixed_index::*;
pub(crate) use slot_swap::*;
pub(crate) use value::bind_values;
