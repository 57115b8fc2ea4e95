//! Trigger conditions of transform handlers.

/// When a transform handler runs, given the set of parameters updated since the last run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// When this one parameter was updated.
    On(String),
    /// When any of these parameters was updated.
    AnyOf(Vec<String>),
    /// When all of these parameters were updated.
    AllOf(Vec<String>),
}

impl Trigger {
    /// Shorthand for [`Trigger::On`].
    pub fn on(name: impl Into<String>) -> Self {
        Trigger::On(name.into())
    }

    /// Shorthand for [`Trigger::AnyOf`].
    pub fn any_of<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Trigger::AnyOf(names.into_iter().map(Into::into).collect())
    }

    /// Shorthand for [`Trigger::AllOf`].
    pub fn all_of<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Trigger::AllOf(names.into_iter().map(Into::into).collect())
    }

    /// The parameter names this trigger watches.
    pub fn names(&self) -> &[String] {
        match self {
            Trigger::On(n) => std::slice::from_ref(n),
            Trigger::AnyOf(v) | Trigger::AllOf(v) => v,
        }
    }

    /// How many of the updated parameters this trigger covers, or `None` if it does not fire.
    /// A higher count runs first: global transforms override local ones (paper, Appendix B).
    pub fn coverage(&self, updated: impl Fn(&str) -> bool) -> Option<usize> {
        let hits = self.names().iter().filter(|n| updated(n)).count();
        let fires = match self {
            Trigger::On(_) | Trigger::AnyOf(_) => hits > 0,
            Trigger::AllOf(v) => hits == v.len() && !v.is_empty(),
        };
        fires.then_some(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_counts_updated_names() {
        let updated = |n: &str| n == "a" || n == "b";
        assert_eq!(Trigger::on("a").coverage(updated), Some(1));
        assert_eq!(Trigger::on("c").coverage(updated), None);
        assert_eq!(Trigger::any_of(["a", "b", "c"]).coverage(updated), Some(2));
        assert_eq!(Trigger::all_of(["a", "b"]).coverage(updated), Some(2));
        assert_eq!(Trigger::all_of(["a", "c"]).coverage(updated), None);
    }
}
