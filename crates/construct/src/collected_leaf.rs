//! Leaf modules the construct routine collects by walking a model, as it finds slots: an
//! elastic handle, a value choice. They hold no parameters and pass every traversal
//! unchanged; `visit` hands a clone to the walk of [`collected_leaf!`]'s collector.

/// Makes `$ty` (a `Clone` type) a parameter-free Burn module and defines `$collect(model)`,
/// which returns every `$ty` of `model` (one entry per field holding one). Once per module:
/// it defines that module's `FOUND`.
macro_rules! collected_leaf {
    ($(#[$doc:meta])* $vis:vis fn $collect:ident() -> $ty:ty) => {
        thread_local! {
            static FOUND: std::cell::RefCell<Option<Vec<$ty>>> =
                const { std::cell::RefCell::new(None) };
        }

        $(#[$doc])*
        $vis fn $collect<M: burn::module::Module>(model: &M) -> Vec<$ty> {
            struct Walk;
            impl burn::module::ModuleVisitor for Walk {}
            FOUND.with(|f| *f.borrow_mut() = Some(vec![]));
            model.visit(&mut Walk);
            FOUND.with(|f| f.borrow_mut().take()).unwrap_or_default()
        }

        impl burn::module::Module for $ty {
            fn collect_devices(&self, devices: burn::module::Devices) -> burn::module::Devices {
                devices
            }
            fn fork(self, _: &burn::tensor::Device) -> Self {
                self
            }
            fn to_device(self, _: &burn::tensor::Device) -> Self {
                self
            }
            fn train(self) -> Self {
                self
            }
            fn valid(&self) -> Self {
                self.clone()
            }
            fn materialize(self) -> Self {
                self
            }
            fn visit<V: burn::module::ModuleVisitor>(&self, _: &mut V) {
                FOUND.with(|f| {
                    if let Some(found) = f.borrow_mut().as_mut() {
                        found.push(self.clone());
                    }
                });
            }
            fn map<Mp: burn::module::ModuleMapper>(self, _: &mut Mp) -> Self {
                self
            }
        }
    };
}

pub(crate) use collected_leaf;
