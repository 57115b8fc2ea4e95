//! Parameter-update events and the bus that carries them.
//!
//! Every subscriber of a space's [`EventBus`] has its own receiver, so two transform routines
//! (or a transform routine and a live view) each see every event. A subscriber may listen to
//! all parameters or only to the names in its [`Watch`]: tensor parameters (α) emit an event
//! at every optimizer step, and a routine that watches none of them queues none.
//!
//! ```
//! use modnas_param_space::{Categorical, ParamSpace, Watch};
//! # fn main() -> Result<(), modnas_param_space::ParamSpaceError> {
//! let mut space = ParamSpace::new();
//! space.insert("a", Categorical::new(["x", "y"])?)?;
//! space.insert("b", Categorical::new(["x", "y"])?)?;
//! let all = space.subscribe();
//! let watch = Watch::default();
//! watch.add("b");
//! let only_b = space.subscribe_to(watch);
//! space.set("a", "y".into())?;
//! space.set("b", "y".into())?;
//! assert_eq!(all.try_iter().map(|u| u.name).collect::<Vec<_>>(), ["a", "b"]);
//! assert_eq!(only_b.try_iter().map(|u| u.name).collect::<Vec<_>>(), ["b"]);
//! # Ok(())
//! # }
//! ```

use crate::ParamValue;
use crossbeam_channel::{Receiver, Sender};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};

/// Emitted when a parameter's value changes: the paper's "parameter update event".
#[derive(Clone, Debug, PartialEq)]
pub struct ParamUpdate {
    /// Name of the updated parameter.
    pub name: String,
    /// The previous value (`None` for tensor parameters).
    pub old: Option<ParamValue>,
    /// The new value (`None` for tensor parameters, whose values live in the tensor).
    pub new: Option<ParamValue>,
}

/// The parameter names a subscriber listens to; it may grow after subscribing (a transform
/// routine adds the names of each handler it registers). Clones share one set.
#[derive(Clone, Debug, Default)]
pub struct Watch(Arc<RwLock<HashSet<String>>>);

impl Watch {
    /// Listens to `name` from now on.
    pub fn add(&self, name: impl Into<String>) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.into());
    }

    /// True when `name` is watched.
    pub fn contains(&self, name: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name)
    }
}

#[derive(Debug)]
struct Subscriber {
    sender: Sender<ParamUpdate>,
    watch: Option<Watch>,
}

/// Publishes parameter updates to every subscriber, each on its own unbounded channel.
/// Clones share the subscribers; a subscriber whose receiver was dropped is forgotten.
#[derive(Clone, Debug, Default)]
pub struct EventBus {
    subscribers: Arc<Mutex<Vec<Subscriber>>>,
}

impl EventBus {
    /// A receiver of every event published from now on.
    pub fn subscribe(&self) -> Receiver<ParamUpdate> {
        self.add(None)
    }

    /// A receiver of the events of the parameters `watch` names when they are published.
    pub fn subscribe_to(&self, watch: Watch) -> Receiver<ParamUpdate> {
        self.add(Some(watch))
    }

    fn add(&self, watch: Option<Watch>) -> Receiver<ParamUpdate> {
        let (sender, receiver) = crossbeam_channel::unbounded();
        self.lock().push(Subscriber { sender, watch });
        receiver
    }

    /// Sends `update` to every subscriber that listens to its parameter.
    pub fn publish(&self, update: ParamUpdate) {
        self.lock().retain(|s| {
            if s.watch.as_ref().is_some_and(|w| !w.contains(&update.name)) {
                return true;
            }
            s.sender.send(update.clone()).is_ok()
        });
    }

    /// Number of live subscribers.
    pub fn subscribers(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Subscriber>> {
        self.subscribers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(name: &str) -> ParamUpdate {
        ParamUpdate {
            name: name.into(),
            old: None,
            new: None,
        }
    }

    #[test]
    fn every_subscriber_gets_every_event_it_watches() {
        let bus = EventBus::default();
        let (one, two) = (bus.subscribe(), bus.subscribe());
        let watch = Watch::default();
        let some = bus.subscribe_to(watch.clone());
        bus.publish(update("a"));
        watch.add("b");
        bus.publish(update("b"));
        let names = |rx: &Receiver<ParamUpdate>| rx.try_iter().map(|u| u.name).collect::<Vec<_>>();
        assert_eq!(names(&one), ["a", "b"]);
        assert_eq!(names(&two), ["a", "b"]);
        assert_eq!(
            names(&some),
            ["b"],
            "a name watched after its event missed it"
        );
    }

    #[test]
    fn dropped_receivers_are_forgotten() {
        let bus = EventBus::default();
        let kept = bus.subscribe();
        drop(bus.subscribe());
        assert_eq!(bus.subscribers(), 2);
        bus.publish(update("a"));
        assert_eq!(bus.subscribers(), 1);
        assert_eq!(kept.try_iter().count(), 1);
    }
}
