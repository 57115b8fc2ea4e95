//! Object-safe mirrors of Burn's generic `ModuleVisitor` / `ModuleMapper`.
//!
//! Burn's traversal traits have const-generic methods, so a boxed candidate cannot accept
//! them directly. A parameter crosses the boundary as `&dyn Any` / `Box<dyn Any>` tagged with
//! its rank, and is downcast back to `Param<Tensor<D, K>>` on the other side.

use burn::module::{Flag, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Bool, Int, Tensor};
use std::any::Any;

/// Calls `$body` with `$d` bound to the const rank `$rank` (1..=8).
macro_rules! dispatch_rank {
    ($rank:expr, $d:ident => $body:block) => {
        match $rank {
            1 => {
                const $d: usize = 1;
                $body
            }
            2 => {
                const $d: usize = 2;
                $body
            }
            3 => {
                const $d: usize = 3;
                $body
            }
            4 => {
                const $d: usize = 4;
                $body
            }
            5 => {
                const $d: usize = 5;
                $body
            }
            6 => {
                const $d: usize = 6;
                $body
            }
            7 => {
                const $d: usize = 7;
                $body
            }
            8 => {
                const $d: usize = 8;
                $body
            }
            other => panic!("modnas supports parameters of rank 1 to 8, found rank {other}"),
        }
    };
}

/// A borrowed parameter of erased rank and kind.
pub struct ParamRef<'a> {
    rank: usize,
    value: &'a dyn Any,
}

/// An owned parameter of erased rank and kind.
pub struct ParamOwned {
    rank: usize,
    value: Box<dyn Any + Send>,
}

impl ParamOwned {
    fn take<T: Any>(self) -> T {
        *self
            .value
            .downcast::<T>()
            .expect("a parameter crossing the erased boundary keeps its rank and kind")
    }
}

/// Object-safe visitor.
pub trait DynVisitor {
    /// A float parameter.
    fn visit_float(&mut self, p: ParamRef<'_>);
    /// An int parameter.
    fn visit_int(&mut self, p: ParamRef<'_>);
    /// A bool parameter.
    fn visit_bool(&mut self, p: ParamRef<'_>);
    /// A module-owned flag (BatchNorm's training switch).
    fn visit_flag(&mut self, p: &Param<Flag>);
    /// Entering a submodule.
    fn enter_module(&mut self, name: &str, container: &str);
    /// Leaving a submodule.
    fn exit_module(&mut self, name: &str, container: &str);
}

/// Object-safe mapper.
pub trait DynMapper {
    /// A float parameter.
    fn map_float(&mut self, p: ParamOwned) -> ParamOwned;
    /// An int parameter.
    fn map_int(&mut self, p: ParamOwned) -> ParamOwned;
    /// A bool parameter.
    fn map_bool(&mut self, p: ParamOwned) -> ParamOwned;
    /// A module-owned flag.
    fn map_flag(&mut self, p: Param<Flag>) -> Param<Flag>;
    /// Entering a submodule.
    fn enter_module(&mut self, name: &str, container: &str);
    /// Leaving a submodule.
    fn exit_module(&mut self, name: &str, container: &str);
}

/// Generic visitor → object-safe visitor (used inside a concrete module).
pub(crate) struct ToDynVisitor<'a>(pub &'a mut dyn DynVisitor);

impl ModuleVisitor for ToDynVisitor<'_> {
    fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
        self.0.visit_float(ParamRef { rank: D, value: p });
    }
    fn visit_int<const D: usize>(&mut self, p: &Param<Tensor<D, Int>>) {
        self.0.visit_int(ParamRef { rank: D, value: p });
    }
    fn visit_bool<const D: usize>(&mut self, p: &Param<Tensor<D, Bool>>) {
        self.0.visit_bool(ParamRef { rank: D, value: p });
    }
    fn visit_flag(&mut self, p: &Param<Flag>) {
        self.0.visit_flag(p);
    }
    fn enter_module(&mut self, name: &str, container: &str) {
        self.0.enter_module(name, container);
    }
    fn exit_module(&mut self, name: &str, container: &str) {
        self.0.exit_module(name, container);
    }
}

