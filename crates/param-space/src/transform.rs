//! The Transform routine (paper, Algorithm 4): drain update events, call triggered handlers.

use crate::{HandlerError, ParamSpace, ParamSpaceError, ParamUpdate, ParamValue, Trigger, Watch};
use crossbeam_channel::Receiver;
use std::collections::{HashMap, HashSet};

/// What a handler sees: the space and the updates of this run.
pub struct HandlerCtx<'a> {
    space: &'a ParamSpace,
    updates: &'a [ParamUpdate],
}

impl HandlerCtx<'_> {
    /// The parameter space after the updates.
    pub fn space(&self) -> &ParamSpace {
        self.space
    }

    /// All updates drained in this run, in emission order.
    pub fn updates(&self) -> &[ParamUpdate] {
        self.updates
    }

    /// The current value of a discrete parameter.
    pub fn value(&self, name: &str) -> Result<&ParamValue, HandlerError> {
        Ok(self.space.value(name)?)
    }
}

type HandlerFn<S> = Box<dyn FnMut(&HandlerCtx<'_>, &mut S) -> Result<(), HandlerError>>;

struct Handler<S> {
    name: String,
    trigger: Trigger,
    run: HandlerFn<S>,
}

/// Handlers over a state `S` (usually the model), triggered by parameter updates.
///
/// The routine subscribes to its space's bus for the parameters its handlers watch, so it
/// queues no other events (the α of a supernet change at every step) and takes none from
/// other subscribers. Each run calls every triggered handler once, in priority order: a
/// handler whose trigger covers more of the updated parameters runs first; ties keep
/// registration order.
pub struct Transform<S> {
    handlers: Vec<Handler<S>>,
    watchers: HashMap<String, Vec<usize>>,
    watch: Watch,
    events: Receiver<ParamUpdate>,
    // Scratch buffers reused across runs so that a run allocates nothing in steady state.
    updates: Vec<ParamUpdate>,
    seen: Vec<u64>,
    generation: u64,
    fired: Vec<(usize, usize)>,
}

impl<S> Transform<S> {
    /// A routine listening to `space`'s update events.
    pub fn new(space: &ParamSpace) -> Self {
        let watch = Watch::default();
        Self {
            handlers: Vec::new(),
            watchers: HashMap::new(),
            events: space.subscribe_to(watch.clone()),
            watch,
            updates: Vec::new(),
            seen: Vec::new(),
            generation: 0,
            fired: Vec::new(),
        }
    }

    /// Registers a handler called `name` that runs when `trigger` fires.
    pub fn add_handler(
        &mut self,
        name: impl Into<String>,
        trigger: Trigger,
        run: impl FnMut(&HandlerCtx<'_>, &mut S) -> Result<(), HandlerError> + 'static,
    ) {
        let id = self.handlers.len();
        for watched in trigger.names() {
            self.watch.add(watched.clone());
            let list = self.watchers.entry(watched.clone()).or_default();
            if !list.contains(&id) {
                list.push(id);
            }
        }
        self.handlers.push(Handler {
            name: name.into(),
            trigger,
            run: Box::new(run),
        });
        self.seen.push(0);
    }

    /// Number of registered handlers.
    pub fn len(&self) -> usize {
        self.handlers.len()
    }

    /// True when no handler is registered.
    pub fn is_empty(&self) -> bool {
        self.handlers.is_empty()
    }

    /// Drains pending updates and runs the triggered handlers on `state`. Returns the number
    /// of handler calls. A failing handler does not keep the others from their updates: every
    /// triggered handler runs, and the first failure is returned (the others are logged).
    pub fn run(&mut self, space: &ParamSpace, state: &mut S) -> Result<usize, ParamSpaceError> {
        self.updates.clear();
        self.updates.extend(self.events.try_iter());
        if self.updates.is_empty() {
            return Ok(0);
        }
        self.generation += 1;
        let updates = std::mem::take(&mut self.updates);
        let names: HashSet<&str> = updates.iter().map(|u| u.name.as_str()).collect();
        let updated = |n: &str| names.contains(n);
        self.fired.clear();
        for u in &updates {
            for &id in self.watchers.get(&u.name).map(Vec::as_slice).unwrap_or(&[]) {
                if self.seen[id] == self.generation {
                    continue;
                }
                self.seen[id] = self.generation;
                if let Some(coverage) = self.handlers[id].trigger.coverage(updated) {
                    self.fired.push((coverage, id));
                }
            }
        }
        self.fired.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let ctx = HandlerCtx {
            space,
            updates: &updates,
        };
        let mut result = Ok(self.fired.len());
        for &(_, id) in &self.fired {
            let h = &mut self.handlers[id];
            if let Err(source) = (h.run)(&ctx, state) {
                let params = h
                    .trigger
                    .names()
                    .iter()
                    .filter(|n| updated(n))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                let error = ParamSpaceError::Handler {
                    handler: h.name.clone(),
                    params,
                    source,
                };
                if result.is_ok() {
                    result = Err(error);
                } else {
                    tracing::error!(%error, "a further transform handler failed");
                }
            }
        }
        self.updates = updates;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Categorical;

    fn space(names: &[&str]) -> ParamSpace {
        let mut s = ParamSpace::new();
        for n in names {
            s.insert(*n, Categorical::new([0i64, 1]).unwrap()).unwrap();
        }
        s
    }

    fn logger(
        tag: &'static str,
    ) -> impl FnMut(&HandlerCtx<'_>, &mut Vec<&'static str>) -> Result<(), HandlerError> {
        move |_, log| {
            log.push(tag);
            Ok(())
        }
    }

    #[test]
    fn triggers_fire_by_condition() {
        let mut s = space(&["a", "b", "c"]);
        let mut t = Transform::new(&s);
        t.add_handler("on_a", Trigger::on("a"), logger("on_a"));
        t.add_handler("any_bc", Trigger::any_of(["b", "c"]), logger("any_bc"));
        t.add_handler("all_ab", Trigger::all_of(["a", "b"]), logger("all_ab"));
        let mut log = Vec::new();
        s.set("a", 1i64.into()).unwrap();
        assert_eq!(t.run(&s, &mut log).unwrap(), 1);
        assert_eq!(log, ["on_a"]);
        log.clear();
        s.set("c", 1i64.into()).unwrap();
        t.run(&s, &mut log).unwrap();
        assert_eq!(log, ["any_bc"]);
        log.clear();
        assert_eq!(t.run(&s, &mut log).unwrap(), 0, "no pending updates");
    }

    #[test]
    fn wider_conditions_run_first_and_each_handler_once() {
        let mut s = space(&["a", "b", "c"]);
        let mut t = Transform::new(&s);
        t.add_handler("on_a", Trigger::on("a"), logger("on_a"));
        t.add_handler(
            "any_abc",
            Trigger::any_of(["a", "b", "c"]),
            logger("any_abc"),
        );
        t.add_handler("all_ab", Trigger::all_of(["a", "b"]), logger("all_ab"));
        t.add_handler("on_b", Trigger::on("b"), logger("on_b"));
        for n in ["a", "b", "c"] {
            s.set(n, 1i64.into()).unwrap();
        }
        let mut log = Vec::new();
        assert_eq!(t.run(&s, &mut log).unwrap(), 4);
        assert_eq!(log, ["any_abc", "all_ab", "on_a", "on_b"]);
    }

    #[test]
    fn handler_errors_name_handler_and_parameter() {
        let mut s = space(&["width"]);
        let mut t: Transform<()> = Transform::new(&s);
        t.add_handler("set_width", Trigger::on("width"), |_, _| {
            Err("no such width".into())
        });
        s.set("width", 1i64.into()).unwrap();
        let err = t.run(&s, &mut ()).unwrap_err().to_string();
        assert!(
            err.contains("set_width") && err.contains("width") && err.contains("no such width"),
            "{err}"
        );
    }

    #[test]
    fn a_failing_handler_leaves_the_others_their_updates() {
        let mut s = space(&["a", "b"]);
        let mut t: Transform<Vec<&'static str>> = Transform::new(&s);
        t.add_handler("fails", Trigger::any_of(["a", "b"]), |_, _| {
            Err("broken".into())
        });
        t.add_handler("on_b", Trigger::on("b"), logger("on_b"));
        s.set("a", 1i64.into()).unwrap();
        s.set("b", 1i64.into()).unwrap();
        let mut log = Vec::new();
        let err = t.run(&s, &mut log).unwrap_err().to_string();
        assert!(err.contains("fails") && err.contains("broken"), "{err}");
        assert_eq!(log, ["on_b"], "the other handler still ran on its update");
    }

    #[test]
    fn two_routines_each_see_every_update() {
        let mut s = space(&["a"]);
        let mut first: Transform<Vec<&'static str>> = Transform::new(&s);
        let mut second: Transform<Vec<&'static str>> = Transform::new(&s);
        first.add_handler("first", Trigger::on("a"), logger("first"));
        second.add_handler("second", Trigger::on("a"), logger("second"));
        s.set("a", 1i64.into()).unwrap();
        let mut log = Vec::new();
        assert_eq!(first.run(&s, &mut log).unwrap(), 1);
        assert_eq!(second.run(&s, &mut log).unwrap(), 1);
        assert_eq!(log, ["first", "second"]);
    }

    #[test]
    fn handlers_read_new_values() {
        let mut s = space(&["a"]);
        let mut t: Transform<Vec<ParamValue>> = Transform::new(&s);
        t.add_handler("read", Trigger::on("a"), |ctx, seen| {
            seen.push(ctx.value("a")?.clone());
            Ok(())
        });
        s.set("a", 1i64.into()).unwrap();
        let mut seen = Vec::new();
        t.run(&s, &mut seen).unwrap();
        assert_eq!(seen, [ParamValue::Int(1)]);
    }
}
