//! A share of a task's training batches, for trials whose optimizer chose a data fraction
//! (`HyperbandOptim` with `fidelity = "data_fraction"`).
//!
//! Batches from a Burn `DataLoader` keep its first `ceil(fraction × items)` items, through
//! the loader's own `slice` (a shuffling loader then shuffles the kept items each epoch, and a
//! `Learner` reads the smaller loader). Other batches keep the first `ceil(fraction × n)` of
//! the `n` batches of each epoch; `n` is counted once by reading an epoch, since a batch
//! source tells no length.

use crate::estim::Batches;
use crate::{EstimError, TrialReporter};
use burn::data::dataloader::DataLoader;
use modnas_optim::Fidelity;
use std::cell::OnceCell;
use std::sync::Arc;

/// The share of `inner` a trial trains on (see the module docs).
pub(crate) enum BatchShare<'a, B> {
    /// A slice of the loader's items.
    Loader(Arc<dyn DataLoader<B>>),
    /// The first batches of each epoch: the source and the share of its batch count.
    Prefix {
        inner: &'a dyn Batches<B>,
        fidelity: Fidelity,
        kept: OnceCell<usize>,
    },
}

impl<'a, B: 'static> BatchShare<'a, B> {
    /// The share of `inner` that `reporter`'s data fraction keeps; `None` without one.
    pub(crate) fn of(inner: &'a dyn Batches<B>, reporter: &TrialReporter<'_>) -> Option<Self> {
        let fidelity = Fidelity::DataFraction(reporter.data_fraction()?);
        Some(match inner.data_loader() {
            Some(loader) => {
                let items = reporter.share_of(loader.num_items());
                Self::Loader(loader.slice(0, items))
            }
            None => Self::Prefix {
                inner,
                fidelity,
                kept: OnceCell::new(),
            },
        })
    }
}

impl<B: 'static> Batches<B> for BatchShare<'_, B> {
    fn epoch(&self) -> Box<dyn Iterator<Item = Result<B, EstimError>> + '_> {
        match self {
            Self::Loader(loader) => loader.epoch(),
            Self::Prefix {
                inner,
                fidelity,
                kept,
            } => {
                let kept = *kept.get_or_init(|| fidelity.share_of(inner.epoch().count()));
                Box::new(inner.epoch().take(kept))
            }
        }
    }

    fn data_loader(&self) -> Option<Arc<dyn DataLoader<B>>> {
        match self {
            Self::Loader(loader) => Some(loader.clone()),
            Self::Prefix { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vector_of_batches_keeps_its_first_share() {
        let batches: Vec<usize> = (0..10).collect();
        let reporter = TrialReporter::silent(0).with_fidelity(Some(Fidelity::DataFraction(0.25)));
        let share = BatchShare::of(&batches as &dyn Batches<usize>, &reporter).unwrap();
        for _ in 0..2 {
            let seen: Vec<usize> = share.epoch().map(Result::unwrap).collect();
            assert_eq!(seen, [0, 1, 2]);
        }
        assert!(
            BatchShare::of(&batches as &dyn Batches<usize>, &TrialReporter::silent(0)).is_none()
        );
    }

    /// Batches the item indices of a loader, as they are.
    struct Indices;
    impl burn::data::dataloader::batcher::Batcher<usize, Vec<usize>> for Indices {
        fn batch(&self, items: Vec<usize>, _: &burn::tensor::Device) -> Vec<usize> {
            items
        }
    }

    #[test]
    fn a_loader_keeps_a_slice_of_its_items_for_a_learner_too() {
        use burn::data::dataloader::DataLoaderBuilder;
        use burn::data::dataset::InMemDataset;
        let loader: Arc<dyn DataLoader<Vec<usize>>> = DataLoaderBuilder::new(Indices)
            .batch_size(4)
            .shuffle(1)
            .build(InMemDataset::new((0..20).collect::<Vec<usize>>()));
        let reporter = TrialReporter::silent(0).with_fidelity(Some(Fidelity::DataFraction(0.3)));
        let share = BatchShare::of(&loader as &dyn Batches<Vec<usize>>, &reporter).unwrap();
        let mut seen: Vec<usize> = share.epoch().flat_map(Result::unwrap).collect();
        seen.sort_unstable();
        // ceil(0.3 × 20) = 6 items, the same each epoch, shuffled among themselves.
        assert_eq!(seen.len(), 6);
        let mut again: Vec<usize> = share.epoch().flat_map(Result::unwrap).collect();
        again.sort_unstable();
        assert_eq!(seen, again);
        assert_eq!(share.data_loader().map(|l| l.num_items()), Some(6));
    }
}
