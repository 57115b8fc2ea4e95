//! Progress events. Trainers emit a `tracing` event at TRACE level with the target
//! [`PROGRESS_TARGET`] after each batch (fields `epoch`, `epochs`, `batch`, `batches`, counted
//! from 1) and after each epoch (`epoch`, `epochs`, `loss`). A front end shows them (the CLI's
//! progress bar); without a subscriber that enables the target they cost one cached check.

/// The `tracing` target of progress events.
pub const PROGRESS_TARGET: &str = "modnas::progress";

/// Reports batch `batch` of `batches` in epoch `epoch` of `epochs` (0-based in, 1-based out).
pub(crate) fn batch_done(epoch: usize, epochs: usize, batch: usize, batches: usize) {
    tracing::trace!(
        target: PROGRESS_TARGET,
        epoch = epoch + 1,
        epochs,
        batch = batch + 1,
        batches
    );
}

/// Reports the end of epoch `epoch` (0-based) of `epochs` with its mean training loss.
pub(crate) fn epoch_done(epoch: usize, epochs: usize, loss: f64) {
    tracing::trace!(target: PROGRESS_TARGET, epoch = epoch + 1, epochs, loss);
}