/// Generic mapper → object-safe mapper.
pub(crate) struct ToDynMapper<'a>(pub &'a mut dyn DynMapper);

impl ModuleMapper for ToDynMapper<'_> {
    fn map_float<const D: usize>(&mut self, p: Param<Tensor<D>>) -> Param<Tensor<D>> {
        self.0
            .map_float(ParamOwned {
                rank: D,
                value: Box::new(p),
            })
            .take()
    }
    fn map_int<const D: usize>(&mut self, p: Param<Tensor<D, Int>>) -> Param<Tensor<D, Int>> {
        self.0
            .map_int(ParamOwned {
                rank: D,
                value: Box::new(p),
            })
            .take()
    }
    fn map_bool<const D: usize>(&mut self, p: Param<Tensor<D, Bool>>) -> Param<Tensor<D, Bool>> {
        self.0
            .map_bool(ParamOwned {
                rank: D,
                value: Box::new(p),
            })
            .take()
    }
    fn map_flag(&mut self, p: Param<Flag>) -> Param<Flag> {
        self.0.map_flag(p)
    }
    fn enter_module(&mut self, name: &str, container: &str) {
        self.0.enter_module(name, container);
    }
    fn exit_module(&mut self, name: &str, container: &str) {
        self.0.exit_module(name, container);
    }
}

/// Object-safe visitor → the caller's generic visitor.
pub(crate) struct FromDynVisitor<'a, V>(pub &'a mut V);

fn as_param<'a, T: Any>(p: &ParamRef<'a>) -> &'a T {
    p.value
        .downcast_ref::<T>()
        .expect("a parameter crossing the erased boundary keeps its rank and kind")
}

impl<V: ModuleVisitor> DynVisitor for FromDynVisitor<'_, V> {
    fn visit_float(&mut self, p: ParamRef<'_>) {
        dispatch_rank!(p.rank, D => { self.0.visit_float(as_param::<Param<Tensor<D>>>(&p)) })
    }
    fn visit_int(&mut self, p: ParamRef<'_>) {
        dispatch_rank!(p.rank, D => { self.0.visit_int(as_param::<Param<Tensor<D, Int>>>(&p)) })
    }
    fn visit_bool(&mut self, p: ParamRef<'_>) {
        dispatch_rank!(p.rank, D => { self.0.visit_bool(as_param::<Param<Tensor<D, Bool>>>(&p)) })
    }
    fn visit_flag(&mut self, p: &Param<Flag>) {
        self.0.visit_flag(p);
    }
    fn enter_module(&mut self, name: &str, container: &str) {
        self.0.enter_module(name, container);
    }
    fn exit_module(&mut self, name: &str, container: &str) {
        self.0.exit_module(name, container);
    }
}

/// Object-safe mapper → the caller's generic mapper.
pub(crate) struct FromDynMapper<'a, M>(pub &'a mut M);

impl<M: ModuleMapper> DynMapper for FromDynMapper<'_, M> {
    fn map_float(&mut self, p: ParamOwned) -> ParamOwned {
        let rank = p.rank;
        dispatch_rank!(rank, D => {
            let out = self.0.map_float(p.take::<Param<Tensor<D>>>());
            ParamOwned { rank, value: Box::new(out) }
        })
    }
    fn map_int(&mut self, p: ParamOwned) -> ParamOwned {
        let rank = p.rank;
        dispatch_rank!(rank, D => {
            let out = self.0.map_int(p.take::<Param<Tensor<D, Int>>>());
            ParamOwned { rank, value: Box::new(out) }
        })
    }
    fn map_bool(&mut self, p: ParamOwned) -> ParamOwned {
        let rank = p.rank;
        dispatch_rank!(rank, D => {
            let out = self.0.map_bool(p.take::<Param<Tensor<D, Bool>>>());
            ParamOwned { rank, value: Box::new(out) }
        })
    }
    fn map_flag(&mut self, p: Param<Flag>) -> Param<Flag> {
        self.0.map_flag(p)
    }
    fn enter_module(&mut self, name: &str, container: &str) {
        self.0.enter_module(name, container);
    }
    fn exit_module(&mut self, name: &str, container: &str) {
        self.0.exit_module(name, container);
    }
}
