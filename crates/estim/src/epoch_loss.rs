//! [`EpochLoss`]: the mean training loss of an epoch, summed on the device batch by batch and
//! read back once at the end (a read per batch would wait for every step to finish).

use burn::tensor::Tensor;

/// The losses of an epoch's batches.
#[derive(Default)]
pub(crate) struct EpochLoss {
    sum: Option<Tensor<1>>,
    batches: usize,
}

impl EpochLoss {
    /// Adds one batch's loss (detached from the graph).
    pub(crate) fn add(&mut self, loss: Tensor<1>) {
        let loss = loss.detach();
        self.sum = Some(match self.sum.take() {
            Some(sum) => sum + loss,
            None => loss,
        });
        self.batches += 1;
    }

    /// The batches added so far.
    pub(crate) fn batches(&self) -> usize {
        self.batches
    }

    /// The mean loss; `None` when no batch was added.
    pub(crate) fn mean(self) -> Option<f64> {
        let batches = self.batches as f64;
        self.sum.map(|s| s.into_scalar::<f64>() / batches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn the_mean_of_the_batches_added_or_none() {
        let device = Device::default();
        let mut loss = EpochLoss::default();
        assert_eq!(EpochLoss::default().mean(), None);
        loss.add(Tensor::from_floats([1.0], &device));
        loss.add(Tensor::from_floats([4.0], &device));
        assert_eq!(loss.batches(), 2);
        assert_eq!(loss.mean(), Some(2.5));
    }
}
